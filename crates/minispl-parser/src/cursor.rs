//! A byte cursor over the expanded search text, bounded to one pipeline segment, with the
//! lexical pieces every grammar shares: whitespace, keywords, quoted strings, words that
//! join quoted and unquoted parts (`"Compute".*`), `name=value` options, and a nesting
//! counter so that no input can overflow the stack.

use crate::ast::Span;
use crate::diagnostic::ParseError;

/// Parentheses, NOT chains, unary minus chains, function calls and subsearches may nest
/// this deep. Real detections nest a handful of levels; 100 keeps the recursive descent
/// well inside a 2 MiB thread stack even in unoptimised builds (measured: about 150
/// search-language levels fit in debug), so no input can overflow the stack.
pub const MAX_NESTING: usize = 100;

/// Binary operators in one eval expression. A left-associative chain is as deep as it is
/// long, and printing, serialising, compiling, evaluating and dropping an expression
/// recurse over that depth. Issue 7 measured, in a debug build on a 2 MiB thread stack:
/// serialising (`minispl parse --json`) and `Program::compile` overflow between 400 and
/// 500 operators (1000 was the earlier limit); 250 leaves room for 49 levels of
/// parentheses around the chain and for subsearches (docs/LIMITS.md).
pub const MAX_EXPR_OPERATORS: usize = 250;

/// A subsearch counts as this many nesting levels against [`MAX_NESTING`]: parsing,
/// compiling and running one recurses through a whole pipeline, several times the stack
/// of a parenthesis (issue 7 measured a debug-build parse overflowing a 2 MiB stack at
/// 70 nested subsearches), so at most 16 subsearches nest.
pub const SUBSEARCH_NESTING_COST: usize = 6;

pub(crate) type PResult<T> = Result<T, ParseError>;

/// How backslashes inside a token are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escapes {
    /// Search language and command arguments (R1.17): `\"` → `"`, `\\` → `\`,
    /// `\|` → `|`; anything else is kept verbatim.
    Search,
    /// Eval strings (R6.7) and regular expressions: only `\"` and `\\` are escapes, so a
    /// regex `\|` stays a literal-pipe regex.
    Plain,
}

/// A word: unquoted and quoted parts glued together.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Word {
    pub text: String,
    pub quoted: bool,
    pub span: Span,
}

impl Word {
    /// An unquoted word equal to `kw`, ignoring case (`AS`, `by`, `OUTPUT`).
    pub fn is_kw(&self, kw: &str) -> bool {
        !self.quoted && self.text.eq_ignore_ascii_case(kw)
    }
}

pub(crate) struct Cursor<'a> {
    pub src: &'a str,
    pub pos: usize,
    pub end: usize,
    pub depth: usize,
    /// Binary operators in the eval expression being parsed (see MAX_EXPR_OPERATORS).
    pub ops: usize,
}

pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl<'a> Cursor<'a> {
    pub fn new(src: &'a str, start: usize, end: usize) -> Self {
        Cursor {
            src,
            pos: start,
            end,
            depth: 0,
            ops: 0,
        }
    }

    pub fn rest(&self) -> &'a str {
        self.src.get(self.pos..self.end).unwrap_or("")
    }

    pub fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    pub fn peek2(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    pub fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    pub fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    pub fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.end
    }

    pub fn here(&self) -> Span {
        Span::new(self.pos, self.pos)
    }

    /// The span of the next token-ish run (for "unexpected ..." errors): up to the next
    /// whitespace, at least one character, or an empty span at the end.
    pub fn next_span(&mut self) -> Span {
        self.skip_ws();
        let rest = self.rest();
        let mut len = 0;
        for (i, c) in rest.char_indices() {
            if c.is_whitespace() {
                break;
            }
            len = i + c.len_utf8();
            if !is_word_char(c) && i == 0 {
                break;
            }
            if !is_word_char(c) {
                len = i;
                break;
            }
        }
        Span::new(self.pos, self.pos + len)
    }

    pub fn slice(&self, span: Span) -> &'a str {
        self.src.get(span.start..span.end).unwrap_or("")
    }

    /// An "unexpected X" error at the next token.
    pub fn unexpected(&mut self, expected: &str) -> ParseError {
        let span = self.next_span();
        if span.start >= self.end {
            ParseError::new(
                format!("expected {expected}, found the end of the command"),
                span,
            )
            .expected(expected)
        } else {
            ParseError::new(format!("unexpected `{}`", self.slice(span)), span).expected(expected)
        }
    }

    pub fn enter(&mut self, span: Span) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(ParseError::new(
                format!("nesting deeper than {MAX_NESTING} levels"),
                span,
            ));
        }
        Ok(())
    }

    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    pub fn eat_str(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// Is `kw` next (after whitespace), `exact` in case or not, with `boundary` true of
    /// the character after it (or at the end)? Does not consume.
    fn word_ahead(&mut self, kw: &str, exact: bool, boundary: impl Fn(char) -> bool) -> bool {
        self.skip_ws();
        let rest = self.rest();
        let head = rest.get(..kw.len());
        let same = match head {
            Some(h) if exact => h == kw,
            Some(h) => h.eq_ignore_ascii_case(kw),
            None => false,
        };
        same && rest[kw.len()..].chars().next().map_or(true, boundary)
    }

    /// Consume `kw` when `ahead` says it is next; returns its span.
    fn take_word(&mut self, kw: &str, ahead: bool) -> Option<Span> {
        ahead.then(|| {
            let s = Span::new(self.pos, self.pos + kw.len());
            self.pos += kw.len();
            s
        })
    }

    /// Is the next word exactly `kw` (case-sensitive, e.g. `AND`), followed by a word
    /// boundary? Does not consume.
    pub fn peek_kw_exact(&mut self, kw: &str) -> bool {
        self.word_ahead(kw, true, |c| !is_word_char(c) && c != '"')
    }

    /// A keyword of the search language (`AND`, `OR`, `NOT`, `IN`): the exact word,
    /// standing alone: followed by whitespace, a parenthesis or the end. `OR*` or `NOT=`
    /// begin a term, not an operator (found by the round-trip property test).
    pub fn peek_search_kw(&mut self, kw: &str) -> bool {
        self.word_ahead(kw, true, |c| c.is_whitespace() || c == '(' || c == ')')
    }

    /// Consume a search-language keyword ([`Cursor::peek_search_kw`]).
    pub fn search_kw(&mut self, kw: &str) -> Option<Span> {
        let ahead = self.peek_search_kw(kw);
        self.take_word(kw, ahead)
    }

    /// Same, ignoring ASCII case (`by`, `AS`, `where`).
    pub fn peek_kw(&mut self, kw: &str) -> bool {
        self.word_ahead(kw, false, |c| !is_word_char(c) && c != '"' && c != '=')
    }

    /// Consume `kw` (case-insensitive) if it is next; returns its span.
    pub fn kw(&mut self, kw: &str) -> Option<Span> {
        let ahead = self.peek_kw(kw);
        self.take_word(kw, ahead)
    }

    pub fn kw_exact(&mut self, kw: &str) -> Option<Span> {
        let ahead = self.peek_kw_exact(kw);
        self.take_word(kw, ahead)
    }

    /// An identifier `[A-Za-z_][A-Za-z0-9_]*` at the cursor (no whitespace skipped).
    pub fn ident(&mut self) -> Option<(String, Span)> {
        let rest = self.rest();
        let mut len = 0;
        for (i, c) in rest.char_indices() {
            let ok = if i == 0 {
                c.is_ascii_alphabetic() || c == '_'
            } else {
                c.is_ascii_alphanumeric() || c == '_'
            };
            if !ok {
                break;
            }
            len = i + c.len_utf8();
        }
        if len == 0 {
            return None;
        }
        let span = Span::new(self.pos, self.pos + len);
        self.pos += len;
        Some((rest[..len].to_string(), span))
    }

    /// A double-quoted string at the cursor (which must be on the `"`).
    pub fn quoted(&mut self, escapes: Escapes) -> PResult<(String, Span)> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.bump() else {
                return Err(ParseError::new(
                    "unterminated string: missing closing `\"`",
                    Span::new(start, start + 1),
                )
                .expected("`\"`"));
            };
            match c {
                '"' => return Ok((out, Span::new(start, self.pos))),
                '\\' => match self.peek() {
                    Some(n @ ('"' | '\\')) => {
                        self.pos += 1;
                        out.push(n);
                    }
                    Some('|') if escapes == Escapes::Search => {
                        self.pos += 1;
                        out.push('|');
                    }
                    _ => out.push('\\'),
                },
                c => out.push(c),
            }
        }
    }

    /// A word: a run of unquoted characters and quoted strings with no whitespace in
    /// between, stopping before whitespace or any char for which `stop` is true (an
    /// unquoted `!=` always stops). `Ok(None)` if nothing was read.
    pub fn word_with(
        &mut self,
        escapes: Escapes,
        stop: &dyn Fn(char) -> bool,
    ) -> PResult<Option<Word>> {
        self.skip_ws();
        let start = self.pos;
        let mut text = String::new();
        let mut quoted = false;
        while let Some(c) = self.peek() {
            if c == '"' {
                let (s, _) = self.quoted(escapes)?;
                text.push_str(&s);
                quoted = true;
                continue;
            }
            if c.is_whitespace() || stop(c) || (c == '!' && self.peek2() == Some('=')) {
                break;
            }
            if c == '\\' {
                match self.peek2() {
                    Some(n @ ('"' | '\\')) => {
                        self.pos += 2;
                        text.push(n);
                        continue;
                    }
                    Some('|') if escapes == Escapes::Search => {
                        self.pos += 2;
                        text.push('|');
                        continue;
                    }
                    // Kept verbatim (R1.17) but read as one pair, as the pipeline
                    // splitter does, so an escaped bracket is never a bracket.
                    Some(n @ ('[' | ']')) if escapes == Escapes::Search => {
                        self.pos += 2;
                        text.push('\\');
                        text.push(n);
                        continue;
                    }
                    _ => {}
                }
            }
            self.pos += c.len_utf8();
            text.push(c);
        }
        if self.pos == start {
            return Ok(None);
        }
        Ok(Some(Word {
            text,
            quoted,
            span: Span::new(start, self.pos),
        }))
    }

    /// A command-argument word: stops at `, ( ) = [ ]`.
    pub fn word(&mut self) -> PResult<Option<Word>> {
        self.word_with(Escapes::Search, &|c| {
            matches!(c, ',' | '(' | ')' | '=' | '[' | ']')
        })
    }

    /// A required command-argument word.
    pub fn expect_word(&mut self, what: &str) -> PResult<Word> {
        match self.word()? {
            Some(w) => Ok(w),
            None => Err(self.unexpected(what)),
        }
    }

    /// If the cursor is on `name=` (an identifier directly followed by a single `=`),
    /// consume it and return the name and its span.
    pub fn option_name(&mut self) -> Option<(String, Span)> {
        self.skip_ws();
        let save = self.pos;
        if let Some((name, span)) = self.ident() {
            if self.peek() == Some('=') && self.peek2() != Some('=') {
                self.pos += 1;
                return Some((name, span));
            }
        }
        self.pos = save;
        None
    }

    /// Skip a comma (and surrounding whitespace) if present.
    pub fn comma(&mut self) -> bool {
        self.skip_ws();
        self.eat(',')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(s: &str) -> Option<Word> {
        Cursor::new(s, 0, s.len()).word().unwrap()
    }

    #[test]
    fn words_join_quoted_and_unquoted_parts() {
        let w = word("\"Compute\".* AS").unwrap();
        assert_eq!(w.text, "Compute.*");
        assert!(w.quoted);
        assert_eq!(w.span, Span::new(0, 11));
    }

    #[test]
    fn escapes_follow_r1_17() {
        assert_eq!(
            word(r#""say \"hi\" \\ \s \|""#).unwrap().text,
            r#"say "hi" \ \s |"#
        );
        let mut c = Cursor::new(r#""a\|b""#, 0, 6);
        assert_eq!(c.quoted(Escapes::Plain).unwrap().0, r"a\|b");
    }

    #[test]
    fn unterminated_string_points_at_the_quote() {
        let mut c = Cursor::new("x \"abc", 0, 6);
        assert_eq!(c.word().unwrap().unwrap().text, "x");
        let err = c.word().unwrap_err();
        assert_eq!(err.span, Span::new(2, 3));
    }

    #[test]
    fn options_need_a_single_equals() {
        let mut c = Cursor::new("input=x", 0, 7);
        assert_eq!(c.option_name().unwrap().0, "input");
        let mut c = Cursor::new("a==b", 0, 4);
        assert!(c.option_name().is_none());
        assert_eq!(c.pos, 0);
    }

    #[test]
    fn keywords_need_a_boundary() {
        let mut c = Cursor::new("ASx AS", 0, 6);
        assert!(!c.peek_kw("as"));
        c.pos = 4;
        assert!(c.peek_kw("as"));
        assert!(!c.peek_kw_exact("as"));
    }
}
