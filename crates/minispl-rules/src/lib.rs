//! minispl-rules: detection YAML, the macro table, the `aws:cloudtrail` sourcetype profile,
//! the `Cloud_Infrastructure` data model, risk events and a detection test runner.
//!
//! The entry point is [`Engine`]: built-in macros, profiles, data models and lookups, which
//! users extend or override, and which compiles and runs searches and detections.
#![forbid(unsafe_code)]

pub mod conf;
pub mod datamodels;
pub mod detection;
pub mod drilldown;
pub mod engine;
pub mod lookups;
pub mod macros;
pub mod props;
pub mod risk;
pub mod testrunner;

pub use detection::Detection;
pub use engine::{CompiledSearch, DetectionOutput, Engine, RulesError};
pub use risk::RiskEvent;
pub use testrunner::TestOutcome;
