//! `eventstats` (SEMANTICS §12): the aggregations of `stats` over the whole result set
//! (or per BY group) added to every input row; row count and order unchanged. Buffering
//! every row is inherent to the command.

use crate::commands::stats::bool_option;
use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::stats::group::{AggSet, Groups};
use minispl_parser::ast;
use std::sync::Arc;

/// Compile `eventstats` into an operator.
pub fn compile(cmd: &ast::Stats, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let aggs = AggSet::compile(&cmd.aggregations)?;
    let mut groups = Groups::new(&aggs, cmd.by.clone(), ctx.limits.max_groups, cmd.span);
    groups.dedup_splitvals = bool_option(&cmd.options, "dedup_splitvals", false)?;
    Ok(Box::new(EventstatsOp {
        aggs,
        groups,
        rows: Vec::new(),
        ctx: ctx.clone(),
    }))
}

struct EventstatsOp {
    aggs: AggSet,
    groups: Groups,
    /// Each row with the group whose aggregates it receives.
    rows: Vec<(Row, Option<usize>)>,
    ctx: Arc<Context>,
}

impl Operator for EventstatsOp {
    fn push(&mut self, row: Row, _out: &mut Vec<Row>) -> Result<(), EvalError> {
        let group = self.groups.add(&self.aggs, &row, &self.ctx.env)?;
        self.rows.push((row, group));
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let mut cache: std::collections::HashMap<usize, Vec<(String, crate::value::Value)>> =
            std::collections::HashMap::new();
        for (mut row, group) in std::mem::take(&mut self.rows) {
            // Rows whose BY value is null get nothing (§12, medium). A row with a
            // multivalue BY field counts in every value's group but receives the
            // aggregates of its first value's group (our choice; documented here).
            if let Some(g) = group {
                let results = cache
                    .entry(g)
                    .or_insert_with(|| self.groups.results(&self.aggs, g));
                for (name, value) in results.iter() {
                    // A null aggregate leaves an existing field alone rather than
                    // erasing it.
                    if !value.is_null() {
                        row.set(name.as_str(), value.clone());
                    }
                }
            }
            out.push(row);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::stats::tests::{render, rows, run, stats_cmd};
    use crate::stats::group::tests::agg;
    use serde_json::json;

    fn eventstats(cmd: ast::Stats, input: serde_json::Value) -> serde_json::Value {
        let op = compile(&cmd, &Arc::new(Context::default())).unwrap();
        render(&run(op, rows(input)).unwrap())
    }

    #[test]
    fn adds_group_aggregates_to_every_row_in_order() {
        let got = eventstats(
            stats_cmd(
                vec![agg("count", None, Some("n")), agg("sum", Some("x"), None)],
                &["u"],
            ),
            json!([{"u":"b","x":"1"},{"u":"a","x":"5"},{"x":"9"},{"u":"b","x":"2"}]),
        );
        assert_eq!(
            got,
            json!([
                {"u":"b","x":"1","n":"2","sum(x)":"3"},
                {"u":"a","x":"5","n":"1","sum(x)":"5"},
                {"x":"9"},
                {"u":"b","x":"2","n":"2","sum(x)":"3"}
            ])
        );
    }

    #[test]
    fn no_by_overwrites_existing_field() {
        let got = eventstats(
            stats_cmd(vec![agg("max", Some("x"), Some("x"))], &[]),
            json!([{"x":"1"},{"x":"7"}]),
        );
        assert_eq!(got, json!([{"x":"7"},{"x":"7"}]));
    }

    #[test]
    fn zero_input_zero_rows() {
        let got = eventstats(stats_cmd(vec![agg("count", None, None)], &[]), json!([]));
        assert_eq!(got, json!([]));
    }
}
