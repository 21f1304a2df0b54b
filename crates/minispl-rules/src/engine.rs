//! The engine: macros, profiles, data models and lookups, and compiling/running searches
//! and detections against them.

use crate::conf::ConfError;
use crate::datamodels::{load_datamodel, CLOUD_INFRASTRUCTURE};
use crate::detection::Detection;
use crate::lookups::{builtin_lookups, load_lookup_dir};
use crate::macros::{builtin_macros, load_macros_path, with_filter_macro};
use crate::props::{load_profiles, AWS_CLOUDTRAIL};
use crate::risk::{risk_events, RiskEvent};
use minispl_eval::datamodel::DataModel;
use minispl_eval::ingest::Ingestor;
use minispl_eval::prefilter::Scratch;
use minispl_eval::profile::Profile;
use minispl_eval::reader::RecordFilter;
use minispl_eval::{Context, Env, EvalError, Event, Optimizations, Program, RawRecord, Row};
use minispl_parser::diagnostic::render;
use minispl_parser::{expand_macros, parse_expanded, MacroDef, MacroTable, Macros};
use std::path::Path;
use std::sync::Arc;

/// An error from loading rules data or compiling/running a search; `rendered` is a
/// compiler-style diagnostic with a caret when the error has a span.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesError {
    pub message: String,
    pub rendered: Option<String>,
}

impl RulesError {
    /// An error without a source location to show.
    pub fn msg(message: impl Into<String>) -> Self {
        RulesError {
            message: message.into(),
            rendered: None,
        }
    }
}

impl std::fmt::Display for RulesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.rendered.as_deref().unwrap_or(&self.message))
    }
}

impl std::error::Error for RulesError {}

impl From<ConfError> for RulesError {
    fn from(e: ConfError) -> Self {
        RulesError::msg(e.to_string())
    }
}

/// The shipped detections: (file name, YAML).
const BUILTIN_DETECTIONS: &[(&str, &str)] = &[
    (
        "aws_ecr_container_upload_unknown_user.yml",
        include_str!("../detections/aws_ecr_container_upload_unknown_user.yml"),
    ),
    (
        "aws_ecr_container_upload_outside_business_hours.yml",
        include_str!("../detections/aws_ecr_container_upload_outside_business_hours.yml"),
    ),
    (
        "aws_ecr_container_scanning_findings_high.yml",
        include_str!("../detections/aws_ecr_container_scanning_findings_high.yml"),
    ),
    (
        "new_container_uploaded_to_aws_ecr.yml",
        include_str!("../detections/new_container_uploaded_to_aws_ecr.yml"),
    ),
];

/// Built-in and user-supplied knowledge objects.
#[derive(Debug)]
pub struct Engine {
    macros: Macros,
    context: Arc<Context>,
}

/// A search compiled against an engine.
#[derive(Debug)]
pub struct CompiledSearch {
    program: Program,
    expanded: String,
    /// The engine's `parallel` optimisation when compiled.
    parallel: bool,
}

/// What a detection run produced.
#[derive(Debug, Clone, Default)]
pub struct DetectionOutput {
    pub rows: Vec<Row>,
    pub risk_events: Vec<RiskEvent>,
}

/// Render an evaluator error against the expanded search its span points into.
fn eval_error(e: EvalError, expanded: &str) -> RulesError {
    let rendered = e.span.map(|span| render(expanded, span, &e.message, &[]));
    RulesError {
        message: e.message,
        rendered,
    }
}

impl Engine {
    /// An engine with no macros, profiles, data models or lookups.
    pub fn empty() -> Engine {
        Engine {
            macros: Macros::new(),
            context: Arc::new(Context::default()),
        }
    }

    /// Built-in macros, the `aws:cloudtrail` profile, the `Cloud_Infrastructure` data
    /// model and built-in lookups.
    pub fn builtin() -> Result<Engine, RulesError> {
        let mut engine = Engine::empty();
        engine.macros = builtin_macros()?;
        let ctx = Arc::make_mut(&mut engine.context);
        ctx.lookups = builtin_lookups()?;
        ctx.profiles = load_profiles(AWS_CLOUDTRAIL, "built-in profiles/aws_cloudtrail.conf")?
            .into_iter()
            .map(Arc::new)
            .collect();
        ctx.datamodels = vec![Arc::new(load_datamodel(
            CLOUD_INFRASTRUCTURE,
            "built-in datamodels/Cloud_Infrastructure.conf",
        )?)];
        Ok(engine)
    }

    /// Switch performance mechanisms on or off (issue 6); results must not change.
    pub fn set_optimizations(&mut self, optimizations: Optimizations) {
        Arc::make_mut(&mut self.context).optimizations = optimizations;
    }

    /// Replace the run environment (time zone, `now`).
    pub fn set_env(&mut self, env: Env) {
        Arc::make_mut(&mut self.context).env = env;
    }

    /// Replace the caps on aggregating commands, subsearches and `mvexpand`
    /// (docs/LIMITS.md), e.g. from the CLI's `--max-groups`.
    pub fn set_limits(&mut self, limits: minispl_eval::stats::Limits) {
        Arc::make_mut(&mut self.context).limits = limits;
    }

    pub fn env(&self) -> &Env {
        &self.context.env
    }

    /// What searches compile against.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// Add or override macros from a `macros.conf` file or a directory of macro YAML.
    pub fn add_macros(&mut self, path: &Path) -> Result<usize, RulesError> {
        let defs = load_macros_path(path)?;
        let n = defs.len();
        for d in defs {
            self.macros.insert(d);
        }
        Ok(n)
    }

    /// Add or override one macro.
    pub fn add_macro(&mut self, def: MacroDef) {
        self.macros.insert(def);
    }

    /// Add CSV lookup tables from a directory (by file name).
    pub fn add_lookups(&mut self, dir: &Path) -> Result<usize, RulesError> {
        load_lookup_dir(&mut Arc::make_mut(&mut self.context).lookups, dir)
    }

    /// Add profiles from a props-like file; a profile for a sourcetype that already has
    /// one replaces it (so users can override `aws:cloudtrail`).
    pub fn add_profiles(&mut self, path: &Path) -> Result<usize, RulesError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| RulesError::msg(format!("{}: {e}", path.display())))?;
        let profiles = load_profiles(&text, &path.display().to_string())?;
        let n = profiles.len();
        for p in profiles {
            self.set_profile(p);
        }
        Ok(n)
    }

    /// Add or replace the profile for `profile.sourcetype`.
    pub fn set_profile(&mut self, profile: Profile) {
        let ctx = Arc::make_mut(&mut self.context);
        ctx.profiles.retain(|p| p.sourcetype != profile.sourcetype);
        ctx.profiles.push(Arc::new(profile));
    }

    /// Drop the profile of a sourcetype (as Splunk without the add-on); true if there
    /// was one.
    pub fn remove_profile(&mut self, sourcetype: &str) -> bool {
        let ctx = Arc::make_mut(&mut self.context);
        let before = ctx.profiles.len();
        ctx.profiles.retain(|p| p.sourcetype != sourcetype);
        ctx.profiles.len() != before
    }

    /// Add data models from a definition file or a directory of `*.conf` files; a model
    /// with an existing name replaces it.
    pub fn add_datamodels(&mut self, path: &Path) -> Result<usize, RulesError> {
        let mut files = Vec::new();
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| RulesError::msg(format!("{}: {e}", path.display())))?;
            for entry in entries {
                let p = entry
                    .map_err(|e| RulesError::msg(format!("{}: {e}", path.display())))?
                    .path();
                if p.extension().and_then(|e| e.to_str()) == Some("conf") {
                    files.push(p);
                }
            }
            files.sort();
        } else {
            files.push(path.to_path_buf());
        }
        for f in &files {
            let text = std::fs::read_to_string(f)
                .map_err(|e| RulesError::msg(format!("{}: {e}", f.display())))?;
            let model = load_datamodel(&text, &f.display().to_string())?;
            self.set_datamodel(model);
        }
        Ok(files.len())
    }

    /// Add or replace a data model by name.
    pub fn set_datamodel(&mut self, model: DataModel) {
        let ctx = Arc::make_mut(&mut self.context);
        ctx.datamodels.retain(|m| m.name != model.name);
        ctx.datamodels.push(Arc::new(model));
    }

    pub fn macros(&self) -> &Macros {
        &self.macros
    }

    /// The detections shipped with minispl.
    pub fn builtin_detections() -> Vec<Detection> {
        BUILTIN_DETECTIONS
            .iter()
            .map(|(file, text)| {
                // The shipped YAML is part of the crate and every file is loaded by the
                // `builtin_detections_load` test, so this cannot fail at run time.
                Detection::from_yaml_str(text, &format!("built-in detections/{file}"))
                    .expect("shipped detection YAML is valid")
            })
            .collect()
    }

    /// Expand, parse and compile an ad-hoc search.
    pub fn compile(&self, spl: &str) -> Result<CompiledSearch, RulesError> {
        self.compile_with(spl, &self.macros)
    }

    fn compile_with(
        &self,
        spl: &str,
        macros: &dyn MacroTable,
    ) -> Result<CompiledSearch, RulesError> {
        // Macro errors point into the text as written; parse errors into the expanded
        // text (R2.2: expansion happens before parsing).
        let expanded = expand_macros(spl, macros).map_err(|e| RulesError {
            rendered: Some(render(spl, e.span, &e.message, &[])),
            message: e.message,
        })?;
        let pipeline = parse_expanded(&expanded).map_err(|e| {
            let notes = if expanded.text != spl {
                vec![format!("in the macro-expanded search: {}", expanded.text)]
            } else {
                Vec::new()
            };
            RulesError {
                rendered: Some(render(&expanded.text, e.span, &e.message, &notes)),
                message: e.message,
            }
        })?;
        let program = Program::compile(&pipeline, Arc::clone(&self.context))
            .map_err(|e| eval_error(e, &expanded.text))?;
        Ok(CompiledSearch {
            program,
            expanded: expanded.text,
            parallel: self.context.optimizations.parallel,
        })
    }

    /// Compile a detection's search, generating its filter macro as `search *` when it
    /// is not defined (as the upstream build does).
    pub fn compile_detection(&self, detection: &Detection) -> Result<CompiledSearch, RulesError> {
        let macros = with_filter_macro(&self.macros, detection);
        self.compile_with(&detection.search, &macros)
            .map_err(|mut e| {
                e.message = format!("detection `{}`: {}", detection.name, e.message);
                e
            })
    }

    /// Compile a search in the context of `detection` (its filter macro available), e.g.
    /// a rendered drilldown, which embeds the detection's search.
    pub fn compile_drilldown(
        &self,
        detection: &Detection,
        search: &str,
    ) -> Result<CompiledSearch, RulesError> {
        let macros = with_filter_macro(&self.macros, detection);
        self.compile_with(search, &macros)
    }

    /// Run a detection; risk events for every result row.
    pub fn run_detection<I: IntoIterator<Item = Event>>(
        &self,
        detection: &Detection,
        events: I,
    ) -> Result<DetectionOutput, RulesError> {
        let search = self.compile_detection(detection)?;
        let rows = search.run(events)?;
        let risk_events = risk_events(detection, &rows);
        Ok(DetectionOutput { rows, risk_events })
    }
}

impl Engine {
    /// The reader-side filter for running `detections` together (issue 6): raw records
    /// none of them can match are dropped by the reader before an event is built. `None`
    /// when one of them may match anything (or the prefilter is switched off).
    pub fn record_filter(
        &self,
        detections: &[Detection],
    ) -> Result<Option<RecordFilter>, RulesError> {
        Ok(record_filter(&self.compile_detections(detections)?))
    }

    /// Every detection's search compiled ([`Engine::compile_detection`]), in order: the
    /// first that fails is the error. Compile once, then build the reader's filter
    /// ([`record_filter`]) and run ([`Engine::run_compiled`]) from the same searches.
    pub fn compile_detections(
        &self,
        detections: &[Detection],
    ) -> Result<Vec<CompiledSearch>, RulesError> {
        detections
            .iter()
            .map(|d| self.compile_detection(d))
            .collect()
    }

    /// Run several detections over the same events, results in the order of
    /// `detections`.
    ///
    /// With `multi_detection` on (the default) this is one pass (issue 6 §3): each event
    /// is read once, tested against every detection's prefilter, ingested once (JSON
    /// extraction and the profile, for the union of the fields the detections need) if
    /// any detection may match it, and pushed into each of those detections' pipelines.
    /// Events stream: nothing is kept but the pipelines' own state. Off, the events are
    /// collected and each detection runs alone over them (the reference behaviour).
    ///
    /// Errors: as running the detections one after the other, the error of the first
    /// detection (in `detections` order) that failed. One difference is possible: a
    /// profile rule only another detection needs fails on an event this detection also
    /// receives (shared ingestion); both then report it.
    pub fn run_detections<I: IntoIterator<Item = Event>>(
        &self,
        detections: &[Detection],
        events: I,
    ) -> Result<Vec<DetectionOutput>, RulesError> {
        let searches = self.compile_detections(detections)?;
        self.run_compiled(detections, &searches, events)
    }

    /// [`Engine::run_detections`] with the searches already compiled
    /// ([`Engine::compile_detections`]; `searches[i]` is `detections[i]`'s).
    ///
    /// # Panics
    /// If the two slices differ in length.
    pub fn run_compiled<I: IntoIterator<Item = Event>>(
        &self,
        detections: &[Detection],
        searches: &[CompiledSearch],
        events: I,
    ) -> Result<Vec<DetectionOutput>, RulesError> {
        assert_eq!(
            detections.len(),
            searches.len(),
            "one compiled search per detection"
        );
        if !self.context.optimizations.multi_detection {
            let events: Vec<Event> = events.into_iter().collect();
            return detections
                .iter()
                .zip(searches)
                .map(|(d, s)| {
                    let rows = s.run(events.iter().cloned())?;
                    let risk_events = risk_events(d, &rows);
                    Ok(DetectionOutput { rows, risk_events })
                })
                .collect();
        }
        let pass = OnePass::new(&self.context, detections, searches)?;
        let mut runs = pass.start()?;
        let mut scratch = Scratch::default();
        for event in events {
            if let Some(prepared) = pass.prepare(event, &mut scratch) {
                runs.push(prepared);
            }
        }
        runs.finish()
    }

    /// Several compiled detections in one pass, for callers that do the per-event part
    /// on other threads (issue 6: the reader's workers, as `Program::prepare` for one
    /// search). [`Engine::run_compiled`] is this on one thread.
    pub fn one_pass<'a>(
        &'a self,
        detections: &'a [Detection],
        searches: &'a [CompiledSearch],
    ) -> Result<OnePass<'a>, RulesError> {
        OnePass::new(&self.context, detections, searches)
    }
}

/// Detections run together over one stream of events (issue 6 §3): each event is tested
/// against every detection's prefilter and, if any may match it, ingested once (JSON
/// extraction and the profile, for the union of the fields they need) for those that
/// take it. [`OnePass::prepare`] is that per-event part and may run on any thread, in
/// any order; [`PassRuns::push`] hands its results, in input order, to the detections'
/// pipelines. It is also a [`reader::Fold`](minispl_eval::reader::Fold), so the reader's
/// workers can prepare the events of the blocks they check.
pub struct OnePass<'a> {
    detections: &'a [Detection],
    searches: &'a [CompiledSearch],
    ingestor: Ingestor,
}

/// What [`OnePass::prepare`] made of one event: the detections that take it and the
/// ingested row (or the ingestion error).
pub struct Prepared {
    takers: smallvec::SmallVec<[usize; 4]>,
    row: Result<Row, EvalError>,
}

/// The detections' pipelines of a [`OnePass`], fed in input order.
pub struct PassRuns<'a> {
    pass: &'a OnePass<'a>,
    runs: Vec<minispl_eval::program::Run<'a>>,
    rows: Vec<Vec<Row>>,
    errors: Vec<Option<EvalError>>,
}

impl<'a> OnePass<'a> {
    fn new(
        context: &Arc<Context>,
        detections: &'a [Detection],
        searches: &'a [CompiledSearch],
    ) -> Result<OnePass<'a>, RulesError> {
        assert_eq!(
            detections.len(),
            searches.len(),
            "one compiled search per detection"
        );
        let plans: Vec<&minispl_eval::plan::Plan> =
            searches.iter().map(|s| s.program.plan()).collect();
        let ingestor = Ingestor::for_plans(context, &plans)
            .map_err(|e| eval_error(e, searches.first().map_or("", |s| s.expanded.as_str())))?;
        Ok(OnePass {
            detections,
            searches,
            ingestor,
        })
    }

    /// The per-event part: `None` when no detection may match the event (or none reads
    /// events). `scratch` is the calling thread's.
    pub fn prepare(&self, event: Event, scratch: &mut Scratch) -> Option<Prepared> {
        let raw = match &event {
            Event::Raw { raw, .. } => Some(raw.as_str()),
            Event::Fields { .. } => None,
        };
        let takers = self.takers(raw, scratch)?;
        Some(Prepared {
            takers,
            row: self.ingestor.ingest(event),
        })
    }

    /// [`OnePass::prepare`] of a raw record borrowed from the reader's block (issue 6:
    /// no copy of the text unless a detection can see `_raw`, no clone of the metadata).
    pub fn prepare_record(&self, record: RawRecord<'_>, scratch: &mut Scratch) -> Option<Prepared> {
        let takers = self.takers(Some(record.text), scratch)?;
        Some(Prepared {
            takers,
            row: self.ingestor.ingest_record(record, None),
        })
    }

    /// The detections that may match an event whose raw text is `raw` (a field-map
    /// event: every one that reads events), `None` if none.
    fn takers(
        &self,
        raw: Option<&str>,
        scratch: &mut Scratch,
    ) -> Option<smallvec::SmallVec<[usize; 4]>> {
        if let Some(raw) = raw {
            scratch.load(raw);
        }
        let mut takers = smallvec::SmallVec::new();
        for (i, s) in self.searches.iter().enumerate() {
            let program = &s.program;
            if !program.plan().reads_index {
                continue;
            }
            let keep = match raw {
                Some(raw) => program.prefilter().may_match_loaded(raw, scratch),
                None => true,
            };
            if keep {
                takers.push(i);
            }
        }
        (!takers.is_empty()).then_some(takers)
    }

    /// The detections' pipelines, ready for [`PassRuns::push`].
    pub fn start(&'a self) -> Result<PassRuns<'a>, RulesError> {
        let mut runs = Vec::with_capacity(self.searches.len());
        for s in self.searches {
            runs.push(s.program.start().map_err(|e| eval_error(e, &s.expanded))?);
        }
        let n = runs.len();
        Ok(PassRuns {
            pass: self,
            runs,
            rows: vec![Vec::new(); n],
            errors: vec![None; n],
        })
    }
}

impl minispl_eval::reader::Fold for OnePass<'_> {
    type Local = Scratch;
    type Acc = Vec<Prepared>;
    fn local(&self) -> Scratch {
        Scratch::default()
    }
    fn add(&self, scratch: &mut Scratch, acc: &mut Option<Vec<Prepared>>, event: Event) {
        if let Some(prepared) = self.prepare(event, scratch) {
            acc.get_or_insert_with(Vec::new).push(prepared);
        }
    }
    fn add_raw(&self, scratch: &mut Scratch, acc: &mut Option<Vec<Prepared>>, raw: RawRecord<'_>) {
        if let Some(prepared) = self.prepare_record(raw, scratch) {
            acc.get_or_insert_with(Vec::new).push(prepared);
        }
    }
}

impl PassRuns<'_> {
    /// One prepared event, in input order. A detection that has failed takes no more
    /// events; the others go on (errors are reported per detection at the end).
    pub fn push(&mut self, prepared: Prepared) {
        let Prepared { mut takers, row } = prepared;
        takers.retain(|i| self.errors[*i].is_none());
        let Some((&last, rest)) = takers.split_last() else {
            return;
        };
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                for &i in &takers {
                    self.errors[i] = Some(e.clone());
                }
                return;
            }
        };
        // A row is cloned per extra detection only; the last one takes the original.
        for &i in rest {
            if let Err(e) = self.runs[i].push_row(row.clone(), &mut self.rows[i]) {
                self.errors[i] = Some(e);
            }
        }
        if let Err(e) = self.runs[last].push_row(row, &mut self.rows[last]) {
            self.errors[last] = Some(e);
        }
    }

    /// End of input: each detection's rows and risk events, in the order of the
    /// detections; the error of the first detection that failed.
    pub fn finish(self) -> Result<Vec<DetectionOutput>, RulesError> {
        let PassRuns {
            pass,
            runs,
            mut rows,
            mut errors,
        } = self;
        let mut outputs = Vec::with_capacity(runs.len());
        for (i, mut run) in runs.into_iter().enumerate() {
            let mut out = std::mem::take(&mut rows[i]);
            let result = match errors[i].take() {
                Some(e) => Err(e),
                None => run.finish(&mut out),
            };
            result.map_err(|e| eval_error(e, &pass.searches[i].expanded))?;
            let risk_events = risk_events(&pass.detections[i], &out);
            outputs.push(DetectionOutput {
                rows: out,
                risk_events,
            });
        }
        Ok(outputs)
    }
}

/// The reader-side filter for running `searches` together ([`Engine::record_filter`]).
pub fn record_filter(searches: &[CompiledSearch]) -> Option<RecordFilter> {
    RecordFilter::any_of(
        searches
            .iter()
            // A search that does not read events (`| makeresults ...`) needs none.
            .filter(|s| s.program.plan().reads_index)
            .map(|s| s.program.prefilter().clone()),
    )
}

impl CompiledSearch {
    /// The reader-side filter for this search ([`Engine::record_filter`]).
    pub fn record_filter(&self) -> Option<RecordFilter> {
        record_filter(std::slice::from_ref(self))
    }

    /// The compiled program (plan, prefilter).
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The macro-expanded search text.
    pub fn expanded(&self) -> &str {
        &self.expanded
    }

    /// As [`CompiledSearch::run`], with `workers` threads doing the per-event work in
    /// chunks (issue 6): identical results, input order kept
    /// ([`Program::run_parallel`]). Without the `parallel` optimisation, `run`.
    pub fn run_parallel<I: IntoIterator<Item = Event>>(
        &self,
        events: I,
        workers: usize,
    ) -> Result<Vec<Row>, RulesError> {
        let workers = if self.parallel { workers } else { 0 };
        self.program
            .run_parallel(events, workers)
            .map_err(|e| eval_error(e, &self.expanded))
    }

    /// An evaluation error of this search (from a [`Program`] run the caller drives,
    /// such as one fed [`minispl_eval::program::Batch`]es), rendered against its text.
    pub fn eval_error(&self, e: EvalError) -> RulesError {
        eval_error(e, &self.expanded)
    }

    /// As [`CompiledSearch::run`] over events already prepared by
    /// [`Program::prepare`] (on the reader's worker threads, issue 6).
    pub fn run_prepared<I>(&self, prepared: I) -> Result<Vec<Row>, RulesError>
    where
        I: IntoIterator<Item = Option<Result<Row, EvalError>>>,
    {
        self.program
            .run_prepared(prepared)
            .map_err(|e| eval_error(e, &self.expanded))
    }

    pub fn run<I: IntoIterator<Item = Event>>(&self, events: I) -> Result<Vec<Row>, RulesError> {
        self.program
            .run(events)
            .map_err(|e| eval_error(e, &self.expanded))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_detections_load() {
        let dets = Engine::builtin_detections();
        let names: Vec<&str> = dets.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "AWS ECR Container Upload Unknown User",
                "AWS ECR Container Upload Outside Business Hours",
                "AWS ECR Container Scanning Findings High",
                "New container uploaded to AWS ECR",
            ]
        );
        // Versions of the seeds (issue 4).
        assert_eq!(dets[0].version.as_deref(), Some("10"));
        assert_eq!(dets[1].version.as_deref(), Some("12"));
        assert_eq!(dets[2].version.as_deref(), Some("11"));
        // Layouts: rba, intermediate_findings, rba, tags-era.
        assert_eq!(dets[0].risk_objects[0].score, 20);
        assert_eq!(
            dets[1].risk_message.as_deref(),
            Some("Container uploaded outside business hours from $user$")
        );
        assert_eq!(dets[1].threat_objects[0].field, "src");
        assert_eq!(dets[1].analytic_stories, vec!["Dev Sec Ops"]);
        assert_eq!(dets[2].risk_objects[0].score, 50);
        assert!(dets[2].threat_objects.is_empty());
        assert_eq!(dets[3].mitre_attack_ids, vec!["T1525"]);
        assert_eq!(dets[3].kind.as_deref(), Some("Hunting"));
        // Every shipped detection has a test whose data file is in corpus/, and ends
        // with the filter macro the engine generates for it.
        for d in &dets {
            assert!(
                d.search.contains(&format!("`{}`", d.filter_macro_name())),
                "{}",
                d.name
            );
            assert!(!d.tests.is_empty(), "{} has no tests", d.name);
            for t in &d.tests {
                for ad in &t.attack_data {
                    let file = ad.data.rsplit('/').next().unwrap_or_default();
                    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                        .join("../../corpus")
                        .join(file);
                    assert!(path.is_file(), "{}: {} missing", d.name, path.display());
                }
            }
        }
    }

    #[test]
    fn engine_overrides_without_the_parser() {
        let mut e = Engine::empty();
        e.add_macro(MacroDef {
            name: "cloudtrail".into(),
            args: vec![],
            definition: "index=aws".into(),
        });
        assert_eq!(
            e.macros().lookup("cloudtrail", 0).unwrap().definition,
            "index=aws"
        );
        e.set_profile(Profile {
            sourcetype: "aws:cloudtrail".into(),
            ..Profile::default()
        });
        e.set_profile(Profile {
            sourcetype: "aws:cloudtrail".into(),
            kv_mode_json: true,
            ..Profile::default()
        });
        assert_eq!(e.context().profiles.len(), 1);
        assert!(e.context().profiles[0].kv_mode_json);
        assert!(e.remove_profile("aws:cloudtrail"));
        assert!(!e.remove_profile("aws:cloudtrail"));
        e.set_datamodel(DataModel {
            name: "M".into(),
            datasets: vec![],
        });
        e.set_datamodel(DataModel {
            name: "M".into(),
            datasets: vec![],
        });
        assert_eq!(e.context().datamodels.len(), 1);
        e.set_env(Env {
            now: 42.0,
            ..Env::default()
        });
        assert_eq!(e.env().now, 42.0);
    }

    #[test]
    fn missing_files_are_errors_naming_the_path() {
        let mut e = Engine::empty();
        let p = Path::new("/nonexistent/minispl/macros.conf");
        let err = e.add_macros(p).unwrap_err();
        assert!(err.message.contains("/nonexistent/minispl/macros.conf"));
        assert!(e.add_lookups(Path::new("/nonexistent/dir")).is_err());
        assert!(e.add_profiles(Path::new("/nonexistent/p.conf")).is_err());
    }

    /// Needs the parser and evaluator: passes after the merge.
    #[test]
    fn builtin_engine_compiles_every_shipped_detection() {
        let engine = Engine::builtin().unwrap();
        for d in Engine::builtin_detections() {
            let c = engine.compile_detection(&d).unwrap();
            assert!(!c.expanded().contains('`'), "{}", c.expanded());
        }
    }

    /// Needs the parser: passes after the merge.
    #[test]
    fn parse_errors_are_rendered_with_a_caret() {
        let engine = Engine::builtin().unwrap();
        let e = engine.compile("search a | stats count(").unwrap_err();
        assert!(e.rendered.as_deref().unwrap_or_default().contains('^'));
        let e = engine.compile("`no_such_macro`").unwrap_err();
        assert!(e.to_string().contains("no_such_macro"));
    }
}
