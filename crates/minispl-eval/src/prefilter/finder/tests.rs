//! The finder and the special-byte scan against naive versions, for every kernel this CPU
//! runs (issue 6: SIMD and fallback must agree on every length and alignment).

use super::*;

const KERNELS: [Kernel; 3] = [Kernel::Scalar, Kernel::Sse2, Kernel::Avx2];

/// The reference: lower-case both, then search (what the prefilter did before).
fn naive(needle: &[u8], hay: &[u8]) -> bool {
    let (n, h) = (needle.to_ascii_lowercase(), hay.to_ascii_lowercase());
    n.is_empty() || h.windows(n.len()).any(|w| w == n.as_slice())
}

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick(&mut self, from: &[u8]) -> u8 {
        from[self.below(from.len())]
    }
}

/// Letters, and the bytes that differ from a letter or from each other only by 0x20
/// (`@` / backtick, `[` / `{`, `^` / `~`, `_` / DEL), digits, JSON punctuation, non-ASCII.
const ALPHABET: &[u8] = b"aAbBeEkKsSzZ@`[{]}^~_\x7f09.:\"\\/ \x80\xc4\xb0\xe2\x84\xaa\xff";

fn random_bytes(rng: &mut Rng, len: usize, from: &[u8]) -> Vec<u8> {
    (0..len).map(|_| rng.pick(from)).collect()
}

fn random_case(rng: &mut Rng, text: &[u8]) -> Vec<u8> {
    text.iter()
        .map(|&b| {
            if rng.next() & 1 == 0 {
                b.to_ascii_uppercase()
            } else {
                b.to_ascii_lowercase()
            }
        })
        .collect()
}

fn check(needle: &[u8], hay: &[u8]) -> bool {
    let want = naive(needle, hay);
    for kernel in KERNELS.into_iter().filter(|k| k.available()) {
        let got = Finder::with_kernel(needle, kernel).is_in(hay);
        assert_eq!(
            got,
            want,
            "{kernel:?}: needle {:?} in {:?}",
            String::from_utf8_lossy(needle),
            String::from_utf8_lossy(hay)
        );
    }
    want
}

#[test]
fn planted_needles_at_every_offset_and_alignment() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for n in [1, 2, 3, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65] {
        let needle = random_bytes(&mut rng, n, b"abekszABEKSZ09.:{[@_");
        for hay_len in [n, n + 1, 31, 32, 33, 47, 63, 64, 65, 95, 127, 128, 129, 200] {
            if hay_len < n {
                continue;
            }
            for at in 0..=hay_len - n {
                // A buffer with slack in front, so the haystack starts at every alignment.
                let align = at % 32;
                let mut buf = random_bytes(&mut rng, align + hay_len, ALPHABET);
                let planted = random_case(&mut rng, &needle);
                buf[align + at..align + at + n].copy_from_slice(&planted);
                assert!(check(&needle, &buf[align..]), "planted at {at}");
                // One byte of the planted copy changed: found only if it occurs elsewhere.
                let k = rng.below(n);
                buf[align + at + k] ^= 0x01;
                check(&needle, &buf[align..]);
            }
        }
    }
}

#[test]
fn every_haystack_length_up_to_200() {
    let mut rng = Rng(42);
    for hay_len in 0..=200 {
        for n in [1, 2, 5, 16, 17, 33] {
            let needle = random_bytes(&mut rng, n, b"zkqjx.-");
            // Absent: a haystack from other bytes, with near misses (the needle's bytes
            // in another order).
            let hay: Vec<u8> = (0..hay_len)
                .map(|_| rng.pick(b"AEIOU aeiou\xc3\xa9"))
                .collect();
            assert!(!check(&needle, &hay) || n == 0);
            let mut hay = random_bytes(&mut rng, hay_len, &needle);
            check(&needle, &hay);
            if hay_len >= n {
                // At the very end and at the very start.
                let end = hay_len - n;
                hay[end..].copy_from_slice(&random_case(&mut rng, &needle));
                assert!(check(&needle, &hay));
                let mut hay = random_bytes(&mut rng, hay_len, ALPHABET);
                hay[..n].copy_from_slice(&random_case(&mut rng, &needle));
                assert!(check(&needle, &hay));
            }
        }
    }
}

#[test]
fn random_haystacks_agree_with_the_naive_search() {
    // Small alphabets make partial and full matches frequent.
    let mut rng = Rng(7);
    for _ in 0..3000 {
        let n = 1 + rng.below(6);
        let needle = random_bytes(&mut rng, n, b"aAbB@`");
        let len = rng.below(260);
        let hay = random_bytes(&mut rng, len, b"aAbB@`\xc1\xe1");
        check(&needle, &hay);
    }
}

#[test]
fn case_folds_letters_only() {
    for kernel in KERNELS.into_iter().filter(|k| k.available()) {
        let f = |n: &[u8], h: &[u8]| Finder::with_kernel(n, kernel).is_in(h);
        let pad = |s: &str| format!("{}{s}{}", " ".repeat(40), " ".repeat(40));
        assert!(f(b"putimage", pad("PutImage").as_bytes()));
        assert!(f(b"PUTIMAGE", pad("putimage").as_bytes()));
        // `[` is `{` minus 0x20, `@` is a backtick minus 0x20: not letters, not folded.
        assert!(!f(b"a{b", pad("A[B").as_bytes()));
        assert!(!f(b"a[b", pad("a{b").as_bytes()));
        assert!(!f(b"@x", pad("`x").as_bytes()));
        // Non-ASCII bytes compare exactly (0xC9 is 0xE9 minus 0x20).
        assert!(!f("x\u{e9}".as_bytes(), pad("X\u{c9}").as_bytes()));
        assert!(f(b"", b""));
        assert!(!f(b"a", b""));
    }
}

#[test]
fn two_distinct_positions_are_compared_first() {
    let f = Finder::new(b"ecr.amazonaws.com");
    assert_ne!(f.i1, f.i2);
    assert_ne!(f.b1, f.b2);
    // A needle of one repeated byte still uses two positions.
    let f = Finder::new(b"zzz");
    assert_ne!(f.i1, f.i2);
    let f = Finder::new(b"q");
    assert_eq!((f.i1, f.i2), (0, 0));
}

#[test]
fn backslash_or_non_ascii_at_every_position_length_and_alignment() {
    let plain: Vec<u8> = (0..232u32).map(|i| b' ' + (i % 60) as u8).collect();
    assert!(!plain.contains(&b'\\'));
    for kernel in KERNELS.into_iter().filter(|k| k.available()) {
        let scan = |b: &[u8]| backslash_or_non_ascii_with(b, kernel);
        for align in 0..32 {
            for len in 0..=200 {
                let mut buf = plain.clone();
                let hay = &mut buf[align..align + len];
                assert!(!scan(hay), "{kernel:?} {align} {len}");
                if align % 8 != 0 {
                    continue;
                }
                for at in 0..len {
                    for special in [b'\\', 0x80, 0xC4, 0xFF] {
                        let before = hay[at];
                        hay[at] = special;
                        assert!(scan(hay), "{kernel:?} {align} {len} {at} {special:#x}");
                        hay[at] = before;
                    }
                }
            }
        }
        // `\` is 0x5C: 0x7C (`|`) and 0x3C (`<`) are not it.
        assert!(!scan(&[b'|'; 100]));
        assert!(!scan(&[b'<'; 100]));
    }
}
