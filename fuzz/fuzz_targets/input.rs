//! Arbitrary bytes through reader::read_stream (raw/fields, lenient/strict).
//! The logic lives in `minispl::fuzzing::input`, shared with tests/fuzz_regressions.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| minispl::fuzzing::input(data));
