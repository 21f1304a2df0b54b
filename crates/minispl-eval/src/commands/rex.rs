//! `rex [field=_raw] [max_match=1] [mode=sed] [offset_field=f] "<regex>"`
//! (SEMANTICS §12 rex).
//!
//! Regexes use the `regex` crate, which accepts PCRE's `(?<name>...)` and
//! `(?P<name>...)`; PCRE-only features (look-around, backreferences in the pattern)
//! are compile errors pointing at the pattern.

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::value::Value;
use minispl_parser::ast;
use regex::Regex;
use std::sync::Arc;

enum Mode {
    Extract {
        re: Regex,
        /// The named groups, in pattern order.
        names: Vec<String>,
        /// 0 = unlimited.
        max_match: usize,
        offset_field: Option<String>,
    },
    /// `s/re/repl/flags`.
    Substitute {
        re: Regex,
        replacement: String,
        /// `None` = every match (`g`); `Some(n)` = only the n-th (1-based).
        only: Option<usize>,
    },
    /// `y/abc/xyz/`.
    Transliterate { from: Vec<char>, to: Vec<char> },
}

struct RexOp {
    field: String,
    mode: Mode,
}

fn compile_regex(pattern: &str, span: ast::Span) -> Result<Regex, EvalError> {
    // Through the shared builder so the size limits apply (issue 7, docs/LIMITS.md).
    crate::functions::pcre::build(pattern)
        .map_err(|e| EvalError::at(format!("invalid regex: {e}"), span))
}

/// Split `s/a/b/g` into its parts on unescaped delimiters. `\<delim>` becomes the
/// delimiter itself; every other escape is kept for the regex engine.
fn sed_parts(expr: &str) -> Option<(char, Vec<String>)> {
    let mut chars = expr.chars();
    let command = chars.next()?;
    let delim = chars.next()?;
    if delim.is_alphanumeric() || delim == '\\' {
        return None;
    }
    let mut parts = vec![String::new()];
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(d) if d == delim => parts.last_mut()?.push(d),
                Some(d) => {
                    let part = parts.last_mut()?;
                    part.push('\\');
                    part.push(d);
                }
                None => parts.last_mut()?.push('\\'),
            }
        } else if c == delim {
            parts.push(String::new());
        } else {
            parts.last_mut()?.push(c);
        }
    }
    Some((command, parts))
}

/// A sed replacement (`\1` backreferences, `\\` a backslash) in the `regex` crate's
/// syntax (`${1}`, `$$` for a literal dollar).
fn sed_replacement(repl: &str) -> String {
    let mut out = String::with_capacity(repl.len() + 8);
    let mut chars = repl.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(d) if d.is_ascii_digit() => {
                    out.push_str("${");
                    out.push(d);
                    out.push('}');
                }
                Some('$') => out.push_str("$$"),
                Some(d) => out.push(d),
                None => out.push('\\'),
            },
            '$' => out.push_str("$$"),
            other => out.push(other),
        }
    }
    out
}

fn compile_sed(cmd: &ast::Rex) -> Result<Mode, EvalError> {
    let bad =
        |what: &str| EvalError::at(format!("invalid sed expression: {what}"), cmd.pattern_span);
    let (command, parts) = sed_parts(&cmd.pattern)
        .ok_or_else(|| bad("expected s/regex/replacement/flags or y/from/to/"))?;
    match command {
        's' => {
            if parts.len() != 3 {
                return Err(bad("expected s/regex/replacement/flags"));
            }
            let re = compile_regex(&parts[0], cmd.pattern_span)?;
            let flags = parts[2].as_str();
            let only = if flags.contains('g') {
                None
            } else {
                let digits: String = flags.chars().filter(char::is_ascii_digit).collect();
                Some(if digits.is_empty() {
                    1
                } else {
                    digits
                        .parse::<usize>()
                        .map_err(|_| bad("bad occurrence number"))?
                        .max(1)
                })
            };
            if flags.chars().any(|c| !(c == 'g' || c.is_ascii_digit())) {
                return Err(bad("unknown flag (only `g` or an occurrence number)"));
            }
            Ok(Mode::Substitute {
                re,
                replacement: sed_replacement(&parts[1]),
                only,
            })
        }
        'y' => {
            if parts.len() != 3 || !parts[2].is_empty() {
                return Err(bad("expected y/from/to/"));
            }
            let from: Vec<char> = parts[0].chars().collect();
            let to: Vec<char> = parts[1].chars().collect();
            if from.len() != to.len() {
                return Err(bad("y/// needs two lists of the same length"));
            }
            Ok(Mode::Transliterate { from, to })
        }
        _ => Err(bad("expected s/regex/replacement/flags or y/from/to/")),
    }
}

/// Compile `rex` into an operator.
pub fn compile(cmd: &ast::Rex, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    let mode = if cmd.sed {
        compile_sed(cmd)?
    } else {
        let re = compile_regex(&cmd.pattern, cmd.pattern_span)?;
        let names: Vec<String> = re.capture_names().flatten().map(str::to_string).collect();
        Mode::Extract {
            re,
            names,
            max_match: usize::try_from(cmd.max_match).unwrap_or(usize::MAX),
            offset_field: cmd.offset_field.clone(),
        }
    };
    Ok(Box::new(RexOp {
        field: cmd.field.clone(),
        mode,
    }))
}

fn substitute(re: &Regex, replacement: &str, only: Option<usize>, text: &str) -> String {
    match only {
        None => re.replace_all(text, replacement).into_owned(),
        Some(n) => {
            let Some(caps) = re.captures_iter(text).nth(n - 1) else {
                return text.to_string();
            };
            let Some(m) = caps.get(0) else {
                return text.to_string();
            };
            let mut out = String::with_capacity(text.len());
            out.push_str(&text[..m.start()]);
            caps.expand(replacement, &mut out);
            out.push_str(&text[m.end()..]);
            out
        }
    }
}

impl Operator for RexOp {
    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let input = row.get(&self.field);
        // A missing input field is a no-op.
        if input.is_null() {
            out.push(row);
            return Ok(());
        }
        match &self.mode {
            Mode::Extract {
                re,
                names,
                max_match,
                offset_field,
            } => {
                let mut found: Vec<Vec<String>> = vec![Vec::new(); names.len()];
                let mut offsets: Vec<String> = Vec::new();
                let mut matches = 0usize;
                // A multivalue input is matched value by value.
                'values: for text in input.values() {
                    for caps in re.captures_iter(&text) {
                        if *max_match != 0 && matches >= *max_match {
                            break 'values;
                        }
                        matches += 1;
                        for (i, name) in names.iter().enumerate() {
                            if let Some(m) = caps.name(name) {
                                found[i].push(m.as_str().to_string());
                                if offset_field.is_some() && matches == 1 {
                                    // Character offsets, end inclusive (`name=0-9`).
                                    let start = text[..m.start()].chars().count();
                                    let len = m.as_str().chars().count();
                                    offsets.push(format!(
                                        "{name}={start}-{}",
                                        (start + len).saturating_sub(1)
                                    ));
                                }
                            }
                        }
                    }
                }
                // No match leaves the named fields unchanged (an existing value stays).
                for (name, values) in names.iter().zip(found) {
                    if !values.is_empty() {
                        row.set(name.as_str(), Value::multi(values));
                    }
                }
                if let (Some(field), false) = (offset_field, offsets.is_empty()) {
                    row.set(field.as_str(), Value::from(offsets.join("&")));
                }
            }
            Mode::Substitute {
                re,
                replacement,
                only,
            } => {
                let values: Vec<String> = input
                    .values()
                    .map(|t| substitute(re, replacement, *only, &t))
                    .collect();
                row.set(self.field.as_str(), Value::multi(values));
            }
            Mode::Transliterate { from, to } => {
                let values: Vec<String> = input
                    .values()
                    .map(|t| {
                        t.chars()
                            .map(|c| from.iter().position(|f| *f == c).map_or(c, |i| to[i]))
                            .collect()
                    })
                    .collect();
                row.set(self.field.as_str(), Value::multi(values));
            }
        }
        out.push(row);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    fn rex_cmd(field: &str, max_match: u64, sed: bool, pattern: &str) -> ast::Rex {
        ast::Rex {
            field: field.into(),
            max_match,
            sed,
            offset_field: None,
            pattern: pattern.into(),
            pattern_span: ast::Span::new(20, 30),
            span: sp(),
        }
    }

    fn rex(cmd: ast::Rex, input: &str) -> String {
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows(input)))
    }

    #[test]
    fn ec124_max_match_zero_is_multivalue() {
        let cmd = rex_cmd("_raw", 0, false, r"ip=(?<ip>\d+\.\d+\.\d+\.\d+)");
        assert_eq!(
            rex(cmd, r#"[{"_raw":"ip=1.1.1.1 ip=2.2.2.2"}]"#),
            r#"[{"_raw":"ip=1.1.1.1 ip=2.2.2.2","ip":["1.1.1.1","2.2.2.2"]}]"#
        );
    }

    #[test]
    fn first_match_by_default_and_limits() {
        let input = r#"[{"_raw":"ip=1 ip=2 ip=3"}]"#;
        assert_eq!(
            rex(rex_cmd("_raw", 1, false, r"ip=(?<ip>\d)"), input),
            r#"[{"_raw":"ip=1 ip=2 ip=3","ip":"1"}]"#
        );
        assert_eq!(
            rex(rex_cmd("_raw", 2, false, r"ip=(?P<ip>\d)"), input),
            r#"[{"_raw":"ip=1 ip=2 ip=3","ip":["1","2"]}]"#
        );
    }

    #[test]
    fn no_match_leaves_fields_and_missing_input_is_a_noop() {
        let cmd = rex_cmd("msg", 1, false, r"user=(?<user>\w+)(?: id=(?<id>\d+))?");
        assert_eq!(
            rex(
                cmd,
                r#"[{"msg":"nothing","user":"old"},{"user":"old"},{"msg":"user=bob"}]"#
            ),
            r#"[{"msg":"nothing","user":"old"},{"user":"old"},{"msg":"user=bob","user":"bob"}]"#
        );
    }

    #[test]
    fn offset_field_records_character_offsets() {
        let mut cmd = rex_cmd("m", 1, false, r"(?<w>b+)");
        cmd.offset_field = Some("off".into());
        assert_eq!(
            rex(cmd, r#"[{"m":"éabbc"}]"#),
            r#"[{"m":"éabbc","w":"bb","off":"w=2-3"}]"#
        );
    }

    #[test]
    fn pcre_style_escapes_are_accepted() {
        // `\/` and `\-` are common in Splunk regexes; the regex crate accepts escaped
        // punctuation.
        let cmd = rex_cmd("u", 1, false, r"^(?<dom>[^\/]+)\/(?<rest>[\w\-\/]*)");
        assert_eq!(
            rex(cmd, r#"[{"u":"a.com/x-1/y"}]"#),
            r#"[{"u":"a.com/x-1/y","dom":"a.com","rest":"x-1/y"}]"#
        );
    }

    #[test]
    fn ec125_sed_substitution() {
        // SPL `"s/\\\\/\//g"` after SPL unquoting is `s/\\/\//g`.
        let cmd = rex_cmd("p", 1, true, r"s/\\/\//g");
        assert_eq!(rex(cmd, r#"[{"p":"C:\\a\\b"}]"#), r#"[{"p":"C:/a/b"}]"#);
    }

    #[test]
    fn sed_backreferences_occurrence_and_transliteration() {
        let cmd = rex_cmd("p", 1, true, r"s/(\d+)-(\d+)/\2-\1 $/");
        assert_eq!(rex(cmd, r#"[{"p":"1-2 3-4"}]"#), r#"[{"p":"2-1 $ 3-4"}]"#);
        let cmd = rex_cmd("p", 1, true, "s/a/X/2");
        assert_eq!(rex(cmd, r#"[{"p":"aaa"}]"#), r#"[{"p":"aXa"}]"#);
        let cmd = rex_cmd("p", 1, true, "y/abc/xyz/");
        assert_eq!(
            rex(cmd, r#"[{"p":["aabbcc","d"]}]"#),
            r#"[{"p":["xxyyzz","d"]}]"#
        );
    }

    #[test]
    fn compile_errors_point_at_the_pattern() {
        for (sed, pattern) in [
            (false, "(?<x>a"),
            (false, r"(?<=a)b"),
            (true, "s/a/b"),
            (true, "y/ab/c/"),
            (true, "q/a/b/"),
        ] {
            let err = compile(&rex_cmd("_raw", 1, sed, pattern), &ctx())
                .err()
                .expect("error");
            assert_eq!(err.span, Some(ast::Span::new(20, 30)), "{pattern}");
        }
    }
}
