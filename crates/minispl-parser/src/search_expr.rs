//! The search language (SEMANTICS §1): `search`, `tstats ... where`, `inputlookup ...
//! where`. Precedence (R1.3), tightest first: parentheses, `NOT`, `OR`, `AND` (explicit
//! or implicit). `AND`/`OR`/`NOT`/`IN` are operators only in upper case (R1.2).

use crate::ast::{CompareOp, SearchExpr, SearchValue, Span, TermModifier};
use crate::cursor::{Cursor, Escapes, PResult, Word};
use crate::diagnostic::ParseError;

/// Parse a search expression from the cursor to the end of its segment, or (with
/// `stop_at_by`, for `tstats ... where ... by`) up to an unquoted top-level `by`.
pub(crate) fn parse(c: &mut Cursor<'_>, stop_at_by: bool) -> PResult<Option<SearchExpr>> {
    if c.at_end() || (stop_at_by && c.peek_kw("by")) {
        return Ok(None);
    }
    let mut p = Parser { c, stop_at_by };
    let e = p.and_expr()?;
    if !(p.c.at_end() || (stop_at_by && p.c.peek_kw("by"))) {
        if p.c.peek() == Some(')') {
            let s = p.c.next_span();
            return Err(ParseError::new("unbalanced `)`: no matching `(`", s));
        }
        return Err(p.c.unexpected("a search term"));
    }
    Ok(Some(e))
}

struct Parser<'c, 'a> {
    c: &'c mut Cursor<'a>,
    stop_at_by: bool,
}

/// Characters that end an unquoted search token.
/// A bare `[`/`]` ends a token: in a search it opens a subsearch, which the search
/// language here does not support, so it is reported rather than read as text (the
/// pipeline splitter counts it as a bracket either way; read as text, the AST could not
/// say whether it was bare or escaped, and printing broke the balance — found by the
/// `parse` fuzz target, issue 7). `\[`, `\]` and quoted brackets are text.
fn search_stop(c: char) -> bool {
    matches!(c, '(' | ')' | '=' | '<' | '>' | '[' | ']')
}

fn in_list_stop(c: char) -> bool {
    search_stop(c) || c == ','
}

impl Parser<'_, '_> {
    fn at_group_end(&mut self) -> bool {
        self.c.at_end() || self.c.peek() == Some(')') || (self.stop_at_by && self.c.peek_kw("by"))
    }

    fn and_expr(&mut self) -> PResult<SearchExpr> {
        let mut items = Vec::new();
        push_flat(&mut items, self.or_expr()?, true);
        loop {
            if self.at_group_end() {
                break;
            }
            if let Some(kw) = self.c.search_kw("AND") {
                if self.at_group_end()
                    || self.c.peek_search_kw("AND")
                    || self.c.peek_search_kw("OR")
                {
                    return Err(ParseError::new(
                        "dangling `AND`: expected a search term after it",
                        kw,
                    )
                    .expected("a search term"));
                }
            }
            push_flat(&mut items, self.or_expr()?, true);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(SearchExpr::And(Vec::new()))
        } else {
            SearchExpr::And(items)
        })
    }

    fn or_expr(&mut self) -> PResult<SearchExpr> {
        let mut items = Vec::new();
        push_flat(&mut items, self.not_expr()?, false);
        while let Some(kw) = self.c.search_kw("OR") {
            if self.at_group_end() || self.c.peek_search_kw("AND") || self.c.peek_search_kw("OR") {
                return Err(
                    ParseError::new("dangling `OR`: expected a search term after it", kw)
                        .expected("a search term"),
                );
            }
            push_flat(&mut items, self.not_expr()?, false);
        }
        Ok(if items.len() == 1 {
            items.pop().unwrap_or(SearchExpr::Or(Vec::new()))
        } else {
            SearchExpr::Or(items)
        })
    }

    fn not_expr(&mut self) -> PResult<SearchExpr> {
        if let Some(kw) = self.c.search_kw("NOT") {
            if self.at_group_end() || self.c.peek_search_kw("AND") || self.c.peek_search_kw("OR") {
                return Err(
                    ParseError::new("dangling `NOT`: expected a search term after it", kw)
                        .expected("a search term"),
                );
            }
            self.c.enter(kw)?;
            let inner = self.not_expr()?;
            self.c.leave();
            return Ok(SearchExpr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> PResult<SearchExpr> {
        self.c.skip_ws();
        let start = self.c.pos;
        match self.c.peek() {
            Some('(') => {
                let open = Span::new(start, start + 1);
                self.c.enter(open)?;
                self.c.pos += 1;
                if self.c.at_end() {
                    return Err(
                        ParseError::new("unbalanced `(`: missing `)`", open).expected("`)`")
                    );
                }
                if self.c.peek() == Some(')') {
                    let s = Span::new(start, self.c.pos + 1);
                    return Err(ParseError::new("empty parentheses", s).expected("a search term"));
                }
                let e = self.and_expr()?;
                self.c.skip_ws();
                if !self.c.eat(')') {
                    return Err(
                        ParseError::new("unbalanced `(`: missing `)`", open).expected("`)`")
                    );
                }
                self.c.leave();
                Ok(e)
            }
            Some(')') => Err(ParseError::new(
                "unbalanced `)`: no matching `(`",
                Span::new(start, start + 1),
            )),
            _ => {
                for kw in ["AND", "OR"] {
                    if let Some(s) = self.c.search_kw(kw) {
                        return Err(ParseError::new(
                            format!("dangling `{kw}`: expected a search term before it"),
                            s,
                        )
                        .expected("a search term"));
                    }
                }
                if let Some(s) = self.c.search_kw("IN") {
                    return Err(ParseError::new(
                        "`IN` needs a field name before it: `field IN (a, b)`",
                        s,
                    )
                    .expected("a field name"));
                }
                self.term_or_comparison()
            }
        }
    }

    fn token(&mut self, stop: &dyn Fn(char) -> bool) -> PResult<Option<Word>> {
        self.c.word_with(Escapes::Search, stop)
    }

    /// `CASE(x)` / `TERM(x)` directly at the cursor, if present (R1.22, R1.23).
    fn modifier(&mut self, w: &Word) -> PResult<Option<SearchValue>> {
        let modifier = match (w.quoted, w.text.as_str()) {
            (false, "CASE") => TermModifier::Case,
            (false, "TERM") => TermModifier::Term,
            _ => return Ok(None),
        };
        if self.c.peek() != Some('(') {
            return Ok(None);
        }
        let open = self.c.pos;
        self.c.pos += 1;
        let inner = self.token(&|c| c == ')')?;
        self.c.skip_ws();
        if !self.c.eat(')') {
            return Err(ParseError::new(
                format!("unbalanced `(` after {}: missing `)`", w.text),
                Span::new(open, open + 1),
            )
            .expected("`)`"));
        }
        let Some(inner) = inner else {
            return Err(ParseError::new(
                format!("`{}()` needs a value", w.text),
                Span::new(w.span.start, self.c.pos),
            ));
        };
        Ok(Some(SearchValue {
            text: inner.text,
            quoted: inner.quoted,
            modifier,
            span: Span::new(w.span.start, self.c.pos),
        }))
    }

    fn value(&mut self, w: Word) -> PResult<SearchValue> {
        if let Some(v) = self.modifier(&w)? {
            return Ok(v);
        }
        Ok(SearchValue {
            text: w.text,
            quoted: w.quoted,
            modifier: TermModifier::None,
            span: w.span,
        })
    }

    fn compare_op(&mut self) -> Option<(CompareOp, Span)> {
        let save = self.c.pos;
        self.c.skip_ws();
        let at = self.c.pos;
        let op = if self.c.eat_str("!=") {
            CompareOp::Ne
        } else if self.c.eat_str("<=") {
            CompareOp::Le
        } else if self.c.eat_str(">=") {
            CompareOp::Ge
        } else if self.c.eat_str("==") || self.c.eat('=') {
            CompareOp::Eq
        } else if self.c.eat('<') {
            CompareOp::Lt
        } else if self.c.eat('>') {
            CompareOp::Gt
        } else {
            self.c.pos = save;
            return None;
        };
        Some((op, Span::new(at, self.c.pos)))
    }

    fn term_or_comparison(&mut self) -> PResult<SearchExpr> {
        let Some(w) = self.token(&search_stop)? else {
            let s = self.c.next_span();
            if let Some((_, op)) = self.compare_op() {
                return Err(ParseError::new(
                    format!("expected a field name before `{}`", self.c.slice(op)),
                    op,
                )
                .expected("a field name"));
            }
            if matches!(self.c.peek(), Some('[' | ']')) {
                return Err(ParseError::new(
                    "subsearches (`[...]`) are not supported in a search; \
                     quote a literal bracket: \"a[1]\"",
                    s,
                )
                .expected("a search term"));
            }
            return Err(
                ParseError::new(format!("unexpected `{}`", self.c.slice(s)), s)
                    .expected("a search term"),
            );
        };
        if let Some(v) = self.modifier(&w)? {
            return Ok(SearchExpr::Term(v));
        }
        if let Some((op, op_span)) = self.compare_op() {
            self.c.skip_ws();
            let Some(vw) = self.token(&search_stop)? else {
                return Err(ParseError::new(
                    format!("expected a value after `{}`", op.as_str()),
                    Span::new(op_span.end, op_span.end),
                )
                .expected("a value"));
            };
            if !vw.quoted && ["AND", "OR", "NOT", "IN"].contains(&vw.text.as_str()) {
                // R1.5: keywords must be quoted to be searched for as values.
                return Err(ParseError::new(
                    format!(
                        "`{0}` is a search keyword; quote it to compare with the value: {1}{2}\"{0}\"",
                        vw.text,
                        w.text,
                        op.as_str()
                    ),
                    vw.span,
                )
                .expected("a value"));
            }
            let value = self.value(vw)?;
            let span = w.span.to(value.span);
            return Ok(SearchExpr::Compare {
                field: w.text,
                op,
                value,
                span,
            });
        }
        // A quoted field name is accepted before `IN` as it is before `=`: the printer
        // quotes names with spaces either way, and a phrase followed by `IN` has no other
        // reading (found by the round-trip property test, issue 7).
        if self.c.peek_search_kw("IN") {
            let save = self.c.pos;
            let in_span = self.c.search_kw("IN").unwrap_or(w.span);
            self.c.skip_ws();
            if self.c.peek() == Some('(') {
                return self.in_list(w);
            }
            self.c.pos = save;
            return Err(ParseError::new("expected `(` after IN", in_span).expected("`(`"));
        }
        Ok(SearchExpr::Term(self.value(w)?))
    }

    /// `field IN (v1, "v 2", v3*)` (R1.15), cursor on the `(`.
    fn in_list(&mut self, field: Word) -> PResult<SearchExpr> {
        let open = Span::new(self.c.pos, self.c.pos + 1);
        self.c.pos += 1;
        let mut values = Vec::new();
        loop {
            self.c.skip_ws();
            if self.c.eat(')') {
                break;
            }
            if self.c.at_end() {
                return Err(
                    ParseError::new("unbalanced `(` in IN list: missing `)`", open).expected("`)`"),
                );
            }
            if !values.is_empty() {
                // Commas separate values; whitespace alone is accepted too.
                self.c.comma();
                self.c.skip_ws();
            }
            let Some(v) = self.token(&in_list_stop)? else {
                if self.c.eat(')') {
                    break;
                }
                return Err(self.c.unexpected("a value"));
            };
            values.push(self.value(v)?);
        }
        if values.is_empty() {
            return Err(
                ParseError::new("empty IN list", Span::new(open.start, self.c.pos))
                    .expected("a value"),
            );
        }
        Ok(SearchExpr::In {
            field: field.text,
            values,
            span: Span::new(field.span.start, self.c.pos),
        })
    }
}

/// Push `e`, splicing its children in if it is the same n-ary operator (the AST never has
/// an `And` directly inside an `And`, nor `Or` in `Or`).
fn push_flat(items: &mut Vec<SearchExpr>, e: SearchExpr, and: bool) {
    match e {
        SearchExpr::And(v) if and => items.extend(v),
        SearchExpr::Or(v) if !and => items.extend(v),
        e => items.push(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> SearchExpr {
        let mut c = Cursor::new(s, 0, s.len());
        parse(&mut c, false).unwrap().unwrap()
    }

    /// Compact view ignoring spans: `&[...]`, `|[...]`, `!x`, `f=v`, `"phrase"`.
    fn sx(e: &SearchExpr) -> String {
        let v = |v: &SearchValue| {
            let t = if v.quoted {
                format!("{:?}", v.text)
            } else {
                v.text.clone()
            };
            match v.modifier {
                TermModifier::None => t,
                TermModifier::Case => format!("CASE({t})"),
                TermModifier::Term => format!("TERM({t})"),
            }
        };
        match e {
            SearchExpr::And(x) => format!("&[{}]", x.iter().map(sx).collect::<Vec<_>>().join(" ")),
            SearchExpr::Or(x) => format!("|[{}]", x.iter().map(sx).collect::<Vec<_>>().join(" ")),
            SearchExpr::Not(x) => format!("!{}", sx(x)),
            SearchExpr::Compare {
                field, op, value, ..
            } => format!("{field}{}{}", op.as_str(), v(value)),
            SearchExpr::In { field, values, .. } => {
                format!(
                    "{field} IN({})",
                    values.iter().map(v).collect::<Vec<_>>().join(",")
                )
            }
            SearchExpr::Term(t) => v(t),
        }
    }

    #[test]
    fn or_binds_tighter_than_and_r1_3() {
        // EC-001, EC-002, EC-004.
        assert_eq!(sx(&p("a=1 b=2 OR c=3")), "&[a=1 |[b=2 c=3]]");
        assert_eq!(sx(&p("a=1 AND b=2 OR c=3")), "&[a=1 |[b=2 c=3]]");
        assert_eq!(sx(&p("a=1 OR b=2 c=3")), "&[|[a=1 b=2] c=3]");
        assert_eq!(sx(&p("NOT a=1 OR b=2")), "|[!a=1 b=2]");
        assert_eq!(
            sx(&p("login NOT (error OR fail)")),
            "&[login !|[error fail]]"
        );
    }

    #[test]
    fn boolean_operators_stand_alone_words_that_start_with_them_are_terms() {
        // Found by the round-trip property test: `OR*` printed from a term read back as
        // a dangling `OR`.
        assert_eq!(sx(&p("OR* a=a")), "&[OR* a=a]");
        assert_eq!(sx(&p("x NOT* AND*")), "&[x NOT* AND*]");
        assert_eq!(sx(&p("OR=1 NOT=2")), "&[OR=1 NOT=2]");
        assert_eq!(sx(&p("NOT IN* a IN*")), "&[!IN* a IN*]");
        assert_eq!(sx(&p("a IN(x, y)")), "a IN(x,y)");
        // Still operators before a parenthesis or a space.
        assert_eq!(sx(&p("NOT(a OR(b))")), "!|[a b]");
        assert_eq!(sx(&p("a OR\tb")), "|[a b]");
    }

    #[test]
    fn and_and_or_are_flattened() {
        assert_eq!(sx(&p("a (b c) AND d")), "&[a b c d]");
        assert_eq!(sx(&p("(a OR b) OR c")), "|[a b c]");
    }

    #[test]
    fn lower_case_operators_are_terms_r1_2() {
        assert_eq!(sx(&p("a=1 or b=2")), "&[a=1 or b=2]");
        assert_eq!(sx(&p("x not y and z")), "&[x not y and z]");
    }

    #[test]
    fn comparisons_values_and_quoting() {
        assert_eq!(sx(&p("n>9 v<=abb x!=1 s>=2")), "&[n>9 v<=abb x!=1 s>=2]");
        assert_eq!(sx(&p(r#"msg="say \"hi\"""#)), r#"msg="say \"hi\"""#);
        assert_eq!(
            sx(&p(r#"country="IN" error "AND""#)),
            r#"&[country="IN" error "AND"]"#
        );
        assert_eq!(
            sx(&p("tag::eventtype=x a.b{}.c=*y*")),
            "&[tag::eventtype=x a.b{}.c=*y*]"
        );
        assert_eq!(sx(&p(r#""field name"=v"#)), "field name=v");
        assert_eq!(sx(&p("user = \"u\"")), "user=\"u\"");
        assert_eq!(sx(&p(r"p=a\|b q=\s")), r"&[p=a|b q=\s]");
        assert_eq!(sx(&p("ip=10.0.0.0/8")), "ip=10.0.0.0/8");
    }

    #[test]
    fn in_lists_r1_15() {
        assert_eq!(sx(&p(r#"s IN (40*, "500")"#)), r#"s IN(40*,"500")"#);
        assert_eq!(sx(&p("s IN(a,b)")), "s IN(a,b)");
        assert_eq!(sx(&p("NOT s IN (a b)")), "!s IN(a,b)");
    }

    #[test]
    fn case_and_term_directives() {
        assert_eq!(
            sx(&p("user=CASE(admin) TERM(127.0.0.1)")),
            "&[user=CASE(admin) TERM(127.0.0.1)]"
        );
        // Lower case is an ordinary word followed by a group.
        assert_eq!(sx(&p("case(x)")), "&[case x]");
    }

    #[test]
    fn keyword_values_need_quotes_r1_5() {
        let s = "country=IN";
        let err = parse(&mut Cursor::new(s, 0, s.len()), false).unwrap_err();
        assert_eq!(err.span, Span::new(8, 10));
    }

    #[test]
    fn tstats_where_stops_at_by() {
        let s = "a=1 OR b=2 by host";
        let mut c = Cursor::new(s, 0, s.len());
        assert_eq!(sx(&parse(&mut c, true).unwrap().unwrap()), "|[a=1 b=2]");
        assert!(c.peek_kw("by"));
    }

    #[test]
    fn spans_point_into_the_text() {
        let SearchExpr::And(v) = p("a=1  bb") else {
            panic!()
        };
        let SearchExpr::Compare { span, value, .. } = &v[0] else {
            panic!()
        };
        assert_eq!((*span, value.span), (Span::new(0, 3), Span::new(2, 3)));
        let SearchExpr::Term(t) = &v[1] else { panic!() };
        assert_eq!(t.span, Span::new(5, 7));
    }
}
