//! Printing an AST back to canonical SPL text: `parse(print(ast)) == ast` (modulo spans).
//!
//! Canonical form: ` | ` between commands, a first command other than `search` after a
//! leading `| `, keywords in upper case (`AS`, `BY`, `IN`), minimal parentheses from the
//! precedence ladders (R1.3 for search, R6.14 for eval), names and values quoted only
//! when they need it. Aggregations print as their default name (the normalised text as
//! written, R7.2), which keeps that name stable across a round trip.

use crate::ast::*;

/// Canonical SPL text for a pipeline.
pub fn pipeline(p: &Pipeline) -> String {
    let mut out = String::new();
    for (i, c) in p.commands.iter().enumerate() {
        if i > 0 {
            out.push_str(" | ");
        } else if !matches!(c, Command::Search(_)) {
            out.push_str("| ");
        }
        out.push_str(&command(c));
    }
    out
}

/// Canonical text for one command (without the pipe).
pub fn command(c: &Command) -> String {
    let mut s = String::from(c.name());
    let mut push = |part: String| {
        if !part.is_empty() {
            s.push(' ');
            s.push_str(&part);
        }
    };
    match c {
        Command::Search(x) => push(x.expr.as_ref().map(search_expr).unwrap_or_default()),
        Command::Where(x) => push(expr(&x.expr)),
        Command::Eval(x) => push(
            x.assignments
                .iter()
                .map(|a| {
                    let t = match &a.target {
                        AssignTarget::Field(n) => eval_target(n),
                        AssignTarget::Dynamic(n) => format!("{{{n}}}"),
                    };
                    format!("{t}={}", expr(&a.expr))
                })
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Command::Rename(x) => push(
            x.pairs
                .iter()
                .map(|p| format!("{} AS {}", name(&p.from), name(&p.to)))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        Command::Spath(x) => {
            let mut parts = Vec::new();
            if let Some(v) = &x.input {
                parts.push(format!("input={}", name(v)));
            }
            if let Some(v) = &x.output {
                parts.push(format!("output={}", name(v)));
            }
            if let Some(v) = &x.path {
                parts.push(format!("path={}", name(v)));
            }
            push(parts.join(" "));
        }
        Command::Mvexpand(x) => {
            push(name(&x.field));
            if let Some(l) = x.limit {
                push(format!("limit={l}"));
            }
        }
        Command::Stats(x) | Command::Eventstats(x) => {
            push(options(&x.options));
            push(aggs(&x.aggregations));
            push(by(&x.by));
        }
        Command::Streamstats(x) => {
            push(options(&x.options));
            push(aggs(&x.aggregations));
            push(by(&x.by));
        }
        Command::Convert(x) => {
            if let Some(t) = &x.timeformat {
                push(format!("timeformat={}", quote(t)));
            }
            push(
                x.conversions
                    .iter()
                    .map(|cv| {
                        let mut s = format!("{}({})", cv.function.as_str(), name(&cv.field));
                        if let Some(a) = &cv.alias {
                            s.push_str(&format!(" AS {}", name(a)));
                        }
                        s
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        Command::Tstats(x) => {
            push(options(&x.options));
            push(aggs(&x.aggregations));
            if let Some(dm) = &x.datamodel {
                let v = match &dm.dataset {
                    Some(d) => format!("{}.{}", dm.model, d),
                    None => dm.model.clone(),
                };
                push(format!("FROM datamodel={}", name(&v)));
            }
            if let Some(w) = &x.where_clause {
                push(format!("WHERE {}", search_expr(w)));
            }
            push(by(&x.by));
            if let Some(sp) = &x.bucket_span {
                push(format!("span={}", name(sp)));
            }
        }
        Command::Table(x) => push(names(&x.fields)),
        Command::Fields(x) => {
            push(if x.remove { "-".into() } else { "+".into() });
            push(names(&x.fields));
        }
        Command::Dedup(x) => {
            push(x.count.to_string());
            push(names(&x.fields));
            push(format!(
                "keepempty={} consecutive={} keepevents={}",
                x.keepempty, x.consecutive, x.keepevents
            ));
            if !x.sortby.is_empty() {
                push(format!("sortby {}", sort_keys(&x.sortby)));
            }
        }
        Command::Sort(x) => {
            if let Some(l) = x.limit {
                push(format!("limit={l}"));
            }
            push(sort_keys(&x.keys));
            if x.reverse {
                push("desc".into());
            }
        }
        Command::Head(x) => {
            // A limit is printed only when written: `head (x<3)` and `head 10 (x<3)`
            // differ (no cap vs a cap of 10).
            if let Some(l) = x.limit {
                push(format!("limit={l}"));
            }
            push(format!("null={} keeplast={}", x.null, x.keeplast));
            if let Some(e) = &x.condition {
                push(format!("({})", expr(e)));
            }
        }
        Command::Tail(x) => push(x.limit.to_string()),
        Command::Fillnull(x) => {
            push(format!("value={}", quote(&x.value)));
            push(names(&x.fields));
        }
        Command::Rex(x) => {
            push(format!(
                "field={} max_match={}",
                name(&x.field),
                x.max_match
            ));
            if x.sed {
                push("mode=sed".into());
            }
            if let Some(o) = &x.offset_field {
                push(format!("offset_field={}", name(o)));
            }
            push(quote_plain(&x.pattern));
        }
        Command::Regex(x) => push(format!(
            "{}{}{}",
            name(&x.field),
            if x.negate { "!=" } else { "=" },
            quote_plain(&x.pattern)
        )),
        Command::Bin(x) => {
            let mut parts = Vec::new();
            for (k, v) in [
                ("span", &x.bucket_span),
                ("minspan", &x.minspan),
                ("start", &x.start),
                ("end", &x.end),
                ("aligntime", &x.aligntime),
            ] {
                if let Some(v) = v {
                    parts.push(format!("{k}={}", name(v)));
                }
            }
            if let Some(b) = x.bins {
                parts.push(format!("bins={b}"));
            }
            parts.push(name(&x.field));
            if let Some(a) = &x.alias {
                parts.push(format!("AS {}", name(a)));
            }
            push(parts.join(" "));
        }
        Command::Lookup(x) => {
            push(options(&x.options));
            push(name(&x.table));
            push(mappings(&x.inputs));
            if let Some(o) = &x.output {
                push(format!(
                    "{} {}",
                    if o.new_only { "OUTPUTNEW" } else { "OUTPUT" },
                    mappings(&o.fields)
                ));
            }
        }
        Command::Inputlookup(x) => {
            push(options(&x.options));
            push(name(&x.table));
            if let Some(w) = &x.where_clause {
                push(format!("where {}", search_expr(w)));
            }
        }
        Command::Top(x) | Command::Rare(x) => {
            push(options(&x.options));
            push(names(&x.fields));
            push(by(&x.by));
        }
        Command::Makemv(x) => {
            if let Some(d) = &x.delim {
                push(format!("delim={}", quote(d)));
            }
            if let Some(t) = &x.tokenizer {
                push(format!("tokenizer={}", quote(t)));
            }
            push(format!("allowempty={} setsv={}", x.allowempty, x.setsv));
            push(name(&x.field));
        }
        Command::Mvcombine(x) => {
            if let Some(d) = &x.delim {
                push(format!("delim={}", quote(d)));
            }
            push(name(&x.field));
        }
        Command::Nomv(x) => push(name(&x.field)),
        Command::Makeresults(x) => push(format!("count={} annotate={}", x.count, x.annotate)),
        Command::Join(x) => {
            push(options(&x.options));
            push(names(&x.fields));
            push(format!("[ {} ]", pipeline(&x.subsearch)));
        }
        Command::Append(x) => push(format!("[ {} ]", pipeline(&x.subsearch))),
    }
    s
}

fn options(opts: &[CommandOption]) -> String {
    opts.iter()
        .map(|o| format!("{}={}", o.name, name(&o.value)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn aggs(a: &[Aggregation]) -> String {
    a.iter()
        .map(|g| match &g.alias {
            Some(al) => format!("{} AS {}", g.default_name, name(al)),
            None => g.default_name.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn by(fields: &[String]) -> String {
    if fields.is_empty() {
        String::new()
    } else {
        format!("BY {}", names(fields))
    }
}

fn names(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| name(f))
        .collect::<Vec<_>>()
        .join(", ")
}

fn mappings(m: &[FieldMapping]) -> String {
    m.iter()
        .map(|f| match &f.event_field {
            Some(e) => format!("{} AS {}", name(&f.lookup_field), name(e)),
            None => name(&f.lookup_field),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn sort_keys(keys: &[SortKey]) -> String {
    keys.iter()
        .map(|k| {
            let f = match k.collation {
                SortCollation::Auto => name(&k.field),
                SortCollation::Str => format!("str({})", name(&k.field)),
                SortCollation::Num => format!("num({})", name(&k.field)),
                SortCollation::Ip => format!("ip({})", name(&k.field)),
            };
            if k.descending {
                format!("-{f}")
            } else {
                f
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `"..."` string with `\` and `"` escaped.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        if ch == '"' || ch == '\\' {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// A regex in quotes: only `"` needs escaping; backslashes are regex syntax and stay,
/// except a trailing or `\\`/`\"`-forming backslash, which is doubled.
fn quote_plain(s: &str) -> String {
    let mut out = String::from("\"");
    let chars: Vec<char> = s.chars().collect();
    for (i, &ch) in chars.iter().enumerate() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => {
                let next = chars.get(i + 1).copied();
                if matches!(next, None | Some('\\') | Some('"')) {
                    out.push_str("\\\\");
                } else {
                    out.push('\\');
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A command-argument name: bare when it re-reads as the same word.
fn name(s: &str) -> String {
    let keyword = [
        "as",
        "by",
        "output",
        "outputnew",
        "where",
        "from",
        "sortby",
        "desc",
        "d",
    ]
    .iter()
    .any(|k| s.eq_ignore_ascii_case(k));
    let plain = !s.is_empty()
        && !keyword
        && !s.starts_with(['-', '+'])
        && s.parse::<f64>().is_err()
        && !s.chars().any(|c| {
            c.is_whitespace()
                || matches!(
                    c,
                    ',' | '('
                        | ')'
                        | '='
                        | '['
                        | ']'
                        | '"'
                        | '\\'
                        | '|'
                        | '!'
                        | '<'
                        | '>'
                        | '\''
                        | '`'
                )
        });
    if plain {
        s.to_string()
    } else {
        quote(s)
    }
}

fn eval_target(s: &str) -> String {
    if is_bare_eval_name(s) {
        s.to_string()
    } else {
        quote(s)
    }
}

fn is_bare_eval_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !["AND", "OR", "XOR", "NOT", "LIKE", "IN"].contains(&s)
}

// ---------------------------------------------------------------------------------------
// Search language.
// ---------------------------------------------------------------------------------------

/// Canonical text of a search expression.
pub fn search_expr(e: &SearchExpr) -> String {
    match e {
        // OR binds tighter than AND (R1.3): an Or inside an And needs no parentheses.
        SearchExpr::And(v) => v
            .iter()
            .map(|x| search_child(x, 0))
            .collect::<Vec<_>>()
            .join(" "),
        SearchExpr::Or(v) => v
            .iter()
            .map(|x| search_child(x, 1))
            .collect::<Vec<_>>()
            .join(" OR "),
        // NOT takes one term or group: only And/Or operands need parentheses.
        SearchExpr::Not(x) => format!("NOT {}", search_child(x, 1)),
        SearchExpr::Compare {
            field, op, value, ..
        } => {
            format!(
                "{}{}{}",
                search_field(field),
                op.as_str(),
                search_value(value)
            )
        }
        SearchExpr::In { field, values, .. } => format!(
            "{} IN ({})",
            search_field(field),
            values
                .iter()
                .map(search_value)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        SearchExpr::Term(v) => search_value(v),
    }
}

fn search_level(e: &SearchExpr) -> u8 {
    match e {
        SearchExpr::And(_) => 0,
        SearchExpr::Or(_) => 1,
        SearchExpr::Not(_) => 2,
        _ => 3,
    }
}

fn search_child(e: &SearchExpr, parent: u8) -> String {
    if search_level(e) <= parent {
        format!("({})", search_expr(e))
    } else {
        search_expr(e)
    }
}

fn search_field(f: &str) -> String {
    let plain = !f.is_empty()
        && !["AND", "OR", "NOT", "IN", "CASE", "TERM"].contains(&f)
        && !f.chars().any(|c| {
            c.is_whitespace()
                || matches!(c, '(' | ')' | '=' | '<' | '>' | '!' | ',' | '[' | ']' | '`')
        });
    if plain {
        // `\`, `"` and `|` are written as escapes (R1.17) rather than by quoting, so
        // the name prints as the user wrote it. A name with a bracket is quoted: a bare
        // bracket cannot be part of a search token (`search_stop`), and a bare backtick
        // would start a macro invocation (parse fuzz finding, issue 7).
        escape_unquoted(f)
    } else {
        quote(f)
    }
}

/// `"` and `|` escaped so an unquoted search token keeps them (R1.17). A backslash is
/// doubled only where the lexer would read it as an escape (before `\`, `"`, `|` or at
/// the end); elsewhere it was an unknown escape kept verbatim and is written as is, so
/// `\]` stays an escaped bracket for the pipeline splitter (found by the `parse` fuzz
/// target, issue 7).
fn escape_unquoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '"' | '|' => out.push('\\'),
            '\\' if matches!(chars.peek(), None | Some('\\' | '"' | '|')) => out.push('\\'),
            _ => {}
        }
        out.push(ch);
    }
    out
}

fn search_value(v: &SearchValue) -> String {
    let text = if v.quoted {
        quote(&v.text)
    } else {
        // An unquoted value can only hold these through escapes (R1.17); write them back
        // the same way so the value stays unquoted.
        escape_unquoted(&v.text)
    };
    match v.modifier {
        TermModifier::None => text,
        TermModifier::Case => format!("CASE({text})"),
        TermModifier::Term => format!("TERM({text})"),
    }
}

// ---------------------------------------------------------------------------------------
// Eval language.
// ---------------------------------------------------------------------------------------

fn prec(e: &Expr) -> u8 {
    match e {
        Expr::Binary { op, .. } => match op {
            BinaryOp::Xor => 1,
            BinaryOp::Or => 2,
            BinaryOp::And => 3,
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::Like => 5,
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Concat => 6,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 7,
        },
        Expr::In { .. } => 5,
        Expr::Unary {
            op: UnaryOp::Not, ..
        } => 4,
        Expr::Unary { .. } => 8,
        _ => 9,
    }
}

/// Canonical text of an eval expression.
pub fn expr(e: &Expr) -> String {
    match e {
        Expr::Num { text, .. } => text.clone(),
        Expr::Str { value, .. } => quote(value),
        Expr::Field { name, .. } => {
            if is_bare_eval_name(name) {
                name.clone()
            } else {
                let mut s = String::from("'");
                for ch in name.chars() {
                    if ch == '\'' || ch == '\\' {
                        s.push('\\');
                    }
                    s.push(ch);
                }
                s.push('\'');
                s
            }
        }
        Expr::Call { name, args, .. } => {
            format!(
                "{name}({})",
                args.iter().map(expr).collect::<Vec<_>>().join(", ")
            )
        }
        Expr::Unary {
            op, expr: inner, ..
        } => {
            let me = prec(e);
            let child = if prec(inner) < me {
                format!("({})", expr(inner))
            } else {
                expr(inner)
            };
            match op {
                UnaryOp::Not => format!("NOT {child}"),
                // A space keeps `- -x` from reading as one token in other printers.
                UnaryOp::Neg => format!("-{child}"),
                UnaryOp::Plus => format!("+{child}"),
            }
        }
        Expr::Binary { op, lhs, rhs, .. } => {
            let me = prec(e);
            let l = if prec(lhs) < me {
                format!("({})", expr(lhs))
            } else {
                expr(lhs)
            };
            let r = if prec(rhs) <= me {
                format!("({})", expr(rhs))
            } else {
                expr(rhs)
            };
            format!("{l} {} {r}", op.as_str())
        }
        Expr::In {
            expr: inner, list, ..
        } => {
            let l = if prec(inner) <= 5 {
                format!("({})", expr(inner))
            } else {
                expr(inner)
            };
            format!(
                "{l} IN ({})",
                list.iter().map(expr).collect::<Vec<_>>().join(", ")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{parse, Macros};

    /// Canonical text of `text`, checking that it re-parses to the same text.
    fn canon(text: &str) -> String {
        let p = parse(text, &Macros::new()).unwrap_or_else(|e| panic!("{}", e.render()));
        let printed = super::pipeline(&p);
        let again =
            parse(&printed, &Macros::new()).unwrap_or_else(|e| panic!("{printed}: {}", e.render()));
        assert_eq!(super::pipeline(&again), printed, "printing is not stable");
        printed
    }

    /// Fuzz findings (issue 7): escapes in unquoted search tokens print back as escapes,
    /// so quoting never hides a bracket and an escaped bracket stays escaped.
    #[test]
    fn search_escapes_and_brackets_keep_their_meaning() {
        assert_eq!(canon(r"a\|b=1"), r"search a\|b=1");
        assert_eq!(canon(r"x=a\]b"), r"search x=a\]b");
        assert_eq!(canon(r"x=a\\\]b"), r"search x=a\\\]b");
        assert_eq!(canon(r"x=a\q"), r"search x=a\q");
        assert_eq!(canon(r"x=a\\"), r"search x=a\\");
        assert_eq!(canon(r#""a[b"=1"#), r#"search "a[b"=1"#);
        assert_eq!(canon(r#""q r" IN (1)"#), r#"search "q r" IN (1)"#);
        assert_eq!(canon(r#""`"=1"#), r#"search "`"=1"#);
        // A bare bracket would be a subsearch: an error, not text.
        for text in ["x=a[1]", "user [|k=v x]", "a ]"] {
            let err = parse(text, &Macros::new()).expect_err(text);
            assert!(
                err.message.contains("subsearch") || err.message.contains("unbalanced"),
                "{text}: {}",
                err.message
            );
        }
    }

    #[test]
    fn search_parentheses_follow_r1_3() {
        assert_eq!(canon("a=1 (b=2 OR c=3)"), "search a=1 b=2 OR c=3");
        assert_eq!(canon("(a b) OR c"), "search (a b) OR c");
        assert_eq!(
            canon("NOT (a OR b) NOT NOT c"),
            "search NOT (a OR b) NOT NOT c"
        );
        assert_eq!(
            canon("x IN(1,\"2 3\") CASE(Ab) TERM(1.2)"),
            "search x IN (1, \"2 3\") CASE(Ab) TERM(1.2)"
        );
    }

    #[test]
    fn search_escapes_survive() {
        assert_eq!(
            canon(r#"a\"b c="x\\y" d=\|"#),
            r#"search a\"b c="x\\y" d=\|"#
        );
        assert_eq!(canon(r#""Compute".* "AND""#), r#"search "Compute.*" "AND""#);
    }

    #[test]
    fn eval_parentheses_follow_r6_14() {
        assert_eq!(canon("| eval x=(a OR b) AND c"), "| eval x=(a OR b) AND c");
        assert_eq!(canon("| eval x=a OR b AND c"), "| eval x=a OR b AND c");
        assert_eq!(
            canon("| eval x=a-(b-c), y=(a-b)-c"),
            "| eval x=a - (b - c), y=a - b - c"
        );
        assert_eq!(
            canon("| eval x=-(a+b)*2, y=- -1"),
            "| eval x=-(a + b) * 2, y=--1"
        );
        assert_eq!(
            canon("| where NOT (a=1) AND 'x.y' IN (\"q\")"),
            "| where NOT a = 1 AND 'x.y' IN (\"q\")"
        );
        assert_eq!(
            canon(r#"| eval s=a." ".b, r=replace(p, "\\", "/")"#),
            r#"| eval s=a . " " . b, r=replace(p, "\\", "/")"#
        );
    }

    #[test]
    fn command_arguments_are_quoted_when_needed() {
        assert_eq!(
            canon(r#"| rename count AS "Count of Events""#),
            r#"| rename count AS "Count of Events""#
        );
        // Only backslashes that would form `\\` or `\"` are doubled.
        assert_eq!(
            canon(r#"| rex field=p mode=sed "s/\\\\/\//g""#),
            r#"| rex field=p max_match=1 mode=sed "s/\\\/\//g""#
        );
        assert_eq!(
            canon("| stats count(eval(x = \"a b\")) by host | sort - n"),
            "| stats count(eval(x=\"a b\")) BY host | sort -n"
        );
        assert_eq!(canon("| table as"), "| table \"as\"");
    }
}
