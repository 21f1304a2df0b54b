//! A result row (an event, or a row produced by a transforming command): an ordered map
//! from field name to [`Value`]. `_raw` (a string) and `_time` (a number, epoch seconds)
//! are ordinary entries with those names; internal fields start with `_` (SEMANTICS §10).

use crate::value::Value;
use indexmap::map::raw_entry_v1::RawEntryMut;
use indexmap::map::RawEntryApiV1;
use indexmap::IndexMap;

/// Field names are case-sensitive (R1.6). Stored inline up to 24 bytes (issue 6: a
/// `String` name cost an allocation per field of every row).
pub type FieldName = crate::value::CompactString;

/// The hash of field names in a row: foldhash, seeded at random per process (issue 6:
/// SipHash was ~5% of a full-scan search, every field set and read hashes its name).
/// Names can come from the events (JSON keys under full extraction), so the hash stays
/// keyed: crafted colliding keys cannot be prepared in advance to make a row quadratic.
///
/// One seed for the whole process, not one per row (issue 6): a name's hash is then the
/// same in every row, so a name known before the events are read ([`KnownName`]: an
/// extracted field, a BY field, a searched field) is hashed once, not per row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NameHasher;

/// The process's seed for [`NameHasher`], drawn at random on first use.
static NAME_SEED: std::sync::LazyLock<foldhash::fast::SeedableRandomState> =
    std::sync::LazyLock::new(foldhash::fast::SeedableRandomState::random);

impl std::hash::BuildHasher for NameHasher {
    type Hasher = foldhash::fast::FoldHasher<'static>;

    #[inline(always)]
    fn build_hasher(&self) -> Self::Hasher {
        NAME_SEED.build_hasher()
    }
}

/// A field name with its hash under [`NameHasher`], computed once: rows look it up and
/// set it without hashing the name again (issue 6: W3 hashed every extracted, default,
/// searched and grouped name on every event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownName {
    name: FieldName,
    hash: u64,
}

impl KnownName {
    pub fn new(name: impl Into<FieldName>) -> KnownName {
        let name = name.into();
        let hash = hash_of(&name);
        KnownName { name, hash }
    }

    pub fn as_str(&self) -> &str {
        &self.name
    }

    pub fn name(&self) -> &FieldName {
        &self.name
    }
}

/// Up to this many fields a row is a list searched by hash (issue 6: the rows of W3/W4
/// hold a handful of fields, and a hash table's insert cost ~130 instructions where a
/// push costs a few); a row that grows past it, or is made with a larger capacity,
/// is an `IndexMap` (reading absent names in a list of 32 cost more than the table).
pub const SMALL: usize = 16;

#[derive(Clone, Default)]
pub struct Row {
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    /// At most [`SMALL`] fields, in order, each with its name's hash.
    Small(Vec<Entry>),
    Large(IndexMap<FieldName, Value, NameHasher>),
}

impl Default for Repr {
    fn default() -> Self {
        Repr::Small(Vec::new())
    }
}

#[derive(Clone)]
struct Entry {
    hash: u64,
    name: FieldName,
    value: Value,
}

/// The hash of a name, as [`KnownName`] and the large form compute it (`Hash` of a
/// `str`, which `FieldName`'s is), inlined: every `get` and `set` of a name computes it.
/// (`BuildHasher::hash_one` was left a call here, ~14 M instructions of the ECR run.)
#[allow(clippy::manual_hash_one)]
#[inline(always)]
fn hash_of(name: &str) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut hasher = NameHasher.build_hasher();
    name.hash(&mut hasher);
    hasher.finish()
}

impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Fields<'a>(&'a Row);
        impl std::fmt::Debug for Fields<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_map().entries(self.0.iter()).finish()
            }
        }
        f.debug_struct("Row")
            .field("fields", &Fields(self))
            .finish()
    }
}

/// Two rows are equal when they hold the same fields with equal values, in any order
/// (as the `IndexMap` they were: order is compared by callers that care).
impl PartialEq for Row {
    fn eq(&self, other: &Row) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(name, value)| other.find(hash_of(name), name) == Some(value))
    }
}

impl Row {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(n: usize) -> Self {
        let repr = if n <= SMALL {
            Repr::Small(Vec::with_capacity(n))
        } else {
            Repr::Large(IndexMap::with_capacity_and_hasher(n, NameHasher))
        };
        Row { repr }
    }

    /// The value of `name` (whose hash is `hash`), if present.
    #[inline]
    fn find(&self, hash: u64, name: &str) -> Option<&Value> {
        match &self.repr {
            Repr::Small(list) => list
                .iter()
                .find(|e| e.hash == hash && e.name == name)
                .map(|e| &e.value),
            Repr::Large(map) => (map.raw_entry_v1())
                .from_key_hashed_nocheck(hash, name)
                .map(|(_, v)| v),
        }
    }

    /// Set `name` (hash `hash`) to a value that is not null; an existing field keeps its
    /// position.
    #[inline]
    fn put(&mut self, hash: u64, name: impl AsRef<str> + Into<FieldName>, value: Value) {
        match &mut self.repr {
            Repr::Small(list) => {
                let key = name.as_ref();
                if let Some(e) = list.iter_mut().find(|e| e.hash == hash && e.name == key) {
                    e.value = value;
                    return;
                }
                if list.len() < SMALL {
                    list.push(Entry {
                        hash,
                        name: name.into(),
                        value,
                    });
                    return;
                }
                // One field more than a list holds: the row becomes a map.
                let mut map = IndexMap::with_capacity_and_hasher(SMALL * 2, NameHasher);
                for e in list.drain(..) {
                    (map.raw_entry_mut_v1())
                        .from_key_hashed_nocheck(e.hash, e.name.as_str())
                        .or_insert(e.name, e.value);
                }
                map.insert(name.into(), value);
                self.repr = Repr::Large(map);
            }
            Repr::Large(map) => {
                match (map.raw_entry_mut_v1()).from_key_hashed_nocheck(hash, name.as_ref()) {
                    RawEntryMut::Occupied(mut entry) => {
                        entry.insert(value);
                    }
                    RawEntryMut::Vacant(entry) => {
                        entry.insert_hashed_nocheck(hash, name.into(), value);
                    }
                }
            }
        }
    }

    /// The value of `name` (hash `hash`), removed; later fields move up (R6.3).
    fn take(&mut self, hash: u64, name: &str) -> Option<(usize, Value)> {
        match &mut self.repr {
            Repr::Small(list) => {
                let i = list.iter().position(|e| e.hash == hash && e.name == name)?;
                Some((i, list.remove(i).value))
            }
            Repr::Large(map) => map.shift_remove_full(name).map(|(i, _, v)| (i, v)),
        }
    }

    /// The value of `name`; null when absent.
    pub fn get(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.find(hash_of(name), name).unwrap_or(&NULL)
    }

    /// [`Row::get`] of a name whose hash is known.
    #[inline]
    pub fn get_known(&self, name: &KnownName) -> &Value {
        static NULL: Value = Value::Null;
        self.find(name.hash, name.as_str()).unwrap_or(&NULL)
    }

    /// [`Row::set`] of a name whose hash is known: the same row, one hash fewer.
    #[inline]
    pub fn set_known(&mut self, name: &KnownName, value: Value) {
        if value.is_null() {
            self.take(name.hash, name.as_str());
        } else {
            self.put(name.hash, name.name.as_str(), value);
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.find(hash_of(name), name).is_some()
    }

    /// Set a field; setting null removes it (R6.3). An existing field keeps its position.
    pub fn set(&mut self, name: impl Into<FieldName>, value: Value) {
        let name = name.into();
        let hash = hash_of(&name);
        if value.is_null() {
            self.take(hash, &name);
        } else {
            self.put(hash, name, value);
        }
    }

    /// Remove a field, returning its value (null if absent).
    pub fn remove(&mut self, name: &str) -> Value {
        self.take(hash_of(name), name)
            .map(|(_, v)| v)
            .unwrap_or_default()
    }

    /// Fields in order.
    pub fn iter(&self) -> impl Iterator<Item = (&FieldName, &Value)> {
        let (small, large) = match &self.repr {
            Repr::Small(list) => (Some(list.iter().map(|e| (&e.name, &e.value))), None),
            Repr::Large(map) => (None, Some(map.iter())),
        };
        small
            .into_iter()
            .flatten()
            .chain(large.into_iter().flatten())
    }

    pub fn names(&self) -> impl Iterator<Item = &FieldName> {
        self.iter().map(|(name, _)| name)
    }

    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Small(list) => list.len(),
            Repr::Large(map) => map.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keep only the fields for which `keep` is true, preserving order.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &Value) -> bool) {
        match &mut self.repr {
            Repr::Small(list) => list.retain(|e| keep(&e.name, &e.value)),
            Repr::Large(map) => map.retain(|k, v| keep(k, v)),
        }
    }

    /// Rename `from` to `to` keeping `from`'s position; an existing `to` is replaced
    /// (R3.4). Returns false (and changes nothing) if `from` is absent.
    pub fn rename(&mut self, from: &str, to: &str) -> bool {
        if from == to {
            return self.contains(from);
        }
        let Some((index, value)) = self.take(hash_of(from), from) else {
            return false;
        };
        let hash = hash_of(to);
        let index = match self.take(hash, to) {
            Some((old, _)) if old < index => index - 1,
            _ => index,
        };
        match &mut self.repr {
            Repr::Small(list) => list.insert(
                index,
                Entry {
                    hash,
                    name: to.into(),
                    value,
                },
            ),
            Repr::Large(map) => {
                map.shift_insert(index, to.into(), value);
            }
        }
        true
    }

    /// `_time` as a number, if present and numeric.
    pub fn time(&self) -> Option<f64> {
        self.get("_time").as_number()
    }

    /// `_raw` as text, if present.
    pub fn raw(&self) -> Option<&str> {
        match self.get("_raw") {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Any name type a field can be set with (`&str`, `String`, [`FieldName`]), as [`Row::set`].
impl<K: Into<FieldName>> FromIterator<(K, Value)> for Row {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        let mut row = Row::new();
        for (k, v) in iter {
            row.set(k, v);
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_null_removes_and_order_is_kept() {
        let mut r = Row::new();
        r.set("a", Value::str("1"));
        r.set("b", Value::str("2"));
        r.set("a", Value::str("3"));
        assert_eq!(r.names().collect::<Vec<_>>(), vec!["a", "b"]);
        r.set("a", Value::Null);
        assert!(!r.contains("a"));
        assert_eq!(r.get("a"), &Value::Null);
    }

    #[test]
    fn rename_keeps_position_and_replaces_target() {
        let mut r: Row = [("a", "1"), ("b", "2"), ("c", "3")]
            .into_iter()
            .map(|(k, v)| (FieldName::from(k), Value::str(v)))
            .collect();
        assert!(r.rename("c", "a"));
        assert_eq!(r.names().collect::<Vec<_>>(), vec!["b", "a"]);
        assert_eq!(r.get("a"), &Value::str("3"));
        assert!(r.rename("b", "x"));
        assert_eq!(r.names().collect::<Vec<_>>(), vec!["x", "a"]);
        assert!(!r.rename("zz", "a"));
        assert_eq!(r.len(), 2);
    }

    /// Names and values on both sides of the 24-byte inline limit of [`FieldName`] and
    /// `Value::Str` (issue 6) read back the same, and a row collects from any name type.
    #[test]
    fn inline_and_heap_names_and_values() {
        let short = "eventName";
        let limit = "n".repeat(24);
        let long = "requestParameters.repositoryName";
        let mut r: Row = [
            (short.to_string(), Value::str("a".repeat(24))),
            (limit.clone(), Value::from("b".repeat(25))),
        ]
        .into_iter()
        .collect();
        r.set(long, Value::str(long));
        r.set(FieldName::from(""), Value::str(""));
        assert_eq!(r.get(short), &Value::str("a".repeat(24)));
        assert_eq!(r.get(&limit).render().as_deref(), Some(&*"b".repeat(25)));
        assert_eq!(r.get(long), &Value::from(long.to_string()));
        assert_eq!(r.get(""), &Value::str(""));
        assert!(r.rename(short, long));
        assert_eq!(r.names().collect::<Vec<_>>(), vec![long, &limit, ""]);
        let from_str: Row = [(short, Value::str("x"))].into_iter().collect();
        let from_name: Row = [(FieldName::from(short), Value::str("x"))]
            .into_iter()
            .collect();
        assert_eq!(from_str, from_name);
    }

    /// A name's precomputed hash finds what the name itself finds, whichever way the
    /// field was set, in rows made at different times (one hash seed per process).
    #[test]
    fn known_names_find_what_names_find() {
        let names = ["a", "eventName", &"x".repeat(24), &"y".repeat(40), ""];
        let known: Vec<KnownName> = names.iter().map(|n| KnownName::new(*n)).collect();
        let mut r = Row::with_capacity(2);
        for (i, (name, k)) in names.iter().zip(&known).enumerate() {
            if i % 2 == 0 {
                r.set(*name, Value::str(*name));
            } else {
                r.set_known(k, Value::str(*name));
            }
        }
        let other = r.clone();
        for (name, k) in names.iter().zip(&known) {
            assert_eq!(r.get_known(k), &Value::str(*name));
            assert_eq!(other.get_known(k), other.get(name));
            assert_eq!(k.as_str(), *name);
        }
        // Overwriting keeps the position; null removes.
        r.set_known(&known[0], Value::str("again"));
        assert_eq!(r.names().next().map(|n| n.as_str()), Some("a"));
        assert_eq!(r.get("a"), &Value::str("again"));
        r.set_known(&known[1], Value::Null);
        assert!(!r.contains("eventName"));
        assert_eq!(r.len(), names.len() - 1);
    }

    mod model {
        use super::*;
        use proptest::prelude::*;

        #[derive(Debug, Clone)]
        enum Op {
            /// Set through [`Row::set`], or [`Row::set_known`] with `true`.
            Set(String, Option<String>, bool),
            Remove(String),
            Rename(String, String),
        }

        /// Names from a small pool so operations meet, of lengths around the inline
        /// limit (23, 24, 25 bytes) as well as short and empty; 56 of them, so that rows
        /// grow past the list form ([`SMALL`]) and shrink again.
        fn name() -> impl Strategy<Value = String> {
            (
                prop::sample::select(vec![0usize, 1, 9, 23, 24, 25, 40]),
                0u8..8,
            )
                .prop_map(|(len, c)| char::from(b'a' + c).to_string().repeat(len))
        }

        fn op() -> impl Strategy<Value = Op> {
            let value = prop::option::of(name());
            prop_oneof![
                4 => (name(), value, any::<bool>()).prop_map(|(n, v, k)| Op::Set(n, v, k)),
                1 => name().prop_map(Op::Remove),
                1 => (name(), name()).prop_map(|(a, b)| Op::Rename(a, b)),
            ]
        }

        proptest! {
            #![proptest_config(crate::testing::proptest_config(256))]

            /// A row against a list of `String` pairs (the representation before issue 6).
            #[test]
            fn row_matches_a_list_of_strings(ops in prop::collection::vec(op(), 0..160)) {
                let mut row = Row::new();
                let mut model: Vec<(String, String)> = Vec::new();
                for op in ops {
                    match op {
                        Op::Set(n, v, known) => {
                            let value = v.clone().map_or(Value::Null, Value::from);
                            if known {
                                row.set_known(&KnownName::new(n.as_str()), value);
                            } else {
                                row.set(n.as_str(), value);
                            }
                            let at = model.iter().position(|(k, _)| *k == n);
                            match (at, v) {
                                (Some(i), Some(v)) => model[i].1 = v,
                                (None, Some(v)) => model.push((n, v)),
                                (Some(i), None) => {
                                    model.remove(i);
                                }
                                (None, None) => {}
                            }
                        }
                        Op::Remove(n) => {
                            let got = row.remove(&n);
                            let want = model.iter().position(|(k, _)| *k == n).map(|i| model.remove(i).1);
                            prop_assert_eq!(got, want.map_or(Value::Null, Value::from));
                        }
                        Op::Rename(a, b) => {
                            let done = row.rename(&a, &b);
                            let at = model.iter().position(|(k, _)| *k == a);
                            prop_assert_eq!(done, at.is_some());
                            if let (Some(i), false) = (at, a == b) {
                                let mut i = i;
                                if let Some(j) = model.iter().position(|(k, _)| *k == b) {
                                    model.remove(j);
                                    if j < i {
                                        i -= 1;
                                    }
                                }
                                model[i].0 = b;
                            }
                        }
                    }
                    let got: Vec<(String, String)> = row
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.render().unwrap_or_default().into_owned()))
                        .collect();
                    prop_assert_eq!(&got, &model);
                    for (n, v) in &model {
                        prop_assert_eq!(row.get_known(&KnownName::new(n.as_str())), &Value::from(v.clone()));
                    }
                    prop_assert_eq!(row.get_known(&KnownName::new("absent")), &Value::Null);
                    // The map form made at once holds the same fields (equality is
                    // by name, as the map's).
                    let mut large = Row::with_capacity(SMALL + 1);
                    for (n, v) in &model {
                        large.set(n.as_str(), Value::from(v.clone()));
                    }
                    prop_assert!(matches!(large.repr, Repr::Large(_)));
                    prop_assert_eq!(&large, &row);
                    prop_assert_eq!(large.names().collect::<Vec<_>>(), row.names().collect::<Vec<_>>());
                }
            }
        }
    }
}
