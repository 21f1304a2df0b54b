//! One module per SPL command. Each compiles its AST node into an [`Operator`].

use crate::error::EvalError;
use crate::row::Row;

/// A compiled command in a running pipeline. Streaming commands emit rows from `push`;
/// transforming commands (stats, sort, ...) buffer only what they need and emit from
/// `finish`.
pub trait Operator: Send {
    /// Process one input row, appending any output rows to `out`.
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError>;

    /// End of input: append any buffered output rows to `out`.
    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let _ = out;
        Ok(())
    }
}
