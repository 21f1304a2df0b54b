//! Time formats (SEMANTICS §11) and relative time modifiers, in the run's time zone.
//! Shared by eval functions, `convert`, `bin` and the CLI.

use chrono_tz::Tz;

/// Render epoch seconds with a strftime-style format (Splunk's variables, incl. `%N`,
/// `%Q`, `%3N`, `%z`, `%Ez`), in `tz`.
pub fn strftime(epoch: f64, format: &str, tz: Tz) -> String {
    let _ = (epoch, format, tz);
    todo!("timefmt")
}

/// Parse `text` with a strptime-style format to epoch seconds; text without a zone is
/// read in `tz`. `None` if it does not match.
pub fn strptime(text: &str, format: &str, tz: Tz) -> Option<f64> {
    let _ = (text, format, tz);
    todo!("timefmt")
}

/// Apply a relative time modifier (`-1d@d`, `+1h@h`, `@w1`, `now`) to `epoch`, snapping
/// in `tz`. `None` if the modifier is malformed.
pub fn relative_time(epoch: f64, modifier: &str, tz: Tz) -> Option<f64> {
    let _ = (epoch, modifier, tz);
    todo!("timefmt")
}
