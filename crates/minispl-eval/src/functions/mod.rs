//! Eval functions as a table of (name, arity, implementation), one file per family
//! (SEMANTICS §6.4).
//!
//! Two kinds of implementation fit the table:
//! * [`Kind::Eager`] receives its arguments already evaluated (most functions);
//! * [`Kind::Lazy`] receives the compiled argument nodes and evaluates what it needs:
//!   `if`/`case`/`coalesce`/`validate` evaluate only the branch they take, and
//!   `mvfilter`/`mvmap` evaluate an expression once per value.
//!
//! A function may also `prepare` itself at compile time from its unevaluated arguments
//! (a literal regex compiled once, a literal `searchmatch` string parsed once, a counter
//! for `random()`); errors found there carry the span of the offending argument.

use crate::error::EvalError;
use crate::expr::{Node, Scope};
use crate::search::CompiledSearch;
use crate::value::Value;
use minispl_parser::ast::Expr;
use minispl_parser::Span;
use regex::Regex;
use std::borrow::Cow;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

pub mod comparison;
pub mod conditional;
pub mod conversion;
pub mod crypto;
pub mod informational;
pub mod json;
pub mod math;
pub mod memo;
pub mod multivalue;
pub mod pcre;
pub mod text;
pub mod time;

/// An evaluated argument: borrowed from the row or the expression when it is a plain
/// field or literal (no copy per row), owned when computed.
pub type Arg<'a> = Cow<'a, Value>;
/// An eager implementation: evaluated arguments in, value out.
pub type EagerFn = fn(&[Arg<'_>], &Ctx<'_, '_>) -> Result<Value, EvalError>;
/// A lazy implementation: evaluates its argument nodes itself.
pub(crate) type LazyFn = fn(&[Node], &Ctx<'_, '_>) -> Result<Value, EvalError>;
/// Compile-time preparation from the unevaluated arguments and the call's span.
pub type PrepareFn = fn(&[Expr], Span) -> Result<Prepared, EvalError>;

#[derive(Clone, Copy)]
pub enum Kind {
    Eager(EagerFn),
    // Lazy functions see compiled nodes, which stay crate-private: only this crate's
    // table can hold lazy entries.
    #[allow(private_interfaces)]
    Lazy(LazyFn),
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Eager(_) => "Eager",
            Kind::Lazy(_) => "Lazy",
        })
    }
}

/// Which arguments of a conditional function are its possible results: the call is a
/// predicate (R6.2) when one of them is.
#[derive(Debug, Clone, Copy)]
pub enum ValueArgs {
    /// Every argument (`coalesce`).
    All,
    /// Arguments 1, 3, 5... (`case`, `validate`).
    Odd,
    /// Arguments from this index on (`if`: 1 and 2).
    From(usize),
    /// Only the first (`nullif`).
    First,
}

impl ValueArgs {
    pub(crate) fn values<'a>(self, args: &'a [Node]) -> Box<dyn Iterator<Item = &'a Node> + 'a> {
        match self {
            ValueArgs::All => Box::new(args.iter()),
            ValueArgs::Odd => Box::new(args.iter().skip(1).step_by(2)),
            ValueArgs::From(i) => Box::new(args.iter().skip(i)),
            ValueArgs::First => Box::new(args.iter().take(1)),
        }
    }
}

/// One entry of the function table.
#[derive(Debug)]
pub struct Function {
    /// Lower-case name; lookup is case-insensitive.
    pub name: &'static str,
    pub min_args: usize,
    /// `None`: any number of arguments.
    pub max_args: Option<usize>,
    pub kind: Kind,
    /// The result is a boolean: only usable inside predicates (R6.2).
    pub returns_bool: bool,
    /// For conditionals: the arguments that can be the result.
    pub passthrough: Option<ValueArgs>,
    pub prepare: Option<PrepareFn>,
}

impl Function {
    /// An eager function returning a value.
    pub const fn eager(name: &'static str, min: usize, max: Option<usize>, f: EagerFn) -> Self {
        Function {
            name,
            min_args: min,
            max_args: max,
            kind: Kind::Eager(f),
            returns_bool: false,
            passthrough: None,
            prepare: None,
        }
    }

    pub(crate) const fn lazy(
        name: &'static str,
        min: usize,
        max: Option<usize>,
        f: LazyFn,
    ) -> Self {
        Function {
            name,
            min_args: min,
            max_args: max,
            kind: Kind::Lazy(f),
            returns_bool: false,
            passthrough: None,
            prepare: None,
        }
    }

    /// Mark as returning a boolean.
    pub const fn predicate(mut self) -> Self {
        self.returns_bool = true;
        self
    }

    pub const fn passing(mut self, which: ValueArgs) -> Self {
        self.passthrough = Some(which);
        self
    }

    pub const fn prepared(mut self, prepare: PrepareFn) -> Self {
        self.prepare = Some(prepare);
        self
    }

    /// "1 argument", "2 to 3 arguments", "at least 2 arguments".
    pub fn arity_text(&self) -> String {
        let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
        match self.max_args {
            Some(max) if max == self.min_args => format!("{max} {}", plural(max)),
            Some(max) => format!("{} to {max} {}", self.min_args, plural(max)),
            None => format!("at least {} {}", self.min_args, plural(self.min_args)),
        }
    }
}

/// What a function prepared at compile time.
#[derive(Debug, Clone, Default)]
pub enum Prepared {
    #[default]
    None,
    /// A literal regex argument, compiled once (with a per-thread memo of its answers,
    /// issue 6).
    Regex(Arc<memo::ConstRegex>),
    /// `case` whose conditions read one field only: which pair that field's text
    /// selects, remembered per thread (issue 6).
    Decision(Arc<conditional::Decision>),
    /// A literal `searchmatch` string, parsed and compiled once.
    Search(Arc<CompiledSearch>),
    /// Per-call-site counter (`random()`).
    Counter(Arc<AtomicU64>),
    /// The field an expression is evaluated over (`mvfilter`, `mvmap`).
    Field(String),
    /// A literal argument was validated at compile time (`strptime`'s format).
    Checked,
}

/// What an implementation sees besides its arguments.
pub struct Ctx<'s, 'a> {
    pub(crate) scope: &'s Scope<'a>,
    pub span: Span,
    pub prepared: &'s Prepared,
}

impl Ctx<'_, '_> {
    pub fn env(&self) -> &crate::env::Env {
        self.scope.env
    }

    pub fn row(&self) -> &crate::row::Row {
        self.scope.row
    }

    /// The prepared regex, or `pattern` compiled now (a regex built at run time); a bad
    /// pattern is an error at this call.
    pub fn regex<'r>(&'r self, pattern: &str) -> Result<Cow<'r, Regex>, EvalError> {
        match self.prepared {
            Prepared::Regex(re) => Ok(Cow::Borrowed(re.regex())),
            _ => pcre::compile(pattern)
                .map(Cow::Owned)
                .map_err(|e| EvalError::at(e, self.span)),
        }
    }
}

/// Every family's table, in one list.
const FAMILIES: &[&[Function]] = &[
    conditional::FUNCTIONS,
    comparison::FUNCTIONS,
    informational::FUNCTIONS,
    text::FUNCTIONS,
    multivalue::FUNCTIONS,
    math::FUNCTIONS,
    time::FUNCTIONS,
    json::FUNCTIONS,
    crypto::FUNCTIONS,
    conversion::FUNCTIONS,
];

/// All functions.
pub fn all() -> impl Iterator<Item = &'static Function> {
    FAMILIES.iter().flat_map(|family| family.iter())
}

/// Find a function by name, case-insensitively.
pub fn lookup(name: &str) -> Option<&'static Function> {
    all().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// The closest known name (edit distance at most 2, or a prefix match), for "did you
/// mean" in the unknown-function error.
pub fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    all()
        .map(|f| {
            let d = edit_distance(&lower, f.name);
            let d = if lower.starts_with(f.name) || f.name.starts_with(&lower) {
                d.min(2)
            } else {
                d
            };
            (d, f.name)
        })
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

// ---------------------------------------------------------------------------------------
// Shared helpers for implementations.
// ---------------------------------------------------------------------------------------

/// The text of a single value: `None` for null and multivalue (R6.16: functions
/// "not supported on multivalue fields" return null on one).
pub fn text(v: &Value) -> Option<Cow<'_, str>> {
    crate::expr::scalar_text(v)
}

/// The number of a single value (numbers and numeric strings, R6.8).
pub fn number(v: &Value) -> Option<f64> {
    crate::expr::number(v)
}

/// Apply a text transformation to each value of a multivalue, or to a single value.
pub fn map_values(v: &Value, f: impl Fn(&str) -> String) -> Value {
    match v {
        Value::Null => Value::Null,
        Value::Multi(items) => Value::Multi(items.iter().map(|s| f(s)).collect()),
        other => other.render().map_or(Value::Null, |s| Value::from(f(&s))),
    }
}

/// The literal string at `args[i]`, if it is one.
pub fn literal_str(args: &[Expr], i: usize) -> Option<&str> {
    match args.get(i) {
        Some(Expr::Str { value, .. }) => Some(value),
        _ => None,
    }
}

/// `prepare` for functions taking condition/value or key/value pairs (`case`,
/// `validate`, `json_object`): an odd argument count is a compile error at the call.
pub fn prepare_pairs(args: &[Expr], span: Span) -> Result<Prepared, EvalError> {
    if args.len() % 2 != 0 {
        return Err(EvalError::at(
            format!(
                "arguments must come in pairs (an even number of them), got {}",
                args.len()
            ),
            span,
        ));
    }
    Ok(Prepared::None)
}

/// `prepare` for functions whose second argument is a regex (`match`, `replace`,
/// `mvfind`): a literal pattern is compiled once, and a bad one is a compile error at
/// that argument.
pub fn prepare_regex_arg1(args: &[Expr], _span: Span) -> Result<Prepared, EvalError> {
    match (literal_str(args, 1), args.get(1)) {
        (Some(pattern), Some(arg)) => pcre::compile(pattern)
            .map(|re| Prepared::Regex(Arc::new(memo::ConstRegex::new(re))))
            .map_err(|e| EvalError::at(e, arg.span())),
        _ => Ok(Prepared::None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_required_function_is_in_the_table() {
        let required = "if case coalesce nullif isnull isnotnull null true false typeof isnum \
            isstr isint isbool validate lower upper len substr trim ltrim rtrim replace match \
            like split mvindex mvcount mvjoin mvfilter mvappend mvdedup mvfind mvsort mvzip \
            mvmap mvrange json_extract json_array_to_mv json_object json_valid json_keys spath \
            tonumber tostring round floor ceiling ceil abs pow sqrt exp ln log min max random \
            exact sigfig strftime strptime now time relative_time cidrmatch urldecode md5 sha1 \
            sha256 printf searchmatch in";
        let missing: Vec<&str> = required
            .split_whitespace()
            .filter(|n| lookup(n).is_none())
            .collect();
        assert!(missing.is_empty(), "missing: {missing:?}");
    }

    #[test]
    fn names_are_unique_and_lower_case() {
        let names: Vec<&str> = all().map(|f| f.name).collect();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(*n, n.to_ascii_lowercase());
            assert!(!names[i + 1..].contains(n), "duplicate {n}");
        }
    }

    /// Every function, called with null arguments, gives null, except the ones whose
    /// job is to inspect null (R6.15 propagation).
    #[test]
    fn null_arguments_give_null() {
        use crate::expr::build::f;
        use crate::expr::testing::{env, row};
        let not_null: &[(&str, Value)] = &[
            ("isnull", Value::Bool(true)),
            ("isnotnull", Value::Bool(false)),
            ("typeof", Value::str("Invalid")),
            ("isnum", Value::Bool(false)),
            ("isint", Value::Bool(false)),
            ("isstr", Value::Bool(false)),
            ("isbool", Value::Bool(false)),
            ("isarray", Value::Bool(false)),
            ("isobject", Value::Bool(false)),
            ("json_valid", Value::Bool(false)),
            ("json_array", Value::str("[null]")),
        ];
        let r = row(&[]);
        for func in all().filter(|f| f.min_args > 0 || f.max_args != Some(0)) {
            // One argument at least; two where arguments come in pairs.
            let n = func.min_args.max(1);
            let compiled = [n, n + 1].into_iter().find_map(|n| {
                let args = (0..n).map(|_| f("missing")).collect();
                crate::expr::CompiledExpr::compile(&crate::expr::build::call(func.name, args)).ok()
            });
            let got = compiled.map(|c| c.eval(&r, &env()));
            let want = not_null
                .iter()
                .find(|(name, _)| *name == func.name)
                .map_or(Value::Null, |(_, v)| v.clone());
            assert_eq!(got, Some(Ok(want)), "{}", func.name);
        }
    }

    /// Every function accepts any kind of argument (multivalue, number, numeric string,
    /// text, boolean) without failing at run time: unsupported inputs give null (R6.16).
    #[test]
    fn any_argument_kind_evaluates() {
        use crate::expr::build::{call, f, num, s, tru};
        use crate::expr::testing::{env, row};
        let r = row(&[("m", "a|b|12"), ("t", "abc"), ("n", "12")]);
        let kinds: Vec<fn() -> Expr> = vec![
            || f("m"),
            || f("t"),
            || f("n"),
            || num(2.5),
            || s("x"),
            || tru(),
        ];
        for func in all() {
            let max = func.max_args.unwrap_or(func.min_args + 3).min(4);
            for n in func.min_args..=max {
                for kind in &kinds {
                    if matches!(func.name, "searchmatch" | "json_extract" | "spath") {
                        // These call the search parser / JSON paths (other modules);
                        // covered in comparison.rs and json.rs.
                        continue;
                    }
                    let expr = call(func.name, (0..n).map(|_| kind()).collect());
                    // Some shapes are refused at compile time (mvmap needs a field
                    // name first, case needs pairs...): that is fine here.
                    let Ok(c) = crate::expr::CompiledExpr::compile(&expr) else {
                        continue;
                    };
                    let got = c.eval(&r, &env());
                    assert!(got.is_ok(), "{}({n} x {:?}): {got:?}", func.name, kind());
                }
            }
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("lowr"), Some("lower"));
        assert_eq!(suggest("MVCONT"), Some("mvcount"));
        assert_eq!(suggest("zzzzzzzzzz"), None);
    }

    #[test]
    fn arity_texts() {
        let t = |n| lookup(n).map(Function::arity_text);
        assert_eq!(t("lower").as_deref(), Some("1 argument"));
        assert_eq!(t("substr").as_deref(), Some("2 to 3 arguments"));
        assert_eq!(t("coalesce").as_deref(), Some("at least 1 argument"));
    }
}
