//! Validator throughput (issue 6 §4): bytes per second over the lines of generated
//! CloudTrail records, for the block validator (AVX2), the original scalar one, the floor
//! of `std::str::from_utf8` (which the reader runs first anyway) and `serde_json`.
//!
//!     cargo bench --bench validate
//!     MINISPL_BENCH_RECORDS=100000 cargo bench --bench validate

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use minispl::eval::reader::validate;
use minispl::generate::{generate, GeneratorConfig};
use std::hint::black_box;

fn lines() -> (Vec<String>, u64) {
    let records = std::env::var("MINISPL_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let mut buf = Vec::new();
    let config = GeneratorConfig {
        records,
        ..Default::default()
    };
    generate(&config, &mut buf).expect("writing to memory cannot fail");
    let text = String::from_utf8(buf).expect("the generator writes UTF-8");
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let bytes = lines.iter().map(|l| l.len() as u64).sum();
    (lines, bytes)
}

fn validators(c: &mut Criterion) {
    let (lines, bytes) = lines();
    // Every generated record must take the fast path, or the figures mean nothing.
    for line in &lines {
        assert!(validate::scalar_certainly_valid(line), "{line}");
        assert_ne!(validate::simd_certainly_valid(line), Some(false), "{line}");
    }
    let mut group = c.benchmark_group("validate");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(20);
    group.bench_function("certainly_valid", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| validate::certainly_valid(l))
                .count()
        })
    });
    if validate::simd_certainly_valid("{}").is_some() {
        group.bench_function("simd-only", |b| {
            b.iter(|| {
                lines
                    .iter()
                    .filter(|l| validate::simd_certainly_valid(l) == Some(true))
                    .count()
            })
        });
    }
    group.bench_function("scalar-old", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| validate::scalar_certainly_valid(l))
                .count()
        })
    });
    group.bench_function("std-from_utf8", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| std::str::from_utf8(black_box(l.as_bytes())).is_ok())
                .count()
        })
    });
    group.bench_function("serde_json-IgnoredAny", |b| {
        b.iter(|| {
            lines
                .iter()
                .filter(|l| serde_json::from_str::<serde::de::IgnoredAny>(l).is_ok())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, validators);
criterion_main!(benches);
