//! `| makeresults [count=N] [annotate=bool]`.

use crate::ast::{Command, Makeresults, Span};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let (opts, words) = super::options_and_words(c, "makeresults", &["count", "annotate"])?;
    if let Some(w) = words.first() {
        return Err(ParseError::new(format!("unexpected `{}`", w.text), w.span)
            .expected("`count=` or `annotate=`"));
    }
    let mut m = Makeresults {
        count: 1,
        annotate: false,
        span,
    };
    for o in &opts {
        match o.name.as_str() {
            "count" => m.count = super::u64_value(o)?,
            _ => m.annotate = super::bool_value(o)?,
        }
    }
    Ok(Command::Makeresults(m))
}
