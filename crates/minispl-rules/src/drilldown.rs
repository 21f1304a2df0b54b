//! Drilldown searches (`drilldown_searches:`) rendered for one result row, ready to run:
//! `%original_detection_search%` becomes the detection's search as written (macros and
//! all; they expand when it runs), `$field$` tokens take the row's values, and
//! `$info_min_time$`/`$info_max_time$` the run's time bounds.
//!
//! Values are inserted with `\` and `"` escaped, because ESCU drilldowns put tokens
//! inside double quotes (`user = "$user$"`): a value with a quote must not end the
//! string early. A multivalue renders as its values joined by `, ` (as in risk
//! messages); a null field as the empty string.

use crate::detection::{Detection, Drilldown};
use crate::risk::{fill_tokens, render_for_message};
use minispl_eval::Row;

/// The token standing for the detection's own search.
pub const ORIGINAL_SEARCH: &str = "%original_detection_search%";

/// A drilldown with every token filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedDrilldown {
    pub name: String,
    pub search: String,
    pub earliest: Option<String>,
    pub latest: Option<String>,
}

/// The run's time bounds as Splunk's `info_min_time`/`info_max_time` render them (an
/// all-time search: `0` and `+Infinity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoTimes {
    pub min: String,
    pub max: String,
}

impl Default for InfoTimes {
    fn default() -> Self {
        InfoTimes {
            min: "0".to_string(),
            max: "+Infinity".to_string(),
        }
    }
}

fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn fill(template: &str, row: &Row, times: &InfoTimes, escape_values: bool) -> String {
    fill_tokens(template, |token| match token {
        "info_min_time" => times.min.clone(),
        "info_max_time" => times.max.clone(),
        field => {
            let v = render_for_message(row.get(field));
            if escape_values {
                escape(&v)
            } else {
                v
            }
        }
    })
}

/// Render one drilldown for `row`.
pub fn render_drilldown(
    drilldown: &Drilldown,
    detection: &Detection,
    row: &Row,
    times: &InfoTimes,
) -> RenderedDrilldown {
    // Tokens are filled in the drilldown's own text only: the original search is
    // inserted afterwards so a `$` inside it is never taken for a token.
    let search = drilldown
        .search
        .split(ORIGINAL_SEARCH)
        .map(|part| fill(part, row, times, true))
        .collect::<Vec<_>>()
        .join(&detection.search);
    RenderedDrilldown {
        name: fill(&drilldown.name, row, times, false),
        search,
        earliest: drilldown
            .earliest_offset
            .as_deref()
            .map(|t| fill(t, row, times, false)),
        latest: drilldown
            .latest_offset
            .as_deref()
            .map(|t| fill(t, row, times, false)),
    }
}

/// Every drilldown of `detection` for `row`.
pub fn render_drilldowns(
    detection: &Detection,
    row: &Row,
    times: &InfoTimes,
) -> Vec<RenderedDrilldown> {
    detection
        .drilldowns
        .iter()
        .map(|d| render_drilldown(d, detection, row, times))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use minispl_eval::Value;

    fn detection() -> Detection {
        Detection {
            name: "D".into(),
            search: "`cloudtrail` eventName=PutImage | stats count by user".into(),
            drilldowns: vec![
                Drilldown {
                    name: "View the detection results for - \"$user$\"".into(),
                    search: "%original_detection_search% | search  user = \"$user$\"".into(),
                    earliest_offset: Some("$info_min_time$".into()),
                    latest_offset: Some("$info_max_time$".into()),
                },
                Drilldown {
                    name: "Risk".into(),
                    search: "| from datamodel Risk.All_Risk | search normalized_risk_object IN (\"$user$\")".into(),
                    earliest_offset: Some("7d".into()),
                    latest_offset: Some("0".into()),
                },
            ],
            ..Detection::default()
        }
    }

    fn row(user: Value) -> Row {
        [("user".to_string(), user)].into_iter().collect()
    }

    #[test]
    fn original_search_and_tokens() {
        let d = detection();
        let r = render_drilldowns(&d, &row(Value::str("mallory")), &InfoTimes::default());
        assert_eq!(r[0].name, "View the detection results for - \"mallory\"");
        assert_eq!(
            r[0].search,
            "`cloudtrail` eventName=PutImage | stats count by user | search  user = \"mallory\""
        );
        assert_eq!(r[0].earliest.as_deref(), Some("0"));
        assert_eq!(r[0].latest.as_deref(), Some("+Infinity"));
        assert_eq!(
            r[1].search,
            "| from datamodel Risk.All_Risk | search normalized_risk_object IN (\"mallory\")"
        );
        assert_eq!(r[1].earliest.as_deref(), Some("7d"));
    }

    #[test]
    fn values_are_escaped_inside_the_search_only() {
        let d = detection();
        let r = render_drilldown(
            &d.drilldowns[0],
            &d,
            &row(Value::str(r#"a"b\c"#)),
            &InfoTimes {
                min: "1700000000".into(),
                max: "1700003600".into(),
            },
        );
        assert!(r.search.ends_with(r#"user = "a\"b\\c""#), "{}", r.search);
        assert_eq!(r.name, r#"View the detection results for - "a"b\c""#);
        assert_eq!(r.earliest.as_deref(), Some("1700000000"));
    }

    #[test]
    fn dollar_in_original_search_is_not_a_token() {
        let mut d = detection();
        d.search = "search x=\"$user$\"".into();
        let r = render_drilldown(
            &d.drilldowns[0],
            &d,
            &row(Value::str("u")),
            &InfoTimes::default(),
        );
        assert_eq!(r.search, "search x=\"$user$\" | search  user = \"u\"");
    }
}
