//! Informational functions (SEMANTICS §6.4): `isnull`, `isnotnull`, `typeof`, `isnum`,
//! `isstr`, `isint`, `isbool`. A string that parses as a number counts as a number
//! (R6.8), as Splunk types field values that look numeric.

use super::{number, Arg, Ctx, Function};
use crate::error::EvalError;
use crate::value::Value;

pub const FUNCTIONS: &[Function] = &[
    Function::eager("isnull", 1, Some(1), |a, _| Ok(Value::Bool(a[0].is_null()))).predicate(),
    Function::eager("isnotnull", 1, Some(1), |a, _| {
        Ok(Value::Bool(!a[0].is_null()))
    })
    .predicate(),
    Function::eager("typeof", 1, Some(1), typeof_),
    Function::eager("isnum", 1, Some(1), |a, _| {
        Ok(Value::Bool(number(&a[0]).is_some()))
    })
    .predicate(),
    Function::eager("isint", 1, Some(1), |a, _| {
        Ok(Value::Bool(
            number(&a[0]).is_some_and(|n| n.is_finite() && n == n.trunc()),
        ))
    })
    .predicate(),
    Function::eager("isstr", 1, Some(1), isstr).predicate(),
    Function::eager("isarray", 1, Some(1), |a, _| {
        Ok(Value::Bool(json_kind(&a[0]) == Some('[')))
    })
    .predicate(),
    Function::eager("isobject", 1, Some(1), |a, _| {
        Ok(Value::Bool(json_kind(&a[0]) == Some('{')))
    })
    .predicate(),
    Function::eager("isbool", 1, Some(1), |a, _| {
        Ok(Value::Bool(matches!(*a[0], Value::Bool(_))))
    })
    .predicate(),
];

/// `typeof(x)`: `Number`, `String`, `Boolean`, `Invalid` (null), `Multivalue`.
fn typeof_(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    Ok(Value::str(match &*args[0] {
        Value::Null => "Invalid",
        Value::Bool(_) => "Boolean",
        Value::Multi(_) => "Multivalue",
        v if number(v).is_some() => "Number",
        _ => "String",
    }))
}

/// `[` for text that is a JSON array, `{` for a JSON object (`isarray`, `isobject`).
fn json_kind(v: &Value) -> Option<char> {
    let text = super::text(v)?;
    let first = text.trim_start().chars().next()?;
    match serde_json::from_str::<serde_json::Value>(&text).ok()? {
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => Some(first),
        _ => None,
    }
}

/// `isstr(x)`: a non-numeric string (a multivalue is a list of strings, so it counts).
fn isstr(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    Ok(Value::Bool(match &*args[0] {
        Value::Str(s) => crate::value::parse_number(s).is_none(),
        Value::Multi(_) => true,
        _ => false,
    }))
}

#[cfg(test)]
mod tests {
    use crate::expr::build::*;
    use crate::expr::testing::*;
    use crate::value::Value;

    fn b(name: &str, e: minispl_parser::ast::Expr) -> Value {
        eval_in(
            call(name, vec![e]),
            &row(&[("n", "12"), ("t", "ab"), ("m", "a|b")]),
        )
    }

    #[test]
    fn isnull_isnotnull() {
        assert_eq!(b("isnull", f("missing")), Value::Bool(true));
        assert_eq!(b("isnull", f("t")), Value::Bool(false));
        assert_eq!(b("isnull", s("")), Value::Bool(false));
        assert_eq!(b("isnotnull", f("m")), Value::Bool(true));
        assert_eq!(b("isnotnull", null()), Value::Bool(false));
    }

    #[test]
    fn typeof_each_kind() {
        assert_eq!(b("typeof", num(1.0)), Value::str("Number"));
        assert_eq!(b("typeof", f("n")), Value::str("Number"));
        assert_eq!(b("typeof", f("t")), Value::str("String"));
        assert_eq!(b("typeof", tru()), Value::str("Boolean"));
        assert_eq!(b("typeof", f("missing")), Value::str("Invalid"));
        assert_eq!(b("typeof", f("m")), Value::str("Multivalue"));
    }

    #[test]
    fn isnum_isint_isstr_isbool() {
        assert_eq!(b("isnum", f("n")), Value::Bool(true));
        assert_eq!(b("isnum", s("1.5")), Value::Bool(true));
        assert_eq!(b("isnum", f("t")), Value::Bool(false));
        assert_eq!(b("isnum", f("missing")), Value::Bool(false));
        assert_eq!(b("isnum", f("m")), Value::Bool(false));
        assert_eq!(b("isint", f("n")), Value::Bool(true));
        assert_eq!(b("isint", num(1.5)), Value::Bool(false));
        assert_eq!(b("isint", f("t")), Value::Bool(false));
        assert_eq!(b("isstr", f("t")), Value::Bool(true));
        assert_eq!(b("isstr", f("n")), Value::Bool(false));
        assert_eq!(b("isstr", f("missing")), Value::Bool(false));
        assert_eq!(b("isstr", f("m")), Value::Bool(true));
        assert_eq!(b("isbool", tru()), Value::Bool(true));
        assert_eq!(b("isarray", s("[1, 2, 3]")), Value::Bool(true));
        assert_eq!(b("isarray", num(1.0)), Value::Bool(false));
        assert_eq!(b("isarray", s("{}")), Value::Bool(false));
        assert_eq!(b("isobject", s(r#"{"a":1}"#)), Value::Bool(true));
        assert_eq!(b("isobject", f("missing")), Value::Bool(false));
        assert_eq!(b("isobject", f("m")), Value::Bool(false));
        assert_eq!(b("isbool", s("true")), Value::Bool(false));
    }
}
