//! The search language (SEMANTICS §1): field comparisons, IN, wildcards, CASE/TERM, CIDR,
//! bare terms against `_raw` with Splunk's breakers.
//!
//! Everything that can be prepared once is prepared in [`CompiledSearch::compile`]:
//! values are lower-cased into [`Glob`]s, CIDR blocks parsed, numeric literals parsed,
//! bare terms turned into one regex each. Matching a row then allocates only for
//! non-ASCII text compared case-insensitively and for numbers rendered from `Value::Num`.

use crate::error::EvalError;
use crate::row::{KnownName, Row};
use crate::value::{parse_number, Value};
use crate::wildcard::Glob;
use minispl_parser::ast::{CompareOp, SearchExpr, SearchValue, TermModifier};
use regex::Regex;
use std::net::IpAddr;

/// How `field!=value` treats a multivalue field (R1.12, UNCERTAIN; Appendix A.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MultivalueNe {
    /// Claim A (recommended, the default): `f!=v` is `f=* AND NOT f=v`; a multivalue
    /// with any value equal to `v` does not match.
    #[default]
    NoValueMatches,
    /// Claim B: evaluated per value; matches if some value differs from `v`.
    SomeValueDiffers,
}

/// Choices for points the spec leaves open, so they can be flipped once settled
/// against a real Splunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SearchOptions {
    pub multivalue_ne: MultivalueNe,
}

/// A search expression prepared for matching.
#[derive(Debug, Clone)]
pub struct CompiledSearch {
    root: Node,
}

#[derive(Debug, Clone)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// `field <op> value`; `IN` compiles to an `Or` of these (R1.15).
    Compare {
        field: FieldSel,
        op: CompareOp,
        value: ValueMatcher,
        ne: MultivalueNe,
    },
    /// A bare term or phrase against `_raw` (R1.24–R1.26).
    Term(Regex),
    /// `*` (R1.20): every event, with or without `_raw`.
    All,
}

/// The field side of a comparison. Field names are case-sensitive (R1.6); a name with
/// `*` is satisfied by any field whose name matches (R1.19, recommended reading).
#[derive(Debug, Clone)]
enum FieldSel {
    /// With its hash: read from every row (issue 6).
    Exact(KnownName),
    Wild {
        pattern: String,
        glob: Glob,
    },
}

/// The value side of a comparison, prepared once.
#[derive(Debug, Clone)]
struct ValueMatcher {
    /// The text as written (quotes removed), for byte-order `<`/`>` (R1.8).
    text: String,
    /// Case-insensitive unless `CASE()` (R1.6, R1.22).
    glob: Glob,
    /// `*` alone: presence of a non-empty value (R1.10, R1.14).
    any: bool,
    /// The literal as a number, for numeric `<`/`>` (R1.8).
    number: Option<f64>,
    /// A CIDR block (R1.13).
    cidr: Option<Cidr>,
}

#[derive(Debug, Clone, Copy)]
struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = text.split_once('/')?;
        let net: IpAddr = addr.parse().ok()?;
        let prefix: u8 = prefix.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Cidr { net, prefix })
    }

    fn contains(&self, text: &str) -> bool {
        let Ok(ip) = text.trim().parse::<IpAddr>() else {
            return false;
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl ValueMatcher {
    fn new(v: &SearchValue) -> ValueMatcher {
        let glob = Glob::new(&v.text, v.modifier != TermModifier::Case);
        ValueMatcher {
            any: glob.is_match_all(),
            number: parse_number(&v.text),
            cidr: if v.text.contains('/') {
                Cidr::parse(&v.text)
            } else {
                None
            },
            text: v.text.clone(),
            glob,
        }
    }

    /// `=` against one value.
    fn eq(&self, value: &str) -> bool {
        if self.any {
            // R1.14: an empty value is present but `field=*` does not match it.
            return !value.is_empty();
        }
        if let Some(cidr) = &self.cidr {
            if cidr.contains(value) {
                return true;
            }
        }
        self.glob.is_match(value)
    }

    /// `<`, `<=`, `>`, `>=` against one value: numeric when both are numbers, else byte
    /// order (R1.8; UNCERTAIN case point settled as plain byte order, as recommended).
    fn order(&self, op: CompareOp, value: &str) -> bool {
        let ord = match (parse_number(value), self.number) {
            (Some(a), Some(b)) => match a.partial_cmp(&b) {
                Some(o) => o,
                None => return false,
            },
            _ => value.as_bytes().cmp(self.text.as_bytes()),
        };
        match op {
            CompareOp::Lt => ord.is_lt(),
            CompareOp::Le => ord.is_le(),
            CompareOp::Gt => ord.is_gt(),
            CompareOp::Ge => ord.is_ge(),
            CompareOp::Eq | CompareOp::Ne => false,
        }
    }

    /// The comparison against a whole field value (R1.9: null never satisfies it).
    fn test(&self, op: CompareOp, ne: MultivalueNe, value: &Value) -> bool {
        // The commonest case (`sourcetype=aws:cloudtrail` on every event, issue 6): one
        // string value, compared without the iterator over values.
        if let (CompareOp::Eq, Value::Str(one)) = (op, value) {
            return self.eq(one);
        }
        match op {
            // R1.12: any value of a multivalue field may match.
            CompareOp::Eq => value.values().any(|v| self.eq(&v)),
            // R1.12 Claim A (recommended): `f!=v` is `f=* AND NOT f=v`, so a multivalue
            // with any value equal to `v` does not match.
            CompareOp::Ne => match ne {
                MultivalueNe::NoValueMatches => {
                    value.values().any(|v| !v.is_empty()) && !value.values().any(|v| self.eq(&v))
                }
                MultivalueNe::SomeValueDiffers => {
                    value.values().any(|v| !v.is_empty() && !self.eq(&v))
                }
            },
            _ => value.values().any(|v| self.order(op, &v)),
        }
    }
}

/// Splunk's default major breakers (R1.25, segmenters.conf).
fn is_major(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\n'
            | '\r'
            | '['
            | ']'
            | '<'
            | '>'
            | '('
            | ')'
            | '{'
            | '}'
            | '|'
            | '!'
            | ';'
            | ','
            | '\''
            | '"'
            | '*'
            | '&'
            | '?'
            | '+'
    )
}

const MAJOR_CLASS: &str = r#"\s\[\]<>(){}|!;,'"*&?+"#;
const MINOR_CLASS: &str = r"/:=@.\-$#%\\_";

/// The regex for a bare term or phrase (R1.26): the text must occur with a breaker or
/// the start/end of `_raw` on each side. A `*` matches any run of non-major characters
/// (within one segment); a leading/trailing `*` lifts the boundary on that side (prefix
/// and substring terms). `TERM(x)` needs major breakers on both sides (R1.23); `CASE(x)`
/// is case-sensitive (R1.22), everything else case-insensitive.
fn term_regex(v: &SearchValue) -> Result<Regex, EvalError> {
    // URL-encoded major breakers and `--` are major breakers too (segmenters.conf).
    let encoded = r"%21|%26|%2526|%3B|%7C|%20|%2B|%3D|%2520|%5D|%5B|%3A|%0A|%2C|%28|%29|--";
    let boundary = match v.modifier {
        TermModifier::Term => format!("(?:[{MAJOR_CLASS}]|{encoded})"),
        _ => format!("(?:[{MAJOR_CLASS}{MINOR_CLASS}]|{encoded})"),
    };
    let text = v.text.as_str();
    let mut re = String::with_capacity(text.len() * 2 + 64);
    if v.modifier != TermModifier::Case {
        re.push_str("(?i)");
    }
    if !text.starts_with('*') {
        re.push_str(&format!("(?:^|{boundary})"));
    }
    let mut first = true;
    for part in text.split('*') {
        if !first {
            re.push_str(&format!("[^{MAJOR_CLASS}]*"));
        }
        first = false;
        // A phrase's words are separated by whitespace in the search; allow any run of
        // whitespace between them in `_raw`.
        let mut words = part.split(char::is_whitespace).peekable();
        while let Some(w) = words.next() {
            re.push_str(&regex::escape(w));
            if words.peek().is_some() && !w.is_empty() {
                re.push_str(r"\s+");
            }
        }
    }
    if !text.ends_with('*') {
        re.push_str(&format!("(?:{boundary}|$)"));
    }
    // The shared builder applies the size limits: a long term escapes to a long regex.
    crate::functions::pcre::build(&re)
        .map_err(|e| EvalError::at(format!("bad search term: {e}"), v.span))
}

fn compile_node(expr: &SearchExpr, opts: SearchOptions) -> Result<Node, EvalError> {
    let all = |items: &[SearchExpr]| {
        items
            .iter()
            .map(|e| compile_node(e, opts))
            .collect::<Result<Vec<_>, _>>()
    };
    let ne = opts.multivalue_ne;
    Ok(match expr {
        SearchExpr::And(items) => Node::And(all(items)?),
        SearchExpr::Or(items) => Node::Or(all(items)?),
        SearchExpr::Not(inner) => Node::Not(Box::new(compile_node(inner, opts)?)),
        SearchExpr::Compare {
            field, op, value, ..
        } => Node::Compare {
            field: FieldSel::new(field),
            op: *op,
            value: ValueMatcher::new(value),
            ne,
        },
        SearchExpr::In { field, values, .. } => Node::Or(
            values
                .iter()
                .map(|v| Node::Compare {
                    field: FieldSel::new(field),
                    op: CompareOp::Eq,
                    value: ValueMatcher::new(v),
                    ne,
                })
                .collect(),
        ),
        SearchExpr::Term(v) => {
            if !v.text.is_empty() && v.text.chars().all(|c| c == '*') {
                Node::All
            } else {
                Node::Term(term_regex(v)?)
            }
        }
    })
}

impl FieldSel {
    fn new(name: &str) -> FieldSel {
        if name.contains('*') {
            FieldSel::Wild {
                pattern: name.to_string(),
                glob: Glob::new(name, false),
            }
        } else {
            FieldSel::Exact(KnownName::new(name))
        }
    }
}

impl Node {
    fn matches(&self, row: &Row) -> bool {
        match self {
            Node::And(items) => items.iter().all(|n| n.matches(row)),
            Node::Or(items) => items.iter().any(|n| n.matches(row)),
            Node::Not(inner) => !inner.matches(row),
            Node::All => true,
            Node::Compare {
                field,
                op,
                value,
                ne,
            } => match field {
                FieldSel::Exact(name) => value.test(*op, *ne, row.get_known(name)),
                FieldSel::Wild { glob, .. } => row
                    .iter()
                    .any(|(name, v)| glob.is_match(name) && value.test(*op, *ne, v)),
            },
            // R1.27: without `_raw` a bare term has nothing to match.
            Node::Term(re) => row.raw().is_some_and(|raw| re.is_match(raw)),
        }
    }

    fn collect_fields(&self, out: &mut Vec<String>) {
        let mut push = |name: &str| {
            if !out.iter().any(|f| f == name) {
                out.push(name.to_string());
            }
        };
        match self {
            Node::And(items) | Node::Or(items) => {
                items.iter().for_each(|n| n.collect_fields(out));
            }
            Node::Not(inner) => inner.collect_fields(out),
            Node::All => {}
            Node::Compare { field, .. } => match field {
                FieldSel::Exact(name) => push(name.as_str()),
                FieldSel::Wild { pattern, .. } => push(pattern),
            },
            Node::Term(_) => push("_raw"),
        }
    }
}

impl CompiledSearch {
    pub fn compile(expr: &SearchExpr) -> Result<CompiledSearch, EvalError> {
        Self::compile_with(expr, SearchOptions::default())
    }

    /// [`CompiledSearch::compile`] with explicit choices for the UNCERTAIN points.
    pub fn compile_with(
        expr: &SearchExpr,
        opts: SearchOptions,
    ) -> Result<CompiledSearch, EvalError> {
        Ok(CompiledSearch {
            root: compile_node(expr, opts)?,
        })
    }

    /// Does the row match?
    pub fn matches(&self, row: &Row) -> bool {
        self.root.matches(row)
    }

    /// The field names the expression reads, in first-use order: `_raw` for bare terms,
    /// and wildcard field names as written (`*_ip`), which stand for every matching
    /// field.
    pub fn fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.root.collect_fields(&mut out);
        out
    }
}

/// Is `c` one of Splunk's major breakers? (Shared with callers that segment text.)
pub fn is_major_breaker(c: char) -> bool {
    is_major(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use minispl_parser::Span;

    fn val(text: &str) -> SearchValue {
        SearchValue {
            text: text.into(),
            quoted: false,
            modifier: TermModifier::None,
            span: Span::default(),
        }
    }
    fn quoted(text: &str) -> SearchValue {
        SearchValue {
            quoted: true,
            ..val(text)
        }
    }
    fn with(modifier: TermModifier, text: &str) -> SearchValue {
        SearchValue {
            modifier,
            ..val(text)
        }
    }
    fn cmp(field: &str, op: CompareOp, v: SearchValue) -> SearchExpr {
        SearchExpr::Compare {
            field: field.into(),
            op,
            value: v,
            span: Span::default(),
        }
    }
    fn eq(field: &str, v: &str) -> SearchExpr {
        cmp(field, CompareOp::Eq, val(v))
    }
    fn not(e: SearchExpr) -> SearchExpr {
        SearchExpr::Not(Box::new(e))
    }
    fn term(v: &str) -> SearchExpr {
        SearchExpr::Term(val(v))
    }
    fn row(json: &str) -> Row {
        let v: serde_json::Value = serde_json::from_str(json).expect("test json");
        let mut r = Row::new();
        if let serde_json::Value::Object(m) = v {
            for (k, v) in m {
                let value = match v {
                    serde_json::Value::String(s) => Value::from(s),
                    serde_json::Value::Array(a) => Value::multi(
                        a.into_iter()
                            .map(|x| x.as_str().unwrap_or_default().to_string())
                            .collect(),
                    ),
                    other => Value::from(other.to_string()),
                };
                r.set(k, value);
            }
        }
        r
    }
    /// Indices of the rows that match.
    fn filter(expr: SearchExpr, rows: &[&str]) -> Vec<usize> {
        let s = CompiledSearch::compile(&expr).expect("compiles");
        rows.iter()
            .enumerate()
            .filter(|(_, r)| s.matches(&row(r)))
            .map(|(i, _)| i)
            .collect()
    }

    const EC001: [&str; 3] = [
        r#"{"a":"1","b":"9","c":"3"}"#,
        r#"{"a":"9","b":"9","c":"3"}"#,
        r#"{"a":"1","b":"9","c":"9"}"#,
    ];

    #[test]
    fn ec001_or_inside_and() {
        // a=1 b=2 OR c=3 parses as a=1 AND (b=2 OR c=3).
        let e = SearchExpr::And(vec![
            eq("a", "1"),
            SearchExpr::Or(vec![eq("b", "2"), eq("c", "3")]),
        ]);
        assert_eq!(filter(e, &EC001), vec![0]);
    }

    #[test]
    fn ec004_not_binds_to_next_term() {
        let e = SearchExpr::Or(vec![not(eq("a", "1")), eq("b", "2")]);
        let rows = [
            r#"{"a":"1","b":"2"}"#,
            r#"{"a":"1","b":"3"}"#,
            r#"{"a":"2"}"#,
        ];
        assert_eq!(filter(e, &rows), vec![0, 2]);
    }

    #[test]
    fn ec005_lowercase_or_is_a_term() {
        let e = SearchExpr::And(vec![eq("a", "1"), term("or"), eq("b", "2")]);
        let rows = [
            r#"{"_raw":"a=1 b=2","a":"1","b":"2"}"#,
            r#"{"_raw":"a=1 or b=2","a":"1","b":"2"}"#,
        ];
        assert_eq!(filter(e, &rows), vec![1]);
    }

    #[test]
    fn ec007_ec008_ne_versus_not() {
        let rows = [r#"{"loc":"A"}"#, r#"{"loc":"B"}"#, "{}"];
        assert_eq!(filter(cmp("loc", CompareOp::Ne, val("A")), &rows), vec![1]);
        assert_eq!(filter(not(eq("loc", "A")), &rows), vec![1, 2]);
        // Values compare case-insensitively for != too.
        assert_eq!(filter(cmp("loc", CompareOp::Ne, val("a")), &rows), vec![1]);
    }

    #[test]
    fn ec010_ec011_star_tests_presence() {
        let rows = [r#"{"loc":"A"}"#, r#"{"other":"x"}"#];
        assert_eq!(filter(eq("loc", "*"), &rows), vec![0]);
        assert_eq!(filter(not(eq("loc", "*")), &rows), vec![1]);
        assert!(filter(cmp("loc", CompareOp::Ne, val("*")), &rows).is_empty());
    }

    #[test]
    fn ec013_ec014_case_rules() {
        assert!(filter(eq("User", "admin"), &[r#"{"user":"admin"}"#]).is_empty());
        assert_eq!(
            filter(eq("user", "ADMIN"), &[r#"{"user":"admin"}"#]),
            vec![0]
        );
        let e = cmp("user", CompareOp::Eq, with(TermModifier::Case, "admin"));
        assert_eq!(
            filter(e, &[r#"{"user":"Admin"}"#, r#"{"user":"admin"}"#]),
            vec![1]
        );
        // Wildcards work inside CASE().
        let e = cmp("h", CompareOp::Eq, with(TermModifier::Case, "LOCAL*"));
        assert_eq!(
            filter(e, &[r#"{"h":"LOCALHOST"}"#, r#"{"h":"localhost"}"#]),
            vec![0]
        );
    }

    #[test]
    fn ec016_equality_is_textual() {
        assert_eq!(
            filter(eq("x", "1"), &[r#"{"x":"1.0"}"#, r#"{"x":"1"}"#]),
            vec![1]
        );
    }

    #[test]
    fn ec017_ec019_ordering() {
        let rows = [r#"{"n":"10"}"#, r#"{"n":"9"}"#, r#"{"n":"8.5"}"#];
        assert_eq!(filter(cmp("n", CompareOp::Gt, val("9")), &rows), vec![0]);
        assert_eq!(filter(cmp("n", CompareOp::Le, val("9")), &rows), vec![1, 2]);
        assert_eq!(
            filter(cmp("n", CompareOp::Gt, val("0")), &["{}", r#"{"n":"1"}"#]),
            vec![1]
        );
        // Lexicographic when one side is not a number (R1.8), byte order.
        assert_eq!(
            filter(
                cmp("v", CompareOp::Gt, val("abb")),
                &[r#"{"v":"abc"}"#, r#"{"v":"ABC"}"#]
            ),
            vec![0]
        );
    }

    #[test]
    fn ec020_in_with_wildcard_and_quotes() {
        let e = SearchExpr::In {
            field: "s".into(),
            values: vec![val("40*"), quoted("500")],
            span: Span::default(),
        };
        let rows = [r#"{"s":"404"}"#, r#"{"s":"500"}"#, r#"{"s":"200"}"#];
        assert_eq!(filter(e.clone(), &rows), vec![0, 1]);
        assert_eq!(filter(not(e), &[r#"{"s":"404"}"#, "{}"]), vec![1]);
    }

    #[test]
    fn ec022_ec023_multivalue_any_match() {
        let rows = [r#"{"u":["a","b"]}"#, r#"{"u":["a","c"]}"#];
        assert_eq!(filter(eq("u", "b"), &rows), vec![0]);
        assert_eq!(filter(not(eq("u", "b")), &rows), vec![1]);
        // Claim A: != on a multivalue is field=* AND NOT field=value.
        assert_eq!(filter(cmp("u", CompareOp::Ne, val("b")), &rows), vec![1]);
        assert_eq!(
            filter(cmp("n", CompareOp::Gt, val("5")), &[r#"{"n":["1","7"]}"#]),
            vec![0]
        );
    }

    #[test]
    fn claim_b_is_available_behind_an_option() {
        let opts = SearchOptions {
            multivalue_ne: MultivalueNe::SomeValueDiffers,
        };
        let e = cmp("u", CompareOp::Ne, val("a"));
        let s = CompiledSearch::compile_with(&e, opts).expect("compiles");
        assert!(s.matches(&row(r#"{"u":["a","b"]}"#)));
        assert!(!s.matches(&row(r#"{"u":"a"}"#)));
        assert!(!s.matches(&row("{}")));
        let s = CompiledSearch::compile(&e).expect("compiles");
        assert!(!s.matches(&row(r#"{"u":["a","b"]}"#)));
    }

    #[test]
    fn ec025_ec026_literal_values() {
        let rows = [r#"{"country":"IN"}"#, r#"{"country":"US"}"#];
        assert_eq!(
            filter(cmp("country", CompareOp::Eq, quoted("IN")), &rows),
            vec![0]
        );
        let rows = [r#"{"a":"x","b":"x"}"#, r#"{"a":"b"}"#];
        assert_eq!(filter(eq("a", "b"), &rows), vec![1]);
    }

    #[test]
    fn ec031_escaped_quote_value() {
        let rows = [r#"{"msg":"say \"hi\""}"#, r#"{"msg":"say hi"}"#];
        assert_eq!(
            filter(cmp("msg", CompareOp::Eq, quoted("say \"hi\"")), &rows),
            vec![0]
        );
    }

    #[test]
    fn empty_values_r1_14() {
        let rows = [r#"{"f":""}"#, r#"{"f":"x"}"#, "{}"];
        assert_eq!(filter(cmp("f", CompareOp::Eq, quoted("")), &rows), vec![0]);
        assert_eq!(filter(eq("f", "*"), &rows), vec![1]);
    }

    #[test]
    fn cidr_values_r1_13() {
        let rows = [
            r#"{"ip":"10.1.2.3"}"#,
            r#"{"ip":"11.0.0.1"}"#,
            r#"{"ip":"2001:db8::1"}"#,
            r#"{"ip":"not-an-ip"}"#,
        ];
        assert_eq!(filter(eq("ip", "10.0.0.0/8"), &rows), vec![0]);
        assert_eq!(filter(eq("ip", "2001:db8::/32"), &rows), vec![2]);
        assert_eq!(filter(eq("ip", "0.0.0.0/0"), &rows), vec![0, 1]);
        assert_eq!(
            filter(cmp("ip", CompareOp::Ne, val("10.0.0.0/8")), &rows),
            vec![1, 2, 3]
        );
    }

    #[test]
    fn wildcard_field_names_r1_19() {
        let rows = [
            r#"{"src_ip":"1.1.1.1"}"#,
            r#"{"dest_ip":"1.1.1.1"}"#,
            r#"{"ip":"1.1.1.1"}"#,
        ];
        assert_eq!(filter(eq("*_ip", "1.1.1.1"), &rows), vec![0, 1]);
        assert_eq!(filter(eq("*", "*1.1*"), &rows), vec![0, 1, 2]);
    }

    #[test]
    fn ec028_terms_use_breakers() {
        let rows = [
            r#"{"_raw":"conn src=127.0.0.1:80 ok"}"#,
            r#"{"_raw":"conn src=127.0.0.10 ok"}"#,
        ];
        assert_eq!(filter(term("127.0.0.1"), &rows), vec![0]);
        // `err` does not match `error` (R1.26); prefix and substring wildcards do.
        let rows = [r#"{"_raw":"an ERROR here"}"#, r#"{"_raw":"err: x"}"#];
        assert_eq!(filter(term("err"), &rows), vec![1]);
        assert_eq!(filter(term("err*"), &rows), vec![0, 1]);
        assert_eq!(filter(term("*rro*"), &rows), vec![0]);
        assert_eq!(filter(term("e*r"), &rows), vec![0, 1]);
    }

    #[test]
    fn ec029_phrases() {
        let rows = [
            r#"{"_raw":"ERROR User Not Found"}"#,
            r#"{"_raw":"Not a user, found"}"#,
        ];
        assert_eq!(
            filter(SearchExpr::Term(quoted("user not found")), &rows),
            vec![0]
        );
    }

    #[test]
    fn case_and_term_modifiers_on_terms() {
        let rows = [
            r#"{"_raw":"host LOCALHOST up"}"#,
            r#"{"_raw":"host localhost up"}"#,
        ];
        assert_eq!(
            filter(
                SearchExpr::Term(with(TermModifier::Case, "LOCALHOST")),
                &rows
            ),
            vec![0]
        );
        let rows = [
            r#"{"_raw":"from 127.0.0.1 x"}"#,
            r#"{"_raw":"src=127.0.0.1:80"}"#,
        ];
        assert_eq!(
            filter(
                SearchExpr::Term(with(TermModifier::Term, "127.0.0.1")),
                &rows
            ),
            vec![0]
        );
    }

    #[test]
    fn star_and_missing_raw() {
        let rows = [r#"{"_raw":"x"}"#, r#"{"a":"1"}"#];
        assert_eq!(filter(term("*"), &rows), vec![0, 1]);
        assert!(filter(not(term("*")), &rows).is_empty());
        // R1.27: no `_raw`, a bare term matches nothing.
        assert!(filter(term("1"), &[r#"{"a":"1"}"#]).is_empty());
    }

    #[test]
    fn numbers_compare_through_rendering() {
        let mut r = Row::new();
        r.set("n", Value::Num(3.0));
        let s = CompiledSearch::compile(&eq("n", "3")).expect("compiles");
        assert!(s.matches(&r));
    }

    #[test]
    fn fields_lists_what_is_read() {
        let e = SearchExpr::And(vec![eq("a", "1"), term("x"), eq("*_ip", "1"), eq("a", "2")]);
        let s = CompiledSearch::compile(&e).expect("compiles");
        assert_eq!(s.fields(), vec!["a", "_raw", "*_ip"]);
    }
}
