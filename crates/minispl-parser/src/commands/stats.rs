//! `stats`/`eventstats`/`streamstats` and the aggregation grammar shared with `tstats`:
//! `[options] agg [AS name] [, agg ...] [BY f1[, f2 ...]]` (SEMANTICS §7).

use crate::ast::{AggArgument, Aggregation, Command, CommandOption, Span, Stats, Streamstats};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

pub(crate) const STATS_OPTIONS: &[&str] = &["allnum", "delim", "partitions", "dedup_splitvals"];
pub(crate) const EVENTSTATS_OPTIONS: &[&str] = &["allnum"];
const STREAMSTATS_OPTIONS: &[&str] = &[
    "current",
    "window",
    "global",
    "reset_on_change",
    "reset_before",
    "reset_after",
    "time_window",
    "allnum",
];

/// Aggregation functions (R7 §7.2 and the statistical-functions reference).
pub const STATS_FUNCTIONS: &[&str] = &[
    "avg",
    "c",
    "count",
    "dc",
    "distinct_count",
    "earliest",
    "earliest_time",
    "estdc",
    "estdc_error",
    "first",
    "last",
    "latest",
    "latest_time",
    "list",
    "max",
    "mean",
    "median",
    "min",
    "mode",
    "range",
    "rate",
    "stdev",
    "stdevp",
    "sum",
    "sumsq",
    "values",
    "var",
    "varp",
];

/// `count`, `dc`, ... or a percentile `perc95`, `p50`, `exactperc99`, `upperperc5`.
pub fn is_stats_function(name: &str) -> bool {
    if STATS_FUNCTIONS.contains(&name) {
        return true;
    }
    ["exactperc", "upperperc", "perc", "p"]
        .iter()
        .any(|prefix| {
            name.strip_prefix(prefix).is_some_and(|n| {
                !n.is_empty()
                    && n.chars().all(|ch| ch.is_ascii_digit() || ch == '.')
                    && n.starts_with(|ch: char| ch.is_ascii_digit())
            })
        })
}

/// R7.2: the column name without an alias is the aggregation text as written, without
/// whitespace (a single space is kept between two word characters so `a AND b` inside
/// `eval(...)` stays readable and re-parsable; quoted text is kept as is).
pub fn default_name(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut pending_space = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if let Some(q) = quote {
            out.push(ch);
            if ch == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else if ch == q {
                quote = None;
            }
            continue;
        }
        if ch.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            let prev_word = out
                .chars()
                .last()
                .is_some_and(|p| p.is_alphanumeric() || p == '_');
            if prev_word && (ch.is_alphanumeric() || ch == '_') {
                out.push(' ');
            }
            pending_space = false;
        }
        if ch == '"' || ch == '\'' {
            quote = Some(ch);
        }
        out.push(ch);
    }
    out
}

/// One aggregation at the cursor.
pub(crate) fn aggregation(c: &mut Cursor<'_>) -> PResult<Aggregation> {
    c.skip_ws();
    let start = c.pos;
    let Some((name, name_span)) = c.ident() else {
        return Err(c.unexpected("an aggregation function such as `count`"));
    };
    let function = name.to_ascii_lowercase();
    if !is_stats_function(&function) {
        return Err(
            ParseError::new(format!("unknown stats function `{name}`"), name_span).expected(
                format!(
                    "one of: {}, perc<N>, p<N>, exactperc<N>, upperperc<N>",
                    STATS_FUNCTIONS.join(", ")
                ),
            ),
        );
    }
    let mut argument = None;
    if c.peek() == Some('(') {
        let open = Span::new(c.pos, c.pos + 1);
        c.pos += 1;
        c.skip_ws();
        let eval_follows = c.peek_kw("eval") && c.rest()[4..].trim_start().starts_with('(');
        if eval_follows {
            c.kw("eval");
            c.skip_ws();
            argument = Some(AggArgument::Eval(crate::eval_expr::parse_expression(c)?));
        } else if let Some(w) = c.word()? {
            argument = Some(AggArgument::Field(w.text));
        } else {
            return Err(ParseError::new(
                format!("missing field in `{name}(...)`"),
                Span::new(open.start, c.pos + 1),
            )
            .expected("a field name or `eval(...)`"));
        }
        c.skip_ws();
        if !c.eat(')') {
            if c.at_end() {
                return Err(ParseError::new("unbalanced `(`: missing `)`", open).expected("`)`"));
            }
            return Err(c.unexpected("`)`"));
        }
    } else if function != "count" && function != "c" {
        return Err(ParseError::new(
            format!("`{name}` needs a field: `{name}(field)`"),
            name_span,
        )
        .expected("`(`"));
    }
    let end = c.pos;
    let default_name = default_name(c.slice(Span::new(start, end)));
    let alias = super::alias(c)?;
    let span_end = alias.as_ref().map_or(end, |a| a.span.end);
    Ok(Aggregation {
        function,
        argument,
        alias: alias.map(|a| a.text),
        default_name,
        span: Span::new(start, span_end),
    })
}

/// Options and aggregations up to the end or a stop keyword (`by`, `from`, `where`).
pub(crate) fn aggregations(
    c: &mut Cursor<'_>,
    cmd: &str,
    known: &[&str],
    bool_options: &[&str],
    stop: &[&str],
) -> PResult<(Vec<CommandOption>, Vec<Aggregation>)> {
    let mut options = Vec::new();
    let mut aggs = Vec::new();
    loop {
        if c.at_end() || stop.iter().any(|k| c.peek_kw(k)) {
            break;
        }
        if c.comma() {
            continue;
        }
        if let Some(o) = super::option(c, cmd, known)? {
            if bool_options.contains(&o.name.as_str()) {
                super::bool_value(&o)?;
            }
            options.push(o);
            continue;
        }
        aggs.push(aggregation(c)?);
    }
    Ok((options, aggs))
}

fn no_aggregation(c: &mut Cursor<'_>, cmd: &str) -> ParseError {
    let s = c.next_span();
    ParseError::new(
        format!("`{cmd}` needs at least one aggregation such as `count`"),
        s,
    )
    .expected("an aggregation function")
}

/// `BY f1, f2 ...` to the end of the segment.
pub(crate) fn by_clause(c: &mut Cursor<'_>, stop: &[&str]) -> PResult<Vec<String>> {
    let Some(kw) = c.kw("by") else {
        return Ok(Vec::new());
    };
    let fields: Vec<String> = super::field_list(c, stop)?
        .into_iter()
        .map(|w| w.text)
        .collect();
    if fields.is_empty() {
        return Err(ParseError::new("missing field after `BY`", kw).expected("a field name"));
    }
    Ok(fields)
}

pub(crate) fn parse_stats(
    c: &mut Cursor<'_>,
    span: Span,
    cmd: &str,
    known: &[&str],
) -> PResult<Stats> {
    let (options, aggregations) =
        aggregations(c, cmd, known, &["allnum", "dedup_splitvals"], &["by"])?;
    if aggregations.is_empty() {
        return Err(no_aggregation(c, cmd));
    }
    let by = by_clause(c, &[])?;
    Ok(Stats {
        options,
        aggregations,
        by,
        span,
    })
}

pub(crate) fn parse_streamstats(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    let (options, aggregations) = aggregations(
        c,
        "streamstats",
        STREAMSTATS_OPTIONS,
        &["current", "global", "reset_on_change", "allnum"],
        &["by"],
    )?;
    for o in &options {
        if o.name == "window" {
            super::u64_value(o)?;
        }
    }
    if aggregations.is_empty() {
        return Err(no_aggregation(c, "streamstats"));
    }
    let by = by_clause(c, &[])?;
    Ok(Command::Streamstats(Streamstats {
        options,
        aggregations,
        by,
        span,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_and_percentiles() {
        for f in [
            "count",
            "dc",
            "distinct_count",
            "perc95",
            "p50",
            "exactperc99",
            "upperperc5",
            "perc99.9",
        ] {
            assert!(is_stats_function(f), "{f}");
        }
        for f in ["cnt", "perc", "p", "percx", "pancake"] {
            assert!(!is_stats_function(f), "{f}");
        }
    }

    #[test]
    fn default_names_drop_whitespace_outside_quotes() {
        assert_eq!(default_name("dc( x )"), "dc(x)");
        assert_eq!(
            default_name("count(eval(x = \"a b\"))"),
            "count(eval(x=\"a b\"))"
        );
        assert_eq!(default_name("count(eval(a AND b))"), "count(eval(a AND b))");
    }
}
