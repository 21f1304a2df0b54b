//! Conditional functions (SEMANTICS §6.4): `if`, `case`, `coalesce`, `nullif`,
//! `validate`, `null`, `true`, `false`. The branching ones are lazy: only the branch
//! taken is evaluated.

use super::{prepare_pairs, Arg, Ctx, Function, ValueArgs};
use crate::error::EvalError;
use crate::expr::{binary_values, truth, Node};
use crate::value::Value;
use minispl_parser::ast::BinaryOp;

pub const FUNCTIONS: &[Function] = &[
    Function::lazy("if", 3, Some(3), if_).passing(ValueArgs::From(1)),
    Function::lazy("case", 2, None, case)
        .passing(ValueArgs::Odd)
        .prepared(prepare_pairs),
    Function::lazy("coalesce", 1, None, coalesce).passing(ValueArgs::All),
    Function::eager("nullif", 2, Some(2), nullif).passing(ValueArgs::First),
    Function::lazy("validate", 2, None, validate)
        .passing(ValueArgs::Odd)
        .prepared(prepare_pairs),
    Function::eager("null", 0, Some(0), |_, _| Ok(Value::Null)),
    Function::eager("true", 0, Some(0), |_, _| Ok(Value::Bool(true))).predicate(),
    Function::eager("false", 0, Some(0), |_, _| Ok(Value::Bool(false))).predicate(),
];

/// `if(P, T, F)`: T when P is TRUE, else F, also when P is null (R6.15).
fn if_(args: &[Node], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let [p, t, f] = args else {
        return Err(EvalError::at("if takes 3 arguments", ctx.span));
    };
    if truth(&p.eval(ctx.scope)?) == Some(true) {
        t.eval(ctx.scope)
    } else {
        f.eval(ctx.scope)
    }
}

/// `case(P1, V1, ...)`: the first Vi whose Pi is TRUE; a null Pi skips the pair; null
/// when none is (EC-067). A trailing odd argument is an error (pairs are required).
fn case(args: &[Node], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    if args.len() % 2 != 0 {
        return Err(EvalError::at(
            "case takes condition/value pairs (an even number of arguments)",
            ctx.span,
        ));
    }
    for pair in args.chunks(2) {
        if truth(&pair[0].eval(ctx.scope)?) == Some(true) {
            return pair[1].eval(ctx.scope);
        }
    }
    Ok(Value::Null)
}

/// `validate(P1, V1, ...)`: the first Vi whose Pi is FALSE (a null Pi counts as not
/// true, so it fails validation too); null when all hold.
fn validate(args: &[Node], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    if args.len() % 2 != 0 {
        return Err(EvalError::at(
            "validate takes condition/value pairs (an even number of arguments)",
            ctx.span,
        ));
    }
    for pair in args.chunks(2) {
        if truth(&pair[0].eval(ctx.scope)?) != Some(true) {
            return pair[1].eval(ctx.scope);
        }
    }
    Ok(Value::Null)
}

/// `coalesce(a, b, ...)`: the first argument that is not null; an empty string is a
/// value (§6.4).
fn coalesce(args: &[Node], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    for arg in args {
        let v = arg.eval(ctx.scope)?;
        if !v.is_null() {
            return Ok(v);
        }
    }
    Ok(Value::Null)
}

/// `nullif(a, b)`: null if a = b (eval equality), else a.
fn nullif(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let (a, b) = (&args[0], &args[1]);
    if binary_values(BinaryOp::Eq, a, b) == Value::Bool(true) {
        Ok(Value::Null)
    } else {
        Ok(a.clone().into_owned())
    }
}

#[cfg(test)]
mod tests {
    use crate::expr::build::*;
    use crate::expr::testing::*;
    use crate::value::Value;
    use minispl_parser::ast::BinaryOp;

    #[test]
    fn if_takes_false_branch_on_false_and_null() {
        assert_eq!(
            eval(call("if", vec![tru(), s("t"), s("f")])),
            Value::str("t")
        );
        assert_eq!(
            eval(call("if", vec![fls(), s("t"), s("f")])),
            Value::str("f")
        );
        let p = bin(BinaryOp::Gt, f("missing"), num(1.0));
        assert_eq!(eval(call("if", vec![p, s("t"), s("f")])), Value::str("f"));
    }

    #[test]
    fn if_only_evaluates_the_taken_branch() {
        // The untaken branch holds a bad runtime regex: no error.
        let r = row(&[("re", "(")]);
        let e = call(
            "if",
            vec![tru(), s("ok"), call("match", vec![s("x"), f("re")])],
        );
        assert_eq!(eval_in(e, &r), Value::str("ok"));
    }

    #[test]
    fn case_first_true_pair_ec067_ec068() {
        let d = |code: &str, default: bool| {
            let mut args = vec![
                eq(f("s"), num(200.0)),
                s("OK"),
                eq(f("s"), num(404.0)),
                s("NF"),
            ];
            if default {
                args.extend([tru(), s("Other")]);
            }
            eval_in(call("case", args), &row(&[("s", code)]))
        };
        assert_eq!(d("200", false), Value::str("OK"));
        assert_eq!(d("404", false), Value::str("NF"));
        assert_eq!(d("500", false), Value::Null);
        assert_eq!(d("500", true), Value::str("Other"));
    }

    #[test]
    fn case_and_validate_with_odd_arguments_are_compile_errors() {
        let sp = minispl_parser::Span::new(2, 8);
        let err = compile_err(call_at("case", vec![tru(), s("a"), fls()], sp));
        assert_eq!(err.span, Some(sp));
        assert!(err.message.contains("pairs"), "{err}");
        assert!(compile_err(call("validate", vec![tru(), s("a"), fls()]))
            .message
            .contains("pairs"));
    }

    #[test]
    fn coalesce_skips_nulls_but_not_empty_strings() {
        let r = row(&[("e", ""), ("b", "B")]);
        assert_eq!(
            eval_in(call("coalesce", vec![f("a"), f("b")]), &r),
            Value::str("B")
        );
        assert_eq!(
            eval_in(call("coalesce", vec![f("a"), f("e"), f("b")]), &r),
            Value::str("")
        );
        assert_eq!(
            eval_in(call("coalesce", vec![f("a"), null()]), &r),
            Value::Null
        );
        let r = row(&[("m", "x|y")]);
        assert_eq!(eval_in(call("coalesce", vec![f("m")]), &r), mv(&["x", "y"]));
    }

    #[test]
    fn nullif_and_validate() {
        assert_eq!(eval(call("nullif", vec![s("a"), s("a")])), Value::Null);
        assert_eq!(eval(call("nullif", vec![s("a"), s("b")])), Value::str("a"));
        assert_eq!(eval(call("nullif", vec![s("2"), num(2.0)])), Value::Null);
        assert_eq!(eval(call("nullif", vec![null(), s("b")])), Value::Null);
        let v = |x: &str| {
            eval_in(
                call(
                    "validate",
                    vec![
                        call("isint", vec![f("port")]),
                        s("not int"),
                        bin(BinaryOp::Lt, f("port"), num(65536.0)),
                        s("too big"),
                    ],
                ),
                &row(&[("port", x)]),
            )
        };
        assert_eq!(v("80"), Value::Null);
        assert_eq!(v("x"), Value::str("not int"));
        assert_eq!(v("70000"), Value::str("too big"));
    }

    #[test]
    fn null_true_false() {
        assert_eq!(eval(null()), Value::Null);
        assert_eq!(eval(tru()), Value::Bool(true));
        assert_eq!(eval(fls()), Value::Bool(false));
    }
}
