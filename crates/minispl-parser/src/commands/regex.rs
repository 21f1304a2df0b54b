//! `regex [field=]"<regex>"` / `regex field!="<regex>"`.

use crate::ast::{Command, RegexCmd, Span};
use crate::cursor::{Cursor, Escapes, PResult};
use crate::diagnostic::ParseError;

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    c.skip_ws();
    let mut field = "_raw".to_string();
    let mut negate = false;
    if c.peek() != Some('"') {
        let Some(w) = c.word_with(Escapes::Search, &|ch| ch == '=' || ch == '"')? else {
            return Err(c.unexpected("a quoted regular expression"));
        };
        if c.eat_str("!=") {
            negate = true;
        } else if !c.eat('=') {
            return Err(ParseError::new(
                "expected `=` or `!=` after the field name",
                Span::new(w.span.end, w.span.end),
            )
            .expected("`=`")
            .note("write `regex field=\"<regex>\"` or `regex \"<regex>\"`"));
        }
        field = w.text;
    }
    c.skip_ws();
    if c.peek() != Some('"') {
        return Err(c.unexpected("a quoted regular expression"));
    }
    let (pattern, pattern_span) = c.quoted(Escapes::Plain)?;
    Ok(Command::Regex(RegexCmd {
        field,
        negate,
        pattern,
        pattern_span,
        span,
    }))
}
