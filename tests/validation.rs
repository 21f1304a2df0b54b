//! Issue 6: the reader's block validator over generated CloudTrail records. Every record
//! the generator writes (compact JSON, as CloudTrail's) must take the fast path: accepted
//! by the block validator, and, being ASCII, with no separate UTF-8 pass. A record sent
//! the slow way would still be read correctly, only slower, so this is the test that
//! notices a fast path quietly lost.

mod common;

use minispl::eval::reader::validate::{self, Quick};

#[test]
fn generated_records_take_the_fast_path() {
    let lines = common::generated_lines(5_000);
    let simd = validate::simd_certainly_valid("{}").is_some();
    for (n, line) in lines.iter().enumerate() {
        assert!(validate::certainly_valid(line), "record {}", n + 1);
        assert!(validate::scalar_certainly_valid(line), "record {}", n + 1);
        if simd {
            assert_eq!(
                validate::quick(line.as_bytes()),
                Quick::Ascii {
                    text: line.as_str(),
                    backslash: line.contains('\\'),
                },
                "record {}",
                n + 1
            );
        }
    }
    assert_eq!(lines.len(), 5_000);
}

/// Issue 6: the block validator's index of the top-level members, for every generated
/// record, agrees with serde_json (keys, values, order, spans).
#[test]
fn generated_records_are_indexed_as_serde_reads_them() {
    if validate::simd_certainly_valid("{}").is_none() {
        return; // no block validator on this CPU, so no index
    }
    let mut index = validate::TopIndex::default();
    for (n, line) in common::generated_lines(3_000).iter().enumerate() {
        let quick = validate::quick_indexed(line.as_bytes(), &mut index);
        assert_eq!(quick, validate::quick(line.as_bytes()), "record {}", n + 1);
        if let Err(e) = validate::index_agrees_with_serde(line, &index) {
            panic!("record {}: {e}", n + 1);
        }
    }
}
