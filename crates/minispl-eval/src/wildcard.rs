//! `*` wildcards as SPL uses them in field names and values: `*` matches any run of
//! characters, including the empty one; nothing else is special and `*` cannot be escaped
//! (R1.18, R3.7).

/// Does `text` match `pattern`? `ignore_case` for search values (R1.6); field names are
/// matched case-sensitively.
pub fn matches(pattern: &str, text: &str, ignore_case: bool) -> bool {
    if !pattern.contains('*') {
        return if ignore_case {
            eq_ignore_case(pattern, text)
        } else {
            pattern == text
        };
    }
    captures(pattern, text, ignore_case).is_some()
}

/// The runs of `text` each `*` of `pattern` matched, in order, or `None` if it does not
/// match. Earlier stars match as little as possible, so `rename a*b* AS ...` splits
/// `aXbYbZ` as `X`, `YbZ` (R3.3).
pub fn captures<'t>(pattern: &str, text: &'t str, ignore_case: bool) -> Option<Vec<&'t str>> {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut caps = Vec::with_capacity(parts.len().saturating_sub(1));
    let first = parts[0];
    if !starts_with(text, first, ignore_case) {
        return None;
    }
    let mut pos = first.len();
    let last_index = parts.len() - 1;
    for (i, part) in parts.iter().enumerate().skip(1) {
        let rest = &text[pos..];
        if i == last_index {
            // The last literal must sit at the very end.
            if rest.len() < part.len() || !text.is_char_boundary(text.len() - part.len()) {
                return None;
            }
            let tail_start = text.len() - part.len();
            if !eq(&text[tail_start..], part, ignore_case) {
                return None;
            }
            caps.push(&text[pos..tail_start]);
            return Some(caps);
        }
        let found = find(rest, part, ignore_case)?;
        caps.push(&rest[..found]);
        pos += found + part.len();
    }
    // Pattern without '*': handled by the caller, but keep this total.
    (pos == text.len()).then_some(caps)
}

/// Replace the `*`s of `target` with `caps` in order (`rename EU* AS EMEA*`).
pub fn substitute(target: &str, caps: &[&str]) -> String {
    let mut out = String::with_capacity(target.len() + caps.iter().map(|c| c.len()).sum::<usize>());
    let mut caps = caps.iter();
    for (i, part) in target.split('*').enumerate() {
        if i > 0 {
            out.push_str(caps.next().copied().unwrap_or(""));
        }
        out.push_str(part);
    }
    out
}

fn eq(a: &str, b: &str, ignore_case: bool) -> bool {
    if ignore_case {
        eq_ignore_case(a, b)
    } else {
        a == b
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

fn starts_with(text: &str, prefix: &str, ignore_case: bool) -> bool {
    text.len() >= prefix.len()
        && text.is_char_boundary(prefix.len())
        && eq(&text[..prefix.len()], prefix, ignore_case)
}

/// Byte offset of the first occurrence of `needle` in `hay`.
fn find(hay: &str, needle: &str, ignore_case: bool) -> Option<usize> {
    if !ignore_case {
        return hay.find(needle);
    }
    if needle.is_empty() {
        return Some(0);
    }
    hay.char_indices()
        .map(|(i, _)| i)
        .find(|&i| starts_with(&hay[i..], needle, true))
}

/// A `*` pattern prepared once and matched many times without allocating (for ASCII
/// text): the literal parts between the stars, lower-cased up front when matching ignores
/// case (R1.6), so per-row matching does not re-lowercase the pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    /// The literal runs between `*`s; one element means no wildcard.
    parts: Vec<String>,
    ignore_case: bool,
}

impl Glob {
    pub fn new(pattern: &str, ignore_case: bool) -> Glob {
        let parts = pattern
            .split('*')
            .map(|p| {
                if ignore_case {
                    p.to_lowercase()
                } else {
                    p.to_string()
                }
            })
            .collect();
        Glob { parts, ignore_case }
    }

    /// True if the pattern has at least one `*`.
    pub fn has_wildcard(&self) -> bool {
        self.parts.len() > 1
    }

    /// True if the pattern is only stars (`*`, `**`): it matches any text.
    pub fn is_match_all(&self) -> bool {
        self.has_wildcard() && self.parts.iter().all(String::is_empty)
    }

    pub fn is_match(&self, text: &str) -> bool {
        // The common case of a plain value written as the data has it
        // (`sourcetype=aws:cloudtrail`, `eventName=...` on every event, issue 6): the
        // bytes are the pattern's, which matches with or without case folding (the
        // parts are lower-cased already and lower-casing is idempotent). One `memcmp`
        // instead of the ASCII check and the byte-by-byte case-insensitive loop.
        if let [only] = self.parts.as_slice() {
            if only.as_bytes() == text.as_bytes() {
                return true;
            }
        }
        if self.ignore_case && !text.is_ascii() {
            // Unicode case folding can change byte lengths: compare lower-cased text
            // against the lower-cased parts.
            let lower = text.to_lowercase();
            return self.match_parts(&lower, false);
        }
        self.match_parts(text, self.ignore_case)
    }

    fn match_parts(&self, text: &str, ascii_ci: bool) -> bool {
        let eq = |a: &[u8], b: &[u8]| {
            if ascii_ci {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        let t = text.as_bytes();
        let n = self.parts.len();
        if n == 1 {
            return eq(t, self.parts[0].as_bytes());
        }
        let first = self.parts[0].as_bytes();
        let last = self.parts[n - 1].as_bytes();
        if t.len() < first.len() + last.len()
            || !eq(&t[..first.len()], first)
            || !eq(&t[t.len() - last.len()..], last)
        {
            return false;
        }
        let mut pos = first.len();
        let end = t.len() - last.len();
        for part in &self.parts[1..n - 1] {
            let p = part.as_bytes();
            if p.is_empty() {
                continue;
            }
            let window = &t[pos..end];
            match (0..=window.len().saturating_sub(p.len()))
                .find(|&i| window.len() >= p.len() && eq(&window[i..i + p.len()], p))
            {
                Some(i) => pos += i + p.len(),
                None => return false,
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_wildcard_matching() {
        assert!(matches("admin", "Admin", true));
        assert!(!matches("admin", "Admin", false));
        assert!(matches("40*", "404", true));
        assert!(matches("*", "", true));
        assert!(matches("*foo*", "a-FOO-b", true));
        assert!(!matches("*foo*", "a-fo-b", true));
        assert!(matches("a*c", "abc", false));
        assert!(!matches("a*c", "abcd", false));
        assert!(matches("é*", "ÉTÉ", true));
    }

    #[test]
    fn glob_matches_like_matches() {
        for (p, t, ci) in [
            ("admin", "Admin", true),
            ("admin", "Admin", false),
            ("40*", "404", true),
            ("*", "", true),
            ("*foo*", "a-FOO-b", true),
            ("*foo*", "a-fo-b", true),
            ("a*c", "abc", false),
            ("a*c", "abcd", false),
            ("é*", "ÉTÉ", true),
            ("a*b*c", "aXbYc", true),
            ("ab*ba", "aba", true),
            ("*x*x*", "x", true),
            // Plain values equal byte for byte (the fast path) or only without case.
            ("aws:cloudtrail", "aws:cloudtrail", true),
            ("aws:cloudtrail", "aws:cloudtrail", false),
            ("AWS:CloudTrail", "AWS:CloudTrail", true),
            ("AWS:CloudTrail", "AWS:CloudTrail", false),
            ("AWS:CloudTrail", "aws:cloudtrail", false),
            ("é", "é", true),
            ("İ", "İ", true),
            ("ǅ", "ǅ", true),
            ("", "", true),
        ] {
            assert_eq!(
                Glob::new(p, ci).is_match(t),
                matches(p, t, ci),
                "{p} {t} {ci}"
            );
        }
        assert!(Glob::new("**", true).is_match_all());
        assert!(!Glob::new("a*", true).is_match_all());
    }

    #[test]
    fn captures_are_minimal_then_rest() {
        assert_eq!(
            captures("requestParameters.*", "requestParameters.bucketName", false),
            Some(vec!["bucketName"])
        );
        assert_eq!(captures("a*b*", "aXbYbZ", false), Some(vec!["X", "YbZ"]));
        assert_eq!(captures("EU*", "US_X", false), None);
        assert_eq!(substitute("EMEA*", &["_UK"]), "EMEA_UK");
        assert_eq!(substitute("*", &["bucketName"]), "bucketName");
    }
}
