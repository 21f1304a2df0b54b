//! Throughput benchmarks (issue 6): MB/s and events/s over generated CloudTrail records.
//!
//!     cargo bench --bench detections
//!     MINISPL_BENCH_RECORDS=100000 cargo bench --bench detections
//!
//! W1: the four shipped detections in one pass over the same input; W2: each alone;
//! W3/W4: full-scan aggregates (one thread, and two worker threads); plus raw-read,
//! read-events and parse-only baselines so the distance to the floor shows. Throughput is
//! reported both in MB/s and in events/s. The CLI figures in docs/PERFORMANCE.md include
//! reading the file; these measure the library over events already in memory (except
//! `workload-from-bytes`).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use minispl::eval::reader::{read_stream, ReadOptions, ReadReport, RecordFilter};
use minispl::eval::{Event, EventMeta};
use minispl::generate::{generate, GeneratorConfig};
use minispl::rules::Engine;
use std::hint::black_box;

fn records() -> u64 {
    std::env::var("MINISPL_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
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
    read_events_with(buf, None, 0)
}

/// Read as the CLI does: with the searches' filter applied by the reader (events no
/// search can match are never built) and `threads` reader workers.
fn read_events_with(buf: &[u8], filter: Option<RecordFilter>, threads: usize) -> Vec<Event> {
    let options = ReadOptions {
        meta: EventMeta {
            sourcetype: Some("aws:cloudtrail".into()),
            source: Some("bench".into()),
            ..Default::default()
        },
        filter,
        threads,
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
    group.bench_function("read-events-2-reader-threads", |b| {
        b.iter(|| black_box(read_events_with(&buf, None, 2).len()));
    });
    // Parse-only: a full serde_json parse of every record (what extraction of every
    // field would cost at least).
    group.bench_function("parse-json", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for line in buf.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
                let v: serde_json::Value = serde_json::from_slice(line).expect("valid JSON");
                n += usize::from(v.is_object());
            }
            black_box(n)
        });
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
    let searches = [
        (
            "W3-count-by-source-name",
            "`cloudtrail` | stats count by eventSource eventName",
        ),
        (
            "W4-profile-fields",
            "`cloudtrail` | stats count dc(src) by user vendor_region",
        ),
    ];

    // Both units: MB/s over the input bytes, events/s over the records.
    for (unit, throughput) in [
        ("MB", Throughput::Bytes(buf.len() as u64)),
        ("events", Throughput::Elements(events.len() as u64)),
    ] {
        let mut group = c.benchmark_group(format!("workload-{unit}"));
        group.sample_size(10);
        group.throughput(throughput);
        // W1: the four shipped detections in one pass (issue 6).
        group.bench_function("W1-four-detections-one-pass", |b| {
            b.iter(|| {
                black_box(
                    engine
                        .run_detections(&detections, events.iter().cloned())
                        .expect("runs"),
                )
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
        for (name, spl) in searches {
            let search = engine.compile(spl).expect("compiles");
            group.bench_function(format!("{name}-1-thread"), |b| {
                b.iter(|| black_box(search.run(events.iter().cloned()).expect("runs")))
            });
            group.bench_function(format!("{name}-2-workers"), |b| {
                b.iter(|| {
                    black_box(
                        search
                            .run_parallel(events.iter().cloned(), 2)
                            .expect("runs"),
                    )
                })
            });
        }
        group.finish();
    }

    // From bytes: reading (splitting, validating) included, as the CLI runs.
    let mut group = c.benchmark_group("workload-from-bytes-MB");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(buf.len() as u64));
    group.bench_function("W1-four-detections-read-and-run", |b| {
        b.iter(|| {
            black_box(
                engine
                    .run_detections(&detections, read_events(&buf))
                    .expect("runs"),
            )
        })
    });
    // As `minispl detect` runs: the reader drops what no detection can match.
    let filter = engine.record_filter(&detections).expect("compiles");
    for threads in [0, 2] {
        group.bench_function(format!("W1-reader-filter-{threads}-reader-threads"), |b| {
            b.iter(|| {
                let events = read_events_with(&buf, filter.clone(), threads);
                black_box(engine.run_detections(&detections, events).expect("runs"))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, baselines, workloads);
criterion_main!(benches);
