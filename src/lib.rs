//! minispl: an embedded interpreter for Splunk's Search Processing Language.
//!
//! This crate re-exports the public API of the workspace crates.
#![forbid(unsafe_code)]

pub use minispl_eval as eval;
pub use minispl_parser as parser;
pub use minispl_rules as rules;

#[doc(hidden)]
pub mod fuzzing;
pub mod generate;
