//! Comparison functions (SEMANTICS §6.4): `like`, `match`, `in`, `cidrmatch`,
//! `searchmatch`. All return booleans (usable only inside predicates, R6.2).

use super::{prepare_regex_arg1, text, Arg, Ctx, Function, Prepared};
use crate::error::EvalError;
use crate::expr::in_list;
use crate::search::CompiledSearch;
use crate::value::{format_compact, Value};
use minispl_parser::ast::Expr;
use minispl_parser::Span;
use std::net::IpAddr;
use std::sync::Arc;

pub const FUNCTIONS: &[Function] = &[
    Function::eager("like", 2, Some(2), like).predicate(),
    Function::eager("match", 2, Some(2), match_)
        .predicate()
        .prepared(prepare_regex_arg1),
    Function::eager("in", 1, None, in_).predicate(),
    Function::eager("cidrmatch", 2, Some(2), cidrmatch).predicate(),
    Function::eager("ipmask", 2, Some(2), ipmask),
    Function::eager("searchmatch", 1, Some(1), searchmatch)
        .predicate()
        .prepared(prepare_search),
];

/// SQL `LIKE`: `%` any run of characters, `_` exactly one; whole string,
/// case-sensitive (R6.13). Iterative matcher with one backtrack point per `%`.
pub fn like_match(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let (mut ti, mut pi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '_' || (p[pi] != '%' && p[pi] == t[ti])) {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '%')
}

/// The values a (possibly multivalue) argument holds; null has none.
fn each(v: &Value) -> crate::value::ValueIter<'_> {
    // Borrowed, not a list of copies: `match()` runs per event in the profile's
    // calculated fields (issue 6, W4's `user`).
    v.values()
}

/// `like(s, pattern)`: null text gives null; on a multivalue, true if any value matches.
fn like(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let Some(pattern) = args[1].render() else {
        return Ok(Value::Null);
    };
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    Ok(Value::Bool(
        each(&args[0]).any(|s| like_match(&s, &pattern)),
    ))
}

/// `match(s, regex)`: TRUE if the regex matches any substring (unanchored, §6.4); on a
/// multivalue, if it matches any value.
fn match_(args: &[Arg<'_>], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let Some(pattern) = text(&args[1]) else {
        return Ok(Value::Null);
    };
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    // A literal pattern answers through its memo (issue 6: W4's `EVAL-user` asks the
    // same few hundred `eventName`s again and again).
    if let Prepared::Regex(re) = ctx.prepared {
        return Ok(Value::Bool(each(&args[0]).any(|s| re.is_match(&s))));
    }
    let re = ctx.regex(&pattern)?;
    Ok(Value::Bool(each(&args[0]).any(|s| re.is_match(&s))))
}

/// `in(f, v1, v2, ...)`: equality against the list, no wildcards (§6.4).
fn in_(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    Ok(in_list(&args[0], &args[1..]))
}

/// `cidrmatch(cidr, ip)`: IPv4 and IPv6; an ip that is not an address is FALSE, as is
/// a malformed subnet. A multivalue ip matches if any value is in the subnet.
fn cidrmatch(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let Some(cidr) = text(&args[0]) else {
        return Ok(Value::Null);
    };
    if args[1].is_null() {
        return Ok(Value::Null);
    }
    Ok(Value::Bool(
        each(&args[1]).any(|ip| cidr_contains(&cidr, &ip)),
    ))
}

/// Is `ip` inside `cidr` (`10.0.0.0/8`, `2001:db8::/32`, or a bare address = /32, /128)?
pub fn cidr_contains(cidr: &str, ip: &str) -> bool {
    let (net, bits) = match cidr.split_once('/') {
        Some((net, bits)) => match bits.trim().parse::<u32>() {
            Ok(b) => (net.trim(), Some(b)),
            Err(_) => return false,
        },
        None => (cidr.trim(), None),
    };
    let (Ok(net), Ok(ip)) = (net.parse::<IpAddr>(), ip.trim().parse::<IpAddr>()) else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let bits = bits.unwrap_or(32);
            if bits > 32 {
                return false;
            }
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let bits = bits.unwrap_or(128);
            if bits > 128 {
                return false;
            }
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

/// `ipmask(mask, ip)`: the IPv4 address with the dotted mask applied octet by octet
/// (`ipmask("255.255.255.0", "192.168.1.5")` = `192.168.1.0`); null if either is not
/// an IPv4 address.
fn ipmask(args: &[Arg<'_>], _: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    let (Some(mask), Some(ip)) = (text(&args[0]), text(&args[1])) else {
        return Ok(Value::Null);
    };
    let (Ok(mask), Ok(ip)) = (
        mask.trim().parse::<std::net::Ipv4Addr>(),
        ip.trim().parse::<std::net::Ipv4Addr>(),
    ) else {
        return Ok(Value::Null);
    };
    let masked = std::net::Ipv4Addr::from(u32::from(mask) & u32::from(ip));
    Ok(Value::Str(format_compact!("{masked}")))
}

/// `searchmatch("x=hi y=*")`: a literal search string is parsed and compiled once.
fn prepare_search(args: &[Expr], _span: Span) -> Result<Prepared, EvalError> {
    match args.first() {
        Some(Expr::Str { value, span }) => Ok(match compile_search(value, *span)? {
            Some(search) => Prepared::Search(Arc::new(search)),
            None => Prepared::None,
        }),
        _ => Ok(Prepared::None),
    }
}

fn compile_search(text: &str, span: Span) -> Result<Option<CompiledSearch>, EvalError> {
    let parsed = minispl_parser::parse_search_expr(text)
        .map_err(|e| EvalError::at(format!("searchmatch: {}", e.message), span))?;
    match parsed {
        Some(expr) => CompiledSearch::compile(&expr)
            .map(Some)
            .map_err(|e| e.or_at(span)),
        None => Ok(None),
    }
}

/// Evaluates the search string against the current row; an empty search matches.
fn searchmatch(args: &[Arg<'_>], ctx: &Ctx<'_, '_>) -> Result<Value, EvalError> {
    if let Prepared::Search(search) = ctx.prepared {
        return Ok(Value::Bool(search.matches(ctx.row())));
    }
    let Some(text) = text(&args[0]) else {
        return Ok(Value::Null);
    };
    Ok(Value::Bool(match compile_search(&text, ctx.span)? {
        Some(search) => search.matches(ctx.row()),
        None => true,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::build::*;
    use crate::expr::testing::*;

    #[test]
    fn like_wildcards_whole_string_case_sensitive() {
        assert!(like_match("abc", "abc"));
        assert!(like_match("abc", "a%"));
        assert!(like_match("abc", "%c"));
        assert!(like_match("abc", "a_c"));
        assert!(like_match("", "%"));
        assert!(like_match("a%c", "a%%c"));
        assert!(like_match("xaybzc", "%a%b%c"));
        assert!(!like_match("abc", "ab"));
        assert!(!like_match("abc", "a_"));
        assert!(!like_match("ABC", "abc"));
        assert!(!like_match("abc", "%d%"));
    }

    #[test]
    fn like_function_null_and_multivalue() {
        assert_eq!(
            eval(call("like", vec![s("abc"), s("a%")])),
            Value::Bool(true)
        );
        assert_eq!(eval(call("like", vec![f("no"), s("a%")])), Value::Null);
        let r = row(&[("m", "xyz|abc")]);
        assert_eq!(
            eval_in(call("like", vec![f("m"), s("a%")]), &r),
            Value::Bool(true)
        );
        assert_eq!(
            eval_in(call("like", vec![num(10.0), s("1_")]), &r),
            Value::Bool(true)
        );
    }

    #[test]
    fn match_is_unanchored_regex() {
        assert_eq!(
            eval(call("match", vec![s("abc"), s("b")])),
            Value::Bool(true)
        );
        assert_eq!(
            eval(call("match", vec![s("abc"), s("^b")])),
            Value::Bool(false)
        );
        assert_eq!(eval(call("match", vec![f("no"), s("b")])), Value::Null);
        let r = row(&[("e", "a@x.com|b@y.org")]);
        assert_eq!(
            eval_in(call("match", vec![f("e"), s(r"\.org$")]), &r),
            Value::Bool(true)
        );
        // A regex from a field is compiled at run time.
        let r = row(&[("re", "^a+$"), ("v", "aaa")]);
        assert_eq!(
            eval_in(call("match", vec![f("v"), f("re")]), &r),
            Value::Bool(true)
        );
    }

    #[test]
    fn bad_literal_regex_is_a_compile_error_at_the_argument() {
        let arg = minispl_parser::ast::Expr::Str {
            value: "(".into(),
            span: Span::new(10, 13),
        };
        let err = compile_err(call("match", vec![f("x"), arg]));
        assert_eq!(err.span, Some(Span::new(10, 13)));
        assert!(err.message.contains("invalid regex"), "{err}");
    }

    #[test]
    fn bad_runtime_regex_is_an_error_at_the_call() {
        let sp = Span::new(4, 20);
        let e = call_at("match", vec![s("x"), f("re")], sp);
        let c = crate::expr::CompiledExpr::compile(&e);
        let res = c.and_then(|c| c.eval(&row(&[("re", "(")]), &env()));
        assert_eq!(res.err().and_then(|e| e.span), Some(sp));
    }

    #[test]
    fn in_function() {
        let r = row(&[("x", "b"), ("m", "q|a")]);
        assert_eq!(
            eval_in(call("in", vec![f("x"), s("a"), s("b")]), &r),
            Value::Bool(true)
        );
        assert_eq!(
            eval_in(call("in", vec![f("x"), s("B")]), &r),
            Value::Bool(false)
        );
        assert_eq!(
            eval_in(call("in", vec![f("m"), s("a")]), &r),
            Value::Bool(true)
        );
        assert_eq!(eval_in(call("in", vec![f("no"), s("a")]), &r), Value::Null);
    }

    #[test]
    fn cidrmatch_v4_v6() {
        assert!(cidr_contains("10.0.0.0/8", "10.1.2.3"));
        assert!(!cidr_contains("10.0.0.0/8", "11.1.2.3"));
        assert!(cidr_contains("0.0.0.0/0", "1.2.3.4"));
        assert!(cidr_contains("192.168.1.5", "192.168.1.5"));
        assert!(cidr_contains("2001:db8::/32", "2001:db8::1"));
        assert!(!cidr_contains("2001:db8::/32", "2001:db9::1"));
        assert!(!cidr_contains("10.0.0.0/8", "not-an-ip"));
        assert!(!cidr_contains("10.0.0.0/33", "10.0.0.1"));
        assert!(!cidr_contains("10.0.0.0/8", "::1"));
        let r = row(&[("ip", "8.8.8.8|10.0.0.1")]);
        assert_eq!(
            eval_in(call("cidrmatch", vec![s("10.0.0.0/8"), f("ip")]), &r),
            Value::Bool(true)
        );
        assert_eq!(
            eval_in(call("cidrmatch", vec![s("10.0.0.0/8"), f("no")]), &r),
            Value::Null
        );
    }

    #[test]
    fn ipmask_applies_the_mask() {
        let e = call("ipmask", vec![s("255.255.255.0"), s("192.168.1.5")]);
        assert_eq!(eval(e), Value::str("192.168.1.0"));
        let e = call("ipmask", vec![s("255.255.0.0"), s("not-ip")]);
        assert_eq!(eval(e), Value::Null);
        assert_eq!(
            eval(call("ipmask", vec![s("255.0.0.0"), f("no")])),
            Value::Null
        );
    }

    /// Needs the search-language parser and matcher (other engineers): passes after the
    /// merge.
    #[test]
    fn searchmatch_evaluates_a_search_string() {
        let r = row(&[("x", "hi"), ("y", "z"), ("_raw", "x=hi y=z")]);
        assert_eq!(
            eval_in(call("searchmatch", vec![s("x=hi y=*")]), &r),
            Value::Bool(true)
        );
        assert_eq!(
            eval_in(call("searchmatch", vec![s("x=bye")]), &r),
            Value::Bool(false)
        );
    }
}
