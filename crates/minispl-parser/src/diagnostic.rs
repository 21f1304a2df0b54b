//! Compiler-style diagnostics: the source line, a caret under the span, what was
//! expected, and for errors inside macros the invocation chain.
//!
//! ```text
//! error: unknown option `foo` for `spath`
//!  --> search:1:15
//!   |
//! 1 | spath input=x foo=bar
//!   |               ^^^
//!   = expected one of: input, output, path
//! ```

use crate::ast::Span;
use std::fmt;

/// A parse (or macro expansion) error.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub message: String,
    /// Span in the expanded text (for macro expansion errors, which happen before there
    /// is an expanded text: the span of the outermost invocation in the original text).
    pub span: Span,
    /// What the parser would have accepted at `span` (`"a field name"`, `"`)`"`...).
    pub expected: Vec<String>,
    /// Extra lines: the macro invocation chain, hints.
    pub notes: Vec<String>,
    /// The text to show and where in it, when known (the original search, or a macro
    /// body for errors inside a macro). Attached by the public entry points.
    pub source: Option<Box<ErrorSource>>,
}

/// The text a diagnostic is rendered against.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorSource {
    /// `search`, `expression`, or ``macro `name(1)` `` for errors inside a macro body.
    pub label: String,
    pub text: String,
    pub span: Span,
}

impl ParseError {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        ParseError {
            message: message.into(),
            span,
            expected: Vec::new(),
            notes: Vec::new(),
            source: None,
        }
    }

    pub fn expected(mut self, what: impl Into<String>) -> Self {
        self.expected.push(what.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Attach the text to render against, unless one is attached already.
    pub fn with_source(mut self, label: &str, text: &str, span: Span) -> Self {
        if self.source.is_none() {
            self.source = Some(Box::new(ErrorSource {
                label: label.to_string(),
                text: text.to_string(),
                span,
            }));
        }
        self
    }

    /// The full multi-line diagnostic.
    pub fn render(&self) -> String {
        let mut notes = Vec::new();
        if !self.expected.is_empty() {
            notes.push(format!("expected {}", self.expected.join(", ")));
        }
        notes.extend(self.notes.iter().map(|n| format!("note: {n}")));
        match &self.source {
            Some(src) => render_labeled(&src.text, &src.label, src.span, &self.message, &notes),
            None => {
                let mut out = format!("error: {}\n", self.message);
                for n in &notes {
                    out.push_str(&format!("  = {n}\n"));
                }
                out
            }
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ParseError {}

/// Render `message` with the line of `source` that contains `span` and a caret under it.
/// Shared by parse errors and the evaluator's runtime errors.
pub fn render(source: &str, span: Span, message: &str, notes: &[String]) -> String {
    render_labeled(source, "search", span, message, notes)
}

/// 1-based line and column (in characters) of byte offset `pos`.
pub fn line_col(source: &str, pos: usize) -> (usize, usize) {
    let pos = clamp_to_boundary(source, pos);
    let before = &source[..pos];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..pos].chars().count() + 1;
    (line, col)
}

fn clamp_to_boundary(source: &str, pos: usize) -> usize {
    let mut pos = pos.min(source.len());
    while !source.is_char_boundary(pos) {
        pos -= 1;
    }
    pos
}

fn render_labeled(
    source: &str,
    label: &str,
    span: Span,
    message: &str,
    notes: &[String],
) -> String {
    let start = clamp_to_boundary(source, span.start);
    let end = clamp_to_boundary(source, span.end.max(start));
    let (line, col) = line_col(source, start);
    let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    let line_text = source[line_start..line_end].trim_end_matches('\r');
    // A span running past the end of its line is underlined to the end of the line.
    let caret_end = end.min(line_end);
    let carets = source[start..caret_end].chars().count().max(1);
    let pad = source[line_start..start]
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect::<String>();
    let num = line.to_string();
    let gutter = " ".repeat(num.len());
    let mut out = String::new();
    out.push_str(&format!("error: {message}\n"));
    out.push_str(&format!("{gutter}--> {label}:{line}:{col}\n"));
    out.push_str(&format!("{gutter} |\n"));
    out.push_str(&format!("{num} | {line_text}\n"));
    out.push_str(&format!("{gutter} | {pad}{}\n", "^".repeat(carets)));
    for n in notes {
        out.push_str(&format!("{gutter} = {n}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_sits_under_the_span_on_its_line() {
        let text = "a=1\n| spath foo=bar";
        let out = render(text, Span::new(12, 15), "unknown option `foo`", &[]);
        assert_eq!(
            out,
            "error: unknown option `foo`\n --> search:2:9\n  |\n2 | | spath foo=bar\n  |         ^^^\n"
        );
    }

    #[test]
    fn empty_span_at_end_gets_one_caret() {
        let out = render(
            "a |",
            Span::new(3, 3),
            "empty",
            &["expected a command".into()],
        );
        assert!(out.contains("1 | a |\n  |    ^\n"), "{out}");
        assert!(out.ends_with("  = expected a command\n"));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(line_col("é=x", 2), (1, 2));
        // A span inside a multi-byte char is clamped, never panics.
        let _ = render("é", Span::new(1, 9), "m", &[]);
    }
}
