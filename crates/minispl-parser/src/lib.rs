//! minispl-parser: SPL text → macro expansion → AST with byte spans.
//!
//! The stages are public and testable alone (PRQL-style):
//! [`expand_macros`] (text → [`Expanded`]), [`parse_expanded`] (expanded text →
//! [`ast::Pipeline`]), and [`parse`] doing both. [`print::pipeline`] prints an AST back to
//! canonical SPL such that `parse(print(ast)) == ast`.
//!
//! # Decisions on points the spec leaves open
//!
//! - **Command names** are case-insensitive (`STATS` = `stats`, `bucket` = `bin`). No
//!   Splunk page found through the search tool states it either way; keywords such as
//!   `AS`/`BY` are case-insensitive, while `AND`/`OR`/`NOT`/`IN` are upper case only (R1.2).
//! - **R2.7 (UNCERTAIN) macro arguments**: commas inside double quotes or parentheses do
//!   not split; quotes are kept verbatim in the substituted text
//!   (`drop_dm_object_name("Compute")` gives `rename "Compute".* AS *`, and the lexer
//!   joins `"Compute".*` into the one name `Compute.*`). `m(x=1)` binds by name only when
//!   every argument is `name=value` with a name the definition declares; otherwise the
//!   whole text is positional.
//! - **R2.11 (UNCERTAIN) empty macros**: a pipeline segment left empty only because a
//!   macro expanded to nothing is skipped; a literally empty segment (`a | | b`) or a
//!   trailing `|` is an error.
//! - **Comments** (```` ```...``` ````) are removed everywhere except inside double-quoted
//!   strings, where backticks are literal text (R2.3).
//! - **R7.2 default column names**: the aggregation text as written with whitespace
//!   outside quotes removed (one space kept between two word characters):
//!   `dc( x )` → `dc(x)`, `count(eval(x = "a"))` → `count(eval(x="a"))`.
//! - **EC-050** `rename a* AS b` parses; the wildcard mismatch is an evaluation error.
//!   **EC-089** `eval b=(x>1)` parses; the boolean result is an evaluation error.
//! - **Escapes** (R1.17): in search terms and command arguments `\"`, `\\` and `\|`
//!   are escapes and anything else is kept verbatim; in eval strings and in `rex`/`regex`
//!   patterns only `\"` and `\\` are (so EC-125's `"s/\\\\/\//g"` is the regex
//!   `s/\\/\//g`, and a regex `\|` stays a literal pipe).
//! - **Limits**: nesting (parentheses, NOT/minus chains, calls, subsearches) to
//!   [`MAX_NESTING`] levels, 1000 binary operators per eval expression, macro depth 50 and
//!   4 MiB of growth from expansion; all are errors with spans, so no input overflows
//!   the stack.
//! - [`ParseOptions`] with [`FirstSegment::CommandIfKnown`] reads CONFORMANCE.md cases
//!   such as `rename a AS b` as the command they name; the default is Splunk's rule
//!   (the first segment is an implicit search).
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
