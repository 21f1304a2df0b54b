//! Upstream ESCU detection YAML (every layout: `rba:`, `intermediate_findings`,
//! `tags:`-era fields). Tolerant of fields it does not use; strict about `name` and
//! `search`.

use std::path::PathBuf;

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
