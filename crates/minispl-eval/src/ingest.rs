//! Events as they are fed in, before the search-time layer turns them into rows.

use crate::row::Row;

/// The default fields whoever feeds an event sets (CLOUDTRAIL.md §1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventMeta {
    pub sourcetype: Option<String>,
    pub source: Option<String>,
    pub host: Option<String>,
    pub index: Option<String>,
}

/// One input event.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A raw record: `raw` is the event text (a JSON object for CloudTrail). Fields are
    /// extracted by the sourcetype profile (`KV_MODE=json`), `_time` by its timestamp rule.
    Raw { raw: String, meta: EventMeta },
    /// A field map: the row *is* the field set (what CONFORMANCE.md cases use), with
    /// optional `_raw` and `_time`. A profile applies only if `meta.sourcetype` names one.
    Fields { row: Row, meta: EventMeta },
}
