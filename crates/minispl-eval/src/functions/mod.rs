//! Eval functions as a table of (name, arity, implementation), one file per family
//! (placeholder until implemented).
