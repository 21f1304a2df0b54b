//! Issue 6: every performance mechanism leaves results unchanged. The corpus (every file
//! in `corpus/`, read as raw records like the CLI does) and a few thousand generated
//! CloudTrail records go through the shipped detections, the corpus searches and the
//! W3/W4 aggregates with every optimisation on and off: same rows, same order, same risk
//! events. (The conformance suite checks both ways per case in `tests/conformance.rs`.)

mod common;

use minispl::eval::reader::{
    read_path, read_stream, read_stream_fold, read_stream_map, ReadOptions, ReadReport,
};
use minispl::eval::{Event, EventMeta, Optimizations, Row};
use minispl::rules::{DetectionOutput, Engine};
use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

fn options() -> ReadOptions {
    ReadOptions {
        meta: EventMeta {
            sourcetype: Some("aws:cloudtrail".into()),
            source: Some("aws_cloudtrail".into()),
            ..EventMeta::default()
        },
        ..ReadOptions::default()
    }
}

fn corpus_events() -> Vec<Event> {
    let mut events = Vec::new();
    let mut report = ReadReport::default();
    read_path(&corpus(), &options(), &mut report, &mut |e| events.push(e)).expect("corpus reads");
    assert!(events.len() > 10, "corpus has events");
    events
}

fn generated_events(records: u64) -> Vec<Event> {
    let buf = common::generated_bytes(records);
    let mut events = Vec::new();
    let mut report = ReadReport::default();
    read_stream("gen", &mut &buf[..], &options(), &mut report, &mut |e| {
        events.push(e)
    })
    .expect("generated input reads");
    assert_eq!(report.skipped, 0);
    events
}

fn engine(optimizations: Optimizations) -> Engine {
    let mut e = Engine::builtin().expect("built-in engine");
    e.set_optimizations(optimizations);
    e
}

/// The four shipped detections in one pass (on) against each alone (off).
fn detections_both_ways(events: &[Event]) -> usize {
    let detections = Engine::builtin_detections();
    let on = engine(Optimizations::all())
        .run_detections(&detections, events.iter().cloned())
        .expect("detections run");
    let off = engine(Optimizations::none())
        .run_detections(&detections, events.iter().cloned())
        .expect("detections run");
    let alone: Vec<DetectionOutput> = detections
        .iter()
        .map(|d| {
            engine(Optimizations::all())
                .run_detection(d, events.iter().cloned())
                .expect("detection runs")
        })
        .collect();
    for (i, d) in detections.iter().enumerate() {
        assert_eq!(on[i].rows, off[i].rows, "{}: rows differ", d.name);
        assert_eq!(on[i].risk_events, off[i].risk_events, "{}", d.name);
        assert_eq!(alone[i].rows, off[i].rows, "{}: alone vs off", d.name);
    }
    on.iter().map(|o| o.rows.len()).sum()
}

/// Each optimisation alone off, then all off: the same rows as all on.
fn search_both_ways(spl: &str, events: &[Event]) -> Vec<Row> {
    let on = engine(Optimizations::all())
        .compile(spl)
        .expect("compiles")
        .run(events.iter().cloned())
        .expect("runs");
    let variants = [
        Optimizations::none(),
        Optimizations {
            prefilter: false,
            ..Optimizations::all()
        },
        Optimizations {
            field_pruning: false,
            ..Optimizations::all()
        },
    ];
    let parallel = engine(Optimizations::all())
        .compile(spl)
        .expect("compiles")
        .run_parallel(events.iter().cloned(), 2)
        .expect("runs");
    assert_eq!(on, parallel, "{spl} on two worker threads");
    // Per-event work done elsewhere (the reader's workers) and fed back in order.
    let search = engine(Optimizations::all()).compile(spl).expect("compiles");
    let prepared = search
        .run_prepared(events.iter().cloned().map(|e| search.program().prepare(e)))
        .expect("runs");
    assert_eq!(on, prepared, "{spl} prepared");
    for opts in variants {
        let off = engine(opts)
            .compile(spl)
            .expect("compiles")
            .run(events.iter().cloned())
            .expect("runs");
        assert_eq!(on, off, "{spl} with {opts:?}");
    }
    on
}

const W3: &str = "`cloudtrail` | stats count by eventSource eventName";
const W4: &str = "`cloudtrail` | stats count dc(src) by user vendor_region";

#[test]
fn corpus_detections_are_identical_with_and_without_optimisations() {
    let events = corpus_events();
    let results = detections_both_ways(&events);
    assert!(results > 0, "the corpus triggers the detections");
}

#[test]
fn corpus_searches_are_identical_with_and_without_optimisations() {
    let events = corpus_events();
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus().join("searches"))
        .expect("corpus/searches")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let engine = engine(Optimizations::all());
    let mut compared = 0;
    for f in files {
        let spl = std::fs::read_to_string(&f).expect("reads");
        // The searches end with their detection's filter macro: define it as upstream does.
        let name = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        let spl = spl.replace(&format!("`{name}_filter`"), "search *");
        if engine.compile(&spl).is_err() {
            continue; // a search for another macro set; the corpus test covers it
        }
        search_both_ways(&spl, &events);
        compared += 1;
    }
    assert!(compared >= 4, "only {compared} corpus searches compiled");
    for spl in [W3, W4] {
        assert!(!search_both_ways(spl, &events).is_empty());
    }
}

#[test]
fn generated_records_are_identical_with_and_without_optimisations() {
    let events = generated_events(4000);
    let results = detections_both_ways(&events);
    assert!(results > 0, "4000 generated records trigger the detections");
    for spl in [
        W3,
        W4,
        "`cloudtrail` eventName=PutImage OR eventName=DescribeImageScanFindings | stats count by eventName userAgent",
        "`cloudtrail` \"ecr.amazonaws.com\" NOT errorCode=success | head 50",
        // Default fields are set only when the plan reads them (issue 6): read some, and
        // one only through `fields`.
        "`cloudtrail` | stats count by sourcetype source eventSource",
        "`cloudtrail` eventName=PutImage | fields sourcetype eventName | table *",
        // The events before `inputlookup append=t` keep every field.
        "`cloudtrail` eventName=PutImage | head 2 | inputlookup append=t aws_sourcetype_vendor",
        // mvexpand's copies keep only what the rest of the pipeline reads.
        "`cloudtrail` eventName=DescribeImageScanFindings | spath path=responseElements.imageScanFindings.findings{} output=f | mvexpand f | spath input=f | stats count by severity name eventName",
        "`cloudtrail` eventName=DescribeImageScanFindings | spath path=responseElements.imageScanFindings.findings{} output=f | mvexpand f | head 3",
    ] {
        assert!(!search_both_ways(spl, &events).is_empty(), "{spl}");
    }
}

#[test]
fn the_prefilter_skips_events_for_the_ecr_detections() {
    let engine = engine(Optimizations::all());
    for d in Engine::builtin_detections() {
        let search = engine.compile_detection(&d).expect("compiles");
        let p = search.program().prefilter();
        println!("{}: {p}", d.name);
        assert!(!p.is_trivial(), "{}: {p}", d.name);
        assert!(p
            .literals()
            .iter()
            .any(|l| l == "putimage" || l == "describeimagescanfindings"));
    }
    // W3/W4 cannot skip anything.
    assert!(engine
        .compile(W3)
        .expect("compiles")
        .program()
        .prefilter()
        .is_trivial());
}

/// Read `bytes` (or the corpus directory) with `options`, returning the events and report.
fn read_with(source: Option<&[u8]>, options: &ReadOptions) -> (Vec<Event>, ReadReport) {
    let mut events = Vec::new();
    let mut report = ReadReport::default();
    match source {
        Some(bytes) => read_stream("gen", &mut &bytes[..], options, &mut report, &mut |e| {
            events.push(e)
        }),
        None => read_path(&corpus(), options, &mut report, &mut |e| events.push(e)),
    }
    .expect("input reads");
    (events, report)
}

/// The reader-side filter (the CLI's default, issue 6): the events it drops change
/// nothing, for the detections in one pass, for each alone and for ad-hoc searches; the
/// accounting still counts every event read.
#[test]
fn the_reader_filter_changes_no_result() {
    let generated = common::generated_bytes(4000);
    let engine = engine(Optimizations::all());
    let detections = Engine::builtin_detections();
    for source in [Some(&generated[..]), None] {
        let (all, all_report) = read_with(source, &options());
        let filtered_options = ReadOptions {
            filter: engine.record_filter(&detections).expect("compiles"),
            ..options()
        };
        assert!(filtered_options.filter.is_some());
        let (kept, report) = read_with(source, &filtered_options);
        assert!(report.filtered > 0 && kept.len() < all.len());
        assert_eq!(report.events, all_report.events);
        assert_eq!(report.events, kept.len() as u64 + report.filtered);
        let full = engine
            .run_detections(&detections, all.iter().cloned())
            .expect("runs");
        let fast = engine
            .run_detections(&detections, kept.iter().cloned())
            .expect("runs");
        for (i, d) in detections.iter().enumerate() {
            assert_eq!(full[i].rows, fast[i].rows, "{}", d.name);
            assert_eq!(full[i].risk_events, fast[i].risk_events, "{}", d.name);
            let alone = ReadOptions {
                filter: engine
                    .record_filter(std::slice::from_ref(d))
                    .expect("compiles"),
                ..options()
            };
            let (kept, _) = read_with(source, &alone);
            let rows = engine.run_detection(d, kept).expect("runs").rows;
            assert_eq!(rows, full[i].rows, "{} alone", d.name);
        }
        for spl in [
            "`cloudtrail` eventName=PutImage OR eventName=DescribeImageScanFindings | stats count by eventName userAgent",
            "`cloudtrail` \"ecr.amazonaws.com\" NOT errorCode=success | head 50",
            "`cloudtrail` eventName=PutImage | fields sourcetype eventName | table *",
        ] {
            let search = engine.compile(spl).expect("compiles");
            let filter = search.record_filter();
            assert!(filter.is_some(), "{spl}");
            let (kept, _) = read_with(
                source,
                &ReadOptions {
                    filter,
                    ..options()
                },
            );
            assert_eq!(
                search.run(kept).expect("runs"),
                search.run(all.iter().cloned()).expect("runs"),
                "{spl}"
            );
        }
    }
}

/// As `minispl search` runs on several cores: the reader's worker threads check each
/// record and prepare it for the search (prefilter, extraction, profile); the rows come
/// back in input order. Same rows as the plain run, with and without the reader filter.
#[test]
fn rows_prepared_by_reader_threads_change_no_result() {
    let generated = common::generated_bytes(3000);
    let (events, _) = read_with(Some(&generated[..]), &options());
    let engine = engine(Optimizations::all());
    for spl in [
        W3,
        W4,
        "`cloudtrail` eventName=PutImage OR eventName=DescribeImageScanFindings | stats count by eventName userAgent",
        "`cloudtrail` \"ecr.amazonaws.com\" NOT errorCode=success | head 50",
    ] {
        let search = engine.compile(spl).expect("compiles");
        let expected = search.run(events.iter().cloned()).expect("runs");
        for (threads, filter) in [(0, None), (2, None), (2, search.record_filter()), (3, search.record_filter())] {
            let options = ReadOptions {
                threads,
                filter,
                ..options()
            };
            let mut prepared = Vec::new();
            let mut report = ReadReport::default();
            let program = search.program();
            read_stream_map(
                "gen",
                &mut &generated[..],
                &options,
                &mut report,
                &|e| program.prepare(e),
                &mut |p| prepared.push(p),
            )
            .expect("input reads");
            assert_eq!(report.events, events.len() as u64);
            let rows = search.run_prepared(prepared).expect("runs");
            assert_eq!(rows, expected, "{spl} with {threads} reader threads");
        }
    }
}

/// As `minispl detect` runs on several cores: the reader's worker threads check each
/// record, test it against the detections' prefilters and ingest it ([`OnePass`] as the
/// reader's fold); the reading thread feeds the pipelines in input order. Same rows and
/// risk events as the one-pass run on one thread and as each detection alone, with and
/// without the reader filter, with small reads so that blocks hold few records.
#[test]
fn detections_prepared_by_reader_threads_change_no_result() {
    let generated = common::generated_bytes(3000);
    let (events, _) = read_with(Some(&generated[..]), &options());
    let on = engine(Optimizations::all());
    let detections = Engine::builtin_detections();
    let reference = engine(Optimizations::none())
        .run_detections(&detections, events.iter().cloned())
        .expect("runs");
    let searches = on.compile_detections(&detections).expect("compiles");
    let filter = minispl::rules::engine::record_filter(&searches);
    assert!(filter.is_some());
    for (threads, filter) in [(0, None), (2, None), (2, filter.clone()), (3, filter)] {
        let options = ReadOptions {
            threads,
            filter,
            ..options()
        };
        let pass = on.one_pass(&detections, &searches).expect("compiles");
        let mut runs = pass.start().expect("starts");
        let mut report = ReadReport::default();
        read_stream_fold(
            "gen",
            &mut Trickle(&generated[..]),
            &options,
            &mut report,
            &pass,
            &mut |batch| batch.into_iter().for_each(|p| runs.push(p)),
        )
        .expect("input reads");
        assert_eq!(report.events, events.len() as u64);
        let outputs = runs.finish().expect("runs");
        for (i, d) in detections.iter().enumerate() {
            assert_eq!(
                outputs[i].rows, reference[i].rows,
                "{} with {threads} reader threads",
                d.name
            );
            assert_eq!(
                outputs[i].risk_events, reference[i].risk_events,
                "{}",
                d.name
            );
        }
        assert!(outputs.iter().any(|o| !o.rows.is_empty()));
    }
}

/// A reader that hands over at most 1,000 bytes per read: many small blocks.
struct Trickle<'a>(&'a [u8]);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(1000).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}
