//! Multivalue functions (SEMANTICS §6.4): `split`, `mvcount`, `mvindex`, `mvjoin`,
//! `mvfilter`, `mvappend`, `mvdedup`, `mvfind`, `mvsort`, `mvzip`, `mvmap`, `mvrange`.
//! A result list of one value is a plain value and an empty list is null
//! ([`Value::multi`]).

use super::{number, prepare_regex_arg1, text, Arg, Ctx, Function, Prepared};
use crate::error::EvalError;
use crate::expr::{truth, Node};
use crate::value::Value;
use minispl_parser::ast::Expr;
use minispl_parser::Span;

pub const FUNCTIONS: &[Function] = &[
    Function::eager("split", 2, Some(2), split),
    Function::eager("mvcount", 1, Some(1), |a, _| {
        Ok(match a[0].count() {
            0 => Value::Null,
            n => Value::Num(n as f64),
        })
    }),
    Function::eager("mvindex", 2, Some(3), mvindex),
    Function::eager("mvjoin", 2, Some(2), mvjoin),
    Function::lazy("mvfilter", 1, Some(1), mvfilter).prepared(prepare_mvfilter),
    Function::eager("mvappend", 1, None, |a, _| {
        Ok(Value::multi(
            a.iter().flat_map(|v| v.to_strings()).collect(),
        ))
    }),
    Function::eager("mvdedup", 1, Some(1), |a, _| {
        let mut seen: Vec<String> = Vec::new();
        for v in a[0].to_strings() {
            if !seen.contains(&v) {
                seen.push(v);
            }
        }
        Ok(Value::multi(seen))
    }),
    Function::eager("mvfind", 2, Some(2), mvfind).prepared(prepare_regex_arg1),
    Function::eager("mvsort", 1, Some(1), |a, _| {
        // Lexicographic in byte order (§6.4), like `values()`.
        let mut v = a[0].to_strings();
        v.sort_unstable_by(|x, y| x.as_bytes().cmp(y.as_bytes()));
        Ok(Value::multi(v))
    }),
    Function::eager("mvzip", 2, Some(3), mvzip),
    Function::lazy("mvmap", 2, Some(2), mvmap).prepared(prepare_mvmap),
    Function::eager("mvrange", 2, Some(3), mvrange),
];

/// `split(s, delim)`: the pieces, empty ones kept (the UNCERTAIN point of §6.4, as
/// recommended); `""` splits into characters.
fn split(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let (Some(s), Some(delim)) = (text(&args[0]), text(&args[1])) else {
        return Ok(Value::Null);
    };
    let pieces: Vec<String> = if delim.is_empty() {
        s.chars().map(String::from).collect()
    } else {
        s.split(delim.as_ref()).map(str::to_string).collect()
    };
    Ok(Value::multi(pieces))
}

/// Resolve a possibly negative 0-based index against `len`.
fn resolve(index: f64, len: usize) -> Option<usize> {
    let i = index.trunc() as i64;
    let i = if i < 0 { len as i64 + i } else { i };
    (0..len as i64).contains(&i).then_some(i as usize)
}

/// `mvindex(f, start[, end])`: 0-based, `end` inclusive, negative from the end; a start
/// out of range is null; an end past the last value stops at the last (§6.4).
fn mvindex(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let values = args[0].to_strings();
    let Some(start) = number(&args[1]).and_then(|n| resolve(n, values.len())) else {
        return Ok(Value::Null);
    };
    let end = match args.get(2) {
        None => start,
        Some(e) => match number(e) {
            Some(n) => {
                let i = n.trunc() as i64;
                let i = if i < 0 { values.len() as i64 + i } else { i };
                if i < start as i64 {
                    return Ok(Value::Null);
                }
                (i as usize).min(values.len() - 1)
            }
            None => return Ok(Value::Null),
        },
    };
    Ok(Value::multi(values[start..=end].to_vec()))
}

fn mvjoin(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let Some(delim) = text(&args[1]) else {
        return Ok(Value::Null);
    };
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    Ok(Value::from(args[0].to_strings().join(&delim)))
}

/// The one field an `mvfilter` predicate may reference (§6.4).
fn prepare_mvfilter(args: &[Expr], span: Span) -> Result<Prepared, EvalError> {
    let mut fields = Vec::new();
    if let Some(e) = args.first() {
        collect_fields(e, &mut fields);
    }
    match fields.as_slice() {
        [one] => Ok(Prepared::Field(one.clone())),
        [] => Err(EvalError::at(
            "mvfilter: the expression must reference a multivalue field",
            span,
        )),
        many => Err(EvalError::at(
            format!(
                "mvfilter: the expression may reference only one field, found {}",
                many.join(", ")
            ),
            span,
        )),
    }
}

fn collect_fields(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Field { name, .. } => {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        Expr::Num { .. } | Expr::Str { .. } => {}
        Expr::Call { args, .. } => args.iter().for_each(|a| collect_fields(a, out)),
        Expr::Unary { expr, .. } => collect_fields(expr, out),
        Expr::Binary { lhs, rhs, .. } => {
            collect_fields(lhs, out);
            collect_fields(rhs, out);
        }
        Expr::In { expr, list, .. } => {
            collect_fields(expr, out);
            list.iter().for_each(|a| collect_fields(a, out));
        }
    }
}

/// `mvfilter(pred)`: the values of the referenced field for which `pred` is TRUE.
fn mvfilter(args: &[Node], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let Prepared::Field(field) = ctx.prepared else {
        return Err(EvalError::at("mvfilter: no field to filter", ctx.span));
    };
    let mut kept = Vec::new();
    for v in ctx.scope.get(field).to_strings() {
        let value = Value::str(v.as_str());
        let scope = ctx.scope.binding(field, &value);
        if truth(&args[0].eval(&scope)?) == Some(true) {
            kept.push(v);
        }
    }
    Ok(Value::multi(kept))
}

/// `mvmap(f, expr)`: `expr` evaluated once per value of field `f` (bound to that value);
/// null results are dropped.
fn prepare_mvmap(args: &[Expr], span: Span) -> Result<Prepared, EvalError> {
    match args.first() {
        Some(Expr::Field { name, .. }) => Ok(Prepared::Field(name.clone())),
        _ => Err(EvalError::at(
            "mvmap: the first argument must be a field name",
            span,
        )),
    }
}

fn mvmap(args: &[Node], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let Prepared::Field(field) = ctx.prepared else {
        return Err(EvalError::at("mvmap: no field to map", ctx.span));
    };
    let mut out = Vec::new();
    for v in ctx.scope.get(field).to_strings() {
        let value = Value::from(v);
        let scope = ctx.scope.binding(field, &value);
        out.extend(args[1].eval(&scope)?.to_strings());
    }
    Ok(Value::multi(out))
}

/// `mvfind(f, regex)`: 0-based index of the first value the regex matches, or null.
fn mvfind(args: &[Arg<'_>], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let Some(pattern) = text(&args[1]) else {
        return Ok(Value::Null);
    };
    let re = ctx.regex(&pattern)?;
    Ok(args[0]
        .values()
        .position(|v| re.is_match(&v))
        .map_or(Value::Null, |i| Value::Num(i as f64)))
}

/// `mvzip(a, b[, delim])`: pairs values up to the shorter list, joined by `delim`
/// (default `,`).
fn mvzip(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let delim = match args.get(2) {
        Some(d) => match text(d) {
            Some(d) => d.into_owned(),
            None => return Ok(Value::Null),
        },
        None => ",".to_string(),
    };
    let pairs = args[0]
        .values()
        .zip(args[1].values())
        .map(|(a, b)| format!("{a}{delim}{b}"))
        .collect();
    Ok(Value::multi(pairs))
}

/// `mvrange(start, end[, step])`: numbers from start up to (excluding) end. `step` may be
/// a number or a time span (`7d`, `1h`) for epoch ranges. A zero or backwards step
/// gives null rather than an endless list; the list is capped at 10,000 values.
fn mvrange(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let (Some(start), Some(end)) = (number(&args[0]), number(&args[1])) else {
        return Ok(Value::Null);
    };
    let step = match args.get(2) {
        None => 1.0,
        Some(v) => match number(v).or_else(|| text(v).and_then(|s| span_seconds(&s))) {
            Some(s) => s,
            None => return Ok(Value::Null),
        },
    };
    if step == 0.0 || (end - start) * step < 0.0 || !step.is_finite() {
        return Ok(Value::Null);
    }
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
        out.push(crate::value::format_number(x));
        if out.len() >= 10_000 {
            break;
        }
        x += step;
    }
    Ok(Value::multi(out))
}

/// `7d` → 604800: seconds of a span with units s, m, h, d, w.
fn span_seconds(s: &str) -> Option<f64> {
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    let n: f64 = if digits.is_empty() {
        1.0
    } else {
        digits.parse().ok()?
    };
    let unit = match &s[digits.len()..] {
        "s" | "sec" | "secs" => 1.0,
        "m" | "min" | "mins" => 60.0,
        "h" | "hr" | "hrs" => 3600.0,
        "d" | "day" | "days" => 86400.0,
        "w" | "week" | "weeks" => 604800.0,
        _ => return None,
    };
    Some(n * unit)
}

#[cfg(test)]
mod tests {
    use crate::expr::build::*;
    use crate::expr::testing::*;
    use crate::row::Row;
    use crate::value::Value;
    use minispl_parser::ast::{BinaryOp, Expr};

    fn r() -> Row {
        row(&[
            ("path", r"C:\Windows\System32\cmd.exe"),
            ("e", "a@x.com|b@y.org|c@z.org"),
            ("one", "x"),
            ("d", "b|a|b|c|a"),
        ])
    }

    fn ev(e: Expr) -> Value {
        eval_in(e, &r())
    }

    #[test]
    fn split_mvcount_mvindex_ec073() {
        let parts = call("split", vec![f("path"), s("\\")]);
        assert_eq!(
            ev(parts.clone()),
            mv(&["C:", "Windows", "System32", "cmd.exe"])
        );
        assert_eq!(ev(call("mvcount", vec![parts.clone()])), Value::Num(4.0));
        assert_eq!(
            ev(call("mvindex", vec![parts.clone(), num(-1.0)])),
            Value::str("cmd.exe")
        );
        assert_eq!(
            ev(call("mvindex", vec![parts.clone(), num(1.0), num(2.0)])),
            mv(&["Windows", "System32"])
        );
        assert_eq!(ev(call("mvindex", vec![parts, num(9.0)])), Value::Null);
    }

    #[test]
    fn split_edge_cases() {
        assert_eq!(
            ev(call("split", vec![s("a,,b"), s(",")])),
            mv(&["a", "", "b"])
        );
        assert_eq!(
            ev(call("split", vec![s("abc"), s("")])),
            mv(&["a", "b", "c"])
        );
        assert_eq!(ev(call("split", vec![s("a::b"), s("::")])), mv(&["a", "b"]));
        assert_eq!(ev(call("split", vec![s("abc"), s(",")])), Value::str("abc"));
        assert_eq!(ev(call("split", vec![f("none"), s(",")])), Value::Null);
    }

    #[test]
    fn mvindex_edges() {
        assert_eq!(
            ev(call("mvindex", vec![f("one"), num(0.0)])),
            Value::str("x")
        );
        assert_eq!(ev(call("mvindex", vec![f("one"), num(1.0)])), Value::Null);
        assert_eq!(ev(call("mvindex", vec![f("none"), num(0.0)])), Value::Null);
        assert_eq!(
            ev(call("mvindex", vec![f("e"), num(1.0), num(99.0)])),
            mv(&["b@y.org", "c@z.org"])
        );
        assert_eq!(
            ev(call("mvindex", vec![f("e"), num(-2.0), num(-1.0)])),
            mv(&["b@y.org", "c@z.org"])
        );
        assert_eq!(
            ev(call("mvindex", vec![f("e"), num(2.0), num(1.0)])),
            Value::Null
        );
    }

    #[test]
    fn mvcount_single_and_missing_ec076() {
        assert_eq!(ev(call("mvcount", vec![f("one")])), Value::Num(1.0));
        assert_eq!(ev(call("mvcount", vec![f("missing")])), Value::Null);
        assert_eq!(ev(call("mvcount", vec![f("e")])), Value::Num(3.0));
    }

    #[test]
    fn mvjoin_and_mvfilter_ec074() {
        assert_eq!(
            ev(call("mvjoin", vec![f("e"), s(";")])),
            Value::str("a@x.com;b@y.org;c@z.org")
        );
        assert_eq!(
            ev(call(
                "mvfilter",
                vec![call("match", vec![f("e"), s(r"\.org$")])]
            )),
            mv(&["b@y.org", "c@z.org"])
        );
        assert_eq!(ev(call("mvjoin", vec![f("one"), s(";")])), Value::str("x"));
        assert_eq!(ev(call("mvjoin", vec![f("none"), s(";")])), Value::Null);
    }

    #[test]
    fn mvfilter_nothing_kept_is_null_and_other_fields_are_errors() {
        assert_eq!(ev(call("mvfilter", vec![eq(f("e"), s("zz"))])), Value::Null);
        assert_eq!(
            ev(call("mvfilter", vec![bin(BinaryOp::Ne, f("d"), s("a"))])),
            mv(&["b", "b", "c"])
        );
        let err = compile_err(call("mvfilter", vec![eq(f("e"), f("d"))]));
        assert!(err.message.contains("only one field"), "{err}");
        let err = compile_err(call("mvfilter", vec![tru()]));
        assert!(err.message.contains("must reference"), "{err}");
    }

    #[test]
    fn mvappend_flattens_and_skips_nulls() {
        assert_eq!(
            ev(call(
                "mvappend",
                vec![f("one"), f("none"), f("e"), num(1.0)]
            )),
            mv(&["x", "a@x.com", "b@y.org", "c@z.org", "1"])
        );
        assert_eq!(ev(call("mvappend", vec![f("none")])), Value::Null);
    }

    #[test]
    fn mvdedup_mvsort() {
        assert_eq!(ev(call("mvdedup", vec![f("d")])), mv(&["b", "a", "c"]));
        assert_eq!(
            ev(call("mvsort", vec![f("d")])),
            mv(&["a", "a", "b", "b", "c"])
        );
        assert_eq!(
            ev(call(
                "mvsort",
                vec![call("split", vec![s("10,9,B,a"), s(",")])]
            )),
            mv(&["10", "9", "B", "a"])
        );
        assert_eq!(ev(call("mvsort", vec![f("none")])), Value::Null);
    }

    #[test]
    fn mvfind_index_or_null() {
        assert_eq!(
            ev(call("mvfind", vec![f("e"), s(r"\.org$")])),
            Value::Num(1.0)
        );
        assert_eq!(ev(call("mvfind", vec![f("e"), s("nomatch")])), Value::Null);
        assert_eq!(ev(call("mvfind", vec![f("none"), s("a")])), Value::Null);
    }

    #[test]
    fn mvzip_pairs() {
        let a = call("split", vec![s("a,b,c"), s(",")]);
        let b = call("split", vec![s("1,2"), s(",")]);
        assert_eq!(
            ev(call("mvzip", vec![a.clone(), b.clone()])),
            mv(&["a,1", "b,2"])
        );
        assert_eq!(ev(call("mvzip", vec![a, b, s("=")])), mv(&["a=1", "b=2"]));
        assert_eq!(ev(call("mvzip", vec![f("none"), f("one")])), Value::Null);
    }

    #[test]
    fn mvmap_per_value() {
        let e = call("mvmap", vec![f("d"), bin(BinaryOp::Concat, f("d"), s("!"))]);
        assert_eq!(ev(e), mv(&["b!", "a!", "b!", "c!", "a!"]));
        let e = call("mvmap", vec![f("one"), call("upper", vec![f("one")])]);
        assert_eq!(ev(e), Value::str("X"));
        assert!(compile_err(call("mvmap", vec![s("x"), s("y")]))
            .message
            .contains("field name"));
    }

    #[test]
    fn mvrange_end_excluded() {
        assert_eq!(
            ev(call("mvrange", vec![num(1.0), num(4.0)])),
            mv(&["1", "2", "3"])
        );
        assert_eq!(
            ev(call("mvrange", vec![num(1.0), num(10.0), num(4.0)])),
            mv(&["1", "5", "9"])
        );
        assert_eq!(
            ev(call("mvrange", vec![num(0.0), num(172800.0), s("1d")])),
            mv(&["0", "86400"])
        );
        assert_eq!(ev(call("mvrange", vec![num(1.0), num(1.0)])), Value::Null);
        assert_eq!(
            ev(call("mvrange", vec![num(1.0), num(4.0), num(0.0)])),
            Value::Null
        );
        assert_eq!(ev(call("mvrange", vec![f("none"), num(4.0)])), Value::Null);
    }
}
