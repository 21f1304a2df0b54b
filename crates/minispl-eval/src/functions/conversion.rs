//! Conversion functions (SEMANTICS §6.4): `tonumber`, `tostring`.

use super::{map_values, number, text, Arg, Ctx, Function};
use crate::error::EvalError;
use crate::value::{format_number, parse_number, Value};

pub const FUNCTIONS: &[Function] = &[
    Function::eager("tonumber", 1, Some(2), tonumber),
    Function::eager("tostring", 1, Some(2), tostring),
];

/// `tonumber(s[, base])`: base 2..36 (default 10); text that is not entirely a number
/// in that base (leading or trailing spaces included) is null (EC-077). Base 16 accepts
/// a `0x` prefix.
fn tonumber(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let base = match args.get(1) {
        Some(b) => match number(b) {
            Some(b) if (2.0..=36.0).contains(&b) && b == b.trunc() => b as u32,
            _ => return Ok(Value::Null),
        },
        None => 10,
    };
    let Some(s) = text(&args[0]) else {
        return Ok(Value::Null);
    };
    if matches!(*args[0], Value::Bool(_)) {
        return Ok(Value::Null);
    }
    let n = if base == 10 {
        parse_number(&s)
    } else {
        parse_radix(&s, base)
    };
    Ok(n.map_or(Value::Null, Value::Num))
}

fn parse_radix(s: &str, base: u32) -> Option<f64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let digits = if base == 16 {
        digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"))
            .unwrap_or(digits)
    } else {
        digits
    };
    if digits.is_empty() {
        return None;
    }
    let mut n = 0f64;
    for c in digits.chars() {
        n = n * f64::from(base) + f64::from(c.to_digit(base)?);
    }
    Some(if negative { -n } else { n })
}

/// `tostring(x[, "hex"|"commas"|"duration"])`: booleans become `True`/`False` (§6.4);
/// a format applies to numbers (non-numeric text is returned as is); on a multivalue
/// it applies to each value.
fn tostring(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let format = match args.get(1) {
        Some(f) => match text(f) {
            Some(f) => Some(f.to_ascii_lowercase()),
            None => return Ok(Value::Null),
        },
        None => None,
    };
    Ok(match &*args[0] {
        Value::Bool(b) => Value::str(if *b { "True" } else { "False" }),
        Value::Num(n) => Value::from(format_with(*n, format.as_deref())),
        other => map_values(other, |s| match parse_number(s) {
            Some(n) if format.is_some() => format_with(n, format.as_deref()),
            _ => s.to_string(),
        }),
    })
}

fn format_with(n: f64, format: Option<&str>) -> String {
    match format {
        Some("hex") => hex(n),
        Some("commas") => commas(n),
        Some("duration") => duration(n),
        _ => format_number(n),
    }
}

/// `tostring(255,"hex")` = `0xFF` (upper-case digits, the medium-confidence case of
/// §6.4); the integer part of the number.
fn hex(n: f64) -> String {
    if !n.is_finite() {
        return format_number(n);
    }
    let i = n.trunc() as i128;
    if i < 0 {
        format!("-0x{:X}", i.unsigned_abs())
    } else {
        format!("0x{i:X}")
    }
}

/// Thousands separators, rounded to 2 decimals (§6.4): `1234567` → `1,234,567`,
/// `12345.6789` → `12,345.68`.
fn commas(n: f64) -> String {
    if !n.is_finite() {
        return format_number(n);
    }
    let rounded = super::math::round_half_away(n, 2);
    let text = format_number(rounded.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (text, None),
    };
    let mut out = String::new();
    if rounded < 0.0 {
        out.push('-');
    }
    out.push_str(&super::text::with_commas(&int, true));
    if let Some(f) = frac {
        out.push('.');
        out.push_str(&f);
    }
    out
}

/// Seconds as `[D+]HH:MM:SS` (`615` → `00:10:15`, EC-086); a fraction is kept as six
/// digits (`00:00:01.500000`).
fn duration(n: f64) -> String {
    if !n.is_finite() {
        return format_number(n);
    }
    let negative = n < 0.0;
    let total = n.abs();
    let whole = total.trunc() as u64;
    let micros = ((total - total.trunc()) * 1e6).round() as u64;
    let (days, rem) = (whole / 86400, whole % 86400);
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if days > 0 {
        out.push_str(&format!("{days}+"));
    }
    out.push_str(&format!(
        "{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ));
    if micros > 0 {
        out.push_str(&format!(".{micros:06}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::expr::build::*;
    use crate::expr::testing::*;
    use crate::value::Value;
    use minispl_parser::ast::BinaryOp;

    #[test]
    fn tonumber_bases_and_unparseable_ec077() {
        let r = row(&[("x", " 12"), ("y", "12"), ("h", "ff")]);
        let t = |args| eval_in(call("tonumber", args), &r);
        assert_eq!(t(vec![s("0A4"), num(16.0)]), Value::Num(164.0));
        assert_eq!(t(vec![f("x")]), Value::Null);
        assert_eq!(t(vec![f("y")]), Value::Num(12.0));
        assert_eq!(t(vec![f("h"), num(16.0)]), Value::Num(255.0));
        assert_eq!(t(vec![s("0x1F"), num(16.0)]), Value::Num(31.0));
        assert_eq!(t(vec![s("-101"), num(2.0)]), Value::Num(-5.0));
        assert_eq!(t(vec![s("12"), num(2.0)]), Value::Null);
        assert_eq!(t(vec![s("z"), num(36.0)]), Value::Num(35.0));
        assert_eq!(t(vec![s("1"), num(37.0)]), Value::Null);
        assert_eq!(t(vec![s("1.5e3")]), Value::Num(1500.0));
        assert_eq!(t(vec![s("abc")]), Value::Null);
        assert_eq!(t(vec![f("none")]), Value::Null);
        assert_eq!(t(vec![num(7.0)]), Value::Num(7.0));
    }

    #[test]
    fn tostring_formats_ec086() {
        let t = |args| eval(call("tostring", args));
        assert_eq!(t(vec![num(615.0), s("duration")]), Value::str("00:10:15"));
        assert_eq!(
            t(vec![num(1234567.0), s("commas")]),
            Value::str("1,234,567")
        );
        assert_eq!(
            t(vec![num(12345.6789), s("commas")]),
            Value::str("12,345.68")
        );
        assert_eq!(t(vec![num(-1234.0), s("commas")]), Value::str("-1,234"));
        assert_eq!(t(vec![num(255.0), s("hex")]), Value::str("0xFF"));
        assert_eq!(t(vec![num(-255.0), s("hex")]), Value::str("-0xFF"));
        assert!(t(vec![num(-1e300), s("hex")]).render().is_some());
        assert_eq!(
            t(vec![num(90061.0), s("duration")]),
            Value::str("1+01:01:01")
        );
        assert_eq!(
            t(vec![num(1.5), s("duration")]),
            Value::str("00:00:01.500000")
        );
        assert_eq!(t(vec![s("615"), s("duration")]), Value::str("00:10:15"));
        assert_eq!(t(vec![s("abc"), s("hex")]), Value::str("abc"));
    }

    #[test]
    fn tostring_plain_booleans_null_multivalue() {
        let t = |args| eval_in(call("tostring", args), &row(&[("m", "1|2")]));
        assert_eq!(t(vec![num(3.0)]), Value::str("3"));
        assert_eq!(t(vec![num(0.5)]), Value::str("0.5"));
        let p = bin(BinaryOp::Gt, num(2.0), num(1.0));
        assert_eq!(t(vec![p]), Value::str("True"));
        assert_eq!(t(vec![fls()]), Value::str("False"));
        assert_eq!(t(vec![f("none")]), Value::Null);
        assert_eq!(t(vec![f("m"), s("hex")]), mv(&["0x1", "0x2"]));
    }
}
