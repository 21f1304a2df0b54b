//! The CONFORMANCE.md suite: one test per `tests/conformance/EC-XXX.case` file.
//!
//! Each case is self-describing (see `tests/README.md`): a header (id, title, rule,
//! confidence, row order), the SPL, the input events as a JSON array of field maps, and the
//! expected rows (a JSON array) or `error`. Comparison follows the harness conventions at
//! the top of CONFORMANCE.md: values compared as rendered strings, a JSON array is a
//! multivalue, a missing key is an absent field, rows as a multiset unless the case says
//! `rows: ordered`, the synthesised `_raw` of an event given without one is not shown.
//! Field-map input, UTC, a fixed `now`.
//!
//! A last test checks that every case of `$MINISPL_SHARED/spec/CONFORMANCE.md` has a case
//! file (ignored, with the reason, when the shared folder is absent).

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use minispl::eval::ingest::{synthesize_raw, Event, EventMeta};
use minispl::eval::lookup::{LookupTable, Lookups};
use minispl::eval::{Context, Env, Optimizations, Program, Row, Value};
use minispl::parser::{FirstSegment, MacroDef, Macros, ParseOptions, Pipeline, Span};
use serde_json::Value as Json;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The run's `now()`: fixed so cases are reproducible (2023-11-14T22:13:20Z).
const NOW: f64 = 1_700_000_000.0;

fn main() {
    let args = Arguments::from_args();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut trials = Vec::new();
    match load_fixtures(&dir) {
        Ok(fixtures) => {
            let fixtures = Arc::new(fixtures);
            for path in case_files(&dir) {
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let fixtures = Arc::clone(&fixtures);
                trials.push(Trial::test(name, move || run_case(&path, &fixtures)));
            }
        }
        Err(e) => trials.push(Trial::test("fixtures", move || Err(e.into()))),
    }
    trials.extend(self_checks());
    trials.push(Trial::ignorable_test(
        "every_conformance_case_has_a_file",
        move || coverage(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")),
    ));
    libtest_mimic::run(&args, trials).exit();
}

fn case_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "case"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

// ---------------------------------------------------------------------------------------
// Fixtures: macros.conf and lookups/*.csv.
// ---------------------------------------------------------------------------------------

struct Fixtures {
    macros: Macros,
    lookups: Lookups,
}

fn load_fixtures(dir: &Path) -> Result<Fixtures, String> {
    let text = std::fs::read_to_string(dir.join("macros.conf"))
        .map_err(|e| format!("macros.conf: {e}"))?;
    let macros = parse_macros_conf(&text)?;
    let mut lookups = Lookups::default();
    let lookup_dir = dir.join("lookups");
    let entries =
        std::fs::read_dir(&lookup_dir).map_err(|e| format!("{}: {e}", lookup_dir.display()))?;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".csv") {
            continue;
        }
        let mut reader = csv::Reader::from_path(&path).map_err(|e| format!("{name}: {e}"))?;
        let columns = reader
            .headers()
            .map_err(|e| format!("{name}: {e}"))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| format!("{name}: {e}"))?;
            rows.push(record.iter().map(str::to_string).collect());
        }
        let table = LookupTable {
            columns,
            rows,
            // EC-134: matching is case-sensitive by default.
            case_sensitive: true,
        };
        lookups.tables.insert(name, Arc::new(table));
    }
    Ok(Fixtures { macros, lookups })
}

/// A minimal macros.conf reader for the fixture file: `[name]` / `[name(N)]` stanzas with
/// `args = a, b` and `definition = ...` (one line each).
fn parse_macros_conf(text: &str) -> Result<Macros, String> {
    let mut macros = Macros::new();
    let mut current: Option<(String, usize, Vec<String>, Option<String>)> = None;
    let mut flush =
        |cur: Option<(String, usize, Vec<String>, Option<String>)>| -> Result<(), String> {
            if let Some((name, arity, args, definition)) = cur {
                if args.len() != arity {
                    return Err(format!(
                        "macro {name}({arity}) declares {} args",
                        args.len()
                    ));
                }
                let definition =
                    definition.ok_or_else(|| format!("macro {name} has no definition"))?;
                macros.insert(MacroDef {
                    name,
                    args,
                    definition,
                });
            }
            Ok(())
        };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(stanza) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            flush(current.take())?;
            let (name, arity) = match stanza.split_once('(') {
                Some((n, rest)) => {
                    let n_args = rest
                        .trim_end_matches(')')
                        .parse::<usize>()
                        .map_err(|e| format!("stanza [{stanza}]: {e}"))?;
                    (n.to_string(), n_args)
                }
                None => (stanza.to_string(), 0),
            };
            current = Some((name, arity, Vec::new(), None));
        } else if let Some((key, value)) = line.split_once('=') {
            let Some(cur) = current.as_mut() else {
                return Err(format!("`{line}` outside a stanza"));
            };
            match key.trim() {
                "args" => cur.2 = value.split(',').map(|a| a.trim().to_string()).collect(),
                "definition" => cur.3 = Some(value.trim().to_string()),
                other => return Err(format!("unknown macro key `{other}`")),
            }
        }
    }
    flush(current.take())?;
    Ok(macros)
}

// ---------------------------------------------------------------------------------------
// Case files.
// ---------------------------------------------------------------------------------------

#[derive(Debug)]
struct Case {
    id: String,
    ordered: bool,
    ordered_columns: bool,
    spl: String,
    input: Vec<serde_json::Map<String, Json>>,
    /// `None`: the search must fail (parse, compile or run).
    expected: Option<Vec<serde_json::Map<String, Json>>>,
}

fn parse_case(path: &Path) -> Result<Case, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut header = BTreeMap::new();
    let mut sections: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut id = String::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("--- ") {
            current = Some(name.trim().to_string());
            sections.insert(name.trim().to_string(), String::new());
            continue;
        }
        match &current {
            None => {
                if let Some(h) = line.strip_prefix("# ") {
                    if id.is_empty() {
                        id = h.split(':').next().unwrap_or("").trim().to_string();
                    } else if let Some((k, v)) = h.split_once(':') {
                        header.insert(k.trim().to_string(), v.trim().to_string());
                    }
                }
            }
            Some(name) => {
                if let Some(body) = sections.get_mut(name) {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    let section = |name: &str| {
        sections
            .get(name)
            .map(|s| s.trim().to_string())
            .ok_or_else(|| format!("missing `--- {name}` section"))
    };
    let rows = |name: &str, text: &str| -> Result<Vec<serde_json::Map<String, Json>>, String> {
        serde_json::from_str(text)
            .map_err(|e| format!("`--- {name}` is not a JSON array of objects: {e}"))
    };
    let spl = section("spl")?;
    let input = rows("input", &section("input")?)?;
    let expected_text = section("expected")?;
    let expected = if expected_text == "error" {
        None
    } else {
        Some(rows("expected", &expected_text)?)
    };
    Ok(Case {
        id,
        ordered: header.get("rows").is_some_and(|v| v == "ordered"),
        ordered_columns: header.get("columns").is_some_and(|v| v == "ordered"),
        spl,
        input,
        expected,
    })
}

// ---------------------------------------------------------------------------------------
// Running and comparing.
// ---------------------------------------------------------------------------------------

/// A field value as compared: one rendered string or a multivalue.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Shown {
    One(String),
    Many(Vec<String>),
}

impl Shown {
    fn to_json(&self) -> Json {
        match self {
            Shown::One(s) => Json::String(s.clone()),
            Shown::Many(v) => Json::Array(v.iter().cloned().map(Json::String).collect()),
        }
    }
}

type ShownRow = Vec<(String, Shown)>;

/// A JSON scalar as an event field value: strings as they are, numbers canonically
/// (`3`, not `3.0`; R1.7 note), booleans as `true`/`false`, objects as JSON text.
fn scalar_text(v: &Json) -> Option<String> {
    match v {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => minispl::eval::value::format_number(f),
            _ => n.to_string(),
        }),
        Json::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// An input event (field map) as a row: a JSON array is a multivalue, `null` absent;
/// a numeric `_time` is a number (epoch seconds), everything else a string.
fn input_row(event: &serde_json::Map<String, Json>) -> Row {
    let mut row = Row::new();
    for (k, v) in event {
        let value = match v {
            Json::Number(n) if k == "_time" => n.as_f64().map(Value::Num).unwrap_or_default(),
            Json::Array(items) => Value::multi(items.iter().filter_map(scalar_text).collect()),
            other => scalar_text(other).map(Value::from).unwrap_or_default(),
        };
        row.set(k.as_str(), value);
    }
    row
}

fn expected_row(event: &serde_json::Map<String, Json>) -> ShownRow {
    event
        .iter()
        .filter_map(|(k, v)| {
            let shown = match v {
                Json::Array(items) => normalise(items.iter().filter_map(scalar_text).collect()),
                other => Shown::One(scalar_text(other)?),
            };
            Some((k.clone(), shown))
        })
        .collect()
}

/// A one-element list is a single value (Splunk has no one-element multivalue).
fn normalise(values: Vec<String>) -> Shown {
    if values.len() == 1 {
        Shown::One(values.into_iter().next().unwrap_or_default())
    } else {
        Shown::Many(values)
    }
}

fn shown_row(row: &Row, hidden_raw: &HashSet<String>) -> ShownRow {
    row.iter()
        .filter(|(k, v)| {
            !(k.as_str() == "_raw" && matches!(v, Value::Str(s) if hidden_raw.contains(s.as_str())))
        })
        .filter_map(|(k, v)| {
            let shown = match v {
                Value::Null => return None,
                Value::Multi(items) => normalise(items.clone()),
                other => Shown::One(other.render()?.into_owned()),
            };
            Some((k.to_string(), shown))
        })
        .collect()
}

fn rows_json(rows: &[ShownRow]) -> String {
    let lines: Vec<String> = rows
        .iter()
        .map(|r| {
            let map: serde_json::Map<String, Json> =
                r.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
            format!("  {}", Json::Object(map))
        })
        .collect();
    format!("[\n{}\n]", lines.join(",\n"))
}

fn run_case(path: &Path, fixtures: &Fixtures) -> Result<(), Failed> {
    let case = parse_case(path)?;
    let outcome = execute(&case, fixtures, Optimizations::all());
    // Issue 6: every optimisation must leave results (and errors) unchanged.
    let reference = execute(&case, fixtures, Optimizations::none());
    if outcome != reference {
        return Err(format!(
            "{}: results differ with optimisations on and off:\non:  {outcome:?}\noff: {reference:?}",
            case.id
        )
        .into());
    }
    match (&case.expected, outcome) {
        // A placeholder's "not implemented yet" is not the error a case expects.
        (None, Err(e)) if e.contains("not implemented yet") => {
            Err(format!("{}: expected an error, got: {e}", case.id).into())
        }
        (None, Err(_)) => Ok(()),
        (None, Ok(rows)) => Err(format!(
            "{}: expected an error, got {} rows:\n{}\nSPL: {}",
            case.id,
            rows.len(),
            rows_json(&rows),
            case.spl
        )
        .into()),
        (Some(_), Err(e)) => Err(format!("{}: SPL: {}\nfailed: {e}", case.id, case.spl).into()),
        (Some(expected), Ok(got)) => compare(&case, expected, got),
    }
}

/// Parse (with macro expansion), compile and run one case. The error string is rendered
/// against the search text when it carries a span.
fn execute(
    case: &Case,
    fixtures: &Fixtures,
    optimizations: Optimizations,
) -> Result<Vec<ShownRow>, String> {
    // CONFORMANCE.md applies each case's SPL to the input events, so `rename a AS b` is
    // the rename command, not an implicit search for the terms `rename`, `a`, ...
    let options = ParseOptions {
        first_segment: FirstSegment::CommandIfKnown,
    };
    let pipeline = minispl::parser::parse_with(&case.spl, &fixtures.macros, options)
        .map_err(|e| format!("parse: {}", e.render()))?;
    run_pipeline(case, &pipeline, fixtures, optimizations)
}

fn run_pipeline(
    case: &Case,
    pipeline: &Pipeline,
    fixtures: &Fixtures,
    optimizations: Optimizations,
) -> Result<Vec<ShownRow>, String> {
    let ctx = Arc::new(Context {
        // Env's default zone is UTC (CONFORMANCE.md: UTC for all rendering/parsing).
        env: Env {
            now: NOW,
            ..Env::default()
        },
        profiles: Vec::new(),
        lookups: fixtures.lookups.clone(),
        datamodels: Vec::new(),
        limits: Default::default(),
        optimizations,
    });
    let program = Program::compile(pipeline, ctx).map_err(|e| format!("compile: {e}"))?;
    let mut hidden_raw = HashSet::new();
    let events: Vec<Event> = case
        .input
        .iter()
        .map(|e| {
            let row = input_row(e);
            if !row.contains("_raw") {
                // CONFORMANCE.md: the synthesised `_raw` is not shown in results.
                hidden_raw.insert(synthesize_raw(&row));
            }
            Event::Fields {
                row,
                meta: EventMeta::default(),
            }
        })
        .collect();
    let rows = program.run(events).map_err(|e| format!("run: {e}"))?;
    Ok(rows.iter().map(|r| shown_row(r, &hidden_raw)).collect())
}

fn compare(
    case: &Case,
    expected: &[serde_json::Map<String, Json>],
    got: Vec<ShownRow>,
) -> Result<(), Failed> {
    let expected: Vec<ShownRow> = expected.iter().map(expected_row).collect();
    let sorted_fields = |rows: &[ShownRow]| -> Vec<ShownRow> {
        rows.iter()
            .map(|r| {
                let mut r = r.clone();
                r.sort();
                r
            })
            .collect()
    };
    let (mut want, mut have) = (sorted_fields(&expected), sorted_fields(&got));
    if !case.ordered {
        want.sort();
        have.sort();
    }
    let fail = |what: &str| -> Result<(), Failed> {
        Err(format!(
            "{}: {what}\nSPL: {}\nexpected{}:\n{}\ngot:\n{}",
            case.id,
            case.spl,
            if case.ordered {
                " (ordered)"
            } else {
                " (any order)"
            },
            rows_json(&expected),
            rows_json(&got)
        )
        .into())
    };
    if want != have {
        return fail("rows differ");
    }
    if case.ordered_columns {
        // Column order as written in the expected rows (EC-118).
        for (e, g) in expected.iter().zip(&got) {
            let e: Vec<&String> = e.iter().map(|(k, _)| k).collect();
            let g: Vec<&String> = g.iter().map(|(k, _)| k).collect();
            if e != g {
                return fail("column order differs");
            }
        }
    }
    Ok(())
}

/// Every `### EC-XXX` of the shared CONFORMANCE.md has a case file here.
fn coverage(dir: &Path) -> Result<Completion, Failed> {
    let shared = std::env::var_os("MINISPL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let spec = shared.join("spec/CONFORMANCE.md");
    let Ok(text) = std::fs::read_to_string(&spec) else {
        return Ok(Completion::ignored_with(format!(
            "{} not found (set MINISPL_SHARED)",
            spec.display()
        )));
    };
    let mut problems = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(id) = line
            .strip_prefix("### ")
            .and_then(|l| l.split_whitespace().next())
        {
            current = id.starts_with("EC-").then(|| id.to_string());
            let Some(id) = &current else { continue };
            if !dir.join(format!("{id}.case")).exists() {
                problems.push(format!("{id}: no case file"));
                current = None;
            }
        } else if let (Some(id), Some(spl)) = (&current, line.strip_prefix("- SPL:")) {
            // The case's SPL is the spec's, verbatim.
            let spec_spl = inline_code(spl);
            match parse_case(&dir.join(format!("{id}.case"))) {
                Ok(case) if case.spl == spec_spl => {}
                Ok(case) => problems.push(format!(
                    "{id}: SPL `{}` differs from the spec's `{spec_spl}`",
                    case.spl
                )),
                Err(e) => problems.push(format!("{id}: {e}")),
            }
        }
    }
    if problems.is_empty() {
        Ok(Completion::Completed)
    } else {
        Err(problems.join("\n").into())
    }
}

/// The text of a Markdown code span: `` `x` `` or ``` `` x `` ``` (for SPL with backticks).
fn inline_code(text: &str) -> String {
    let t = text.trim();
    if let Some(inner) = t
        .strip_prefix("`` ")
        .and_then(|r| r.rfind(" ``").map(|i| &r[..i]))
    {
        return inner.to_string();
    }
    match (t.find('`'), t.rfind('`')) {
        (Some(a), Some(b)) if b > a => t[a + 1..b].to_string(),
        _ => t.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Checks of the harness itself (ingestion and comparison), through an empty pipeline so
// they do not depend on the parser or any command.
// ---------------------------------------------------------------------------------------

fn self_checks() -> Vec<Trial> {
    fn case(input: &str, expected: &str, ordered: bool, ordered_columns: bool) -> Case {
        let rows = |t: &str| serde_json::from_str(t).unwrap_or_default();
        Case {
            id: "self-check".into(),
            ordered,
            ordered_columns,
            spl: String::new(),
            input: rows(input),
            expected: Some(rows(expected)),
        }
    }
    fn check(c: &Case) -> Result<(), Failed> {
        let fixtures = Fixtures {
            macros: Macros::new(),
            lookups: Lookups::default(),
        };
        let empty = Pipeline {
            commands: Vec::new(),
            span: Span::default(),
        };
        let got = run_pipeline(c, &empty, &fixtures, Optimizations::all())?;
        compare(c, c.expected.as_deref().unwrap_or_default(), got)
    }
    vec![
        Trial::test("harness::identity_hides_synthesised_raw_only", || {
            // Numbers render canonically, one-element arrays are single values, null is
            // absent, an explicit `_raw` is kept and compared.
            check(&case(
                r#"[{"a":"1","n":5,"_time":1700000000,"u":["x","y"],"w":["z"],"g":null},{"_raw":"text","b":true}]"#,
                r#"[{"_raw":"text","b":"true"},{"a":"1","n":"5","_time":1700000000,"u":["x","y"],"w":"z"}]"#,
                false,
                false,
            ))
        }),
        Trial::test("harness::differences_are_failures", || {
            let cases = [
                // A value differs.
                case(r#"[{"a":"1"}]"#, r#"[{"a":"2"}]"#, false, false),
                // A field is missing.
                case(r#"[{"a":"1","b":"2"}]"#, r#"[{"a":"1"}]"#, false, false),
                // Multiset: the count of a row matters.
                case(r#"[{"a":"1"},{"a":"1"}]"#, r#"[{"a":"1"}]"#, false, false),
                // Ordered rows.
                case(
                    r#"[{"a":"1"},{"a":"2"}]"#,
                    r#"[{"a":"2"},{"a":"1"}]"#,
                    true,
                    false,
                ),
                // Ordered columns.
                case(
                    r#"[{"a":"1","b":"2"}]"#,
                    r#"[{"b":"2","a":"1"}]"#,
                    false,
                    true,
                ),
                // Multivalue order matters.
                case(r#"[{"u":["x","y"]}]"#, r#"[{"u":["y","x"]}]"#, false, false),
            ];
            for (i, c) in cases.iter().enumerate() {
                if check(c).is_ok() {
                    return Err(format!("self-check {i} should have failed").into());
                }
            }
            // Unordered rows in another order pass.
            check(&case(
                r#"[{"a":"1"},{"a":"2"}]"#,
                r#"[{"a":"2"},{"a":"1"}]"#,
                false,
                false,
            ))
        }),
        Trial::test("harness::fixtures_load", || {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
            let f = load_fixtures(&dir)?;
            use minispl::parser::MacroTable;
            for (name, arity) in [
                ("m_a1", 0),
                ("f", 1),
                ("inner", 0),
                ("outer", 0),
                ("g", 1),
                ("security_content_ctime", 1),
                ("drop_dm_object_name", 1),
            ] {
                if f.macros.lookup(name, arity).is_none() {
                    return Err(format!("macro {name}({arity}) missing").into());
                }
            }
            let users = f.lookups.get("users.csv").ok_or("users.csv missing")?;
            if users.columns != ["user", "dept", "level"] || users.rows.len() != 3 {
                return Err(format!("users.csv: {users:?}").into());
            }
            Ok(())
        }),
    ]
}
