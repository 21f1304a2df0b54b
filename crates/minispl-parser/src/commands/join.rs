//! `join [type=inner|left|outer] [max=N] [overwrite=bool] [f1, f2] [ <subsearch> ]`.

use crate::ast::{Command, Join, Span};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

const OPTIONS: &[&str] = &["type", "max", "overwrite", "usetime", "earlier"];

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span, ctx: super::Ctx<'_>) -> PResult<Command> {
    let mut options = Vec::new();
    let mut fields = Vec::new();
    loop {
        c.skip_ws();
        if c.at_end() || c.peek() == Some('[') {
            break;
        }
        if c.comma() {
            continue;
        }
        if let Some(o) = super::option(c, "join", OPTIONS)? {
            match o.name.as_str() {
                "type" => {
                    if !matches!(
                        o.value.to_ascii_lowercase().as_str(),
                        "inner" | "left" | "outer"
                    ) {
                        return Err(ParseError::new(
                            format!("bad value `{}` for option `type`", o.value),
                            o.span,
                        )
                        .expected("inner, left or outer"));
                    }
                }
                "max" => {
                    super::u64_value(&o)?;
                }
                _ => {
                    super::bool_value(&o)?;
                }
            }
            options.push(o);
            continue;
        }
        match c.word()? {
            Some(w) => fields.push(w.text),
            None => return Err(c.unexpected("a field name or a subsearch")),
        }
    }
    let subsearch = super::subsearch(c, ctx)?;
    Ok(Command::Join(Join {
        options,
        fields,
        subsearch,
        span,
    }))
}
