//! `append [ <subsearch> ]`.

use crate::ast::{Append, Command, Span};
use crate::cursor::{Cursor, PResult};

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span, ctx: super::Ctx<'_>) -> PResult<Command> {
    let subsearch = super::subsearch(c, ctx)?;
    Ok(Command::Append(Append { subsearch, span }))
}
