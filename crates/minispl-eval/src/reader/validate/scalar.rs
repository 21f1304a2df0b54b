//! The portable validator: a byte-at-a-time recursive-descent check (issue 6 §4). It is
//! the fallback on CPUs without AVX2, and behind the SIMD check for the records that one
//! leaves unsure (whitespace between tokens, e.g. `{"a": 1}`), so its answers stay those
//! of the original validator.
//!
//! It only ever says "certainly valid": whenever it is unsure (a control character, an
//! exponent, a `\u` surrogate, deep nesting, any syntax error) it answers `false` and the
//! reader asks `serde_json`, which also writes the error message. So it can never accept
//! what `serde_json` would reject; it may send a valid record the slow way.
//!
//! Strings are skipped with `memchr2` (the quote or a backslash), which is where a
//! CloudTrail record spends most of its bytes.

use super::MAX_DEPTH;

/// True only if `text` is a JSON value with nothing but whitespace around it.
pub fn certainly_valid(text: &str) -> bool {
    let b = text.as_bytes();
    // Inside strings no control character may occur, and `memchr2` below skips over
    // them: a record with any control byte (even whitespace) goes the slow way.
    // Branch-free per block so the compiler vectorises it.
    if b.chunks(64)
        .any(|block| block.iter().fold(false, |seen, &c| seen | (c < 0x20)))
    {
        return false;
    }
    let mut v = Validator {
        b,
        i: 0,
        stack: [0; MAX_DEPTH],
        depth: 0,
    };
    v.document()
}

struct Validator<'a> {
    b: &'a [u8],
    i: usize,
    /// Open containers: `b'{'` or `b'['`.
    stack: [u8; MAX_DEPTH],
    depth: usize,
}

impl Validator<'_> {
    fn ws(&mut self) {
        while let Some(b' ') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn document(&mut self) -> bool {
        self.ws();
        if !self.value() {
            return false;
        }
        self.ws();
        self.i == self.b.len()
    }

    /// One value, iteratively (containers on `stack`).
    fn value(&mut self) -> bool {
        loop {
            // Expecting a value.
            self.ws();
            match self.b.get(self.i) {
                Some(b'{') => {
                    self.i += 1;
                    self.ws();
                    if self.b.get(self.i) == Some(&b'}') {
                        self.i += 1;
                    } else {
                        if !self.push(b'{') || !self.key() {
                            return false;
                        }
                        continue;
                    }
                }
                Some(b'[') => {
                    self.i += 1;
                    self.ws();
                    if self.b.get(self.i) == Some(&b']') {
                        self.i += 1;
                    } else {
                        if !self.push(b'[') {
                            return false;
                        }
                        continue;
                    }
                }
                Some(b'"') => {
                    if !self.string() {
                        return false;
                    }
                }
                Some(b't') => {
                    if !self.word(b"true") {
                        return false;
                    }
                }
                Some(b'f') => {
                    if !self.word(b"false") {
                        return false;
                    }
                }
                Some(b'n') => {
                    if !self.word(b"null") {
                        return false;
                    }
                }
                Some(b'-' | b'0'..=b'9') => {
                    if !self.number() {
                        return false;
                    }
                }
                _ => return false,
            }
            // After a value: close containers or move to the next element.
            loop {
                if self.depth == 0 {
                    return true;
                }
                self.ws();
                let open = self.stack[self.depth - 1];
                match (open, self.b.get(self.i)) {
                    (_, Some(b',')) => {
                        self.i += 1;
                        if open == b'{' && !self.key() {
                            return false;
                        }
                        break;
                    }
                    (b'{', Some(b'}')) | (b'[', Some(b']')) => {
                        self.i += 1;
                        self.depth -= 1;
                    }
                    _ => return false,
                }
            }
        }
    }

    fn push(&mut self, open: u8) -> bool {
        if self.depth == MAX_DEPTH {
            return false;
        }
        self.stack[self.depth] = open;
        self.depth += 1;
        true
    }

    /// `"key" :` inside an object.
    fn key(&mut self) -> bool {
        self.ws();
        if self.b.get(self.i) != Some(&b'"') || !self.string() {
            return false;
        }
        self.ws();
        if self.b.get(self.i) != Some(&b':') {
            return false;
        }
        self.i += 1;
        true
    }

    /// A string starting at the quote.
    fn string(&mut self) -> bool {
        self.i += 1;
        loop {
            let found = memchr::memchr2(b'"', b'\\', &self.b[self.i..]);
            let Some(off) = found else {
                return false;
            };
            self.i += off;
            if self.b[self.i] == b'"' {
                self.i += 1;
                return true;
            }
            // An escape.
            match self.b.get(self.i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 2,
                Some(b'u') => {
                    let Some(hex) = self.b.get(self.i + 2..self.i + 6) else {
                        return false;
                    };
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return false;
                    }
                    // Surrogates: serde's handling of unpaired ones decides.
                    if matches!(hex[0], b'd' | b'D')
                        && matches!(hex[1], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
                    {
                        return false;
                    }
                    self.i += 6;
                }
                _ => return false,
            }
        }
    }

    fn word(&mut self, w: &[u8]) -> bool {
        if self.b[self.i..].starts_with(w) {
            self.i += w.len();
            true
        } else {
            false
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`; an exponent goes the slow way (range questions).
    fn number(&mut self) -> bool {
        if self.b[self.i] == b'-' {
            self.i += 1;
        }
        match self.b.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = self.b.get(self.i) {
                    self.i += 1;
                }
            }
            _ => return false,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            let start = self.i;
            while let Some(b'0'..=b'9') = self.b.get(self.i) {
                self.i += 1;
            }
            if self.i == start {
                return false;
            }
        }
        !matches!(self.b.get(self.i), Some(b'e' | b'E' | b'0'..=b'9'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde_ok(t: &str) -> bool {
        serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok()
    }

    #[test]
    fn accepts_ordinary_records() {
        for t in [
            r#"{"a":1,"b":[true,false,null,-0.5,"x\"y\\z\/\u00e9"],"c":{}, "d" : [ ] }"#,
            "{}",
            "[]",
            r#"  {"k": "v"}  "#,
            r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser"},"n":12345}"#,
        ] {
            assert!(certainly_valid(t), "{t}");
            assert!(serde_ok(t), "{t}");
        }
    }

    /// Never accepts what serde_json rejects: the shared table of invalid and borderline
    /// inputs.
    #[test]
    fn never_accepts_what_serde_rejects() {
        let cases = crate::reader::validate::tests::INVALID_OR_BORDERLINE;
        for t in cases {
            if certainly_valid(t) {
                assert!(serde_ok(t), "accepted what serde rejects: {t:?}");
            }
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        // Deeper than serde's recursion limit: left to serde.
        assert!(!certainly_valid(&deep));
        let ok_deep = "[".repeat(100) + &"]".repeat(100);
        assert!(certainly_valid(&ok_deep) && serde_ok(&ok_deep));
    }

    #[test]
    fn unsure_cases_go_the_slow_way_without_being_rejected_there() {
        // Valid for serde, but left to it: exponents, tabs, surrogate pairs.
        for t in ["[1e5]", "{\"a\":\t1}", r#"["\ud83d\ude00"]"#] {
            assert!(!certainly_valid(t), "{t}");
            assert!(serde_ok(t), "{t}");
        }
    }
}
