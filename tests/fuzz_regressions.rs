//! Every input kept under `tests/fuzz-regressions/<target>/` (crashes the fuzzers found,
//! and hand-made hostile inputs) replayed through the same code path as the cargo-fuzz
//! target of that name (`minispl::fuzzing::<target>`, issue 7). Each file is its own
//! test; a panic (a crash, or a failed round-trip/accounting property) fails it.
//!
//! Run: `cargo test --test fuzz_regressions`. Add a crash: copy
//! `fuzz/artifacts/<target>/crash-*` into `tests/fuzz-regressions/<target>/`.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("parse", minispl::fuzzing::parse),
    ("eval", minispl::fuzzing::eval),
    ("input", minispl::fuzzing::input),
    ("json", minispl::fuzzing::json),
];

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut trials = Vec::new();
    for &(target, run) in TARGETS {
        let dir = root.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|it| it.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        // An empty or missing folder would make this suite pass without testing
        // anything: that is a failure of its own.
        let count = files.len();
        trials.push(Trial::test(format!("{target}::has_inputs"), move || {
            if count == 0 {
                Err(Failed::from(format!("no inputs in {}", dir.display())))
            } else {
                Ok(())
            }
        }));
        for path in files {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            trials.push(Trial::test(format!("{target}::{name}"), move || {
                let data = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                run(&data);
                Ok(())
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
