//! `minispl rules`: the detections built in (and loaded with `--rule`).

use crate::args::RulesArgs;
use crate::bridge;
use crate::failure::{CliResult, Failure};
use crate::output;
use chrono_tz::Tz;
use minispl_eval::{Row, Value};
use minispl_rules::{Detection, Engine};
use std::process::ExitCode;

pub fn run(args: &RulesArgs) -> CliResult {
    let mut detections = Engine::builtin_detections();
    for path in &args.rules {
        detections.push(
            bridge::load_detection(path)
                .map_err(|e| Failure::failed(format!("{}: {}", path.display(), e.message)))?,
        );
    }
    let rows: Vec<Row> = detections.iter().map(detection_row).collect();
    let format = args.output.output;
    super::write_stdout(|out, terminal| {
        output::write_rows(out, output::choose(format, terminal), &rows, Tz::UTC)
    })?;
    Ok(ExitCode::SUCCESS)
}

/// One line per detection: what a user needs to pick one for `--rule`.
pub fn detection_row(d: &Detection) -> Row {
    let mut row = Row::new();
    row.set("name", Value::str(d.name.as_str()));
    let optional = |v: &Option<String>| v.clone().map(Value::from).unwrap_or_default();
    row.set("type", optional(&d.kind));
    row.set("version", optional(&d.version));
    row.set("status", optional(&d.status));
    row.set("mitre_attack_id", Value::multi(d.mitre_attack_ids.clone()));
    row.set("tests", Value::Num(d.tests.len() as f64));
    row.set(
        "source",
        Value::str(
            d.path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "built-in".to_string()),
        ),
    );
    row.set("id", optional(&d.id));
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detection_row_names_its_source() {
        let d = Detection {
            name: "AWS ECR Container Upload Unknown User".into(),
            kind: Some("Anomaly".into()),
            mitre_attack_ids: vec!["T1204.003".into(), "T1204".into()],
            ..Detection::default()
        };
        let row = detection_row(&d);
        assert_eq!(row.get("source"), &Value::str("built-in"));
        assert_eq!(row.get("type"), &Value::str("Anomaly"));
        assert!(!row.contains("version"));
        assert_eq!(row.get("mitre_attack_id").count(), 2);
        assert_eq!(row.get("tests"), &Value::Num(0.0));
    }
}
