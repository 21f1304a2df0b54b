//! `KV_MODE=json` automatic extraction (CLOUDTRAIL.md §3), limited to the fields a search
//! needs.
//!
//! Naming follows [`crate::json::flatten`] exactly (R4.7, R4.13): nested keys joined with
//! `.`, one `{}` per array level, leaves only, a path crossing an array gives a multivalue
//! in document order, `null` leaves are absent (CLOUDTRAIL.md §3 leaves `null` undocumented;
//! we treat it as absent, R4.9). Extraction happens at search time, so extracting only the
//! fields the plan needs is allowed as long as results are identical: subtrees whose path
//! cannot lead to a needed name are skipped without building their names (issue 3: "a
//! pipeline that references five fields must not pay for materialising five hundred").

use crate::plan::FieldSet;
use crate::row::Row;
use crate::value::Value;
use indexmap::IndexMap;
use serde_json::Value as Json;

/// Extract the JSON leaves of `raw` that `wanted` selects into `row`, overwriting fields of
/// the same name. Text that is not a JSON object extracts nothing (as Splunk, R4.10).
/// Returns the number of fields set.
pub fn extract_json(raw: &str, wanted: &FieldSet, row: &mut Row) -> usize {
    if wanted.is_empty() {
        return 0;
    }
    let Ok(json) = serde_json::from_str::<Json>(raw) else {
        return 0;
    };
    let fields = flatten_selected(&json, wanted);
    let n = fields.len();
    for (name, values) in fields {
        row.set(name, Value::multi(values));
    }
    n
}

/// Like [`crate::json::flatten`] but keeping only the names `wanted` selects, and never
/// descending into a subtree from which no selected name can be reached.
pub fn flatten_selected(value: &Json, wanted: &FieldSet) -> Vec<(String, Vec<String>)> {
    let mut out: IndexMap<String, Vec<String>> = IndexMap::new();
    if !matches!(value, Json::Object(_)) {
        // Only a JSON object is an event with fields; a bare scalar or array at the top is
        // not extracted by KV_MODE=json.
        return Vec::new();
    }
    let mut path = String::new();
    walk(value, &mut path, wanted, &mut out);
    out.into_iter().collect()
}

fn walk(
    value: &Json,
    path: &mut String,
    wanted: &FieldSet,
    out: &mut IndexMap<String, Vec<String>>,
) {
    match value {
        Json::Null => {}
        Json::Bool(b) => leaf(
            path,
            if *b { "true" } else { "false" }.to_string(),
            wanted,
            out,
        ),
        Json::Number(n) => leaf(path, n.to_string(), wanted, out),
        Json::String(s) => leaf(path, s.clone(), wanted, out),
        Json::Array(items) => {
            let len = path.len();
            path.push_str("{}");
            if wanted.may_extend(path) {
                for item in items {
                    walk(item, path, wanted, out);
                }
            }
            path.truncate(len);
        }
        Json::Object(map) => {
            let len = path.len();
            for (key, child) in map {
                if len > 0 {
                    path.push('.');
                }
                path.push_str(key);
                if wanted.may_extend(path) {
                    walk(child, path, wanted, out);
                }
                path.truncate(len);
            }
        }
    }
}

fn leaf(path: &str, text: String, wanted: &FieldSet, out: &mut IndexMap<String, Vec<String>>) {
    if path.is_empty() || !wanted.contains(path) {
        return;
    }
    match out.get_mut(path) {
        Some(values) => values.push(text),
        None => {
            out.insert(path.to_string(), vec![text]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"eventName":"PutImage","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/x","sessionContext":{"sessionIssuer":{"userName":"r"}}},"resources":[{"ARN":"a1","accountId":"1"},{"ARN":"a2"}],"tags":["p",null,"q"],"n":5543,"ok":false,"gone":null,"nested":[[1,2],[3]],"empty":{},"none":[]}"#;

    fn names(fields: &[(String, Vec<String>)]) -> Vec<&str> {
        fields.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn all_extracts_every_leaf_with_splunk_names() {
        let json: Json = serde_json::from_str(EVENT).expect("test JSON");
        let got = flatten_selected(&json, &FieldSet::all());
        assert_eq!(
            names(&got),
            vec![
                "eventName",
                "userIdentity.type",
                "userIdentity.arn",
                "userIdentity.sessionContext.sessionIssuer.userName",
                "resources{}.ARN",
                "resources{}.accountId",
                "tags{}",
                "n",
                "ok",
                "nested{}{}",
            ]
        );
        let get = |n: &str| got.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        // A path crossing an array is multivalue in document order; null leaves are absent.
        assert_eq!(get("resources{}.ARN"), Some(vec!["a1".into(), "a2".into()]));
        assert_eq!(get("tags{}"), Some(vec!["p".into(), "q".into()]));
        // Numbers and booleans keep their JSON text (CLOUDTRAIL.md §3).
        assert_eq!(get("n"), Some(vec!["5543".into()]));
        assert_eq!(get("ok"), Some(vec!["false".into()]));
        // R4.13: one `{}` per array level.
        assert_eq!(
            get("nested{}{}"),
            Some(vec!["1".into(), "2".into(), "3".into()])
        );
        assert_eq!(get("gone"), None);
    }

    #[test]
    fn selection_keeps_only_needed_names() {
        let json: Json = serde_json::from_str(EVENT).expect("test JSON");
        let wanted = FieldSet::from_names(["eventName", "resources{}.ARN", "absent.field"]);
        let got = flatten_selected(&json, &wanted);
        assert_eq!(names(&got), vec!["eventName", "resources{}.ARN"]);
    }

    #[test]
    fn wildcard_patterns_select_by_prefix() {
        let json: Json = serde_json::from_str(EVENT).expect("test JSON");
        let wanted = FieldSet::from_names(["userIdentity.*"]);
        let got = flatten_selected(&json, &wanted);
        assert_eq!(
            names(&got),
            vec![
                "userIdentity.type",
                "userIdentity.arn",
                "userIdentity.sessionContext.sessionIssuer.userName"
            ]
        );
        let wanted = FieldSet::from_names(["*.ARN"]);
        assert_eq!(
            names(&flatten_selected(&json, &wanted)),
            vec!["resources{}.ARN"]
        );
    }

    #[test]
    fn selected_equals_full_extraction_restricted() {
        // The limited walk must give exactly what full extraction gives for those names.
        let json: Json = serde_json::from_str(EVENT).expect("test JSON");
        let full = flatten_selected(&json, &FieldSet::all());
        for wanted in [
            FieldSet::from_names(["n", "tags{}"]),
            FieldSet::from_names(["resources*", "ok"]),
            FieldSet::from_names(["*Name", "nested{}{}"]),
            FieldSet::none(),
        ] {
            let expected: Vec<_> = full
                .iter()
                .filter(|(n, _)| wanted.contains(n))
                .cloned()
                .collect();
            assert_eq!(flatten_selected(&json, &wanted), expected, "{wanted}");
        }
    }

    #[test]
    fn matches_json_flatten() {
        // Same naming rules as `json::flatten` (implemented by another module).
        let json: Json = serde_json::from_str(EVENT).expect("test JSON");
        assert_eq!(
            flatten_selected(&json, &FieldSet::all()),
            crate::json::flatten(&json)
        );
    }

    #[test]
    fn into_row_and_invalid_json() {
        let mut row = Row::new();
        row.set("eventName", Value::str("old"));
        let n = extract_json(
            EVENT,
            &FieldSet::from_names(["eventName", "tags{}"]),
            &mut row,
        );
        assert_eq!(n, 2);
        assert_eq!(row.get("eventName"), &Value::str("PutImage"));
        assert_eq!(
            row.get("tags{}"),
            &Value::Multi(vec!["p".into(), "q".into()])
        );
        let mut row = Row::new();
        assert_eq!(extract_json("not json", &FieldSet::all(), &mut row), 0);
        assert_eq!(extract_json("[1,2]", &FieldSet::all(), &mut row), 0);
        assert!(row.is_empty());
    }
}
