//! `tail [N]` (default 10): the last N results, returned in reverse order (last result
//! first), as Splunk's tail does.

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use minispl_parser::ast;
use std::collections::VecDeque;
use std::sync::Arc;

struct TailOp {
    limit: usize,
    /// Only the last `limit` rows are held.
    rows: VecDeque<Row>,
}

/// Compile `tail` into an operator.
pub fn compile(cmd: &ast::Tail, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    let limit = usize::try_from(cmd.limit).unwrap_or(usize::MAX);
    Ok(Box::new(TailOp {
        limit,
        rows: VecDeque::with_capacity(limit.min(1024)),
    }))
}

impl Operator for TailOp {
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let _ = out;
        if self.limit == 0 {
            return Ok(());
        }
        if self.rows.len() == self.limit {
            self.rows.pop_front();
        }
        self.rows.push_back(row);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        out.extend(std::mem::take(&mut self.rows).into_iter().rev());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    #[test]
    fn last_n_in_reverse_order() {
        let cmd = ast::Tail {
            limit: 2,
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        let out = run(op.as_mut(), rows(r#"[{"i":"1"},{"i":"2"},{"i":"3"}]"#));
        assert_eq!(to_json(&out), r#"[{"i":"3"},{"i":"2"}]"#);
        let mut op = compile(
            &ast::Tail {
                limit: 10,
                span: sp(),
            },
            &ctx(),
        )
        .expect("compiles");
        assert_eq!(run(op.as_mut(), rows(r#"[{"i":"1"}]"#)).len(), 1);
    }
}
