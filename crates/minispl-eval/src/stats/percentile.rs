//! `median`, `perc<N>`/`p<N>`/`exactperc<N>` and `upperperc<N>` over the numeric values.
//!
//! Interpolation (our documented choice; Splunk's `perc` is an approximation whose exact
//! rule is not documented, and it is exact on small sets):
//! * `perc<N>`, `p<N>`, `exactperc<N>`: sort the numbers, take the rank
//!   `r = N/100 * (n-1)` (0-based) and interpolate linearly between the values at
//!   `floor(r)` and `ceil(r)` (the "inclusive" definition of spreadsheets, numpy's
//!   default). `perc50` of 1,2,3,4 is 2.5.
//! * `upperperc<N>`: the value at `ceil(r)` (the approximation's upper bound).
//! * `median`: the middle value; with an even count the higher of the two middle values,
//!   as the stats documentation describes (`median` of 1,2,3,4 is 3).

use super::{downcast, Accumulator, Obs};
use crate::value::Value;

#[derive(Debug, Clone, Copy)]
enum Rule {
    Median,
    Interpolated(f64),
    Upper(f64),
}

#[derive(Debug)]
pub struct Percentile {
    rule: Rule,
    numbers: Vec<f64>,
}

impl Percentile {
    pub fn median() -> Self {
        Percentile {
            rule: Rule::Median,
            numbers: Vec::new(),
        }
    }
    pub fn interpolated(p: f64) -> Self {
        Percentile {
            rule: Rule::Interpolated(p),
            numbers: Vec::new(),
        }
    }
    pub fn upper(p: f64) -> Self {
        Percentile {
            rule: Rule::Upper(p),
            numbers: Vec::new(),
        }
    }
}

impl Accumulator for Percentile {
    fn add(&mut self, obs: Obs<'_>, _time: Option<f64>) {
        if let Some(n) = obs.num().filter(|n| !n.is_nan()) {
            self.numbers.push(n);
        }
    }

    /// The result sorts the numbers, so their order does not matter.
    fn merge(&mut self, later: Box<dyn Accumulator>) {
        if let Some(later) = downcast::<Percentile>(later) {
            self.numbers.extend_from_slice(&later.numbers);
        }
    }

    fn result(&self) -> Value {
        if self.numbers.is_empty() {
            return Value::Null;
        }
        let mut sorted = self.numbers.clone();
        sorted.sort_by(f64::total_cmp);
        let last = sorted.len() - 1;
        // `resolve` only builds 0..=100, but the constructors are public.
        let clamp = |p: f64| p.clamp(0.0, 100.0);
        let value = match self.rule {
            Rule::Median => sorted[sorted.len() / 2],
            Rule::Interpolated(p) => {
                let rank = clamp(p) / 100.0 * last as f64;
                let lo = rank.floor() as usize;
                let hi = (rank.ceil() as usize).min(last);
                sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
            }
            Rule::Upper(p) => {
                let rank = (clamp(p) / 100.0 * last as f64).ceil() as usize;
                sorted[rank.min(last)]
            }
        };
        Value::Num(value)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::run;
    use super::super::AggFunction::*;
    use crate::value::Value;

    #[test]
    fn median_odd_and_even() {
        assert_eq!(run(Median, &["3", "1", "2"]), Value::Num(2.0));
        assert_eq!(run(Median, &["4", "1", "3", "2"]), Value::Num(3.0));
        assert_eq!(run(Median, &["x"]), Value::Null);
    }

    #[test]
    fn perc_interpolates_and_upperperc_rounds_up() {
        let d = ["4", "1", "3", "2", "junk"];
        assert_eq!(run(Perc(50.0), &d), Value::Num(2.5));
        assert_eq!(run(Perc(0.0), &d), Value::Num(1.0));
        assert_eq!(run(Perc(100.0), &d), Value::Num(4.0));
        assert_eq!(run(Perc(25.0), &d), Value::Num(1.75));
        assert_eq!(run(UpperPerc(50.0), &d), Value::Num(3.0));
        assert_eq!(run(Perc(95.0), &["7"]), Value::Num(7.0));
        assert_eq!(run(Perc(250.0), &d), Value::Num(4.0));
    }
}
