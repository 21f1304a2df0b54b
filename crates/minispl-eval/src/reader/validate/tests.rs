//! The validators against `serde_json` and against each other (issue 6 §4): the block
//! validator must never accept what serde_json rejects, must accept the records CloudTrail
//! writes, and its AVX2 and portable stage 1 must agree on every input.

use super::bits::{self, Portable, Stage1};
use super::*;
use proptest::prelude::*;

fn serde_ok(t: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok()
}

/// The block validator with the portable stage 1.
fn portable_verdict(t: &[u8]) -> Option<bits::Valid> {
    bits::check(t, &mut Portable::default(), &mut bits::NoIndex)
}

fn portable(t: &[u8]) -> bool {
    portable_verdict(t).is_some()
}

/// Whether the AVX2 block validator accepts `t`, when the CPU has AVX2.
fn simd(t: &[u8]) -> Option<bool> {
    simd_verdict(t).map(|v| v.is_some())
}

/// The block validator with the AVX2 stage 1, when the CPU has it.
fn simd_verdict(t: &[u8]) -> Option<Option<bits::Valid>> {
    #[cfg(target_arch = "x86_64")]
    if simd_available() {
        // SAFETY: the features were detected just above.
        return Some(unsafe { avx2::check(t) });
    }
    let _ = t;
    None
}

/// Everything that must hold for one input: nothing serde rejects is accepted; both
/// stage 1s agree; the block validator accepts nothing the scalar one rejects, and on
/// input without any whitespace byte they give the same answer (except at the depth
/// limits: the block validator stops at 64 levels, the scalar one at 128 not counting an
/// innermost empty container).
fn check_all(t: &str) {
    let verdict = portable_verdict(t.as_bytes());
    if let Some(s) = simd_verdict(t.as_bytes()) {
        assert_eq!(s, verdict, "AVX2 and portable stage 1 disagree on {t:?}");
    }
    if let Some(valid) = verdict {
        assert_eq!(valid.ascii, t.is_ascii(), "ASCII flag wrong for {t:?}");
        assert_eq!(
            valid.backslash,
            t.contains('\\'),
            "backslash flag wrong for {t:?}"
        );
    }
    let fast = verdict.is_some();
    let slow = scalar::certainly_valid(t);
    assert!(
        !fast || slow,
        "block validator accepts what the scalar one rejects: {t:?}"
    );
    let opens = t.bytes().filter(|c| matches!(c, b'[' | b'{')).count();
    if opens < bits::MAX_DEPTH && !t.bytes().any(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')) {
        assert_eq!(fast, slow, "validators disagree on {t:?}");
    }
    if certainly_valid(t) {
        assert!(serde_ok(t), "accepted what serde rejects: {t:?}");
    }
    check_index(t);
}

/// The top-level index of `t` with the portable stage 1 (as [`quick_indexed`] makes it
/// with AVX2): `Some` when complete.
fn portable_index(t: &str) -> Option<Vec<Member>> {
    let value = t
        .trim_start_matches(JSON_SPACE)
        .trim_end_matches(JSON_SPACE);
    let mut index = TopIndex {
        members: vec![Member::default(); t.len() / 5 + 1],
        ..TopIndex::default()
    };
    let mut record = bits::Index::new(&mut index.members);
    bits::check(value.as_bytes(), &mut Portable::default(), &mut record)?;
    index.count = Some(record.complete()?);
    index.shift((t.len() - t.trim_start_matches(JSON_SPACE).len()) as u32);
    index.members.truncate(index.count?);
    Some(index.members)
}

const JSON_SPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// The index (issue 6): made exactly for the objects the block validator accepts, with
/// the same verdict as without it; it agrees with serde_json; both stage 1s make the same.
fn check_index(t: &str) {
    let by_portable = portable_index(t);
    let object = t.trim_start_matches(JSON_SPACE).starts_with('{');
    assert_eq!(
        by_portable.is_some(),
        portable(t.trim_matches(JSON_SPACE).as_bytes()) && object,
        "{t:?}"
    );
    if let Some(members) = &by_portable {
        let index = TopIndex {
            members: members.clone(),
            count: Some(members.len()),
            len: t.len(),
            backslash: t.contains('\\'),
        };
        if let Err(e) = index_agrees_with_serde(t, &index) {
            panic!("portable index of {t:?}: {e}");
        }
    }
    let mut index = TopIndex::default();
    let verdict = quick_indexed(t.as_bytes(), &mut index);
    assert_eq!(verdict, quick(t.as_bytes()), "{t:?}");
    if simd_available() {
        assert_eq!(index.members_of(t), by_portable.as_deref(), "{t:?}");
        if index.members_of(t).is_some() {
            assert_eq!(index.backslash(), t.contains('\\'), "{t:?}");
        }
    } else {
        assert_eq!(index.members_of(t), None);
    }
    // Another text of another length never gets this one's members.
    assert_eq!(index.members_of(&format!("{t} ")), None);
}

/// Top-level members in the places that are easy to get wrong: no members, empty and
/// escaped keys, repeated keys, brackets, commas and colons inside strings, containers
/// and keys across the 64-byte block boundaries, whitespace around the object; and the
/// values that have no index (not an object, not accepted).
#[test]
fn index_edge_cases_agree_with_serde() {
    let long = "x".repeat(50);
    let mut docs: Vec<String> = [
        "{}",
        r#"{"":1}"#,
        r#"{"":{"":[]}}"#,
        r#"{"a":1,"a":2,"a":{"a":3}}"#,
        r#"{"k\"q":"v","k\\":"w","\u00e9":1,"a\/b":[]}"#,
        r#"{"s":"{,:}[]\"","t":"\\","u":{"v":"}}}"},"w":["]",",",":"]}"#,
        r#"{"a":[],"b":{},"c":[{}],"d":{"e":[[]]},"f":null,"g":true,"h":-1.5}"#,
        r#"{"é":"中","x":"😀"}"#,
        "  {\"a\":1}\n",
        "\t{\"a\":{\"b\":[1,2]},\"c\":3}  ",
    ]
    .iter()
    .map(|d| d.to_string())
    .collect();
    // A nested container, a key, a comma or a colon at every position around the first
    // and second block boundaries.
    for pad in 0..140 {
        let p = "p".repeat(pad);
        docs.push(format!(
            r#"{{"{p}":{{"in":[1,{{"x":"{long}"}}]}},"k{p}":"v","z":[]}}"#
        ));
        docs.push(format!(r#"{{"a":"{p}","{long}":{{}},"b":[["{p}"]]}}"#));
        docs.push(format!(r#"{{"a\"{p}":"\\","{p}\\":{{"c":"{p}"}}}}"#));
    }
    for d in &docs {
        assert!(serde_ok(d), "{d}");
        check_all(d);
        assert!(portable_index(d).is_some(), "{d:?}");
    }
    // No index: not an object, or not accepted by the block validator.
    for d in [
        "[1,2]",
        r#""text""#,
        "12",
        r#"{"a": 1}"#,
        r#"{"a":1e5}"#,
        r#"{"a":1,}"#,
        r#"{"a":"\ud800"}"#,
        "{\"a\":\"\u{1}\"}",
    ] {
        check_all(d);
        assert_eq!(portable_index(d), None, "{d:?}");
    }
    // The spans of a simple document, spelled out.
    let d = r#" {"ab":1,"":[2],"c":{"d":3}}"#;
    let members = portable_index(d).expect("indexed");
    let spans: Vec<(&str, &str)> = members
        .iter()
        .map(|m| (&d[m.key()], &d[m.value()]))
        .collect();
    assert_eq!(spans, [("ab", "1"), ("", "[2]"), ("c", r#"{"d":3}"#)]);
}

/// Compact records like CloudTrail's: nested objects and arrays, escapes, numbers,
/// literals, empty containers, non-ASCII text, strings across 64-byte blocks.
fn seeds() -> Vec<String> {
    let cloudtrail = serde_json::json!({
        "eventVersion": "1.08",
        "userIdentity": {"type": "AssumedRole", "principalId": "AROA:sess",
            "arn": "arn:aws:sts::123456789012:assumed-role/Admin/sess",
            "sessionContext": {"attributes": {"creationDate": "2023-11-14T22:13:20Z",
                "mfaAuthenticated": "false"}, "sessionIssuer": {}}},
        "eventTime": "2023-11-14T22:13:20Z",
        "eventSource": "ecr.amazonaws.com",
        "eventName": "PutImage",
        "sourceIPAddress": "47.17.51.123",
        "userAgent": "aws-cli/2.13.0 Python/3.11.4 \"quoted\" back\\slash tab\tnl\n é ✓",
        "requestParameters": {"repositoryName": "app/web", "imageManifest":
            "{\"schemaVersion\":2,\"layers\":[{\"digest\":\"sha256:abc\",\"size\":123}]}",
            "imageTag": "v1.2.3", "empty": "", "list": [], "obj": {}},
        "responseElements": null,
        "additionalEventData": {"bytes": 0, "neg": -12, "frac": 0.5, "negfrac": -0.25,
            "big": 12345678901234567890u64, "flags": [true, false, null, [], [{}], [[1, 2], 3]]},
        "readOnly": false,
        "managementEvent": true,
        "resources": [{"ARN": "arn:aws:ecr:us-east-1:123456789012:repository/app/web",
            "accountId": "123456789012", "type": "AWS::ECR::Repository"}],
        "unicode": "\u{1F600} \u{0}\u{1f}",
    });
    let mut v = vec![
        serde_json::to_string(&cloudtrail).unwrap(),
        r#"{"a":1,"b":[true,false,null,-0.5,"x\"y\\z\/\u00e9"],"c":{},"d":[]}"#.to_string(),
        r#"[{"k":"v"},{"k2":[1,[2,[3,{"x":"\\\\\""}]]]},"",0,-0,1.25]"#.to_string(),
        r#""a string \"with\" \\ escapes \b\f\n\r\t \u0041\uFFFF""#.to_string(),
    ];
    // Keys and values longer than a block: the key's closing quote found two blocks on.
    v.push(format!(
        r#"{{"x":1,"{}":[2],"y":"{}"}}"#,
        "k".repeat(150),
        "v".repeat(150)
    ));
    // Escape runs of every length ending at and across a block boundary.
    for n in 0..6 {
        let mut s = String::from("{\"k\":\"");
        while s.len() < 62 - n {
            s.push('a');
        }
        s.push_str(&"\\\\".repeat(n));
        s.push_str("\\\"\",\"z\":[1]}");
        v.push(s);
    }
    v
}

#[test]
fn seeds_are_valid_and_accepted_by_the_block_validator() {
    for s in seeds() {
        assert!(serde_ok(&s), "{s}");
        assert!(portable(s.as_bytes()), "{s}");
        assert_ne!(simd(s.as_bytes()), Some(false), "{s}");
        assert!(certainly_valid(&s), "{s}");
    }
}

#[test]
fn accepts_ordinary_records() {
    for t in [
        r#"{"a":1,"b":[true,false,null,-0.5,"x\"y\\z\/\u00e9"],"c":{}, "d" : [ ] }"#,
        "{}",
        "[]",
        r#"  {"k": "v"}  "#,
        r#"{"eventVersion":"1.08","userIdentity":{"type":"IAMUser"},"n":12345}"#,
        "1",
        "\"\"",
        "null",
    ] {
        assert!(certainly_valid(t), "{t}");
        assert!(serde_ok(t), "{t}");
        check_all(t);
    }
}

/// Invalid and borderline inputs: no validator may accept one unless serde does (also
/// used by the scalar validator's own tests).
pub(super) const INVALID_OR_BORDERLINE: &[&str] = &[
    "",
    "{",
    "}",
    "{]",
    "[}",
    r#"{"a"}"#,
    r#"{"a":}"#,
    r#"{"a":1,}"#,
    "[1,]",
    "[01]",
    "[1.]",
    "[-]",
    "[.5]",
    "[1e5]",
    "[1E400]",
    r#"["\x"]"#,
    r#"["\u12g4"]"#,
    r#"["\ud800"]"#,
    r#"["\udc00\ud800"]"#,
    "[\"a\tb\"]",
    "[\"a\u{1}b\"]",
    "[tru]",
    "[nul]",
    "[falsey]",
    "{} {}",
    "{}{}",
    "{}x",
    r#"{"a":1 "b":2}"#,
    r#"{"a":1"b":2}"#,
    r#"{a:1}"#,
    "[1 2]",
    r#"{"a":[1,{"b":[}]}"#,
    "\"unterminated",
    "[\"\\",
    "\u{feff}{}",
    r#"{"a","b":1}"#,
    r#"{"a":1:2}"#,
    r#"["a":1]"#,
    r#"{"a"::1}"#,
    r#"{,"a":1}"#,
    "[,1]",
    "[1,,2]",
    "1,2",
    "[1]]",
    "[[1]",
    r#"{"a":{"b":1}"c":2}"#,
    r#"["a""b"]"#,
    "[1\"a\"]",
    "[\"a\"1]",
    "[true1]",
    "[-01]",
    "[--1]",
    "[1-2]",
    "[+1]",
    "[\\\"a\"]",
    "[\"a\\\"]",
    ":",
    ",",
    "\"a\":1",
    "[1}",
    "{\"a\":1]",
    "[{]}",
    r#"{"a":1,"b"}"#,
    r#"{"a":[]"b":1}"#,
    "[[]{}]",
    "[{}[]]",
    "[\"\\u00\"]",
    "[\"\\",
    "[\"\\u",
    "0x10",
    "[NaN]",
    "[Infinity]",
    "[1.5.5]",
];

/// Invalid and borderline inputs: never accepted unless serde accepts them.
#[test]
fn never_accepts_what_serde_rejects() {
    let cases = INVALID_OR_BORDERLINE;
    for t in cases {
        check_all(t);
        if certainly_valid(t) {
            assert!(serde_ok(t), "accepted what serde rejects: {t:?}");
        }
    }
    for n in [63, 64, 65, 126, 127, 128, 129, 200] {
        let deep = "[".repeat(n) + &"]".repeat(n);
        check_all(&deep);
        let deep_objects = "{\"a\":".repeat(n) + "1" + &"}".repeat(n);
        check_all(&deep_objects);
    }
    // Deeper than serde's recursion limit: left to serde.
    let deep = "[".repeat(200) + &"]".repeat(200);
    assert!(!certainly_valid(&deep) && !portable(deep.as_bytes()));
    let ok_deep = "[".repeat(100) + &"]".repeat(100);
    assert!(certainly_valid(&ok_deep) && serde_ok(&ok_deep));
    // The block validator's own limit: 64 levels.
    let (at, over) = (
        ["[".repeat(64), "]".repeat(64)].concat(),
        ["[".repeat(65), "]".repeat(65)].concat(),
    );
    assert!(portable(at.as_bytes()) && !portable(over.as_bytes()));
}

#[test]
fn unsure_cases_go_the_slow_way_without_being_rejected_there() {
    // Valid for serde, but left to it: exponents, tabs, surrogate pairs.
    for t in ["[1e5]", "{\"a\":\t1}", r#"["\ud83d\ude00"]"#] {
        assert!(!certainly_valid(t), "{t}");
        assert!(serde_ok(t), "{t}");
    }
    // Whitespace around the value only: the block validator decides (the scalar one
    // would refuse the tab and the line feed).
    let padded = "\t\r\n {\"a\":[1,2]} \r\n\t";
    assert!(!scalar::certainly_valid(padded) && serde_ok(padded));
    assert_eq!(certainly_valid(padded), simd(b"{}").is_some());
    assert!(!certainly_valid(" \t "));
    // Spaces between tokens: the block validator is unsure, the scalar one accepts.
    let spaced = r#"{"a": [1, 2], "b": {"c": null}}"#;
    assert!(!portable(spaced.as_bytes()) && certainly_valid(spaced));
}

/// The bytes the mutations insert or substitute: JSON's syntax, digits, escapes, control
/// bytes, whitespace, letters of the literals.
const MUTATIONS: &[u8] = b"\"\\{}[]:,0159-.eE \t\n\x01\x1fuatfn/x";

fn mutate(seed: &str, pos: usize, op: u8, byte: u8) -> Option<String> {
    let mut b = seed.as_bytes().to_vec();
    match op % 3 {
        0 => b.insert(pos.min(b.len()), byte),
        1 if pos < b.len() => {
            b.remove(pos);
        }
        2 if pos < b.len() => b[pos] = byte,
        _ => return None,
    }
    String::from_utf8(b).ok()
}

/// Every single-byte insertion, deletion and substitution at every position of the
/// shorter seeds, and around every 64-byte block boundary of the long one.
#[test]
fn every_single_mutation_of_the_seeds() {
    for seed in seeds() {
        let positions: Vec<usize> = if seed.len() <= 200 {
            (0..=seed.len()).collect()
        } else {
            (0..=seed.len())
                .filter(|p| matches!(p % 64, 0..=3 | 60..=63) || *p + 4 >= seed.len())
                .collect()
        };
        for pos in positions {
            for op in 0..3 {
                for &byte in MUTATIONS {
                    if let Some(m) = mutate(&seed, pos, op, byte) {
                        check_all(&m);
                    }
                }
            }
        }
    }
}

/// Round 7 (issue 6): the block walk changes its object/array masks only where the
/// innermost container changes kind. Documents where it does (or must not) change, and
/// commas whose container decides their verdict, with every bracket brought to every
/// position in a block (and across block boundaries) by a padding string before them;
/// each checked by [`check_all`] (portable, AVX2, scalar and serde_json).
#[test]
fn container_kinds_change_at_every_position() {
    let docs = [
        r#"{"a":[1,2],"b":{"c":[{"d":1},2]},"e":3}"#,
        r#"[[],{},[{}],{"a":[]},[1,[2,{"b":[3]}],4],5]"#,
        r#"{"a":{"b":{"c":1},"d":2},"e":[{"f":1},{"g":[1,2]}],"h":{}}"#,
        r#"{"a":[1,"b":2]}"#,
        r#"[{"a":1},"b":2]"#,
        r#"{"a":{"b":1},2}"#,
        r#"[1,{"a":1},{"b":2},3]"#,
        r#"{"a":[{"b":[]},{}],"c":1,"d":[1],"e":2}"#,
        r#"{"a":[1,2},"b":3]"#,
        r#"[{"a":[1]},{"b":2},"c"]"#,
        r#"{"a":[],"b",1}"#,
        r#"[{},{}],1"#,
    ];
    for doc in docs {
        for pad in 0..=130 {
            let wrapped = format!(r#"{{"p":"{}","v":{doc}}}"#, "x".repeat(pad));
            check_all(&wrapped);
            let listed = format!(r#"["{}",{doc},1]"#, "y".repeat(pad));
            check_all(&listed);
        }
        check_all(doc);
    }
}

proptest! {
    #![proptest_config(crate::testing::proptest_config(2000))]

    /// Several random mutations, positions biased to 64-byte block boundaries.
    #[test]
    fn random_mutations_never_accept_what_serde_rejects(
        seed in 0usize..16,
        edits in prop::collection::vec((0usize..40, 0i32..8, 0u8..3, 0usize..MUTATIONS.len()), 1..5),
    ) {
        let seeds = seeds();
        let mut text = seeds[seed % seeds.len()].clone();
        for (block, delta, op, byte) in edits {
            let pos = (block * 64 + delta as usize).saturating_sub(4) % (text.len() + 1);
            if let Some(m) = mutate(&text, pos, op, MUTATIONS[byte]) {
                text = m;
            }
        }
        check_all(&text);
    }

    /// Random JSON documents as `serde_json` writes them (compact) are accepted by the
    /// block validator; one random mutation of them never makes it accept what serde
    /// rejects.
    #[test]
    fn random_documents_are_accepted_and_their_mutations_checked(
        doc in json_value(),
        pos in any::<prop::sample::Index>(),
        op in 0u8..3,
        byte in 0usize..MUTATIONS.len(),
    ) {
        let text = serde_json::to_string(&doc).unwrap();
        prop_assert!(portable(text.as_bytes()), "{}", text);
        prop_assert_ne!(simd(text.as_bytes()), Some(false), "{}", text);
        check_all(&text);
        if let Some(m) = mutate(&text, pos.index(text.len() + 1), op, MUTATIONS[byte]) {
            check_all(&m);
        }
    }

    /// Arbitrary short strings over JSON's alphabet.
    /// Random objects (keys with quotes and backslashes, any values): the index agrees
    /// with serde_json (`check_all` checks it).
    #[test]
    fn random_objects_are_indexed(
        members in prop::collection::vec((r#"[a-z"\\{},:]{0,20}"#, json_value()), 0..12),
    ) {
        let body: Vec<String> = members
            .iter()
            .map(|(k, v)| format!("{}:{v}", serde_json::Value::from(k.as_str())))
            .collect();
        let doc = format!("{{{}}}", body.join(","));
        check_all(&doc);
        prop_assert!(portable_index(&doc).is_some(), "{}", doc);
    }

    #[test]
    fn random_json_alphabet_strings(text in "[\\[\\]{}:,\"\\\\0-9a-z.\\-é ]{0,140}") {
        check_all(&text);
    }
}

/// Any JSON value without exponents (serde writes integers and these decimals plainly):
/// strings of any characters (control characters and quotes come out escaped), nested
/// arrays and objects.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1000i32..1000, 1u32..99)
            .prop_map(|(i, f)| Value::from(f64::from(i) + f64::from(f) / 100.0)),
        ".{0,90}".prop_map(Value::String),
        r#"[\\"/\x00-\x1fa\x{e9}\x{1F600}]{0,70}"#.prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
            prop::collection::vec((r#"[a-z"\\]{0,70}"#, inner), 0..8)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// AVX2 and portable stage 1 agree on every length 0..200 at every offset in a buffer
/// (so every alignment), over a record with all the classes and over random bytes.
#[test]
fn simd_and_portable_agree_on_every_length_and_offset() {
    let record = seeds().concat();
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let alphabet = b"\"\\{}[]:,0123456789-.truefalsn \x01ab";
    let random: String = (0..300)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            alphabet[(rng % alphabet.len() as u64) as usize] as char
        })
        .collect();
    for text in [record.as_str(), random.as_str()] {
        let b = text.as_bytes();
        for offset in 0..64 {
            for len in 0..200 {
                let Some(slice) = b.get(offset..offset + len) else {
                    continue;
                };
                let Ok(s) = std::str::from_utf8(slice) else {
                    continue;
                };
                check_all(s);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn simd_masks_equal_portable_masks() {
    if !simd_available() {
        return;
    }
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for round in 0..20_000 {
        let mut block = [0u8; 64];
        for c in block.iter_mut() {
            // Half the rounds over all bytes, half over JSON's characters.
            let r = next();
            *c = if round % 2 == 0 {
                r as u8
            } else {
                b"\"\\{}[]:,a \x1f\x20\x7f\x80\xff;|z"[(r % 18) as usize]
            };
        }
        let mut p = Portable::default();
        let expected = (p.classify(&block), p.saw_control(), p.saw_non_ascii());
        // SAFETY: the features were detected above.
        let got = unsafe { avx2::classify(&block) };
        assert_eq!(got, expected, "{block:?}");
        let x = next();
        // SAFETY: as above.
        assert_eq!(unsafe { avx2::prefix_xor(x) }, bits::portable_prefix_xor(x));
    }
}

#[test]
fn prefix_xor_is_the_running_parity() {
    for x in [0u64, 1, 0b1001, 1 << 63, !0, 0x8000_0000_0000_0001] {
        let mut parity = 0;
        let mut expected = 0u64;
        for i in 0..64 {
            parity ^= (x >> i) & 1;
            expected |= parity << i;
        }
        assert_eq!(bits::portable_prefix_xor(x), expected, "{x:b}");
    }
}
