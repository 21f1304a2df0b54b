//! `search` after a pipe (and the implicit first search): keeps the rows the search
//! expression matches (SEMANTICS §1).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::search::CompiledSearch;
use minispl_parser::ast;
use std::sync::Arc;

struct SearchOp {
    /// `None`: an empty search, which keeps everything like `search *` (R1.20).
    filter: Option<CompiledSearch>,
}

/// Compile `search` into an operator.
pub fn compile(cmd: &ast::Search, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    let filter = cmd
        .expr
        .as_ref()
        .map(CompiledSearch::compile)
        .transpose()
        .map_err(|e| e.or_at(cmd.span))?;
    Ok(Box::new(SearchOp { filter }))
}

impl Operator for SearchOp {
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        if self.filter.as_ref().map_or(true, |f| f.matches(&row)) {
            out.push(row);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;
    use minispl_parser::ast::{CompareOp, SearchExpr, SearchValue, TermModifier};

    fn cmp(field: &str, op: CompareOp, text: &str) -> SearchExpr {
        SearchExpr::Compare {
            field: field.into(),
            op,
            value: SearchValue {
                text: text.into(),
                quoted: false,
                modifier: TermModifier::None,
                span: sp(),
            },
            span: sp(),
        }
    }

    fn search(expr: Option<SearchExpr>, input: &str) -> String {
        let mut op = compile(&ast::Search { expr, span: sp() }, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows(input)))
    }

    #[test]
    fn keeps_matching_rows_in_order() {
        let e = cmp("loc", CompareOp::Ne, "A");
        assert_eq!(
            search(Some(e), r#"[{"loc":"A"},{"loc":"B"},{},{"loc":"C"}]"#),
            r#"[{"loc":"B"},{"loc":"C"}]"#
        );
        let e = SearchExpr::Not(Box::new(cmp("loc", CompareOp::Eq, "A")));
        assert_eq!(
            search(Some(e), r#"[{"loc":"A"},{"loc":"B"},{}]"#),
            r#"[{"loc":"B"},{}]"#
        );
    }

    #[test]
    fn empty_search_keeps_everything() {
        assert_eq!(search(None, r#"[{"a":"1"},{}]"#), r#"[{"a":"1"},{}]"#);
    }
}
