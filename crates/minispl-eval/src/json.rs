//! JSON paths and flattening shared by `spath`, `KV_MODE=json` auto-extraction and the
//! `spath`/`json_extract` eval functions (SEMANTICS §4).
//!
//! Rendering of leaves (R4.9, R1.7 note, CLOUDTRAIL.md §3): strings without quotes,
//! booleans as `true`/`false`, integers as written (`5543`), other numbers as
//! `serde_json` renders an `f64` (shortest round-trip text, so `1.0` stays `1.0` and
//! `1.5` stays `1.5`). Without serde_json's `arbitrary_precision` the exact source text
//! is not kept: `1.50` renders `1.5` and `1e3` renders `1000.0`. `null` leaves produce
//! no value. Objects and arrays selected whole are their compact JSON text, keys in
//! source order (`preserve_order`).

mod plain;

use crate::plan::FieldSet;
use indexmap::IndexMap;
use serde_json::Value as Json;

/// Every leaf of `value`, named as Splunk names auto-extracted fields (`a.b{}.c`,
/// `tags{}`; R4.7, R4.13), with its values in document order (several values = a
/// multivalue field). Leaves are rendered as their JSON text (`true`, `1.5`), strings
/// without quotes; `null` leaves produce no value (CLOUDTRAIL.md §3). Names appear in
/// order of first occurrence.
pub fn flatten(value: &Json) -> Vec<(String, Vec<String>)> {
    let mut out = IndexMap::new();
    flatten_into(value, &mut out);
    out.into_iter().collect()
}

/// [`flatten`] into an existing map (values appended to names already present).
pub fn flatten_into(value: &Json, out: &mut IndexMap<String, Vec<String>>) {
    let mut name = String::new();
    walk(value, &mut name, out);
}

fn walk(value: &Json, name: &mut String, out: &mut IndexMap<String, Vec<String>>) {
    match value {
        Json::Object(map) => {
            for (k, v) in map {
                let len = name.len();
                if len > 0 {
                    name.push('.');
                }
                // R4.14: dots inside keys are not escaped.
                name.push_str(k);
                walk(v, name, out);
                name.truncate(len);
            }
        }
        Json::Array(items) => {
            // R4.13: one `{}` per array level.
            let len = name.len();
            name.push_str("{}");
            for item in items {
                walk(item, name, out);
            }
            name.truncate(len);
        }
        Json::Null => {}
        leaf => {
            if let Some(text) = render(leaf) {
                match out.get_mut(name.as_str()) {
                    Some(values) => values.push(text),
                    None => {
                        out.insert(name.clone(), vec![text]);
                    }
                }
            }
        }
    }
}

/// The text of one selected node: leaves as their JSON text (strings unquoted), objects
/// and arrays as compact JSON (R4.5), `null` as nothing (R4.9).
pub fn render(value: &Json) -> Option<String> {
    match value {
        Json::Null => None,
        Json::String(s) => Some(s.clone()),
        Json::Bool(b) => Some(b.to_string()),
        Json::Number(n) => Some(n.to_string()),
        other => serde_json::to_string(other).ok(),
    }
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    /// `{N}`, 0-based (R4.3).
    Index(usize),
    /// `{}`: every element.
    All,
}

/// A parsed `spath` path (`a.b{1}.c`, `a{}.b`, `a{0}{1}`), reusable across events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    steps: Vec<Step>,
}

impl JsonPath {
    /// Parse a path; `None` if it is empty or a brace is malformed (`a{x}`, `a{`).
    pub fn parse(path: &str) -> Option<JsonPath> {
        let mut steps = Vec::new();
        let mut key = String::new();
        let mut chars = path.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '.' => {
                    if !key.is_empty() {
                        steps.push(Step::Key(std::mem::take(&mut key)));
                    }
                }
                '{' => {
                    if !key.is_empty() {
                        steps.push(Step::Key(std::mem::take(&mut key)));
                    }
                    let mut inner = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some(d) => inner.push(d),
                            None => return None,
                        }
                    }
                    if inner.is_empty() {
                        steps.push(Step::All);
                    } else {
                        steps.push(Step::Index(inner.trim().parse().ok()?));
                    }
                }
                _ => key.push(c),
            }
        }
        if !key.is_empty() {
            steps.push(Step::Key(key));
        }
        (!steps.is_empty()).then_some(JsonPath { steps })
    }

    /// The values this path selects in `value`, in document order (R4.4), or `None` if
    /// it selects nothing (or only `null`s).
    pub fn select(&self, value: &Json) -> Option<Vec<String>> {
        let mut current: Vec<&Json> = vec![value];
        for step in &self.steps {
            let mut next = Vec::with_capacity(current.len());
            for node in current {
                match (step, node) {
                    (Step::Key(k), Json::Object(map)) => next.extend(map.get(k)),
                    (Step::Index(i), Json::Array(items)) => next.extend(items.get(*i)),
                    (Step::All, Json::Array(items)) => next.extend(items.iter()),
                    _ => {}
                }
            }
            if next.is_empty() {
                return None;
            }
            current = next;
        }
        let values: Vec<String> = current.into_iter().filter_map(render).collect();
        (!values.is_empty()).then_some(values)
    }
}

/// The values `path` selects (`a.b{1}.c`, `a{}.b`; `{N}` is 0-based, R4.3). Objects and
/// arrays selected as a whole are returned as their compact JSON text (R4.5). `None` if
/// nothing is selected.
pub fn select(value: &Json, path: &str) -> Option<Vec<String>> {
    JsonPath::parse(path)?.select(value)
}

/// Streaming selection and flattening (issue 6). `spath path=...` over a large `_raw` (a
/// scan-findings record is tens of kilobytes) used to build the selected subtrees as
/// `serde_json::Value`s and serialise them again; `spath input=...` parsed each finding
/// into a `Value` to flatten it. Both now read the text once with the same parser and
/// write their results straight from it: nothing else is stored, and everything is read
/// and checked (numbers and strings exactly as a full parse would, so invalid or
/// out-of-range input is refused alike). Leaves and containers are rendered by the same
/// code as the tree's ([`Leaf`] uses `serde_json::Number` and serde_json's string
/// escaping), so the text is byte for byte that of [`render`].
///
/// The one thing a streaming walk cannot reproduce as it goes is a repeated key: a parsed
/// object (`IndexMap`, `preserve_order`) keeps the key at its first position with its
/// *last* value. Every object walked keeps the list of its keys; on a repeated key, or an
/// object too large to check this way ([`MAX_KEYS`]), the walk stops and the text goes
/// through the tree-based reference ([`JsonPath::select`], [`flatten`]) instead.
impl JsonPath {
    /// Exactly `serde_json::from_str::<Json>(text).ok().map(|doc| self.select(&doc))`:
    /// `None` when `text` is not JSON, `Some(None)` when the path selects nothing.
    pub fn select_text(&self, text: &str) -> Option<Option<Vec<String>>> {
        // Plain text (most of it) is answered by the byte scanner; the rest by serde_json.
        if let Some(answer) = plain::Scanner::new(text).select(&self.steps) {
            return Some(answer);
        }
        self.select_serde(text)
    }

    /// [`JsonPath::select_text`] by the serde_json walk.
    fn select_serde(&self, text: &str) -> Option<Option<Vec<String>>> {
        let mut st = Stream::default();
        let mut found = Vec::new();
        let ok = read_whole(
            text,
            Select {
                steps: &self.steps,
                st: &mut st,
                out: &mut found,
            },
        );
        match st.outcome(ok) {
            Walked::Done => Some((!found.is_empty()).then_some(found)),
            Walked::Invalid => None,
            Walked::Fallback => serde_json::from_str::<Json>(text)
                .ok()
                .map(|doc| self.select(&doc)),
        }
    }
}

/// Auto-extraction of a whole JSON text (R4.7): exactly `serde_json::from_str` then
/// [`flatten`] when the document is an object or an array, keeping the names `wanted`
/// selects ([`FieldSet::all`] for every leaf); `None` when the text is not JSON or is a
/// bare scalar (R4.10: nothing is extracted from those). Subtrees that cannot lead to a
/// wanted name are read and checked but not flattened.
pub fn flatten_text(text: &str, wanted: &FieldSet) -> Option<Vec<(String, Vec<String>)>> {
    // A scalar document, valid or not, extracts nothing: its first byte decides.
    let first = text
        .bytes()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))?;
    if first != b'{' && first != b'[' {
        return None;
    }
    if let Some(fields) = plain::Scanner::new(text).flatten(wanted) {
        return Some(fields.into_iter().collect());
    }
    flatten_serde(text, wanted)
}

/// [`flatten_text`] of an object or array by the serde_json walk.
fn flatten_serde(text: &str, wanted: &FieldSet) -> Option<Vec<(String, Vec<String>)>> {
    let mut st = Stream::default();
    let mut fields = Fields::default();
    let ok = read_whole(
        text,
        Flat {
            st: &mut st,
            wanted,
            out: &mut fields,
        },
    );
    match st.outcome(ok) {
        Walked::Done => Some(fields.into_iter().collect()),
        Walked::Invalid => None,
        Walked::Fallback => serde_json::from_str::<Json>(text).ok().map(|doc| {
            let mut all = flatten(&doc);
            all.retain(|(name, _)| wanted.contains(name));
            all
        }),
    }
}

/// Flattened fields by name, in order of first occurrence; names come from the events,
/// so the hash is seeded per process (as `row::NameHasher`).
type Fields = IndexMap<String, Vec<String>, foldhash::fast::RandomState>;

/// Objects with more keys than this are not checked for repeated keys (the check is
/// quadratic in the keys); the text falls back to the tree-based reference.
const MAX_KEYS: usize = 64;

/// Read `text` as one JSON document with `seed`: did it succeed?
fn read_whole<'t>(text: &'t str, seed: impl serde::de::DeserializeSeed<'t, Value = ()>) -> bool {
    let mut de = serde_json::Deserializer::from_str(text);
    seed.deserialize(&mut de).is_ok() && de.end().is_ok()
}

/// How a streaming walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walked {
    Done,
    /// The text is not one JSON document.
    Invalid,
    /// A repeated key (or a very large object) was met: ask the reference.
    Fallback,
}

/// State shared by the steps of one streaming walk.
#[derive(Default)]
struct Stream {
    /// Compact JSON of the container being rendered (reused for each one).
    out: Vec<u8>,
    /// The name of the leaf being flattened (`a.b{}.c`).
    path: String,
    /// The keys of every open object, one after another; `key_ends` marks where each
    /// ends.
    keys: String,
    key_ends: Vec<usize>,
    /// Set when the walk stopped for a repeated key: the error is not the text's.
    fallback: bool,
}

impl Stream {
    fn outcome(&self, ok: bool) -> Walked {
        if self.fallback {
            Walked::Fallback
        } else if ok {
            Walked::Done
        } else {
            Walked::Invalid
        }
    }

    /// An object starts: the mark to give [`Stream::key`] and [`Stream::close`].
    fn open(&self) -> usize {
        self.key_ends.len()
    }

    /// The next key of the object opened at `mark`. A repeated key (or one too many)
    /// stops the walk with an error and sets `fallback`.
    fn key<E: serde::de::Error>(&mut self, mark: usize, key: &str) -> Result<(), E> {
        let mut start = self.start_of(mark);
        let repeated = self.key_ends.len() - mark >= MAX_KEYS
            || self.key_ends[mark..].iter().any(|&end| {
                let seen = &self.keys[start..end];
                start = end;
                seen == key
            });
        if repeated {
            self.fallback = true;
            return Err(E::custom("repeated key"));
        }
        self.keys.push_str(key);
        self.key_ends.push(self.keys.len());
        Ok(())
    }

    /// The object opened at `mark` ends: forget its keys.
    fn close(&mut self, mark: usize) {
        self.keys.truncate(self.start_of(mark));
        self.key_ends.truncate(mark);
    }

    fn start_of(&self, mark: usize) -> usize {
        mark.checked_sub(1).map_or(0, |i| self.key_ends[i])
    }

    /// Append `value` as JSON to the container being rendered, as serde_json writes it
    /// (strings escaped by its rules, numbers by `Number`'s serialisation).
    fn write<T: serde::Serialize + ?Sized, E: serde::de::Error>(
        &mut self,
        value: &T,
    ) -> Result<(), E> {
        serde_json::to_writer(&mut self.out, value).map_err(E::custom)
    }
}

/// A JSON leaf as the parser reports it, converted as `serde_json::Value`'s own
/// deserialisation converts it (a non-finite float becomes `null`).
enum Leaf<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    /// A string that had escapes in the source (decoded).
    Str(&'a str),
    /// A string exactly as in the source: it had no escapes, so it holds no `"`, `\` or
    /// control character (raw ones are refused by the parser), and serde_json would
    /// write it back unchanged between quotes.
    Source(&'a str),
}

impl Leaf<'_> {
    /// The text of a selected leaf, as [`render`] gives it.
    fn text(self) -> Option<String> {
        match self {
            Leaf::Null => None,
            Leaf::Str(s) | Leaf::Source(s) => Some(s.to_string()),
            Leaf::Bool(b) => Some(b.to_string()),
            Leaf::Number(n) => Some(n.to_string()),
        }
    }
}

/// The visitor methods for leaves, each handing a [`Leaf`] to `self.leaf`.
macro_rules! visit_leaves {
    () => {
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
            self.leaf(Leaf::Bool(v))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
            self.leaf(Leaf::Number(v.into()))
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
            self.leaf(Leaf::Number(v.into()))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
            self.leaf(serde_json::Number::from_f64(v).map_or(Leaf::Null, Leaf::Number))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            self.leaf(Leaf::Str(v))
        }
        fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
            self.leaf(Leaf::Source(v))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            self.leaf(Leaf::Null)
        }
    };
}

/// The nodes `steps` select below the value being read, rendered and appended to `out`.
struct Select<'a> {
    steps: &'a [Step],
    st: &'a mut Stream,
    out: &'a mut Vec<String>,
}

impl Select<'_> {
    /// A leaf where the path goes on selects nothing.
    fn leaf<E>(self, _: Leaf) -> Result<(), E> {
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Select<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if self.steps.is_empty() {
            // The end of the path: this subtree is selected whole.
            if let Some(text) = d.deserialize_any(Render(self.st))? {
                self.out.push(text);
            }
            return Ok(());
        }
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Select<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    visit_leaves!();
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            let wanted = match self.steps[0] {
                Step::All => true,
                Step::Index(i) => i == index,
                Step::Key(_) => false,
            };
            let more = if wanted {
                seq.next_element_seed(Select {
                    steps: &self.steps[1..],
                    st: &mut *self.st,
                    out: &mut *self.out,
                })?
                .is_some()
            } else {
                seq.next_element_seed(Skip)?.is_some()
            };
            if !more {
                return Ok(());
            }
            index += 1;
        }
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Step::Key(wanted) = &self.steps[0] else {
            // An object is not entered by `{}` or `{N}`.
            return Skip.visit_map(map);
        };
        // A repeated key keeps its last value, as a parsed object does: what the key
        // selected before is replaced.
        let mut selected: Option<Vec<String>> = None;
        while let Some(is_wanted) = map.next_key_seed(KeyIs(wanted))? {
            if is_wanted {
                let mut mine = Vec::new();
                map.next_value_seed(Select {
                    steps: &self.steps[1..],
                    st: &mut *self.st,
                    out: &mut mine,
                })?;
                selected = Some(mine);
            } else {
                map.next_value_seed(Skip)?;
            }
        }
        self.out.extend(selected.into_iter().flatten());
        Ok(())
    }
}

/// Is the key being read this one? (Compared in place, not allocated.)
struct KeyIs<'a>(&'a str);

impl<'de> serde::de::DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeyIs<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E>(self, v: &str) -> Result<bool, E> {
        Ok(v == self.0)
    }
}

/// A selected node's text ([`render`]): a leaf's own text, a container's compact JSON.
struct Render<'a>(&'a mut Stream);

impl Render<'_> {
    fn leaf<E>(self, leaf: Leaf) -> Result<Option<String>, E> {
        Ok(leaf.text())
    }

    /// Write the container with `write`, then take its text.
    fn container<E>(
        self,
        write: impl FnOnce(&mut Stream) -> Result<(), E>,
    ) -> Result<Option<String>, E> {
        self.0.out.clear();
        write(&mut *self.0)?;
        // Only whole UTF-8 strings and ASCII punctuation were written.
        Ok(std::str::from_utf8(&self.0.out).ok().map(str::to_string))
    }
}

impl<'de> serde::de::Visitor<'de> for Render<'_> {
    type Value = Option<String>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    visit_leaves!();
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.container(|st| Compact(st).visit_seq(seq))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.container(|st| Compact(st).visit_map(map))
    }
}

/// Writes the value being read to `Stream::out` as compact JSON, exactly as
/// `serde_json::to_string` writes the parsed value (keys in source order).
struct Compact<'a>(&'a mut Stream);

impl Compact<'_> {
    fn leaf<E: serde::de::Error>(self, leaf: Leaf) -> Result<(), E> {
        match leaf {
            Leaf::Null => self.0.out.extend_from_slice(b"null"),
            Leaf::Bool(b) => self
                .0
                .out
                .extend_from_slice(if b { b"true" } else { b"false" }),
            Leaf::Number(n) => self.0.write(&n)?,
            Leaf::Str(s) => self.0.write(s)?,
            Leaf::Source(s) => {
                self.0.out.push(b'"');
                self.0.out.extend_from_slice(s.as_bytes());
                self.0.out.push(b'"');
            }
        }
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Compact<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Compact<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    visit_leaves!();
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.out.push(b'[');
        let mut first = true;
        loop {
            let comma = self.0.out.len();
            if !first {
                self.0.out.push(b',');
            }
            if seq.next_element_seed(Compact(&mut *self.0))?.is_none() {
                // No element after all: take the comma back.
                self.0.out.truncate(comma);
                break;
            }
            first = false;
        }
        self.0.out.push(b']');
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mark = self.0.open();
        self.0.out.push(b'{');
        let mut first = true;
        loop {
            let comma = self.0.out.len();
            if !first {
                self.0.out.push(b',');
            }
            let key = KeyTo {
                st: &mut *self.0,
                mark,
                write: true,
            };
            if map.next_key_seed(key)?.is_none() {
                self.0.out.truncate(comma);
                break;
            }
            self.0.out.push(b':');
            map.next_value_seed(Compact(&mut *self.0))?;
            first = false;
        }
        self.0.out.push(b'}');
        self.0.close(mark);
        Ok(())
    }
}

/// Reads an object key, checks it is not repeated ([`Stream::key`]), and writes it:
/// escaped into `Stream::out` (`write`) or appended to `Stream::path`.
struct KeyTo<'a> {
    st: &'a mut Stream,
    mark: usize,
    write: bool,
}

impl<'de> serde::de::DeserializeSeed<'de> for KeyTo<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeyTo<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object key")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        self.st.key(self.mark, v)?;
        if self.write {
            self.st.write(v)
        } else {
            // R4.14: dots inside keys are not escaped.
            self.st.path.push_str(v);
            Ok(())
        }
    }
}

/// Flattens the value being read into `out`, named from `Stream::path` as [`flatten`]
/// names the leaves of a parsed document, keeping the names `wanted` selects.
struct Flat<'a> {
    st: &'a mut Stream,
    wanted: &'a FieldSet,
    out: &'a mut Fields,
}

impl<'a> Flat<'a> {
    /// The step for the value at `Stream::path`: flattened if it can lead to a wanted
    /// name, else only read. Below an empty name (the key `""` at the top) names start
    /// afresh (`{"":{"k":1}}` gives `k`), so anything can follow.
    fn next(&mut self) -> Either<Flat<'_>, Skip> {
        if self.st.path.is_empty() || self.wanted.may_extend(&self.st.path) {
            Either::Walk(Flat {
                st: &mut *self.st,
                wanted: self.wanted,
                out: &mut *self.out,
            })
        } else {
            Either::Skip(Skip)
        }
    }

    fn leaf<E>(self, leaf: Leaf) -> Result<(), E> {
        let name = self.st.path.as_str();
        if !self.wanted.contains(name) {
            return Ok(());
        }
        if let Some(text) = leaf.text() {
            match self.out.get_mut(name) {
                Some(values) => values.push(text),
                None => {
                    self.out.insert(name.to_string(), vec![text]);
                }
            }
        }
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Flat<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Flat<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    visit_leaves!();
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        // R4.13: one `{}` per array level.
        let len = self.st.path.len();
        self.st.path.push_str("{}");
        let mut this = self;
        while seq.next_element_seed(this.next())?.is_some() {}
        this.st.path.truncate(len);
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let mark = self.st.open();
        let len = self.st.path.len();
        loop {
            if len > 0 {
                self.st.path.push('.');
            }
            let key = KeyTo {
                st: &mut *self.st,
                mark,
                write: false,
            };
            if map.next_key_seed(key)?.is_none() {
                break;
            }
            map.next_value_seed(self.next())?;
            self.st.path.truncate(len);
        }
        self.st.path.truncate(len);
        self.st.close(mark);
        Ok(())
    }
}

/// One of two steps, chosen per value.
enum Either<W, S> {
    Walk(W),
    Skip(S),
}

impl<'de, W, S> serde::de::DeserializeSeed<'de> for Either<W, S>
where
    W: serde::de::DeserializeSeed<'de, Value = ()>,
    S: serde::de::DeserializeSeed<'de, Value = ()>,
{
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self {
            Either::Walk(w) => w.deserialize(d),
            Either::Skip(s) => s.deserialize(d),
        }
    }
}

/// Reads a value without keeping it, through `deserialize_any` (not `IgnoredAny`, which
/// skips without converting numbers or checking `\u` escapes the way a full parse does).
struct Skip;

impl Skip {
    fn leaf<E>(self, _: Leaf) -> Result<(), E> {
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Skip {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(Skip)
    }
}

impl<'de> serde::de::Visitor<'de> for Skip {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    visit_leaves!();
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key_seed(Skip)?.is_some() {
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

/// Parse the beginning of a JSON document that may have been cut off (spath's
/// `extraction_cutoff`, R4.8): everything complete before the end is kept, open objects
/// and arrays are closed, a leaf cut in the middle is dropped. `None` if the text is not
/// JSON (a syntax error before the end). Nesting deeper than 128 levels is refused, as
/// serde_json does.
pub fn parse_prefix(text: &str) -> Option<Json> {
    let mut p = Prefix {
        b: text.as_bytes(),
        text,
        i: 0,
    };
    p.ws();
    match p.value(0) {
        Parsed::Done(v) | Parsed::Cut(Some(v)) => {
            p.ws();
            // Trailing garbage after a complete document is a syntax error.
            (p.i >= p.b.len()).then_some(v)
        }
        Parsed::Cut(None) | Parsed::Error => None,
    }
}

/// One step of [`parse_prefix`]: a complete value, a value cut by the end of input
/// (with what could be kept), or a syntax error.
enum Parsed {
    Done(Json),
    Cut(Option<Json>),
    Error,
}

struct Prefix<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Prefix<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }

    fn value(&mut self, depth: usize) -> Parsed {
        if depth > 128 {
            return Parsed::Error;
        }
        let Some(&c) = self.b.get(self.i) else {
            return Parsed::Cut(None);
        };
        match c {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => match self.string() {
                Parsed::Done(v) => Parsed::Done(v),
                Parsed::Cut(_) => Parsed::Cut(None),
                Parsed::Error => Parsed::Error,
            },
            _ => self.scalar(),
        }
    }

    fn object(&mut self, depth: usize) -> Parsed {
        let mut map = serde_json::Map::new();
        self.i += 1;
        loop {
            self.ws();
            if self.at_end() {
                return Parsed::Cut(Some(Json::Object(map)));
            }
            if self.b[self.i] == b'}' && map.is_empty() {
                self.i += 1;
                return Parsed::Done(Json::Object(map));
            }
            let key = match self.string() {
                Parsed::Done(Json::String(k)) => k,
                Parsed::Cut(_) => return Parsed::Cut(Some(Json::Object(map))),
                _ => return Parsed::Error,
            };
            self.ws();
            if self.at_end() {
                return Parsed::Cut(Some(Json::Object(map)));
            }
            if self.b[self.i] != b':' {
                return Parsed::Error;
            }
            self.i += 1;
            self.ws();
            match self.value(depth + 1) {
                Parsed::Done(v) => {
                    map.insert(key, v);
                }
                Parsed::Cut(v) => {
                    if let Some(v) = v {
                        map.insert(key, v);
                    }
                    return Parsed::Cut(Some(Json::Object(map)));
                }
                Parsed::Error => return Parsed::Error,
            }
            self.ws();
            match self.b.get(self.i) {
                None => return Parsed::Cut(Some(Json::Object(map))),
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Parsed::Done(Json::Object(map));
                }
                Some(_) => return Parsed::Error,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Parsed {
        let mut items = Vec::new();
        self.i += 1;
        loop {
            self.ws();
            if self.at_end() {
                return Parsed::Cut(Some(Json::Array(items)));
            }
            if self.b[self.i] == b']' && items.is_empty() {
                self.i += 1;
                return Parsed::Done(Json::Array(items));
            }
            match self.value(depth + 1) {
                Parsed::Done(v) => items.push(v),
                Parsed::Cut(v) => {
                    items.extend(v);
                    return Parsed::Cut(Some(Json::Array(items)));
                }
                Parsed::Error => return Parsed::Error,
            }
            self.ws();
            match self.b.get(self.i) {
                None => return Parsed::Cut(Some(Json::Array(items))),
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Parsed::Done(Json::Array(items));
                }
                Some(_) => return Parsed::Error,
            }
        }
    }

    /// A string token, decoded by serde_json once its end is found.
    fn string(&mut self) -> Parsed {
        if self.b.get(self.i) != Some(&b'"') {
            return Parsed::Error;
        }
        let start = self.i;
        let mut j = self.i + 1;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' => j += 2,
                b'"' => {
                    self.i = j + 1;
                    return match self.text.get(start..=j).map(serde_json::from_str::<Json>) {
                        Some(Ok(v)) => Parsed::Done(v),
                        _ => Parsed::Error,
                    };
                }
                _ => j += 1,
            }
        }
        self.i = self.b.len();
        Parsed::Cut(None)
    }

    /// `true`, `false`, `null` or a number; cut at the end of input it is dropped (it
    /// may be incomplete).
    fn scalar(&mut self) -> Parsed {
        let start = self.i;
        while self.i < self.b.len()
            && !matches!(
                self.b[self.i],
                b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
            )
        {
            self.i += 1;
        }
        if self.at_end() {
            return Parsed::Cut(None);
        }
        match self
            .text
            .get(start..self.i)
            .map(serde_json::from_str::<Json>)
        {
            Some(Ok(v)) if !v.is_object() && !v.is_array() && !v.is_string() => Parsed::Done(v),
            _ => Parsed::Error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(text: &str) -> Json {
        serde_json::from_str(text).expect("test json")
    }

    #[test]
    fn ec053_flatten_naming() {
        let v = j(r#"{"a":{"b":[{"c":1},{"c":2}]},"d":"x","tags":["p","q"],"n":null}"#);
        assert_eq!(
            flatten(&v),
            vec![
                (
                    "a.b{}.c".to_string(),
                    vec!["1".to_string(), "2".to_string()]
                ),
                ("d".to_string(), vec!["x".to_string()]),
                ("tags{}".to_string(), vec!["p".to_string(), "q".to_string()]),
            ]
        );
    }

    #[test]
    fn flatten_nested_arrays_dotted_keys_and_leaf_text() {
        let v = j(r#"{"a":[[1,2],[3]],"x.y":true,"f":1.0,"g":1.5,"e":[],"o":{}}"#);
        let flat = flatten(&v);
        assert_eq!(
            flat[0],
            ("a{}{}".into(), vec!["1".into(), "2".into(), "3".into()])
        );
        assert_eq!(flat[1], ("x.y".into(), vec!["true".into()]));
        assert_eq!(flat[2], ("f".into(), vec!["1.0".into()]));
        assert_eq!(flat[3], ("g".into(), vec!["1.5".into()]));
        // Empty containers have no leaves.
        assert_eq!(flat.len(), 4);
    }

    #[test]
    fn flatten_keeps_first_occurrence_order_across_elements() {
        let v = j(r#"{"r":[{"a":1},{"b":2,"a":3}]}"#);
        let names: Vec<_> = flatten(&v).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, vec!["r{}.a", "r{}.b"]);
        assert_eq!(flatten(&v)[0].1, vec!["1", "3"]);
    }

    #[test]
    fn ec052_select_index_is_zero_based() {
        let v = j(r#"{"v":["a","b","c"]}"#);
        assert_eq!(select(&v, "v{1}"), Some(vec!["b".to_string()]));
        assert_eq!(select(&v, "v{3}"), None);
        assert_eq!(
            select(&v, "v{}"),
            Some(vec!["a".into(), "b".into(), "c".into()])
        );
    }

    #[test]
    fn select_collects_across_arrays_and_returns_json_text() {
        let v = j(r#"{"c":[{"id":1},{"id":2},{"x":0}],"o":{"k":[1,{"z":null}],"a":"b"}}"#);
        assert_eq!(select(&v, "c{}.id"), Some(vec!["1".into(), "2".into()]));
        assert_eq!(
            select(&v, "o"),
            Some(vec![r#"{"k":[1,{"z":null}],"a":"b"}"#.to_string()])
        );
        assert_eq!(
            select(&v, "o.k"),
            Some(vec![r#"[1,{"z":null}]"#.to_string()])
        );
        assert_eq!(select(&v, "o.k{1}.z"), None);
        assert_eq!(select(&v, "missing"), None);
        // An array is not entered without `{}`.
        assert_eq!(select(&v, "c.id"), None);
    }

    #[test]
    fn select_nested_index() {
        let v = j(r#"{"a":[[1,2],[3]]}"#);
        assert_eq!(select(&v, "a{0}{1}"), Some(vec!["2".to_string()]));
        assert_eq!(
            select(&v, "a{}{}"),
            Some(vec!["1".into(), "2".into(), "3".into()])
        );
    }

    #[test]
    fn parse_prefix_keeps_what_is_complete() {
        let full = r#"{"a":{"b":[1,2,{"c":"x"}]},"d":"long string","e":12345,"f":true}"#;
        assert_eq!(parse_prefix(full), Some(j(full)));
        // Cut inside a string, a number, a key, after a colon, inside nested arrays.
        for (cut, expected) in [
            (
                r#"{"a":{"b":[1,2,{"c":"x"}]},"d":"lon"#,
                r#"{"a":{"b":[1,2,{"c":"x"}]}}"#,
            ),
            (r#"{"a":1,"e":123"#, r#"{"a":1}"#),
            (r#"{"a":1,"ke"#, r#"{"a":1}"#),
            (r#"{"a":1,"k":"#, r#"{"a":1}"#),
            (r#"{"a":[[1,2],[3,"#, r#"{"a":[[1,2],[3]]}"#),
            (r#"{"a":"\"q\"","#, r#"{"a":"\"q\""}"#),
            ("", "null"),
        ] {
            let expected = if expected == "null" {
                None
            } else {
                Some(j(expected))
            };
            assert_eq!(parse_prefix(cut), expected, "{cut}");
        }
        assert_eq!(parse_prefix("not json"), None);
        assert_eq!(parse_prefix(r#"{"a" 1}"#), None);
        assert_eq!(parse_prefix(r#"{"a":1} x"#), None);
        assert_eq!(parse_prefix(&"[".repeat(500)), None);
    }

    #[test]
    fn malformed_paths() {
        assert_eq!(JsonPath::parse("a{x}"), None);
        assert_eq!(JsonPath::parse("a{"), None);
        assert_eq!(JsonPath::parse(""), None);
        assert!(JsonPath::parse("a.b{0}.c").is_some());
    }

    /// The reference for [`JsonPath::select_text`]: parse, then select in the tree.
    fn select_reference(path: &JsonPath, text: &str) -> Option<Option<Vec<String>>> {
        serde_json::from_str::<Json>(text)
            .ok()
            .map(|d| path.select(&d))
    }

    /// The reference for [`flatten_text`]: parse, flatten an object or array, keep the
    /// wanted names.
    fn flatten_reference(text: &str, wanted: &FieldSet) -> Option<Vec<(String, Vec<String>)>> {
        match serde_json::from_str::<Json>(text).ok()? {
            doc @ (Json::Object(_) | Json::Array(_)) => Some(
                flatten(&doc)
                    .into_iter()
                    .filter(|(name, _)| wanted.contains(name))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// Selections for the flattening: everything, and some names (exact, nested, under
    /// arrays, a pattern).
    fn wanted_sets() -> Vec<FieldSet> {
        let mut pattern = FieldSet::from_names(["b"]);
        pattern.patterns.insert("a.*".to_string());
        vec![
            FieldSet::all(),
            FieldSet::from_names(["a", "k", "a{}", "a.k"]),
            FieldSet::from_names(["a.b{}.c", "a{}.k", "{}.a", "a.s", "x.y.z", ""]),
            pattern,
        ]
    }

    /// Every layer of [`flatten_text`] (the byte scanner when it answers, the serde_json
    /// walk, both) equals the reference.
    fn check_flatten(text: &str, wanted: &FieldSet) {
        let expected = flatten_reference(text, wanted);
        assert_eq!(flatten_text(text, wanted), expected, "{text} {wanted:?}");
        if text.trim_start().starts_with(['{', '[']) {
            assert_eq!(flatten_serde(text, wanted), expected, "{text} {wanted:?}");
            if let Some(plain) = plain::Scanner::new(text).flatten(wanted) {
                let plain: Vec<_> = plain.into_iter().collect();
                assert_eq!(Some(plain), expected, "{text} {wanted:?}");
            }
        }
    }

    /// Every layer of [`JsonPath::select_text`] equals the reference.
    fn check_select(path: &JsonPath, text: &str) {
        let expected = select_reference(path, text);
        assert_eq!(path.select_text(text), expected, "{path:?} in {text}");
        assert_eq!(path.select_serde(text), expected, "{path:?} in {text}");
        if let Some(plain) = plain::Scanner::new(text).select(&path.steps) {
            assert_eq!(Some(plain), expected, "{path:?} in {text}");
        }
    }

    /// How the streaming walks end on `text` (without the fallback answering).
    fn outcomes(path: &JsonPath, text: &str) -> (Walked, Walked) {
        let mut st = Stream::default();
        let ok = read_whole(
            text,
            Select {
                steps: &path.steps,
                st: &mut st,
                out: &mut Vec::new(),
            },
        );
        let select = st.outcome(ok);
        let mut st = Stream::default();
        let ok = read_whole(
            text,
            Flat {
                st: &mut st,
                wanted: &FieldSet::all(),
                out: &mut Fields::default(),
            },
        );
        (select, st.outcome(ok))
    }

    /// Adversarial documents for the streaming walks (issue 6).
    const ADVERSARIAL: &[&str] = &[
        r#"{"a":{"b":[{"c":1},{"c":2,"d":null},{"c":[3,4]}]},"e":"x"}"#,
        // Escapes: quotes, backslashes, control characters, `\/`, unicode escapes,
        // surrogate pairs, raw non-ASCII, DEL and U+2028 (not escaped by serde_json).
        r#"{"a":{"s":"q\"b\\s\/n\n\r\t\b\f\u0001\u001f\u007f\u00e9\u2028 é 😀 \ud83d\ude00"}}"#,
        r#"{"a":["\u0000","\"",""],"k\"ey":{"\u00e9":"\\"}}"#,
        // Numbers: integer edges, negative zero, floats, exponents, out of range.
        r#"{"a":[0,-0,1.0,1.50,1e3,1E+2,-1.5e-3,0.1,1e-400,123456789.123456789e10]}"#,
        r#"{"a":[18446744073709551615,18446744073709551616,-9223372036854775808,-9223372036854775809]}"#,
        r#"{"a":{"n":1e308,"m":-1e308,"z":5e-324}}"#,
        r#"{"a":1,"z":1e400}"#,
        r#"{"a":{"z":-1e400}}"#,
        // Repeated keys at every level, also spelled with an escape.
        r#"{"a":1,"a":{"b":2}}"#,
        r#"{"a":{"b":2},"a":3}"#,
        r#"{"a":{"b":2},"x":{"a":{"b":9}},"a":{"b":5,"b":6}}"#,
        r#"{"a":{"b":{"c":1,"d":2,"c":3}}}"#,
        r#"{"a":[{"k":1,"k":2},{"k":3}]}"#,
        r#"{"a":{"x":1,"\u0078":2}}"#,
        r#"{"a":{"":1,"":2}}"#,
        // Empty containers, nesting, whitespace, top-level arrays and scalars.
        r#"{"a":{},"b":[],"c":{"d":[]},"e":[{}],"f":[[]]}"#,
        r#"[{"a":1},{"a":2},[{"a":3}]]"#,
        r#"{"a":[[1,2],[3,[4,5]]],"b":{"c":{"d":{"e":"deep"}}}}"#,
        " \t\n {\"a\" : [ 1 , {\"b\" : \"x\"} ] , \"c\" :{ } }\r\n ",
        r#"{"":{"":1},"x.y":{"z":true},"a":{"b.c":false}}"#,
        // Below the key `""` at the top, names start afresh (`k`, `a.k`).
        r#"{"":{"k":1,"a":{"k":2}}}"#,
        "[]",
        "{}",
        "5",
        r#""text""#,
        "null",
        // Refused by a full parse: a lone surrogate, trailing text, truncation, bad
        // numbers, a trailing comma, raw control characters.
        r#"{"a":1,"z":"\ud800"}"#,
        r#"{"a":{"b":"\udc00x"}}"#,
        r#"{"a":1} x"#,
        r#"{"a":1}{"b":2}"#,
        r#"{"a":{"b":"#,
        r#"{"a":[01]}"#,
        r#"{"a":[1,]}"#,
        "{\"a\":\"\u{1}\"}",
        "not json",
        "",
    ];

    const PATHS: &[&str] = &[
        "a",
        "a.b",
        "a.b{}",
        "a.b{}.c",
        "a.b{1}",
        "a.b{2}.c{}",
        "a{}",
        "a{0}",
        "a{1}",
        "a{}.a",
        "a{}{1}",
        "a{}.k",
        "a.s",
        "a.x",
        "a.n",
        "b",
        "b.c.d.e",
        "c",
        "e",
        "f",
        "x.a.b",
        "z",
        "k\"ey",
        "a.b.c",
        "nope",
    ];

    #[test]
    fn streaming_walks_equal_the_tree_on_adversarial_json() {
        for text in ADVERSARIAL {
            for wanted in &wanted_sets() {
                check_flatten(text, wanted);
            }
            for p in PATHS {
                check_select(&JsonPath::parse(p).expect("valid path"), text);
            }
        }
    }

    /// The byte scanner answers for plain text (and the findings detection's records),
    /// and leaves the rest to serde_json.
    #[test]
    fn plain_text_is_answered_by_the_scanner() {
        let path = JsonPath::parse("a.f{}").expect("valid path");
        let all = FieldSet::all();
        for text in [
            r#"{"a":{"f":[{"name":"CVE-1","severity":"HIGH","attributes":[{"key":"k","value":"v"}]}],"n":-12,"t":true,"z":null}}"#,
            " { \"a\" : { \"f\" : [ 1 , 2 ] } } ",
        ] {
            assert!(
                plain::Scanner::new(text).select(&path.steps).is_some(),
                "{text}"
            );
            assert!(plain::Scanner::new(text).flatten(&all).is_some(), "{text}");
        }
        // A repeated key along the path is resolved as the tree does (the last value);
        // flattening leaves any repeated key to serde_json.
        let repeated = r#"{"a":{"f":[{"k":1},{"k":2}]},"a":5}"#;
        assert_eq!(
            plain::Scanner::new(repeated).select(&path.steps),
            Some(None)
        );
        assert!(plain::Scanner::new(repeated).flatten(&all).is_none());
        for text in [
            r#"{"a":{"f":[1.5]}}"#,
            r#"{"a":{"f":["\n"]}}"#,
            r#"{"a":{"f":[-0]}}"#,
            r#"{"a":{"f":[1234567890123456789]}}"#,
            r#"{"a":{"f":[{"k":1,"k":2}]}}"#,
            r#"{"a":{"f":[{"k": 1}]}}"#,
        ] {
            assert!(
                plain::Scanner::new(text).select(&path.steps).is_none(),
                "{text}"
            );
            check_select(&path, text);
        }
    }

    #[test]
    fn containers_are_rendered_from_the_text() {
        let path = JsonPath::parse("a").expect("valid path");
        for (text, rendered) in [
            (
                r#"{"a": { "x" : [1, 2.50, -0, 1e2] , "y":{} }}"#,
                r#"{"x":[1,2.5,-0.0,100.0],"y":{}}"#,
            ),
            (
                r#"{"a":["\/\u00e9\u0001", true, null]}"#,
                r#"["/é\u0001",true,null]"#,
            ),
        ] {
            assert_eq!(
                path.select_text(text),
                Some(Some(vec![rendered.to_string()]))
            );
            assert_eq!(outcomes(&path, text).0, Walked::Done, "{text}");
        }
    }

    #[test]
    fn only_repeated_keys_and_large_objects_take_the_reference() {
        let path = JsonPath::parse("a").expect("valid path");
        let streamed = r#"{"a":{"x":{"k":1},"y":{"k":2}},"a":{"z":[{"k":1},{"k":2}]}}"#;
        assert_eq!(outcomes(&path, streamed), (Walked::Done, Walked::Fallback));
        for text in [r#"{"a":{"k":1,"k":2}}"#, r#"{"a":{"k":1,"\u006b":2}}"#] {
            assert_eq!(outcomes(&path, text), (Walked::Fallback, Walked::Fallback));
            assert_eq!(
                path.select_text(text),
                Some(Some(vec![r#"{"k":2}"#.into()]))
            );
            assert_eq!(
                flatten_text(text, &FieldSet::all()),
                Some(vec![("a.k".into(), vec!["2".into()])])
            );
        }
        // Invalid text is invalid, whatever was met before.
        let invalid = r#"{"a":{"k":1,"k":2},"b":1e400}"#;
        assert_eq!(path.select_text(invalid), None);
        assert_eq!(flatten_text(invalid, &FieldSet::all()), None);
        assert_eq!(
            outcomes(&path, r#"{"a":1,"b":1e400}"#),
            (Walked::Invalid, Walked::Invalid)
        );
        // MAX_KEYS keys are checked; one more falls back, with the same answer.
        for n in [MAX_KEYS, MAX_KEYS + 1] {
            let keys: Vec<String> = (0..n).map(|i| format!(r#""k{i}":{i}"#)).collect();
            let text = format!(r#"{{"a":{{{}}}}}"#, keys.join(","));
            let expected = if n == MAX_KEYS {
                Walked::Done
            } else {
                Walked::Fallback
            };
            assert_eq!(outcomes(&path, &text), (expected, expected), "{n} keys");
            check_select(&path, &text);
            check_flatten(&text, &FieldSet::all());
        }
    }

    mod generated {
        use super::*;
        use proptest::prelude::*;

        /// JSON text built directly (a `Value` cannot hold repeated keys), from tricky
        /// pieces, with random whitespace; some of it invalid on purpose.
        fn leaf() -> impl Strategy<Value = String> {
            let strings = prop::sample::select(vec![
                "a",
                "",
                "é",
                "😀",
                r"\ud83d\ude00",
                r"\u0041",
                r"\/",
                r#"\""#,
                r"\\",
                r"\n",
                r"\u0000",
                "\u{7f}",
                "\u{2028}",
            ]);
            let numbers = prop::sample::select(vec![
                "0",
                "-0",
                "7",
                "-7",
                "1.0",
                "1.50",
                "1e3",
                "-2.5E-3",
                "0.1",
                "1e-400",
                "18446744073709551615",
                "18446744073709551616",
                "-9223372036854775808",
                "-9223372036854775809",
                "123456789012345678901234567890",
            ]);
            // Refused by a parse (lone surrogate, bad escape, raw tab, out-of-range and
            // malformed numbers, bad literal): rare, so most documents stay valid.
            let invalid = prop::sample::select(vec![
                r#""\ud800""#,
                r#""\x""#,
                "\"\t\"",
                "1e400",
                "-1e400",
                "01",
                "1.",
                "-",
                "nul",
            ]);
            prop_oneof![
                12 => prop::collection::vec(strings, 0..3)
                    .prop_map(|p| format!("\"{}\"", p.concat())),
                8 => numbers.prop_map(str::to_string),
                4 => prop::sample::select(vec!["true", "false", "null"]).prop_map(str::to_string),
                1 => invalid.prop_map(str::to_string),
            ]
        }

        fn key() -> impl Strategy<Value = String> {
            prop::sample::select(vec![
                r#""a""#,
                r#""b""#,
                r#""c""#,
                r#""k""#,
                r#""\u0061""#,
                r#""a.b""#,
                r#""""#,
                r#""é""#,
            ])
            .prop_map(str::to_string)
        }

        fn ws() -> impl Strategy<Value = &'static str> {
            prop::sample::select(vec!["", "", "", " ", "\n\t "])
        }

        fn json() -> impl Strategy<Value = String> {
            leaf().prop_recursive(5, 48, 6, |inner| {
                prop_oneof![
                    prop::collection::vec((ws(), inner.clone()), 0..5).prop_map(|items| {
                        let items: Vec<String> =
                            items.into_iter().map(|(w, v)| format!("{w}{v}")).collect();
                        format!("[{}]", items.join(","))
                    }),
                    prop::collection::vec((key(), ws(), inner), 0..5).prop_map(|entries| {
                        let entries: Vec<String> = entries
                            .into_iter()
                            .map(|(k, w, v)| format!("{k}{w}:{v}"))
                            .collect();
                        format!("{{{}}}", entries.join(","))
                    }),
                ]
            })
        }

        fn path() -> impl Strategy<Value = String> {
            let step = prop::sample::select(vec![".a", ".b", ".c", ".k", "{}", "{0}", "{1}"]);
            ("[abck]", prop::collection::vec(step, 0..4))
                .prop_map(|(first, rest)| format!("{first}{}", rest.concat()))
        }

        proptest! {
            #![proptest_config(crate::testing::proptest_config(3000))]
            #[test]
            fn streaming_walks_equal_the_tree(
                doc in json(),
                p in path(),
                w in ws(),
                wanted in prop::sample::select(wanted_sets()),
            ) {
                let text = format!("{w}{doc}{w}");
                check_flatten(&text, &wanted);
                check_select(&JsonPath::parse(&p).expect("valid path"), &text);
            }
        }
    }
}
