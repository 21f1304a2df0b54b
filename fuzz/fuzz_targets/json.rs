//! Arbitrary text through spath's streaming JSON selection and flattening, against the
//! tree-based reference. The logic lives in `minispl::fuzzing::json`, shared with
//! tests/fuzz_regressions.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| minispl::fuzzing::json(data));
