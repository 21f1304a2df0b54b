//! `nomv <field>` (SEMANTICS §12 nomv): a multivalue becomes one newline-joined string.

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::value::Value;
use minispl_parser::ast;
use std::sync::Arc;

struct NomvOp {
    field: String,
}

/// Compile `nomv` into an operator.
pub fn compile(cmd: &ast::Nomv, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    Ok(Box::new(NomvOp {
        field: cmd.field.clone(),
    }))
}

impl Operator for NomvOp {
    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if let Value::Multi(values) = row.get(&self.field) {
            let joined = values.join("\n");
            row.set(self.field.as_str(), Value::from(joined));
        }
        out.push(row);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    #[test]
    fn ec128_joins_with_newline() {
        let cmd = ast::Nomv {
            field: "u".into(),
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        let out = run(
            op.as_mut(),
            rows(r#"[{"u":["a","b"],"v":"x"},{"u":"c"},{}]"#),
        );
        assert_eq!(out[0].get("u"), &Value::str("a\nb"));
        assert_eq!(to_json(&out[1..]), r#"[{"u":"c"},{}]"#);
    }
}
