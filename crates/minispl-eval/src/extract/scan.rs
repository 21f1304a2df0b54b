//! A hand-written scanner for `KV_MODE=json` extraction of exact field names (issue 6).
//!
//! The `serde_json` walk in [`super::flatten_text_serde`] builds the path of every key it
//! meets and asks the [`FieldSet`] about it (a hash of the whole path per key), and pays
//! serde's per-key visitor machinery; on full-scan searches (W3, W4) that was a third of
//! the CPU time. Here the selected names are compiled once into a [`Selector`]: a state per
//! path that can still lead to a selected name, with the object keys (and the `{}` array
//! step) that move on from it. The scanner compares each key's bytes with the few keys of
//! its state, never builds a path, and skips everything else (strings 16 bytes a step).
//!
//! It only ever gives an answer when it is certain that the `serde_json` walk gives the
//! same one: the text must be valid JSON as `serde_json` reads it, and the names and
//! values (R4.7, R4.13: `a.b`, one `{}` per array level, document order, `null` absent,
//! duplicate keys appended; numbers as `serde_json` renders them) must follow from the
//! same rules. Whenever it is unsure (a control byte in a string, tab or newline as
//! whitespace, an escaped or empty key on a walked path, a `\u` surrogate, deep nesting,
//! any syntax error) it answers `None` and the caller asks the `serde_json` walk, which
//! also decides what is invalid. So it can never accept what was rejected before.

use crate::plan::{BuildFxHasher, FieldSet};
use crate::reader::validate::{Member, TopIndex};
use crate::row::{FieldName, KnownName, Row};
use crate::value::{format_compact, CompactString, Value};
use std::collections::{BTreeSet, HashMap};

/// Documents nested deeper than this go the slow way (`serde_json` stops at 128).
const MAX_DEPTH: usize = 100;

/// Up to this many keys per state are compared one by one; more use a hash map.
const LINEAR_KEYS: usize = 12;

/// The exact names of a [`FieldSet`] as a state machine over JSON paths. State 0 is the
/// document (the empty path); every other state is a path that is a selected name or a
/// prefix of one ending just before `.` or `{` (what `FieldSet::may_extend` answers yes
/// to), so a path that cannot lead to a selected name has no state and is skipped.
///
/// Prefix patterns (`requestParameters.*`, issue 6: `rename requestParameters.* as *` in
/// the ECR detections) add the paths before each `.` or `{` of their literal part as
/// states, and to each state the key prefixes that take a path into the pattern
/// (`State::capture`): below such a key every leaf is selected, named by its path.
#[derive(Debug, Clone)]
pub struct Selector {
    /// Field names (inline when short, issue 6): cloned into every row.
    names: Vec<FieldName>,
    /// The same names with their hashes (issue 6: set in each row without hashing).
    known: Vec<KnownName>,
    states: Vec<State>,
    /// The index in `names` of each selected name, for the leaves met below a pattern.
    by_name: HashMap<Box<str>, u32, BuildFxHasher>,
}

#[derive(Debug, Clone, Default)]
struct State {
    /// The path this state stands for (`a.b{}`), the start of the names found below a
    /// pattern.
    path: Box<str>,
    /// Key prefixes that make `<this>.<key>` start with a pattern's literal part: the
    /// value is then walked by [`Scanner::capture`].
    capture: Vec<Box<[u8]>>,
    /// `<this>{}` starts with a pattern's literal part.
    array_capture: bool,
    /// The index in `names` when this path is itself a selected name.
    selected: Option<u32>,
    /// Object keys leading on: the path becomes `<this>.<key>` (`<key>` at the top).
    /// A key may contain `.` itself (R4.14: dots inside keys are not escaped), so `a.b`
    /// is reached both from `{"a":{"b":..}}` and from `{"a.b":..}`.
    keys: Keys,
    /// Bit `min(len, 63)` set for the length of each key in `keys`: most keys of a record
    /// lead nowhere, and a length no key has rejects them before any comparison or hash
    /// (issue 6: W4's top state has more keys than are compared one by one).
    key_lens: u64,
    /// The state of `<this>{}` (R4.13), reached by the elements of an array here.
    array: Option<u32>,
}

#[derive(Debug, Clone)]
enum Keys {
    Few(Vec<(Box<[u8]>, u32)>),
    /// With a filter: bit [`edge_bit`] of `filter[min(len, 63)]` set for each key, so
    /// that most keys of a record are rejected without hashing them (issue 6: W4's top
    /// state has more keys than are compared one by one, and ~13 keys of a CloudTrail
    /// record share a length with one of them).
    Many(HashMap<Box<[u8]>, u32, BuildFxHasher>, Box<[u64; 64]>),
}

impl Default for Keys {
    fn default() -> Self {
        Keys::Few(Vec::new())
    }
}

impl State {
    /// The state a key leads to.
    #[inline(always)]
    fn next(&self, key: &[u8]) -> Option<u32> {
        if !self.may_have(key.len()) {
            return None;
        }
        self.keys.get(key)
    }

    /// Whether some key of `keys` has this length.
    #[inline(always)]
    fn may_have(&self, len: usize) -> bool {
        self.key_lens >> len.min(63) & 1 != 0
    }
}

impl Keys {
    #[inline]
    fn get(&self, key: &[u8]) -> Option<u32> {
        match self {
            Keys::Few(list) => list
                .iter()
                .find(|(k, _)| same_bytes(k, key))
                .map(|&(_, s)| s),
            Keys::Many(map, filter) => {
                if filter[key.len().min(63)] >> edge_bit(key) & 1 == 0 {
                    return None;
                }
                map.get(key).copied()
            }
        }
    }
}

impl Selector {
    /// Compile the exact names and patterns of a [`FieldSet`]; only prefix patterns
    /// (see [`prefix_pattern`]) are compiled: [`serves`] says no to a set with others.
    pub fn new(names: &BTreeSet<String>, patterns: &BTreeSet<String>) -> Selector {
        let literals: Vec<&str> = patterns.iter().filter_map(|p| prefix_pattern(p)).collect();
        let mut paths: Vec<&str> = vec![""];
        let mut ids: HashMap<&str, u32, BuildFxHasher> = HashMap::default();
        ids.insert("", 0);
        // A name is a state itself; a pattern's literal only up to its last `.` or `{`.
        let whole = names.iter().map(|n| (n.as_str(), true));
        for (name, itself) in whole.chain(literals.iter().map(|l| (*l, false))) {
            let ends = name
                .bytes()
                .enumerate()
                .filter(|&(_, b)| matches!(b, b'.' | b'{'))
                .map(|(i, _)| i)
                .chain(itself.then_some(name.len()));
            for end in ends {
                let Some(prefix) = name.get(..end) else {
                    continue;
                };
                if !ids.contains_key(prefix) {
                    ids.insert(prefix, paths.len() as u32);
                    paths.push(prefix);
                }
            }
        }
        let mut states = vec![State::default(); paths.len()];
        let mut kept: Vec<FieldName> = Vec::with_capacity(names.len());
        for name in names {
            if let Some(&id) = ids.get(name.as_str()) {
                if id != 0 {
                    states[id as usize].selected = Some(kept.len() as u32);
                    kept.push(name.as_str().into());
                }
            }
        }
        let mut keys: Vec<Vec<(Box<[u8]>, u32)>> = vec![Vec::new(); paths.len()];
        for (q, path) in paths.iter().enumerate().skip(1) {
            // At the top the path is the key itself.
            keys[0].push((Box::from(path.as_bytes()), q as u32));
            // Below, `<parent>.<key>` for every `.` that ends a parent state.
            for (i, b) in path.bytes().enumerate() {
                if b == b'.' && i > 0 && i + 1 < path.len() {
                    if let Some(&p) = path.get(..i).and_then(|parent| ids.get(parent)) {
                        keys[p as usize].push((Box::from(&path.as_bytes()[i + 1..]), q as u32));
                    }
                }
            }
            if let Some(parent) = path.strip_suffix("{}") {
                if let Some(&p) = ids.get(parent) {
                    if p != 0 {
                        states[p as usize].array = Some(q as u32);
                    }
                }
            }
        }
        for ((state, list), path) in states.iter_mut().zip(keys).zip(&paths) {
            state.key_lens = list.iter().fold(0, |m, (k, _)| m | 1 << k.len().min(63));
            state.keys = if list.len() <= LINEAR_KEYS {
                Keys::Few(list)
            } else {
                let mut filter = Box::new([0u64; 64]);
                for (k, _) in &list {
                    filter[k.len().min(63)] |= 1 << edge_bit(k);
                }
                Keys::Many(list.into_iter().collect(), filter)
            };
            state.path = Box::from(*path);
            for literal in &literals {
                // `<path>.<key>` (`<key>` at the top) starts with `literal` exactly when
                // the key starts with what follows `<path>.` in it.
                let rest = if path.is_empty() {
                    Some(*literal)
                } else {
                    literal
                        .strip_prefix(*path)
                        .and_then(|rest| rest.strip_prefix('.'))
                };
                if let Some(rest) = rest {
                    state.capture.push(Box::from(rest.as_bytes()));
                }
                // `<path>{}` starts with `literal`.
                let after = literal.strip_prefix(*path).filter(|_| !path.is_empty());
                if after.is_some_and(|rest| !rest.is_empty() && "{}".starts_with(rest)) {
                    state.array_capture = true;
                }
            }
        }
        let by_name = (kept.iter().enumerate())
            .map(|(i, n)| (Box::from(n.as_str()), i as u32))
            .collect();
        Selector {
            known: kept.iter().cloned().map(KnownName::new).collect(),
            names: kept,
            states,
            by_name,
        }
    }

    /// The selected names, by the index leaves are reported with.
    pub fn names(&self) -> &[FieldName] {
        &self.names
    }
}

/// Extracted leaves, in order of each name's first occurrence: the name's index (in
/// [`Selector::names`], then in [`Scanned::found`]) and its value (one string, or a
/// multivalue in document order: built as `Value::multi` would, without a list per single
/// value).
pub type Leaves = Vec<(u32, Value)>;

/// What [`scan`] extracted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scanned {
    pub leaves: Leaves,
    /// Names found below a pattern that are not among [`Selector::names`]: index
    /// `names().len() + i` in `leaves`.
    pub found: Vec<FieldName>,
}

impl Scanned {
    /// The leaves with their names.
    pub fn into_fields(self, sel: &Selector) -> Vec<(FieldName, Value)> {
        let names = sel.names();
        let mut found: Vec<Option<FieldName>> = self.found.into_iter().map(Some).collect();
        self.leaves
            .into_iter()
            .map(|(id, value)| {
                let name = match names.get(id as usize) {
                    Some(name) => name.clone(),
                    // Each found name has one leaf entry: move it out.
                    None => found
                        .get_mut(id as usize - names.len())
                        .and_then(Option::take)
                        .unwrap_or_default(),
                };
                (name, value)
            })
            .collect()
    }
}

/// The buffers of a scan, kept by the caller from record to record (issue 6: a scan
/// allocated its leaf list, grew it and collected it again into a list of named fields
/// for every record). [`scan_with`] fills it, [`Scratch::set_into`] empties it into a row.
#[derive(Debug, Default)]
pub struct Scratch {
    out: Leaves,
    /// Position in `out` of each selected name (then of each found name), `u32::MAX`
    /// before its first value (reset by `start`).
    slots: Vec<u32>,
    found: Vec<FieldName>,
    found_ids: HashMap<String, u32, BuildFxHasher>,
}

impl Scratch {
    /// Ready for a scan with `sel`; leaves of an unfinished scan are dropped.
    fn start(&mut self, sel: &Selector) {
        self.out.clear();
        self.found.clear();
        self.found_ids.clear();
        self.slots.clear();
        self.slots.resize(sel.names.len(), u32::MAX);
    }

    /// The leaves of the last scan, as [`scan_text`] gives them.
    fn take(&mut self) -> Scanned {
        Scanned {
            leaves: std::mem::take(&mut self.out),
            found: std::mem::take(&mut self.found),
        }
    }

    /// Set the leaves of the last successful [`scan_with`] of `sel` in `row`, in order,
    /// overwriting fields of the same name (what setting [`Scanned::into_fields`] one by
    /// one does), and empty the buffers. Returns the number of fields set.
    pub fn set_into(&mut self, sel: &Selector, row: &mut Row) -> usize {
        let n = self.out.len();
        for (id, value) in self.out.drain(..) {
            match sel.known.get(id as usize) {
                Some(name) => row.set_known(name, value),
                // Each found name has one leaf entry: move it out.
                None => {
                    let found = self.found.get_mut(id as usize - sel.names.len());
                    row.set(found.map(std::mem::take).unwrap_or_default(), value);
                }
            }
        }
        self.found.clear();
        self.found_ids.clear();
        n
    }
}

/// What the caller knows of the text it asks to scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text<'a> {
    /// Anything: the scanner checks the grammar of everything it reads.
    Unchecked,
    /// `serde_json` accepts it (as the reader makes sure of every raw record it hands
    /// on): values no selected name lies in are stepped over without checking them
    /// (`extract::skip`, issue 6). What the scanner walks is still checked, so the
    /// answer is that of the `serde_json` walk as for unchecked text.
    Valid,
    /// Valid, and the block validator's index of its top-level members (issue 6): the
    /// top-level keys are looked up there, not walked. Used only if it is the index of
    /// this text (see [`TopIndex::members_of`]), else as [`Text::Valid`].
    Indexed(&'a TopIndex),
}

/// The leaves of the JSON object `raw` that `sel` selects, or `None` when the scanner is
/// not certain (see the module comment): the caller then asks `serde_json`.
pub fn scan(raw: &str, sel: &Selector) -> Option<Scanned> {
    scan_text(raw, sel, Text::Unchecked)
}

/// [`scan`], told what is known of the text.
pub fn scan_text(raw: &str, sel: &Selector, text: Text<'_>) -> Option<Scanned> {
    let mut scratch = Scratch::default();
    scan_with(raw, sel, text, &mut scratch).then(|| scratch.take())
}

/// [`scan_text`] into the caller's buffers: true when the scan is certain, its leaves
/// then in `scratch` for [`Scratch::set_into`].
pub fn scan_with(raw: &str, sel: &Selector, text: Text<'_>, scratch: &mut Scratch) -> bool {
    scratch.start(sel);
    let mut s = Scanner::new(raw, sel, text != Text::Unchecked, std::mem::take(scratch));
    let done = match text {
        Text::Indexed(index) => match index.members_of(raw) {
            Some(members) => s.indexed(members, index.backslash()),
            None => s.document(),
        },
        _ => s.document(),
    };
    // An unfinished scan leaves its leaves here: the next `start` drops them.
    *scratch = s.into_scratch();
    done.is_some()
}

/// [`scan`] of a valid record whose top-level object has the `members` the block
/// validator found (in document order, repeated keys included; `backslash` false when no
/// key can hold an escape): the value of a top-level key is only read when a selected
/// name lies in it, from where the index says it starts (issue 6: no walk and no skip at
/// the top level). The same answer as the walk of the whole text, which the callers'
/// differential tests check.
pub fn scan_indexed(
    raw: &str,
    sel: &Selector,
    members: &[Member],
    backslash: bool,
) -> Option<Scanned> {
    let mut s = Scanner::new(raw, sel, true, Scratch::default());
    s.slots.resize(sel.names.len(), u32::MAX);
    s.indexed(members, backslash)?;
    Some(s.into_scratch().take())
}

struct Scanner<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
    sel: &'a Selector,
    out: Leaves,
    /// Position in `out` of each selected name, `u32::MAX` before its first value.
    slots: Vec<u32>,
    /// The text is known to be valid JSON and the block skip can run on this CPU.
    fast_skip: bool,
    /// Names met below a pattern that are not selected names, and their indexes.
    found: Vec<FieldName>,
    found_ids: HashMap<String, u32, BuildFxHasher>,
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `raw`; `valid` when `raw` is known to be valid JSON.
    /// It fills the buffers of `scratch` (made ready by [`Scratch::start`]).
    fn new(raw: &'a str, sel: &'a Selector, valid: bool, scratch: Scratch) -> Scanner<'a> {
        Scanner {
            text: raw,
            b: raw.as_bytes(),
            i: 0,
            sel,
            out: scratch.out,
            slots: scratch.slots,
            fast_skip: valid && super::skip::available(),
            found: scratch.found,
            found_ids: scratch.found_ids,
        }
    }

    fn into_scratch(self) -> Scratch {
        Scratch {
            out: self.out,
            slots: self.slots,
            found: self.found,
            found_ids: self.found_ids,
        }
    }

    /// The whole text, a JSON object, walked.
    fn document(&mut self) -> Option<()> {
        // Control bytes: inside a string the search for its end stops at one (unsure);
        // between tokens only spaces are accepted, so a tab or newline there is unsure too.
        self.ws();
        if self.peek() != Some(b'{') {
            return None;
        }
        self.walk(0, 0)?;
        self.ws();
        (self.i == self.b.len()).then_some(())
    }

    /// The top-level object through the index of its members (see [`scan_indexed`]).
    fn indexed(&mut self, members: &[Member], backslash: bool) -> Option<()> {
        let top = self.sel.states.first()?;
        // Without prefix patterns at the top, a key of a length no wanted key has leads
        // nowhere: most members are passed over on their length alone (issue 6).
        let by_length = top.capture.is_empty();
        for m in members {
            let (key, value) = (m.key(), m.value());
            // In bounds (`member` slices the key); looked at only if the record has a `\`.
            let key_bytes = self.b.get(key.clone())?;
            let escaped = backslash && key_bytes.contains(&b'\\');
            // Escaped and empty keys are still `member`'s to refuse.
            if by_length && !escaped && !key_bytes.is_empty() && !top.may_have(key_bytes.len()) {
                continue;
            }
            // A string in a record without a backslash: its text lies between the quotes
            // the validator found, so a wanted one is taken without walking it (issue 6:
            // the values most searches group by). Otherwise as `member` below.
            if by_length
                && !backslash
                && !key_bytes.is_empty()
                && self.b.get(value.start) == Some(&b'"')
            {
                let selected = top
                    .next(key_bytes)
                    .and_then(|next| self.sel.states.get(next as usize).and_then(|s| s.selected));
                if let Some(id) = selected {
                    let text = self.text.get(value.start + 1..value.end.checked_sub(1)?)?;
                    self.emit_id(id, text.into());
                }
                continue;
            }
            self.i = value.start;
            self.member(top, 0, 0, key.start, key.end, escaped, |s| {
                s.i = value.end;
                Some(())
            })?;
            // A walked value ends where the validator says (else a bug: the walk decides).
            debug_assert_eq!(self.i, value.end, "{}", self.text);
            if self.i != value.end {
                return None;
            }
        }
        Some(())
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Whitespace: only spaces can occur (control bytes were ruled out).
    #[inline]
    fn ws(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }

    /// The next byte after any whitespace. Most JSON has none between tokens, so this
    /// is one load and compare (issue 6: fewer instructions per token than `ws()` then
    /// `peek()`).
    #[inline(always)]
    fn token(&mut self) -> Option<u8> {
        let c = *self.b.get(self.i)?;
        if c != b' ' {
            return Some(c);
        }
        self.ws();
        self.peek()
    }

    #[inline]
    fn expect(&mut self, c: u8) -> Option<()> {
        if self.token() == Some(c) {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    fn emit(&mut self, state: u32, text: CompactString) {
        if let Some(id) = self.sel.states[state as usize].selected {
            self.emit_id(id, text);
        }
    }

    /// A leaf below a pattern, named by its path.
    fn emit_path(&mut self, path: &str, text: CompactString) {
        let id = match self.sel.by_name.get(path) {
            Some(&id) => id,
            None => match self.found_ids.get(path) {
                Some(&id) => id,
                None => {
                    let id = (self.sel.names.len() + self.found.len()) as u32;
                    self.found.push(path.into());
                    self.found_ids.insert(path.to_string(), id);
                    self.slots.push(u32::MAX);
                    id
                }
            },
        };
        self.emit_id(id, text);
    }

    fn emit_id(&mut self, id: u32, text: CompactString) {
        let slot = &mut self.slots[id as usize];
        if *slot == u32::MAX {
            *slot = self.out.len() as u32;
            self.out.push((id, Value::Str(text)));
            return;
        }
        let value = &mut self.out[*slot as usize].1;
        match value {
            Value::Str(first) => {
                *value = Value::Multi(vec![std::mem::take(first).into(), text.into()]);
            }
            Value::Multi(values) => values.push(text.into()),
            // Only strings are emitted.
            _ => {}
        }
    }

    /// A string at the opening quote: the byte range of its contents and whether it has
    /// escapes. `None` for anything `serde_json` might treat differently (a surrogate
    /// `\u` escape: paired or not, serde decides) or reject.
    #[inline(always)]
    fn string(&mut self) -> Option<(usize, usize, bool)> {
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        loop {
            let off = find_string_stop(self.b.get(self.i..)?)?;
            self.i += off;
            match self.b[self.i] {
                b'"' => {
                    let end = self.i;
                    self.i += 1;
                    return Some((start, end, escaped));
                }
                b'\\' => {}
                // A control byte, which JSON does not allow inside a string.
                _ => return None,
            }
            escaped = true;
            match self.b.get(self.i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
                b'u' => {
                    hex4(self.b.get(self.i + 2..self.i + 6)?)
                        .filter(|c| !(0xD800..0xE000).contains(c))?;
                    self.i += 6;
                }
                _ => return None,
            }
        }
    }

    /// A number's text is checked against JSON's grammar; returns whether it is an
    /// integer that `serde_json` renders exactly as written (at most 18 digits, not
    /// `-0`, which serde reads as the float `-0.0`).
    fn number(&mut self) -> Option<bool> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        let digits = self.i;
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        let int_len = self.i - digits;
        let mut plain = int_len <= 18 && !(negative && self.b[digits] == b'0');
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.some_digits()?;
            plain = false;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.some_digits()?;
            plain = false;
        }
        Some(plain)
    }

    #[inline]
    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let start = self.i;
        self.digits();
        (self.i > start).then_some(())
    }

    fn word(&mut self, w: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + w.len())? == w {
            self.i += w.len();
            Some(())
        } else {
            None
        }
    }

    /// A value on a path that may lead to a selected name (`state`), at `self.i`.
    fn walk(&mut self, state: u32, depth: usize) -> Option<()> {
        // A copy of the reference, so that the state is not a borrow of `self`.
        let sel = self.sel;
        let st = sel.states.get(state as usize)?;
        match self.token()? {
            b'{' => self.object(depth, |s, start, end, escaped| {
                s.member(st, state, depth, start, end, escaped, |s| {
                    s.skip_value(depth + 1)
                })
            }),
            b'[' => {
                if st.array_capture {
                    let mut path = st.path.to_string();
                    return self.capture(&mut path, depth);
                }
                let Some(next) = st.array else {
                    return self.skip(depth);
                };
                self.array(depth, |s| s.walk(next, depth + 1))
            }
            _ => {
                if let Some(text) = self.scalar(st.selected.is_some())? {
                    self.emit(state, text);
                }
                Some(())
            }
        }
    }

    /// The value at `self.i` of the member whose key is `b[start..end]` (`escaped`: with
    /// an escape) in an object at `state` (`st`, at `depth`): walked or captured when a
    /// selected name may lie in it, else stepped over by `skip`. One piece for the walk
    /// and the indexed top level ([`scan_indexed`]).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn member(
        &mut self,
        st: &State,
        state: u32,
        depth: usize,
        start: usize,
        end: usize,
        escaped: bool,
        skip: impl FnOnce(&mut Self) -> Option<()>,
    ) -> Option<()> {
        // An escaped key would have to be decoded before matching, and an empty one
        // makes serde's path rules special (`""` at the top): both are rare enough to
        // leave to serde.
        if escaped || start == end {
            return None;
        }
        let b = self.b;
        let key = &b[start..end];
        if st.capture.iter().any(|rest| key.starts_with(rest)) {
            let mut path = String::with_capacity(st.path.len() + key.len() + 32);
            path.push_str(&st.path);
            if state != 0 {
                path.push('.');
            }
            path.push_str(self.text.get(start..end)?);
            self.capture(&mut path, depth + 1)
        } else {
            match st.next(key) {
                Some(next) => self.walk(next, depth + 1),
                None => skip(self),
            }
        }
    }

    /// A scalar value at `self.i` (string, number, `true`, `false`, `null`): its text as
    /// `serde_json` renders it when `wanted` (strings are only decoded then), `None` for
    /// `null` (R4.9: an absent field) or when not wanted.
    fn scalar(&mut self, wanted: bool) -> Option<Option<CompactString>> {
        match self.peek()? {
            b'"' => {
                let (start, end, escaped) = self.string()?;
                if !wanted {
                    return Some(None);
                }
                let text = if escaped {
                    unescape(&self.b[start..end])?.into()
                } else {
                    // Both ends are ASCII quotes, so this is a char boundary.
                    self.text.get(start..end)?.into()
                };
                Some(Some(text))
            }
            b't' => {
                self.word(b"true")?;
                Some(wanted.then(|| "true".into()))
            }
            b'f' => {
                self.word(b"false")?;
                Some(wanted.then(|| "false".into()))
            }
            b'n' => self.word(b"null").map(|()| None),
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                let plain = self.number()?;
                let token = self.text.get(start..self.i)?;
                if plain {
                    Some(wanted.then(|| token.into()))
                } else {
                    // Floats, exponents, `-0` and big integers: serde's own reading
                    // and rendering (and its errors, e.g. `1e400` out of range, which
                    // make the walk fail: then the slow path decides).
                    let n: serde_json::Number = serde_json::from_str(token).ok()?;
                    Some(Some(format_compact!("{n}")))
                }
            }
            _ => None,
        }
    }

    /// A value below a pattern (`path` is a name the pattern selects): every leaf is
    /// selected, named by its path (R4.7, R4.13).
    fn capture(&mut self, path: &mut String, depth: usize) -> Option<()> {
        let len = path.len();
        match self.token()? {
            b'{' => self.object(depth, |s, start, end, escaped| {
                // As in `walk`: escaped and empty keys are left to serde.
                if escaped || start == end {
                    return None;
                }
                path.push('.');
                path.push_str(s.text.get(start..end)?);
                s.capture(path, depth + 1)?;
                path.truncate(len);
                Some(())
            }),
            b'[' => {
                path.push_str("{}");
                self.array(depth, |s| s.capture(path, depth + 1))?;
                path.truncate(len);
                Some(())
            }
            _ => {
                if let Some(text) = self.scalar(true)? {
                    self.emit_path(path, text);
                }
                Some(())
            }
        }
    }

    /// [`Scanner::skip`] with the commonest value, a string, handled in place: most
    /// values are strings, and a call per value cost more than scanning it (issue 6).
    #[inline(always)]
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        if self.token() == Some(b'"') {
            self.string().map(drop)
        } else {
            self.skip(depth)
        }
    }

    /// Check and step over a value no selected name lies in.
    fn skip(&mut self, depth: usize) -> Option<()> {
        let c = self.token()?;
        if self.fast_skip && matches!(c, b'{' | b'[') {
            // Valid text: no grammar to check, and no depth limit (the `serde_json` walk
            // skips such a value with `IgnoredAny`, which has none either).
            if let Some(end) = super::skip::container_end(self.b, self.i) {
                self.i = end;
                return Some(());
            }
        }
        match c {
            b'"' => self.string().map(drop),
            b'{' => self.object(depth, |s, _, _, _| s.skip_value(depth + 1)),
            b'[' => self.array(depth, |s| s.skip_value(depth + 1)),
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            b'-' | b'0'..=b'9' => self.number().map(drop),
            _ => None,
        }
    }

    /// The object at `self.i` (its `{` next): each key is read and `member(self, start,
    /// end, escaped)` reads its value; the nesting limit, the separators and the end are
    /// checked here. One loop for `walk`, `capture` and `skip`.
    #[inline(always)]
    fn object(
        &mut self,
        depth: usize,
        mut member: impl FnMut(&mut Self, usize, usize, bool) -> Option<()>,
    ) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.i += 1;
        if self.token() == Some(b'}') {
            self.i += 1;
            return Some(());
        }
        loop {
            if self.token() != Some(b'"') {
                return None;
            }
            let (start, end, escaped) = self.string()?;
            self.expect(b':')?;
            member(self, start, end, escaped)?;
            match self.token()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The array at `self.i` (its `[` next), `element(self)` reading each element; as
    /// [`Scanner::object`].
    #[inline(always)]
    fn array(
        &mut self,
        depth: usize,
        mut element: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        if depth >= MAX_DEPTH {
            return None;
        }
        self.i += 1;
        if self.token() == Some(b']') {
            self.i += 1;
            return Some(());
        }
        loop {
            element(self)?;
            match self.token()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

/// The position of the first `"`, `\\` or control byte (below 0x20) in `b`: where a
/// string ends, has an escape, or is invalid JSON.
///
/// Most strings of a CloudTrail record are short (keys, ids, names: 5–40 bytes), where
/// `memchr2`'s set-up per call cost more than the search (issue 6: ~10% of W3's
/// instructions); looking for control bytes here too spares a pass over the whole record.
/// SSE2 is part of x86_64 itself (no runtime detection needed): 16 bytes per step, the
/// last partial block scalar.
#[inline(always)]
pub fn find_string_stop(b: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        find_sse2(b)
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        find_scalar(b)
    }
}

/// The portable [`find_string_stop`].
#[inline]
pub fn find_scalar(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20)
}

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline(always)]
#[allow(unsafe_code)]
fn find_sse2(b: &[u8]) -> Option<usize> {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    let mut i = 0;
    // SAFETY: SSE2 is enabled for this target (the cfg above), so the intrinsics exist;
    // each load reads the 16 bytes `b[i..i + 16]`, in bounds by the loop condition, and
    // `_mm_loadu_si128` has no alignment requirement.
    unsafe {
        let quote = _mm_set1_epi8(b'"' as i8);
        let backslash = _mm_set1_epi8(b'\\' as i8);
        let control = _mm_set1_epi8(0x1f);
        while i + 16 <= b.len() {
            let block = _mm_loadu_si128(b.as_ptr().add(i).cast::<__m128i>());
            // Unsigned `max(c, 0x1f) == 0x1f` is `c <= 0x1f`.
            let low = _mm_cmpeq_epi8(_mm_max_epu8(block, control), control);
            let hits = _mm_or_si128(
                _mm_or_si128(
                    _mm_cmpeq_epi8(block, quote),
                    _mm_cmpeq_epi8(block, backslash),
                ),
                low,
            );
            let mask = _mm_movemask_epi8(hits) as u32;
            if mask != 0 {
                return Some(i + mask.trailing_zeros() as usize);
            }
            i += 16;
        }
    }
    find_scalar(&b[i..]).map(|off| i + off)
}

/// A bit (0–63) from a key's first and last bytes, for [`Keys::Many`]'s filter.
#[inline(always)]
fn edge_bit(key: &[u8]) -> u32 {
    match (key.first(), key.last()) {
        (Some(&first), Some(&last)) => u32::from(first.wrapping_mul(3) ^ last) & 63,
        _ => 0,
    }
}

/// `a == b` for the short byte strings of JSON keys, with word loads instead of a call
/// to `memcmp` (issue 6: the top-level keys of a record are compared with the wanted
/// ones of the same length, ~8 `memcmp` calls per W3 record).
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let n = a.len();
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_le_bytes(w)
    };
    if (8..=16).contains(&n) {
        // Two overlapping words cover the whole of both.
        word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8)
    } else {
        a == b
    }
}

/// Four hex digits as a number.
fn hex4(hex: &[u8]) -> Option<u32> {
    let mut n = 0;
    for &h in hex {
        n = n * 16 + char::from(h).to_digit(16)?;
    }
    Some(n)
}

/// The text of a string's contents with its escapes decoded (already checked by
/// [`Scanner::string`]: no surrogates).
fn unescape(b: &[u8]) -> Option<String> {
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let Some(off) = memchr::memchr(b'\\', &b[i..]) else {
            out.extend_from_slice(&b[i..]);
            break;
        };
        out.extend_from_slice(&b[i..i + off]);
        i += off;
        let c = match *b.get(i + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let c = char::from_u32(hex4(b.get(i + 2..i + 6)?)?)?;
                i += 4;
                c
            }
            _ => return None,
        };
        i += 2;
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
    String::from_utf8(out).ok()
}

/// Can [`scan`] serve this set? Exact names and prefix patterns: `all` and other
/// patterns (`*.ARN`) need the path of every key, which the `serde_json` walk builds.
pub fn serves(wanted: &FieldSet) -> bool {
    !wanted.all && wanted.patterns.iter().all(|p| prefix_pattern(p).is_some())
}

/// The literal part `L` of a pattern `L*` with one `*`, at the end, and `L` not empty:
/// it selects exactly the names starting with `L` (R1.18: `*` matches any run).
pub fn prefix_pattern(pattern: &str) -> Option<&str> {
    pattern
        .strip_suffix('*')
        .filter(|literal| !literal.is_empty() && !literal.contains('*'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::flatten_text_serde;

    fn set(names: &[&str]) -> FieldSet {
        FieldSet::from_names(names)
    }

    /// Extracted fields by name, their values as strings.
    type Named = Vec<(String, Vec<String>)>;

    /// [`crate::extract::extract_into`] (through this thread's scratch, reused from
    /// call to call: issue 6) makes the row that setting [`crate::extract::extract_values`]'
    /// fields one by one makes, over a row with fields the document may overwrite, with
    /// the text given and as the row's `_raw`.
    fn into_row_agrees(doc: &str, wanted: &FieldSet, text: Text<'_>) {
        let start: Row = [
            ("_raw", doc),
            ("eventName", "before"),
            ("dup", "before"),
            ("z", "z"),
        ]
        .into_iter()
        .map(|(n, v)| (n, Value::str(v)))
        .collect();
        let mut want = start.clone();
        if doc.trim_start().starts_with('{') {
            for (name, value) in
                crate::extract::extract_values(doc, wanted, text).unwrap_or_default()
            {
                want.set(name, value);
            }
        }
        let fields = |row: &Row| -> Vec<(String, Value)> {
            row.iter()
                .map(|(n, v)| (n.to_string(), v.clone()))
                .collect()
        };
        for own in [Some(doc), None] {
            let mut got = start.clone();
            crate::extract::extract_into(&mut got, wanted, text, own);
            assert_eq!(fields(&got), fields(&want), "{doc} / {wanted} / {own:?}");
        }
    }

    /// The scanner answers on the CLOUDTRAIL record as the serde walk does, also for
    /// text known to be valid and through the validator's index.
    fn agrees_on_cloudtrail(wanted: &FieldSet) {
        let got = scanned(CLOUDTRAIL, wanted);
        assert!(got.is_some(), "scanner unsure on a plain record: {wanted}");
        assert_eq!(got, reference(CLOUDTRAIL, wanted), "{wanted}");
        assert_eq!(scanned_valid(CLOUDTRAIL, wanted), got, "valid: {wanted}");
        if crate::extract::skip::available() {
            // Without exponents, which the block validator leaves to serde_json.
            let plain = CLOUDTRAIL.replace("-3e2", "-300").replace("1e3", "1000");
            let indexed = scanned_indexed(&plain, wanted).expect("indexed");
            assert!(indexed.is_some(), "{wanted}");
        }
    }

    /// The scanner's answer as names and values.
    fn scanned(doc: &str, wanted: &FieldSet) -> Option<Named> {
        into_row_agrees(doc, wanted, Text::Unchecked);
        let sel = wanted.selector();
        scan(doc, sel).map(|scanned| {
            scanned
                .into_fields(sel)
                .into_iter()
                .map(|(name, v)| (name.into(), v.to_strings()))
                .collect()
        })
    }

    /// [`scanned`] of text known to be valid.
    fn scanned_valid(doc: &str, wanted: &FieldSet) -> Option<Named> {
        into_row_agrees(doc, wanted, Text::Valid);
        let sel = wanted.selector();
        scan_text(doc, sel, Text::Valid).map(|scanned| {
            scanned
                .into_fields(sel)
                .into_iter()
                .map(|(name, v)| (name.into(), v.to_strings()))
                .collect()
        })
    }

    /// The scanner told the validator's index of the top-level members (issue 6), when
    /// the block validator makes one for `doc`: it must answer exactly as the walk of
    /// valid text (the same fields, order and values, and unsure on the same records),
    /// and the extraction through it as through the walk. `None` without an index.
    fn scanned_indexed(doc: &str, wanted: &FieldSet) -> Option<Option<Named>> {
        let mut index = crate::reader::validate::TopIndex::default();
        crate::reader::validate::quick_indexed(doc.as_bytes(), &mut index);
        index.members_of(doc)?;
        into_row_agrees(doc, wanted, Text::Indexed(&index));
        let sel = wanted.selector();
        let got = scan_text(doc, sel, Text::Indexed(&index)).map(|scanned| {
            scanned
                .into_fields(sel)
                .into_iter()
                .map(|(name, v)| (name.to_string(), v.to_strings()))
                .collect()
        });
        assert_eq!(
            got,
            scanned_valid(doc, wanted),
            "indexed vs walk: {doc} / {wanted}"
        );
        assert_eq!(
            crate::extract::extract_values(doc, wanted, Text::Indexed(&index)),
            crate::extract::extract_values(doc, wanted, Text::Unchecked),
            "{doc} / {wanted}"
        );
        Some(got)
    }

    /// What the reader accepts as a raw record (the meaning of [`Text::Valid`]).
    fn valid(doc: &str) -> bool {
        serde_json::from_str::<serde::de::IgnoredAny>(doc).is_ok()
    }

    /// The `serde_json` walk; `json::flatten` filtered to the set agrees with it, except
    /// on duplicate keys (the tree keeps the last value, the walk every value, in order).
    fn reference(doc: &str, wanted: &FieldSet) -> Option<Vec<(String, Vec<String>)>> {
        let serde = flatten_text_serde(doc, wanted);
        let duplicates = doc.contains(r#""dup":"b""#) || doc.contains(r#""a":null"#);
        // (A lone surrogate in a skipped string passes the walk, not a full parse.)
        let tree = serde_json::from_str::<serde_json::Value>(doc);
        if let (Some(fields), false, Ok(json)) = (&serde, duplicates, tree) {
            let flat: Vec<_> = crate::json::flatten(&json)
                .into_iter()
                .filter(|(n, _)| wanted.contains(n))
                .collect();
            assert_eq!(fields, &flat, "serde walk vs json::flatten: {doc}");
        }
        serde
    }

    const CLOUDTRAIL: &str = r#"{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/r/s","sessionContext":{"sessionIssuer":{"userName":"r"},"attributes":{"mfaAuthenticated":"false"}}},"eventName":"PutImage","awsRegion":"us-east-1","sourceIPAddress":"10.0.0.1","userAgent":"a \"quoted\" agent\\with\/escapes \u00e9\u4e2d","requestParameters":{"repositoryName":"r","imageTag":"v1","n":[1,2.5,-3e2,{"x":null}]},"responseElements":null,"resources":[{"ARN":"a1","accountId":"1"},{"ARN":"a2","type":"AWS::ECR::Repository"}],"readOnly":false,"managementEvent":true,"errorCode":"AccessDenied","count":5543,"neg":-12,"zero":0,"negzero":-0,"big":18446744073709551615,"bigger":123456789012345678901234,"f":1.0,"g":1e3,"h":0.1,"empty":{},"none":[],"nested":[[1,2],[3,[4]]],"dup":"a","dup":"b","a.b":"dotted","a":{"b":"nested"}}"#;

    #[test]
    fn cloudtrail_like_record_matches_serde_for_many_selections() {
        let sets = [
            set(&["eventName", "eventSource"]),
            set(&[
                "eventName",
                "awsRegion",
                "sourceIPAddress",
                "userIdentity.userName",
                "userIdentity.sessionContext.sessionIssuer.userName",
                "requestParameters.roleArn",
                "requestParameters.userName",
                "userIdentity.type",
            ]),
            set(&[
                "userAgent",
                "resources{}.ARN",
                "resources{}.type",
                "readOnly",
            ]),
            set(&["requestParameters.n{}", "requestParameters.n{}.x", "count"]),
            set(&["neg", "zero", "negzero", "big", "bigger", "f", "g", "h"]),
            set(&["nested{}{}", "nested{}{}{}", "empty", "none", "none{}"]),
            set(&["dup", "a.b", "a", "userIdentity", "resources{}"]),
            set(&["userIdentity.sessionContext.attributes.mfaAuthenticated"]),
            set(&["absent", "userIdentity.absent.deeper", "resources{}.ARN.x"]),
            FieldSet::none(),
        ];
        for wanted in &sets {
            agrees_on_cloudtrail(wanted);
        }
        // Spot checks of the rules the comparison relies on.
        let got = scanned(CLOUDTRAIL, &sets[6]).expect("scans");
        let get = |n: &str| got.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        // Duplicate keys and a dotted key meeting a nested one: one multivalue.
        assert_eq!(get("dup"), Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(
            get("a.b"),
            Some(vec!["dotted".to_string(), "nested".into()])
        );
        let got = scanned(CLOUDTRAIL, &sets[4]).expect("scans");
        let get = |n: &str| got.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
        assert_eq!(get("negzero"), Some(vec!["-0.0".to_string()]));
        assert_eq!(get("g"), Some(vec!["1000.0".to_string()]));
        assert_eq!(get("f"), Some(vec!["1.0".to_string()]));
        assert_eq!(get("big"), Some(vec!["18446744073709551615".to_string()]));
    }

    /// The index in the places it could differ from the walk: no members, an empty or
    /// escaped top-level key (unsure either way), repeated keys, a pattern at the top,
    /// brackets and separators inside strings, wanted containers across block
    /// boundaries, whitespace around the object.
    #[test]
    fn indexed_top_level_equals_the_walk() {
        if !crate::extract::skip::available() {
            return;
        }
        let pad = "x".repeat(40);
        let mut docs: Vec<String> = [
            r#"{}"#,
            r#"{"":"empty key","a":"1"}"#,
            r#"{"a":"1","k\"q":"escaped key"}"#,
            r#"{"k\u0061":"escaped, decodes to ka","a":"1"}"#,
            r#"{"a":"1","b":{"a":"2"},"a":["3",{"x":"4"}],"a":null,"a":"5"}"#,
            r#"{"a.b":"dotted","a":{"b":"nested"},"ab":"x","a{}":"braced"}"#,
            r#"{"s":"{,:}[]\"","a":"}{","b":[",",":"],"t":"\\"}"#,
            r#"{"requestParameters":{"a":{"b":[1,2]},"c":"d"},"a":true,"b":false}"#,
            r#"{"a":1.5,"b":-0,"c":123456789012345678901234,"d":0.1}"#,
            "  {\"a\":\"1\",\"b\":\"2\"}  ",
            r#"{"é":"中","a":"😀"}"#,
        ]
        .iter()
        .map(|d| d.to_string())
        .collect();
        for n in 0..130 {
            let p = &pad[..n % 40];
            let q = "q".repeat(n);
            docs.push(format!(
                r#"{{"{q}":"{p}","a":{{"b":["{p}",{{"c":"{q}"}}]}},"b":"{p}","requestParameters":{{"{p}x":[{{}}]}}}}"#
            ));
        }
        let sets = [
            set(&["a", "b", "a.b", "a{}", "a{}.x", "a.b{}", "a.b{}.c", "ka"]),
            set(&["requestParameters.*", "a*", "s", "t"]),
            set(&["", "k\"q", "é", "c", "d"]),
            FieldSet::none(),
        ];
        let mut indexed = 0;
        for doc in &docs {
            assert!(valid(doc), "{doc}");
            for wanted in &sets {
                // (compares with the walk and the extraction)
                if scanned_indexed(doc, wanted).is_some() {
                    indexed += 1;
                }
            }
        }
        assert_eq!(indexed, docs.len() * sets.len(), "every document indexed");
        // The unsure answers are the walk's: the caller asks serde.
        let wanted = set(&["a"]);
        for doc in [&docs[1], &docs[2], &docs[3]] {
            assert_eq!(scanned_indexed(doc, &wanted), Some(None), "{doc}");
        }
        // Repeated keys: one multivalue in document order (`a{}` is not wanted, so the
        // array is not `a`'s value; `null` is absent).
        assert_eq!(
            scanned_indexed(&docs[4], &wanted),
            Some(Some(vec![("a".to_string(), vec!["1".into(), "5".into()])]))
        );
    }

    #[test]
    fn edge_cases_match_serde_or_go_the_slow_way() {
        let docs = [
            r#"{}"#,
            r#"  {"a":1}  "#,
            r#"{"a":[]}"#,
            r#"{"a":[{}]}"#,
            r#"{"a":[{"b":[{"c":"x"},{"c":"y"}]},{"b":{"c":"z"}}]}"#,
            r#"{"a":{"b":{"c":{"d":"deep"}}},"a.b.c.d":"flat","a.b":{"c.d":"mixed"}}"#,
            r#"{"k\u00e9y":"v","k\"q":"w","":"empty key","e":{"":"x"}}"#,
            r#"{"s":"\ud83d\ude00","t":"\u0041\n\t\/","u":"\\"}"#,
            r#"{"a":"x","a":null,"a":["y",null,"z"]}"#,
            r#"{"a":true,"b":false,"c":null,"d":[true,false,null]}"#,
            r#"{"n":-1.5e-3,"m":1E+2,"o":-0.0,"p":9007199254740993,"q":-9223372036854775808}"#,
            r#"{"a":"tab	inside"}"#,
            "{\"a\":\n\"newline ws\"}",
            r#"{"a":"é中😀","b":{"é":"x"}}"#,
            r#"{"a{}":"braced key","a":["array"]}"#,
            // Invalid documents: the scanner must never accept them.
            r#"{"a":1,}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":tru}"#,
            r#"{"a":"x"} x"#,
            r#"{"a":"x""#,
            r#"{"a" "x"}"#,
            r#"{"a":"\x"}"#,
            r#"{"a":"\u12"}"#,
            r#"{"a":[1 2]}"#,
            r#"{"a":{"b":1]}"#,
            r#"{"skipped":{"deep":[1,2,{"x":tru}]},"a":"1"}"#,
            r#"{"skipped":"\ud800","a":"1"}"#,
            r#"{"a":1e400}"#,
            r#"{"skipped":1e400,"a":"1"}"#,
            r#"[1,2]"#,
            r#""text""#,
            "",
        ];
        let sets = [
            set(&["a", "b", "a.b", "a{}", "a{}.b{}.c", "a{}.b.c"]),
            set(&["a.b.c.d", "a.b.c", "k\u{e9}y", "k\"q", "e", "s", "t", "u"]),
            set(&["n", "m", "o", "p", "q", "d{}", "c", "b.\u{e9}"]),
            set(&["a"]),
        ];
        for doc in docs {
            for wanted in &sets {
                let expected = reference(doc, wanted);
                if let Some(got) = scanned(doc, wanted) {
                    assert_eq!(Some(got), expected, "{doc} / {wanted}");
                }
                if valid(doc) {
                    // Told the text is valid, the scanner skips without checking.
                    if let Some(got) = scanned_valid(doc, wanted) {
                        assert_eq!(Some(got), expected, "valid: {doc} / {wanted}");
                    }
                    // (compares with the walk itself)
                    scanned_indexed(doc, wanted);
                }
                assert_eq!(
                    crate::extract::flatten_text(doc, wanted),
                    expected,
                    "{doc} / {wanted}"
                );
            }
        }
        // Deep nesting is left to serde (which stops at 128 levels on walked paths, and
        // skips deeper subtrees it does not walk).
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(150), "]".repeat(150));
        for wanted in [set(&["a"]), set(&[&format!("a{}", "{}".repeat(150))])] {
            assert_eq!(scanned(&deep, &wanted), None);
            assert_eq!(
                crate::extract::flatten_text(&deep, &wanted),
                flatten_text_serde(&deep, &wanted)
            );
        }
        assert_eq!(flatten_text_serde(&deep, &set(&["a"])), Some(vec![]));
        // Valid text: a deep subtree no name lies in is skipped by the block skip, which
        // has no depth limit (nor has serde's `IgnoredAny`).
        let deep_skipped = format!(
            "{{\"x\":{}1{}, \"a\":\"1\"}}",
            "[".repeat(150),
            "]".repeat(150)
        );
        assert_eq!(
            flatten_text_serde(&deep_skipped, &set(&["a"])),
            Some(vec![("a".to_string(), vec!["1".to_string()])])
        );
        if crate::extract::skip::available() {
            assert_eq!(
                scanned_valid(&deep_skipped, &set(&["a"])),
                flatten_text_serde(&deep_skipped, &set(&["a"]))
            );
        }
        assert_eq!(scanned(&deep_skipped, &set(&["a"])), None);
        let ok = format!("{{\"a\":{}1{}}}", "[".repeat(20), "]".repeat(20));
        let name = format!("a{}", "{}".repeat(20));
        assert_eq!(
            scanned(&ok, &set(&[&name])),
            Some(vec![(name.clone(), vec!["1".to_string()])])
        );
    }

    #[test]
    fn prefix_patterns_match_serde() {
        let sets = [
            set(&["requestParameters.*"]),
            set(&[
                "requestParameters.*",
                "requestParameters.repositoryName",
                "eventName",
            ]),
            set(&[
                "requestParameters.n*",
                "resources{}.*",
                "userIdentity.session*",
            ]),
            set(&["a*", "dup*", "nested{*", "none{}*"]),
            set(&["a.*", "a.b", "userIdentity.sessionContext.*", "e*"]),
            set(&["nested{}{}*", "requestParameters.n{}.*", "k*"]),
        ];
        for wanted in &sets {
            assert!(serves(wanted), "{wanted}");
            agrees_on_cloudtrail(wanted);
        }
        let got = scanned(CLOUDTRAIL, &sets[1]).expect("scans");
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        // Document order; the exact name and the pattern give one field.
        assert_eq!(
            names,
            [
                "eventName",
                "requestParameters.repositoryName",
                "requestParameters.imageTag",
                "requestParameters.n{}",
            ]
        );
        for doc in [
            r#"{"a":{"b":[{"c":"x"},{"c":"y"}]},"a.b":{"c":"z"},"ab":1,"ac":[1,{"":2}]}"#,
            r#"{"a":{"b\u0041":1}}"#,
            r#"{"a":[[1,[2]],{"x":[true,null,false]}],"a{}":"k"}"#,
            r#"{"a":{"b":1e400}}"#,
            r#"{"a":{"b":tru}}"#,
        ] {
            for wanted in [
                set(&["a*"]),
                set(&["a.*", "a.b{}.c"]),
                set(&["a{*"]),
                set(&["a{}*"]),
            ] {
                let expected = reference(doc, &wanted);
                if let Some(got) = scanned(doc, &wanted) {
                    assert_eq!(Some(got), expected, "{doc} / {wanted}");
                }
                assert_eq!(crate::extract::flatten_text(doc, &wanted), expected);
            }
        }
        // Other patterns are left to serde.
        for other in ["*.ARN", "a*b*", "*"] {
            assert!(!serves(&set(&[other])), "{other}");
        }
    }

    #[test]
    fn string_stop_search_simd_equals_scalar_for_every_length_and_alignment() {
        let reference = |s: &[u8]| s.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
        // A buffer with room for every alignment; each stop byte at every position of
        // every length, alone and before another stop, and no stop at all.
        let mut buf = vec![b'a'; 256 + 16];
        for align in 0..16 {
            for len in 0..200 {
                let slice = |buf: &[u8]| buf[align..align + len].to_vec();
                let plain = slice(&buf);
                assert_eq!(find_string_stop(&plain), None);
                assert_eq!(find_scalar(&plain), None);
                for pos in 0..len {
                    for special in [b'"', b'\\', 0x00, 0x0a, 0x1f] {
                        buf[align + pos] = special;
                        if pos + 3 < len {
                            buf[align + pos + 3] = b'"';
                        }
                        let s = slice(&buf);
                        assert_eq!(reference(&s), Some(pos));
                        assert_eq!(find_string_stop(&s), Some(pos), "{align} {len} {pos}");
                        assert_eq!(find_scalar(&s), Some(pos));
                        buf[align + pos] = b'a';
                        if pos + 3 < len {
                            buf[align + pos + 3] = b'a';
                        }
                    }
                }
            }
        }
        // Every other byte (space, DEL, non-ASCII, bytes one bit away from the stops)
        // is not a stop, at every offset within a 16-byte block.
        let others: Vec<u8> = (0x20..=0xffu8)
            .filter(|&c| c != b'"' && c != b'\\')
            .collect();
        for skip in 0..16 {
            let s = &others[skip..];
            assert_eq!(find_string_stop(s), None);
            assert_eq!(find_scalar(s), None);
            for stop in [b'"', b'\\', 0x00, 0x1f] {
                let mut with = s.to_vec();
                with.push(stop);
                assert_eq!(find_string_stop(&with), Some(s.len()));
                assert_eq!(find_scalar(&with), Some(s.len()));
            }
        }
    }

    /// The word comparison of keys against `==`: every length up to 40, a difference at
    /// every position, and lengths that differ.
    #[test]
    fn same_bytes_equals_slice_equality() {
        for n in 0..40usize {
            let a: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(same_bytes(&a, &a.clone()));
            for at in 0..n {
                let mut b = a.clone();
                b[at] ^= 0x20;
                assert!(!same_bytes(&a, &b), "{n} {at}");
            }
            assert!(!same_bytes(&a, &a[..n.saturating_sub(1)]) || n == 0);
        }
    }

    /// One scratch for scans of different records and selectors, after unsure and
    /// failed scans and scans that found names below a pattern: each answers as a scan
    /// with fresh buffers.
    #[test]
    fn a_reused_scratch_answers_as_fresh_buffers() {
        let patterns: BTreeSet<String> = ["requestParameters.*".to_string()].into();
        let names = set(&["eventName", "resources{}.ARN", "dup"]);
        let with_pattern = Selector::new(names.names(), &patterns);
        let plain = Selector::new(names.names(), &BTreeSet::new());
        let docs = [
            CLOUDTRAIL,
            r#"{"eventName":"a","eventName":"b","requestParameters":{"x":"1","y":["2","3"]}}"#,
            r#"{"eventName":"a","requestParameters":{"x":"1"},"bad":tru}"#,
            r#"{"\u0065ventName":"escaped"}"#,
            r#"{"requestParameters":{"z":"9"},"dup":"1","dup":"2"}"#,
            "not json",
        ];
        let mut scratch = Scratch::default();
        for round in 0..2 {
            for doc in docs {
                for sel in [&with_pattern, &plain] {
                    let fresh = scan_text(doc, sel, Text::Unchecked);
                    let reused = scan_with(doc, sel, Text::Unchecked, &mut scratch);
                    assert_eq!(reused, fresh.is_some(), "{round} {doc}");
                    if let Some(fresh) = fresh {
                        let mut a = Row::new();
                        let mut b = Row::new();
                        for (name, value) in fresh.into_fields(sel) {
                            a.set(name, value);
                        }
                        assert_eq!(scratch.set_into(sel, &mut b), a.len());
                        let list = |r: &Row| {
                            r.iter()
                                .map(|(n, v)| (n.clone(), v.clone()))
                                .collect::<Vec<_>>()
                        };
                        assert_eq!(list(&b), list(&a), "{round} {doc}");
                    }
                }
            }
        }
    }

    #[test]
    fn control_bytes_are_left_to_serde() {
        // Raw control bytes inside strings are invalid JSON; as whitespace they are
        // valid but the scanner only reads spaces. Either way the serde walk answers.
        let wanted = set(&["a", "b"]);
        for doc in [
            "{\"a\":\"x\u{1}y\"}",
            "{\"skipped\":\"x\ty\",\"a\":\"1\"}",
            "{\"a\":\"1\",\n\"b\":\"2\"}",
            "{\"a\":\"1\"}\n",
            "\t{\"a\":\"1\"}",
        ] {
            assert_eq!(scanned(doc, &wanted), None, "{doc:?}");
            assert_eq!(
                crate::extract::flatten_text(doc, &wanted),
                flatten_text_serde(doc, &wanted),
                "{doc:?}"
            );
        }
        assert_eq!(
            crate::extract::flatten_text("{\"a\":\"1\",\n\"b\":\"2\"}", &wanted),
            Some(vec![
                ("a".into(), vec!["1".into()]),
                ("b".into(), vec!["2".into()])
            ])
        );
    }

    #[test]
    fn selector_states_follow_the_names() {
        let sel = Selector::new(set(&["a.b{}.c", "x"]).names(), &BTreeSet::new());
        // "", "a", "a.b", "a.b{}", "a.b{}.c", "x"
        assert_eq!(sel.states.len(), 6);
        assert_eq!(sel.names(), &["a.b{}.c".to_string(), "x".to_string()]);
        let root = &sel.states[0];
        assert!(root.next(b"a").is_some());
        assert!(root.next(b"a.b").is_some());
        assert!(root.next(b"b").is_none());
        assert!(root.next(b"x").is_some());
        assert!(root.next(b"y").is_none());
        // Many keys in one state use the hash map and answer the same.
        let many: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        let sel = Selector::new(FieldSet::from_names(&many).names(), &BTreeSet::new());
        assert!(matches!(sel.states[0].keys, Keys::Many(..)));
        // Its length and edge-byte filter rejects no key it holds, and what it lets
        // through is decided by the map.
        let root = &sel.states[0];
        for (i, k) in many.iter().enumerate() {
            assert!(root.next(k.as_bytes()).is_some(), "{k}");
            let near = [
                format!("j{i}"),
                format!("k{i}x"),
                format!("{i}k"),
                format!("K{i}"),
            ];
            for miss in near.iter().filter(|m| !many.contains(m)) {
                assert_eq!(root.next(miss.as_bytes()), None, "{miss}");
            }
        }
        // Keys of 63 bytes and more share one length bit.
        let (long, longer) = ("k".repeat(70), "k".repeat(80));
        let sel = Selector::new(set(&[&long]).names(), &BTreeSet::new());
        let doc = format!(r#"{{"{longer}":"no","{long}":"yes"}}"#);
        let got = scan(&doc, &sel).expect("scans").into_fields(&sel);
        assert_eq!(got, vec![(long.as_str().into(), Value::str("yes"))]);
        let sel = Selector::new(FieldSet::from_names(&many).names(), &BTreeSet::new());
        let doc = r#"{"k3":"three","k39":"last","k40":"no"}"#;
        let got = scan(doc, &sel).expect("scans").into_fields(&sel);
        let names: Vec<&str> = got.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, vec!["k3", "k39"]);
    }

    mod generated {
        use super::*;
        use proptest::prelude::*;

        /// Keys from a small alphabet so that names, prefixes and duplicates meet; some
        /// with dots, braces, escapes and non-ASCII.
        fn key() -> impl Strategy<Value = String> {
            prop::sample::select(vec![
                "a",
                "b",
                "ab",
                "a.b",
                "a{}",
                "é",
                "k\"q",
                "",
                "requestParameters",
                "x",
            ])
            .prop_map(str::to_string)
        }

        fn value() -> impl Strategy<Value = serde_json::Value> {
            let chars =
                prop::sample::select(vec!['"', '\\', '{', '}', '[', ']', 'a', 'é', '\u{1}']);
            let string = prop::collection::vec(chars, 0..12).prop_map(String::from_iter);
            let leaf = prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::from),
                any::<i64>().prop_map(serde_json::Value::from),
                (-1e6f64..1e6).prop_map(serde_json::Value::from),
                string.prop_map(serde_json::Value::from),
            ];
            leaf.prop_recursive(5, 48, 5, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
                    prop::collection::vec((key(), inner), 0..5)
                        .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
                ]
            })
        }

        /// An object written with duplicate keys allowed (serde's map would merge them).
        fn document() -> impl Strategy<Value = String> {
            (prop::collection::vec((key(), value()), 0..8), any::<bool>()).prop_map(
                |(pairs, spaced)| {
                    let sep = if spaced { ", " } else { "," };
                    let body: Vec<String> = pairs
                        .iter()
                        .map(|(k, v)| format!("{}:{v}", serde_json::Value::from(k.as_str())))
                        .collect();
                    format!("{{{}}}", body.join(sep))
                },
            )
        }

        fn names() -> impl Strategy<Value = Vec<String>> {
            let name = prop::sample::select(vec![
                "a",
                "b",
                "ab",
                "a.b",
                "a{}",
                "a{}{}",
                "a.b{}",
                "a{}.b",
                "b.a",
                "x.a.b",
                "requestParameters.a",
                "requestParameters.*",
                "a*",
                "a.*",
                "a{}*",
                "b{*",
                "x.*",
                "é",
                "é.a",
                "requestParameters.a.b{}",
            ]);
            prop::collection::vec(name.prop_map(str::to_string), 0..5)
        }

        proptest! {
            #![proptest_config(crate::testing::proptest_config(256))]

            #[test]
            fn scanner_equals_serde_walk(doc in document(), names in names()) {
                let wanted = FieldSet::from_names(&names);
                let expected = flatten_text_serde(&doc, &wanted);
                prop_assert_eq!(crate::extract::flatten_text(&doc, &wanted), expected.clone());
                if serves(&wanted) {
                    if let Some(got) = scanned(&doc, &wanted) {
                        prop_assert_eq!(Some(got), expected.clone(), "unchecked");
                    }
                    if valid(&doc) {
                        if let Some(got) = scanned_valid(&doc, &wanted) {
                            prop_assert_eq!(Some(got), expected, "valid");
                        }
                        scanned_indexed(&doc, &wanted);
                    }
                }
            }
        }
    }
}
