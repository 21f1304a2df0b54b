//! Issue 6: the hand-written extraction scanner (`minispl_eval::extract::scan`) against the
//! `serde_json` walk it replaces and against `json::flatten` (the naming rules R4.7,
//! R4.13), over generated CloudTrail records and the corpus: the same names, values and
//! order for every record and several selections, and the scanner (not its fallback)
//! serving the records.

mod common;

use minispl::eval::extract::{extract_values, flatten_text, flatten_text_serde, scan};
use minispl::eval::json;
use minispl::eval::plan::FieldSet;
use minispl::eval::reader::validate;

fn generated_records(records: u64) -> Vec<String> {
    common::generated_lines(records)
}

fn corpus_records() -> Vec<String> {
    common::corpus_lines(&['{'])
}

fn selections() -> Vec<FieldSet> {
    vec![
        // W3.
        FieldSet::from_names(["eventSource", "eventName", "sourcetype"]),
        // W4's extraction set (the profile's `user`, `src`, `vendor_region` inputs).
        FieldSet::from_names([
            "eventName",
            "awsRegion",
            "sourceIPAddress",
            "userIdentity.userName",
            "userIdentity.sessionContext.sessionIssuer.userName",
            "requestParameters.userName",
            "requestParameters.roleArn",
        ]),
        // Arrays of objects, nested arrays, booleans, numbers.
        FieldSet::from_names([
            "resources{}.ARN",
            "resources{}.type",
            "responseElements.imageScanFindings.findings{}.severity",
            "responseElements.imageScanFindings.findings{}.attributes{}.value",
            "requestParameters.instancesSet.items{}.instanceId",
            "readOnly",
            "managementEvent",
            "userIdentity",
            "requestParameters",
            "tlsDetails.tlsVersion",
            "additionalEventData.bytesTransferredIn",
        ]),
        // Prefix patterns (`rename requestParameters.* as *`) with exact names.
        FieldSet::from_names([
            "requestParameters.*",
            "userIdentity.session*",
            "resources{}.*",
            "eventName",
            "requestParameters.repositoryName",
        ]),
    ]
}

fn check(records: &[String]) -> (usize, usize) {
    let (mut served, mut total) = (0, 0);
    for record in records {
        let tree: serde_json::Value = serde_json::from_str(record).expect("valid record");
        let full = json::flatten(&tree);
        // Every leaf name of this record, so that every path is walked.
        let every = FieldSet::from_names(full.iter().map(|(n, _)| n.as_str()));
        let mut sets = selections();
        sets.push(every);
        for wanted in &sets {
            total += 1;
            let expected = flatten_text_serde(record, wanted);
            let got = flatten_text(record, wanted);
            assert_eq!(got, expected, "{wanted}: {record}");
            let filtered: Vec<_> = full
                .iter()
                .filter(|(n, _)| wanted.contains(n))
                .cloned()
                .collect();
            assert_eq!(got, Some(filtered), "json::flatten, {wanted}: {record}");
            if scan::scan(record, wanted.selector()).is_some() {
                served += 1;
            }
            check_indexed(record, wanted);
            // The reader's records are valid: told so, the scanner skips unchecked.
            let valid = scan::scan_text(record, wanted.selector(), scan::Text::Valid);
            if let Some(valid) = valid {
                let named = valid.into_fields(wanted.selector());
                let named: Vec<_> = named
                    .into_iter()
                    .map(|(n, v)| (n.to_string(), v.to_strings()))
                    .collect();
                assert_eq!(Some(named), expected, "valid, {wanted}: {record}");
            }
        }
    }
    (served, total)
}

/// Issue 6: with the validator's index of the top-level members, the scanner answers
/// exactly as its walk of valid text (fields, order, values; unsure on the same records),
/// and the extraction as without the index. Returns whether the record was indexed.
fn check_indexed(record: &str, wanted: &FieldSet) -> bool {
    let mut index = validate::TopIndex::default();
    validate::quick_indexed(record.as_bytes(), &mut index);
    if index.members_of(record).is_none() {
        return false;
    }
    let sel = wanted.selector();
    let indexed = scan::scan_text(record, sel, scan::Text::Indexed(&index));
    let walked = scan::scan_text(record, sel, scan::Text::Valid);
    assert_eq!(indexed, walked, "{wanted}: {record}");
    assert_eq!(
        extract_values(record, wanted, scan::Text::Indexed(&index)),
        extract_values(record, wanted, scan::Text::Unchecked),
        "{wanted}: {record}"
    );
    true
}

/// The extraction sets of the builtin detections that read ECR events (prefix patterns
/// from `rename requestParameters.* as *`) and of W3/W4, as the plans compute them.
fn detection_sets() -> Vec<FieldSet> {
    let engine = minispl::rules::Engine::builtin().expect("builtin engine");
    let mut sets: Vec<FieldSet> = minispl::rules::Engine::builtin_detections()
        .iter()
        .filter(|d| d.search.contains("ecr"))
        .map(|d| {
            let search = engine.compile_detection(d).expect("compiles");
            search.program().plan().extraction_for("aws:cloudtrail")
        })
        .collect();
    assert!(sets.len() >= 2, "the ECR detections");
    for spl in [
        "`cloudtrail` | stats count by eventSource eventName",
        "`cloudtrail` | stats count dc(src) by user vendor_region",
    ] {
        let search = engine.compile(spl).expect("compiles");
        sets.push(search.program().plan().extraction_for("aws:cloudtrail"));
    }
    sets
}

#[test]
fn indexed_scan_equals_the_walk_for_the_detections_and_searches() {
    let sets = detection_sets();
    let records = generated_records(2000);
    let mut indexed = 0;
    for record in &records {
        for wanted in &sets {
            indexed += usize::from(check_indexed(record, wanted));
        }
    }
    // Every generated record is indexed where the block validator runs.
    if validate::simd_certainly_valid("{}").is_some() {
        assert_eq!(indexed, records.len() * sets.len());
    }
}

#[test]
fn scanner_equals_serde_walk_on_generated_records() {
    let records = generated_records(3000);
    let (served, total) = check(&records);
    // The scanner, not its serde fallback, answers for (nearly) every record.
    assert!(served * 100 >= total * 99, "{served} of {total}");
}

#[test]
fn scanner_equals_serde_walk_on_the_corpus() {
    let records = corpus_records();
    assert!(records.len() > 10, "corpus has JSON records");
    check(&records);
}
