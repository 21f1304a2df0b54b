//! Throughput benchmarks (issue 6): MB/s and events/s over generated CloudTrail records.
//!
//!     cargo bench --bench detections
//!     MINISPL_BENCH_RECORDS=100000 cargo bench --bench detections
//!
//! W1: the four shipped detections over the same input; W2: each alone; W3/W4: full-scan
//! aggregates; plus raw-read and parse-only baselines so the distance to the floor shows.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use minispl::eval::reader::{read_stream, ReadOptions, ReadReport};
use minispl::eval::{Event, EventMeta};
use minispl::generate::{generate, GeneratorConfig};
use minispl::rules::Engine;
use std::hint::black_box;

fn records() -> u64 {
    std::env::var("MINISPL_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn input() -> Vec<u8> {
    let mut buf = Vec::new();
    let config = GeneratorConfig {
        records: records(),
        ..Default::default()
    };
    generate(&config, &mut buf).expect("writing to memory cannot fail");
    buf
}

fn read_events(buf: &[u8]) -> Vec<Event> {
    let options = ReadOptions {
        meta: EventMeta {
            sourcetype: Some("aws:cloudtrail".into()),
            source: Some("bench".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut events = Vec::new();
    let mut report = ReadReport::default();
    read_stream("bench", &mut &buf[..], &options, &mut report, &mut |e| {
        events.push(e)
    })
    .expect("generated input is well-formed");
    events
}

fn baselines(c: &mut Criterion) {
    let buf = input();
    let mut group = c.benchmark_group("baseline");
    group.throughput(Throughput::Bytes(buf.len() as u64));
    group.sample_size(10);
    group.bench_function("count-lines", |b| {
        b.iter(|| black_box(memchr_count(&buf)));
    });
    group.bench_function("read-events", |b| {
        b.iter(|| black_box(read_events(&buf).len()));
    });
    group.finish();

    let engine = Engine::builtin().expect("built-in engine");
    let detections = Engine::builtin_detections();
    let mut group = c.benchmark_group("parse");
    group.bench_function("four-detections", |b| {
        b.iter(|| {
            for d in &detections {
                black_box(
                    engine
                        .compile_detection(d)
                        .expect("shipped detections compile"),
                );
            }
        })
    });
    group.finish();
}

fn memchr_count(buf: &[u8]) -> usize {
    buf.iter().filter(|&&b| b == b'\n').count()
}

fn workloads(c: &mut Criterion) {
    let buf = input();
    let events = read_events(&buf);
    let engine = Engine::builtin().expect("built-in engine");
    let detections = Engine::builtin_detections();

    let mut group = c.benchmark_group("workload");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(buf.len() as u64));
    group.bench_function("W1-four-detections", |b| {
        b.iter(|| {
            for d in &detections {
                black_box(
                    engine
                        .run_detection(d, events.iter().cloned())
                        .expect("runs"),
                );
            }
        })
    });
    for d in &detections {
        group.bench_function(format!("W2-{}", d.name), |b| {
            b.iter(|| {
                black_box(
                    engine
                        .run_detection(d, events.iter().cloned())
                        .expect("runs"),
                )
            })
        });
    }
    for (name, spl) in [
        (
            "W3-count-by-source-name",
            "`cloudtrail` | stats count by eventSource eventName",
        ),
        (
            "W4-profile-fields",
            "`cloudtrail` | stats count dc(src) by user vendor_region",
        ),
    ] {
        let search = engine.compile(spl).expect("compiles");
        group.bench_function(name, |b| {
            b.iter(|| black_box(search.run(events.iter().cloned()).expect("runs")))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("workload-events");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events.len() as u64));
    let search = engine
        .compile("`cloudtrail` | stats count by eventSource eventName")
        .expect("compiles");
    group.bench_function("W3-count-by-source-name", |b| {
        b.iter(|| black_box(search.run(events.iter().cloned()).expect("runs")))
    });
    group.finish();
}

criterion_group!(benches, baselines, workloads);
criterion_main!(benches);
