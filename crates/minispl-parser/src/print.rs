//! Printing an AST back to canonical SPL text: `parse(print(ast)) == ast`.

use crate::ast::Pipeline;

/// Canonical SPL text for a pipeline.
pub fn pipeline(p: &Pipeline) -> String {
    let _ = p;
    todo!("printer")
}
