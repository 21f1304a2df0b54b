//! `head [N] | head limit=N | head (<eval-expr>)` with `null=`/`keeplast=`.

use crate::ast::{Command, Head, Span};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let mut h = Head {
        limit: None,
        condition: None,
        keeplast: false,
        null: false,
        span,
    };
    loop {
        if c.at_end() {
            break;
        }
        if let Some(o) = super::option(c, "head", &["limit", "null", "keeplast"])? {
            match o.name.as_str() {
                "limit" => h.limit = Some(super::u64_value(&o)?),
                "null" => h.null = super::bool_value(&o)?,
                _ => h.keeplast = super::bool_value(&o)?,
            }
            continue;
        }
        if c.peek() == Some('(') {
            if h.condition.is_some() {
                return Err(c.unexpected("the end of the `head` command"));
            }
            h.condition = Some(crate::eval_expr::parse_expression(c)?);
            continue;
        }
        let w = c.expect_word("a count, an option or `(expression)`")?;
        h.limit = Some(w.text.parse().map_err(|_| {
            ParseError::new(format!("bad count `{}` for `head`", w.text), w.span)
                .expected("a non-negative integer")
        })?);
    }
    Ok(Command::Head(h))
}
