//! `mvcombine [delim=" "] <field>` (SEMANTICS §12 mvcombine): results identical on all
//! other fields are merged into one whose `<field>` holds every value, in input order.
//!
//! Buffers one entry per distinct combination of the other fields. Internal fields
//! (`_raw`, `_time`, ...) take no part in the comparison: Splunk's page says mvcombine
//! "does not apply to internal fields", and EC-127 (high) expects field-map events whose
//! synthesized `_raw` differs to combine. A merged result keeps the internal fields of
//! the first result of its group (docs/DECISIONS.md). `delim` only matters for Splunk's single-string rendering of the
//! merged field; here a multivalue is rendered by `nomv` with newlines, so it is not
//! used.

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::value::Value;
use indexmap::IndexMap;
use minispl_parser::ast;
use std::sync::Arc;

/// The other fields of a result, sorted by name so field order does not matter.
type GroupKey = Vec<(String, Vec<String>)>;

struct MvcombineOp {
    field: String,
    groups: IndexMap<GroupKey, (Row, Vec<String>)>,
}

/// Compile `mvcombine` into an operator.
pub fn compile(cmd: &ast::Mvcombine, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    Ok(Box::new(MvcombineOp {
        field: cmd.field.clone(),
        groups: IndexMap::new(),
    }))
}

impl Operator for MvcombineOp {
    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let _ = out;
        let mut key: GroupKey = row
            .iter()
            .filter(|(name, _)| **name != self.field && !name.starts_with('_'))
            .map(|(name, value)| (name.to_string(), value.to_strings()))
            .collect();
        key.sort();
        let values = row.get(&self.field).to_strings();
        match self.groups.get_mut(&key) {
            Some((_, all)) => all.extend(values),
            None => {
                // Keep the field's slot in the first result; it is filled at the end.
                row.set(self.field.as_str(), Value::str(""));
                self.groups.insert(key, (row, values));
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        for (_, (mut row, values)) in std::mem::take(&mut self.groups) {
            row.set(self.field.as_str(), Value::multi(values));
            out.push(row);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    fn mvcombine(input: &str) -> String {
        let cmd = ast::Mvcombine {
            delim: None,
            field: "ip".into(),
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows(input)))
    }

    #[test]
    fn ec127_merges_rows_identical_elsewhere() {
        assert_eq!(
            mvcombine(r#"[{"host":"h","ip":"1"},{"host":"h","ip":"2"},{"host":"g","ip":"3"}]"#),
            r#"[{"host":"h","ip":["1","2"]},{"host":"g","ip":"3"}]"#
        );
    }

    #[test]
    fn neither_field_order_nor_internal_fields_split_groups() {
        assert_eq!(
            mvcombine(
                r#"[{"a":"1","b":"2","ip":"x","_time":1},{"b":"2","a":"1","ip":["y","x"],"_time":1},{"a":"1","b":"2","ip":"z","_time":2},{"a":"2","ip":"w","_time":1}]"#
            ),
            r#"[{"a":"1","b":"2","ip":["x","y","x","z"],"_time":"1"},{"a":"2","ip":"w","_time":"1"}]"#
        );
    }

    #[test]
    fn rows_without_the_field_join_their_group() {
        assert_eq!(
            mvcombine(r#"[{"h":"a"},{"h":"a","ip":"1"},{"h":"b"}]"#),
            r#"[{"h":"a","ip":"1"},{"h":"b"}]"#
        );
    }
}
