//! `search <expr>` (SEMANTICS §1).

use crate::ast::{Command, Search, Span};
use crate::cursor::{Cursor, PResult};

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let expr = crate::search_expr::parse(c, false)?;
    Ok(Command::Search(Search { expr, span }))
}
