//! `streamstats` (SEMANTICS §12, EC-121, EC-122): running aggregates in the current row
//! order, added to each row as it streams through.
//!
//! Options: `current=` (default true: the row is part of its own statistics),
//! `window=N` (0 = unbounded: the last N rows, per BY group when `global=true`, over all
//! rows when `global=false`), `reset_on_change=` (all statistics restart when the BY
//! values differ from the previous row's) and `time_window=<span>` (only rows whose
//! `_time` is within the span before the current row's).
//!
//! Unbounded windows update accumulators incrementally (memory per group). Bounded
//! windows keep each row's aggregation inputs (not the row) and recompute over the
//! window, which needs no "remove" operation from the accumulators.

use crate::commands::stats::{bool_option, text_option, uint_option};
use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::stats::group::{group_keys, AggSet, AggState, RowInputs};
use crate::stats::timespan_seconds;
use crate::value::Value;
use minispl_parser::ast;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// Compile `streamstats` into an operator.
pub fn compile(cmd: &ast::Streamstats, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let aggs = AggSet::compile(&cmd.aggregations)?;
    for unsupported in ["reset_before", "reset_after"] {
        if let Some(o) = text_option(&cmd.options, unsupported) {
            return Err(EvalError::at(
                format!("streamstats `{}` is not supported", o.name),
                o.span,
            ));
        }
    }
    let time_window =
        match text_option(&cmd.options, "time_window") {
            None => None,
            Some(o) => Some(timespan_seconds(&o.value).ok_or_else(|| {
                EvalError::at(format!("invalid time_window `{}`", o.value), o.span)
            })?),
        };
    Ok(Box::new(StreamstatsOp {
        aggs,
        by: cmd.by.clone(),
        current: bool_option(&cmd.options, "current", true)?,
        window: uint_option(&cmd.options, "window", 0)? as usize,
        global: bool_option(&cmd.options, "global", true)?,
        reset_on_change: bool_option(&cmd.options, "reset_on_change", false)?,
        time_window,
        max_groups: ctx.limits.max_groups,
        span: cmd.span,
        running: HashMap::new(),
        windows: HashMap::new(),
        shared: VecDeque::new(),
        last_key: None,
        ctx: ctx.clone(),
    }))
}

struct StreamstatsOp {
    aggs: AggSet,
    by: Vec<String>,
    current: bool,
    window: usize,
    global: bool,
    reset_on_change: bool,
    time_window: Option<f64>,
    max_groups: usize,
    span: minispl_parser::Span,
    /// Unbounded mode: accumulators per group.
    running: HashMap<Vec<String>, AggState>,
    /// Bounded mode (per group): the inputs of the rows in the window.
    windows: HashMap<Vec<String>, VecDeque<RowInputs<'static>>>,
    /// `global=false` with `window=N`: the last N rows of all groups.
    shared: VecDeque<(Vec<String>, RowInputs<'static>)>,
    last_key: Option<Vec<String>>,
    ctx: Arc<Context>,
}

impl StreamstatsOp {
    fn bounded(&self) -> bool {
        self.window > 0 || self.time_window.is_some()
    }

    fn check_groups(&self, n: usize) -> Result<(), EvalError> {
        if n > self.max_groups {
            return Err(EvalError::at(
                format!(
                    "too many groups: more than {} distinct BY values (raise the max_groups limit: minispl --max-groups N)",
                    self.max_groups
                ),
                self.span,
            ));
        }
        Ok(())
    }

    fn push_shared(&mut self, entry: Option<(Vec<String>, RowInputs<'static>)>) {
        if let Some(entry) = entry {
            self.shared.push_back(entry);
            while self.shared.len() > self.window {
                self.shared.pop_front();
            }
        }
    }

    /// Recompute over a window's inputs.
    fn over<'a>(
        &self,
        inputs: impl Iterator<Item = &'a RowInputs<'static>>,
    ) -> Vec<(String, Value)> {
        let mut state = self.aggs.new_state();
        for i in inputs {
            self.aggs.add(&mut state, i);
        }
        self.aggs.results(&state)
    }

    /// Drop window entries older than the time window before `now`.
    fn expire(&self, buf: &mut VecDeque<RowInputs<'static>>, now: Option<f64>) {
        if let (Some(span), Some(now)) = (self.time_window, now) {
            while buf
                .front()
                .is_some_and(|i| i.time.map_or(true, |t| t <= now - span))
            {
                buf.pop_front();
            }
        }
    }

    fn results_for(
        &mut self,
        key: Vec<String>,
        row: &Row,
    ) -> Result<Vec<(String, Value)>, EvalError> {
        let inputs = self.aggs.extract(row, &self.ctx.env)?;
        if !self.bounded() {
            if !self.running.contains_key(&key) {
                self.check_groups(self.running.len() + 1)?;
                self.running.insert(key.clone(), self.aggs.new_state());
            }
            let aggs = &self.aggs;
            let Some(state) = self.running.get_mut(&key) else {
                return Ok(Vec::new());
            };
            if self.current {
                aggs.add(state, &inputs);
                return Ok(aggs.results(state));
            }
            let results = aggs.results(state);
            aggs.add(state, &inputs);
            return Ok(results);
        }
        let inputs = inputs.into_owned();
        let now = inputs.time;
        if !self.global && self.window > 0 {
            // One window over all rows; the statistics use its rows of this group.
            let mut pending = Some((key.clone(), inputs));
            if self.current {
                self.push_shared(pending.take());
            }
            let results = self.over(
                self.shared
                    .iter()
                    .filter(|(k, i)| {
                        *k == key
                            && match (self.time_window, i.time, now) {
                                (Some(span), Some(t), Some(n)) => t > n - span,
                                (Some(_), _, _) => false,
                                _ => true,
                            }
                    })
                    .map(|(_, i)| i),
            );
            self.push_shared(pending);
            return Ok(results);
        }
        if !self.windows.contains_key(&key) {
            self.check_groups(self.windows.len() + 1)?;
        }
        let mut buf = self.windows.remove(&key).unwrap_or_default();
        self.expire(&mut buf, now);
        let results = if self.current {
            buf.push_back(inputs);
            if self.window > 0 && buf.len() > self.window {
                buf.pop_front();
            }
            self.over(buf.iter())
        } else {
            let r = self.over(buf.iter());
            buf.push_back(inputs);
            if self.window > 0 && buf.len() > self.window {
                buf.pop_front();
            }
            r
        };
        self.windows.insert(key, buf);
        Ok(results)
    }
}

impl Operator for StreamstatsOp {
    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        // A row with a null BY value passes through without statistics, as with
        // eventstats; a multivalue BY value uses its first value's group.
        let Some(key) = group_keys(&row, &self.by, false, None).into_iter().next() else {
            out.push(row);
            return Ok(());
        };
        if self.reset_on_change {
            if self.last_key.as_ref().is_some_and(|k| *k != key) {
                self.running.clear();
                self.windows.clear();
                self.shared.clear();
            }
            self.last_key = Some(key.clone());
        }
        let results = self.results_for(key, &row)?;
        for (name, value) in results {
            // EC-122: with current=false the first row has no `prev`; a null aggregate
            // adds nothing.
            if !value.is_null() {
                row.set(name, value);
            }
        }
        out.push(row);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::stats::tests::{opt, render, rows, run};
    use crate::stats::group::tests::agg;
    use minispl_parser::Span;
    use serde_json::json;

    fn cmd(aggs: Vec<ast::Aggregation>, by: &[&str], options: &[(&str, &str)]) -> ast::Streamstats {
        ast::Streamstats {
            options: options.iter().map(|(k, v)| opt(k, v)).collect(),
            aggregations: aggs,
            by: by.iter().map(|s| s.to_string()).collect(),
            span: Span::new(0, 11),
        }
    }

    fn streamstats(c: ast::Streamstats, input: serde_json::Value) -> serde_json::Value {
        let op = compile(&c, &Arc::new(Context::default())).unwrap();
        render(&run(op, rows(input)).unwrap())
    }

    #[test]
    fn ec121_running_count_per_group() {
        let got = streamstats(
            cmd(vec![agg("count", None, Some("i"))], &["h"], &[]),
            json!([{"h":"a"},{"h":"b"},{"h":"a"}]),
        );
        assert_eq!(
            got,
            json!([{"h":"a","i":"1"},{"h":"b","i":"1"},{"h":"a","i":"2"}])
        );
    }

    #[test]
    fn ec122_current_false_excludes_current_row() {
        let got = streamstats(
            cmd(
                vec![agg("sum", Some("x"), Some("prev"))],
                &[],
                &[("current", "false")],
            ),
            json!([{"x":"1"},{"x":"2"},{"x":"3"}]),
        );
        assert_eq!(
            got,
            json!([{"x":"1"},{"x":"2","prev":"1"},{"x":"3","prev":"3"}])
        );
    }

    #[test]
    fn count_numbers_rows_and_null_by_passes_through() {
        let got = streamstats(
            cmd(
                vec![agg("count", None, None), agg("count", Some("f"), None)],
                &[],
                &[],
            ),
            json!([{"f":"1"},{},{"f":"2"}]),
        );
        assert_eq!(
            got,
            json!([{"f":"1","count":"1","count(f)":"1"},{"count":"2","count(f)":"1"},{"f":"2","count":"3","count(f)":"2"}])
        );
        let got = streamstats(
            cmd(vec![agg("count", None, None)], &["h"], &[]),
            json!([{"h":"a"},{"x":"1"}]),
        );
        assert_eq!(got, json!([{"h":"a","count":"1"},{"x":"1"}]));
    }

    #[test]
    fn window_per_group_and_current_false() {
        let input =
            json!([{"g":"a","x":"1"},{"g":"a","x":"2"},{"g":"b","x":"10"},{"g":"a","x":"3"}]);
        let got = streamstats(
            cmd(
                vec![agg("sum", Some("x"), Some("s"))],
                &["g"],
                &[("window", "2")],
            ),
            input.clone(),
        );
        let s: Vec<_> = got
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["s"].clone())
            .collect();
        assert_eq!(s, vec![json!("1"), json!("3"), json!("10"), json!("5")]);
        let got = streamstats(
            cmd(
                vec![agg("last", Some("x"), Some("prev"))],
                &["g"],
                &[("window", "1"), ("current", "f")],
            ),
            input,
        );
        let p: Vec<_> = got
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.get("prev").cloned())
            .collect();
        assert_eq!(p, vec![None, Some(json!("1")), None, Some(json!("2"))]);
    }

    #[test]
    fn window_global_false_counts_all_rows() {
        let got = streamstats(
            cmd(
                vec![agg("count", None, Some("n"))],
                &["g"],
                &[("window", "2"), ("global", "false")],
            ),
            json!([{"g":"a"},{"g":"a"},{"g":"b"},{"g":"a"}]),
        );
        let n: Vec<_> = got
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["n"].clone())
            .collect();
        // Last row: the window holds rows 3 (b) and 4 (a): one `a`.
        assert_eq!(n, vec![json!("1"), json!("2"), json!("1"), json!("1")]);
    }

    #[test]
    fn reset_on_change_restarts() {
        let got = streamstats(
            cmd(
                vec![agg("count", None, Some("n"))],
                &["g"],
                &[("reset_on_change", "true")],
            ),
            json!([{"g":"a"},{"g":"a"},{"g":"b"},{"g":"a"}]),
        );
        let n: Vec<_> = got
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["n"].clone())
            .collect();
        assert_eq!(n, vec![json!("1"), json!("2"), json!("1"), json!("1")]);
    }

    #[test]
    fn time_window_keeps_recent_rows() {
        let got = streamstats(
            cmd(
                vec![agg("count", None, Some("n"))],
                &[],
                &[("time_window", "1m")],
            ),
            json!([{"_time":0},{"_time":30},{"_time":70},{"_time":200}]),
        );
        let n: Vec<_> = got
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["n"].clone())
            .collect();
        assert_eq!(n, vec![json!("1"), json!("2"), json!("2"), json!("1")]);
    }

    #[test]
    fn bad_options_are_errors() {
        let ctx = Arc::new(Context::default());
        for (k, v) in [
            ("time_window", "soon"),
            ("window", "-1"),
            ("current", "maybe"),
            ("reset_after", "x"),
        ] {
            let e = compile(&cmd(vec![agg("count", None, None)], &[], &[(k, v)]), &ctx);
            assert!(e.is_err(), "{k}={v}");
        }
    }
}
