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

/// `head` with neither a number nor a condition (EC-115).
const DEFAULT_LIMIT: u64 = 10;

struct HeadOp {
    /// The cap on results passed; `None` for `head (expr)` with no number written.
    limit: Option<u64>,
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
    // SEMANTICS §12 head: `head` alone keeps 10. Splunk's head page calls the expression
    // the other "type of limit" (all results are returned until it becomes false), so
    // `head (expr)` is not capped at 10; with a number as well, the smaller constraint
    // applies (docs/DECISIONS.md).
    let limit = match (cmd.limit, &condition) {
        (Some(n), _) => Some(n),
        (None, None) => Some(DEFAULT_LIMIT),
        (None, Some(_)) => None,
    };
    Ok(Box::new(HeadOp {
        limit,
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
        if self.limit.is_some_and(|n| self.seen >= n) {
            self.done = true;
            return Ok(());
        }
        if let Some(cond) = &self.condition {
            // `head (expr)`: results pass while the expression is true. A null result
            // counts as `null=` says (default false: stop); `keeplast=` keeps the row
            // that stopped it.
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
        self.seen += 1;
        out.push(row);
        if self.limit.is_some_and(|n| self.seen >= n) {
            self.done = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    /// Parse `head ...` and run it over `input`: tests go through the parser so that
    /// what a user writes (a number or not) is what is tested.
    fn head(args: &str, input: Vec<Row>) -> Vec<Row> {
        let text = format!("search * | head {args}");
        let p = minispl_parser::parse(&text, &minispl_parser::Macros::new()).expect("parses");
        let Some(ast::Command::Head(cmd)) = p.commands.last() else {
            panic!("not a head command: {text}")
        };
        let mut op = compile(cmd, &ctx()).expect("compiles");
        run(op.as_mut(), input)
    }

    fn numbered(n: usize) -> Vec<Row> {
        (1..=n).map(|i| row(&format!(r#"{{"i":"{i}"}}"#))).collect()
    }

    /// 1..=n, then a row without `i` (the condition is null on it), then 1..=n again.
    fn with_null_row(n: usize) -> Vec<Row> {
        let mut v = numbered(n);
        v.push(row(r#"{"other":"x"}"#));
        v.extend(numbered(n));
        v
    }

    #[test]
    fn ec115_default_is_ten() {
        assert_eq!(head("", numbered(12)), numbered(10));
        assert_eq!(head("", numbered(4)), numbered(4));
    }

    #[test]
    fn count_and_limit_option() {
        assert_eq!(head("3", numbered(12)), numbered(3));
        assert_eq!(head("limit=3", numbered(12)), numbered(3));
        assert!(head("0", numbered(2)).is_empty());
        assert_eq!(head("20", numbered(12)), numbered(12));
    }

    #[test]
    fn expression_alone_is_not_capped_at_ten() {
        // 15 rows all satisfying the condition: none is dropped.
        assert_eq!(head("(i<100)", numbered(15)), numbered(15));
        let mut input = numbered(5);
        input.push(row(r#"{"i":"1"}"#));
        // Stops at the first false (i=3); the later i=1 is not reached.
        assert_eq!(head("(i<3)", input), numbered(2));
    }

    #[test]
    fn count_with_expression_takes_the_smaller() {
        assert_eq!(head("2 (i<3)", numbered(5)), numbered(2));
        assert_eq!(head("1 (i<3)", numbered(5)), numbered(1));
        assert_eq!(head("2 (i<100)", numbered(5)), numbered(2));
        assert_eq!(head("limit=4 (i<3)", numbered(5)), numbered(2));
        assert_eq!(head("(i<100) limit=4", numbered(15)), numbered(4));
        // A written 10 is a cap, unlike no number at all.
        assert_eq!(head("10 (i<100)", numbered(15)), numbered(10));
    }

    #[test]
    fn keeplast_keeps_the_row_that_stopped_it() {
        assert_eq!(head("(i<3) keeplast=true", numbered(5)), numbered(3));
        assert_eq!(head("(i<3) keeplast=false", numbered(5)), numbered(2));
        // Stopped by the count, not the condition: nothing extra.
        assert_eq!(head("2 (i<100) keeplast=true", numbered(5)), numbered(2));
    }

    #[test]
    fn null_option_decides_on_a_null_condition() {
        // null=false (default): the null row stops it, like false.
        assert_eq!(head("(i<100)", with_null_row(2)), numbered(2));
        // keeplast keeps the row that evaluated to null.
        let mut kept = numbered(2);
        kept.push(row(r#"{"other":"x"}"#));
        assert_eq!(head("(i<100) keeplast=true", with_null_row(2)), kept);
        // null=true: the null row passes and head goes on.
        assert_eq!(
            head("(i<100) null=true", with_null_row(2)),
            with_null_row(2)
        );
    }
}
