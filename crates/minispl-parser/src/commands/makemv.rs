//! `makemv [delim=" " | tokenizer=re] [allowempty=] [setsv=] <field>`.

use crate::ast::{Command, Makemv, Span};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let (opts, words) =
        super::options_and_words(c, "makemv", &["delim", "tokenizer", "allowempty", "setsv"])?;
    let mut m = Makemv {
        delim: None,
        tokenizer: None,
        allowempty: false,
        setsv: false,
        field: String::new(),
        span,
    };
    for o in &opts {
        match o.name.as_str() {
            "delim" => m.delim = Some(o.value.clone()),
            "tokenizer" => m.tokenizer = Some(o.value.clone()),
            "allowempty" => m.allowempty = super::bool_value(o)?,
            _ => m.setsv = super::bool_value(o)?,
        }
    }
    if m.delim.is_some() && m.tokenizer.is_some() {
        let s = opts
            .iter()
            .find(|o| o.name == "tokenizer")
            .map_or(span, |o| o.span);
        return Err(ParseError::new(
            "`delim` and `tokenizer` cannot both be given",
            s,
        ));
    }
    m.field = super::single_field("makemv", words, span)?;
    Ok(Command::Makemv(m))
}
