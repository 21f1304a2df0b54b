//! One module per SPL command, each with its own argument grammar and errors, plus the
//! helpers they share (options, field lists, booleans).
//!
//! Command names are matched case-insensitively (`STATS` is `stats`). The search tool
//! found no Splunk page stating this either way; we follow common practice in the wild and
//! treat names like the case-insensitive keywords `AS`/`BY` (documented decision).

use crate::ast::{Command, CommandOption, Span};
use crate::cursor::{Cursor, PResult, Word};
use crate::diagnostic::ParseError;
use crate::pipeline::ParseOptions;

mod append;
mod bin;
mod convert;
mod dedup;
mod eval;
mod fields;
mod fillnull;
mod head;
mod inputlookup;
mod join;
mod lookup;
mod makemv;
mod makeresults;
mod mvcombine;
mod mvexpand;
mod nomv;
mod regex;
mod rename;
mod rex;
mod search;
mod sort;
mod spath;
pub(crate) mod stats;
mod table;
mod tail;
mod top;
mod tstats;
mod where_;

/// Every command name the parser knows (aliases included).
pub const COMMAND_NAMES: &[&str] = &[
    "append",
    "bin",
    "bucket",
    "convert",
    "dedup",
    "eval",
    "eventstats",
    "fields",
    "fillnull",
    "head",
    "inputlookup",
    "join",
    "lookup",
    "makemv",
    "makeresults",
    "mvcombine",
    "mvexpand",
    "nomv",
    "rare",
    "regex",
    "rename",
    "rex",
    "search",
    "sort",
    "spath",
    "stats",
    "streamstats",
    "table",
    "tail",
    "top",
    "tstats",
    "where",
];

pub(crate) fn is_known(name: &str) -> bool {
    COMMAND_NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// What subsearches need to be parsed like their parent.
#[derive(Clone, Copy)]
pub(crate) struct Ctx<'e> {
    pub empty_ok: &'e [usize],
    pub opts: ParseOptions,
}

/// Parse one command segment; the cursor is bounded to the segment.
pub(crate) fn parse_command(
    c: &mut Cursor<'_>,
    is_first: bool,
    empty_ok: &[usize],
    opts: ParseOptions,
) -> PResult<Command> {
    c.skip_ws();
    let start = c.pos;
    let name_span = c.next_span();
    let Some((name, ident_span)) = c.ident() else {
        return Err(ParseError::new(
            format!("expected a command name, found `{}`", c.slice(name_span)),
            name_span,
        )
        .expected("a command name"));
    };
    if let Some(ch) = c.peek() {
        if !ch.is_whitespace() && c.pos < c.end {
            let s = Span::new(start, c.pos + ch.len_utf8());
            return Err(
                ParseError::new(format!("unknown command `{}`", c.slice(s)), s)
                    .expected("a command name"),
            );
        }
    }
    let span = Span::new(start, c.end);
    let ctx = Ctx { empty_ok, opts };
    let lname = name.to_ascii_lowercase();
    let cmd = match lname.as_str() {
        "search" => search::parse(c, span)?,
        "where" => where_::parse(c, span)?,
        "eval" => eval::parse(c, span)?,
        "rename" => rename::parse(c, span)?,
        "spath" => spath::parse(c, span)?,
        "mvexpand" => mvexpand::parse(c, span)?,
        "stats" => Command::Stats(stats::parse_stats(c, span, "stats", stats::STATS_OPTIONS)?),
        "eventstats" => Command::Eventstats(stats::parse_stats(
            c,
            span,
            "eventstats",
            stats::EVENTSTATS_OPTIONS,
        )?),
        "streamstats" => stats::parse_streamstats(c, span)?,
        "convert" => convert::parse(c, span)?,
        "tstats" => tstats::parse(c, span)?,
        "table" => table::parse(c, span)?,
        "fields" => fields::parse(c, span)?,
        "dedup" => dedup::parse(c, span)?,
        "sort" => sort::parse(c, span)?,
        "head" => head::parse(c, span)?,
        "tail" => tail::parse(c, span)?,
        "fillnull" => fillnull::parse(c, span)?,
        "rex" => rex::parse(c, span)?,
        "regex" => regex::parse(c, span)?,
        "bin" | "bucket" => bin::parse(c, span)?,
        "lookup" => lookup::parse(c, span)?,
        "inputlookup" => inputlookup::parse(c, span)?,
        "top" => Command::Top(top::parse(c, span, "top")?),
        "rare" => Command::Rare(top::parse(c, span, "rare")?),
        "makemv" => makemv::parse(c, span)?,
        "mvcombine" => mvcombine::parse(c, span)?,
        "nomv" => nomv::parse(c, span)?,
        "makeresults" => makeresults::parse(c, span)?,
        "join" => join::parse(c, span, ctx)?,
        "append" => append::parse(c, span, ctx)?,
        _ => {
            return Err(
                ParseError::new(format!("unknown command `{name}`"), ident_span)
                    .expected(format!("one of: {}", COMMAND_NAMES.join(", "))),
            )
        }
    };
    if !c.at_end() {
        return Err(c.unexpected(&format!("the end of the `{lname}` command")));
    }
    // R9.1: generating commands start a search (or a subsearch).
    let generating_only = match &cmd {
        Command::Tstats(t) => !t
            .options
            .iter()
            .any(|o| o.name == "append" && truthy(&o.value)),
        Command::Makeresults(_) => true,
        _ => false,
    };
    if generating_only && !is_first {
        return Err(ParseError::new(
            format!("`{lname}` is a generating command: it must be the first command, after a leading `|`"),
            ident_span,
        ));
    }
    Ok(cmd)
}

pub(crate) fn truthy(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "true" | "t" | "1" | "yes")
}

/// A validated `name=value` option, if one is next. Unknown names are errors, never
/// search terms or field names.
pub(crate) fn option(
    c: &mut Cursor<'_>,
    cmd: &str,
    known: &[&str],
) -> PResult<Option<CommandOption>> {
    let save = c.pos;
    let Some((name, name_span)) = c.option_name() else {
        return Ok(None);
    };
    let lname = name.to_ascii_lowercase();
    if !known.contains(&lname.as_str()) {
        c.pos = save;
        let mut err = ParseError::new(format!("unknown option `{name}` for `{cmd}`"), name_span);
        if !known.is_empty() {
            err = err.expected(format!("one of: {}", known.join(", ")));
        } else {
            err = err.note(format!("`{cmd}` takes no options"));
        }
        return Err(err);
    }
    if c.peek().map_or(true, char::is_whitespace) || c.pos >= c.end {
        return Err(ParseError::new(
            format!("missing value for option `{name}`"),
            Span::new(name_span.start, c.pos),
        )
        .expected("a value"));
    }
    let Some(value) = c.word()? else {
        return Err(c.unexpected(&format!("a value for `{name}`")));
    };
    Ok(Some(CommandOption {
        name: lname,
        value: value.text,
        span: Span::new(name_span.start, value.span.end),
    }))
}

pub(crate) fn bool_value(o: &CommandOption) -> PResult<bool> {
    match o.value.to_ascii_lowercase().as_str() {
        "true" | "t" | "1" | "yes" => Ok(true),
        "false" | "f" | "0" | "no" => Ok(false),
        _ => Err(ParseError::new(
            format!("bad value `{}` for option `{}`", o.value, o.name),
            o.span,
        )
        .expected("a boolean (true or false)")),
    }
}

pub(crate) fn u64_value(o: &CommandOption) -> PResult<u64> {
    o.value.parse::<u64>().map_err(|_| {
        ParseError::new(
            format!("bad value `{}` for option `{}`", o.value, o.name),
            o.span,
        )
        .expected("a non-negative integer")
    })
}

/// Field names up to the end of the segment or an unquoted stop keyword (`by`),
/// separated by whitespace and/or commas.
pub(crate) fn field_list(c: &mut Cursor<'_>, stop_kw: &[&str]) -> PResult<Vec<Word>> {
    let mut out = Vec::new();
    loop {
        if c.at_end() || stop_kw.iter().any(|k| c.peek_kw(k)) {
            return Ok(out);
        }
        if c.comma() {
            continue;
        }
        match c.word()? {
            Some(w) => out.push(w),
            None => return Err(c.unexpected("a field name")),
        }
    }
}

/// Options (validated) and plain words in any order, to the end of the segment.
pub(crate) fn options_and_words(
    c: &mut Cursor<'_>,
    cmd: &str,
    known: &[&str],
) -> PResult<(Vec<CommandOption>, Vec<Word>)> {
    let mut opts = Vec::new();
    let mut words = Vec::new();
    loop {
        if c.at_end() {
            return Ok((opts, words));
        }
        if c.comma() {
            continue;
        }
        if let Some(o) = option(c, cmd, known)? {
            opts.push(o);
            continue;
        }
        match c.word()? {
            Some(w) => words.push(w),
            None => return Err(c.unexpected("an option or a field name")),
        }
    }
}

/// `AS <name>` if next (case-insensitive `AS`).
pub(crate) fn alias(c: &mut Cursor<'_>) -> PResult<Option<Word>> {
    let Some(as_span) = c.kw("as") else {
        return Ok(None);
    };
    match c.word()? {
        Some(w) if !w.is_kw("by") && !w.is_kw("as") => Ok(Some(w)),
        _ => Err(ParseError::new("missing name after `AS`", as_span).expected("a field name")),
    }
}

/// A required single field (for `mvexpand`, `nomv`, ...), with the command's options.
pub(crate) fn single_field(cmd: &str, words: Vec<Word>, span: Span) -> PResult<String> {
    let mut it = words.into_iter();
    let Some(first) = it.next() else {
        return Err(ParseError::new(
            format!("`{cmd}` needs a field name"),
            Span::new(span.end, span.end),
        )
        .expected("a field name"));
    };
    if let Some(extra) = it.next() {
        return Err(ParseError::new(
            format!("`{cmd}` takes one field; unexpected `{}`", extra.text),
            extra.span,
        ));
    }
    Ok(first.text)
}

/// Parse the subsearch `[ ... ]` at the cursor.
pub(crate) fn subsearch(c: &mut Cursor<'_>, ctx: Ctx<'_>) -> PResult<crate::ast::Pipeline> {
    c.skip_ws();
    let open = c.pos;
    if !c.eat('[') {
        return Err(c.unexpected("a subsearch in `[ ]`"));
    }
    // Find the matching `]` (the splitter has checked the balance).
    let bytes = c.src.as_bytes();
    let mut depth = 1usize;
    let mut quote = false;
    let mut i = c.pos;
    while i < c.end {
        match bytes[i] {
            b'\\' => i += 1,
            b'"' => quote = !quote,
            b'[' if !quote => depth += 1,
            b']' if !quote => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 || i >= c.end {
        return Err(
            ParseError::new("unbalanced `[`: missing `]`", Span::new(open, open + 1))
                .expected("`]`"),
        );
    }
    c.enter(Span::new(open, open + 1))?;
    let p = crate::pipeline::parse_pipeline(c.src, open + 1, i, ctx.empty_ok, ctx.opts, c.depth)?;
    c.leave();
    c.pos = i + 1;
    Ok(p)
}
