//! The detection test runner with upstream unit-test semantics (placeholder until
//! implemented).

/// The outcome of one `tests[]` entry of a detection.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutcome {
    pub detection: String,
    pub test: String,
    pub passed: bool,
    /// Why it failed (no results; which field was null in which row; data missing).
    pub reason: Option<String>,
    pub result_count: usize,
}
