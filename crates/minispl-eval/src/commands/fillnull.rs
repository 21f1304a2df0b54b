//! `fillnull [value=v] [fields...]` (SEMANTICS §12 fillnull; default value `0`).
//!
//! With a field list it streams. Without one it must know every field that appears in
//! any result before it can fill the first, so it buffers all rows until the end:
//! memory proportional to the result set (use a field list on large inputs).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::{FieldName, Row};
use crate::value::Value;
use indexmap::IndexSet;
use minispl_parser::ast;
use std::sync::Arc;

struct FillnullOp {
    value: String,
    /// Empty: every (non-internal) field seen in any row.
    fields: Vec<String>,
    seen: IndexSet<FieldName>,
    buffered: Vec<Row>,
}

/// Compile `fillnull` into an operator.
pub fn compile(cmd: &ast::Fillnull, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    Ok(Box::new(FillnullOp {
        value: cmd.value.clone(),
        fields: cmd.fields.clone(),
        seen: IndexSet::new(),
        buffered: Vec::new(),
    }))
}

/// Only absent fields are filled: an empty string is a present value (R1.14).
fn fill(row: &mut Row, names: impl IntoIterator<Item = impl AsRef<str>>, value: &str) {
    for name in names {
        let name = name.as_ref();
        if !row.contains(name) {
            row.set(name, Value::str(value));
        }
    }
}

impl Operator for FillnullOp {
    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if !self.fields.is_empty() {
            fill(&mut row, &self.fields, &self.value);
            out.push(row);
            return Ok(());
        }
        for name in row.names() {
            // Internal fields (`_raw`, `_time`) are not part of the filled set.
            if !name.starts_with('_') && !self.seen.contains(name) {
                self.seen.insert(name.clone());
            }
        }
        self.buffered.push(row);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        for mut row in std::mem::take(&mut self.buffered) {
            fill(&mut row, &self.seen, &self.value);
            out.push(row);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    fn fillnull(value: &str, fields: &[&str], input: &str) -> String {
        let cmd = ast::Fillnull {
            value: value.into(),
            fields: fields.iter().map(|f| f.to_string()).collect(),
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows(input)))
    }

    #[test]
    fn ec116_fills_every_field_seen_in_the_set() {
        assert_eq!(
            fillnull("0", &[], r#"[{"a":"1"},{"b":"2"}]"#),
            r#"[{"a":"1","b":"0"},{"b":"2","a":"0"}]"#
        );
    }

    #[test]
    fn field_list_creates_fields_on_every_row() {
        assert_eq!(
            fillnull("NULL", &["x", "a"], r#"[{"a":"1"},{"_raw":"r"},{"a":""}]"#),
            r#"[{"a":"1","x":"NULL"},{"_raw":"r","x":"NULL","a":"NULL"},{"a":"","x":"NULL"}]"#
        );
    }

    #[test]
    fn internal_fields_are_not_filled() {
        assert_eq!(
            fillnull("0", &[], r#"[{"_raw":"r","a":"1"},{"b":"2"}]"#),
            r#"[{"_raw":"r","a":"1","b":"0"},{"b":"2","a":"0"}]"#
        );
    }
}
