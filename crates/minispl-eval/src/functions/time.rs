//! Date and time functions (SEMANTICS §6.4, §11): `now`, `time`, `strftime`, `strptime`,
//! `relative_time`. Times are epoch seconds; zones come from the run's [`Env`]
//! (`crate::env::Env`).

use super::{number, text, Arg, Ctx, Function, Prepared};
use crate::error::EvalError;
use crate::timefmt;
use crate::value::Value;
use minispl_parser::ast::Expr;
use minispl_parser::Span;

pub const FUNCTIONS: &[Function] = &[
    // `now()` is the search start time, the same for every row (§6.4).
    Function::eager("now", 0, Some(0), |_, ctx| Ok(Value::Num(ctx.env().now))),
    // `time()` is the wall clock at evaluation, microsecond resolution.
    Function::eager("time", 0, Some(0), |_, _| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as f64 / 1e6)
            .unwrap_or(0.0);
        Ok(Value::Num(now))
    }),
    Function::eager("strftime", 2, Some(2), strftime),
    Function::eager("strptime", 2, Some(2), strptime).prepared(prepare_strptime),
    Function::eager("relative_time", 2, Some(2), relative_time),
];

fn strftime(args: &[Arg<'_>], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let (Some(epoch), Some(format)) = (number(&args[0]), text(&args[1])) else {
        return Ok(Value::Null);
    };
    Ok(Value::from(timefmt::strftime(epoch, &format, ctx.env().tz)))
}

/// A literal format is checked once at compile time; a bad one is an error at that
/// argument.
fn prepare_strptime(args: &[Expr], _: Span) -> Result<Prepared, EvalError> {
    match args.get(1) {
        Some(Expr::Str { value, span }) => {
            timefmt::check_strptime_format(value).map_err(|e| EvalError::at(e, *span))?;
            Ok(Prepared::Checked)
        }
        _ => Ok(Prepared::None),
    }
}

/// Null when the text does not match the format (EC-082). A format computed at run time
/// is checked on each call: a bad one is an error at the call.
fn strptime(args: &[Arg<'_>], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let (Some(s), Some(format)) = (text(&args[0]), text(&args[1])) else {
        return Ok(Value::Null);
    };
    if !matches!(ctx.prepared, Prepared::Checked) {
        timefmt::check_strptime_format(&format).map_err(|e| EvalError::at(e, ctx.span))?;
    }
    Ok(timefmt::strptime(&s, &format, ctx.env().tz).map_or(Value::Null, Value::Num))
}

/// Null for a malformed modifier.
fn relative_time(args: &[Arg<'_>], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let (Some(epoch), Some(modifier)) = (number(&args[0]), text(&args[1])) else {
        return Ok(Value::Null);
    };
    Ok(timefmt::relative_time(epoch, &modifier, ctx.env().tz).map_or(Value::Null, Value::Num))
}

#[cfg(test)]
mod tests {
    use crate::expr::build::*;
    use crate::expr::testing::*;
    use crate::value::Value;

    #[test]
    fn now_is_the_run_time_and_time_is_the_clock() {
        assert_eq!(eval(call("now", vec![])), Value::Num(NOW));
        let t = eval(call("time", vec![])).as_number().unwrap_or(0.0);
        assert!(t > NOW, "{t}");
    }

    #[test]
    fn strftime_in_the_run_zone() {
        let e = call(
            "strftime",
            vec![num(1700000000.123), s("%Y-%m-%dT%H:%M:%S.%3N")],
        );
        assert_eq!(eval(e), Value::str("2023-11-14T22:13:20.123"));
        let r = row(&[("t", "1700000000")]);
        assert_eq!(
            eval_in(call("strftime", vec![f("t"), s("%F")]), &r),
            Value::str("2023-11-14")
        );
        assert_eq!(
            eval(call("strftime", vec![f("none"), s("%F")])),
            Value::Null
        );
        assert_eq!(eval(call("strftime", vec![s("abc"), s("%F")])), Value::Null);
    }

    #[test]
    fn strptime_ec082() {
        let r = row(&[("s", "2023-11-14 22:13:20")]);
        let e = call("strptime", vec![f("s"), s("%Y-%m-%d %H:%M:%S")]);
        assert_eq!(eval_in(e, &r), Value::Num(1700000000.0));
        let bad = call("strptime", vec![s("nope"), s("%Y-%m-%d")]);
        assert_eq!(eval(bad), Value::Null);
        assert_eq!(
            eval(call("strptime", vec![f("none"), s("%Y")])),
            Value::Null
        );
    }

    #[test]
    fn strptime_bad_format_is_an_error() {
        let arg = minispl_parser::ast::Expr::Str {
            value: "%Y-%q".into(),
            span: minispl_parser::Span::new(20, 27),
        };
        let err = compile_err(call("strptime", vec![f("s"), arg]));
        assert_eq!(err.span, Some(minispl_parser::Span::new(20, 27)));
        // A format from a field is checked when it is used.
        let sp = minispl_parser::Span::new(1, 30);
        let e = call_at("strptime", vec![s("2023"), f("fmt")], sp);
        let res = crate::expr::CompiledExpr::compile(&e)
            .and_then(|c| c.eval(&row(&[("fmt", "%Y-%q")]), &env()));
        assert_eq!(res.err().and_then(|e| e.span), Some(sp));
    }

    #[test]
    fn relative_time_ec083() {
        let r = row(&[("_time", "1700000000")]);
        let rt = |m: &str| eval_in(call("relative_time", vec![f("_time"), s(m)]), &r);
        assert_eq!(rt("@d"), Value::Num(1699920000.0));
        assert_eq!(rt("-1d@d"), Value::Num(1699833600.0));
        assert_eq!(rt("+1h@h"), Value::Num(1700002800.0));
        assert_eq!(rt("bogus"), Value::Null);
        let e = call("relative_time", vec![call("now", vec![]), s("-24h")]);
        assert_eq!(eval(e), Value::Num(NOW - 86400.0));
    }
}
