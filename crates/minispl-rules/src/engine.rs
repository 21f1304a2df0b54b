//! The engine: macros, profiles, data models and lookups, and compiling/running searches
//! and detections against them (placeholder API until implemented).

use crate::detection::Detection;
use crate::risk::RiskEvent;
use minispl_eval::{Env, Event, Row};
use minispl_parser::Macros;
use std::path::Path;

/// An error from loading rules data or compiling/running a search; `rendered` is a
/// compiler-style diagnostic with a caret when the error has a span.
#[derive(Debug, Clone, PartialEq)]
pub struct RulesError {
    pub message: String,
    pub rendered: Option<String>,
}

impl std::fmt::Display for RulesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.rendered.as_deref().unwrap_or(&self.message))
    }
}

impl std::error::Error for RulesError {}

/// Built-in and user-supplied knowledge objects.
#[derive(Debug)]
pub struct Engine {
    _private: (),
}

/// A search compiled against an engine.
#[derive(Debug)]
pub struct CompiledSearch {
    _private: (),
}

/// What a detection run produced.
#[derive(Debug, Clone, Default)]
pub struct DetectionOutput {
    pub rows: Vec<Row>,
    pub risk_events: Vec<RiskEvent>,
}

impl Engine {
    /// Built-in macros, the `aws:cloudtrail` profile, the `Cloud_Infrastructure` data
    /// model and built-in lookups.
    pub fn builtin() -> Result<Engine, RulesError> {
        todo!("engine")
    }
    /// Replace the run environment (time zone, `now`).
    pub fn set_env(&mut self, env: Env) {
        let _ = env;
        todo!("engine")
    }
    /// Add or override macros from a `macros.conf` file or a directory of macro YAML.
    pub fn add_macros(&mut self, path: &Path) -> Result<usize, RulesError> {
        let _ = path;
        todo!("engine")
    }
    /// Add CSV lookup tables from a directory (by file name).
    pub fn add_lookups(&mut self, dir: &Path) -> Result<usize, RulesError> {
        let _ = dir;
        todo!("engine")
    }
    pub fn macros(&self) -> &Macros {
        todo!("engine")
    }
    /// The detections shipped with minispl.
    pub fn builtin_detections() -> Vec<Detection> {
        todo!("engine")
    }
    /// Expand, parse and compile an ad-hoc search.
    pub fn compile(&self, spl: &str) -> Result<CompiledSearch, RulesError> {
        let _ = spl;
        todo!("engine")
    }
    /// Compile a detection's search, generating its filter macro as `search *` when it
    /// is not defined (as the upstream build does).
    pub fn compile_detection(&self, detection: &Detection) -> Result<CompiledSearch, RulesError> {
        let _ = detection;
        todo!("engine")
    }
    /// Run a detection; risk events for every result row.
    pub fn run_detection<I: IntoIterator<Item = Event>>(
        &self,
        detection: &Detection,
        events: I,
    ) -> Result<DetectionOutput, RulesError> {
        let _ = (detection, events.into_iter());
        todo!("engine")
    }
}

impl CompiledSearch {
    /// The macro-expanded search text.
    pub fn expanded(&self) -> &str {
        todo!("engine")
    }
    pub fn run<I: IntoIterator<Item = Event>>(&self, events: I) -> Result<Vec<Row>, RulesError> {
        let _ = events.into_iter();
        todo!("engine")
    }
}
