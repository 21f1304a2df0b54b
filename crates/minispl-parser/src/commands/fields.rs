//! `fields [+|-] f1, f2`.

use crate::ast::{Command, Fields, Span};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    c.skip_ws();
    let mut remove = false;
    match c.peek() {
        Some('-') if c.peek2().map_or(true, char::is_whitespace) => {
            remove = true;
            c.pos += 1;
        }
        Some('+') if c.peek2().map_or(true, char::is_whitespace) => c.pos += 1,
        _ => {}
    }
    let fields: Vec<String> = super::field_list(c, &[])?
        .into_iter()
        .map(|w| w.text)
        .collect();
    if fields.is_empty() {
        return Err(ParseError::new(
            "`fields` needs at least one field",
            Span::new(span.end, span.end),
        )
        .expected("a field name"));
    }
    Ok(Command::Fields(Fields {
        remove,
        fields,
        span,
    }))
}
