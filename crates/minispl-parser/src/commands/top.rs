//! `top`/`rare`: `[options] f1 [f2...] [by g...]`.

use crate::ast::{Span, TopRare};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

const OPTIONS: &[&str] = &[
    "limit",
    "countfield",
    "percentfield",
    "showcount",
    "showperc",
    "useother",
    "otherstr",
];

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span, cmd: &str) -> PResult<TopRare> {
    let mut t = TopRare {
        options: Vec::new(),
        fields: Vec::new(),
        by: Vec::new(),
        span,
    };
    loop {
        if c.at_end() || c.peek_kw("by") {
            break;
        }
        if c.comma() {
            continue;
        }
        if let Some(o) = super::option(c, cmd, OPTIONS)? {
            match o.name.as_str() {
                "limit" => {
                    super::u64_value(&o)?;
                }
                "showcount" | "showperc" | "useother" => {
                    super::bool_value(&o)?;
                }
                _ => {}
            }
            t.options.push(o);
            continue;
        }
        let w = c.expect_word("a field name")?;
        t.fields.push(w.text);
    }
    if t.fields.is_empty() {
        let s = c.next_span();
        return Err(
            ParseError::new(format!("`{cmd}` needs at least one field"), s)
                .expected("a field name"),
        );
    }
    if let Some(by) = c.kw("by") {
        t.by = super::field_list(c, &[])?
            .into_iter()
            .map(|w| w.text)
            .collect();
        if t.by.is_empty() {
            return Err(ParseError::new("missing field after `BY`", by).expected("a field name"));
        }
    }
    Ok(t)
}
