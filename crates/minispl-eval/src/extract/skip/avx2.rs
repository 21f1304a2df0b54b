//! The block classification of [`super`] with AVX2: 64 bytes as two 32-byte vectors, one
//! compare and one `movemask` per class and half; the prefix XOR is a carry-less multiply
//! by all ones. Only entered through [`container_end`], after runtime detection.

use super::{Masks, Stage1};
use std::arch::x86_64::*;

struct Avx2;

impl Stage1 for Avx2 {
    #[inline(always)]
    fn classify(block: &[u8; 64]) -> Masks {
        // SAFETY: `container_end` (the only caller, inlined into it) runs only when `avx2`
        // was detected at run time; the loads read 2 × 32 bytes inside the 64-byte
        // `block` (unaligned loads, so any alignment is fine).
        unsafe {
            let lo = _mm256_loadu_si256(block.as_ptr().cast::<__m256i>());
            let hi = _mm256_loadu_si256(block.as_ptr().add(32).cast::<__m256i>());
            let both = |v: __m256i, w: __m256i| -> u64 {
                u64::from(_mm256_movemask_epi8(v) as u32)
                    | u64::from(_mm256_movemask_epi8(w) as u32) << 32
            };
            let eq = |lo: __m256i, hi: __m256i, c: u8| {
                let c = _mm256_set1_epi8(c as i8);
                both(_mm256_cmpeq_epi8(lo, c), _mm256_cmpeq_epi8(hi, c))
            };
            // `[` 0x5B and `]` 0x5D become `{` 0x7B and `}` 0x7D with bit 0x20 set (and
            // nothing else does).
            let case = _mm256_set1_epi8(0x20);
            let (lo_b, hi_b) = (_mm256_or_si256(lo, case), _mm256_or_si256(hi, case));
            Masks {
                quote: eq(lo, hi, b'"'),
                backslash: eq(lo, hi, b'\\'),
                open: eq(lo_b, hi_b, b'{'),
                close: eq(lo_b, hi_b, b'}'),
            }
        }
    }

    #[inline(always)]
    fn prefix_xor(x: u64) -> u64 {
        // SAFETY: only reached from `container_end`, after detection of `pclmulqdq`.
        // Multiplying by all ones without carries XORs every lower bit into each bit.
        unsafe {
            let product = _mm_clmulepi64_si128(_mm_set_epi64x(0, x as i64), _mm_set1_epi8(-1), 0);
            _mm_cvtsi128_si64(product) as u64
        }
    }
}

/// [`super::end`] with the AVX2 stage 1.
///
/// # Safety
/// The CPU must support `avx2` and `pclmulqdq` (see [`super::available`]).
#[target_feature(enable = "avx2,pclmulqdq,popcnt,bmi1")]
pub(super) unsafe fn container_end(b: &[u8], start: usize) -> Option<usize> {
    super::end::<Avx2>(b, start)
}

/// The masks of one block, for the tests comparing with the portable stage 1.
///
/// # Safety
/// As for [`container_end`].
#[cfg(test)]
#[target_feature(enable = "avx2,pclmulqdq,popcnt,bmi1")]
pub(super) unsafe fn classify(block: &[u8; 64]) -> Masks {
    Avx2::classify(block)
}

/// The prefix XOR, for the tests.
///
/// # Safety
/// As for [`container_end`].
#[cfg(test)]
#[target_feature(enable = "avx2,pclmulqdq,popcnt,bmi1")]
pub(super) unsafe fn prefix_xor(x: u64) -> u64 {
    Avx2::prefix_xor(x)
}
