//! Risk events: for every result row of a detection with risk objects, the message with
//! `$field$` tokens filled, each risk object and threat object, and the detection's
//! identity (placeholder until implemented).

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
    pub threat_objects: Vec<(String, String, String)>,
    pub mitre_attack_ids: Vec<String>,
}
