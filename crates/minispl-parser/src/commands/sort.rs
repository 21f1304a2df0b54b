//! `sort [N | limit=N] [+|-]key, ... [desc]`, keys optionally wrapped in
//! `str()`/`num()`/`ip()`/`auto()`.

use crate::ast::{Command, Sort, SortCollation, SortKey, Span};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let mut s = Sort {
        limit: None,
        keys: Vec::new(),
        reverse: false,
        span,
    };
    // A leading count: `sort 0 field`.
    c.skip_ws();
    let save = c.pos;
    if let Some(w) = c.word()? {
        match w.text.parse::<u64>() {
            Ok(n) if !w.quoted => s.limit = Some(n),
            _ => c.pos = save,
        }
    }
    let mut pending_sign: Option<(bool, Span)> = None;
    loop {
        if c.at_end() {
            break;
        }
        if c.comma() {
            continue;
        }
        if let Some(o) = super::option(c, "sort", &["limit"])? {
            s.limit = Some(super::u64_value(&o)?);
            continue;
        }
        let start = c.pos;
        match c.peek() {
            Some('-') => {
                c.pos += 1;
                pending_sign = Some((true, Span::new(start, start + 1)));
                continue;
            }
            Some('+') => {
                c.pos += 1;
                pending_sign = Some((false, Span::new(start, start + 1)));
                continue;
            }
            _ => {}
        }
        let w = c.expect_word("a sort key")?;
        // A trailing `desc`/`d` reverses the whole order.
        if (w.is_kw("desc") || w.is_kw("d"))
            && pending_sign.is_none()
            && !s.keys.is_empty()
            && c.at_end()
        {
            s.reverse = true;
            break;
        }
        let collation = match (w.quoted, w.text.to_ascii_lowercase().as_str()) {
            (false, "str") => Some(SortCollation::Str),
            (false, "num") => Some(SortCollation::Num),
            (false, "ip") => Some(SortCollation::Ip),
            (false, "auto") => Some(SortCollation::Auto),
            _ => None,
        };
        let (field, collation) = match collation {
            Some(col) if c.peek() == Some('(') => {
                c.pos += 1;
                let f = c.expect_word("a field name")?;
                c.skip_ws();
                if !c.eat(')') {
                    return Err(c.unexpected("`)`"));
                }
                (f.text, col)
            }
            _ => (w.text, SortCollation::Auto),
        };
        let key_start = pending_sign.map_or(start, |(_, sp)| sp.start);
        s.keys.push(SortKey {
            field,
            descending: pending_sign.is_some_and(|(d, _)| d),
            collation,
            span: Span::new(key_start, c.pos),
        });
        pending_sign = None;
    }
    if let Some((_, sp)) = pending_sign {
        return Err(ParseError::new("missing field after the sign", sp).expected("a field name"));
    }
    if s.keys.is_empty() {
        return Err(ParseError::new(
            "`sort` needs at least one field",
            Span::new(span.end, span.end),
        )
        .expected("a field name"));
    }
    Ok(Command::Sort(s))
}
