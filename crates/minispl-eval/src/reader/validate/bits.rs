//! Stage 2 of the block validator (issue 6 §4): the JSON grammar checked on bitmasks, 64
//! bytes at a time, for documents written without whitespace between tokens (what
//! CloudTrail and `serde_json::to_string` write).
//!
//! Stage 1 ([`Stage1`]: AVX2 in `avx2.rs`, a portable loop here for the tests) gives one
//! bit per byte for quotes, backslashes, colons, commas and brackets. From those, as in
//! simdjson (Langdale & Lemire, "Parsing Gigabytes of JSON per Second"):
//! - escaped bytes (after an odd run of backslashes) and so the real quotes, then the
//!   in-string mask by a prefix XOR of the quotes;
//! - every byte outside strings is a bracket, `:`, `,`, a quote or a scalar byte (anything
//!   else: digits, letters, and also spaces and junk, which the scalar check rejects).
//!
//! Instead of walking every token with a state machine (one dependent branch per token,
//! about one token per ten CloudTrail bytes), the grammar is checked as rules on
//! *adjacent* bytes, which are shifts and ANDs over the whole block. Only brackets are
//! walked one by one (they are few), to match them and to know at each byte whether the
//! innermost container is an object or an array. The rules, for each byte by its class,
//! on the byte just before it (`^` is the start of the document):
//!
//! | byte                          | allowed before it                                   |
//! |-------------------------------|-----------------------------------------------------|
//! | opening quote of a key        | `{`, or `,` in an object                            |
//! | opening quote of a value      | `^`, `[`, `:`, or `,` in an array                   |
//! | `{`, `[`, first scalar byte   | `^`, `[`, `:`, or `,` in an array                   |
//! | `}`                           | `{`, or the end of a value that is not a key        |
//! | `]`                           | `[`, or the end of a value that is not a key        |
//! | `,` (in a container)          | the end of a value that is not a key                |
//! | `:`                           | the closing quote of a key                          |
//!
//! A key is a string whose opening quote follows `{` or an object's `,`; its closing
//! quote is found by adding the opening quote's bit to the in-string mask (the carry runs
//! through the string to the byte after it). Bracket matching and the depth limit come
//! from the walk; each scalar (`true`, `false`, `null`, a number) is checked where it
//! starts and must end right before `,`, `}`, `]` or the end. Every byte after another
//! falls under exactly one row, so a document that passes all rules, ends outside a
//! string with every bracket closed and has no control byte is valid JSON.
//!
//! Like the scalar validator it only says "certainly valid": exponents, `\u` surrogates,
//! whitespace between tokens, control bytes and nesting deeper than [`MAX_DEPTH`] answer
//! `false` (the caller then tries the scalar validator, then `serde_json`).

// Only the AVX2 stage 1 drives it outside the tests.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

/// Deepest nesting checked here: the stack of open containers is one `u64`. Deeper
/// documents (never CloudTrail) are left to the scalar validator.
pub(super) const MAX_DEPTH: usize = 64;

/// One block's raw classes, one bit per byte (bit `i` is byte `i`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Masks {
    pub quote: u64,
    pub backslash: u64,
    pub colon: u64,
    pub comma: u64,
    /// `{`, `}`, `[` or `]`.
    pub bracket: u64,
}

/// Stage 1: classifies 64-byte blocks and remembers whether any byte was a control byte.
pub(super) trait Stage1 {
    fn classify(&mut self, block: &[u8; 64]) -> Masks;
    /// Whether any byte classified so far was below 0x20.
    fn saw_control(&self) -> bool;
    /// Whether any byte classified so far was 0x80 or above (not ASCII).
    fn saw_non_ascii(&self) -> bool;
    /// Bit `i` of the result is the XOR of bits `0..=i` of `x`.
    fn prefix_xor(x: u64) -> u64;
}

/// The portable stage 1: the reference the AVX2 one is tested against.
#[cfg(test)]
#[derive(Default)]
pub(super) struct Portable {
    control: bool,
    non_ascii: bool,
}

#[cfg(test)]
impl Stage1 for Portable {
    fn classify(&mut self, block: &[u8; 64]) -> Masks {
        let mut m = Masks::default();
        for (i, &c) in block.iter().enumerate() {
            let bit = 1u64 << i;
            match c {
                b'"' => m.quote |= bit,
                b'\\' => m.backslash |= bit,
                b':' => m.colon |= bit,
                b',' => m.comma |= bit,
                b'{' | b'}' | b'[' | b']' => m.bracket |= bit,
                0..=0x1f => self.control = true,
                0x80.. => self.non_ascii = true,
                _ => {}
            }
        }
        m
    }

    fn saw_control(&self) -> bool {
        self.control
    }

    fn saw_non_ascii(&self) -> bool {
        self.non_ascii
    }

    fn prefix_xor(x: u64) -> u64 {
        portable_prefix_xor(x)
    }
}

/// Prefix XOR by six shift-XOR steps.
#[cfg(test)]
pub(super) fn portable_prefix_xor(mut x: u64) -> u64 {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// A document [`check`] found certainly valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Valid {
    /// Every byte is ASCII, so the bytes are UTF-8 too (issue 6: this pass reads every
    /// byte anyway, so a separate UTF-8 pass is only needed for the others).
    pub ascii: bool,
    /// Some byte is a backslash (the document has an escape).
    pub backslash: bool,
}

/// One member of the top-level object (issue 6: the extraction looks its keys up here
/// instead of walking the record again): byte offsets in the checked bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Member {
    /// The key's first byte (after its opening quote).
    pub key: u32,
    /// The key's closing quote; the `:` follows it and the value starts after that
    /// (the block validator accepts no whitespace between tokens).
    pub key_end: u32,
    /// The byte after the value: the top-level `,` after it or the final `}`.
    pub value_end: u32,
}

/// `Some` only if `b` is one JSON value without any whitespace (see the module docs);
/// `None` when unsure. The bytes need not be UTF-8: outside strings any byte that is not
/// JSON's is refused, and inside strings the caller checks UTF-8 unless [`Valid::ascii`].
///
/// `record` is told the top-level members ([`Index`]), or nothing ([`NoIndex`]: then the
/// work is that of a plain check, issue 6: the detect path does not pay for an index).
#[inline(always)]
pub(super) fn check<S: Stage1, R: Record>(
    b: &[u8],
    stage1: &mut S,
    record: &mut R,
) -> Option<Valid> {
    let n = b.len();
    if n == 0 || (R::ON && u32::try_from(n).is_err()) {
        return None;
    }
    record.start();
    let mut state = State::new();
    let mut backslash = 0;
    let full = n - n % 64;
    let mut base = 0;
    while base < full {
        let block = b
            .get(base..base + 64)
            .and_then(|s| <&[u8; 64]>::try_from(s).ok())?;
        let masks = stage1.classify(block);
        backslash |= masks.backslash;
        if !state.block::<S, R>(b, base, masks, !0, record) {
            return None;
        }
        base += 64;
    }
    let rest = n - full;
    if rest > 0 {
        let masks = match b.get(n.wrapping_sub(64)..).map(<&[u8; 64]>::try_from) {
            // The last 64 bytes, shifted so bit 0 is the first byte not yet seen: no
            // copy, and the bytes seen twice were already checked for control bytes.
            Some(Ok(last)) => stage1.classify(last).shift_right(64 - rest as u32),
            // A record shorter than a block, padded with spaces (no class at all).
            _ => {
                let mut block = [b' '; 64];
                block[..rest].copy_from_slice(&b[full..]);
                stage1.classify(&block)
            }
        };
        backslash |= masks.backslash;
        if !state.block::<S, R>(b, base, masks, (1u64 << rest) - 1, record) {
            return None;
        }
    }
    let valid = !stage1.saw_control() && state.finish();
    if R::ON && valid {
        record.finish(b);
    }
    valid.then(|| Valid {
        ascii: !stage1.saw_non_ascii(),
        backslash: backslash != 0,
    })
}

impl Masks {
    fn shift_right(self, by: u32) -> Masks {
        Masks {
            quote: self.quote >> by,
            backslash: self.backslash >> by,
            colon: self.colon >> by,
            comma: self.comma >> by,
            bracket: self.bracket >> by,
        }
    }
}

/// What one block hands to the next: the in-string and escape state, the open brackets,
/// and bit 63 of each mask the rules look at one byte later (as bit 0).
struct State {
    /// Bit 0 set when the next block's first byte is escaped.
    escaped: u64,
    /// All ones when the previous block ended inside a string.
    in_string: u64,
    /// Carry of the key-closing-quote addition.
    key_carry: u64,
    /// The previous block's last byte allows a value after it (`[`, `:`, an array's `,`;
    /// set for the start of the document), or is a scalar byte.
    prev_value: u64,
    /// ... allows a key after it (`{`, an object's `,`).
    prev_key: u64,
    /// ... is `{` or `[`.
    prev_open: u64,
    /// ... ends a value that is not a key (closing quote, `}`, `]`, scalar byte).
    prev_end: u64,
    /// ... is the closing quote of a key.
    prev_key_close: u64,
    /// Bytes that broke an adjacency rule (any bit: invalid).
    bad: u64,
    depth: usize,
    /// Open containers, innermost in bit 0: 1 for an object.
    stack: u64,
    /// All ones when the innermost open container is an object (resp. an array).
    in_object: u64,
    in_array: u64,
    /// Its kind: 0 none, 1 an array, 2 an object (kept without an index only).
    kind: u64,
}

/// What [`check`] tells of the top-level object's members: [`NoIndex`] or [`Index`].
pub(super) trait Record {
    /// Whether anything is recorded: a constant, so that with [`NoIndex`] the check is
    /// compiled as if there were no recording at all.
    const ON: bool;
    /// Before the first block.
    fn start(&mut self);
    /// Before each block's brackets.
    fn start_block(&mut self);
    /// The bracket at bit `p` of the block left the nesting at `depth`.
    fn bracket(&mut self, p: u32, depth: usize);
    /// The block at `base`: its keys' opening and closing quotes at any depth (the
    /// recorder keeps those at depth 1).
    fn block(&mut self, base: usize, key_open: u64, key_close: u64);
    /// After [`State::finish`] accepted the document `b`.
    fn finish(&mut self, b: &[u8]);
}

/// No index.
pub(super) struct NoIndex;

impl Record for NoIndex {
    const ON: bool = false;
    #[inline(always)]
    fn start(&mut self) {}
    #[inline(always)]
    fn start_block(&mut self) {}
    #[inline(always)]
    fn bracket(&mut self, _: u32, _: usize) {}
    #[inline(always)]
    fn block(&mut self, _: usize, _: u64, _: u64) {}
    #[inline(always)]
    fn finish(&mut self, _: &[u8]) {}
}

/// The members of the top-level object, written to the start of `members` (complete
/// only when [`Index::complete`] says so). Member `k` has the `k`-th key opening and
/// closing quotes at depth 1; its value ends 2 bytes before the next key (at its `,"`:
/// no whitespace between tokens here) or at the final `}`.
///
/// A slice the caller sized (no push per member, issue 6: the bounds and the count stay
/// in registers): a document of `n` bytes has at most `n / 5 + 1` members (`"":0,`).
pub(super) struct Index<'a> {
    members: &'a mut [Member],
    /// Members whose key's opening (resp. closing) quote was seen.
    count: usize,
    keys_closed: usize,
    /// The current block's bytes at depth 1 (in the top-level container).
    depth1: u64,
    /// All ones when the previous block ended at depth 1.
    carry: u64,
    /// Set by [`Record::finish`]: the document was accepted, is an object, and
    /// `members` holds all its members.
    complete: bool,
}

impl<'a> Index<'a> {
    pub fn new(members: &'a mut [Member]) -> Index<'a> {
        Index {
            members,
            count: 0,
            keys_closed: 0,
            depth1: 0,
            carry: 0,
            complete: false,
        }
    }

    /// How many members the document [`check`] accepted has, if they are all in
    /// `members`.
    pub fn complete(&self) -> Option<usize> {
        self.complete.then_some(self.count)
    }
}

impl Record for Index<'_> {
    const ON: bool = true;

    #[inline(always)]
    fn start(&mut self) {
        self.count = 0;
        self.keys_closed = 0;
        self.complete = false;
    }

    #[inline(always)]
    fn start_block(&mut self) {
        self.depth1 = self.carry;
    }

    #[inline(always)]
    fn bracket(&mut self, p: u32, depth: usize) {
        // From this byte on, the depth is `depth`.
        let from = !0u64 << p;
        let one = 0u64.wrapping_sub(u64::from(depth == 1));
        self.depth1 = (self.depth1 & !from) | (one & from);
    }

    #[inline(always)]
    fn block(&mut self, base: usize, key_open: u64, key_close: u64) {
        let top = self.depth1;
        self.carry = ((top as i64) >> 63) as u64;
        // Offsets fit in a u32: `check` refuses to index longer documents.
        let at = |bits: u64| (base + bits.trailing_zeros() as usize) as u32;
        // Opening quotes first: a key closing in this block may open in it.
        let mut opens = key_open & top;
        while opens != 0 {
            if let Some(m) = self.members.get_mut(self.count) {
                m.key = at(opens) + 1;
            }
            self.count += 1;
            opens &= opens - 1;
        }
        let mut closes = key_close & top;
        while closes != 0 {
            if let Some(m) = self.members.get_mut(self.keys_closed) {
                m.key_end = at(closes);
            }
            self.keys_closed += 1;
            closes &= closes - 1;
        }
    }

    #[inline(always)]
    fn finish(&mut self, b: &[u8]) {
        // Only an object has members; the values' ends follow from the next keys (the
        // validator checked the `,` between them, issue 6: no loop over the commas).
        let Some(members) = self.members.get_mut(..self.count) else {
            return; // more members than room: the caller sized the slice too small
        };
        if b.first() != Some(&b'{') || self.keys_closed != self.count {
            return;
        }
        // `b.len()` fits in a u32 (checked by `check`).
        let mut end = (b.len() - 1) as u32;
        for m in members.iter_mut().rev() {
            m.value_end = end;
            end = m.key - 2;
        }
        self.complete = true;
    }
}

impl State {
    fn new() -> State {
        State {
            escaped: 0,
            in_string: 0,
            key_carry: 0,
            prev_value: 1,
            prev_key: 0,
            prev_open: 0,
            prev_end: 0,
            prev_key_close: 0,
            bad: 0,
            depth: 0,
            stack: 0,
            in_object: 0,
            in_array: 0,
            kind: 0,
        }
    }

    fn finish(&self) -> bool {
        self.bad == 0 && self.in_string == 0 && self.depth == 0 && self.escaped == 0
    }

    /// One block at `base` in `b`; `valid` has a bit for each byte of the document.
    /// `record` is told the top-level members met.
    #[inline(always)]
    fn block<S: Stage1, R: Record>(
        &mut self,
        b: &[u8],
        base: usize,
        m: Masks,
        valid: u64,
        record: &mut R,
    ) -> bool {
        let escaped = if m.backslash | self.escaped == 0 {
            0
        } else {
            // A function of its own, not a method: `self` stays in registers.
            match escapes(b, base, m.backslash, self.escaped) {
                Some((escaped, carry)) => {
                    self.escaped = carry;
                    escaped
                }
                None => return false,
            }
        };
        let quote = m.quote & !escaped;
        let in_string = S::prefix_xor(quote) ^ self.in_string;
        self.in_string = ((in_string as i64) >> 63) as u64;
        let open_quote = quote & in_string;
        let close_quote = quote & !in_string;
        let outside = !(in_string | quote) & valid;
        let colon = m.colon & outside;
        let comma = m.comma & outside;
        let brackets = m.bracket & outside;
        let scalar = outside & !(colon | comma | brackets);

        // The brackets, one by one: matching, depth, and the container of every byte.
        let mut in_object = self.in_object;
        let mut in_array = self.in_array;
        record.start_block();
        let (mut open_object, mut open_array) = (0u64, 0u64);
        let (mut close_object, mut close_array) = (0u64, 0u64);
        let mut bits = brackets;
        while bits != 0 {
            let p = bits.trailing_zeros();
            bits &= bits - 1;
            let bit = 1u64 << p;
            let c = b.get(base + p as usize).copied().unwrap_or(0);
            // `{` 0x7B and `[` 0x5B have bit 0x02, `}` 0x7D and `]` 0x5D not; braces 0x20.
            let object = c & 0x20 != 0;
            if c & 0x02 != 0 {
                if self.depth == MAX_DEPTH {
                    return false;
                }
                self.stack = self.stack << 1 | u64::from(object);
                self.depth += 1;
                if object {
                    open_object |= bit;
                } else {
                    open_array |= bit;
                }
            } else {
                if self.depth == 0 || (self.stack & 1 == 1) != object {
                    return false;
                }
                self.stack >>= 1;
                self.depth -= 1;
                if object {
                    close_object |= bit;
                } else {
                    close_array |= bit;
                }
            }
            // From this byte on, the innermost container is the new top of the stack.
            // Without an index the masks are only changed when its kind does (issue 6:
            // rarely, nearly all of CloudTrail's containers are objects; with an index
            // the extra state made the whole block loop slower, measured in Round 7).
            let kind = (1 + (self.stack & 1)) * u64::from(self.depth != 0);
            if R::ON || kind != self.kind {
                self.kind = kind;
                let top_object = 0u64.wrapping_sub(self.stack & 1);
                let any = 0u64.wrapping_sub(u64::from(self.depth != 0));
                let from = !0u64 << p;
                in_object = (in_object & !from) | (top_object & any & from);
                in_array = (in_array & !from) | (!top_object & any & from);
            }
            record.bracket(p, self.depth);
        }
        self.in_object = ((in_object as i64) >> 63) as u64;
        self.in_array = ((in_array as i64) >> 63) as u64;

        // Bit i of `before_*` describes byte i - 1. A scalar byte counts as allowing a
        // value after it: only `,` `}` `]` may follow a scalar, which `scalar_at` checks.
        let allows_value = open_array | colon | (comma & in_array) | scalar;
        let allows_key = open_object | (comma & in_object);
        let open = open_object | open_array;
        let close = close_object | close_array;
        let before_value = allows_value << 1 | self.prev_value;
        let before_key = allows_key << 1 | self.prev_key;
        let before_open = open << 1 | self.prev_open;
        let key_open = open_quote & before_key;
        // Adding a key's opening-quote bit to its run in `in_string` carries to the byte
        // after the run: the closing quote.
        let (sum, c1) = in_string.overflowing_add(key_open);
        let (sum, c2) = sum.overflowing_add(self.key_carry);
        let key_close = sum & close_quote;
        record.block(base, key_open, key_close);
        let value_end = (close_quote & !key_close) | close | scalar;
        let before_end = value_end << 1 | self.prev_end;
        let before_key_close = key_close << 1 | self.prev_key_close;
        // Scalar bytes after a scalar byte (the only byte both allowing a value and
        // ending one) continue it.
        let scalar_start = scalar & !(before_value & before_end);
        self.bad |= (open_quote & !(before_value | before_key))
            | ((open | scalar) & !before_value)
            | (close & !(before_open | before_end))
            | (comma & !(before_end & (in_object | in_array)))
            | (colon & !before_key_close);

        self.key_carry = u64::from(c1 | c2);
        self.prev_value = allows_value >> 63;
        self.prev_key = allows_key >> 63;
        self.prev_open = open >> 63;
        self.prev_end = value_end >> 63;
        self.prev_key_close = key_close >> 63;

        let mut starts = scalar_start;
        while starts != 0 {
            let p = base + starts.trailing_zeros() as usize;
            starts &= starts - 1;
            if !scalar_at(b, p) {
                return false;
            }
        }
        true
    }
}

/// The escaped bytes of a block with backslashes, each escape checked, and whether the
/// next block's first byte is escaped; `carry` says whether this block's first one is.
/// Backslashes are rare in CloudTrail, so a loop over them is enough.
#[cold]
fn escapes(b: &[u8], base: usize, backslash: u64, carry: u64) -> Option<(u64, u64)> {
    let mut escaped = carry;
    let mut next_carry = 0;
    let mut bits = backslash;
    while bits != 0 {
        let p = bits.trailing_zeros();
        bits &= bits - 1;
        if escaped & (1 << p) != 0 {
            continue; // `\\`: this backslash is the escaped byte.
        }
        if !escape_at(b, base + p as usize) {
            return None;
        }
        if p == 63 {
            next_carry = 1;
        } else {
            escaped |= 1 << (p + 1);
        }
    }
    Some((escaped, next_carry))
}

/// The escape whose backslash is at `i`: `\"` `\\` `\/` `\b` `\f` `\n` `\r` `\t`, or
/// `\uXXXX` outside the surrogates (serde's handling of unpaired ones decides those).
fn escape_at(b: &[u8], i: usize) -> bool {
    match b.get(i + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => true,
        Some(b'u') => {
            let Some(hex) = b.get(i + 2..i + 6) else {
                return false;
            };
            hex.iter().all(u8::is_ascii_hexdigit)
                && !(matches!(hex[0], b'd' | b'D')
                    && matches!(hex[1], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F'))
        }
        _ => false,
    }
}

/// A scalar starting at `i` and ending right before `,`, `}`, `]` or the end:
/// `true`, `false`, `null` or `-?(0|[1-9][0-9]*)(\.[0-9]+)?` (an exponent is left to
/// serde_json, as in the scalar validator).
#[inline(always)]
fn scalar_at(b: &[u8], mut i: usize) -> bool {
    let rest = &b[i..];
    if rest.starts_with(b"true") || rest.starts_with(b"null") {
        i += 4;
    } else if rest.starts_with(b"false") {
        i += 5;
    } else {
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = b.get(i) {
                    i += 1;
                }
            }
            _ => return false,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while let Some(b'0'..=b'9') = b.get(i) {
                i += 1;
            }
            if i == start {
                return false;
            }
        }
    }
    matches!(b.get(i), None | Some(b',' | b'}' | b']'))
}
