//! Aggregation functions (SEMANTICS §7.2) as a table, shared by `stats`, `eventstats`,
//! `streamstats`, `tstats`, `top` and `rare`.
//!
//! A function name resolves (through [`TABLE`], or the `perc<N>` family) to an
//! [`AggFunction`], which builds a fresh [`Accumulator`] per group. Accumulators keep
//! memory per group, not per event, except `list`, `values`, `median`, `perc*`, `mode`
//! (which inherently keep values) and `dc`/`estdc` (a set of distinct values).
//!
//! Families live in their own files: [`counting`] (count, dc, estdc), [`numeric`] (sum,
//! sumsq, avg, range, stdev/var), [`order`] (min, max), [`collect`] (values, list, mode),
//! [`position`] (first, last, earliest, latest, earliest_time, latest_time) and
//! [`percentile`] (median, perc, exactperc, upperperc). [`group`] turns `stats`-style
//! aggregation lists and BY clauses into grouped accumulators.

pub mod collect;
pub mod counting;
pub mod group;
pub mod numeric;
pub mod order;
pub mod percentile;
pub mod position;

use crate::value::{format_number, parse_number, Value};
use std::any::Any;
use std::borrow::Cow;
use std::fmt::Debug;

/// One observation fed to an accumulator: a single value of a field. Every value of a
/// multivalue field is its own observation (§7.2 preamble).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Obs<'a> {
    Str(&'a str),
    /// A number produced by eval or an earlier aggregation (and `_time`).
    Num(f64),
}

impl<'a> Obs<'a> {
    /// The number this observation stands for: numeric functions read only these and
    /// ignore the rest (§7.2 preamble: `abc` does not count for `sum`, EC-097).
    pub fn num(&self) -> Option<f64> {
        match self {
            Obs::Num(n) => Some(*n),
            Obs::Str(s) => parse_number(s),
        }
    }

    /// The string this observation is: string functions (`dc`, `values`, `list`, `mode`,
    /// `first`...) see `1`, `1.0` and `01` as three values (§7.2 preamble).
    pub fn text(&self) -> Cow<'a, str> {
        match self {
            Obs::Str(s) => Cow::Borrowed(s),
            Obs::Num(n) => Cow::Owned(format_number(*n)),
        }
    }

    /// Back to a field value, keeping a number a number (`min(_time)` stays an epoch
    /// number, §7.2) and a string its original text (EC-098).
    pub fn to_value(&self) -> Value {
        match self {
            Obs::Str(s) => Value::str(*s),
            Obs::Num(n) => Value::Num(*n),
        }
    }
}

/// The observations of a field value: none for null, one for a scalar, one per value of
/// a multivalue. Booleans (only from `eval(...)` arguments) read as `true`/`false`.
pub fn observations(value: &Value) -> Observations<'_> {
    match value {
        Value::Null => Observations::One(None),
        Value::Bool(b) => Observations::One(Some(Obs::Str(if *b { "true" } else { "false" }))),
        Value::Num(n) => Observations::One(Some(Obs::Num(*n))),
        Value::Str(s) => Observations::One(Some(Obs::Str(s))),
        Value::Multi(v) => Observations::Multi(v.iter()),
    }
}

/// Iterator returned by [`observations`].
pub enum Observations<'a> {
    One(Option<Obs<'a>>),
    Multi(std::slice::Iter<'a, String>),
}

impl<'a> Iterator for Observations<'a> {
    type Item = Obs<'a>;
    fn next(&mut self) -> Option<Obs<'a>> {
        match self {
            Observations::One(o) => o.take(),
            Observations::Multi(it) => it.next().map(|s| Obs::Str(s)),
        }
    }
}

/// The running state of one aggregation function over one group.
pub trait Accumulator: Send + Debug + Any {
    /// Feed one observation; `time` is the row's `_time` (used by earliest/latest).
    fn add(&mut self, obs: Obs<'_>, time: Option<f64>);
    /// The aggregate so far; `Value::Null` when the function has nothing to report
    /// (R7.6: over zero input only `count`/`dc` report 0).
    fn result(&self) -> Value;
    /// Take in `later`, the [`AggFunction::partial`] accumulator of the same function
    /// over observations that came after all of this one's: afterwards the state is
    /// exactly what adding those observations here one by one would have made (issue 6:
    /// partial aggregation on the reader's workers, merged in input order, so ties of
    /// `first`/`last`/`mode`/`min`... and float sums come out as on one thread).
    fn merge(&mut self, later: Box<dyn Accumulator>);
}

/// `later` as the concrete accumulator `T` a merge expects. Both sides come from the
/// same [`AggFunction`], so a mismatch is a bug: it is caught in debug builds and the
/// merge is skipped in release builds.
pub(crate) fn downcast<T: Accumulator>(later: Box<dyn Accumulator>) -> Option<Box<T>> {
    let any: Box<dyn Any> = later;
    let found = any.downcast::<T>().ok();
    debug_assert!(found.is_some(), "merging different accumulators");
    found
}

/// An aggregation function, resolved from its SPL name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AggFunction {
    Count,
    DistinctCount,
    EstimatedDistinctCount,
    Sum,
    SumSquares,
    Avg,
    Min,
    Max,
    Range,
    Values,
    List,
    Mode,
    First,
    Last,
    Earliest,
    Latest,
    EarliestTime,
    LatestTime,
    Stdev,
    Stdevp,
    Var,
    Varp,
    Median,
    /// `perc<N>`, `p<N>`, `exactperc<N>`: linear interpolation (see [`percentile`]).
    Perc(f64),
    /// `upperperc<N>`: the nearest rank at or above the percentile.
    UpperPerc(f64),
}

/// Fixed-name functions and their aliases (`c` = `count`, `distinct_count` = `dc`,
/// `mean` = `avg`; §7.2).
pub const TABLE: &[(&str, AggFunction)] = &[
    ("count", AggFunction::Count),
    ("c", AggFunction::Count),
    ("dc", AggFunction::DistinctCount),
    ("distinct_count", AggFunction::DistinctCount),
    ("estdc", AggFunction::EstimatedDistinctCount),
    ("sum", AggFunction::Sum),
    ("sumsq", AggFunction::SumSquares),
    ("avg", AggFunction::Avg),
    ("mean", AggFunction::Avg),
    ("min", AggFunction::Min),
    ("max", AggFunction::Max),
    ("range", AggFunction::Range),
    ("values", AggFunction::Values),
    ("list", AggFunction::List),
    ("mode", AggFunction::Mode),
    ("first", AggFunction::First),
    ("last", AggFunction::Last),
    ("earliest", AggFunction::Earliest),
    ("latest", AggFunction::Latest),
    ("earliest_time", AggFunction::EarliestTime),
    ("latest_time", AggFunction::LatestTime),
    ("stdev", AggFunction::Stdev),
    ("stdevp", AggFunction::Stdevp),
    ("var", AggFunction::Var),
    ("varp", AggFunction::Varp),
    ("median", AggFunction::Median),
];

impl AggFunction {
    /// Resolve a function name (case-insensitive): the [`TABLE`], then the percentile
    /// family `perc<N>`, `p<N>`, `exactperc<N>`, `upperperc<N>` with `0 <= N <= 100`
    /// (fractional `N` such as `99.9` allowed).
    pub fn resolve(name: &str) -> Option<AggFunction> {
        let lower = name.to_ascii_lowercase();
        if let Some((_, f)) = TABLE.iter().find(|(n, _)| *n == lower) {
            return Some(*f);
        }
        let pct = |rest: &str| parse_number(rest).filter(|p| (0.0..=100.0).contains(p));
        if let Some(rest) = lower.strip_prefix("upperperc") {
            return pct(rest).map(AggFunction::UpperPerc);
        }
        for prefix in ["exactperc", "perc", "p"] {
            if let Some(rest) = lower.strip_prefix(prefix) {
                return pct(rest).map(AggFunction::Perc);
            }
        }
        None
    }

    /// A fresh accumulator for one group.
    pub fn accumulator(self) -> Box<dyn Accumulator> {
        use AggFunction::*;
        match self {
            Count => Box::<counting::Count>::default(),
            DistinctCount | EstimatedDistinctCount => Box::<counting::DistinctCount>::default(),
            Sum => Box::new(numeric::Sum::new(false)),
            SumSquares => Box::new(numeric::Sum::new(true)),
            Avg => Box::<numeric::Avg>::default(),
            Range => Box::<numeric::Range>::default(),
            Stdev => Box::new(numeric::Variance::new(true, true)),
            Stdevp => Box::new(numeric::Variance::new(false, true)),
            Var => Box::new(numeric::Variance::new(true, false)),
            Varp => Box::new(numeric::Variance::new(false, false)),
            Min => Box::new(order::Extreme::new(false)),
            Max => Box::new(order::Extreme::new(true)),
            Values => Box::<collect::Values>::default(),
            List => Box::<collect::List>::default(),
            Mode => Box::<collect::Mode>::default(),
            First => Box::new(position::Position::new(position::Pick::First)),
            Last => Box::new(position::Position::new(position::Pick::Last)),
            Earliest => Box::new(position::Position::new(position::Pick::Earliest)),
            Latest => Box::new(position::Position::new(position::Pick::Latest)),
            EarliestTime => Box::new(position::Position::new(position::Pick::EarliestTime)),
            LatestTime => Box::new(position::Position::new(position::Pick::LatestTime)),
            Median => Box::new(percentile::Percentile::median()),
            Perc(p) => Box::new(percentile::Percentile::interpolated(p)),
            UpperPerc(p) => Box::new(percentile::Percentile::upper(p)),
        }
    }

    /// An accumulator for part of a group's input, to be [`Accumulator::merge`]d into
    /// one from [`AggFunction::accumulator`]. The same as that one except for the
    /// floating-point running sums (`sum`, `avg`, `stdev`, `var`...): adding partial sums
    /// rounds differently from adding every number in turn, so their partials keep the
    /// numbers (bounded by one block of input) and the merge adds them in order.
    pub fn partial(self) -> Box<dyn Accumulator> {
        use AggFunction::*;
        match self {
            Sum | SumSquares | Avg | Stdev | Stdevp | Var | Varp => {
                Box::<numeric::Numbers>::default()
            }
            other => other.accumulator(),
        }
    }
}

/// Limits on what aggregating commands may hold, carried in
/// [`crate::program::Context::limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most groups a `stats`-like command may hold before failing with an error (memory
    /// is per group, so this bounds memory on high-cardinality BY fields).
    pub max_groups: usize,
    /// Most rows a subsearch (`join`, `append`) contributes (`[join] subsearch_maxout =
    /// 50000`, SEMANTICS §12).
    pub subsearch_maxout: usize,
    /// Most bytes (estimated: field names and values) `mvexpand` may produce from one
    /// input result; past it the search fails with an error naming the field (R5.7's
    /// `[mvexpand] max_mem_usage_mb = 500`, docs/LIMITS.md).
    pub max_mvexpand_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_groups: 1_000_000,
            subsearch_maxout: 50_000,
            max_mvexpand_bytes: 500 << 20,
        }
    }
}

/// Seconds in a time span as `time_window=` and `tstats ... span=` write it: an optional
/// integer count (default 1) and a unit `s`/`sec`/`secs`/`second(s)`, `m`/`min`/`mins`/
/// `minute(s)`, `h`/`hr`/`hrs`/`hour(s)`, `d`/`day(s)`, `w`/`week(s)`. Months and years
/// are not fixed lengths and are refused (`None`), as is a zero span.
pub fn timespan_seconds(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let count: f64 = if digits.is_empty() {
        1.0
    } else {
        digits.parse::<u64>().ok()? as f64
    };
    let unit_seconds = match unit.to_ascii_lowercase().as_str() {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86400.0,
        "w" | "week" | "weeks" => 7.0 * 86400.0,
        _ => return None,
    };
    let seconds = count * unit_seconds;
    (seconds > 0.0).then_some(seconds)
}

#[cfg(test)]
pub(crate) mod test_util {
    use super::*;

    /// Feed string observations (no time) and return the result.
    pub fn run(f: AggFunction, values: &[&str]) -> Value {
        let mut acc = f.accumulator();
        for v in values {
            acc.add(Obs::Str(v), None);
        }
        acc.result()
    }

    pub fn s(v: &str) -> Value {
        Value::str(v)
    }

    pub fn mv(v: &[&str]) -> Value {
        Value::Multi(v.iter().map(|s| s.to_string()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_with_aliases_and_percentiles() {
        assert_eq!(AggFunction::resolve("c"), Some(AggFunction::Count));
        assert_eq!(AggFunction::resolve("DC"), Some(AggFunction::DistinctCount));
        assert_eq!(
            AggFunction::resolve("distinct_count"),
            Some(AggFunction::DistinctCount)
        );
        assert_eq!(AggFunction::resolve("mean"), Some(AggFunction::Avg));
        assert_eq!(
            AggFunction::resolve("perc95"),
            Some(AggFunction::Perc(95.0))
        );
        assert_eq!(AggFunction::resolve("p99.9"), Some(AggFunction::Perc(99.9)));
        assert_eq!(
            AggFunction::resolve("exactperc50"),
            Some(AggFunction::Perc(50.0))
        );
        assert_eq!(
            AggFunction::resolve("upperperc90"),
            Some(AggFunction::UpperPerc(90.0))
        );
        assert_eq!(AggFunction::resolve("perc101"), None);
        assert_eq!(AggFunction::resolve("perc"), None);
        assert_eq!(AggFunction::resolve("p"), None);
        assert_eq!(AggFunction::resolve("bogus"), None);
    }

    #[test]
    fn timespans() {
        assert_eq!(timespan_seconds("30s"), Some(30.0));
        assert_eq!(timespan_seconds("5m"), Some(300.0));
        assert_eq!(timespan_seconds("1h"), Some(3600.0));
        assert_eq!(timespan_seconds("h"), Some(3600.0));
        assert_eq!(timespan_seconds("2days"), Some(172800.0));
        assert_eq!(timespan_seconds("1mon"), None);
        assert_eq!(timespan_seconds("0s"), None);
        assert_eq!(timespan_seconds("x1"), None);
    }

    /// Every function, over observations with ties (equal values, equal times, times
    /// missing), floats whose sum depends on the order of additions, numbers and
    /// strings mixed: one accumulator fed everything equals one fed a prefix and then
    /// merged with partials of the rest, at every pair of cut points (issue 6).
    #[test]
    fn merging_partials_in_order_equals_one_pass() {
        let mut functions: Vec<AggFunction> = TABLE.iter().map(|(_, f)| *f).collect();
        functions.extend([AggFunction::Perc(95.0), AggFunction::UpperPerc(33.3)]);
        let values = [
            "0.1", "b", "0.2", "a", "0.3", "1e16", "b", "1", "-1e16", "a", "07", "7", "", "0.7",
            "a", "b", "x",
        ];
        let obs: Vec<(Obs, Option<f64>)> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let time = match i % 4 {
                    0 => None,
                    1 => Some(100.0),
                    2 => Some(100.0 + (i % 3) as f64),
                    _ => Some(50.0 + (i % 2) as f64),
                };
                let o = if i % 5 == 4 {
                    Obs::Num(i as f64 * 0.1)
                } else {
                    Obs::Str(v)
                };
                (o, time)
            })
            .collect();
        let feed = |acc: &mut Box<dyn Accumulator>, part: &[(Obs, Option<f64>)]| {
            for (o, t) in part {
                acc.add(*o, *t);
            }
        };
        for f in functions {
            let mut one = f.accumulator();
            feed(&mut one, &obs);
            let expected = format!("{:?}", one.result());
            for a in 0..=obs.len() {
                for b in a..=obs.len() {
                    let mut acc = f.accumulator();
                    feed(&mut acc, &obs[..a]);
                    let (mut p1, mut p2) = (f.partial(), f.partial());
                    feed(&mut p1, &obs[a..b]);
                    feed(&mut p2, &obs[b..]);
                    acc.merge(p1);
                    acc.merge(p2);
                    let got = format!("{:?}", acc.result());
                    assert_eq!(got, expected, "{f:?} cut at {a} and {b}");
                }
            }
        }
        // `list` keeps the first 100 across partials.
        let many: Vec<String> = (0..150).map(|i| i.to_string()).collect();
        let mut acc = AggFunction::List.accumulator();
        let mut later = AggFunction::List.partial();
        for (i, v) in many.iter().enumerate() {
            if i < 60 {
                acc.add(Obs::Str(v), None);
            } else {
                later.add(Obs::Str(v), None);
            }
        }
        acc.merge(later);
        assert_eq!(
            acc.result(),
            test_util::run(
                AggFunction::List,
                &many.iter().map(String::as_str).collect::<Vec<_>>()
            )
        );
    }

    /// Values that make ties and order-dependent float sums likely.
    const PALETTE: &[&str] = &[
        "0.1", "0.2", "0.3", "1e16", "-1e16", "1", "01", "1.0", "7", "-3.5", "a", "b", "B", "",
        "x y", "nan",
    ];

    proptest::proptest! {
        #![proptest_config(crate::testing::proptest_config(500))]

        /// Random observations (strings, numbers, times with ties or missing) cut into
        /// random partials: merging them in order gives the one-pass result (issue 6).
        #[test]
        fn random_partials_merge_to_the_one_pass_result(
            items in proptest::collection::vec(
                (0..PALETTE.len(), proptest::bool::ANY, proptest::option::of(0u8..4)),
                0..40,
            ),
            cuts in proptest::collection::vec(0usize..40, 0..5),
        ) {
            let obs: Vec<(Obs, Option<f64>)> = items
                .iter()
                .enumerate()
                .map(|(i, (v, num, t))| {
                    let o = if *num { Obs::Num(i as f64 * 0.1) } else { Obs::Str(PALETTE[*v]) };
                    (o, t.map(f64::from))
                })
                .collect();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(obs.len())).collect();
            cuts.sort_unstable();
            let mut functions: Vec<AggFunction> = TABLE.iter().map(|(_, f)| *f).collect();
            functions.extend([AggFunction::Perc(50.0), AggFunction::UpperPerc(90.0)]);
            for f in functions {
                let mut one = f.accumulator();
                for (o, t) in &obs {
                    one.add(*o, *t);
                }
                let mut merged = f.accumulator();
                let mut start = 0;
                for end in cuts.iter().copied().chain([obs.len()]) {
                    let mut part = f.partial();
                    for (o, t) in &obs[start..end] {
                        part.add(*o, *t);
                    }
                    merged.merge(part);
                    start = end;
                }
                proptest::prop_assert_eq!(
                    format!("{:?}", merged.result()),
                    format!("{:?}", one.result()),
                    "{:?} cut at {:?}", f, cuts
                );
            }
        }
    }

    #[test]
    fn multivalue_values_are_each_an_observation() {
        let v = Value::Multi(vec!["1".into(), "x".into()]);
        let obs: Vec<_> = observations(&v).collect();
        assert_eq!(obs, vec![Obs::Str("1"), Obs::Str("x")]);
        assert_eq!(observations(&Value::Null).count(), 0);
        assert_eq!(observations(&Value::Num(2.0)).next(), Some(Obs::Num(2.0)));
        assert_eq!(Obs::Num(2.0).text(), "2");
        assert_eq!(Obs::Str("01").num(), Some(1.0));
        assert_eq!(Obs::Str("abc").num(), None);
    }
}
