//! `| makeresults [count=N] [annotate=bool]`: a generating command.

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::value::Value;
use minispl_parser::ast;
use std::sync::Arc;

struct MakeresultsOp {
    count: u64,
    now: f64,
}

/// Compile `makeresults` into an operator.
pub fn compile(cmd: &ast::Makeresults, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    // `annotate=true` adds `_raw`, `host`, `source`, `sourcetype`, `splunk_server` and
    // `splunk_server_group` with null values; a null field is absent in this model, so
    // the option has no visible effect.
    Ok(Box::new(MakeresultsOp {
        count: cmd.count,
        now: ctx.env.now,
    }))
}

impl Operator for MakeresultsOp {
    /// A generating command ignores its input.
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let _ = (row, out);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        for _ in 0..self.count {
            let mut row = Row::with_capacity(1);
            // Every result carries the search's fixed `now`, so runs are reproducible.
            row.set("_time", Value::Num(self.now));
            out.push(row);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    #[test]
    fn count_rows_with_now() {
        let cmd = ast::Makeresults {
            count: 3,
            annotate: false,
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        let out = run(op.as_mut(), rows(r#"[{"a":"1"}]"#));
        assert_eq!(
            to_json(&out),
            r#"[{"_time":"1700000000"},{"_time":"1700000000"},{"_time":"1700000000"}]"#
        );
    }
}
