//! One module per subcommand.

pub mod detect;
pub mod macros;
pub mod parse;
pub mod rules;
pub mod search;
pub mod test;

use crate::bridge;
use crate::failure::{output_error, Failure};
use minispl_eval::{Row, Value};
use minispl_rules::{Detection, Engine};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

/// `--rule NAME|FILE.yml`: a YAML file when it names one (or ends in `.yml`/`.yaml`),
/// else a built-in detection by name (case-insensitive), or by its snake_case name
/// (`aws_ecr_container_upload_unknown_user`, as its filter macro spells it).
pub fn resolve_detection(spec: &str) -> Result<Detection, Failure> {
    let path = Path::new(spec);
    let lower = spec.to_ascii_lowercase();
    if path.is_file() || lower.ends_with(".yml") || lower.ends_with(".yaml") {
        return bridge::load_detection(path)
            .map_err(|e| Failure::failed(format!("{spec}: {}", e.message)));
    }
    let builtin = Engine::builtin_detections();
    builtin
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(spec))
        .or_else(|| {
            builtin
                .iter()
                .find(|d| d.filter_macro_name().strip_suffix("_filter") == Some(lower.as_str()))
        })
        .cloned()
        .ok_or_else(|| {
            Failure::failed(format!(
                "no built-in detection named `{spec}` and no such file (see `minispl rules`)"
            ))
        })
}

/// A copy of `row` with `name` as its first field.
pub fn with_leading_field(name: &str, value: Value, row: &Row) -> Row {
    let mut out = Row::with_capacity(row.len() + 1);
    out.set(name, value);
    for (k, v) in row.iter() {
        if k != name {
            out.set(k.as_str(), v.clone());
        }
    }
    out
}

/// Buffered stdout, and whether it is a terminal (for the default output format).
pub fn stdout() -> (BufWriter<io::StdoutLock<'static>>, bool) {
    let stdout = io::stdout();
    let terminal = stdout.is_terminal();
    (BufWriter::new(stdout.lock()), terminal)
}

/// Run `write` against stdout, flushing, with output errors mapped (a closed pipe is not
/// an error).
pub fn write_stdout(
    write: impl FnOnce(&mut dyn Write, bool) -> io::Result<()>,
) -> Result<(), Failure> {
    let (mut out, terminal) = stdout();
    write(&mut out, terminal).map_err(output_error)?;
    out.flush().map_err(output_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_field_comes_first_and_replaces_a_same_named_one() {
        let row: Row = [
            ("a".to_string(), Value::str("1")),
            ("search_name".to_string(), Value::str("old")),
        ]
        .into_iter()
        .collect();
        let out = with_leading_field("search_name", Value::str("D"), &row);
        assert_eq!(out.names().collect::<Vec<_>>(), vec!["search_name", "a"]);
        assert_eq!(out.get("search_name"), &Value::str("D"));
    }

    #[test]
    fn a_yaml_name_goes_to_the_loader_not_the_builtins() {
        // The loader is the rules crate's; whatever it answers, a missing file is a
        // failure naming it with status 1.
        let err = resolve_detection("/nonexistent/rule.yml").expect_err("missing file");
        assert_eq!(err.status, 1);
        assert!(
            err.message.starts_with("/nonexistent/rule.yml: "),
            "{}",
            err.message
        );
    }
}
