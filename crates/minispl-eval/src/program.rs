//! A compiled search: the logical plan plus the operators, run over events.
//!
//! Execution model (SEMANTICS preamble): each command receives the ordered result list of
//! the previous one. Rows are pushed one at a time through the operator chain, so
//! streaming commands never buffer; transforming commands (stats, sort, ...) hold their
//! own state and emit from `finish` at the end of input.

use crate::commands::{self, Operator};
use crate::datamodel::DataModel;
use crate::env::Env;
use crate::error::EvalError;
use crate::ingest::{Event, Ingestor};
use crate::lookup::Lookups;
use crate::plan::Plan;
use crate::profile::Profile;
use crate::row::Row;
use minispl_parser::ast::{Pipeline, Span};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Everything a search can refer to besides its input events.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub env: Env,
    /// Sourcetype profiles, looked up by the event's sourcetype.
    pub profiles: Vec<Arc<Profile>>,
    pub lookups: Lookups,
    pub datamodels: Vec<Arc<DataModel>>,
}

/// A pipeline compiled against a context.
pub struct Program {
    pipeline: Pipeline,
    ctx: Arc<Context>,
    plan: Plan,
    ingestor: Ingestor,
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
        let operators = build_operators(pipeline, &ctx)?;
        let ingestor = Ingestor::new(&ctx, &plan)?;
        Ok(Program {
            pipeline: pipeline.clone(),
            ctx,
            plan,
            ingestor,
            prepared: Mutex::new(Some(operators)),
        })
    }

    /// The logical plan (printable).
    pub fn plan(&self) -> &Plan {
        &self.plan
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
        let prepared = self.prepared.lock().ok().and_then(|mut p| p.take());
        let operators = match prepared {
            Some(ops) => Ok(ops),
            None => build_operators(&self.pipeline, &self.ctx),
        };
        let spans = self.pipeline.commands.iter().map(|c| c.span()).collect();
        match operators {
            Ok(ops) => Stream::new(
                &self.ingestor,
                ops,
                spans,
                self.plan.reads_index,
                events.into_iter(),
            ),
            Err(e) => Stream::failed(&self.ingestor, e),
        }
    }
}

fn build_operators(
    pipeline: &Pipeline,
    ctx: &Arc<Context>,
) -> Result<Vec<Box<dyn Operator>>, EvalError> {
    pipeline
        .commands
        .iter()
        .map(|c| commands::compile(c, ctx).map_err(|e| e.or_at(c.span())))
        .collect()
}

/// The lazy result stream of [`Program::stream`].
pub struct Stream<'a, I> {
    ingestor: &'a Ingestor,
    /// `None` once exhausted, or from the start when the head generates its own rows.
    events: Option<I>,
    operators: Vec<Box<dyn Operator>>,
    spans: Vec<Span>,
    ready: VecDeque<Row>,
    finished: bool,
    pending_error: Option<EvalError>,
}

impl<'a, I: Iterator<Item = Event>> Stream<'a, I> {
    /// Run `operators` (one per command, `spans` theirs) over `events`; with
    /// `reads_index` false the head generates its own rows and `events` is not touched.
    pub(crate) fn new(
        ingestor: &'a Ingestor,
        operators: Vec<Box<dyn Operator>>,
        spans: Vec<Span>,
        reads_index: bool,
        events: I,
    ) -> Self {
        Stream {
            ingestor,
            events: reads_index.then_some(events),
            operators,
            spans,
            ready: VecDeque::new(),
            finished: false,
            pending_error: None,
        }
    }

    fn failed(ingestor: &'a Ingestor, error: EvalError) -> Self {
        Stream {
            ingestor,
            events: None,
            operators: Vec::new(),
            spans: Vec::new(),
            ready: VecDeque::new(),
            finished: true,
            pending_error: Some(error),
        }
    }

    /// Push `rows` into operator `start` and on through the rest of the chain; whatever
    /// leaves the last operator is ready to yield.
    fn feed(&mut self, start: usize, mut rows: Vec<Row>) -> Result<(), EvalError> {
        for (op, span) in self.operators[start..].iter_mut().zip(&self.spans[start..]) {
            if rows.is_empty() {
                return Ok(());
            }
            let mut next = Vec::with_capacity(rows.len());
            for row in rows {
                op.push(row, &mut next).map_err(|e| e.or_at(*span))?;
            }
            rows = next;
        }
        self.ready.extend(rows);
        Ok(())
    }

    /// End of input: each operator in turn flushes, its output going through the rest.
    fn finish_all(&mut self) -> Result<(), EvalError> {
        for i in 0..self.operators.len() {
            let mut out = Vec::new();
            self.operators[i]
                .finish(&mut out)
                .map_err(|e| e.or_at(self.spans[i]))?;
            self.feed(i + 1, out)?;
        }
        Ok(())
    }

    fn step(&mut self) -> Result<(), EvalError> {
        match self.events.as_mut().map(Iterator::next) {
            Some(Some(event)) => {
                let row = self.ingestor.ingest(event)?;
                self.feed(0, vec![row])
            }
            _ => {
                self.events = None;
                self.finished = true;
                self.finish_all()
            }
        }
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
                // Stop at the first error: rows already produced are dropped, the
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
