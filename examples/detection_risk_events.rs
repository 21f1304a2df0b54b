//! Run one detection YAML over a file of CloudTrail events and print its risk events.
//!
//!     cargo run --example detection_risk_events
//!     cargo run --example detection_risk_events -- my_detection.yml my_trail.json

use minispl::eval::reader::{read_path, ReadOptions, ReadReport};
use minispl::eval::EventMeta;
use minispl::rules::{Detection, Engine};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut args = std::env::args().skip(1);
    let yaml = args.next().map(PathBuf::from).unwrap_or_else(|| {
        root.join("crates/minispl-rules/detections/aws_ecr_container_upload_unknown_user.yml")
    });
    let data = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("corpus/aws_ecr_container_upload.json"));

    let detection = Detection::load(&yaml)?;
    let engine = Engine::builtin()?;

    // Raw records, tagged as the upstream tests tag them, so the aws:cloudtrail profile
    // applies (CLOUDTRAIL.md §1).
    let options = ReadOptions {
        meta: EventMeta {
            sourcetype: Some("aws:cloudtrail".into()),
            source: Some("aws_cloudtrail".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut events = Vec::new();
    let mut report = ReadReport::default();
    read_path(&data, &options, &mut report, &mut |e| events.push(e))?;
    eprintln!(
        "{}: {} events, {} skipped",
        data.display(),
        report.events,
        report.skipped
    );

    let output = engine.run_detection(&detection, events)?;
    println!("{}: {} results", detection.name, output.rows.len());
    for risk in &output.risk_events {
        println!(
            "risk {:>3}  {} `{}` ({}): {}",
            risk.risk_score,
            risk.risk_object_type,
            risk.risk_object,
            risk.risk_object_field,
            risk.message
        );
        for (field, kind, value) in &risk.threat_objects {
            println!("          threat {kind} `{value}` ({field})");
        }
    }
    Ok(())
}
