//! Events as they are fed in, before the search-time layer turns them into rows.

use crate::reader::validate::TopIndex;
use crate::row::{KnownName, Row, SMALL};

/// The default fields whoever feeds an event sets (CLOUDTRAIL.md §1). Shared strings:
/// every event read from one input carries the same values, and a copy per event was
/// four allocations per event (issue 6). Build them with `Some("aws:cloudtrail".into())`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventMeta {
    pub sourcetype: Option<std::sync::Arc<str>>,
    pub source: Option<std::sync::Arc<str>>,
    pub host: Option<std::sync::Arc<str>>,
    pub index: Option<std::sync::Arc<str>>,
    /// Set by the reader on the `Event::Raw` it makes: `raw` is text `serde_json`
    /// accepts (the reader validated it). Extraction then steps over the values the
    /// search does not need without checking them again (issue 6); the fields are the
    /// same either way. Leave it `false` for text from anywhere else.
    pub json_checked: bool,
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

/// A raw record borrowed from whoever read it (issue 6): the reader hands its folds the
/// record's text where it lies in the read block and the input's [`EventMeta`] by
/// reference, so a kept record costs no copy of its text (unless the search can see
/// `_raw`) and no clone of the metadata's shared strings, whose reference counts the
/// worker threads would otherwise bounce between their caches. It means the same as
/// [`RawRecord::to_event`]; other borrowed facts about the record can join it here.
#[derive(Debug, Clone, Copy)]
pub struct RawRecord<'a> {
    /// The event text (`_raw`).
    pub text: &'a str,
    pub meta: &'a EventMeta,
    /// `text` is JSON `serde_json` accepts (see [`EventMeta::json_checked`]).
    pub json_checked: bool,
    /// With `json_checked`: the block validator's index of `text`'s top-level members,
    /// when it made one (issue 6: extraction looks top-level keys up there instead of
    /// walking the text).
    pub index: Option<&'a TopIndex>,
}

impl RawRecord<'_> {
    /// The owned event with the same meaning.
    pub fn to_event(&self) -> Event {
        Event::Raw {
            raw: self.text.to_string(),
            meta: self.to_event_meta(),
        }
    }

    /// The owned event's metadata.
    pub fn to_event_meta(&self) -> EventMeta {
        EventMeta {
            json_checked: self.json_checked,
            ..self.meta.clone()
        }
    }
}

// ---------------------------------------------------------------------------------------
// Ingestion: Event -> Row (issue 3 "The event and value model", CLOUDTRAIL.md §1–§4).
// ---------------------------------------------------------------------------------------

use crate::env::Env;
use crate::error::EvalError;
use crate::extract::Text;
use crate::plan::{FieldSet, Plan};
use crate::profile::{CompiledProfile, EventText, Needs};
use crate::program::Context;
use crate::value::{format_number, parse_number, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// Turns input events into the rows the first command sees: default fields, the
/// sourcetype profile's search-time layer, `_time` normalisation, synthesised `_raw`.
#[derive(Debug)]
pub struct Ingestor {
    env: Env,
    /// Compiled profiles with the fields the plan needs extracted for each.
    profiles: Vec<Prepared>,
}

/// A compiled profile and what this run needs of it, decided once (issue 6: not per event).
#[derive(Debug)]
struct Prepared {
    profile: CompiledProfile,
    wanted: FieldSet,
    needs: Needs,
    /// Which of `sourcetype`, `source`, `host`, `index` `wanted` selects.
    defaults: [bool; 4],
    /// Whether a raw event's row gets `_raw`: only when the search (or a profile rule)
    /// can see it (issue 6: W3/W4 copied every kept record into `_raw` and never read
    /// it). `wanted` is everything the plan reads from the event, `_raw` included when a
    /// bare term (R1.24), `rex`, `regex` or `spath` reads it, when the results show the
    /// events, and when a command reads every field (`table *`, `fillnull`...); with
    /// field pruning off it is `all`, so the reference path always has `_raw`.
    keeps_raw: bool,
    /// The capacity a new row is made with: the map form at once when the row may hold
    /// more fields than the list form does (every field, patterns, many names), so
    /// it is not built twice (issue 6, `row::SMALL`).
    row_capacity: usize,
}

impl Prepared {
    fn new(profile: CompiledProfile, wanted: FieldSet) -> Prepared {
        let needs = profile.needs(&wanted);
        let defaults = DEFAULT_FIELDS.map(|name| wanted.contains(name));
        let keeps_raw = wanted.contains("_raw");
        let large = wanted.all || !wanted.patterns.is_empty() || wanted.names().len() > SMALL;
        Prepared {
            // One more than the list holds: the map, with no larger table than it needs
            // (a bigger one costs more to clone, `mvexpand`).
            row_capacity: if large { SMALL + 1 } else { SMALL },
            profile,
            wanted,
            needs,
            defaults,
            keeps_raw,
        }
    }
}

const DEFAULT_FIELDS: [&str; 4] = ["sourcetype", "source", "host", "index"];

impl Ingestor {
    /// Compile the context's profiles (calculated fields, event types, lookups) once.
    pub fn new(ctx: &Arc<Context>, plan: &Plan) -> Result<Ingestor, EvalError> {
        let mut profiles = Vec::with_capacity(ctx.profiles.len());
        for p in &ctx.profiles {
            let wanted = if ctx.optimizations.field_pruning {
                plan.extraction_for(&p.sourcetype)
            } else {
                FieldSet::all()
            };
            profiles.push(Prepared::new(p.compile(ctx)?, wanted));
        }
        Ok(Ingestor {
            env: ctx.env.clone(),
            profiles,
        })
    }

    /// One ingestor for several programs over the same events (one pass for several
    /// detections): each profile extracts the union of what their plans need, so every
    /// program sees at least its fields. Extra fields are invisible to a program, as the
    /// plan only prunes fields nothing downstream reads (CLOUDTRAIL.md §3).
    pub fn for_plans(ctx: &Arc<Context>, plans: &[&Plan]) -> Result<Ingestor, EvalError> {
        let mut profiles = Vec::with_capacity(ctx.profiles.len());
        for p in &ctx.profiles {
            let mut wanted = FieldSet::none();
            for plan in plans {
                if ctx.optimizations.field_pruning {
                    wanted.extend(&plan.extraction_for(&p.sourcetype));
                } else {
                    wanted = FieldSet::all();
                }
            }
            profiles.push(Prepared::new(p.compile(ctx)?, wanted));
        }
        Ok(Ingestor {
            env: ctx.env.clone(),
            profiles,
        })
    }

    fn profile(&self, meta: &EventMeta) -> Option<&Prepared> {
        let st = meta.sourcetype.as_deref()?;
        self.profiles
            .iter()
            .find(|p| p.profile.profile.sourcetype == st)
    }

    /// One event as a row.
    pub fn ingest(&self, event: Event) -> Result<Row, EvalError> {
        match event {
            Event::Raw { raw, meta } => {
                let check = if meta.json_checked {
                    Text::Valid
                } else {
                    Text::Unchecked
                };
                self.ingest_text(Cow::Owned(raw), &meta, check, None)
            }
            Event::Fields { row: fields, meta } => {
                let mut row = fields;
                let from_text = row.raw().is_some();
                if !row.contains("_raw") {
                    // SEMANTICS preamble: free-text terms and `spath` need a `_raw`.
                    let raw = synthesize_raw(&row);
                    row.set("_raw", Value::from(raw));
                }
                normalise_time(&mut row, &self.env);
                set_default_fields(&mut row, &meta);
                if let Some(p) = self.profile(&meta) {
                    // A field map's `_raw` comes from anywhere: checked as it is read.
                    let text = from_text.then_some(EventText::in_row(Text::Unchecked));
                    p.profile
                        .apply_with(&mut row, text, &p.wanted, &p.needs, &self.env)?;
                }
                Ok(row)
            }
        }
    }

    /// A borrowed raw record as a row (the same row as [`Ingestor::ingest`] of
    /// [`RawRecord::to_event`]), built in `row` if given, which must be empty: a caller
    /// that ingests record after record hands back the previous row's allocation
    /// (issue 6).
    pub fn ingest_record(&self, record: RawRecord<'_>, row: Option<Row>) -> Result<Row, EvalError> {
        let check = match (record.json_checked, record.index) {
            (true, Some(index)) => Text::Indexed(index),
            (true, None) => Text::Valid,
            (false, _) => Text::Unchecked,
        };
        self.ingest_text(Cow::Borrowed(record.text), record.meta, check, row)
    }

    /// A raw event's row: `_raw` (when the search can see it), the default fields, and
    /// the profile's search-time layer, which reads the text itself.
    fn ingest_text(
        &self,
        raw: Cow<'_, str>,
        meta: &EventMeta,
        check: Text<'_>,
        row: Option<Row>,
    ) -> Result<Row, EvalError> {
        // Without a profile: no extraction, no timestamp (as Splunk without the add-on);
        // only `_raw` and the default fields.
        let profile = self.profile(meta);
        let mut row =
            row.unwrap_or_else(|| Row::with_capacity(profile.map_or(SMALL, |p| p.row_capacity)));
        // `_raw` first, as before: field order is part of the results.
        let unkept = if profile.map_or(true, |p| p.keeps_raw) {
            row.set("_raw", Value::from(raw.into_owned()));
            None
        } else {
            Some(raw)
        };
        match profile {
            // The profile's extraction set is everything the plan (and the profile's
            // own rules) reads from the event (`plan::extraction_fields`), so a default
            // field outside it is never seen: skip its two allocations per event
            // (issue 6, as CLOUDTRAIL.md §3 allows for extracted fields). `all`
            // (pruning off) keeps every one.
            Some(p) => set_default_fields_in(&mut row, meta, p.defaults),
            None => set_default_fields(&mut row, meta),
        }
        if let Some(p) = profile {
            let text = EventText {
                text: unkept.as_deref(),
                check,
            };
            p.profile
                .apply_with(&mut row, Some(text), &p.wanted, &p.needs, &self.env)?;
        }
        Ok(row)
    }
}

fn set_default_fields(row: &mut Row, meta: &EventMeta) {
    set_default_fields_in(row, meta, [true; 4]);
}

/// The default fields selected by `wanted` (in [`DEFAULT_FIELDS`] order).
fn set_default_fields_in(row: &mut Row, meta: &EventMeta, wanted: [bool; 4]) {
    // Hashed once (issue 6: `sourcetype` is set on every W3/W4 event).
    static NAMES: std::sync::LazyLock<[KnownName; 4]> =
        std::sync::LazyLock::new(|| DEFAULT_FIELDS.map(KnownName::new));
    let values = [&meta.sourcetype, &meta.source, &meta.host, &meta.index];
    for ((name, value), wanted) in NAMES.iter().zip(values).zip(wanted) {
        if let (Some(v), true) = (value, wanted) {
            row.set_known(name, Value::str(&**v));
        }
    }
}

/// `_time` given as a numeric string or an ISO-8601 string becomes epoch seconds (R10.3);
/// anything else is left as given.
fn normalise_time(row: &mut Row, env: &Env) {
    let epoch = match row.get("_time") {
        Value::Str(s) => parse_number(s).or_else(|| parse_iso8601(s, env)),
        _ => return,
    };
    if let Some(t) = epoch {
        row.set("_time", Value::Num(t));
    }
}

/// `2021-08-18T23:17:30Z`, `2021-08-18T23:17:30.5+02:00`, or without a zone (read in the
/// run's zone); a space may replace the `T`.
pub fn parse_iso8601(text: &str, env: &Env) -> Option<f64> {
    use chrono::{DateTime, NaiveDateTime, TimeZone};
    let text = text.trim();
    let to_epoch = |d: DateTime<chrono::Utc>| {
        d.timestamp() as f64 + f64::from(d.timestamp_subsec_nanos()) / 1e9
    };
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Some(to_epoch(d.with_timezone(&chrono::Utc)));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(text, fmt) {
            let local = env.tz.from_local_datetime(&n).earliest()?;
            return Some(to_epoch(local.with_timezone(&chrono::Utc)));
        }
    }
    None
}

/// The compact JSON text of a field-map event, fields in order: what a field-map event
/// without `_raw` gets as `_raw` (SEMANTICS preamble). Multivalues are arrays; numbers
/// are JSON numbers.
pub fn synthesize_raw(row: &Row) -> String {
    let mut map = serde_json::Map::with_capacity(row.len());
    for (name, value) in row.iter() {
        let json = match value {
            Value::Null => continue,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Num(n) => serde_json::from_str::<serde_json::Value>(&format_number(*n))
                .unwrap_or_else(|_| serde_json::Value::String(format_number(*n))),
            Value::Str(s) => serde_json::Value::String(s.to_string()),
            Value::Multi(v) => {
                serde_json::Value::Array(v.iter().cloned().map(serde_json::Value::String).collect())
            }
        };
        map.insert(name.to_string(), json);
    }
    serde_json::Value::Object(map).to_string()
}
