//! `makemv [delim=" " | tokenizer=<regex>] [allowempty=false] [setsv=false] <field>`
//! (SEMANTICS §12 makemv).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::value::Value;
use minispl_parser::ast;
use regex::Regex;
use std::sync::Arc;

enum Splitter {
    Delim(String),
    /// Each match contributes its first capture group (the whole match without one).
    Tokenizer(Regex),
}

struct MakemvOp {
    field: String,
    splitter: Splitter,
    allowempty: bool,
}

/// Compile `makemv` into an operator.
pub fn compile(cmd: &ast::Makemv, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    // `setsv=true` keeps a single-value copy beside the multivalue in Splunk's internal
    // representation; a value here is either one or the other, so it has no effect.
    let splitter = match (&cmd.tokenizer, &cmd.delim) {
        (Some(t), _) => Splitter::Tokenizer(
            // The shared builder applies the size limits (issue 7, docs/LIMITS.md).
            crate::functions::pcre::build(t)
                .map_err(|e| EvalError::at(format!("invalid tokenizer regex: {e}"), cmd.span))?,
        ),
        (None, Some(d)) if !d.is_empty() => Splitter::Delim(d.clone()),
        (None, Some(_)) => return Err(EvalError::at("makemv delim must not be empty", cmd.span)),
        (None, None) => Splitter::Delim(" ".to_string()),
    };
    Ok(Box::new(MakemvOp {
        field: cmd.field.clone(),
        splitter,
        allowempty: cmd.allowempty,
    }))
}

impl MakemvOp {
    fn split_into(&self, text: &str, out: &mut Vec<String>) {
        match &self.splitter {
            Splitter::Delim(d) => out.extend(
                text.split(d.as_str())
                    .filter(|s| self.allowempty || !s.is_empty())
                    .map(str::to_string),
            ),
            Splitter::Tokenizer(re) => {
                for caps in re.captures_iter(text) {
                    if let Some(m) = caps.get(1).or_else(|| caps.get(0)) {
                        if self.allowempty || !m.as_str().is_empty() {
                            out.push(m.as_str().to_string());
                        }
                    }
                }
            }
        }
    }
}

impl Operator for MakemvOp {
    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let value = row.get(&self.field);
        if !value.is_null() {
            let mut parts = Vec::new();
            for text in value.values() {
                self.split_into(&text, &mut parts);
            }
            row.set(self.field.as_str(), Value::multi(parts));
        }
        out.push(row);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    fn makemv(
        delim: Option<&str>,
        tokenizer: Option<&str>,
        allowempty: bool,
        input: &str,
    ) -> String {
        let cmd = ast::Makemv {
            delim: delim.map(str::to_string),
            tokenizer: tokenizer.map(str::to_string),
            allowempty,
            setsv: false,
            field: "f".into(),
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows(input)))
    }

    #[test]
    fn default_delim_is_a_space_and_empties_drop() {
        assert_eq!(
            makemv(
                None,
                None,
                false,
                r#"[{"f":"a b  c"},{"g":"x"},{"f":"one"}]"#
            ),
            r#"[{"f":["a","b","c"]},{"g":"x"},{"f":"one"}]"#
        );
    }

    #[test]
    fn delim_and_allowempty() {
        assert_eq!(
            makemv(Some(","), None, true, r#"[{"f":"a,,b"}]"#),
            r#"[{"f":["a","","b"]}]"#
        );
        assert_eq!(
            makemv(Some(","), None, false, r#"[{"f":"a,,b"}]"#),
            r#"[{"f":["a","b"]}]"#
        );
    }

    #[test]
    fn tokenizer_takes_first_group() {
        assert_eq!(
            makemv(None, Some(r"([^,]+),?"), false, r#"[{"f":"x1,y2,z3"}]"#),
            r#"[{"f":["x1","y2","z3"]}]"#
        );
        assert_eq!(
            makemv(None, Some(r"\d"), false, r#"[{"f":"a1b2"}]"#),
            r#"[{"f":["1","2"]}]"#
        );
    }
}
