//! `table f1, f2, f*` (SEMANTICS §12 table): exactly the listed fields, in the listed
//! order.

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::{FieldName, Row};
use crate::wildcard::Glob;
use minispl_parser::ast;
use std::sync::Arc;

enum Column {
    Exact(String),
    /// Expands to every matching field of the row, in name order (SEMANTICS §12,
    /// medium). Internal fields (`_raw`...) only match a pattern that starts with `_`.
    Wild {
        glob: Glob,
        internal: bool,
    },
}

struct TableOp {
    columns: Vec<Column>,
}

/// Compile `table` into an operator.
pub fn compile(cmd: &ast::Table, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    let columns = cmd
        .fields
        .iter()
        .map(|f| {
            if f.contains('*') {
                Column::Wild {
                    glob: Glob::new(f, false),
                    internal: f.starts_with('_'),
                }
            } else {
                Column::Exact(f.clone())
            }
        })
        .collect();
    Ok(Box::new(TableOp { columns }))
}

impl Operator for TableOp {
    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let mut table = Row::with_capacity(self.columns.len());
        for column in &self.columns {
            match column {
                Column::Exact(name) => {
                    // A field listed twice keeps its first position; a missing one is
                    // absent (shown empty).
                    let value = row.remove(name);
                    if !value.is_null() {
                        table.set(name.as_str(), value);
                    }
                }
                Column::Wild { glob, internal } => {
                    let mut names: Vec<FieldName> = row
                        .names()
                        .filter(|n| (*internal || !n.starts_with('_')) && glob.is_match(n))
                        .cloned()
                        .collect();
                    names.sort();
                    for name in names {
                        let value = row.remove(&name);
                        table.set(name, value);
                    }
                }
            }
        }
        out.push(table);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    fn table(fields: &[&str], input: &str) -> String {
        let cmd = ast::Table {
            fields: fields.iter().map(|f| f.to_string()).collect(),
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows(input)))
    }

    #[test]
    fn ec118_orders_columns_and_drops_the_rest() {
        assert_eq!(
            table(&["b", "a"], r#"[{"a":"1","b":"2","c":"3"},{"c":"4"}]"#),
            r#"[{"b":"2","a":"1"},{}]"#
        );
    }

    #[test]
    fn wildcards_expand_in_name_order_without_internal_fields() {
        assert_eq!(
            table(
                &["x", "*"],
                r#"[{"_raw":"r","_time":1,"zeta":"z","x":"1","alpha":"a"}]"#
            ),
            r#"[{"x":"1","alpha":"a","zeta":"z"}]"#
        );
        assert_eq!(
            table(
                &["_raw", "user*"],
                r#"[{"_raw":"r","user_b":"2","user_a":"1","u":"0"}]"#
            ),
            r#"[{"_raw":"r","user_a":"1","user_b":"2"}]"#
        );
    }

    #[test]
    fn duplicate_columns_appear_once() {
        assert_eq!(
            table(&["a", "b", "a"], r#"[{"a":"1","b":"2"}]"#),
            r#"[{"a":"1","b":"2"}]"#
        );
    }
}
