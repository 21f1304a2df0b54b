//! CSV lookup tables: the built-in ones the `aws:cloudtrail` profile uses
//! (CLOUDTRAIL.md §5: vendor/product on sourcetype, object_category on eventName) and
//! user tables loaded from a directory by file name.

use crate::engine::RulesError;
use minispl_eval::lookup::{LookupTable, Lookups};
use std::path::Path;
use std::sync::Arc;

const BUILTIN: &[(&str, &str)] = &[
    (
        "aws_sourcetype_vendor.csv",
        include_str!("../lookups/aws_sourcetype_vendor.csv"),
    ),
    (
        "aws_cloudtrail_object_category.csv",
        include_str!("../lookups/aws_cloudtrail_object_category.csv"),
    ),
];

/// Parse CSV text: the first record is the header. Matching is case-sensitive, the
/// default for lookups (EC-134).
pub fn parse_csv(text: &str, origin: &str) -> Result<LookupTable, RulesError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| RulesError::msg(format!("{origin}: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if columns.is_empty() || columns.iter().all(String::is_empty) {
        return Err(RulesError::msg(format!("{origin}: the CSV has no header")));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| RulesError::msg(format!("{origin}: {e}")))?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok(LookupTable {
        columns,
        rows,
        case_sensitive: true,
    })
}

/// Register `table` under its file name and under the name without `.csv`, so both
/// `lookup users.csv ...` and `lookup users ...` find it.
pub fn insert(lookups: &mut Lookups, file_name: &str, table: LookupTable) {
    let table = Arc::new(table);
    if let Some(stem) = file_name.strip_suffix(".csv") {
        lookups.tables.insert(stem.to_string(), Arc::clone(&table));
    }
    lookups.tables.insert(file_name.to_string(), table);
}

/// The built-in lookup tables.
pub fn builtin_lookups() -> Result<Lookups, RulesError> {
    let mut lookups = Lookups::default();
    for (name, text) in BUILTIN {
        insert(
            &mut lookups,
            name,
            parse_csv(text, &format!("built-in lookups/{name}"))?,
        );
    }
    Ok(lookups)
}

/// Add every `*.csv` file of `dir` to `lookups`; returns how many were added.
pub fn load_lookup_dir(lookups: &mut Lookups, dir: &Path) -> Result<usize, RulesError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| RulesError::msg(format!("{}: {e}", dir.display())))?;
    let mut files = Vec::new();
    for entry in entries {
        let p = entry
            .map_err(|e| RulesError::msg(format!("{}: {e}", dir.display())))?
            .path();
        if p.extension().and_then(|e| e.to_str()) == Some("csv") {
            files.push(p);
        }
    }
    files.sort();
    for p in &files {
        let text = std::fs::read_to_string(p)
            .map_err(|e| RulesError::msg(format!("{}: {e}", p.display())))?;
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        insert(lookups, &name, parse_csv(&text, &p.display().to_string())?);
    }
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_vendor_lookup() {
        let l = builtin_lookups().unwrap();
        let t = l.get("aws_sourcetype_vendor.csv").unwrap();
        assert_eq!(t.columns, vec!["sourcetype", "vendor", "product"]);
        assert_eq!(
            t.rows,
            vec![vec![
                "aws:cloudtrail".to_string(),
                "Amazon Web Services".to_string(),
                "CloudTrail".to_string()
            ]]
        );
        assert!(l.get("aws_sourcetype_vendor").is_some());
        let oc = l.get("aws_cloudtrail_object_category.csv").unwrap();
        assert!(oc.rows.iter().any(|r| r[0] == "PutImage"));
    }

    #[test]
    fn ragged_csv_is_an_error_with_origin() {
        let e = parse_csv("a,b\n1\n", "t.csv").unwrap_err();
        assert!(e.message.starts_with("t.csv:"), "{}", e.message);
    }

    #[test]
    fn directory_loading() {
        let dir = std::env::temp_dir().join(format!("minispl-lookups-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("users.csv"), "user,dept\nalice,ops\n").unwrap();
        std::fs::write(dir.join("readme.md"), "x").unwrap();
        let mut l = Lookups::default();
        assert_eq!(load_lookup_dir(&mut l, &dir).unwrap(), 1);
        assert_eq!(l.get("users").unwrap().rows[0], vec!["alice", "ops"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
