//! Mathematical and statistical eval functions (SEMANTICS §6.4): `round`, `floor`,
//! `ceiling`/`ceil`, `abs`, `pow`, `sqrt`, `exp`, `ln`, `log`, `pi`, `min`, `max`,
//! `random`, `exact`, `sigfig`.
//!
//! Inputs are numbers or numeric strings (R6.8); anything else gives null, as does a
//! result outside the function's domain (`sqrt(-1)`, `ln(0)`).
//!
//! R6.10 (precision following the least precise input) is a documented divergence: we
//! compute with plain doubles, so `exact(x)` and `sigfig(x)` return `x` unchanged.

use super::{number, Arg, Ctx, Function, Prepared};
use crate::error::EvalError;
use crate::value::Value;
use minispl_parser::ast::Expr;
use minispl_parser::Span;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub const FUNCTIONS: &[Function] = &[
    Function::eager("round", 1, Some(2), round),
    Function::eager("floor", 1, Some(1), |a, _| Ok(unary(&a[0], f64::floor))),
    Function::eager("ceiling", 1, Some(1), |a, _| Ok(unary(&a[0], f64::ceil))),
    Function::eager("ceil", 1, Some(1), |a, _| Ok(unary(&a[0], f64::ceil))),
    Function::eager("abs", 1, Some(1), |a, _| Ok(unary(&a[0], f64::abs))),
    Function::eager("sqrt", 1, Some(1), |a, _| Ok(unary(&a[0], f64::sqrt))),
    Function::eager("exp", 1, Some(1), |a, _| Ok(unary(&a[0], f64::exp))),
    Function::eager("ln", 1, Some(1), |a, _| {
        Ok(unary(&a[0], log_or_nan(f64::ln)))
    }),
    Function::eager("log", 1, Some(2), log),
    Function::eager("pow", 2, Some(2), |a, _| {
        Ok(match (number(&a[0]), number(&a[1])) {
            (Some(x), Some(y)) => num_or_null(x.powf(y)),
            _ => Value::Null,
        })
    }),
    Function::eager("pi", 0, Some(0), |_, _| {
        Ok(Value::Num(std::f64::consts::PI))
    }),
    Function::eager("min", 1, None, |a, _| Ok(extreme(a, false))),
    Function::eager("max", 1, None, |a, _| Ok(extreme(a, true))),
    Function::eager("sum", 1, None, |a, _| Ok(sum_avg(a, false))),
    Function::eager("avg", 1, None, |a, _| Ok(sum_avg(a, true))),
    Function::eager("random", 0, Some(0), random).prepared(prepare_random),
    Function::eager("sin", 1, Some(1), |a, _| Ok(unary(&a[0], f64::sin))),
    Function::eager("cos", 1, Some(1), |a, _| Ok(unary(&a[0], f64::cos))),
    Function::eager("tan", 1, Some(1), |a, _| Ok(unary(&a[0], f64::tan))),
    Function::eager("asin", 1, Some(1), |a, _| Ok(unary(&a[0], f64::asin))),
    Function::eager("acos", 1, Some(1), |a, _| Ok(unary(&a[0], f64::acos))),
    Function::eager("atan", 1, Some(1), |a, _| Ok(unary(&a[0], f64::atan))),
    Function::eager("atan2", 2, Some(2), |a, _| {
        Ok(match (number(&a[0]), number(&a[1])) {
            (Some(y), Some(x)) => num_or_null(y.atan2(x)),
            _ => Value::Null,
        })
    }),
    Function::eager("sinh", 1, Some(1), |a, _| Ok(unary(&a[0], f64::sinh))),
    Function::eager("cosh", 1, Some(1), |a, _| Ok(unary(&a[0], f64::cosh))),
    Function::eager("tanh", 1, Some(1), |a, _| Ok(unary(&a[0], f64::tanh))),
    Function::eager("asinh", 1, Some(1), |a, _| Ok(unary(&a[0], f64::asinh))),
    Function::eager("acosh", 1, Some(1), |a, _| Ok(unary(&a[0], f64::acosh))),
    Function::eager("atanh", 1, Some(1), |a, _| Ok(unary(&a[0], f64::atanh))),
    Function::eager("hypot", 2, Some(2), |a, _| {
        Ok(match (number(&a[0]), number(&a[1])) {
            (Some(x), Some(y)) => num_or_null(x.hypot(y)),
            _ => Value::Null,
        })
    }),
    Function::eager("exact", 1, Some(1), |a, _| Ok(unary(&a[0], |x| x))),
    Function::eager("sigfig", 1, Some(1), |a, _| Ok(unary(&a[0], |x| x))),
];

/// A number result; NaN (a domain error such as `sqrt(-1)`) becomes null.
fn num_or_null(n: f64) -> Value {
    if n.is_nan() {
        Value::Null
    } else {
        Value::Num(n)
    }
}

fn unary(v: &Value, f: impl Fn(f64) -> f64) -> Value {
    number(v).map_or(Value::Null, |x| num_or_null(f(x)))
}

/// Logarithms of zero or negatives are null, not `-inf`/NaN.
fn log_or_nan(f: fn(f64) -> f64) -> impl Fn(f64) -> f64 {
    move |x| if x <= 0.0 { f64::NAN } else { f(x) }
}

/// `log(x[, base])`, base 10 by default.
fn log(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let Some(x) = number(&args[0]) else {
        return Ok(Value::Null);
    };
    let base = match args.get(1) {
        Some(b) => match number(b) {
            Some(b) if b > 0.0 && b != 1.0 => b,
            _ => return Ok(Value::Null),
        },
        None => 10.0,
    };
    if x <= 0.0 {
        return Ok(Value::Null);
    }
    Ok(num_or_null(if base == 10.0 {
        x.log10()
    } else {
        x.ln() / base.ln()
    }))
}

/// `round(x[, d])`: d decimals (default 0), halves away from zero (EC-080). The result
/// is a plain number, so `round(2,2)` renders `2` (the UNCERTAIN point of §6.4, as
/// recommended).
fn round(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let Some(x) = number(&args[0]) else {
        return Ok(Value::Null);
    };
    let d = match args.get(1) {
        Some(d) => match number(d) {
            Some(d) => d.trunc().clamp(-308.0, 308.0) as i32,
            None => return Ok(Value::Null),
        },
        None => 0,
    };
    Ok(num_or_null(round_half_away(x, d)))
}

/// Round to `d` decimals, halves away from zero (`f64::round` does that for d = 0).
pub fn round_half_away(x: f64, d: i32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let m = 10f64.powi(d.abs());
    if d >= 0 {
        let scaled = x * m;
        if !scaled.is_finite() {
            return x;
        }
        scaled.round() / m
    } else {
        (x / m).round() * m
    }
}

/// `min`/`max` over all values of all arguments (multivalues flattened, nulls
/// skipped): numbers compare numerically, strings lexicographically, and every string
/// sorts after every number (as stats `max` does, EC-098).
fn extreme(args: &[Arg<'_>], want_max: bool) -> Value {
    let mut best_num: Option<f64> = None;
    let mut best_str: Option<String> = None;
    for arg in args {
        for v in arg.values() {
            match crate::value::parse_number(&v) {
                Some(n) => {
                    if best_num.map_or(true, |b| if want_max { n > b } else { n < b }) {
                        best_num = Some(n);
                    }
                }
                None => {
                    let better = best_str.as_ref().map_or(true, |b| {
                        let ord = v.as_bytes().cmp(b.as_bytes());
                        if want_max {
                            ord.is_gt()
                        } else {
                            ord.is_lt()
                        }
                    });
                    if better {
                        best_str = Some(v.into_owned());
                    }
                }
            }
        }
    }
    match (best_num, best_str, want_max) {
        (_, Some(s), true) | (None, Some(s), false) => Value::from(s),
        (Some(n), _, _) => Value::Num(n),
        (None, None, _) => Value::Null,
    }
}

/// `sum(X, ...)` / `avg(X, ...)`: over the numeric values of all arguments
/// (multivalues flattened); non-numeric values and nulls are skipped, as stats does;
/// null when there is no number.
fn sum_avg(args: &[Arg<'_>], average: bool) -> Value {
    let mut total = 0.0;
    let mut n = 0usize;
    for v in args.iter().flat_map(|a| a.values()) {
        if let Some(x) = crate::value::parse_number(&v) {
            total += x;
            n += 1;
        }
    }
    match n {
        0 => Value::Null,
        _ if average => Value::Num(total / n as f64),
        _ => Value::Num(total),
    }
}

/// Each `random()` call site gets its own counter; the value is a SplitMix64 hash of
/// the run's `now` and that counter, so a run is reproducible (same `now`, same
/// input order → same numbers) while successive rows differ. Range 0..=2^31-1 as
/// Splunk's.
fn prepare_random(_: &[Expr], _: Span) -> Result<Prepared, EvalError> {
    Ok(Prepared::Counter(Arc::new(AtomicU64::new(0))))
}

fn random(_: &[Arg<'_>], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let n = match ctx.prepared {
        Prepared::Counter(c) => c.fetch_add(1, Ordering::Relaxed),
        _ => 0,
    };
    let seed = ctx.env().now.to_bits() ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    Ok(Value::Num((splitmix64(seed) & 0x7FFF_FFFF) as f64))
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::build::*;
    use crate::expr::testing::*;
    use crate::expr::CompiledExpr;
    use crate::row::Row;

    fn m(name: &str, args: Vec<Expr>) -> Value {
        eval_in(
            call(name, args),
            &row(&[("x", "2.5"), ("t", "abc"), ("m", "5|abc|10")]),
        )
    }

    #[test]
    #[allow(clippy::approx_constant)] // EC-080's literal values
    fn round_ec080() {
        assert_eq!(m("round", vec![num(3.14159), num(2.0)]), Value::Num(3.14));
        assert_eq!(m("round", vec![num(2.5)]), Value::Num(3.0));
        assert_eq!(m("round", vec![num(-2.5)]), Value::Num(-3.0));
        assert_eq!(m("round", vec![f("x")]), Value::Num(3.0));
        assert_eq!(m("round", vec![num(2.0), num(2.0)]), Value::Num(2.0));
        assert_eq!(m("round", vec![num(1234.0), num(-2.0)]), Value::Num(1200.0));
        assert_eq!(m("round", vec![f("t")]), Value::Null);
        assert_eq!(m("round", vec![f("none")]), Value::Null);
    }

    #[test]
    fn floor_ceiling_abs() {
        assert_eq!(m("floor", vec![num(-1.5)]), Value::Num(-2.0));
        assert_eq!(m("ceiling", vec![num(1.2)]), Value::Num(2.0));
        assert_eq!(m("ceil", vec![s("1.2")]), Value::Num(2.0));
        assert_eq!(m("abs", vec![num(-3.0)]), Value::Num(3.0));
        assert_eq!(m("abs", vec![f("t")]), Value::Null);
        assert_eq!(m("floor", vec![f("m")]), Value::Null);
    }

    #[test]
    fn powers_and_logs() {
        assert_eq!(m("pow", vec![num(2.0), num(10.0)]), Value::Num(1024.0));
        assert_eq!(m("sqrt", vec![num(9.0)]), Value::Num(3.0));
        assert_eq!(m("sqrt", vec![num(-1.0)]), Value::Null);
        assert_eq!(m("exp", vec![num(0.0)]), Value::Num(1.0));
        assert_eq!(m("ln", vec![num(1.0)]), Value::Num(0.0));
        assert_eq!(m("ln", vec![num(0.0)]), Value::Null);
        assert_eq!(m("log", vec![num(1000.0)]), Value::Num(3.0));
        assert_eq!(m("log", vec![num(8.0), num(2.0)]), Value::Num(3.0));
        assert_eq!(m("log", vec![num(-8.0)]), Value::Null);
        assert_eq!(m("pow", vec![f("t"), num(2.0)]), Value::Null);
        assert_eq!(m("pi", vec![]), Value::Num(std::f64::consts::PI));
    }

    #[test]
    fn min_max_mixed_numbers_and_strings() {
        assert_eq!(
            m("max", vec![num(3.0), s("10"), num(2.0)]),
            Value::Num(10.0)
        );
        assert_eq!(m("min", vec![num(3.0), s("10"), num(2.0)]), Value::Num(2.0));
        assert_eq!(m("max", vec![f("m")]), Value::str("abc"));
        assert_eq!(m("min", vec![f("m")]), Value::Num(5.0));
        assert_eq!(m("min", vec![s("b"), s("a")]), Value::str("a"));
        assert_eq!(m("max", vec![f("none"), num(1.0)]), Value::Num(1.0));
        assert_eq!(m("max", vec![f("none")]), Value::Null);
    }

    #[test]
    fn sum_and_avg_over_numbers() {
        assert_eq!(m("sum", vec![num(1.0), s("2"), f("m")]), Value::Num(18.0));
        assert_eq!(m("avg", vec![num(1.0), s("2"), f("t")]), Value::Num(1.5));
        assert_eq!(m("avg", vec![f("t"), f("none")]), Value::Null);
    }

    #[test]
    fn trigonometry() {
        assert_eq!(m("cos", vec![num(0.0)]), Value::Num(1.0));
        assert_eq!(m("sin", vec![num(0.0)]), Value::Num(0.0));
        assert_eq!(m("atan2", vec![num(0.0), num(1.0)]), Value::Num(0.0));
        assert_eq!(m("hypot", vec![num(3.0), num(4.0)]), Value::Num(5.0));
        assert_eq!(m("acos", vec![num(2.0)]), Value::Null);
        assert_eq!(m("tanh", vec![f("t")]), Value::Null);
        let ok = [
            "tan", "asin", "atan", "sinh", "cosh", "asinh", "acosh", "atanh",
        ]
        .iter()
        .all(|n| m(n, vec![num(0.5)]).as_number().is_some() || *n == "acosh");
        assert!(ok);
    }

    #[test]
    fn exact_and_sigfig_pass_numbers_through() {
        assert_eq!(m("exact", vec![num(1.65)]), Value::Num(1.65));
        assert_eq!(m("sigfig", vec![f("x")]), Value::Num(2.5));
        assert_eq!(m("sigfig", vec![f("t")]), Value::Null);
    }

    #[test]
    fn random_is_reproducible_and_varies_per_row() {
        let e = call("random", vec![]);
        let draws = |now: f64| {
            let c = CompiledExpr::compile(&e).ok();
            let env = crate::env::Env {
                tz: chrono_tz::Tz::UTC,
                now,
            };
            (0..3)
                .map(|_| c.as_ref().and_then(|c| c.eval(&Row::new(), &env).ok()))
                .collect::<Vec<_>>()
        };
        let a = draws(NOW);
        assert_eq!(a, draws(NOW));
        assert_ne!(a[0], a[1]);
        assert_ne!(a, draws(NOW + 1.0));
        for v in a.iter().flatten() {
            let n = v.as_number().unwrap_or(-1.0);
            assert!((0.0..=2147483647.0).contains(&n) && n == n.trunc(), "{n}");
        }
    }
}
