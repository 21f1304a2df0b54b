//! Arbitrary SPL compiled and run over a few fixed CloudTrail events.
//! The logic lives in `minispl::fuzzing::eval`, shared with tests/fuzz_regressions.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| minispl::fuzzing::eval(data));
