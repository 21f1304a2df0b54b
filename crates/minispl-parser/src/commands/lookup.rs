//! `lookup [local=] [update=] <table> <lkfield> [AS <field>] ... [OUTPUT|OUTPUTNEW ...]`.

use crate::ast::{Command, FieldMapping, Lookup, LookupOutput, Span};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

fn mappings(c: &mut Cursor<'_>, stop: &[&str]) -> PResult<Vec<FieldMapping>> {
    let mut out = Vec::new();
    loop {
        if c.at_end() || stop.iter().any(|k| c.peek_kw(k)) {
            return Ok(out);
        }
        if c.comma() {
            continue;
        }
        let w = c.expect_word("a field name")?;
        let alias = super::alias(c)?;
        let end = alias.as_ref().map_or(w.span.end, |a| a.span.end);
        out.push(FieldMapping {
            lookup_field: w.text,
            event_field: alias.map(|a| a.text),
            span: Span::new(w.span.start, end),
        });
    }
}

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let mut options = Vec::new();
    while let Some(o) = super::option(c, "lookup", &["local", "update"])? {
        super::bool_value(&o)?;
        options.push(o);
    }
    let Some(table) = c.word()? else {
        return Err(
            ParseError::new("`lookup` needs a table name", Span::new(span.end, span.end))
                .expected("a lookup table name"),
        );
    };
    let inputs = mappings(c, &["output", "outputnew"])?;
    if inputs.is_empty() {
        let s = c.next_span();
        return Err(
            ParseError::new("`lookup` needs a lookup field after the table name", s)
                .expected("a field name"),
        );
    }
    let output = if let Some(kw) = c.kw("outputnew").or_else(|| c.kw("output")) {
        let new_only = c.slice(kw).eq_ignore_ascii_case("outputnew");
        let fields = mappings(c, &[])?;
        if fields.is_empty() {
            return Err(
                ParseError::new(format!("missing field after `{}`", c.slice(kw)), kw)
                    .expected("a field name"),
            );
        }
        Some(LookupOutput { new_only, fields })
    } else {
        None
    };
    Ok(Command::Lookup(Lookup {
        options,
        table: table.text,
        inputs,
        output,
        span,
    }))
}
