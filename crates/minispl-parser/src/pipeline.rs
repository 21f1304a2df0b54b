//! Splitting a search into pipeline segments and parsing each one.
//!
//! A `|` separates commands unless it is inside double quotes, inside a `[...]`
//! subsearch, or escaped as `\|` (R1.17). Segments are parsed one after the other in a
//! loop (never one recursion per pipe), so very long pipelines are fine.

use crate::ast::{Command, Pipeline, Search, Span};
use crate::commands;
use crate::cursor::{Cursor, PResult, MAX_NESTING};
use crate::diagnostic::ParseError;

/// How the first segment of a pipeline is read when it does not start with `|`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FirstSegment {
    /// Splunk's rule: the first segment is an (implicit) `search` (SEMANTICS preamble).
    #[default]
    ImplicitSearch,
    /// The CONFORMANCE.md convention, where each case's SPL is applied to the input
    /// events: a first word naming a known command (`rename a AS b`) is that command.
    CommandIfKnown,
}

/// Options for [`crate::parse_with`].
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    pub first_segment: FirstSegment,
}

/// Split `src[start..end]` at top-level pipes. Errors for unbalanced quotes/brackets.
pub(crate) fn split(src: &str, start: usize, end: usize) -> PResult<Vec<Span>> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut seg_start = start;
    let mut brackets: Vec<usize> = Vec::new();
    let mut quote: Option<usize> = None;
    let mut i = start;
    while i < end {
        let b = bytes[i];
        if quote.is_some() {
            match b {
                b'\\' => i += 1,
                b'"' => quote = None,
                _ => {}
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => quote = Some(i),
            b'\\' => i += 1,
            b'[' => {
                if brackets.len() >= MAX_NESTING {
                    return Err(ParseError::new(
                        format!("subsearches nested deeper than {MAX_NESTING} levels"),
                        Span::new(i, i + 1),
                    ));
                }
                brackets.push(i)
            }
            // The guard pops: a matched `]` falls through to the last arm.
            b']' if brackets.pop().is_none() => {
                return Err(ParseError::new(
                    "unbalanced `]`: no matching `[`",
                    Span::new(i, i + 1),
                ));
            }
            b'|' if brackets.is_empty() => {
                out.push(Span::new(seg_start, i));
                seg_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if let Some(q) = quote {
        return Err(ParseError::new(
            "unterminated string: missing closing `\"`",
            Span::new(q, q + 1),
        )
        .expected("`\"`"));
    }
    if let Some(&b) = brackets.last() {
        return Err(
            ParseError::new("unbalanced `[`: missing `]`", Span::new(b, b + 1)).expected("`]`"),
        );
    }
    out.push(Span::new(seg_start, end.max(seg_start)));
    Ok(out)
}

fn trimmed(src: &str, seg: Span) -> Span {
    let text = &src[seg.start..seg.end];
    let lead = text.len() - text.trim_start().len();
    let trail = text.len() - text.trim_end().len();
    if lead == text.len() {
        return Span::new(seg.start + lead, seg.start + lead);
    }
    Span::new(seg.start + lead, seg.end - trail)
}

/// Parse `src[start..end]` as a pipeline. `empty_ok` lists positions where a macro
/// expanded to nothing (R2.11); `depth` counts enclosing subsearches.
pub(crate) fn parse_pipeline(
    src: &str,
    start: usize,
    end: usize,
    empty_ok: &[usize],
    opts: ParseOptions,
    depth: usize,
) -> PResult<Pipeline> {
    if depth > MAX_NESTING {
        return Err(ParseError::new(
            "subsearches nested too deep",
            Span::new(start, end),
        ));
    }
    let segments = split(src, start, end)?;
    let whole = trimmed(src, Span::new(start, end));
    if whole.start == whole.end {
        return Err(ParseError::new("empty search", whole).expected("a search or a command"));
    }
    let leading_pipe =
        segments.len() > 1 && trimmed(src, segments[0]).start == trimmed(src, segments[0]).end;
    let mut commands = Vec::with_capacity(segments.len());
    for (i, &seg) in segments.iter().enumerate() {
        let t = trimmed(src, seg);
        if t.start == t.end {
            if i == 0 && leading_pipe {
                continue;
            }
            // R2.11 (UNCERTAIN): a segment left empty only because a macro expanded to
            // nothing is a no-op; a literally empty segment is an error.
            if empty_ok.iter().any(|&p| p >= seg.start && p <= seg.end) {
                continue;
            }
            let pipe = Span::new(seg.start.saturating_sub(1), seg.start);
            let msg = if i + 1 == segments.len() {
                "trailing `|`: expected a command after it"
            } else {
                "empty pipeline segment: expected a command between `|` and `|`"
            };
            return Err(ParseError::new(msg, pipe).expected("a command"));
        }
        let mut c = Cursor::new(src, t.start, t.end);
        c.depth = depth;
        let first = i == 0 && !leading_pipe;
        let command = if first {
            first_command(&mut c, t, opts)?
        } else {
            commands::parse_command(&mut c, commands.is_empty(), empty_ok, opts)?
        };
        commands.push(command);
    }
    if commands.is_empty() {
        return Err(ParseError::new("empty search", whole).expected("a search or a command"));
    }
    Ok(Pipeline {
        commands,
        span: whole,
    })
}

fn first_command(c: &mut Cursor<'_>, seg: Span, opts: ParseOptions) -> PResult<Command> {
    let save = c.pos;
    if let Some((name, _)) = c.ident() {
        let boundary = c.peek().map_or(true, char::is_whitespace);
        c.pos = save;
        if boundary && name.eq_ignore_ascii_case("search") {
            return commands::parse_command(c, true, &[], opts);
        }
        if boundary
            && opts.first_segment == FirstSegment::CommandIfKnown
            && commands::is_known(&name)
        {
            return commands::parse_command(c, true, &[], opts);
        }
    }
    c.pos = save;
    let expr = crate::search_expr::parse(c, false)?;
    Ok(Command::Search(Search { expr, span: seg }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_in_quotes_brackets_and_escapes_do_not_split() {
        let s = r#"a="x|y" b\|c | join [ search d | head 1 ] | e"#;
        let segs = split(s, 0, s.len()).unwrap();
        let texts: Vec<&str> = segs.iter().map(|x| s[x.start..x.end].trim()).collect();
        assert_eq!(
            texts,
            vec![r#"a="x|y" b\|c"#, "join [ search d | head 1 ]", "e"]
        );
    }

    #[test]
    fn unbalanced_quotes_and_brackets_are_reported_where_they_open() {
        let err = split("a \"b | c", 0, 8).unwrap_err();
        assert_eq!(err.span, Span::new(2, 3));
        let err = split("join [ x", 0, 8).unwrap_err();
        assert_eq!(err.span, Span::new(5, 6));
        let err = split("a ] b", 0, 5).unwrap_err();
        assert_eq!(err.span, Span::new(2, 3));
    }
}
