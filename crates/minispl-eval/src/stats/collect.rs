//! `values`, `list` and `mode`: functions that keep the observed strings (§7.2).

use super::{downcast, Accumulator, Obs};
use crate::value::Value;
use std::collections::{BTreeSet, HashMap};

/// `list_maxsize` in limits.conf `[stats]` (§7.2).
pub const LIST_MAXSIZE: usize = 100;

/// `values(x)`: distinct strings in byte order (`10` < `9` < `B` < `a`, EC-094).
#[derive(Debug, Default)]
pub struct Values {
    set: BTreeSet<String>,
}

impl Accumulator for Values {
    fn add(&mut self, obs: Obs<'_>, _time: Option<f64>) {
        let text = obs.text();
        if !self.set.contains(text.as_ref()) {
            self.set.insert(text.into_owned());
        }
    }
    fn result(&self) -> Value {
        Value::multi(self.set.iter().cloned().collect())
    }
    fn merge(&mut self, later: Box<dyn Accumulator>) {
        if let Some(later) = downcast::<Values>(later) {
            self.set.extend(later.set);
        }
    }
}

/// `list(x)`: every value in input order, duplicates kept, at most [`LIST_MAXSIZE`]
/// (EC-095).
#[derive(Debug, Default)]
pub struct List {
    items: Vec<String>,
}

impl Accumulator for List {
    fn add(&mut self, obs: Obs<'_>, _time: Option<f64>) {
        if self.items.len() < LIST_MAXSIZE {
            self.items.push(obs.text().into_owned());
        }
    }
    fn result(&self) -> Value {
        Value::multi(self.items.clone())
    }
    /// Earlier items first, up to the same cap.
    fn merge(&mut self, later: Box<dyn Accumulator>) {
        if let Some(later) = downcast::<List>(later) {
            let room = LIST_MAXSIZE.saturating_sub(self.items.len());
            self.items.extend(later.items.into_iter().take(room));
        }
    }
}

/// `mode(x)`: the most frequent string; on a tie the value seen first wins (our choice,
/// the docs are silent).
#[derive(Debug, Default)]
pub struct Mode {
    /// value -> (count, first-seen index)
    counts: HashMap<String, (u64, usize)>,
}

impl Accumulator for Mode {
    fn add(&mut self, obs: Obs<'_>, _time: Option<f64>) {
        let next = self.counts.len();
        let entry = self
            .counts
            .entry(obs.text().into_owned())
            .or_insert((0, next));
        entry.0 += 1;
    }
    fn result(&self) -> Value {
        self.counts
            .iter()
            .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
            .map(|(v, _)| Value::str(v.as_str()))
            .unwrap_or(Value::Null)
    }
    /// Counts add up; values new here are numbered in the order `later` first saw them,
    /// after every value seen here: the first-seen order of one pass, so ties break the
    /// same way.
    fn merge(&mut self, later: Box<dyn Accumulator>) {
        let Some(later) = downcast::<Mode>(later) else {
            return;
        };
        let mut entries: Vec<(String, (u64, usize))> = later.counts.into_iter().collect();
        entries.sort_unstable_by_key(|(_, (_, seen))| *seen);
        for (value, (count, _)) in entries {
            let next = self.counts.len();
            self.counts.entry(value).or_insert((0, next)).0 += count;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{mv, run, s};
    use super::super::AggFunction::*;
    use crate::value::Value;

    #[test]
    fn values_distinct_in_byte_order() {
        // EC-094
        assert_eq!(
            run(Values, &["b", "a", "10", "9", "a", "B"]),
            mv(&["10", "9", "B", "a", "b"])
        );
        assert_eq!(run(Values, &["x", "x"]), s("x"));
        assert_eq!(run(Values, &[]), Value::Null);
    }

    #[test]
    fn list_keeps_order_duplicates_and_cap() {
        // EC-095
        assert_eq!(run(List, &["b", "a", "b"]), mv(&["b", "a", "b"]));
        let many: Vec<String> = (0..150).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(run(List, &refs).count(), 100);
    }

    #[test]
    fn mode_most_frequent_first_seen_on_tie() {
        assert_eq!(run(Mode, &["a", "b", "b", "a", "c"]), s("a"));
        assert_eq!(run(Mode, &["a", "b", "b"]), s("b"));
        assert_eq!(run(Mode, &[]), Value::Null);
    }
}
