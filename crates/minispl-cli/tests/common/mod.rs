//! Helpers shared by the CLI integration tests.
// Each test binary uses a different subset.
#![allow(dead_code)]

use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file under `tests/data`.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The three CloudTrail events of `tests/data/ecr_events.json`, one per line.
pub fn event_lines() -> Vec<String> {
    std::fs::read_to_string(data("ecr_events.json"))
        .expect("test data")
        .lines()
        .map(str::to_string)
        .collect()
}

/// A fresh directory for one test's generated files, per test binary and process.
pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!(
            "minispl-{}-{}",
            env!("CARGO_CRATE_NAME"),
            std::process::id()
        ))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}
