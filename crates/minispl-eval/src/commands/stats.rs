//! `stats` (SEMANTICS §7, R7.1–R7.7): aggregate the whole input (no BY: exactly one row)
//! or per combination of BY values. Memory is per group, never per event.

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::stats::group::{AggSet, Groups};
use minispl_parser::ast::{self, CommandOption};
use std::sync::Arc;

/// Compile `stats` into an operator.
pub fn compile(cmd: &ast::Stats, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let aggs = AggSet::compile(&cmd.aggregations)?;
    let mut groups = Groups::new(&aggs, cmd.by.clone(), ctx.limits.max_groups, cmd.span);
    groups.dedup_splitvals = bool_option(&cmd.options, "dedup_splitvals", false)?;
    Ok(Box::new(StatsOp {
        aggs,
        groups: Some(groups),
        ctx: ctx.clone(),
    }))
}

pub(crate) struct StatsOp {
    aggs: AggSet,
    groups: Option<Groups>,
    ctx: Arc<Context>,
}

/// Partial aggregation (issue 6): a reader's worker adds the rows of a run of events to
/// an empty [`StatsOp::partial`] table of its own copy of the command, and the run
/// merges the tables into its `stats` in input order: exactly the one-thread result.
impl StatsOp {
    /// An empty table for part of the input (`None` once finished).
    pub(crate) fn partial(&self) -> Option<Groups> {
        self.groups.as_ref().map(|g| g.partial(&self.aggs))
    }

    /// Add a row to a [`StatsOp::partial`] table, as `push` adds it to the whole one.
    pub(crate) fn add_partial(&self, table: &mut Groups, row: &Row) -> Result<(), EvalError> {
        table.add(&self.aggs, row, &self.ctx.env).map(|_| ())
    }

    /// Merge a partial table of rows that came after all rows pushed so far.
    pub(crate) fn merge(&mut self, table: Groups) -> Result<(), EvalError> {
        match &mut self.groups {
            Some(groups) => groups.merge(&self.aggs, table),
            None => Ok(()),
        }
    }
}

impl Operator for StatsOp {
    fn push(&mut self, row: Row, _out: &mut Vec<Row>) -> Result<(), EvalError> {
        if let Some(groups) = &mut self.groups {
            groups.add(&self.aggs, &row, &self.ctx.env)?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if let Some(groups) = self.groups.take() {
            out.extend(groups.into_rows(&self.aggs));
        }
        Ok(())
    }
}

/// A boolean command option (`true/false`, `t/f`, `1/0`, `yes/no`, case-insensitive);
/// anything else is an error at the option.
pub(crate) fn bool_option(
    options: &[CommandOption],
    name: &str,
    default: bool,
) -> Result<bool, EvalError> {
    match options
        .iter()
        .rev()
        .find(|o| o.name.eq_ignore_ascii_case(name))
    {
        None => Ok(default),
        Some(o) => match o.value.to_ascii_lowercase().as_str() {
            "true" | "t" | "1" | "yes" | "y" => Ok(true),
            "false" | "f" | "0" | "no" | "n" => Ok(false),
            _ => Err(EvalError::at(
                format!("`{}` expects a boolean, got `{}`", o.name, o.value),
                o.span,
            )),
        },
    }
}

/// The raw text of an option, if given (the last occurrence wins).
pub(crate) fn text_option<'a>(
    options: &'a [CommandOption],
    name: &str,
) -> Option<&'a CommandOption> {
    options
        .iter()
        .rev()
        .find(|o| o.name.eq_ignore_ascii_case(name))
}

/// A non-negative integer option.
pub(crate) fn uint_option(
    options: &[CommandOption],
    name: &str,
    default: u64,
) -> Result<u64, EvalError> {
    match text_option(options, name) {
        None => Ok(default),
        Some(o) => o.value.parse::<u64>().map_err(|_| {
            EvalError::at(
                format!(
                    "`{}` expects a non-negative integer, got `{}`",
                    o.name, o.value
                ),
                o.span,
            )
        }),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::stats::group::tests::agg;
    use crate::value::Value;
    use minispl_parser::Span;
    use serde_json::json;

    /// Rows from a JSON array of objects (strings, numbers, arrays = multivalue), as the
    /// CONFORMANCE.md cases write them.
    pub fn rows(events: serde_json::Value) -> Vec<Row> {
        let mut out = Vec::new();
        for ev in events.as_array().cloned().unwrap_or_default() {
            let mut row = Row::new();
            for (k, v) in ev.as_object().cloned().unwrap_or_default() {
                let value = match v {
                    serde_json::Value::String(s) => Value::from(s),
                    serde_json::Value::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
                    serde_json::Value::Array(a) => Value::multi(
                        a.iter()
                            .map(|x| x.as_str().map(str::to_string).unwrap_or(x.to_string()))
                            .collect(),
                    ),
                    _ => Value::Null,
                };
                row.set(k, value);
            }
            out.push(row);
        }
        out
    }

    /// Rows rendered as JSON, values as strings (numbers canonical), multivalues as
    /// arrays: the comparison form of CONFORMANCE.md.
    pub fn render(rows: &[Row]) -> serde_json::Value {
        serde_json::Value::Array(
            rows.iter()
                .map(|r| {
                    let mut m = serde_json::Map::new();
                    for (k, v) in r.iter() {
                        let j = match v {
                            Value::Multi(vs) => json!(vs),
                            other => json!(other.render().map(|c| c.into_owned())),
                        };
                        m.insert(k.to_string(), j);
                    }
                    serde_json::Value::Object(m)
                })
                .collect(),
        )
    }

    /// Run an operator over rows.
    pub fn run(mut op: Box<dyn Operator>, input: Vec<Row>) -> Result<Vec<Row>, EvalError> {
        crate::commands::testutil::try_run(op.as_mut(), input)
    }

    pub fn stats_cmd(aggs: Vec<ast::Aggregation>, by: &[&str]) -> ast::Stats {
        ast::Stats {
            options: vec![],
            aggregations: aggs,
            by: by.iter().map(|s| s.to_string()).collect(),
            span: Span::new(0, 5),
        }
    }

    pub fn opt(name: &str, value: &str) -> CommandOption {
        CommandOption {
            name: name.into(),
            value: value.into(),
            span: Span::new(1, 2),
        }
    }

    fn stats(cmd: ast::Stats, input: serde_json::Value) -> serde_json::Value {
        let op = compile(&cmd, &Arc::new(Context::default())).unwrap();
        render(&run(op, rows(input)).unwrap())
    }

    #[test]
    fn ec091_multivalue_by_splits() {
        let got = stats(
            stats_cmd(vec![agg("count", None, None)], &["u"]),
            json!([{"u":["a","b"]},{"u":"a"}]),
        );
        assert_eq!(got, json!([{"u":"a","count":"2"},{"u":"b","count":"1"}]));
    }

    #[test]
    fn ec092_no_by_zero_input_one_row() {
        let got = stats(
            stats_cmd(
                vec![
                    agg("count", None, None),
                    agg("dc", Some("x"), None),
                    agg("sum", Some("x"), None),
                ],
                &[],
            ),
            json!([]),
        );
        assert_eq!(got, json!([{"count":"0","dc(x)":"0"}]));
    }

    #[test]
    fn with_by_zero_input_zero_rows() {
        let got = stats(stats_cmd(vec![agg("count", None, None)], &["u"]), json!([]));
        assert_eq!(got, json!([]));
    }

    #[test]
    fn ec094_ec095_values_and_list() {
        let got = stats(
            stats_cmd(vec![agg("values", Some("x"), Some("v"))], &[]),
            json!([{"x":"b"},{"x":"a"},{"x":"10"},{"x":"9"},{"x":"a"},{"x":"B"}]),
        );
        assert_eq!(got, json!([{"v":["10","9","B","a","b"]}]));
        let got = stats(
            stats_cmd(vec![agg("list", Some("x"), Some("l"))], &[]),
            json!([{"x":"b"},{"x":"a"},{"x":"b"}]),
        );
        assert_eq!(got, json!([{"l":["b","a","b"]}]));
    }

    #[test]
    fn ec097_sum_avg_ignore_non_numeric() {
        let got = stats(
            stats_cmd(
                vec![
                    agg("sum", Some("x"), Some("s")),
                    agg("avg", Some("x"), Some("a")),
                    agg("count", Some("x"), Some("c")),
                ],
                &[],
            ),
            json!([{"x":"1"},{"x":"2"},{"x":"abc"},{}]),
        );
        assert_eq!(got, json!([{"s":"3","a":"1.5","c":"3"}]));
    }

    #[test]
    fn ec098_max_min_mixed() {
        let got = stats(
            stats_cmd(
                vec![
                    agg("max", Some("x"), Some("mx")),
                    agg("min", Some("x"), Some("mn")),
                ],
                &[],
            ),
            json!([{"x":"5"},{"x":"abc"},{"x":"10"}]),
        );
        assert_eq!(got, json!([{"mx":"abc","mn":"5"}]));
    }

    #[test]
    fn ec100_default_column_names_in_order() {
        let got = stats(
            stats_cmd(
                vec![
                    agg("count", None, None),
                    agg("count", Some("x"), None),
                    agg("dc", Some("x"), None),
                    agg("avg", Some("x"), None),
                ],
                &[],
            ),
            json!([{"x":"2"},{"x":"4"}]),
        );
        assert_eq!(
            got,
            json!([{"count":"2","count(x)":"2","dc(x)":"2","avg(x)":"3"}])
        );
        let keys: Vec<_> = got[0].as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, vec!["count", "count(x)", "dc(x)", "avg(x)"]);
    }

    #[test]
    fn ec101_first_last_earliest_latest() {
        let got = stats(
            stats_cmd(
                vec![
                    agg("first", Some("v"), Some("f")),
                    agg("last", Some("v"), Some("l")),
                    agg("earliest", Some("v"), Some("e")),
                    agg("latest", Some("v"), Some("t")),
                ],
                &[],
            ),
            json!([{"v":"b","_time":200},{"v":"c","_time":300},{"v":"a","_time":100}]),
        );
        assert_eq!(got, json!([{"f":"b","l":"a","e":"a","t":"c"}]));
    }

    /// Needs `CompiledExpr` (expr.rs, another engineer): passes after the merge.
    #[test]
    fn ec103_count_eval_counts_true_rows() {
        use minispl_parser::ast::{AggArgument, BinaryOp, Expr};
        let pred = Expr::Binary {
            op: BinaryOp::Eq,
            lhs: Box::new(Expr::Field {
                name: "status".into(),
                span: Span::new(0, 1),
            }),
            rhs: Box::new(Expr::Str {
                value: "404".into(),
                span: Span::new(0, 1),
            }),
            span: Span::new(0, 1),
        };
        let mut nf = agg("count", None, Some("nf"));
        nf.argument = Some(AggArgument::Eval(pred));
        nf.default_name = "count(eval(status=\"404\"))".into();
        let got = stats(
            stats_cmd(vec![nf, agg("count", None, Some("total"))], &[]),
            json!([{"status":"404"},{"status":"200"},{"status":"404"}]),
        );
        assert_eq!(got, json!([{"nf":"2","total":"3"}]));
    }

    #[test]
    fn ec104_two_by_fields_sorted_and_null_dropped() {
        let got = stats(
            stats_cmd(vec![agg("count", None, None)], &["a", "b"]),
            json!([{"a":"x","b":"2"},{"a":"x","b":"1"},{"a":"x","b":"1"},{"a":"y"}]),
        );
        assert_eq!(
            got,
            json!([{"a":"x","b":"1","count":"2"},{"a":"x","b":"2","count":"1"}])
        );
    }

    #[test]
    fn by_fields_first_and_other_fields_dropped() {
        let got = stats(
            stats_cmd(vec![agg("min", Some("_time"), Some("firstTime"))], &["u"]),
            json!([{"u":"10","_time":5,"_raw":"r"},{"u":"9","_time":3},{"u":"b","_time":1}]),
        );
        // R7.5: numbers numerically, before strings; min(_time) stays a number.
        assert_eq!(
            got,
            json!([{"u":"9","firstTime":"3"},{"u":"10","firstTime":"5"},{"u":"b","firstTime":"1"}])
        );
    }

    #[test]
    fn dedup_splitvals_option() {
        let mut cmd = stats_cmd(vec![agg("count", None, None)], &["u"]);
        let input = json!([{"u":["a","a"]}]);
        assert_eq!(
            stats(cmd.clone(), input.clone()),
            json!([{"u":"a","count":"2"}])
        );
        cmd.options.push(opt("dedup_splitvals", "true"));
        assert_eq!(stats(cmd.clone(), input), json!([{"u":"a","count":"1"}]));
        cmd.options = vec![opt("dedup_splitvals", "maybe")];
        assert!(compile(&cmd, &Arc::new(Context::default())).is_err());
    }

    #[test]
    fn group_cap_from_context() {
        let mut ctx = Context::default();
        ctx.limits.max_groups = 1;
        let op = compile(
            &stats_cmd(vec![agg("count", None, None)], &["u"]),
            &Arc::new(ctx),
        )
        .unwrap();
        let e = run(op, rows(json!([{"u":"a"},{"u":"b"}]))).unwrap_err();
        assert!(e.message.contains("too many groups"));
        assert_eq!(e.span, Some(Span::new(0, 5)));
    }
}
