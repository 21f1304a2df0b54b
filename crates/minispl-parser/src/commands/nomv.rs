//! `nomv <field>`.

use crate::ast::{Command, Nomv, Span};
use crate::cursor::{Cursor, PResult};

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let (_, words) = super::options_and_words(c, "nomv", &[])?;
    let field = super::single_field("nomv", words, span)?;
    Ok(Command::Nomv(Nomv { field, span }))
}
