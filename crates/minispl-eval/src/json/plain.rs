//! A byte scanner for "plain" JSON, in front of the serde_json walks of [`super`]
//! (issue 6: the findings detection spent most of its time in the parser's per-token
//! work). Plain means: strings without escapes or control characters, integers of at
//! most 18 digits (not `-0`), `true`/`false`/`null`, no object with a repeated key
//! where it matters, nesting below [`MAX_DEPTH`]. In that subset every token's compact
//! text is its source text, so a selected subtree written without whitespace *is* its
//! rendering, and a leaf's text is its source. Whenever the text leaves the subset,
//! or is not JSON, the scanner answers `None` ("not sure") and the serde_json walk
//! decides, so the answers are always the reference's.

use crate::plan::FieldSet;

/// Deeper nesting is left to serde_json (which refuses more than 128 levels).
const MAX_DEPTH: usize = 100;
/// Objects with more keys are not checked for repeated keys here (see `super::MAX_KEYS`).
const MAX_KEYS: usize = 64;

pub(super) struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    /// Bytes of whitespace skipped so far: a selected container with none inside is
    /// copied as it is.
    spaces: usize,
    /// Keys (source ranges) of the objects being checked for repeated keys.
    keys: Vec<(usize, usize)>,
}

impl<'a> Scanner<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Scanner {
            text,
            b: text.as_bytes(),
            i: 0,
            spaces: 0,
            keys: Vec::new(),
        }
    }

    /// `JsonPath::select_text`'s answer when the text is plain (`Some`), else `None`.
    pub(super) fn select(mut self, steps: &[super::Step]) -> Option<Option<Vec<String>>> {
        let mut out = Vec::new();
        self.ws();
        self.select_value(steps, 0, &mut out)?;
        self.end()?;
        Some((!out.is_empty()).then_some(out))
    }

    /// `flatten_text`'s answer when the text is plain, else `None`.
    pub(super) fn flatten(mut self, wanted: &FieldSet) -> Option<super::Fields> {
        let mut out = super::Fields::default();
        let mut path = String::new();
        self.ws();
        self.flat_value(wanted, &mut path, 0, &mut out)?;
        self.end()?;
        Some(out)
    }

    fn end(&mut self) -> Option<()> {
        self.ws();
        (self.i == self.b.len()).then_some(())
    }

    fn ws(&mut self) {
        // Compact text has none: one look at the next byte.
        if !matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            return;
        }
        let start = self.i;
        while matches!(self.b.get(self.i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
        self.spaces += self.i - start;
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.b.get(self.i) == Some(&byte)).then(|| self.i += 1)
    }

    /// A plain string at `i`: the range of its contents. Escapes and raw control
    /// characters are serde_json's to judge.
    fn string(&mut self) -> Option<(usize, usize)> {
        self.eat(b'"')?;
        let start = self.i;
        let mut i = start;
        // Eight bytes at a time up to the first `"`, `\` or control character (most
        // strings are short: a call to a vectorised search costs more than it saves).
        while let Some(chunk) = self.b.get(i..i + 8) {
            let hits = specials(u64::from_le_bytes(chunk.try_into().ok()?));
            if hits != 0 {
                i += (hits.trailing_zeros() / 8) as usize;
                break;
            }
            i += 8;
        }
        loop {
            match *self.b.get(i)? {
                b'"' => break,
                b'\\' | 0..=0x1f => return None,
                _ => i += 1,
            }
        }
        self.i = i + 1;
        Some((start, i))
    }

    /// The text of a range found by the scanner (it starts and ends at ASCII bytes).
    fn slice(&self, (start, end): (usize, usize)) -> Option<&'a str> {
        self.text.get(start..end)
    }

    /// A plain number at `i` (an integer serde_json reads as `u64`/`i64` and writes
    /// back as the same digits): its range.
    fn number(&mut self) -> Option<(usize, usize)> {
        let start = self.i;
        let negative = self.eat(b'-').is_some();
        let digits = self.i;
        match self.b.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.b.get(self.i), Some(b'0'..=b'9')) {
                    self.i += 1;
                }
            }
            _ => return None,
        }
        let n = self.i - digits;
        let float = matches!(self.b.get(self.i), Some(b'.' | b'e' | b'E' | b'0'..=b'9'));
        if float || n > 18 || (negative && self.b[digits] == b'0') {
            return None;
        }
        Some((start, self.i))
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.b
            .get(self.i..self.i + word.len())
            .filter(|w| *w == word)
            .map(|_| self.i += word.len())
    }

    /// The leaf at `i` as its text (`None` inside for `null`).
    fn leaf(&mut self) -> Option<Option<&'a str>> {
        Some(match self.b.get(self.i)? {
            b'"' => {
                let range = self.string()?;
                Some(self.slice(range)?)
            }
            b't' => self.literal(b"true").map(|_| "true"),
            b'f' => self.literal(b"false").map(|_| "false"),
            b'n' => {
                self.literal(b"null")?;
                None
            }
            _ => {
                let range = self.number()?;
                Some(self.slice(range)?)
            }
        })
    }

    /// Read the members of the object or array at `i`, handing each to `member` (with
    /// the key's range for an object). `check` refuses repeated keys.
    fn members(
        &mut self,
        depth: usize,
        check: bool,
        mut member: impl FnMut(&mut Self, Option<(usize, usize)>) -> Option<()>,
    ) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let object = match self.b.get(self.i)? {
            b'{' => true,
            b'[' => false,
            _ => return None,
        };
        let close = if object { b'}' } else { b']' };
        self.i += 1;
        self.ws();
        if self.eat(close).is_some() {
            return Some(());
        }
        let mark = self.keys.len();
        loop {
            let key = if object {
                let key = self.string()?;
                if check {
                    self.check_key(mark, key)?;
                }
                self.ws();
                self.eat(b':')?;
                self.ws();
                Some(key)
            } else {
                None
            };
            member(self, key)?;
            self.ws();
            if self.eat(b',').is_some() {
                self.ws();
                continue;
            }
            self.eat(close)?;
            self.keys.truncate(mark);
            return Some(());
        }
    }

    /// `None` if `key` repeats one of the object's keys since `mark` (or it has too many
    /// to check).
    fn check_key(&mut self, mark: usize, key: (usize, usize)) -> Option<()> {
        let seen = &self.keys[mark..];
        let text = &self.b[key.0..key.1];
        if seen.len() >= MAX_KEYS || seen.iter().any(|&(s, e)| &self.b[s..e] == text) {
            return None;
        }
        self.keys.push(key);
        Some(())
    }

    /// Read a value, keeping nothing; `check` refuses repeated keys in it.
    fn skip(&mut self, depth: usize, check: bool) -> Option<()> {
        match self.b.get(self.i)? {
            b'{' | b'[' => self.members(depth, check, |s, _| s.skip(depth + 1, check)),
            b'"' => self.string().map(|_| ()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number().map(|_| ()),
        }
    }

    fn select_value(
        &mut self,
        steps: &[super::Step],
        depth: usize,
        out: &mut Vec<String>,
    ) -> Option<()> {
        let Some((step, rest)) = steps.split_first() else {
            // The end of the path: the node's text. A container is its source when no
            // whitespace is inside it.
            if !matches!(self.b.get(self.i), Some(b'{' | b'[')) {
                out.extend(self.leaf()?.map(str::to_string));
                return Some(());
            }
            let (start, spaces) = (self.i, self.spaces);
            self.skip(depth, true)?;
            if self.spaces != spaces {
                return None;
            }
            out.push(self.slice((start, self.i))?.to_string());
            return Some(());
        };
        match (step, self.b.get(self.i)) {
            (super::Step::Key(k), Some(b'{')) => {
                // A repeated key keeps its last value, as in a parsed object.
                let mut selected: Option<Vec<String>> = None;
                self.members(depth, false, |s, key| {
                    let (ks, ke) = key?;
                    if &s.b[ks..ke] == k.as_bytes() {
                        let mut mine = Vec::new();
                        s.select_value(rest, depth + 1, &mut mine)?;
                        selected = Some(mine);
                        Some(())
                    } else {
                        s.skip(depth + 1, false)
                    }
                })?;
                out.extend(selected.into_iter().flatten());
                Some(())
            }
            (super::Step::All | super::Step::Index(_), Some(b'[')) => {
                let mut index = 0;
                self.members(depth, false, |s, _| {
                    let wanted = match step {
                        super::Step::Index(i) => *i == index,
                        _ => true,
                    };
                    index += 1;
                    if wanted {
                        s.select_value(rest, depth + 1, out)
                    } else {
                        s.skip(depth + 1, false)
                    }
                })
            }
            // A path that does not fit the document selects nothing here.
            _ => self.skip(depth, false),
        }
    }

    fn flat_value(
        &mut self,
        wanted: &FieldSet,
        path: &mut String,
        depth: usize,
        out: &mut super::Fields,
    ) -> Option<()> {
        // As `Flat::next`: below an empty name anything can follow.
        if !path.is_empty() && !wanted.may_extend(path) {
            return self.skip(depth, false);
        }
        match self.b.get(self.i)? {
            b'{' => {
                let len = path.len();
                self.members(depth, true, |s, key| {
                    let (ks, ke) = key?;
                    if len > 0 {
                        path.push('.');
                    }
                    // R4.14: dots inside keys are not escaped.
                    path.push_str(s.slice((ks, ke))?);
                    let done = s.flat_value(wanted, path, depth + 1, out);
                    path.truncate(len);
                    done
                })
            }
            b'[' => {
                // R4.13: one `{}` per array level.
                let len = path.len();
                path.push_str("{}");
                let done = self.members(depth, true, |s, _| {
                    s.flat_value(wanted, path, depth + 1, out)
                });
                path.truncate(len);
                done
            }
            _ => {
                let text = self.leaf()?;
                if let Some(text) = text.filter(|_| wanted.contains(path)) {
                    match out.get_mut(path.as_str()) {
                        Some(values) => values.push(text.to_string()),
                        None => {
                            out.insert(path.clone(), vec![text.to_string()]);
                        }
                    }
                }
                Some(())
            }
        }
    }
}

/// A mask with the high bit of each byte of `w` (eight bytes, little-endian) that is `"`,
/// `\` or below 0x20; exact up to its lowest set bit, which is all that is read.
fn specials(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    zero(w ^ (ONES * u64::from(b'"')))
        | zero(w ^ (ONES * u64::from(b'\\')))
        | (w.wrapping_sub(ONES * 0x20) & !w & HIGH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specials_finds_the_first_quote_backslash_or_control_byte() {
        for pos in 0..8 {
            for special in [b'"', b'\\', 0, 0x1f, b'\n'] {
                for filler in [b'a', 0x20, 0x7f, 0x80, 0xff, b'!', b'#', b'[', b']'] {
                    let mut bytes = [filler; 8];
                    bytes[pos] = special;
                    // Specials above the first do not change the answer.
                    if pos < 7 {
                        bytes[7] = b'"';
                    }
                    let hits = specials(u64::from_le_bytes(bytes));
                    assert_eq!(hits.trailing_zeros() / 8, pos as u32, "{bytes:?}");
                }
            }
        }
        for filler in [b'a', 0x20, 0x7f, 0x80, 0xff, b'!', b'#'] {
            assert_eq!(specials(u64::from_le_bytes([filler; 8])), 0);
        }
    }
}
