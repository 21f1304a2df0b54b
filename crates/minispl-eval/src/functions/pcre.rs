//! PCRE patterns (what SPL's `match`, `replace`, `rex` and `regex` take) compiled with
//! the `regex` crate. The crate has no backtracking, so a few PCRE-isms are translated
//! where the meaning is kept or only narrowly changed:
//! * `\Q...\E` literal quoting → escaped text;
//! * atomic groups `(?>...)` → plain non-capturing groups, possessive quantifiers
//!   `*+ ++ ?+` → greedy ones (same matches for the non-pathological patterns SPL
//!   searches use);
//! * `\h` → `[ \t]`, `\Z` → `\z` (approximation: no allowance for a final newline).
//!
//! Backreferences and look-around have no equivalent: they are compile errors.

use regex::{Regex, RegexBuilder};

/// Most bytes a compiled regex program may take (`regex` crate `size_limit`). The crate
/// matches in linear time, so a pattern cannot backtrack catastrophically; what remains
/// unbounded is the size of the compiled program (`(a{1000}){1000}`), capped here
/// (issue 7, docs/LIMITS.md).
pub const REGEX_SIZE_LIMIT: usize = 10 << 20;
/// Most bytes the lazy DFA's cache may grow to per regex (`dfa_size_limit`); past it the
/// crate falls back to a slower but still linear engine, so this bounds memory only.
pub const REGEX_DFA_SIZE_LIMIT: usize = 2 << 20;

/// The one place every regex in minispl is built (rex, regex, replace, match, mvfind,
/// makemv tokenizer, search terms, profile rules, [`compile`]), so all share the size
/// limits above. `pattern` is in the `regex` crate's syntax (no PCRE translation). The
/// error text is one line: what is wrong, and for an oversized pattern, the limit.
pub fn build(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(limit) => format!(
                "regex too large: its compiled form exceeds the limit of {} MiB",
                limit >> 20
            ),
            other => {
                // The regex crate's message is a multi-line diagram; its last line says
                // what is wrong (e.g. "look-around ... is not supported").
                let detail = other.to_string();
                let last = detail.lines().last().unwrap_or("");
                last.strip_prefix("error: ").unwrap_or(last).to_string()
            }
        })
}

/// Compile a PCRE pattern. The error text says what is unsupported.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    let translated = translate(pattern);
    build(&translated).map_err(|e| format!("invalid regex `{pattern}`: {e}"))
}

/// Rewrite the PCRE-only syntax listed in the module docs.
pub fn translate(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len());
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                let n = chars[i + 1];
                match n {
                    'Q' => {
                        // Everything up to \E (or the end) is literal.
                        let mut j = i + 2;
                        let mut lit = String::new();
                        while j < chars.len()
                            && !(chars[j] == '\\' && chars.get(j + 1) == Some(&'E'))
                        {
                            lit.push(chars[j]);
                            j += 1;
                        }
                        out.push_str(&regex::escape(&lit));
                        i = if j < chars.len() { j + 2 } else { j };
                        continue;
                    }
                    'h' if !in_class => out.push_str("[ \\t]"),
                    'h' => out.push_str(" \\t"),
                    'Z' => out.push_str("\\z"),
                    _ => {
                        out.push(c);
                        out.push(n);
                    }
                }
                i += 2;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` right after `[` or `[^` is literal.
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            '(' if !in_class
                && chars.get(i + 1) == Some(&'?')
                && chars.get(i + 2) == Some(&'>') =>
            {
                out.push_str("(?:");
                i += 3;
                continue;
            }
            '+' if !in_class
                && i > 0
                && matches!(chars[i - 1], '*' | '+' | '?' | '}')
                && !escaped(&chars, i - 1) =>
            {
                // Possessive quantifier: drop the `+`.
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Is the character at `i` escaped by an odd number of backslashes?
fn escaped(chars: &[char], i: usize) -> bool {
    let mut n = 0;
    let mut j = i;
    while j > 0 && chars[j - 1] == '\\' {
        n += 1;
        j -= 1;
    }
    n % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_patterns_pass_through() {
        assert_eq!(
            translate(r"^(\d{1,2})/(\d{1,2})/"),
            r"^(\d{1,2})/(\d{1,2})/"
        );
        assert!(compile(r"\.org$").is_ok_and(|re| re.is_match("b@y.org")));
    }

    #[test]
    fn pcre_isms_are_translated() {
        assert_eq!(translate(r"\Qa.b\E+"), r"a\.b+");
        assert!(compile(r"(?>ab)c").is_ok_and(|re| re.is_match("abc")));
        assert!(compile(r"a++b").is_ok_and(|re| re.is_match("aab")));
        assert!(compile(r"a\+\+b").is_ok_and(|re| re.is_match("a++b")));
        assert!(compile(r"x\hy").is_ok_and(|re| re.is_match("x\ty")));
        assert!(compile(r"[]a]").is_ok_and(|re| re.is_match("]")));
        assert!(compile(r"(?<user>\w+)@").is_ok_and(|re| re.is_match("bob@")));
    }

    #[test]
    fn unsupported_features_are_errors() {
        let err = compile(r"foo(?=bar)").err().unwrap_or_default();
        assert!(err.contains("look-around"), "{err}");
        assert!(compile(r"(a)\1").is_err());
        assert!(compile(r"(").is_err());
    }

    #[test]
    fn oversized_patterns_are_a_clear_error() {
        // Compiles to far more than 10 MiB: must fail fast with the limit named.
        let err = compile(r"(\w{100}){100}(\w{100}){100}")
            .err()
            .unwrap_or_default();
        assert!(err.contains("regex too large"), "{err}");
        assert!(err.contains("10 MiB"), "{err}");
        // A big but reasonable pattern is fine.
        assert!(build(r"\w{100}").is_ok());
    }

    /// Every regex compile site goes through [`build`]: an oversized pattern is the same
    /// clear error, pointing at the search, wherever it is written (issue 7).
    #[test]
    fn every_regex_site_reports_the_size_limit_with_a_span() {
        use crate::program::{Context, Program};
        use crate::Event;
        let big = r"(\w{100}){100}(\w{100}){100}";
        let searches = [
            format!(r#"| makeresults | rex field=_raw "(?<a>{big})""#),
            format!(r#"| makeresults | rex mode=sed "s/{big}/x/g""#),
            format!(r#"| makeresults | regex _raw="{big}""#),
            format!(r#"| makeresults | eval x=replace("a", "{big}", "b")"#),
            format!(r#"| makeresults | where match("a", "{big}")"#),
            format!(r#"| makeresults | eval x=mvfind(split("a,b", ","), "{big}")"#),
            format!(r#"| makeresults | eval x="a" | makemv tokenizer="{big}" x"#),
        ];
        for spl in &searches {
            let pipeline = minispl_parser::parse(spl, &minispl_parser::Macros::new())
                .unwrap_or_else(|e| panic!("{spl}: {}", e.render()));
            let ctx = std::sync::Arc::new(Context::default());
            let err = match Program::compile(&pipeline, ctx) {
                Err(e) => e,
                Ok(p) => p
                    .run(std::iter::empty::<Event>())
                    .expect_err("an oversized regex must not run"),
            };
            assert!(
                err.message.contains("regex too large"),
                "{spl}: {}",
                err.message
            );
            let span = err.span.unwrap_or_else(|| panic!("{spl}: no span"));
            assert!(
                span.end > span.start && span.end <= spl.len(),
                "{spl}: {span:?}"
            );
        }
    }
}
