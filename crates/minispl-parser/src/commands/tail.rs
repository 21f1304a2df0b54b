//! `tail [N]` (default 10).

use crate::ast::{Command, Span, Tail};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let mut limit = 10;
    if let Some(w) = c.word()? {
        limit = w.text.parse().map_err(|_| {
            ParseError::new(format!("bad count `{}` for `tail`", w.text), w.span)
                .expected("a non-negative integer")
        })?;
    }
    Ok(Command::Tail(Tail { limit, span }))
}
