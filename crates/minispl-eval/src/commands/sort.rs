//! `sort [N | limit=N] [+|-]key, ... [desc]` (SEMANTICS §12 sort).
//!
//! Buffers every input row (a sort has to see them all), then sorts stably and keeps
//! the first `limit` (default 10000; 0 = all).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::value::parse_number;
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

/// The number a string starts with (`10` for `10abc`, `-1.5` for `-1.5x`).
fn leading_number(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let sign = usize::from(b.first() == Some(&b'-'));
    let mut end = sign;
    while end < b.len() && b[end].is_ascii_digit() {
        end += 1;
    }
    if end == sign {
        return None;
    }
    if end + 1 < b.len() && b[end] == b'.' && b[end + 1].is_ascii_digit() {
        end += 1;
        while end < b.len() && b[end].is_ascii_digit() {
            end += 1;
        }
    }
    s[..end].parse().ok()
}

/// Within one class, what breaks ties: text before addresses, each in its own order.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Tie {
    Text(Vec<u8>),
    Ip(IpAddr),
}

/// A value's sort key under a collation, computed once per row. Keys form a total
/// order (numbers by `total_cmp`), which `sort_by` requires: comparing "per pair of
/// values" as Splunk describes it is not transitive across mixed types.
#[derive(Debug, Clone)]
enum SortKey {
    /// Numbers, and strings that start with a number (Splunk sorts `10abc` by 10).
    Num(f64, Tie),
    /// IP addresses (`ip()` collation, or `auto` for addresses not led by a number).
    Ip(IpAddr),
    /// Everything else, byte order (uppercase before lowercase).
    Str(Tie),
}

impl SortKey {
    fn rank(&self) -> u8 {
        match self {
            SortKey::Num(..) => 0,
            SortKey::Ip(_) => 1,
            SortKey::Str(_) => 2,
        }
    }

    fn new(text: &str, collation: SortCollation) -> SortKey {
        let bytes = || Tie::Text(text.as_bytes().to_vec());
        let ip = || text.parse::<IpAddr>().ok();
        match collation {
            SortCollation::Str => SortKey::Str(bytes()),
            SortCollation::Num => match parse_number(text) {
                Some(n) => SortKey::Num(n, bytes()),
                None => SortKey::Str(bytes()),
            },
            SortCollation::Ip => match ip() {
                Some(a) => SortKey::Ip(a),
                None => SortKey::Str(bytes()),
            },
            // auto: numbers numerically, addresses as addresses, strings led by a
            // number by that number, the rest lexicographically.
            SortCollation::Auto => match (parse_number(text), ip()) {
                (Some(n), _) => SortKey::Num(n, bytes()),
                (None, Some(a)) => match leading_number(text) {
                    Some(n) => SortKey::Num(n, Tie::Ip(a)),
                    None => SortKey::Ip(a),
                },
                (None, None) => match leading_number(text) {
                    Some(n) => SortKey::Num(n, bytes()),
                    None => SortKey::Str(bytes()),
                },
            },
        }
    }

    fn cmp(&self, other: &SortKey) -> Ordering {
        match (self, other) {
            (SortKey::Num(a, x), SortKey::Num(b, y)) => a.total_cmp(b).then_with(|| x.cmp(y)),
            (SortKey::Ip(a), SortKey::Ip(b)) => a.cmp(b),
            (SortKey::Str(x), SortKey::Str(y)) => x.cmp(y),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// The keys of one row: `None` where the field is missing. A multivalue sorts by its
/// first value.
fn row_keys(keys: &[Key], row: &Row) -> Vec<Option<SortKey>> {
    keys.iter()
        .map(|k| {
            row.get(&k.field)
                .values()
                .next()
                .map(|v| SortKey::new(&v, k.collation))
        })
        .collect()
}

/// Sort rows stably by `keys`; `reverse` flips every key (a trailing `desc`). Rows
/// missing a key's field sort after those that have it, in both directions (Splunk:
/// "treated as the smallest value if descending, the largest if ascending").
pub(crate) fn sort_rows(keys: &[Key], reverse: bool, rows: Vec<Row>) -> Vec<Row> {
    let mut decorated: Vec<(Vec<Option<SortKey>>, Row)> =
        rows.into_iter().map(|r| (row_keys(keys, &r), r)).collect();
    decorated.sort_by(|(a, _), (b, _)| {
        for ((ka, kb), key) in a.iter().zip(b).zip(keys) {
            let ord = match (ka, kb) {
                (None, None) => Ordering::Equal,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(x), Some(y)) => {
                    let ord = x.cmp(y);
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
    });
    decorated.into_iter().map(|(_, r)| r).collect()
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
        // The sort is stable: ties keep their input order (medium).
        let mut rows = sort_rows(&self.keys, self.reverse, std::mem::take(&mut self.rows));
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
    fn auto_sorts_strings_by_their_leading_number() {
        assert_eq!(
            sort(
                vec![key("v", false, SortCollation::Auto)],
                None,
                false,
                r#"[{"v":"abc"},{"v":"10b"},{"v":"9z"},{"v":"10a"},{"v":"-1"}]"#
            ),
            r#"[{"v":"-1"},{"v":"9z"},{"v":"10a"},{"v":"10b"},{"v":"abc"}]"#
        );
    }

    #[test]
    fn mixed_types_sort_without_inconsistency() {
        let out = sort(
            vec![key("v", false, SortCollation::Auto)],
            None,
            false,
            r#"[{"v":"10.0.0.9"},{"v":"b"},{"v":"10.0.0.10"},{"v":"10"},{"v":"::1"},{"v":"10x"},{"v":"9"},{"v":"B"}]"#,
        );
        assert_eq!(
            out,
            r#"[{"v":"9"},{"v":"10"},{"v":"10x"},{"v":"10.0.0.9"},{"v":"10.0.0.10"},{"v":"::1"},{"v":"B"},{"v":"b"}]"#
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
