//! A search's per-event work on the reader's worker threads, a run of consecutive events
//! at a time (issue 6), and partial aggregation: when the search is
//! `<per-event commands> | stats ...`, each worker also runs those commands and adds the
//! rows to a `stats` table of its own, and the run merges the tables in input order, so
//! neither the rows nor the per-row hash-table work reach the thread that runs the
//! pipeline (the way DuckDB aggregates on every thread).

use super::{build_operators, push_through, Program, Run};
use crate::commands::stats::StatsOp;
use crate::commands::Operator;
use crate::error::EvalError;
use crate::ingest::{Event, RawRecord};
use crate::plan::Kind;
use crate::reader::Fold;
use crate::row::Row;
use crate::stats::group::Groups;
use minispl_parser::ast::{Command, Span};

/// What the events of a run became on a worker; give the batches, in input order, to
/// [`Run::push_batch`] or [`Program::run_batches`].
#[derive(Debug)]
pub struct Batch {
    prepared: Prepared,
    /// The first error met in the run (ingestion, a command before `stats`, an
    /// aggregation's `eval`): the run's later events were not looked at, as one thread
    /// stops at the first error.
    error: Option<EvalError>,
}

#[derive(Debug)]
enum Prepared {
    /// Rows for the pipeline's first command ([`Program::prepare`]).
    Rows(Vec<Row>),
    /// The `stats` command at this index, with the partial table of the run's rows.
    Table(usize, Groups),
}

/// The [`Fold`] the reader runs on its workers for a search ([`Program::batches`]).
pub struct Batches<'p> {
    program: &'p Program,
    /// The `stats` command the workers aggregate for, if the search allows it.
    stats_at: Option<usize>,
}

/// A worker's own copy of the commands up to `stats` (operators hold per-run state).
pub struct Worker {
    operators: Vec<Box<dyn Operator>>,
    spans: Vec<Span>,
    /// Row buffers reused from row to row (no allocation per row).
    rows: Vec<Row>,
    spare: Vec<Row>,
    /// The last row `stats` took, emptied: the next record is ingested into it, so its
    /// field map's allocation serves record after record (issue 6).
    free: Option<Row>,
}

impl Program {
    /// The reader's per-run work for this search (see [`Batches`]).
    pub fn batches(&self) -> Batches<'_> {
        Batches {
            program: self,
            stats_at: self.partial_stats_at(),
        }
    }

    /// The index of the `stats` command whose rows the workers may aggregate: the first
    /// command that is `stats`, when every command before it handles one row at a time
    /// and keeps nothing from row to row (so a worker's copy sees what the run's would),
    /// and the `parallel` optimisation is on. `eventstats`/`streamstats`, `head`,
    /// `dedup`... before it rule it out.
    fn partial_stats_at(&self) -> Option<usize> {
        if !self.ctx.optimizations.parallel || !self.plan.reads_index {
            return None;
        }
        let commands = &self.pipeline.commands;
        let at = commands
            .iter()
            .position(|c| matches!(c, Command::Stats(_)))?;
        if self.plan.commands.len() != commands.len() {
            return None;
        }
        let per_event = commands[..at]
            .iter()
            .zip(&self.plan.commands)
            .all(|(c, p)| p.kind == Kind::Streaming && keeps_no_state(c));
        per_event.then_some(at)
    }

    /// [`Program::prepare`] of a raw record borrowed from the reader's block (issue 6),
    /// ingested into `row` (empty) if given.
    pub fn prepare_record(
        &self,
        record: RawRecord<'_>,
        row: Option<Row>,
    ) -> Option<Result<Row, EvalError>> {
        if !self.plan.reads_index || !self.may_match_text(record.text) {
            return None;
        }
        Some(self.ingestor.ingest_record(record, row))
    }

    /// Run over batches made by [`Program::batches`], in input order: the same rows and
    /// the same first error as [`Program::run`] over the events themselves.
    pub fn run_batches<I>(&self, batches: I) -> Result<Vec<Row>, EvalError>
    where
        I: IntoIterator<Item = Batch>,
    {
        let mut run = self.start()?;
        let mut out = Vec::new();
        for batch in batches {
            run.push_batch(batch, &mut out)?;
        }
        run.finish(&mut out)?;
        Ok(out)
    }
}

/// Commands that look at one row at a time and keep nothing between rows.
fn keeps_no_state(command: &Command) -> bool {
    matches!(
        command,
        Command::Search(_)
            | Command::Where(_)
            | Command::Eval(_)
            | Command::Rename(_)
            | Command::Spath(_)
            | Command::Convert(_)
            | Command::Fields(_)
            | Command::Rex(_)
            | Command::Regex(_)
            | Command::Makemv(_)
            | Command::Nomv(_)
            | Command::Mvexpand(_)
            | Command::Fillnull(_)
            | Command::Lookup(_)
    )
}

fn stats_op(operators: &[Box<dyn Operator>], at: usize) -> Option<&StatsOp> {
    let op: &dyn std::any::Any = operators.get(at)?.as_ref();
    op.downcast_ref::<StatsOp>()
}

impl Fold for Batches<'_> {
    /// `None` without partial aggregation.
    type Local = Option<Worker>;
    type Acc = Batch;

    fn local(&self) -> Option<Worker> {
        self.stats_at?;
        let program = self.program;
        // Compiled once already, so this does not fail; if it did, the worker would
        // hand on rows instead, which is only slower.
        let operators = build_operators(&program.pipeline, &program.ctx, &program.plan).ok()?;
        let spans = program.pipeline.commands.iter().map(|c| c.span()).collect();
        Some(Worker {
            operators,
            spans,
            rows: Vec::new(),
            spare: Vec::new(),
            free: None,
        })
    }

    fn add(&self, local: &mut Option<Worker>, acc: &mut Option<Batch>, event: Event) {
        self.add_prepared(local, acc, |_| self.program.prepare(event));
    }

    fn add_raw(&self, local: &mut Option<Worker>, acc: &mut Option<Batch>, raw: RawRecord<'_>) {
        self.add_prepared(local, acc, |free| self.program.prepare_record(raw, free));
    }
}

impl Batches<'_> {
    /// Add to the run what `prepare` makes of an event, given the worker's free row to
    /// build it in if there is one.
    fn add_prepared(
        &self,
        local: &mut Option<Worker>,
        acc: &mut Option<Batch>,
        prepare: impl FnOnce(Option<Row>) -> Option<Result<Row, EvalError>>,
    ) {
        let batch = acc.get_or_insert_with(|| Batch {
            prepared: self.start(local.as_ref()),
            error: None,
        });
        if batch.error.is_some() {
            return;
        }
        let free = local.as_mut().and_then(|w| w.free.take());
        let result = match prepare(free) {
            None => Ok(()),
            Some(Err(e)) => Err(e),
            Some(Ok(row)) => match (&mut batch.prepared, local.as_mut()) {
                (Prepared::Rows(rows), _) => {
                    rows.push(row);
                    Ok(())
                }
                (Prepared::Table(at, table), Some(worker)) => worker.aggregate(*at, row, table),
                (Prepared::Table(..), None) => Err(EvalError::new("internal: no worker")),
            },
        };
        if let Err(e) = result {
            batch.error = Some(e);
        }
    }

    /// Do the workers aggregate (partial `stats` tables) rather than hand on rows?
    pub fn aggregates(&self) -> bool {
        self.stats_at.is_some()
    }

    /// What a new run collects: a partial table when this worker can aggregate.
    fn start(&self, worker: Option<&Worker>) -> Prepared {
        let table = self.stats_at.zip(worker).and_then(|(at, w)| {
            let table = stats_op(&w.operators, at)?.partial()?;
            Some(Prepared::Table(at, table))
        });
        table.unwrap_or_else(|| Prepared::Rows(Vec::new()))
    }
}

impl Worker {
    /// Push `row` through the commands before `stats` and add what comes out to `table`.
    fn aggregate(&mut self, at: usize, row: Row, table: &mut Groups) -> Result<(), EvalError> {
        // Left over if the previous row failed.
        self.rows.clear();
        self.rows.push(row);
        let (ops, spans) = (&mut self.operators[..at], &self.spans[..at]);
        push_through(ops, spans, &mut self.rows, &mut self.spare)?;
        if let Some(stats) = stats_op(&self.operators, at) {
            for row in &self.rows {
                stats
                    .add_partial(table, row)
                    .map_err(|e| e.or_at(self.spans[at]))?;
            }
        }
        // `stats` keeps nothing of a row: empty the last one for the next record
        // (`retain` keeps the map's capacity) and drop the others.
        if let Some(mut row) = self.rows.pop() {
            row.retain(|_, _| false);
            self.free = Some(row);
        }
        self.rows.clear();
        Ok(())
    }
}

impl Run<'_> {
    /// A batch from [`Program::batches`] (the next in input order): its rows go through
    /// the pipeline, or its partial table is merged into the `stats` command, then its
    /// error, if any, ends the run.
    pub fn push_batch(&mut self, batch: Batch, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if self.done || !self.reads_index {
            return Ok(());
        }
        let result = match batch.prepared {
            Prepared::Rows(rows) => self.feed(0, rows, out),
            Prepared::Table(at, table) => self.merge_table(at, table),
        }
        .and_then(|()| batch.error.map_or(Ok(()), Err));
        self.done = result.is_err();
        result
    }

    fn merge_table(&mut self, at: usize, table: Groups) -> Result<(), EvalError> {
        let span = self.spans.get(at).copied();
        let op: Option<&mut dyn std::any::Any> = self.operators.get_mut(at).map(|op| {
            let op: &mut dyn std::any::Any = op.as_mut();
            op
        });
        match op.and_then(|op| op.downcast_mut::<StatsOp>()) {
            Some(stats) => stats.merge(table).map_err(|e| match span {
                Some(span) => e.or_at(span),
                None => e,
            }),
            None => Err(EvalError::new("internal: no stats command to merge into")),
        }
    }
}
