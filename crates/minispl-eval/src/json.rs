//! JSON paths and flattening shared by `spath`, `KV_MODE=json` auto-extraction and the
//! `spath`/`json_extract` eval functions (SEMANTICS §4).
//!
//! Rendering of leaves (R4.9, R1.7 note, CLOUDTRAIL.md §3): strings without quotes,
//! booleans as `true`/`false`, integers as written (`5543`), other numbers as
//! `serde_json` renders an `f64` (shortest round-trip text, so `1.0` stays `1.0` and
//! `1.5` stays `1.5`). Without serde_json's `arbitrary_precision` the exact source text
//! is not kept: `1.50` renders `1.5` and `1e3` renders `1000.0`. `null` leaves produce
//! no value. Objects and arrays selected whole are their compact JSON text, keys in
//! source order (`preserve_order`).

use indexmap::IndexMap;
use serde_json::Value as Json;

/// Every leaf of `value`, named as Splunk names auto-extracted fields (`a.b{}.c`,
/// `tags{}`; R4.7, R4.13), with its values in document order (several values = a
/// multivalue field). Leaves are rendered as their JSON text (`true`, `1.5`), strings
/// without quotes; `null` leaves produce no value (CLOUDTRAIL.md §3). Names appear in
/// order of first occurrence.
pub fn flatten(value: &Json) -> Vec<(String, Vec<String>)> {
    let mut out = IndexMap::new();
    flatten_into(value, &mut out);
    out.into_iter().collect()
}

/// [`flatten`] into an existing map (values appended to names already present).
pub fn flatten_into(value: &Json, out: &mut IndexMap<String, Vec<String>>) {
    let mut name = String::new();
    walk(value, &mut name, out);
}

fn walk(value: &Json, name: &mut String, out: &mut IndexMap<String, Vec<String>>) {
    match value {
        Json::Object(map) => {
            for (k, v) in map {
                let len = name.len();
                if len > 0 {
                    name.push('.');
                }
                // R4.14: dots inside keys are not escaped.
                name.push_str(k);
                walk(v, name, out);
                name.truncate(len);
            }
        }
        Json::Array(items) => {
            // R4.13: one `{}` per array level.
            let len = name.len();
            name.push_str("{}");
            for item in items {
                walk(item, name, out);
            }
            name.truncate(len);
        }
        Json::Null => {}
        leaf => {
            if let Some(text) = render(leaf) {
                match out.get_mut(name.as_str()) {
                    Some(values) => values.push(text),
                    None => {
                        out.insert(name.clone(), vec![text]);
                    }
                }
            }
        }
    }
}

/// The text of one selected node: leaves as their JSON text (strings unquoted), objects
/// and arrays as compact JSON (R4.5), `null` as nothing (R4.9).
pub fn render(value: &Json) -> Option<String> {
    match value {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(n.to_string()),
        other => serde_json::to_string(other).ok(),
    }
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    /// `{N}`, 0-based (R4.3).
    Index(usize),
    /// `{}`: every element.
    All,
}

/// A parsed `spath` path (`a.b{1}.c`, `a{}.b`, `a{0}{1}`), reusable across events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    steps: Vec<Step>,
}

impl JsonPath {
    /// Parse a path; `None` if it is empty or a brace is malformed (`a{x}`, `a{`).
    pub fn parse(path: &str) -> Option<JsonPath> {
        let mut steps = Vec::new();
        let mut key = String::new();
        let mut chars = path.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '.' => {
                    if !key.is_empty() {
                        steps.push(Step::Key(std::mem::take(&mut key)));
                    }
                }
                '{' => {
                    if !key.is_empty() {
                        steps.push(Step::Key(std::mem::take(&mut key)));
                    }
                    let mut inner = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(d) => inner.push(d),
                            None => return None,
                        }
                    }
                    if inner.is_empty() {
                        steps.push(Step::All);
                    } else {
                        steps.push(Step::Index(inner.trim().parse().ok()?));
                    }
                }
                _ => key.push(c),
            }
        }
        if !key.is_empty() {
            steps.push(Step::Key(key));
        }
        (!steps.is_empty()).then_some(JsonPath { steps })
    }

    /// The values this path selects in `value`, in document order (R4.4), or `None` if
    /// it selects nothing (or only `null`s).
    pub fn select(&self, value: &Json) -> Option<Vec<String>> {
        let mut current: Vec<&Json> = vec![value];
        for step in &self.steps {
            let mut next = Vec::with_capacity(current.len());
            for node in current {
                match (step, node) {
                    (Step::Key(k), Json::Object(map)) => next.extend(map.get(k)),
                    (Step::Index(i), Json::Array(items)) => next.extend(items.get(*i)),
                    (Step::All, Json::Array(items)) => next.extend(items.iter()),
                    _ => {}
                }
            }
            if next.is_empty() {
                return None;
            }
            current = next;
        }
        let values: Vec<String> = current.into_iter().filter_map(render).collect();
        (!values.is_empty()).then_some(values)
    }
}

/// The values `path` selects (`a.b{1}.c`, `a{}.b`; `{N}` is 0-based, R4.3). Objects and
/// arrays selected as a whole are returned as their compact JSON text (R4.5). `None` if
/// nothing is selected.
pub fn select(value: &Json, path: &str) -> Option<Vec<String>> {
    JsonPath::parse(path)?.select(value)
}

/// Streaming selection (issue 6): `spath path=...` over a large `_raw` (a scan-findings
/// record is tens of kilobytes) used to build the whole document to pick one subtree.
/// This walks the text once and builds only the selected subtrees; everything else is
/// read and checked (numbers and strings exactly as a full parse would, so invalid or
/// out-of-range input is refused alike) but never stored.
impl JsonPath {
    /// Exactly `serde_json::from_str::<Json>(text).ok().map(|doc| self.select(&doc))`:
    /// `None` when `text` is not JSON, `Some(None)` when the path selects nothing.
    pub fn select_text(&self, text: &str) -> Option<Option<Vec<String>>> {
        use serde::de::DeserializeSeed;
        let mut found = Vec::new();
        let mut de = serde_json::Deserializer::from_str(text);
        Select {
            steps: &self.steps,
            out: &mut found,
        }
        .deserialize(&mut de)
        .ok()?;
        de.end().ok()?;
        let values: Vec<String> = found.iter().filter_map(render).collect();
        Some((!values.is_empty()).then_some(values))
    }
}

/// Visitor methods that read a JSON leaf (already checked by the parser) and keep nothing.
macro_rules! ignore_leaves {
    () => {
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    };
}

/// The nodes `steps` select below the value being read, appended to `out`.
struct Select<'a> {
    steps: &'a [Step],
    out: &'a mut Vec<Json>,
}

impl<'de> serde::de::DeserializeSeed<'de> for Select<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.steps.is_empty() {
            // The end of the path: this subtree is selected whole.
            self.out.push(serde::Deserialize::deserialize(d)?);
            return Ok(());
        }
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Select<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    // A leaf where the path goes on selects nothing.
    ignore_leaves!();
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            let wanted = match self.steps[0] {
                Step::All => true,
                Step::Index(i) => i == index,
                Step::Key(_) => false,
            };
            let more = if wanted {
                seq.next_element_seed(Select {
                    steps: &self.steps[1..],
                    out: &mut *self.out,
                })?
                .is_some()
            } else {
                seq.next_element_seed(Skip)?.is_some()
            };
            if !more {
                return Ok(());
            }
            index += 1;
        }
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // A repeated key keeps its last value, as a parsed object does: what the key
        // selected before is replaced.
        let mut selected: Option<Vec<Json>> = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if matches!(&self.steps[0], Step::Key(k) if *k == *key) {
                let mut mine = Vec::new();
                map.next_value_seed(Select {
                    steps: &self.steps[1..],
                    out: &mut mine,
                })?;
                selected = Some(mine);
            } else {
                map.next_value_seed(Skip)?;
            }
        }
        self.out.extend(selected.into_iter().flatten());
        Ok(())
    }
}

/// Reads a value without keeping it, through `deserialize_any` (not `IgnoredAny`, which
/// skips without converting numbers or checking `\u` escapes the way a full parse does).
struct Skip;

impl<'de> serde::de::DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(Skip)
    }
}

impl<'de> serde::de::Visitor<'de> for Skip {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    ignore_leaves!();
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

/// Parse the beginning of a JSON document that may have been cut off (spath's
/// `extraction_cutoff`, R4.8): everything complete before the end is kept, open objects
/// and arrays are closed, a leaf cut in the middle is dropped. `None` if the text is not
/// JSON (a syntax error before the end). Nesting deeper than 128 levels is refused, as
/// serde_json does.
pub fn parse_prefix(text: &str) -> Option<Json> {
    let mut p = Prefix {
        b: text.as_bytes(),
        text,
        i: 0,
    };
    p.ws();
    match p.value(0) {
        Parsed::Done(v) | Parsed::Cut(Some(v)) => {
            p.ws();
            // Trailing garbage after a complete document is a syntax error.
            (p.i >= p.b.len()).then_some(v)
        }
        Parsed::Cut(None) | Parsed::Error => None,
    }
}

/// One step of [`parse_prefix`]: a complete value, a value cut by the end of input
/// (with what could be kept), or a syntax error.
enum Parsed {
    Done(Json),
    Cut(Option<Json>),
    Error,
}

struct Prefix<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Prefix<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }

    fn value(&mut self, depth: usize) -> Parsed {
        if depth > 128 {
            return Parsed::Error;
        }
        let Some(&c) = self.b.get(self.i) else {
            return Parsed::Cut(None);
        };
        match c {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => match self.string() {
                Parsed::Done(v) => Parsed::Done(v),
                Parsed::Cut(_) => Parsed::Cut(None),
                Parsed::Error => Parsed::Error,
            },
            _ => self.scalar(),
        }
    }

    fn object(&mut self, depth: usize) -> Parsed {
        let mut map = serde_json::Map::new();
        self.i += 1;
        loop {
            self.ws();
            if self.at_end() {
                return Parsed::Cut(Some(Json::Object(map)));
            }
            if self.b[self.i] == b'}' && map.is_empty() {
                self.i += 1;
                return Parsed::Done(Json::Object(map));
            }
            let key = match self.string() {
                Parsed::Done(Json::String(k)) => k,
                Parsed::Cut(_) => return Parsed::Cut(Some(Json::Object(map))),
                _ => return Parsed::Error,
            };
            self.ws();
            if self.at_end() {
                return Parsed::Cut(Some(Json::Object(map)));
            }
            if self.b[self.i] != b':' {
                return Parsed::Error;
            }
            self.i += 1;
            self.ws();
            match self.value(depth + 1) {
                Parsed::Done(v) => {
                    map.insert(key, v);
                }
                Parsed::Cut(v) => {
                    if let Some(v) = v {
                        map.insert(key, v);
                    }
                    return Parsed::Cut(Some(Json::Object(map)));
                }
                Parsed::Error => return Parsed::Error,
            }
            self.ws();
            match self.b.get(self.i) {
                None => return Parsed::Cut(Some(Json::Object(map))),
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Parsed::Done(Json::Object(map));
                }
                Some(_) => return Parsed::Error,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Parsed {
        let mut items = Vec::new();
        self.i += 1;
        loop {
            self.ws();
            if self.at_end() {
                return Parsed::Cut(Some(Json::Array(items)));
            }
            if self.b[self.i] == b']' && items.is_empty() {
                self.i += 1;
                return Parsed::Done(Json::Array(items));
            }
            match self.value(depth + 1) {
                Parsed::Done(v) => items.push(v),
                Parsed::Cut(v) => {
                    items.extend(v);
                    return Parsed::Cut(Some(Json::Array(items)));
                }
                Parsed::Error => return Parsed::Error,
            }
            self.ws();
            match self.b.get(self.i) {
                None => return Parsed::Cut(Some(Json::Array(items))),
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Parsed::Done(Json::Array(items));
                }
                Some(_) => return Parsed::Error,
            }
        }
    }

    /// A string token, decoded by serde_json once its end is found.
    fn string(&mut self) -> Parsed {
        if self.b.get(self.i) != Some(&b'"') {
            return Parsed::Error;
        }
        let start = self.i;
        let mut j = self.i + 1;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' => j += 2,
                b'"' => {
                    self.i = j + 1;
                    return match self.text.get(start..=j).map(serde_json::from_str::<Json>) {
                        Some(Ok(v)) => Parsed::Done(v),
                        _ => Parsed::Error,
                    };
                }
                _ => j += 1,
            }
        }
        self.i = self.b.len();
        Parsed::Cut(None)
    }

    /// `true`, `false`, `null` or a number; cut at the end of input it is dropped (it
    /// may be incomplete).
    fn scalar(&mut self) -> Parsed {
        let start = self.i;
        while self.i < self.b.len()
            && !matches!(
                self.b[self.i],
                b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
            )
        {
            self.i += 1;
        }
        if self.at_end() {
            return Parsed::Cut(None);
        }
        match self
            .text
            .get(start..self.i)
            .map(serde_json::from_str::<Json>)
        {
            Some(Ok(v)) if !v.is_object() && !v.is_array() && !v.is_string() => Parsed::Done(v),
            _ => Parsed::Error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(text: &str) -> Json {
        serde_json::from_str(text).expect("test json")
    }

    #[test]
    fn ec053_flatten_naming() {
        let v = j(r#"{"a":{"b":[{"c":1},{"c":2}]},"d":"x","tags":["p","q"],"n":null}"#);
        assert_eq!(
            flatten(&v),
            vec![
                (
                    "a.b{}.c".to_string(),
                    vec!["1".to_string(), "2".to_string()]
                ),
                ("d".to_string(), vec!["x".to_string()]),
                ("tags{}".to_string(), vec!["p".to_string(), "q".to_string()]),
            ]
        );
    }

    #[test]
    fn flatten_nested_arrays_dotted_keys_and_leaf_text() {
        let v = j(r#"{"a":[[1,2],[3]],"x.y":true,"f":1.0,"g":1.5,"e":[],"o":{}}"#);
        let flat = flatten(&v);
        assert_eq!(
            flat[0],
            ("a{}{}".into(), vec!["1".into(), "2".into(), "3".into()])
        );
        assert_eq!(flat[1], ("x.y".into(), vec!["true".into()]));
        assert_eq!(flat[2], ("f".into(), vec!["1.0".into()]));
        assert_eq!(flat[3], ("g".into(), vec!["1.5".into()]));
        // Empty containers have no leaves.
        assert_eq!(flat.len(), 4);
    }

    #[test]
    fn flatten_keeps_first_occurrence_order_across_elements() {
        let v = j(r#"{"r":[{"a":1},{"b":2,"a":3}]}"#);
        let names: Vec<_> = flatten(&v).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec!["r{}.a", "r{}.b"]);
        assert_eq!(flatten(&v)[0].1, vec!["1", "3"]);
    }

    #[test]
    fn ec052_select_index_is_zero_based() {
        let v = j(r#"{"v":["a","b","c"]}"#);
        assert_eq!(select(&v, "v{1}"), Some(vec!["b".to_string()]));
        assert_eq!(select(&v, "v{3}"), None);
        assert_eq!(
            select(&v, "v{}"),
            Some(vec!["a".into(), "b".into(), "c".into()])
        );
    }

    #[test]
    fn select_collects_across_arrays_and_returns_json_text() {
        let v = j(r#"{"c":[{"id":1},{"id":2},{"x":0}],"o":{"k":[1,{"z":null}],"a":"b"}}"#);
        assert_eq!(select(&v, "c{}.id"), Some(vec!["1".into(), "2".into()]));
        assert_eq!(
            select(&v, "o"),
            Some(vec![r#"{"k":[1,{"z":null}],"a":"b"}"#.to_string()])
        );
        assert_eq!(
            select(&v, "o.k"),
            Some(vec![r#"[1,{"z":null}]"#.to_string()])
        );
        assert_eq!(select(&v, "o.k{1}.z"), None);
        assert_eq!(select(&v, "missing"), None);
        // An array is not entered without `{}`.
        assert_eq!(select(&v, "c.id"), None);
    }

    #[test]
    fn select_nested_index() {
        let v = j(r#"{"a":[[1,2],[3]]}"#);
        assert_eq!(select(&v, "a{0}{1}"), Some(vec!["2".to_string()]));
        assert_eq!(
            select(&v, "a{}{}"),
            Some(vec!["1".into(), "2".into(), "3".into()])
        );
    }

    #[test]
    fn parse_prefix_keeps_what_is_complete() {
        let full = r#"{"a":{"b":[1,2,{"c":"x"}]},"d":"long string","e":12345,"f":true}"#;
        assert_eq!(parse_prefix(full), Some(j(full)));
        // Cut inside a string, a number, a key, after a colon, inside nested arrays.
        for (cut, expected) in [
            (
                r#"{"a":{"b":[1,2,{"c":"x"}]},"d":"lon"#,
                r#"{"a":{"b":[1,2,{"c":"x"}]}}"#,
            ),
            (r#"{"a":1,"e":123"#, r#"{"a":1}"#),
            (r#"{"a":1,"ke"#, r#"{"a":1}"#),
            (r#"{"a":1,"k":"#, r#"{"a":1}"#),
            (r#"{"a":[[1,2],[3,"#, r#"{"a":[[1,2],[3]]}"#),
            (r#"{"a":"\"q\"","#, r#"{"a":"\"q\""}"#),
            ("", "null"),
        ] {
            let expected = if expected == "null" {
                None
            } else {
                Some(j(expected))
            };
            assert_eq!(parse_prefix(cut), expected, "{cut}");
        }
        assert_eq!(parse_prefix("not json"), None);
        assert_eq!(parse_prefix(r#"{"a" 1}"#), None);
        assert_eq!(parse_prefix(r#"{"a":1} x"#), None);
        assert_eq!(parse_prefix(&"[".repeat(500)), None);
    }

    #[test]
    fn malformed_paths() {
        assert_eq!(JsonPath::parse("a{x}"), None);
        assert_eq!(JsonPath::parse("a{"), None);
        assert_eq!(JsonPath::parse(""), None);
        assert!(JsonPath::parse("a.b{0}.c").is_some());
    }
}
