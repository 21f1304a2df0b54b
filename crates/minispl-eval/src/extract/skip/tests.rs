use super::*;
use proptest::prelude::*;
use serde::de::IgnoredAny;

/// The portable stage 1: the reference the AVX2 one is tested against.
struct Portable;

impl Stage1 for Portable {
    fn classify(block: &[u8; 64]) -> Masks {
        let mut m = Masks::default();
        for (i, &c) in block.iter().enumerate() {
            let bit = 1u64 << i;
            match c {
                b'"' => m.quote |= bit,
                b'\\' => m.backslash |= bit,
                b'{' | b'[' => m.open |= bit,
                b'}' | b']' => m.close |= bit,
                _ => {}
            }
        }
        m
    }

    fn prefix_xor(mut x: u64) -> u64 {
        for shift in [1, 2, 4, 8, 16, 32] {
            x ^= x << shift;
        }
        x
    }
}

/// Where `serde_json` says the value at `start` ends.
fn reference(b: &[u8], start: usize) -> Option<usize> {
    let mut values = serde_json::Deserializer::from_slice(&b[start..]).into_iter::<IgnoredAny>();
    values.next()?.ok()?;
    Some(start + values.byte_offset())
}

/// Both stage 1s (AVX2 when this CPU has it) agree with `serde_json` on the container
/// at `start`.
fn check_at(b: &[u8], start: usize) {
    let expected = reference(b, start);
    assert!(
        expected.is_some(),
        "test text is valid: {:?}",
        String::from_utf8_lossy(b)
    );
    assert_eq!(end::<Portable>(b, start), expected, "portable at {start}");
    if available() {
        assert_eq!(container_end(b, start), expected, "avx2 at {start}");
    }
}

/// `doc` at every offset of a 64-byte block, followed by more text (so the end is found,
/// not the end of the buffer), and alone.
fn check_everywhere(doc: &str) {
    for pad in 0..=64 {
        let text = format!("{}{doc},{doc}]", " ".repeat(pad));
        check_at(text.as_bytes(), pad);
        let text = format!("{}{doc}", " ".repeat(pad));
        check_at(text.as_bytes(), pad);
    }
}

#[test]
fn adversarial_containers_end_where_serde_says() {
    let run = |n: usize| "\\".repeat(n);
    let mut docs = vec![
        "{}".to_string(),
        "[]".to_string(),
        r#"{"a":"}"}"#.to_string(),
        r#"["]",["[",{"{":"}"}]]"#.to_string(),
        r#"{"a":"\"}\"","b":"\\","c":"\\\"]"}"#.to_string(),
        r#"["\u005c", "\u0022]", "é中😀}"]"#.to_string(),
        "[ 1 , [ 2 ] , { \"k\" : [ ] } ]".to_string(),
        "{\n\t\"a\": [\r\n1]\n}".to_string(),
        format!("{}1{}", "[".repeat(300), "]".repeat(300)),
        format!("{}{}", "{\"a\":".repeat(200), "}".repeat(200)).replace(":}", ":1}"),
    ];
    // Runs of backslashes of every length up to 130, ending just before a quote (the
    // run's parity decides whether the string ends there), at every alignment (above).
    for n in 0..130 {
        let escaped = run(n / 2 * 2);
        docs.push(format!("[\"{escaped}\",\"{escaped}\\\"]\"]"));
        docs.push(format!("{{\"k\":\"x{escaped}\"}}"));
    }
    for doc in &docs {
        check_everywhere(doc);
    }
}

#[test]
fn no_end_in_an_unclosed_container() {
    for doc in ["[1,2", "{\"a\":[]", "[\"]\"", "["] {
        assert_eq!(end::<Portable>(doc.as_bytes(), 0), None);
        if available() {
            assert_eq!(container_end(doc.as_bytes(), 0), None);
        }
    }
}

/// Scalar: the bytes after an odd run of backslashes, over a whole text.
fn escaped_reference(text: &[u8]) -> Vec<bool> {
    let mut out = vec![false; text.len()];
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'\\' {
            if let Some(next) = out.get_mut(i + 1) {
                *next = true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    out
}

fn portable_stage1_bits(text: &[u8]) -> Vec<bool> {
    let mut carry = 0;
    let mut out = Vec::new();
    for chunk in text.chunks(64) {
        let mut block = [b' '; 64];
        block[..chunk.len()].copy_from_slice(chunk);
        let escaped = escaped_bytes(Portable::classify(&block).backslash, &mut carry);
        out.extend((0..chunk.len()).map(|i| escaped >> i & 1 == 1));
    }
    out
}

/// JSON values whose strings are full of what stage 1 looks at.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let chars = prop::sample::select(vec![
        '"', '\\', '{', '}', '[', ']', ',', ':', 'a', ' ', 'é', '中', '😀', '\u{1}', '\n', '/',
    ]);
    let string = prop::collection::vec(chars, 0..24).prop_map(String::from_iter);
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        string.clone().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(8, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((string.clone(), inner), 0..6)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(crate::testing::proptest_config(256))]

    #[test]
    fn escapes_match_the_scalar_rule(text in prop::collection::vec(
        prop::sample::select(vec![b'\\', b'\\', b'\\', b'"', b'a']), 0..300)) {
        prop_assert_eq!(portable_stage1_bits(&text), escaped_reference(&text));
    }

    #[test]
    fn generated_containers_end_where_serde_says(
        value in json_value(), pad in 0usize..64, pretty in any::<bool>()
    ) {
        let doc = if pretty {
            serde_json::to_string_pretty(&value)
        } else {
            serde_json::to_string(&value)
        }.expect("serialises");
        if doc.starts_with(['{', '[']) {
            let text = format!("{}{doc}, \"tail\"]", " ".repeat(pad));
            check_at(text.as_bytes(), pad);
        }
    }

    #[test]
    fn avx2_classifies_as_the_portable_stage1(
        block in prop::collection::vec(prop::sample::select(
            vec![b'"', b'\\', b'{', b'}', b'[', b']', b'a', 0x7b ^ 0x20, 0x5b ^ 0x20, 0xfb, 0xdb, 0x00]
        ), 64),
        x in any::<u64>(),
    ) {
        let block: [u8; 64] = block.try_into().expect("64 bytes");
        #[cfg(target_arch = "x86_64")]
        if available() {
            // SAFETY: the features were detected just above.
            #[allow(unsafe_code)]
            let (masks, xor) = unsafe { (avx2::classify(&block), avx2::prefix_xor(x)) };
            prop_assert_eq!(masks, Portable::classify(&block));
            prop_assert_eq!(xor, Portable::prefix_xor(x));
        }
        let _ = (block, x);
    }
}
