//! Shared test fixtures: where `../shared` is, the macro table the corpus needs, and AST
//! comparison that ignores spans.
#![allow(dead_code)]

use minispl_parser::{MacroDef, MacroTable, Macros};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `MINISPL_SHARED`, default `<workspace root>/../shared`; `None` if it does not exist.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("MINISPL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared"));
    dir.is_dir().then_some(dir)
}

pub const SHARED_MISSING: &str = "shared spec directory not found (set MINISPL_SHARED)";

#[derive(Deserialize)]
struct MacroYaml {
    name: String,
    definition: String,
    #[serde(default)]
    arguments: Vec<String>,
}

/// A macro table with a fallback: any `*_filter` macro is `search *` (what ESCU ships by
/// default), as the rules crate generates them.
pub struct FixtureMacros {
    pub macros: Macros,
    filter: MacroDef,
}

impl FixtureMacros {
    /// `macros` plus the `*_filter` fallback.
    pub fn with(macros: Macros) -> Self {
        FixtureMacros {
            macros,
            filter: def("any_filter", &[], "search *"),
        }
    }
}

impl MacroTable for FixtureMacros {
    fn lookup(&self, name: &str, arity: usize) -> Option<&MacroDef> {
        self.macros
            .lookup(name, arity)
            .or_else(|| (arity == 0 && name.ends_with("_filter")).then_some(&self.filter))
    }
}

pub fn def(name: &str, args: &[&str], definition: &str) -> MacroDef {
    MacroDef {
        name: name.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
        definition: definition.into(),
    }
}

/// The upstream macros from `shared/upstream/macros/*.yml`, plus `drop_dm_object_name(1)`
/// and the `*_filter` fallback.
pub fn upstream_macros(shared: &Path) -> FixtureMacros {
    let mut macros = Macros::new();
    let mut paths: Vec<_> = std::fs::read_dir(shared.join("upstream/macros"))
        .expect("macros dir")
        .map(|e| e.expect("dir entry").path())
        .collect();
    paths.sort();
    for p in paths {
        let text = std::fs::read_to_string(&p).expect("macro file");
        let m: MacroYaml = serde_yaml_ng::from_str(&text).expect("macro yaml");
        macros.insert(MacroDef {
            name: m.name,
            args: m.arguments,
            definition: m.definition,
        });
    }
    macros.insert(def(
        "drop_dm_object_name",
        &["object"],
        "rename $object$.* AS *",
    ));
    FixtureMacros {
        macros,
        filter: def("any_filter", &[], "search *"),
    }
}

/// The fixture macros listed at the top of CONFORMANCE.md.
pub fn conformance_macros() -> Macros {
    let mut m = Macros::new();
    m.insert(def("m_a1", &[], "search a=1"));
    m.insert(def("f", &["x"], "search a=$x$"));
    m.insert(def("inner", &[], "search a=1"));
    m.insert(def("outer", &[], "`inner` | stats count"));
    m.insert(def("g", &["v"], "search msg=\"$v$\""));
    m.insert(def(
        "security_content_ctime",
        &["field"],
        "convert timeformat=\"%Y-%m-%dT%H:%M:%S\" ctime($field$)",
    ));
    m.insert(def(
        "drop_dm_object_name",
        &["object"],
        "rename $object$.* AS *",
    ));
    m
}

/// The AST as JSON with every `span`/`pattern_span` key removed, for comparisons and
/// snapshots that ignore positions.
pub fn without_spans<T: serde::Serialize>(v: &T) -> serde_json::Value {
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
    let mut v = serde_json::to_value(v).expect("AST serializes");
    strip(&mut v);
    v
}

/// Print, re-parse (no macros needed: the printed text is expanded) and compare.
pub fn assert_round_trip(p: &minispl_parser::Pipeline) {
    let printed = minispl_parser::print::pipeline(p);
    let again = minispl_parser::parse(&printed, &Macros::new())
        .unwrap_or_else(|e| panic!("printed text does not parse:\n{printed}\n{}", e.render()));
    assert_eq!(
        without_spans(p),
        without_spans(&again),
        "round trip changed the AST; printed:\n{printed}"
    );
}
