//! `bin`/`bucket [span=..] [bins=N] [minspan=..] [start=..] [end=..] [aligntime=..] field [AS new]`.

use crate::ast::{Bin, Command, Span};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

const OPTIONS: &[&str] = &["span", "bins", "minspan", "start", "end", "aligntime"];

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let mut b = Bin {
        field: String::new(),
        alias: None,
        bucket_span: None,
        bins: None,
        minspan: None,
        start: None,
        end: None,
        aligntime: None,
        span,
    };
    let mut field = None;
    loop {
        if c.at_end() {
            break;
        }
        if let Some(o) = super::option(c, "bin", OPTIONS)? {
            match o.name.as_str() {
                "span" => b.bucket_span = Some(o.value),
                "bins" => b.bins = Some(super::u64_value(&o)?),
                "minspan" => b.minspan = Some(o.value),
                "start" => b.start = Some(o.value),
                "end" => b.end = Some(o.value),
                _ => b.aligntime = Some(o.value),
            }
            continue;
        }
        if field.is_some() {
            if let Some(a) = super::alias(c)? {
                if b.alias.is_some() {
                    return Err(ParseError::new("`AS` given twice", a.span));
                }
                b.alias = Some(a.text);
                continue;
            }
            return Err(c.unexpected("an option or `AS`"));
        }
        let w = c.expect_word("a field name")?;
        field = Some(w.text);
    }
    let Some(f) = field else {
        return Err(
            ParseError::new("`bin` needs a field", Span::new(span.end, span.end))
                .expected("a field name"),
        );
    };
    b.field = f;
    Ok(Command::Bin(b))
}
