//! `first`, `last` (input order), `earliest`, `latest` (by `_time`) and `earliest_time`,
//! `latest_time` (the time itself) (§7.2, EC-101).

use super::{downcast, Accumulator, Obs};
use crate::value::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    First,
    Last,
    Earliest,
    Latest,
    EarliestTime,
    LatestTime,
}

/// Keeps one observation. For the time-based picks an observation without `_time` is
/// ignored, and on equal times the first one seen wins (our choice; Splunk's index order
/// makes ties rare).
#[derive(Debug)]
pub struct Position {
    pick: Pick,
    kept: Option<(Value, Option<f64>)>,
}

impl Position {
    pub fn new(pick: Pick) -> Self {
        Position { pick, kept: None }
    }
}

impl Position {
    /// Would an observation at `time` replace the one kept?
    fn replaces(&self, time: Option<f64>) -> bool {
        match (self.pick, &self.kept) {
            (Pick::First, kept) => kept.is_none(),
            (Pick::Last, _) => true,
            (Pick::Earliest | Pick::EarliestTime, kept) => match (time, kept) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(t), Some((_, best))) => match best {
                    None => true,
                    Some(b) => t < *b,
                },
            },
            (Pick::Latest | Pick::LatestTime, kept) => match (time, kept) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(t), Some((_, best))) => match best {
                    None => true,
                    Some(b) => t > *b,
                },
            },
        }
    }
}

impl Accumulator for Position {
    fn add(&mut self, obs: Obs<'_>, time: Option<f64>) {
        if self.replaces(time) {
            self.kept = Some((obs.to_value(), time));
        }
    }

    /// What `later` kept is the observation of its input that would win here too (the
    /// first, the last, the strictly earliest or latest), so offering it alone gives the
    /// one-pass result, ties included.
    fn merge(&mut self, later: Box<dyn Accumulator>) {
        if let Some((value, time)) = downcast::<Position>(later).and_then(|l| l.kept) {
            if self.replaces(time) {
                self.kept = Some((value, time));
            }
        }
    }

    fn result(&self) -> Value {
        match (self.pick, &self.kept) {
            (_, None) => Value::Null,
            (Pick::EarliestTime | Pick::LatestTime, Some((_, t))) => {
                t.map(Value::Num).unwrap_or(Value::Null)
            }
            (_, Some((v, _))) => v.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::s;
    use super::super::{AggFunction, AggFunction::*, Obs};
    use crate::value::Value;

    fn timed(f: AggFunction, data: &[(&str, Option<f64>)]) -> Value {
        let mut acc = f.accumulator();
        for (v, t) in data {
            acc.add(Obs::Str(v), *t);
        }
        acc.result()
    }

    #[test]
    fn first_last_follow_input_earliest_latest_follow_time() {
        // EC-101
        let data = [("b", Some(200.0)), ("c", Some(300.0)), ("a", Some(100.0))];
        assert_eq!(timed(First, &data), s("b"));
        assert_eq!(timed(Last, &data), s("a"));
        assert_eq!(timed(Earliest, &data), s("a"));
        assert_eq!(timed(Latest, &data), s("c"));
        assert_eq!(timed(EarliestTime, &data), Value::Num(100.0));
        assert_eq!(timed(LatestTime, &data), Value::Num(300.0));
    }

    #[test]
    fn rows_without_time_do_not_count_for_time_picks() {
        let data = [("x", None), ("y", Some(5.0))];
        assert_eq!(timed(Earliest, &data), s("y"));
        assert_eq!(timed(Latest, &[("x", None)]), Value::Null);
        assert_eq!(timed(First, &data), s("x"));
        assert_eq!(timed(First, &[]), Value::Null);
    }
}
