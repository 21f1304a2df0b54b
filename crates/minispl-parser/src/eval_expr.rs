//! The eval language (SEMANTICS §6): `eval`, `where`, `count(eval(...))`, `head (...)`,
//! calculated fields. Precedence (R6.14), tightest first: unary `-`/`+`, `* / %`,
//! `+ - .`, comparisons and `LIKE`/`IN`, `NOT`, `AND`, `OR`, `XOR`; binary operators are
//! left-associative (`10-2-3` is 5).

use crate::ast::{BinaryOp, Expr, Span, UnaryOp};
use crate::cursor::{Cursor, Escapes, PResult, MAX_EXPR_OPERATORS};
use crate::diagnostic::ParseError;
use nom::number::complete::recognize_float;

/// Parse one whole expression (an eval assignment, a `where` clause, ...) at the cursor;
/// stops before a top-level `,` or `)` or the end.
pub(crate) fn parse_expression(c: &mut Cursor<'_>) -> PResult<Expr> {
    c.ops = 0;
    parse(c)
}

/// Parse a subexpression (inside parentheses or call arguments).
fn parse(c: &mut Cursor<'_>) -> PResult<Expr> {
    c.skip_ws();
    let start = c.here();
    c.enter(start)?;
    let e = xor(c);
    c.leave();
    e
}

const KEYWORDS: [&str; 6] = ["AND", "OR", "XOR", "NOT", "LIKE", "IN"];

fn binary(c: &mut Cursor<'_>, op: BinaryOp, lhs: Expr, rhs: Expr) -> PResult<Expr> {
    let span = lhs.span().to(rhs.span());
    c.ops += 1;
    if c.ops > MAX_EXPR_OPERATORS {
        return Err(ParseError::new(
            format!("expression too long: more than {MAX_EXPR_OPERATORS} operators"),
            span,
        ));
    }
    Ok(Expr::Binary {
        op,
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
        span,
    })
}

/// The operand after a binary operator: an error naming the operator when missing.
fn operand(
    c: &mut Cursor<'_>,
    op: &str,
    op_span: Span,
    next: fn(&mut Cursor<'_>) -> PResult<Expr>,
) -> PResult<Expr> {
    if c.at_end() || matches!(c.peek(), Some(')') | Some(',')) {
        return Err(ParseError::new(
            format!("missing operand after `{op}`"),
            Span::new(op_span.start, op_span.end),
        )
        .expected("an expression"));
    }
    next(c)
}

fn xor(c: &mut Cursor<'_>) -> PResult<Expr> {
    let mut lhs = or(c)?;
    while let Some(s) = c.kw_exact("XOR") {
        let rhs = operand(c, "XOR", s, or)?;
        lhs = binary(c, BinaryOp::Xor, lhs, rhs)?;
    }
    Ok(lhs)
}

fn or(c: &mut Cursor<'_>) -> PResult<Expr> {
    let mut lhs = and(c)?;
    while let Some(s) = c.kw_exact("OR") {
        let rhs = operand(c, "OR", s, and)?;
        lhs = binary(c, BinaryOp::Or, lhs, rhs)?;
    }
    Ok(lhs)
}

fn and(c: &mut Cursor<'_>) -> PResult<Expr> {
    let mut lhs = not(c)?;
    while let Some(s) = c.kw_exact("AND") {
        let rhs = operand(c, "AND", s, not)?;
        lhs = binary(c, BinaryOp::And, lhs, rhs)?;
    }
    Ok(lhs)
}

fn not(c: &mut Cursor<'_>) -> PResult<Expr> {
    if let Some(s) = c.kw_exact("NOT") {
        c.enter(s)?;
        let inner = operand(c, "NOT", s, not)?;
        c.leave();
        let span = s.to(inner.span());
        return Ok(Expr::Unary {
            op: UnaryOp::Not,
            expr: Box::new(inner),
            span,
        });
    }
    comparison(c)
}

fn comparison(c: &mut Cursor<'_>) -> PResult<Expr> {
    let mut lhs = additive(c)?;
    loop {
        c.skip_ws();
        let at = c.pos;
        let op = if c.eat_str("==") || (c.peek() == Some('=') && c.eat('=')) {
            BinaryOp::Eq
        } else if c.eat_str("!=") {
            BinaryOp::Ne
        } else if c.eat_str("<=") {
            BinaryOp::Le
        } else if c.eat_str(">=") {
            BinaryOp::Ge
        } else if c.eat('<') {
            BinaryOp::Lt
        } else if c.eat('>') {
            BinaryOp::Gt
        } else if c.kw_exact("LIKE").is_some() {
            BinaryOp::Like
        } else if c.peek_kw_exact("IN") || in_call_follows(c) {
            // `x IN ("a", "b")` / `x in("a")`: equality against a list.
            c.pos += 2;
            c.skip_ws();
            if c.peek() != Some('(') {
                return Err(
                    ParseError::new("expected `(` after IN", Span::new(at, at + 2)).expected("`(`"),
                );
            }
            let open = Span::new(c.pos, c.pos + 1);
            c.pos += 1;
            let list = args(c, open)?;
            let span = lhs.span().to(Span::new(c.pos, c.pos));
            c.ops += 1;
            if c.ops > MAX_EXPR_OPERATORS {
                return Err(ParseError::new(
                    format!("expression too long: more than {MAX_EXPR_OPERATORS} operators"),
                    span,
                ));
            }
            lhs = Expr::In {
                expr: Box::new(lhs),
                list,
                span,
            };
            continue;
        } else {
            break;
        };
        let op_span = Span::new(at, c.pos);
        let rhs = operand(c, op.as_str(), op_span, additive)?;
        lhs = binary(c, op, lhs, rhs)?;
    }
    Ok(lhs)
}

/// A lower-case `in(` after an operand (R1.15's `f in("v1","v2")`).
fn in_call_follows(c: &mut Cursor<'_>) -> bool {
    let rest = c.rest();
    (rest.starts_with("in") || rest.starts_with("In") || rest.starts_with("iN"))
        && rest[2..].trim_start().starts_with('(')
}

fn additive(c: &mut Cursor<'_>) -> PResult<Expr> {
    let mut lhs = multiplicative(c)?;
    loop {
        c.skip_ws();
        let at = c.pos;
        let op = match c.peek() {
            Some('+') => BinaryOp::Add,
            Some('-') => BinaryOp::Sub,
            // `.` is concatenation unless it starts a number (`.5`) – which cannot follow
            // an operand anyway.
            Some('.') => BinaryOp::Concat,
            _ => break,
        };
        c.pos += 1;
        let rhs = operand(c, op.as_str(), Span::new(at, at + 1), multiplicative)?;
        lhs = binary(c, op, lhs, rhs)?;
    }
    Ok(lhs)
}

fn multiplicative(c: &mut Cursor<'_>) -> PResult<Expr> {
    let mut lhs = unary(c)?;
    loop {
        c.skip_ws();
        let at = c.pos;
        let op = match c.peek() {
            Some('*') => BinaryOp::Mul,
            Some('/') => BinaryOp::Div,
            Some('%') => BinaryOp::Mod,
            _ => break,
        };
        c.pos += 1;
        let rhs = operand(c, op.as_str(), Span::new(at, at + 1), unary)?;
        lhs = binary(c, op, lhs, rhs)?;
    }
    Ok(lhs)
}

fn unary(c: &mut Cursor<'_>) -> PResult<Expr> {
    c.skip_ws();
    let at = c.pos;
    let op = match c.peek() {
        Some('-') => UnaryOp::Neg,
        Some('+') => UnaryOp::Plus,
        _ => return primary(c),
    };
    c.pos += 1;
    let s = Span::new(at, at + 1);
    c.enter(s)?;
    let inner = operand(c, if op == UnaryOp::Neg { "-" } else { "+" }, s, unary)?;
    c.leave();
    let span = s.to(inner.span());
    Ok(Expr::Unary {
        op,
        expr: Box::new(inner),
        span,
    })
}

/// Comma-separated expressions up to the closing `)`; cursor after the `(`.
fn args(c: &mut Cursor<'_>, open: Span) -> PResult<Vec<Expr>> {
    let mut out = Vec::new();
    c.skip_ws();
    if c.eat(')') {
        return Ok(out);
    }
    loop {
        if c.at_end() {
            return Err(ParseError::new("unbalanced `(`: missing `)`", open).expected("`)`"));
        }
        if c.peek() == Some(',') {
            return Err(c.unexpected("an expression"));
        }
        out.push(parse(c)?);
        c.skip_ws();
        if c.eat(',') {
            continue;
        }
        if c.eat(')') {
            return Ok(out);
        }
        if c.at_end() {
            return Err(ParseError::new("unbalanced `(`: missing `)`", open).expected("`)`"));
        }
        return Err(c.unexpected("`,` or `)`"));
    }
}

fn primary(c: &mut Cursor<'_>) -> PResult<Expr> {
    c.skip_ws();
    let start = c.pos;
    match c.peek() {
        None => Err(c.unexpected("an expression")),
        Some(_) if c.pos >= c.end => Err(c.unexpected("an expression")),
        Some('(') => {
            let open = Span::new(start, start + 1);
            c.pos += 1;
            c.enter(open)?;
            c.skip_ws();
            if c.peek() == Some(')') {
                return Err(
                    ParseError::new("empty parentheses", Span::new(start, c.pos + 1))
                        .expected("an expression"),
                );
            }
            let e = parse(c)?;
            c.skip_ws();
            if !c.eat(')') {
                if c.at_end() {
                    return Err(
                        ParseError::new("unbalanced `(`: missing `)`", open).expected("`)`")
                    );
                }
                return Err(c.unexpected("`)`"));
            }
            c.leave();
            Ok(e)
        }
        Some('"') => {
            let (value, span) = c.quoted(Escapes::Plain)?;
            Ok(Expr::Str { value, span })
        }
        Some('\'') => {
            // R6.6: single quotes make a field name (`'userIdentity.arn'`).
            c.pos += 1;
            let mut name = String::new();
            loop {
                match c.bump() {
                    None => {
                        return Err(ParseError::new(
                            "unterminated field name: missing closing `'`",
                            Span::new(start, start + 1),
                        )
                        .expected("`'`"))
                    }
                    Some('\'') => break,
                    Some('\\') if matches!(c.peek(), Some('\'') | Some('\\')) => {
                        if let Some(n) = c.bump() {
                            name.push(n);
                        }
                    }
                    Some(ch) => name.push(ch),
                }
            }
            Ok(Expr::Field {
                name,
                span: Span::new(start, c.pos),
            })
        }
        Some(ch)
            if ch.is_ascii_digit()
                || (ch == '.' && c.peek2().is_some_and(|d| d.is_ascii_digit())) =>
        {
            let rest = c.rest();
            let parsed: nom::IResult<&str, &str> = recognize_float(rest);
            let text = match parsed {
                Ok((_, t)) if !t.is_empty() => t,
                _ => return Err(c.unexpected("a number")),
            };
            let Ok(value) = text.parse::<f64>() else {
                return Err(ParseError::new(
                    format!("invalid number `{text}`"),
                    Span::new(start, start + text.len()),
                ));
            };
            c.pos += text.len();
            Ok(Expr::Num {
                value,
                text: text.to_string(),
                span: Span::new(start, c.pos),
            })
        }
        Some(_) => {
            let save = c.pos;
            let Some((name, span)) = c.ident() else {
                return Err(c.unexpected("an expression"));
            };
            if KEYWORDS.contains(&name.as_str())
                && !(name == "IN" && c.rest().trim_start().starts_with('('))
            {
                c.pos = save;
                return Err(ParseError::new(
                    format!("expected an expression, found the keyword `{name}`"),
                    span,
                )
                .expected("an expression"));
            }
            let after = c.pos;
            c.skip_ws();
            if c.peek() == Some('(') {
                let open = Span::new(c.pos, c.pos + 1);
                c.pos += 1;
                c.enter(open)?;
                let args = args(c, open)?;
                c.leave();
                return Ok(Expr::Call {
                    name,
                    args,
                    span: Span::new(start, c.pos),
                });
            }
            c.pos = after;
            Ok(Expr::Field { name, span })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Expr {
        let mut c = Cursor::new(s, 0, s.len());
        let e = parse_expression(&mut c).unwrap();
        assert!(c.at_end(), "leftover in {s:?}: {:?}", c.rest());
        e
    }

    /// A compact S-expression view that ignores spans.
    fn sx(e: &Expr) -> String {
        match e {
            Expr::Num { text, .. } => text.clone(),
            Expr::Str { value, .. } => format!("{value:?}"),
            Expr::Field { name, .. } => name.clone(),
            Expr::Call { name, args, .. } => {
                format!(
                    "{name}({})",
                    args.iter().map(sx).collect::<Vec<_>>().join(" ")
                )
            }
            Expr::Unary { op, expr, .. } => format!("({op:?} {})", sx(expr)),
            Expr::Binary { op, lhs, rhs, .. } => {
                format!("({} {} {})", op.as_str(), sx(lhs), sx(rhs))
            }
            Expr::In { expr, list, .. } => {
                format!(
                    "(IN {} {})",
                    sx(expr),
                    list.iter().map(sx).collect::<Vec<_>>().join(" ")
                )
            }
        }
    }

    #[test]
    fn and_binds_tighter_than_or_r6_14() {
        assert_eq!(
            sx(&p("a=1 AND b=2 OR c=3")),
            "(OR (AND (= a 1) (= b 2)) (= c 3))"
        );
        assert_eq!(sx(&p("a OR b XOR c")), "(XOR (OR a b) c)");
        assert_eq!(sx(&p("NOT a=1 AND b")), "(AND (Not (= a 1)) b)");
    }

    #[test]
    fn arithmetic_is_left_associative() {
        assert_eq!(sx(&p("10-2-3")), "(- (- 10 2) 3)");
        assert_eq!(sx(&p("a+b*c")), "(+ a (* b c))");
        assert_eq!(sx(&p("-x*2")), "(* (Neg x) 2)");
        assert_eq!(
            sx(&p("first_name.\" \".last_name")),
            "(. (. first_name \" \") last_name)"
        );
    }

    #[test]
    fn literals_names_calls_and_lists() {
        assert_eq!(sx(&p("'userIdentity.arn'")), "userIdentity.arn");
        assert_eq!(
            sx(&p("if(x IN (\"a\",\"b\"), 1.5e3, \"q\\\"x\")")),
            "if((IN x \"a\" \"b\") 1.5e3 \"q\\\"x\")"
        );
        assert_eq!(sx(&p("f in(\"a\")")), "(IN f \"a\")");
        assert_eq!(
            sx(&p("replace(x, \"a,b\", \"\\\\\")")),
            "replace(x \"a,b\" \"\\\\\")"
        );
        assert_eq!(sx(&p("x LIKE \"a%\"")), "(LIKE x \"a%\")");
        assert_eq!(sx(&p("now()")), "now()");
    }

    #[test]
    fn missing_operand_is_an_error() {
        let s = "1 +";
        let err = parse_expression(&mut Cursor::new(s, 0, s.len())).unwrap_err();
        assert_eq!(err.span, Span::new(2, 3));
        let s = "(1";
        let err = parse_expression(&mut Cursor::new(s, 0, s.len())).unwrap_err();
        assert!(err.message.contains("unbalanced"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let s = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        let err = parse_expression(&mut Cursor::new(&s, 0, s.len())).unwrap_err();
        assert!(err.message.contains("nesting"), "{}", err.message);
        let s = "-".repeat(10_000) + "1";
        assert!(parse_expression(&mut Cursor::new(&s, 0, s.len())).is_err());
    }
}
