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
    // A subsearch is a heavy nesting level (`SUBSEARCH_NESTING_COST`, issue 7).
    c.depth += crate::cursor::SUBSEARCH_NESTING_COST - 1;
    c.enter(Span::new(open, open + 1))?;
    let p = crate::pipeline::parse_pipeline(c.src, open + 1, i, ctx.empty_ok, ctx.opts, c.depth)?;
    c.leave();
    c.depth -= crate::cursor::SUBSEARCH_NESTING_COST - 1;
    c.pos = i + 1;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use crate::ast::*;
    use crate::{parse, parse_with, FirstSegment, MacroDef, Macros, ParseError, ParseOptions};

    fn pipeline(text: &str) -> Result<Pipeline, ParseError> {
        parse_with(
            text,
            &Macros::new(),
            ParseOptions {
                first_segment: FirstSegment::CommandIfKnown,
            },
        )
    }

    fn cmd(text: &str) -> Command {
        match pipeline(text) {
            Ok(mut p) => p.commands.remove(0),
            Err(e) => panic!("{}", e.render()),
        }
    }

    fn err(text: &str) -> ParseError {
        pipeline(text).expect_err(text)
    }

    #[test]
    fn spath_options_in_any_order_and_input_is_never_a_search_term() {
        let want = Spath {
            input: Some("j".into()),
            output: Some("o".into()),
            path: Some("k".into()),
            span: Span::new(0, 0),
        };
        for text in [
            "spath input=j output=o k",
            "spath k output=o input=j",
            "spath output=o path=k input=j",
        ] {
            let Command::Spath(s) = cmd(text) else {
                panic!("{text}")
            };
            assert_eq!(
                (s.input, s.output, s.path),
                (want.input.clone(), want.output.clone(), want.path.clone())
            );
        }
        assert!(err("spath inptu=j")
            .message
            .contains("unknown option `inptu`"));
    }

    #[test]
    fn command_names_are_case_insensitive_and_bucket_is_bin() {
        assert!(matches!(cmd("| STATS count"), Command::Stats(_)));
        assert!(matches!(cmd("| Eval x=1"), Command::Eval(_)));
        let Command::Bin(b) = cmd("bucket _time span=1h") else {
            panic!()
        };
        assert_eq!(
            (b.field.as_str(), b.bucket_span.as_deref()),
            ("_time", Some("1h"))
        );
        assert_eq!(err("| frobnicate").message, "unknown command `frobnicate`");
    }

    #[test]
    fn stats_aggregations_aliases_by_and_default_names() {
        let Command::Stats(s) =
            cmd("stats allnum=true count min(_time) as firstTime, dc( x ) BY a, b c")
        else {
            panic!()
        };
        assert_eq!(s.options[0].name, "allnum");
        let names: Vec<&str> = s.aggregations.iter().map(|a| a.output_name()).collect();
        assert_eq!(names, ["count", "firstTime", "dc(x)"]);
        assert_eq!(s.by, ["a", "b", "c"]);
        let Command::Stats(s) = cmd(r#"stats count(eval(status="404")) as nf, perc95(x), C"#)
        else {
            panic!()
        };
        assert!(matches!(
            &s.aggregations[0].argument,
            Some(AggArgument::Eval(Expr::Binary {
                op: BinaryOp::Eq,
                ..
            }))
        ));
        assert_eq!(
            s.aggregations[0].default_name,
            r#"count(eval(status="404"))"#
        );
        assert_eq!(s.aggregations[1].function, "perc95");
        assert_eq!(s.aggregations[2].function, "c");
        assert!(err("stats count by").message.contains("BY"));
        assert!(err("stats foo=1 count")
            .message
            .contains("unknown option `foo`"));
        assert!(matches!(
            cmd("eventstats max(x) as m by h"),
            Command::Eventstats(_)
        ));
        let Command::Streamstats(s) = cmd("streamstats current=false window=2 sum(x) as prev")
        else {
            panic!()
        };
        assert_eq!(s.options.len(), 2);
        assert!(err("streamstats window=big count")
            .message
            .contains("bad value"));
    }

    #[test]
    fn tstats_with_options_datamodel_where_by_span() {
        let text = r#"| tstats summariesonly=false allow_old_summaries=true fillnull_value=null count from datamodel=Cloud_Infrastructure.Compute where Compute.user_type!="AssumeRole" AND x IN (a, b) by Compute.src span=1h"#;
        let Command::Tstats(t) = cmd(text) else {
            panic!()
        };
        assert_eq!(t.options.len(), 3);
        let dm = t.datamodel.unwrap();
        assert_eq!(
            (dm.model.as_str(), dm.dataset.as_deref()),
            ("Cloud_Infrastructure", Some("Compute"))
        );
        assert!(matches!(t.where_clause, Some(SearchExpr::And(ref v)) if v.len() == 2));
        assert_eq!(t.by, ["Compute.src"]);
        assert_eq!(t.bucket_span.as_deref(), Some("1h"));
        assert!(err("search a | tstats count")
            .message
            .contains("generating"));
    }

    #[test]
    fn rename_pairs_with_wildcards_quotes_and_joined_tokens() {
        let Command::Rename(r) = cmd(r#"rename a as x, b AS y c* AS "d e*", "Compute".* AS *"#)
        else {
            panic!()
        };
        let pairs: Vec<(&str, &str)> = r
            .pairs
            .iter()
            .map(|p| (p.from.as_str(), p.to.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [("a", "x"), ("b", "y"), ("c*", "d e*"), ("Compute.*", "*")]
        );
        // EC-050 parses: the wildcard mismatch is an evaluation error.
        assert!(pipeline("rename a* AS b").is_ok());
    }

    #[test]
    fn eval_targets_r6_4_and_r6_5() {
        let Command::Eval(e) =
            cmd(r#"eval {name}=val, "Account ID"=x, low-user = lower(username), 'q.r'=1"#)
        else {
            panic!()
        };
        let targets: Vec<AssignTarget> = e.assignments.into_iter().map(|a| a.target).collect();
        assert_eq!(
            targets,
            [
                AssignTarget::Dynamic("name".into()),
                AssignTarget::Field("Account ID".into()),
                AssignTarget::Field("low-user".into()),
                AssignTarget::Field("q.r".into()),
            ]
        );
        assert!(
            pipeline("eval b=(x>1)").is_ok(),
            "EC-089 fails at evaluation, not parsing"
        );
    }

    #[test]
    fn convert_functions_with_and_without_as() {
        let Command::Convert(c) =
            cmd(r#"convert timeformat="%Y" ctime(t) AS day, mktime(*Time) num(x)"#)
        else {
            panic!()
        };
        assert_eq!(c.timeformat.as_deref(), Some("%Y"));
        let f: Vec<(ConvertFunction, &str, Option<&str>)> = c
            .conversions
            .iter()
            .map(|v| (v.function, v.field.as_str(), v.alias.as_deref()))
            .collect();
        assert_eq!(
            f,
            [
                (ConvertFunction::Ctime, "t", Some("day")),
                (ConvertFunction::Mktime, "*Time", None),
                (ConvertFunction::Num, "x", None)
            ]
        );
    }

    #[test]
    fn field_list_commands() {
        let Command::Table(t) = cmd("table b, a c*") else {
            panic!()
        };
        assert_eq!(t.fields, ["b", "a", "c*"]);
        let Command::Fields(f) = cmd("fields - _raw, x") else {
            panic!()
        };
        assert!(f.remove);
        assert_eq!(f.fields, ["_raw", "x"]);
        let Command::Fields(f) = cmd("fields -x") else {
            panic!()
        };
        assert!(!f.remove, "`-x` is a field name, not the minus flag");
        let Command::Dedup(d) = cmd("dedup 2 u v keepempty=true sortby -x +y") else {
            panic!()
        };
        assert_eq!(
            (d.count, d.fields.len(), d.keepempty, d.sortby.len()),
            (2, 2, true, 2)
        );
        assert!(d.sortby[0].descending && !d.sortby[1].descending);
        let Command::Sort(s) = cmd("sort 0 -num(n), str(m) desc") else {
            panic!()
        };
        assert_eq!(s.limit, Some(0));
        assert_eq!(
            (s.keys[0].descending, s.keys[0].collation),
            (true, SortCollation::Num)
        );
        assert_eq!(
            (s.keys[1].field.as_str(), s.keys[1].collation),
            ("m", SortCollation::Str)
        );
        assert!(s.reverse);
        let Command::Sort(s) = cmd("sort - n limit=5") else {
            panic!()
        };
        assert_eq!((s.limit, s.keys[0].descending), (Some(5), true));
    }

    #[test]
    fn head_tail_fillnull_makeresults() {
        // The limit is `None` unless written: `head (x<3)` must differ from
        // `head 10 (x<3)` (the default 10 applies only without a condition).
        for (text, limit, cond, keeplast, null) in [
            ("head", None, false, false, false),
            ("head 3", Some(3), false, false, false),
            ("head limit=3", Some(3), false, false, false),
            ("head (x<3)", None, true, false, false),
            ("head 2 (x<3)", Some(2), true, false, false),
            ("head 10 (x<3)", Some(10), true, false, false),
            (
                "head limit=3 (x<3) keeplast=true",
                Some(3),
                true,
                true,
                false,
            ),
            ("head (x<3) null=true", None, true, false, true),
        ] {
            let Command::Head(h) = cmd(text) else {
                panic!("{text}")
            };
            assert_eq!(
                (h.limit, h.condition.is_some(), h.keeplast, h.null),
                (limit, cond, keeplast, null),
                "{text}"
            );
        }
        let Command::Tail(t) = cmd("tail 4") else {
            panic!()
        };
        assert_eq!(t.limit, 4);
        let Command::Fillnull(f) = cmd(r#"fillnull value="N/A" a b"#) else {
            panic!()
        };
        assert_eq!((f.value.as_str(), f.fields.len()), ("N/A", 2));
        let Command::Fillnull(f) = cmd("fillnull") else {
            panic!()
        };
        assert_eq!(f.value, "0");
        let Command::Makeresults(m) = cmd("| makeresults count=3 annotate=t") else {
            panic!()
        };
        assert_eq!((m.count, m.annotate), (3, true));
    }

    #[test]
    fn rex_and_regex_keep_regex_backslashes() {
        let Command::Rex(r) = cmd(r#"rex field=_raw max_match=0 "ip=(?<ip>\d+\.\d+)""#) else {
            panic!()
        };
        assert_eq!(
            (r.max_match, r.pattern.as_str()),
            (0, r"ip=(?<ip>\d+\.\d+)")
        );
        // EC-125: `\\\\` in SPL is the regex `\\`.
        let Command::Rex(r) = cmd(r#"rex field=p mode=sed "s/\\\\/\//g""#) else {
            panic!()
        };
        assert!(r.sed);
        assert_eq!(r.pattern, r"s/\\/\//g");
        let Command::Regex(r) = cmd(r#"regex f!="a\|b""#) else {
            panic!()
        };
        assert_eq!(
            (r.field.as_str(), r.negate, r.pattern.as_str()),
            ("f", true, r"a\|b")
        );
        let Command::Regex(r) = cmd(r#"regex "x""#) else {
            panic!()
        };
        assert_eq!(r.field, "_raw");
    }

    #[test]
    fn lookups_top_rare_and_multivalue_commands() {
        let Command::Lookup(l) =
            cmd("lookup local=true users.csv user AS u, id OUTPUTNEW dept AS d level")
        else {
            panic!()
        };
        assert_eq!(
            (l.table.as_str(), l.inputs.len(), l.options.len()),
            ("users.csv", 2, 1)
        );
        assert_eq!(l.inputs[0].event_field.as_deref(), Some("u"));
        let out = l.output.unwrap();
        assert!(out.new_only);
        assert_eq!(out.fields.len(), 2);
        let Command::Inputlookup(i) = cmd("| inputlookup max=5 users.csv where level>1 dept=ops")
        else {
            panic!()
        };
        assert!(matches!(i.where_clause, Some(SearchExpr::And(_))));
        let Command::Top(t) = cmd("top limit=3 x y by z") else {
            panic!()
        };
        assert_eq!(
            (t.fields.len(), t.by.as_slice()),
            (2, &["z".to_string()][..])
        );
        assert!(matches!(cmd("rare x"), Command::Rare(_)));
        let Command::Makemv(m) = cmd(r#"makemv delim="," allowempty=true f"#) else {
            panic!()
        };
        assert_eq!(
            (m.delim.as_deref(), m.allowempty, m.field.as_str()),
            (Some(","), true, "f")
        );
        assert!(matches!(
            cmd("mvcombine delim=\";\" ip"),
            Command::Mvcombine(_)
        ));
        assert!(matches!(cmd("nomv u"), Command::Nomv(_)));
        let Command::Mvexpand(m) = cmd("mvexpand limit=2 u") else {
            panic!()
        };
        assert_eq!((m.field.as_str(), m.limit), ("u", Some(2)));
    }

    #[test]
    fn subsearches() {
        let Command::Join(j) = cmd("join type=left user [| inputlookup users.csv]") else {
            panic!()
        };
        assert_eq!(
            (j.fields.as_slice(), j.options[0].value.as_str()),
            (&["user".to_string()][..], "left")
        );
        assert!(matches!(j.subsearch.commands[0], Command::Inputlookup(_)));
        let Command::Append(a) = cmd("append [ search x | head 1 ]") else {
            panic!()
        };
        assert_eq!(a.subsearch.commands.len(), 2);
    }

    #[test]
    fn first_segment_rules() {
        // Splunk's rule: without a leading pipe the first segment is a search.
        let p = parse("rename a AS b", &Macros::new()).unwrap();
        assert!(matches!(p.commands[0], Command::Search(_)));
        // An explicit `search` and a leading pipe with any command.
        assert!(matches!(
            parse("search x", &Macros::new()).unwrap().commands[0],
            Command::Search(_)
        ));
        assert!(matches!(
            parse("| eval x=1", &Macros::new()).unwrap().commands[0],
            Command::Eval(_)
        ));
        assert!(parse("", &Macros::new()).is_err());
        assert!(parse("   ", &Macros::new()).is_err());
    }

    #[test]
    fn a_segment_emptied_by_a_macro_is_a_no_op_r2_11() {
        let mut m = Macros::new();
        m.insert(MacroDef {
            name: "nothing".into(),
            args: vec![],
            definition: String::new(),
        });
        let p = parse("a | `nothing` | stats count", &m).unwrap();
        assert_eq!(p.commands.len(), 2);
        let p = parse("a | `nothing`", &m).unwrap();
        assert_eq!(p.commands.len(), 1);
        assert!(parse("a | | stats count", &m).is_err());
    }

    #[test]
    fn errors_inside_macros_point_into_the_body_with_the_chain() {
        let mut m = Macros::new();
        m.insert(MacroDef {
            name: "bad".into(),
            args: vec!["f".into()],
            definition: "stats dc by $f$".into(),
        });
        let e = parse("x | `bad(host)`", &m).unwrap_err();
        let src = e.source.as_ref().unwrap();
        assert_eq!(src.label, "macro `bad(1)`");
        assert_eq!(&src.text[src.span.start..src.span.end], "dc");
        assert_eq!(e.notes.len(), 1);
        assert!(e.notes[0].contains("`bad(host)`"), "{:?}", e.notes);
    }
}
