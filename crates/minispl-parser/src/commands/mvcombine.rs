//! `mvcombine [delim=" "] <field>`.

use crate::ast::{Command, Mvcombine, Span};
use crate::cursor::{Cursor, PResult};

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let (opts, words) = super::options_and_words(c, "mvcombine", &["delim"])?;
    let delim = opts.into_iter().last().map(|o| o.value);
    let field = super::single_field("mvcombine", words, span)?;
    Ok(Command::Mvcombine(Mvcombine { delim, field, span }))
}
