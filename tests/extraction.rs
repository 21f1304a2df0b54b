//! Issue 6: the hand-written extraction scanner (`minispl_eval::extract::scan`) against the
//! `serde_json` walk it replaces and against `json::flatten` (the naming rules R4.7,
//! R4.13), over generated CloudTrail records and the corpus: the same names, values and
//! order for every record and several selections, and the scanner (not its fallback)
//! serving the records.

mod common;

use minispl::eval::extract::{flatten_text, flatten_text_serde, scan};
use minispl::eval::json;
use minispl::eval::plan::FieldSet;

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
