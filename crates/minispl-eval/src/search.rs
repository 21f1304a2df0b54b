//! The search language (SEMANTICS §1): field comparisons, IN, wildcards, CASE/TERM, CIDR,
//! bare terms against `_raw` with Splunk's breakers.

use crate::error::EvalError;
use crate::row::Row;
use minispl_parser::ast::SearchExpr;

/// A search expression prepared for matching.
#[derive(Debug, Clone)]
pub struct CompiledSearch {
    _private: (),
}

impl CompiledSearch {
    pub fn compile(expr: &SearchExpr) -> Result<CompiledSearch, EvalError> {
        let _ = expr;
        todo!("search matching")
    }

    /// Does the row match?
    pub fn matches(&self, row: &Row) -> bool {
        let _ = row;
        todo!("search matching")
    }
}
