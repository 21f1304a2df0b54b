//! JSON escapes in an event's raw text, for the prefilter (issue 6 §3: a JSON string value
//! may be written with escapes, so a literal may occur only in the unescaped text).
//!
//! The unescaped text is the raw text with each escape replaced by the character it
//! decodes to; between escapes it is the raw text itself. So an occurrence of a literal in
//! the unescaped text that is not in the raw text must include a decoded character, and a
//! literal none of whose bytes (ASCII case folded) is a decoded character can only occur
//! in the unescaped text where it occurs in the raw text. [`scan`] collects the decoded
//! characters without building the text, so an event whose only escapes are `\"` (the
//! policies in CloudTrail) is not unescaped for `putimage`.

use super::has_case_confusable;

/// What an event's escapes mean for the prefilter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escapes {
    /// Keep the event whatever the formula: an escape is malformed (the reader or
    /// extraction reports it), or one decodes to a character whose lower case is ASCII
    /// (KELVIN SIGN ...; see `has_case_confusable`).
    Keep,
    /// The ASCII characters the escapes decode to, lower-cased, as a bit set
    /// ([`ascii_set`]). Non-ASCII characters are left out: their UTF-8 bytes are all
    /// ≥ 0x80 and cannot be part of an ASCII literal.
    Decoded(u128),
}

/// The set of the ASCII bytes of `text`, lower-cased (bit `b` for byte `b`); non-ASCII
/// bytes are left out.
pub(crate) fn ascii_set(text: &[u8]) -> u128 {
    text.iter()
        .filter(|b| b.is_ascii())
        .fold(0, |set, b| set | 1u128 << b.to_ascii_lowercase())
}

/// The characters `raw`'s escapes decode to. Same grammar as [`unescape_into`].
pub(crate) fn scan(raw: &str) -> Escapes {
    let mut set = 0u128;
    let mut confusable = false;
    let ok = walk(raw, &mut |_| {}, &mut |c| {
        if c.is_ascii() {
            set |= 1u128 << (c as u8).to_ascii_lowercase();
        } else {
            let mut buf = [0; 4];
            confusable |= has_case_confusable(c.encode_utf8(&mut buf).as_bytes());
        }
    });
    if ok && !confusable {
        Escapes::Decoded(set)
    } else {
        Escapes::Keep
    }
}

/// Append `raw` with every JSON escape resolved (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`,
/// `\t`, `\uXXXX` with surrogate pairs) to `out`. False when an escape is malformed (then
/// `out` holds a prefix).
pub(crate) fn unescape_into(raw: &str, out: &mut String) -> bool {
    // Two closures need `out`; they never run at the same time.
    let out = std::cell::RefCell::new(out);
    walk(raw, &mut |run| out.borrow_mut().push_str(run), &mut |c| {
        out.borrow_mut().push(c)
    })
}

/// Walk `raw`: `run` gets the text between escapes, `decoded` the character of each
/// escape, in order. False at the first malformed escape.
fn walk(raw: &str, run: &mut dyn FnMut(&str), decoded: &mut dyn FnMut(char)) -> bool {
    let bytes = raw.as_bytes();
    let mut at = 0;
    while let Some(off) = memchr::memchr(b'\\', &bytes[at..]) {
        let bs = at + off;
        // A backslash is ASCII, so `bs` is a character boundary.
        run(&raw[at..bs]);
        let Some((c, len)) = escape_at(bytes, bs) else {
            return false;
        };
        decoded(c);
        at = bs + len;
    }
    run(&raw[at..]);
    true
}

/// The escape starting at `bytes[bs] == b'\\'`: its character and its length in bytes.
fn escape_at(bytes: &[u8], bs: usize) -> Option<(char, usize)> {
    let c = match *bytes.get(bs + 1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let hi = hex4(bytes, bs + 2)?;
            if (0xD800..0xDC00).contains(&hi) {
                if bytes.get(bs + 6..bs + 8)? != b"\\u" {
                    return None;
                }
                let lo = hex4(bytes, bs + 8)?;
                if !(0xDC00..0xE000).contains(&lo) {
                    return None;
                }
                let c = char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?;
                return Some((c, 12));
            }
            return Some((char::from_u32(hi)?, 6));
        }
        _ => return None,
    };
    Some((c, 2))
}

fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at + 4)?
        .iter()
        .try_fold(0, |v, &b| Some(v * 16 + char::from(b).to_digit(16)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_reports_the_decoded_ascii_characters_lower_cased() {
        let set = |chars: &str| ascii_set(chars.as_bytes());
        assert_eq!(scan(r#"no escapes"#), Escapes::Decoded(0));
        assert_eq!(scan(r#"a\"b\/c"#), Escapes::Decoded(set("\"/")));
        // `\u0050` is `P`: recorded as `p`, the case literals are stored in.
        assert_eq!(scan(r"\u0050\n"), Escapes::Decoded(set("p\n")));
        // Non-ASCII characters cannot be part of an ASCII literal.
        assert_eq!(scan(r"\u00e9\ud83d\ude00"), Escapes::Decoded(0));
    }

    #[test]
    fn scan_keeps_malformed_and_case_confusable_escapes() {
        let malformed = [
            r"\x",
            r"end\",
            r"\u12",
            r"\u12g4",
            r"\ud83d",
            r"\ud83d\u0041",
            r"\udc00",
        ];
        let confusable = [r"\u212A", r"\u212a", r"\u017F", r"\u0130"];
        for raw in malformed.into_iter().chain(confusable) {
            assert_eq!(scan(raw), Escapes::Keep, "{raw}");
            // Malformed escapes fail to unescape; confusable ones unescape fine.
            let mut out = String::new();
            assert_eq!(
                unescape_into(raw, &mut out),
                confusable.contains(&raw),
                "{raw}"
            );
        }
    }
}
