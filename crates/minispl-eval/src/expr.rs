//! The eval expression language (SEMANTICS §6): compile an [`Expr`] once, evaluate it per
//! row.

use crate::env::Env;
use crate::error::EvalError;
use crate::row::Row;
use crate::value::Value;
use minispl_parser::ast::Expr;

/// An eval expression checked and prepared for evaluation (functions resolved, literal
/// regexes compiled).
#[derive(Debug, Clone)]
pub struct CompiledExpr {
    _private: (),
}

impl CompiledExpr {
    /// Resolve functions and check arities; errors carry the span of the offending call.
    pub fn compile(expr: &Expr) -> Result<CompiledExpr, EvalError> {
        let _ = expr;
        todo!("eval expressions")
    }

    /// Evaluate against one row. Predicates evaluate to `Value::Bool`; a null operand
    /// propagates as `Value::Null` (R6.15).
    pub fn eval(&self, row: &Row, env: &Env) -> Result<Value, EvalError> {
        let _ = (row, env);
        todo!("eval expressions")
    }

    /// True if the expression's result is a boolean (a comparison, `AND`/`OR`/`NOT`,
    /// `LIKE`, `IN`, or a boolean function): such a result cannot be assigned (R6.2).
    pub fn is_predicate(&self) -> bool {
        todo!("eval expressions")
    }

    /// The field names the expression reads (for the logical plan).
    pub fn fields(&self) -> Vec<String> {
        todo!("eval expressions")
    }
}
