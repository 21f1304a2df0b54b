//! `dedup [N] f1 f2 [keepempty=] [consecutive=] [keepevents=] [sortby +f -f ...]`.

use crate::ast::{Command, Dedup, SortCollation, SortKey, Span};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

const OPTIONS: &[&str] = &["keepempty", "consecutive", "keepevents"];

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let mut d = Dedup {
        count: 1,
        fields: Vec::new(),
        keepempty: false,
        consecutive: false,
        keepevents: false,
        sortby: Vec::new(),
        span,
    };
    c.skip_ws();
    let save = c.pos;
    if let Some(w) = c.word()? {
        match w.text.parse::<u64>() {
            Ok(n) if !w.quoted => d.count = n,
            _ => c.pos = save,
        }
    }
    loop {
        if c.at_end() {
            break;
        }
        if c.comma() {
            continue;
        }
        if let Some(o) = super::option(c, "dedup", OPTIONS)? {
            let v = super::bool_value(&o)?;
            match o.name.as_str() {
                "keepempty" => d.keepempty = v,
                "consecutive" => d.consecutive = v,
                _ => d.keepevents = v,
            }
            continue;
        }
        if let Some(kw) = c.kw("sortby") {
            loop {
                if c.at_end()
                    || c.peek_kw("keepempty")
                    || c.peek_kw("consecutive")
                    || c.peek_kw("keepevents")
                {
                    break;
                }
                if c.comma() {
                    continue;
                }
                let start = c.pos;
                let descending = match c.peek() {
                    Some('-') => {
                        c.pos += 1;
                        true
                    }
                    Some('+') => {
                        c.pos += 1;
                        false
                    }
                    _ => false,
                };
                let w = c.expect_word("a field name")?;
                d.sortby.push(SortKey {
                    field: w.text,
                    descending,
                    collation: SortCollation::Auto,
                    span: Span::new(start, w.span.end),
                });
            }
            if d.sortby.is_empty() {
                return Err(
                    ParseError::new("missing field after `sortby`", kw).expected("a field name")
                );
            }
            continue;
        }
        let w = c.expect_word("a field name")?;
        d.fields.push(w.text);
    }
    if d.fields.is_empty() {
        return Err(ParseError::new(
            "`dedup` needs at least one field",
            Span::new(span.end, span.end),
        )
        .expected("a field name"));
    }
    Ok(Command::Dedup(d))
}
