//! One module per SPL command. Each compiles its AST node into an [`Operator`].

use crate::error::EvalError;
use crate::program::Context;
use crate::row::Row;
use minispl_parser::ast::Command;
use std::sync::Arc;

pub mod append;
pub mod bin;
pub mod convert;
pub mod dedup;
pub mod eval;
pub mod eventstats;
pub mod fields;
pub mod fillnull;
pub mod head;
pub mod inputlookup;
pub mod join;
pub mod lookup;
pub mod makemv;
pub mod makeresults;
pub mod mvcombine;
pub mod mvexpand;
pub mod nomv;
pub mod rare;
pub mod regex;
pub mod rename;
pub mod rex;
pub mod search;
pub mod sort;
pub mod spath;
pub mod stats;
pub mod streamstats;
pub mod table;
pub mod tail;
#[cfg(test)]
pub(crate) mod testutil;
pub mod top;
pub mod tstats;
pub mod r#where;

/// Compile one command of a pipeline into its operator.
pub fn compile(command: &Command, ctx: &Arc<Context>) -> Result<Box<dyn Operator>, EvalError> {
    match command {
        Command::Search(c) => search::compile(c, ctx),
        Command::Where(c) => r#where::compile(c, ctx),
        Command::Eval(c) => eval::compile(c, ctx),
        Command::Rename(c) => rename::compile(c, ctx),
        Command::Spath(c) => spath::compile(c, ctx),
        Command::Mvexpand(c) => mvexpand::compile(c, ctx),
        Command::Stats(c) => stats::compile(c, ctx),
        Command::Eventstats(c) => eventstats::compile(c, ctx),
        Command::Streamstats(c) => streamstats::compile(c, ctx),
        Command::Convert(c) => convert::compile(c, ctx),
        Command::Tstats(c) => tstats::compile(c, ctx),
        Command::Table(c) => table::compile(c, ctx),
        Command::Fields(c) => fields::compile(c, ctx),
        Command::Dedup(c) => dedup::compile(c, ctx),
        Command::Sort(c) => sort::compile(c, ctx),
        Command::Head(c) => head::compile(c, ctx),
        Command::Tail(c) => tail::compile(c, ctx),
        Command::Fillnull(c) => fillnull::compile(c, ctx),
        Command::Rex(c) => rex::compile(c, ctx),
        Command::Regex(c) => regex::compile(c, ctx),
        Command::Bin(c) => bin::compile(c, ctx),
        Command::Lookup(c) => lookup::compile(c, ctx),
        Command::Inputlookup(c) => inputlookup::compile(c, ctx),
        Command::Top(c) => top::compile(c, ctx),
        Command::Rare(c) => rare::compile(c, ctx),
        Command::Makemv(c) => makemv::compile(c, ctx),
        Command::Mvcombine(c) => mvcombine::compile(c, ctx),
        Command::Nomv(c) => nomv::compile(c, ctx),
        Command::Makeresults(c) => makeresults::compile(c, ctx),
        Command::Join(c) => join::compile(c, ctx),
        Command::Append(c) => append::compile(c, ctx),
    }
}

/// A compiled command in a running pipeline. Streaming commands emit rows from `push`;
/// transforming commands (stats, sort, ...) buffer only what they need and emit from
/// `finish`. (`Any`: a run finds its `stats` operator to merge a worker's partial
/// table into it, issue 6.)
pub trait Operator: Send + std::any::Any {
    /// Process one input row, appending any output rows to `out`.
    fn push(&mut self, row: Row, out: &mut Vec<Row>) -> Result<(), EvalError>;

    /// End of input: append any buffered output rows to `out`.
    fn finish(&mut self, out: &mut Vec<Row>) -> Result<(), EvalError> {
        let _ = out;
        Ok(())
    }

    /// The fields the rest of the pipeline can ever see from this command's output
    /// (from the plan, when field pruning is on and the set is finite). An operator that
    /// copies rows may leave the others out of its copies (issue 6); most ignore it.
    fn downstream_needs(&mut self, needed: &crate::plan::FieldSet) {
        let _ = needed;
    }

    /// The same set as [`Operator::downstream_needs`], given whatever the optimisations,
    /// for what must not depend on them (`mvexpand`'s size estimate, R5.7): field pruning
    /// leaves out of a row exactly the fields outside it, so a measure of the fields in
    /// it is the same with optimisations on and off. Most operators ignore it.
    fn downstream_sees(&mut self, seen: &crate::plan::FieldSet) {
        let _ = seen;
    }
}
