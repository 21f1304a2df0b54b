//! minispl-rules: detection YAML, the macro table, the `aws:cloudtrail` sourcetype profile,
//! the `Cloud_Infrastructure` data model, risk events and a detection test runner.
#![forbid(unsafe_code)]
