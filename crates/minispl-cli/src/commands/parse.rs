//! `minispl parse '<SPL>'` / `minispl parse --rule FILE.yml`: the macro-expanded search and
//! its syntax tree (`--json`: machine-readable), or the diagnostic with a caret.

use super::resolve_detection;
use crate::args::ParseArgs;
use crate::failure::{CliResult, Failure};
use crate::setup;
use minispl_parser::diagnostic::render;
use minispl_parser::{expand_macros, parse_expanded, MacroDef, MacroTable, Macros, Pipeline};
use minispl_rules::Detection;
use std::process::ExitCode;

pub fn run(args: &ParseArgs) -> CliResult {
    let env = setup::env(&args.engine)?;
    let engine = setup::engine(&args.engine, &env)?;
    let (text, macros) = match (&args.rule, &args.spl) {
        (Some(rule), _) => {
            let detection = resolve_detection(rule)?;
            let macros = detection_macros(engine.macros(), &detection);
            (detection.search, macros)
        }
        (None, Some(spl)) => (spl.clone(), engine.macros().clone()),
        (None, None) => return Err(Failure::usage("give a search or --rule")),
    };
    let (expanded, pipeline) = parse_text(&text, &macros)?;
    let json = args.json;
    super::write_stdout(|out, _| {
        if json {
            let doc = serde_json::json!({
                "search": text,
                "expanded": expanded,
                "ast": serde_json::to_value(&pipeline).map_err(std::io::Error::other)?,
            });
            serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::from)?;
            writeln!(out)
        } else {
            writeln!(
                out,
                "expanded search:\n  {expanded}\n\nsyntax tree:\n{pipeline:#?}"
            )
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The macros a detection's search sees: as the upstream build does, its
/// `<name>_filter` macro is `search *` unless defined.
pub fn detection_macros(base: &Macros, detection: &Detection) -> Macros {
    let mut macros = base.clone();
    let filter = detection.filter_macro_name();
    if macros.lookup(&filter, 0).is_none() {
        macros.insert(MacroDef {
            name: filter,
            args: Vec::new(),
            definition: "search *".to_string(),
        });
    }
    macros
}

/// Expand and parse, turning errors into rendered diagnostics (exit status 2). An
/// expansion error points into the text as written; a parse error into the expanded
/// text, with a note showing what it was written as when a macro produced it.
pub fn parse_text(text: &str, macros: &Macros) -> Result<(String, Pipeline), Failure> {
    let expanded = expand_macros(text, macros)
        .map_err(|e| Failure::bad_search(render(text, e.span, &e.message, &[])))?;
    let pipeline = parse_expanded(&expanded).map_err(|e| {
        let mut notes = Vec::new();
        if expanded.text != expanded.original {
            let origin = expanded.origin(e.span);
            if let Some(written) = expanded.original.get(origin.start..origin.end) {
                notes.push(format!("in the search as written: `{written}`"));
            }
        }
        Failure::bad_search(render(&expanded.text, e.span, &e.message, &notes))
    })?;
    Ok((expanded.text, pipeline))
}
