//! `spath [input=f] [output=f] [path=p | p]`, options in any order (R4.1).

use crate::ast::{Command, Span, Spath};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

const OPTIONS: &[&str] = &["input", "output", "path"];

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let (opts, words) = super::options_and_words(c, "spath", OPTIONS)?;
    let mut s = Spath {
        input: None,
        output: None,
        path: None,
        span,
    };
    let mut path_given: Option<String> = None;
    for o in opts {
        let slot = match o.name.as_str() {
            "input" => &mut s.input,
            "output" => &mut s.output,
            _ => {
                path_given = Some(format!("path={}", o.value));
                &mut s.path
            }
        };
        if slot.is_some() {
            return Err(ParseError::new(format!("`{}` given twice", o.name), o.span));
        }
        *slot = Some(o.value);
    }
    for w in words {
        if s.path.is_some() {
            let mut err = ParseError::new(
                format!("unexpected `{}`: `spath` takes one path", w.text),
                w.span,
            );
            if let Some(p) = &path_given {
                err = err.note(format!("the path was already given as `{p}`"));
            }
            return Err(err);
        }
        path_given = Some(w.text.clone());
        s.path = Some(w.text);
    }
    Ok(Command::Spath(s))
}
