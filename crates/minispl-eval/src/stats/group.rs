//! Aggregation lists and BY grouping shared by `stats`, `eventstats`, `streamstats`,
//! `tstats`: compile `agg(arg) [AS name], ...`, extract each row's inputs, feed grouped
//! accumulators, and produce result rows in Splunk's shape (R7.1–R7.7).

use super::{observations, Accumulator, AggFunction};
use crate::env::Env;
use crate::error::EvalError;
use crate::expr::CompiledExpr;
use crate::row::{KnownName, Row};
use crate::value::{parse_number, CompactString, Value};
use crate::wildcard;
use minispl_parser::ast::{AggArgument, Aggregation};
use minispl_parser::Span;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

/// What one aggregation reads from a row.
#[derive(Debug)]
enum AggInput {
    /// Plain `count`: one observation per row.
    Rows,
    Field(String),
    /// `avg(*lay)`: every field whose name matches (R7.7), each aggregated on its own.
    Wildcard {
        pattern: String,
        /// The alias with its `*`s, if any (`avg(*) AS avg_*`).
        alias: Option<String>,
        /// `avg(` — the default column name is this plus the field plus `)`.
        default_prefix: String,
    },
    /// `count(eval(pred))`, `sum(eval(x*2))`.
    Eval(CompiledExpr),
}

/// One compiled aggregation.
#[derive(Debug)]
pub struct AggSpec {
    pub function: AggFunction,
    input: AggInput,
    /// The output column (`AS` alias, else the text as written, R7.2).
    pub output: String,
    pub span: Span,
}

/// The aggregations of one command, in the order written.
#[derive(Debug)]
pub struct AggSet {
    pub specs: Vec<AggSpec>,
}

/// One row's inputs to every aggregation, extracted once so that a row feeding several
/// groups (multivalue BY, R7.4) or a window (streamstats) evaluates `eval(...)` once.
#[derive(Debug, Clone)]
pub struct RowInputs<'r> {
    pub time: Option<f64>,
    /// Inline for the usual few aggregations: no allocation per row (issue 6).
    inputs: smallvec::SmallVec<[Input<'r>; 4]>,
}

#[derive(Debug, Clone)]
enum Input<'r> {
    One(Cow<'r, Value>),
    Wild(Vec<(Cow<'r, str>, Cow<'r, Value>)>),
}

impl RowInputs<'_> {
    /// Detach from the row (streamstats keeps a window of inputs, not of rows).
    pub fn into_owned(self) -> RowInputs<'static> {
        RowInputs {
            time: self.time,
            inputs: self
                .inputs
                .into_iter()
                .map(|i| match i {
                    Input::One(v) => Input::One(Cow::Owned(v.into_owned())),
                    Input::Wild(list) => Input::Wild(
                        list.into_iter()
                            .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())))
                            .collect(),
                    ),
                })
                .collect(),
        }
    }
}

/// Accumulators for one group.
#[derive(Debug)]
pub struct AggState {
    slots: Vec<Slot>,
    /// Made of [`AggFunction::partial`] accumulators (a worker's part of the input).
    partial: bool,
}

#[derive(Debug)]
enum Slot {
    One(Box<dyn Accumulator>),
    /// Per matched field name, in name order (the output column order we chose for
    /// wildcard aggregations).
    Wild(BTreeMap<String, Box<dyn Accumulator>>),
}

impl AggSet {
    /// Compile an aggregation list. Unknown functions and a field renamed twice (R7.7)
    /// are errors with the aggregation's span.
    pub fn compile(aggs: &[Aggregation]) -> Result<AggSet, EvalError> {
        let mut specs = Vec::with_capacity(aggs.len());
        for (i, agg) in aggs.iter().enumerate() {
            let function = AggFunction::resolve(&agg.function).ok_or_else(|| {
                EvalError::at(
                    format!("unknown aggregation function `{}`", agg.function),
                    agg.span,
                )
            })?;
            // R7.7: `first(host) AS a, first(host) AS b` is invalid.
            if agg.alias.is_some()
                && aggs[..i]
                    .iter()
                    .any(|a| a.alias.is_some() && a.default_name == agg.default_name)
            {
                return Err(EvalError::at(
                    format!("`{}` cannot be renamed twice", agg.default_name),
                    agg.span,
                ));
            }
            let input = match &agg.argument {
                None => AggInput::Rows,
                Some(AggArgument::Field(f)) if f.contains('*') => AggInput::Wildcard {
                    pattern: f.clone(),
                    alias: agg.alias.clone(),
                    default_prefix: match agg.default_name.find('(') {
                        Some(p) => agg.default_name[..=p].to_string(),
                        None => format!("{}(", agg.function),
                    },
                },
                Some(AggArgument::Field(f)) => AggInput::Field(f.clone()),
                Some(AggArgument::Eval(e)) => {
                    AggInput::Eval(CompiledExpr::compile(e).map_err(|e| e.or_at(agg.span))?)
                }
            };
            specs.push(AggSpec {
                function,
                input,
                output: agg.output_name().to_string(),
                span: agg.span,
            });
        }
        Ok(AggSet { specs })
    }

    /// Empty accumulators for a new group.
    pub fn new_state(&self) -> AggState {
        self.state(false)
    }

    /// Empty accumulators, partial ones ([`AggFunction::partial`]) with `partial`.
    fn state(&self, partial: bool) -> AggState {
        AggState {
            slots: self
                .specs
                .iter()
                .map(|s| match s.input {
                    AggInput::Wildcard { .. } => Slot::Wild(BTreeMap::new()),
                    _ => Slot::One(fresh(s.function, partial)),
                })
                .collect(),
            partial,
        }
    }

    /// Take in `later`, a partial state of the same aggregations over input that came
    /// after all of `state`'s ([`Accumulator::merge`], issue 6).
    fn merge(&self, state: &mut AggState, later: AggState) {
        for ((spec, slot), later) in self.specs.iter().zip(&mut state.slots).zip(later.slots) {
            match (slot, later) {
                (Slot::One(acc), Slot::One(l)) => acc.merge(l),
                (Slot::Wild(map), Slot::Wild(l)) => {
                    for (name, l) in l {
                        map.entry(name)
                            .or_insert_with(|| fresh(spec.function, state.partial))
                            .merge(l);
                    }
                }
                // Both states come from this set.
                _ => {}
            }
        }
    }

    /// Read what every aggregation needs from `row`.
    pub fn extract<'r>(&self, row: &'r Row, env: &Env) -> Result<RowInputs<'r>, EvalError> {
        self.extract_with(row, env, true)
    }

    /// Does an aggregation look at the row's `_time` (`earliest`, `latest`, ...)?
    fn needs_time(&self) -> bool {
        use super::AggFunction::*;
        self.specs
            .iter()
            .any(|s| matches!(s.function, Earliest | Latest | EarliestTime | LatestTime))
    }

    /// [`AggSet::extract`]; `_time` is read only with `time` (issue 6: a hash lookup per
    /// row that `count`/`dc` never use).
    fn extract_with<'r>(
        &self,
        row: &'r Row,
        env: &Env,
        time: bool,
    ) -> Result<RowInputs<'r>, EvalError> {
        let mut inputs = smallvec::SmallVec::with_capacity(self.specs.len());
        for spec in &self.specs {
            inputs.push(match &spec.input {
                AggInput::Rows => Input::One(Cow::Owned(Value::Num(1.0))),
                AggInput::Field(f) => Input::One(Cow::Borrowed(row.get(f))),
                AggInput::Wildcard { pattern, .. } => Input::Wild(
                    row.iter()
                        .filter(|(name, _)| wildcard::matches(pattern, name, false))
                        .map(|(name, v)| (Cow::Borrowed(name.as_str()), Cow::Borrowed(v)))
                        .collect(),
                ),
                AggInput::Eval(expr) => {
                    let v = expr.eval(row, env).map_err(|e| e.or_at(spec.span))?;
                    // EC-103: `count(eval(pred))` counts rows where pred is TRUE, so a
                    // false predicate is no observation, like null.
                    Input::One(Cow::Owned(match v {
                        Value::Bool(false) => Value::Null,
                        other => other,
                    }))
                }
            });
        }
        Ok(RowInputs {
            time: if time { row.time() } else { None },
            inputs,
        })
    }

    /// Feed one row's inputs into a group's accumulators.
    pub fn add(&self, state: &mut AggState, inputs: &RowInputs<'_>) {
        let partial = state.partial;
        for ((spec, slot), input) in self.specs.iter().zip(&mut state.slots).zip(&inputs.inputs) {
            match (slot, input) {
                (Slot::One(acc), Input::One(v)) => {
                    for obs in observations(v) {
                        acc.add(obs, inputs.time);
                    }
                }
                (Slot::Wild(map), Input::Wild(list)) => {
                    for (name, v) in list {
                        let acc = match map.get_mut(name.as_ref()) {
                            Some(acc) => acc,
                            None => map
                                .entry(name.to_string())
                                .or_insert_with(|| fresh(spec.function, partial)),
                        };
                        for obs in observations(v) {
                            acc.add(obs, inputs.time);
                        }
                    }
                }
                // Inputs always come from `extract` on the same set.
                _ => {}
            }
        }
    }

    /// Output columns and values in order: aggregations as written, a wildcard
    /// aggregation expanding to one column per matched field in name order.
    pub fn results(&self, state: &AggState) -> Vec<(String, Value)> {
        let mut out = Vec::with_capacity(self.specs.len());
        for (spec, slot) in self.specs.iter().zip(&state.slots) {
            match (slot, &spec.input) {
                (Slot::One(acc), _) => out.push((spec.output.clone(), acc.result())),
                (
                    Slot::Wild(map),
                    AggInput::Wildcard {
                        pattern,
                        alias,
                        default_prefix,
                    },
                ) => {
                    for (field, acc) in map {
                        let name = match alias {
                            Some(a) => {
                                let caps =
                                    wildcard::captures(pattern, field, false).unwrap_or_default();
                                wildcard::substitute(a, &caps)
                            }
                            None => format!("{default_prefix}{field})"),
                        };
                        out.push((name, acc.result()));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Output names known before running (wildcard aggregations are not).
    pub fn fixed_outputs(&self) -> impl Iterator<Item = &str> {
        self.specs
            .iter()
            .filter(|s| !matches!(s.input, AggInput::Wildcard { .. }))
            .map(|s| s.output.as_str())
    }

    /// The fields the aggregations read (for the plan); `eval(...)` arguments report the
    /// expression's fields.
    pub fn read_fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        for spec in &self.specs {
            match &spec.input {
                AggInput::Rows => {}
                AggInput::Field(f) => out.push(f.clone()),
                AggInput::Wildcard { pattern, .. } => out.push(pattern.clone()),
                AggInput::Eval(e) => out.extend(e.fields()),
            }
        }
        out
    }
}

/// A new accumulator for `function`, partial or not.
fn fresh(function: AggFunction, partial: bool) -> Box<dyn Accumulator> {
    if partial {
        function.partial()
    } else {
        function.accumulator()
    }
}

/// The group keys of a row: one per combination of BY values. Any null BY field drops
/// the row (no keys, R7.3) unless `fill` replaces null (tstats `fillnull_value=`, R9.5).
/// A multivalue BY field contributes each value, several give the cross product (R7.4);
/// `dedup_splitvals` removes duplicate values first.
pub fn group_keys(
    row: &Row,
    by: &[String],
    dedup_splitvals: bool,
    fill: Option<&str>,
) -> Vec<Vec<String>> {
    let mut keys: Vec<Vec<String>> = vec![Vec::with_capacity(by.len())];
    for field in by {
        let value = row.get(field);
        let mut values: Vec<String> = match (value, fill) {
            (Value::Null, Some(f)) => vec![f.to_string()],
            (Value::Null, None) => return Vec::new(),
            (v, _) => v.to_strings(),
        };
        if dedup_splitvals {
            let mut seen = std::collections::HashSet::new();
            values.retain(|v| seen.insert(v.clone()));
        }
        if values.len() == 1 {
            let only = values.pop().unwrap_or_default();
            for k in &mut keys {
                k.push(only.clone());
            }
            continue;
        }
        let mut next = Vec::with_capacity(keys.len() * values.len());
        for k in &keys {
            for v in &values {
                let mut nk = k.clone();
                nk.push(v.clone());
                next.push(nk);
            }
        }
        keys = next;
    }
    keys
}

/// The auto comparator (R7.5, as `sort` does): two numbers compare numerically, a number
/// sorts before a string, strings compare in byte order.
pub fn compare_auto(a: &str, b: &str) -> Ordering {
    match (parse_number(a), parse_number(b)) {
        (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.cmp(b)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// Order of group keys: ascending, first BY field most significant (R7.5).
pub fn compare_keys<S: AsRef<str>>(a: &[S], b: &[S]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let o = compare_auto(x.as_ref(), y.as_ref());
        if o != Ordering::Equal {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

/// A group's BY values, owned: stored once per group. Inline for two BY fields of up to
/// 24 bytes each (issue 6: a new group cost three allocations for its key, and a
/// partial table makes a new group for about every other W3 event).
#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupKey(smallvec::SmallVec<[CompactString; 2]>);

impl GroupKey {
    fn new<S: AsRef<str>>(parts: impl IntoIterator<Item = S>) -> GroupKey {
        GroupKey(parts.into_iter().map(|p| p.as_ref().into()).collect())
    }
}

/// A row's BY values, borrowed from the row: looked up without allocating (issue 6).
struct BorrowedKey<'a>(&'a [Cow<'a, str>]);

/// One hash for both key forms: each value's bytes and a terminator, so `["ab", "c"]`
/// and `["a", "bc"]` differ.
fn hash_parts<'a, H: Hasher>(parts: impl Iterator<Item = &'a str>, state: &mut H) {
    for p in parts {
        state.write(p.as_bytes());
        state.write_u8(0xff);
    }
}

impl Hash for GroupKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_parts(self.0.iter().map(CompactString::as_str), state);
    }
}

impl Hash for BorrowedKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_parts(self.0.iter().map(|c| c.as_ref()), state);
    }
}

impl indexmap::Equivalent<GroupKey> for BorrowedKey<'_> {
    fn equivalent(&self, key: &GroupKey) -> bool {
        self.0.len() == key.0.len() && self.0.iter().zip(&key.0).all(|(a, b)| a == b.as_str())
    }
}

/// Grouped accumulators with the group cap.
///
/// Group keys are hashed with foldhash seeded at random per process, not a fast unkeyed
/// hash (FxHash): BY values come from the events, and a CLI run over logs an attacker
/// may have written (incident response) must not turn quadratic on colliding values
/// prepared in advance. A per-row lookup is one hash of the borrowed values and no
/// allocation unless the group is new (issue 6).
#[derive(Debug)]
pub struct Groups {
    /// Fixed once made (`by_known` holds the same names).
    pub by: Vec<String>,
    /// The BY names with their hashes, read from every row (issue 6).
    by_known: Vec<KnownName>,
    pub dedup_splitvals: bool,
    pub fill: Option<String>,
    max_groups: usize,
    span: Span,
    /// The keys, in order of first appearance: a key's index is its group's index.
    index: indexmap::IndexSet<GroupKey, crate::row::NameHasher>,
    states: Vec<AggState>,
    needs_time: bool,
    /// A worker's table of part of the input, to be [`Groups::merge`]d (no cap here: the
    /// cap applies to the merged table).
    partial: bool,
}

impl Groups {
    /// Without BY there is always exactly one group, even over zero input (R7.1, R7.6).
    pub fn new(aggs: &AggSet, by: Vec<String>, max_groups: usize, span: Span) -> Groups {
        let mut g = Groups {
            by_known: by.iter().map(|b| KnownName::new(b.as_str())).collect(),
            by,
            dedup_splitvals: false,
            fill: None,
            max_groups,
            span,
            index: indexmap::IndexSet::default(),
            states: Vec::new(),
            needs_time: aggs.needs_time(),
            partial: false,
        };
        if g.by.is_empty() {
            g.index.insert(GroupKey::new(None::<&str>));
            g.states.push(aggs.new_state());
        }
        g
    }

    /// An empty table for part of the input, grouping as this one does, to be filled
    /// with [`Groups::add`] (on a reader's worker) and then [`Groups::merge`]d into this
    /// one in input order (issue 6: partial aggregation).
    pub fn partial(&self, aggs: &AggSet) -> Groups {
        let mut g = Groups {
            by: self.by.clone(),
            by_known: self.by_known.clone(),
            dedup_splitvals: self.dedup_splitvals,
            fill: self.fill.clone(),
            max_groups: usize::MAX,
            span: self.span,
            index: indexmap::IndexSet::default(),
            states: Vec::new(),
            needs_time: self.needs_time,
            partial: true,
        };
        if g.by.is_empty() {
            g.index.insert(GroupKey::new(None::<&str>));
            g.states.push(aggs.state(true));
        }
        g
    }

    /// Take in `later`, a [`Groups::partial`] table of rows that came after all of this
    /// one's. Its groups are taken in their order of first appearance, so new groups get
    /// the places (and hit the group cap at the same group) they would have if its rows
    /// had been added here one by one, and each group's accumulators merge exactly.
    pub fn merge(&mut self, aggs: &AggSet, later: Groups) -> Result<(), EvalError> {
        for (key, state) in later.index.into_iter().zip(later.states) {
            let i = match self.index.get_index_of(&key) {
                Some(i) => i,
                None => self.new_group(aggs, key)?,
            };
            if let Some(mine) = self.states.get_mut(i) {
                aggs.merge(mine, state);
            }
        }
        Ok(())
    }

    /// Add a row to every group it belongs to; returns the index of its first group
    /// (`None` when a null BY value drops it).
    pub fn add(&mut self, aggs: &AggSet, row: &Row, env: &Env) -> Result<Option<usize>, EvalError> {
        // One key (no multivalue BY value: R7.4's cross product has one element): look
        // it up by the row's own strings.
        let found = {
            let mut parts: smallvec::SmallVec<[Cow<'_, str>; 4]> = smallvec::SmallVec::new();
            let mut single = true;
            for field in &self.by_known {
                match (row.get_known(field), self.fill.as_deref()) {
                    (Value::Null, Some(f)) => parts.push(Cow::Borrowed(f)),
                    (Value::Null, None) => return Ok(None),
                    (Value::Multi(_), _) => {
                        single = false;
                        break;
                    }
                    (v, _) => parts.push(v.render().unwrap_or_default()),
                }
            }
            single.then(|| {
                self.index
                    .get_index_of(&BorrowedKey(&parts))
                    .ok_or_else(|| GroupKey::new(&parts))
            })
        };
        if let Some(found) = found {
            // Inputs first: an evaluation error wins over the group cap, as before.
            let inputs = aggs.extract_with(row, env, self.needs_time)?;
            let i = match found {
                Ok(i) => i,
                Err(key) => self.new_group(aggs, key)?,
            };
            if let Some(state) = self.states.get_mut(i) {
                aggs.add(state, &inputs);
            }
            return Ok(Some(i));
        }
        let keys = group_keys(row, &self.by, self.dedup_splitvals, self.fill.as_deref());
        if keys.is_empty() {
            return Ok(None);
        }
        let inputs = aggs.extract_with(row, env, self.needs_time)?;
        let mut first = None;
        for key in keys {
            let key = GroupKey::new(key);
            let i = match self.index.get_index_of(&key) {
                Some(i) => i,
                None => self.new_group(aggs, key)?,
            };
            if let Some(state) = self.states.get_mut(i) {
                aggs.add(state, &inputs);
            }
            first.get_or_insert(i);
        }
        Ok(first)
    }

    /// A new group for `key` (not yet present), within the cap.
    fn new_group(&mut self, aggs: &AggSet, key: GroupKey) -> Result<usize, EvalError> {
        if self.states.len() >= self.max_groups {
            return Err(EvalError::at(
                format!(
                    "too many groups: more than {} distinct BY values \
                     (raise the max_groups limit: minispl --max-groups N)",
                    self.max_groups
                ),
                self.span,
            ));
        }
        let (i, _) = self.index.insert_full(key);
        self.states.push(aggs.state(self.partial));
        Ok(i)
    }

    /// The aggregates of group `i` (as returned by [`Groups::add`]).
    pub fn results(&self, aggs: &AggSet, i: usize) -> Vec<(String, Value)> {
        self.states
            .get(i)
            .map(|state| aggs.results(state))
            .unwrap_or_default()
    }

    /// One row per group sorted by the BY values (R7.5); columns: BY fields, then the
    /// aggregations in order (R7.2). Null results leave their column absent.
    pub fn into_rows(self, aggs: &AggSet) -> Vec<Row> {
        let Groups {
            by_known,
            index,
            states,
            ..
        } = self;
        let mut groups: Vec<(GroupKey, AggState)> = index.into_iter().zip(states).collect();
        groups.sort_by(|a, b| compare_keys(&a.0 .0, &b.0 .0));
        groups
            .into_iter()
            .map(|(key, state)| {
                let mut row = Row::with_capacity(by_known.len() + aggs.specs.len());
                for (field, value) in by_known.iter().zip(key.0) {
                    row.set_known(field, Value::Str(value));
                }
                for (name, value) in aggs.results(&state) {
                    row.set(name, value);
                }
                row
            })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An aggregation AST node as the parser would build it.
    pub fn agg(function: &str, field: Option<&str>, alias: Option<&str>) -> Aggregation {
        Aggregation {
            function: function.to_string(),
            argument: field.map(|f| AggArgument::Field(f.to_string())),
            alias: alias.map(str::to_string),
            default_name: match field {
                Some(f) => format!("{function}({f})"),
                None => function.to_string(),
            },
            span: Span::new(0, 1),
        }
    }

    pub fn row(fields: &[(&str, Value)]) -> Row {
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn keys_split_multivalues_and_drop_nulls() {
        let by = vec!["a".to_string(), "b".to_string()];
        let r = row(&[
            ("a", Value::Multi(vec!["x".into(), "y".into(), "x".into()])),
            ("b", Value::str("1")),
        ]);
        assert_eq!(group_keys(&r, &by, false, None).len(), 3);
        assert_eq!(
            group_keys(&r, &by, true, None),
            vec![
                vec!["x".to_string(), "1".into()],
                vec!["y".into(), "1".into()]
            ]
        );
        let partial = row(&[("a", Value::str("x"))]);
        assert!(group_keys(&partial, &by, false, None).is_empty());
        assert_eq!(
            group_keys(&partial, &by, false, Some("NULL")),
            vec![vec!["x".to_string(), "NULL".into()]]
        );
    }

    #[test]
    fn auto_order_numbers_first_then_bytes() {
        let mut v = vec!["b", "10", "9", "B", "-1", "a"];
        v.sort_by(|a, b| compare_auto(a, b));
        assert_eq!(v, vec!["-1", "9", "10", "B", "a", "b"]);
    }

    #[test]
    fn unknown_function_and_double_rename_are_errors() {
        let e = AggSet::compile(&[agg("bogus", Some("x"), None)]).unwrap_err();
        assert!(e.message.contains("bogus"));
        assert_eq!(e.span, Some(Span::new(0, 1)));
        let e = AggSet::compile(&[
            agg("first", Some("host"), Some("a")),
            agg("first", Some("host"), Some("b")),
        ])
        .unwrap_err();
        assert!(e.message.contains("renamed twice"), "{}", e.message);
    }

    #[test]
    fn wildcard_aggregation_one_column_per_field() {
        let set = AggSet::compile(&[
            agg("avg", Some("*lay"), None),
            agg("max", Some("*lay"), Some("max_*")),
        ])
        .unwrap();
        let mut st = set.new_state();
        let env = Env::default();
        for (d, r) in [("1", "4"), ("3", "x")] {
            let rw = row(&[
                ("delay", Value::str(d)),
                ("relay", Value::str(r)),
                ("o", Value::str("9")),
            ]);
            set.add(&mut st, &set.extract(&rw, &env).unwrap());
        }
        let got = set.results(&st);
        assert_eq!(
            got,
            vec![
                ("avg(delay)".to_string(), Value::Num(2.0)),
                ("avg(relay)".to_string(), Value::Num(4.0)),
                ("max_de".to_string(), Value::str("3")),
                ("max_re".to_string(), Value::str("x")),
            ]
        );
    }

    #[test]
    fn groups_found_by_borrowed_values_equal_owned_keys() {
        // Single values (looked up borrowed), numbers, a fill value and multivalues (the
        // cross product path) must land in the same groups as the owned keys say.
        let set = AggSet::compile(&[agg("count", None, None)]).unwrap();
        let mut g = Groups::new(&set, vec!["a".into(), "b".into()], 100, Span::new(0, 1));
        g.fill = Some("F".into());
        let env = Env::default();
        let rows = [
            row(&[("a", Value::str("x")), ("b", Value::str("1"))]),
            row(&[("a", Value::str("x")), ("b", Value::Num(1.0))]),
            row(&[
                ("a", Value::Multi(vec!["x".into(), "y".into()])),
                ("b", Value::str("1")),
            ]),
            row(&[("a", Value::str("x"))]),
            row(&[("a", Value::str("x")), ("b", Value::str("F"))]),
            // Concatenations that agree must not collide: "ab"+"c" vs "a"+"bc".
            row(&[("a", Value::str("ab")), ("b", Value::str("c"))]),
            row(&[("a", Value::str("a")), ("b", Value::str("bc"))]),
            row(&[("a", Value::str("")), ("b", Value::str(""))]),
        ];
        let firsts: Vec<_> = rows.iter().map(|r| g.add(&set, r, &env).unwrap()).collect();
        assert_eq!(
            firsts,
            vec![
                Some(0),
                Some(0),
                Some(0),
                Some(2),
                Some(2),
                Some(3),
                Some(4),
                Some(5)
            ]
        );
        let out = g.into_rows(&set);
        let summary: Vec<(String, String, String)> = out
            .iter()
            .map(|r| {
                let s = |f: &str| r.get(f).render().unwrap_or_default().into_owned();
                (s("a"), s("b"), s("count"))
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("".into(), "".into(), "1".into()),
                ("a".into(), "bc".into(), "1".into()),
                ("ab".into(), "c".into(), "1".into()),
                ("x".into(), "1".into(), "3".into()),
                ("x".into(), "F".into(), "2".into()),
                ("y".into(), "1".into(), "1".into()),
            ]
        );
    }

    /// BY values on both sides of the 24-byte inline limit of the stored keys (issue 6),
    /// single and multivalue, one or three BY fields: added to one table, or to partial
    /// tables merged in order, they make the same rows.
    #[test]
    fn keys_across_the_inline_limit_group_and_merge_alike() {
        let set = AggSet::compile(&[agg("count", None, None)]).unwrap();
        let env = Env::default();
        let text = |c: char, n: usize| c.to_string().repeat(n);
        let values: Vec<Value> = [0, 1, 23, 24, 25, 40]
            .into_iter()
            .flat_map(|n| [Value::str(text('a', n)), Value::str(text('b', n))])
            .chain([Value::Multi(vec![text('a', 24), text('c', 30)])])
            .collect();
        for by in [vec!["k"], vec!["k", "j", "i"]] {
            let by: Vec<String> = by.into_iter().map(String::from).collect();
            let rows: Vec<Row> = (0..values.len() * 3)
                .map(|i| {
                    let v = |j: usize| values[(i * (j + 1)) % values.len()].clone();
                    row(&[("k", v(0)), ("j", v(1)), ("i", v(2))])
                })
                .collect();
            let mut one = Groups::new(&set, by.clone(), 1000, Span::new(0, 1));
            let mut merged = Groups::new(&set, by.clone(), 1000, Span::new(0, 1));
            for chunk in rows.chunks(5) {
                let mut part = merged.partial(&set);
                for r in chunk {
                    one.add(&set, r, &env).unwrap();
                    part.add(&set, r, &env).unwrap();
                }
                merged.merge(&set, part).unwrap();
            }
            let (one, merged) = (one.into_rows(&set), merged.into_rows(&set));
            assert_eq!(one, merged, "{by:?}");
            // The owned keys of `group_keys` (no inline storage) count the same.
            let mut want: Vec<(Vec<String>, usize)> = Vec::new();
            for r in &rows {
                for key in group_keys(r, &by, false, None) {
                    match want.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, n)) => *n += 1,
                        None => want.push((key, 1)),
                    }
                }
            }
            want.sort_by(|a, b| compare_keys(&a.0, &b.0));
            let got: Vec<(Vec<String>, usize)> = (one.iter())
                .map(|r| {
                    let key = by
                        .iter()
                        .map(|f| r.get(f).render().unwrap_or_default().into_owned());
                    let count = r.get("count").render().and_then(|c| c.parse().ok());
                    (key.collect(), count.unwrap_or(0))
                })
                .collect();
            assert!(want.len() >= 10, "{by:?}");
            assert_eq!(got, want, "{by:?}");
        }
    }

    #[test]
    fn group_cap_is_an_error_with_span() {
        let set = AggSet::compile(&[agg("count", None, None)]).unwrap();
        let mut g = Groups::new(&set, vec!["u".into()], 2, Span::new(3, 9));
        let env = Env::default();
        for u in ["a", "b", "a"] {
            g.add(&set, &row(&[("u", Value::str(u))]), &env).unwrap();
        }
        let e = g
            .add(&set, &row(&[("u", Value::str("c"))]), &env)
            .unwrap_err();
        assert!(e.message.contains("too many groups"));
        assert_eq!(e.span, Some(Span::new(3, 9)));
    }
}
