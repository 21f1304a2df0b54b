//! `bin`/`bucket [span=] [bins=] [minspan=] [start=] [end=] [aligntime=] field [AS new]`
//! (SEMANTICS §12 bin).
//!
//! * A time span (`30s`, `1h`, `1d`, `1mon`...) or any span on `_time` replaces the value
//!   with the start of its bucket, in epoch seconds. Buckets are aligned to the local
//!   time of `env.tz` (R8.3): days at local midnight, months at the local first of the
//!   month; `aligntime=<epoch>` re-aligns sub-day spans to that instant instead.
//! * A plain number span on another field gives the range label `"10-20"`.
//! * `bins=N` (and no span: Splunk's default `bins=100`) must see the whole range
//!   first, so it buffers every row: the span is the smallest "nice" one (a power of
//!   ten for numbers, one of 1s 5s 10s 30s 1m 5m 10m 30m 1h 1d 7d 30d... for time)
//!   giving at most N buckets over [min(start, values), max(end, values)], and at least
//!   `minspan`.
//! * Values that are not numbers are left unchanged; each value of a multivalue is
//!   binned.

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::value::{format_compact, format_number, parse_number, Value};
use chrono::{Datelike, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;
use minispl_parser::ast;
use std::sync::Arc;

/// A parsed span.
#[derive(Debug, Clone, Copy, PartialEq)]
enum BinSpan {
    /// A sub-day time span in seconds.
    Seconds(f64),
    /// Whole days (a week is 7), aligned to local midnight.
    Days(u32),
    /// Whole months (a quarter is 3, a year 12), aligned to the local first of month.
    Months(u32),
    /// A unitless number: on `_time` it is seconds, elsewhere it makes range labels.
    Number(f64),
}

/// Parse `10`, `2.5`, `30s`, `5min`, `1h`, `2d`, `1w`, `1mon`, `1q`, `1y`, `100ms`.
fn parse_span(text: &str) -> Option<BinSpan> {
    let t = text.trim();
    let t = t.split('@').next().unwrap_or(t);
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n = if num.is_empty() {
        1.0
    } else {
        parse_number(num)?
    };
    if n <= 0.0 || !n.is_finite() {
        return None;
    }
    let whole = || (n.fract() == 0.0 && n <= f64::from(u32::MAX)).then_some(n as u32);
    Some(match unit.to_ascii_lowercase().as_str() {
        "" => BinSpan::Number(n),
        "s" | "sec" | "secs" | "second" | "seconds" => BinSpan::Seconds(n),
        "ms" => BinSpan::Seconds(n / 1e3),
        "cs" => BinSpan::Seconds(n / 1e2),
        "ds" => BinSpan::Seconds(n / 10.0),
        "us" => BinSpan::Seconds(n / 1e6),
        "m" | "min" | "mins" | "minute" | "minutes" => BinSpan::Seconds(n * 60.0),
        "h" | "hr" | "hrs" | "hour" | "hours" => BinSpan::Seconds(n * 3600.0),
        "d" | "day" | "days" => BinSpan::Days(whole()?),
        "w" | "week" | "weeks" => BinSpan::Days(whole()?.checked_mul(7)?),
        "mon" | "month" | "months" => BinSpan::Months(whole()?),
        "q" | "qtr" | "qtrs" | "quarter" | "quarters" => BinSpan::Months(whole()?.checked_mul(3)?),
        "y" | "yr" | "yrs" | "year" | "years" => BinSpan::Months(whole()?.checked_mul(12)?),
        _ => return None,
    })
}

/// Seconds east of UTC at `epoch` in `tz`.
fn offset_at(tz: Tz, epoch: f64) -> f64 {
    tz.timestamp_opt(epoch.floor() as i64, 0)
        .single()
        .map_or(0.0, |dt| f64::from(dt.offset().fix().local_minus_utc()))
}

/// Epoch seconds of local midnight on `date` in `tz` (the earliest such instant).
fn local_midnight(tz: Tz, date: NaiveDate) -> Option<f64> {
    let naive = date.and_hms_opt(0, 0, 0)?;
    match tz.from_local_datetime(&naive).earliest() {
        Some(dt) => Some(dt.timestamp() as f64),
        // Midnight skipped by a DST jump: take the naive time at the zone's offset
        // one day before.
        None => {
            let utc = naive.and_utc().timestamp() as f64;
            Some(utc - offset_at(tz, utc - 86_400.0))
        }
    }
}

/// Decimal places of a span as written, for clean range labels (`0.1` spans).
fn decimals(span: f64) -> i32 {
    let s = format_number(span);
    s.split_once('.').map_or(0, |(_, f)| f.len() as i32)
}

fn round_to(x: f64, places: i32) -> f64 {
    if places == 0 {
        return x;
    }
    let p = 10f64.powi(places);
    (x * p).round() / p
}

struct Binner {
    is_time_field: bool,
    tz: Tz,
    aligntime: Option<f64>,
}

impl Binner {
    fn bucket(&self, span: BinSpan, v: f64) -> Option<Value> {
        Some(match span {
            BinSpan::Number(s) if !self.is_time_field => {
                let lower = round_to((v / s).floor() * s, decimals(s));
                let upper = round_to(lower + s, decimals(s));
                Value::Str(format_compact!(
                    "{}-{}",
                    format_number(lower),
                    format_number(upper)
                ))
            }
            BinSpan::Number(s) | BinSpan::Seconds(s) => Value::Num(match self.aligntime {
                Some(a) => ((v - a) / s).floor() * s + a,
                None => {
                    let off = offset_at(self.tz, v);
                    ((v + off) / s).floor() * s - off
                }
            }),
            BinSpan::Days(n) => {
                let local = v + offset_at(self.tz, v);
                let days = (local / 86_400.0).floor() as i64;
                let start = days.div_euclid(i64::from(n)) * i64::from(n);
                let date = NaiveDate::from_ymd_opt(1970, 1, 1)?
                    .checked_add_signed(chrono::TimeDelta::try_days(start)?)?;
                Value::Num(local_midnight(self.tz, date)?)
            }
            BinSpan::Months(n) => {
                let dt = self.tz.timestamp_opt(v.floor() as i64, 0).single()?;
                let index = i64::from(dt.year()) * 12 + i64::from(dt.month0());
                let start = index.div_euclid(i64::from(n)) * i64::from(n);
                let year = i32::try_from(start.div_euclid(12)).ok()?;
                let month = u32::try_from(start.rem_euclid(12)).ok()? + 1;
                Value::Num(local_midnight(
                    self.tz,
                    NaiveDate::from_ymd_opt(year, month, 1)?,
                )?)
            }
        })
    }

    /// Bin every value; values that are not numbers stay as they are.
    fn apply(&self, span: BinSpan, value: &Value) -> Value {
        if let Value::Num(n) = value {
            return self.bucket(span, *n).unwrap_or_else(|| value.clone());
        }
        let binned: Vec<String> = value
            .values()
            .map(
                |text| match parse_number(&text).and_then(|n| self.bucket(span, n)) {
                    Some(b) => b.render().map(|s| s.into_owned()).unwrap_or_default(),
                    None => text.into_owned(),
                },
            )
            .collect();
        match (value, binned.len()) {
            (Value::Multi(_), _) => Value::multi(binned),
            // A single time bucket stays a number.
            _ => match binned.first().and_then(|b| parse_number(b)) {
                Some(n) if self.is_time_like(span) => Value::Num(n),
                _ => Value::multi(binned),
            },
        }
    }

    fn is_time_like(&self, span: BinSpan) -> bool {
        !matches!(span, BinSpan::Number(_)) || self.is_time_field
    }
}

/// Time spans `bins=` chooses from.
const NICE_TIME_SPANS: [f64; 14] = [
    1.0,
    5.0,
    10.0,
    30.0,
    60.0,
    300.0,
    600.0,
    1800.0,
    3600.0,
    10_800.0,
    43_200.0,
    86_400.0,
    604_800.0,
    2_592_000.0,
];

struct BinOp {
    field: String,
    dest: String,
    /// `None`: chosen from the data with `bins`.
    span: Option<BinSpan>,
    bins: u64,
    minspan: Option<BinSpan>,
    start: Option<f64>,
    end: Option<f64>,
    binner: Binner,
    buffered: Vec<Row>,
}

/// Compile `bin` into an operator.
pub fn compile(cmd: &ast::Bin, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let bad = |what: &str, text: &str| EvalError::at(format!("invalid {what} `{text}`"), cmd.span);
    let span = cmd
        .bucket_span
        .as_deref()
        .map(|s| parse_span(s).ok_or_else(|| bad("span", s)))
        .transpose()?;
    let minspan = cmd
        .minspan
        .as_deref()
        .map(|s| parse_span(s).ok_or_else(|| bad("minspan", s)))
        .transpose()?;
    let number = |what: &str, v: &Option<String>| {
        v.as_deref()
            .map(|s| parse_number(s).ok_or_else(|| bad(what, s)))
            .transpose()
    };
    let aligntime = match cmd.aligntime.as_deref() {
        None => None,
        Some(s) => Some(match parse_number(s) {
            Some(n) => n,
            None => crate::timefmt::relative_time(ctx.env.now, s, ctx.env.tz)
                .ok_or_else(|| bad("aligntime", s))?,
        }),
    };
    if cmd.bins == Some(0) {
        return Err(EvalError::at("bins must be at least 1", cmd.span));
    }
    Ok(Box::new(BinOp {
        field: cmd.field.clone(),
        dest: cmd.alias.clone().unwrap_or_else(|| cmd.field.clone()),
        span,
        bins: cmd.bins.unwrap_or(100),
        minspan,
        start: number("start", &cmd.start)?,
        end: number("end", &cmd.end)?,
        binner: Binner {
            is_time_field: cmd.field == "_time",
            tz: ctx.env.tz,
            // aligntime is ignored for spans of a day or more.
            aligntime,
        },
        buffered: Vec::new(),
    }))
}

fn span_seconds(span: BinSpan) -> f64 {
    match span {
        BinSpan::Seconds(s) | BinSpan::Number(s) => s,
        BinSpan::Days(d) => f64::from(d) * 86_400.0,
        BinSpan::Months(m) => f64::from(m) * 2_592_000.0,
    }
}

impl BinOp {
    fn bin_row(&self, span: BinSpan, mut row: Row) -> Row {
        let value = row.get(&self.field);
        if !value.is_null() {
            let binned = self.binner.apply(span, value);
            row.set(self.dest.as_str(), binned);
        }
        row
    }

    /// The span `bins=` picks for the buffered range.
    fn choose_span(&self) -> BinSpan {
        let mut lo = self.start.unwrap_or(f64::INFINITY);
        let mut hi = self.end.unwrap_or(f64::NEG_INFINITY);
        for row in &self.buffered {
            for v in row.get(&self.field).values() {
                if let Some(n) = parse_number(&v) {
                    lo = lo.min(n);
                    hi = hi.max(n);
                }
            }
        }
        let min = self.minspan.map_or(0.0, span_seconds);
        let count = |s: f64| ((hi / s).floor() - (lo / s).floor() + 1.0).max(1.0);
        let bins = self.bins as f64;
        if self.binner.is_time_field {
            for s in NICE_TIME_SPANS {
                if s >= min && (!lo.is_finite() || count(s) <= bins) {
                    return if s >= 86_400.0 {
                        BinSpan::Days((s / 86_400.0) as u32)
                    } else {
                        BinSpan::Seconds(s)
                    };
                }
            }
            return BinSpan::Months(12);
        }
        let mut s = 1e-6;
        while s < 1e300 && (s < min || (lo.is_finite() && count(s) > bins)) {
            s *= 10.0;
        }
        BinSpan::Number(round_to(s, 6))
    }
}

impl Operator for BinOp {
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        match self.span {
            Some(span) => out.push(self.bin_row(span, row)),
            None => self.buffered.push(row),
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if self.span.is_some() {
            return Ok(());
        }
        let span = self.choose_span();
        for row in std::mem::take(&mut self.buffered) {
            out.push(self.bin_row(span, row));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;
    use crate::env::Env;
    use crate::program::Context;

    fn bin_cmd(field: &str, span: Option<&str>) -> ast::Bin {
        ast::Bin {
            field: field.into(),
            alias: None,
            bucket_span: span.map(str::to_string),
            bins: None,
            minspan: None,
            start: None,
            end: None,
            aligntime: None,
            span: sp(),
        }
    }

    fn bin(cmd: ast::Bin, input: &str) -> String {
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows(input)))
    }

    #[test]
    fn ec131_numeric_labels_and_time_floor() {
        assert_eq!(
            bin(bin_cmd("bytes", Some("10")), r#"[{"bytes":"15"}]"#),
            r#"[{"bytes":"10-20"}]"#
        );
        assert_eq!(
            bin(bin_cmd("_time", Some("1h")), r#"[{"_time":1700000000}]"#),
            r#"[{"_time":"1699999200"}]"#
        );
    }

    #[test]
    fn numeric_labels_edges() {
        let input = r#"[{"n":"20"},{"n":"-5"},{"n":"0.25"},{"n":"abc"},{"n":["1","12"]}]"#;
        assert_eq!(
            bin(bin_cmd("n", Some("10")), input),
            r#"[{"n":"20-30"},{"n":"-10-0"},{"n":"0-10"},{"n":"abc"},{"n":["0-10","10-20"]}]"#
        );
        assert_eq!(
            bin(bin_cmd("n", Some("0.1")), r#"[{"n":"0.35"}]"#),
            r#"[{"n":"0.3-0.4"}]"#
        );
    }

    #[test]
    fn time_units_and_alias() {
        let mut cmd = bin_cmd("_time", Some("5m"));
        cmd.alias = Some("bucket".into());
        assert_eq!(
            bin(cmd, r#"[{"_time":1700000123.5}]"#),
            r#"[{"_time":"1700000123.5","bucket":"1700000100"}]"#
        );
        assert_eq!(
            bin(bin_cmd("_time", Some("1d")), r#"[{"_time":1700000000}]"#),
            r#"[{"_time":"1699920000"}]"#
        );
        // 2023-11-14 -> 2023-11-01 for a month span; a year span -> 2023-01-01.
        assert_eq!(
            bin(bin_cmd("_time", Some("1mon")), r#"[{"_time":1700000000}]"#),
            r#"[{"_time":"1698796800"}]"#
        );
        assert_eq!(
            bin(bin_cmd("_time", Some("1y")), r#"[{"_time":1700000000}]"#),
            r#"[{"_time":"1672531200"}]"#
        );
        // A unitless span on _time is seconds.
        assert_eq!(
            bin(bin_cmd("_time", Some("3600")), r#"[{"_time":1700000000}]"#),
            r#"[{"_time":"1699999200"}]"#
        );
    }

    #[test]
    fn day_spans_align_to_local_midnight() {
        let ctx = Arc::new(Context {
            env: Env {
                tz: chrono_tz::America::New_York,
                now: 0.0,
            },
            ..Context::default()
        });
        let mut op = compile(&bin_cmd("_time", Some("1d")), &ctx).expect("compiles");
        // 2023-11-14T22:13:20Z is 17:13:20 in New York (UTC-5): midnight is 05:00Z.
        let out = run(op.as_mut(), rows(r#"[{"_time":1700000000}]"#));
        assert_eq!(to_json(&out), r#"[{"_time":"1699938000"}]"#);
        let mut op = compile(&bin_cmd("_time", Some("1h")), &ctx).expect("compiles");
        let out = run(op.as_mut(), rows(r#"[{"_time":1700000000}]"#));
        assert_eq!(to_json(&out), r#"[{"_time":"1699999200"}]"#);
    }

    #[test]
    fn aligntime_shifts_sub_day_buckets() {
        let mut cmd = bin_cmd("_time", Some("1h"));
        cmd.aligntime = Some("900".into());
        // Buckets start at 900 + k*3600: 22:13:20 falls in the one from 21:15:00.
        assert_eq!(
            bin(cmd, r#"[{"_time":1700000000}]"#),
            r#"[{"_time":"1699996500"}]"#
        );
    }

    #[test]
    fn bins_picks_a_nice_span() {
        let mut cmd = bin_cmd("n", None);
        cmd.bins = Some(5);
        assert_eq!(
            bin(cmd.clone(), r#"[{"n":"3"},{"n":"47"}]"#),
            r#"[{"n":"0-10"},{"n":"40-50"}]"#
        );
        cmd.bins = Some(2);
        assert_eq!(
            bin(cmd.clone(), r#"[{"n":"3"},{"n":"47"}]"#),
            r#"[{"n":"0-100"},{"n":"0-100"}]"#
        );
        cmd.end = Some("500".into());
        assert_eq!(bin(cmd, r#"[{"n":"3"}]"#), r#"[{"n":"0-1000"}]"#);
        let mut cmd = bin_cmd("_time", None);
        cmd.bins = Some(3);
        assert_eq!(
            bin(cmd, r#"[{"_time":1700000000},{"_time":1700000100}]"#),
            // 100 s over at most 3 buckets: 60 s spans.
            r#"[{"_time":"1699999980"},{"_time":"1700000100"}]"#
        );
    }

    #[test]
    fn bad_spans_are_errors() {
        for s in ["abc", "0", "1.5d", "-1h", "10parsecs"] {
            assert!(compile(&bin_cmd("x", Some(s)), &ctx()).is_err(), "{s}");
        }
    }
}
