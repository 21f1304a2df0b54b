//! The detection test runner with the upstream unit-test semantics (issue 4):
//! for each `tests[]` entry, load every `attack_data` file (its `data:` URL resolves to a
//! local file by its file name under a data directory), tag the events with the test's
//! `sourcetype`/`source`, run the search over all time, and pass when
//! - there is at least one result,
//! - every result has a non-null value for each risk-object field, and
//! - each threat-object field is non-null in at least one result.
//!
//! A failing outcome says why. Loading and running are injectable
//! ([`run_test_with`]) so the verdict logic is testable without the evaluator.

use crate::detection::{Detection, DetectionTest};
use crate::engine::{Engine, RulesError};
use minispl_eval::reader::{read_path, InputMode, ReadOptions, ReadReport};
use minispl_eval::{Event, EventMeta, Row};
use std::path::{Path, PathBuf};

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

/// The local file for a `data:` URL: its last path segment, looked for directly in
/// `data_dir` and then in its subdirectories (name order).
pub fn resolve_data(url: &str, data_dir: &Path) -> Option<PathBuf> {
    let name = url.trim().rsplit('/').next()?.trim();
    if name.is_empty() {
        return None;
    }
    find_file(data_dir, name, 0)
}

fn find_file(dir: &Path, name: &str, depth: usize) -> Option<PathBuf> {
    let direct = dir.join(name);
    if direct.is_file() {
        return Some(direct);
    }
    // Bounded: a data directory is a few levels deep at most.
    if depth >= 4 {
        return None;
    }
    let mut subdirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    subdirs.sort();
    subdirs.iter().find_map(|d| find_file(d, name, depth + 1))
}

/// The verdict for a test given the search's result rows.
pub fn evaluate(detection: &Detection, test: &str, rows: &[Row]) -> TestOutcome {
    let mut problems = Vec::new();
    if rows.is_empty() {
        problems.push("the search returned no results".to_string());
    }
    for spec in &detection.risk_objects {
        let null_rows: Vec<usize> = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.get(&spec.field).is_null())
            .map(|(i, _)| i + 1)
            .collect();
        if !null_rows.is_empty() {
            problems.push(format!(
                "risk object field `{}` is null in result row{} {} of {}",
                spec.field,
                if null_rows.len() == 1 { "" } else { "s" },
                list(&null_rows),
                rows.len()
            ));
        }
    }
    if !rows.is_empty() {
        for spec in &detection.threat_objects {
            if rows.iter().all(|r| r.get(&spec.field).is_null()) {
                problems.push(format!(
                    "threat object field `{}` is null in every result row",
                    spec.field
                ));
            }
        }
    }
    TestOutcome {
        detection: detection.name.clone(),
        test: test.to_string(),
        passed: problems.is_empty(),
        reason: (!problems.is_empty()).then(|| problems.join("; ")),
        result_count: rows.len(),
    }
}

/// `1, 2, 3` — at most ten numbers, then `...`.
fn list(rows: &[usize]) -> String {
    let mut s = rows
        .iter()
        .take(10)
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if rows.len() > 10 {
        s.push_str(", ...");
    }
    s
}

fn failed(detection: &Detection, test: &DetectionTest, reason: String) -> TestOutcome {
    TestOutcome {
        detection: detection.name.clone(),
        test: test.name.clone(),
        passed: false,
        reason: Some(reason),
        result_count: 0,
    }
}

/// Loads one data file's events with the given default fields.
pub type Loader<'a> = dyn FnMut(&Path, &EventMeta) -> Result<Vec<Event>, String> + 'a;
/// Runs a detection over events.
pub type Runner<'a> = dyn Fn(&Detection, Vec<Event>) -> Result<Vec<Row>, RulesError> + 'a;

/// Run one test with an injected loader and runner.
pub fn run_test_with(
    detection: &Detection,
    test: &DetectionTest,
    data_dir: &Path,
    load: &mut Loader<'_>,
    run: &Runner<'_>,
) -> TestOutcome {
    if test.attack_data.is_empty() {
        return failed(detection, test, "the test has no attack_data".to_string());
    }
    let mut events = Vec::new();
    for ad in &test.attack_data {
        let Some(path) = resolve_data(&ad.data, data_dir) else {
            let name = ad.data.rsplit('/').next().unwrap_or_default();
            return failed(
                detection,
                test,
                format!(
                    "data file `{name}` (from {}) not found under {}",
                    ad.data,
                    data_dir.display()
                ),
            );
        };
        let meta = EventMeta {
            sourcetype: ad.sourcetype.as_deref().map(Into::into),
            source: ad.source.as_deref().map(Into::into),
            ..EventMeta::default()
        };
        match load(&path, &meta) {
            Ok(mut evs) => events.append(&mut evs),
            Err(e) => return failed(detection, test, format!("{}: {e}", path.display())),
        }
    }
    // Upstream unit tests search over all time: no earliest/latest filter here.
    match run(detection, events) {
        Ok(rows) => evaluate(detection, &test.name, &rows),
        Err(e) => failed(detection, test, format!("the search failed: {e}")),
    }
}

/// Read a data file as raw events (`_raw` = each record's text) with `meta`.
pub fn load_events(path: &Path, meta: &EventMeta) -> Result<Vec<Event>, String> {
    let options = ReadOptions {
        mode: InputMode::Raw,
        meta: meta.clone(),
        ..ReadOptions::default()
    };
    let mut report = ReadReport::default();
    let mut events = Vec::new();
    read_path(path, &options, &mut report, &mut |e| events.push(e)).map_err(|e| e.to_string())?;
    if let Some(p) = report.problems.first() {
        // Malformed records would silently change what the test sees: fail loudly.
        return Err(format!(
            "{} malformed record(s), first at {} {}: {}",
            report.skipped, p.source, p.location, p.message
        ));
    }
    Ok(events)
}

/// Run one test of `detection` with `engine`.
pub fn run_test(
    engine: &Engine,
    detection: &Detection,
    test: &DetectionTest,
    data_dir: &Path,
) -> TestOutcome {
    let run = |d: &Detection, events: Vec<Event>| -> Result<Vec<Row>, RulesError> {
        engine.run_detection(d, events).map(|o| o.rows)
    };
    run_test_with(detection, test, data_dir, &mut load_events, &run)
}

/// Run every test of `detection`.
pub fn run_tests(engine: &Engine, detection: &Detection, data_dir: &Path) -> Vec<TestOutcome> {
    detection
        .tests
        .iter()
        .map(|t| run_test(engine, detection, t, data_dir))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detection::{AttackData, RiskObjectSpec, ThreatObjectSpec};
    use minispl_eval::Value;

    fn detection() -> Detection {
        Detection {
            name: "D".into(),
            search: "x".into(),
            risk_objects: vec![RiskObjectSpec {
                field: "user".into(),
                kind: "user".into(),
                score: 20,
            }],
            threat_objects: vec![ThreatObjectSpec {
                field: "src".into(),
                kind: "ip_address".into(),
            }],
            ..Detection::default()
        }
    }

    fn row(pairs: &[(&str, &str)]) -> Row {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::str(*v)))
            .collect()
    }

    #[test]
    fn passes_with_risk_objects_everywhere_and_a_threat_object_somewhere() {
        let rows = vec![
            row(&[("user", "a"), ("src", "1.2.3.4")]),
            row(&[("user", "b")]),
        ];
        let o = evaluate(&detection(), "t", &rows);
        assert!(o.passed, "{:?}", o.reason);
        assert_eq!(o.result_count, 2);
        assert_eq!(o.reason, None);
    }

    #[test]
    fn failure_reasons() {
        let d = detection();
        let o = evaluate(&d, "t", &[]);
        assert!(!o.passed);
        assert_eq!(o.reason.as_deref(), Some("the search returned no results"));

        let rows = vec![row(&[("user", "a")]), row(&[("src", "x")]), row(&[])];
        let o = evaluate(&d, "t", &rows);
        assert!(!o.passed);
        assert_eq!(
            o.reason.as_deref(),
            Some("risk object field `user` is null in result rows 2, 3 of 3")
        );

        let rows = vec![row(&[("user", "a")])];
        let o = evaluate(&d, "t", &rows);
        assert_eq!(
            o.reason.as_deref(),
            Some("threat object field `src` is null in every result row")
        );
    }

    #[test]
    fn no_risk_objects_only_needs_results() {
        let mut d = detection();
        d.risk_objects.clear();
        d.threat_objects.clear();
        assert!(evaluate(&d, "t", &[row(&[("x", "1")])]).passed);
        assert!(!evaluate(&d, "t", &[]).passed);
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("minispl-tr-{name}-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        dir
    }

    fn test_for(url: &str) -> DetectionTest {
        DetectionTest {
            name: "True Positive Test".into(),
            attack_data: vec![AttackData {
                data: url.into(),
                sourcetype: Some("aws:cloudtrail".into()),
                source: Some("aws_cloudtrail".into()),
            }],
        }
    }

    #[test]
    fn data_urls_resolve_by_file_name() {
        let dir = scratch("resolve");
        std::fs::write(dir.join("sub/events.json"), "{}\n").unwrap();
        assert_eq!(
            resolve_data("https://x/y/z/events.json", &dir),
            Some(dir.join("sub/events.json"))
        );
        assert_eq!(resolve_data("https://x/y/other.json", &dir), None);
        assert_eq!(resolve_data("https://x/y/", &dir), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn stubbed_engine_sees_the_tests_meta_and_verdict_applies() {
        let dir = scratch("stub");
        std::fs::write(dir.join("a.json"), "{\"k\":1}\n").unwrap();
        let seen = std::cell::RefCell::new(Vec::new());
        let mut load = |p: &Path, meta: &EventMeta| -> Result<Vec<Event>, String> {
            seen.borrow_mut().push(meta.clone());
            let text = std::fs::read_to_string(p).map_err(|e| e.to_string())?;
            Ok(text
                .lines()
                .map(|l| Event::Raw {
                    raw: l.to_string(),
                    meta: meta.clone(),
                })
                .collect())
        };
        // A hand-made engine: one result row per event, user set, src missing.
        let run = |_: &Detection, events: Vec<Event>| -> Result<Vec<Row>, RulesError> {
            Ok(events.iter().map(|_| row(&[("user", "u")])).collect())
        };
        let o = run_test_with(
            &detection(),
            &test_for("https://h/p/a.json"),
            &dir,
            &mut load,
            &run,
        );
        assert_eq!(
            seen.borrow()[0].sourcetype.as_deref(),
            Some("aws:cloudtrail")
        );
        assert_eq!(seen.borrow()[0].source.as_deref(), Some("aws_cloudtrail"));
        assert_eq!(o.result_count, 1);
        assert!(!o.passed);
        assert!(o.reason.unwrap().contains("`src`"));

        let failing = |_: &Detection, _: Vec<Event>| -> Result<Vec<Row>, RulesError> {
            Err(RulesError::msg("boom"))
        };
        let o = run_test_with(
            &detection(),
            &test_for("https://h/p/a.json"),
            &dir,
            &mut load,
            &failing,
        );
        assert_eq!(o.reason.as_deref(), Some("the search failed: boom"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn missing_data_file_fails_with_reason_before_running() {
        let dir = scratch("missing");
        let o = run_test(
            &Engine::empty(),
            &detection(),
            &test_for("https://h/p/nothere.json"),
            &dir,
        );
        assert!(!o.passed);
        let reason = o.reason.unwrap();
        assert!(reason.starts_with("data file `nothere.json`"), "{reason}");
        let mut t = test_for("x");
        t.attack_data.clear();
        let o = run_test(&Engine::empty(), &detection(), &t, &dir);
        assert_eq!(o.reason.as_deref(), Some("the test has no attack_data"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
