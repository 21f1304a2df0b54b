//! `minispl test [DETECTION.yml...] [--data DIR]`: the detections' unit tests, one line per
//! test with the reason on failure; exit status 0 only if all pass.

use crate::args::TestArgs;
use crate::bridge;
use crate::failure::{CliResult, Failure, FAILED};
use crate::setup;
use minispl_rules::{Detection, Engine, TestOutcome};
use std::process::ExitCode;

/// Counts over a test run.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub failed: usize,
    /// Detections without tests.
    pub skipped: usize,
    /// Detections whose tests could not run at all.
    pub errors: usize,
}

impl Tally {
    /// Green only if something ran and nothing failed: a CI job must not pass because
    /// every test silently disappeared.
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.errors == 0 && self.passed > 0
    }
}

pub fn run(args: &TestArgs) -> CliResult {
    let detections: Vec<Detection> = if args.detections.is_empty() {
        Engine::builtin_detections()
    } else {
        args.detections
            .iter()
            .map(|p| {
                bridge::load_detection(p)
                    .map_err(|e| Failure::failed(format!("{}: {}", p.display(), e.message)))
            })
            .collect::<Result<_, _>>()?
    };
    let env = setup::env(&args.engine)?;
    let engine = setup::engine(&args.engine, &env)?;
    let mut lines = Vec::new();
    let mut tally = Tally::default();
    for d in &detections {
        if d.tests.is_empty() {
            tally.skipped += 1;
            lines.push(format!("SKIP  {}: no tests", d.name));
            continue;
        }
        match bridge::run_tests(&engine, d, args.data.as_deref()) {
            Ok(outcomes) => {
                for o in &outcomes {
                    lines.push(outcome_line(o));
                    if o.passed {
                        tally.passed += 1;
                    } else {
                        tally.failed += 1;
                    }
                }
            }
            Err(e) => {
                tally.errors += 1;
                lines.push(format!("ERROR {}: {}", d.name, e));
            }
        }
    }
    lines.push(format!(
        "{} passed, {} failed, {} errors, {} detections without tests",
        tally.passed, tally.failed, tally.errors, tally.skipped
    ));
    super::write_stdout(|out, _| {
        for line in &lines {
            writeln!(out, "{line}")?;
        }
        Ok(())
    })?;
    Ok(if tally.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    })
}

/// `PASS detection / test (N results)` or `FAIL detection / test: reason`.
pub fn outcome_line(o: &TestOutcome) -> String {
    if o.passed {
        format!(
            "PASS  {} / {} ({} results)",
            o.detection, o.test, o.result_count
        )
    } else {
        format!(
            "FAIL  {} / {}: {}",
            o.detection,
            o.test,
            o.reason.as_deref().unwrap_or("failed")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_lines_say_why_a_test_failed() {
        let mut o = TestOutcome {
            detection: "D".into(),
            test: "True Positive Test".into(),
            passed: true,
            reason: None,
            result_count: 2,
        };
        assert_eq!(outcome_line(&o), "PASS  D / True Positive Test (2 results)");
        o.passed = false;
        o.reason = Some("no results".into());
        assert_eq!(outcome_line(&o), "FAIL  D / True Positive Test: no results");
    }

    #[test]
    fn a_run_is_green_only_if_something_passed_and_nothing_failed() {
        assert!(!Tally::default().ok());
        let pass = Tally {
            passed: 1,
            ..Tally::default()
        };
        assert!(pass.ok());
        assert!(!Tally { failed: 1, ..pass }.ok());
        assert!(!Tally { errors: 1, ..pass }.ok());
    }
}
