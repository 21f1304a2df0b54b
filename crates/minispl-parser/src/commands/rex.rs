//! `rex [field=f] [max_match=N] [mode=sed] [offset_field=f] "<regex>"`.

use crate::ast::{Command, Rex, Span};
use crate::cursor::{Cursor, Escapes, PResult};
use crate::diagnostic::ParseError;

const OPTIONS: &[&str] = &["field", "max_match", "mode", "offset_field"];

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let mut r = Rex {
        field: "_raw".to_string(),
        max_match: 1,
        sed: false,
        offset_field: None,
        pattern: String::new(),
        pattern_span: Span::default(),
        span,
    };
    let mut have_pattern = false;
    loop {
        if c.at_end() {
            break;
        }
        if c.peek() == Some('"') {
            if have_pattern {
                return Err(c.unexpected("the end of the `rex` command"));
            }
            // The regex keeps its backslashes: only `\"` and `\\` are SPL escapes (EC-125).
            let (p, s) = c.quoted(Escapes::Plain)?;
            r.pattern = p;
            r.pattern_span = s;
            have_pattern = true;
            continue;
        }
        let Some(o) = super::option(c, "rex", OPTIONS)? else {
            return Err(c.unexpected("an option or a quoted regular expression"));
        };
        match o.name.as_str() {
            "field" => r.field = o.value,
            "max_match" => r.max_match = super::u64_value(&o)?,
            "mode" => {
                if o.value != "sed" {
                    return Err(ParseError::new(
                        format!("bad value `{}` for option `mode`", o.value),
                        o.span,
                    )
                    .expected("`sed`"));
                }
                r.sed = true;
            }
            _ => r.offset_field = Some(o.value),
        }
    }
    if !have_pattern {
        return Err(ParseError::new(
            "`rex` needs a quoted regular expression",
            Span::new(span.end, span.end),
        )
        .expected("\"<regex>\""));
    }
    Ok(Command::Rex(r))
}
