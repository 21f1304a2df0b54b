//! `min` and `max` (SEMANTICS §7.2, EC-098): numbers compare numerically (`1`, `1.0`,
//! `01` are the same number), strings lexicographically (byte order), and numbers order
//! before strings. So `max` over a mix returns the greatest string and `min` the smallest
//! number. The winning value keeps its original text (`01` stays `01`); a number from
//! eval or `_time` stays a number (`min(_time)` is an epoch number).

use super::{downcast, Accumulator, Obs};
use crate::value::Value;

#[derive(Debug)]
pub struct Extreme {
    max: bool,
    /// Best numeric observation: (number, value as given).
    number: Option<(f64, Value)>,
    /// Best non-numeric observation.
    string: Option<String>,
}

impl Extreme {
    pub fn new(max: bool) -> Self {
        Extreme {
            max,
            number: None,
            string: None,
        }
    }
}

impl Extreme {
    /// A candidate number (not NaN) with its value as given: kept if strictly better, so
    /// on a tie the one seen first stays.
    fn offer_number(&mut self, n: f64, value: impl FnOnce() -> Value) {
        let better = match &self.number {
            None => true,
            Some((best, _)) => {
                if self.max {
                    n > *best
                } else {
                    n < *best
                }
            }
        };
        if better {
            self.number = Some((n, value()));
        }
    }

    /// A candidate string, kept if strictly better.
    fn offer_string(&mut self, text: std::borrow::Cow<'_, str>) {
        let better = match &self.string {
            None => true,
            Some(best) => {
                if self.max {
                    text.as_ref() > best.as_str()
                } else {
                    text.as_ref() < best.as_str()
                }
            }
        };
        if better {
            self.string = Some(text.into_owned());
        }
    }
}

impl Accumulator for Extreme {
    fn add(&mut self, obs: Obs<'_>, _time: Option<f64>) {
        match obs.num() {
            Some(n) if !n.is_nan() => self.offer_number(n, || obs.to_value()),
            _ => self.offer_string(obs.text()),
        }
    }

    /// `later`'s best number and best string are the first-seen best of its input, so
    /// offering them in turn keeps what one pass over both inputs keeps.
    fn merge(&mut self, later: Box<dyn Accumulator>) {
        let Some(later) = downcast::<Extreme>(later) else {
            return;
        };
        let Extreme { number, string, .. } = *later;
        if let Some((n, value)) = number {
            self.offer_number(n, || value);
        }
        if let Some(text) = string {
            self.offer_string(text.into());
        }
    }

    fn result(&self) -> Value {
        // Numbers order before strings: the greatest is a string if there is one, the
        // smallest a number if there is one.
        let number = || self.number.as_ref().map(|(_, v)| v.clone());
        let string = || self.string.clone().map(Value::from);
        let found = if self.max {
            string().or_else(number)
        } else {
            number().or_else(string)
        };
        found.unwrap_or(Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{run, s};
    use super::super::{AggFunction::*, Obs};
    use crate::value::Value;

    #[test]
    fn numeric_when_numbers_keeping_original_text() {
        assert_eq!(run(Max, &["9", "10", "010.0"]), s("10"));
        assert_eq!(run(Min, &["9", "10", "09"]), s("9"));
        assert_eq!(run(Min, &["09", "10"]), s("09"));
        assert_eq!(run(Max, &["-1", "-5"]), s("-1"));
    }

    #[test]
    fn mixed_numbers_before_strings() {
        // EC-098
        assert_eq!(run(Max, &["5", "abc", "10"]), s("abc"));
        assert_eq!(run(Min, &["5", "abc", "10"]), s("5"));
    }

    #[test]
    fn strings_are_byte_ordered_and_empty_is_null() {
        assert_eq!(run(Max, &["b", "B", "a"]), s("b"));
        assert_eq!(run(Min, &["b", "B", "a"]), s("B"));
        assert_eq!(run(Min, &[]), Value::Null);
        assert_eq!(run(Max, &[]), Value::Null);
    }

    #[test]
    fn time_numbers_stay_numbers() {
        let mut acc = Min.accumulator();
        acc.add(Obs::Num(200.0), None);
        acc.add(Obs::Num(100.5), None);
        assert_eq!(acc.result(), Value::Num(100.5));
    }
}
