//! `bin` (placeholder until implemented).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use minispl_parser::ast;
use std::sync::Arc;

/// Compile `bin` into an operator.
pub fn compile(cmd: &ast::Bin, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    Err(EvalError::at(
        "the `bin` command is not implemented yet",
        cmd.span,
    ))
}
