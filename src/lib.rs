//! minispl: an embedded interpreter for Splunk's Search Processing Language.
//!
//! This crate re-exports the public API of the workspace crates. The README below is this
//! crate's documentation, so its library example is compiled and run as a doctest.
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub use minispl_eval as eval;
pub use minispl_parser as parser;
pub use minispl_rules as rules;

#[doc(hidden)]
pub mod fuzzing;
pub mod generate;
