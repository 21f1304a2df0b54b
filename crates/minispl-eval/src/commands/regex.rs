//! `regex [field=]"<regex>"` / `regex field!="<regex>"`: keeps (or with `!=` drops)
//! results whose field matches the unanchored regex.

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use minispl_parser::ast;
use regex::Regex;
use std::sync::Arc;

struct RegexOp {
    field: String,
    negate: bool,
    re: Regex,
}

/// Compile `regex` into an operator.
pub fn compile(cmd: &ast::RegexCmd, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    // Through the shared builder so the size limits apply (issue 7, docs/LIMITS.md).
    let re = crate::functions::pcre::build(&cmd.pattern)
        .map_err(|e| EvalError::at(format!("invalid regex: {e}"), cmd.pattern_span))?;
    Ok(Box::new(RegexOp {
        field: cmd.field.clone(),
        negate: cmd.negate,
        re,
    }))
}

impl Operator for RegexOp {
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        // Any value of a multivalue may match. A missing field matches nothing, so
        // `field!=` keeps results without the field.
        let matched = row.get(&self.field).values().any(|v| self.re.is_match(&v));
        if matched != self.negate {
            out.push(row);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    fn regex(field: &str, negate: bool, pattern: &str, input: &str) -> String {
        let cmd = ast::RegexCmd {
            field: field.into(),
            negate,
            pattern: pattern.into(),
            pattern_span: sp(),
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows(input)))
    }

    const INPUT: &str =
        r#"[{"_raw":"GET /a","u":"x.exe"},{"_raw":"post /b","u":["a","b.EXE"]},{"_raw":"PUT"}]"#;

    #[test]
    fn keeps_matching_results() {
        assert_eq!(
            regex("_raw", false, "^(GET|PUT)", INPUT),
            r#"[{"_raw":"GET /a","u":"x.exe"},{"_raw":"PUT"}]"#
        );
        assert_eq!(
            regex("u", false, r"(?i)\.exe$", INPUT),
            r#"[{"_raw":"GET /a","u":"x.exe"},{"_raw":"post /b","u":["a","b.EXE"]}]"#
        );
    }

    #[test]
    fn negation_keeps_non_matching_and_missing() {
        assert_eq!(
            regex("u", true, r"\.exe$", INPUT),
            r#"[{"_raw":"post /b","u":["a","b.EXE"]},{"_raw":"PUT"}]"#
        );
    }

    #[test]
    fn bad_pattern_is_an_error() {
        let cmd = ast::RegexCmd {
            field: "_raw".into(),
            negate: false,
            pattern: "(".into(),
            pattern_span: ast::Span::new(3, 6),
            span: sp(),
        };
        assert_eq!(
            compile(&cmd, &ctx()).err().map(|e| e.span),
            Some(Some(ast::Span::new(3, 6)))
        );
    }
}
