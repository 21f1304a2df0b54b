//! minispl-parser: SPL text → macro expansion → AST with byte spans.
//!
//! The stages are public and testable alone (PRQL-style):
//! [`expand_macros`] (text → [`Expanded`]), [`parse_expanded`] (expanded text →
//! [`ast::Pipeline`]), and [`parse`] doing both. [`print::pipeline`] prints an AST back to
//! canonical SPL such that `parse(print(ast)) == ast`.
#![forbid(unsafe_code)]

pub mod ast;
pub mod diagnostic;
pub mod expand;
pub mod print;

pub use ast::{Pipeline, Span};
pub use diagnostic::ParseError;
pub use expand::{expand_macros, Expanded, MacroDef, MacroTable, Macros};

/// Expand macros in `text` and parse the result into a pipeline.
pub fn parse(text: &str, macros: &dyn MacroTable) -> Result<Pipeline, ParseError> {
    Ok(parse_search(text, macros)?.pipeline)
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
    let _ = expanded;
    todo!("parser")
}

/// Parse a standalone eval expression (calculated fields, `searchmatch`-free contexts).
pub fn parse_eval_expr(text: &str) -> Result<ast::Expr, ParseError> {
    let _ = text;
    todo!("parser")
}

/// Parse a standalone search-language expression (data model constraints,
/// `searchmatch()`). `Ok(None)` for empty text.
pub fn parse_search_expr(text: &str) -> Result<Option<ast::SearchExpr>, ParseError> {
    let _ = text;
    todo!("parser")
}
