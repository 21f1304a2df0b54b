//! Stage 1 with AVX2 (issue 6 §4): 64 bytes as two 32-byte vectors, one compare and one
//! `movemask` per class and half; control bytes are found by a running byte minimum,
//! tested once per record; the prefix XOR is a carry-less multiply by all ones.
//!
//! Only entered through [`check`], after runtime detection of `avx2` and `pclmulqdq`.

use super::bits::{self, Masks, Stage1};
use std::arch::x86_64::*;

struct Avx2 {
    /// Byte-wise minimum of everything classified so far.
    min: __m256i,
    /// Bitwise OR of everything classified so far (its top bits say non-ASCII).
    any: __m256i,
}

impl Stage1 for Avx2 {
    #[inline(always)]
    fn classify(&mut self, block: &[u8; 64]) -> Masks {
        // SAFETY: `check` (the only caller, inlined into it) runs only when `avx2` was
        // detected at run time; the loads read 2 × 32 bytes inside the 64-byte `block`
        // (unaligned loads, so any alignment is fine).
        unsafe {
            let lo = _mm256_loadu_si256(block.as_ptr().cast::<__m256i>());
            let hi = _mm256_loadu_si256(block.as_ptr().add(32).cast::<__m256i>());
            let both = |v: __m256i, w: __m256i| -> u64 {
                u64::from(_mm256_movemask_epi8(v) as u32)
                    | u64::from(_mm256_movemask_epi8(w) as u32) << 32
            };
            let eq = |c: u8| {
                let c = _mm256_set1_epi8(c as i8);
                both(_mm256_cmpeq_epi8(lo, c), _mm256_cmpeq_epi8(hi, c))
            };
            // `[` 0x5B and `]` 0x5D become `{` 0x7B and `}` 0x7D with bit 0x20 set.
            let case = _mm256_set1_epi8(0x20);
            let (lo_b, hi_b) = (_mm256_or_si256(lo, case), _mm256_or_si256(hi, case));
            let (open, close) = (_mm256_set1_epi8(b'{' as i8), _mm256_set1_epi8(b'}' as i8));
            let bracket = both(
                _mm256_or_si256(
                    _mm256_cmpeq_epi8(lo_b, open),
                    _mm256_cmpeq_epi8(lo_b, close),
                ),
                _mm256_or_si256(
                    _mm256_cmpeq_epi8(hi_b, open),
                    _mm256_cmpeq_epi8(hi_b, close),
                ),
            );
            self.min = _mm256_min_epu8(self.min, _mm256_min_epu8(lo, hi));
            self.any = _mm256_or_si256(self.any, _mm256_or_si256(lo, hi));
            Masks {
                quote: eq(b'"'),
                backslash: eq(b'\\'),
                colon: eq(b':'),
                comma: eq(b','),
                bracket,
            }
        }
    }

    #[inline(always)]
    fn saw_control(&self) -> bool {
        // SAFETY: as in `classify`: only reached from `check`, after detection of `avx2`.
        unsafe {
            let floor = _mm256_set1_epi8(0x20);
            // A byte is at least 0x20 exactly when max(byte, 0x20) is the byte itself.
            let ok = _mm256_cmpeq_epi8(_mm256_max_epu8(self.min, floor), self.min);
            _mm256_movemask_epi8(ok) != -1
        }
    }

    #[inline(always)]
    fn saw_non_ascii(&self) -> bool {
        // SAFETY: as in `classify`: only reached from `check`, after detection of `avx2`.
        unsafe { _mm256_movemask_epi8(self.any) != 0 }
    }

    #[inline(always)]
    fn prefix_xor(x: u64) -> u64 {
        // SAFETY: only reached from `check`, after detection of `pclmulqdq`. Multiplying
        // by all ones without carries XORs every lower bit into each bit.
        unsafe {
            let product = _mm_clmulepi64_si128(_mm_set_epi64x(0, x as i64), _mm_set1_epi8(-1), 0);
            _mm_cvtsi128_si64(product) as u64
        }
    }
}

/// [`bits::check`] with the AVX2 stage 1.
///
/// # Safety
/// The CPU must support `avx2` and `pclmulqdq` (check with `is_x86_feature_detected!`).
#[target_feature(enable = "avx2,pclmulqdq,bmi1")]
pub(super) unsafe fn check(b: &[u8]) -> Option<bits::Valid> {
    bits::check(b, &mut stage1(), &mut bits::NoIndex)
}

/// [`check`], also indexing the top-level members into `members`, and how many there
/// are when they are complete (a function of its own, not a generic one: the plain
/// check stays compiled as it was; the recorder is a local, kept in registers; issue 6).
///
/// # Safety
/// As for [`check`].
#[target_feature(enable = "avx2,pclmulqdq,bmi1")]
pub(super) unsafe fn check_indexed(
    b: &[u8],
    members: &mut [bits::Member],
) -> (Option<bits::Valid>, Option<usize>) {
    let mut record = bits::Index::new(members);
    let valid = bits::check(b, &mut stage1(), &mut record);
    (valid, record.complete())
}

/// A fresh stage 1.
#[inline(always)]
fn stage1() -> Avx2 {
    // SAFETY: only called from the `check` functions, after detection of `avx2`.
    unsafe {
        Avx2 {
            min: _mm256_set1_epi8(-1),
            any: _mm256_setzero_si256(),
        }
    }
}

/// The masks of one block, for the tests comparing with the portable stage 1.
///
/// # Safety
/// As for [`check`].
#[cfg(test)]
#[target_feature(enable = "avx2,pclmulqdq,bmi1")]
pub(super) unsafe fn classify(block: &[u8; 64]) -> (Masks, bool, bool) {
    let mut stage1 = Avx2 {
        min: _mm256_set1_epi8(-1),
        any: _mm256_setzero_si256(),
    };
    let m = stage1.classify(block);
    (m, stage1.saw_control(), stage1.saw_non_ascii())
}

/// The prefix XOR, for the tests.
///
/// # Safety
/// As for [`check`].
#[cfg(test)]
#[target_feature(enable = "avx2,pclmulqdq,bmi1")]
pub(super) unsafe fn prefix_xor(x: u64) -> u64 {
    <Avx2 as Stage1>::prefix_xor(x)
}
