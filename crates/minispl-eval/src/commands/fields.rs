//! `fields [+|-] f1, f2, f*` (SEMANTICS §12 fields).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::wildcard::Glob;
use minispl_parser::ast;
use std::sync::Arc;

struct Pattern {
    glob: Glob,
    /// A pattern that does not start with `_` never selects internal fields: `fields -
    /// *` keeps `_raw`/`_time`, `fields - _*` removes them (SEMANTICS §10, §12).
    internal: bool,
}

impl Pattern {
    fn is_match(&self, name: &str) -> bool {
        (self.internal || !name.starts_with('_')) && self.glob.is_match(name)
    }
}

struct FieldsOp {
    remove: bool,
    patterns: Vec<Pattern>,
}

/// Compile `fields` into an operator.
pub fn compile(cmd: &ast::Fields, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    let patterns = cmd
        .fields
        .iter()
        .map(|f| Pattern {
            glob: Glob::new(f, false),
            internal: f.starts_with('_'),
        })
        .collect();
    Ok(Box::new(FieldsOp {
        remove: cmd.remove,
        patterns,
    }))
}

impl Operator for FieldsOp {
    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if self.remove {
            row.retain(|name, _| !self.patterns.iter().any(|p| p.is_match(name)));
        } else {
            // `fields +` keeps the listed fields and the internal ones (`_raw`, `_time`),
            // which go only when removed explicitly. Field order is unchanged.
            row.retain(|name, _| {
                name.starts_with('_') || self.patterns.iter().any(|p| p.is_match(name))
            });
        }
        out.push(row);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    fn fields(remove: bool, list: &[&str], input: &str) -> String {
        let cmd = ast::Fields {
            remove,
            fields: list.iter().map(|f| f.to_string()).collect(),
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows(input)))
    }

    #[test]
    fn ec119_minus_removes_named_fields() {
        assert_eq!(
            fields(true, &["c"], r#"[{"a":"1","c":"3"}]"#),
            r#"[{"a":"1"}]"#
        );
    }

    #[test]
    fn keep_mode_keeps_internal_fields_and_order() {
        assert_eq!(
            fields(
                false,
                &["b", "a*"],
                r#"[{"_raw":"r","a1":"1","c":"3","b":"2","_time":5}]"#
            ),
            r#"[{"_raw":"r","a1":"1","b":"2","_time":"5"}]"#
        );
    }

    #[test]
    fn internal_fields_go_only_when_named() {
        assert_eq!(
            fields(true, &["*"], r#"[{"_raw":"r","a":"1"}]"#),
            r#"[{"_raw":"r"}]"#
        );
        assert_eq!(
            fields(true, &["_*"], r#"[{"_raw":"r","a":"1","_time":1}]"#),
            r#"[{"a":"1"}]"#
        );
        assert_eq!(
            fields(true, &["_raw"], r#"[{"_raw":"r","a":"1"}]"#),
            r#"[{"a":"1"}]"#
        );
    }
}
