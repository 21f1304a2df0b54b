//! `minispl detect [--rule NAME|FILE.yml]... [FILE...]`: run detections over events and
//! print their result rows (and, with `--risk`, their risk events).

use super::{resolve_detection, with_leading_field};
use crate::args::{DetectArgs, OutputFormat};
use crate::failure::{CliResult, Failure, BAD_SEARCH, FAILED};
use crate::{input, output, setup};
use chrono_tz::Tz;
use minispl_eval::{Row, Value};
use minispl_rules::engine::OnePass;
use minispl_rules::{Detection, DetectionOutput, Engine, RiskEvent, RulesError};
use std::io::{self, Write};
use std::process::ExitCode;

pub fn run(args: &DetectArgs) -> CliResult {
    let detections: Vec<Detection> = if args.rules.is_empty() {
        Engine::builtin_detections()
    } else {
        args.rules
            .iter()
            .map(|r| resolve_detection(r))
            .collect::<Result<_, _>>()?
    };
    let env = setup::env(&args.engine)?;
    let mut plan = setup::input_plan(&args.files, &args.input, &env)?;
    let engine = setup::engine(&args.engine, &env)?;
    // Every search is checked before any input is read (exit 2, with the caret), and
    // compiled once for the filter and the run.
    let mut searches = Vec::with_capacity(detections.len());
    for d in &detections {
        let macros = super::parse::detection_macros(engine.macros(), d);
        super::parse::parse_text(&d.search, &macros).map_err(|mut f| {
            f.message = format!("detection `{}`:\n{}", d.name, f.message);
            f
        })?;
        searches.push(engine.compile_detection(d).map_err(|e| {
            let mut f = Failure::from_rules(&e, BAD_SEARCH);
            f.message = format!("detection `{}`:\n{}", d.name, f.message);
            f
        })?);
    }
    // Events no detection can match are dropped by the reader, before an event is built
    // (issue 6); not with --earliest/--latest, whose count of events outside the range
    // must see them all.
    plan.options.threads = setup::reader_threads(&engine, 1);
    if plan.range.is_all_time() {
        plan.options.filter = minispl_rules::engine::record_filter(&searches);
    }
    // Events stream through every detection in one pass (issue 6): the input is never
    // held in memory, whatever its size.
    let (outputs, summary) = if engine.context().optimizations.multi_detection {
        // The reader's workers check each record and also test it against the
        // detections' prefilters and ingest it for those that take it; this thread
        // reads and runs the pipelines over what the workers made, in input order
        // (issue 6: as `search`, no thread between reading and running). On one core
        // all of it runs on this thread.
        match engine.one_pass(&detections, &searches) {
            Ok(pass) => run_one_pass(&pass, &plan),
            Err(e) => (Err(e), input::InputSummary::default()),
        }
    } else {
        // `--no-optimize`: the reference path (every event collected, each detection
        // run alone over them).
        input::with_events(&plan, |events| {
            engine.run_compiled(&detections, &searches, events)
        })
    };
    if let Some(fatal) = &summary.fatal {
        summary.print(None, plan.quiet);
        return Err(Failure::failed(fatal.to_string()));
    }
    let outputs = match outputs {
        Ok(o) => o,
        Err(e) => {
            summary.print(None, plan.quiet);
            return Err(Failure::from_rules(&e, FAILED));
        }
    };
    let results: usize = outputs.iter().map(|o| o.rows.len()).sum();
    let format = args.output.output;
    let risk = args.risk;
    super::write_stdout(|out, terminal| {
        let format = output::choose(format, terminal);
        write_outputs(out, format, &detections, &outputs, risk, env.tz)
    })?;
    summary.print(Some(results), plan.quiet);
    Ok(if summary.had_failures() {
        ExitCode::from(FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// Table: one section per detection. JSON and CSV: every row with the detection's name
/// as a leading `search_name` field (as Splunk's notable events carry it), then the risk
/// events (CSV: a second block after a blank line).
fn write_outputs(
    out: &mut dyn Write,
    format: OutputFormat,
    detections: &[Detection],
    outputs: &[DetectionOutput],
    risk: bool,
    tz: Tz,
) -> io::Result<()> {
    if format == OutputFormat::Table {
        for (d, o) in detections.iter().zip(outputs) {
            let n = o.rows.len();
            writeln!(
                out,
                "== {} ({n} result{}) ==",
                d.name,
                if n == 1 { "" } else { "s" }
            )?;
            output::write_rows(out, format, &o.rows, tz)?;
            if risk && !o.risk_events.is_empty() {
                writeln!(out, "-- risk events --")?;
                let rows: Vec<Row> = o.risk_events.iter().map(risk_row).collect();
                output::write_rows(out, format, &rows, tz)?;
            }
            writeln!(out)?;
        }
        return Ok(());
    }
    // Rows are written as they are made, not collected: a copy of every result with its
    // `search_name` doubled the peak memory of a large run (issue 6).
    let named_rows = || {
        detections.iter().zip(outputs).flat_map(|(d, o)| {
            o.rows
                .iter()
                .map(|r| with_leading_field("search_name", Value::str(d.name.as_str()), r))
        })
    };
    let any_rows = outputs.iter().any(|o| !o.rows.is_empty());
    match format {
        OutputFormat::Csv => {
            // The header: `search_name`, then every field in order of first appearance.
            let mut columns = vec!["search_name".to_string()];
            columns.extend(
                output::columns(outputs.iter().flat_map(|o| &o.rows))
                    .into_iter()
                    .filter(|c| c != "search_name"),
            );
            if any_rows {
                output::write_csv(out, &columns, named_rows(), tz)?;
            }
        }
        _ => {
            // JSON: each row written with its `search_name` in front, not copied first.
            let mut line = Vec::new();
            for (d, o) in detections.iter().zip(outputs) {
                let name = Value::str(d.name.as_str());
                for row in &o.rows {
                    let leading = Some(("search_name", &name));
                    output::write_json_line(out, &mut line, leading, row, tz)?;
                }
            }
        }
    }
    if risk {
        let risk_rows: Vec<Row> = outputs
            .iter()
            .flat_map(|o| o.risk_events.iter().map(risk_row))
            .collect();
        if format == OutputFormat::Csv && any_rows && !risk_rows.is_empty() {
            writeln!(out)?;
        }
        output::write_rows(out, format, &risk_rows, tz)?;
    }
    Ok(())
}

/// A risk event as a row, with the field names of Splunk ES's risk index.
/// `threat_objects` entries are read as `(field, type, value)`.
pub fn risk_row(r: &RiskEvent) -> Row {
    let mut row = Row::new();
    row.set("search_name", Value::str(r.detection.as_str()));
    if let Some(id) = &r.detection_id {
        row.set("detection_id", Value::str(id.as_str()));
    }
    row.set("risk_object", Value::str(r.risk_object.as_str()));
    row.set("risk_object_type", Value::str(r.risk_object_type.as_str()));
    row.set(
        "risk_object_field",
        Value::str(r.risk_object_field.as_str()),
    );
    row.set("risk_score", Value::Num(f64::from(r.risk_score)));
    row.set("risk_message", Value::str(r.message.as_str()));
    let pick = |f: fn(&(String, String, String)) -> &String| {
        Value::multi(r.threat_objects.iter().map(|t| f(t).clone()).collect())
    };
    row.set("threat_object", pick(|t| &t.2));
    row.set("threat_object_type", pick(|t| &t.1));
    row.set("threat_object_field", pick(|t| &t.0));
    row.set(
        "annotations.mitre_attack",
        Value::multi(r.mitre_attack_ids.clone()),
    );
    row
}

/// The detections of `pass` over the input of `plan`, the per-event part on the reader's
/// workers (see `run`).
fn run_one_pass(
    pass: &OnePass<'_>,
    plan: &input::InputPlan,
) -> (
    Result<Vec<DetectionOutput>, RulesError>,
    input::InputSummary,
) {
    let mut runs = match pass.start() {
        Ok(runs) => runs,
        Err(e) => return (Err(e), input::InputSummary::default()),
    };
    let summary = input::with_folds(plan, pass, &mut |batch| {
        batch.into_iter().for_each(|prepared| runs.push(prepared))
    });
    (runs.finish(), summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detection(name: &str) -> Detection {
        Detection {
            name: name.to_string(),
            ..Detection::default()
        }
    }

    fn sample() -> (Vec<Detection>, Vec<DetectionOutput>) {
        let row: Row = [("user".to_string(), Value::str("alice"))]
            .into_iter()
            .collect();
        let risk = RiskEvent {
            detection: "D1".into(),
            message: "alice pushed".into(),
            risk_object: "alice".into(),
            risk_object_type: "user".into(),
            risk_object_field: "user".into(),
            risk_score: 25,
            threat_objects: vec![("src".into(), "ip_address".into(), "10.0.0.1".into())],
            mitre_attack_ids: vec!["T1204.003".into()],
            ..RiskEvent::default()
        };
        (
            vec![detection("D1"), detection("D2")],
            vec![
                DetectionOutput {
                    rows: vec![row],
                    risk_events: vec![risk],
                },
                DetectionOutput::default(),
            ],
        )
    }

    fn render(format: OutputFormat, risk: bool) -> String {
        let (d, o) = sample();
        let mut out = Vec::new();
        write_outputs(&mut out, format, &d, &o, risk, Tz::UTC).expect("in-memory write");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn json_rows_carry_the_detection_name_then_risk_events() {
        let text = render(OutputFormat::Json, true);
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines[0], r#"{"search_name":"D1","user":"alice"}"#);
        assert_eq!(
            lines[1],
            r#"{"search_name":"D1","risk_object":"alice","risk_object_type":"user","risk_object_field":"user","risk_score":"25","risk_message":"alice pushed","threat_object":"10.0.0.1","threat_object_type":"ip_address","threat_object_field":"src","annotations.mitre_attack":"T1204.003"}"#
        );
        assert_eq!(lines.len(), 2);
        assert_eq!(render(OutputFormat::Json, false).lines().count(), 1);
    }

    #[test]
    fn table_has_a_section_per_detection() {
        let text = render(OutputFormat::Table, false);
        assert_eq!(
            text,
            "== D1 (1 result) ==\nuser\n-----\nalice\n\n== D2 (0 results) ==\n\n"
        );
    }

    #[test]
    fn csv_risk_block_follows_a_blank_line() {
        let text = render(OutputFormat::Csv, true);
        let blocks: Vec<_> = text.split("\n\n").collect();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0], "search_name,user\nD1,alice");
        assert!(blocks[1].starts_with("search_name,risk_object,"));
    }
}
