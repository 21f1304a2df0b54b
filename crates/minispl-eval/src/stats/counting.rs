//! `count`, `c`, `dc`/`distinct_count`, `estdc` (SEMANTICS §7.2).

use super::{Accumulator, Obs};
use crate::value::Value;
use std::collections::HashSet;

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
}

/// `dc(x)`: distinct *string* values, so `1` and `1.0` are two (§7.2 preamble). `estdc`
/// is computed exactly: an in-memory interpreter can afford the set, and an exact count is
/// within any estimate's error bound.
#[derive(Debug, Default)]
pub struct DistinctCount {
    seen: HashSet<String>,
}

impl Accumulator for DistinctCount {
    fn add(&mut self, obs: Obs<'_>, _time: Option<f64>) {
        let text = obs.text();
        if !self.seen.contains(text.as_ref()) {
            self.seen.insert(text.into_owned());
        }
    }
    fn result(&self) -> Value {
        Value::Num(self.seen.len() as f64)
    }
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
}
