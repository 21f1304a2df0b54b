//! Issue 6: the reader's block validator over generated CloudTrail records. Every record
//! the generator writes (compact JSON, as CloudTrail's) must take the fast path: accepted
//! by the block validator, and, being ASCII, with no separate UTF-8 pass. A record sent
//! the slow way would still be read correctly, only slower, so this is the test that
//! notices a fast path quietly lost.

use minispl::eval::reader::validate::{self, Quick};
use minispl::generate::{generate, GeneratorConfig};

#[test]
fn generated_records_take_the_fast_path() {
    let mut buf = Vec::new();
    let config = GeneratorConfig {
        records: 5_000,
        ..GeneratorConfig::default()
    };
    generate(&config, &mut buf).expect("in-memory write");
    let text = String::from_utf8(buf).expect("generator writes UTF-8");
    let simd = validate::simd_certainly_valid("{}").is_some();
    let mut lines = 0;
    for (n, line) in text.lines().enumerate() {
        lines += 1;
        assert!(validate::certainly_valid(line), "record {}", n + 1);
        assert!(validate::scalar_certainly_valid(line), "record {}", n + 1);
        if simd {
            assert_eq!(
                validate::quick(line.as_bytes()),
                Quick::Ascii {
                    text: line,
                    backslash: line.contains('\\'),
                },
                "record {}",
                n + 1
            );
        }
    }
    assert_eq!(lines, 5_000);
}
