//! Write synthetic CloudTrail records as JSON lines (deterministic; see
//! `minispl::generate`). Used to reproduce the benchmark figures:
//!
//!     cargo run --release --example generate_cloudtrail -- 100000 > /tmp/ct.jsonl
//!     cargo run --release --example generate_cloudtrail -- 100000 7 > /tmp/ct-seed7.jsonl

use minispl::generate::{generate, GeneratorConfig};
use std::io::{BufWriter, Write};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let records = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(42);
    let config = GeneratorConfig {
        records,
        seed,
        ..Default::default()
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let stats = generate(&config, &mut out)?;
    out.flush()?;
    eprintln!(
        "{} records, {} bytes, {} PutImage, {} DescribeImageScanFindings",
        stats.records, stats.bytes, stats.put_image, stats.scan_findings
    );
    Ok(())
}
