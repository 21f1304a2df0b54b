//! The logical plan: the visible stage between the AST and execution (PRQL style).
//!
//! For each command: its SPL name, whether it streams, emits at the end or generates, and
//! the fields it reads and writes. From that, the set of fields the search needs from the
//! index events, so `KV_MODE=json` extraction can be limited to them (CLOUDTRAIL.md §3:
//! "extracting just the fields a pipeline references is allowed as long as results are
//! identical") and, later, a prefilter derived. Plain data, printable for snapshots.

use crate::datamodel::DataModel;
use crate::profile::Profile;
use crate::program::Context;
use crate::wildcard;
use minispl_parser::ast::{self, AggArgument, AssignTarget, Command, Expr, Pipeline, SearchExpr};
use std::collections::BTreeSet;
use std::fmt;

/// A set of field names: exact names plus `*` wildcard patterns, or every field.
#[derive(Debug, Clone, Default)]
pub struct FieldSet {
    /// Every field (also used when the set cannot be known statically: `eval {f}=...`,
    /// `spath` auto-extraction, `searchmatch()`).
    pub all: bool,
    /// Private so that every change goes through a method that resets `lookup`
    /// (read with [`FieldSet::names`]).
    names: BTreeSet<String>,
    pub patterns: BTreeSet<String>,
    /// `names` and their extendable prefixes, hashed, built on the first lookup: the
    /// per-key questions of extraction (`contains`, `may_extend`, issue 6) then cost one
    /// hash probe instead of a walk of the sorted set. The mutating methods reset it.
    lookup: std::sync::OnceLock<NameLookup>,
    /// `names` compiled for the extraction scanner (issue 6), built on first use and
    /// reset with `lookup`.
    selector: std::sync::OnceLock<crate::extract::scan::Selector>,
}

impl PartialEq for FieldSet {
    fn eq(&self, other: &Self) -> bool {
        // The lookup cache is derived from `names`: not part of the value.
        self.all == other.all && self.names == other.names && self.patterns == other.patterns
    }
}

impl Eq for FieldSet {}

/// Every exact name (flag [`SELECTED`]) and every prefix of one that ends just before a
/// `.` or `{` (flag [`EXTENDS`]; the name itself extends too): what `may_extend` asks.
#[derive(Debug, Clone, Default)]
struct NameLookup(std::collections::HashMap<Box<str>, u8, BuildFxHasher>);

const SELECTED: u8 = 1;
const EXTENDS: u8 = 2;

impl NameLookup {
    fn new(names: &BTreeSet<String>) -> Self {
        let mut map = std::collections::HashMap::with_hasher(BuildFxHasher);
        for name in names {
            *map.entry(Box::from(name.as_str())).or_insert(0) |= SELECTED | EXTENDS;
            for (i, b) in name.bytes().enumerate() {
                if matches!(b, b'.' | b'{') {
                    if let Some(prefix) = name.get(..i) {
                        *map.entry(Box::from(prefix)).or_insert(0) |= EXTENDS;
                    }
                }
            }
        }
        NameLookup(map)
    }

    fn flags(&self, name: &str) -> u8 {
        self.0.get(name).copied().unwrap_or(0)
    }
}

/// The multiply-rotate hash of rustc's `FxHasher`: field names are short and trusted
/// (they come from the search text, not the events), so a fast non-keyed hash is right.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BuildFxHasher;

impl std::hash::BuildHasher for BuildFxHasher {
    type Hasher = FxHasher;
    fn build_hasher(&self) -> FxHasher {
        FxHasher(0)
    }
}

pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl FieldSet {
    pub fn none() -> Self {
        FieldSet::default()
    }

    pub fn all() -> Self {
        FieldSet {
            all: true,
            ..FieldSet::default()
        }
    }

    /// Names containing `*` become patterns (R3.7: `*` is always a wildcard in field lists).
    pub fn from_names<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut set = FieldSet::none();
        for n in names {
            set.insert(n.as_ref());
        }
        set
    }

    pub fn is_all(&self) -> bool {
        self.all
    }

    pub fn is_empty(&self) -> bool {
        !self.all && self.names.is_empty() && self.patterns.is_empty()
    }

    /// The exact field names in the set.
    pub fn names(&self) -> &BTreeSet<String> {
        &self.names
    }

    /// Drop the lookup cache; every method that changes `names` calls it.
    fn names_changed(&mut self) {
        self.lookup = std::sync::OnceLock::new();
        self.selector = std::sync::OnceLock::new();
    }

    /// The names and prefix patterns compiled for [`crate::extract::scan`] (`all` and
    /// other patterns are not part of it: the scanner serves only sets without them).
    pub fn selector(&self) -> &crate::extract::scan::Selector {
        self.selector
            .get_or_init(|| crate::extract::scan::Selector::new(&self.names, &self.patterns))
    }

    fn lookup(&self) -> &NameLookup {
        self.lookup.get_or_init(|| NameLookup::new(&self.names))
    }

    pub fn insert(&mut self, name: &str) {
        if self.all {
            return;
        }
        self.names_changed();
        if name.contains('*') {
            self.patterns.insert(name.to_string());
        } else {
            self.names.insert(name.to_string());
        }
    }

    pub fn extend(&mut self, other: &FieldSet) {
        if self.all {
            return;
        }
        if other.all {
            *self = FieldSet::all();
            return;
        }
        self.names_changed();
        self.names.extend(other.names.iter().cloned());
        self.patterns.extend(other.patterns.iter().cloned());
    }

    /// Remove exact names (a field a command replaces unconditionally is not needed from
    /// upstream). `all` stays `all`: we cannot enumerate it.
    pub fn remove_names<'a>(&mut self, names: impl IntoIterator<Item = &'a String>) {
        if self.all {
            return;
        }
        self.names_changed();
        for n in names {
            self.names.remove(n);
        }
    }

    /// Does the set select the field `name`? Field names are case-sensitive (R1.6).
    pub fn contains(&self, name: &str) -> bool {
        self.all
            || self.lookup().flags(name) & SELECTED != 0
            || self
                .patterns
                .iter()
                .any(|p| wildcard::matches(p, name, false))
    }

    /// Could a JSON path that starts with `prefix` (an auto-extracted name so far, such as
    /// `userIdentity` or `resources{}`) still lead to a selected name? Used to skip whole
    /// subtrees during extraction; may say yes too often, never too rarely.
    pub fn may_extend(&self, prefix: &str) -> bool {
        if self.all {
            return true;
        }
        if self.lookup().flags(prefix) & EXTENDS != 0 {
            return true;
        }
        self.patterns.iter().any(|p| {
            let literal = p.split('*').next().unwrap_or("");
            if literal.len() <= prefix.len() {
                prefix.starts_with(literal)
            } else {
                literal.starts_with(prefix)
            }
        })
    }

    /// Does the set select any field `other` selects? Used to decide whether a profile
    /// rule's output is needed.
    pub fn overlaps(&self, other: &FieldSet) -> bool {
        if self.is_empty() || other.is_empty() {
            return false;
        }
        if self.all || other.all {
            return true;
        }
        other.names.iter().any(|n| self.contains(n))
            || self.names.iter().any(|n| other.contains(n))
            // Two patterns: conservatively overlapping.
            || (!self.patterns.is_empty() && !other.patterns.is_empty())
    }
}

impl fmt::Display for FieldSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.all {
            return f.write_str("all");
        }
        f.write_str("[")?;
        let mut first = true;
        for n in self.names.iter().chain(self.patterns.iter()) {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            f.write_str(n)?;
        }
        f.write_str("]")
    }
}

/// How a command consumes its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Ignores its input and produces rows (`makeresults`, `inputlookup`).
    Generating,
    /// One input row at a time, output as it goes; holds no per-event state.
    Streaming,
    /// Holds state until the end of its input and emits then (`stats`, `sort`, `tail`,
    /// `eventstats`, `tstats`); its state is per group, not per event, where it can be.
    Transforming,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Generating => "generating",
            Kind::Streaming => "streaming",
            Kind::Transforming => "transforming",
        })
    }
}

/// One command in the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandPlan {
    pub name: &'static str,
    pub kind: Kind,
    /// Fields the command looks at.
    pub reads: FieldSet,
    /// Fields the command may set or create.
    pub writes: FieldSet,
    /// Output rows hold only fields this command produces (`stats`, `table`, `fields +`):
    /// nothing downstream can see a field from upstream unless this command reads it.
    pub projects: bool,
    /// Exact names the command always replaces or removes (eval targets, rename targets,
    /// `fields -`): their upstream values are never seen downstream.
    pub shadows: BTreeSet<String>,
    pub span: ast::Span,
}

/// The logical plan of a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub commands: Vec<CommandPlan>,
    /// Whether the index events feed the first command (false when the search starts with
    /// a generating command such as `| makeresults`).
    pub reads_index: bool,
    /// Fields the search needs from index events (after the search-time layer).
    pub index_fields: FieldSet,
    /// Per sourcetype profile: the fields `KV_MODE=json` must extract so that the
    /// profile's aliases, calculated fields, lookups and event types can produce
    /// `index_fields` (CLOUDTRAIL.md §4).
    pub extraction: Vec<(String, FieldSet)>,
}

impl Plan {
    /// Build the plan of `pipeline` against `ctx` (data models for `tstats`, profiles for
    /// the extraction sets, lookup tables for `lookup` without `OUTPUT`).
    pub fn new(pipeline: &Pipeline, ctx: &Context) -> Plan {
        let commands: Vec<CommandPlan> = pipeline
            .commands
            .iter()
            .map(|c| plan_command(c, ctx))
            .collect();
        let mut commands = commands;
        // `inputlookup append=true` after the first command passes its input through and
        // adds the table's rows after it: there it is no generator, and what comes
        // after it still sees the upstream fields (found by the issue 6 work: treating
        // it as a generator pruned every field of the events before it).
        for (i, (c, p)) in pipeline
            .commands
            .iter()
            .zip(commands.iter_mut())
            .enumerate()
        {
            if let Command::Inputlookup(l) = c {
                let append = crate::commands::stats::bool_option(&l.options, "append", false)
                    .unwrap_or(true);
                if i > 0 && append {
                    p.kind = Kind::Transforming;
                }
            }
        }
        let reads_index = !matches!(commands.first(), Some(c) if c.kind == Kind::Generating);
        let mut index_fields = if reads_index {
            needed_before(&commands)
        } else {
            FieldSet::none()
        };
        // Subsearches (`join`, `append`) read the same index.
        for c in &pipeline.commands {
            if let Command::Join(ast::Join { subsearch, .. })
            | Command::Append(ast::Append { subsearch, .. }) = c
            {
                index_fields.extend(&Plan::new(subsearch, ctx).index_fields);
            }
        }
        let extraction = ctx
            .profiles
            .iter()
            .map(|p| {
                (
                    p.sourcetype.clone(),
                    extraction_fields(p, &index_fields, ctx),
                )
            })
            .collect();
        Plan {
            commands,
            reads_index,
            index_fields,
            extraction,
        }
    }

    /// The fields `KV_MODE=json` must extract for events of `sourcetype`.
    pub fn extraction_for(&self, sourcetype: &str) -> FieldSet {
        self.extraction
            .iter()
            .find(|(s, _)| s == sourcetype)
            .map(|(_, f)| f.clone())
            .unwrap_or_else(|| self.index_fields.clone())
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .commands
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0);
        for (i, c) in self.commands.iter().enumerate() {
            writeln!(
                f,
                "{:>2}. {:<width$}  {:<12}  reads {}  writes {}{}",
                i + 1,
                c.name,
                c.kind.to_string(),
                c.reads,
                c.writes,
                if c.projects { "  (projects)" } else { "" },
                width = width
            )?;
        }
        if self.reads_index {
            writeln!(f, "index fields: {}", self.index_fields)?;
        } else {
            writeln!(f, "index fields: none (generating head)")?;
        }
        for (sourcetype, fields) in &self.extraction {
            writeln!(f, "extract for {sourcetype}: {fields}")?;
        }
        Ok(())
    }
}

/// What the commands after some point can ever see of its rows (every field when
/// nothing downstream projects), for operators that copy rows (issue 6).
pub fn needed_after(commands: &[CommandPlan]) -> FieldSet {
    needed_before(commands)
}

/// What the first command needs from its input: walk backwards from "every field"
/// (results show every field) through each command.
fn needed_before(commands: &[CommandPlan]) -> FieldSet {
    let mut need = FieldSet::all();
    for c in commands.iter().rev() {
        if c.kind == Kind::Generating {
            return FieldSet::none();
        }
        if c.projects {
            need = c.reads.clone();
        } else {
            need.remove_names(&c.shadows);
            need.extend(&c.reads);
        }
    }
    need
}

/// The fields to extract from JSON so the profile layer can produce `need`: go through
/// the layer backwards (CLOUDTRAIL.md §4 order: aliases, calculated fields, lookups,
/// event types), adding the inputs of every rule whose output is needed.
fn extraction_fields(profile: &Profile, need: &FieldSet, ctx: &Context) -> FieldSet {
    let mut need = need.clone();
    if need.is_all() {
        return need;
    }
    if !profile.eventtypes.is_empty()
        && need.overlaps(&FieldSet::from_names(["eventtype", "tag", "tag::*"]))
    {
        for et in &profile.eventtypes {
            search_fields(&et.search, &mut need);
        }
    }
    for lookup in profile.lookups.iter().rev() {
        let (reads, writes) = lookup_fields(lookup, ctx);
        if need.overlaps(&writes) {
            need.extend(&reads);
        }
    }
    // Calculated fields all see the post-alias fields (step 3 runs in parallel), so one
    // pass suffices.
    let mut calc_reads = FieldSet::none();
    for calc in &profile.calculated {
        if need.contains(&calc.name) {
            expr_fields(&calc.expr, &mut calc_reads);
        }
    }
    need.extend(&calc_reads);
    // Aliases apply in order: the last one that writes a name decides, and may read a
    // name an earlier alias wrote.
    for alias in profile.aliases.iter().rev() {
        if need.contains(&alias.to) {
            need.insert(&alias.from);
        }
    }
    need
}

fn plan_command(command: &Command, ctx: &Context) -> CommandPlan {
    let mut p = CommandPlan {
        name: command.name(),
        kind: Kind::Streaming,
        reads: FieldSet::none(),
        writes: FieldSet::none(),
        projects: false,
        shadows: BTreeSet::new(),
        span: command.span(),
    };
    match command {
        Command::Search(c) => {
            if let Some(e) = &c.expr {
                search_fields(e, &mut p.reads);
            }
        }
        Command::Where(c) => expr_fields(&c.expr, &mut p.reads),
        Command::Eval(c) => {
            // Assignments run left to right (R6.1): a field assigned earlier in the same
            // command is not read from upstream.
            let mut assigned = BTreeSet::new();
            for a in &c.assignments {
                let mut reads = FieldSet::none();
                expr_fields(&a.expr, &mut reads);
                reads.remove_names(&assigned);
                p.reads.extend(&reads);
                match &a.target {
                    AssignTarget::Field(name) => {
                        p.writes.insert(name);
                        assigned.insert(name.clone());
                    }
                    AssignTarget::Dynamic(name) => {
                        // R6.4: the destination is the value of `name`: unknown statically.
                        p.reads.insert(name);
                        p.writes = FieldSet::all();
                    }
                }
            }
            p.shadows = assigned;
        }
        Command::Rename(c) => {
            for pair in &c.pairs {
                p.reads.insert(&pair.from);
                p.writes.insert(&pair.to);
                if !pair.to.contains('*') {
                    // R3.5: the target is overwritten, or erased when the source is absent.
                    p.shadows.insert(pair.to.clone());
                }
            }
        }
        Command::Spath(c) => {
            p.reads.insert(c.input.as_deref().unwrap_or("_raw"));
            match (&c.output, &c.path) {
                (Some(out), _) => p.writes.insert(out),
                (None, Some(path)) => p.writes.insert(path),
                // R4.7: auto-extraction creates fields named after the document.
                (None, None) => p.writes = FieldSet::all(),
            }
        }
        Command::Mvexpand(c) => {
            p.reads.insert(&c.field);
            p.writes.insert(&c.field);
        }
        Command::Stats(c) => {
            p.kind = Kind::Transforming;
            p.projects = true;
            aggregation_fields(&c.aggregations, &c.by, &mut p);
        }
        Command::Eventstats(c) => {
            p.kind = Kind::Transforming;
            aggregation_fields(&c.aggregations, &c.by, &mut p);
        }
        Command::Streamstats(c) => {
            aggregation_fields(&c.aggregations, &c.by, &mut p);
            if c.options.iter().any(|o| o.name == "time_window") {
                p.reads.insert("_time");
            }
        }
        Command::Convert(c) => {
            for conv in &c.conversions {
                p.reads.insert(&conv.field);
                p.writes
                    .insert(conv.alias.as_deref().unwrap_or(&conv.field));
            }
        }
        Command::Tstats(c) => {
            // tstats reads the index itself: the head of its pipeline.
            p.kind = Kind::Transforming;
            p.projects = true;
            tstats_fields(c, ctx, &mut p);
        }
        Command::Table(c) => {
            p.projects = true;
            for f in &c.fields {
                p.reads.insert(f);
                p.writes.insert(f);
            }
        }
        Command::Fields(c) => {
            if c.remove {
                for f in &c.fields {
                    if !f.contains('*') {
                        p.shadows.insert(f.clone());
                    }
                }
            } else {
                p.projects = true;
                for f in &c.fields {
                    p.reads.insert(f);
                    p.writes.insert(f);
                }
                // `fields` keeps the internal fields unless told otherwise (SEMANTICS §10).
                p.reads.insert("_*");
            }
        }
        Command::Dedup(c) => {
            for f in &c.fields {
                p.reads.insert(f);
            }
            for k in &c.sortby {
                p.reads.insert(&k.field);
            }
            if !c.sortby.is_empty() {
                p.kind = Kind::Transforming;
            }
        }
        Command::Sort(c) => {
            p.kind = Kind::Transforming;
            for k in &c.keys {
                p.reads.insert(&k.field);
            }
        }
        Command::Head(c) => {
            if let Some(e) = &c.condition {
                expr_fields(e, &mut p.reads);
            }
        }
        Command::Tail(_) => p.kind = Kind::Transforming,
        Command::Fillnull(c) => {
            if c.fields.is_empty() {
                // Fills every field present anywhere in the result set: needs them all.
                p.kind = Kind::Transforming;
                p.reads = FieldSet::all();
                p.writes = FieldSet::all();
            } else {
                for f in &c.fields {
                    p.reads.insert(f);
                    p.writes.insert(f);
                }
            }
        }
        Command::Rex(c) => {
            p.reads.insert(&c.field);
            if c.sed {
                p.writes.insert(&c.field);
            } else {
                for name in named_groups(&c.pattern) {
                    p.writes.insert(&name);
                }
            }
            if let Some(o) = &c.offset_field {
                p.writes.insert(o);
            }
        }
        Command::Regex(c) => p.reads.insert(&c.field),
        Command::Bin(c) => {
            p.reads.insert(&c.field);
            p.writes.insert(c.alias.as_deref().unwrap_or(&c.field));
        }
        Command::Lookup(c) => {
            let (reads, writes) = lookup_fields(c, ctx);
            p.reads = reads;
            p.writes = writes;
        }
        Command::Inputlookup(c) => {
            p.kind = Kind::Generating;
            p.writes = match ctx.lookups.get(&c.table) {
                Some(t) => FieldSet::from_names(&t.columns),
                None => FieldSet::all(),
            };
        }
        Command::Top(c) | Command::Rare(c) => {
            p.kind = Kind::Transforming;
            p.projects = true;
            for f in c.fields.iter().chain(&c.by) {
                p.reads.insert(f);
                p.writes.insert(f);
            }
            let option = |name: &str, default: &str| {
                c.options
                    .iter()
                    .find(|o| o.name == name)
                    .map(|o| o.value.clone())
                    .unwrap_or_else(|| default.to_string())
            };
            p.writes.insert(&option("countfield", "count"));
            p.writes.insert(&option("percentfield", "percent"));
        }
        Command::Makemv(ast::Makemv { field, .. }) | Command::Nomv(ast::Nomv { field, .. }) => {
            p.reads.insert(field);
            p.writes.insert(field);
        }
        Command::Mvcombine(c) => {
            // Rows merge when identical in every other field.
            p.kind = Kind::Transforming;
            p.reads = FieldSet::all();
            p.writes.insert(&c.field);
        }
        Command::Makeresults(c) => {
            p.kind = Kind::Generating;
            p.writes.insert("_time");
            if c.annotate {
                p.writes = FieldSet::all();
            }
        }
        Command::Join(c) => {
            // The subsearch runs to completion first; its fields join in.
            for f in &c.fields {
                p.reads.insert(f);
            }
            p.writes = FieldSet::all();
        }
        Command::Append(_) => {
            p.kind = Kind::Transforming;
            p.writes = FieldSet::all();
        }
    }
    p
}

fn aggregation_fields(aggs: &[ast::Aggregation], by: &[String], p: &mut CommandPlan) {
    for a in aggs {
        match &a.argument {
            Some(AggArgument::Field(f)) => p.reads.insert(f),
            Some(AggArgument::Eval(e)) => expr_fields(e, &mut p.reads),
            None => {}
        }
        // earliest()/latest() order by _time (R7).
        if matches!(
            a.function.as_str(),
            "earliest" | "latest" | "earliest_time" | "latest_time" | "rate"
        ) {
            p.reads.insert("_time");
        }
        p.writes.insert(a.output_name());
    }
    for f in by {
        p.reads.insert(f);
        p.writes.insert(f);
    }
}

/// `tstats` over a data model reads the event fields the dataset's constraint and field
/// definitions use (R9.7, CLOUDTRAIL.md §7); names outside the model (`_time`, `index`)
/// are read directly.
fn tstats_fields(c: &ast::Tstats, ctx: &Context, p: &mut CommandPlan) {
    let mut referenced = FieldSet::none();
    if let Some(w) = &c.where_clause {
        search_fields(w, &mut referenced);
    }
    for a in &c.aggregations {
        match &a.argument {
            Some(AggArgument::Field(f)) => referenced.insert(f),
            Some(AggArgument::Eval(e)) => expr_fields(e, &mut referenced),
            None => {}
        }
        p.writes.insert(a.output_name());
    }
    for f in &c.by {
        referenced.insert(f);
        p.writes.insert(f);
    }
    if c.bucket_span.is_some() {
        referenced.insert("_time");
    }
    let Some(dm_ref) = &c.datamodel else {
        p.reads = referenced;
        return;
    };
    let Some(model) = ctx.datamodels.iter().find(|m| m.name == dm_ref.model) else {
        // Unknown model: compile reports it; the plan cannot know what it reads.
        p.reads = FieldSet::all();
        return;
    };
    let mut reads = FieldSet::none();
    for ds in dataset_chain(model, dm_ref.dataset.as_deref()) {
        if let Some(con) = &ds.constraint {
            search_fields(con, &mut reads);
        }
        for field in &ds.fields {
            match &field.expr {
                Some(e) => expr_fields(e, &mut reads),
                None => reads.insert(&field.name),
            }
        }
    }
    // Unprefixed names the search mentions come straight from the events.
    let prefix = dm_ref.dataset.as_deref().map(|d| format!("{d}."));
    for n in &referenced.names {
        if !matches!(prefix.as_deref(), Some(pre) if n.starts_with(pre)) {
            reads.insert(n);
        }
    }
    reads.insert("_time");
    p.reads = reads;
}

/// The dataset and its ancestors (a child inherits its parent's constraint and fields).
fn dataset_chain<'a>(
    model: &'a DataModel,
    dataset: Option<&str>,
) -> Vec<&'a crate::datamodel::DataSet> {
    let mut chain = Vec::new();
    let mut next = dataset
        .map(str::to_string)
        .or_else(|| model.datasets.first().map(|d| d.name.clone()));
    while let Some(name) = next.take() {
        if chain.len() > model.datasets.len() {
            break; // a parent cycle: stop rather than loop
        }
        if let Some(ds) = model.datasets.iter().find(|d| d.name == name) {
            next = ds.parent.clone();
            chain.push(ds);
        }
    }
    chain
}

/// Reads and writes of a `lookup` (command or profile `LOOKUP-`).
pub(crate) fn lookup_fields(c: &ast::Lookup, ctx: &Context) -> (FieldSet, FieldSet) {
    let mut reads = FieldSet::none();
    let mut writes = FieldSet::none();
    for m in &c.inputs {
        reads.insert(m.event_field.as_deref().unwrap_or(&m.lookup_field));
    }
    match &c.output {
        Some(out) => {
            for m in &out.fields {
                let dest = m.event_field.as_deref().unwrap_or(&m.lookup_field);
                writes.insert(dest);
                if out.new_only {
                    // OUTPUTNEW only fills absent fields: it looks at them.
                    reads.insert(dest);
                }
            }
        }
        None => match ctx.lookups.get(&c.table) {
            Some(t) => {
                for col in &t.columns {
                    if !c.inputs.iter().any(|m| &m.lookup_field == col) {
                        writes.insert(col);
                    }
                }
            }
            None => writes = FieldSet::all(),
        },
    }
    (reads, writes)
}

/// The fields a search-language expression looks at. Bare terms read `_raw` (R1.24).
pub fn search_fields(expr: &SearchExpr, out: &mut FieldSet) {
    match expr {
        SearchExpr::And(items) | SearchExpr::Or(items) => {
            items.iter().for_each(|e| search_fields(e, out))
        }
        SearchExpr::Not(e) => search_fields(e, out),
        SearchExpr::Compare { field, .. } | SearchExpr::In { field, .. } => out.insert(field),
        SearchExpr::Term(v) => {
            if v.text != "*" {
                out.insert("_raw");
            }
        }
    }
}

/// The fields an eval expression reads.
pub fn expr_fields(expr: &Expr, out: &mut FieldSet) {
    match expr {
        Expr::Num { .. } | Expr::Str { .. } => {}
        Expr::Field { name, .. } => out.insert(name),
        Expr::Call { name, args, .. } => {
            if name.eq_ignore_ascii_case("searchmatch") {
                // Its argument is a search string: any field, and `_raw`.
                *out = FieldSet::all();
                return;
            }
            args.iter().for_each(|a| expr_fields(a, out));
        }
        Expr::Unary { expr, .. } => expr_fields(expr, out),
        Expr::Binary { lhs, rhs, .. } => {
            expr_fields(lhs, out);
            expr_fields(rhs, out);
        }
        Expr::In { expr, list, .. } => {
            expr_fields(expr, out);
            list.iter().for_each(|a| expr_fields(a, out));
        }
    }
}

/// Named capture groups of a regex (`(?<name>` or `(?P<name>`), which `rex` creates.
fn named_groups(pattern: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = pattern;
    while let Some(i) = rest.find("(?") {
        let after = &rest[i + 2..];
        let after = after.strip_prefix('P').unwrap_or(after);
        if let Some(body) = after.strip_prefix('<') {
            if !body.starts_with('=') && !body.starts_with('!') {
                if let Some(end) = body.find('>') {
                    names.push(body[..end].to_string());
                }
            }
        }
        rest = &rest[i + 2..];
    }
    names
}

#[cfg(test)]
mod tests;
