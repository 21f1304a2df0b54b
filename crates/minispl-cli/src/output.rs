//! Result rows as a table, JSON or CSV (issue 5).
//!
//! Values are rendered as Splunk's REST API renders them: strings (numbers canonical, `3`
//! not `3.0`), a multivalue field as an array of strings in JSON and newline-joined in
//! CSV and tables, an absent field omitted (JSON) or empty (CSV, table). `_time` is
//! rendered as the REST API does, `2021-08-18T23:17:30.000+00:00`, in `--tz`.
//! Columns are the result's fields in order of first appearance across rows.

use crate::args::OutputFormat;
use crate::timeargs::render_time;
use chrono_tz::Tz;
use minispl_eval::{Row, Value};
use std::io::{self, Write};

/// The format to use: the one asked for, else a table on a terminal and JSON when piped.
pub fn choose(asked: Option<OutputFormat>, stdout_is_terminal: bool) -> OutputFormat {
    asked.unwrap_or(if stdout_is_terminal {
        OutputFormat::Table
    } else {
        OutputFormat::Json
    })
}

/// The result's columns: every field, in order of first appearance.
pub fn columns<'a>(rows: impl IntoIterator<Item = &'a Row>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut columns = Vec::new();
    for row in rows {
        for name in row.names() {
            if seen.insert(name.as_str()) {
                columns.push(name.to_string());
            }
        }
    }
    columns
}

/// The strings a field renders as: none (absent), one, or several (multivalue).
pub fn field_strings(row: &Row, name: &str, tz: Tz) -> Vec<String> {
    match value_strings(name, row.get(name), tz) {
        Strings::None => Vec::new(),
        Strings::One(s) => vec![s.into_owned()],
        Strings::Several(values) => values.to_vec(),
    }
}

/// [`field_strings`] of the field `name` holding `value`, borrowed where it can be.
enum Strings<'a> {
    None,
    One(std::borrow::Cow<'a, str>),
    Several(&'a [String]),
}

fn value_strings<'a>(name: &str, value: &'a Value, tz: Tz) -> Strings<'a> {
    if name == "_time" {
        if let Some(t) = value.as_number().and_then(|n| render_time(n, tz)) {
            return Strings::One(t.into());
        }
    }
    match value {
        Value::Null => Strings::None,
        Value::Multi(values) => Strings::Several(values),
        other => other.render().map_or(Strings::None, Strings::One),
    }
}

/// One row as a JSON object: keys in the row's own column order (each result of a
/// `stats`/`table` carries its columns in order), strings, multivalue as arrays. The
/// reference [`write_json_line`] is tested against.
#[cfg(test)]
pub fn row_json(row: &Row, tz: Tz) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    for name in row.names() {
        let mut values = field_strings(row, name, tz);
        let value = match (row.get(name), values.len()) {
            (Value::Multi(_), _) => serde_json::Value::Array(
                values.into_iter().map(serde_json::Value::String).collect(),
            ),
            (_, 0) => continue,
            _ => serde_json::Value::String(values.swap_remove(0)),
        };
        object.insert(name.to_string(), value);
    }
    serde_json::Value::Object(object)
}

/// Write `rows` in `format`.
pub fn write_rows(
    out: &mut dyn Write,
    format: OutputFormat,
    rows: &[Row],
    tz: Tz,
) -> io::Result<()> {
    match format {
        OutputFormat::Json => write_json(out, rows, tz),
        OutputFormat::Csv => write_csv(out, &columns(rows), rows, tz),
        OutputFormat::Table => write_table(out, &columns(rows), rows, tz),
    }
}

/// JSON lines: one object per row, so the output streams into `jq` or a log shipper.
pub fn write_json(out: &mut dyn Write, rows: &[Row], tz: Tz) -> io::Result<()> {
    let mut line = Vec::new();
    for row in rows {
        write_json_line(out, &mut line, None, row, tz)?;
    }
    Ok(())
}

/// One row as a line of JSON, preceded by the field `leading` if given (which then
/// replaces a field of the same name, as `commands::with_leading_field` does): the text
/// of [`row_json`] serialised, written straight from the row (issue 6: building a
/// `serde_json::Map` and copying each detection result to put `search_name` first cost
/// more than running the detections' `stats`). `line` is a buffer reused across rows.
pub fn write_json_line(
    out: &mut dyn Write,
    line: &mut Vec<u8>,
    leading: Option<(&str, &Value)>,
    row: &Row,
    tz: Tz,
) -> io::Result<()> {
    line.clear();
    line.push(b'{');
    let skip = leading.map(|(name, _)| name);
    let rest = row
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .filter(|(name, _)| Some(*name) != skip);
    let mut first = true;
    for (name, value) in leading.into_iter().chain(rest) {
        // As in `row_json`: a multivalue (the only `Several`) is an array, even empty;
        // an absent value has no key.
        match value_strings(name, value, tz) {
            Strings::None => {}
            Strings::One(s) => {
                key(line, name, &mut first)?;
                string(line, &s)?;
            }
            Strings::Several(values) => {
                key(line, name, &mut first)?;
                line.push(b'[');
                for (i, s) in values.iter().enumerate() {
                    if i > 0 {
                        line.push(b',');
                    }
                    string(line, s)?;
                }
                line.push(b']');
            }
        }
    }
    line.extend_from_slice(b"}\n");
    out.write_all(line)
}

/// `"name":`, after a comma unless it is the object's first key.
fn key(line: &mut Vec<u8>, name: &str, first: &mut bool) -> io::Result<()> {
    if !std::mem::take(first) {
        line.push(b',');
    }
    string(line, name)?;
    line.push(b':');
    Ok(())
}

/// A JSON string escaped as serde_json escapes it.
fn string(line: &mut Vec<u8>, s: &str) -> io::Result<()> {
    serde_json::to_writer(line, s).map_err(io::Error::from)
}

/// CSV with a header of `columns`; rows may be produced one at a time (a borrowed slice
/// or rows made on the fly), so a long result list need not be copied first.
pub fn write_csv<R: std::borrow::Borrow<Row>>(
    out: &mut dyn Write,
    columns: &[String],
    rows: impl IntoIterator<Item = R>,
    tz: Tz,
) -> io::Result<()> {
    if columns.is_empty() {
        return Ok(());
    }
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(columns).map_err(csv_error)?;
    for row in rows {
        let row = row.borrow();
        let record: Vec<String> = columns
            .iter()
            .map(|c| field_strings(row, c, tz).join("\n"))
            .collect();
        writer.write_record(&record).map_err(csv_error)?;
    }
    writer.flush()
}

fn csv_error(err: csv::Error) -> io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// Aligned columns with a header rule; a multivalue cell takes one line per value.
pub fn write_table(
    out: &mut dyn Write,
    columns: &[String],
    rows: &[Row],
    tz: Tz,
) -> io::Result<()> {
    if columns.is_empty() {
        return Ok(());
    }
    // Each cell as its lines (multivalue values, or a value's own line breaks).
    let cells: Vec<Vec<Vec<String>>> = rows
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| {
                    field_strings(row, c, tz)
                        .iter()
                        .flat_map(|v| v.lines().map(str::to_string).collect::<Vec<_>>())
                        .collect()
                })
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for row in &cells {
        for (i, cell) in row.iter().enumerate() {
            for line in cell {
                widths[i] = widths[i].max(line.chars().count());
            }
        }
    }
    let header: Vec<String> = columns.to_vec();
    write_line(out, &widths, &header)?;
    let rules: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    write_line(out, &widths, &rules)?;
    for row in &cells {
        let height = row.iter().map(Vec::len).max().unwrap_or(0).max(1);
        for line in 0..height {
            let parts: Vec<String> = row
                .iter()
                .map(|cell| cell.get(line).cloned().unwrap_or_default())
                .collect();
            write_line(out, &widths, &parts)?;
        }
    }
    Ok(())
}

fn write_line(out: &mut dyn Write, widths: &[usize], parts: &[String]) -> io::Result<()> {
    let mut line = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        line.push_str(part);
        if i + 1 < parts.len() {
            let pad = widths[i].saturating_sub(part.chars().count());
            line.push_str(&" ".repeat(pad));
        }
    }
    writeln!(out, "{}", line.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(fields: &[(&str, Value)]) -> Row {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn sample() -> Vec<Row> {
        vec![
            row(&[
                ("user", Value::str("alice")),
                ("count", Value::Num(3.0)),
                (
                    "ip",
                    Value::Multi(vec!["10.0.0.1".into(), "10.0.0.2".into()]),
                ),
            ]),
            row(&[
                ("user", Value::str("bob, \"jr\"")),
                ("extra", Value::Num(0.5)),
            ]),
        ]
    }

    fn render(format: OutputFormat, rows: &[Row]) -> String {
        let mut out = Vec::new();
        write_rows(&mut out, format, rows, Tz::UTC).expect("in-memory write");
        String::from_utf8(out).expect("utf-8 output")
    }

    #[test]
    fn columns_in_order_of_first_appearance() {
        assert_eq!(columns(&sample()), vec!["user", "count", "ip", "extra"]);
    }

    #[test]
    fn json_is_one_object_per_row_with_string_values() {
        let text = render(OutputFormat::Json, &sample());
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(
            lines,
            vec![
                r#"{"user":"alice","count":"3","ip":["10.0.0.1","10.0.0.2"]}"#,
                r#"{"user":"bob, \"jr\"","extra":"0.5"}"#,
            ]
        );
    }

    #[test]
    fn csv_joins_multivalues_with_newlines_and_quotes() {
        let text = render(OutputFormat::Csv, &sample());
        assert_eq!(
            text,
            "user,count,ip,extra\nalice,3,\"10.0.0.1\n10.0.0.2\",\n\"bob, \"\"jr\"\"\",,,0.5\n"
        );
    }

    #[test]
    fn table_aligns_columns_and_stacks_multivalues() {
        let text = render(OutputFormat::Table, &sample());
        let expected = "\
user       count  ip        extra
---------  -----  --------  -----
alice      3      10.0.0.1
                  10.0.0.2
bob, \"jr\"                   0.5
";
        assert_eq!(text, expected);
    }

    #[test]
    fn time_renders_as_rest_api_text() {
        let rows = vec![row(&[
            ("_time", Value::Num(1629328650.0)),
            ("a", Value::str("x")),
        ])];
        assert_eq!(
            render(OutputFormat::Json, &rows),
            "{\"_time\":\"2021-08-18T23:17:30.000+00:00\",\"a\":\"x\"}\n"
        );
    }

    /// The rows [`write_json_line`] is checked on: every kind of value, escapes, `_time`
    /// as a number and as text, a multivalue `_time`, empty multivalues.
    fn varied_rows() -> Vec<Row> {
        let values = [
            Value::Null,
            Value::str(""),
            Value::str("plain"),
            Value::str("q\"b\\s\n\t\u{1}\u{7f}é😀\u{2028}/"),
            Value::Num(3.0),
            Value::Num(-0.5),
            Value::Num(1e21),
            Value::Bool(true),
            Value::Multi(vec![]),
            Value::Multi(vec!["a".into(), "\"b\"".into()]),
            Value::Multi(vec!["1629328650".into()]),
            Value::str("1629328650"),
            Value::Num(1629328650.5),
        ];
        let names = ["_time", "search_name", "x", "we\"ird\\name", "é"];
        let mut rows = vec![Row::new()];
        for (i, v) in values.iter().enumerate() {
            for (j, n) in names.iter().enumerate() {
                let other = &values[(i + j + 1) % values.len()];
                rows.push(row(&[(n, v.clone()), ("z", other.clone())]));
                rows.push(row(&[("z", other.clone()), (n, v.clone())]));
            }
        }
        rows
    }

    #[test]
    fn json_lines_are_the_serialised_row_objects() {
        for tz in [Tz::UTC, Tz::Asia__Kolkata] {
            for r in varied_rows() {
                let mut out = Vec::new();
                write_json_line(&mut out, &mut Vec::new(), None, &r, tz).expect("in memory");
                let expected = serde_json::to_string(&row_json(&r, tz)).expect("serialises");
                assert_eq!(String::from_utf8(out).expect("utf-8"), expected + "\n");
                // With a leading field: the row with that field moved first.
                for lead in [
                    Value::str("D \"1\""),
                    Value::Multi(vec!["m".into()]),
                    Value::Null,
                ] {
                    let mut out = Vec::new();
                    let leading = Some(("search_name", &lead));
                    write_json_line(&mut out, &mut Vec::new(), leading, &r, tz).expect("in memory");
                    let moved =
                        crate::commands::with_leading_field("search_name", lead.clone(), &r);
                    let expected =
                        serde_json::to_string(&row_json(&moved, tz)).expect("serialises");
                    assert_eq!(String::from_utf8(out).expect("utf-8"), expected + "\n");
                }
            }
        }
    }

    #[test]
    fn no_rows_no_output() {
        for format in [OutputFormat::Json, OutputFormat::Csv, OutputFormat::Table] {
            assert_eq!(render(format, &[]), "");
        }
    }

    #[test]
    fn default_format_depends_on_the_terminal() {
        assert_eq!(choose(None, true), OutputFormat::Table);
        assert_eq!(choose(None, false), OutputFormat::Json);
        assert_eq!(choose(Some(OutputFormat::Csv), true), OutputFormat::Csv);
    }
}
