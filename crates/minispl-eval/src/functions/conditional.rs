//! Conditional functions (SEMANTICS §6.4): `if`, `case`, `coalesce`, `nullif`,
//! `validate`, `null`, `true`, `false`. The branching ones are lazy: only the branch
//! taken is evaluated.

use super::memo::Memo;
use super::{prepare_pairs, Arg, Ctx, Function, Prepared, ValueArgs};
use crate::error::EvalError;
use crate::expr::{binary_values, truth, Node};
use crate::value::Value;
use minispl_parser::ast::{BinaryOp, Expr};
use minispl_parser::Span;
use std::sync::Arc;

pub const FUNCTIONS: &[Function] = &[
    Function::lazy("if", 3, Some(3), if_).passing(ValueArgs::From(1)),
    Function::lazy("case", 2, None, case)
        .passing(ValueArgs::Odd)
        .prepared(prepare_case),
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
    if truth(&*p.eval_ref(ctx.scope)?) == Some(true) {
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
    let chosen = match (ctx.prepared, ctx.scope.bind) {
        // Issue 6: the conditions are a function of one field's text, so the pair it
        // selects is remembered per text (only for a string: a number compares
        // numerically, and a multivalue or null is not one text).
        (Prepared::Decision(decision), None) => match ctx.scope.get(&decision.field) {
            Value::Str(text) => decision.memo.answer(text, || first_true(args, ctx))?,
            _ => first_true(args, ctx)?,
        },
        _ => first_true(args, ctx)?,
    };
    match args.chunks(2).nth(chosen as usize) {
        Some(pair) => pair[1].eval(ctx.scope),
        None => Ok(Value::Null),
    }
}

/// The index of the first condition/value pair whose condition is TRUE, or the number
/// of pairs when none is.
fn first_true(args: &[Node], ctx: &Ctx<'_, '_>) -> Result<u32, EvalError> {
    for (i, pair) in args.chunks(2).enumerate() {
        if truth(&*pair[0].eval_ref(ctx.scope)?) == Some(true) {
            return Ok(i as u32);
        }
    }
    Ok((args.len() / 2) as u32)
}

/// A `case` whose conditions read exactly one field and call only functions whose
/// result depends on their arguments alone.
#[derive(Debug)]
pub struct Decision {
    field: String,
    memo: Memo,
}

/// Functions that are deterministic in their arguments (no clock, no randomness, no
/// other field, no `_raw`): a condition built from these, literals and one field gives
/// the same answer for the same text of that field.
const DETERMINISTIC: &[&str] = &[
    "match",
    "like",
    "in",
    "cidrmatch",
    "isnull",
    "isnotnull",
    "isnum",
    "isint",
    "isstr",
    "true",
    "false",
    "null",
    "lower",
    "upper",
    "len",
    "substr",
    "trim",
    "ltrim",
    "rtrim",
    "replace",
    "tonumber",
    "tostring",
];

/// `prepare` for `case`: pairs required; a [`Decision`] when every condition reads the
/// same single field and nothing else that can vary.
fn prepare_case(args: &[Expr], span: Span) -> Result<Prepared, EvalError> {
    prepare_pairs(args, span)?;
    let mut field = None;
    let conditions_ok = args
        .iter()
        .step_by(2)
        .all(|condition| reads_one_field(condition, &mut field));
    Ok(match field {
        Some(field) if conditions_ok => Prepared::Decision(Arc::new(Decision {
            field: field.to_string(),
            memo: Memo::default(),
        })),
        _ => Prepared::None,
    })
}

/// True if `expr` reads no field but `*field` (set on the first field seen) and calls
/// only [`DETERMINISTIC`] functions.
fn reads_one_field<'e>(expr: &'e Expr, field: &mut Option<&'e str>) -> bool {
    match expr {
        Expr::Num { .. } | Expr::Str { .. } => true,
        Expr::Field { name, .. } => match field {
            Some(seen) => seen == name,
            None => {
                *field = Some(name);
                true
            }
        },
        Expr::Unary { expr, .. } => reads_one_field(expr, field),
        Expr::Binary { lhs, rhs, .. } => reads_one_field(lhs, field) && reads_one_field(rhs, field),
        Expr::In { expr, list, .. } => {
            reads_one_field(expr, field) && list.iter().all(|e| reads_one_field(e, field))
        }
        Expr::Call { name, args, .. } => {
            DETERMINISTIC.iter().any(|d| d.eq_ignore_ascii_case(name))
                && args.iter().all(|a| reads_one_field(a, field))
        }
    }
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
        if truth(&*pair[0].eval_ref(ctx.scope)?) != Some(true) {
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
    use crate::expr::CompiledExpr;
    use crate::value::Value;
    use minispl_parser::ast::{BinaryOp, Expr};

    /// A `case` shaped like the profile's `EVAL-user` (conditions over `e` only) and
    /// the same choice written as nested `if`s, which is never remembered.
    fn user_like_case_and_ifs() -> (Expr, Expr) {
        let pairs = vec![
            (call("match", vec![f("e"), s("^Put|Bucket$")]), f("a")),
            (
                call("match", vec![f("e"), s("^(Create|Delete)User$")]),
                call("coalesce", vec![f("b"), f("a")]),
            ),
            (eq(f("e"), s("AssumeRole")), s("role")),
            // Numeric when `e` is a number or numeric text, else by bytes (R6.8).
            (bin(BinaryOp::Gt, f("e"), num(10.0)), s("gt")),
            (call("isnull", vec![f("e")]), s("null")),
        ];
        let case = call(
            "case",
            pairs
                .iter()
                .flat_map(|(p, v)| [p.clone(), v.clone()])
                .collect(),
        );
        let ifs = pairs
            .into_iter()
            .rev()
            .fold(null(), |rest, (p, v)| call("if", vec![p, v, rest]));
        (case, ifs)
    }

    fn check_case_against_ifs(values: &[Value]) {
        let (case, ifs) = user_like_case_and_ifs();
        let case = CompiledExpr::compile(&case).expect("compiles");
        let ifs = CompiledExpr::compile(&ifs).expect("compiles");
        // Twice over: the second pass is answered from the memo where it can be.
        for _ in 0..2 {
            for v in values {
                let mut r = row(&[("a", "A"), ("b", "B")]);
                r.set("e", v.clone());
                assert_eq!(case.eval(&r, &env()), ifs.eval(&r, &env()), "e = {v:?}");
            }
        }
    }

    #[test]
    fn case_decision_gives_the_unremembered_answer() {
        let long = format!("Put{}", "x".repeat(super::super::memo::MEMO_TEXT_MAX));
        let mut values: Vec<Value> = [
            "PutImage",
            "CreateUser",
            "DeleteUser",
            "AssumeRole",
            "GetBucket",
            "Z",
            "A",
            "10",
            "9",
            "10.5",
            "",
            "createuser",
            &long,
        ]
        .iter()
        .map(|t| Value::str(*t))
        .collect();
        values.extend([
            Value::Null,
            Value::Num(11.0),
            Value::Num(9.0),
            mv(&["PutImage", "x"]),
            mv(&["9", "Z"]),
            // A multivalue matches if any value does (R6.16); its joined text does not
            // match `Bucket$`: a memo keyed by rendered text would answer it wrongly.
            mv(&["Bucket", "x"]),
            Value::str("Bucket\nx"),
        ]);
        // Many distinct texts: past the memo's bound.
        values.extend((0..(2 * super::super::memo::MEMO_ENTRIES)).map(|i| {
            Value::str(match i % 3 {
                0 => format!("Put{i}"),
                1 => format!("{i}"),
                _ => format!("x{i}Bucket"),
            })
        }));
        check_case_against_ifs(&values);
    }

    proptest::proptest! {
        #![proptest_config(crate::testing::proptest_config(256))]
        #[test]
        fn case_decision_agrees_with_ifs(texts in proptest::collection::vec(
            "(Put|Create|Delete|Assume)?(User|Role|Bucket|[0-9]{0,3}|[a-z]{0,3})", 1..20)) {
            let values: Vec<Value> = texts.iter().map(|t| Value::str(t.as_str())).collect();
            check_case_against_ifs(&values);
        }
    }

    #[test]
    fn case_decision_only_for_one_field_and_deterministic_calls() {
        let decides = |e: Expr| {
            let Expr::Call { args, .. } = e else {
                unreachable!()
            };
            matches!(
                super::prepare_case(&args, SP),
                Ok(super::Prepared::Decision(_))
            )
        };
        let (case, _) = user_like_case_and_ifs();
        assert!(decides(case));
        // Two fields, a clock, randomness, `_raw`, or no field at all: evaluated each time.
        assert!(!decides(call("case", vec![eq(f("e"), f("g")), s("x")])));
        assert!(!decides(call(
            "case",
            vec![eq(f("e"), s("a")), s("x"), eq(f("g"), s("b")), s("y")]
        )));
        assert!(!decides(call(
            "case",
            vec![bin(BinaryOp::Gt, f("e"), call("now", vec![])), s("x")]
        )));
        assert!(!decides(call(
            "case",
            vec![bin(BinaryOp::Gt, f("e"), call("random", vec![])), s("x")]
        )));
        assert!(!decides(call(
            "case",
            vec![call("searchmatch", vec![s("e=a")]), s("x")]
        )));
        assert!(!decides(call("case", vec![tru(), s("x")])));
        // Values may read anything: only conditions decide.
        assert!(decides(call(
            "case",
            vec![call("like", vec![f("e"), s("a%")]), call("random", vec![])]
        )));
    }

    #[test]
    fn case_decision_errors_are_not_remembered() {
        // The pattern is the field's own text: `(` is a bad regex, an error each time.
        let e = call("case", vec![call("match", vec![s("a("), f("e")]), s("x")]);
        let c = CompiledExpr::compile(&e).expect("compiles");
        for _ in 0..2 {
            assert!(c.eval(&row(&[("e", "(")]), &env()).is_err());
            assert_eq!(c.eval(&row(&[("e", "a")]), &env()), Ok(Value::str("x")));
            assert_eq!(c.eval(&row(&[("e", "b")]), &env()), Ok(Value::Null));
        }
    }

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
