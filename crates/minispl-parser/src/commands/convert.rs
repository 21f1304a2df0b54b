//! `convert [timeformat=fmt] func(field) [AS new] ...` (R8.x).

use crate::ast::{Command, Conversion, Convert, ConvertFunction, Span};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

const FUNCTIONS: &[(&str, ConvertFunction)] = &[
    ("auto", ConvertFunction::Auto),
    ("ctime", ConvertFunction::Ctime),
    ("dur2sec", ConvertFunction::Dur2sec),
    ("memk", ConvertFunction::Memk),
    ("mktime", ConvertFunction::Mktime),
    ("mstime", ConvertFunction::Mstime),
    ("none", ConvertFunction::None),
    ("num", ConvertFunction::Num),
    ("rmcomma", ConvertFunction::Rmcomma),
    ("rmunit", ConvertFunction::Rmunit),
];

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let mut timeformat = None;
    let mut conversions = Vec::new();
    loop {
        if c.at_end() {
            break;
        }
        if c.comma() {
            continue;
        }
        if let Some(o) = super::option(c, "convert", &["timeformat"])? {
            timeformat = Some(o.value);
            continue;
        }
        let start = c.pos;
        let Some((name, name_span)) = c.ident() else {
            return Err(c.unexpected("a conversion function such as `ctime(field)`"));
        };
        let Some(&(_, function)) = FUNCTIONS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
        else {
            return Err(ParseError::new(
                format!("unknown conversion function `{name}`"),
                name_span,
            )
            .expected(format!(
                "one of: {}",
                FUNCTIONS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        c.skip_ws();
        if !c.eat('(') {
            return Err(c.unexpected(&format!("`(` after `{name}`")));
        }
        let field = match c.word()? {
            Some(w) => w.text,
            None => return Err(c.unexpected("a field name")),
        };
        c.skip_ws();
        if !c.eat(')') {
            return Err(c.unexpected("`)`"));
        }
        let end = c.pos;
        let alias = super::alias(c)?;
        let end = alias.as_ref().map_or(end, |a| a.span.end);
        conversions.push(Conversion {
            function,
            field,
            alias: alias.map(|a| a.text),
            span: Span::new(start, end),
        });
    }
    if conversions.is_empty() {
        return Err(ParseError::new(
            "`convert` needs a conversion such as `ctime(field)`",
            Span::new(span.end, span.end),
        )
        .expected("a conversion function"));
    }
    Ok(Command::Convert(Convert {
        timeformat,
        conversions,
        span,
    }))
}
