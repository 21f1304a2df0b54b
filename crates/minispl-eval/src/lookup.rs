//! Lookup tables (CSV), by file name (`users.csv`) or stanza name, and the matching logic
//! shared by the `lookup` command and a sourcetype profile's automatic lookups
//! (CLOUDTRAIL.md §4 step 4): [`CompiledLookup`] / [`apply_lookup`].
//!
//! Matching (SEMANTICS §12, EC-133, EC-134): exact and case-sensitive unless the table
//! says otherwise; a multivalue input field looks up each of its values; several matching
//! rows give multivalue outputs in table order (at most `max_matches`, default 1000); no
//! `OUTPUT` clause outputs every non-key column; `OUTPUTNEW` writes only fields the event
//! does not have; no match leaves the event unchanged (the spec's recommendation for the
//! UNCERTAIN case). A match whose output cell is empty clears an `OUTPUT` destination (the
//! lookup's value for it is null).

use crate::error::EvalError;
use crate::row::Row;
use crate::value::Value;
use minispl_parser::ast;
use minispl_parser::Span;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

/// Default `max_matches` for CSV lookups without time (§12, medium).
pub const DEFAULT_MAX_MATCHES: usize = 1000;

/// A loaded lookup table.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupTable {
    pub columns: Vec<String>,
    /// Every row has exactly `columns.len()` cells; an empty cell is a null value.
    pub rows: Vec<Vec<String>>,
    /// Matching is case-sensitive by default (EC-134).
    pub case_sensitive: bool,
}

impl Default for LookupTable {
    fn default() -> Self {
        LookupTable {
            columns: Vec::new(),
            rows: Vec::new(),
            case_sensitive: true,
        }
    }
}

impl LookupTable {
    /// Read CSV text: the first record is the header. Short records are padded with empty
    /// cells, long ones truncated. `name` is only used in error messages.
    pub fn from_csv<R: std::io::Read>(reader: R, name: &str) -> Result<LookupTable, EvalError> {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(reader);
        let columns: Vec<String> = csv
            .headers()
            .map_err(|e| EvalError::new(format!("lookup table `{name}`: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if columns.is_empty() || columns.iter().all(String::is_empty) {
            return Err(EvalError::new(format!(
                "lookup table `{name}` has no header row"
            )));
        }
        let mut rows = Vec::new();
        for record in csv.records() {
            let record =
                record.map_err(|e| EvalError::new(format!("lookup table `{name}`: {e}")))?;
            let mut cells: Vec<String> = record.iter().map(str::to_string).collect();
            cells.resize(columns.len(), String::new());
            rows.push(cells);
        }
        Ok(LookupTable {
            columns,
            rows,
            case_sensitive: true,
        })
    }

    /// Read a CSV file.
    pub fn from_path(path: &Path) -> Result<LookupTable, EvalError> {
        let file = std::fs::File::open(path)
            .map_err(|e| EvalError::new(format!("cannot read lookup {}: {e}", path.display())))?;
        LookupTable::from_csv(file, &path.display().to_string())
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Row `i` as result fields in column order; empty cells are absent.
    pub fn row(&self, i: usize) -> Row {
        let mut row = Row::with_capacity(self.columns.len());
        if let Some(cells) = self.rows.get(i) {
            for (col, cell) in self.columns.iter().zip(cells) {
                if !cell.is_empty() {
                    row.set(col.as_str(), Value::str(cell.as_str()));
                }
            }
        }
        row
    }
}

/// The lookup tables a run can see, by name.
#[derive(Debug, Clone, Default)]
pub struct Lookups {
    pub tables: HashMap<String, Arc<LookupTable>>,
}

impl Lookups {
    /// Exact name only; prefer [`Lookups::resolve`].
    pub fn get(&self, name: &str) -> Option<&Arc<LookupTable>> {
        self.tables.get(name)
    }

    /// A table by the name a search uses: exact, else with `.csv` added or removed
    /// (`users` finds `users.csv` and the other way round).
    pub fn resolve(&self, name: &str) -> Option<&Arc<LookupTable>> {
        self.tables
            .get(name)
            .or_else(|| self.tables.get(&format!("{name}.csv")))
            .or_else(|| name.strip_suffix(".csv").and_then(|n| self.tables.get(n)))
    }

    /// Register a table under `name`.
    pub fn insert(&mut self, name: impl Into<String>, table: LookupTable) {
        self.tables.insert(name.into(), Arc::new(table));
    }

    /// Load every `*.csv` file of `dir`, registered by file name (`users.csv`) and by
    /// name without the extension (`users`).
    pub fn load_dir(dir: &Path) -> Result<Lookups, EvalError> {
        let mut lookups = Lookups::default();
        let entries = std::fs::read_dir(dir).map_err(|e| {
            EvalError::new(format!(
                "cannot read lookup directory {}: {e}",
                dir.display()
            ))
        })?;
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let is_csv = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            if !is_csv || !path.is_file() {
                continue;
            }
            let table = Arc::new(LookupTable::from_path(&path)?);
            if let Some(file) = path.file_name().and_then(|f| f.to_str()) {
                lookups.tables.insert(file.to_string(), table.clone());
            }
            if let Some(stem) = path.file_stem().and_then(|f| f.to_str()) {
                lookups.tables.entry(stem.to_string()).or_insert(table);
            }
        }
        Ok(lookups)
    }
}

/// A `lookup` specification checked against its table, ready to apply to rows.
#[derive(Debug, Clone)]
pub struct CompiledLookup {
    table: Arc<LookupTable>,
    /// (table column, event field)
    inputs: Vec<(usize, String)>,
    /// (table column, event field)
    outputs: Vec<(usize, String)>,
    new_only: bool,
    case_sensitive: bool,
    max_matches: usize,
    /// First input column's (normalised) value -> table rows, in table order.
    index: HashMap<String, Vec<usize>>,
}

impl CompiledLookup {
    /// Resolve the table and its columns. A missing table or column is an error with
    /// the command's (or the field's) span.
    pub fn compile(cmd: &ast::Lookup, lookups: &Lookups) -> Result<CompiledLookup, EvalError> {
        let table = lookups.resolve(&cmd.table).cloned().ok_or_else(|| {
            EvalError::at(format!("lookup table `{}` not found", cmd.table), cmd.span)
        })?;
        if cmd.inputs.is_empty() {
            return Err(EvalError::at(
                "lookup needs at least one input field",
                cmd.span,
            ));
        }
        let column = |name: &str, span: Span| {
            table.column(name).ok_or_else(|| {
                EvalError::at(
                    format!("lookup table `{}` has no column `{name}`", cmd.table),
                    span,
                )
            })
        };
        let mut inputs = Vec::with_capacity(cmd.inputs.len());
        for m in &cmd.inputs {
            let col = column(&m.lookup_field, m.span)?;
            inputs.push((
                col,
                m.event_field
                    .clone()
                    .unwrap_or_else(|| m.lookup_field.clone()),
            ));
        }
        let (outputs, new_only) = match &cmd.output {
            Some(out) => {
                let mut outputs = Vec::with_capacity(out.fields.len());
                for m in &out.fields {
                    let col = column(&m.lookup_field, m.span)?;
                    outputs.push((
                        col,
                        m.event_field
                            .clone()
                            .unwrap_or_else(|| m.lookup_field.clone()),
                    ));
                }
                (outputs, out.new_only)
            }
            // No OUTPUT clause: every non-key column under its own name.
            None => (
                table
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !inputs.iter().any(|(c, _)| c == i))
                    .map(|(i, c)| (i, c.clone()))
                    .collect(),
                false,
            ),
        };
        let mut case_sensitive = table.case_sensitive;
        let mut max_matches = DEFAULT_MAX_MATCHES;
        for o in &cmd.options {
            match o.name.to_ascii_lowercase().as_str() {
                "case_sensitive_match" => {
                    case_sensitive =
                        !matches!(o.value.to_ascii_lowercase().as_str(), "false" | "f" | "0")
                }
                "max_matches" => {
                    max_matches = o.value.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        EvalError::at(format!("invalid max_matches `{}`", o.value), o.span)
                    })?
                }
                // local=, update= and the like only matter to a distributed Splunk.
                _ => {}
            }
        }
        let first = inputs[0].0;
        let mut index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, cells) in table.rows.iter().enumerate() {
            index
                .entry(normalise(cell(cells, first), case_sensitive))
                .or_default()
                .push(i);
        }
        Ok(CompiledLookup {
            table,
            inputs,
            outputs,
            new_only,
            case_sensitive,
            max_matches,
            index,
        })
    }

    /// Apply to one row.
    pub fn apply(&self, row: &mut Row) {
        let mut wanted: Vec<HashSet<String>> = Vec::with_capacity(self.inputs.len());
        for (_, field) in &self.inputs {
            let set: HashSet<String> = row
                .get(field)
                .values()
                .map(|v| normalise(&v, self.case_sensitive))
                .collect();
            if set.is_empty() {
                return; // a null input matches nothing
            }
            wanted.push(set);
        }
        let mut matched: Vec<usize> = wanted[0]
            .iter()
            .filter_map(|v| self.index.get(v))
            .flatten()
            .copied()
            .filter(|&i| {
                self.inputs
                    .iter()
                    .zip(&wanted)
                    .skip(1)
                    .all(|((col, _), set)| {
                        set.contains(&normalise(self.cell(i, *col), self.case_sensitive))
                    })
            })
            .collect();
        if matched.is_empty() {
            return;
        }
        matched.sort_unstable();
        matched.truncate(self.max_matches);
        for (col, dest) in &self.outputs {
            if self.new_only && row.contains(dest) {
                continue;
            }
            let values: Vec<String> = matched
                .iter()
                .map(|&i| self.cell(i, *col))
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect();
            row.set(dest.as_str(), Value::multi(values));
        }
    }

    /// A cell; tables built by hand may have short rows, read as empty cells.
    fn cell(&self, row: usize, col: usize) -> &str {
        self.table
            .rows
            .get(row)
            .map_or("", |cells| cell(cells, col))
    }

    /// Event fields read and written (for the plan).
    pub fn fields(&self) -> (Vec<String>, Vec<String>) {
        (
            self.inputs.iter().map(|(_, f)| f.clone()).collect(),
            self.outputs.iter().map(|(_, f)| f.clone()).collect(),
        )
    }
}

fn cell(cells: &[String], col: usize) -> &str {
    cells.get(col).map_or("", String::as_str)
}

fn normalise(value: &str, case_sensitive: bool) -> String {
    if case_sensitive {
        value.to_string()
    } else {
        value.to_lowercase()
    }
}

/// Compile and apply a lookup to one row: for a profile's automatic lookups or a one-off
/// use. A pipeline should compile once with [`CompiledLookup::compile`].
pub fn apply_lookup(cmd: &ast::Lookup, lookups: &Lookups, row: &mut Row) -> Result<(), EvalError> {
    CompiledLookup::compile(cmd, lookups)?.apply(row);
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use minispl_parser::ast::{FieldMapping, LookupOutput};

    /// The CONFORMANCE.md fixture `users.csv`.
    pub fn users() -> Lookups {
        let mut l = Lookups::default();
        let t = LookupTable::from_csv(
            "user,dept,level\nalice,eng,1\nbob,ops,2\nbob,sec,3\n".as_bytes(),
            "users.csv",
        )
        .unwrap();
        l.insert("users.csv", t);
        l
    }

    pub fn mapping(lookup_field: &str, event_field: Option<&str>) -> FieldMapping {
        FieldMapping {
            lookup_field: lookup_field.into(),
            event_field: event_field.map(str::to_string),
            span: Span::new(7, 9),
        }
    }

    pub fn lookup_cmd(
        inputs: Vec<FieldMapping>,
        output: Option<(bool, Vec<FieldMapping>)>,
    ) -> ast::Lookup {
        ast::Lookup {
            options: vec![],
            table: "users.csv".into(),
            inputs,
            output: output.map(|(new_only, fields)| LookupOutput { new_only, fields }),
            span: Span::new(0, 6),
        }
    }

    fn row(fields: &[(&str, Value)]) -> Row {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn apply(cmd: &ast::Lookup, r: &mut Row) {
        apply_lookup(cmd, &users(), r).unwrap();
    }

    #[test]
    fn csv_loading_pads_and_keeps_order() {
        let t = LookupTable::from_csv("a, b\n1\n\"x,y\",2,extra\n".as_bytes(), "t").unwrap();
        assert_eq!(t.columns, vec!["a", "b"]);
        assert_eq!(
            t.rows,
            vec![
                vec!["1".to_string(), String::new()],
                vec!["x,y".into(), "2".into()]
            ]
        );
        assert!(t.case_sensitive);
        assert_eq!(t.row(0), row(&[("a", Value::str("1"))]));
        assert!(LookupTable::from_csv("".as_bytes(), "empty").is_err());
    }

    #[test]
    fn resolve_with_or_without_extension() {
        let l = users();
        assert!(l.resolve("users.csv").is_some());
        assert!(l.resolve("users").is_some());
        assert!(l.resolve("nope").is_none());
    }

    #[test]
    fn load_dir_registers_file_and_stem() {
        let dir = std::env::temp_dir().join(format!("minispl-lookup-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("hosts.csv"), "host,owner\nh1,ann\n").unwrap();
        std::fs::write(dir.join("notes.txt"), "not a table").unwrap();
        let l = Lookups::load_dir(&dir).unwrap();
        std::fs::remove_dir_all(&dir).ok();
        assert!(l.get("hosts.csv").is_some());
        assert!(l.get("hosts").is_some());
        assert_eq!(l.tables.len(), 2);
    }

    #[test]
    fn ec133_several_matches_multivalue_in_table_order() {
        let cmd = lookup_cmd(
            vec![mapping("user", None)],
            Some((false, vec![mapping("dept", None)])),
        );
        let mut r = row(&[("user", Value::str("bob"))]);
        apply(&cmd, &mut r);
        assert_eq!(
            r,
            row(&[
                ("user", Value::str("bob")),
                ("dept", Value::Multi(vec!["ops".into(), "sec".into()]))
            ])
        );
    }

    #[test]
    fn ec134_case_sensitive_no_match_leaves_row() {
        let cmd = lookup_cmd(
            vec![mapping("user", None)],
            Some((false, vec![mapping("dept", None)])),
        );
        let mut r = row(&[("user", Value::str("Alice")), ("dept", Value::str("keep"))]);
        apply(&cmd, &mut r);
        assert_eq!(
            r,
            row(&[("user", Value::str("Alice")), ("dept", Value::str("keep"))])
        );
        // case_sensitive_match=false matches.
        let mut cmd = cmd;
        cmd.options.push(ast::CommandOption {
            name: "case_sensitive_match".into(),
            value: "false".into(),
            span: Span::new(0, 1),
        });
        apply(&cmd, &mut r);
        assert_eq!(r.get("dept"), &Value::str("eng"));
    }

    #[test]
    fn no_output_clause_adds_all_non_key_columns_with_as() {
        let cmd = lookup_cmd(vec![mapping("user", Some("u"))], None);
        let mut r = row(&[("u", Value::str("alice"))]);
        apply(&cmd, &mut r);
        assert_eq!(
            r,
            row(&[
                ("u", Value::str("alice")),
                ("dept", Value::str("eng")),
                ("level", Value::str("1"))
            ])
        );
    }

    #[test]
    fn output_overwrites_outputnew_only_fills() {
        let out = |new_only| {
            lookup_cmd(
                vec![mapping("user", None)],
                Some((
                    new_only,
                    vec![mapping("dept", Some("d")), mapping("level", None)],
                )),
            )
        };
        let mut r = row(&[("user", Value::str("alice")), ("d", Value::str("old"))]);
        apply(&out(true), &mut r);
        assert_eq!(r.get("d"), &Value::str("old"));
        assert_eq!(r.get("level"), &Value::str("1"));
        apply(&out(false), &mut r);
        assert_eq!(r.get("d"), &Value::str("eng"));
    }

    #[test]
    fn multivalue_input_looks_up_each_value() {
        let cmd = lookup_cmd(
            vec![mapping("user", None)],
            Some((false, vec![mapping("level", None)])),
        );
        let mut r = row(&[(
            "user",
            Value::Multi(vec!["alice".into(), "zed".into(), "bob".into()]),
        )]);
        apply(&cmd, &mut r);
        assert_eq!(
            r.get("level"),
            &Value::Multi(vec!["1".into(), "2".into(), "3".into()])
        );
    }

    #[test]
    fn two_inputs_must_both_match() {
        let cmd = lookup_cmd(
            vec![mapping("user", None), mapping("dept", None)],
            Some((false, vec![mapping("level", None)])),
        );
        let mut r = row(&[("user", Value::str("bob")), ("dept", Value::str("sec"))]);
        apply(&cmd, &mut r);
        assert_eq!(r.get("level"), &Value::str("3"));
    }

    #[test]
    fn hand_built_short_rows_read_as_empty_cells() {
        let mut l = Lookups::default();
        l.insert(
            "users.csv",
            LookupTable {
                columns: vec!["user".into(), "dept".into()],
                rows: vec![vec!["ann".into()], vec![]],
                case_sensitive: true,
            },
        );
        let cmd = lookup_cmd(vec![mapping("user", None)], None);
        let mut r = row(&[("user", Value::str("ann")), ("dept", Value::str("x"))]);
        apply_lookup(&cmd, &l, &mut r).unwrap();
        // Matched, but the dept cell is empty: OUTPUT semantics clear it.
        assert_eq!(r, row(&[("user", Value::str("ann"))]));
    }

    #[test]
    fn missing_table_or_column_is_error_with_span() {
        let mut cmd = lookup_cmd(vec![mapping("user", None)], None);
        cmd.table = "nope.csv".into();
        let e = CompiledLookup::compile(&cmd, &users()).unwrap_err();
        assert!(e.message.contains("nope.csv"));
        assert_eq!(e.span, Some(Span::new(0, 6)));
        let cmd = lookup_cmd(vec![mapping("usr", None)], None);
        let e = CompiledLookup::compile(&cmd, &users()).unwrap_err();
        assert_eq!(e.span, Some(Span::new(7, 9)));
    }
}
