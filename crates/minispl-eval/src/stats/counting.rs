//! `count`, `c`, `dc`/`distinct_count`, `estdc` (SEMANTICS §7.2).

use super::{downcast, Accumulator, Obs};
use crate::value::Value;

/// `count` / `count(x)`: one per observation. A multivalue `x` counts each value (§7.2,
/// UNCERTAIN; we follow the recommendation). Plain `count` is fed one observation per
/// row by the caller. Over zero input the result is 0, not null (R7.6).
#[derive(Debug, Default)]
pub struct Count {
    n: u64,
}

impl Accumulator for Count {
    fn add(&mut self, _obs: Obs<'_>, _time: Option<f64>) {
        self.n += 1;
    }
    fn result(&self) -> Value {
        Value::Num(self.n as f64)
    }
    fn merge(&mut self, later: Box<dyn Accumulator>) {
        if let Some(later) = downcast::<Count>(later) {
            self.n += later.n;
        }
    }
}

/// `dc(x)`: distinct *string* values, so `1` and `1.0` are two (§7.2 preamble). `estdc`
/// is computed exactly: an in-memory interpreter can afford the set, and an exact count is
/// within any estimate's error bound.
#[derive(Debug, Default)]
pub struct DistinctCount {
    seen: DistinctStrings,
}

impl Accumulator for DistinctCount {
    fn add(&mut self, obs: Obs<'_>, _time: Option<f64>) {
        self.seen.insert(&obs.text());
    }
    fn result(&self) -> Value {
        Value::Num(self.seen.len() as f64)
    }
    fn merge(&mut self, later: Box<dyn Accumulator>) {
        if let Some(mut later) = downcast::<DistinctCount>(later) {
            // Issue 6: insert the smaller set into the larger. A group first seen in a
            // worker's partial table arrives at an empty accumulator and is taken whole
            // (W4 merges every block's `dc(src)` sets on the main thread). The union is
            // the same either way, and only its size is the result.
            if later.seen.len() > self.seen.len() {
                std::mem::swap(&mut self.seen, &mut later.seen);
            }
            for i in 0..later.seen.len() {
                self.seen.insert(later.seen.get(i));
            }
        }
    }
}

/// An exact set of distinct strings kept compactly (issue 6: peak memory must not grow
/// with the per-group overhead of a `HashSet<String>`, one heap block per value plus a
/// 24-byte bucket). All strings of the set live end to end in one arena; an
/// open-addressing table of `u32` entry numbers finds them by hash, and every candidate
/// is compared byte for byte, so the count is exact (never an estimate, §7.2). Small sets
/// (most `dc` groups) have no table at all and are scanned linearly.
#[derive(Debug, Default)]
pub struct DistinctStrings {
    /// The distinct strings, concatenated in insertion order.
    arena: String,
    /// `ends[i]` is where string `i` ends in `arena` (it starts at `ends[i - 1]`, or 0).
    ends: Vec<usize>,
    /// Slot → entry number + 1 (0: empty). Empty while the set is small; otherwise its
    /// length is a power of two at least twice the number of entries.
    table: Vec<u32>,
}

/// Up to this many strings the set is scanned instead of hashed.
const LINEAR_SCAN_MAX: usize = 8;

impl DistinctStrings {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.arena.get(start..self.ends[i]).unwrap_or("")
    }

    /// Adds `s` unless present; true if it was new.
    pub fn insert(&mut self, s: &str) -> bool {
        if self.table.is_empty() {
            // Also the (unreachable in practice) huge-set case, see below.
            if (0..self.len()).any(|i| self.get(i) == s) {
                return false;
            }
        } else {
            match self.find_slot(s) {
                Ok(_) => return false,
                Err(slot) => {
                    // Claim the empty slot found for `s`; the entry is pushed below.
                    self.table[slot] = self.len() as u32 + 1;
                }
            }
        }
        self.arena.push_str(s);
        self.ends.push(self.arena.len());
        if self.len() >= u32::MAX as usize / 4 {
            // Entry numbers no longer fit the `u32` table (tens of GB of distinct
            // values, far past any stats limit): stay exact with a linear scan.
            self.table = Vec::new();
        } else if self.table.is_empty() && self.len() > LINEAR_SCAN_MAX
            || !self.table.is_empty() && self.len() * 2 > self.table.len()
        {
            self.rehash();
        }
        true
    }

    /// `Ok(slot)` holding `s`, or `Err(slot)`: the empty slot where it would go.
    fn find_slot(&self, s: &str) -> Result<usize, usize> {
        let mask = self.table.len() - 1;
        let mut slot = (hash(s) as usize) & mask;
        loop {
            match self.table[slot] {
                0 => return Err(slot),
                e if self.get(e as usize - 1) == s => return Ok(slot),
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    fn rehash(&mut self) {
        let size = (self.len() * 4).next_power_of_two();
        self.table = vec![0; size];
        let mask = size - 1;
        for i in 0..self.len() {
            let mut slot = (hash(self.get(i)) as usize) & mask;
            while self.table[slot] != 0 {
                slot = (slot + 1) & mask;
            }
            self.table[slot] = i as u32 + 1;
        }
    }
}

/// FNV-1a with a final mix: cheap on the short strings `dc` usually sees (addresses,
/// names); collisions only cost a comparison, never correctness.
fn hash(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^ (h >> 33)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::run;
    use super::super::AggFunction::*;
    use crate::value::Value;

    #[test]
    fn count_counts_observations_and_zero_input_is_zero() {
        assert_eq!(run(Count, &["a", "b", "a"]), Value::Num(3.0));
        assert_eq!(run(Count, &[]), Value::Num(0.0));
    }

    #[test]
    fn dc_compares_strings_not_numbers() {
        assert_eq!(
            run(DistinctCount, &["1", "1.0", "01", "1"]),
            Value::Num(3.0)
        );
        assert_eq!(run(DistinctCount, &[]), Value::Num(0.0));
        assert_eq!(
            run(EstimatedDistinctCount, &["a", "b", "a"]),
            Value::Num(2.0)
        );
    }

    /// Merged partial counts give the count of the union, whichever side is larger or
    /// empty, and the merged set keeps counting exactly afterwards.
    #[test]
    fn dc_merge_is_the_union_in_either_order() {
        use super::super::{AggFunction, Obs};
        use std::collections::HashSet;
        let part = |range: std::ops::Range<u32>| {
            let mut acc = AggFunction::DistinctCount.partial();
            let values: Vec<String> = range.map(|i| format!("10.0.0.{}", i % 300)).collect();
            for v in &values {
                acc.add(Obs::Str(v), None);
            }
            (acc, values)
        };
        let ranges = [0..0, 0..5, 3..40, 20..900, 850..870];
        for a in &ranges {
            for b in &ranges {
                let (mut left, va) = part(a.clone());
                let (right, vb) = part(b.clone());
                left.merge(right);
                let mut union: HashSet<String> = va.into_iter().chain(vb).collect();
                assert_eq!(
                    left.result(),
                    Value::Num(union.len() as f64),
                    "{a:?} + {b:?}"
                );
                for extra in ["10.0.0.1", "new", ""] {
                    left.add(Obs::Str(extra), None);
                    union.insert(extra.to_string());
                }
                assert_eq!(
                    left.result(),
                    Value::Num(union.len() as f64),
                    "{a:?} + {b:?}"
                );
            }
        }
    }

    #[test]
    fn distinct_strings_is_exact_across_the_table_threshold() {
        use super::DistinctStrings;
        use std::collections::HashSet;
        let mut set = DistinctStrings::default();
        let mut reference = HashSet::new();
        // Values repeat and include the empty string and prefixes of one another, so a
        // wrong offset or a lost slot would change the count.
        for i in 0..5_000u32 {
            let v = match i % 4 {
                0 => format!("10.0.{}.{}", i % 97, i % 13),
                1 => String::new(),
                2 => "ab".repeat((i % 7) as usize),
                _ => format!("{}", i % 1_000),
            };
            assert_eq!(set.insert(&v), reference.insert(v.clone()), "value {v:?}");
            assert_eq!(set.len(), reference.len());
        }
        assert!(set.len() > super::LINEAR_SCAN_MAX);
        for v in &reference {
            assert!(!set.insert(v), "{v:?} was lost");
        }
    }
}
