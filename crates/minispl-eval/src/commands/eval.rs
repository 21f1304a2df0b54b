//! `eval` (SEMANTICS §6.1): assignments run left to right, each seeing the results of
//! the ones before it (R6.1).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::expr::CompiledExpr;
use crate::program::Context;
use crate::row::Row;
use crate::value::Value;
use minispl_parser::ast::{self, AssignTarget};
use minispl_parser::Span;
use std::sync::Arc;

/// Compile `eval` into an operator.
pub fn compile(cmd: &ast::Eval, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let mut assignments = Vec::with_capacity(cmd.assignments.len());
    for a in &cmd.assignments {
        let expr = CompiledExpr::compile(&a.expr)?;
        if expr.is_predicate() {
            // R6.2 / EC-089: a boolean cannot be stored in a field.
            return Err(EvalError::at(
                "the result of an eval expression cannot be a boolean; wrap it in if(), \
                 case() or tostring()",
                a.span,
            ));
        }
        assignments.push(Assignment {
            target: a.target.clone(),
            expr,
            span: a.span,
        });
    }
    Ok(Box::new(EvalOp {
        assignments,
        ctx: Arc::clone(ctx),
    }))
}

struct Assignment {
    target: AssignTarget,
    expr: CompiledExpr,
    span: Span,
}

struct EvalOp {
    assignments: Vec<Assignment>,
    ctx: Arc<Context>,
}

impl EvalOp {
    fn apply(&self, row: &mut Row) -> Result<(), EvalError> {
        for a in &self.assignments {
            let value = a
                .expr
                .eval(row, &self.ctx.env)
                .map_err(|e| e.or_at(a.span))?;
            if matches!(value, Value::Bool(_)) {
                // A boolean that only shows up at run time (a conditional returning a
                // predicate through a path the compile check cannot see): R6.2.
                return Err(EvalError::at(
                    "the result of an eval expression cannot be a boolean",
                    a.span,
                ));
            }
            let name = match &a.target {
                AssignTarget::Field(name) => name.clone(),
                // R6.4: `{name}` writes to the field named by name's value; with no
                // (single) value there is no destination and nothing is written.
                AssignTarget::Dynamic(source) => match row.get(source) {
                    Value::Null | Value::Multi(_) => continue,
                    v => match v.render() {
                        Some(n) if !n.is_empty() => n.into_owned(),
                        _ => continue,
                    },
                },
            };
            // R6.3: a null result removes the field (Row::set does).
            row.set(name, value);
        }
        Ok(())
    }
}

impl Operator for EvalOp {
    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        self.apply(&mut row)?;
        out.push(row);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::build::*;
    use crate::expr::testing::{env, row};
    use minispl_parser::ast::{Assignment as AstAssignment, BinaryOp, Expr};

    fn assign(target: &str, expr: Expr) -> AstAssignment {
        AstAssignment {
            target: AssignTarget::Field(target.to_string()),
            expr,
            span: SP,
        }
    }

    fn run(assignments: Vec<AstAssignment>, rows: Vec<Row>) -> Result<Vec<Row>, EvalError> {
        let cmd = ast::Eval {
            assignments,
            span: Span::new(0, 1),
        };
        let ctx = Arc::new(Context {
            env: env(),
            ..Context::default()
        });
        let mut op = compile(&cmd, &ctx)?;
        crate::commands::testutil::try_run(op.as_mut(), rows)
    }

    fn rendered(r: &Row) -> Vec<(String, String)> {
        r.iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    v.render().map(|s| s.into_owned()).unwrap_or_default(),
                )
            })
            .collect()
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn assignments_run_left_to_right_ec062() {
        let out = run(
            vec![
                assign("a", num(1.0)),
                assign("b", bin(BinaryOp::Add, f("a"), num(1.0))),
                assign("c", bin(BinaryOp::Mul, f("b"), num(10.0))),
            ],
            vec![Row::new()],
        );
        let out = out.map(|rows| rows.iter().map(rendered).collect::<Vec<_>>());
        assert_eq!(out, Ok(vec![pairs(&[("a", "1"), ("b", "2"), ("c", "20")])]));
    }

    #[test]
    fn null_result_creates_nothing_and_removes_existing_ec064() {
        let concat = bin(
            BinaryOp::Concat,
            bin(BinaryOp::Concat, f("a"), s("-")),
            f("b"),
        );
        let out = run(
            vec![assign("s", concat), assign("a", null())],
            vec![row(&[("a", "x")])],
        );
        assert_eq!(
            out.map(|r| r.iter().map(rendered).collect::<Vec<_>>()),
            Ok(vec![vec![]])
        );
    }

    #[test]
    fn existing_field_is_overwritten_in_place() {
        let out = run(
            vec![assign("a", s("new"))],
            vec![row(&[("a", "old"), ("b", "1")])],
        );
        let out = out.map(|rows| rows.iter().map(rendered).collect::<Vec<_>>());
        assert_eq!(out, Ok(vec![pairs(&[("a", "new"), ("b", "1")])]));
    }

    #[test]
    fn plus_and_numeric_strings_ec065() {
        let out = run(
            vec![
                assign("s", bin(BinaryOp::Add, s("ab"), s("cd"))),
                assign("n", bin(BinaryOp::Add, f("x"), num(1.0))),
            ],
            vec![row(&[("x", "41")])],
        );
        let out = out.map(|rows| rows.iter().map(rendered).collect::<Vec<_>>());
        assert_eq!(
            out,
            Ok(vec![pairs(&[("x", "41"), ("s", "abcd"), ("n", "42")])])
        );
    }

    #[test]
    fn dynamic_target_ec088() {
        let a = AstAssignment {
            target: AssignTarget::Dynamic("name".into()),
            expr: f("val"),
            span: SP,
        };
        let out = run(
            vec![a],
            vec![
                row(&[("name", "counter"), ("val", "1234")]),
                row(&[("val", "1")]),
            ],
        );
        let out = out.map(|rows| rows.iter().map(rendered).collect::<Vec<_>>());
        assert_eq!(
            out,
            Ok(vec![
                pairs(&[("name", "counter"), ("val", "1234"), ("counter", "1234")]),
                pairs(&[("val", "1")]),
            ])
        );
    }

    #[test]
    fn boolean_result_is_a_compile_error_at_the_assignment_ec089() {
        let sp = Span::new(5, 15);
        let a = AstAssignment {
            target: AssignTarget::Field("b".into()),
            expr: bin(BinaryOp::Gt, f("x"), num(1.0)),
            span: sp,
        };
        let err = run(vec![a], vec![row(&[("x", "2")])]).err();
        assert_eq!(err.as_ref().and_then(|e| e.span), Some(sp));
        assert!(err.is_some_and(|e| e.message.contains("boolean")));
    }

    #[test]
    fn multivalue_results_are_kept() {
        let out = run(
            vec![assign("parts", call("split", vec![s("a,b"), s(",")]))],
            vec![Row::new()],
        );
        let parts = out
            .ok()
            .and_then(|r| r.first().map(|r| r.get("parts").clone()));
        assert_eq!(parts, Some(Value::Multi(vec!["a".into(), "b".into()])));
    }

    #[test]
    fn unknown_function_fails_compilation() {
        assert!(run(vec![assign("a", call("nosuch", vec![]))], vec![]).is_err());
    }
}
