//! A fast check that a record is one valid JSON value (issue 6 §4: the reader validates
//! every raw record, and a full `serde_json` pass was the largest cost of a detection run
//! that the prefilter otherwise makes cheap; then the scalar validator itself was ~43% of
//! a search that skips every event, at ≈ 2 GB/s).
//!
//! Two validators, tried in turn:
//! - on x86_64 CPUs with AVX2 and PCLMULQDQ (detected at run time), a simdjson-style block
//!   validator (`bits.rs` for the grammar on bitmasks, `avx2.rs` for the classification),
//!   for documents with no whitespace between tokens, as CloudTrail writes them;
//! - when it is unsure, or on other CPUs, the byte-at-a-time validator (`scalar.rs`),
//!   which also handles spaces between tokens.
//!
//! Both only ever say "certainly valid": whenever unsure (a control character, an exponent,
//! a `\u` surrogate, deep nesting, any syntax error) they answer `false` and the reader asks
//! `serde_json`, which also writes the error message. So a record is never accepted that
//! `serde_json` would reject; a valid one may go the slow way.
//!
//! `cargo bench --bench validate` compares them with `std::str::from_utf8` and `serde_json`.

mod bits;
mod scalar;

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)] // std::arch intrinsics, each block with its SAFETY comment.
mod avx2;

/// `serde_json`'s default recursion limit; deeper documents go the slow way.
const MAX_DEPTH: usize = 128;

/// True only if `text` is a JSON value with nothing but whitespace around it that
/// `serde_json` accepts; `false` when unsure.
pub fn certainly_valid(text: &str) -> bool {
    // JSON's whitespace around the value (what serde_json skips) is left out of the block
    // validator, which accepts none.
    let value = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    block_check(value.as_bytes()).is_some() || scalar::certainly_valid(text)
}

/// What the block validator can tell of a record's bytes before they are known to be
/// UTF-8 (issue 6: it reads every byte anyway, so for the ASCII records that are nearly
/// all of CloudTrail it is the UTF-8 check too, and `from_utf8` is a second pass saved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quick<'a> {
    /// Certainly valid JSON and every byte ASCII: the record's text, and whether it
    /// holds a backslash (so an escape).
    Ascii { text: &'a str, backslash: bool },
    /// Certainly valid JSON once its bytes are found to be UTF-8 (not checked here).
    Valid,
    /// Not known: check UTF-8, then [`scalar_certainly_valid`].
    Unsure,
}

/// [`Quick`] for `bytes`: as [`certainly_valid`] but on bytes, and without its
/// byte-at-a-time fallback.
pub fn quick(bytes: &[u8]) -> Quick<'_> {
    quick_with(bytes, block_check).0
}

/// [`quick`], also indexing the members of the top-level object into `index` (issue 6:
/// the extraction then looks the record's top-level keys up instead of walking it). The
/// index is kept only when the answer is [`Quick::Ascii`] or [`Quick::Valid`] and the
/// value is an object; otherwise `index` says there is none. Its buffer is reused.
pub fn quick_indexed<'a>(bytes: &'a [u8], index: &mut TopIndex) -> Quick<'a> {
    // Room for the most members a record this long can have; the buffer only grows.
    let room = bytes.len() / 5 + 1;
    if index.members.len() < room {
        index.members.resize(room, Member::default());
    }
    let mut count = None;
    let members = &mut index.members[..];
    let (quick, valid) = quick_with(bytes, |value| {
        let valid;
        (valid, count) = block_check_indexed(value, members);
        valid
    });
    // Offsets are u32s: a longer text (never a record) has no index.
    index.count = count.filter(|_| valid.is_some() && u32::try_from(bytes.len()).is_ok());
    let first = bytes.iter().position(|c| !is_json_space(c)).unwrap_or(0);
    if first != 0 {
        // Offsets in `bytes`, not in the value (JSON whitespace before it is rare).
        index.shift(first as u32);
    }
    index.backslash = valid.map_or(true, |v| v.backslash);
    index.len = bytes.len();
    quick
}

/// JSON's whitespace (what serde_json skips around a value).
fn is_json_space(c: &u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// [`quick`] with the block validator `check` (plain or indexing); also its verdict.
#[inline(always)]
fn quick_with<'a>(
    bytes: &'a [u8],
    check: impl FnOnce(&[u8]) -> Option<bits::Valid>,
) -> (Quick<'a>, Option<bits::Valid>) {
    let Some(first) = bytes.iter().position(|c| !is_json_space(c)) else {
        return (Quick::Unsure, None);
    };
    let last = bytes
        .iter()
        .rposition(|c| !is_json_space(c))
        .unwrap_or(first);
    let valid = check(&bytes[first..=last]);
    let quick = match valid {
        Some(bits::Valid {
            ascii: true,
            backslash,
        }) => Quick::Ascii {
            text: ascii_text(bytes),
            backslash,
        },
        Some(bits::Valid { ascii: false, .. }) => Quick::Valid,
        None => Quick::Unsure,
    };
    (quick, valid)
}

/// `bytes` as text, once the block validator saw every byte of the value inside them be
/// ASCII; what surrounds the value is JSON whitespace, ASCII too.
#[allow(unsafe_code)]
fn ascii_text(bytes: &[u8]) -> &str {
    debug_assert!(bytes.is_ascii());
    // SAFETY: every byte is ASCII (the caller's block check over the value, and the
    // whitespace around it), and ASCII is valid UTF-8.
    unsafe { std::str::from_utf8_unchecked(bytes) }
}

/// The byte-at-a-time validator alone (same contract): what [`certainly_valid`] does
/// when the block validator is unsure, so after [`Quick::Unsure`] all that is left to
/// try (and the benchmark's baseline).
pub fn scalar_certainly_valid(text: &str) -> bool {
    scalar::certainly_valid(text)
}

/// The block validator alone (for the benchmark; same contract, but any whitespace
/// between tokens answers `false`): `None` when the CPU lacks AVX2 or PCLMULQDQ.
#[doc(hidden)]
pub fn simd_certainly_valid(text: &str) -> Option<bool> {
    simd_available().then(|| block_check(text.as_bytes()).is_some())
}

fn simd_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("pclmulqdq")
            && std::arch::is_x86_feature_detected!("bmi1")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[inline]
#[allow(unsafe_code)] // calls the AVX2 entry after detecting its features.
fn block_check(bytes: &[u8]) -> Option<bits::Valid> {
    #[cfg(target_arch = "x86_64")]
    if simd_available() {
        // SAFETY: the features `avx2::check` is compiled for were detected just above.
        return unsafe { avx2::check(bytes) };
    }
    let _ = bytes;
    None
}

/// [`block_check`], indexing the top-level members; whether the index is complete.
#[inline]
#[allow(unsafe_code)] // calls the AVX2 entry after detecting its features.
fn block_check_indexed(
    bytes: &[u8],
    members: &mut [Member],
) -> (Option<bits::Valid>, Option<usize>) {
    #[cfg(target_arch = "x86_64")]
    if simd_available() {
        // SAFETY: the features `avx2::check_indexed` is compiled for were detected just
        // above.
        return unsafe { avx2::check_indexed(bytes, members) };
    }
    let _ = (bytes, members);
    (None, None)
}

pub use bits::Member;

impl Member {
    /// The key's bytes (without quotes, escapes not decoded).
    pub fn key(&self) -> std::ops::Range<usize> {
        self.key as usize..self.key_end as usize
    }

    /// The value's bytes: after the key's closing quote and the `:`.
    pub fn value(&self) -> std::ops::Range<usize> {
        self.key_end as usize + 2..self.value_end as usize
    }
}

/// The members of a record's top-level object in document order (repeated keys
/// included), as the block validator found them: see [`quick_indexed`]. A buffer reused
/// from record to record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopIndex {
    /// The members at the start (a buffer sized for the longest record so far).
    members: Vec<Member>,
    /// How many members the last record given to [`quick_indexed`] has, if indexed.
    count: Option<usize>,
    /// That record's length.
    len: usize,
    /// Some key or value may hold a backslash (`false`: certainly none).
    backslash: bool,
}

impl TopIndex {
    /// Move the offsets by `by` (the value began `by` bytes into the record).
    fn shift(&mut self, by: u32) {
        let count = self.count.unwrap_or(0);
        for m in self.members.iter_mut().take(count) {
            m.key += by;
            m.key_end += by;
            m.value_end += by;
        }
    }

    /// The members, if the last record given to [`quick_indexed`] was indexed and is
    /// `text` (same length: the caller hands the same text on).
    pub fn members_of(&self, text: &str) -> Option<&[Member]> {
        let count = self.count.filter(|_| self.len == text.len())?;
        self.members.get(..count)
    }

    /// Whether some key or value of the indexed record may hold a backslash (an escape):
    /// `false` only when the record certainly has none.
    pub fn backslash(&self) -> bool {
        self.backslash
    }
}

#[cfg(test)]
#[allow(unsafe_code)]
mod tests;

/// For the tests (here and in `tests/validation.rs`): `Ok` when `index` is the index of
/// `text` read by `serde_json` (the reference): one member per key of the top-level
/// object in document order, repeated keys included; each key span, decoded, is that
/// key; each value span parses to that value; the spans tile the text (`{"` key `":`
/// value, `,"` between members, `}` at the end).
#[doc(hidden)]
pub fn index_agrees_with_serde(text: &str, index: &TopIndex) -> Result<(), String> {
    let members = index.members_of(text).ok_or("no index")?;
    let pairs = serde_members(text).map_err(|e| format!("serde: {e}"))?;
    if pairs.len() != members.len() {
        return Err(format!("{} members, serde {}", members.len(), pairs.len()));
    }
    let body = text.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    let open = text.len() - text.trim_start_matches([' ', '\t', '\n', '\r']).len();
    if members.is_empty() {
        return (body == "{}").then_some(()).ok_or("empty index".into());
    }
    let mut key_start = open + 2;
    for (n, (m, (key, value))) in members.iter().zip(&pairs).enumerate() {
        let at = |r: std::ops::Range<usize>| text.get(r).ok_or(format!("member {n} out of bounds"));
        if m.key().start != key_start || at(m.key().end..m.key().end + 2)? != "\":" {
            return Err(format!("member {n}: key at {:?}", m.key()));
        }
        let quoted = at(m.key().start - 1..m.key().end + 1)?;
        let decoded: String = serde_json::from_str(quoted).map_err(|e| format!("key {n}: {e}"))?;
        let parsed: serde_json::Value =
            serde_json::from_str(at(m.value())?).map_err(|e| format!("value {n}: {e}"))?;
        if decoded != *key || parsed != *value {
            return Err(format!(
                "member {n}: {decoded:?}: {parsed} vs {key:?}: {value}"
            ));
        }
        let last = n + 1 == members.len();
        let end = m.value().end;
        let after = if last { "}" } else { ",\"" };
        if at(end..end + after.len())? != after || (last && end + 1 != open + body.len()) {
            return Err(format!("member {n}: value ends at {end}"));
        }
        key_start = end + 2;
    }
    Ok(())
}

/// The members of the JSON object `text` as serde_json reads them, repeated keys kept.
fn serde_members(text: &str) -> Result<Vec<(String, serde_json::Value)>, serde_json::Error> {
    struct Pairs;
    impl<'de> serde::de::Visitor<'de> for Pairs {
        type Value = Vec<(String, serde_json::Value)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(pair) = map.next_entry()? {
                out.push(pair);
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let pairs = serde::Deserializer::deserialize_map(&mut de, Pairs)?;
    de.end()?;
    Ok(pairs)
}
