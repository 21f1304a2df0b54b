//! Upstream ESCU detection YAML (every layout: `rba:`, `intermediate_findings`,
//! `tags:`-era fields). Tolerant of fields it does not use; strict about `name` and
//! `search`.

use crate::engine::RulesError;
use serde_yaml_ng::Value as Yaml;
use std::path::{Path, PathBuf};

/// A loaded detection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detection {
    pub name: String,
    pub id: Option<String>,
    pub version: Option<String>,
    /// `type:` (`TTP`, `Anomaly`, `Hunting`, ...).
    pub kind: Option<String>,
    pub status: Option<String>,
    pub description: Option<String>,
    /// The search exactly as written in the YAML.
    pub search: String,
    pub mitre_attack_ids: Vec<String>,
    pub analytic_stories: Vec<String>,
    /// The risk message with `$field$` tokens (`rba.message` or the
    /// `intermediate_findings` entity message).
    pub risk_message: Option<String>,
    pub risk_objects: Vec<RiskObjectSpec>,
    pub threat_objects: Vec<ThreatObjectSpec>,
    pub drilldowns: Vec<Drilldown>,
    pub tests: Vec<DetectionTest>,
    /// Where it was loaded from (`None` for built-ins).
    pub path: Option<PathBuf>,
    /// `tags.observable` of the `tags:`-era layout, kept as written. They are not risk
    /// objects: risk events come only from `rba:`/`intermediate_findings` (issue 4).
    pub observables: Vec<Observable>,
    /// `tags.risk_score` (or top-level `risk_score`) of the `tags:`-era layout.
    pub risk_score: Option<u32>,
}

/// A `tags:`-era observable: `{name, type, role: [...]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Observable {
    pub field: String,
    pub kind: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RiskObjectSpec {
    pub field: String,
    pub kind: String,
    pub score: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ThreatObjectSpec {
    pub field: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Drilldown {
    pub name: String,
    pub search: String,
    pub earliest_offset: Option<String>,
    pub latest_offset: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DetectionTest {
    pub name: String,
    pub attack_data: Vec<AttackData>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttackData {
    /// The `data:` URL as written; resolved to a local file by its file name.
    pub data: String,
    pub sourcetype: Option<String>,
    pub source: Option<String>,
}

impl Detection {
    /// The filter macro every ESCU detection ends with: `<snake_case name>_filter`.
    pub fn filter_macro_name(&self) -> String {
        let mut s = String::new();
        for c in self.name.chars() {
            if c.is_ascii_alphanumeric() {
                s.push(c.to_ascii_lowercase());
            } else if !s.ends_with('_') {
                s.push('_');
            }
        }
        format!("{}_filter", s.trim_matches('_'))
    }
}

impl Detection {
    /// Parse detection YAML. `origin` names the source in errors (a file name, or
    /// `built-in <file>`).
    pub fn from_yaml_str(text: &str, origin: &str) -> Result<Detection, RulesError> {
        let doc: Yaml = serde_yaml_ng::from_str(text)
            .map_err(|e| RulesError::msg(format!("{origin}: invalid detection YAML: {e}")))?;
        let Yaml::Mapping(map) = &doc else {
            return Err(RulesError::msg(format!(
                "{origin}: a detection must be a YAML mapping"
            )));
        };
        let required = |key: &str| -> Result<String, RulesError> {
            match map.get(key) {
                Some(Yaml::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
                Some(Yaml::String(_)) | Some(Yaml::Null) | None => Err(RulesError::msg(format!(
                    "{origin}: the detection has no `{key}:` (every detection needs `name` and `search`)"
                ))),
                Some(_) => Err(RulesError::msg(format!(
                    "{origin}: `{key}:` must be a string"
                ))),
            }
        };
        let name = required("name")?;
        let search = required("search")?;
        let tags = map.get("tags").and_then(Yaml::as_mapping);

        // Newer layouts put `analytic_story` and `mitre_attack_id` at the top level; the
        // older ones under `tags:`. Take whichever is present, top level first.
        let list_at = |key: &str| -> Vec<String> {
            let top = strings(map.get(key));
            if !top.is_empty() {
                return top;
            }
            strings(tags.and_then(|t| t.get(key)))
        };

        let mut det = Detection {
            name,
            id: scalar(map.get("id")),
            version: scalar(map.get("version")),
            kind: scalar(map.get("type")),
            status: scalar(map.get("status")),
            description: scalar(map.get("description")),
            search,
            mitre_attack_ids: list_at("mitre_attack_id"),
            analytic_stories: list_at("analytic_story"),
            drilldowns: drilldowns(map.get("drilldown_searches")),
            tests: tests(map.get("tests"), origin)?,
            ..Detection::default()
        };

        if let Some(rba) = map.get("rba").and_then(Yaml::as_mapping) {
            // `rba:` layout: one message, risk objects and threat objects.
            det.risk_message = scalar(rba.get("message"));
            det.risk_objects = risk_objects(rba.get("risk_objects"), origin)?;
            det.threat_objects = threat_objects(rba.get("threat_objects"));
        } else if let Some(findings) = map.get("intermediate_findings").and_then(Yaml::as_mapping) {
            // `intermediate_findings:` layout: each entity carries its own message; the
            // threat objects are at the top level.
            det.risk_objects = risk_objects(findings.get("entities"), origin)?;
            det.risk_message = findings
                .get("entities")
                .and_then(Yaml::as_sequence)
                .and_then(|s| s.iter().find_map(|e| scalar(e.get("message"))));
            det.threat_objects = threat_objects(map.get("threat_objects"));
        } else if let Some(tags) = tags {
            // `tags:`-era layout: observables with roles, one `risk_score`, `message`.
            // Kept for display; this layout creates no risk events (issue 4 limits them
            // to `rba`/`intermediate_findings`), so the test runner does not require the
            // observable fields either.
            det.risk_message = scalar(tags.get("message"));
            det.risk_score = tags
                .get("risk_score")
                .and_then(number)
                .or_else(|| map.get("risk_score").and_then(number));
            for obs in tags
                .get("observable")
                .and_then(Yaml::as_sequence)
                .into_iter()
                .flatten()
            {
                let Some(field) = scalar(obs.get("name")) else {
                    continue;
                };
                det.observables.push(Observable {
                    field,
                    kind: observable_type(&scalar(obs.get("type")).unwrap_or_default()),
                    roles: strings(obs.get("role")),
                });
            }
        }
        if det.threat_objects.is_empty() {
            det.threat_objects = threat_objects(map.get("threat_objects"));
        }
        Ok(det)
    }

    /// Load a detection YAML file.
    pub fn load(path: &Path) -> Result<Detection, RulesError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| RulesError::msg(format!("{}: {e}", path.display())))?;
        let mut det = Detection::from_yaml_str(&text, &path.display().to_string())?;
        det.path = Some(path.to_path_buf());
        Ok(det)
    }

    /// Load every `*.yml`/`*.yaml` file in a directory (name order), or one file.
    pub fn load_path(path: &Path) -> Result<Vec<Detection>, RulesError> {
        if !path.is_dir() {
            return Ok(vec![Detection::load(path)?]);
        }
        let mut files = yaml_files(path)?;
        files.sort();
        files.iter().map(|p| Detection::load(p)).collect()
    }
}

/// The `*.yml`/`*.yaml` files directly in `dir`.
pub(crate) fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, RulesError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| RulesError::msg(format!("{}: {e}", dir.display())))?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| RulesError::msg(format!("{}: {e}", dir.display())))?;
        let p = entry.path();
        if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("yml") | Some("yaml")
        ) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// A scalar as text (`version: 10` is a number in YAML, a string here).
fn scalar(v: Option<&Yaml>) -> Option<String> {
    match v? {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn number(v: &Yaml) -> Option<u32> {
    match v {
        Yaml::Number(n) => n
            .as_u64()
            .map(|n| n.min(u32::MAX as u64) as u32)
            .or_else(|| n.as_f64().map(|f| f.max(0.0).round() as u32)),
        Yaml::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .map(|f| f.max(0.0).round() as u32),
        _ => None,
    }
}

/// A list of scalars; a single scalar counts as a one-element list.
fn strings(v: Option<&Yaml>) -> Vec<String> {
    match v {
        Some(Yaml::Sequence(items)) => items.iter().filter_map(|i| scalar(Some(i))).collect(),
        Some(other) => scalar(Some(other)).into_iter().collect(),
        None => Vec::new(),
    }
}

fn risk_objects(v: Option<&Yaml>, origin: &str) -> Result<Vec<RiskObjectSpec>, RulesError> {
    let mut out = Vec::new();
    for item in v.and_then(Yaml::as_sequence).into_iter().flatten() {
        let Some(field) = scalar(item.get("field")) else {
            return Err(RulesError::msg(format!(
                "{origin}: a risk object has no `field:`"
            )));
        };
        out.push(RiskObjectSpec {
            field,
            kind: scalar(item.get("type")).unwrap_or_else(|| "other".to_string()),
            score: item.get("score").and_then(number).unwrap_or(0),
        });
    }
    Ok(out)
}

fn threat_objects(v: Option<&Yaml>) -> Vec<ThreatObjectSpec> {
    v.and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|item| {
            Some(ThreatObjectSpec {
                field: scalar(item.get("field"))?,
                kind: scalar(item.get("type")).unwrap_or_else(|| "other".to_string()),
            })
        })
        .collect()
}

fn drilldowns(v: Option<&Yaml>) -> Vec<Drilldown> {
    v.and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|item| {
            Some(Drilldown {
                name: scalar(item.get("name")).unwrap_or_default(),
                search: scalar(item.get("search"))?,
                earliest_offset: scalar(item.get("earliest_offset")),
                latest_offset: scalar(item.get("latest_offset")),
            })
        })
        .collect()
}

fn tests(v: Option<&Yaml>, origin: &str) -> Result<Vec<DetectionTest>, RulesError> {
    let mut out = Vec::new();
    for (i, item) in v
        .and_then(Yaml::as_sequence)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let mut attack_data = Vec::new();
        for ad in item
            .get("attack_data")
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
        {
            let Some(data) = scalar(ad.get("data")) else {
                return Err(RulesError::msg(format!(
                    "{origin}: tests[{i}].attack_data entry has no `data:`"
                )));
            };
            attack_data.push(AttackData {
                data: data.trim().to_string(),
                sourcetype: scalar(ad.get("sourcetype")),
                source: scalar(ad.get("source")),
            });
        }
        out.push(DetectionTest {
            name: scalar(item.get("name")).unwrap_or_else(|| format!("test {}", i + 1)),
            attack_data,
        });
    }
    Ok(out)
}

/// `tags.observable[].type` (`User`, `Hostname`, `IP Address`) → the risk object types of
/// the `rba:` layout (`user`, `system`, `ip_address`, ...).
fn observable_type(t: &str) -> String {
    match t.to_ascii_lowercase().as_str() {
        "user" | "user name" => "user".to_string(),
        "hostname" | "endpoint" | "system" => "system".to_string(),
        "ip address" | "ip_address" => "ip_address".to_string(),
        "" => "other".to_string(),
        other => other.replace(' ', "_"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RBA: &str = r#"
name: Demo Rule
id: 1234
version: 10
type: Anomaly
search: '`cloudtrail` | stats count by user'
unknown_field: {nested: [1, 2]}
drilldown_searches:
  - name: View - "$user$"
    search: '%original_detection_search% | search user = "$user$"'
    earliest_offset: $info_min_time$
    latest_offset: $info_max_time$
rba:
  message: Upload by $user$
  risk_objects:
    - field: user
      type: user
      score: 49
  threat_objects:
    - field: src
      type: ip_address
tags:
  analytic_story: [Dev Sec Ops]
  mitre_attack_id: [T1204.003]
tests:
  - name: True Positive Test
    attack_data:
      - data:
          https://example.com/a/b/data.json
        sourcetype: aws:cloudtrail
        source: aws_cloudtrail
"#;

    #[test]
    fn rba_layout() {
        let d = Detection::from_yaml_str(RBA, "demo.yml").unwrap();
        assert_eq!(d.name, "Demo Rule");
        assert_eq!(d.version.as_deref(), Some("10"));
        assert_eq!(d.id.as_deref(), Some("1234"));
        assert_eq!(d.kind.as_deref(), Some("Anomaly"));
        assert_eq!(d.risk_message.as_deref(), Some("Upload by $user$"));
        assert_eq!(
            d.risk_objects,
            vec![RiskObjectSpec {
                field: "user".into(),
                kind: "user".into(),
                score: 49
            }]
        );
        assert_eq!(d.threat_objects[0].field, "src");
        assert_eq!(d.threat_objects[0].kind, "ip_address");
        assert_eq!(d.mitre_attack_ids, vec!["T1204.003"]);
        assert_eq!(d.analytic_stories, vec!["Dev Sec Ops"]);
        assert_eq!(d.drilldowns.len(), 1);
        assert_eq!(
            d.drilldowns[0].earliest_offset.as_deref(),
            Some("$info_min_time$")
        );
        assert_eq!(
            d.tests[0].attack_data[0].data,
            "https://example.com/a/b/data.json"
        );
        assert_eq!(
            d.tests[0].attack_data[0].sourcetype.as_deref(),
            Some("aws:cloudtrail")
        );
    }

    #[test]
    fn intermediate_findings_layout() {
        let y = r#"
name: X
search: '| makeresults'
intermediate_findings:
  entities:
    - field: user
      type: user
      score: 20
      message: Upload from $user$
threat_objects:
  - field: src
    type: ip_address
analytic_story: [Dev Sec Ops]
mitre_attack_id: [T1204.003]
"#;
        let d = Detection::from_yaml_str(y, "x.yml").unwrap();
        assert_eq!(d.risk_message.as_deref(), Some("Upload from $user$"));
        assert_eq!(d.risk_objects[0].score, 20);
        assert_eq!(d.threat_objects[0].field, "src");
        assert_eq!(d.analytic_stories, vec!["Dev Sec Ops"]);
        assert_eq!(d.mitre_attack_ids, vec!["T1204.003"]);
    }

    #[test]
    fn tags_era_layout() {
        let y = r#"
name: Old
search: '| tstats count'
tags:
  analytic_story: [Story]
  mitre_attack_id: [T1525]
  risk_score: 25
  message: tbd
  observable:
    - name: user
      type: User
      role: [Victim]
    - name: src_ip
      type: IP Address
      role: [Attacker]
"#;
        let d = Detection::from_yaml_str(y, "old.yml").unwrap();
        assert_eq!(d.mitre_attack_ids, vec!["T1525"]);
        assert_eq!(d.analytic_stories, vec!["Story"]);
        assert_eq!(d.risk_message.as_deref(), Some("tbd"));
        assert_eq!(d.risk_score, Some(25));
        assert_eq!(
            d.observables,
            vec![
                Observable {
                    field: "user".into(),
                    kind: "user".into(),
                    roles: vec!["Victim".into()]
                },
                Observable {
                    field: "src_ip".into(),
                    kind: "ip_address".into(),
                    roles: vec!["Attacker".into()]
                }
            ]
        );
        // No risk events from this layout.
        assert!(d.risk_objects.is_empty() && d.threat_objects.is_empty());
    }

    #[test]
    fn missing_name_or_search_is_a_clear_error() {
        let e = Detection::from_yaml_str("search: x\n", "rules/a.yml").unwrap_err();
        assert!(e.message.contains("rules/a.yml"), "{}", e.message);
        assert!(e.message.contains("`name:`"), "{}", e.message);
        let e = Detection::from_yaml_str("name: A\nsearch: ''\n", "b.yml").unwrap_err();
        assert!(e.message.contains("b.yml") && e.message.contains("`search:`"));
        let e = Detection::from_yaml_str("name: A\nsearch: [1]\n", "c.yml").unwrap_err();
        assert!(e.message.contains("must be a string"));
        let e = Detection::from_yaml_str("- 1\n", "d.yml").unwrap_err();
        assert!(e.message.contains("mapping"));
        let e = Detection::from_yaml_str("name: [\n", "e.yml").unwrap_err();
        assert!(e.message.starts_with("e.yml: invalid detection YAML"));
    }

    #[test]
    fn filter_macro_name_is_snake_case() {
        let d = Detection {
            name: "AWS ECR Container Upload Outside Business Hours".into(),
            ..Detection::default()
        };
        assert_eq!(
            d.filter_macro_name(),
            "aws_ecr_container_upload_outside_business_hours_filter"
        );
        let d = Detection {
            name: "New container uploaded to AWS ECR".into(),
            ..Detection::default()
        };
        assert_eq!(
            d.filter_macro_name(),
            "new_container_uploaded_to_aws_ecr_filter"
        );
        let d = Detection {
            name: "AWS ECR Container Scanning Findings Low Informational Unknown".into(),
            ..Detection::default()
        };
        assert_eq!(
            d.filter_macro_name(),
            "aws_ecr_container_scanning_findings_low_informational_unknown_filter"
        );
        let d = Detection {
            name: "Windows - Suspicious (PowerShell) Use!".into(),
            ..Detection::default()
        };
        assert_eq!(
            d.filter_macro_name(),
            "windows_suspicious_powershell_use_filter"
        );
    }
}
