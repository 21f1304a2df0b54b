//! Reading events from files and streams: JSON lines, one JSON array of events, or
//! CloudTrail's delivery format `{"Records":[...]}`; gzip transparently (by `.gz` or magic
//! bytes). Malformed input is reported with file and line (or element index) and counted,
//! never dropped silently; `strict` makes it fatal.
//!
//! Decisions (documented here because the spec leaves them open):
//! - The format is detected per file from its first bytes, after gzip decoding: a
//!   document starting with `[` is one JSON array of events; one starting with `{` whose
//!   first key is `"Records"` is CloudTrail's delivery format (several such documents may
//!   follow each other, as `cat`ing delivery files gives); one whose first line is just
//!   `{` holds pretty-printed event objects one after the other (an event saved from the
//!   AWS console); anything else is JSON lines.
//!   Gzip is recognised by its magic bytes `1f 8b` (a `.gz` name without them is read as
//!   plain text, e.g. a file already decompressed by a browser).
//! - Raw mode (CLOUDTRAIL.md §1): a line's `_raw` is the line byte for byte (only the line
//!   terminator and one trailing `\r` are removed). An element of an array or `Records`
//!   gets its compact JSON text sliced from the original bytes (whitespace outside strings
//!   removed; key order, escapes and number spellings untouched), not a re-serialisation.
//!   A record must be one JSON object: anything else is a [`Problem`].
//! - Fields mode (CONFORMANCE.md conventions): an object is a field map. Strings stay as
//!   they are, numbers are rendered canonically (`3`, not `3.0`), booleans as
//!   `true`/`false`, `null` leaves the field absent (CLOUDTRAIL.md §3), an array is a
//!   multivalue field (its nested objects/arrays as compact JSON text), and a nested object
//!   is flattened into dotted names (`userIdentity.type`), as `KV_MODE=json` names them.
//!   `_time` becomes a number (epoch seconds; an ISO-8601 string is converted, read as UTC
//!   when it has no offset, R10.3). String fields `sourcetype`, `source`, `host` and
//!   `index` of the event override the defaults in [`ReadOptions::meta`].
//! - Faults are per record where possible: invalid UTF-8, invalid JSON, a non-object, an
//!   over-long line, a bad `Records` element are each a skipped record. Whole-file faults
//!   (cannot open, I/O error or truncated gzip part-way, an empty file) are problems too,
//!   but not records; the first two also count in [`ReadReport::failed_files`].
//!   `records = events + skipped` always holds.
//! - A line longer than [`ReadOptions::max_line_bytes`] is a skipped record whatever it
//!   holds, blank included: where the reader's blocks or ranges end must not decide
//!   whether it is one.
//! - With reader threads, a regular file of JSON lines is read by ranges on the workers
//!   (`range.rs`), as it is when the reading starts: a file that grows meanwhile is read
//!   to its length then, one that shrinks to where it ends.

mod range;
pub mod validate;

use crate::ingest::{Event, EventMeta, RawRecord};
use crate::prefilter::{self, Prefilter};
use crate::row::Row;
use crate::value::{format_number, Value};
use serde_json::Value as Json;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Default longest accepted line: a multi-megabyte line is read whole up to this (issue 7).
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 << 20;

/// Largest whole document (`[...]`, `{"Records":[...]}`) read into memory (issue 7: a
/// gzip bomb must not exhaust memory). CloudTrail delivers files of a few MiB.
pub const DEFAULT_MAX_DOCUMENT_BYTES: usize = 1 << 30;

/// At most this many problems are kept in [`ReadReport::problems`]; all are counted.
pub const MAX_KEPT_PROBLEMS: usize = 1000;

/// How many leading bytes are inspected to detect gzip and the document format.
const PEEK_BYTES: usize = 4096;

/// How input records become events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputMode {
    /// Each record is a raw event: `_raw` is its text (the default).
    #[default]
    Raw,
    /// Each record is a field map (CONFORMANCE.md style).
    Fields,
}

#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub mode: InputMode,
    /// Default fields for every event read.
    pub meta: EventMeta,
    /// A malformed record is an error instead of being skipped and counted.
    pub strict: bool,
    /// Longest accepted line in bytes (0 = default cap).
    pub max_line_bytes: usize,
    /// Largest whole JSON document in bytes (0 = [`DEFAULT_MAX_DOCUMENT_BYTES`]).
    pub max_document_bytes: usize,
    /// If set, input bytes are added to it as they are read (for a progress display that
    /// runs while the sink is busy).
    pub progress: Option<Arc<AtomicU64>>,
    /// If set, the number of events read so far, including those [`ReadOptions::filter`]
    /// drops (for a progress display).
    pub events_progress: Option<Arc<AtomicU64>>,
    /// Raw events that cannot match the search are dropped right here, before an event is
    /// allocated or sent anywhere (issue 6: the required-literal prefilter runs where the
    /// bytes are). Every record is still validated, so malformed records are reported and
    /// counted exactly as without it; dropped events count as events read
    /// ([`ReadReport::filtered`]). Only raw JSON records are filtered.
    pub filter: Option<RecordFilter>,
    /// Worker threads that validate (and filter) blocks of JSON lines while this thread
    /// reads and keeps the accounting in input order (issue 6: both cores). 0 or 1: all
    /// on the reading thread. Events, problems and their order are the same either way.
    /// With two or more, the workers read a regular file of JSON lines themselves, each
    /// a range of it at a time.
    pub threads: usize,
    /// Length of those ranges in bytes (0 = 1 MiB; at most 64 MiB, one per worker in
    /// memory). Results do not depend on it; the tests make it small so that lines
    /// straddle ranges.
    pub range_bytes: usize,
}

/// Keeps a raw record when any of its prefilters may match it: the union of the
/// prefilters of the searches that will receive the events (one pass for several
/// detections, issue 6). The searches apply their own prefilter again, so each still
/// sees exactly the events it would have seen.
#[derive(Debug, Clone)]
pub struct RecordFilter {
    /// The searches' prefilters merged ([`Prefilter::any_of`]): one evaluation per record.
    union: Arc<Prefilter>,
}

impl RecordFilter {
    /// The filter keeping what any of `prefilters` may match; `None` when one of them
    /// keeps everything (or there is none): filtering would drop nothing.
    pub fn any_of(prefilters: impl IntoIterator<Item = Prefilter>) -> Option<RecordFilter> {
        let prefilters: Vec<Prefilter> = prefilters.into_iter().collect();
        if prefilters.is_empty() || prefilters.iter().any(Prefilter::is_trivial) {
            return None;
        }
        Some(RecordFilter {
            union: Arc::new(Prefilter::any_of(&prefilters)),
        })
    }

    /// May the raw record `raw` match one of the searches? `plain`: `raw` is known to be
    /// ASCII without a backslash (see [`Scratch::load_plain`]).
    pub fn keeps(&self, raw: &str, plain: bool, scratch: &mut prefilter::Scratch) -> bool {
        if plain {
            scratch.load_plain(raw);
        } else {
            scratch.load(raw);
        }
        self.union.may_match_loaded(raw, scratch)
    }
}

/// One malformed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// File name, or `-` for stdin.
    pub source: String,
    /// 1-based line number, or element index for arrays/`Records`.
    pub location: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}: {}", self.source, self.message)
        } else {
            write!(f, "{}:{}: {}", self.source, self.location, self.message)
        }
    }
}

/// Accounting for one read: `records = events + skipped`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadReport {
    pub records: u64,
    pub events: u64,
    pub skipped: u64,
    /// Events (counted in `events`) that [`ReadOptions::filter`] dropped because no search
    /// could match them.
    pub filtered: u64,
    /// Input bytes read (as stored: compressed bytes for gzip files).
    pub bytes: u64,
    /// The first [`MAX_KEPT_PROBLEMS`] problems, in the order met.
    pub problems: Vec<Problem>,
    /// Files read (or attempted).
    pub files: u64,
    /// Files that could not be opened, or failed part-way (I/O error, truncated gzip).
    pub failed_files: u64,
    /// Files met in a directory walk whose names say they hold no events (see
    /// [`is_event_file_name`]); files named explicitly are always read.
    pub ignored_files: u64,
}

/// Whether a directory walk reads a file: logs and JSON by their usual names, gzipped or
/// not (`*.json`, `*.jsonl`, `*.ndjson`, `*.log`, `*.json.gz`, CloudTrail's delivered
/// `*.json.gz`, any `*.gz`). A folder of logs often carries READMEs, detection YAML or
/// lookups beside the data; reading those as events would report every line malformed.
pub fn is_event_file_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    if name.ends_with(".gz") {
        return true;
    }
    [".json", ".jsonl", ".ndjson", ".log"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// A fatal read error (unreadable file, or any problem with `strict`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub path: Option<PathBuf>,
    pub message: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}: {}", p.display(), self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ReadError {}

/// Read one file (or a directory, walked in name order), calling `sink` for each event.
///
/// A `path` that cannot be opened is an error. Inside a directory, a file that cannot be
/// opened is a problem (the others are still read, issue 7) unless `strict`.
pub fn read_path(
    path: &Path,
    options: &ReadOptions,
    report: &mut ReadReport,
    sink: &mut dyn FnMut(Event),
) -> Result<(), ReadError> {
    read_path_map(path, options, report, &|e| e, sink)
}

/// As [`read_path`], handing `sink` what `map` makes of each event. With
/// [`ReadOptions::threads`], `map` runs on the worker thread that checked the record, so
/// per-event work (a search's field extraction, say) shares the cores and the record's
/// bytes are still in that core's cache (issue 6); `sink` still gets the results in
/// input order, on the calling thread.
pub fn read_path_map<T: Send>(
    path: &Path,
    options: &ReadOptions,
    report: &mut ReadReport,
    map: &(dyn Fn(Event) -> T + Sync),
    sink: &mut dyn FnMut(T),
) -> Result<(), ReadError> {
    read_path_fold(path, options, report, &MapEach(map), &mut |items: Vec<
        T,
    >| {
        items.into_iter().for_each(&mut *sink)
    })
}

/// As [`read_path`], handing `sink` what `fold` makes of each run of consecutive events
/// (see [`Fold`]), in input order.
pub fn read_path_fold<F: Fold>(
    path: &Path,
    options: &ReadOptions,
    report: &mut ReadReport,
    fold: &F,
    sink: &mut dyn FnMut(F::Acc),
) -> Result<(), ReadError> {
    let metadata = std::fs::metadata(path).map_err(|e| {
        report.files += 1;
        report.failed_files += 1;
        ReadError {
            path: Some(path.to_path_buf()),
            message: e.to_string(),
        }
    })?;
    if metadata.is_dir() {
        walk_dir(path, options, report, fold, sink)
    } else {
        report.files += 1;
        let file = std::fs::File::open(path).map_err(|e| {
            report.failed_files += 1;
            ReadError {
                path: Some(path.to_path_buf()),
                message: e.to_string(),
            }
        })?;
        let name = path.display().to_string();
        let mut ctx = Ctx {
            source: &name,
            path: Some(path),
            options,
            report,
            fold,
            local: fold.local(),
            sink,
            scratch: Scratch::default(),
        };
        if let Some(done) = ctx.read_file_ranges(&file) {
            return done;
        }
        ctx.read_any(Box::new(file))
    }
}

/// Read from any byte stream (stdin), named `source_name` in problems.
pub fn read_stream(
    source_name: &str,
    input: &mut dyn Read,
    options: &ReadOptions,
    report: &mut ReadReport,
    sink: &mut dyn FnMut(Event),
) -> Result<(), ReadError> {
    read_stream_map(source_name, input, options, report, &|e| e, sink)
}

/// As [`read_stream`], handing `sink` what `map` makes of each event (see
/// [`read_path_map`]).
pub fn read_stream_map<T: Send>(
    source_name: &str,
    input: &mut dyn Read,
    options: &ReadOptions,
    report: &mut ReadReport,
    map: &(dyn Fn(Event) -> T + Sync),
    sink: &mut dyn FnMut(T),
) -> Result<(), ReadError> {
    let mut each = |items: Vec<T>| items.into_iter().for_each(&mut *sink);
    read_stream_fold(
        source_name,
        input,
        options,
        report,
        &MapEach(map),
        &mut each,
    )
}

/// As [`read_stream`], handing `sink` what `fold` makes of each run of consecutive
/// events (see [`Fold`]), in input order.
pub fn read_stream_fold<F: Fold>(
    source_name: &str,
    input: &mut dyn Read,
    options: &ReadOptions,
    report: &mut ReadReport,
    fold: &F,
    sink: &mut dyn FnMut(F::Acc),
) -> Result<(), ReadError> {
    report.files += 1;
    let mut ctx = Ctx {
        source: source_name,
        path: None,
        options,
        report,
        fold,
        local: fold.local(),
        sink,
        scratch: Scratch::default(),
    };
    ctx.read_any(Box::new(input))
}

/// Files of a directory tree in sorted name order, so runs are reproducible. Hidden
/// entries (`.name`) and files that are not event files by name are skipped; symbolic links to directories are not followed (no
/// cycles), links to files are read.
fn walk_dir<F: Fold>(
    dir: &Path,
    options: &ReadOptions,
    report: &mut ReadReport,
    fold: &F,
    sink: &mut dyn FnMut(F::Acc),
) -> Result<(), ReadError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(it) => it,
        Err(e) => return unreadable(dir, e.to_string(), options, report),
    };
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                if entry.file_name().to_string_lossy().starts_with('.') {
                    continue;
                }
                let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
                paths.push((entry.path(), is_dir));
            }
            Err(e) => unreadable(dir, e.to_string(), options, report)?,
        }
    }
    paths.sort();
    for (path, is_dir) in paths {
        if is_dir {
            walk_dir(&path, options, report, fold, sink)?;
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        if !is_event_file_name(&name) {
            report.ignored_files += 1;
            continue;
        }
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => continue,
            Ok(_) => {}
            Err(e) => {
                unreadable(&path, e.to_string(), options, report)?;
                continue;
            }
        }
        match read_path_fold(&path, options, report, fold, sink) {
            Ok(()) => {}
            Err(e) if options.strict => return Err(e),
            // Not strict: read_path only fails without recording when opening fails;
            // record it and go on with the other files (issue 7).
            Err(e) => record_problem(
                report,
                Problem {
                    source: path.display().to_string(),
                    location: String::new(),
                    message: e.message,
                },
            ),
        }
    }
    Ok(())
}

/// A file or directory that cannot be read inside a walk.
fn unreadable(
    path: &Path,
    message: String,
    options: &ReadOptions,
    report: &mut ReadReport,
) -> Result<(), ReadError> {
    report.files += 1;
    report.failed_files += 1;
    if options.strict {
        return Err(ReadError {
            path: Some(path.to_path_buf()),
            message,
        });
    }
    record_problem(
        report,
        Problem {
            source: path.display().to_string(),
            location: String::new(),
            message,
        },
    );
    Ok(())
}

fn record_problem(report: &mut ReadReport, problem: Problem) {
    if report.problems.len() < MAX_KEPT_PROBLEMS {
        report.problems.push(problem);
    }
}

/// Counts bytes as they are read, into the report's counter and the progress counter.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
    progress: Option<Arc<AtomicU64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(p) = &self.progress {
            p.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}

/// Read up to `PEEK_BYTES` bytes (fewer at end of input).
fn peek(input: &mut dyn Read) -> io::Result<Vec<u8>> {
    let mut prefix = Vec::with_capacity(PEEK_BYTES);
    Read::take(&mut *input, PEEK_BYTES as u64).read_to_end(&mut prefix)?;
    Ok(prefix)
}

enum Format {
    Lines,
    Document,
}

fn detect_format(prefix: &[u8]) -> Option<Format> {
    let start = skip_ws(prefix, 0);
    match prefix.get(start)? {
        b'[' => Some(Format::Document),
        b'{' => {
            let first_line = prefix[start..]
                .split(|&c| c == b'\n')
                .next()
                .unwrap_or_default();
            // A line that is only `{` starts a pretty-printed object (an event saved from
            // the AWS console), which JSON lines cannot be.
            if first_key_is_records(prefix, start) || trim_end_ws(first_line) == b"{" {
                Some(Format::Document)
            } else {
                Some(Format::Lines)
            }
        }
        _ => Some(Format::Lines),
    }
}

/// Whether the object at `b[start] == '{'` has `"Records"` as its first key.
fn first_key_is_records(b: &[u8], start: usize) -> bool {
    let i = skip_ws(b, start + 1);
    b.get(i..)
        .is_some_and(|rest| rest.starts_with(b"\"Records\""))
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// State of one file or stream being read.
struct Ctx<'a, F: Fold> {
    source: &'a str,
    path: Option<&'a Path>,
    options: &'a ReadOptions,
    report: &'a mut ReadReport,
    /// What becomes of runs of events before `sink` gets them (on a worker thread if
    /// any), and its state for this thread.
    fold: &'a F,
    local: F::Local,
    sink: &'a mut dyn FnMut(F::Acc),
    /// Reused from record to record.
    scratch: Scratch,
}

/// What a reading thread reuses from record to record (issue 6: nothing allocated per
/// record): the filter's prepared text, and the block validator's index of the last
/// record's top-level members, which the extraction of that record reads.
#[derive(Default)]
struct Scratch {
    filter: prefilter::Scratch,
    top: validate::TopIndex,
    /// The buffer a worker reads its file ranges into ([`Job::Range`]).
    block: Vec<u8>,
}

/// Longest record indexed for the extraction: the index takes up to 2.4 bytes per byte
/// of record (`validate::quick_indexed`), so a huge record is walked instead (peak
/// memory, issue 6).
const MAX_INDEXED_BYTES: usize = 1 << 20;

impl<F: Fold> Ctx<'_, F> {
    fn read_any(&mut self, input: Box<dyn Read + '_>) -> Result<(), ReadError> {
        let count = Arc::new(AtomicU64::new(0));
        let mut counting = Counting {
            inner: input,
            count: count.clone(),
            progress: self.options.progress.clone(),
        };
        let result = self.read_counted(&mut counting);
        self.report.bytes += count.load(Ordering::Relaxed);
        result
    }

    /// A regular file read by ranges on the reader threads when it is JSON lines
    /// ([`Ctx::read_ranges`]); `None` when it is read as a stream from its start (the
    /// position is not moved here): one thread, gzip, a document, a platform without
    /// positioned reads, or a first read that failed (the stream reports it).
    fn read_file_ranges(&mut self, file: &std::fs::File) -> Option<Result<(), ReadError>> {
        if self.options.threads < 2 {
            return None;
        }
        let len = file
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)?
            .len();
        let chunk = match self.options.range_bytes {
            0 => range::RANGE_BYTES,
            n => (n as u64).min(range::MAX_RANGE_BYTES),
        };
        self.read_ranges(range::positioned(file)?, len, chunk)
    }

    /// [`Ctx::read_lines_ranged`] over the `len` bytes of `source` if they are JSON
    /// lines (after a byte order mark), else `None`; `chunk`: the ranges' length.
    fn read_ranges(
        &mut self,
        source: &dyn range::ReadAt,
        len: u64,
        chunk: u64,
    ) -> Option<Result<(), ReadError>> {
        let mut prefix = vec![0; PEEK_BYTES.min(usize::try_from(len).unwrap_or(PEEK_BYTES))];
        let n = range::fill(source, &mut prefix, 0).ok()?;
        prefix.truncate(n);
        let data = if prefix.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        if prefix.starts_with(&[0x1f, 0x8b])
            || !matches!(detect_format(&prefix[data..]), Some(Format::Lines))
        {
            return None;
        }
        let threads = self.options.threads.max(1);
        Some(self.read_lines_ranged(source, (data as u64, len), chunk, threads))
    }

    fn read_counted(&mut self, input: &mut dyn Read) -> Result<(), ReadError> {
        let prefix = match peek(input) {
            Ok(p) => p,
            Err(e) => return self.file_failed(format!("read error: {e}"), false),
        };
        let mut stream: Box<dyn Read + '_> = Box::new(io::Cursor::new(prefix.clone()).chain(input));
        if prefix.starts_with(&[0x1f, 0x8b]) {
            // Multi-member: CloudTrail and `cat a.gz b.gz` both produce several members.
            stream = Box::new(flate2::read::MultiGzDecoder::new(stream));
        }
        let mut prefix = match peek(&mut stream) {
            Ok(p) => p,
            Err(e) => return self.file_failed(format!("read error: {e}"), false),
        };
        // A UTF-8 byte order mark is not part of the first record.
        let bom = prefix.starts_with(b"\xEF\xBB\xBF");
        if bom {
            prefix.drain(..3);
        }
        let Some(format) = detect_format(&prefix) else {
            return self.problem(String::new(), "empty file: no events".to_string(), false);
        };
        let stream = io::Cursor::new(prefix).chain(stream);
        match format {
            Format::Lines => self.read_lines(stream),
            Format::Document => self.read_document(stream),
        }
    }

    /// A whole-file fault: counted as a failed file, not as a record.
    fn file_failed(&mut self, message: String, partial_record: bool) -> Result<(), ReadError> {
        self.report.failed_files += 1;
        if partial_record {
            self.report.records += 1;
            self.report.skipped += 1;
        }
        self.problem(String::new(), message, false)
    }

    /// Report a problem; `record` says whether it is a skipped record.
    fn problem(
        &mut self,
        location: String,
        message: String,
        record: bool,
    ) -> Result<(), ReadError> {
        if record {
            self.report.records += 1;
            self.report.skipped += 1;
        }
        let problem = Problem {
            source: self.source.to_string(),
            location,
            message,
        };
        if self.options.strict {
            return Err(ReadError {
                path: self.path.map(Path::to_path_buf),
                message: if problem.location.is_empty() {
                    problem.message
                } else {
                    format!("{}: {}", problem.location, problem.message)
                },
            });
        }
        record_problem(self.report, problem);
        Ok(())
    }

    /// Account for a run of consecutive events and hand on what the fold made of them.
    fn emit(&mut self, run: EventRun<F::Acc>) {
        let n = u64::from(run.events);
        self.report.records += n;
        self.report.events += n;
        self.report.filtered += u64::from(run.filtered);
        if let Some(progress) = &self.options.events_progress {
            progress.fetch_add(n, Ordering::Relaxed);
        }
        if let Some(acc) = run.acc {
            (self.sink)(acc);
        }
    }

    fn max_line(&self) -> usize {
        match self.options.max_line_bytes {
            0 => DEFAULT_MAX_LINE_BYTES,
            n => n,
        }
    }

    /// JSON lines, read in large blocks and split in place: a line is handed on as a
    /// slice of the block, and an event is allocated only for a record that is kept
    /// (issue 6: no per-line copy or allocation for the events a search skips).
    fn read_lines(&mut self, mut stream: impl Read) -> Result<(), ReadError> {
        if self.options.threads > 1 {
            return self.read_lines_parallel(stream, self.options.threads);
        }
        // The same blocks and per-block decisions as the threaded reader, on this thread:
        // one code path for both (issue 6).
        let cap = self.max_line();
        let mut blocks = Blocks::default();
        let mut line_no: u64 = 0;
        loop {
            let (job, skip_failed) = match blocks.next(&mut stream, cap) {
                Next::Lines(buf, len) => (Job::Lines(buf, len), None),
                Next::Overlong(skipped) => (Job::Overlong, skipped.err()),
                Next::End => return Ok(()),
                Next::Failed(e, partial) => {
                    return self
                        .file_failed(format!("read error after line {line_no}: {e}"), partial)
                }
            };
            let decided = decide_block(
                job,
                cap,
                self.options,
                (self.fold, &mut self.local),
                &mut self.scratch,
            );
            self.apply_block(decided, &mut line_no, &mut blocks.spare)?;
            if let Some(e) = skip_failed {
                return self.file_failed(format!("read error after line {line_no}: {e}"), false);
            }
        }
    }

    /// As [`Ctx::read_lines`], with `threads` workers deciding each block's records
    /// ([`classify_line`]) while this thread reads the next blocks. Two blocks per
    /// worker in flight (each holds its buffer); this thread decides a block itself
    /// while it waits.
    fn read_lines_parallel(
        &mut self,
        mut stream: impl Read,
        threads: usize,
    ) -> Result<(), ReadError> {
        let cap = self.max_line();
        let mut blocks = Blocks::default();
        let flow = Flow {
            in_flight: threads * 2,
            help: true,
        };
        self.decide_in_parallel(threads, flow, |spare| {
            blocks.spare.append(spare);
            match blocks.next(&mut stream, cap) {
                Next::Lines(buf, len) => Step::Job(Job::Lines(buf, len)),
                Next::Overlong(Ok(())) => Step::Job(Job::Overlong),
                Next::Overlong(Err(e)) => Step::Last(Job::Overlong, e),
                Next::End => Step::End,
                Next::Failed(e, partial) => Step::Failed(e, partial),
            }
        })
    }

    /// JSON lines of a regular file, `threads` workers each reading the ranges it
    /// decides (see [`range`]): the same events, problems and line numbers as
    /// [`Ctx::read_lines`]. `data`: where the lines start (after a byte order mark);
    /// `len`: the file's length; `chunk`: the length of a range.
    ///
    /// Four ranges per worker in flight: a job is a range, not a buffer, so more cost no
    /// memory but the (small) results waiting to be applied, and a worker finding the
    /// queue empty would wait for this thread. This thread only applies results: when it
    /// decided ranges too, the workers waited for its next jobs while it did (issue 6,
    /// docs/PERFORMANCE.md "Round 8").
    fn read_lines_ranged(
        &mut self,
        source: &dyn range::ReadAt,
        (data, len): (u64, u64),
        chunk: u64,
        threads: usize,
    ) -> Result<(), ReadError> {
        // The byte order mark was read (to detect it).
        self.report.bytes += data;
        let mut from = data;
        let flow = Flow {
            in_flight: threads * 4,
            help: false,
        };
        self.decide_in_parallel(threads, flow, |_| {
            if from >= len {
                return Step::End;
            }
            let to = from.saturating_add(chunk).min(len);
            let job = Job::Range(range::Range {
                source,
                data,
                len,
                from,
                to,
            });
            from = to;
            Step::Job(job)
        })
    }

    /// `threads` workers deciding the blocks `next` makes ([`decide_block`]), while this
    /// thread makes them and applies finished blocks strictly in input order: events,
    /// problems, line numbers and the `strict` stop are exactly those of the one-thread
    /// reader. At most `flow.in_flight` blocks are in flight, so memory stays bounded.
    /// `next` gets the buffers of applied blocks back for reuse.
    fn decide_in_parallel<'f>(
        &mut self,
        threads: usize,
        flow: Flow,
        mut next: impl FnMut(&mut Vec<Vec<u8>>) -> Step<'f>,
    ) -> Result<(), ReadError> {
        let cap = self.max_line();
        let options: &ReadOptions = self.options;
        let in_flight = flow.in_flight;
        let (job_tx, job_rx) = std::sync::mpsc::sync_channel::<(u64, Job<'f>)>(in_flight);
        let job_rx = std::sync::Mutex::new(job_rx);
        let (done_tx, done_rx) = std::sync::mpsc::sync_channel::<(u64, Decided<F::Acc>)>(in_flight);
        let fold = self.fold;
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let (job_rx, done_tx) = (&job_rx, done_tx.clone());
                scope.spawn(move || {
                    let mut scratch = Scratch::default();
                    let mut local = fold.local();
                    crate::pool::serve(job_rx, done_tx, |job| {
                        decide_block(job, cap, options, (fold, &mut local), &mut scratch)
                    });
                });
            }
            drop(done_tx);
            // Dropping the job sender and the result receiver when this returns ends the
            // workers (their `recv` or `send` fails), also after a `strict` stop.
            let (job_tx, done_rx) = (job_tx, done_rx);
            let mut spare = Vec::new();
            let (mut sent, mut applied, mut line_no) = (0u64, 0u64, 0u64);
            let mut pending = std::collections::BTreeMap::new();
            let mut end = false;
            // A read error, reported once the blocks before it are applied.
            let mut failure: Option<(io::Error, bool)> = None;
            loop {
                while !end && sent - applied < in_flight as u64 {
                    let job = match next(&mut spare) {
                        Step::Job(job) => job,
                        Step::Last(job, e) => {
                            failure = Some((e, false));
                            end = true;
                            job
                        }
                        Step::End => {
                            end = true;
                            break;
                        }
                        Step::Failed(e, partial) => {
                            failure = Some((e, partial));
                            end = true;
                            break;
                        }
                    };
                    if job_tx.send((sent, job)).is_err() {
                        break;
                    }
                    sent += 1;
                }
                if applied == sent {
                    break;
                }
                // Nothing finished yet: rather than sleep until a worker wakes this
                // thread, decide a block still waiting for a worker here (issue 6: a
                // wake-up per block cost more than the work it waited for). `try_lock`:
                // a worker waiting for jobs holds the lock while the queue is empty.
                let finished = match done_rx.try_recv() {
                    Ok(done) => Some(done),
                    Err(std::sync::mpsc::TryRecvError::Empty) if flow.help => {
                        let waiting = job_rx.try_lock().ok().and_then(|rx| rx.try_recv().ok());
                        waiting.map(|(seq, job)| {
                            let fold = (self.fold, &mut self.local);
                            (
                                seq,
                                decide_block(job, cap, options, fold, &mut self.scratch),
                            )
                        })
                    }
                    Err(_) => None,
                };
                let Some((seq, decided)) = finished.or_else(|| done_rx.recv().ok()) else {
                    return self
                        .file_failed("a reader thread stopped unexpectedly".to_string(), false);
                };
                pending.insert(seq, decided);
                while let Some(mut decided) = pending.remove(&applied) {
                    applied += 1;
                    let failed = decided.failed.take();
                    self.apply_block(decided, &mut line_no, &mut spare)?;
                    if let Some((e, partial)) = failed {
                        // A worker's read failed: the input ends after this block's lines.
                        return self
                            .file_failed(format!("read error after line {line_no}: {e}"), partial);
                    }
                }
            }
            match failure {
                Some((e, partial)) => {
                    self.file_failed(format!("read error after line {line_no}: {e}"), partial)
                }
                None => Ok(()),
            }
        })
    }

    /// Account for a decided block, in input order: its runs of events and its skipped
    /// records with their line numbers (counted on from `line_no`), its buffer back to
    /// `spare` for reuse. Under `strict` the first skipped record stops here, so nothing
    /// after it is handed on (runs end at skipped records for this).
    fn apply_block(
        &mut self,
        mut decided: Decided<F::Acc>,
        line_no: &mut u64,
        spare: &mut Vec<Vec<u8>>,
    ) -> Result<(), ReadError> {
        spare.extend(decided.buffer.take());
        self.report.bytes += decided.bytes;
        for piece in decided.pieces {
            match piece {
                Piece::Events(run) => self.emit(run),
                Piece::Problem(index, message) => {
                    // Locations are only formatted when there is a problem (issue 6).
                    let at = *line_no + u64::from(index);
                    self.problem(format!("line {at}"), message, true)?;
                }
            }
        }
        *line_no += u64::from(decided.lines);
        Ok(())
    }

    fn read_document(&mut self, stream: impl Read) -> Result<(), ReadError> {
        let cap = match self.options.max_document_bytes {
            0 => DEFAULT_MAX_DOCUMENT_BYTES,
            n => n,
        };
        let mut bytes = Vec::new();
        // One byte past the cap tells "exactly at the cap" from "over it" (issue 7).
        let read_error = stream.take(cap as u64 + 1).read_to_end(&mut bytes).err();
        let over = bytes.len() > cap;
        bytes.truncate(cap);
        // Elements before a truncation are still good: process what was read, then report.
        self.split_documents(&bytes)?;
        match read_error {
            Some(e) => self.file_failed(format!("read error: {e}"), false),
            None if over => self.file_failed(
                format!(
                    "document larger than the {cap}-byte limit: only its first {cap} bytes \
                     were read (split the file or use JSON lines)"
                ),
                false,
            ),
            None => Ok(()),
        }
    }

    /// One or more documents, each `[...]`, `{"Records":[...]}` or an event object
    /// (pretty-printed events one after the other; located as `object N`, 1-based).
    fn split_documents(&mut self, b: &[u8]) -> Result<(), ReadError> {
        let mut i = skip_ws(b, 0);
        let mut objects = 0usize;
        while i < b.len() {
            let next = match b[i] {
                b'[' => self.split_array(b, i, "")?,
                b'{' if first_key_is_records(b, i) => self.split_records_object(b, i)?,
                b'{' => {
                    objects += 1;
                    let location = || format!("object {objects}");
                    match matching_end(b, i) {
                        Some(end) => {
                            self.record(&b[i..end], &location, true)?;
                            Some(end)
                        }
                        None => {
                            self.problem(
                                location(),
                                "unterminated object (document truncated?)".to_string(),
                                true,
                            )?;
                            None
                        }
                    }
                }
                _ => {
                    return self.problem(
                        format!("byte {i}"),
                        "expected a JSON array or a {\"Records\":[...]} object".to_string(),
                        false,
                    )
                }
            };
            match next {
                Some(n) => i = skip_ws(b, n),
                None => return Ok(()),
            }
        }
        Ok(())
    }

    /// `{ ..., "Records": [...], ... }` starting at `b[start] == '{'`. Returns the offset after
    /// the closing `}`, or `None` after reporting why the document cannot be followed.
    fn split_records_object(&mut self, b: &[u8], start: usize) -> Result<Option<usize>, ReadError> {
        let mut i = skip_ws(b, start + 1);
        let mut found = false;
        if b.get(i) == Some(&b'}') {
            i += 1;
        } else {
            loop {
                if b.get(i) != Some(&b'"') {
                    return self.structure_error(i).map(|_| None);
                }
                let Some(key_end) = string_end(b, i) else {
                    return self.structure_error(b.len()).map(|_| None);
                };
                let is_records = &b[i..key_end] == b"\"Records\"";
                i = skip_ws(b, key_end);
                if b.get(i) != Some(&b':') {
                    return self.structure_error(i).map(|_| None);
                }
                i = skip_ws(b, i + 1);
                if is_records && b.get(i) == Some(&b'[') {
                    found = true;
                    match self.split_array(b, i, "Records")? {
                        Some(n) => i = skip_ws(b, n),
                        None => return Ok(None),
                    }
                } else {
                    match value_end(b, i) {
                        Some(n) => i = skip_ws(b, n),
                        None => return self.structure_error(b.len()).map(|_| None),
                    }
                }
                match b.get(i) {
                    Some(b',') => i = skip_ws(b, i + 1),
                    Some(b'}') => {
                        i += 1;
                        break;
                    }
                    _ => return self.structure_error(i).map(|_| None),
                }
            }
        }
        if !found {
            self.problem(
                format!("byte {start}"),
                "object has no \"Records\" array".to_string(),
                false,
            )?;
        }
        Ok(Some(i))
    }

    fn structure_error(&mut self, at: usize) -> Result<(), ReadError> {
        self.problem(
            format!("byte {at}"),
            "malformed document (truncated, or not JSON?)".to_string(),
            false,
        )
    }

    /// The elements of the array at `b[start] == '['`, each one record. Returns the offset
    /// after `]`, or `None` when the array is unterminated (reported).
    fn split_array(
        &mut self,
        b: &[u8],
        start: usize,
        name: &str,
    ) -> Result<Option<usize>, ReadError> {
        let mut i = skip_ws(b, start + 1);
        if b.get(i) == Some(&b']') {
            return Ok(Some(i + 1));
        }
        let mut index = 0usize;
        loop {
            let location = || format!("{name}[{index}]");
            let elem_start = i;
            let Some(end) = value_end(b, i) else {
                // Unterminated: the document was cut (truncated gzip) or a string never
                // closes. What is left of this element is one skipped record.
                if elem_start < b.len() {
                    self.problem(
                        location(),
                        "unterminated element (document truncated?)".to_string(),
                        true,
                    )?;
                } else {
                    self.problem(location(), "unterminated array".to_string(), false)?;
                }
                return Ok(None);
            };
            let elem = trim_end_ws(&b[elem_start..end]);
            if elem.is_empty() {
                self.problem(location(), "empty array element".to_string(), true)?;
            } else {
                self.record(elem, &location, true)?;
            }
            match b[end] {
                b',' => {
                    i = skip_ws(b, end + 1);
                    index += 1;
                }
                b']' => return Ok(Some(end + 1)),
                _ => {
                    self.structure_error(end)?;
                    return Ok(None);
                }
            }
        }
    }

    /// One record (a line or an array element).
    fn record(
        &mut self,
        bytes: &[u8],
        location: &dyn Fn() -> String,
        element: bool,
    ) -> Result<(), ReadError> {
        // The outcome may borrow the scratch (the record's index) while `apply` hands it
        // on: the scratch is moved out for that time (a few words, no allocation).
        let mut scratch = std::mem::take(&mut self.scratch);
        let outcome = classify(bytes, element, self.options, &mut scratch);
        let applied = self.apply(outcome, location);
        self.scratch = scratch;
        applied
    }

    /// Account for one record's outcome, in input order: an event is a run of one.
    fn apply(
        &mut self,
        outcome: Outcome<'_>,
        location: &dyn Fn() -> String,
    ) -> Result<(), ReadError> {
        let mut run = EventRun::default();
        match outcome {
            Outcome::Problem(message) => return self.problem(location(), message, true),
            other => run.take(other, (self.fold, &mut self.local)),
        }
        self.emit(run);
        Ok(())
    }
}

/// What the reader hands on for a run of consecutive events (issue 6): the events of a
/// block between skipped records go into one `Acc`, made on the worker thread that
/// checked them, and the `sink` gets the `Acc`s in input order. With
/// [`ReadOptions::threads`] a search can so do its per-event work, and even aggregate a
/// block's rows, on the workers ([`MapEach`] maps events one by one).
pub trait Fold: Sync {
    /// A thread's own working state, made on the thread that uses it.
    type Local;
    /// What a run of events becomes.
    type Acc: Send;
    fn local(&self) -> Self::Local;
    /// Add `event` to the run's `acc` (`None` until something makes it).
    fn add(&self, local: &mut Self::Local, acc: &mut Option<Self::Acc>, event: Event);
    /// Add a raw record borrowed from the block being read: the same as `add` of
    /// [`RawRecord::to_event`], which is what it does unless the fold takes the
    /// borrowed text itself (issue 6: no copy of the record and no clone of the
    /// metadata per event).
    fn add_raw(&self, local: &mut Self::Local, acc: &mut Option<Self::Acc>, raw: RawRecord<'_>) {
        self.add(local, acc, raw.to_event());
    }
}

/// Each event mapped on its own: a run becomes the list of what `map` made of its events.
pub struct MapEach<'a, T>(pub &'a (dyn Fn(Event) -> T + Sync));

impl<T: Send> Fold for MapEach<'_, T> {
    type Local = ();
    type Acc = Vec<T>;
    fn local(&self) {}
    fn add(&self, _: &mut (), acc: &mut Option<Vec<T>>, event: Event) {
        acc.get_or_insert_with(Vec::new).push((self.0)(event));
    }
}

/// Consecutive valid records: how many (those the filter dropped included), how many the
/// filter dropped, and what the fold made of the others.
struct EventRun<A> {
    acc: Option<A>,
    events: u32,
    filtered: u32,
}

impl<A> Default for EventRun<A> {
    fn default() -> Self {
        EventRun {
            acc: None,
            events: 0,
            filtered: 0,
        }
    }
}

impl<A> EventRun<A> {
    /// Take a valid record's outcome (an event or a filtered record) into the run.
    fn take<F: Fold<Acc = A>>(&mut self, outcome: Outcome<'_>, (fold, local): (&F, &mut F::Local)) {
        self.events += 1;
        match outcome {
            Outcome::Event(event) => fold.add(local, &mut self.acc, event),
            Outcome::Raw(raw) => fold.add_raw(local, &mut self.acc, raw),
            // Valid, and no search can match it: an event read, never built.
            _ => self.filtered += 1,
        }
    }
}

/// What one record becomes. Deciding it touches nothing shared, so worker threads can
/// decide it for blocks of lines while the reader keeps the accounting in input order
/// (issue 6: both cores).
enum Outcome<'a> {
    Event(Event),
    /// A valid raw record, borrowed from the block (issue 6).
    Raw(RawRecord<'a>),
    /// A valid raw record [`ReadOptions::filter`] dropped.
    Filtered,
    /// A skipped record and why.
    Problem(String),
}

/// Work for a reader thread: complete lines (each ending in `\n` but perhaps the last
/// line of the input), an over-long line the reader has already skipped, or a range of a
/// file to read first.
enum Job<'f> {
    /// A buffer and how many of its bytes are lines.
    Lines(Vec<u8>, usize),
    Overlong,
    Range(range::Range<'f>),
}

/// Reads JSON lines for the workers straight into the buffers they are sent in: only the
/// partial line at the end of a read is copied (to the next buffer), and buffers come
/// back with the workers' answers to be reused (issue 6: no copy of the whole input on
/// the reading thread, which every block waits for).
#[derive(Default)]
struct Blocks {
    /// The start of a line whose end has not been read yet.
    carry: Vec<u8>,
    /// Buffers back from the workers, already sized (never zeroed again).
    spare: Vec<Vec<u8>>,
    ended: bool,
    /// A read error met after complete lines, reported once those have been handed on.
    failed: Option<(io::Error, bool)>,
}

/// What [`Blocks::next`] read.
enum Next {
    /// Whole lines (the last one may lack its newline at the end of input).
    Lines(Vec<u8>, usize),
    /// A line longer than the cap was skipped up to its newline (or a read error there).
    Overlong(io::Result<()>),
    End,
    /// A read error; whether unread bytes before it held more than whitespace.
    Failed(io::Error, bool),
}

impl Blocks {
    fn next(&mut self, stream: &mut impl Read, cap: usize) -> Next {
        if let Some((e, partial)) = self.failed.take() {
            return Next::Failed(e, partial);
        }
        if self.ended {
            return Next::End;
        }
        let mut buf = self.spare.pop().unwrap_or_default();
        let mut filled = self.carry.len();
        if buf.len() < filled + BLOCK_BYTES {
            buf.resize(filled + BLOCK_BYTES, 0);
        }
        buf[..filled].copy_from_slice(&self.carry);
        self.carry.clear();
        let mut unsearched = 0;
        loop {
            if filled == buf.len() {
                // One line longer than the buffer so far: room for more of it.
                buf.resize(filled + BLOCK_BYTES, 0);
            }
            let n = match stream.read(&mut buf[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.ended = true;
                    // Complete lines read before the error (those after a skipped
                    // over-long line) still go out first, as on one thread.
                    let whole = memchr::memrchr(b'\n', &buf[..filled]).map_or(0, |p| p + 1);
                    let partial = !buf[whole..filled].iter().all(u8::is_ascii_whitespace);
                    if whole > 0 {
                        self.failed = Some((e, partial));
                        return Next::Lines(buf, whole);
                    }
                    return Next::Failed(e, partial);
                }
            };
            if n == 0 {
                self.ended = true;
                if filled == 0 {
                    self.spare.push(buf);
                    return Next::End;
                }
                return Next::Lines(buf, filled);
            }
            filled += n;
            // The carried bytes may hold newlines too (what followed a skipped line).
            if let Some(p) = memchr::memrchr(b'\n', &buf[unsearched..filled]) {
                let end = unsearched + p + 1;
                self.carry.extend_from_slice(&buf[end..filled]);
                return Next::Lines(buf, end);
            }
            unsearched = filled;
            if filled > cap.saturating_add(2) {
                // Over the cap without a newline: skip the rest of the line.
                self.spare.push(buf);
                return Next::Overlong(self.skip_line(stream));
            }
        }
    }

    /// Discard input up to and including the next newline; what follows it is carried.
    fn skip_line(&mut self, stream: &mut impl Read) -> io::Result<()> {
        let mut chunk = vec![0u8; BLOCK_BYTES];
        loop {
            let n = match stream.read(&mut chunk) {
                Ok(0) => {
                    self.ended = true;
                    return Ok(());
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.ended = true;
                    return Err(e);
                }
            };
            if let Some(p) = memchr::memchr(b'\n', &chunk[..n]) {
                self.carry.extend_from_slice(&chunk[p + 1..n]);
                return Ok(());
            }
        }
    }
}

/// How [`Ctx::decide_in_parallel`] keeps its workers busy: how many blocks may be in
/// flight, and whether the applying thread decides waiting blocks itself.
#[derive(Clone, Copy)]
struct Flow {
    in_flight: usize,
    help: bool,
}

/// What makes the next job for [`Ctx::decide_in_parallel`].
enum Step<'f> {
    Job(Job<'f>),
    /// A job, then a read error (not after a partial record): the end of the input.
    Last(Job<'f>, io::Error),
    End,
    /// A read error; whether the unread bytes before it held more than whitespace.
    Failed(io::Error, bool),
}

/// A block's records as decided by a worker, in order: runs of events and skipped
/// records, and how many lines the block held.
struct Decided<A> {
    pieces: Vec<Piece<A>>,
    lines: u32,
    /// The job's buffer, back for reuse.
    buffer: Option<Vec<u8>>,
    /// Bytes a worker read itself ([`Job::Range`]), for the report.
    bytes: u64,
    /// A read error after this block's lines ([`Job::Range`]): the end of the input.
    failed: Option<(io::Error, bool)>,
}

/// Part of a decided block.
enum Piece<A> {
    Events(EventRun<A>),
    /// A skipped record: its line index in the block (from 1) and why.
    Problem(u32, String),
}

fn decide_block<F: Fold>(
    job: Job<'_>,
    cap: usize,
    options: &ReadOptions,
    fold: (&F, &mut F::Local),
    scratch: &mut Scratch,
) -> Decided<F::Acc> {
    let overlong = || format!("line longer than the {cap}-byte limit");
    match job {
        Job::Overlong => Decided {
            pieces: vec![Piece::Problem(1, overlong())],
            lines: 1,
            buffer: None,
            bytes: 0,
            failed: None,
        },
        Job::Lines(buffer, len) => {
            let mut decided = decide_lines(&buffer[..len], cap, options, fold, scratch);
            decided.buffer = Some(buffer);
            decided
        }
        Job::Range(range) => {
            // The worker's own buffer, out of the scratch while its lines borrow it.
            let mut buffer = std::mem::take(&mut scratch.block);
            let read = range::read(range, cap, &mut buffer);
            let mut decided =
                decide_lines(&buffer[read.start..read.end], cap, options, fold, scratch);
            scratch.block = buffer;
            if read.overlong {
                decided.lines += 1;
                decided
                    .pieces
                    .push(Piece::Problem(decided.lines, overlong()));
            }
            if let Some(progress) = &options.progress {
                progress.fetch_add(read.bytes, Ordering::Relaxed);
            }
            decided.bytes = read.bytes;
            decided.failed = read.failed;
            decided
        }
    }
}

/// Decide whole lines (the last perhaps without its newline).
fn decide_lines<F: Fold>(
    lines: &[u8],
    cap: usize,
    options: &ReadOptions,
    (fold, local): (&F, &mut F::Local),
    scratch: &mut Scratch,
) -> Decided<F::Acc> {
    let mut pieces = Vec::new();
    let (mut start, mut n) = (0, 0u32);
    let ends = memchr::memchr_iter(b'\n', lines).chain(
        // The input's last line may have no newline.
        (!lines.is_empty() && lines.last() != Some(&b'\n')).then_some(lines.len()),
    );
    for end in ends {
        n += 1;
        match classify_line(&lines[start..end], cap, options, scratch) {
            None => {}
            Some(Outcome::Problem(message)) => pieces.push(Piece::Problem(n, message)),
            Some(outcome) => {
                // A skipped record ends a run: under `strict` it stops the reading, and
                // the events after it must not have reached the sink (issue 6).
                if !matches!(pieces.last(), Some(Piece::Events(_))) {
                    pieces.push(Piece::Events(EventRun::default()));
                }
                if let Some(Piece::Events(run)) = pieces.last_mut() {
                    run.take(outcome, (fold, &mut *local));
                }
            }
        }
        start = end + 1;
    }
    Decided {
        pieces,
        lines: n,
        buffer: None,
        bytes: 0,
        failed: None,
    }
}

/// One line without its `\n`; `None` for a blank line (not a record).
fn classify_line<'a>(
    mut line: &'a [u8],
    cap: usize,
    options: &'a ReadOptions,
    scratch: &'a mut Scratch,
) -> Option<Outcome<'a>> {
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    // The cap first: a line over it is skipped whatever it holds, as when it is too
    // long to be read whole (stream blocks, file ranges).
    if line.len() > cap {
        return Some(Outcome::Problem(format!(
            "line longer than the {cap}-byte limit"
        )));
    }
    if line.iter().all(u8::is_ascii_whitespace) {
        return None; // blank lines are not records
    }
    Some(classify(line, false, options, scratch))
}

/// One record (a line or an array element).
fn classify<'a>(
    bytes: &'a [u8],
    element: bool,
    options: &'a ReadOptions,
    scratch: &'a mut Scratch,
) -> Outcome<'a> {
    // Raw records: the block validator first, on the bytes; for an ASCII record it is
    // the UTF-8 check as well (issue 6).
    // The top-level members are indexed for the extraction (issue 6) when the record is
    // likely to reach it: not when the reader filter drops most records (detections), nor
    // for an array element (its `_raw` is compacted, so other offsets).
    let index = options.filter.is_none() && !element && bytes.len() <= MAX_INDEXED_BYTES;
    let quick = match options.mode {
        InputMode::Raw if index => validate::quick_indexed(bytes, &mut scratch.top),
        InputMode::Raw => validate::quick(bytes),
        _ => validate::Quick::Unsure,
    };
    let text = match quick {
        validate::Quick::Ascii { text, .. } => text,
        _ => match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                return Outcome::Problem(format!(
                    "invalid UTF-8 at byte {} of the record",
                    e.valid_up_to()
                ))
            }
        },
    };
    let is_object = text.trim_start().starts_with('{');
    match options.mode {
        // Raw records are only validated here (no tree is built): the search-time
        // layer parses `_raw` itself, and only for the fields the search needs.
        InputMode::Raw if is_object => {
            // The fast checks answer only "certainly valid"; serde_json decides the
            // rest and words the error (issue 6 §4).
            if quick == validate::Quick::Unsure && !validate::scalar_certainly_valid(text) {
                if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
                    return Outcome::Problem(format!("invalid JSON: {e}"));
                }
            }
            // `_raw` of an array element is its compact text, so that is what the
            // filter must see (a phrase may span the whitespace compaction removes).
            let compacted = element.then(|| compact(bytes));
            if let Some(filter) = &options.filter {
                let raw: &str = compacted.as_deref().unwrap_or(text);
                // The validator saw every byte: ASCII without a backslash needs no
                // escape or Unicode check after the literals (issue 6).
                let plain = matches!(
                    quick,
                    validate::Quick::Ascii {
                        backslash: false,
                        ..
                    }
                );
                if !filter.keeps(raw, plain, &mut scratch.filter) {
                    return Outcome::Filtered;
                }
            }
            let record = RawRecord {
                text,
                meta: &options.meta,
                json_checked: true,
                index: index.then_some(&scratch.top),
            };
            match compacted {
                // An array element's compact text is not in the block: owned.
                Some(compacted) => Outcome::Event(Event::Raw {
                    raw: compacted,
                    meta: record.to_event_meta(),
                }),
                None => Outcome::Raw(record),
            }
        }
        _ => match serde_json::from_str::<Json>(text) {
            Err(e) => Outcome::Problem(format!("invalid JSON: {e}")),
            Ok(Json::Object(map)) if options.mode == InputMode::Fields => {
                Outcome::Event(fields_event(map, options.meta.clone()))
            }
            Ok(other) => {
                Outcome::Problem(format!("not a JSON object (found {})", json_kind(&other)))
            }
        },
    }
}

fn json_kind(j: &Json) -> &'static str {
    match j {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Bytes read per `read` call by [`Blocks`]: large enough that system calls and the
/// per-block bookkeeping vanish next to the per-line work, small enough to stay in cache
/// (and under glibc's largest mmap threshold: 1 MiB blocks handed between threads kept
/// ~40 MB of freed blocks resident; 256 KiB ones stay at ~12 MB in all).
const BLOCK_BYTES: usize = 1 << 18;

/// Offset of the byte after the string starting at `b[i] == '"'`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// Offset of the `,`, `]` or `}` that ends the value starting at `i` (at nesting depth 0),
/// tracking strings so brackets inside them do not count. `None` at end of input.
fn value_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = string_end(b, i)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth == 0 => return Some(i),
            b'}' | b']' => depth -= 1,
            b',' if depth == 0 => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Offset after the bracket that closes the object or array opening at `b[i]`.
fn matching_end(b: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i = string_end(b, i)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn trim_end_ws(b: &[u8]) -> &[u8] {
    let mut end = b.len();
    while end > 0 && matches!(b[end - 1], b' ' | b'\t' | b'\n' | b'\r') {
        end -= 1;
    }
    &b[..end]
}

/// The compact JSON text of a (valid) JSON value: whitespace outside strings removed,
/// everything else byte for byte (CLOUDTRAIL.md §1: a `Records` element's `_raw` is its
/// compact JSON text). Input is valid UTF-8 JSON, so the output is too.
fn compact(b: &[u8]) -> String {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let end = string_end(b, i).unwrap_or(b.len());
                out.extend_from_slice(&b[i..end]);
                i = end;
            }
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A field map event (see the module docs for the conversions).
fn fields_event(map: serde_json::Map<String, Json>, mut meta: EventMeta) -> Event {
    let mut row = Row::with_capacity(map.len());
    for (name, value) in map {
        if name == "_time" {
            if let Some(t) = time_value(&value) {
                row.set(name, t);
                continue;
            }
        }
        let slot = match name.as_str() {
            "sourcetype" => Some(&mut meta.sourcetype),
            "source" => Some(&mut meta.source),
            "host" => Some(&mut meta.host),
            "index" => Some(&mut meta.index),
            _ => None,
        };
        if let (Some(slot), Json::String(s)) = (slot, &value) {
            *slot = Some(s.as_str().into());
        }
        add_field(&mut row, name, value);
    }
    Event::Fields { row, meta }
}

/// `_time` as epoch seconds: a number, a numeric string, or ISO-8601 (R10.3).
fn time_value(value: &Json) -> Option<Value> {
    match value {
        Json::Number(n) => n.as_f64().map(Value::Num),
        Json::String(s) => {
            if let Some(n) = crate::value::parse_number(s) {
                return Some(Value::Num(n));
            }
            parse_iso8601(s).map(Value::Num)
        }
        _ => None,
    }
}

fn parse_iso8601(s: &str) -> Option<f64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp() as f64 + f64::from(t.timestamp_subsec_micros()) / 1e6);
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, format) {
            let t = t.and_utc();
            return Some(t.timestamp() as f64 + f64::from(t.timestamp_subsec_micros()) / 1e6);
        }
    }
    None
}

fn add_field(row: &mut Row, name: String, value: Json) {
    match value {
        Json::Object(inner) => {
            for (key, v) in inner {
                add_field(row, format!("{name}.{key}"), v);
            }
        }
        Json::Array(items) => {
            let values = items.iter().filter_map(scalar_text).collect();
            row.set(name, Value::multi(values));
        }
        other => {
            if let Some(text) = scalar_text(&other) {
                row.set(name, Value::from(text));
            }
        }
    }
}

/// A JSON value as field text: `null` is no value; nested containers are their compact
/// JSON text.
fn scalar_text(value: &Json) -> Option<String> {
    match value {
        Json::Null => None,
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(number_text(n)),
        Json::String(s) => Some(s.clone()),
        Json::Array(_) | Json::Object(_) => Some(value.to_string()),
    }
}

/// Integers keep all their digits (account ids exceed no i64/u64 but may exceed f64's
/// exact range); other numbers are rendered canonically (R6.9: `1.0` → `1`).
fn number_text(n: &serde_json::Number) -> String {
    if n.is_i64() || n.is_u64() {
        n.to_string()
    } else {
        n.as_f64()
            .map(format_number)
            .unwrap_or_else(|| n.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_bytes(
        bytes: &[u8],
        options: &ReadOptions,
    ) -> (Vec<Event>, ReadReport, Result<(), ReadError>) {
        let read = |options: &ReadOptions| {
            let mut events = Vec::new();
            let mut report = ReadReport::default();
            let result = read_stream("-", &mut &bytes[..], options, &mut report, &mut |e| {
                events.push(e)
            });
            (events, report, result)
        };
        let one = read(options);
        // Every reader test also checks that worker threads change nothing (issue 6).
        for threads in [2, 3] {
            let parallel = read(&ReadOptions {
                threads,
                ..options.clone()
            });
            assert_eq!(parallel, one, "with {threads} reader threads");
        }
        // Nor reading by file ranges, where those apply (JSON lines).
        range::tests::same_by_ranges(bytes, options, &one);
        one
    }

    fn raws(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .map(|e| match e {
                Event::Raw { raw, .. } => raw.clone(),
                Event::Fields { .. } => "<fields>".to_string(),
            })
            .collect()
    }

    fn rows(events: &[Event]) -> Vec<Row> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Fields { row, .. } => Some(row.clone()),
                Event::Raw { .. } => None,
            })
            .collect()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).expect("in-memory write");
        enc.finish().expect("in-memory write")
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("minispl-reader-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn json_lines_raw_keeps_each_line_byte_for_byte() {
        let input = b"{\"b\": 1, \"a\":\"x\"}\r\n\n   \n{\"eventName\":\"PutImage\"}";
        let (events, report, result) = read_bytes(input, &ReadOptions::default());
        assert!(result.is_ok());
        // Trailing \r stripped, inner spacing and key order kept; blank lines not records.
        assert_eq!(
            raws(&events),
            vec!["{\"b\": 1, \"a\":\"x\"}", "{\"eventName\":\"PutImage\"}"]
        );
        assert_eq!((report.records, report.events, report.skipped), (2, 2, 0));
        assert_eq!(report.bytes, input.len() as u64);
    }

    #[test]
    fn raw_events_carry_the_default_fields() {
        let options = ReadOptions {
            meta: EventMeta {
                sourcetype: Some("aws:cloudtrail".into()),
                source: Some("aws_cloudtrail".into()),
                ..EventMeta::default()
            },
            ..ReadOptions::default()
        };
        let (events, _, _) = read_bytes(b"{\"a\":1}\n", &options);
        match &events[0] {
            Event::Raw { meta, .. } => assert_eq!(
                meta,
                &EventMeta {
                    json_checked: true,
                    ..options.meta.clone()
                }
            ),
            other => panic!("expected a raw event, got {other:?}"),
        }
    }

    #[test]
    fn records_document_elements_are_compact_original_text() {
        let input = br#"{"Records": [
            {"eventVersion": "1.08", "n": 1.50, "s": "a \"q\" , ]"},
            {"z":1,"a":2}
        ]}"#;
        let (events, report, result) = read_bytes(input, &ReadOptions::default());
        assert!(result.is_ok());
        // Key order, the number spelling `1.50` and escapes come from the original bytes.
        assert_eq!(
            raws(&events),
            vec![
                r#"{"eventVersion":"1.08","n":1.50,"s":"a \"q\" , ]"}"#,
                r#"{"z":1,"a":2}"#
            ]
        );
        assert_eq!((report.records, report.events), (2, 2));
    }

    #[test]
    fn concatenated_records_documents_and_other_keys() {
        let input = br#"{"Records":[{"a":1}],"x":{"y":[1,2]}}
{"Records":[{"a":2},{"a":3}]}"#;
        let (events, report, result) = read_bytes(input, &ReadOptions::default());
        assert!(result.is_ok());
        assert_eq!(
            raws(&events),
            vec![r#"{"a":1}"#, r#"{"a":2}"#, r#"{"a":3}"#]
        );
        assert!(report.problems.is_empty());
    }

    #[test]
    fn pretty_printed_event_objects() {
        let input = b"{\n  \"eventName\": \"PutImage\",\n  \"n\": [1, 2]\n}\n{\n  \"b\": {\"c\": \"}\"}\n}\n{\n \"cut\": ";
        let (events, report, _) = read_bytes(input, &ReadOptions::default());
        assert_eq!(
            raws(&events),
            vec![
                r#"{"eventName":"PutImage","n":[1,2]}"#,
                r#"{"b":{"c":"}"}}"#
            ]
        );
        assert_eq!((report.records, report.skipped), (3, 1));
        assert_eq!(report.problems[0].location, "object 3");
    }

    #[test]
    fn json_array_document() {
        let input = b" [ {\"a\": 1} ,\n {\"b\":[1, 2]} ] ";
        let (events, report, _) = read_bytes(input, &ReadOptions::default());
        assert_eq!(raws(&events), vec!["{\"a\":1}", "{\"b\":[1,2]}"]);
        assert_eq!(report.events, 2);
        let (events, report, _) = read_bytes(b"[]", &ReadOptions::default());
        assert!(events.is_empty());
        assert_eq!(report.records, 0);
    }

    #[test]
    fn records_array_with_bad_elements_is_reported_by_index() {
        let input = br#"{"Records":[{"a":1}, "oops", {"b":2}, 7, , {"c":3}]}"#;
        let (events, report, result) = read_bytes(input, &ReadOptions::default());
        assert!(result.is_ok());
        assert_eq!(
            raws(&events),
            vec![r#"{"a":1}"#, r#"{"b":2}"#, r#"{"c":3}"#]
        );
        assert_eq!((report.records, report.events, report.skipped), (6, 3, 3));
        let locations: Vec<_> = report
            .problems
            .iter()
            .map(|p| p.location.as_str())
            .collect();
        assert_eq!(locations, vec!["Records[1]", "Records[3]", "Records[4]"]);
        assert!(report.problems[0]
            .message
            .contains("not a JSON object (found a string)"));
    }

    #[test]
    fn records_bad_element_is_fatal_when_strict() {
        let input = br#"{"Records":[{"a":1}, [1]]}"#;
        let options = ReadOptions {
            strict: true,
            ..ReadOptions::default()
        };
        let (_, _, result) = read_bytes(input, &options);
        let err = result.expect_err("strict");
        assert!(err.message.contains("Records[1]"), "{err}");
    }

    #[test]
    fn truncated_records_document_keeps_the_complete_elements() {
        let input = br#"{"Records":[{"a":1},{"b":"cut here"#;
        let (events, report, _) = read_bytes(input, &ReadOptions::default());
        assert_eq!(raws(&events), vec![r#"{"a":1}"#]);
        assert_eq!((report.records, report.skipped), (2, 1));
        assert_eq!(report.problems[0].location, "Records[1]");
    }

    #[test]
    fn malformed_lines_are_skipped_counted_and_located() {
        let input = b"{\"a\":1}\n[1,2]\n\"text\"\n{\"a\":\n\xff\xfe{}\n{\"ok\":true}\n";
        let (events, report, result) = read_bytes(input, &ReadOptions::default());
        assert!(result.is_ok());
        assert_eq!(raws(&events), vec!["{\"a\":1}", "{\"ok\":true}"]);
        assert_eq!((report.records, report.events, report.skipped), (6, 2, 4));
        let got: Vec<_> = report
            .problems
            .iter()
            .map(|p| {
                (
                    p.location.as_str(),
                    p.message.split(' ').next().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("line 2", "not"),
                ("line 3", "not"),
                ("line 4", "invalid"),
                ("line 5", "invalid")
            ]
        );
        assert!(report.problems[3].message.contains("UTF-8"));
        assert!(report.problems[0].message.contains("array"));
    }

    /// The block validator is also the UTF-8 check, but only for ASCII records: bytes
    /// that are JSON's grammar but not UTF-8 (inside a string, where the grammar does not
    /// look) are still refused, long records (several 64-byte blocks) included, and
    /// non-ASCII text is kept as it is.
    #[test]
    fn invalid_utf8_inside_a_valid_record_is_refused_and_non_ascii_text_kept() {
        let long = "x".repeat(150);
        let mut input = Vec::new();
        for bad in [&b"\xff"[..], b"\xc3(", b"\xed\xa0\x80", b"\xe9"] {
            for pad in ["", long.as_str()] {
                input.extend_from_slice(format!("{{\"a\":\"{pad}").as_bytes());
                input.extend_from_slice(bad);
                input.extend_from_slice(b"\"}\n");
            }
        }
        let good = format!("{{\"a\":\"caf\u{e9} {long} \u{1f600}\",\"b\":[1,\"\u{fc}\"]}}");
        input.extend_from_slice(good.as_bytes());
        input.push(b'\n');
        let options = ReadOptions {
            mode: InputMode::Raw,
            ..ReadOptions::default()
        };
        let (events, report, result) = read_bytes(&input, &options);
        assert!(result.is_ok());
        assert_eq!(raws(&events), vec![good]);
        assert_eq!((report.records, report.events, report.skipped), (9, 1, 8));
        assert!(report.problems.iter().all(|p| p.message.contains("UTF-8")));
    }

    #[test]
    fn strict_stops_at_the_first_malformed_line() {
        let options = ReadOptions {
            strict: true,
            ..ReadOptions::default()
        };
        let (events, _, result) = read_bytes(b"{\"a\":1}\nnope\n{\"a\":2}\n", &options);
        let err = result.expect_err("strict");
        assert_eq!(err.message.split(':').next(), Some("line 2"));
        assert_eq!(events.len(), 1);
    }

    #[test]
    fn empty_input_is_a_problem_but_not_a_record() {
        for input in [&b""[..], b"\n\n  \n"] {
            let (events, report, result) = read_bytes(input, &ReadOptions::default());
            assert!(result.is_ok());
            assert!(events.is_empty());
            assert_eq!(report.records, 0);
            assert_eq!(report.problems.len(), 1, "{input:?}");
        }
        let (_, report, _) = read_bytes(b"", &ReadOptions::default());
        assert!(report.problems[0].message.contains("empty"));
    }

    /// A stream that hands out at most `step` bytes per read, like a pipe: lines then
    /// straddle reads as well as blocks.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn lines_straddling_reads_and_blocks_are_read_whole_and_numbered() {
        // Varied lengths, one line longer than a block, CRLF and LF, blank lines, a
        // malformed line, and a last line without a newline.
        let mut expected = Vec::new();
        let mut text = String::new();
        let mut line_no = 0;
        let mut bad_line = 0;
        for i in 0..400usize {
            let line = if i == 200 {
                format!("{{\"big\":\"{}\"}}", "z".repeat(BLOCK_BYTES + 123))
            } else {
                format!(
                    "{{\"n\":{i},\"pad\":\"{}\"}}",
                    "y".repeat((i * 7919) % 6000)
                )
            };
            text.push_str(&line);
            text.push_str(if i % 3 == 0 { "\r\n" } else { "\n" });
            line_no += 1;
            expected.push(line);
            if i % 50 == 0 {
                text.push_str("\n  \n");
                line_no += 2;
            }
            if i == 300 {
                text.push_str("{\"broken\":\n");
                line_no += 1;
                bad_line = line_no;
            }
        }
        text.push_str("{\"last\":true}");
        expected.push("{\"last\":true}".to_string());
        for step in [usize::MAX, 1_000_003, 65_521, 4093] {
            let mut events = Vec::new();
            let mut report = ReadReport::default();
            let mut input = Trickle {
                data: text.as_bytes(),
                step,
            };
            read_stream(
                "-",
                &mut input,
                &ReadOptions::default(),
                &mut report,
                &mut |e| events.push(e),
            )
            .expect("reads");
            assert_eq!(raws(&events), expected, "read {step} bytes at a time");
            assert_eq!((report.records, report.skipped), (402, 1), "step {step}");
            assert_eq!(report.problems[0].location, format!("line {bad_line}"));
        }
    }

    /// A stream that hands out its chunks (at most one per read), then fails.
    struct FailsAfter(Vec<Vec<u8>>);

    impl Read for FailsAfter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() {
                return Err(io::Error::other("disk on fire"));
            }
            let n = self.0[0].len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[0][..n]);
            self.0[0].drain(..n);
            if self.0[0].is_empty() {
                self.0.remove(0);
            }
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_keeps_the_lines_before_it_with_and_without_threads() {
        // An over-long line, then complete lines arriving in the same read as its end,
        // then a partial line and the error: the complete lines are kept either way.
        let long = format!("{{\"v\":\"{}\"}}", "x".repeat(300));
        // (More than the 4 KiB read ahead to detect the format comes first.)
        let head = "{\"a\":1}\n".repeat(600);
        let chunks = vec![
            head.as_bytes().to_vec(),
            long.as_bytes().to_vec(),
            b"\n{\"b\":2}\n{\"c\":3}\n{\"d\"".to_vec(),
        ];
        let mut outcomes = Vec::new();
        for threads in [0, 2] {
            let options = ReadOptions {
                max_line_bytes: 100,
                threads,
                ..ReadOptions::default()
            };
            let mut events = Vec::new();
            let mut report = ReadReport::default();
            let mut stream = FailsAfter(chunks.clone());
            let result = read_stream("-", &mut stream, &options, &mut report, &mut |e| {
                events.push(e)
            });
            let raws = raws(&events);
            assert_eq!(raws.len(), 602, "{threads} threads");
            assert_eq!(raws[600..], ["{\"b\":2}", "{\"c\":3}"]);
            assert_eq!(report.failed_files, 1, "{threads} threads");
            outcomes.push((result, report));
        }
        assert_eq!(outcomes[0], outcomes[1]);
    }

    #[test]
    fn an_over_long_line_across_blocks_is_skipped_and_the_next_lines_are_kept() {
        let long = format!("{{\"v\":\"{}\"}}", "x".repeat(3 * BLOCK_BYTES));
        let input = format!("{{\"a\":1}}\n{long}\n{{\"b\":2}}\n{long}");
        for (step, threads) in [(usize::MAX, 0), (100_000, 0), (100_000, 2)] {
            let options = ReadOptions {
                max_line_bytes: BLOCK_BYTES / 2,
                threads,
                ..ReadOptions::default()
            };
            let mut events = Vec::new();
            let mut report = ReadReport::default();
            let mut stream = Trickle {
                data: input.as_bytes(),
                step,
            };
            read_stream("-", &mut stream, &options, &mut report, &mut |e| {
                events.push(e)
            })
            .expect("reads");
            assert_eq!(raws(&events), vec!["{\"a\":1}", "{\"b\":2}"]);
            assert_eq!((report.records, report.skipped), (4, 2));
            let locations: Vec<&str> = report
                .problems
                .iter()
                .map(|p| p.location.as_str())
                .collect();
            assert_eq!(locations, vec!["line 2", "line 4"]);
        }
    }

    fn filter_for(spl: &str) -> RecordFilter {
        let parsed = minispl_parser::parse(spl, &minispl_parser::Macros::new()).expect("parses");
        let prefilter = Prefilter::derive(&parsed, &crate::program::Context::default());
        RecordFilter::any_of([prefilter]).expect("a non-trivial prefilter")
    }

    /// What a fold is handed for each borrowed record: its text and how many top-level
    /// members its index has (`None`: no index).
    struct Indexes;

    impl Fold for Indexes {
        type Local = ();
        type Acc = Vec<(String, Option<usize>)>;
        fn local(&self) {}
        fn add(&self, _: &mut (), acc: &mut Option<Self::Acc>, event: Event) {
            if let Event::Raw { raw, .. } = event {
                acc.get_or_insert_with(Vec::new).push((raw, None));
            }
        }
        fn add_raw(&self, _: &mut (), acc: &mut Option<Self::Acc>, raw: RawRecord<'_>) {
            let members = raw
                .index
                .and_then(|i| i.members_of(raw.text))
                .map(<[_]>::len);
            acc.get_or_insert_with(Vec::new)
                .push((raw.text.to_string(), members));
        }
    }

    fn indexes(input: &str, options: &ReadOptions) -> Vec<(String, Option<usize>)> {
        let mut out = Vec::new();
        for threads in [0, 2] {
            let options = ReadOptions {
                threads,
                ..options.clone()
            };
            let mut got = Vec::new();
            let mut report = ReadReport::default();
            read_stream_fold(
                "-",
                &mut input.as_bytes(),
                &options,
                &mut report,
                &Indexes,
                &mut |run| got.extend(run),
            )
            .expect("reads");
            if threads != 0 {
                assert_eq!(got, out, "with {threads} reader threads");
            }
            out = got;
        }
        out
    }

    #[test]
    fn borrowed_records_carry_their_own_index_unless_filtered() {
        // Each record's index is the validator's for that record (issue 6: the buffer is
        // reused, so a stale one would show the previous record's members), none for
        // a record the block validator was unsure of, nor for array elements.
        let simd = validate::simd_certainly_valid("{}").is_some();
        let on = |n: usize| simd.then_some(n);
        let input =
            "{\"a\":1,\"b\":[2]}\n{\"c\":{}}\n{ \"d\": 1 }\n{\"e\":\"x\",\"f\":2,\"g\":3}\n";
        let got = indexes(input, &ReadOptions::default());
        let members: Vec<_> = got.iter().map(|(_, m)| *m).collect();
        assert_eq!(members, vec![on(2), on(1), None, on(3)]);
        let array = indexes("{\"Records\":[{\"a\":1}]}", &ReadOptions::default());
        assert_eq!(array, vec![("{\"a\":1}".to_string(), None)]);
        // A record over the size cap is walked, not indexed (peak memory).
        let huge = format!("{{\"a\":\"{}\",\"b\":1}}\n", "x".repeat(MAX_INDEXED_BYTES));
        let got = indexes(&huge, &ReadOptions::default());
        assert_eq!(got.iter().map(|(_, m)| *m).collect::<Vec<_>>(), vec![None]);
        // The detections' filter keeps few records: none is indexed.
        let filtered = ReadOptions {
            filter: Some(filter_for("search PutImage")),
            ..ReadOptions::default()
        };
        let got = indexes("{\"eventName\":\"PutImage\"}\n", &filtered);
        assert_eq!(
            got,
            vec![("{\"eventName\":\"PutImage\"}".to_string(), None)]
        );
    }

    #[test]
    fn the_filter_drops_what_cannot_match_but_still_validates_and_counts_it() {
        let options = ReadOptions {
            filter: Some(filter_for("search PutImage")),
            ..ReadOptions::default()
        };
        let input = "{\"eventName\":\"PutImage\"}\n{\"eventName\":\"GetObject\"}\n{\"eventName\":\n{\"eventName\":\"PUTIMAGE\"}\n";
        let (events, report, _) = read_bytes(input.as_bytes(), &options);
        assert_eq!(
            raws(&events),
            vec![
                "{\"eventName\":\"PutImage\"}",
                "{\"eventName\":\"PUTIMAGE\"}"
            ]
        );
        // The dropped event is an event read; the malformed line is still reported.
        assert_eq!(
            (
                report.records,
                report.events,
                report.skipped,
                report.filtered
            ),
            (4, 3, 1, 1)
        );
        assert_eq!(report.problems[0].location, "line 3");
    }

    /// The validator tells the filter which records are plain (ASCII, no backslash);
    /// the others still get the escape and Unicode checks, long or short, in lines and
    /// in arrays: a literal written with an escape or a case-confusable character is
    /// never dropped.
    #[test]
    fn the_filter_keeps_literals_behind_escapes_and_unicode() {
        let pad = "x".repeat(100);
        let kept = [
            format!("{{\"eventName\":\"\\u0050utImage\",\"p\":\"{pad}\"}}"),
            "{\"eventName\":\"Put\\u0049mage\"}".to_string(),
            // U+212A KELVIN SIGN lower-cases to `k`: kept whatever the literal.
            format!("{{\"eventName\":\"\u{212a}\",\"p\":\"{pad}\"}}"),
            "{\"eventName\":\"PutImage\"}".to_string(),
        ];
        let dropped = [
            format!("{{\"eventName\":\"GetObject\",\"p\":\"{pad}\"}}"),
            "{\"eventName\":\"Get\\u004fbject\"}".to_string(),
            "{\"eventName\":\"caf\u{e9}\"}".to_string(),
        ];
        let options = ReadOptions {
            filter: Some(filter_for("search PutImage")),
            ..ReadOptions::default()
        };
        let lines: Vec<&String> = kept.iter().chain(&dropped).collect();
        let input = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let (events, report, _) = read_bytes(input.as_bytes(), &options);
        assert_eq!(raws(&events), kept.to_vec());
        assert_eq!((report.events, report.filtered), (7, 3));
        let array = format!(
            "{{\"Records\":[{}]}}",
            lines
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        let (events, _, _) = read_bytes(array.as_bytes(), &options);
        assert_eq!(raws(&events), kept.to_vec());
    }

    #[test]
    fn the_filter_sees_an_array_element_as_its_compact_raw_text() {
        // `_raw` of an element is compact, so a phrase across the removed whitespace
        // matches it and the filter must keep the element.
        let options = ReadOptions {
            filter: Some(filter_for("search \"\\\"eventName\\\":\\\"PutImage\\\"\"")),
            ..ReadOptions::default()
        };
        let input =
            "{\"Records\": [\n  {\"eventName\": \"PutImage\"},\n  {\"eventName\": \"Other\"}\n]}";
        let (events, report, _) = read_bytes(input.as_bytes(), &options);
        assert_eq!(raws(&events), vec!["{\"eventName\":\"PutImage\"}"]);
        assert_eq!((report.events, report.filtered), (2, 1));
    }

    #[test]
    fn no_filter_when_one_search_keeps_everything() {
        let parsed =
            minispl_parser::parse("search *", &minispl_parser::Macros::new()).expect("parses");
        let trivial = Prefilter::derive(&parsed, &crate::program::Context::default());
        assert!(RecordFilter::any_of([trivial]).is_none());
        assert!(RecordFilter::any_of(Vec::new()).is_none());
    }

    #[test]
    fn long_lines_are_read_whole_up_to_the_cap() {
        let big = format!("{{\"v\":\"{}\"}}", "x".repeat(3 << 20));
        let input = format!("{big}\n{{\"a\":1}}\n");
        let (events, report, _) = read_bytes(input.as_bytes(), &ReadOptions::default());
        assert_eq!(raws(&events)[0].len(), big.len());
        assert_eq!(report.events, 2);

        let options = ReadOptions {
            max_line_bytes: 1 << 20,
            ..ReadOptions::default()
        };
        let (events, report, _) = read_bytes(input.as_bytes(), &options);
        assert_eq!(raws(&events), vec!["{\"a\":1}"]);
        assert_eq!((report.records, report.skipped), (2, 1));
        assert_eq!(report.problems[0].location, "line 1");
        assert!(report.problems[0].message.contains("limit"));
    }

    #[test]
    fn documents_over_the_cap_are_read_up_to_it_and_reported() {
        let element =
            r#"{"a":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#;
        let doc = format!("{{\"Records\":[{}]}}", vec![element; 100].join(","));
        let options = ReadOptions {
            max_document_bytes: 1000,
            ..ReadOptions::default()
        };
        let (events, report, _) = read_bytes(doc.as_bytes(), &options);
        // The elements wholly inside the first 1000 bytes are events; the cut one is a
        // skipped record; the file is reported as failed (input was lost).
        assert!(!events.is_empty() && events.len() < 100, "{}", events.len());
        assert_eq!(report.events, events.len() as u64);
        assert_eq!(report.records, report.events + report.skipped);
        assert_eq!(report.failed_files, 1);
        assert!(
            report.problems.iter().any(|p| p
                .message
                .contains("document larger than the 1000-byte limit")),
            "{:?}",
            report.problems
        );
        // Under the cap nothing changes.
        let (events, report, _) = read_bytes(doc.as_bytes(), &ReadOptions::default());
        assert_eq!((events.len(), report.failed_files), (100, 0));
    }

    #[test]
    fn gzip_is_detected_by_magic_bytes() {
        let plain = b"{\"a\":1}\n{\"a\":2}\n";
        let gz = gzip(plain);
        let (events, report, _) = read_bytes(&gz, &ReadOptions::default());
        assert_eq!(raws(&events), vec!["{\"a\":1}", "{\"a\":2}"]);
        assert_eq!(report.bytes, gz.len() as u64);

        let doc = gzip(br#"{"Records":[{"a":1}]}"#);
        let (events, _, _) = read_bytes(&doc, &ReadOptions::default());
        assert_eq!(raws(&events), vec![r#"{"a":1}"#]);

        // Two gzip members one after the other (`cat a.gz b.gz`).
        let mut two = gzip(b"{\"a\":1}\n");
        two.extend(gzip(b"{\"a\":2}\n"));
        let (events, _, _) = read_bytes(&two, &ReadOptions::default());
        assert_eq!(events.len(), 2);
    }

    #[test]
    fn truncated_gzip_keeps_earlier_lines_and_fails_the_file() {
        let mut plain = String::new();
        for i in 0..2000 {
            plain.push_str(&format!(
                "{{\"n\":{i},\"pad\":\"{}\"}}\n",
                i * 7919 % 104729
            ));
        }
        let gz = gzip(plain.as_bytes());
        let cut = &gz[..gz.len() / 2];
        let (events, report, result) = read_bytes(cut, &ReadOptions::default());
        assert!(result.is_ok());
        assert!(!events.is_empty() && events.len() < 2000);
        assert_eq!(report.failed_files, 1);
        assert_eq!(report.records, report.events + report.skipped);
        assert!(report
            .problems
            .last()
            .is_some_and(|p| p.message.contains("read error")));

        let strict = ReadOptions {
            strict: true,
            ..ReadOptions::default()
        };
        assert!(read_bytes(cut, &strict).2.is_err());
    }

    #[test]
    fn fields_mode_converts_json_to_field_values() {
        let input = br#"{"_time": 1629328650, "s": "x", "n": 1.0, "big": 123456789012345678, "b": false, "nul": null, "mv": ["p", 2, null, {"k":1}], "o": {"a": {"b": "c"}, "t": [1]}, "sourcetype": "st"}"#;
        let options = ReadOptions {
            mode: InputMode::Fields,
            ..ReadOptions::default()
        };
        let (events, _, _) = read_bytes(input, &options);
        let Event::Fields { row, meta } = &events[0] else {
            panic!("expected a field map");
        };
        assert_eq!(row.get("_time"), &Value::Num(1629328650.0));
        assert_eq!(row.get("s"), &Value::str("x"));
        assert_eq!(row.get("n"), &Value::str("1"));
        assert_eq!(row.get("big"), &Value::str("123456789012345678"));
        assert_eq!(row.get("b"), &Value::str("false"));
        assert!(!row.contains("nul"));
        assert_eq!(
            row.get("mv"),
            &Value::Multi(vec!["p".into(), "2".into(), "{\"k\":1}".into()])
        );
        assert_eq!(row.get("o.a.b"), &Value::str("c"));
        assert_eq!(row.get("o.t"), &Value::str("1"));
        assert_eq!(meta.sourcetype.as_deref(), Some("st"));
        let names: Vec<_> = row.names().cloned().collect();
        assert_eq!(names[..3], ["_time", "s", "n"]);
    }

    #[test]
    fn fields_mode_time_from_iso_8601() {
        let options = ReadOptions {
            mode: InputMode::Fields,
            ..ReadOptions::default()
        };
        let (events, _, _) = read_bytes(
            b"{\"_time\":\"2021-08-18T23:17:30Z\"}\n{\"_time\":\"12.5\"}\n",
            &options,
        );
        let times: Vec<_> = rows(&events)
            .iter()
            .map(|r| r.get("_time").clone())
            .collect();
        assert_eq!(times, vec![Value::Num(1629328650.0), Value::Num(12.5)]);
        // Without an offset: UTC (the reader has no time zone; documented above).
        let (events, _, _) = read_bytes(b"[{\"_time\":\"2021-08-18T23:17:30.250\"}]", &options);
        assert_eq!(rows(&events)[0].get("_time"), &Value::Num(1629328650.25));
    }

    #[test]
    fn directories_are_walked_in_sorted_order_and_bad_files_reported() {
        let dir = temp_dir("walk");
        std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
        std::fs::write(dir.join("b.json"), "{\"f\":\"b\"}\n").expect("write");
        std::fs::write(dir.join("a.json"), "{\"f\":\"a\"}\n").expect("write");
        std::fs::write(dir.join("sub/c.json.gz"), gzip(b"{\"f\":\"c\"}\n")).expect("write");
        std::fs::write(dir.join("empty.json"), "").expect("write");
        std::fs::write(dir.join(".hidden"), "junk").expect("write");
        let mut events = Vec::new();
        let mut report = ReadReport::default();
        read_path(&dir, &ReadOptions::default(), &mut report, &mut |e| {
            events.push(e)
        })
        .expect("read");
        assert_eq!(
            raws(&events),
            vec!["{\"f\":\"a\"}", "{\"f\":\"b\"}", "{\"f\":\"c\"}"]
        );
        assert_eq!(report.files, 4);
        assert_eq!(report.problems.len(), 1);
        assert!(report.problems[0].source.ends_with("empty.json"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_path_is_an_error_naming_it() {
        let mut report = ReadReport::default();
        let path = Path::new("/nonexistent/minispl/events.json");
        let err = read_path(path, &ReadOptions::default(), &mut report, &mut |_| {})
            .expect_err("missing");
        assert_eq!(err.path.as_deref(), Some(path));
        assert_eq!((report.files, report.failed_files), (1, 1));
        assert!(err
            .to_string()
            .starts_with("/nonexistent/minispl/events.json: "));
    }

    /// `/proc/self/mem` opens but fails to read at offset 0 (EIO), even for root, which
    /// permission bits would not stop: a file that is unreadable part-way.
    #[cfg(target_os = "linux")]
    #[test]
    fn an_unreadable_file_among_many_is_reported_and_the_rest_read() {
        let dir = temp_dir("unreadable");
        std::fs::write(dir.join("a.json"), "{\"f\":\"a\"}\n").expect("write");
        std::os::unix::fs::symlink("/proc/self/mem", dir.join("b.json")).expect("symlink");
        std::fs::write(dir.join("c.json"), "{\"f\":\"c\"}\n").expect("write");
        let mut events = Vec::new();
        let mut report = ReadReport::default();
        read_path(&dir, &ReadOptions::default(), &mut report, &mut |e| {
            events.push(e)
        })
        .expect("not strict");
        assert_eq!(raws(&events), vec!["{\"f\":\"a\"}", "{\"f\":\"c\"}"]);
        assert_eq!((report.files, report.failed_files), (3, 1));
        assert!(report.problems[0].source.ends_with("b.json"));
        assert!(report.problems[0].message.contains("read error"));
        let strict = ReadOptions {
            strict: true,
            ..ReadOptions::default()
        };
        let mut events = Vec::new();
        let err = read_path(&dir, &strict, &mut ReadReport::default(), &mut |e| {
            events.push(e)
        })
        .expect_err("strict");
        assert!(err.to_string().contains("b.json"), "{err}");
        assert_eq!(events.len(), 1, "strict stops before c.json");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_that_cannot_be_opened_inside_a_directory_is_a_problem() {
        let dir = temp_dir("dangling");
        std::fs::write(dir.join("a.json"), "{\"f\":\"a\"}\n").expect("write");
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("gone.json"), dir.join("b.json")).expect("symlink");
        let mut events = Vec::new();
        let mut report = ReadReport::default();
        read_path(&dir, &ReadOptions::default(), &mut report, &mut |e| {
            events.push(e)
        })
        .expect("not strict");
        assert_eq!(events.len(), 1);
        #[cfg(unix)]
        {
            assert_eq!(report.failed_files, 1);
            assert!(report.problems[0].source.ends_with("b.json"));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn progress_counter_sees_the_bytes() {
        let counter = Arc::new(AtomicU64::new(0));
        let options = ReadOptions {
            progress: Some(counter.clone()),
            ..ReadOptions::default()
        };
        let input = b"{\"a\":1}\n{\"a\":2}\n";
        let mut report = ReadReport::default();
        read_stream("-", &mut &input[..], &options, &mut report, &mut |_| {}).expect("reads");
        assert_eq!(counter.load(Ordering::Relaxed), input.len() as u64);
    }

    #[test]
    fn utf8_bom_is_not_part_of_the_first_record() {
        let (events, _, _) = read_bytes(b"\xEF\xBB\xBF{\"a\":1}\n", &ReadOptions::default());
        assert_eq!(raws(&events), vec!["{\"a\":1}"]);
    }
}
