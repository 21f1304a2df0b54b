//! Field values as Splunk has them: absent (null), one value, or a multivalue (an ordered
//! list of strings). Values from events are strings; eval produces numbers, strings and
//! booleans (R6.8).

use std::borrow::Cow;
use std::fmt::Write as _;

/// `format!` into a [`CompactString`] (inline when the result is short).
pub use compact_str::format_compact;
/// The string of a field name or a single value: up to 24 bytes are stored inline, longer
/// ones on the heap (issue 6: nearly every CloudTrail field name and many values are
/// short, and a `String` cost one allocation and one free per field and per value).
/// It derefs to `str`, and `Borrow<str>` lets maps keyed by it be looked up with `&str`.
pub use compact_str::CompactString;

/// One field value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// Absent. Assigning null removes a field (R6.3).
    #[default]
    Null,
    /// Only inside predicates; a boolean cannot be stored in a field (R6.2).
    Bool(bool),
    /// An IEEE double produced by eval or an aggregation.
    Num(f64),
    /// A string; everything extracted from an event is a string. Stored inline up to 24
    /// bytes ([`CompactString`], issue 6).
    Str(CompactString),
    /// A multivalue field: two or more values, in order. (A one-element list is
    /// normalised to `Str` by [`Value::multi`].)
    Multi(Vec<String>),
}

impl Value {
    pub fn str(s: impl Into<CompactString>) -> Value {
        Value::Str(s.into())
    }

    /// A multivalue from a list: empty is null, one value is a plain string.
    pub fn multi(mut values: Vec<String>) -> Value {
        match values.len() {
            0 => Value::Null,
            1 => Value::Str(values.pop().unwrap_or_default().into()),
            _ => Value::Multi(values),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The number this value stands for, if any: a number, or a string that is entirely
    /// a decimal number (R6.8). Leading/trailing spaces make it non-numeric (the
    /// `tonumber(" 12")` case). A multivalue is not a number.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            Value::Str(s) => parse_number(s),
            _ => None,
        }
    }

    /// The single string this value renders as, or `None` for null. Booleans render as
    /// `true`/`false`; a multivalue renders its values newline-joined (as `nomv` does).
    pub fn render(&self) -> Option<Cow<'_, str>> {
        match self {
            Value::Null => None,
            Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
            Value::Num(n) => Some(Cow::Owned(format_number(*n))),
            Value::Str(s) => Some(Cow::Borrowed(s)),
            Value::Multi(v) => Some(Cow::Owned(v.join("\n"))),
        }
    }

    /// Each value as a string: none for null, one for a scalar, each element of a
    /// multivalue. This is what `search` and `stats` iterate (R1.12, R7 "every value of a
    /// multivalue field is an observation").
    pub fn values(&self) -> ValueIter<'_> {
        match self {
            Value::Null => ValueIter::Empty,
            Value::Multi(v) => ValueIter::Multi(v.iter()),
            other => ValueIter::One(other.render()),
        }
    }

    /// Number of values (0 for null).
    pub fn count(&self) -> usize {
        match self {
            Value::Null => 0,
            Value::Multi(v) => v.len(),
            _ => 1,
        }
    }

    /// Owned list of the values as strings.
    pub fn to_strings(&self) -> Vec<String> {
        self.values().map(Cow::into_owned).collect()
    }
}

/// Iterator over the string values of a [`Value`].
pub enum ValueIter<'a> {
    Empty,
    One(Option<Cow<'a, str>>),
    Multi(std::slice::Iter<'a, String>),
}

impl<'a> Iterator for ValueIter<'a> {
    type Item = Cow<'a, str>;
    fn next(&mut self) -> Option<Cow<'a, str>> {
        match self {
            ValueIter::Empty => None,
            ValueIter::One(v) => v.take(),
            ValueIter::Multi(it) => it.next().map(|s| Cow::Borrowed(s.as_str())),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s.into())
    }
}

impl From<CompactString> for Value {
    fn from(s: CompactString) -> Value {
        Value::Str(s)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Value::Num(n)
    }
}

/// Parse a string that is entirely a decimal number: optional sign, digits with an
/// optional fraction (or a leading `.`), optional exponent. No spaces, no hex, no
/// `inf`/`nan`.
pub fn parse_number(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let exp_start = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == exp_start {
            return None;
        }
        i = j;
    }
    if i != b.len() {
        return None;
    }
    s.parse::<f64>().ok()
}

/// Render a number as Splunk does: integers without `.0` (`3`), otherwise the shortest
/// text that reads back as the same double (`1.5`, `0.1`); `nan`, `inf`, `-inf` (R6.9).
pub fn format_number(n: f64) -> String {
    let mut s = String::new();
    write_number(&mut s, n);
    s
}

/// [`format_number`] into an existing buffer.
pub fn write_number(out: &mut String, n: f64) {
    if n.is_nan() {
        out.push_str("nan");
    } else if n.is_infinite() {
        out.push_str(if n > 0.0 { "inf" } else { "-inf" });
    } else if n == n.trunc() && n.abs() < 1e17 {
        // Integral and exactly representable: no fraction, and no `-0`.
        let _ = write!(out, "{}", n as i64);
    } else {
        let _ = write!(out, "{n}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_render_without_trailing_zero() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(1.5), "1.5");
        assert_eq!(format_number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(format_number(1700000000.0), "1700000000");
        assert_eq!(format_number(f64::NAN), "nan");
        assert_eq!(format_number(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn numeric_strings() {
        assert_eq!(parse_number("12"), Some(12.0));
        assert_eq!(parse_number("-1.5e3"), Some(-1500.0));
        assert_eq!(parse_number(".5"), Some(0.5));
        assert_eq!(parse_number("5."), Some(5.0));
        assert_eq!(parse_number(" 12"), None);
        assert_eq!(parse_number("12 "), None);
        assert_eq!(parse_number("0x1F"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("-"), None);
        assert_eq!(parse_number("1e"), None);
    }

    /// Issue 6: an inline string must not make a value (a row entry) bigger than the
    /// `String` it replaced (32 bytes on 64-bit targets: a tag and a 24-byte payload).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn value_size_is_pinned() {
        assert_eq!(std::mem::size_of::<CompactString>(), 24);
        assert_eq!(std::mem::size_of::<Value>(), 32);
        assert_eq!(std::mem::size_of::<Option<Value>>(), 32);
        assert_eq!(std::mem::size_of::<crate::row::FieldName>(), 24);
    }

    /// Every constructor gives the same value whether the text fits inline or not.
    #[test]
    fn constructors_agree_inline_and_on_the_heap() {
        for len in [0, 1, 23, 24, 25, 100] {
            let text = "x".repeat(len);
            let want = Value::Str(CompactString::from(text.as_str()));
            assert_eq!(Value::from(text.clone()), want);
            assert_eq!(Value::from(text.as_str()), want);
            assert_eq!(Value::str(text.as_str()), want);
            assert_eq!(Value::str(Cow::Borrowed(text.as_str())), want);
            assert_eq!(Value::str(Cow::<str>::Owned(text.clone())), want);
            assert_eq!(Value::multi(vec![text.clone()]), want);
            assert_eq!(want.render().as_deref(), Some(text.as_str()));
            assert_eq!(want.to_strings(), vec![text]);
        }
    }

    #[test]
    fn multi_normalises() {
        assert_eq!(Value::multi(vec![]), Value::Null);
        assert_eq!(Value::multi(vec!["a".into()]), Value::str("a"));
        let m = Value::multi(vec!["a".into(), "b".into()]);
        assert_eq!(m.count(), 2);
        assert_eq!(m.to_strings(), vec!["a", "b"]);
        assert_eq!(Value::Null.values().count(), 0);
        assert_eq!(Value::Num(2.0).to_strings(), vec!["2"]);
    }
}
