//! Risk events (issue 4): for every result row of a detection with risk objects, one
//! event per risk object value, carrying the message with `$field$` tokens filled from
//! the row, the threat objects found in the row, and the detection's identity.
//!
//! Choices where Splunk ES is not specified by our spec (documented in the crate README):
//! - a multivalue risk object field gives one risk event per value;
//! - a row whose risk object field is null gives no risk event for that object;
//! - in the message, a multivalue field renders as its values joined by `, `, and a
//!   token naming a null field renders as the empty string;
//! - every non-null value of each threat object field is a threat object.

use crate::detection::Detection;
use minispl_eval::{Row, Value};

/// One risk event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RiskEvent {
    pub detection: String,
    pub detection_id: Option<String>,
    pub message: String,
    pub risk_object: String,
    pub risk_object_type: String,
    pub risk_object_field: String,
    pub risk_score: u32,
    /// `(field, type, value)` for each threat object value in the row.
    pub threat_objects: Vec<(String, String, String)>,
    pub mitre_attack_ids: Vec<String>,
}

/// How a field value reads inside a message.
pub fn render_for_message(value: &Value) -> String {
    match value {
        Value::Multi(values) => values.join(", "),
        other => other.render().map(|c| c.into_owned()).unwrap_or_default(),
    }
}

/// Replace every `$field$` token of `template` with `render(row value)`. `$$` is a
/// literal `$`; a lone `$` with no closing `$` stays as written.
pub fn fill_tokens(template: &str, mut render: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('$') {
            Some(0) => {
                out.push('$');
                rest = &after[1..];
            }
            Some(end) => {
                out.push_str(&render(&after[..end]));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The risk message of `detection` for one row.
pub fn risk_message(detection: &Detection, row: &Row) -> String {
    let template = detection.risk_message.as_deref().unwrap_or_default();
    fill_tokens(template, |field| render_for_message(row.get(field)))
}

/// The risk events for every row.
pub fn risk_events(detection: &Detection, rows: &[Row]) -> Vec<RiskEvent> {
    let mut out = Vec::new();
    for row in rows {
        let message = risk_message(detection, row);
        let threat_objects: Vec<(String, String, String)> = detection
            .threat_objects
            .iter()
            .flat_map(|t| {
                row.get(&t.field)
                    .to_strings()
                    .into_iter()
                    .map(move |v| (t.field.clone(), t.kind.clone(), v))
            })
            .collect();
        for spec in &detection.risk_objects {
            for value in row.get(&spec.field).to_strings() {
                out.push(RiskEvent {
                    detection: detection.name.clone(),
                    detection_id: detection.id.clone(),
                    message: message.clone(),
                    risk_object: value,
                    risk_object_type: spec.kind.clone(),
                    risk_object_field: spec.field.clone(),
                    risk_score: spec.score,
                    threat_objects: threat_objects.clone(),
                    mitre_attack_ids: detection.mitre_attack_ids.clone(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detection::{RiskObjectSpec, ThreatObjectSpec};

    fn detection() -> Detection {
        Detection {
            name: "AWS ECR Container Upload Unknown User".into(),
            id: Some("300688e4-365c-4486-a065-7c884462b31d".into()),
            search: "x".into(),
            mitre_attack_ids: vec!["T1204.003".into()],
            risk_message: Some("Container uploaded from unknown user $user$".into()),
            risk_objects: vec![RiskObjectSpec {
                field: "user".into(),
                kind: "user".into(),
                score: 20,
            }],
            threat_objects: vec![ThreatObjectSpec {
                field: "src".into(),
                kind: "ip_address".into(),
            }],
            ..Detection::default()
        }
    }

    fn row(pairs: &[(&str, Value)]) -> Row {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn fill_tokens_cases() {
        let r = row(&[
            ("user", Value::str("mallory")),
            ("count", Value::Num(2.0)),
            ("m", Value::Multi(vec!["a".into(), "b".into()])),
        ]);
        let f = |t: &str| fill_tokens(t, |f| render_for_message(r.get(f)));
        assert_eq!(f("by $user$ x$count$"), "by mallory x2");
        assert_eq!(f("$m$"), "a, b");
        assert_eq!(f("[$missing$]"), "[]");
        assert_eq!(f("cost $$5"), "cost $5");
        assert_eq!(f("trailing $user"), "trailing $user");
        assert_eq!(f("no tokens"), "no tokens");
    }

    #[test]
    fn one_event_per_row_and_risk_object() {
        let rows = vec![
            row(&[
                ("user", Value::str("mallory")),
                ("src", Value::str("203.0.113.45")),
            ]),
            row(&[("user", Value::str("root"))]),
        ];
        let ev = risk_events(&detection(), &rows);
        assert_eq!(ev.len(), 2);
        assert_eq!(
            ev[0].message,
            "Container uploaded from unknown user mallory"
        );
        assert_eq!(ev[0].risk_object, "mallory");
        assert_eq!(ev[0].risk_object_type, "user");
        assert_eq!(ev[0].risk_object_field, "user");
        assert_eq!(ev[0].risk_score, 20);
        assert_eq!(
            ev[0].threat_objects,
            vec![(
                "src".to_string(),
                "ip_address".to_string(),
                "203.0.113.45".to_string()
            )]
        );
        assert_eq!(ev[0].mitre_attack_ids, vec!["T1204.003"]);
        assert_eq!(
            ev[0].detection_id.as_deref(),
            Some("300688e4-365c-4486-a065-7c884462b31d")
        );
        assert_eq!(ev[1].risk_object, "root");
        assert!(ev[1].threat_objects.is_empty());
    }

    #[test]
    fn multivalue_risk_object_and_null_risk_object() {
        let rows = vec![
            row(&[("user", Value::Multi(vec!["alice".into(), "bob".into()]))]),
            row(&[("src", Value::str("10.0.0.1"))]),
        ];
        let ev = risk_events(&detection(), &rows);
        let objects: Vec<&str> = ev.iter().map(|e| e.risk_object.as_str()).collect();
        assert_eq!(objects, vec!["alice", "bob"]);
        assert_eq!(
            ev[0].message,
            "Container uploaded from unknown user alice, bob"
        );
    }

    #[test]
    fn no_risk_objects_no_events() {
        let mut d = detection();
        d.risk_objects.clear();
        assert!(risk_events(&d, &[row(&[("user", Value::str("x"))])]).is_empty());
    }
}
