//! `table f1, f2, f*` (commas optional, wildcards allowed).

use crate::ast::{Command, Span, Table};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let fields: Vec<String> = super::field_list(c, &[])?
        .into_iter()
        .map(|w| w.text)
        .collect();
    if fields.is_empty() {
        return Err(ParseError::new(
            "`table` needs at least one field",
            Span::new(span.end, span.end),
        )
        .expected("a field name"));
    }
    Ok(Command::Table(Table { fields, span }))
}
