//! ASCII-case-insensitive substring search over an event's original bytes (issue 6: the
//! prefilter must reject a typical CloudTrail event at ≥ 10 GB/s on one core, which rules
//! out lower-casing a copy of every event first).
//!
//! The technique is memchr's "packed pair" made case-folding: two bytes of the needle are
//! chosen (the rarest in CloudTrail JSON by [`RANK`], letters ranked with both cases
//! together); each window of 32 (AVX2) or 16 (SSE2) haystack positions is compared against
//! both at their offsets, a letter byte after `| 0x20` (which maps exactly `A`→`a` ...
//! `Z`→`z` onto the needle's lower-case letter and nothing else onto it), and only the
//! positions where both agree are verified with `eq_ignore_ascii_case`. A scalar loop does
//! the same where SIMD is not available (and is tested against the SIMD kernels).
//!
//! Also here: [`backslash_or_non_ascii`], the one pass that tells whether the event
//! needs the slower escape / Unicode checks at all.

/// Frequency rank of each byte in CloudTrail JSON text (0 = rarest), letters ranked with
/// both cases counted together. Measured over 20,000 records of `minispl::generate` and
/// the JSON files of `corpus/`; a byte never seen ranks by its value, below every seen
/// byte. Only the choice of the two bytes compared by SIMD depends on it, never the
/// result.
const RANK: [u8; 256] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 182, 10, 11, 12, 13, 14, //
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, //
    195, 31, 255, 183, 32, 33, 34, 174, 180, 181, 172, 177, 231, 217, 209, 196, //
    223, 241, 238, 222, 228, 225, 224, 211, 212, 210, 246, 178, 35, 36, 37, 38, //
    173, 251, 213, 239, 234, 253, 215, 203, 199, 236, 184, 193, 226, 229, 244, 232, //
    218, 188, 242, 249, 247, 220, 207, 201, 186, 205, 191, 175, 179, 176, 39, 190, //
    40, 252, 214, 240, 235, 254, 216, 204, 200, 237, 185, 194, 227, 230, 245, 233, //
    219, 189, 243, 250, 248, 221, 208, 202, 187, 206, 192, 197, 41, 198, 42, 43, //
    44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, //
    60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, //
    76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, //
    92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, //
    108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, //
    124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, //
    140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, //
    156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, //
];

/// Which implementation a [`Finder`] uses. Chosen once at construction from the CPU's
/// features; tests force each one to compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kernel {
    Scalar,
    /// x86_64 baseline (16 bytes per step).
    Sse2,
    /// 32 bytes per step, when the CPU has AVX2 (runtime detection).
    Avx2,
}

impl Kernel {
    /// The fastest kernel this CPU runs.
    pub(crate) fn best() -> Kernel {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") {
                Kernel::Avx2
            } else {
                Kernel::Sse2
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            Kernel::Scalar
        }
    }

    /// Can this CPU run `self`? (Tests skip kernels it cannot.)
    #[cfg(test)]
    pub(crate) fn available(self) -> bool {
        kernel_runs(self)
    }
}

/// A compiled needle: does it occur in a haystack, ignoring ASCII case?
#[derive(Debug, Clone)]
pub(crate) struct Finder {
    /// ASCII-lower-cased.
    needle: Box<[u8]>,
    /// The two offsets compared first (equal only for a one-byte needle), their bytes
    /// (lower-cased), and `0x20` where that byte is a letter (the OR that folds case).
    i1: usize,
    i2: usize,
    b1: u8,
    b2: u8,
    f1: u8,
    f2: u8,
    kernel: Kernel,
}

impl Finder {
    pub(crate) fn new(needle: &[u8]) -> Finder {
        Finder::with_kernel(needle, Kernel::best())
    }

    /// With a given kernel; the caller makes sure the CPU can run it
    /// ([`Kernel::available`]); otherwise the scalar loop is used.
    pub(crate) fn with_kernel(needle: &[u8], kernel: Kernel) -> Finder {
        let needle: Box<[u8]> = needle.to_ascii_lowercase().into();
        let rank = |i: usize| RANK[usize::from(needle[i])];
        let (i1, i2) = if needle.is_empty() {
            (0, 0)
        } else {
            let i1 = (0..needle.len()).min_by_key(|&i| rank(i)).unwrap_or(0);
            // A second position with a different byte if there is one (two equal bytes
            // select the same positions twice), else any other position.
            let i2 = (0..needle.len())
                .filter(|&i| needle[i] != needle[i1])
                .min_by_key(|&i| rank(i))
                .or_else(|| (0..needle.len()).find(|&i| i != i1))
                .unwrap_or(i1);
            (i1, i2)
        };
        let byte = |i: usize| needle.get(i).copied().unwrap_or(0);
        let fold = |b: u8| if b.is_ascii_lowercase() { 0x20 } else { 0 };
        let kernel = if kernel_runs(kernel) {
            kernel
        } else {
            Kernel::Scalar
        };
        Finder {
            i1,
            i2,
            b1: byte(i1),
            b2: byte(i2),
            f1: fold(byte(i1)),
            f2: fold(byte(i2)),
            kernel,
            needle,
        }
    }

    /// Does the needle occur in `hay`, ignoring ASCII case? (Bytes ≥ 0x80 compare exactly.)
    pub(crate) fn is_in(&self, hay: &[u8]) -> bool {
        if self.needle.is_empty() {
            return true;
        }
        if hay.len() < self.needle.len() {
            return false;
        }
        match self.kernel {
            Kernel::Scalar => self.scalar(hay),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `kernel` is Avx2 only when the CPU has AVX2 (`kernel_runs`).
            Kernel::Avx2 => unsafe { self.avx2(hay) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: SSE2 is part of x86_64's baseline.
            Kernel::Sse2 => unsafe { self.sse2(hay) },
            #[cfg(not(target_arch = "x86_64"))]
            _ => self.scalar(hay),
        }
    }

    /// Is there a match starting at `s`? False when it would run past the end.
    #[inline(always)]
    fn verify(&self, hay: &[u8], s: usize) -> bool {
        hay.get(s..s + self.needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(&self.needle))
    }

    fn scalar(&self, hay: &[u8]) -> bool {
        let n = self.needle.len();
        (0..=hay.len().saturating_sub(n)).any(|s| {
            hay[s + self.i1] | self.f1 == self.b1
                && hay[s + self.i2] | self.f2 == self.b2
                && self.verify(hay, s)
        })
    }

    /// # Safety
    /// The CPU must support SSE2 (always true on x86_64, where it is part of the
    /// baseline).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "sse2")]
    unsafe fn sse2(&self, hay: &[u8]) -> bool {
        use std::arch::x86_64::*;
        let max = self.i1.max(self.i2);
        if hay.len() < max + 16 {
            return self.scalar(hay);
        }
        let v1 = _mm_set1_epi8(self.b1 as i8);
        let v2 = _mm_set1_epi8(self.b2 as i8);
        let f1 = _mm_set1_epi8(self.f1 as i8);
        let f2 = _mm_set1_epi8(self.f2 as i8);
        let ptr = hay.as_ptr();
        // Window starts `p..p + 16`; the last window may overlap the one before.
        let last = hay.len() - max - 16;
        let mut p = 0;
        loop {
            // SAFETY: p <= last = len - max - 16, so both 16-byte loads end at or before
            // hay.len().
            let (c1, c2) = unsafe {
                (
                    _mm_loadu_si128(ptr.add(p + self.i1).cast()),
                    _mm_loadu_si128(ptr.add(p + self.i2).cast()),
                )
            };
            let eq = _mm_and_si128(
                _mm_cmpeq_epi8(_mm_or_si128(c1, f1), v1),
                _mm_cmpeq_epi8(_mm_or_si128(c2, f2), v2),
            );
            let mut m = _mm_movemask_epi8(eq) as u32;
            while m != 0 {
                if self.verify(hay, p + m.trailing_zeros() as usize) {
                    return true;
                }
                m &= m - 1;
            }
            if p == last {
                return false;
            }
            p = (p + 16).min(last);
        }
    }

    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn avx2(&self, hay: &[u8]) -> bool {
        use std::arch::x86_64::*;
        let max = self.i1.max(self.i2);
        if hay.len() < max + 64 {
            // SAFETY: AVX2 implies SSE2.
            return unsafe { self.sse2(hay) };
        }
        let v1 = _mm256_set1_epi8(self.b1 as i8);
        let v2 = _mm256_set1_epi8(self.b2 as i8);
        let f1 = _mm256_set1_epi8(self.f1 as i8);
        let f2 = _mm256_set1_epi8(self.f2 as i8);
        let ptr = hay.as_ptr();
        // The candidate mask of window starts `p..p + 32` (macros rather than closures:
        // the intrinsics must be inlined under this function's target feature).
        macro_rules! window {
            ($p:expr) => {{
                // SAFETY: every use keeps p <= last = len - max - 32, so both loads are
                // in bounds.
                let (c1, c2) = unsafe {
                    (
                        _mm256_loadu_si256(ptr.add($p + self.i1).cast()),
                        _mm256_loadu_si256(ptr.add($p + self.i2).cast()),
                    )
                };
                _mm256_and_si256(
                    _mm256_cmpeq_epi8(_mm256_or_si256(c1, f1), v1),
                    _mm256_cmpeq_epi8(_mm256_or_si256(c2, f2), v2),
                )
            }};
        }
        macro_rules! verify_all {
            ($p:expr, $mask:expr) => {{
                let mut m = $mask;
                while m != 0 {
                    if self.verify(hay, $p + m.trailing_zeros() as usize) {
                        return true;
                    }
                    m &= m - 1;
                }
            }};
        }
        // Window starts `p..p + 32`; pairs of windows (`pairs_avx2`), then single
        // windows, the last one possibly overlapping the one before.
        let last = hay.len() - max - 32;
        let mut p = 0;
        loop {
            // SAFETY: AVX2 is enabled here; `last` is as `pairs_avx2` requires.
            let (at, mask) = unsafe { self.pairs_avx2(hay, p, last) };
            if mask == 0 {
                p = at;
                break;
            }
            verify_all!(at, mask);
            p = at + 64;
        }
        // The pairs may have stepped past `last` (by less than a window): recheck `last`.
        p = p.min(last);
        loop {
            verify_all!(p, _mm256_movemask_epi8(window!(p)) as u32);
            if p == last {
                return false;
            }
            p = (p + 32).min(last);
        }
    }

    /// The first step from `p` on (two windows, starts `at..at + 64`) with a candidate:
    /// `(at, mask)` with bit `k` for start `at + k`; `(p, 0)` when none before `last`.
    /// Separate from the verification so that the loop keeps its constants in registers
    /// (a call in the loop made the compiler reload them from the stack every step).
    ///
    /// # Safety
    /// The CPU must support AVX2, and `last == hay.len() - max(i1, i2) - 32`.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[inline(never)]
    unsafe fn pairs_avx2(&self, hay: &[u8], mut p: usize, last: usize) -> (usize, u64) {
        use std::arch::x86_64::*;
        let v1 = _mm256_set1_epi8(self.b1 as i8);
        let v2 = _mm256_set1_epi8(self.b2 as i8);
        let f1 = _mm256_set1_epi8(self.f1 as i8);
        let f2 = _mm256_set1_epi8(self.f2 as i8);
        let (p1, p2) = (
            hay.as_ptr().wrapping_add(self.i1),
            hay.as_ptr().wrapping_add(self.i2),
        );
        macro_rules! window {
            ($p:expr) => {{
                // SAFETY: every use is at p or p + 32 with p + 32 <= last, so the loads
                // end at or before p + 64 + max(i1, i2) <= last + 32 + max = hay.len().
                let (c1, c2) = unsafe {
                    (
                        _mm256_loadu_si256(p1.add($p).cast()),
                        _mm256_loadu_si256(p2.add($p).cast()),
                    )
                };
                _mm256_and_si256(
                    _mm256_cmpeq_epi8(_mm256_or_si256(c1, f1), v1),
                    _mm256_cmpeq_epi8(_mm256_or_si256(c2, f2), v2),
                )
            }};
        }
        while p + 32 <= last {
            let (a, b) = (window!(p), window!(p + 32));
            let any = _mm256_or_si256(a, b);
            if _mm256_testz_si256(any, any) == 0 {
                let lo = _mm256_movemask_epi8(a) as u32;
                let hi = _mm256_movemask_epi8(b) as u32;
                return (p, u64::from(lo) | u64::from(hi) << 32);
            }
            p += 64;
        }
        (p, 0)
    }
}

fn kernel_runs(kernel: Kernel) -> bool {
    match kernel {
        Kernel::Scalar => true,
        #[cfg(target_arch = "x86_64")]
        Kernel::Sse2 => true,
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => std::is_x86_feature_detected!("avx2"),
        #[cfg(not(target_arch = "x86_64"))]
        _ => false,
    }
}

/// Does `bytes` contain a backslash or a byte ≥ 0x80? When it contains neither, an event
/// that failed the formula on its raw text needs no escape or Unicode check: it is
/// rejected after this one pass (issue 6: the common case).
pub(crate) fn backslash_or_non_ascii(bytes: &[u8]) -> bool {
    backslash_or_non_ascii_with(bytes, Kernel::best())
}

pub(crate) fn backslash_or_non_ascii_with(bytes: &[u8], kernel: Kernel) -> bool {
    match kernel {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: AVX2 is present (checked just before the call).
        Kernel::Avx2 if kernel_runs(Kernel::Avx2) => unsafe { specials_avx2(bytes) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of x86_64's baseline.
        Kernel::Sse2 | Kernel::Avx2 => unsafe { specials_sse2(bytes) },
        _ => specials_scalar(bytes),
    }
}

fn specials_scalar(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b == b'\\' || b >= 0x80)
}

/// # Safety
/// The CPU must support SSE2 (part of x86_64's baseline).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
unsafe fn specials_sse2(bytes: &[u8]) -> bool {
    use std::arch::x86_64::*;
    if bytes.len() < 16 {
        return specials_scalar(bytes);
    }
    let bs = _mm_set1_epi8(b'\\' as i8);
    let ptr = bytes.as_ptr();
    // The high bit of each byte of `acc`: a byte ≥ 0x80, or a backslash (cmpeq gives 0xFF).
    let mut acc = _mm_setzero_si128();
    let mut p = 0;
    let last = bytes.len() - 16;
    loop {
        // SAFETY: p <= last = len - 16.
        let x = unsafe { _mm_loadu_si128(ptr.add(p).cast()) };
        acc = _mm_or_si128(acc, _mm_or_si128(x, _mm_cmpeq_epi8(x, bs)));
        if p == last {
            break;
        }
        p = (p + 16).min(last);
    }
    _mm_movemask_epi8(acc) != 0
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn specials_avx2(bytes: &[u8]) -> bool {
    use std::arch::x86_64::*;
    if bytes.len() < 32 {
        // SAFETY: AVX2 implies SSE2.
        return unsafe { specials_sse2(bytes) };
    }
    let bs = _mm256_set1_epi8(b'\\' as i8);
    let ptr = bytes.as_ptr();
    // Two accumulators: the bytes themselves (high bit: ≥ 0x80) and the backslash
    // comparisons, so each load folds into its instruction.
    let (mut high, mut slash) = (_mm256_setzero_si256(), _mm256_setzero_si256());
    macro_rules! one {
        ($p:expr) => {{
            // SAFETY: every use keeps p <= last = len - 32.
            let x = unsafe { _mm256_loadu_si256(ptr.add($p).cast()) };
            high = _mm256_or_si256(high, x);
            slash = _mm256_or_si256(slash, _mm256_cmpeq_epi8(x, bs));
        }};
    }
    let last = bytes.len() - 32;
    let mut p = 0;
    // Four windows per step: the loop is bound by loads, not by the test.
    while p + 96 <= last {
        one!(p);
        one!(p + 32);
        one!(p + 64);
        one!(p + 96);
        p += 128;
    }
    p = p.min(last);
    loop {
        one!(p);
        if p == last {
            break;
        }
        p = (p + 32).min(last);
    }
    _mm256_movemask_epi8(_mm256_or_si256(high, slash)) != 0
}

#[cfg(test)]
mod tests;
