//! A compiled search: the logical plan plus the operators, run over events.

use crate::datamodel::DataModel;
use crate::env::Env;
use crate::error::EvalError;
use crate::ingest::Event;
use crate::lookup::Lookups;
use crate::profile::Profile;
use crate::row::Row;
use minispl_parser::ast::Pipeline;
use std::sync::Arc;

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
}

/// A pipeline compiled against a context.
#[derive(Debug)]
pub struct Program {
    _private: (),
}

impl Program {
    /// Check and prepare every command. Errors carry the span of the offending command.
    pub fn compile(pipeline: &Pipeline, ctx: Arc<Context>) -> Result<Program, EvalError> {
        let _ = (pipeline, ctx);
        todo!("program")
    }

    /// Run over `events` (the "index" the first command reads), returning the result rows.
    pub fn run<I>(&self, events: I) -> Result<Vec<Row>, EvalError>
    where
        I: IntoIterator<Item = Event>,
    {
        let _ = events.into_iter();
        todo!("program")
    }
}
