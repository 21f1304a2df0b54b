//! Macro expansion (SEMANTICS.md §2): textual, before parsing, recursive, with a source
//! map from the expanded text back to the original.

use crate::ast::Span;
use crate::diagnostic::ParseError;
use std::collections::HashMap;

/// A macro definition: stanza `name` (no arguments) or `name(N)` with `args.len() == N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroDef {
    pub name: String,
    pub args: Vec<String>,
    pub definition: String,
}

/// Where macro definitions come from. Looked up by name *and* arity (R2.4).
pub trait MacroTable {
    fn lookup(&self, name: &str, arity: usize) -> Option<&MacroDef>;
}

/// A plain map of macros keyed by `(name, arity)`.
#[derive(Debug, Clone, Default)]
pub struct Macros {
    defs: HashMap<(String, usize), MacroDef>,
}

impl Macros {
    pub fn new() -> Self {
        Self::default()
    }
    /// Add or replace a definition.
    pub fn insert(&mut self, def: MacroDef) {
        self.defs.insert((def.name.clone(), def.args.len()), def);
    }
    pub fn iter(&self) -> impl Iterator<Item = &MacroDef> {
        self.defs.values()
    }
}

impl MacroTable for Macros {
    fn lookup(&self, name: &str, arity: usize) -> Option<&MacroDef> {
        self.defs.get(&(name.to_string(), arity))
    }
}

/// The expanded search text with a map back to the original text.
#[derive(Debug, Clone, PartialEq)]
pub struct Expanded {
    pub original: String,
    pub text: String,
}

impl Expanded {
    /// The span in the original text that `span` (in the expanded text) came from.
    pub fn origin(&self, span: Span) -> Span {
        let _ = span;
        todo!("source map")
    }
}

/// Expand every macro invocation in `text`.
pub fn expand_macros(text: &str, macros: &dyn MacroTable) -> Result<Expanded, ParseError> {
    let _ = (text, macros);
    todo!("macro expansion")
}
