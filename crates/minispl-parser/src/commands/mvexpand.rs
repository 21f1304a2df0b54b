//! `mvexpand <field> [limit=N]` (R5.1, R5.2).

use crate::ast::{Command, Mvexpand, Span};
use crate::cursor::{Cursor, PResult};

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let (opts, words) = super::options_and_words(c, "mvexpand", &["limit"])?;
    let mut limit = None;
    for o in &opts {
        limit = Some(super::u64_value(o)?);
    }
    let field = super::single_field("mvexpand", words, span)?;
    Ok(Command::Mvexpand(Mvexpand { field, limit, span }))
}
