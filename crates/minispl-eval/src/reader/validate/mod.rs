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
    let is_space = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    let Some(first) = bytes.iter().position(|c| !is_space(c)) else {
        return Quick::Unsure;
    };
    let last = bytes.iter().rposition(|c| !is_space(c)).unwrap_or(first);
    match block_check(&bytes[first..=last]) {
        Some(bits::Valid {
            ascii: true,
            backslash,
        }) => Quick::Ascii {
            text: ascii_text(bytes),
            backslash,
        },
        Some(bits::Valid { ascii: false, .. }) => Quick::Valid,
        None => Quick::Unsure,
    }
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

#[cfg(test)]
#[allow(unsafe_code)]
mod tests;
