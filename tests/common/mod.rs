//! Inputs shared by the integration tests (`mod common;`): generated CloudTrail records
//! and the corpus's JSON lines.

// Each test file uses its own part of this module.
#![allow(dead_code)]

use minispl::generate::{generate, GeneratorConfig};
use std::path::Path;

/// `records` generated CloudTrail records (the default seed) as the generator writes
/// them: JSON lines.
pub fn generated_bytes(records: u64) -> Vec<u8> {
    let mut buf = Vec::new();
    let config = GeneratorConfig {
        records,
        ..GeneratorConfig::default()
    };
    generate(&config, &mut buf).expect("in-memory write");
    buf
}

/// `records` generated CloudTrail records (the default seed), one JSON text each.
pub fn generated_lines(records: u64) -> Vec<String> {
    String::from_utf8(generated_bytes(records))
        .expect("generator writes UTF-8")
        .lines()
        .map(str::to_string)
        .collect()
}

/// Every line of every file under `corpus/` whose first non-blank character is one of
/// `first` (`{` for records; `{` and `[` for any JSON document).
pub fn corpus_lines(first: &[char]) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                out.extend(
                    text.lines()
                        .filter(|l| l.trim_start().starts_with(first))
                        .map(str::to_string),
                );
            }
        }
    }
    assert!(!out.is_empty(), "the corpus has JSON lines");
    out
}
