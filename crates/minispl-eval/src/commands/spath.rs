//! `spath [input=f] [output=f] [path=p | p]` (SEMANTICS §4).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::json::{self, JsonPath};
use crate::plan::FieldSet;
use crate::program::Context;
use crate::row::Row;
use crate::value::Value;
use minispl_parser::ast;
use serde_json::Value as Json;
use std::sync::Arc;

/// limits.conf `[spath] extraction_cutoff` (R4.8).
pub const EXTRACTION_CUTOFF: usize = 5000;

enum Mode {
    /// Extract every leaf (R4.7), looking at the first [`EXTRACTION_CUTOFF`] bytes.
    Auto,
    /// One path into one field (R4.2).
    Path { path: JsonPath, output: String },
}

struct SpathOp {
    input: String,
    mode: Mode,
    /// The fields the rest of the pipeline can see (from the plan; every field without
    /// it): auto-extraction flattens only those (issue 6: the findings detection reads
    /// three of a finding's leaves). The others could never be seen, so the results
    /// are the same.
    wanted: FieldSet,
}

/// Compile `spath` into an operator.
pub fn compile(cmd: &ast::Spath, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    let mode = match &cmd.path {
        None => Mode::Auto,
        Some(p) => Mode::Path {
            path: JsonPath::parse(p)
                .ok_or_else(|| EvalError::at(format!("invalid spath path `{p}`"), cmd.span))?,
            // R4.2: without output= the field is named exactly like the path.
            output: cmd.output.clone().unwrap_or_else(|| p.clone()),
        },
    };
    Ok(Box::new(SpathOp {
        // R4.1: input defaults to `_raw`.
        input: cmd.input.clone().unwrap_or_else(|| "_raw".to_string()),
        mode,
        wanted: FieldSet::all(),
    }))
}

/// Auto-extraction (R4.7) of the input's first [`EXTRACTION_CUTOFF`] bytes (R4.8;
/// UNCERTAIN settled as recommended: explicit paths see the whole input). `None` when
/// nothing is extracted: not JSON, or a bare scalar (R4.10).
/// Only the names `wanted` selects are kept.
fn extract_auto(text: &str, wanted: &FieldSet) -> Option<Vec<(String, Vec<String>)>> {
    if text.len() <= EXTRACTION_CUTOFF {
        // Issue 6: flattened as it is read, without building the document.
        return json::flatten_text(text, wanted);
    }
    let mut end = EXTRACTION_CUTOFF;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match json::parse_prefix(&text[..end])? {
        doc @ (Json::Object(_) | Json::Array(_)) => {
            let mut fields = json::flatten(&doc);
            fields.retain(|(name, _)| wanted.contains(name));
            Some(fields)
        }
        _ => None,
    }
}

impl Operator for SpathOp {
    fn downstream_needs(&mut self, needed: &FieldSet) {
        self.wanted = needed.clone();
    }

    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        // A multivalue input is read from its first value; a missing input leaves the
        // result alone. The input is read in place, not copied (issue 6: `_raw` of a
        // scan-findings record is tens of kilobytes).
        let extracted = {
            let input = row.get(&self.input);
            let Some(text) = input.values().next() else {
                out.push(row);
                return Ok(());
            };
            match &self.mode {
                // R4.10: input that is not JSON extracts nothing and keeps the event.
                Mode::Auto => match extract_auto(&text, &self.wanted) {
                    Some(fields) => Extracted::Auto(fields),
                    None => Extracted::Nothing,
                },
                // Only the selected subtrees are built; invalid JSON leaves the row alone.
                Mode::Path { path, .. } => match path.select_text(&text) {
                    Some(selected) => Extracted::Path(selected),
                    None => Extracted::Nothing,
                },
            }
        };
        match (extracted, &self.mode) {
            (Extracted::Auto(fields), _) => {
                // R4.11: extracted values overwrite fields of the same name.
                for (name, values) in fields {
                    row.set(name, Value::multi(values));
                }
            }
            (Extracted::Path(selected), Mode::Path { output, .. }) => {
                // R4.4 several values make a multivalue; R4.6 (UNCERTAIN, as
                // recommended): a path that selects nothing clears the output.
                let value = selected.map_or(Value::Null, Value::multi);
                row.set(output.as_str(), value);
            }
            _ => {}
        }
        out.push(row);
        Ok(())
    }
}

/// What one `spath` found in its input.
enum Extracted {
    Nothing,
    Auto(Vec<(String, Vec<String>)>),
    Path(Option<Vec<String>>),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    fn spath(
        input: Option<&str>,
        output: Option<&str>,
        path: Option<&str>,
        rows_in: Vec<Row>,
    ) -> String {
        let cmd = ast::Spath {
            input: input.map(str::to_string),
            output: output.map(str::to_string),
            path: path.map(str::to_string),
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows_in))
    }

    fn raw(text: &str) -> Row {
        let mut r = Row::new();
        r.set("_raw", Value::str(text));
        r
    }

    /// The streaming selection gives exactly what selecting in a parsed document gives,
    /// including refusing what a full parse refuses (issue 6).
    #[test]
    fn streaming_selection_equals_selection_in_the_parsed_document() {
        let docs = [
            r#"{"a":{"b":[{"c":1},{"c":2,"d":null},{"c":[3,4]}]},"e":"x"}"#,
            r#"{"a":1,"a":{"b":2}}"#,
            r#"{"a":{"b":2},"a":3}"#,
            r#"{"a":{"b":2},"x":{"a":{"b":9}},"a":{"b":5,"b":6}}"#,
            r#"[{"a":1},{"a":2},[{"a":3}]]"#,
            r#"{"a":[[1,2],[3,[4,5]]],"b":{"c":{"d":{"e":"deep"}}}}"#,
            r#"{"a":"\u00e9\/\n","b":[true,false,null],"c":-1.5e3,"d":12345678901234567890}"#,
            r#"{"responseElements":{"imageScanFindings":{"findings":[{"name":"CVE-1","severity":"HIGH","attributes":[{"key":"k","value":"v"}]},{"name":"CVE-2","severity":"LOW"}]}}}"#,
            r#"{"a":{},"b":[],"c":{"d":[]}}"#,
            "  {\"a\" : [ 1 , {\"b\" : \"x\"} ] }  ",
            // Refused by a full parse: a far-away out-of-range number, a lone surrogate,
            // trailing text, truncation.
            r#"{"a":1,"z":1e999}"#,
            r#"{"a":1,"z":"\ud800"}"#,
            r#"{"a":1} x"#,
            r#"{"a":{"b":"#,
            "not json",
            "",
        ];
        let paths = [
            "a",
            "a.b",
            "a.b{}",
            "a.b{}.c",
            "a.b{1}",
            "a.b{2}.c{}",
            "a{}",
            "a{0}",
            "a{1}",
            "a{}.a",
            "a{}{1}",
            "b.c.d.e",
            "b",
            "c",
            "d",
            "e",
            "x.a.b",
            "z",
            "responseElements.imageScanFindings.findings{}",
            "responseElements.imageScanFindings.findings{}.attributes{}.value",
            "a.b{9}",
            "nope",
        ];
        for doc in docs {
            for p in paths {
                let path = JsonPath::parse(p).expect("valid path");
                let expected = serde_json::from_str::<Json>(doc)
                    .ok()
                    .map(|d| path.select(&d));
                assert_eq!(path.select_text(doc), expected, "{p} in {doc}");
            }
        }
    }

    #[test]
    fn ec052_zero_based_index_into_output() {
        assert_eq!(
            spath(
                None,
                Some("second"),
                Some("v{1}"),
                vec![raw(r#"{"v":["a","b","c"]}"#)]
            ),
            r#"[{"_raw":"{\"v\":[\"a\",\"b\",\"c\"]}","second":"b"}]"#
        );
    }

    #[test]
    fn ec053_auto_extract_naming() {
        let out = spath(
            None,
            None,
            None,
            vec![raw(
                r#"{"a":{"b":[{"c":1},{"c":2}]},"d":"x","tags":["p","q"]}"#,
            )],
        );
        assert_eq!(
            out,
            r#"[{"_raw":"{\"a\":{\"b\":[{\"c\":1},{\"c\":2}]},\"d\":\"x\",\"tags\":[\"p\",\"q\"]}","a.b{}.c":["1","2"],"d":"x","tags{}":["p","q"]}]"#
        );
    }

    #[test]
    fn ec055_input_and_positional_path() {
        assert_eq!(
            spath(
                Some("j"),
                Some("o"),
                Some("k"),
                rows(r#"[{"j":"{\"k\":\"v\"}"}]"#)
            ),
            r#"[{"j":"{\"k\":\"v\"}","o":"v"}]"#
        );
    }

    #[test]
    fn ec056_invalid_json_keeps_the_event() {
        assert_eq!(
            spath(None, None, None, vec![raw("not json at all")]),
            r#"[{"_raw":"not json at all"}]"#
        );
        let mut r = raw("{broken");
        r.set("x", Value::str("keep"));
        assert_eq!(
            spath(None, Some("x"), Some("a"), vec![r]),
            r#"[{"_raw":"{broken","x":"keep"}]"#
        );
    }

    #[test]
    fn output_defaults_to_the_path_and_objects_are_json_text() {
        assert_eq!(
            spath(
                None,
                None,
                Some("a.b"),
                vec![raw(r#"{"a":{"b":{"z":1,"y":[true,null]}}}"#)]
            ),
            r#"[{"_raw":"{\"a\":{\"b\":{\"z\":1,\"y\":[true,null]}}}","a.b":"{\"z\":1,\"y\":[true,null]}"}]"#
        );
    }

    #[test]
    fn missing_path_clears_existing_output() {
        let mut r = raw(r#"{"a":1}"#);
        r.set("o", Value::str("old"));
        assert_eq!(
            spath(None, Some("o"), Some("b"), vec![r]),
            r#"[{"_raw":"{\"a\":1}"}]"#
        );
    }

    #[test]
    fn auto_extract_overwrites_and_skips_missing_input() {
        let mut r = raw(r#"{"d":"new","n":null}"#);
        r.set("d", Value::str("old"));
        r.set("n", Value::str("kept"));
        assert_eq!(
            spath(None, None, None, vec![r, row(r#"{"x":"1"}"#)]),
            r#"[{"_raw":"{\"d\":\"new\",\"n\":null}","d":"new","n":"kept"},{"x":"1"}]"#
        );
    }

    #[test]
    fn cutoff_applies_to_auto_extract_only() {
        let filler = "x".repeat(EXTRACTION_CUTOFF);
        let text = format!(r#"{{"first":"1","pad":"{filler}","late":"2"}}"#);
        let out = spath(None, None, None, vec![raw(&text)]);
        assert!(out.contains(r#""first":"1""#), "{out}");
        assert!(!out.contains(r#""late""#), "{out}");
        assert!(
            !out.contains(r#""pad""#),
            "a value cut in the middle is dropped"
        );
        let out = spath(None, Some("o"), Some("late"), vec![raw(&text)]);
        assert!(out.ends_with(r#""o":"2"}]"#), "{out}");
    }

    /// With the plan's set of fields the rest of the pipeline can see, auto-extraction
    /// sets only those (issue 6), below and above the cutoff, and nothing else changes.
    #[test]
    fn auto_extraction_sets_only_the_fields_downstream_needs() {
        let filler = "x".repeat(EXTRACTION_CUTOFF);
        for text in [
            r#"{"name":"n","uri":"u","attributes":[{"key":"k","value":"v"}],"o":{"severity":"HIGH","x":1}}"#.to_string(),
            format!(r#"{{"name":"n","o":{{"severity":"HIGH"}},"pad":"{filler}"}}"#),
        ] {
            let cmd = ast::Spath {
                input: None,
                output: None,
                path: None,
                span: sp(),
            };
            let mut all = compile(&cmd, &ctx()).expect("compiles");
            let mut pruned = compile(&cmd, &ctx()).expect("compiles");
            let needed = FieldSet::from_names(["_raw", "name", "o.severity", "kept"]);
            pruned.downstream_needs(&needed);
            let mut input = raw(&text);
            input.set("kept", Value::str("k"));
            let full = run(all.as_mut(), vec![input.clone()]);
            let some = run(pruned.as_mut(), vec![input]);
            let mut expected = full[0].clone();
            expected.retain(|name, _| needed.contains(name));
            assert_eq!(some[0], expected, "{text}");
            assert_eq!(some[0].get("o.severity"), &Value::str("HIGH"));
            assert!(full[0].contains("o.x") || text.len() > EXTRACTION_CUTOFF);
        }
    }

    #[test]
    fn bad_path_is_a_compile_error() {
        let cmd = ast::Spath {
            input: None,
            output: None,
            path: Some("a{x}".into()),
            span: ast::Span::new(2, 9),
        };
        assert_eq!(
            compile(&cmd, &ctx()).err().and_then(|e| e.span),
            Some(ast::Span::new(2, 9))
        );
    }

    /// The ECR findings detections: `spath path=...findings{} output=findings |
    /// mvexpand findings | spath input=findings`, over an event far above the cutoff.
    #[test]
    fn findings_chain_over_a_large_event() {
        let findings: Vec<String> = (0..150)
            .map(|i| {
                format!(
                    r#"{{"name":"CVE-{i}","severity":"{}","attributes":[{{"key":"k{i}","value":"v{i}"}}]}}"#,
                    if i % 2 == 0 { "HIGH" } else { "LOW" }
                )
            })
            .collect();
        let text = format!(
            r#"{{"eventName":"DescribeImageScanFindings","responseElements":{{"imageScanFindings":{{"findings":[{}]}}}}}}"#,
            findings.join(",")
        );
        assert!(text.len() > EXTRACTION_CUTOFF);
        let first = ast::Spath {
            input: None,
            output: Some("findings".into()),
            path: Some("responseElements.imageScanFindings.findings{}".into()),
            span: sp(),
        };
        let expand = ast::Mvexpand {
            field: "findings".into(),
            limit: None,
            span: sp(),
        };
        let second = ast::Spath {
            input: Some("findings".into()),
            output: None,
            path: None,
            span: sp(),
        };
        let mut a = compile(&first, &ctx()).expect("compiles");
        let mut b = crate::commands::mvexpand::compile(&expand, &ctx()).expect("compiles");
        let mut c = compile(&second, &ctx()).expect("compiles");
        let rows = run(a.as_mut(), vec![raw(&text)]);
        assert_eq!(rows[0].get("findings").count(), 150);
        let rows = run(b.as_mut(), rows);
        assert_eq!(rows.len(), 150);
        let rows = run(c.as_mut(), rows);
        let last = &rows[149];
        assert_eq!(last.get("name"), &Value::str("CVE-149"));
        assert_eq!(last.get("severity"), &Value::str("LOW"));
        assert_eq!(last.get("attributes{}.key"), &Value::str("k149"));
        assert_eq!(last.get("findings"), &Value::str(findings[149].as_str()));
    }
}
