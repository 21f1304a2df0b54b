//! The code paths the cargo-fuzz targets drive (issue 7), shared with the regression test
//! (`tests/fuzz_regressions.rs`) so a saved crash input replays through exactly what the
//! fuzzer ran. Each function takes arbitrary bytes, must never panic, and panics itself
//! only when a property it checks fails (that is a finding, like a crash).
//!
//! Not a stable API: hidden from the docs.

use minispl_eval::reader::{read_path, read_stream, InputMode, ReadError, ReadOptions, ReadReport};
use minispl_eval::{Env, Event, EventMeta};
use minispl_parser::{expand_macros, parse_expanded, print, MacroDef, Macros};
use minispl_rules::Engine;
use std::sync::OnceLock;

/// Target `parse`: macro expansion then parsing of arbitrary text, with a small macro
/// table that includes argument macros and recursive/cyclic ones (SEMANTICS §2). When
/// parsing succeeds, the printed form must parse back to the same AST modulo spans.
pub fn parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(expanded) = expand_macros(&text, fuzz_macros()) else {
        return;
    };
    let Ok(pipeline) = parse_expanded(&expanded) else {
        return;
    };
    let printed = print::pipeline(&pipeline);
    let again = match minispl_parser::parse(&printed, &Macros::new()) {
        Ok(p) => p,
        Err(e) => panic!(
            "the printed form of {text:?} does not parse:\n{printed}\n{}",
            e.render()
        ),
    };
    assert_eq!(
        without_spans(&pipeline),
        without_spans(&again),
        "round trip of {text:?} via {printed:?}"
    );
}

/// Target `eval`: arbitrary SPL (macros of the built-in engine, built-in lookups,
/// `makeresults`) compiled and run over a few fixed CloudTrail events. Errors are
/// fine; panics and hangs are not.
pub fn eval(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let engine = fuzz_engine();
    let Ok(search) = engine.compile(&text) else {
        return;
    };
    let meta = EventMeta {
        sourcetype: Some("aws:cloudtrail".into()),
        source: Some("fuzz".into()),
        ..Default::default()
    };
    let events = EVENTS.iter().map(|raw| Event::Raw {
        raw: raw.to_string(),
        meta: meta.clone(),
    });
    if let Ok(rows) = search.run(events) {
        // Rendering is part of what a user sees; it must not panic either.
        for row in rows {
            for (_, value) in row.iter() {
                let _ = value.render();
            }
        }
    }
}

/// Target `json`: arbitrary text through `spath`'s JSON paths (issue 6). The streaming
/// selection and flattening (byte scanner, serde_json walk, tree on repeated keys) must
/// give what parsing the text and walking the tree gives, for several paths and field
/// selections.
pub fn json(data: &[u8]) {
    use crate::eval::json::{self, JsonPath};
    use crate::eval::plan::FieldSet;
    use crate::eval::{extract, reader::validate};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let doc = serde_json::from_str::<serde_json::Value>(text).ok();
    let container = doc.as_ref().filter(|d| d.is_object() || d.is_array());
    for wanted in [
        FieldSet::all(),
        FieldSet::from_names(["a", "a.b", "b{}", "{}.a", "k", ""]),
    ] {
        let expected = container.map(|d| {
            let mut fields = json::flatten(d);
            fields.retain(|(name, _)| wanted.contains(name));
            fields
        });
        assert_eq!(json::flatten_text(text, &wanted), expected, "{text:?}");
        // Text the block validator accepts: extraction through its index of the
        // top-level members (issue 6) answers as the walk of unchecked text does.
        let mut index = validate::TopIndex::default();
        if validate::quick_indexed(data, &mut index) != validate::Quick::Unsure {
            let walked = extract::extract_values(text, &wanted, extract::Text::Unchecked);
            for check in [extract::Text::Valid, extract::Text::Indexed(&index)] {
                let got = extract::extract_values(text, &wanted, check);
                assert_eq!(got, walked, "{check:?} {text:?}");
            }
        }
    }
    for p in ["a", "a.b", "a{}", "a{0}.b", "{}", "{1}.a{}", "a.b.c{}"] {
        let Some(path) = JsonPath::parse(p) else {
            continue;
        };
        let expected = doc.as_ref().map(|d| path.select(d));
        assert_eq!(path.select_text(text), expected, "{p} in {text:?}");
    }
}

/// Target `input`: arbitrary bytes (JSON lines, `{"Records":[...]}`, gzip, ...) through
/// [`read_stream`] in raw and fields modes, lenient and strict. The accounting must hold:
/// records read = events delivered + records skipped (issue 7).
pub fn input(data: &[u8]) {
    // The same bytes as a file, which the reader's workers read by ranges (issue 6).
    let file = TempFile::new(data);
    for mode in [InputMode::Raw, InputMode::Fields] {
        for strict in [false, true] {
            // Small line and document caps as well as the defaults, so the cap paths
            // are exercised.
            for (max_line_bytes, max_document_bytes) in [(0, 0), (64, 128)] {
                let options = ReadOptions {
                    mode,
                    strict,
                    max_line_bytes,
                    max_document_bytes,
                    ..Default::default()
                };
                let mut report = ReadReport::default();
                let mut events = Vec::new();
                let mut bytes = data;
                let result = read_stream("fuzz", &mut bytes, &options, &mut report, &mut |e| {
                    events.push(e)
                });
                assert_eq!(
                    events.len() as u64,
                    report.events,
                    "events delivered vs counted"
                );
                // Worker threads (issue 6) change nothing: events, accounting, problems.
                let threaded = ReadOptions {
                    threads: 2,
                    ..options.clone()
                };
                let mut threaded_report = ReadReport::default();
                let mut threaded_events = Vec::new();
                let mut bytes = data;
                let threaded_result = read_stream(
                    "fuzz",
                    &mut bytes,
                    &threaded,
                    &mut threaded_report,
                    &mut |e| threaded_events.push(e),
                );
                assert_eq!(threaded_result, result, "reader threads: outcome");
                assert_eq!(threaded_report, report, "reader threads: accounting");
                assert!(threaded_events == events, "reader threads: events");
                if let Some(path) = &file.0 {
                    same_by_ranges(path, &threaded, (&result, &report, &events));
                }
                if result.is_ok() {
                    assert_eq!(
                        report.records,
                        report.events + report.skipped,
                        "records = events + skipped: {report:?}"
                    );
                }
                if strict && result.is_ok() {
                    assert_eq!(report.skipped, 0, "strict mode skipped a record");
                }
            }
        }
    }
}

/// What reading the file at `path` by ranges of a few bytes gives: what the stream gave
/// (`expected`), but for the problems' source (the path) and, after a `strict` stop, the
/// bytes read (the stream reads ahead).
fn same_by_ranges(
    path: &std::path::Path,
    options: &ReadOptions,
    expected: (&Result<(), ReadError>, &ReadReport, &Vec<Event>),
) {
    let normal = |report: &ReadReport, stopped: bool| {
        let mut report = report.clone();
        report.problems.iter_mut().for_each(|p| p.source.clear());
        if stopped {
            report.bytes = 0;
        }
        report
    };
    let (result, report, events) = expected;
    for range_bytes in [7, 64] {
        let options = ReadOptions {
            range_bytes,
            ..options.clone()
        };
        let mut got_report = ReadReport::default();
        let mut got_events = Vec::new();
        let got = read_path(path, &options, &mut got_report, &mut |e| got_events.push(e));
        let messages = |r: &Result<(), ReadError>| r.as_ref().err().map(|e| e.message.clone());
        assert_eq!(
            messages(&got),
            messages(result),
            "ranges of {range_bytes}: outcome"
        );
        assert_eq!(
            normal(&got_report, got.is_err()),
            normal(report, result.is_err()),
            "ranges of {range_bytes}: accounting"
        );
        assert!(&got_events == events, "ranges of {range_bytes}: events");
    }
}

/// A file holding the fuzz input, removed when dropped; `None` if it cannot be written.
struct TempFile(Option<std::path::PathBuf>);

impl TempFile {
    fn new(data: &[u8]) -> TempFile {
        static FILES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("minispl-fuzz-{}-{n}.jsonl", std::process::id()));
        TempFile(std::fs::write(&path, data).ok().map(|()| path))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(path) = &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The AST as JSON with every span removed, so two parses of texts that differ only in
/// layout compare equal.
pub fn without_spans<T: ?Sized + serde::Serialize>(v: &T) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                m.retain(|k, _| k != "span" && k != "pattern_span");
                m.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut json = serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
    strip(&mut json);
    json
}

fn def(name: &str, args: &[&str], definition: &str) -> MacroDef {
    MacroDef {
        name: name.into(),
        args: args.iter().map(|a| a.to_string()).collect(),
        definition: definition.into(),
    }
}

/// Plain, argument, nested, self-recursive and mutually recursive macros.
fn fuzz_macros() -> &'static Macros {
    static MACROS: OnceLock<Macros> = OnceLock::new();
    MACROS.get_or_init(|| {
        let mut m = Macros::new();
        m.insert(def("cloudtrail", &[], "sourcetype=aws:cloudtrail"));
        m.insert(def("a", &[], "x=1"));
        m.insert(def("f", &["x"], "eval y=$x$"));
        m.insert(def("g", &["a", "b"], "search $a$=$b$ | `a`"));
        m.insert(def("nested", &[], "`a` | `f(2)`"));
        m.insert(def("empty", &[], ""));
        m.insert(def("self", &[], "`self`"));
        m.insert(def("ping", &[], "`pong`"));
        m.insert(def("pong", &[], "a `ping`"));
        m.insert(def("grow", &[], "`grow2` `grow2` `grow2` `grow2`"));
        m.insert(def("grow2", &[], "`grow3` `grow3` `grow3` `grow3`"));
        m.insert(def("grow3", &[], "`grow` `grow`"));
        m.insert(def("pipe", &[], "| stats count by x"));
        m.insert(def("quote", &["q"], "\"$q$\""));
        m
    })
}

/// The built-in engine (macros, `aws:cloudtrail` profile, data model, lookups) with a
/// fixed `now()` so runs reproduce.
fn fuzz_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut engine = Engine::builtin().unwrap_or_else(|_| Engine::empty());
        engine.set_env(Env {
            now: 1_700_000_000.0,
            ..Env::default()
        });
        engine
    })
}

const EVENTS: &[&str] = &[
    r#"{"eventVersion":"1.08","eventTime":"2023-11-14T22:13:20Z","eventSource":"ecr.amazonaws.com","eventName":"PutImage","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.0","userIdentity":{"type":"IAMUser","userName":"alice","accountId":"111111111111","arn":"arn:aws:iam::111111111111:user/alice"},"requestParameters":{"repositoryName":"web","imageTag":"latest","tags":["a","b",{"k":"v"}]},"responseElements":null}"#,
    r#"{"eventTime":"2023-11-14T22:15:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"2001:db8::1","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::222222222222:assumed-role/r/s","sessionContext":{"sessionIssuer":{"userName":"r"}}},"errorCode":"AccessDenied","n":-12.5e3,"flag":true}"#,
    r#"{"eventTime":"not a time","eventName":"","userIdentity":{},"x":[1,[2,[3,[4]]]],"u":"é日\u0000\\\"|"}"#,
    "not json at all | x=1",
];
