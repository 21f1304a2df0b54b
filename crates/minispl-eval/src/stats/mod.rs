//! Aggregation functions (SEMANTICS §7.2) as a table, shared by `stats`, `eventstats`,
//! `streamstats`, `tstats`, `top` and `rare` (placeholder until implemented).
