//! `rename a AS b, c* AS d*` (SEMANTICS §3).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::wildcard::{self, Glob};
use minispl_parser::ast;
use std::sync::Arc;

enum Pair {
    Exact {
        from: String,
        to: String,
    },
    Wild {
        from: String,
        glob: Glob,
        to: String,
    },
}

struct RenameOp {
    pairs: Vec<Pair>,
}

/// Compile `rename` into an operator.
pub fn compile(cmd: &ast::Rename, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    let _ = ctx;
    let mut pairs = Vec::with_capacity(cmd.pairs.len());
    for (i, p) in cmd.pairs.iter().enumerate() {
        let stars_from = p.from.matches('*').count();
        let stars_to = p.to.matches('*').count();
        // R3.3 / EC-050: a target must take exactly the source's captures.
        if stars_from != stars_to {
            return Err(EvalError::at(
                format!(
                    "wildcard mismatch in rename: `{}` has {stars_from} `*` but `{}` has {stars_to}",
                    p.from, p.to
                ),
                p.span,
            ));
        }
        // R3.6: one field cannot be renamed to two names.
        if cmd.pairs[..i]
            .iter()
            .any(|q| q.from == p.from && q.to != p.to)
        {
            return Err(EvalError::at(
                format!("field `{}` is renamed more than once", p.from),
                p.span,
            ));
        }
        pairs.push(if stars_from == 0 {
            Pair::Exact {
                from: p.from.clone(),
                to: p.to.clone(),
            }
        } else {
            Pair::Wild {
                glob: Glob::new(&p.from, false),
                from: p.from.clone(),
                to: p.to.clone(),
            }
        });
    }
    Ok(Box::new(RenameOp { pairs }))
}

impl Operator for RenameOp {
    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        // R3.1: pairs apply left to right, each seeing the previous one's result.
        for pair in &self.pairs {
            match pair {
                Pair::Exact { from, to } => {
                    // R3.4 overwrite; R3.5 a missing source erases an existing target.
                    if !row.rename(from, to) {
                        row.remove(to);
                    }
                }
                Pair::Wild { from, glob, to } => {
                    // A pattern that does not start with `_` leaves internal fields
                    // (`_raw`, `_time`) alone, as wildcards do elsewhere (SEMANTICS §10).
                    let internal_ok = from.starts_with('_');
                    let moves: Vec<(String, String)> = row
                        .names()
                        .filter(|n| (internal_ok || !n.starts_with('_')) && glob.is_match(n))
                        .filter_map(|n| {
                            let caps = wildcard::captures(from, n, false)?;
                            Some((n.to_string(), wildcard::substitute(to, &caps)))
                        })
                        .collect();
                    // R3.9 (UNCERTAIN): when two sources map to one target, the last
                    // processed (in field order) wins.
                    for (old, new) in moves {
                        row.rename(&old, &new);
                    }
                }
            }
        }
        out.push(row);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    fn rename(pairs: &[(&str, &str)], input: &str) -> Result<String, EvalError> {
        let cmd = ast::Rename {
            pairs: pairs
                .iter()
                .map(|(f, t)| ast::RenamePair {
                    from: f.to_string(),
                    to: t.to_string(),
                    span: ast::Span::new(7, 14),
                })
                .collect(),
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx())?;
        Ok(to_json(&run(op.as_mut(), rows(input))))
    }

    #[test]
    fn ec044_several_pairs_keep_positions() {
        assert_eq!(
            rename(&[("a", "x"), ("b", "y")], r#"[{"a":"1","b":"2","c":"3"}]"#).unwrap(),
            r#"[{"x":"1","y":"2","c":"3"}]"#
        );
    }

    #[test]
    fn r3_4_existing_target_is_replaced() {
        assert_eq!(
            rename(&[("a", "b")], r#"[{"a":"1","b":"2"}]"#).unwrap(),
            r#"[{"b":"1"}]"#
        );
    }

    #[test]
    fn ec046_missing_source_erases_target() {
        assert_eq!(
            rename(&[("a", "b")], r#"[{"b":"2","c":"3"},{"c":"4"}]"#).unwrap(),
            r#"[{"c":"3"},{"c":"4"}]"#
        );
    }

    #[test]
    fn ec047_prefix_strip() {
        assert_eq!(
            rename(
                &[("requestParameters.*", "*")],
                r#"[{"requestParameters.bucketName":"b1","requestParameters.key":"k","eventName":"GetObject"}]"#
            )
            .unwrap(),
            r#"[{"bucketName":"b1","key":"k","eventName":"GetObject"}]"#
        );
        assert_eq!(
            rename(&[("EU*", "EMEA*")], r#"[{"EU_UK":"1","US":"2"}]"#).unwrap(),
            r#"[{"EMEA_UK":"1","US":"2"}]"#
        );
    }

    #[test]
    fn ec049_target_with_spaces() {
        assert_eq!(
            rename(&[("count", "Count of Events")], r#"[{"count":"5"}]"#).unwrap(),
            r#"[{"Count of Events":"5"}]"#
        );
    }

    #[test]
    fn ec050_wildcard_mismatch_is_an_error_with_span() {
        let err = rename(&[("a*", "b")], r#"[{"a1":"x"}]"#).unwrap_err();
        assert!(err.message.contains("wildcard mismatch"), "{}", err.message);
        assert_eq!(err.span, Some(ast::Span::new(7, 14)));
    }

    #[test]
    fn r3_6_same_source_twice_is_an_error() {
        assert!(rename(&[("a", "b"), ("a", "c")], "[]").is_err());
    }

    #[test]
    fn r3_8_internal_fields_rename_by_name_but_not_by_bare_wildcard() {
        assert_eq!(
            rename(&[("_ip", "IPAddress")], r#"[{"_ip":"1"}]"#).unwrap(),
            r#"[{"IPAddress":"1"}]"#
        );
        assert_eq!(
            rename(&[("*", "x_*")], r#"[{"_raw":"r","a":"1"}]"#).unwrap(),
            r#"[{"_raw":"r","x_a":"1"}]"#
        );
    }

    #[test]
    fn r3_9_last_source_wins() {
        assert_eq!(
            rename(&[("*-*", "**")], r#"[{"a-bc":"1","ab-c":"2","z":"3"}]"#).unwrap(),
            r#"[{"abc":"2","z":"3"}]"#
        );
        assert_eq!(
            rename(&[("*.id", "id*")], r#"[{"a.id":"1","b.id":"2"}]"#).unwrap(),
            r#"[{"ida":"1","idb":"2"}]"#
        );
    }
}
