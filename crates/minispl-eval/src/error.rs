//! Evaluation errors: compile-time (unknown function, wrong arity, a regex that does not
//! compile, a boolean assigned to a field) and run-time (a lookup file missing). Each
//! carries the span of the offending part of the search when there is one.

use minispl_parser::Span;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    pub message: String,
    pub span: Option<Span>,
}

impl EvalError {
    pub fn new(message: impl Into<String>) -> Self {
        EvalError {
            message: message.into(),
            span: None,
        }
    }

    pub fn at(message: impl Into<String>, span: Span) -> Self {
        EvalError {
            message: message.into(),
            span: Some(span),
        }
    }

    /// Attach a span if the error has none yet.
    pub fn or_at(mut self, span: Span) -> Self {
        self.span.get_or_insert(span);
        self
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}
