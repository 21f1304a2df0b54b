//! What a run needs to know about the world: the time zone for rendering and parsing
//! times, and the search's `now()` (fixed per run so results are reproducible).

use chrono_tz::Tz;

#[derive(Debug, Clone)]
pub struct Env {
    /// Time zone for `strftime`, `strptime`, `convert ctime`, `relative_time` snaps and
    /// day-aligned `bin` spans (R8.3). Default UTC.
    pub tz: Tz,
    /// The search start time in epoch seconds: what `now()` returns for every row.
    pub now: f64,
}

impl Default for Env {
    fn default() -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Env { tz: Tz::UTC, now }
    }
}
