//! Times given on the command line (`--now`, `--earliest`, `--latest`) and the event time
//! the bounds are compared with.
//!
//! Absolute and relative times are read by `minispl_eval::timefmt::parse_time`, the
//! one implementation shared with the evaluator.

use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;
use minispl_eval::timefmt::parse_time;
use minispl_eval::{Event, Value};

/// Epoch seconds or ISO-8601 (with an offset, or read in `tz`), for `--now`: a relative
/// modifier makes no sense there. `None` otherwise.
pub fn parse_absolute(text: &str, tz: Tz) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("now") || t.starts_with(['+', '@']) {
        return None;
    }
    if t.starts_with('-') && minispl_eval::value::parse_number(t).is_none() {
        return None;
    }
    parse_time(t, 0.0, tz).filter(|n| n.is_finite())
}

fn epoch(secs: i64, nanos: u32) -> f64 {
    secs as f64 + f64::from(nanos) / 1e9
}

/// A time bound: absolute (see [`parse_absolute`]), `now`, or a relative time modifier
/// applied to `now` in `tz` (`-24h@h`, `@d`, `+1h`).
pub fn parse_time_arg(text: &str, now: f64, tz: Tz) -> Result<f64, String> {
    parse_time(text, now, tz)
        .filter(|n| n.is_finite())
        .ok_or_else(|| {
            format!(
            "`{text}` is not a time: use epoch seconds, ISO-8601 or a relative time such as -24h@h"
        )
        })
}

/// The time an event is at, for `--earliest`/`--latest`: a field map's `_time`, or for a
/// raw record the CloudTrail timestamp rule (CLOUDTRAIL.md §1: the text after the first
/// `"eventTime"\s*:\s*"`, which CloudTrail writes as RFC 3339 in UTC).
pub fn event_time(event: &Event) -> Option<f64> {
    match event {
        Event::Fields { row, .. } => match row.get("_time") {
            Value::Num(n) => Some(*n),
            other => other.as_number(),
        },
        Event::Raw { raw, .. } => cloudtrail_event_time(raw),
    }
}

fn cloudtrail_event_time(raw: &str) -> Option<f64> {
    const KEY: &str = "\"eventTime\"";
    let at = raw.find(KEY)? + KEY.len();
    let rest = raw[at..].trim_start();
    let rest = rest.strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let end = rest.find('"')?;
    let t = DateTime::parse_from_rfc3339(&rest[..end]).ok()?;
    Some(epoch(t.timestamp(), t.timestamp_subsec_nanos()))
}

/// `--earliest`/`--latest` as Splunk applies them: `earliest <= _time < latest`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TimeRange {
    pub earliest: Option<f64>,
    pub latest: Option<f64>,
}

impl TimeRange {
    pub fn is_all_time(&self) -> bool {
        self.earliest.is_none() && self.latest.is_none()
    }

    /// An event without a time cannot be shown to be in a bounded range, so it is left
    /// out (and counted) when any bound is given.
    pub fn contains(&self, event: &Event) -> bool {
        if self.is_all_time() {
            return true;
        }
        let Some(t) = event_time(event) else {
            return false;
        };
        self.earliest.map_or(true, |e| t >= e) && self.latest.map_or(true, |l| t < l)
    }
}

/// Render epoch seconds as Splunk's REST API renders `_time`:
/// `2021-08-18T23:17:30.000+00:00`, in `tz`.
pub fn render_time(epoch: f64, tz: Tz) -> Option<String> {
    if !epoch.is_finite() {
        return None;
    }
    let secs = epoch.floor();
    let nanos = ((epoch - secs) * 1e9).round().min(999_999_999.0) as u32;
    let t = tz.timestamp_opt(secs as i64, nanos).single()?;
    Some(t.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use minispl_eval::{EventMeta, Row};

    #[test]
    fn absolute_times() {
        assert_eq!(parse_absolute("1629328650", Tz::UTC), Some(1629328650.0));
        assert_eq!(parse_absolute("1629328650.5", Tz::UTC), Some(1629328650.5));
        assert_eq!(
            parse_absolute("2021-08-18T23:17:30Z", Tz::UTC),
            Some(1629328650.0)
        );
        assert_eq!(
            parse_absolute("2021-08-18T23:17:30+02:00", Tz::UTC),
            Some(1629328650.0 - 7200.0)
        );
        // Without an offset, the time is read in --tz.
        assert_eq!(
            parse_absolute("2021-08-18T23:17:30", Tz::Europe__Paris),
            Some(1629328650.0 - 7200.0)
        );
        assert_eq!(parse_absolute("2021-08-18", Tz::UTC), Some(1629244800.0));
        assert_eq!(parse_absolute("-24h@h", Tz::UTC), None);
        assert_eq!(parse_absolute("yesterday", Tz::UTC), None);
    }

    #[test]
    fn now_is_the_given_now() {
        assert_eq!(parse_time_arg("now", 100.0, Tz::UTC), Ok(100.0));
        assert_eq!(
            parse_time_arg("2021-08-18T23:17:30Z", 100.0, Tz::UTC),
            Ok(1629328650.0)
        );
    }

    #[test]
    fn relative_times_snap_in_the_time_zone() {
        let now = 1629328650.0; // 2021-08-18T23:17:30Z
        assert_eq!(parse_time_arg("-24h@h", now, Tz::UTC), Ok(1629241200.0));
        assert_eq!(parse_time_arg("@d", now, Tz::UTC), Ok(1629244800.0));
        // `q` is a unit (quarters); `x` is not.
        assert_eq!(parse_time_arg("-1q@d", now, Tz::UTC), Ok(1621296000.0));
        assert!(parse_time_arg("-24x", now, Tz::UTC).is_err());
    }

    fn raw(text: &str) -> Event {
        Event::Raw {
            raw: text.to_string(),
            meta: EventMeta::default(),
        }
    }

    #[test]
    fn event_time_from_cloudtrail_text_or_time_field() {
        assert_eq!(
            event_time(&raw(
                r#"{"eventVersion":"1.08","eventTime" : "2021-08-18T23:17:30Z"}"#
            )),
            Some(1629328650.0)
        );
        assert_eq!(event_time(&raw(r#"{"eventTime":"not a time"}"#)), None);
        assert_eq!(event_time(&raw(r#"{"a":1}"#)), None);
        let mut row = Row::new();
        row.set("_time", Value::Num(12.0));
        let fields = Event::Fields {
            row,
            meta: EventMeta::default(),
        };
        assert_eq!(event_time(&fields), Some(12.0));
    }

    #[test]
    fn range_is_earliest_inclusive_latest_exclusive() {
        let range = TimeRange {
            earliest: Some(1629328650.0),
            latest: Some(1629328651.0),
        };
        assert!(range.contains(&raw(r#"{"eventTime":"2021-08-18T23:17:30Z"}"#)));
        assert!(!range.contains(&raw(r#"{"eventTime":"2021-08-18T23:17:31Z"}"#)));
        assert!(!range.contains(&raw(r#"{"eventTime":"2021-08-18T23:17:29Z"}"#)));
        assert!(!range.contains(&raw(r#"{"no":"time"}"#)));
        assert!(TimeRange::default().contains(&raw(r#"{"no":"time"}"#)));
    }

    #[test]
    fn time_renders_like_the_rest_api() {
        assert_eq!(
            render_time(1629328650.25, Tz::UTC).as_deref(),
            Some("2021-08-18T23:17:30.250+00:00")
        );
        assert_eq!(
            render_time(1629328650.0, Tz::Europe__Paris).as_deref(),
            Some("2021-08-19T01:17:30.000+02:00")
        );
        assert_eq!(render_time(f64::NAN, Tz::UTC), None);
    }
}
