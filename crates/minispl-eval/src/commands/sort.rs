//! `sort [N | limit=N] [+|-]key, ... [desc]` (SEMANTICS §12 sort).
//!
//! Buffers every input row (a sort has to see them all), then sorts stably and keeps
//! the first `limit` (default 10000; 0 = all).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::value::{parse_number, Value};
use minispl_parser::ast::{self, SortCollation};
use std::cmp::Ordering;
use std::net::IpAddr;
use std::sync::Arc;

/// Splunk's default sort limit.
const DEFAULT_LIMIT: u64 = 10_000;

/// One prepared sort key (shared with `dedup sortby`).
#[derive(Debug, Clone)]
pub(crate) struct Key {
    pub field: String,
    pub descending: bool,
    pub collation: SortCollation,
}

impl Key {
    pub fn from_ast(k: &ast::SortKey) -> Key {
        Key {
            field: k.field.clone(),
            descending: k.descending,
            collation: k.collation,
        }
    }
}

/// The value a row sorts by: the first value of a multivalue field.
fn sort_value(v: &Value) -> Option<std::borrow::Cow<'_, str>> {
    v.values().next()
}

fn compare_ip(a: &str, b: &str) -> Option<Ordering> {
    let a: IpAddr = a.parse().ok()?;
    let b: IpAddr = b.parse().ok()?;
    Some(a.cmp(&b))
}

/// Compare two present values under a collation. `auto` decides per pair: numbers
/// numerically, IP addresses as addresses, otherwise byte order (uppercase before
/// lowercase, as Splunk's lexicographic order). `num`/`ip` put values that are not
/// numbers/addresses after those that are.
fn compare_values(a: &str, b: &str, collation: SortCollation) -> Ordering {
    let lexical = || a.as_bytes().cmp(b.as_bytes());
    match collation {
        SortCollation::Str => lexical(),
        SortCollation::Auto => match (parse_number(a), parse_number(b)) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            _ => compare_ip(a, b).unwrap_or_else(lexical),
        },
        SortCollation::Num => match (parse_number(a), parse_number(b)) {
            (Some(x), Some(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => lexical(),
        },
        SortCollation::Ip => match (a.parse::<IpAddr>().ok(), b.parse::<IpAddr>().ok()) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => lexical(),
        },
    }
}

/// Order two rows by `keys`; `reverse` flips every key (a trailing `desc`). Rows missing
/// a key's field sort after those that have it, in both directions (medium).
pub(crate) fn compare_rows(keys: &[Key], reverse: bool, a: &Row, b: &Row) -> Ordering {
    for key in keys {
        let ord = match (sort_value(a.get(&key.field)), sort_value(b.get(&key.field))) {
            (None, None) => Ordering::Equal,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = compare_values(&x, &y, key.collation);
                if key.descending != reverse {
                    ord.reverse()
                } else {
                    ord
                }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

struct SortOp {
    keys: Vec<Key>,
    reverse: bool,
    /// 0 = unlimited.
    limit: usize,
    rows: Vec<Row>,
}

/// Compile `sort` into an operator.
pub fn compile(cmd: &ast::Sort, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    if cmd.keys.is_empty() {
        return Err(EvalError::at("sort needs at least one field", cmd.span));
    }
    let limit = cmd.limit.unwrap_or(DEFAULT_LIMIT);
    Ok(Box::new(SortOp {
        keys: cmd.keys.iter().map(Key::from_ast).collect(),
        reverse: cmd.reverse,
        limit: usize::try_from(limit).unwrap_or(usize::MAX),
        rows: Vec::new(),
    }))
}

impl Operator for SortOp {
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let _ = out;
        self.rows.push(row);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let mut rows = std::mem::take(&mut self.rows);
        // `sort_by` is stable: ties keep their input order (medium).
        rows.sort_by(|a, b| compare_rows(&self.keys, self.reverse, a, b));
        if self.limit > 0 {
            rows.truncate(self.limit);
        }
        out.extend(rows);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    fn key(field: &str, descending: bool, collation: SortCollation) -> ast::SortKey {
        ast::SortKey {
            field: field.into(),
            descending,
            collation,
            span: sp(),
        }
    }

    fn sort(keys: Vec<ast::SortKey>, limit: Option<u64>, reverse: bool, input: &str) -> String {
        let cmd = ast::Sort {
            limit,
            keys,
            reverse,
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows(input)))
    }

    const NS: &str = r#"[{"n":"9"},{"n":"100"},{"n":"10"}]"#;

    #[test]
    fn ec112_auto_numeric_descending() {
        assert_eq!(
            sort(vec![key("n", true, SortCollation::Auto)], None, false, NS),
            r#"[{"n":"100"},{"n":"10"},{"n":"9"}]"#
        );
        assert_eq!(
            sort(vec![key("n", false, SortCollation::Auto)], None, true, NS),
            r#"[{"n":"100"},{"n":"10"},{"n":"9"}]"#
        );
    }

    #[test]
    fn ec113_str_is_lexicographic() {
        assert_eq!(
            sort(vec![key("n", false, SortCollation::Str)], None, false, NS),
            r#"[{"n":"10"},{"n":"100"},{"n":"9"}]"#
        );
    }

    #[test]
    fn num_and_ip_collations() {
        assert_eq!(
            sort(
                vec![key("n", false, SortCollation::Num)],
                None,
                false,
                r#"[{"n":"b"},{"n":"10"},{"n":"9"}]"#
            ),
            r#"[{"n":"9"},{"n":"10"},{"n":"b"}]"#
        );
        assert_eq!(
            sort(
                vec![key("ip", false, SortCollation::Ip)],
                None,
                false,
                r#"[{"ip":"10.0.0.10"},{"ip":"10.0.0.9"},{"ip":"x"}]"#
            ),
            r#"[{"ip":"10.0.0.9"},{"ip":"10.0.0.10"},{"ip":"x"}]"#
        );
        // auto also recognises addresses.
        assert_eq!(
            sort(
                vec![key("ip", false, SortCollation::Auto)],
                None,
                false,
                r#"[{"ip":"10.0.0.10"},{"ip":"10.0.0.9"}]"#
            ),
            r#"[{"ip":"10.0.0.9"},{"ip":"10.0.0.10"}]"#
        );
    }

    #[test]
    fn missing_last_in_both_directions_and_stable() {
        let input =
            r#"[{"i":"1"},{"n":"2","i":"2"},{"i":"3"},{"n":"1","i":"4"},{"n":"2","i":"5"}]"#;
        assert_eq!(
            sort(
                vec![key("n", false, SortCollation::Auto)],
                None,
                false,
                input
            ),
            r#"[{"n":"1","i":"4"},{"n":"2","i":"2"},{"n":"2","i":"5"},{"i":"1"},{"i":"3"}]"#
        );
        assert_eq!(
            sort(
                vec![key("n", true, SortCollation::Auto)],
                None,
                false,
                input
            ),
            r#"[{"n":"2","i":"2"},{"n":"2","i":"5"},{"n":"1","i":"4"},{"i":"1"},{"i":"3"}]"#
        );
    }

    #[test]
    fn lexicographic_is_byte_order_and_second_key_breaks_ties() {
        assert_eq!(
            sort(
                vec![
                    key("a", false, SortCollation::Auto),
                    key("b", true, SortCollation::Auto)
                ],
                None,
                false,
                r#"[{"a":"b","b":"1"},{"a":"B","b":"1"},{"a":"b","b":"2"}]"#
            ),
            r#"[{"a":"B","b":"1"},{"a":"b","b":"2"},{"a":"b","b":"1"}]"#
        );
    }

    #[test]
    fn limits() {
        let many: Vec<String> = (0..10_005).map(|i| format!(r#"{{"n":"{i}"}}"#)).collect();
        let input = format!("[{}]", many.join(","));
        let count = |limit| {
            let cmd = ast::Sort {
                limit,
                keys: vec![key("n", false, SortCollation::Auto)],
                reverse: false,
                span: sp(),
            };
            let mut op = compile(&cmd, &ctx()).expect("compiles");
            run(op.as_mut(), rows(&input)).len()
        };
        assert_eq!(count(None), 10_000);
        assert_eq!(count(Some(0)), 10_005);
        assert_eq!(count(Some(2)), 2);
    }
}
