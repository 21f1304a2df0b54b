//! minispl-eval: runs SPL pipelines over JSON events with Splunk's semantics.
// `deny`, not `forbid`: std::arch SIMD opts in per module or function with
// `#[allow(unsafe_code)]` and a SAFETY comment: the prefilter's finder, the reader's
// validator, the extraction scanner (issue 6).
#![deny(unsafe_code)]

pub mod env;
pub mod error;
pub mod expr;
pub mod row;
pub mod search;
pub mod value;

pub use env::Env;
pub use error::EvalError;
pub use row::Row;
pub use value::Value;
pub mod commands;
pub mod datamodel;
pub mod extract;
pub mod ingest;
pub mod lookup;
pub mod plan;
mod pool;
pub mod prefilter;
pub mod profile;
pub mod program;

pub use ingest::{Event, EventMeta, RawRecord};
pub use program::{Context, Optimizations, Program};
pub mod functions;
pub mod json;
pub mod reader;
pub mod stats;
pub mod timefmt;
pub mod wildcard;

#[cfg(test)]
mod testing;
