//! Feeding input files to a search: the reader runs on its own thread and streams events
//! through a bounded channel into the search, so a large trail is never held in memory;
//! a progress line on stderr (when it is a terminal); the summary at the end.
//!
//! Faults (issue 7): a malformed record is skipped, counted and located; a file that cannot
//! be read is named and the others are still read (exit status 1 at the end); `--strict`
//! makes the first of either fatal.

use crate::timeargs::TimeRange;
use indicatif::{ProgressBar, ProgressStyle};
use minispl_eval::reader::{self, Fold, MapEach, ReadError, ReadOptions, ReadReport};
use minispl_eval::{Event, RawRecord};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Events per batch sent from the reader thread, and batches in flight: memory stays
/// bounded (a few hundred events) whatever the input size.
const BATCH_EVENTS: usize = 256;
const CHANNEL_BATCHES: usize = 4;

/// How many record problems the summary lists before "and N more".
const LISTED_PROBLEMS: usize = 5;

/// What to read and how.
#[derive(Debug, Clone, Default)]
pub struct InputPlan {
    /// Files or directories; empty or `-` is stdin.
    pub files: Vec<PathBuf>,
    pub options: ReadOptions,
    pub range: TimeRange,
    pub quiet: bool,
}

/// What reading produced besides the events.
#[derive(Debug, Default)]
pub struct InputSummary {
    pub report: ReadReport,
    /// Events read but outside `--earliest`/`--latest` (not given to the search).
    pub out_of_range: u64,
    /// Inputs that could not be opened (not strict).
    pub unreadable: Vec<ReadError>,
    /// The error that stopped reading (strict, or a reader crash).
    pub fatal: Option<ReadError>,
    pub elapsed: Duration,
}

impl InputSummary {
    /// Some input was lost: exit status 1 at the end even though results are printed.
    pub fn had_failures(&self) -> bool {
        !self.unreadable.is_empty() || self.report.failed_files > 0 || self.fatal.is_some()
    }

    /// The lines printed on stderr at the end. File-level faults are always listed; the
    /// counts and record problems only without `--quiet`.
    pub fn lines(&self, results: Option<usize>, quiet: bool) -> Vec<String> {
        let mut lines = Vec::new();
        for err in &self.unreadable {
            lines.push(format!("minispl: error: {err}"));
        }
        let (file_level, records): (Vec<_>, Vec<_>) = self
            .report
            .problems
            .iter()
            .partition(|p| p.location.is_empty());
        // Not all are errors (an empty file is only worth a mention); the exit status
        // says which were (`had_failures`).
        for p in file_level {
            lines.push(format!("minispl: {p}"));
        }
        if quiet {
            return lines;
        }
        let r = &self.report;
        // Issue 7 accounting: with skips, the summary says records read = events
        // processed + records skipped, in those words.
        let read = if r.skipped > 0 {
            format!(
                "{} read from {} ({}) in {:.2}s: {} processed, {} skipped as malformed",
                plural(r.records, "record"),
                plural(r.files, "input"),
                human_bytes(r.bytes),
                self.elapsed.as_secs_f64(),
                plural(r.events, "event"),
                r.skipped
            )
        } else {
            format!(
                "{} read from {} ({}) in {:.2}s",
                plural(r.events, "event"),
                plural(r.files, "input"),
                human_bytes(r.bytes),
                self.elapsed.as_secs_f64()
            )
        };
        let mut summary = format!("minispl: {read}");
        if r.ignored_files > 0 {
            summary.push_str(&format!(
                "; {} ignored (not *.json, *.jsonl, *.ndjson, *.log or *.gz)",
                plural(r.ignored_files, "other file")
            ));
        }
        if self.out_of_range > 0 {
            summary.push_str(&format!("; {} outside the time range", self.out_of_range));
        }
        if let Some(n) = results {
            summary.push_str(&format!("; {}", plural(n as u64, "result")));
        }
        lines.push(summary);
        for p in records.iter().take(LISTED_PROBLEMS) {
            lines.push(format!("minispl:   skipped {p}"));
        }
        // Problems beyond what the report keeps are still counted in `skipped`.
        let listed = records.len().min(LISTED_PROBLEMS) as u64;
        // Under --strict the record that stopped reading is counted as skipped but
        // reported as the error itself, not kept among the problems.
        let fatal = u64::from(self.fatal.is_some());
        let unlisted = r.skipped.saturating_sub(listed + fatal);
        if unlisted > 0 {
            lines.push(format!("minispl:   ... and {unlisted} more"));
        }
        lines
    }

    pub fn print(&self, results: Option<usize>, quiet: bool) {
        for line in self.lines(results, quiet) {
            eprintln!("{line}");
        }
    }
}

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut value = n as f64;
    let mut unit = "B";
    for u in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    format!("{value:.1} {unit}")
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Read every input on a reader thread and hand the events, in order, to `consume` on
/// this thread. Returns what `consume` returned and the read summary.
pub fn with_events<T>(
    plan: &InputPlan,
    consume: impl FnOnce(&mut dyn Iterator<Item = Event>) -> T,
) -> (T, InputSummary) {
    with_items(plan, &|event| event, consume)
}

/// As [`with_events`], handing `consume` what `map` makes of each event in the time
/// range. `map` runs on the reader's worker threads ([`ReadOptions::threads`]), beside
/// the checking of each record (issue 6: a search's per-event work on both cores).
pub fn with_items<I: Send, T>(
    plan: &InputPlan,
    map: &(dyn Fn(Event) -> I + Sync),
    consume: impl FnOnce(&mut dyn Iterator<Item = I>) -> T,
) -> (T, InputSummary) {
    // Events cross threads in batches: one channel operation (a lock and possibly a
    // wake-up) per event cost more than the search itself for small events (issue 6).
    let (tx, rx) = sync_channel::<Vec<I>>(CHANNEL_BATCHES);
    // Events outside `--earliest`/`--latest` are counted, not mapped.
    let in_range = |event: Event| plan.range.contains(&event).then(|| map(event));
    with_progress(plan, |options, reading_done| {
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| {
                let mut out_of_range = 0;
                let mut closed = false;
                let mut batch: Vec<I> = Vec::with_capacity(BATCH_EVENTS);
                let mut sink = |item: Option<I>| {
                    let Some(event) = item else {
                        out_of_range += 1;
                        return;
                    };
                    // The search stopped early (an error): keep reading only to count.
                    if !closed {
                        batch.push(event);
                        if batch.len() >= BATCH_EVENTS {
                            let full =
                                std::mem::replace(&mut batch, Vec::with_capacity(BATCH_EVENTS));
                            closed = tx.send(full).is_err();
                        }
                    }
                };
                let mut each = |items: Vec<Option<I>>| items.into_iter().for_each(&mut sink);
                let mut summary = read_inputs(plan, options, &MapEach(&in_range), &mut each);
                if !closed && !batch.is_empty() {
                    // A failed send means the search stopped: nothing left to deliver.
                    let _ = tx.send(batch);
                }
                drop(tx);
                reading_done.store(true, Ordering::Relaxed);
                summary.out_of_range = out_of_range;
                summary
            });
            let value = consume(&mut rx.iter().flatten());
            // Unblock the reader if the search returned before the end of the input.
            drop(rx);
            let summary = reader.join().unwrap_or_else(|_| InputSummary {
                fatal: Some(ReadError {
                    path: None,
                    message: "the input reader stopped unexpectedly".to_string(),
                }),
                ..InputSummary::default()
            });
            (value, summary)
        })
    })
}

/// Read every input on this thread, handing `sink` what `fold` made of each run of
/// events in the time range, in input order ([`reader::Fold`]: with reader threads, on
/// the workers). Unlike [`with_items`] there is no thread between the reading and the
/// consuming (issue 6): `sink` runs on the reading thread, which is otherwise idle while
/// the workers check the blocks, so its work costs no hand-off and no wake-up.
pub fn with_folds<F: Fold>(
    plan: &InputPlan,
    fold: &F,
    sink: &mut dyn FnMut(F::Acc),
) -> InputSummary {
    let in_range = InRange {
        fold,
        range: plan.range,
    };
    let ((), summary) = with_progress(plan, |options, reading_done| {
        let mut out_of_range = 0;
        let mut each = |ranged: Ranged<F::Acc>| {
            out_of_range += ranged.out_of_range;
            if let Some(acc) = ranged.acc {
                sink(acc);
            }
        };
        let mut summary = read_inputs(plan, options, &in_range, &mut each);
        reading_done.store(true, Ordering::Relaxed);
        summary.out_of_range = out_of_range;
        ((), summary)
    });
    summary
}

/// A fold that hands on only the events in the time range and counts the others.
struct InRange<'a, F> {
    fold: &'a F,
    range: TimeRange,
}

struct Ranged<A> {
    acc: Option<A>,
    out_of_range: u64,
}

impl<A> Ranged<A> {
    /// The run's `Ranged`, made when its first event comes.
    fn of(acc: &mut Option<Ranged<A>>) -> &mut Ranged<A> {
        acc.get_or_insert(Ranged {
            acc: None,
            out_of_range: 0,
        })
    }
}

impl<F: Fold> Fold for InRange<'_, F> {
    type Local = F::Local;
    type Acc = Ranged<F::Acc>;

    fn local(&self) -> F::Local {
        self.fold.local()
    }

    fn add(&self, local: &mut F::Local, acc: &mut Option<Ranged<F::Acc>>, event: Event) {
        let ranged = Ranged::of(acc);
        if self.range.contains(&event) {
            self.fold.add(local, &mut ranged.acc, event);
        } else {
            ranged.out_of_range += 1;
        }
    }

    fn add_raw(&self, local: &mut F::Local, acc: &mut Option<Ranged<F::Acc>>, raw: RawRecord<'_>) {
        // Without a time range every event is in it: the borrowed record goes on as it
        // is (issue 6); with one, its time is read from the owned event.
        if self.range.is_all_time() {
            self.fold.add_raw(local, &mut Ranged::of(acc).acc, raw);
        } else {
            self.add(local, acc, raw.to_event());
        }
    }
}

/// Every input of `plan` in order, through `fold` into `sink`: the read report, the
/// unreadable inputs and the error that stopped reading (strict).
fn read_inputs<F: Fold>(
    plan: &InputPlan,
    options: &ReadOptions,
    fold: &F,
    sink: &mut dyn FnMut(F::Acc),
) -> InputSummary {
    let mut summary = InputSummary::default();
    let stdin_only = [PathBuf::from("-")];
    let files = if plan.files.is_empty() {
        &stdin_only[..]
    } else {
        &plan.files[..]
    };
    for path in files {
        let report = &mut summary.report;
        let result = if is_stdin(path) {
            let stdin = std::io::stdin();
            let mut lock = stdin.lock();
            reader::read_stream_fold("-", &mut lock, options, report, fold, sink)
        } else {
            reader::read_path_fold(path, options, report, fold, sink)
        };
        match result {
            Ok(()) => {}
            Err(e) if options.strict => {
                summary.fatal = Some(e);
                break;
            }
            Err(e) => summary.unreadable.push(e),
        }
    }
    summary
}

/// Run `read` (given the read options and a flag to set when reading is done) with the
/// stdin hint, the progress line on a timer thread and the elapsed time in the summary.
fn with_progress<T>(
    plan: &InputPlan,
    read: impl FnOnce(&ReadOptions, &AtomicBool) -> (T, InputSummary),
) -> (T, InputSummary) {
    let started = Instant::now();
    let reads_stdin = plan.files.is_empty() || plan.files.iter().any(|f| is_stdin(f));
    if reads_stdin && !plan.quiet && std::io::stdin().is_terminal() {
        // Otherwise a user who forgot the file names sees a command that just hangs.
        eprintln!("minispl: reading events from stdin (end with Ctrl-D)");
    }
    let progress = progress_bar(plan.quiet);
    let counter = Arc::new(AtomicU64::new(0));
    // Counted by the reader: it also counts the events its filter drops.
    let events_read = Arc::new(AtomicU64::new(0));
    let reading_done = AtomicBool::new(false);
    let mut options = plan.options.clone();
    if progress.is_some() {
        options.progress = Some(counter.clone());
        options.events_progress = Some(events_read.clone());
    }
    // Stops the progress ticker: dropping the sender ends its wait at once.
    let (stop_ticker, ticker_stopped) = std::sync::mpsc::channel::<()>();
    let (value, mut summary) = std::thread::scope(|scope| {
        if let Some(pb) = &progress {
            // The bar is refreshed from the counters on a timer, not by the reader: a
            // reader-driven refresh (every N events) left the counts stale while a slow
            // stream (stdin fed by another program) paused (issue 5).
            let (counter, events_read, reading_done) = (&counter, &events_read, &reading_done);
            scope.spawn(move || {
                let mut reading = true;
                loop {
                    if reading && reading_done.load(Ordering::Relaxed) {
                        // Everything is read but the search still runs (one that holds the
                        // events, such as several detections with --no-optimize): a
                        // frozen count with a falling rate looked like a hang.
                        reading = false;
                        show_searching(pb, counter, events_read);
                    } else if reading {
                        show_progress(pb, counter, events_read, started);
                    }
                    match ticker_stopped.recv_timeout(PROGRESS_EVERY) {
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                        _ => break,
                    }
                }
            });
        }
        let result = read(&options, &reading_done);
        drop(stop_ticker);
        result
    });
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    summary.elapsed = started.elapsed();
    (value, summary)
}

/// How often the progress line is refreshed from the counters.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// A spinner with bytes and events read and both rates, only when stderr is a terminal
/// (issue 5).
fn progress_bar(quiet: bool) -> Option<ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {bytes} read ({binary_bytes_per_sec}), {msg} [{elapsed}]",
    ) {
        pb.set_style(style);
    }
    pb.set_message("0 events");
    pb.enable_steady_tick(Duration::from_millis(120));
    Some(pb)
}

fn show_progress(pb: &ProgressBar, bytes: &AtomicU64, events: &AtomicU64, started: Instant) {
    pb.set_position(bytes.load(Ordering::Relaxed));
    pb.set_message(events_message(
        events.load(Ordering::Relaxed),
        started.elapsed(),
    ));
}

fn show_searching(pb: &ProgressBar, bytes: &AtomicU64, events: &AtomicU64) {
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
        pb.set_style(style);
    }
    pb.set_message(format!(
        "{} read, {} events; searching",
        indicatif::HumanBytes(bytes.load(Ordering::Relaxed)),
        events.load(Ordering::Relaxed)
    ));
}

/// `12345 events (6789/s)`: the event count and rate shown beside the bytes.
fn events_message(events: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if secs < 0.5 {
        // A rate over a few milliseconds says nothing.
        return format!("{events} events");
    }
    format!("{events} events ({:.0}/s)", events as f64 / secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use minispl_eval::reader::Problem;

    fn temp_file(name: &str, contents: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("minispl-cli-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, contents).expect("write");
        path
    }

    fn raws(events: &mut dyn Iterator<Item = Event>) -> Vec<String> {
        events
            .map(|e| match e {
                Event::Raw { raw, .. } => raw,
                Event::Fields { .. } => String::new(),
            })
            .collect()
    }

    #[test]
    fn progress_message_shows_events_and_their_rate() {
        assert_eq!(
            events_message(5000, Duration::from_secs(2)),
            "5000 events (2500/s)"
        );
        assert_eq!(
            events_message(7, Duration::from_millis(10)),
            "7 events",
            "no rate before half a second"
        );
    }

    #[test]
    fn events_stream_in_file_order_and_unreadable_files_are_collected() {
        let a = temp_file("a.json", "{\"n\":1}\n{\"n\":2}\n");
        let b = temp_file("b.json", "{\"n\":3}\nbad\n");
        let plan = InputPlan {
            files: vec![a, PathBuf::from("/nonexistent/x.json"), b],
            quiet: true,
            ..InputPlan::default()
        };
        let (events, summary) = with_events(&plan, raws);
        assert_eq!(events, vec!["{\"n\":1}", "{\"n\":2}", "{\"n\":3}"]);
        assert_eq!(summary.report.skipped, 1);
        assert_eq!(summary.unreadable.len(), 1);
        assert!(summary.had_failures());
    }

    #[test]
    fn strict_stops_at_the_first_fault() {
        let b = temp_file("strict.json", "{\"n\":3}\nbad\n{\"n\":4}\n");
        let mut plan = InputPlan {
            files: vec![b],
            quiet: true,
            ..InputPlan::default()
        };
        plan.options.strict = true;
        let (events, summary) = with_events(&plan, raws);
        assert_eq!(events, vec!["{\"n\":3}"]);
        assert!(summary.fatal.is_some());
    }

    #[test]
    fn a_consumer_that_stops_early_does_not_block_the_reader() {
        let mut text = String::new();
        for i in 0..5000 {
            text.push_str(&format!("{{\"n\":{i}}}\n"));
        }
        let path = temp_file("many.json", &text);
        let plan = InputPlan {
            files: vec![path],
            quiet: true,
            ..InputPlan::default()
        };
        let (first, summary) = with_events(&plan, |it| it.next().is_some());
        assert!(first);
        assert_eq!(summary.report.events, 5000);
    }

    #[test]
    fn events_outside_the_time_range_are_counted_not_searched() {
        let path = temp_file(
            "timed.json",
            "{\"eventTime\":\"2021-08-18T23:00:00Z\"}\n{\"eventTime\":\"2021-08-19T01:00:00Z\"}\n",
        );
        let plan = InputPlan {
            files: vec![path],
            quiet: true,
            range: TimeRange {
                earliest: Some(1629331200.0), // 2021-08-19T00:00:00Z
                latest: None,
            },
            ..InputPlan::default()
        };
        let (events, summary) = with_events(&plan, |it| it.count());
        assert_eq!(events, 1);
        assert_eq!(summary.out_of_range, 1);
    }

    /// `with_folds` (the search's path) delivers the same events as `with_events`, counts
    /// those outside the time range, and stops at a `--strict` fault, with and without
    /// reader threads.
    #[test]
    fn folds_see_what_the_event_stream_sees() {
        let mut text = String::new();
        for i in 0..3000 {
            let hour = if i % 3 == 0 { 23 } else { 1 };
            let day = if i % 3 == 0 { 18 } else { 19 };
            text.push_str(&format!(
                "{{\"n\":{i},\"eventTime\":\"2021-08-{day}T{hour:02}:00:00Z\"}}\n"
            ));
            if i == 2000 {
                text.push_str("bad\n");
            }
        }
        let path = temp_file("folds.json", &text);
        for strict in [false, true] {
            for threads in [0, 2] {
                let mut plan = InputPlan {
                    files: vec![path.clone()],
                    quiet: true,
                    range: TimeRange {
                        earliest: Some(1629331200.0), // 2021-08-19T00:00:00Z
                        latest: None,
                    },
                    ..InputPlan::default()
                };
                plan.options.strict = strict;
                plan.options.threads = threads;
                let (expected, reference) = with_events(&plan, raws);
                let fold = MapEach(&|e: Event| e);
                let mut runs = Vec::new();
                let summary = with_folds(&plan, &fold, &mut |run: Vec<Event>| runs.push(run));
                let got = raws(&mut runs.into_iter().flatten());
                assert_eq!(got, expected, "strict {strict}, {threads} threads");
                assert_eq!(summary.out_of_range, reference.out_of_range);
                assert_eq!(summary.report, reference.report);
                assert_eq!(summary.fatal.is_some(), strict);
                assert_eq!(expected.len(), if strict { 1334 } else { 2000 });
            }
        }
    }

    #[test]
    fn summary_lists_counts_and_the_first_problems() {
        let mut summary = InputSummary::default();
        summary.report.files = 2;
        summary.report.events = 10;
        summary.report.records = 17;
        summary.report.skipped = 7;
        summary.report.bytes = 2048;
        for i in 0..7 {
            summary.report.problems.push(Problem {
                source: "a.json".into(),
                location: format!("line {i}"),
                message: "invalid JSON".into(),
            });
        }
        summary.report.problems.push(Problem {
            source: "b.json.gz".into(),
            location: String::new(),
            message: "read error: corrupt deflate stream".into(),
        });
        let lines = summary.lines(Some(3), false);
        assert_eq!(
            lines[0],
            "minispl: b.json.gz: read error: corrupt deflate stream"
        );
        assert!(
            lines[1].starts_with("minispl: 17 records read from 2 inputs (2.0 KiB)"),
            "{}",
            lines[1]
        );
        assert!(
            lines[1].ends_with(": 10 events processed, 7 skipped as malformed; 3 results"),
            "{}",
            lines[1]
        );
        assert_eq!(lines[2], "minispl:   skipped a.json:line 0: invalid JSON");
        assert_eq!(lines.len(), 2 + LISTED_PROBLEMS + 1);
        assert_eq!(
            lines.last().map(String::as_str),
            Some("minispl:   ... and 2 more")
        );
        // --quiet keeps only the file-level errors.
        assert_eq!(summary.lines(Some(3), true).len(), 1);
    }
}
