//! Macro expansion (SEMANTICS.md §2): textual, before parsing, recursive, with a source
//! map from the expanded text back to the original.
//!
//! The source map is a list of [`MapSegment`]s: each run of expanded text records the
//! *frame* it was copied from and where in that frame's text. Frame 0 is the original
//! search; every macro invocation opens a frame holding the macro body after `$arg$`
//! substitution, its stanza name, and the span of the invocation in its parent frame.
//! Following the parents gives the invocation chain, so an error inside a macro body can
//! say both where in the body it is and which invocations led there.

use crate::ast::Span;
use crate::diagnostic::{line_col, ParseError};
use std::collections::HashMap;

/// Nested invocations deeper than this are a runaway expansion.
pub const MAX_MACRO_DEPTH: usize = 50;
/// Expanded text may grow by at most this many bytes beyond the original's length.
pub const MAX_EXPANSION_GROWTH: usize = 4 << 20;

/// A macro definition: stanza `name` (no arguments) or `name(N)` with `args.len() == N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroDef {
    pub name: String,
    pub args: Vec<String>,
    pub definition: String,
}

impl MacroDef {
    /// The `macros.conf` stanza name: `name` or `name(N)` (R2.4).
    pub fn stanza(&self) -> String {
        stanza(&self.name, self.args.len())
    }
}

fn stanza(name: &str, arity: usize) -> String {
    if arity == 0 {
        name.to_string()
    } else {
        format!("{name}({arity})")
    }
}

/// Where macro definitions come from. Looked up by name *and* arity (R2.4).
pub trait MacroTable {
    fn lookup(&self, name: &str, arity: usize) -> Option<&MacroDef>;
}

/// A plain map of macros keyed by `(name, arity)`.
#[derive(Debug, Clone, Default)]
pub struct Macros {
    defs: HashMap<(String, usize), MacroDef>,
}

impl Macros {
    pub fn new() -> Self {
        Self::default()
    }
    /// Add or replace a definition.
    pub fn insert(&mut self, def: MacroDef) {
        self.defs.insert((def.name.clone(), def.args.len()), def);
    }
    pub fn iter(&self) -> impl Iterator<Item = &MacroDef> {
        self.defs.values()
    }
}

impl MacroTable for Macros {
    fn lookup(&self, name: &str, arity: usize) -> Option<&MacroDef> {
        self.defs.get(&(name.to_string(), arity))
    }
}

/// One run of expanded text and where it was copied from.
#[derive(Debug, Clone, PartialEq)]
pub struct MapSegment {
    /// Range in [`Expanded::text`].
    pub expanded: Span,
    /// Index into [`Expanded::frames`].
    pub frame: usize,
    /// Range in that frame's text.
    pub source: Span,
}

/// The text one expansion step read from: frame 0 is the original search, every other
/// frame one macro invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Stanza name (`security_content_ctime(1)`); empty for frame 0.
    pub stanza: String,
    /// The invocation as written, with backticks.
    pub invocation_text: String,
    /// The frame's text: the original search, or the macro body after substitution.
    pub text: String,
    /// The frame the invocation appeared in (`None` for frame 0).
    pub parent: Option<usize>,
    /// Span of the invocation (backticks included) in the parent's text.
    pub invocation: Span,
}

/// Where an expanded span came from: a frame and a span in that frame's text.
#[derive(Debug, Clone, PartialEq)]
pub struct Location<'a> {
    pub frame: usize,
    pub text: &'a str,
    pub span: Span,
}

/// The expanded search text with a map back to the original text.
#[derive(Debug, Clone, PartialEq)]
pub struct Expanded {
    pub original: String,
    pub text: String,
    pub segments: Vec<MapSegment>,
    pub frames: Vec<Frame>,
    /// Positions in `text` where a macro expanded to nothing (R2.11): an empty pipeline
    /// segment there is a no-op rather than an error.
    pub empty_expansions: Vec<usize>,
}

impl Expanded {
    /// Text without macros: expanded text == original text, one identity segment.
    pub fn identity(text: &str) -> Expanded {
        Expanded {
            original: text.to_string(),
            text: text.to_string(),
            segments: vec![MapSegment {
                expanded: Span::new(0, text.len()),
                frame: 0,
                source: Span::new(0, text.len()),
            }],
            frames: vec![root_frame(text)],
            empty_expansions: Vec::new(),
        }
    }

    /// The segment holding expanded position `pos` (for `pos == text.len()`, the last).
    fn segment_at(&self, pos: usize) -> Option<&MapSegment> {
        let i = self.segments.partition_point(|s| s.expanded.end <= pos);
        self.segments
            .get(i)
            .filter(|s| s.expanded.start <= pos)
            .or_else(|| {
                self.segments
                    .get(i.wrapping_sub(1))
                    .filter(|s| s.expanded.end == pos)
            })
            .or_else(|| self.segments.last())
    }

    /// The span in the original text of the invocation (chain root) of `frame`.
    fn root_invocation(&self, mut frame: usize) -> Span {
        let mut span = Span::new(0, 0);
        while let Some(f) = self.frames.get(frame) {
            match f.parent {
                Some(p) => {
                    span = f.invocation;
                    frame = p;
                }
                None => break,
            }
        }
        span
    }

    fn origin_start(&self, pos: usize) -> usize {
        match self.segment_at(pos) {
            Some(seg) if seg.frame == 0 => {
                (seg.source.start + pos.saturating_sub(seg.expanded.start)).min(seg.source.end)
            }
            Some(seg) => self.root_invocation(seg.frame).start,
            None => pos.min(self.original.len()),
        }
    }

    fn origin_end(&self, end: usize) -> usize {
        match self.segment_at(end.saturating_sub(1)) {
            Some(seg) if seg.frame == 0 => {
                (seg.source.start + end.saturating_sub(seg.expanded.start)).min(seg.source.end)
            }
            Some(seg) => self.root_invocation(seg.frame).end,
            None => end.min(self.original.len()),
        }
    }

    /// The span in the original text that `span` (in the expanded text) came from. Text
    /// produced by a macro maps to the whole invocation it came from.
    pub fn origin(&self, span: Span) -> Span {
        let start = self.origin_start(span.start);
        if span.end <= span.start {
            return Span::new(start, start);
        }
        let end = self.origin_end(span.end).max(start);
        Span::new(start, end)
    }

    /// The frame and frame-local span `span` lies in, when it lies within one run; else
    /// the original text and [`Expanded::origin`].
    pub fn locate(&self, span: Span) -> Location<'_> {
        if let Some(seg) = self.segment_at(span.start) {
            if span.end <= seg.expanded.end && span.start >= seg.expanded.start {
                let start = seg.source.start + (span.start - seg.expanded.start);
                let end = seg.source.start + (span.end - seg.expanded.start);
                if let Some(f) = self.frames.get(seg.frame) {
                    return Location {
                        frame: seg.frame,
                        text: &f.text,
                        span: Span::new(start, end),
                    };
                }
            }
        }
        Location {
            frame: 0,
            text: &self.original,
            span: self.origin(span),
        }
    }

    /// The invocation chain of `frame`, innermost first, as notes.
    pub fn chain_notes(&self, frame: usize) -> Vec<String> {
        chain_notes(&self.frames, frame)
    }

    /// Attach the text and invocation chain to an error whose span is in `self.text`.
    pub fn attach(&self, err: ParseError) -> ParseError {
        if err.source.is_some() {
            return err;
        }
        let loc = self.locate(err.span);
        let label = frame_label(&self.frames, loc.frame);
        let notes = self.chain_notes(loc.frame);
        let mut err = err.with_source(&label, loc.text, loc.span);
        err.notes.extend(notes);
        err
    }
}

fn root_frame(text: &str) -> Frame {
    Frame {
        stanza: String::new(),
        invocation_text: String::new(),
        text: text.to_string(),
        parent: None,
        invocation: Span::new(0, 0),
    }
}

fn frame_label(frames: &[Frame], frame: usize) -> String {
    match frames.get(frame) {
        Some(f) if f.parent.is_some() => format!("macro `{}`", f.stanza),
        _ => "search".to_string(),
    }
}

fn chain_notes(frames: &[Frame], mut frame: usize) -> Vec<String> {
    let mut notes = Vec::new();
    while let Some(f) = frames.get(frame) {
        let Some(parent) = f.parent else { break };
        let parent_text = frames.get(parent).map_or("", |p| p.text.as_str());
        let (line, col) = line_col(parent_text, f.invocation.start);
        notes.push(format!(
            "in macro `{}`, expanded from {} at {}:{line}:{col}",
            f.stanza,
            f.invocation_text,
            frame_label(frames, parent)
        ));
        frame = parent;
    }
    // A runaway chain would bury the message: keep the innermost and outermost steps.
    if notes.len() > 6 {
        let hidden = notes.len() - 5;
        let tail = notes.split_off(notes.len() - 2);
        notes.truncate(3);
        notes.push(format!("... {hidden} more invocations ..."));
        notes.extend(tail);
    }
    notes
}

/// Expand every macro invocation in `text`.
pub fn expand_macros(text: &str, macros: &dyn MacroTable) -> Result<Expanded, ParseError> {
    let mut ex = Expander {
        macros,
        out: String::with_capacity(text.len()),
        segments: Vec::new(),
        frames: vec![root_frame(text)],
        empty: Vec::new(),
        stack: Vec::new(),
        limit: text.len().saturating_add(MAX_EXPANSION_GROWTH),
    };
    ex.expand_frame(0)?;
    Ok(Expanded {
        original: text.to_string(),
        text: ex.out,
        segments: ex.segments,
        frames: ex.frames,
        empty_expansions: ex.empty,
    })
}

struct Expander<'a> {
    macros: &'a dyn MacroTable,
    out: String,
    segments: Vec<MapSegment>,
    frames: Vec<Frame>,
    empty: Vec<usize>,
    /// `(name, arity)` of the invocations being expanded, outermost first.
    stack: Vec<(String, usize)>,
    limit: usize,
}

impl Expander<'_> {
    fn error(&self, frame: usize, span: Span, message: String) -> ParseError {
        let root = {
            let mut f = frame;
            let mut s = span;
            while let Some(fr) = self.frames.get(f) {
                match fr.parent {
                    Some(p) => {
                        s = fr.invocation;
                        f = p;
                    }
                    None => break,
                }
            }
            s
        };
        let text = self.frames.get(frame).map_or("", |f| f.text.as_str());
        let mut err = ParseError::new(message, root).with_source(
            &frame_label(&self.frames, frame),
            text,
            span,
        );
        err.notes.extend(chain_notes(&self.frames, frame));
        err
    }

    fn emit(&mut self, frame: usize, text: &str, from: usize, to: usize) -> Result<(), ParseError> {
        if from >= to {
            return Ok(());
        }
        if self.out.len() + (to - from) > self.limit {
            return Err(self.error(
                frame,
                Span::new(from, to),
                format!(
                    "macro expansion grows the search beyond {} bytes (runaway expansion)",
                    self.limit
                ),
            ));
        }
        let start = self.out.len();
        self.out.push_str(&text[from..to]);
        let end = self.out.len();
        // Merge with the previous run when both are contiguous in the same frame.
        if let Some(last) = self.segments.last_mut() {
            if last.frame == frame && last.expanded.end == start && last.source.end == from {
                last.expanded.end = end;
                last.source.end = to;
                return Ok(());
            }
        }
        self.segments.push(MapSegment {
            expanded: Span::new(start, end),
            frame,
            source: Span::new(from, to),
        });
        Ok(())
    }

    fn expand_frame(&mut self, frame: usize) -> Result<(), ParseError> {
        let text = match self.frames.get(frame) {
            Some(f) => f.text.clone(),
            None => return Ok(()),
        };
        let bytes = text.as_bytes();
        let mut run = 0;
        let mut i = 0;
        let mut in_quote: Option<usize> = None;
        while i < bytes.len() {
            let b = bytes[i];
            if in_quote.is_some() {
                match b {
                    b'\\' => i += 2,
                    b'"' => {
                        in_quote = None;
                        i += 1
                    }
                    _ => i += 1,
                }
                continue;
            }
            match b {
                // R2.3: backticks inside a double-quoted string are literal text.
                b'"' => {
                    in_quote = Some(i);
                    i += 1;
                }
                b'\\' if matches!(bytes.get(i + 1), Some(b'"') | Some(b'\\')) => i += 2,
                b'`' if text[i..].starts_with("```") => {
                    // Comments (SEMANTICS preamble): removed wherever they appear.
                    self.emit(frame, &text, run, i)?;
                    let Some(close) = text[i + 3..].find("```") else {
                        return Err(self.error(
                            frame,
                            Span::new(i, i + 3),
                            "unterminated comment: no closing ```".to_string(),
                        ));
                    };
                    i = i + 3 + close + 3;
                    run = i;
                }
                b'`' => {
                    self.emit(frame, &text, run, i)?;
                    let Some(close) = text[i + 1..].find('`') else {
                        return Err(self.error(
                            frame,
                            Span::new(i, i + 1),
                            "unterminated macro invocation: no closing backtick".to_string(),
                        ));
                    };
                    let end = i + 1 + close + 1;
                    self.invoke(frame, &text, Span::new(i, end))?;
                    i = end;
                    run = i;
                }
                _ => i += 1,
            }
        }
        let i = i.min(bytes.len());
        if let Some(q) = in_quote {
            // Unbalanced quotes are reported by the parser with a better message when the
            // quote is in the search itself; inside a macro body report it here.
            if frame != 0 {
                return Err(self.error(
                    frame,
                    Span::new(q, q + 1),
                    "unterminated string".to_string(),
                ));
            }
        }
        self.emit(frame, &text, run, i)
    }

    fn invoke(&mut self, frame: usize, text: &str, span: Span) -> Result<(), ParseError> {
        let inner = &text[span.start + 1..span.end - 1];
        let (name, args) = match split_invocation(inner) {
            Ok(x) => x,
            Err((msg, local)) => {
                let s = Span::new(span.start + 1 + local.start, span.start + 1 + local.end);
                return Err(self.error(frame, s, msg));
            }
        };
        let arity = args.len();
        let def = match self.macros.lookup(&name, arity) {
            Some(d) => d.clone(),
            None => {
                let arities: Vec<String> = (0..=16)
                    .filter(|&n| self.macros.lookup(&name, n).is_some())
                    .map(|n| format!("`{}`", stanza(&name, n)))
                    .collect();
                let msg = if arities.is_empty() {
                    format!(
                        "the search specifies a macro `{}` that cannot be found",
                        stanza(&name, arity)
                    )
                } else {
                    format!(
                        "macro `{name}` called with {arity} argument{}, but only {} {} defined",
                        if arity == 1 { "" } else { "s" },
                        arities.join(", "),
                        if arities.len() == 1 { "is" } else { "are" }
                    )
                };
                return Err(self.error(frame, span, msg));
            }
        };
        let key = (name.clone(), arity);
        if let Some(pos) = self.stack.iter().position(|k| *k == key) {
            let mut cycle: Vec<String> = self.stack[pos..]
                .iter()
                .map(|(n, a)| stanza(n, *a))
                .collect();
            cycle.push(stanza(&name, arity));
            return Err(self.error(frame, span, format!("macro cycle: {}", cycle.join(" -> "))));
        }
        if self.stack.len() >= MAX_MACRO_DEPTH {
            return Err(self.error(
                frame,
                span,
                format!("macros nested more than {MAX_MACRO_DEPTH} deep (runaway expansion)"),
            ));
        }
        let body = substitute(&def, &args);
        let before = self.out.len();
        self.frames.push(Frame {
            stanza: def.stanza(),
            invocation_text: text[span.start..span.end].to_string(),
            text: body,
            parent: Some(frame),
            invocation: span,
        });
        let child = self.frames.len() - 1;
        self.stack.push(key);
        let res = self.expand_frame(child);
        self.stack.pop();
        res?;
        if self.out.len() == before || self.out[before..].trim().is_empty() {
            self.empty.push(before);
        }
        Ok(())
    }
}

/// A call argument: its whole text (quotes kept, R2.7b) and, when it looks like
/// `name=value`, the name (the value is re-split when binding by name).
#[derive(Debug, Clone, PartialEq)]
struct Arg {
    name: Option<String>,
    value: String,
}

/// `name` or `name(a, "b, c", f(x))` → name and arguments. Errors carry a span local to
/// `inner`.
fn split_invocation(inner: &str) -> Result<(String, Vec<Arg>), (String, Span)> {
    let Some(open) = inner.find('(') else {
        let name = inner.trim();
        if name.is_empty() {
            return Err(("empty macro name".to_string(), Span::new(0, inner.len())));
        }
        if name.contains(char::is_whitespace) {
            return Err((
                format!("invalid macro name `{name}`"),
                Span::new(0, inner.len()),
            ));
        }
        return Ok((name.to_string(), Vec::new()));
    };
    let name = inner[..open].trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(("invalid macro name".to_string(), Span::new(0, open.max(1))));
    }
    let trimmed_end = inner.trim_end().len();
    if !inner[..trimmed_end].ends_with(')') {
        return Err((
            "expected `)` to close the macro arguments".to_string(),
            Span::new(open, open + 1),
        ));
    }
    let args_text = &inner[open + 1..trimmed_end - 1];
    // R2.7: split on top-level commas; commas inside quotes or parentheses do not split.
    let mut pieces = Vec::new();
    let mut depth = 0usize;
    let mut in_quote = false;
    let mut start = 0;
    let bytes = args_text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_quote => i += 1,
            b'"' => in_quote = !in_quote,
            b'(' if !in_quote => depth += 1,
            b')' if !in_quote => {
                if depth == 0 {
                    let at = open + 1 + i;
                    return Err((
                        "unbalanced `)` in macro arguments".to_string(),
                        Span::new(at, at + 1),
                    ));
                }
                depth -= 1
            }
            b',' if !in_quote && depth == 0 => {
                pieces.push(&args_text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if in_quote {
        return Err((
            "unterminated string in macro arguments".to_string(),
            Span::new(open, inner.len()),
        ));
    }
    if depth != 0 {
        return Err((
            "unbalanced `(` in macro arguments".to_string(),
            Span::new(open, inner.len()),
        ));
    }
    pieces.push(&args_text[start..]);
    if pieces.len() == 1 && pieces[0].trim().is_empty() {
        // `name()` has no arguments.
        return Ok((name.to_string(), Vec::new()));
    }
    let args = pieces
        .into_iter()
        .map(|p| {
            let p = p.trim();
            match named_arg(p) {
                Some((n, _)) => Arg {
                    name: Some(n.to_string()),
                    value: p.to_string(),
                },
                None => Arg {
                    name: None,
                    value: p.to_string(),
                },
            }
        })
        .collect();
    Ok((name.to_string(), args))
}

/// `name=value` with an argument-name-like `name` (R2.5: alphanumerics, `_`, `-`).
fn named_arg(p: &str) -> Option<(&str, &str)> {
    let eq = p.find('=')?;
    let name = p[..eq].trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        || p[eq + 1..].starts_with('=')
    {
        return None;
    }
    Some((name, p[eq + 1..].trim()))
}

/// Bind arguments to the definition's names and replace every `$name$` in the body by
/// plain text search (never a regex, so `$` or `\` in a value are just characters).
fn substitute(def: &MacroDef, args: &[Arg]) -> String {
    let all_named = !args.is_empty()
        && args
            .iter()
            .all(|a| a.name.as_ref().is_some_and(|n| def.args.contains(n)))
        && {
            let mut names: Vec<&String> = args.iter().filter_map(|a| a.name.as_ref()).collect();
            names.sort();
            names.dedup();
            names.len() == args.len()
        };
    let values: HashMap<&str, &str> = if all_named {
        // R2.5: named call syntax `m(x=1)`.
        args.iter()
            .filter_map(|a| {
                let n = a.name.as_deref()?;
                let (_, v) = named_arg(&a.value)?;
                Some((n, v))
            })
            .collect()
    } else {
        def.args
            .iter()
            .map(String::as_str)
            .zip(args.iter().map(|a| a.value.as_str()))
            .collect()
    };
    let body = &def.definition;
    let mut out = String::with_capacity(body.len());
    let mut rest = body.as_str();
    while let Some(d) = rest.find('$') {
        out.push_str(&rest[..d]);
        let after = &rest[d + 1..];
        match after.find('$') {
            Some(e) if values.contains_key(&after[..e]) => {
                out.push_str(values[&after[..e]]);
                rest = &after[e + 1..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str, args: &[&str], definition: &str) -> MacroDef {
        MacroDef {
            name: name.into(),
            args: args.iter().map(|s| s.to_string()).collect(),
            definition: definition.into(),
        }
    }

    fn table() -> Macros {
        let mut m = Macros::new();
        m.insert(def("m_a1", &[], "search a=1"));
        m.insert(def("f", &["x"], "search a=$x$"));
        m.insert(def("f", &["x", "y"], "search a=$x$ b=$y$"));
        m.insert(def("inner", &[], "search a=1"));
        m.insert(def("outer", &[], "`inner` | stats count"));
        m.insert(def(
            "drop_dm_object_name",
            &["object"],
            "rename $object$.* AS *",
        ));
        m.insert(def("cyc_a", &[], "x `cyc_b`"));
        m.insert(def("cyc_b", &[], "y `cyc_a`"));
        m.insert(def("empty", &[], ""));
        m.insert(def("dollar", &["v"], "x=$v$ y=$w$ $$"));
        m
    }

    fn expand(text: &str) -> Result<Expanded, ParseError> {
        expand_macros(text, &table())
    }

    #[test]
    fn argumentless_and_positional_macros_expand() {
        assert_eq!(
            expand("`m_a1` | stats count").unwrap().text,
            "search a=1 | stats count"
        );
        assert_eq!(expand("* | `f(2)`").unwrap().text, "* | search a=2");
        assert_eq!(expand("`f(1, 2)`").unwrap().text, "search a=1 b=2");
    }

    #[test]
    fn lookup_is_by_name_and_arity() {
        let err = expand("`f(1,2,3)`").unwrap_err();
        assert!(err.message.contains("`f(1)`"), "{}", err.message);
        assert!(err.message.contains("`f(2)`"), "{}", err.message);
        assert!(err.message.contains("3 arguments"), "{}", err.message);
    }

    #[test]
    fn quoted_arguments_are_kept_verbatim_and_commas_inside_do_not_split() {
        assert_eq!(
            expand("`drop_dm_object_name(\"Compute\")`").unwrap().text,
            "rename \"Compute\".* AS *"
        );
        assert_eq!(expand("`f(\"a, b\")`").unwrap().text, "search a=\"a, b\"");
        assert_eq!(expand("`f(g(1, 2))`").unwrap().text, "search a=g(1, 2)");
    }

    #[test]
    fn named_arguments_bind_by_name() {
        assert_eq!(expand("`f(y=2, x=1)`").unwrap().text, "search a=1 b=2");
        // `a` is not an argument name: positional, whole text substituted.
        assert_eq!(expand("`f(a=1)`").unwrap().text, "search a=a=1");
    }

    #[test]
    fn substitution_is_literal_text() {
        assert_eq!(expand("`dollar(\\1$&)`").unwrap().text, "x=\\1$& y=$w$ $$");
    }

    #[test]
    fn nested_macros_expand_recursively() {
        assert_eq!(expand("`outer`").unwrap().text, "search a=1 | stats count");
    }

    #[test]
    fn backticks_in_quotes_are_not_macros_and_comments_are_removed() {
        assert_eq!(
            expand("search msg=\"x`m_a1`y\"").unwrap().text,
            "search msg=\"x`m_a1`y\""
        );
        assert_eq!(expand("a ```note `no_such` ```b").unwrap().text, "a b");
        assert_eq!(
            expand(r#"a="q\"`m_a1`" b"#).unwrap().text,
            r#"a="q\"`m_a1`" b"#
        );
    }

    #[test]
    fn undefined_macro_names_the_stanza() {
        let err = expand("* | `no_such_macro(1)`").unwrap_err();
        assert_eq!(
            err.message,
            "the search specifies a macro `no_such_macro(1)` that cannot be found"
        );
        assert_eq!(err.span, Span::new(4, 22));
    }

    #[test]
    fn cycles_are_named() {
        let err = expand("`cyc_a`").unwrap_err();
        assert_eq!(err.message, "macro cycle: cyc_a -> cyc_b -> cyc_a");
        assert_eq!(err.span, Span::new(0, 7));
        assert_eq!(err.notes.len(), 2, "{:?}", err.notes);
    }

    #[test]
    fn runaway_expansion_hits_the_size_limit() {
        let mut m = Macros::new();
        for i in 0..40 {
            m.insert(def(
                &format!("d{i}"),
                &[],
                &format!("`d{}` `d{}`", i + 1, i + 1),
            ));
        }
        m.insert(def(
            "d40",
            &[],
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ));
        let err = expand_macros("`d0`", &m).unwrap_err();
        assert!(err.message.contains("runaway"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_hits_the_depth_limit() {
        let mut m = Macros::new();
        for i in 0..100 {
            m.insert(def(&format!("n{i}"), &[], &format!("`n{}`", i + 1)));
        }
        let err = expand_macros("`n0`", &m).unwrap_err();
        assert!(err.message.contains("nested more than"), "{}", err.message);
    }

    #[test]
    fn origin_maps_expanded_spans_back() {
        let e = expand("a `m_a1` b").unwrap();
        assert_eq!(e.text, "a search a=1 b");
        // `b` at expanded 13 is original 9.
        assert_eq!(e.origin(Span::new(13, 14)), Span::new(9, 10));
        // Text from the macro maps to the whole invocation.
        assert_eq!(e.origin(Span::new(2, 8)), Span::new(2, 8));
        assert_eq!(e.origin(Span::new(9, 12)), Span::new(2, 8));
        // And `locate` finds the place in the macro body.
        let loc = e.locate(Span::new(9, 12));
        assert_eq!(loc.text, "search a=1");
        assert_eq!(loc.span, Span::new(7, 10));
        assert_eq!(e.chain_notes(loc.frame).len(), 1);
    }

    #[test]
    fn empty_expansions_are_recorded() {
        let e = expand("a | `empty`").unwrap();
        assert_eq!(e.text, "a | ");
        assert_eq!(e.empty_expansions, vec![4]);
    }

    #[test]
    fn unterminated_invocation_and_comment_are_errors() {
        assert!(expand("a `m_a1")
            .unwrap_err()
            .message
            .contains("unterminated macro"));
        assert!(expand("a ```x")
            .unwrap_err()
            .message
            .contains("unterminated comment"));
    }
}
