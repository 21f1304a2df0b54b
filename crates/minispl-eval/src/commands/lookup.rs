//! `lookup` (SEMANTICS §12, EC-133, EC-134): enrich each row from a CSV table. The
//! matching rules live in [`crate::lookup`], shared with sourcetype profiles.

use crate::commands::Operator;
use crate::error::EvalError;
use crate::lookup::CompiledLookup;
use crate::program::Context;
use crate::row::Row;
use minispl_parser::ast;
use std::sync::Arc;

/// Compile `lookup` into an operator. A missing table is a compile error with the
/// command's span.
pub fn compile(cmd: &ast::Lookup, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    Ok(Box::new(LookupOp(CompiledLookup::compile(
        cmd,
        &ctx.lookups,
    )?)))
}

struct LookupOp(CompiledLookup);

impl Operator for LookupOp {
    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        self.0.apply(&mut row);
        out.push(row);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::stats::tests::{render, rows, run};
    use crate::lookup::tests::{lookup_cmd, mapping, users};
    use serde_json::json;

    fn ctx() -> Arc<Context> {
        Arc::new(Context {
            lookups: users(),
            ..Context::default()
        })
    }

    #[test]
    fn ec133_ec134_through_the_command() {
        let cmd = lookup_cmd(
            vec![mapping("user", None)],
            Some((false, vec![mapping("dept", None)])),
        );
        let op = compile(&cmd, &ctx()).unwrap();
        let got = render(&run(op, rows(json!([{"user":"bob"},{"user":"Alice"}]))).unwrap());
        assert_eq!(
            got,
            json!([{"user":"bob","dept":["ops","sec"]},{"user":"Alice"}])
        );
    }

    #[test]
    fn missing_table_is_compile_error() {
        let mut cmd = lookup_cmd(vec![mapping("user", None)], None);
        cmd.table = "missing".into();
        assert!(compile(&cmd, &ctx()).is_err());
    }
}
