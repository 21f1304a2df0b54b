//! `convert [timeformat=fmt] func(field) [AS new] ...` (SEMANTICS §8).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::timefmt;
use crate::value::{parse_number, Value};
use crate::wildcard::{self, Glob};
use chrono_tz::Tz;
use minispl_parser::ast::{self, ConvertFunction};
use std::sync::Arc;

/// R8.1: the default `timeformat` (not locale dependent).
pub const DEFAULT_TIMEFORMAT: &str = "%m/%d/%Y %H:%M:%S";

struct Conversion {
    function: ConvertFunction,
    field: String,
    /// `Some` when the field has `*` (R8.2).
    glob: Option<Glob>,
    alias: Option<String>,
}

struct ConvertOp {
    timeformat: String,
    tz: Tz,
    conversions: Vec<Conversion>,
    /// Fields named in `none(...)`: excluded from every other conversion.
    excluded: Vec<Glob>,
}

/// Compile `convert` into an operator.
pub fn compile(cmd: &ast::Convert, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let mut conversions = Vec::new();
    let mut excluded = Vec::new();
    for c in &cmd.conversions {
        if c.function == ConvertFunction::None {
            excluded.push(Glob::new(&c.field, false));
            continue;
        }
        if let Some(alias) = &c.alias {
            let (from, to) = (c.field.matches('*').count(), alias.matches('*').count());
            if to != 0 && from != to {
                return Err(EvalError::at(
                    format!("wildcard mismatch between `{}` and `{alias}`", c.field),
                    c.span,
                ));
            }
        }
        conversions.push(Conversion {
            function: c.function,
            glob: c.field.contains('*').then(|| Glob::new(&c.field, false)),
            field: c.field.clone(),
            alias: c.alias.clone(),
        });
    }
    Ok(Box::new(ConvertOp {
        timeformat: cmd
            .timeformat
            .clone()
            .unwrap_or_else(|| DEFAULT_TIMEFORMAT.to_string()),
        tz: ctx.env.tz,
        conversions,
        excluded,
    }))
}

/// `[D+]HH:MM:SS` to seconds.
fn dur2sec(text: &str) -> Option<f64> {
    let (days, rest) = match text.split_once('+') {
        Some((d, r)) => (d.trim().parse::<u64>().ok()?, r),
        None => (0, text),
    };
    let parts: Vec<&str> = rest.trim().split(':').collect();
    if parts.is_empty() || parts.len() > 3 {
        return None;
    }
    let mut secs = 0.0;
    for p in &parts {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return None;
        }
        secs = secs * 60.0 + p.parse::<f64>().ok()?;
    }
    Some(days as f64 * 86_400.0 + secs)
}

/// `[MM:]SS.SSS` to seconds.
fn mstime(text: &str) -> Option<f64> {
    match text.trim().split_once(':') {
        Some((m, s)) => Some(m.parse::<u64>().ok()? as f64 * 60.0 + parse_number(s)?),
        None => parse_number(text.trim()),
    }
}

/// The leading number of a value (`rmunit("10KB")` is 10).
fn leading_number(text: &str) -> Option<f64> {
    let t = text.trim_start();
    let end = t
        .char_indices()
        .take_while(|(i, c)| {
            c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '-' || *c == '+'))
        })
        .map(|(i, c)| i + c.len_utf8())
        .last()?;
    parse_number(&t[..end])
}

/// A number of kilobytes from `10`, `10k`, `2m`, `1.5g` (memk).
fn memk(text: &str) -> Option<f64> {
    let t = text.trim();
    let (num, unit) = match t.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_lowercase()),
        _ => (t, 'k'),
    };
    let n = parse_number(num)?;
    match unit {
        'k' => Some(n),
        'm' => Some(n * 1024.0),
        'g' => Some(n * 1024.0 * 1024.0),
        _ => None,
    }
}

/// `auto()`: the best numeric reading of a value.
fn auto(text: &str) -> Option<f64> {
    parse_number(text)
        .or_else(|| parse_number(&text.replace(',', "")))
        .or_else(|| memk(text))
        .or_else(|| leading_number(text))
}

impl ConvertOp {
    /// Convert one value; `None` when the value is not convertible.
    fn convert_one(&self, function: ConvertFunction, text: &str) -> Option<Value> {
        match function {
            // R8.4: non-numbers are left unchanged; the fraction is passed through so
            // `%N`/`%Q` can show it (strftime truncates it otherwise).
            ConvertFunction::Ctime => parse_number(text)
                .map(|n| Value::from(timefmt::strftime(n, &self.timeformat, self.tz))),
            ConvertFunction::Mktime => {
                timefmt::strptime(text, &self.timeformat, self.tz).map(Value::Num)
            }
            ConvertFunction::Dur2sec => dur2sec(text).map(Value::Num),
            ConvertFunction::Mstime => mstime(text).map(Value::Num),
            ConvertFunction::Memk => memk(text).map(Value::Num),
            ConvertFunction::Rmunit => leading_number(text).map(Value::Num),
            ConvertFunction::Rmcomma => Some(Value::from(text.replace(',', ""))),
            ConvertFunction::Auto | ConvertFunction::Num => auto(text).map(Value::Num),
            ConvertFunction::None => None,
        }
    }

    /// Convert every value of a field. A value that cannot be converted is kept as it
    /// was, except with `num()`, which removes it.
    fn convert(&self, function: ConvertFunction, value: &Value) -> Value {
        let mut changed = Vec::with_capacity(value.count());
        for text in value.values() {
            match self.convert_one(function, &text) {
                Some(v) => changed.push(v),
                None if function == ConvertFunction::Num => {}
                None => changed.push(Value::Str(text.into())),
            }
        }
        if changed.len() == 1 {
            return changed.pop().unwrap_or_default();
        }
        Value::multi(
            changed
                .iter()
                .filter_map(|v| v.render().map(|s| s.into_owned()))
                .collect(),
        )
    }
}

impl Operator for ConvertOp {
    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        for c in &self.conversions {
            // (source field, destination field)
            let targets: Vec<(String, String)> = match &c.glob {
                None => {
                    if self.excluded.iter().any(|g| g.is_match(&c.field)) || !row.contains(&c.field)
                    {
                        continue;
                    }
                    vec![(
                        c.field.clone(),
                        c.alias.clone().unwrap_or_else(|| c.field.clone()),
                    )]
                }
                Some(glob) => row
                    .names()
                    .filter(|n| glob.is_match(n) && !self.excluded.iter().any(|g| g.is_match(n)))
                    .map(|n| {
                        let dest = match &c.alias {
                            None => n.to_string(),
                            Some(a) if a.contains('*') => {
                                let caps =
                                    wildcard::captures(&c.field, n, false).unwrap_or_default();
                                wildcard::substitute(a, &caps)
                            }
                            Some(a) => a.clone(),
                        };
                        (n.to_string(), dest)
                    })
                    .collect(),
            };
            for (source, dest) in targets {
                let converted = self.convert(c.function, row.get(&source));
                // R8.2: in place without AS; with AS the original is kept.
                row.set(dest, converted);
            }
        }
        out.push(row);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;
    use ConvertFunction as F;

    fn conv(function: ConvertFunction, field: &str, alias: Option<&str>) -> ast::Conversion {
        ast::Conversion {
            function,
            field: field.into(),
            alias: alias.map(str::to_string),
            span: sp(),
        }
    }

    fn convert(timeformat: Option<&str>, conversions: Vec<ast::Conversion>, input: &str) -> String {
        let cmd = ast::Convert {
            timeformat: timeformat.map(str::to_string),
            conversions,
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows(input)))
    }

    #[test]
    fn numeric_conversions() {
        let input = r#"[{"d":"1+02:03:04","m":"01:23.5","k":"2m","u":"10KB","c":"1,000,000.5","a":"1,234","n":["5","x"],"s":"abc"}]"#;
        assert_eq!(
            convert(
                None,
                vec![
                    conv(F::Dur2sec, "d", None),
                    conv(F::Mstime, "m", None),
                    conv(F::Memk, "k", None),
                    conv(F::Rmunit, "u", None),
                    conv(F::Rmcomma, "c", None),
                    conv(F::Auto, "a", None),
                    conv(F::Num, "n", None),
                    conv(F::Auto, "s", None),
                ],
                input
            ),
            r#"[{"d":"93784","m":"83.5","k":"2048","u":"10","c":"1000000.5","a":"1234","n":"5","s":"abc"}]"#
        );
    }

    #[test]
    fn num_removes_unconvertible_values_auto_keeps_them() {
        assert_eq!(
            convert(
                None,
                vec![conv(F::Num, "x", None)],
                r#"[{"x":"abc","y":"1"}]"#
            ),
            r#"[{"y":"1"}]"#
        );
        assert_eq!(
            convert(
                None,
                vec![conv(F::Auto, "x", Some("z"))],
                r#"[{"x":"abc"}]"#
            ),
            r#"[{"x":"abc","z":"abc"}]"#
        );
    }

    #[test]
    fn wildcards_aliases_and_none() {
        assert_eq!(
            convert(
                None,
                vec![
                    conv(F::Rmcomma, "*_n", Some("clean_*")),
                    conv(F::None, "b_n", None)
                ],
                r#"[{"a_n":"1,0","b_n":"2,0","c":"3,0"}]"#
            ),
            r#"[{"a_n":"1,0","b_n":"2,0","c":"3,0","clean_a":"10"}]"#
        );
        assert_eq!(
            convert(
                None,
                vec![conv(F::Dur2sec, "*", None)],
                r#"[{"a":"00:01:00","b":"x"}]"#
            ),
            r#"[{"a":"60","b":"x"}]"#
        );
    }

    /// Needs `timefmt::strftime` (another engineer's work): passes only after the merge.
    #[test]
    fn ec106_ctime_with_as_keeps_the_original() {
        assert_eq!(
            convert(
                Some("%Y-%m-%d"),
                vec![conv(F::Ctime, "t", Some("day"))],
                r#"[{"t":"1700000000"}]"#
            ),
            r#"[{"t":"1700000000","day":"2023-11-14"}]"#
        );
    }

    /// Needs `timefmt::strftime`: passes only after the merge.
    #[test]
    fn ctime_default_format_in_place_and_non_numbers_unchanged() {
        assert_eq!(
            convert(
                None,
                vec![conv(F::Ctime, "*Time", None)],
                r#"[{"firstTime":"1700000000","lastTime":"n/a"}]"#
            ),
            r#"[{"firstTime":"11/14/2023 22:13:20","lastTime":"n/a"}]"#
        );
        // EC-107 / R8.5: the ESCU security_content_ctime format.
        assert_eq!(
            convert(
                Some("%Y-%m-%dT%H:%M:%S"),
                vec![conv(F::Ctime, "firstTime", None)],
                r#"[{"firstTime":"1700000000"}]"#
            ),
            r#"[{"firstTime":"2023-11-14T22:13:20"}]"#
        );
    }

    /// Needs `timefmt::strptime`: passes only after the merge.
    #[test]
    fn mktime_parses_with_timeformat() {
        assert_eq!(
            convert(
                Some("%Y-%m-%dT%H:%M:%S"),
                vec![conv(F::Mktime, "t", None)],
                r#"[{"t":"2023-11-14T22:13:20"},{"t":"garbage"}]"#
            ),
            r#"[{"t":"1700000000"},{"t":"garbage"}]"#
        );
    }
}
