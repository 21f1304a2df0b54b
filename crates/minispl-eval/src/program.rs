//! A compiled search: the logical plan plus the operators, run over events.
//!
//! Execution model (SEMANTICS preamble): each command receives the ordered result list of
//! the previous one. Rows are pushed one at a time through the operator chain, so
//! streaming commands never buffer; transforming commands (stats, sort, ...) hold their
//! own state and emit from `finish` at the end of input. Two ways to drive a run: pull
//! ([`Program::stream`], [`Program::run`]) or push ([`Program::start`] → [`Run`]).

use crate::commands::{self, Operator};
use crate::datamodel::DataModel;
use crate::env::Env;
use crate::error::EvalError;
use crate::ingest::{Event, Ingestor};
use crate::lookup::Lookups;
use crate::plan::Plan;
use crate::prefilter::{Prefilter, Scratch};
use crate::profile::Profile;
use crate::reader::Fold;
use crate::row::Row;
use minispl_parser::ast::{Pipeline, Span};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

mod batches;
pub use batches::{Batch, Batches, Worker};

/// Everything a search can refer to besides its input events.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub env: Env,
    /// Sourcetype profiles, looked up by the event's sourcetype.
    pub profiles: Vec<Arc<Profile>>,
    pub lookups: Lookups,
    pub datamodels: Vec<Arc<DataModel>>,
    /// Caps for aggregating commands and subsearches (group count, subsearch rows).
    pub limits: crate::stats::Limits,
    /// Performance mechanisms (issue 6), each switchable off to check results are
    /// identical without it.
    pub optimizations: Optimizations,
}

/// The performance mechanisms of issue 6. Every one of them must leave results unchanged
/// (same rows, same order); they are switchable so tests can compare both ways. All on by
/// default; [`Optimizations::from_env`] turns them all off when `MINISPL_NO_OPTIMIZE` is
/// set to anything but `0` or the empty string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Optimizations {
    /// Skip raw events lacking the literals the first command requires, before parsing
    /// (`prefilter.rs`).
    pub prefilter: bool,
    /// Extract only the JSON fields the plan needs (CLOUDTRAIL.md §3 allows it).
    pub field_pruning: bool,
    /// Several detections share one pass over the input (rules engine, CLI).
    pub multi_detection: bool,
    /// Use a worker thread for reading and splitting large inputs (CLI).
    pub parallel: bool,
}

impl Default for Optimizations {
    fn default() -> Self {
        Optimizations::all()
    }
}

impl Optimizations {
    pub fn all() -> Self {
        Optimizations {
            prefilter: true,
            field_pruning: true,
            multi_detection: true,
            parallel: true,
        }
    }

    pub fn none() -> Self {
        Optimizations {
            prefilter: false,
            field_pruning: false,
            multi_detection: false,
            parallel: false,
        }
    }

    /// All on, unless the environment variable `MINISPL_NO_OPTIMIZE` is set (not `0`).
    pub fn from_env() -> Self {
        match std::env::var("MINISPL_NO_OPTIMIZE") {
            Ok(v) if !v.is_empty() && v != "0" => Optimizations::none(),
            _ => Optimizations::all(),
        }
    }
}

/// Events per chunk handed to a worker by [`Program::run_parallel`].
pub const PARALLEL_CHUNK: usize = 256;
/// Chunks in flight at most in [`Program::run_parallel`] (sent and not yet applied).
pub const PARALLEL_IN_FLIGHT: usize = 8;

/// A pipeline compiled against a context.
pub struct Program {
    pipeline: Pipeline,
    ctx: Arc<Context>,
    plan: Plan,
    ingestor: Ingestor,
    /// Raw events that cannot pass the first command are skipped before ingestion.
    prefilter: Prefilter,
    /// The operators built by `compile` (which validates every command), handed to the
    /// first run; later runs build fresh ones, since operators hold per-run state.
    prepared: Mutex<Option<Vec<Box<dyn Operator>>>>,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program")
            .field("plan", &self.plan)
            .finish_non_exhaustive()
    }
}

impl Program {
    /// Check and prepare every command. Errors carry the span of the offending command.
    pub fn compile(pipeline: &Pipeline, ctx: Arc<Context>) -> Result<Program, EvalError> {
        let plan = Plan::new(pipeline, &ctx);
        let operators = build_operators(pipeline, &ctx, &plan)?;
        let ingestor = Ingestor::new(&ctx, &plan)?;
        let prefilter = if ctx.optimizations.prefilter && plan.reads_index {
            Prefilter::derive(pipeline, &ctx)
        } else {
            Prefilter::keep_all()
        };
        Ok(Program {
            pipeline: pipeline.clone(),
            ctx,
            plan,
            ingestor,
            prefilter,
            prepared: Mutex::new(Some(operators)),
        })
    }

    /// The logical plan (printable).
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The required-literal prefilter of raw events (printable; `*` when none).
    pub fn prefilter(&self) -> &Prefilter {
        &self.prefilter
    }

    /// Turns events into the rows the first command sees (for callers that share one
    /// ingestion between several programs, [`Run::push_row`]).
    pub fn ingestor(&self) -> &Ingestor {
        &self.ingestor
    }

    /// Run over `events` (the "index" the first command reads), returning the result rows.
    pub fn run<I>(&self, events: I) -> Result<Vec<Row>, EvalError>
    where
        I: IntoIterator<Item = Event>,
    {
        self.stream(events).collect()
    }

    /// Run lazily: events are pulled only as needed and result rows yielded as soon as the
    /// last operator produces them. After an error the stream ends.
    pub fn stream<'a, I>(&'a self, events: I) -> Stream<'a, I::IntoIter>
    where
        I: IntoIterator<Item = Event>,
        I::IntoIter: 'a,
    {
        match self.start() {
            Ok(run) => Stream::new(run, events.into_iter()),
            Err(e) => Stream::failed(&self.ingestor, e),
        }
    }

    /// As [`Program::run`], with `workers` threads doing the per-event work (prefilter,
    /// JSON extraction, the sourcetype profile) on chunks of events, while the calling
    /// thread pulls `events` and feeds the resulting rows to the pipeline strictly in
    /// input order: results are identical to [`Program::run`] (same rows, same order,
    /// same first error), issue 6 §3 "use of both cores". At most
    /// [`PARALLEL_IN_FLIGHT`] chunks of [`PARALLEL_CHUNK`] events are in flight, so
    /// memory stays bounded whatever the input size.
    pub fn run_parallel<I>(&self, events: I, workers: usize) -> Result<Vec<Row>, EvalError>
    where
        I: IntoIterator<Item = Event>,
    {
        let mut run = self.start()?;
        if workers == 0 || !run.reads_index() {
            return self.run(events);
        }
        type Done = (u64, Option<Batch>);
        let (job_tx, job_rx) =
            std::sync::mpsc::sync_channel::<(u64, Vec<Event>)>(PARALLEL_IN_FLIGHT);
        let job_rx = Mutex::new(job_rx);
        let (done_tx, done_rx) = std::sync::mpsc::sync_channel::<Done>(PARALLEL_IN_FLIGHT);
        let mut out = Vec::new();
        let mut error: Option<EvalError> = None;
        // The reader's per-run work (prefilter, extraction, profile, and for
        // `... | stats` partial aggregation), one chunk of events a run.
        let fold = self.batches();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let done_tx = done_tx.clone();
                let (job_rx, fold) = (&job_rx, &fold);
                scope.spawn(move || {
                    let mut local = fold.local();
                    crate::pool::serve(job_rx, done_tx, |chunk: Vec<Event>| {
                        let mut batch = None;
                        for event in chunk {
                            fold.add(&mut local, &mut batch, event);
                        }
                        batch
                    });
                });
            }
            drop(done_tx);
            let mut events = events.into_iter();
            let mut exhausted = false;
            let (mut sent, mut applied) = (0u64, 0u64);
            let mut pending: std::collections::BTreeMap<u64, Option<Batch>> =
                std::collections::BTreeMap::new();
            loop {
                while !exhausted && error.is_none() && sent - applied < PARALLEL_IN_FLIGHT as u64 {
                    let chunk: Vec<Event> = events.by_ref().take(PARALLEL_CHUNK).collect();
                    if chunk.is_empty() || job_tx.send((sent, chunk)).is_err() {
                        exhausted = true;
                        break;
                    }
                    sent += 1;
                }
                if applied == sent {
                    break;
                }
                let Ok((seq, batch)) = done_rx.recv() else {
                    error.get_or_insert_with(|| EvalError::new("a search worker thread stopped"));
                    break;
                };
                pending.insert(seq, batch);
                // Batches enter the pipeline in input order.
                while let Some(batch) = pending.remove(&applied) {
                    applied += 1;
                    if let (None, Some(batch)) = (&error, batch) {
                        error = run.push_batch(batch, &mut out).err();
                    }
                }
            }
            // Workers end when the job channel closes.
            drop(job_tx);
        });
        if let Some(e) = error {
            return Err(e);
        }
        run.finish(&mut out)?;
        Ok(out)
    }

    /// The per-event part of a run, for callers that do it on other threads (the
    /// reader's workers, issue 6: the record's checking and its extraction on the same
    /// core): `None` when the event cannot reach the pipeline (the prefilter rules it out,
    /// or the search reads no events), otherwise the ingested row or the ingestion error.
    /// Give the results, in input order, to [`Program::run_prepared`].
    pub fn prepare(&self, event: Event) -> Option<Result<Row, EvalError>> {
        if !self.plan.reads_index {
            return None;
        }
        if let Event::Raw { raw, .. } = &event {
            if !self.may_match_text(raw) {
                return None;
            }
        }
        Some(self.ingestor.ingest(event))
    }

    /// May the prefilter keep the raw event `raw`?
    fn may_match_text(&self, raw: &str) -> bool {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
        }
        SCRATCH.with(|s| match s.try_borrow_mut() {
            Ok(mut scratch) => self.prefilter.may_match(raw, &mut scratch),
            // Re-entered on this thread (cannot happen today): test with a fresh one.
            Err(_) => self.prefilter.may_match(raw, &mut Scratch::default()),
        })
    }

    /// Run over events already [`Program::prepare`]d, in input order: the same rows and
    /// the same first error as [`Program::run`] over the events themselves.
    pub fn run_prepared<I>(&self, prepared: I) -> Result<Vec<Row>, EvalError>
    where
        I: IntoIterator<Item = Option<Result<Row, EvalError>>>,
    {
        let mut run = self.start()?;
        let mut out = Vec::new();
        for row in prepared.into_iter().flatten() {
            run.push_row(row?, &mut out)?;
        }
        run.finish(&mut out)?;
        Ok(out)
    }

    /// Start a push-driven run (see [`Run`]).
    pub fn start(&self) -> Result<Run<'_>, EvalError> {
        let prepared = self.prepared.lock().ok().and_then(|mut p| p.take());
        let operators = match prepared {
            Some(ops) => ops,
            None => build_operators(&self.pipeline, &self.ctx, &self.plan)?,
        };
        let spans = self.pipeline.commands.iter().map(|c| c.span()).collect();
        let mut run = Run::new(&self.ingestor, operators, spans, self.plan.reads_index);
        run.prefilter = Some(&self.prefilter);
        Ok(run)
    }
}

fn build_operators(
    pipeline: &Pipeline,
    ctx: &Arc<Context>,
    plan: &Plan,
) -> Result<Vec<Box<dyn Operator>>, EvalError> {
    let mut operators = pipeline
        .commands
        .iter()
        .map(|c| commands::compile(c, ctx).map_err(|e| e.or_at(c.span())))
        .collect::<Result<Vec<_>, _>>()?;
    if operators.len() == plan.commands.len() {
        // What each command's output can still matter for: the same backward analysis
        // that limits extraction (issue 6). Always known (`downstream_sees`); used to
        // leave fields out only with field pruning on (`downstream_needs`).
        for (i, op) in operators.iter_mut().enumerate() {
            let needed = crate::plan::needed_after(&plan.commands[i + 1..]);
            if !needed.is_all() {
                op.downstream_sees(&needed);
                if ctx.optimizations.field_pruning {
                    op.downstream_needs(&needed);
                }
            }
        }
    }
    Ok(operators)
}

/// A push-driven run of a program, for callers that receive events through a callback
/// (the file reader): feed events with [`Run::push`], then call [`Run::finish`]. Rows
/// come out as soon as the last operator produces them; nothing is buffered here.
pub struct Run<'a> {
    ingestor: &'a Ingestor,
    operators: Vec<Box<dyn Operator>>,
    spans: Vec<Span>,
    /// False when the head generates its own rows: pushed events are ignored.
    reads_index: bool,
    /// Set by `finish` or the first error: later calls do nothing.
    done: bool,
    prefilter: Option<&'a Prefilter>,
    scratch: Scratch,
}

impl<'a> Run<'a> {
    /// Run `operators` (one per command, `spans` theirs).
    pub(crate) fn new(
        ingestor: &'a Ingestor,
        operators: Vec<Box<dyn Operator>>,
        spans: Vec<Span>,
        reads_index: bool,
    ) -> Self {
        Run {
            ingestor,
            operators,
            spans,
            reads_index,
            done: false,
            prefilter: None,
            scratch: Scratch::default(),
        }
    }

    /// Does the pipeline read index events at all? When false (`| makeresults ...`),
    /// there is no need to read any input.
    pub fn reads_index(&self) -> bool {
        self.reads_index
    }

    /// One index event: ingest it and push it through the pipeline, appending the rows
    /// that come out of the last command to `out`. After an error the run is over.
    pub fn push(&mut self, event: Event, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if self.done || !self.reads_index {
            return Ok(());
        }
        if let (Event::Raw { raw, .. }, Some(p)) = (&event, self.prefilter) {
            if !p.may_match(raw, &mut self.scratch) {
                return Ok(());
            }
        }
        let result = self
            .ingestor
            .ingest(event)
            .and_then(|row| self.feed(0, vec![row], out));
        self.done = result.is_err();
        result
    }

    /// Would the prefilter let this raw event through? (Always true without one.)
    pub fn may_match(&mut self, raw: &str) -> bool {
        match self.prefilter {
            Some(p) => p.may_match(raw, &mut self.scratch),
            None => true,
        }
    }

    /// As [`Run::may_match`] with a scratch already loaded with `raw`, shared by several
    /// runs over the same event.
    pub fn may_match_loaded(&self, raw: &str, scratch: &mut Scratch) -> bool {
        match self.prefilter {
            Some(p) => p.may_match_loaded(raw, scratch),
            None => true,
        }
    }

    /// An event already ingested (by an [`Ingestor`] that extracted at least the fields
    /// this program's plan needs): push it through the pipeline. The caller applies the
    /// prefilter ([`Run::may_match`]) first.
    pub fn push_row(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if self.done || !self.reads_index {
            return Ok(());
        }
        let result = self.feed(0, vec![row], out);
        self.done = result.is_err();
        result
    }

    /// End of input: each operator in turn flushes, its output going through the rest.
    pub fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if self.done {
            return Ok(());
        }
        self.done = true;
        for i in 0..self.operators.len() {
            let mut flushed = Vec::new();
            self.operators[i]
                .finish(&mut flushed)
                .map_err(|e| e.or_at(self.spans[i]))?;
            self.feed(i + 1, flushed, out)?;
        }
        Ok(())
    }

    /// Push `rows` into operator `start` and on through the rest of the chain.
    fn feed(&mut self, start: usize, rows: Vec<Row>, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let start = start.min(self.operators.len());
        let mut rows = rows;
        let ops = &mut self.operators[start..];
        push_through(ops, &self.spans[start..], &mut rows, &mut Vec::new())?;
        out.append(&mut rows);
        Ok(())
    }
}

/// Push `rows` through `operators` in turn (`spans` theirs, for errors), leaving in
/// `rows` what comes out of the last one; `spare` is a buffer to reuse between calls
/// (issue 6: the reader's workers push one row at a time).
fn push_through(
    operators: &mut [Box<dyn Operator>],
    spans: &[Span],
    rows: &mut Vec<Row>,
    spare: &mut Vec<Row>,
) -> Result<(), EvalError> {
    for (op, span) in operators.iter_mut().zip(spans) {
        if rows.is_empty() {
            break;
        }
        spare.clear();
        for row in rows.drain(..) {
            op.push(row, spare).map_err(|e| e.or_at(*span))?;
        }
        std::mem::swap(rows, spare);
    }
    Ok(())
}

/// The lazy result stream of [`Program::stream`]: pulls an event only when it has no row
/// to give.
pub struct Stream<'a, I> {
    run: Run<'a>,
    /// `None` once exhausted, or from the start when the head generates its own rows.
    events: Option<I>,
    ready: VecDeque<Row>,
    buffer: Vec<Row>,
    finished: bool,
    pending_error: Option<EvalError>,
}

impl<'a, I: Iterator<Item = Event>> Stream<'a, I> {
    /// Stream `run` over `events`; when the head generates its own rows `events` is not
    /// touched.
    pub(crate) fn new(run: Run<'a>, events: I) -> Self {
        Stream {
            events: run.reads_index.then_some(events),
            run,
            ready: VecDeque::new(),
            buffer: Vec::new(),
            finished: false,
            pending_error: None,
        }
    }

    fn failed(ingestor: &'a Ingestor, error: EvalError) -> Self {
        Stream {
            run: Run::new(ingestor, Vec::new(), Vec::new(), false),
            events: None,
            ready: VecDeque::new(),
            buffer: Vec::new(),
            finished: true,
            pending_error: Some(error),
        }
    }

    fn step(&mut self) -> Result<(), EvalError> {
        let result = match self.events.as_mut().map(Iterator::next) {
            Some(Some(event)) => self.run.push(event, &mut self.buffer),
            _ => {
                self.events = None;
                self.finished = true;
                self.run.finish(&mut self.buffer)
            }
        };
        self.ready.extend(self.buffer.drain(..));
        result
    }
}

impl<I: Iterator<Item = Event>> Iterator for Stream<'_, I> {
    type Item = Result<Row, EvalError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.ready.pop_front() {
                return Some(Ok(row));
            }
            if let Some(e) = self.pending_error.take() {
                return Some(Err(e));
            }
            if self.finished {
                return None;
            }
            if let Err(e) = self.step() {
                // Stop at the first error: rows of the failing step are dropped, the
                // error is what the caller sees next.
                self.finished = true;
                self.ready.clear();
                return Some(Err(e));
            }
        }
    }
}

/// Render a runtime error against the search text its spans point into (the expanded
/// text, `Parsed::expanded.text`), like a parse error: the line, a caret under the span.
pub fn render_error(error: &EvalError, source: &str) -> String {
    match error.span {
        Some(span) => minispl_parser::diagnostic::render(source, span, &error.message, &[]),
        None => format!("error: {}", error.message),
    }
}

/// Render a runtime error of a parsed search: against the expanded text, and when the
/// span came from inside a macro, a note quoting what the user wrote there.
pub fn render_error_in(error: &EvalError, parsed: &minispl_parser::Parsed) -> String {
    let expanded = &parsed.expanded;
    let Some(span) = error.span else {
        return render_error(error, &expanded.text);
    };
    let mut notes = Vec::new();
    if expanded.text != expanded.original {
        let origin = expanded.origin(span);
        if let Some(written) = expanded.original.get(origin.start..origin.end) {
            if expanded.text.get(span.start..span.end) != Some(written) {
                notes.push(format!("expanded from `{written}`"));
            }
        }
    }
    minispl_parser::diagnostic::render(&expanded.text, span, &error.message, &notes)
}

#[cfg(test)]
mod tests;
