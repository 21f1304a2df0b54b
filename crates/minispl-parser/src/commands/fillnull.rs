//! `fillnull [value=v] [fields...]` (default value `0`).

use crate::ast::{Command, Fillnull, Span};
use crate::cursor::{Cursor, PResult};

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let (opts, words) = super::options_and_words(c, "fillnull", &["value"])?;
    let value = opts
        .into_iter()
        .last()
        .map_or_else(|| "0".to_string(), |o| o.value);
    Ok(Command::Fillnull(Fillnull {
        value,
        fields: words.into_iter().map(|w| w.text).collect(),
        span,
    }))
}
