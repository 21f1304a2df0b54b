//! minispl-parser: SPL text → macro expansion → AST with byte spans.
//!
//! The stages are public and testable alone (PRQL-style):
//! [`expand_macros`] (text → [`Expanded`]), [`parse_expanded`] (expanded text →
//! [`ast::Pipeline`]), and [`parse`] doing both. [`print::pipeline`] prints an AST back to
//! canonical SPL such that `parse(print(ast)) == ast`.
#![forbid(unsafe_code)]

pub mod ast;
pub mod commands;
mod cursor;
pub mod diagnostic;
mod eval_expr;
pub mod expand;
mod pipeline;
pub mod print;
mod search_expr;

pub use ast::{Pipeline, Span};
pub use cursor::MAX_NESTING;
pub use diagnostic::ParseError;
pub use expand::{expand_macros, Expanded, MacroDef, MacroTable, Macros};
pub use pipeline::{FirstSegment, ParseOptions};

/// Expand macros in `text` and parse the result into a pipeline.
pub fn parse(text: &str, macros: &dyn MacroTable) -> Result<Pipeline, ParseError> {
    Ok(parse_search(text, macros)?.pipeline)
}

/// [`parse`] with options (e.g. the CONFORMANCE.md convention for the first segment).
pub fn parse_with(
    text: &str,
    macros: &dyn MacroTable,
    options: ParseOptions,
) -> Result<Pipeline, ParseError> {
    let expanded = expand_macros(text, macros)?;
    parse_expanded_with(&expanded, options)
}

/// A parsed search together with its expanded text, for rendering later (runtime)
/// diagnostics against the text the spans point into.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub expanded: Expanded,
    pub pipeline: Pipeline,
}

/// Expand and parse, keeping the expanded text.
pub fn parse_search(text: &str, macros: &dyn MacroTable) -> Result<Parsed, ParseError> {
    let expanded = expand_macros(text, macros)?;
    let pipeline = parse_expanded(&expanded)?;
    Ok(Parsed { expanded, pipeline })
}

/// Parse an already expanded search.
pub fn parse_expanded(expanded: &Expanded) -> Result<Pipeline, ParseError> {
    parse_expanded_with(expanded, ParseOptions::default())
}

/// Parse an already expanded search with options. Errors carry the text and span to
/// render (the original search, or the macro body they occurred in, with the chain).
pub fn parse_expanded_with(
    expanded: &Expanded,
    options: ParseOptions,
) -> Result<Pipeline, ParseError> {
    let text = &expanded.text;
    pipeline::parse_pipeline(text, 0, text.len(), &expanded.empty_expansions, options, 0)
        .map_err(|e| expanded.attach(e))
}

/// Parse a standalone eval expression (calculated fields, `searchmatch`-free contexts).
pub fn parse_eval_expr(text: &str) -> Result<ast::Expr, ParseError> {
    let mut c = cursor::Cursor::new(text, 0, text.len());
    let run = |c: &mut cursor::Cursor<'_>| -> Result<ast::Expr, ParseError> {
        if c.at_end() {
            return Err(
                ParseError::new("empty expression", Span::new(0, 0)).expected("an expression")
            );
        }
        let e = eval_expr::parse_expression(c)?;
        if !c.at_end() {
            return Err(c.unexpected("an operator or the end of the expression"));
        }
        Ok(e)
    };
    run(&mut c).map_err(|e| {
        let span = e.span;
        e.with_source("expression", text, span)
    })
}

/// Parse a standalone search-language expression (data model constraints,
/// `searchmatch()`). `Ok(None)` for empty text.
pub fn parse_search_expr(text: &str) -> Result<Option<ast::SearchExpr>, ParseError> {
    let mut c = cursor::Cursor::new(text, 0, text.len());
    search_expr::parse(&mut c, false).map_err(|e| {
        let span = e.span;
        e.with_source("expression", text, span)
    })
}
