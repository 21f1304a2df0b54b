//! Macro expansion + parsing of arbitrary text; print/re-parse round trip when it parses.
//! The logic lives in `minispl::fuzzing::parse`, shared with tests/fuzz_regressions.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| minispl::fuzzing::parse(data));
