use super::*;
use crate::datamodel::{DataModelField, DataSet};
use crate::profile::{CalculatedField, FieldAlias, Profile};
use minispl_parser::{parse, Macros};
use std::sync::Arc;

/// A small `aws:cloudtrail`-like profile: an alias and a calculated field.
fn ctx() -> Context {
    let profile = Profile {
        sourcetype: "aws:cloudtrail".into(),
        kv_mode_json: true,
        aliases: vec![FieldAlias {
            from: "sourceIPAddress".into(),
            to: "src".into(),
        }],
        calculated: vec![CalculatedField {
            name: "user".into(),
            expr: minispl_parser::parse_eval_expr("coalesce('userIdentity.userName', \"x\")")
                .expect("valid expression"),
            source: String::new(),
        }],
        ..Profile::default()
    };
    let compute = DataSet {
        name: "Compute".into(),
        parent: None,
        constraint: minispl_parser::parse_search_expr(
            "sourcetype=aws:cloudtrail (eventName IN (RunInstances, StopInstances) OR (eventSource=ecr.amazonaws.com eventName=PutImage))",
        )
        .expect("valid constraint"),
        fields: vec![
            DataModelField {
                name: "event_name".into(),
                expr: minispl_parser::parse_eval_expr("eventName").ok(),
                fill: None,
            },
            DataModelField {
                name: "src".into(),
                expr: minispl_parser::parse_eval_expr("sourceIPAddress").ok(),
                fill: Some("unknown".into()),
            },
            DataModelField {
                name: "user_type".into(),
                expr: None,
                fill: None,
            },
        ],
    };
    Context {
        profiles: vec![Arc::new(profile)],
        datamodels: vec![Arc::new(DataModel {
            name: "Cloud".into(),
            datasets: vec![compute],
        })],
        ..Context::default()
    }
}

fn derive(spl: &str) -> Prefilter {
    let pipeline = parse(spl, &Macros::new()).expect("valid search");
    Prefilter::derive(&pipeline, &ctx())
}

fn keeps(spl: &str, raw: &str) -> bool {
    derive(spl).may_match(raw, &mut Scratch::default())
}

#[test]
fn printable_forms() {
    let cases = [
        "sourcetype=aws:cloudtrail eventSource=ecr.amazonaws.com eventName=PutImage | stats count",
        "eventName=PutImage OR eventName=DescribeImageScanFindings",
        "eventName=Put*Image* NOT userName=alice",
        "eventName IN (RunInstances, \"Stop*\")",
        "src=10.0.0.1 user=bob sourceIPAddress=10.0.0.1",
        "\"access denied\" error*",
        "sourceIPAddress=10.0.0.0/8 errorCode!=success count>5",
        "| tstats count from datamodel=Cloud.Compute where Compute.event_name=PutImage Compute.src=1.2.3.4 by Compute.user_type",
        "| makeresults | search eventName=PutImage",
        "requestParameters.*=foo awsRegion=us-east-1",
        "eventName=PutImage OR *",
        "statusCode=200 eventName=1e5 sourceIPAddress=10.1.2.3 x=1*5",
    ];
    let text: String = cases
        .iter()
        .map(|c| format!("{c}\n  => {}\n", derive(c)))
        .collect();
    insta::assert_snapshot!(text);
}

#[test]
fn literal_search_is_case_insensitive() {
    let spl = "eventName=putimage";
    assert!(keeps(spl, r#"{"eventName":"PutImage"}"#));
    assert!(keeps(spl, r#"{"eventName":"PUTIMAGE"}"#));
    assert!(!keeps(spl, r#"{"eventName":"GetImage"}"#));
}

#[test]
fn or_needs_one_branch_and_and_needs_all() {
    let spl = "eventSource=ecr.amazonaws.com (eventName=PutImage OR eventName=BatchGetImage)";
    assert!(keeps(
        spl,
        r#"{"eventSource":"ecr.amazonaws.com","eventName":"BatchGetImage"}"#
    ));
    assert!(!keeps(
        spl,
        r#"{"eventSource":"ecr.amazonaws.com","eventName":"ListImages"}"#
    ));
    assert!(!keeps(
        spl,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"PutImage"}"#
    ));
}

#[test]
fn json_escapes_never_drop_a_match() {
    let spl = "eventSource=ecr.amazonaws.com";
    // `\/`-free escapes of letters and a `\u` escape of the dot.
    assert!(keeps(spl, r#"{"eventSource":"ecr\u002eamazonaws.com"}"#));
    assert!(keeps(spl, r#"{"eventSource":"\u0065cr.amazonaws.com"}"#));
    let url = "requestURL=https://x/y";
    assert!(keeps(url, r#"{"requestURL":"https:\/\/x\/y"}"#));
    // A backslash that is not the relevant escape still filters.
    assert!(!keeps(
        spl,
        r#"{"eventSource":"s3.amazonaws.com","p":"a\"b"}"#
    ));
    // A malformed escape keeps the event (the reader or extraction decides).
    assert!(keeps(spl, r#"{"eventSource":"\x"}"#));
}

#[test]
fn unicode_case_mappings_to_ascii_keep_the_event() {
    // KELVIN SIGN lower-cases to `k`: `name=kate` matches `\u{212A}ate` (R1.6).
    assert!(keeps("name=kate", "{\"name\":\"\u{212A}ate\"}"));
    // Via an escape too.
    assert!(keeps("name=kate", r#"{"name":"\u212Aate"}"#));
    // Other non-ASCII text does not disable the filter.
    assert!(!keeps("name=kate", "{\"name\":\"caf\u{e9}\"}"));
}

#[test]
fn profile_fields_and_default_fields_require_nothing() {
    for spl in [
        "src=10.1.2.3",
        "user=alice",
        "sourcetype=aws:cloudtrail",
        "index=main host=h source=s",
        "date_hour=3",
        "_time=5",
    ] {
        assert!(derive(spl).is_trivial(), "{spl}: {}", derive(spl));
    }
    // The JSON field behind the alias does.
    assert!(!derive("sourceIPAddress=10.1.2.3").is_trivial());
}

#[test]
fn not_and_inequalities_contribute_nothing() {
    for spl in [
        "NOT eventName=PutImage",
        "eventName!=PutImage",
        "eventName>Put",
    ] {
        assert!(derive(spl).is_trivial(), "{spl}");
    }
    assert!(keeps("NOT eventName=PutImage", r#"{"eventName":"x"}"#));
}

#[test]
fn wildcards_use_the_longest_literal_run() {
    let p = derive("eventName=Put*ImageScan*");
    assert_eq!(p.literals(), ["imagescan"]);
    assert!(keeps(
        "eventName=Put*ImageScan*",
        r#"{"eventName":"PutXImageScanY"}"#
    ));
}

#[test]
fn numbers_are_not_required_from_fields_but_are_from_terms() {
    // Extraction renders `1e1` as `10`: `f=10` must keep it.
    assert!(derive("f=10").is_trivial());
    assert!(keeps("f=10 eventName=x", r#"{"f":1e1,"eventName":"x"}"#));
    // A bare term is matched against the raw text itself.
    assert_eq!(derive("404").literals(), ["404"]);
}

#[test]
fn tstats_uses_constraints_and_where_on_plain_fields() {
    let p = derive("| tstats count from datamodel=Cloud.Compute where Compute.event_name=PutImage by Compute.user_type");
    assert!(keeps_p(
        &p,
        r#"{"eventSource":"ecr.amazonaws.com","eventName":"PutImage"}"#
    ));
    // The WHERE clause asks for PutImage: a RunInstances event cannot be counted.
    assert!(!keeps_p(
        &p,
        r#"{"eventSource":"ec2.amazonaws.com","eventName":"RunInstances"}"#
    ));
    assert!(!keeps_p(
        &p,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}"#
    ));
    // A field with a fill value (`unknown`) need not occur.
    let p = derive("| tstats count from datamodel=Cloud.Compute where Compute.src=unknown");
    assert!(!p.literals().iter().any(|l| l == "unknown"));
}

fn keeps_p(p: &Prefilter, raw: &str) -> bool {
    p.may_match(raw, &mut Scratch::default())
}

#[test]
fn unescape_handles_surrogates_and_rejects_bad_escapes() {
    assert_eq!(
        unescape_json(r#"a\/b\"c\\d\n"#).as_deref(),
        Some("a/b\"c\\d\n")
    );
    assert_eq!(
        unescape_json(r#"\ud83d\ude00"#).as_deref(),
        Some("\u{1F600}")
    );
    assert_eq!(unescape_json(r#"\ud83d"#), None);
    assert_eq!(unescape_json(r#"\q"#), None);
    assert_eq!(unescape_json(r#"\u12"#), None);
}

#[test]
fn escapes_that_cannot_affect_a_literal_do_not_keep_the_event() {
    // CloudTrail policies are full of `\"`: `putimage` has no `"`, so it cannot be hidden
    // by one, and the event is rejected without being unescaped.
    let spl = "eventName=PutImage";
    let policy = r#"{"eventName":"GetObject","policy":"{\"Effect\":\"Allow\"}"}"#;
    assert!(!keeps(spl, policy));
    // A letter of the literal decoded from `\u0050` (upper case) is found.
    assert!(keeps(spl, r#"{"eventName":"\u0050utImage"}"#));
    // A literal with a `"` is found through the `\"` that hides it.
    assert_eq!(derive(r#"x="a\"b""#).literals(), ["a\"b"]);
    assert!(keeps(r#"x="a\"b""#, r#"{"x":"a\"b"}"#));
    assert!(!keeps(r#"x="a\"b""#, r#"{"x":"a\"c"}"#));
}

#[test]
fn one_scratch_serves_several_prefilters_and_events() {
    let ps = [
        derive("eventSource=ecr.amazonaws.com eventName=PutImage"),
        derive("eventName=PutImage OR eventName=DescribeImageScanFindings"),
        derive("requestURL=https://x/y"),
    ];
    let events = [
        r#"{"eventSource":"ecr.amazonaws.com","eventName":"PutImage"}"#,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"DescribeImageScanFindings"}"#,
        r#"{"requestURL":"https:\/\/x\/y","eventName":"x"}"#,
        r#"{"eventSource":"ecr.amazonaws.com","eventName":"\u0050utImage"}"#,
        r#"{"eventName":"nothing"}"#,
    ];
    let mut shared = Scratch::default();
    for raw in events {
        shared.load(raw);
        for p in &ps {
            let alone = p.may_match(raw, &mut Scratch::default());
            assert_eq!(p.may_match_loaded(raw, &mut shared), alone, "{p} on {raw}");
        }
    }
}

/// The prefilter as it was before issue 6's rewrite: a lower-cased copy searched with
/// `memmem`, then the whole text unescaped when the event has a backslash.
fn reference(p: &Prefilter, raw: &str) -> bool {
    let lower = raw.to_ascii_lowercase();
    let find =
        |text: &str, i: usize| memmem::find(text.as_bytes(), p.literals()[i].as_bytes()).is_some();
    if p.is_trivial() || p.formula().holds(&mut |i| find(&lower, i)) {
        return true;
    }
    if !raw.is_ascii() && has_case_confusable(raw.as_bytes()) {
        return true;
    }
    if !raw.contains('\\') {
        return false;
    }
    match unescape_json(raw) {
        Some(text) if text.is_ascii() || !has_case_confusable(text.as_bytes()) => {
            let unescaped = text.to_ascii_lowercase();
            p.formula()
                .holds(&mut |i| find(&lower, i) || find(&unescaped, i))
        }
        _ => true,
    }
}

#[test]
fn same_outcome_as_the_lower_cased_copy_on_random_events() {
    let ps = [
        derive("eventSource=ecr.amazonaws.com eventName=PutImage"),
        derive("eventName=PutImage OR eventName=DescribeImageScanFindings"),
        derive("requestURL=https://x/y"),
        derive(r#"x="a\"b" OR name=kate"#),
        derive("\"aws internal\" eventName=Put*"),
    ];
    // Fragments: parts of literals in any case, every kind of escape (also malformed and
    // confusable ones), non-ASCII text, JSON punctuation.
    let fragments = [
        "ecr.",
        "amazonaws.com",
        "ECR.AMAZONAWS.COM",
        "put",
        "Image",
        "PUTIMAGE",
        "describe",
        "ImageScanFindings",
        "https:",
        "//x/y",
        "aws",
        " ",
        "internal",
        "kate",
        "a",
        "b",
        "\"",
        ",",
        ":",
        "{",
        "}",
        r#"\""#,
        r"\\",
        r"\/",
        r"\n",
        r"\u0065",
        r"\u0050",
        r"\u0022",
        r"\u212A",
        r"\u212a",
        r"\ud83d\ude00",
        r"\ud83d",
        r"\udc00",
        r"\x",
        r"\u12",
        "\u{212A}",
        "\u{e9}",
        "\u{17F}",
        "\u{130}",
        "\u{c9}",
    ];
    let mut state = 0x1234_5678_9ABC_DEF0u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    // Their unions (the reader's filter for several searches): all of them, and pairs
    // sharing literals, so merged literal numbering and shared entries are exercised.
    let unions = [
        (Prefilter::any_of(&ps), vec![0, 1, 2, 3, 4]),
        (Prefilter::any_of(&ps[..2]), vec![0, 1]),
        (
            Prefilter::any_of(&[ps[4].clone(), ps[0].clone()]),
            vec![4, 0],
        ),
    ];
    // `ps[1]` is an OR whose branches share "image": its prefilter searches that first
    // (an implied literal). The reference here is its two branches, each without an OR.
    let branches = [
        derive("eventName=PutImage"),
        derive("eventName=DescribeImageScanFindings"),
    ];
    assert!(ps[1].literals().contains(&"image".to_string()));
    let mut union_scratch = Scratch::default();
    let mut shared = Scratch::default();
    for _ in 0..20_000 {
        let len = (next() % 14) as usize;
        let raw: String = (0..len)
            .map(|_| fragments[(next() % fragments.len() as u64) as usize])
            .collect();
        // Long events too, so the SIMD kernels see the fragments at every position.
        let raw = if next() % 4 == 0 {
            format!(
                "{}{raw}{}",
                "y".repeat((next() % 80) as usize),
                "z".repeat(40)
            )
        } else {
            raw
        };
        shared.load(&raw);
        for p in &ps {
            let want = reference(p, &raw);
            assert_eq!(
                p.may_match(&raw, &mut Scratch::default()),
                want,
                "{p} on {raw}"
            );
            assert_eq!(
                p.may_match_loaded(&raw, &mut shared),
                want,
                "{p} on {raw} (shared)"
            );
        }
        assert_eq!(
            ps[1].may_match(&raw, &mut Scratch::default()),
            branches.iter().any(|b| reference(b, &raw)),
            "implied literal on {raw}"
        );
        for (union, parts) in &unions {
            let want = parts.iter().any(|&i| reference(&ps[i], &raw));
            assert_eq!(
                union.may_match(&raw, &mut union_scratch),
                want,
                "{union} on {raw}"
            );
        }
    }
}

#[test]
fn a_union_merges_literals_and_keeps_what_any_part_keeps() {
    let ps = [
        derive("eventSource=ecr.amazonaws.com eventName=PutImage"),
        derive("eventSource=ecr.amazonaws.com eventName=DescribeImageScanFindings"),
        derive("eventName=PutImage \"aws internal\""),
    ];
    let union = Prefilter::any_of(&ps);
    // Merged literals, then "image", which every branch needs (implied).
    assert_eq!(
        union.literals(),
        [
            "ecr.amazonaws.com",
            "putimage",
            "describeimagescanfindings",
            "internal",
            "image"
        ]
    );
    assert_eq!(
        union.to_string(),
        "\"image\" AND ((\"ecr.amazonaws.com\" AND \"putimage\") OR (\"ecr.amazonaws.com\" AND \"describeimagescanfindings\") OR (\"putimage\" AND \"internal\"))"
    );
    // With a part that keeps everything, so does the union.
    assert!(Prefilter::any_of(&[ps[0].clone(), derive("x=1 OR *")]).is_trivial());
}

#[test]
fn an_and_searches_the_literal_found_least_often_first() {
    // `common` is in every event, `rare` in none: after the first event the scratch has
    // seen that, and searches `rare` first (one search rejects the event).
    let p = derive("f=common g=rare");
    assert_eq!(p.literals(), ["common", "rare"]);
    let mut scratch = Scratch::default();
    for _ in 0..20 {
        assert!(!p.may_match(r#"{"f":"common","g":"other"}"#, &mut scratch));
    }
    let tests = |scratch: &Scratch, text: &str| {
        scratch
            .memo
            .iter()
            .find(|m| &scratch.memo_text[m.start..m.end] == text)
            .map(|m| m.tests)
    };
    assert_eq!(tests(&scratch, "rare"), Some(20));
    assert_eq!(tests(&scratch, "common"), Some(1));
    // A literal already known absent for this event decides another prefilter's AND.
    let q = derive("f=common g=rare h=third");
    scratch.load("{}");
    assert!(!p.may_match_loaded("{}", &mut scratch));
    assert!(!q.may_match_loaded("{}", &mut scratch));
    assert_eq!(tests(&scratch, "third").unwrap_or(0), 0);
    assert_eq!(tests(&scratch, "common"), Some(1));
}

#[test]
fn an_and_of_more_literals_than_are_ordered_on_the_stack_needs_them_all() {
    let fields: Vec<String> = (0..11).map(|k| format!("f{k}=value{k}x")).collect();
    let p = derive(&fields.join(" "));
    assert_eq!(p.literals().len(), 11);
    let all: String = (0..11)
        .map(|k| format!("\"f{k}\":\"value{k}x\","))
        .collect();
    let mut scratch = Scratch::default();
    for _ in 0..3 {
        assert!(p.may_match(&format!("{{{all}}}"), &mut scratch));
        // Any one missing, including those past the first eight, rejects the event.
        for k in 0..11 {
            let raw = all.replace(&format!("value{k}x"), "other");
            assert!(
                !p.may_match(&format!("{{{raw}}}"), &mut scratch),
                "without {k}"
            );
        }
    }
}

#[test]
fn an_or_searches_first_what_all_its_branches_need() {
    let implied = |spl: &str| {
        let p = derive(spl);
        match p.formula() {
            Formula::And(items) => match items.first() {
                Some(Formula::Lit(i)) => Some(p.literals()[*i].clone()),
                _ => None,
            },
            _ => None,
        }
    };
    // The longest common part, through ANDs and nested ORs.
    assert_eq!(
        implied("eventName=PutImage OR eventName=DescribeImageScanFindings").as_deref(),
        Some("image")
    );
    assert_eq!(
        implied("(eventName=CreateUser user=bob) OR eventName=DeleteUser").as_deref(),
        Some("teuser")
    );
    assert_eq!(
        implied("eventName=GetObject OR (x=1 eventName=PutObjectAcl) OR eventName=CopyObject")
            .as_deref(),
        Some("object")
    );
    // Nothing of four bytes or more in common, or a branch requiring nothing: as before.
    assert_eq!(implied("eventName=RunInstances OR eventName=StopIt"), None);
    assert_eq!(implied("eventName=PutImage OR count>5"), None);
}

/// An implied literal found in most events rejects few: the AND it heads then tries its
/// nested OR first (same outcomes either way).
#[test]
fn a_mostly_found_literal_is_searched_after_the_nested_formula() {
    let p = derive("eventName=PutImageX OR eventName=DescribeImageY");
    assert_eq!(p.literals().last().map(String::as_str), Some("image"));
    let mut scratch = Scratch::default();
    // "image" everywhere, the branches nowhere: rejected every time, and once "image" is
    // known to be found in most events (64 searches) it is no longer searched first.
    for _ in 0..200 {
        assert!(!p.may_match(r#"{"eventName":"Image","x":"y"}"#, &mut scratch));
    }
    let image = &scratch.memo[scratch.memo.len() - 1];
    assert_eq!(&scratch.memo_text[image.start..image.end], "image");
    assert_eq!((image.tests, image.hits), (64, 64));
    assert!(p.may_match(r#"{"eventName":"putimagex"}"#, &mut scratch));
    assert!(p.may_match(r#"{"eventName":"DESCRIBEIMAGEY"}"#, &mut scratch));
    assert!(!p.may_match(r#"{"eventName":"other"}"#, &mut scratch));
}
