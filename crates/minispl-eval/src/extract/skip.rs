//! Stepping over a JSON object or array in text that is already known to be valid JSON
//! (issue 6: the scanner's checking skip was ~40% of its time on W3, re-checking a grammar
//! the reader had just checked).
//!
//! Valid text needs no grammar: the end of a container is the first bracket outside
//! strings that brings the nesting back to zero. As in simdjson's stage 1 (Langdale &
//! Lemire, "Parsing Gigabytes of JSON per Second"), 64 bytes at a time: bitmasks of quotes,
//! backslashes and opening and closing brackets; the escaped bytes (after an odd run of
//! backslashes); the in-string mask as the prefix XOR of the real quotes; the brackets
//! outside strings counted by popcount, and walked one by one only in the block where the
//! nesting may reach zero.
//!
//! Only for text the caller knows `serde_json` accepts (see [`super::scan::Text`]): on
//! other text the answer is meaningless (though never out of bounds, and `None` when no end
//! is found). The block classification needs AVX2 and PCLMULQDQ (detected at run time);
//! without them [`container_end`] answers `None` and the scanner uses its checking skip,
//! which is also correct on valid text.

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)] // std::arch intrinsics, each block with its SAFETY comment.
mod avx2;

/// One block's classes, one bit per byte (bit `i` is byte `i`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Masks {
    quote: u64,
    backslash: u64,
    /// `{` or `[`.
    open: u64,
    /// `}` or `]`.
    close: u64,
}

/// Classification of 64-byte blocks and the prefix XOR: AVX2 in `avx2.rs`, a portable
/// reference in the tests.
trait Stage1 {
    fn classify(block: &[u8; 64]) -> Masks;
    /// Bit `i` of the result is the XOR of bits `0..=i` of `x`.
    fn prefix_xor(x: u64) -> u64;
}

/// Whether the block classification can run on this CPU.
pub fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("pclmulqdq")
            && std::arch::is_x86_feature_detected!("popcnt")
            && std::arch::is_x86_feature_detected!("bmi1")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The position just after the bracket closing the object or array that opens at
/// `b[start]`, in text known to be valid JSON; `None` when no end is found or the CPU
/// lacks the features (see the module docs).
#[inline]
#[allow(unsafe_code)] // calls the AVX2 entry after detecting its features.
pub fn container_end(b: &[u8], start: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if available() {
        // SAFETY: the features `avx2::container_end` is compiled for were detected
        // just above.
        return unsafe { avx2::container_end(b, start) };
    }
    let _ = (b, start);
    None
}

/// [`container_end`] over any [`Stage1`].
#[inline(always)]
fn end<S: Stage1>(b: &[u8], start: usize) -> Option<usize> {
    debug_assert!(matches!(b.get(start), Some(b'{' | b'[')));
    // The opening bracket is consumed: nesting 1, outside any string.
    let mut base = start.checked_add(1)?;
    let mut depth: u64 = 1;
    // Bit 0 set when the next block's first byte is escaped.
    let mut escaped_carry = 0u64;
    // All ones when the previous block ended inside a string.
    let mut in_string = 0u64;
    loop {
        let rest = b.get(base..).filter(|r| !r.is_empty())?;
        let m = match rest.first_chunk::<64>() {
            Some(block) => S::classify(block),
            None => {
                // The last, partial block, padded with spaces (no class).
                let mut block = [b' '; 64];
                block[..rest.len()].copy_from_slice(rest);
                S::classify(&block)
            }
        };
        let escaped = escaped_bytes(m.backslash, &mut escaped_carry);
        let inside = S::prefix_xor(m.quote & !escaped) ^ in_string;
        in_string = 0u64.wrapping_sub(inside >> 63);
        let open = m.open & !inside;
        let close = m.close & !inside;
        let closes = u64::from(close.count_ones());
        if closes < depth {
            // Nesting only falls at a closing bracket: it cannot reach zero here.
            depth = depth + u64::from(open.count_ones()) - closes;
        } else {
            let mut brackets = open | close;
            while brackets != 0 {
                let at = brackets.trailing_zeros();
                if open >> at & 1 == 1 {
                    depth += 1;
                } else {
                    depth -= 1;
                    if depth == 0 {
                        return base.checked_add(at as usize + 1);
                    }
                }
                brackets &= brackets - 1;
            }
        }
        base = base.checked_add(64)?;
    }
}

/// The bytes escaped by a backslash (the byte after an odd run of backslashes), with the
/// carry into the next block (simdjson's branchless `find_escaped`).
#[inline(always)]
fn escaped_bytes(backslash: u64, carry: &mut u64) -> u64 {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    // A backslash that is itself escaped (by the previous block's last one) starts no run.
    let backslash = backslash & !*carry;
    let follows_escape = backslash << 1 | *carry;
    // Runs starting on an odd bit: adding the run's bits carries out past its end.
    let odd_starts = backslash & !EVEN & !follows_escape;
    let (even_runs, overflow) = odd_starts.overflowing_add(backslash);
    *carry = u64::from(overflow);
    let invert = even_runs << 1;
    (EVEN ^ invert) & follows_escape
}

#[cfg(test)]
mod tests;
