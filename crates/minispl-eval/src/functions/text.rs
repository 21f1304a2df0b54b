//! Text functions (SEMANTICS §6.4): `lower`, `upper`, `len`, `substr`, `trim`, `ltrim`,
//! `rtrim`, `replace`, `urldecode`, `printf`.
//!
//! R6.16 choice: `lower`/`upper` apply to every value of a multivalue (documented);
//! the functions documented as "not supported on multivalue fields" (`len`, `substr`,
//! `trim`..., `replace`, `urldecode`) return null on one.

use super::{map_values, number, prepare_regex_arg1, text, Arg, Ctx, Function};
use crate::error::EvalError;
use crate::value::{format_number, Value};

pub const FUNCTIONS: &[Function] = &[
    Function::eager("lower", 1, Some(1), |a, _| {
        Ok(map_values(&a[0], str::to_lowercase))
    }),
    Function::eager("upper", 1, Some(1), |a, _| {
        Ok(map_values(&a[0], str::to_uppercase))
    }),
    Function::eager("len", 1, Some(1), |a, _| {
        Ok(text(&a[0]).map_or(Value::Null, |s| Value::Num(s.chars().count() as f64)))
    }),
    Function::eager("substr", 2, Some(3), substr),
    Function::eager("trim", 1, Some(2), |a, _| trim(a, true, true)),
    Function::eager("ltrim", 1, Some(2), |a, _| trim(a, true, false)),
    Function::eager("rtrim", 1, Some(2), |a, _| trim(a, false, true)),
    Function::eager("replace", 3, Some(3), replace).prepared(prepare_regex_arg1),
    Function::eager("urldecode", 1, Some(1), |a, _| {
        Ok(text(&a[0]).map_or(Value::Null, |s| Value::from(urldecode(&s))))
    }),
    Function::eager("printf", 1, None, printf),
];

/// `substr(s, start[, length])`: 1-based, negative start counts from the end; the
/// edge cases follow SQLite (§6.4): characters at positions `[p, p+length)` that lie
/// within `1..=len`, where `p = start` (or `len+start+1` when negative). So
/// `substr("abc",0,2)` = `"a"` and a start past the end gives `""`.
fn substr(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let Some(s) = text(&args[0]) else {
        return Ok(Value::Null);
    };
    let Some(start) = number(&args[1]) else {
        return Ok(Value::Null);
    };
    let length = match args.get(2) {
        Some(v) => match number(v) {
            Some(n) => Some(n.trunc() as i64),
            None => return Ok(Value::Null),
        },
        None => None,
    };
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as i64;
    let start = start.trunc() as i64;
    let first = if start < 0 { len + start + 1 } else { start };
    let end = match length {
        // A negative length selects nothing (Splunk gives an empty string).
        Some(l) if l < 0 => first,
        Some(l) => first.saturating_add(l),
        None => len + 1,
    };
    let lo = first.max(1);
    let hi = end.min(len + 1);
    if lo >= hi {
        return Ok(Value::str(""));
    }
    Ok(Value::Str(
        chars[(lo - 1) as usize..(hi - 1) as usize].iter().collect(),
    ))
}

/// `trim(s[, chars])`: `chars` is a set; the default is space and tab (§6.4).
fn trim(args: &[Arg<'_>], left: bool, right: bool) -> Result<Value, EvalError> {
    let Some(s) = text(&args[0]) else {
        return Ok(Value::Null);
    };
    let set: Vec<char> = match args.get(1) {
        Some(v) => match text(v) {
            Some(c) => c.chars().collect(),
            None => return Ok(Value::Null),
        },
        None => vec![' ', '\t'],
    };
    let mut out: &str = &s;
    if left {
        out = out.trim_start_matches(|c| set.contains(&c));
    }
    if right {
        out = out.trim_end_matches(|c| set.contains(&c));
    }
    Ok(Value::str(out))
}

/// `replace(s, regex, repl)`: every match; `\1`..`\9` in `repl` are groups (§6.4).
fn replace(args: &[Arg<'_>], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let (Some(s), Some(pattern), Some(repl)) = (text(&args[0]), text(&args[1]), text(&args[2]))
    else {
        return Ok(Value::Null);
    };
    let re = ctx.regex(&pattern)?;
    Ok(Value::Str(
        re.replace_all(&s, pcre_replacement(&repl).as_str()).into(),
    ))
}

/// Translate a PCRE replacement (`\1`, `\\`) into the regex crate's syntax (`${1}`,
/// with literal `$` escaped as `$$`).
pub fn pcre_replacement(repl: &str) -> String {
    let mut out = String::with_capacity(repl.len() + 4);
    let mut chars = repl.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(d) if d.is_ascii_digit() => {
                    out.push_str(&format!("${{{d}}}"));
                    chars.next();
                }
                Some('\\') => {
                    out.push('\\');
                    chars.next();
                }
                _ => out.push('\\'),
            },
            '$' => out.push_str("$$"),
            other => out.push(other),
        }
    }
    out
}

/// Percent-decoding with `+` as space; invalid escapes are kept as written, invalid
/// UTF-8 is replaced.
pub fn urldecode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `printf(format, args...)`: C-style `%[flags][width][.precision]conversion` with
/// conversions `d i u f F e E g G x X o s c %` and flags `- + space 0 # '` (`'` adds
/// thousands separators). A missing argument formats as empty; null arguments too.
fn printf(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let Some(format) = text(&args[0]) else {
        return Ok(Value::Null);
    };
    let mut rest = args[1..].iter();
    let chars: Vec<char> = format.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let mut spec = Spec::default();
        while i < chars.len() && "-+ 0#'".contains(chars[i]) {
            match chars[i] {
                '-' => spec.left = true,
                '+' => spec.plus = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                '#' => spec.alt = true,
                _ => spec.commas = true,
            }
            i += 1;
        }
        let mut width = String::new();
        while i < chars.len() && chars[i].is_ascii_digit() {
            width.push(chars[i]);
            i += 1;
        }
        // Widths and precisions are capped so that a hostile format cannot make us
        // allocate gigabytes.
        spec.width = width.parse::<usize>().unwrap_or(0).min(MAX_WIDTH);
        if i < chars.len() && chars[i] == '.' {
            i += 1;
            let mut p = String::new();
            while i < chars.len() && chars[i].is_ascii_digit() {
                p.push(chars[i]);
                i += 1;
            }
            spec.precision = Some(p.parse::<usize>().unwrap_or(0).min(MAX_WIDTH));
        }
        // Length modifiers (`l`, `ll`, `h`) are accepted and ignored.
        while i < chars.len() && "lhqLjzt".contains(chars[i]) {
            i += 1;
        }
        let Some(&conv) = chars.get(i) else {
            out.extend(&chars[start..]);
            break;
        };
        i += 1;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let arg: &Value = rest.next().map_or(&Value::Null, |v| v);
        match format_one(conv, &spec, arg) {
            Some(s) => out.push_str(&s),
            None => out.extend(&chars[start..i]),
        }
    }
    Ok(Value::from(out))
}

const MAX_WIDTH: usize = 1024;

#[derive(Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    zero: bool,
    alt: bool,
    commas: bool,
    width: usize,
    precision: Option<usize>,
}

fn format_one(conv: char, spec: &Spec, arg: &Value) -> Option<String> {
    let n = number(arg);
    let body = match conv {
        'd' | 'i' | 'u' => sign(
            spec,
            n.map(|n| with_commas(&format!("{}", n.trunc().abs() as i128), spec.commas)),
            n,
        ),
        'f' | 'F' => {
            let p = spec.precision.unwrap_or(6);
            sign(
                spec,
                n.map(|v| {
                    let s = format!("{:.p$}", v.abs());
                    match s.split_once('.') {
                        Some((i, f)) => format!("{}.{f}", with_commas(i, spec.commas)),
                        None => with_commas(&s, spec.commas),
                    }
                }),
                n,
            )
        }
        'e' | 'E' => {
            let p = spec.precision.unwrap_or(6);
            let s = n.map(|v| c_exponent(v.abs(), p));
            let s = sign(spec, s, n);
            if conv == 'E' {
                s.to_uppercase()
            } else {
                s
            }
        }
        'g' | 'G' => {
            let s = sign(spec, n.map(|v| format_number(v.abs())), n);
            if conv == 'G' {
                s.to_uppercase()
            } else {
                s
            }
        }
        'x' | 'X' | 'o' => {
            let v = n.map(|v| v.trunc() as i64).unwrap_or(0);
            let mut s = match conv {
                'x' => format!("{v:x}"),
                'X' => format!("{v:X}"),
                _ => format!("{v:o}"),
            };
            if spec.alt && v != 0 {
                s = match conv {
                    'x' => format!("0x{s}"),
                    'X' => format!("0X{s}"),
                    _ => format!("0{s}"),
                };
            }
            if n.is_none() {
                String::new()
            } else {
                s
            }
        }
        's' => {
            let s = arg.render().map(|c| c.into_owned()).unwrap_or_default();
            match spec.precision {
                Some(p) => s.chars().take(p).collect(),
                None => s,
            }
        }
        'c' => match n {
            Some(code) => char::from_u32(code as u32)
                .map(String::from)
                .unwrap_or_default(),
            None => arg
                .render()
                .and_then(|s| s.chars().next())
                .map(String::from)
                .unwrap_or_default(),
        },
        _ => return None,
    };
    Some(pad(
        body,
        spec,
        matches!(
            conv,
            'd' | 'i' | 'u' | 'f' | 'F' | 'e' | 'E' | 'g' | 'G' | 'x' | 'X' | 'o'
        ),
    ))
}

/// Prefix the sign for a formatted magnitude (`n` is the signed value).
fn sign(spec: &Spec, body: Option<String>, n: Option<f64>) -> String {
    let (Some(body), Some(n)) = (body, n) else {
        return String::new();
    };
    let prefix = if n < 0.0 {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    format!("{prefix}{body}")
}

fn pad(body: String, spec: &Spec, numeric: bool) -> String {
    let len = body.chars().count();
    if len >= spec.width {
        return body;
    }
    let fill = spec.width - len;
    if spec.left {
        format!("{body}{}", " ".repeat(fill))
    } else if spec.zero && numeric && !body.is_empty() {
        let (sign, digits) = match body.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (c.to_string(), body[1..].to_string()),
            _ => (String::new(), body),
        };
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{body}", " ".repeat(fill))
    }
}

/// `1.234560e+03` as C prints it.
fn c_exponent(v: f64, precision: usize) -> String {
    let s = format!("{v:.precision$e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let e: i32 = exp.parse().unwrap_or(0);
            format!("{mantissa}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
        }
        None => s,
    }
}

/// Insert thousands separators into a string of digits.
pub fn with_commas(digits: &str, enabled: bool) -> String {
    if !enabled {
        return digits.to_string();
    }
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::build::*;
    use crate::expr::testing::*;
    use minispl_parser::ast::Expr;

    fn call1(name: &str, args: Vec<Expr>) -> Value {
        eval_in(call(name, args), &row(&[("m", "Ab|Cd"), ("s", "HéLLo")]))
    }

    #[test]
    fn len_lower_upper_ec085() {
        assert_eq!(call1("len", vec![f("s")]), Value::Num(5.0));
        assert_eq!(call1("lower", vec![f("s")]), Value::str("héllo"));
        assert_eq!(call1("upper", vec![s("abc")]), Value::str("ABC"));
        assert_eq!(call1("len", vec![num(1234.0)]), Value::Num(4.0));
    }

    #[test]
    fn lower_upper_apply_to_each_value_len_does_not() {
        assert_eq!(call1("lower", vec![f("m")]), mv(&["ab", "cd"]));
        assert_eq!(call1("upper", vec![f("m")]), mv(&["AB", "CD"]));
        assert_eq!(call1("len", vec![f("m")]), Value::Null);
        assert_eq!(call1("lower", vec![f("none")]), Value::Null);
        assert_eq!(call1("len", vec![f("none")]), Value::Null);
    }

    #[test]
    fn substr_1_based_negative_ec070() {
        let sub = |args: Vec<Expr>| call1("substr", args);
        assert_eq!(
            sub(vec![s("string"), num(1.0), num(3.0)]),
            Value::str("str")
        );
        assert_eq!(sub(vec![s("string"), num(-3.0)]), Value::str("ing"));
        assert_eq!(sub(vec![s("string"), num(2.0)]), Value::str("tring"));
    }

    #[test]
    fn substr_edge_cases() {
        let sub = |args: Vec<Expr>| call1("substr", args);
        assert_eq!(sub(vec![s("abc"), num(0.0), num(2.0)]), Value::str("a"));
        assert_eq!(sub(vec![s("abc"), num(5.0)]), Value::str(""));
        assert_eq!(sub(vec![s("abc"), num(-5.0)]), Value::str("abc"));
        assert_eq!(sub(vec![s("abc"), num(2.0), num(99.0)]), Value::str("bc"));
        assert_eq!(sub(vec![s("héllo"), num(2.0), num(2.0)]), Value::str("él"));
        assert_eq!(sub(vec![s("abc"), num(1.0), num(-1.0)]), Value::str(""));
        assert_eq!(sub(vec![f("none"), num(1.0)]), Value::Null);
        assert_eq!(sub(vec![f("m"), num(1.0)]), Value::Null);
        assert_eq!(sub(vec![s("abc"), s("x")]), Value::Null);
    }

    #[test]
    fn trims() {
        assert_eq!(call1("trim", vec![s(" \tab \t")]), Value::str("ab"));
        assert_eq!(
            call1("trim", vec![s(" ZZZZabcZZ "), s(" Z")]),
            Value::str("abc")
        );
        assert_eq!(call1("ltrim", vec![s("  ab  ")]), Value::str("ab  "));
        assert_eq!(call1("rtrim", vec![s("  ab  ")]), Value::str("  ab"));
        assert_eq!(call1("ltrim", vec![s("xxaxx"), s("x")]), Value::str("axx"));
        assert_eq!(call1("trim", vec![s("\nab\n")]), Value::str("\nab\n"));
        assert_eq!(call1("trim", vec![f("none")]), Value::Null);
        assert_eq!(call1("trim", vec![f("m")]), Value::Null);
    }

    #[test]
    fn replace_every_match_with_groups_ec071() {
        let r = row(&[("x", "1/14/2023")]);
        let d = call(
            "replace",
            vec![f("x"), s(r"^(\d{1,2})/(\d{1,2})/"), s(r"\2/\1/")],
        );
        assert_eq!(eval_in(d, &r), Value::str("14/1/2023"));
        let e = call("replace", vec![s("a.b.c"), s(r"\."), s("-")]);
        assert_eq!(eval(e), Value::str("a-b-c"));
        // `$` in the replacement is literal.
        let e = call("replace", vec![s("ab"), s("b"), s("$1")]);
        assert_eq!(eval(e), Value::str("a$1"));
        assert_eq!(
            eval(call("replace", vec![f("none"), s("a"), s("b")])),
            Value::Null
        );
    }

    #[test]
    fn replacement_translation() {
        assert_eq!(pcre_replacement(r"\2/\1/"), "${2}/${1}/");
        assert_eq!(pcre_replacement(r"a\\b$"), r"a\b$$");
    }

    #[test]
    fn urldecode_percent_and_plus() {
        assert_eq!(urldecode("a%20b+c%2Fd"), "a b c/d");
        assert_eq!(urldecode("%E2%9C%93"), "✓");
        assert_eq!(urldecode("100%"), "100%");
        assert_eq!(urldecode("%zz%4"), "%zz%4");
        assert_eq!(call1("urldecode", vec![f("none")]), Value::Null);
    }

    #[test]
    #[allow(clippy::approx_constant)] // an arbitrary fraction, not π
    fn printf_conversions() {
        let p = |args: Vec<Expr>| call1("printf", args);
        assert_eq!(p(vec![s("%d items"), num(3.7)]), Value::str("3 items"));
        assert_eq!(p(vec![s("%05.2f"), num(3.14159)]), Value::str("03.14"));
        assert_eq!(p(vec![s("%-4s|"), s("ab")]), Value::str("ab  |"));
        assert_eq!(p(vec![s("%4s|"), s("ab")]), Value::str("  ab|"));
        assert_eq!(
            p(vec![
                s("%x %X %#x %o"),
                num(255.0),
                num(255.0),
                num(255.0),
                num(8.0)
            ]),
            Value::str("ff FF 0xff 10")
        );
        assert_eq!(
            p(vec![s("%+d %+d"), num(5.0), num(-5.0)]),
            Value::str("+5 -5")
        );
        assert_eq!(p(vec![s("%'d"), num(1234567.0)]), Value::str("1,234,567"));
        assert_eq!(p(vec![s("%.2e"), num(1234.5)]), Value::str("1.23e+03"));
        assert_eq!(p(vec![s("100%%")]), Value::str("100%"));
        assert_eq!(p(vec![s("%s-%s"), s("a")]), Value::str("a-"));
        assert_eq!(p(vec![s("%c"), num(65.0)]), Value::str("A"));
        let huge = p(vec![s("%99999999999d|%.99999999f"), num(1.0), num(1.0)]);
        assert!(huge.render().is_some_and(|s| s.len() < 3000));
        assert_eq!(p(vec![f("none"), s("a")]), Value::Null);
    }
}
