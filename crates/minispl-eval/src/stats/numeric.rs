//! `sum`, `sumsq`, `avg`/`mean`, `range`, `stdev`, `stdevp`, `var`, `varp`: numeric
//! values only; non-numeric observations are ignored (§7.2 preamble, EC-097). With no
//! numeric observation the result is null (the column is absent).

use super::{downcast, Accumulator, Obs};

/// The partial of the running sums below ([`super::AggFunction::partial`]): the numbers
/// seen, in order. Merging adds them one by one, so the float result is bit for bit the
/// one-thread result (issue 6).
#[derive(Debug, Default)]
pub struct Numbers {
    numbers: Vec<f64>,
}

impl Accumulator for Numbers {
    fn add(&mut self, obs: Obs<'_>, _time: Option<f64>) {
        self.numbers.extend(obs.num());
    }
    /// Never asked of a partial; the numbers' count, for completeness.
    fn result(&self) -> Value {
        Value::Num(self.numbers.len() as f64)
    }
    fn merge(&mut self, later: Box<dyn Accumulator>) {
        if let Some(later) = downcast::<Numbers>(later) {
            self.numbers.extend_from_slice(&later.numbers);
        }
    }
}

/// Merge a [`Numbers`] partial into `acc` by adding its numbers in order.
fn replay(acc: &mut dyn Accumulator, later: Box<dyn Accumulator>) {
    if let Some(later) = downcast::<Numbers>(later) {
        for &n in &later.numbers {
            acc.add(Obs::Num(n), None);
        }
    }
}
use crate::value::Value;

/// `sum(x)` or, with `squares`, `sumsq(x)`.
#[derive(Debug)]
pub struct Sum {
    squares: bool,
    total: f64,
    any: bool,
}

impl Sum {
    pub fn new(squares: bool) -> Self {
        Sum {
            squares,
            total: 0.0,
            any: false,
        }
    }
}

impl Accumulator for Sum {
    fn add(&mut self, obs: Obs<'_>, _time: Option<f64>) {
        if let Some(n) = obs.num() {
            self.total += if self.squares { n * n } else { n };
            self.any = true;
        }
    }
    fn result(&self) -> Value {
        if self.any {
            Value::Num(self.total)
        } else {
            Value::Null
        }
    }
    fn merge(&mut self, later: Box<dyn Accumulator>) {
        replay(self, later);
    }
}

/// `avg(x)` / `mean(x)`.
#[derive(Debug, Default)]
pub struct Avg {
    total: f64,
    n: u64,
}

impl Accumulator for Avg {
    fn add(&mut self, obs: Obs<'_>, _time: Option<f64>) {
        if let Some(v) = obs.num() {
            self.total += v;
            self.n += 1;
        }
    }
    fn result(&self) -> Value {
        if self.n == 0 {
            Value::Null
        } else {
            Value::Num(self.total / self.n as f64)
        }
    }
    fn merge(&mut self, later: Box<dyn Accumulator>) {
        replay(self, later);
    }
}

/// `range(x)`: max - min of the numeric values.
#[derive(Debug, Default)]
pub struct Range {
    bounds: Option<(f64, f64)>,
}

impl Accumulator for Range {
    fn add(&mut self, obs: Obs<'_>, _time: Option<f64>) {
        if let Some(v) = obs.num() {
            self.bounds = Some(match self.bounds {
                None => (v, v),
                Some((lo, hi)) => (lo.min(v), hi.max(v)),
            });
        }
    }
    fn result(&self) -> Value {
        match self.bounds {
            Some((lo, hi)) => Value::Num(hi - lo),
            None => Value::Null,
        }
    }
    fn merge(&mut self, later: Box<dyn Accumulator>) {
        // min/max are order-free (and `f64::min`/`max` skip NaN either way).
        if let Some((lo, hi)) = downcast::<Range>(later).and_then(|l| l.bounds) {
            self.bounds = Some(match self.bounds {
                None => (lo, hi),
                Some((a, b)) => (a.min(lo), b.max(hi)),
            });
        }
    }
}

/// `var`/`stdev` (sample, n-1) and `varp`/`stdevp` (population), by Welford's method so
/// that large epoch values do not lose precision. One value: sample variance 0 (§7.2,
/// "with one value, stdev is 0").
#[derive(Debug)]
pub struct Variance {
    sample: bool,
    root: bool,
    n: u64,
    mean: f64,
    m2: f64,
}

impl Variance {
    pub fn new(sample: bool, root: bool) -> Self {
        Variance {
            sample,
            root,
            n: 0,
            mean: 0.0,
            m2: 0.0,
        }
    }
}

impl Accumulator for Variance {
    fn add(&mut self, obs: Obs<'_>, _time: Option<f64>) {
        if let Some(v) = obs.num() {
            self.n += 1;
            let delta = v - self.mean;
            self.mean += delta / self.n as f64;
            self.m2 += delta * (v - self.mean);
        }
    }
    fn result(&self) -> Value {
        if self.n == 0 {
            return Value::Null;
        }
        let denominator = if self.sample && self.n > 1 {
            (self.n - 1) as f64
        } else {
            self.n as f64
        };
        let var = self.m2 / denominator;
        Value::Num(if self.root { var.sqrt() } else { var })
    }
    fn merge(&mut self, later: Box<dyn Accumulator>) {
        replay(self, later);
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::run;
    use super::super::AggFunction::*;
    use crate::value::Value;

    #[test]
    fn sum_and_avg_ignore_non_numeric() {
        // EC-097
        assert_eq!(run(Sum, &["1", "2", "abc"]), Value::Num(3.0));
        assert_eq!(run(Avg, &["1", "2", "abc"]), Value::Num(1.5));
        assert_eq!(run(SumSquares, &["1", "2", "x"]), Value::Num(5.0));
    }

    #[test]
    fn no_numeric_value_gives_null() {
        for f in [Sum, SumSquares, Avg, Range, Stdev, Var, Stdevp, Varp] {
            assert_eq!(run(f, &["abc"]), Value::Null, "{f:?}");
            assert_eq!(run(f, &[]), Value::Null, "{f:?}");
        }
    }

    #[test]
    fn range_is_max_minus_min() {
        assert_eq!(run(Range, &["5", "-2", "x", "10"]), Value::Num(12.0));
    }

    #[test]
    fn sample_and_population_variance() {
        let data = ["2", "4", "4", "4", "5", "5", "7", "9"];
        assert_eq!(run(Varp, &data), Value::Num(4.0));
        assert_eq!(run(Stdevp, &data), Value::Num(2.0));
        assert_eq!(run(Var, &data), Value::Num(32.0 / 7.0));
        assert_eq!(run(Stdev, &data), Value::Num((32.0f64 / 7.0).sqrt()));
        assert_eq!(run(Stdev, &["5"]), Value::Num(0.0));
    }
}
