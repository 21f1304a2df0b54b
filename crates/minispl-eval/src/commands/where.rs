//! `where <eval-expr>` (R1.28): keeps the rows for which the expression is TRUE; FALSE
//! and null drop the row (EC-035).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::expr::CompiledExpr;
use crate::program::Context;
use crate::row::Row;
use minispl_parser::ast;
use std::sync::Arc;

/// Compile `where` into an operator.
pub fn compile(cmd: &ast::Where, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let expr = CompiledExpr::compile(&cmd.expr)?;
    Ok(Box::new(WhereOp {
        expr,
        ctx: Arc::clone(ctx),
        span: cmd.span,
    }))
}

struct WhereOp {
    expr: CompiledExpr,
    ctx: Arc<Context>,
    span: minispl_parser::Span,
}

impl Operator for WhereOp {
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let keep = self
            .expr
            .is_true(&row, &self.ctx.env)
            .map_err(|e| e.or_at(self.span))?;
        if keep {
            out.push(row);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::build::*;
    use crate::expr::testing::{env, row};
    use minispl_parser::ast::{BinaryOp, Expr};
    use minispl_parser::Span;

    fn run(expr: Expr, rows: Vec<Row>) -> Result<Vec<Row>, EvalError> {
        let cmd = ast::Where {
            expr,
            span: Span::new(0, 5),
        };
        let ctx = Arc::new(Context {
            env: env(),
            ..Context::default()
        });
        let mut op = compile(&cmd, &ctx)?;
        crate::commands::testutil::try_run(op.as_mut(), rows)
    }

    #[test]
    fn compares_two_fields_ec032() {
        let out = run(
            eq(f("a"), f("b")),
            vec![
                row(&[("a", "x"), ("b", "x")]),
                row(&[("a", "x"), ("b", "y")]),
            ],
        );
        assert_eq!(out, Ok(vec![row(&[("a", "x"), ("b", "x")])]));
    }

    #[test]
    fn and_before_or_ec034() {
        let e = bin(
            BinaryOp::Or,
            bin(BinaryOp::And, eq(f("a"), num(1.0)), eq(f("b"), num(2.0))),
            eq(f("c"), num(3.0)),
        );
        let rows = vec![
            row(&[("a", "1"), ("b", "9"), ("c", "3")]),
            row(&[("a", "9"), ("b", "9"), ("c", "3")]),
            row(&[("a", "1"), ("b", "9"), ("c", "9")]),
        ];
        let out = run(e, rows.clone());
        assert_eq!(out, Ok(rows[..2].to_vec()));
    }

    #[test]
    fn null_predicate_drops_ec035() {
        let out = run(
            bin(BinaryOp::Gt, f("x"), num(1.0)),
            vec![Row::new(), row(&[("x", "5")]), row(&[("x", "0")])],
        );
        assert_eq!(out, Ok(vec![row(&[("x", "5")])]));
    }

    #[test]
    fn comparisons_are_case_sensitive_r1_28() {
        let out = run(eq(f("u"), s("admin")), vec![row(&[("u", "Admin")])]);
        assert_eq!(out, Ok(vec![]));
    }

    #[test]
    fn non_boolean_result_drops_the_row() {
        let out = run(f("x"), vec![row(&[("x", "true")])]);
        assert_eq!(out, Ok(vec![]));
    }

    #[test]
    fn runtime_error_carries_a_span() {
        let out = run(
            call("match", vec![s("a"), f("re")]),
            vec![row(&[("re", "(")])],
        );
        assert!(out.is_err_and(|e| e.span.is_some()));
    }
}
