//! Issue 6: `spath`'s streaming selection and flattening (`JsonPath::select_text`,
//! `json::flatten_text`) against the tree-based reference (parse with serde_json, then
//! `JsonPath::select` / `json::flatten`) over generated CloudTrail records (the
//! scan-findings records among them) and the corpus: every record, the paths the
//! detections use and others, and every selected subtree flattened again as the
//! findings detection does (`spath path=... | mvexpand | spath input=...`).

mod common;

use minispl::eval::json::{self, JsonPath};
use minispl::eval::plan::FieldSet;
use serde_json::Value as Json;

fn generated_records(records: u64) -> Vec<String> {
    common::generated_lines(records)
}

fn corpus_records() -> Vec<String> {
    common::corpus_lines(&['{', '['])
}

const PATHS: &[&str] = &[
    "responseElements.imageScanFindings.findings{}",
    "responseElements.imageScanFindings.findings{}.attributes{}",
    "responseElements.imageScanFindings.findings{0}",
    "responseElements.imageScanFindings",
    "responseElements",
    "requestParameters",
    "requestParameters.imageId.imageDigest",
    "userIdentity",
    "userIdentity.sessionContext.sessionIssuer.userName",
    "resources{}",
    "resources{}.ARN",
    "eventName",
    "missing.path",
];

/// Returns how many selected subtrees were compared.
fn check(records: &[String]) -> usize {
    let paths: Vec<JsonPath> = PATHS
        .iter()
        .map(|p| JsonPath::parse(p).expect("valid path"))
        .collect();
    let mut subtrees = 0;
    for record in records {
        let doc = serde_json::from_str::<Json>(record).ok();
        let flat = doc
            .as_ref()
            .filter(|d| d.is_object() || d.is_array())
            .map(json::flatten);
        assert_eq!(
            json::flatten_text(record, &FieldSet::all()),
            flat,
            "{record}"
        );
        for (p, path) in PATHS.iter().zip(&paths) {
            let selected = path.select_text(record);
            assert_eq!(
                selected,
                doc.as_ref().map(|d| path.select(d)),
                "{p} in {record}"
            );
            for text in selected.flatten().unwrap_or_default() {
                let sub = serde_json::from_str::<Json>(&text).ok();
                let flat = sub
                    .filter(|d| d.is_object() || d.is_array())
                    .map(|d| json::flatten(&d));
                assert_eq!(json::flatten_text(&text, &FieldSet::all()), flat, "{text}");
                subtrees += 1;
            }
        }
    }
    subtrees
}

#[test]
fn streaming_spath_equals_the_tree_on_generated_records() {
    let records = generated_records(3_000);
    let findings = records
        .iter()
        .filter(|r| r.contains("DescribeImageScanFindings"))
        .count();
    assert!(findings > 0, "the sample has scan-findings records");
    assert!(check(&records) > 1_000);
}

#[test]
fn streaming_spath_equals_the_tree_on_the_corpus() {
    let records = corpus_records();
    assert!(!records.is_empty());
    assert!(check(&records) > 0);
}
