//! `head [N] | head limit=N | head (<eval-expr>) [keeplast=] [null=]` (SEMANTICS §12).

use crate::commands::Operator;
use crate::env::Env;
use crate::error::EvalError;
use crate::expr::CompiledExpr;
use crate::program::Context;
use crate::row::Row;
use crate::value::Value;
use minispl_parser::ast;
use std::sync::Arc;

/// `head` without a number.
const DEFAULT_LIMIT: u64 = 10;

struct HeadOp {
    limit: u64,
    condition: Option<CompiledExpr>,
    keeplast: bool,
    null: bool,
    seen: u64,
    done: bool,
    env: Env,
    span: ast::Span,
}

/// Compile `head` into an operator.
pub fn compile(cmd: &ast::Head, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let condition = cmd
        .condition
        .as_ref()
        .map(CompiledExpr::compile)
        .transpose()
        .map_err(|e| e.or_at(cmd.span))?;
    Ok(Box::new(HeadOp {
        limit: cmd.limit,
        condition,
        keeplast: cmd.keeplast,
        null: cmd.null,
        seen: 0,
        done: false,
        env: ctx.env.clone(),
        span: cmd.span,
    }))
}

impl Operator for HeadOp {
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if self.done {
            return Ok(());
        }
        if let Some(cond) = &self.condition {
            // `head (expr)`: results pass while the expression is true; when a numeric
            // limit is also given the smaller constraint applies. The AST does not say
            // whether `limit` was written, so a limit equal to the default 10 is taken
            // as "not given" (an expression alone is not capped at 10). A null result
            // counts as `null=` says (default false: stop).
            if self.limit != DEFAULT_LIMIT && self.seen >= self.limit {
                self.done = true;
                return Ok(());
            }
            let keep = match cond.eval(&row, &self.env).map_err(|e| e.or_at(self.span))? {
                Value::Bool(b) => b,
                Value::Null => self.null,
                other => !matches!(
                    other.render().as_deref(),
                    Some("") | Some("0") | Some("false")
                ),
            };
            if keep {
                self.seen += 1;
                out.push(row);
            } else {
                self.done = true;
                if self.keeplast {
                    out.push(row);
                }
            }
            return Ok(());
        }
        if self.seen < self.limit {
            self.seen += 1;
            out.push(row);
        }
        if self.seen >= self.limit {
            self.done = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    fn head(limit: u64, condition: Option<ast::Expr>, keeplast: bool, input: Vec<Row>) -> Vec<Row> {
        let cmd = ast::Head {
            limit,
            condition,
            keeplast,
            null: false,
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        run(op.as_mut(), input)
    }

    fn numbered(n: usize) -> Vec<Row> {
        (1..=n).map(|i| row(&format!(r#"{{"i":"{i}"}}"#))).collect()
    }

    #[test]
    fn ec115_default_is_ten() {
        let out = head(10, None, false, numbered(12));
        assert_eq!(out, numbered(10));
        assert_eq!(head(3, None, false, numbered(12)), numbered(3));
        assert!(head(0, None, false, numbered(2)).is_empty());
    }

    /// Needs `CompiledExpr` (eval engineer's work): passes only after the merge.
    #[test]
    fn expression_form_stops_at_first_false() {
        let cond = ast::Expr::Binary {
            op: ast::BinaryOp::Lt,
            lhs: Box::new(ast::Expr::Field {
                name: "i".into(),
                span: sp(),
            }),
            rhs: Box::new(ast::Expr::Num {
                value: 3.0,
                text: "3".into(),
                span: sp(),
            }),
            span: sp(),
        };
        let mut input = numbered(5);
        input.push(row(r#"{"i":"1"}"#));
        assert_eq!(
            head(10, Some(cond.clone()), false, input.clone()),
            numbered(2)
        );
        assert_eq!(head(10, Some(cond), true, input), numbered(3));
    }
}
