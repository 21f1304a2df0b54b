//! The required-literal prefilter (issue 6 §3, like Splunk's lispy token filter): from the
//! search's first command, a boolean formula of literals that the raw bytes of every event
//! that can match must contain. Events without them are skipped before any JSON parsing.
//!
//! Soundness is the whole point: the formula may keep too many events, never too few.
//! - Only `field=value` on fields that can only come from `KV_MODE=json` extraction
//!   (CLOUDTRAIL.md §3) and bare terms (matched against `_raw` itself, R1.24) contribute.
//!   Fields the sourcetype profile writes (aliases, calculated fields, lookups, event
//!   types, the timestamp's `date_*`), the default fields and `_*` fields contribute
//!   nothing: their values need not occur in the text (CLOUDTRAIL.md §4).
//! - A JSON-extracted string value occurs in `_raw` modulo escapes (`\/`, `\uXXXX`): an
//!   event whose text has a backslash is also tested on its unescaped text, unless none
//!   of the characters its escapes decode to occurs in a literal (`prefilter/escape.rs`
//!   proves that such a literal cannot occur only in the unescaped text).
//! - Numbers are re-rendered by extraction (`1e1` is `10`), so a value that parses as a
//!   number (or, with wildcards, a run made only of number characters) is not required.
//! - Matching ignores case (R1.6, R1.22): literals are searched ASCII-case-insensitively,
//!   and an event containing a non-ASCII character that Unicode case mapping or folding
//!   turns into ASCII (KELVIN SIGN, LATIN SMALL LETTER LONG S, CAPITAL I WITH DOT) is
//!   always kept.
//! - Wildcards: the longest literal run of the value (R1.18). `NOT`, `!=`, `<`, `>`
//!   contribute nothing (R1.9, R1.12); `OR` needs one of its branches; a CIDR value
//!   (R1.13) contributes nothing.
//!
//! Speed (issue 6: rejecting a typical CloudTrail event must cost far less than reading
//! it): literals are searched in the event's own bytes, ignoring ASCII case, with SIMD
//! (`prefilter/finder.rs`, no lower-cased copy); an event that fails the formula is
//! rejected after one more pass that finds no backslash and no byte ≥ 0x80; a
//! [`Scratch`] shares literal outcomes between the prefilters testing one event and
//! orders each `AND` by how often its literals were found so far.

use crate::datamodel::DataModel;
use crate::plan::{lookup_fields, FieldSet};
use crate::program::Context;
use finder::Finder;
use memchr::memmem;
use minispl_parser::ast::{self, Command, CompareOp, Expr, Pipeline, SearchExpr};
use std::fmt;
use std::hash::{Hash, Hasher};

mod escape;
// The crate denies `unsafe`; the SIMD kernels of the literal search are the one place
// that needs it (issue 6), each block with its `SAFETY:` comment.
#[allow(unsafe_code)]
mod finder;

/// A formula over literal indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Formula {
    /// No requirement: every event may match.
    True,
    /// The literal with this index into [`Prefilter::literals`] must occur.
    Lit(usize),
    And(Vec<Formula>),
    Or(Vec<Formula>),
}

/// A compiled prefilter: literals (lower-cased ASCII) and the formula over them.
#[derive(Debug, Clone)]
pub struct Prefilter {
    literals: Vec<String>,
    /// Per literal: its case-insensitive finder, a hash of its text (the key of
    /// [`Scratch`]'s shared outcomes), and the set of its bytes ([`escape::ascii_set`]:
    /// which decoded escapes can affect it).
    finders: Vec<Finder>,
    keys: Vec<u64>,
    bytes: Vec<u128>,
    formula: Formula,
    /// Unique per derived prefilter (clones share it): [`Scratch`] remembers which of its
    /// entries are this prefilter's literals.
    id: u64,
}

/// Source of [`Prefilter`] ids (0 is `keep_all`, which tests nothing).
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The event being tested, shared by any number of prefilters testing it (one pass for
/// several detections): the outcomes of literals already searched for in its raw text,
/// what its escapes decode to, and on demand its unescaped text. Nothing is copied from
/// the event up front (issue 6: literals are searched case-insensitively in the raw bytes
/// themselves), and buffers are reused, so testing an event allocates nothing once they
/// have grown.
///
/// A scratch used for a stream of events also counts how often each literal was found,
/// so that an `AND` tests the literal found least often first (issue 6: the most
/// selective literal rejects the event after one search). Order never changes an
/// outcome, only its cost.
#[derive(Debug)]
pub struct Scratch {
    /// One entry per literal text seen (shared by prefilters through the text); the text
    /// is a range of `memo_text`.
    memo: Vec<Memo>,
    memo_text: String,
    /// Per prefilter seen (by id): the entry of each of its literals, so testing one
    /// costs no text comparison.
    bindings: Vec<(u64, Vec<usize>)>,
    /// Counts events: an entry's outcome is for the current event when its `event` is
    /// this.
    event: u64,
    /// Computed the first time a formula fails on the raw text of this event.
    special: Option<Special>,
    /// The unescaped text, once computed for this event (`special` is `Escaped`).
    unescaped: String,
    unescaped_ready: bool,
}

impl Default for Scratch {
    fn default() -> Scratch {
        Scratch {
            memo: Vec::new(),
            memo_text: String::new(),
            bindings: Vec::new(),
            // Entries start at 0: never the current event.
            event: 1,
            special: None,
            unescaped: String::new(),
            unescaped_ready: false,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Memo {
    key: u64,
    start: usize,
    end: usize,
    /// The event `hit` is for.
    event: u64,
    hit: bool,
    /// Over the events of this scratch: how many times the literal was searched for,
    /// and found (saturating; halved together when large so the rate keeps adapting).
    tests: u32,
    hits: u32,
}

/// More distinct literals than any realistic set of detections: past this the entries
/// are dropped (a scratch reused for ever-new searches stays small).
const MEMO_LIMIT: usize = 256;

/// What decides an event that failed a formula on its raw text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    /// No backslash and no case-confusable character: rejected.
    Plain,
    /// Kept whatever the formula (malformed escape, case-confusable character).
    Keep,
    /// Escapes decoding to these ASCII characters ([`escape::ascii_set`]).
    Escaped(u128),
}

impl Scratch {
    /// Prepare for testing `raw` (forget the previous event's outcomes).
    pub fn load(&mut self, raw: &str) {
        let _ = raw;
        self.event += 1;
        if self.memo.len() > MEMO_LIMIT || self.bindings.len() > MEMO_LIMIT {
            self.memo.clear();
            self.memo_text.clear();
            self.bindings.clear();
        }
        self.special = None;
        self.unescaped_ready = false;
    }

    /// [`Scratch::load`] for a `raw` already known to be ASCII without a backslash (the
    /// reader's validator saw every byte, issue 6): a formula failing on it rejects it
    /// without the pass looking for escapes and non-ASCII bytes.
    pub fn load_plain(&mut self, raw: &str) {
        debug_assert!(raw.is_ascii() && !raw.contains('\\'));
        self.load(raw);
        self.special = Some(Special::Plain);
    }

    /// The index into `bindings` of `p`'s entries, created if new.
    fn bind(&mut self, p: &Prefilter) -> usize {
        if let Some(b) = self.bindings.iter().position(|(id, _)| *id == p.id) {
            return b;
        }
        let entries = (0..p.literals.len()).map(|i| self.entry(p, i)).collect();
        self.bindings.push((p.id, entries));
        self.bindings.len() - 1
    }

    /// The entry of literal `i` of `p`, created if new.
    fn entry(&mut self, p: &Prefilter, i: usize) -> usize {
        let (key, text) = (p.keys[i], p.literals[i].as_str());
        let memo_text = &self.memo_text;
        if let Some(e) = self
            .memo
            .iter()
            .position(|m| m.key == key && &memo_text[m.start..m.end] == text)
        {
            return e;
        }
        let start = self.memo_text.len();
        self.memo_text.push_str(text);
        self.memo.push(Memo {
            key,
            start,
            end: self.memo_text.len(),
            event: 0,
            hit: false,
            tests: 0,
            hits: 0,
        });
        self.memo.len() - 1
    }

    /// The outcome of entry `e` for this event, if already searched.
    fn known(&self, e: usize) -> Option<bool> {
        let m = &self.memo[e];
        (m.event == self.event).then_some(m.hit)
    }

    /// Does literal `i` of `p` (entry `e`) occur in `raw`, ignoring ASCII case? Searched
    /// once per event.
    fn search(&mut self, p: &Prefilter, i: usize, e: usize, raw: &[u8]) -> bool {
        if let Some(hit) = self.known(e) {
            return hit;
        }
        let hit = p.finders[i].is_in(raw);
        let m = &mut self.memo[e];
        m.event = self.event;
        m.hit = hit;
        if m.tests == u32::MAX / 2 {
            m.tests /= 2;
            m.hits /= 2;
        }
        m.tests += 1;
        m.hits += u32::from(hit);
        hit
    }

    /// Is entry `a` found less often than entry `b` so far? (Laplace-smoothed rates,
    /// compared without division.)
    fn rarer(&self, a: usize, b: usize) -> bool {
        let (a, b) = (&self.memo[a], &self.memo[b]);
        (u64::from(a.hits) + 1) * (u64::from(b.tests) + 2)
            < (u64::from(b.hits) + 1) * (u64::from(a.tests) + 2)
    }

    /// Has entry `e` been found in most of the (enough) events it was searched in?
    fn mostly_found(&self, e: usize) -> bool {
        let m = &self.memo[e];
        m.tests >= 64 && u64::from(m.hits) * 2 > u64::from(m.tests)
    }

    /// The items of an `AND` other than its first `handful` literals (those are searched
    /// by the caller): nested formulas, and literals beyond the handful.
    fn eval_nested(
        &mut self,
        p: &Prefilter,
        b: usize,
        items: &[Formula],
        handful: usize,
        raw: &[u8],
    ) -> bool {
        let mut seen = 0;
        items.iter().all(|item| match item {
            Formula::Lit(_) if seen < handful => {
                seen += 1;
                true
            }
            _ => self.eval_raw(p, b, item, raw),
        })
    }

    /// Evaluate `f` of `p` on the raw text.
    fn eval_raw(&mut self, p: &Prefilter, b: usize, f: &Formula, raw: &[u8]) -> bool {
        match f {
            Formula::True => true,
            Formula::Lit(i) => {
                let e = self.bindings[b].1[*i];
                self.search(p, *i, e, raw)
            }
            Formula::And(items) => {
                // The literals of the AND (up to a handful, on the stack): one already
                // known absent decides at no cost; the others are searched least often
                // found first.
                let mut lits = [(0usize, 0usize); 8];
                let mut n = 0;
                for item in items {
                    if let (Formula::Lit(i), true) = (item, n < lits.len()) {
                        let e = self.bindings[b].1[*i];
                        if self.known(e) == Some(false) {
                            return false;
                        }
                        lits[n] = (*i, e);
                        n += 1;
                    }
                }
                // Literals found in most events so far reject few: when all of them are
                // such (an implied literal, `implied`, can be), the nested formulas are
                // tried first. Order never changes the outcome, only its cost.
                let nested_first =
                    n > 0 && n < items.len() && (0..n).all(|k| self.mostly_found(lits[k].1));
                if nested_first && !self.eval_nested(p, b, items, lits.len(), raw) {
                    return false;
                }
                while n > 0 {
                    let mut best = 0;
                    for k in 1..n {
                        if self.rarer(lits[k].1, lits[best].1) {
                            best = k;
                        }
                    }
                    let (i, e) = lits[best];
                    if !self.search(p, i, e, raw) {
                        return false;
                    }
                    n -= 1;
                    lits[best] = lits[n];
                }
                nested_first || self.eval_nested(p, b, items, lits.len(), raw)
            }
            Formula::Or(items) => {
                // A literal already known present decides at no cost.
                for item in items {
                    if let Formula::Lit(i) = item {
                        let e = self.bindings[b].1[*i];
                        if self.known(e) == Some(true) {
                            return true;
                        }
                    }
                }
                items.iter().any(|item| self.eval_raw(p, b, item, raw))
            }
        }
    }

    /// How an event that failed a formula on its raw text is decided (once per event).
    fn special(&mut self, raw: &str) -> Special {
        *self.special.get_or_insert_with(|| {
            let bytes = raw.as_bytes();
            if !finder::backslash_or_non_ascii(bytes) {
                return Special::Plain;
            }
            if !bytes.is_ascii() && has_case_confusable(bytes) {
                return Special::Keep;
            }
            if memchr::memchr(b'\\', bytes).is_none() {
                return Special::Plain;
            }
            match escape::scan(raw) {
                escape::Escapes::Keep => Special::Keep,
                escape::Escapes::Decoded(set) => Special::Escaped(set),
            }
        })
    }
}

impl Prefilter {
    /// The prefilter that keeps every event.
    pub fn keep_all() -> Prefilter {
        Prefilter {
            literals: Vec::new(),
            finders: Vec::new(),
            keys: Vec::new(),
            bytes: Vec::new(),
            formula: Formula::True,
            id: 0,
        }
    }

    /// Derive the prefilter of `pipeline` against `ctx` (profiles, data models). Only the
    /// first command filters index events: a `search` or a `tstats` over a data model.
    pub fn derive(pipeline: &Pipeline, ctx: &Context) -> Prefilter {
        let mut b = Builder {
            literals: Vec::new(),
            excluded: excluded_fields(ctx),
        };
        let formula = match pipeline.commands.first() {
            Some(Command::Search(ast::Search { expr: Some(e), .. })) => {
                b.search(e, &|f| Some(f.to_string()))
            }
            Some(Command::Tstats(t)) => b.tstats(t, ctx),
            _ => Formula::True,
        };
        Prefilter::build(b.literals, formula)
    }

    /// The prefilter keeping what any of `prefilters` may keep: their formulas under one
    /// `OR` over their literals, each text once. Testing it gives exactly
    /// `prefilters.iter().any(|p| p.may_match(raw))` (each literal test only widens from
    /// the raw text to the unescaped one, so the `OR` of the parts is the part of the
    /// `OR`), in one evaluation (issue 6: the reader's filter for several detections).
    pub fn any_of(prefilters: &[Prefilter]) -> Prefilter {
        let mut literals: Vec<String> = Vec::new();
        let mut parts = Vec::with_capacity(prefilters.len());
        for p in prefilters {
            let index: Vec<usize> = p
                .literals
                .iter()
                .map(|l| match literals.iter().position(|x| x == l) {
                    Some(i) => i,
                    None => {
                        literals.push(l.clone());
                        literals.len() - 1
                    }
                })
                .collect();
            parts.push(renumber(&p.formula, &index));
        }
        Prefilter::build(literals, Formula::Or(parts))
    }

    fn build(mut literals: Vec<String>, formula: Formula) -> Prefilter {
        let mut formula = simplify(formula);
        if formula == Formula::True {
            return Prefilter::keep_all();
        }
        // An OR whose branches each need a literal containing the same text: that text
        // is searched first, once for all of them (issue 6: the detections' union needs
        // "putimage" or "describeimagescanfindings" in every record, two searches; both
        // hold "image", found in ≈ 3% of CloudTrail records). Sound because a literal
        // found (in the raw or the unescaped text) contains each of its parts.
        if let Formula::Or(_) = &formula {
            if let Some(part) = implied(&formula, &literals).into_iter().next() {
                let i = match literals.iter().position(|l| *l == part) {
                    Some(i) => i,
                    None => {
                        literals.push(part);
                        literals.len() - 1
                    }
                };
                formula = Formula::And(vec![Formula::Lit(i), formula]);
            }
        }
        let finders = literals.iter().map(|l| Finder::new(l.as_bytes())).collect();
        let keys = literals
            .iter()
            .map(|l| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                l.hash(&mut h);
                h.finish()
            })
            .collect();
        let bytes = literals
            .iter()
            .map(|l| escape::ascii_set(l.as_bytes()))
            .collect();
        Prefilter {
            literals,
            finders,
            keys,
            bytes,
            formula,
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// True when the prefilter keeps every event (nothing to test).
    pub fn is_trivial(&self) -> bool {
        self.formula == Formula::True
    }

    pub fn formula(&self) -> &Formula {
        &self.formula
    }

    pub fn literals(&self) -> &[String] {
        &self.literals
    }

    /// May an event with this raw text match the search? False only if it cannot.
    pub fn may_match(&self, raw: &str, scratch: &mut Scratch) -> bool {
        if self.is_trivial() {
            return true;
        }
        scratch.load(raw);
        self.may_match_loaded(raw, scratch)
    }

    /// As [`Prefilter::may_match`], with `scratch` already loaded with `raw`
    /// ([`Scratch::load`]): several prefilters share the outcome of literals they have in
    /// common.
    pub fn may_match_loaded(&self, raw: &str, scratch: &mut Scratch) -> bool {
        if self.is_trivial() {
            return true;
        }
        let bytes = raw.as_bytes();
        let b = scratch.bind(self);
        if scratch.eval_raw(self, b, &self.formula, bytes) {
            return true;
        }
        let decoded = match scratch.special(raw) {
            Special::Plain => return false,
            Special::Keep => return true,
            Special::Escaped(decoded) => decoded,
        };
        // A JSON string value may be written with escapes: a literal may occur in the
        // raw text or in the unescaped text; in the latter without occurring in the raw
        // text only if one of its characters is decoded from an escape (`escape.rs`).
        let affected = |i: usize| self.bytes[i] & decoded != 0;
        if !(0..self.literals.len()).any(affected) {
            return false;
        }
        if !scratch.unescaped_ready {
            scratch.unescaped.clear();
            if !escape::unescape_into(raw, &mut scratch.unescaped) {
                // `special` has checked every escape; kept should it ever disagree.
                return true;
            }
            scratch.unescaped_ready = true;
        }
        let unescaped = std::mem::take(&mut scratch.unescaped);
        let keep = self.formula.holds(&mut |i| {
            let e = scratch.bindings[b].1[i];
            scratch.search(self, i, e, bytes)
                || (affected(i) && self.finders[i].is_in(unescaped.as_bytes()))
        });
        scratch.unescaped = unescaped;
        keep
    }
}

impl Formula {
    /// Does the formula hold when literal `i` is found exactly when `found(i)`?
    pub fn holds(&self, found: &mut dyn FnMut(usize) -> bool) -> bool {
        match self {
            Formula::True => true,
            Formula::Lit(i) => found(*i),
            Formula::And(items) => items.iter().all(|x| x.holds(found)),
            Formula::Or(items) => items.iter().any(|x| x.holds(found)),
        }
    }
}

/// Non-ASCII characters whose lower case (R1.6, `to_lowercase`) or simple case folding
/// (terms, regex `(?i)`) is ASCII: U+212A KELVIN SIGN (k), U+017F LONG S (s), U+0130
/// CAPITAL I WITH DOT (i + U+0307).
fn has_case_confusable(b: &[u8]) -> bool {
    [&b"\xE2\x84\xAA"[..], b"\xC5\xBF", b"\xC4\xB0"]
        .iter()
        .any(|n| memmem::find(b, n).is_some())
}

/// The text with every JSON escape resolved (`\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`,
/// `\t`, `\uXXXX` with surrogate pairs). Outside strings valid JSON has no backslash, so
/// each string's decoded value is a substring of the result. `None` when an escape is
/// malformed (the caller then keeps the event).
pub fn unescape_json(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    escape::unescape_into(raw, &mut out).then_some(out)
}

/// Fields whose values need not occur in `_raw`: defaults, internal fields, and every
/// field a profile writes.
struct Excluded {
    names: Vec<&'static str>,
    written: FieldSet,
}

impl Excluded {
    fn contains(&self, field: &str) -> bool {
        field.starts_with('_')
            || field.starts_with("date_")
            || field.starts_with("tag::")
            || self.names.contains(&field)
            || self.written.contains(field)
    }
}

fn excluded_fields(ctx: &Context) -> Excluded {
    let mut written = FieldSet::none();
    for p in &ctx.profiles {
        for a in &p.aliases {
            written.insert(&a.to);
        }
        for c in &p.calculated {
            written.insert(&c.name);
        }
        for l in &p.lookups {
            written.extend(&lookup_fields(l, ctx).1);
        }
    }
    Excluded {
        names: vec![
            "sourcetype",
            "source",
            "host",
            "index",
            "eventtype",
            "tag",
            "linecount",
            "punct",
            "splunk_server",
            "timestartpos",
            "timeendpos",
        ],
        written,
    }
}

struct Builder {
    literals: Vec<String>,
    excluded: Excluded,
}

impl Builder {
    fn literal(&mut self, text: String) -> Formula {
        let i = match self.literals.iter().position(|l| *l == text) {
            Some(i) => i,
            None => {
                self.literals.push(text);
                self.literals.len() - 1
            }
        };
        Formula::Lit(i)
    }

    /// `field_of` maps a field name in the expression to the event field whose value is
    /// compared (identity for `search`; `Dataset.name` → event field for `tstats`), or
    /// `None` when the value is computed.
    fn search(&mut self, e: &SearchExpr, field_of: &dyn Fn(&str) -> Option<String>) -> Formula {
        match e {
            SearchExpr::And(items) => {
                Formula::And(items.iter().map(|x| self.search(x, field_of)).collect())
            }
            SearchExpr::Or(items) => {
                Formula::Or(items.iter().map(|x| self.search(x, field_of)).collect())
            }
            // NOT contributes nothing: an event lacking a literal may satisfy it.
            SearchExpr::Not(_) => Formula::True,
            SearchExpr::Compare {
                field,
                op: CompareOp::Eq,
                value,
                ..
            } => self.compare(field, &value.text, field_of),
            SearchExpr::Compare { .. } => Formula::True,
            // R1.15: IN is an OR of equalities.
            SearchExpr::In { field, values, .. } => Formula::Or(
                values
                    .iter()
                    .map(|v| self.compare(field, &v.text, field_of))
                    .collect(),
            ),
            SearchExpr::Term(v) => {
                // R1.26: a phrase's words may be separated by any whitespace; `*` by any
                // run of non-breakers. TERM/CASE only narrow the match.
                match longest_run(&v.text, true, false) {
                    Some(l) => self.literal(l),
                    None => Formula::True,
                }
            }
        }
    }

    fn compare(
        &mut self,
        field: &str,
        value: &str,
        field_of: &dyn Fn(&str) -> Option<String>,
    ) -> Formula {
        let Some(event_field) = field_of(field) else {
            return Formula::True;
        };
        if event_field.contains('*') || self.excluded.contains(&event_field) {
            return Formula::True;
        }
        if is_cidr(value) {
            return Formula::True;
        }
        // A JSON number is re-rendered by extraction (`1e1` is `10`), and always reads
        // back as a number: a value that does not parse as one can only equal a string
        // (or `true`/`false`), which occurs in the text. With wildcards, a run made only
        // of number characters could fall inside a rendered number.
        let exact = !value.contains('*');
        if exact && value.trim().parse::<f64>().is_ok() {
            return Formula::True;
        }
        match longest_run(value, false, !exact) {
            Some(l) => self.literal(l),
            None => Formula::True,
        }
    }

    fn tstats(&mut self, t: &ast::Tstats, ctx: &Context) -> Formula {
        let Some(dm) = &t.datamodel else {
            return Formula::True;
        };
        let Some(model) = ctx.datamodels.iter().find(|m| m.name == dm.model) else {
            return Formula::True;
        };
        let Some(lineage) = lineage(model, dm.dataset.as_deref()) else {
            return Formula::True;
        };
        let mut parts = Vec::new();
        for ds in &lineage {
            if let Some(c) = &ds.constraint {
                parts.push(self.search(c, &|f| Some(f.to_string())));
            }
        }
        if let Some(w) = &t.where_clause {
            let target = lineage[0].name.clone();
            // `Target.name` is the event field only when exactly one dataset of the
            // lineage defines `name`, as a plain field reference, without a fill value.
            let field_of = |f: &str| -> Option<String> {
                let name = f.strip_prefix(target.as_str())?.strip_prefix('.')?;
                let mut defs = lineage
                    .iter()
                    .flat_map(|d| d.fields.iter())
                    .filter(|x| x.name == name);
                let def = defs.next()?;
                if defs.next().is_some() || def.fill.is_some() {
                    return None;
                }
                match &def.expr {
                    None => Some(def.name.clone()),
                    Some(Expr::Field { name, .. }) => Some(name.clone()),
                    Some(_) => None,
                }
            };
            parts.push(self.search(w, &field_of));
        }
        Formula::And(parts)
    }
}

/// The dataset and its ancestors, target first; `None` on a broken definition (the
/// command reports it).
fn lineage<'a>(
    model: &'a DataModel,
    dataset: Option<&str>,
) -> Option<Vec<&'a crate::datamodel::DataSet>> {
    let target = match dataset {
        Some(name) => model.datasets.iter().find(|d| d.name == name)?,
        None => model.datasets.iter().find(|d| d.parent.is_none())?,
    };
    let mut out = vec![target];
    while let Some(parent) = &out[out.len() - 1].parent {
        let p = model.datasets.iter().find(|d| &d.name == parent)?;
        if out.iter().any(|d| d.name == p.name) {
            return None;
        }
        out.push(p);
    }
    Some(out)
}

/// A CIDR value matches addresses that do not contain its text (R1.13).
fn is_cidr(value: &str) -> bool {
    value
        .split_once('/')
        .is_some_and(|(addr, _)| addr.trim().parse::<std::net::IpAddr>().is_ok())
}

/// The longest run of the value that must occur literally, lower-cased: split at `*`
/// (R1.18), at non-ASCII characters (their case mapping is not byte-for-byte), and for
/// terms at whitespace. For field values, a run made only of number characters is not
/// used (extraction re-renders JSON numbers).
fn longest_run(text: &str, split_whitespace: bool, skip_numeric: bool) -> Option<String> {
    text.split(|c: char| c == '*' || !c.is_ascii() || (split_whitespace && c.is_whitespace()))
        .filter(|r| !r.is_empty())
        .filter(|r| {
            !skip_numeric
                || !r
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        })
        .max_by_key(|r| r.len())
        .map(str::to_ascii_lowercase)
}

/// The shortest text worth a search of its own as an implied literal.
const MIN_IMPLIED: usize = 4;

/// Texts every event `f` keeps contains: each is part of a literal `f` requires.
fn implied(f: &Formula, literals: &[String]) -> Vec<String> {
    match f {
        Formula::True => Vec::new(),
        Formula::Lit(i) => vec![literals[*i].clone()],
        Formula::And(items) => items.iter().flat_map(|x| implied(x, literals)).collect(),
        Formula::Or(items) => {
            let sets: Vec<Vec<String>> = items.iter().map(|x| implied(x, literals)).collect();
            common_part(&sets).into_iter().collect()
        }
    }
}

/// The longest text of at least [`MIN_IMPLIED`] bytes that, in every set, is part of
/// one of its texts.
fn common_part(sets: &[Vec<String>]) -> Option<String> {
    let (first, rest) = sets.split_first()?;
    let mut best: Option<&str> = None;
    for text in first {
        for start in 0..text.len() {
            for end in (start + MIN_IMPLIED..=text.len()).rev() {
                if best.is_some_and(|b| b.len() >= end - start) {
                    break;
                }
                let Some(part) = text.get(start..end) else {
                    continue;
                };
                if rest.iter().all(|set| set.iter().any(|t| t.contains(part))) {
                    best = Some(part);
                    break;
                }
            }
        }
    }
    best.map(str::to_string)
}

/// `f` with literal `i` renamed `index[i]`.
fn renumber(f: &Formula, index: &[usize]) -> Formula {
    match f {
        Formula::True => Formula::True,
        Formula::Lit(i) => Formula::Lit(index[*i]),
        Formula::And(items) => Formula::And(items.iter().map(|x| renumber(x, index)).collect()),
        Formula::Or(items) => Formula::Or(items.iter().map(|x| renumber(x, index)).collect()),
    }
}

fn simplify(f: Formula) -> Formula {
    match f {
        Formula::And(items) => {
            let mut out: Vec<Formula> = Vec::new();
            for x in items.into_iter().map(simplify) {
                match x {
                    Formula::True => {}
                    Formula::And(inner) => out.extend(inner),
                    x if !out.contains(&x) => out.push(x),
                    _ => {}
                }
            }
            // Single literals first: `AND` stops at the first absent one, and a literal is
            // one search where an `OR` may be many (the `tstats` constraint lists six EC2
            // calls).
            out.sort_by_key(|x| !matches!(x, Formula::Lit(_)));
            match out.len() {
                0 => Formula::True,
                1 => out.pop().unwrap_or(Formula::True),
                _ => Formula::And(out),
            }
        }
        Formula::Or(items) => {
            let mut out: Vec<Formula> = Vec::new();
            for x in items.into_iter().map(simplify) {
                match x {
                    Formula::True => return Formula::True,
                    Formula::Or(inner) => out.extend(inner),
                    x if !out.contains(&x) => out.push(x),
                    _ => {}
                }
            }
            match out.len() {
                0 => Formula::True,
                1 => out.pop().unwrap_or(Formula::True),
                _ => Formula::Or(out),
            }
        }
        x => x,
    }
}

impl fmt::Display for Prefilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn write(p: &Prefilter, x: &Formula, top: bool, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match x {
                Formula::True => f.write_str("*"),
                Formula::Lit(i) => write!(f, "{:?}", p.literals[*i]),
                Formula::And(items) | Formula::Or(items) => {
                    let sep = if matches!(x, Formula::And(_)) {
                        " AND "
                    } else {
                        " OR "
                    };
                    if !top {
                        f.write_str("(")?;
                    }
                    for (n, item) in items.iter().enumerate() {
                        if n > 0 {
                            f.write_str(sep)?;
                        }
                        write(p, item, false, f)?;
                    }
                    if !top {
                        f.write_str(")")?;
                    }
                    Ok(())
                }
            }
        }
        write(self, &self.formula, true, f)
    }
}

#[cfg(test)]
mod tests;
