//! Compiler-style diagnostics: the source line, a caret under the span, what was
//! expected, and for errors inside macros the invocation chain.

use crate::ast::Span;
use std::fmt;

/// A parse (or macro expansion) error.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    /// Span in the expanded text.
    pub span: Span,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ParseError {}

/// Render `message` with the line of `source` that contains `span` and a caret under it.
/// Shared by parse errors and the evaluator's runtime errors.
pub fn render(source: &str, span: Span, message: &str, notes: &[String]) -> String {
    let _ = (source, span, message, notes);
    todo!("diagnostic rendering")
}
