//! `dedup [N] f1 f2 [keepempty=] [consecutive=] [keepevents=] [sortby ...]`
//! (SEMANTICS §12 dedup).
//!
//! Memory: one entry per distinct key combination (not per event), except with
//! `sortby`, which must buffer every row to sort them first.

use crate::commands::sort::{sort_rows, Key};
use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use minispl_parser::ast;
use std::collections::HashMap;
use std::sync::Arc;

/// The values of every dedup field: exact, case-sensitive strings; a multivalue must
/// match on all its values, in order.
type DedupKey = Vec<Vec<String>>;

struct DedupOp {
    count: u64,
    fields: Vec<String>,
    keepempty: bool,
    consecutive: bool,
    keepevents: bool,
    sortby: Vec<Key>,
    seen: HashMap<DedupKey, u64>,
    /// For `consecutive=true`: the previous key and how often it has repeated.
    last: Option<(DedupKey, u64)>,
    buffered: Vec<Row>,
}

/// Compile `dedup` into an operator.
pub fn compile(cmd: &ast::Dedup, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    if cmd.fields.is_empty() {
        return Err(EvalError::at("dedup needs at least one field", cmd.span));
    }
    Ok(Box::new(DedupOp {
        count: cmd.count.max(1),
        fields: cmd.fields.clone(),
        keepempty: cmd.keepempty,
        consecutive: cmd.consecutive,
        keepevents: cmd.keepevents,
        sortby: cmd.sortby.iter().map(Key::from_ast).collect(),
        seen: HashMap::new(),
        last: None,
        buffered: Vec::new(),
    }))
}

impl DedupOp {
    fn key(&self, row: &Row) -> Option<DedupKey> {
        self.fields
            .iter()
            .map(|f| {
                let v = row.get(f);
                (!v.is_null()).then(|| v.to_strings())
            })
            .collect()
    }

    fn dedup(&mut self, mut row: Row, out: &mut Vec<Row>) {
        let Some(key) = self.key(&row) else {
            // A null key field drops the result unless keepempty=true, which keeps it
            // without counting it as a duplicate of anything.
            if self.keepempty {
                out.push(row);
            }
            return;
        };
        let occurrence = if self.consecutive {
            match &mut self.last {
                Some((last, n)) if *last == key => {
                    *n += 1;
                    *n
                }
                _ => {
                    self.last = Some((key, 1));
                    1
                }
            }
        } else {
            let n = self.seen.entry(key).or_insert(0);
            *n += 1;
            *n
        };
        if occurrence <= self.count {
            out.push(row);
        } else if self.keepevents {
            // keepevents=true keeps the duplicate but without the deduplicated fields.
            for f in &self.fields {
                row.remove(f);
            }
            out.push(row);
        }
    }
}

impl Operator for DedupOp {
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if self.sortby.is_empty() {
            self.dedup(row, out);
        } else {
            self.buffered.push(row);
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if self.sortby.is_empty() {
            return Ok(());
        }
        // `sortby` sorts before choosing which results to keep.
        let rows = sort_rows(&self.sortby, false, std::mem::take(&mut self.buffered));
        for row in rows {
            self.dedup(row, out);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    fn dedup(
        count: u64,
        fields: &[&str],
        opts: (bool, bool, bool),
        sortby: Vec<ast::SortKey>,
        input: &str,
    ) -> String {
        let cmd = ast::Dedup {
            count,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            keepempty: opts.0,
            consecutive: opts.1,
            keepevents: opts.2,
            sortby,
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows(input)))
    }

    const NONE: (bool, bool, bool) = (false, false, false);

    #[test]
    fn ec109_keeps_first_and_drops_null_keys() {
        assert_eq!(
            dedup(
                1,
                &["u"],
                NONE,
                vec![],
                r#"[{"u":"a","n":"1"},{"u":"b","n":"2"},{"u":"a","n":"3"},{"n":"4"}]"#
            ),
            r#"[{"u":"a","n":"1"},{"u":"b","n":"2"}]"#
        );
    }

    #[test]
    fn ec110_keepempty() {
        assert_eq!(
            dedup(
                1,
                &["u"],
                (true, false, false),
                vec![],
                r#"[{"u":"a","n":"1"},{"n":"2"},{"n":"3"},{"u":"a","n":"4"}]"#
            ),
            r#"[{"u":"a","n":"1"},{"n":"2"},{"n":"3"}]"#
        );
    }

    #[test]
    fn count_case_sensitivity_and_several_fields() {
        let input = r#"[{"u":"a","h":"x"},{"u":"A","h":"x"},{"u":"a","h":"x"},{"u":"a","h":"x"},{"u":"a","h":"y"},{"u":"a"}]"#;
        assert_eq!(
            dedup(2, &["u", "h"], NONE, vec![], input),
            r#"[{"u":"a","h":"x"},{"u":"A","h":"x"},{"u":"a","h":"x"},{"u":"a","h":"y"}]"#
        );
    }

    #[test]
    fn multivalues_must_match_on_all_values() {
        let input = r#"[{"u":["a","b"]},{"u":["a","c"]},{"u":["a","b"]},{"u":"a"}]"#;
        assert_eq!(
            dedup(1, &["u"], NONE, vec![], input),
            r#"[{"u":["a","b"]},{"u":["a","c"]},{"u":"a"}]"#
        );
    }

    #[test]
    fn consecutive_only_removes_runs() {
        let input = r#"[{"u":"a"},{"u":"a"},{"u":"b"},{"u":"a"}]"#;
        assert_eq!(
            dedup(1, &["u"], (false, true, false), vec![], input),
            r#"[{"u":"a"},{"u":"b"},{"u":"a"}]"#
        );
    }

    #[test]
    fn keepevents_keeps_duplicates_without_the_fields() {
        let input = r#"[{"u":"a","n":"1"},{"u":"a","n":"2"}]"#;
        assert_eq!(
            dedup(1, &["u"], (false, false, true), vec![], input),
            r#"[{"u":"a","n":"1"},{"n":"2"}]"#
        );
    }

    #[test]
    fn sortby_sorts_before_choosing() {
        let input = r#"[{"u":"a","n":"1"},{"u":"b","n":"5"},{"u":"a","n":"9"}]"#;
        let key = ast::SortKey {
            field: "n".into(),
            descending: true,
            collation: ast::SortCollation::Auto,
            span: sp(),
        };
        assert_eq!(
            dedup(1, &["u"], NONE, vec![key], input),
            r#"[{"u":"a","n":"9"},{"u":"b","n":"5"}]"#
        );
    }
}
