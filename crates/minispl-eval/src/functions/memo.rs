//! Small per-thread memos of answers that depend only on one short text (issue 6, W4).
//!
//! The `aws:cloudtrail` profile's `EVAL-user` is a `case` whose conditions are two
//! `match(eventName, "<literal>")` and `eventName="AssumeRole"`, evaluated per event,
//! while `eventName` has a few hundred distinct values in a whole trail. A regex search is
//! ~600 instructions per call here (and the regex crate's cache pool takes its slow path
//! on all but one thread when the `Regex` is shared); a hash lookup of a short string is a
//! fraction of that. Two memos use this:
//! * [`ConstRegex`]: a literal regex remembers whether it matches a text;
//! * `case` whose conditions read one field only and call only deterministic functions
//!   remembers which pair that field's text selects (`conditional.rs`).
//!
//! An answer that is a function of the text alone is the same when remembered: results
//! cannot change.
//!
//! The memo is bounded: only texts up to [`MEMO_TEXT_MAX`] bytes are remembered, each
//! memo keeps at most [`MEMO_ENTRIES`] of them (its table is emptied when full, so a field
//! with many distinct values only costs the lookups), and a thread keeps tables for at
//! most [`MEMO_TABLES`] memos (all are dropped when one more is needed). Memos are told
//! apart by an id drawn from a process-wide counter, never by address: an address can be
//! reused by a later regex or expression, an id cannot.

use regex::Regex;
use std::cell::RefCell;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};

/// Longest text (bytes) whose answer is remembered; longer texts are computed each time.
pub(crate) const MEMO_TEXT_MAX: usize = 64;
/// Most answers remembered per memo and thread.
pub(crate) const MEMO_ENTRIES: usize = 4096;
/// Most memos with a table per thread.
pub(crate) const MEMO_TABLES: usize = 16;

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

type Answers = HashMap<Box<str>, u32, foldhash::fast::RandomState>;

thread_local! {
    /// (memo id, its remembered answers), per thread: no locking, and each thread's
    /// regex searches use the regex's own cache as before.
    static TABLES: RefCell<Vec<(u64, Answers)>> = const { RefCell::new(Vec::new()) };
}

/// The identity of one memo (one prepared call site); its answers live per thread.
#[derive(Debug)]
pub struct Memo {
    /// Unique in the process: names this memo's tables.
    id: u64,
}

impl Default for Memo {
    fn default() -> Self {
        Memo {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }
}

impl Memo {
    /// The answer for `text`: remembered, or `compute()`d and remembered (texts longer
    /// than [`MEMO_TEXT_MAX`] are always computed). An error is returned, not remembered.
    /// `compute` runs outside the memo's borrow, so it may use other memos.
    pub fn answer<E>(
        &self,
        text: &str,
        compute: impl FnOnce() -> Result<u32, E>,
    ) -> Result<u32, E> {
        if text.len() > MEMO_TEXT_MAX {
            return compute();
        }
        let known = TABLES.with(|tables| {
            let tables = tables.borrow();
            let (_, answers) = tables.iter().find(|(id, _)| *id == self.id)?;
            answers.get(text).copied()
        });
        if let Some(answer) = known {
            return Ok(answer);
        }
        let answer = compute()?;
        TABLES.with(|tables| {
            let mut tables = tables.borrow_mut();
            let at = match tables.iter().position(|(id, _)| *id == self.id) {
                Some(at) => at,
                None => {
                    if tables.len() >= MEMO_TABLES {
                        tables.clear();
                    }
                    tables.push((self.id, Answers::default()));
                    tables.len() - 1
                }
            };
            let answers = &mut tables[at].1;
            if answers.len() >= MEMO_ENTRIES {
                answers.clear();
            }
            answers.insert(text.into(), answer);
        });
        Ok(answer)
    }

    /// How many answers this thread remembers for this memo (tests).
    #[cfg(test)]
    pub(crate) fn remembered(&self) -> usize {
        TABLES.with(|tables| {
            tables
                .borrow()
                .iter()
                .find(|(id, _)| *id == self.id)
                .map_or(0, |(_, answers)| answers.len())
        })
    }
}

/// A regex compiled at prepare time from a literal pattern.
#[derive(Debug)]
pub struct ConstRegex {
    regex: Regex,
    memo: Memo,
}

impl ConstRegex {
    pub fn new(regex: Regex) -> Self {
        ConstRegex {
            regex,
            memo: Memo::default(),
        }
    }

    pub fn regex(&self) -> &Regex {
        &self.regex
    }

    /// `self.regex().is_match(text)`, answered from this thread's memo when it can be.
    pub fn is_match(&self, text: &str) -> bool {
        let answer = self.memo.answer(text, || {
            Ok::<_, Infallible>(u32::from(self.regex.is_match(text)))
        });
        matches!(answer, Ok(1))
    }

    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.memo.remembered()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::pcre;
    use proptest::prelude::*;

    fn const_regex(pattern: &str) -> ConstRegex {
        ConstRegex::new(pcre::compile(pattern).expect("pattern compiles"))
    }

    /// The memo answers as the regex does, for repeated, new, long and empty texts, and
    /// keeps at most `MEMO_ENTRIES` answers however many distinct texts it sees.
    #[test]
    fn memo_gives_the_regex_answer_and_keeps_its_bound() {
        let re = const_regex("^Put|Instances$|Volume$|Bucket$|^ConsoleLogin$");
        let words = [
            "Put",
            "Get",
            "Instances",
            "Volume",
            "Bucket",
            "ConsoleLogin",
            "",
        ];
        for round in 0..3 {
            for i in 0..(3 * MEMO_ENTRIES) {
                let w = words[i % words.len()];
                let text = match i % 4 {
                    0 => format!("{w}{i}"),
                    1 => format!("{i}{w}"),
                    2 => w.to_string(),
                    // Longer than the memo takes: searched every time.
                    _ => format!("{}{w}", "x".repeat(MEMO_TEXT_MAX + i % 3)),
                };
                assert_eq!(
                    re.is_match(&text),
                    re.regex().is_match(&text),
                    "{text:?} in round {round}"
                );
                assert!(re.remembered() <= MEMO_ENTRIES);
            }
        }
        assert!(re.remembered() > 0);
    }

    /// Two regexes never share answers (ids, not addresses), and a thread keeps at most
    /// `MEMO_TABLES` tables.
    #[test]
    fn memo_tables_are_per_regex_and_bounded() {
        let a = const_regex("^a");
        let b = const_regex("b$");
        assert!(a.is_match("ab"));
        assert!(!a.is_match("ba"));
        assert!(b.is_match("ab"));
        assert!(!b.is_match("ba"));
        for i in 0..(3 * MEMO_TABLES) {
            // Each new regex is dropped after use; a later one may get its address.
            let r = const_regex(&format!("^x{i}$"));
            assert!(r.is_match(&format!("x{i}")));
            assert!(!r.is_match(&format!("x{}", i + 1)));
        }
        TABLES.with(|tables| assert!(tables.borrow().len() <= MEMO_TABLES));
        assert!(!a.is_match("ba"));
        assert!(b.is_match("ab"));
    }

    /// An error is passed on and not remembered; the next call computes again.
    #[test]
    fn memo_does_not_remember_errors() {
        let memo = Memo::default();
        assert_eq!(memo.answer("t", || Err::<u32, _>("no")), Err("no"));
        assert_eq!(memo.remembered(), 0);
        assert_eq!(memo.answer("t", || Ok::<_, ()>(7)), Ok(7));
        assert_eq!(memo.answer("t", || Ok::<_, ()>(8)), Ok(7));
        assert_eq!(memo.remembered(), 1);
    }

    proptest! {
        #![proptest_config(crate::testing::proptest_config(256))]
        /// Any text, asked twice (the second answer comes from the memo when short).
        #[test]
        fn memo_agrees_with_the_regex(text in "[A-Za-z$^]{0,80}") {
            let re = const_regex("^(Create|Delete)User$|Bucket$|^Put");
            let want = re.regex().is_match(&text);
            prop_assert_eq!(re.is_match(&text), want);
            prop_assert_eq!(re.is_match(&text), want);
        }
    }
}
