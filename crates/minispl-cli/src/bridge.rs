//! The calls into `minispl-rules` that its API on this branch does not offer yet: loading
//! a detection from a YAML file and running a detection's unit tests. Each is one
//! function here so that wiring it to the rules crate after the merge is a one-line
//! change (`Detection::from_path`/`testrunner::run` or whatever the crate names them).
//! Until then they fail with a clear message instead of guessing at the YAML schema or
//! re-implementing the test runner in the CLI.

use minispl_rules::{Detection, Engine, RulesError, TestOutcome};
use std::path::Path;

fn unavailable(what: &str) -> RulesError {
    RulesError {
        message: format!("{what} is not available in this build of minispl-rules"),
        rendered: None,
    }
}

/// Load one detection YAML file (every upstream layout; issue 4).
pub fn load_detection(path: &Path) -> Result<Detection, RulesError> {
    let _ = path;
    Err(unavailable("loading detection YAML"))
}

/// Run a detection's `tests[]` with the upstream unit-test semantics, resolving each
/// `attack_data` file by name under `data_dir` (issue 4).
pub fn run_tests(
    engine: &Engine,
    detection: &Detection,
    data_dir: Option<&Path>,
) -> Result<Vec<TestOutcome>, RulesError> {
    let _ = (engine, detection, data_dir);
    Err(unavailable("the detection test runner"))
}
