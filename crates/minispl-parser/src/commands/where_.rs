//! `where <eval-expr>` (R1.28): the eval language, not the search language.

use crate::ast::{Command, Span, Where};
use crate::cursor::{Cursor, PResult};
use crate::diagnostic::ParseError;

pub(crate) fn parse(c: &mut Cursor<'_>, span: Span) -> PResult<Command> {
    if c.at_end() {
        return Err(
            ParseError::new("`where` needs an expression", Span::new(span.end, span.end))
                .expected("an expression"),
        );
    }
    let expr = crate::eval_expr::parse_expression(c)?;
    if !c.at_end() {
        return Err(c.unexpected("an operator or the end of the expression"));
    }
    Ok(Command::Where(Where { expr, span }))
}
