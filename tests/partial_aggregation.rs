//! Issue 6, partial aggregation: for `<per-event commands> | stats ...` the reader's
//! worker threads aggregate each run of events into a partial `stats` table and the run
//! merges the tables in input order. Every aggregation function, with and without BY,
//! over multivalue fields and with ties for `first`/`last`/`mode`/`earliest`..., must
//! give exactly the one-thread rows (same rows, same order), also with `--no-optimize`,
//! with many small blocks (a stream that hands over a few records per read), skipped
//! malformed lines in the middle of blocks, a `--strict` stop and the group cap.

mod common;

use common::generated_bytes as generated;
use minispl::eval::program::{Batch, Batches};
use minispl::eval::reader::{
    read_path, read_path_fold, read_stream, read_stream_fold, ReadError, ReadOptions, ReadReport,
};
use minispl::eval::stats::{Limits, TABLE};
use minispl::eval::{Event, EventMeta, Optimizations, Row};
use minispl::rules::{CompiledSearch, Engine};
use std::io::Read;
use std::path::Path;

fn options(threads: usize, strict: bool) -> ReadOptions {
    ReadOptions {
        meta: EventMeta {
            sourcetype: Some("aws:cloudtrail".into()),
            source: Some("aws_cloudtrail".into()),
            ..EventMeta::default()
        },
        threads,
        strict,
        ..ReadOptions::default()
    }
}

/// The corpus's JSON-lines files, one after the other.
fn corpus_lines() -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut events = Vec::new();
    let mut report = ReadReport::default();
    read_path(&dir, &options(0, false), &mut report, &mut |e| {
        events.push(e)
    })
    .expect("corpus reads");
    let mut out = Vec::new();
    for e in events {
        if let Event::Raw { raw, .. } = e {
            out.extend_from_slice(raw.as_bytes());
            out.push(b'\n');
        }
    }
    assert!(out.len() > 1000, "corpus has events");
    out
}

/// A stream handing over at most `step` bytes per read: the reader cuts a block at the
/// last newline of what it has, so blocks hold a few records and a search gets many
/// partial tables.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn engine(optimizations: Optimizations, limits: Option<Limits>) -> Engine {
    let mut e = Engine::builtin().expect("built-in engine");
    e.set_optimizations(optimizations);
    if let Some(limits) = limits {
        e.set_limits(limits);
    }
    e
}

fn max_groups(max_groups: usize) -> Option<Limits> {
    Some(Limits {
        max_groups,
        ..Limits::default()
    })
}

/// What a run gave: rows or the error's message; and the events read.
type Outcome = (Result<Vec<Row>, String>, u64);

/// As `minispl search` runs on several cores: reader threads, the search's batches made
/// on them, the run fed in input order on the reading thread.
fn through_reader(
    search: &CompiledSearch,
    input: &[u8],
    threads: usize,
    step: usize,
    strict: bool,
) -> Outcome {
    run_as_read(search, strict, |report, fold, sink| {
        read_stream_fold(
            "gen",
            &mut Trickle { data: input, step },
            &options(threads, strict),
            report,
            fold,
            sink,
        )
    })
}

/// As `minispl search` runs over a file: the reader's workers read ranges of it of
/// `range_bytes` each.
fn through_file(
    search: &CompiledSearch,
    path: &std::path::Path,
    threads: usize,
    range_bytes: usize,
    strict: bool,
) -> Outcome {
    let options = ReadOptions {
        range_bytes,
        ..options(threads, strict)
    };
    run_as_read(search, strict, |report, fold, sink| {
        read_path_fold(path, &options, report, fold, sink)
    })
}

/// The search's run fed with the batches `read` hands on (made by the search's own
/// fold on the reader's threads).
fn run_as_read(
    search: &CompiledSearch,
    strict: bool,
    read: impl FnOnce(&mut ReadReport, &Batches<'_>, &mut dyn FnMut(Batch)) -> Result<(), ReadError>,
) -> Outcome {
    let program = search.program();
    let mut run = program.start().expect("starts");
    let mut out = Vec::new();
    let mut pushed = Ok(());
    let mut report = ReadReport::default();
    let read = read(&mut report, &program.batches(), &mut |batch| {
        if pushed.is_ok() {
            pushed = run.push_batch(batch, &mut out);
        }
    });
    assert_eq!(read.is_err(), strict && report.skipped > 0, "{read:?}");
    let rows = pushed
        .and_then(|()| run.finish(&mut out))
        .map(|()| out)
        .map_err(|e| e.message);
    (rows, report.events)
}

/// One thread, event by event: the events the reader hands on (up to a strict stop),
/// then the plain run.
fn one_thread(search: &CompiledSearch, input: &[u8], strict: bool) -> Outcome {
    let (events, count) = events_of(input, strict);
    let rows = search.run(events).map_err(|e| e.message);
    (rows, count)
}

fn events_of(input: &[u8], strict: bool) -> (Vec<Event>, u64) {
    let mut events = Vec::new();
    let mut report = ReadReport::default();
    let _ = read_stream(
        "gen",
        &mut &input[..],
        &options(0, strict),
        &mut report,
        &mut |e| events.push(e),
    );
    (events, report.events)
}

/// Every way of running `spl` over `input` gives the one-thread outcome; returns it.
fn all_ways(spl: &str, input: &[u8], strict: bool, limits: Option<Limits>) -> Outcome {
    let on = engine(Optimizations::all(), limits);
    let search = on.compile(spl).expect("compiles");
    let expected = one_thread(&search, input, strict);
    let off = engine(Optimizations::none(), limits)
        .compile(spl)
        .expect("compiles");
    assert_eq!(
        one_thread(&off, input, strict),
        expected,
        "{spl}: --no-optimize"
    );
    parallel_ways(&search, input, strict, &expected);
    expected
}

/// Through the reader's workers (and `Program::run_parallel`): the `expected` outcome.
fn parallel_ways(search: &CompiledSearch, input: &[u8], strict: bool, expected: &Outcome) {
    let spl = search.expanded();
    for threads in [0, 2, 3] {
        for step in [1_500, 7_000, 1 << 20] {
            assert_eq!(
                &through_reader(search, input, threads, step, strict),
                expected,
                "{spl}: {threads} reader threads, {step}-byte reads"
            );
        }
    }
    // From a file, read by ranges on the workers.
    // One file per call: tests run at once in this process.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "minispl-partial-{}-{call}.json",
        std::process::id()
    ));
    std::fs::write(&path, input).expect("writes the input");
    for (threads, range_bytes) in [(2, 4_093), (3, 65_521), (2, 0)] {
        assert_eq!(
            &through_file(search, &path, threads, range_bytes, strict),
            expected,
            "{spl}: {threads} workers, ranges of {range_bytes} bytes"
        );
    }
    let _ = std::fs::remove_file(&path);
    // The library path (`Program::run_parallel`, chunks of events on workers).
    if !strict {
        let (events, _) = events_of(input, false);
        let parallel = search
            .program()
            .run_parallel(events, 2)
            .map_err(|e| e.message);
        assert_eq!(parallel, expected.0, "{spl}: run_parallel");
    }
}

/// Fields for every kind of observation: a float computed per event (sums that round),
/// a multivalue field, strings with many ties, and the event's `_time` (ties too: the
/// generator spaces records half a second apart).
const PREFIX: &str =
    "`cloudtrail` | eval n=len(eventName)*1.1, mv=split(eventName, \"e\"), k=len(eventName) % 3";

fn every_function() -> Vec<String> {
    let mut names: Vec<String> = TABLE.iter().map(|(n, _)| n.to_string()).collect();
    names.extend(["perc95", "p50", "exactperc99", "upperperc90"].map(String::from));
    names
}

fn stats_over(field: &str) -> String {
    every_function()
        .iter()
        .map(|f| format!("{f}({field}) AS {f}_{field}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_searches_here_aggregate_on_the_workers() {
    let e = engine(Optimizations::all(), None);
    for spl in [
        "`cloudtrail` | stats count by eventSource eventName",
        "`cloudtrail` | eval x=1 | where x=1 | rename eventName AS e | stats count by e",
        "| stats count",
    ] {
        let search = e.compile(spl).expect("compiles");
        assert!(search.program().batches().aggregates(), "{spl}");
    }
    for spl in [
        "`cloudtrail` | head 5 | stats count",
        "`cloudtrail` | dedup eventName | stats count",
        "`cloudtrail` | streamstats count AS c | stats max(c)",
        "`cloudtrail` | eventstats count | stats count",
        "`cloudtrail` | table eventName",
    ] {
        let search = e.compile(spl).expect("compiles");
        assert!(!search.program().batches().aggregates(), "{spl}");
    }
    let off = engine(Optimizations::none(), None);
    let search = off.compile("`cloudtrail` | stats count").expect("compiles");
    assert!(!search.program().batches().aggregates());
}

#[test]
fn every_function_with_and_without_by_over_generated_records() {
    let input = generated(1_000);
    for field in ["n", "mv", "eventSource", "_time", "k"] {
        let aggs = stats_over(field);
        for by in ["", " by k", " by eventSource eventName", " by mv"] {
            let spl = format!("{PREFIX} | stats count {aggs}{by}");
            let (rows, _) = all_ways(&spl, &input, false, None);
            assert!(!rows.expect("runs").is_empty(), "{spl}");
        }
    }
}

#[test]
fn wildcards_eval_arguments_and_dedup_splitvals() {
    let input = generated(800);
    for spl in [
        format!("{PREFIX} | stats avg(*) AS avg_* max(n*) by k"),
        format!("{PREFIX} | stats count(eval(k=1)) AS ones sum(eval(n*3)) AS s by eventSource"),
        format!("{PREFIX} | stats dedup_splitvals=true count list(mv) by mv"),
        format!("{PREFIX} | search k=2 | stats values(eventName) mode(k) first(_time) last(_time) by userAgent"),
    ] {
        let (rows, _) = all_ways(&spl, &input, false, None);
        assert!(rows.is_ok(), "{spl}");
    }
}

#[test]
fn the_workloads_and_the_corpus() {
    let corpus = corpus_lines();
    let input = generated(1_000);
    for spl in [
        "`cloudtrail` | stats count by eventSource eventName".to_string(),
        "`cloudtrail` | stats count dc(src) by user vendor_region".to_string(),
        format!("{PREFIX} | stats count {} by eventName", stats_over("mv")),
        format!("{PREFIX} | stats {}", stats_over("n")),
    ] {
        for data in [&corpus, &input] {
            let (rows, _) = all_ways(&spl, data, false, None);
            assert!(rows.is_ok(), "{spl}");
        }
    }
}

/// Issue 6: the reader's workers hand the searches borrowed records, which become `_raw`
/// only when the search can see it. Searches that read `_raw` (a bare term, `rex`,
/// `regex`, `spath`, `eval`, `searchmatch`), show it (`table *`, `table _raw`, events)
/// or remove it give the same rows through the reader's threads, on one thread and
/// with `--no-optimize` (where `_raw` is always kept).
#[test]
fn searches_that_see_raw_keep_it() {
    let corpus = corpus_lines();
    let input = generated(400);
    for tail in [
        "search ListBuckets OR PutImage | stats count by eventName",
        "rex \"\\\"eventName\\\":\\\"(?<en>[A-Za-z]+)\" | stats count by en",
        "regex _raw=\"Describe\" | stats count by eventName",
        "spath output=v path=eventVersion | stats count by v",
        "spath | stats count by eventVersion",
        "eval n=len(_raw) | stats sum(n) max(n) by eventSource",
        "where searchmatch(\"PutImage\") | stats count",
        "head 30 | table *",
        "head 30 | table _raw eventName",
        "head 30",
        "fields - _raw | head 30",
    ] {
        let spl = format!("`cloudtrail` | {tail}");
        for data in [&corpus, &input] {
            let (rows, _) = all_ways(&spl, data, false, None);
            let rows = rows.unwrap_or_else(|e| panic!("{spl}: {e}"));
            assert!(!rows.is_empty(), "{spl}");
            // `table *` leaves out the internal fields (SEMANTICS §10).
            let shows_raw = tail.contains("table _raw") || tail == "head 30";
            assert_eq!(rows.iter().all(|r| r.raw().is_some()), shows_raw, "{spl}");
        }
    }
}

/// `input` with a malformed line after every `every`th line.
fn with_malformed_lines(input: &[u8], every: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, line) in input.split_inclusive(|&b| b == b'\n').enumerate() {
        out.extend_from_slice(line);
        if i % every == every - 1 {
            out.extend_from_slice(b"{\"broken\": \n");
        }
    }
    out
}

#[test]
fn malformed_lines_in_blocks_and_the_strict_stop() {
    let input = with_malformed_lines(&generated(600), 37);
    let spl = format!("{PREFIX} | stats count {} by k", stats_over("mv"));
    let (rows, events) = all_ways(&spl, &input, false, None);
    assert!(rows.is_ok());
    assert_eq!(events, 600);
    // Strict: reading stops at the first malformed line, so only the 37 events before it
    // may be aggregated, whichever block and partial table the others were in.
    let (rows, events) = all_ways(&spl, &input, true, None);
    assert_eq!(events, 37);
    let counted: f64 = rows
        .expect("runs")
        .iter()
        .map(|r| {
            r.get("count")
                .render()
                .unwrap_or_default()
                .parse::<f64>()
                .unwrap_or(0.0)
        })
        .sum();
    assert_eq!(counted, 37.0);
}

#[test]
fn the_group_cap_applies_to_the_merged_table() {
    let input = generated(600);
    let spl = "`cloudtrail` | stats count first(eventName) by eventName eventSource";
    let (rows, _) = all_ways(spl, &input, false, None);
    let groups = rows.expect("runs").len();
    assert!(groups > 3, "{groups} groups");
    // Exactly the cap passes; one fewer fails, with the one-thread error.
    let (rows, _) = all_ways(spl, &input, false, max_groups(groups));
    assert_eq!(rows.expect("runs").len(), groups);
    let (rows, _) = all_ways(spl, &input, false, max_groups(groups - 1));
    assert!(rows.expect_err("over the cap").contains("too many groups"));
}

/// An error in a command before `stats` on some events only (here `mvexpand` over its
/// memory cap, whose message names the row's size): the first one in input order is the
/// error, whichever worker met it, and partial tables after it are not merged.
#[test]
fn the_first_error_in_input_order_wins() {
    let input = generated(600);
    let spl = format!("{PREFIX} | eval mv=if(k=2, mv, null()) | mvexpand mv | stats count by mv");
    let limits = Some(Limits {
        max_mvexpand_bytes: 1,
        ..Limits::default()
    });
    let search = engine(Optimizations::all(), limits)
        .compile(&spl)
        .expect("compiles");
    let expected = one_thread(&search, &input, false);
    parallel_ways(&search, &input, false, &expected);
    assert!(expected
        .0
        .as_ref()
        .expect_err("over the cap")
        .contains("mvexpand"));
    // The same error, message included, with every optimisation off: the size estimate
    // counts only fields the rest of the search can see (R5.7).
    let reference = engine(Optimizations::none(), limits)
        .compile(&spl)
        .expect("compiles");
    assert_eq!(one_thread(&reference, &input, false).0, expected.0);
    // Without the cap the same search runs.
    let (rows, _) = all_ways(&spl, &input, false, None);
    assert!(rows.is_ok());
}
