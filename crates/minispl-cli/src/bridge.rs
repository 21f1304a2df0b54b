//! The calls into `minispl-rules` for loading detections and running their unit tests,
//! with the CLI's defaults.

use minispl_rules::{testrunner, Detection, Engine, RulesError, TestOutcome};
use std::path::{Path, PathBuf};

/// Load one detection YAML file (every upstream layout; issue 4).
pub fn load_detection(path: &Path) -> Result<Detection, RulesError> {
    Detection::load(path)
}

/// Run a detection's `tests[]` with the upstream unit-test semantics, resolving each
/// `attack_data` file by name under `data_dir`. Without `--data`: the detection file's
/// own folder, and for the built-in detections the bundled `corpus/`: `./corpus` when run
/// from a checkout (the README's commands), else the checkout this binary was built from.
pub fn run_tests(
    engine: &Engine,
    detection: &Detection,
    data_dir: Option<&Path>,
) -> Result<Vec<TestOutcome>, RulesError> {
    let dir: PathBuf = match (data_dir, &detection.path) {
        (Some(d), _) => d.to_path_buf(),
        (None, Some(p)) => p.parent().map(Path::to_path_buf).unwrap_or_default(),
        (None, None) => bundled_corpus(),
    };
    Ok(testrunner::run_tests(engine, detection, &dir))
}

fn bundled_corpus() -> PathBuf {
    let here = PathBuf::from("corpus");
    if here.is_dir() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus")
}
