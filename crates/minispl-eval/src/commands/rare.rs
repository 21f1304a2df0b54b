//! `rare` (SEMANTICS §12, EC-130): `top` sorted by count ascending; same options and
//! outputs, default limit 10. The implementation is shared with [`super::top`].

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use minispl_parser::ast;
use std::sync::Arc;

/// Compile `rare` into an operator.
pub fn compile(cmd: &ast::TopRare, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    super::top::compile_top_rare(cmd, ctx, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::stats::tests::{render, rows, run};
    use crate::commands::top::tests::top_cmd;
    use serde_json::json;

    #[test]
    fn ec130_rare_sorts_ascending() {
        let op = compile(&top_cmd(&["x"], &[], &[]), &Arc::new(Context::default())).unwrap();
        let got = render(&run(op, rows(json!([{"x":"a"},{"x":"a"},{"x":"b"}]))).unwrap());
        assert_eq!(
            got,
            json!([
                {"x":"b","count":"1","percent":"33.333333"},
                {"x":"a","count":"2","percent":"66.666667"}
            ])
        );
    }
}
