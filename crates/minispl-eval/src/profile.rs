//! Sourcetype profiles: the search-time layer Splunk applies to an event before the first
//! command sees it (CLOUDTRAIL.md §4). The evaluator provides the mechanism; the profiles
//! themselves (e.g. `aws:cloudtrail`) are data supplied by the caller (the rules crate
//! loads them from props.conf-like files).
//!
//! Order (CLOUDTRAIL.md §4): 1. automatic JSON extraction (`KV_MODE=json`), 2. field
//! aliases, 3. calculated fields evaluated as if in parallel, 4. lookups, 5. event types
//! and tags.

use crate::commands::{self, Operator};
use crate::env::Env;
use crate::error::EvalError;
use crate::expr::CompiledExpr;
use crate::extract;
use crate::plan::FieldSet;
use crate::program::Context;
use crate::row::Row;
use crate::search::CompiledSearch;
use crate::value::Value;
use chrono::{Datelike, NaiveDateTime, TimeZone, Timelike};
use minispl_parser::ast::{Expr, Lookup, SearchExpr};
use regex::Regex;
use std::sync::{Arc, Mutex};

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

/// A profile prepared for a run: regexes compiled, calculated fields and event type
/// searches compiled once per program, lookups compiled into `lookup` operators.
pub struct CompiledProfile {
    pub profile: Arc<Profile>,
    timestamp: Option<(Regex, TimestampRule)>,
    calculated: Vec<(String, CompiledExpr)>,
    /// The `lookup` command's operator does exactly what `LOOKUP-x` does (CLOUDTRAIL.md
    /// §4 step 4), one row in, one row out. Behind a mutex because `Operator::push` takes
    /// `&mut self` while a program may run on several threads.
    lookups: Vec<(FieldSet, Mutex<Box<dyn Operator>>)>,
    eventtypes: Vec<(String, CompiledSearch, Vec<String>)>,
}

impl std::fmt::Debug for CompiledProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledProfile")
            .field("sourcetype", &self.profile.sourcetype)
            .finish_non_exhaustive()
    }
}

impl Profile {
    /// Compile every rule of the profile. Errors name the rule.
    pub fn compile(self: &Arc<Self>, ctx: &Arc<Context>) -> Result<CompiledProfile, EvalError> {
        let here = |what: &str, e: EvalError| {
            EvalError::new(format!(
                "sourcetype `{}`: {what}: {}",
                self.sourcetype, e.message
            ))
        };
        let timestamp = match &self.timestamp {
            Some(rule) => {
                // The shared builder applies the size limits (issue 7).
                let re = crate::functions::pcre::build(&rule.prefix).map_err(|e| {
                    EvalError::new(format!(
                        "sourcetype `{}`: TIME_PREFIX does not compile: {e}",
                        self.sourcetype
                    ))
                })?;
                Some((re, rule.clone()))
            }
            None => None,
        };
        let mut calculated = Vec::with_capacity(self.calculated.len());
        for calc in &self.calculated {
            let what = format!("EVAL-{} = {}", calc.name, calc.source);
            let compiled = CompiledExpr::compile(&calc.expr).map_err(|e| here(&what, e))?;
            // R6.2: a boolean cannot be stored in a field.
            if compiled.is_predicate() {
                return Err(here(
                    &what,
                    EvalError::new("a boolean result cannot be assigned to a field"),
                ));
            }
            calculated.push((calc.name.clone(), compiled));
        }
        let mut lookups = Vec::with_capacity(self.lookups.len());
        for l in &self.lookups {
            let op = commands::lookup::compile(l, ctx)
                .map_err(|e| here(&format!("LOOKUP {}", l.table), e))?;
            // What the lookup writes, to skip it when nothing downstream needs that.
            let (_, writes) = crate::plan::lookup_fields(l, ctx);
            lookups.push((writes, Mutex::new(op)));
        }
        let mut eventtypes = Vec::with_capacity(self.eventtypes.len());
        for et in &self.eventtypes {
            let search = CompiledSearch::compile(&et.search)
                .map_err(|e| here(&format!("eventtype {}", et.name), e))?;
            eventtypes.push((et.name.clone(), search, et.tags.clone()));
        }
        Ok(CompiledProfile {
            profile: Arc::clone(self),
            timestamp,
            calculated,
            lookups,
            eventtypes,
        })
    }
}

/// Where the search-time layer reads an event's own text (the timestamp rule,
/// `KV_MODE=json`), and what is known of it.
#[derive(Debug, Clone, Copy)]
pub struct EventText<'a> {
    /// The text, when the row has no `_raw` holding it (issue 6: the reader's records
    /// become `_raw` only when the search can see it); `None`: the row's `_raw`.
    pub text: Option<&'a str>,
    /// Whether the text is known to be valid JSON (and indexed).
    pub check: extract::Text<'a>,
}

impl EventText<'_> {
    /// The row's `_raw` is the event's text.
    pub fn in_row(check: extract::Text<'_>) -> EventText<'_> {
        EventText { text: None, check }
    }

    /// The text: the borrowed one, or else the row's `_raw`.
    fn of<'r>(&'r self, row: &'r Row) -> Option<&'r str> {
        self.text.or_else(|| row.raw())
    }
}

/// Which rules of a profile a given extraction set needs: decided once per run instead of
/// once per event (issue 6: the per-event `FieldSet` questions were ~10% of W4).
#[derive(Debug, Clone, Default)]
pub struct Needs {
    timestamp: bool,
    aliases: Vec<usize>,
    calculated: Vec<usize>,
    lookups: Vec<usize>,
    eventtypes: bool,
}

impl CompiledProfile {
    /// The rules whose output `wanted` selects (see [`CompiledProfile::apply_fields`]).
    pub fn needs(&self, wanted: &FieldSet) -> Needs {
        Needs {
            timestamp: needs_timestamp(wanted),
            aliases: (self.profile.aliases.iter().enumerate())
                .filter(|(_, a)| wanted.contains(&a.to))
                .map(|(i, _)| i)
                .collect(),
            calculated: (self.calculated.iter().enumerate())
                .filter(|(_, (n, _))| wanted.contains(n))
                .map(|(i, _)| i)
                .collect(),
            lookups: (self.lookups.iter().enumerate())
                .filter(|(_, (writes, _))| wanted.overlaps(writes))
                .map(|(i, _)| i)
                .collect(),
            eventtypes: !self.eventtypes.is_empty()
                && wanted.overlaps(&FieldSet::from_names(["eventtype", "tag", "tag::*"])),
        }
    }

    /// Apply the search-time layer to an event row in the order of CLOUDTRAIL.md §4.
    /// `from_text` says the row's `_raw` is the event's own text (not synthesised), so the
    /// timestamp rule and `KV_MODE=json` read it; `wanted` limits extraction to the fields
    /// the plan needs.
    pub fn apply(
        &self,
        row: &mut Row,
        from_text: bool,
        wanted: &FieldSet,
        env: &Env,
    ) -> Result<(), EvalError> {
        let text = from_text.then_some(EventText::in_row(extract::Text::Unchecked));
        self.apply_with(row, text, wanted, &self.needs(wanted), env)
    }

    /// [`CompiledProfile::apply`] with `needs` computed beforehand from the same `wanted`;
    /// `from_text` also says where the text is and whether it is known to be valid JSON
    /// (issue 6: extraction then need not check what it skips).
    pub fn apply_with(
        &self,
        row: &mut Row,
        from_text: Option<EventText<'_>>,
        wanted: &FieldSet,
        needs: &Needs,
        env: &Env,
    ) -> Result<(), EvalError> {
        if let Some(text) = from_text {
            // The timestamp rule only sets `_time` and `date_*`: when the plan needs
            // neither (issue 6: `stats count by eventSource eventName`), parsing it is
            // wasted work. With field pruning off `wanted` is `all`.
            if needs.timestamp && !row.contains("_time") {
                self.apply_timestamp(row, &text, env);
            }
            // 1. automatic JSON extraction.
            if self.profile.kv_mode_json {
                // Extract first, then set: no copy of a possibly large `_raw`.
                extract::extract_into(row, wanted, text.check, text.text);
            }
        }
        self.apply_fields_with(row, needs, env)
    }

    /// Steps 2–5 of CLOUDTRAIL.md §4 (everything after extraction). A rule whose output
    /// `wanted` does not select is skipped: `wanted` is the plan's extraction set, which
    /// already holds the inputs of every needed rule (`plan::extraction_fields`), so
    /// skipping cannot change a needed field.
    pub fn apply_fields(
        &self,
        row: &mut Row,
        wanted: &FieldSet,
        env: &Env,
    ) -> Result<(), EvalError> {
        self.apply_fields_with(row, &self.needs(wanted), env)
    }

    fn apply_fields_with(&self, row: &mut Row, needs: &Needs, env: &Env) -> Result<(), EvalError> {
        // 2. aliases, in order: copy, overwriting; an absent source removes the target.
        for alias in needs
            .aliases
            .iter()
            .filter_map(|&i| self.profile.aliases.get(i))
        {
            let v = row.get(&alias.from).clone();
            row.set(alias.to.as_str(), v);
        }
        // 3. calculated fields, as if in parallel: all see the post-alias row; a null
        // result leaves the field absent (even if it was extracted).
        if !needs.calculated.is_empty() {
            // Inline for a few fields: no allocation per event (issue 6, W4 needs one).
            let mut results = smallvec::SmallVec::<[_; 4]>::new();
            for (name, expr) in needs
                .calculated
                .iter()
                .filter_map(|&i| self.calculated.get(i))
            {
                let v = expr.eval(row, env).map_err(|e| {
                    EvalError::new(format!(
                        "sourcetype `{}`: EVAL-{name}: {}",
                        self.profile.sourcetype, e.message
                    ))
                })?;
                results.push((name, v));
            }
            for (name, v) in results {
                row.set(name.as_str(), v);
            }
        }
        // 4. lookups, in order.
        for (_, lookup) in needs.lookups.iter().filter_map(|&i| self.lookups.get(i)) {
            let mut op = lookup
                .lock()
                .map_err(|_| EvalError::new("a profile lookup failed on another thread"))?;
            let mut out = Vec::with_capacity(1);
            op.push(std::mem::take(row), &mut out)?;
            // `lookup` is one row in, one row out.
            if let Some(r) = out.pop() {
                *row = r;
            }
        }
        // 5. event types and their tags.
        if needs.eventtypes {
            let mut names = Vec::new();
            let mut tags: Vec<String> = Vec::new();
            for (name, search, et_tags) in &self.eventtypes {
                if search.matches(row) {
                    names.push(name.clone());
                    for t in et_tags {
                        if !tags.contains(t) {
                            tags.push(t.clone());
                        }
                    }
                }
            }
            if !names.is_empty() {
                row.set("eventtype", Value::multi(names));
            }
            if !tags.is_empty() {
                row.set("tag::eventtype", Value::multi(tags.clone()));
                row.set("tag", Value::multi(tags));
            }
        }
        Ok(())
    }

    /// `_time` and the `date_*` fields from the timestamp in `_raw` (CLOUDTRAIL.md §1–§2).
    /// No prefix match or no parse: the event has no timestamp from its text.
    fn apply_timestamp(&self, row: &mut Row, text: &EventText<'_>, env: &Env) {
        let Some((prefix, rule)) = &self.timestamp else {
            return;
        };
        let Some(raw) = text.of(row) else {
            return;
        };
        let Some(m) = prefix.find(raw) else {
            return;
        };
        let rest = &raw[m.end()..];
        let text = match rest.char_indices().nth(rule.lookahead) {
            Some((i, _)) if rule.lookahead > 0 => &rest[..i],
            _ => rest,
        };
        let Some(ts) = parse_timestamp(text, &rule.format, env) else {
            return;
        };
        row.set("_time", Value::Num(ts.epoch));
        for (name, value) in ts.date_fields() {
            row.set(name, Value::from(value));
        }
    }
}

/// Does `wanted` select `_time` or a `date_*` field (or may a pattern)?
fn needs_timestamp(wanted: &FieldSet) -> bool {
    wanted.all
        || !wanted.patterns.is_empty()
        || wanted
            .names()
            .iter()
            .any(|n| n == "_time" || n.starts_with("date_"))
}

/// A timestamp read from event text: the epoch plus the broken-down time *as written*.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTimestamp {
    pub epoch: f64,
    pub local: NaiveDateTime,
    /// Minutes east of UTC, `None` when the text had no zone.
    pub zone_minutes: Option<i32>,
}

impl RawTimestamp {
    /// The `date_*` default fields (CLOUDTRAIL.md §2, R10.1, R10.2): taken literally from
    /// the text's own time, strings without leading zeros, lowercase English names,
    /// `date_zone` in minutes or `local`.
    pub fn date_fields(&self) -> Vec<(&'static str, String)> {
        const MONTHS: [&str; 12] = [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ];
        const DAYS: [&str; 7] = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        let t = &self.local;
        vec![
            ("date_hour", t.hour().to_string()),
            ("date_mday", t.day().to_string()),
            ("date_minute", t.minute().to_string()),
            ("date_month", MONTHS[t.month0() as usize % 12].to_string()),
            ("date_second", t.second().to_string()),
            (
                "date_wday",
                DAYS[t.weekday().num_days_from_monday() as usize % 7].to_string(),
            ),
            ("date_year", t.year().to_string()),
            (
                "date_zone",
                self.zone_minutes
                    .map_or_else(|| "local".to_string(), |m| m.to_string()),
            ),
        ]
    }
}

/// Parse the start of `text` with a strptime-style `format` (`TIME_FORMAT`). A trailing
/// zone directive (`%Z`, `%z`, `%:z`) reads `Z`, `UTC`, `GMT`, `+hh:mm`, `+hhmm` or `+hh`;
/// without one the time is local to the run's zone (`date_zone=local`, R10.1).
pub fn parse_timestamp(text: &str, format: &str, env: &Env) -> Option<RawTimestamp> {
    use chrono::format::{parse_and_remainder, Parsed, StrftimeItems};
    let mut fmt = format.to_string();
    // Splunk's sub-second variables: `.%3N`, `.%6N`, `.%N` read the fraction.
    for n in [".%3N", ".%6N", ".%9N", ".%N", ".%Q"] {
        fmt = fmt.replace(n, "%.f");
    }
    let mut zone_directive = false;
    for z in ["%Z", "%:z", "%z"] {
        if let Some(stripped) = fmt.strip_suffix(z) {
            fmt = stripped.to_string();
            zone_directive = true;
            break;
        }
    }
    let mut parsed = Parsed::new();
    let rest = parse_and_remainder(&mut parsed, text, StrftimeItems::new(&fmt)).ok()?;
    let date = parsed.to_naive_date().ok()?;
    let time = parsed.to_naive_time().ok()?;
    let local = date.and_time(time);
    let zone_minutes = if zone_directive {
        Some(parse_zone(rest)?)
    } else {
        parsed.offset().map(|secs| secs / 60)
    };
    let utc = match zone_minutes {
        // Checked: a date at the edge of the calendar must not panic (no panics on input).
        Some(m) => local.checked_sub_signed(chrono::TimeDelta::try_minutes(i64::from(m))?)?,
        None => env.tz.from_local_datetime(&local).earliest()?.naive_utc(),
    };
    let epoch =
        utc.and_utc().timestamp() as f64 + f64::from(utc.and_utc().timestamp_subsec_nanos()) / 1e9;
    Some(RawTimestamp {
        epoch,
        local,
        zone_minutes,
    })
}

/// Minutes east of UTC for a zone at the start of `text`.
fn parse_zone(text: &str) -> Option<i32> {
    let t = text.trim_start();
    if t.starts_with('Z') || t.starts_with('z') || t.starts_with("UTC") || t.starts_with("GMT") {
        return Some(0);
    }
    let sign = match t.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = t[1..]
        .chars()
        .take(6)
        .filter(|c| c.is_ascii_digit())
        .collect();
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4.. => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..4].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    Some(sign * (h * 60 + m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env {
            tz: chrono_tz::Tz::UTC,
            now: 0.0,
        }
    }

    fn cloudtrail_rule() -> TimestampRule {
        TimestampRule {
            prefix: r#""eventTime"\s*:\s*""#.to_string(),
            format: "%Y-%m-%dT%H:%M:%S%Z".to_string(),
            lookahead: 32,
        }
    }

    fn profile(p: Profile) -> CompiledProfile {
        let ctx = Arc::new(Context::default());
        Arc::new(p).compile(&ctx).expect("profile compiles")
    }

    #[test]
    fn cloudtrail_timestamp_and_date_fields() {
        let ts = parse_timestamp(
            "2021-08-18T23:17:30Z\",\"x\":1",
            "%Y-%m-%dT%H:%M:%S%Z",
            &env(),
        )
        .expect("parses");
        assert_eq!(ts.epoch, 1629328650.0);
        let fields = ts.date_fields();
        let get = |n: &str| {
            fields
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.as_str())
        };
        // CLOUDTRAIL.md §2 table.
        assert_eq!(get("date_hour"), Some("23"));
        assert_eq!(get("date_minute"), Some("17"));
        assert_eq!(get("date_second"), Some("30"));
        assert_eq!(get("date_mday"), Some("18"));
        assert_eq!(get("date_month"), Some("august"));
        assert_eq!(get("date_wday"), Some("wednesday"));
        assert_eq!(get("date_year"), Some("2021"));
        assert_eq!(get("date_zone"), Some("0"));
    }

    #[test]
    fn date_fields_are_as_written_not_converted() {
        // R10.1: the broken-down fields come from the text's own zone; R10.2: no zeros.
        let ts = parse_timestamp("2021-01-03T05:07:09+01:30", "%Y-%m-%dT%H:%M:%S%z", &env())
            .expect("parses");
        assert_eq!(ts.epoch, 1609650429.0 - 5400.0);
        let fields = ts.date_fields();
        assert!(fields.contains(&("date_hour", "5".to_string())));
        assert!(fields.contains(&("date_minute", "7".to_string())));
        assert!(fields.contains(&("date_zone", "90".to_string())));
        assert!(fields.contains(&("date_wday", "sunday".to_string())));
        // No zone in the text: local, read in the run's zone.
        let mut e = env();
        e.tz = chrono_tz::Tz::Europe__Paris;
        let ts = parse_timestamp("2025-01-28 11:23:42", "%Y-%m-%d %H:%M:%S", &e).expect("parses");
        // 11:23:42 in Paris (UTC+1 in winter) is 10:23:42 UTC.
        assert_eq!(ts.epoch, 1738059822.0);
        assert!(ts
            .date_fields()
            .contains(&("date_zone", "local".to_string())));
        assert!(ts.date_fields().contains(&("date_hour", "11".to_string())));
    }

    #[test]
    fn odd_text_never_panics() {
        let p = profile(Profile {
            sourcetype: "t".into(),
            timestamp: Some(cloudtrail_rule()),
            kv_mode_json: true,
            ..Profile::default()
        });
        for raw in [
            "",
            "{",
            r#"{"eventTime":""#,
            r#"{"eventTime":"262143-12-31T23:59:59-23:59"}"#,
            r#"{"eventTime":"-262143-01-01T00:00:00+23:59"}"#,
            r#"{"eventTime":"2021-02-30T00:00:00Z"}"#,
            r#"{"eventTime":"2021-08-18T23:17:30+"}"#,
            "\"eventTime\":\"é2021",
            r#"{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"#,
        ] {
            let mut row = Row::new();
            row.set("_raw", Value::str(raw));
            p.apply(&mut row, true, &FieldSet::all(), &env())
                .expect("applies");
        }
        // Out-of-range dates give no timestamp rather than a panic.
        let mut row = Row::new();
        row.set(
            "_raw",
            Value::str(r#"{"eventTime":"2021-02-30T00:00:00Z"}"#),
        );
        p.apply(&mut row, true, &FieldSet::all(), &env())
            .expect("applies");
        assert_eq!(row.time(), None);
    }

    #[test]
    fn unparseable_timestamp_is_none() {
        assert_eq!(
            parse_timestamp("yesterday", "%Y-%m-%dT%H:%M:%S%Z", &env()),
            None
        );
        assert_eq!(
            parse_timestamp("2021-08-18T23:17:30", "%Y-%m-%dT%H:%M:%S%Z", &env()),
            None
        );
    }

    #[test]
    fn timestamp_rule_sets_time_only_when_prefix_found() {
        let p = profile(Profile {
            sourcetype: "t".into(),
            timestamp: Some(cloudtrail_rule()),
            ..Profile::default()
        });
        let mut row = Row::new();
        row.set(
            "_raw",
            Value::str(r#"{"eventTime": "2021-08-18T23:17:30Z"}"#),
        );
        p.apply(&mut row, true, &FieldSet::all(), &env())
            .expect("applies");
        assert_eq!(row.time(), Some(1629328650.0));
        assert_eq!(row.get("date_wday"), &Value::str("wednesday"));
        let mut row = Row::new();
        row.set("_raw", Value::str(r#"{"other": "2021-08-18T23:17:30Z"}"#));
        p.apply(&mut row, true, &FieldSet::all(), &env())
            .expect("applies");
        assert_eq!(row.time(), None);
        assert!(!row.contains("date_hour"));
    }

    #[test]
    fn extraction_then_aliases_in_order() {
        let p = profile(Profile {
            sourcetype: "t".into(),
            kv_mode_json: true,
            aliases: vec![
                FieldAlias {
                    from: "eventName".into(),
                    to: "signature".into(),
                },
                FieldAlias {
                    from: "sourceIPAddress".into(),
                    to: "src".into(),
                },
            ],
            ..Profile::default()
        });
        let mut row = Row::new();
        row.set(
            "_raw",
            Value::str(r#"{"eventName":"PutImage","x":{"y":[1,2]}}"#),
        );
        row.set("src", Value::str("stale"));
        p.apply(&mut row, true, &FieldSet::all(), &env())
            .expect("applies");
        assert_eq!(row.get("signature"), &Value::str("PutImage"));
        assert_eq!(
            row.get("x.y{}"),
            &Value::Multi(vec!["1".into(), "2".into()])
        );
        // CLOUDTRAIL.md §4 step 2: an absent source removes the target.
        assert!(!row.contains("src"));
        // Not from the text (synthesised `_raw`): nothing is extracted.
        let mut row = Row::new();
        row.set("_raw", Value::str(r#"{"eventName":"PutImage"}"#));
        p.apply(&mut row, false, &FieldSet::all(), &env())
            .expect("applies");
        assert!(!row.contains("eventName"));
    }

    #[test]
    fn extraction_limited_to_wanted_fields() {
        let p = profile(Profile {
            sourcetype: "t".into(),
            kv_mode_json: true,
            ..Profile::default()
        });
        let mut row = Row::new();
        row.set("_raw", Value::str(r#"{"a":"1","b":{"c":"2"},"d":"3"}"#));
        p.apply(&mut row, true, &FieldSet::from_names(["b.c"]), &env())
            .expect("applies");
        assert_eq!(
            row.names().cloned().collect::<Vec<_>>(),
            vec!["_raw", "b.c"]
        );
    }

    fn field(name: &str) -> Expr {
        Expr::Field {
            name: name.into(),
            span: Default::default(),
        }
    }

    #[test]
    fn calculated_fields_run_in_parallel_after_aliases() {
        // Needs `CompiledExpr` (eval language, implemented in parallel).
        let coalesce = |a: &str, b: &str| Expr::Call {
            name: "coalesce".into(),
            args: vec![field(a), field(b)],
            span: Default::default(),
        };
        let p = profile(Profile {
            sourcetype: "t".into(),
            aliases: vec![FieldAlias {
                from: "eventName".into(),
                to: "signature".into(),
            }],
            calculated: vec![
                // Sees the alias result.
                CalculatedField {
                    name: "sig2".into(),
                    expr: field("signature"),
                    source: "signature".into(),
                },
                // Replaces an existing field and sees the *old* value of `sig2` (absent).
                CalculatedField {
                    name: "errorCode".into(),
                    expr: coalesce("errorCode", "sig2"),
                    source: "coalesce(errorCode, sig2)".into(),
                },
                // Null result: the field is absent even though it existed.
                CalculatedField {
                    name: "gone".into(),
                    expr: field("nothing"),
                    source: "nothing".into(),
                },
            ],
            ..Profile::default()
        });
        let mut row = Row::new();
        row.set("eventName", Value::str("PutImage"));
        row.set("gone", Value::str("x"));
        p.apply_fields(&mut row, &FieldSet::all(), &env())
            .expect("applies");
        assert_eq!(row.get("sig2"), &Value::str("PutImage"));
        assert_eq!(row.get("errorCode"), &Value::Null);
        assert!(!row.contains("gone"));
    }

    #[test]
    fn rules_whose_output_is_not_needed_are_skipped() {
        let p = profile(Profile {
            sourcetype: "t".into(),
            aliases: vec![
                FieldAlias {
                    from: "eventName".into(),
                    to: "signature".into(),
                },
                FieldAlias {
                    from: "awsRegion".into(),
                    to: "region".into(),
                },
            ],
            ..Profile::default()
        });
        let mut row = Row::new();
        row.set("eventName", Value::str("PutImage"));
        row.set("awsRegion", Value::str("us-east-1"));
        p.apply_fields(
            &mut row,
            &FieldSet::from_names(["signature", "eventName"]),
            &env(),
        )
        .expect("applies");
        assert_eq!(row.get("signature"), &Value::str("PutImage"));
        assert!(!row.contains("region"));
    }

    fn cmp(field: &str, value: &str) -> SearchExpr {
        SearchExpr::Compare {
            field: field.into(),
            op: minispl_parser::ast::CompareOp::Eq,
            value: minispl_parser::ast::SearchValue {
                text: value.into(),
                quoted: false,
                modifier: minispl_parser::ast::TermModifier::None,
                span: Default::default(),
            },
            span: Default::default(),
        }
    }

    #[test]
    fn event_types_add_eventtype_and_tags() {
        // Needs `CompiledSearch` (search language, implemented in parallel).
        let p = profile(Profile {
            sourcetype: "t".into(),
            eventtypes: vec![
                EventType {
                    name: "ecr_push".into(),
                    search: cmp("eventName", "PutImage"),
                    tags: vec!["cloud".into(), "compute".into()],
                },
                EventType {
                    name: "ecr_any".into(),
                    search: cmp("eventSource", "ecr.amazonaws.com"),
                    tags: vec!["compute".into(), "container".into()],
                },
                EventType {
                    name: "login".into(),
                    search: cmp("eventName", "ConsoleLogin"),
                    tags: vec!["authentication".into()],
                },
            ],
            ..Profile::default()
        });
        let mut row = Row::new();
        row.set("eventName", Value::str("PutImage"));
        row.set("eventSource", Value::str("ecr.amazonaws.com"));
        p.apply_fields(&mut row, &FieldSet::all(), &env())
            .expect("applies");
        assert_eq!(
            row.get("eventtype"),
            &Value::Multi(vec!["ecr_push".into(), "ecr_any".into()])
        );
        assert_eq!(
            row.get("tag"),
            &Value::Multi(vec!["cloud".into(), "compute".into(), "container".into()])
        );
    }

    #[test]
    fn lookups_run_after_calculated_fields() {
        // Needs the `lookup` command (implemented in parallel).
        use crate::lookup::{LookupTable, Lookups};
        use minispl_parser::ast::{FieldMapping, LookupOutput};
        let mapping = |f: &str| FieldMapping {
            lookup_field: f.into(),
            event_field: None,
            span: Default::default(),
        };
        let mut lookups = Lookups::default();
        lookups.tables.insert(
            "vendors.csv".into(),
            Arc::new(LookupTable {
                columns: vec!["sourcetype".into(), "vendor".into(), "product".into()],
                rows: vec![vec![
                    "aws:cloudtrail".into(),
                    "Amazon Web Services".into(),
                    "CloudTrail".into(),
                ]],
                case_sensitive: true,
            }),
        );
        let ctx = Arc::new(Context {
            lookups,
            ..Context::default()
        });
        let p = Arc::new(Profile {
            sourcetype: "aws:cloudtrail".into(),
            lookups: vec![Lookup {
                options: vec![],
                table: "vendors.csv".into(),
                inputs: vec![mapping("sourcetype")],
                output: Some(LookupOutput {
                    new_only: true,
                    fields: vec![mapping("vendor"), mapping("product")],
                }),
                span: Default::default(),
            }],
            ..Profile::default()
        })
        .compile(&ctx)
        .expect("compiles");
        let mut row = Row::new();
        row.set("sourcetype", Value::str("aws:cloudtrail"));
        row.set("product", Value::str("kept"));
        p.apply_fields(&mut row, &FieldSet::all(), &env())
            .expect("applies");
        assert_eq!(row.get("vendor"), &Value::str("Amazon Web Services"));
        // OUTPUTNEW only fills absent fields (CLOUDTRAIL.md §4 step 4).
        assert_eq!(row.get("product"), &Value::str("kept"));
    }
}
