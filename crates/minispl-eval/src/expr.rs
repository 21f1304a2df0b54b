//! The eval expression language (SEMANTICS §6): compile an [`Expr`] once, evaluate it per
//! row.
//!
//! Compilation resolves every function in the table of [`crate::functions`] (names are
//! case-insensitive), checks arities, and lets a function prepare what it can ahead of
//! time (literal regexes, literal `searchmatch` strings). Evaluation follows §6.2–6.3:
//! strings that parse as numbers are numbers for arithmetic and for comparison with
//! numbers (R6.8), null propagates (R6.15) with SQL three-valued logic for
//! `AND`/`OR`/`XOR`/`NOT`, and a comparison with a multivalue operand is true when any
//! of its values satisfies it (R6.16).

use crate::env::Env;
use crate::error::EvalError;
use crate::functions::{self, Ctx, Function, Kind, Prepared};
use crate::row::Row;
use crate::value::{format_compact, Value};
use minispl_parser::ast::{BinaryOp, Expr, UnaryOp};
use minispl_parser::Span;
use smallvec::SmallVec;
use std::borrow::{Borrow, Cow};
use std::cmp::Ordering;

/// An eval expression checked and prepared for evaluation (functions resolved, literal
/// regexes compiled).
#[derive(Debug, Clone)]
pub struct CompiledExpr {
    node: Node,
}

/// A compiled expression node. Crate-visible so that lazy functions (`if`, `case`,
/// `mvfilter`, `mvmap`...) can evaluate their arguments themselves.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Lit(Value),
    Field(String),
    Call(Box<CallNode>),
    Unary {
        op: UnaryOp,
        expr: Box<Node>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    In {
        expr: Box<Node>,
        list: Vec<Node>,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct CallNode {
    pub(crate) function: &'static Function,
    pub(crate) args: Vec<Node>,
    pub(crate) span: Span,
    pub(crate) prepared: Prepared,
}

/// What an expression is evaluated against: the row, the run's environment, and
/// optionally one field bound to a single value (how `mvfilter`/`mvmap` evaluate their
/// expression once per value).
#[derive(Clone, Copy)]
pub(crate) struct Scope<'a> {
    pub(crate) row: &'a Row,
    pub(crate) env: &'a Env,
    pub(crate) bind: Option<(&'a str, &'a Value)>,
}

impl<'a> Scope<'a> {
    pub(crate) fn new(row: &'a Row, env: &'a Env) -> Self {
        Scope {
            row,
            env,
            bind: None,
        }
    }

    /// The same scope with `name` standing for `value`.
    pub(crate) fn binding(&self, name: &'a str, value: &'a Value) -> Scope<'a> {
        Scope {
            bind: Some((name, value)),
            ..*self
        }
    }

    pub(crate) fn get(&self, name: &str) -> &'a Value {
        match self.bind {
            Some((bound, value)) if bound == name => value,
            _ => self.row.get(name),
        }
    }
}

impl CompiledExpr {
    /// Resolve functions and check arities; errors carry the span of the offending call.
    pub fn compile(expr: &Expr) -> Result<CompiledExpr, EvalError> {
        Ok(CompiledExpr {
            node: compile_node(expr)?,
        })
    }

    /// Evaluate against one row. Predicates evaluate to `Value::Bool`; a null operand
    /// propagates as `Value::Null` (R6.15).
    pub fn eval(&self, row: &Row, env: &Env) -> Result<Value, EvalError> {
        self.node.eval(&Scope::new(row, env))
    }

    /// Evaluate a predicate: true only when the result is TRUE (R1.28, R6.15). Copies no
    /// field values (what `where` and `count(eval(...))` need).
    pub fn is_true(&self, row: &Row, env: &Env) -> Result<bool, EvalError> {
        let v = self.node.eval_ref(&Scope::new(row, env))?;
        Ok(matches!(*v, Value::Bool(true)))
    }

    /// True if the expression's result is a boolean (a comparison, `AND`/`OR`/`NOT`,
    /// `LIKE`, `IN`, or a boolean function): such a result cannot be assigned (R6.2).
    pub fn is_predicate(&self) -> bool {
        self.node.is_predicate()
    }

    /// The field names the expression reads (for the logical plan), in order of first
    /// appearance, without duplicates. `searchmatch` reads `_raw` (and whatever fields
    /// its search names, which the search language reports itself).
    pub fn fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.node.collect_fields(&mut out);
        out
    }
}

fn compile_node(expr: &Expr) -> Result<Node, EvalError> {
    Ok(match expr {
        Expr::Num { value, .. } => Node::Lit(Value::Num(*value)),
        Expr::Str { value, .. } => Node::Lit(Value::str(value.as_str())),
        Expr::Field { name, .. } => Node::Field(name.clone()),
        Expr::Unary { op, expr, .. } => Node::Unary {
            op: *op,
            expr: Box::new(compile_node(expr)?),
        },
        Expr::Binary { op, lhs, rhs, .. } => Node::Binary {
            op: *op,
            lhs: Box::new(compile_node(lhs)?),
            rhs: Box::new(compile_node(rhs)?),
        },
        Expr::In { expr, list, .. } => Node::In {
            expr: Box::new(compile_node(expr)?),
            list: list.iter().map(compile_node).collect::<Result<_, _>>()?,
        },
        Expr::Call { name, args, span } => compile_call(name, args, *span)?,
    })
}

fn compile_call(name: &str, args: &[Expr], span: Span) -> Result<Node, EvalError> {
    let Some(function) = functions::lookup(name) else {
        let mut message = format!("unknown function `{name}`");
        if let Some(close) = functions::suggest(name) {
            message.push_str(&format!(" (did you mean `{close}`?)"));
        }
        return Err(EvalError::at(message, span));
    };
    if args.len() < function.min_args || function.max_args.is_some_and(|max| args.len() > max) {
        return Err(EvalError::at(
            format!(
                "`{}` takes {}, got {}",
                function.name,
                function.arity_text(),
                args.len()
            ),
            span,
        ));
    }
    let prepared = match function.prepare {
        Some(prepare) => prepare(args, span)?,
        None => Prepared::None,
    };
    let args = args.iter().map(compile_node).collect::<Result<_, _>>()?;
    Ok(Node::Call(Box::new(CallNode {
        function,
        args,
        span,
        prepared,
    })))
}

impl Node {
    /// Evaluate to an owned value.
    pub(crate) fn eval(&self, scope: &Scope<'_>) -> Result<Value, EvalError> {
        self.eval_ref(scope).map(Cow::into_owned)
    }

    /// Evaluate, borrowing literals and field values instead of copying them (a `where`
    /// comparison then copies nothing per row).
    pub(crate) fn eval_ref<'s>(&'s self, scope: &Scope<'s>) -> Result<Cow<'s, Value>, EvalError> {
        Ok(match self {
            Node::Lit(v) => Cow::Borrowed(v),
            Node::Field(name) => Cow::Borrowed(scope.get(name)),
            Node::Unary { op, expr } => {
                let v = expr.eval_ref(scope)?;
                Cow::Owned(match op {
                    UnaryOp::Not => match truth(&v) {
                        Some(b) => Value::Bool(!b),
                        None => Value::Null,
                    },
                    UnaryOp::Neg => number(&v).map_or(Value::Null, |n| Value::Num(-n)),
                    UnaryOp::Plus => number(&v).map_or(Value::Null, Value::Num),
                })
            }
            Node::Binary { op, lhs, rhs } => Cow::Owned(eval_binary(*op, lhs, rhs, scope)?),
            Node::In { expr, list } => {
                let v = expr.eval_ref(scope)?;
                let mut items = Vec::with_capacity(list.len());
                for item in list {
                    items.push(item.eval_ref(scope)?);
                }
                Cow::Owned(in_list(&v, &items))
            }
            Node::Call(call) => {
                let ctx = Ctx {
                    scope,
                    span: call.span,
                    prepared: &call.prepared,
                };
                let result = match call.function.kind {
                    Kind::Eager(f) => {
                        // Inline for up to four arguments: no allocation per call (issue
                        // 6: W4's profile calls `match` twice per event).
                        let mut values = SmallVec::<[_; 4]>::new();
                        for arg in &call.args {
                            values.push(arg.eval_ref(scope)?);
                        }
                        f(&values, &ctx)
                    }
                    Kind::Lazy(f) => f(&call.args, &ctx),
                };
                Cow::Owned(result.map_err(|e| e.or_at(call.span))?)
            }
        })
    }

    pub(crate) fn is_predicate(&self) -> bool {
        match self {
            Node::Lit(v) => matches!(v, Value::Bool(_)),
            Node::Field(_) => false,
            Node::Unary { op, expr } => match op {
                UnaryOp::Not => true,
                _ => expr.is_predicate(),
            },
            Node::Binary { op, .. } => !matches!(
                op,
                BinaryOp::Add
                    | BinaryOp::Sub
                    | BinaryOp::Mul
                    | BinaryOp::Div
                    | BinaryOp::Mod
                    | BinaryOp::Concat
            ),
            Node::In { .. } => true,
            Node::Call(call) => {
                call.function.returns_bool
                    || call
                        .function
                        .passthrough
                        .is_some_and(|which| which.values(&call.args).any(Node::is_predicate))
            }
        }
    }

    fn collect_fields(&self, out: &mut Vec<String>) {
        match self {
            Node::Lit(_) => {}
            Node::Field(name) => {
                if !out.iter().any(|f| f == name) {
                    out.push(name.clone());
                }
            }
            Node::Unary { expr, .. } => expr.collect_fields(out),
            Node::Binary { lhs, rhs, .. } => {
                lhs.collect_fields(out);
                rhs.collect_fields(out);
            }
            Node::In { expr, list } => {
                expr.collect_fields(out);
                list.iter().for_each(|n| n.collect_fields(out));
            }
            Node::Call(call) => {
                if call.function.name == "searchmatch" && !out.iter().any(|f| f == "_raw") {
                    out.push("_raw".to_string());
                }
                call.args.iter().for_each(|n| n.collect_fields(out));
            }
        }
    }
}

fn eval_binary(
    op: BinaryOp,
    lhs: &Node,
    rhs: &Node,
    scope: &Scope<'_>,
) -> Result<Value, EvalError> {
    // Logical operators short-circuit where SQL three-valued logic allows it (R6.15:
    // FALSE AND NULL = FALSE, TRUE OR NULL = TRUE).
    match op {
        BinaryOp::And => {
            let l = truth(&*lhs.eval_ref(scope)?);
            if l == Some(false) {
                return Ok(Value::Bool(false));
            }
            let r = truth(&*rhs.eval_ref(scope)?);
            return Ok(match (l, r) {
                (_, Some(false)) => Value::Bool(false),
                (Some(true), Some(true)) => Value::Bool(true),
                _ => Value::Null,
            });
        }
        BinaryOp::Or => {
            let l = truth(&*lhs.eval_ref(scope)?);
            if l == Some(true) {
                return Ok(Value::Bool(true));
            }
            let r = truth(&*rhs.eval_ref(scope)?);
            return Ok(match (l, r) {
                (_, Some(true)) => Value::Bool(true),
                (Some(false), Some(false)) => Value::Bool(false),
                _ => Value::Null,
            });
        }
        BinaryOp::Xor => {
            let l = truth(&*lhs.eval_ref(scope)?);
            let r = truth(&*rhs.eval_ref(scope)?);
            return Ok(match (l, r) {
                (Some(a), Some(b)) => Value::Bool(a != b),
                _ => Value::Null,
            });
        }
        _ => {}
    }
    let l = lhs.eval_ref(scope)?;
    let r = rhs.eval_ref(scope)?;
    Ok(binary_values(op, &l, &r))
}

/// A binary operator applied to two evaluated operands (not the logical ones).
pub(crate) fn binary_values(op: BinaryOp, l: &Value, r: &Value) -> Value {
    if l.is_null() || r.is_null() {
        // R6.15/R6.12: null operands make arithmetic, concatenation and comparisons null.
        return Value::Null;
    }
    match op {
        BinaryOp::Add => match (number(l), number(r)) {
            (Some(a), Some(b)) => Value::Num(a + b),
            // R6.11: `+` with two strings concatenates (`"ab"+"cd"`), even when one of
            // them happens to be numeric text.
            _ => match (l, r) {
                (Value::Str(a), Value::Str(b)) => Value::Str(format_compact!("{a}{b}")),
                _ => Value::Null,
            },
        },
        BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
            // R6.11: these need numbers; R6.9: division by zero is null.
            let (Some(a), Some(b)) = (number(l), number(r)) else {
                return Value::Null;
            };
            match op {
                BinaryOp::Sub => Value::Num(a - b),
                BinaryOp::Mul => Value::Num(a * b),
                BinaryOp::Div if b == 0.0 => Value::Null,
                BinaryOp::Div => Value::Num(a / b),
                _ if b == 0.0 => Value::Null,
                _ => Value::Num(a % b),
            }
        }
        BinaryOp::Concat => match (scalar_text(l), scalar_text(r)) {
            // R6.12: numbers are rendered; a multivalue operand is not a scalar (R6.16:
            // we chose null for scalar-only operations).
            (Some(a), Some(b)) => Value::Str(format_compact!("{a}{b}")),
            _ => Value::Null,
        },
        BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge
        | BinaryOp::Like => {
            if !matches!(l, Value::Multi(_)) && !matches!(r, Value::Multi(_)) {
                return Value::Bool(compare_scalar(op, l, r).unwrap_or(false));
            }
            // R6.16: a multivalue operand satisfies the comparison if any value does.
            let (ls, rs) = (values_of(l), values_of(r));
            let any = ls
                .iter()
                .any(|a| rs.iter().any(|b| compare_scalar(op, a, b).unwrap_or(false)));
            Value::Bool(any)
        }
        BinaryOp::And | BinaryOp::Or | BinaryOp::Xor => Value::Null,
    }
}

/// `x IN (a, b, ...)` / `in(x, a, b, ...)`: `=` against each item, no wildcards (§6.4).
pub(crate) fn in_list<V: Borrow<Value>>(v: &Value, items: &[V]) -> Value {
    if v.is_null() {
        return Value::Null;
    }
    let hit = items
        .iter()
        .any(|item| binary_values(BinaryOp::Eq, v, item.borrow()) == Value::Bool(true));
    Value::Bool(hit)
}

/// The scalar values an operand stands for: each value of a multivalue, else itself.
fn values_of(v: &Value) -> Vec<Value> {
    match v {
        Value::Multi(items) => items.iter().map(|s| Value::str(s.as_str())).collect(),
        other => vec![other.clone()],
    }
}

/// Compare two scalar values: numerically when both are numbers (R6.8), otherwise as
/// case-sensitive strings in byte order (R6.13).
fn compare_scalar(op: BinaryOp, a: &Value, b: &Value) -> Option<bool> {
    if op == BinaryOp::Like {
        let (text, pattern) = (a.render()?, b.render()?);
        return Some(functions::comparison::like_match(&text, &pattern));
    }
    let ordering = compare_values(a, b)?;
    Some(match op {
        BinaryOp::Eq => ordering == Ordering::Equal,
        BinaryOp::Ne => ordering != Ordering::Equal,
        BinaryOp::Lt => ordering == Ordering::Less,
        BinaryOp::Le => ordering != Ordering::Greater,
        BinaryOp::Gt => ordering == Ordering::Greater,
        BinaryOp::Ge => ordering != Ordering::Less,
        _ => return None,
    })
}

/// Ordering of two scalar values: numeric if both are numbers, else byte-wise text.
pub(crate) fn compare_values(a: &Value, b: &Value) -> Option<Ordering> {
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => {
            let (x, y) = (a.render()?, b.render()?);
            Some(x.as_bytes().cmp(y.as_bytes()))
        }
    }
}

/// The boolean a predicate operand stands for; anything that is not a boolean
/// (including null) is "unknown" in three-valued logic (R6.15).
pub(crate) fn truth(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// The number a value stands for in arithmetic (R6.8): numbers and numeric strings.
/// Booleans and multivalues are not numbers.
pub(crate) fn number(v: &Value) -> Option<f64> {
    v.as_number()
}

/// The text of a single value; `None` for null and for a multivalue (R6.16: scalar
/// operations on a multivalue give null).
pub(crate) fn scalar_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::Multi(_) | Value::Null => None,
        other => other.render(),
    }
}

#[cfg(test)]
pub(crate) mod build {
    //! Test-only `Expr` constructors: the parser is written in parallel, so tests build
    //! ASTs by hand.
    use minispl_parser::ast::{BinaryOp, Expr, UnaryOp};
    use minispl_parser::Span;

    pub const SP: Span = Span::new(0, 0);

    pub fn num(value: f64) -> Expr {
        Expr::Num {
            value,
            text: crate::value::format_number(value),
            span: SP,
        }
    }
    pub fn s(value: &str) -> Expr {
        Expr::Str {
            value: value.to_string(),
            span: SP,
        }
    }
    pub fn f(name: &str) -> Expr {
        Expr::Field {
            name: name.to_string(),
            span: SP,
        }
    }
    pub fn call(name: &str, args: Vec<Expr>) -> Expr {
        call_at(name, args, SP)
    }
    pub fn call_at(name: &str, args: Vec<Expr>, span: Span) -> Expr {
        Expr::Call {
            name: name.to_string(),
            args,
            span,
        }
    }
    pub fn bin(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
        Expr::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
            span: SP,
        }
    }
    pub fn not(expr: Expr) -> Expr {
        Expr::Unary {
            op: UnaryOp::Not,
            expr: Box::new(expr),
            span: SP,
        }
    }
    pub fn neg(expr: Expr) -> Expr {
        Expr::Unary {
            op: UnaryOp::Neg,
            expr: Box::new(expr),
            span: SP,
        }
    }
    pub fn in_(expr: Expr, list: Vec<Expr>) -> Expr {
        Expr::In {
            expr: Box::new(expr),
            list,
            span: SP,
        }
    }
    pub fn eq(l: Expr, r: Expr) -> Expr {
        bin(BinaryOp::Eq, l, r)
    }
    pub fn tru() -> Expr {
        call("true", vec![])
    }
    pub fn fls() -> Expr {
        call("false", vec![])
    }
    pub fn null() -> Expr {
        call("null", vec![])
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers to evaluate hand-built expressions in tests.
    use super::*;

    /// The `now` used by tests: 2023-11-14T22:13:20Z.
    pub const NOW: f64 = 1_700_000_000.0;

    pub fn env() -> Env {
        Env {
            tz: chrono_tz::Tz::UTC,
            now: NOW,
        }
    }

    /// A row of string fields; a value containing `|` becomes a multivalue.
    pub fn row(fields: &[(&str, &str)]) -> Row {
        fields
            .iter()
            .map(|(k, v)| {
                let value = if v.contains('|') {
                    Value::multi(v.split('|').map(str::to_string).collect())
                } else {
                    Value::str(*v)
                };
                (k.to_string(), value)
            })
            .collect()
    }

    pub fn mv(values: &[&str]) -> Value {
        Value::multi(values.iter().map(|s| s.to_string()).collect())
    }

    pub fn eval_in(expr: Expr, row: &Row) -> Value {
        match CompiledExpr::compile(&expr).and_then(|c| c.eval(row, &env())) {
            Ok(v) => v,
            Err(e) => panic!("evaluation failed: {e}"),
        }
    }

    pub fn eval(expr: Expr) -> Value {
        eval_in(expr, &Row::new())
    }

    pub fn compile_err(expr: Expr) -> EvalError {
        match CompiledExpr::compile(&expr) {
            Ok(c) => panic!("expected a compile error, got {c:?}"),
            Err(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::build::*;
    use super::testing::*;
    use super::*;

    fn num_v(n: f64) -> Value {
        Value::Num(n)
    }

    #[test]
    fn arithmetic_on_numbers_and_numeric_strings() {
        let r = row(&[("x", "41"), ("s", "abc")]);
        assert_eq!(
            eval_in(bin(BinaryOp::Add, f("x"), num(1.0)), &r),
            num_v(42.0)
        );
        assert_eq!(
            eval_in(bin(BinaryOp::Sub, f("x"), num(1.0)), &r),
            num_v(40.0)
        );
        assert_eq!(
            eval_in(bin(BinaryOp::Mul, f("x"), num(2.0)), &r),
            num_v(82.0)
        );
        assert_eq!(
            eval_in(bin(BinaryOp::Div, f("x"), num(2.0)), &r),
            num_v(20.5)
        );
        assert_eq!(
            eval_in(bin(BinaryOp::Mod, f("x"), num(5.0)), &r),
            num_v(1.0)
        );
        // R6.11: non-numbers make - * / % null.
        assert_eq!(
            eval_in(bin(BinaryOp::Mul, f("s"), num(2.0)), &r),
            Value::Null
        );
        assert_eq!(eval_in(bin(BinaryOp::Sub, f("s"), f("x")), &r), Value::Null);
    }

    #[test]
    fn plus_concatenates_two_strings_ec065() {
        assert_eq!(
            eval(bin(BinaryOp::Add, s("ab"), s("cd"))),
            Value::str("abcd")
        );
        // A number plus a non-numeric string is neither a sum nor a concatenation.
        assert_eq!(eval(bin(BinaryOp::Add, num(1.0), s("cd"))), Value::Null);
        // Two numeric strings add.
        assert_eq!(eval(bin(BinaryOp::Add, s("1"), s("2"))), num_v(3.0));
    }

    #[test]
    fn division_by_zero_is_null() {
        assert_eq!(eval(bin(BinaryOp::Div, num(1.0), num(0.0))), Value::Null);
        assert_eq!(eval(bin(BinaryOp::Mod, num(1.0), num(0.0))), Value::Null);
    }

    #[test]
    fn unary_minus_and_not() {
        assert_eq!(eval(neg(s("3"))), num_v(-3.0));
        assert_eq!(eval(neg(s("x"))), Value::Null);
        assert_eq!(eval(not(tru())), Value::Bool(false));
        assert_eq!(eval(not(null())), Value::Null);
    }

    #[test]
    fn concat_renders_numbers_and_null_propagates_ec064() {
        let r = row(&[("a", "x")]);
        assert_eq!(
            eval_in(bin(BinaryOp::Concat, f("a"), num(1.5)), &r),
            Value::str("x1.5")
        );
        let e = bin(
            BinaryOp::Concat,
            bin(BinaryOp::Concat, f("a"), s("-")),
            f("b"),
        );
        assert_eq!(eval_in(e, &r), Value::Null);
        // A multivalue operand is not a scalar: null.
        let r = row(&[("m", "a|b")]);
        assert_eq!(
            eval_in(bin(BinaryOp::Concat, f("m"), s("!")), &r),
            Value::Null
        );
    }

    #[test]
    fn comparisons_numeric_or_lexicographic() {
        let r = row(&[("x", "10"), ("y", "9"), ("u", "Admin")]);
        // Both numeric: numeric comparison (R6.8).
        assert_eq!(
            eval_in(bin(BinaryOp::Gt, f("x"), f("y")), &r),
            Value::Bool(true)
        );
        assert_eq!(eval_in(eq(s("1"), s("1.0")), &r), Value::Bool(true));
        // Otherwise byte order, case-sensitive (R6.13, R1.28).
        assert_eq!(
            eval_in(bin(BinaryOp::Lt, s("B"), s("a")), &r),
            Value::Bool(true)
        );
        assert_eq!(eval_in(eq(f("u"), s("admin")), &r), Value::Bool(false));
        assert_eq!(
            eval_in(bin(BinaryOp::Ne, f("u"), s("admin")), &r),
            Value::Bool(true)
        );
        assert_eq!(
            eval_in(bin(BinaryOp::Le, num(2.0), num(2.0)), &r),
            Value::Bool(true)
        );
        assert_eq!(
            eval_in(bin(BinaryOp::Ge, s("a"), s("b")), &r),
            Value::Bool(false)
        );
        // A number against a non-numeric string compares as text.
        assert_eq!(
            eval_in(bin(BinaryOp::Lt, num(10.0), s("9a")), &r),
            Value::Bool(true)
        );
    }

    #[test]
    fn where_compares_two_fields_ec032() {
        let e = eq(f("a"), f("b"));
        assert_eq!(
            eval_in(e.clone(), &row(&[("a", "x"), ("b", "x")])),
            Value::Bool(true)
        );
        assert_eq!(
            eval_in(e, &row(&[("a", "x"), ("b", "y")])),
            Value::Bool(false)
        );
    }

    #[test]
    fn comparison_with_null_is_null_ec035() {
        let e = bin(BinaryOp::Gt, f("x"), num(1.0));
        assert_eq!(eval_in(e.clone(), &Row::new()), Value::Null);
        assert_eq!(eval_in(e, &row(&[("x", "5")])), Value::Bool(true));
    }

    #[test]
    fn multivalue_comparison_is_any_value_r6_16() {
        let r = row(&[("m", "a|b|c")]);
        assert_eq!(eval_in(eq(f("m"), s("b")), &r), Value::Bool(true));
        assert_eq!(eval_in(eq(f("m"), s("z")), &r), Value::Bool(false));
        // `!=` is also "any value": a and c differ from b.
        assert_eq!(
            eval_in(bin(BinaryOp::Ne, f("m"), s("b")), &r),
            Value::Bool(true)
        );
    }

    #[test]
    fn like_operator_wildcards() {
        assert_eq!(
            eval(bin(BinaryOp::Like, s("admin01"), s("adm%0_"))),
            Value::Bool(true)
        );
        assert_eq!(
            eval(bin(BinaryOp::Like, s("Admin"), s("admin"))),
            Value::Bool(false)
        );
    }

    #[test]
    fn three_valued_logic_sql_r6_15() {
        let (t, fa, n) = (tru, fls, null);
        assert_eq!(eval(bin(BinaryOp::Or, n(), t())), Value::Bool(true));
        assert_eq!(eval(bin(BinaryOp::Or, t(), n())), Value::Bool(true));
        assert_eq!(eval(bin(BinaryOp::Or, n(), fa())), Value::Null);
        assert_eq!(eval(bin(BinaryOp::And, n(), fa())), Value::Bool(false));
        assert_eq!(eval(bin(BinaryOp::And, fa(), n())), Value::Bool(false));
        assert_eq!(eval(bin(BinaryOp::And, n(), t())), Value::Null);
        assert_eq!(eval(bin(BinaryOp::And, t(), t())), Value::Bool(true));
        assert_eq!(eval(bin(BinaryOp::Xor, t(), fa())), Value::Bool(true));
        assert_eq!(eval(bin(BinaryOp::Xor, t(), t())), Value::Bool(false));
        assert_eq!(eval(bin(BinaryOp::Xor, t(), n())), Value::Null);
    }

    #[test]
    fn and_before_or_ec079_and_ec034() {
        // The parser builds `1==2 AND 1==1 OR 1==1` as `(1==2 AND 1==1) OR 1==1`.
        let e = call(
            "if",
            vec![
                bin(
                    BinaryOp::Or,
                    bin(
                        BinaryOp::And,
                        eq(num(1.0), num(2.0)),
                        eq(num(1.0), num(1.0)),
                    ),
                    eq(num(1.0), num(1.0)),
                ),
                s("t"),
                s("f"),
            ],
        );
        assert_eq!(eval(e), Value::str("t"));
        // EC-034: a=1 AND b=2 OR c=3
        let w = bin(
            BinaryOp::Or,
            bin(BinaryOp::And, eq(f("a"), num(1.0)), eq(f("b"), num(2.0))),
            eq(f("c"), num(3.0)),
        );
        let keep = |a, b, c| eval_in(w.clone(), &row(&[("a", a), ("b", b), ("c", c)]));
        assert_eq!(keep("1", "9", "3"), Value::Bool(true));
        assert_eq!(keep("9", "9", "3"), Value::Bool(true));
        assert_eq!(keep("1", "2", "9"), Value::Bool(true));
        assert_eq!(keep("1", "9", "9"), Value::Bool(false));
    }

    #[test]
    fn in_operator() {
        let r = row(&[("x", "b"), ("n", "2")]);
        assert_eq!(
            eval_in(in_(f("x"), vec![s("a"), s("b")]), &r),
            Value::Bool(true)
        );
        assert_eq!(eval_in(in_(f("x"), vec![s("a*")]), &r), Value::Bool(false));
        assert_eq!(eval_in(in_(f("n"), vec![num(2.0)]), &r), Value::Bool(true));
        assert_eq!(eval_in(in_(f("nope"), vec![s("a")]), &r), Value::Null);
    }

    #[test]
    fn is_true_only_for_a_true_result() {
        let e = CompiledExpr::compile(&bin(BinaryOp::Gt, f("x"), num(1.0))).ok();
        let t = |r: &Row| e.as_ref().and_then(|e| e.is_true(r, &env()).ok());
        assert_eq!(t(&row(&[("x", "5")])), Some(true));
        assert_eq!(t(&row(&[("x", "0")])), Some(false));
        assert_eq!(t(&Row::new()), Some(false));
        let s = CompiledExpr::compile(&s("true")).ok();
        assert_eq!(
            s.and_then(|e| e.is_true(&Row::new(), &env()).ok()),
            Some(false)
        );
    }

    #[test]
    fn unknown_function_suggests_and_points_at_the_call() {
        let sp = Span::new(5, 17);
        let err = compile_err(call_at("substring", vec![s("a")], sp));
        assert_eq!(err.span, Some(sp));
        assert!(
            err.message.contains("unknown function `substring`"),
            "{err}"
        );
        assert!(err.message.contains("did you mean `substr`"), "{err}");
    }

    #[test]
    fn function_names_are_case_insensitive() {
        assert_eq!(eval(call("LOWER", vec![s("AbC")])), Value::str("abc"));
    }

    #[test]
    fn wrong_arity_is_an_error_at_the_call() {
        let sp = Span::new(3, 9);
        let err = compile_err(call_at("lower", vec![s("a"), s("b")], sp));
        assert_eq!(err.span, Some(sp));
        assert!(err.message.contains("1 argument"), "{err}");
        let err = compile_err(call_at("if", vec![tru()], sp));
        assert!(err.message.contains("3 arguments"), "{err}");
    }

    #[test]
    fn predicates_are_recognised() {
        let p = |e| CompiledExpr::compile(&e).map(|c| c.is_predicate()).ok();
        assert_eq!(p(bin(BinaryOp::Gt, f("x"), num(1.0))), Some(true));
        assert_eq!(p(not(f("x"))), Some(true));
        assert_eq!(p(in_(f("x"), vec![s("a")])), Some(true));
        assert_eq!(p(call("isnull", vec![f("x")])), Some(true));
        assert_eq!(p(call("match", vec![f("x"), s("a")])), Some(true));
        assert_eq!(p(tru()), Some(true));
        assert_eq!(p(call("if", vec![tru(), tru(), fls()])), Some(true));
        assert_eq!(p(call("if", vec![tru(), s("a"), s("b")])), Some(false));
        assert_eq!(p(bin(BinaryOp::Add, f("x"), num(1.0))), Some(false));
        assert_eq!(p(f("x")), Some(false));
        assert_eq!(p(call("lower", vec![f("x")])), Some(false));
    }

    /// The messages users see for compile errors, with the span each points at.
    #[test]
    fn compile_error_messages() {
        let at = |start, end| Span::new(start, end);
        let str_at = |value: &str, span| Expr::Str {
            value: value.to_string(),
            span,
        };
        let cases = vec![
            ("eval x=lowr(a)", call_at("lowr", vec![f("a")], at(7, 14))),
            (
                "eval x=nosuchfunction(a)",
                call_at("nosuchfunction", vec![f("a")], at(7, 24)),
            ),
            (
                "eval x=substr(a)",
                call_at("substr", vec![f("a")], at(7, 16)),
            ),
            (
                "eval x=if(a, b)",
                call_at("if", vec![f("a"), f("b")], at(7, 15)),
            ),
            ("eval x=null(1)", call_at("null", vec![num(1.0)], at(7, 14))),
            (
                "eval x=case(a, 1, b)",
                call_at("case", vec![f("a"), num(1.0), f("b")], at(7, 20)),
            ),
            (
                r#"eval x=match(a, "(")"#,
                call_at("match", vec![f("a"), str_at("(", at(16, 19))], at(7, 20)),
            ),
            (
                r#"eval x=replace(a, "(?<=x)y", "z")"#,
                call_at(
                    "replace",
                    vec![f("a"), str_at("(?<=x)y", at(18, 27)), s("z")],
                    at(7, 33),
                ),
            ),
            (
                r#"eval x=strptime(a, "%Y %q")"#,
                call_at(
                    "strptime",
                    vec![f("a"), str_at("%Y %q", at(19, 26))],
                    at(7, 27),
                ),
            ),
            (
                "eval x=mvfilter(a=b)",
                call_at("mvfilter", vec![eq(f("a"), f("b"))], at(7, 20)),
            ),
        ];
        let mut out = String::new();
        for (spl, expr) in cases {
            let err = compile_err(expr);
            let span = err.span.map_or(String::from("-"), |s| {
                format!("{}..{} `{}`", s.start, s.end, &spl[s.start..s.end])
            });
            out.push_str(&format!("{spl}\n  {span}: {}\n", err.message));
        }
        insta::assert_snapshot!(out);
    }

    #[test]
    fn fields_lists_each_read_field_once() {
        let e = call(
            "if",
            vec![
                eq(f("a"), f("b")),
                bin(BinaryOp::Concat, f("a"), f("c")),
                s("x"),
            ],
        );
        let c = CompiledExpr::compile(&e).map(|c| c.fields()).ok();
        assert_eq!(c, Some(vec!["a".to_string(), "b".into(), "c".into()]));
    }
}
