//! `mvexpand <field> [limit=N]` (SEMANTICS §5).

use crate::commands::Operator;
use crate::error::EvalError;
use crate::plan::FieldSet;
use crate::program::Context;
use crate::row::{FieldName, Row};
use crate::value::{CompactString, Value};
use minispl_parser::ast;
use std::sync::Arc;

struct MvexpandOp {
    field: String,
    /// 0 = unlimited (R5.2).
    limit: usize,
    /// `Context.limits.max_mvexpand_bytes` (R5.7).
    max_bytes: usize,
    span: ast::Span,
    /// The fields the rest of the pipeline can see (from the plan): the others are
    /// dropped before the row is copied once per value (issue 6: a scan-findings event
    /// carries tens of kilobytes of `_raw` that a `stats` after it never reads).
    needed: Option<FieldSet>,
    /// The same set whatever the optimisations (`downstream_sees`): what the size
    /// estimate counts. `None`: every field may be seen.
    seen: Option<FieldSet>,
}

/// `12 MiB`, or `800 bytes` below one MiB.
fn size(bytes: usize) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// Rough heap size of a row's fields that `counts`: names, values and a fixed overhead
/// per field and per value. Only needs to be proportional to the memory a copy takes,
/// for the R5.7 cap.
fn approx_bytes(row: &Row, counts: impl Fn(&str) -> bool) -> usize {
    row.iter()
        .filter(|(name, _)| counts(name))
        .map(|(name, value)| {
            let value = match value {
                Value::Str(s) => s.len() + 24,
                Value::Multi(vs) => vs.iter().map(|v| v.len() + 24).sum::<usize>() + 24,
                _ => 16,
            };
            name.len() + 32 + value
        })
        .sum()
}

/// Compile `mvexpand` into an operator.
pub fn compile(cmd: &ast::Mvexpand, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    // R5.4: internal fields cannot be expanded.
    if cmd.field.starts_with('_') {
        return Err(EvalError::at(
            format!("mvexpand cannot expand the internal field `{}`", cmd.field),
            cmd.span,
        ));
    }
    Ok(Box::new(MvexpandOp {
        field: cmd.field.clone(),
        limit: usize::try_from(cmd.limit.unwrap_or(0)).unwrap_or(usize::MAX),
        max_bytes: ctx.limits.max_mvexpand_bytes,
        span: cmd.span,
        needed: None,
        seen: None,
    }))
}

impl Operator for MvexpandOp {
    fn downstream_needs(&mut self, needed: &FieldSet) {
        self.needed = Some(needed.clone());
    }

    fn downstream_sees(&mut self, seen: &FieldSet) {
        self.seen = Some(seen.clone());
    }

    fn push(&mut self, mut row: Row, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let values = match row.get(&self.field) {
            // R5.5 (UNCERTAIN), Claim A as recommended: a row without the field is
            // dropped.
            Value::Null => return Ok(()),
            Value::Multi(values) => values.clone(),
            // R5.3: a single value passes unchanged.
            _ => {
                out.push(row);
                return Ok(());
            }
        };
        // Blank the field before copying so each copy does not duplicate every value;
        // it keeps its position and is overwritten below.
        row.set(self.field.as_str(), Value::Str(CompactString::default()));
        let take = if self.limit == 0 {
            values.len()
        } else {
            self.limit.min(values.len())
        };
        // R5.7: Splunk caps mvexpand's memory (500 MB) and truncates with a warning.
        // minispl has no warning channel and must not lose results silently (issue 7),
        // so going over the cap is an error that names the field and the way out.
        // The estimate counts the expanded field and the fields the rest of the
        // pipeline can see: those are in the row whether or not field pruning left the
        // others out, so the cap trips alike, with the same message, with every
        // optimisation on or off.
        let per_copy = approx_bytes(&row, |name| {
            name == self.field || self.seen.as_ref().map_or(true, |seen| seen.contains(name))
        });
        let estimate = per_copy.saturating_mul(take);
        if estimate > self.max_bytes {
            return Err(EvalError::at(
                format!(
                    "mvexpand: expanding the {take} values of `{}` would produce about {} \
                     from one result, over the limit of {} (max_mvexpand_bytes); \
                     use limit=N or reduce the fields first",
                    self.field,
                    size(estimate),
                    size(self.max_bytes)
                ),
                self.span,
            ));
        }
        if let Some(needed) = &self.needed {
            let unseen: Vec<FieldName> = row
                .names()
                .filter(|n| **n != self.field && !needed.contains(n))
                .cloned()
                .collect();
            for name in &unseen {
                row.remove(name);
            }
        }
        // R5.1: one row per value in value order, every other field copied (the
        // expanded field keeps its position); R5.6: duplicates are kept. The last copy
        // reuses the input row.
        let mut values = values.into_iter().take(take).peekable();
        while let Some(v) = values.next() {
            if values.peek().is_none() {
                row.set(self.field.as_str(), Value::from(v));
                out.push(row);
                break;
            }
            let mut copy = row.clone();
            copy.set(self.field.as_str(), Value::from(v));
            out.push(copy);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testutil::*;

    fn mvexpand(field: &str, limit: Option<u64>, input: &str) -> String {
        let cmd = ast::Mvexpand {
            field: field.into(),
            limit,
            span: sp(),
        };
        let mut op = compile(&cmd, &ctx()).expect("compiles");
        to_json(&run(op.as_mut(), rows(input)))
    }

    #[test]
    fn ec058_one_row_per_value_in_order() {
        assert_eq!(
            mvexpand(
                "u",
                None,
                r#"[{"id":"1","u":["a","b"],"z":"q"},{"id":"2","u":"c"}]"#
            ),
            r#"[{"id":"1","u":"a","z":"q"},{"id":"1","u":"b","z":"q"},{"id":"2","u":"c"}]"#
        );
    }

    #[test]
    fn ec059_limit_keeps_first_values() {
        assert_eq!(
            mvexpand("u", Some(2), r#"[{"u":["a","b","c"]}]"#),
            r#"[{"u":"a"},{"u":"b"}]"#
        );
        assert_eq!(
            mvexpand("u", Some(0), r#"[{"u":["a","a"]}]"#),
            r#"[{"u":"a"},{"u":"a"}]"#
        );
    }

    #[test]
    fn ec061_rows_without_the_field_are_dropped() {
        assert_eq!(
            mvexpand("u", None, r#"[{"id":"1"},{"id":"2","u":["x","y"]}]"#),
            r#"[{"id":"2","u":"x"},{"id":"2","u":"y"}]"#
        );
    }

    #[test]
    fn expansion_past_the_memory_cap_is_an_error_not_unbounded_growth() {
        let mut c = (*ctx()).clone();
        c.limits.max_mvexpand_bytes = 1 << 20;
        let ctx = Arc::new(c);
        let big = "x".repeat(4096);
        let values: Vec<String> = (0..300).map(|i| format!("v{i}")).collect();
        let input = serde_json::json!([{ "u": values, "pad": big }]).to_string();
        let cmd = ast::Mvexpand {
            field: "u".into(),
            limit: None,
            span: sp(),
        };
        // 300 copies of a ~4 KiB row is over 1 MiB: an error naming field and limit.
        let mut op = compile(&cmd, &ctx).expect("compiles");
        let mut out = Vec::new();
        let err = rows(&input)
            .into_iter()
            .try_for_each(|r| op.push(r, &mut out))
            .expect_err("over the cap");
        assert!(err.message.contains("`u`"), "{}", err.message);
        assert!(
            err.message.contains("max_mvexpand_bytes"),
            "{}",
            err.message
        );
        // limit= brings it under the cap.
        let limited = ast::Mvexpand {
            limit: Some(100),
            ..cmd
        };
        let mut op = compile(&limited, &ctx).expect("compiles");
        assert_eq!(run(op.as_mut(), rows(&input)).len(), 100);
    }

    #[test]
    fn internal_field_is_a_compile_error() {
        let cmd = ast::Mvexpand {
            field: "_raw".into(),
            limit: None,
            span: sp(),
        };
        assert!(compile(&cmd, &ctx()).is_err());
    }
}
