//! `spath` (placeholder until implemented).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use minispl_parser::ast;
use std::sync::Arc;

/// Compile `spath` into an operator.
pub fn compile(cmd: &ast::Spath, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    Err(EvalError::at(
        "the `spath` command is not implemented yet",
        cmd.span,
    ))
}
