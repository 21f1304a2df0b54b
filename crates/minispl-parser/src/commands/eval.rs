//! `eval a=expr, b=expr` (R6.1), with the target rules of R6.4 and R6.5.

use crate::ast::{AssignTarget, Assignment, Command, Eval, Span};
use crate::cursor::{Cursor, Escapes, PResult};
use crate::diagnostic::ParseError;

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let mut assignments = Vec::new();
    loop {
        if c.at_end() {
            if assignments.is_empty() {
                return Err(ParseError::new(
                    "`eval` needs an assignment",
                    Span::new(span.end, span.end),
                )
                .expected("`field=expression`"));
            }
            let s = Span::new(c.pos, c.pos);
            return Err(ParseError::new("expected an assignment after `,`", s)
                .expected("`field=expression`"));
        }
        let start = c.pos;
        let target = target(c)?;
        c.skip_ws();
        let eq = c.pos;
        if !(c.peek() == Some('=') && c.peek2() != Some('=')) {
            let s = Span::new(start, c.pos.max(start + 1).min(c.end.max(start)));
            return Err(
                ParseError::new("expected `=` after the eval target field", s).expected("`=`"),
            );
        }
        c.pos += 1;
        if c.at_end() || c.peek() == Some(',') {
            return Err(
                ParseError::new("missing expression after `=`", Span::new(eq, eq + 1))
                    .expected("an expression"),
            );
        }
        let expr = crate::eval_expr::parse_expression(c)?;
        let a_span = Span::new(start, expr.span().end);
        assignments.push(Assignment {
            target,
            expr,
            span: a_span,
        });
        if c.at_end() {
            break;
        }
        if !c.comma() {
            return Err(c.unexpected("`,` or an operator"));
        }
    }
    Ok(Command::Eval(Eval { assignments, span }))
}

/// The left-hand side: `{name}` (R6.4), `"quoted name"` or `'quoted name'`, or everything
/// up to the `=` (R6.5: `eval low-user = ...` assigns `low-user`).
fn target(c: &mut Cursor<'_>) -> PResult<AssignTarget> {
    let start = c.pos;
    match c.peek() {
        Some('{') => {
            let close = c.rest().find('}');
            let Some(close) = close else {
                return Err(ParseError::new(
                    "unbalanced `{` in eval target: missing `}`",
                    Span::new(start, start + 1),
                )
                .expected("`}`"));
            };
            let name = c.rest()[1..close].trim().to_string();
            c.pos += close + 1;
            if name.is_empty() {
                return Err(
                    ParseError::new("empty `{}` in eval target", Span::new(start, c.pos))
                        .expected("a field name"),
                );
            }
            Ok(AssignTarget::Dynamic(name))
        }
        Some('"') => Ok(AssignTarget::Field(c.quoted(Escapes::Plain)?.0)),
        Some('\'') => {
            let rest = c.rest();
            let Some(close) = rest[1..].find('\'') else {
                return Err(ParseError::new(
                    "unterminated field name: missing closing `'`",
                    Span::new(start, start + 1),
                )
                .expected("`'`"));
            };
            let name = rest[1..1 + close].to_string();
            c.pos += close + 2;
            Ok(AssignTarget::Field(name))
        }
        _ => {
            let rest = c.rest();
            let stop = rest.find(['=', ',']).unwrap_or(rest.len());
            let name = rest[..stop].trim_end();
            if name.is_empty() {
                return Err(ParseError::new(
                    "missing field name before `=`",
                    Span::new(start, start + 1),
                )
                .expected("a field name"));
            }
            if rest[stop..].starts_with(',') || stop == rest.len() {
                let s = Span::new(start, start + name.len());
                return Err(ParseError::new(
                    format!("expected `=` after `{name}`: eval assigns `field=expression`"),
                    s,
                )
                .expected("`=`"));
            }
            c.pos += name.len();
            Ok(AssignTarget::Field(name.to_string()))
        }
    }
}
