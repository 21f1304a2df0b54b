//! `rename a AS b, c* AS d*` (R3.1–R3.3). Wildcard-count mismatches (`rename a* AS b`)
//! are left to evaluation, as CONFORMANCE EC-050 files them ("error, no rows").

use crate::ast::{Command, Rename, RenamePair, Span};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let mut pairs = Vec::new();
    loop {
        if c.at_end() {
            break;
        }
        if c.comma() {
            continue;
        }
        let Some(from) = c.word()? else {
            return Err(c.unexpected("a field name"));
        };
        let Some(as_span) = c.kw("as") else {
            return Err(ParseError::new(
                format!("expected `AS` after `{}`", from.text),
                Span::new(from.span.end, from.span.end),
            )
            .expected("`AS`")
            .note("rename pairs are written `old AS new`"));
        };
        let to = match c.word()? {
            Some(w) if !w.is_kw("as") => w,
            _ => {
                return Err(ParseError::new("missing new name after `AS`", as_span)
                    .expected("a field name"));
            }
        };
        pairs.push(RenamePair {
            from: from.text,
            to: to.text,
            span: from.span.to(to.span),
        });
    }
    if pairs.is_empty() {
        return Err(
            ParseError::new("`rename` needs `old AS new`", Span::new(span.end, span.end))
                .expected("a field name"),
        );
    }
    Ok(Command::Rename(Rename { pairs, span }))
}
