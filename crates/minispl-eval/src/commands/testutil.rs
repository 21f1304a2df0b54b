//! Helpers for command unit tests: rows from JSON, running an operator, rows to JSON.

use crate::commands::Operator;
use crate::env::Env;
use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use crate::value::Value;
use minispl_parser::Span;
use serde_json::Value as Json;
use std::sync::Arc;

/// A context with UTC and a fixed `now` (2023-11-14T22:13:20Z).
pub fn ctx() -> Arc<Context> {
    Arc::new(Context {
        env: Env {
            tz: chrono_tz::Tz::UTC,
            now: 1_700_000_000.0,
        },
        ..Context::default()
    })
}

pub fn sp() -> Span {
    Span::new(0, 1)
}

/// One row from a JSON object: strings stay strings, arrays are multivalues, `_time`
/// numbers are numbers, other numbers their JSON text.
pub fn row(json: &str) -> Row {
    let v: Json = serde_json::from_str(json).expect("test json");
    let Json::Object(m) = v else {
        panic!("test row must be an object")
    };
    m.into_iter()
        .map(|(k, v)| {
            let value = match v {
                Json::String(s) => Value::from(s),
                Json::Array(a) => Value::multi(
                    a.into_iter()
                        .map(|x| match x {
                            Json::String(s) => s,
                            other => other.to_string(),
                        })
                        .collect(),
                ),
                Json::Number(n) if k == "_time" => Value::Num(n.as_f64().unwrap_or_default()),
                Json::Null => Value::Null,
                other => Value::from(other.to_string()),
            };
            (k, value)
        })
        .collect()
}

/// Rows from a JSON array of objects.
pub fn rows(json: &str) -> Vec<Row> {
    let v: Json = serde_json::from_str(json).expect("test json");
    let Json::Array(items) = v else {
        panic!("test rows must be an array")
    };
    items.iter().map(|i| row(&i.to_string())).collect()
}

/// Push every row, then finish.
pub fn run(op: &mut dyn Operator, input: Vec<Row>) -> Vec<Row> {
    try_run(op, input).expect("push and finish")
}

/// Push every row through `op` and finish it, stopping at the first error.
pub fn try_run(op: &mut dyn Operator, input: Vec<Row>) -> Result<Vec<Row>, EvalError> {
    let mut out = Vec::new();
    for r in input {
        op.push(r, &mut out)?;
    }
    op.finish(&mut out)?;
    Ok(out)
}

/// Rows as compact JSON, fields in row order, multivalues as arrays, numbers rendered.
pub fn to_json(rows: &[Row]) -> String {
    let items: Vec<Json> = rows
        .iter()
        .map(|r| {
            let mut m = serde_json::Map::new();
            for (k, v) in r.iter() {
                let j = match v {
                    Value::Multi(vs) => Json::Array(vs.iter().cloned().map(Json::String).collect()),
                    other => {
                        Json::String(other.render().map(|c| c.into_owned()).unwrap_or_default())
                    }
                };
                m.insert(k.to_string(), j);
            }
            Json::Object(m)
        })
        .collect();
    serde_json::to_string(&items).unwrap_or_default()
}
