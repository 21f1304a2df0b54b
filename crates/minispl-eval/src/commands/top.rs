//! `top` (and, through [`compile_top_rare`], `rare`; SEMANTICS §12, EC-130): the most
//! (least) common combinations of values of the listed fields, with their count and their
//! percentage, per BY group.
//!
//! * A row missing any of the listed fields (or BY fields) is not counted (medium).
//! * Multivalue fields count each value (cross product across fields); the percentage
//!   base is the number of counted combinations in the group, so percentages sum to 100.
//! * Ties keep the first-seen order (the spec's recommendation for an UNCERTAIN point).
//! * Percentages are rendered with 6 decimals (`66.666667`).
//! * Groups are ordered by their BY values like `stats` (R7.5).

use crate::commands::stats::{bool_option, text_option, uint_option};
use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::stats::group::{compare_keys, group_keys};
use crate::value::{format_compact, Value};
use indexmap::IndexMap;
use minispl_parser::ast;
use minispl_parser::Span;
use std::collections::HashMap;
use std::sync::Arc;

/// Compile `top` into an operator.
pub fn compile(cmd: &ast::TopRare, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    compile_top_rare(cmd, ctx, false)
}

/// `top` (`rare = false`: count descending) or `rare` (ascending).
pub(crate) fn compile_top_rare(
    cmd: &ast::TopRare,
    ctx: &Arc<Context>,
    rare: bool,
) -> Result<Box<dyn Operator>, EvalError> {
    let o = &cmd.options;
    if cmd.fields.is_empty() {
        return Err(EvalError::at(
            format!(
                "`{}` needs at least one field",
                if rare { "rare" } else { "top" }
            ),
            cmd.span,
        ));
    }
    let text = |name: &str, default: &str| {
        text_option(o, name)
            .map(|x| x.value.clone())
            .unwrap_or_else(|| default.to_string())
    };
    Ok(Box::new(TopRareOp {
        rare,
        fields: cmd.fields.clone(),
        by: cmd.by.clone(),
        limit: uint_option(o, "limit", 10)? as usize,
        countfield: text("countfield", "count"),
        percentfield: text("percentfield", "percent"),
        showcount: bool_option(o, "showcount", true)?,
        showperc: bool_option(o, "showperc", true)?,
        useother: bool_option(o, "useother", false)?,
        otherstr: text("otherstr", "OTHER"),
        max_groups: ctx.limits.max_groups,
        span: cmd.span,
        groups: HashMap::new(),
        distinct: 0,
    }))
}

struct TopRareOp {
    rare: bool,
    fields: Vec<String>,
    by: Vec<String>,
    limit: usize,
    countfield: String,
    percentfield: String,
    showcount: bool,
    showperc: bool,
    useother: bool,
    otherstr: String,
    max_groups: usize,
    span: Span,
    /// BY key -> value combination -> count, in first-seen order.
    groups: HashMap<Vec<String>, IndexMap<Vec<String>, u64>>,
    distinct: usize,
}

impl Operator for TopRareOp {
    fn push(&mut self, row: Row, _out: &mut Vec<Row>) -> Result<(), EvalError> {
        let combos = group_keys(&row, &self.fields, false, None);
        if combos.is_empty() {
            return Ok(());
        }
        for key in group_keys(&row, &self.by, false, None) {
            let counts = self.groups.entry(key).or_default();
            for combo in &combos {
                match counts.get_mut(combo) {
                    Some(n) => *n += 1,
                    None => {
                        self.distinct += 1;
                        if self.distinct > self.max_groups {
                            return Err(EvalError::at(
                                format!(
                                    "too many distinct values: more than {} (raise the max_groups limit: minispl --max-groups N)",
                                    self.max_groups
                                ),
                                self.span,
                            ));
                        }
                        counts.insert(combo.clone(), 1);
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let mut groups: Vec<_> = std::mem::take(&mut self.groups).into_iter().collect();
        groups.sort_by(|a, b| compare_keys(&a.0, &b.0));
        for (key, counts) in groups {
            let total: u64 = counts.values().sum();
            let mut entries: Vec<(Vec<String>, u64)> = counts.into_iter().collect();
            // Stable sort: ties keep first-seen order.
            if self.rare {
                entries.sort_by_key(|e| e.1);
            } else {
                entries.sort_by_key(|e| std::cmp::Reverse(e.1));
            }
            let keep = if self.limit == 0 {
                entries.len()
            } else {
                self.limit.min(entries.len())
            };
            let other: u64 = entries[keep..].iter().map(|e| e.1).sum();
            entries.truncate(keep);
            if self.useother && other > 0 {
                entries.push((vec![self.otherstr.clone(); self.fields.len()], other));
            }
            for (combo, count) in entries {
                let mut row = Row::with_capacity(self.by.len() + self.fields.len() + 2);
                for (f, v) in self.by.iter().zip(&key) {
                    row.set(f.as_str(), Value::str(v.as_str()));
                }
                for (f, v) in self.fields.iter().zip(combo) {
                    row.set(f.as_str(), Value::from(v));
                }
                if self.showcount {
                    row.set(self.countfield.as_str(), Value::Num(count as f64));
                }
                if self.showperc {
                    let pct = count as f64 * 100.0 / total as f64;
                    row.set(
                        self.percentfield.as_str(),
                        Value::Str(format_compact!("{pct:.6}")),
                    );
                }
                out.push(row);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::commands::stats::tests::{opt, render, rows, run};
    use serde_json::json;

    pub fn top_cmd(fields: &[&str], by: &[&str], options: &[(&str, &str)]) -> ast::TopRare {
        ast::TopRare {
            options: options.iter().map(|(k, v)| opt(k, v)).collect(),
            fields: fields.iter().map(|s| s.to_string()).collect(),
            by: by.iter().map(|s| s.to_string()).collect(),
            span: Span::new(0, 3),
        }
    }

    fn top(c: ast::TopRare, input: serde_json::Value) -> serde_json::Value {
        let op = compile(&c, &Arc::new(Context::default())).unwrap();
        render(&run(op, rows(input)).unwrap())
    }

    #[test]
    fn sorted_by_count_desc_ties_first_seen_nulls_excluded() {
        let got = top(
            top_cmd(&["x"], &[], &[]),
            json!([{"x":"b"},{"x":"a"},{"x":"a"},{"x":"c"},{},{"x":"b"},{"x":"a"}]),
        );
        assert_eq!(
            got,
            json!([
                {"x":"a","count":"3","percent":"50.000000"},
                {"x":"b","count":"2","percent":"33.333333"},
                {"x":"c","count":"1","percent":"16.666667"}
            ])
        );
    }

    #[test]
    fn limit_useother_and_renamed_columns() {
        let got = top(
            top_cmd(
                &["x"],
                &[],
                &[
                    ("limit", "1"),
                    ("useother", "t"),
                    ("countfield", "n"),
                    ("showperc", "f"),
                ],
            ),
            json!([{"x":"a"},{"x":"a"},{"x":"b"},{"x":"c"}]),
        );
        assert_eq!(got, json!([{"x":"a","n":"2"},{"x":"OTHER","n":"2"}]));
    }

    #[test]
    fn two_fields_per_by_group() {
        let got = top(
            top_cmd(&["x", "y"], &["g"], &[("showcount", "false")]),
            json!([{"g":"2","x":"a","y":"1"},{"g":"1","x":"a","y":"1"},{"g":"2","x":"a","y":"2"},{"g":"2","x":"a","y":"2"},{"g":"2","x":"a"}]),
        );
        assert_eq!(
            got,
            json!([
                {"g":"1","x":"a","y":"1","percent":"100.000000"},
                {"g":"2","x":"a","y":"2","percent":"66.666667"},
                {"g":"2","x":"a","y":"1","percent":"33.333333"}
            ])
        );
    }

    #[test]
    fn default_limit_is_ten() {
        let input: Vec<_> = (0..15).map(|i| json!({"x": i.to_string()})).collect();
        let got = top(top_cmd(&["x"], &[], &[]), json!(input));
        assert_eq!(got.as_array().unwrap().len(), 10);
        let got = top(top_cmd(&["x"], &[], &[("limit", "0")]), json!(input));
        assert_eq!(got.as_array().unwrap().len(), 15);
    }
}
