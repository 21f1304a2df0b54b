//! `| tstats [options] aggs [FROM datamodel=Model.Dataset] [WHERE <search-expr>]
//! [BY fields [span=...]]` (R9.x). `WHERE` is the search language (R9.4).

use crate::ast::{Command, DataModelRef, Span, Tstats};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

const OPTIONS: &[&str] = &[
    "summariesonly",
    "allow_old_summaries",
    "fillnull_value",
    "prestats",
    "local",
    "append",
    "chunk_size",
    "include_reduced_buckets",
];
const BOOL_OPTIONS: &[&str] = &[
    "summariesonly",
    "allow_old_summaries",
    "prestats",
    "local",
    "append",
    "include_reduced_buckets",
];

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let (options, aggregations) =
        super::stats::aggregations(c, "tstats", OPTIONS, BOOL_OPTIONS, &["from", "where", "by"])?;
    if aggregations.is_empty() {
        let s = c.next_span();
        return Err(
            ParseError::new("`tstats` needs at least one aggregation such as `count`", s)
                .expected("an aggregation function"),
        );
    }
    let mut t = Tstats {
        options,
        aggregations,
        datamodel: None,
        where_clause: None,
        by: Vec::new(),
        bucket_span: None,
        span,
    };
    if let Some(from) = c.kw("from") {
        let Some(o) = super::option(c, "tstats FROM", &["datamodel"])? else {
            return Err(
                ParseError::new("expected `datamodel=Model.Dataset` after FROM", from)
                    .expected("`datamodel=`"),
            );
        };
        let (model, dataset) = match o.value.split_once('.') {
            Some((m, d)) => (m.to_string(), Some(d.to_string())),
            None => (o.value.clone(), None),
        };
        if model.is_empty() || dataset.as_deref() == Some("") {
            return Err(
                ParseError::new(format!("bad data model `{}`", o.value), o.span)
                    .expected("`Model` or `Model.Dataset`"),
            );
        }
        t.datamodel = Some(DataModelRef {
            model,
            dataset,
            span: o.span,
        });
    }
    if let Some(kw) = c.kw("where") {
        t.where_clause = crate::search_expr::parse(c, true)?;
        if t.where_clause.is_none() {
            return Err(
                ParseError::new("missing search expression after `where`", kw)
                    .expected("a search expression"),
            );
        }
    }
    if let Some(kw) = c.kw("by") {
        loop {
            if c.at_end() {
                break;
            }
            if c.comma() {
                continue;
            }
            if let Some(o) = super::option(c, "tstats BY", &["span"])? {
                t.bucket_span = Some(o.value);
                continue;
            }
            let w = c.expect_word("a field name")?;
            t.by.push(w.text);
        }
        if t.by.is_empty() {
            return Err(ParseError::new("missing field after `BY`", kw).expected("a field name"));
        }
    }
    Ok(Command::Tstats(t))
}
