//! Sourcetype profiles: the search-time layer Splunk applies to an event before the first
//! command sees it (CLOUDTRAIL.md §4). The evaluator provides the mechanism; the profiles
//! themselves (e.g. `aws:cloudtrail`) are data supplied by the caller (the rules crate
//! loads them from props.conf-like files).
//!
//! Order (CLOUDTRAIL.md §4): 1. automatic JSON extraction (`KV_MODE=json`), 2. field
//! aliases, 3. calculated fields evaluated as if in parallel, 4. lookups, 5. event types
//! and tags.

use minispl_parser::ast::{Expr, Lookup, SearchExpr};

/// Everything a sourcetype adds at search time.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// The sourcetype this profile applies to (`aws:cloudtrail`).
    pub sourcetype: String,
    /// How `_time` (and the `date_*` fields) come from the raw text; `None` keeps the
    /// time the event was fed with.
    pub timestamp: Option<TimestampRule>,
    /// `KV_MODE=json`: auto-extract every JSON leaf (CLOUDTRAIL.md §3).
    pub kv_mode_json: bool,
    /// `FIELDALIAS-x = A AS b ...`, applied in order.
    pub aliases: Vec<FieldAlias>,
    /// `EVAL-x = <expr>`, all evaluated against the fields after aliasing.
    pub calculated: Vec<CalculatedField>,
    /// `LOOKUP-x = <lookup command arguments>`, applied in order.
    pub lookups: Vec<Lookup>,
    /// Event types and the tags they add.
    pub eventtypes: Vec<EventType>,
}

/// `TIME_PREFIX` + `TIME_FORMAT`: the timestamp is the text right after the first match of
/// `prefix` (a regex), parsed with the strptime-style `format`.
#[derive(Debug, Clone)]
pub struct TimestampRule {
    pub prefix: String,
    pub format: String,
    /// Read at most this many characters after the prefix (`MAX_TIMESTAMP_LOOKAHEAD`).
    pub lookahead: usize,
}

/// `FIELDALIAS`: copy `from` to `to`, overwriting `to`; if `from` is absent, `to` is
/// removed (CLOUDTRAIL.md §4 step 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldAlias {
    pub from: String,
    pub to: String,
}

/// `EVAL-name = expr`: the expression is SPL eval syntax, parsed by minispl itself.
#[derive(Debug, Clone)]
pub struct CalculatedField {
    pub name: String,
    pub expr: Expr,
    /// The expression text as written in the definition file (for messages).
    pub source: String,
}

/// An event type: events matching `search` get `eventtype=name` and the `tags`
/// (`tag=...`, `tag::eventtype=...`).
#[derive(Debug, Clone)]
pub struct EventType {
    pub name: String,
    pub search: SearchExpr,
    pub tags: Vec<String>,
}
