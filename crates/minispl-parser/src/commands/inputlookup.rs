//! `| inputlookup [append=] [start=] [max=] <table> [where <search-expr>]`; the `where`
//! clause is the search language (SEMANTICS §12).

use crate::ast::{Command, Inputlookup, Span};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let mut options = Vec::new();
    while let Some(o) = super::option(c, "inputlookup", &["append", "start", "max", "strict"])? {
        match o.name.as_str() {
            "start" | "max" => {
                super::u64_value(&o)?;
            }
            _ => {
                super::bool_value(&o)?;
            }
        }
        options.push(o);
    }
    let Some(table) = c.word()? else {
        return Err(ParseError::new(
            "`inputlookup` needs a table name",
            Span::new(span.end, span.end),
        )
        .expected("a lookup table name"));
    };
    let where_clause = if let Some(kw) = c.kw("where") {
        let e = crate::search_expr::parse(c, false)?;
        if e.is_none() {
            return Err(
                ParseError::new("missing search expression after `where`", kw)
                    .expected("a search expression"),
            );
        }
        e
    } else {
        None
    };
    Ok(Command::Inputlookup(Inputlookup {
        options,
        table: table.text,
        where_clause,
        span,
    }))
}
