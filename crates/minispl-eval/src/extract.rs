//! `KV_MODE=json` automatic extraction (CLOUDTRAIL.md §3), limited to the fields a search
//! needs.
//!
//! Naming follows [`crate::json::flatten`] exactly (R4.7, R4.13): nested keys joined with
//! `.`, one `{}` per array level, leaves only, a path crossing an array gives a multivalue
//! in document order, `null` leaves are absent (CLOUDTRAIL.md §3 leaves `null` undocumented;
//! we treat it as absent, R4.9). Extraction happens at search time, so extracting only the
//! fields the plan needs is allowed as long as results are identical: subtrees whose path
//! cannot lead to a needed name are skipped by the JSON parser without building them
//! (issue 3: "a pipeline that references five fields must not pay for materialising five
//! hundred").

pub mod scan;
pub(crate) mod skip;

use crate::plan::FieldSet;
use crate::row::{FieldName, Row};
use crate::value::Value;
use indexmap::IndexMap;
pub use scan::Text;
use serde_json::Value as Json;

/// Extract the JSON leaves of `raw` that `wanted` selects into `row`, overwriting fields of
/// the same name. Text that is not a JSON object extracts nothing (as Splunk, R4.10).
/// Returns the number of fields set.
pub fn extract_json(raw: &str, wanted: &FieldSet, row: &mut Row) -> usize {
    if wanted.is_empty() {
        return 0;
    }
    extract_into(row, wanted, Text::Unchecked, Some(raw))
}

thread_local! {
    /// The scanner's buffers, kept on each thread from event to event (issue 6).
    static SCRATCH: std::cell::RefCell<scan::Scratch> = std::cell::RefCell::default();
}

/// Extract the leaves of the event text `raw` (`None`: the row's own `_raw`) that
/// `wanted` selects into `row`, overwriting fields of the same name: the fields of
/// [`extract_values`] set in order, without a list of them in between (issue 6). Text
/// that is not a JSON object, or not valid JSON, extracts nothing (R4.10). Returns the
/// number of fields set.
pub fn extract_into(row: &mut Row, wanted: &FieldSet, text: Text<'_>, raw: Option<&str>) -> usize {
    let scanned = |scratch: &mut scan::Scratch, row: &mut Row| {
        // The serde walk's fields when the scanner is not certain (or not asked).
        let fallback = {
            let Some(raw) = raw
                .or_else(|| row.raw())
                .filter(|raw| raw.trim_start().starts_with('{'))
            else {
                return 0;
            };
            if scan::serves(wanted) && scan::scan_with(raw, wanted.selector(), text, scratch) {
                None
            } else {
                match flatten_text_serde(raw, wanted) {
                    Some(fields) => Some(fields),
                    None => return 0,
                }
            }
        };
        match fallback {
            None => scratch.set_into(wanted.selector(), row),
            Some(fields) => {
                let n = fields.len();
                for (name, values) in fields {
                    row.set(name, Value::multi(values));
                }
                n
            }
        }
    };
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => scanned(&mut scratch, row),
        // Not expected (nothing extracts while a scan runs); correct all the same.
        Err(_) => scanned(&mut scan::Scratch::default(), row),
    })
}

/// The selected leaves of the JSON text `raw`, or `None` if it is not valid JSON.
///
/// Exact names and prefix patterns go through the hand-written [`scan`] (issue 6: W3/W4 spent a third of
/// their time in the `serde_json` walk); whenever it is unsure (odd whitespace, escaped
/// keys, surrogates, invalid text...) the `serde_json` walk answers, so the result is
/// always that of [`flatten_text_serde`].
pub fn flatten_text(raw: &str, wanted: &FieldSet) -> Option<Vec<(String, Vec<String>)>> {
    let fields = extract_values(raw, wanted, Text::Unchecked)?;
    Some(
        fields
            .into_iter()
            .map(|(name, value)| {
                let values = match value {
                    Value::Multi(values) => values,
                    Value::Str(one) => vec![one.into()],
                    // Extraction only produces strings.
                    other => other.to_strings(),
                };
                (name.into(), values)
            })
            .collect(),
    )
}

/// [`flatten_text`] with each field's values as the field value (`Value::multi`): what a
/// row receives. `text` says whether `raw` is known to be valid JSON (the same answer
/// either way, faster when it is).
pub fn extract_values(
    raw: &str,
    wanted: &FieldSet,
    text: Text<'_>,
) -> Option<Vec<(FieldName, Value)>> {
    if scan::serves(wanted) {
        let sel = wanted.selector();
        if let Some(scanned) = scan::scan_text(raw, sel, text) {
            return Some(scanned.into_fields(sel));
        }
    }
    let fields = flatten_text_serde(raw, wanted)?;
    Some(
        fields
            .into_iter()
            .map(|(name, values)| (name.into(), Value::multi(values)))
            .collect(),
    )
}

/// [`flatten_text`] by a `serde_json` walk (the reference the scanner is tested against,
/// and its fallback). Reads the text once without building a document tree: subtrees
/// that cannot lead to a selected name are skipped by the parser (`IgnoredAny`), so their
/// keys and strings are never allocated.
pub fn flatten_text_serde(raw: &str, wanted: &FieldSet) -> Option<Vec<(String, Vec<String>)>> {
    let mut out: IndexMap<String, Vec<String>> = IndexMap::new();
    let mut path = String::new();
    let mut de = serde_json::Deserializer::from_str(raw);
    let seed = Walk {
        path: &mut path,
        wanted,
        out: &mut out,
    };
    serde::de::DeserializeSeed::deserialize(seed, &mut de).ok()?;
    // Trailing text after the document makes it invalid, as for a full parse.
    de.end().ok()?;
    Some(out.into_iter().collect())
}

/// One step of the streaming walk: the value at `path`.
struct Walk<'a> {
    path: &'a mut String,
    wanted: &'a FieldSet,
    out: &'a mut IndexMap<String, Vec<String>>,
}

impl Walk<'_> {
    fn leaf(self, text: String) {
        leaf(self.path, text, self.wanted, self.out);
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.leaf(if v { "true" } else { "false" }.to_string());
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.leaf(v.to_string());
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.leaf(v.to_string());
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        // The same text serde_json gives a parsed number (CLOUDTRAIL.md §3: JSON text).
        let text = serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string());
        self.leaf(text);
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        // Only allocate the value when the field is selected.
        if !self.path.is_empty() && self.wanted.contains(self.path) {
            self.leaf(v.to_string());
        }
        Ok(())
    }
    /// `null`: an absent field (R4.9).
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let len = self.path.len();
        self.path.push_str("{}");
        if self.wanted.may_extend(self.path) {
            loop {
                let step = Walk {
                    path: &mut *self.path,
                    wanted: self.wanted,
                    out: &mut *self.out,
                };
                if seq.next_element_seed(step)?.is_none() {
                    break;
                }
            }
        } else {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        }
        self.path.truncate(len);
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let len = self.path.len();
        loop {
            if len > 0 {
                self.path.push('.');
            }
            if map.next_key_seed(Key(&mut *self.path))?.is_none() {
                self.path.truncate(len);
                break;
            }
            // A top-level key `""` names its children without a prefix (R4.7: `""`
            // then `.` is not written at the top), so anything may lie below it.
            if self.path.is_empty() || self.wanted.may_extend(self.path) {
                map.next_value_seed(Walk {
                    path: &mut *self.path,
                    wanted: self.wanted,
                    out: &mut *self.out,
                })?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
            self.path.truncate(len);
        }
        Ok(())
    }
}

/// Appends an object key to the path without allocating it separately.
struct Key<'a>(&'a mut String);

impl<'de> serde::de::DeserializeSeed<'de> for Key<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Key<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.push_str(v);
        Ok(())
    }
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
                // As in the streaming walk: below a top-level `""` any name may lie.
                if path.is_empty() || wanted.may_extend(path) {
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

    /// A top-level key `""` puts its children at the top (`{"":{"zzk":1}}` has the field
    /// `zzk`), so a selection must look below it; nested, it makes `b..zzk`. Found by
    /// the `spath` work of issue 6: with the selection, `zzk=X` found nothing.
    #[test]
    fn empty_keys_are_walked_like_full_extraction() {
        let doc = r#"{"":{"zzk":"X","":{"deep":"D"}},"b":{"":{"zzk":"Y"}},"z":[{"":{"w":1}}]}"#;
        let json: Json = serde_json::from_str(doc).expect("test JSON");
        let full = flatten_selected(&json, &FieldSet::all());
        assert_eq!(
            names(&full),
            vec!["zzk", "deep", "b..zzk", "z{}..w"],
            "the naming the selections must agree with"
        );
        for wanted in [
            FieldSet::from_names(["zzk"]),
            FieldSet::from_names(["deep", "b..zzk"]),
            FieldSet::from_names(["z{}..w"]),
            FieldSet::from_names(["zz*"]),
        ] {
            let expected: Vec<_> = full
                .iter()
                .filter(|(n, _)| wanted.contains(n))
                .cloned()
                .collect();
            assert!(!expected.is_empty(), "{wanted}");
            assert_eq!(flatten_selected(&json, &wanted), expected, "tree {wanted}");
            assert_eq!(flatten_text(doc, &wanted), Some(expected), "text {wanted}");
        }
    }

    /// Names and values of 23, 24 and 25 bytes (either side of the inline limit of
    /// `FieldName` and `Value::Str`, issue 6), plain and escaped, single and multivalue,
    /// exact and below a prefix pattern: the scanner's values, checked and unchecked
    /// text, against the `serde_json` walk.
    #[test]
    fn values_across_the_inline_limit_equal_the_serde_walk() {
        let text = |len: usize, c: char| c.to_string().repeat(len);
        let mut members = Vec::new();
        for len in [23, 24, 25] {
            let (key, value) = (text(len, 'k'), text(len, 'v'));
            let escaped = format!("{}\\u00e9\\n", text(len - 3, 'e'));
            members.push(format!(r#""{key}":"{value}""#));
            members.push(format!(r#""x{key}":"{escaped}""#));
            members.push(format!(r#""m{key}":["{value}","{escaped}",{len}]"#));
            members.push(format!(r#""p{len}":{{"{key}":"{value}","q":"{escaped}"}}"#));
        }
        let doc = format!("{{{}}}", members.join(","));
        let mut names: Vec<String> = Vec::new();
        for len in [23, 24, 25] {
            let key = text(len, 'k');
            names.extend([key.clone(), format!("x{key}"), format!("m{key}{{}}")]);
            names.push(format!("p{len}.*"));
        }
        let wanted = FieldSet::from_names(names.iter().map(String::as_str));
        let expected: Vec<(FieldName, Value)> = flatten_text_serde(&doc, &wanted)
            .expect("valid")
            .into_iter()
            .map(|(name, values)| (name.into(), Value::multi(values)))
            .collect();
        assert_eq!(expected.len(), 15, "{expected:?}");
        assert!(scan::serves(&wanted));
        for mode in [Text::Unchecked, Text::Valid] {
            let scanned = scan::scan_text(&doc, wanted.selector(), mode).expect("scans");
            assert_eq!(scanned.into_fields(wanted.selector()), expected, "{mode:?}");
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
    fn streaming_walk_equals_tree_walk() {
        let docs = [
            EVENT,
            r#"{"a":{"b":[{"c":1.5},{"c":-2},{"d":"x\"y"}]},"e":[],"f":[{}],"g":1e3,"h":18446744073709551615}"#,
            r#"{"k\u00e9y":"v","arr":[[["deep"]]],"mixed":[1,"two",{"three":3},[4]]}"#,
        ];
        let sets = [
            FieldSet::all(),
            FieldSet::none(),
            FieldSet::from_names(["a.b{}.c", "a.b{}.d", "g", "arr{}{}{}"]),
            FieldSet::from_names(["*three", "k\u{e9}y", "userIdentity.*"]),
            FieldSet::from_names(["mixed{}", "tags{}", "n", "h"]),
        ];
        for doc in docs {
            let json: Json = serde_json::from_str(doc).expect("test JSON");
            for wanted in &sets {
                assert_eq!(
                    flatten_text(doc, wanted),
                    Some(flatten_selected(&json, wanted)),
                    "{doc} / {wanted}"
                );
            }
        }
        assert_eq!(flatten_text("{\"a\":1} x", &FieldSet::all()), None);
        assert_eq!(flatten_text("{\"a\":[1,", &FieldSet::all()), None);
    }

    #[test]
    fn invalid_json_sets_nothing_even_after_a_good_prefix() {
        let mut row = Row::new();
        assert_eq!(
            extract_json(r#"{"a":"1","b":"#, &FieldSet::all(), &mut row),
            0
        );
        assert!(row.is_empty());
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
