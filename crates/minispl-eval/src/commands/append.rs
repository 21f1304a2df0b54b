//! `append [ <subsearch> ]` (SEMANTICS §12): the input rows unchanged, then the
//! subsearch's rows (no merging). Like `join`'s, the subsearch runs over no index events
//! (it must be generating) and is capped at `limits.subsearch_maxout` rows.

use crate::commands::join::run_subsearch;
use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::{Context, Program};
use crate::row::Row;
use minispl_parser::ast;
use std::sync::Arc;

/// Compile `append` into an operator.
pub fn compile(cmd: &ast::Append, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    Ok(Box::new(AppendOp {
        subsearch: Program::compile(&cmd.subsearch, ctx.clone())?,
        maxout: ctx.limits.subsearch_maxout,
    }))
}

struct AppendOp {
    subsearch: Program,
    maxout: usize,
}

impl Operator for AppendOp {
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        out.push(row);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        out.extend(run_subsearch(&self.subsearch, self.maxout)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! Runs a subsearch through `Program` (program.rs, another engineer): passes only
    //! after the merge.
    use super::*;
    use crate::commands::stats::tests::{render, rows, run};
    use crate::lookup::tests::users;
    use minispl_parser::ast::{Command, Inputlookup, Pipeline};
    use minispl_parser::Span;
    use serde_json::json;

    #[test]
    fn appends_subsearch_rows_after_input() {
        let ctx = Arc::new(Context {
            lookups: users(),
            ..Context::default()
        });
        let cmd = ast::Append {
            subsearch: Pipeline {
                commands: vec![Command::Inputlookup(Inputlookup {
                    options: vec![crate::commands::stats::tests::opt("max", "1")],
                    table: "users.csv".into(),
                    where_clause: None,
                    span: Span::new(8, 20),
                })],
                span: Span::new(8, 20),
            },
            span: Span::new(0, 21),
        };
        let op = compile(&cmd, &ctx).unwrap();
        let got = render(&run(op, rows(json!([{"x":"1"}]))).unwrap());
        assert_eq!(
            got,
            json!([{"x":"1"},{"user":"alice","dept":"eng","level":"1"}])
        );
    }
}
