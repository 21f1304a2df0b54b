//! Time formats (SEMANTICS §11) and relative time modifiers, in the run's time zone.
//! Shared by eval functions, `convert`, `bin` and the CLI.
//!
//! Sub-second precision: an epoch double near 1.7e9 only holds about 7 fraction digits,
//! so the fraction is rounded to microseconds before formatting (otherwise
//! `1700000000.123` would be `…122999906` ns and `%3N` would truncate it to `122`).

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike,
};
use chrono_tz::Tz;
use std::fmt::Write as _;

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Epoch seconds as a date-time in `tz`, fraction rounded to microseconds.
fn to_datetime(epoch: f64, tz: Tz) -> Option<DateTime<Tz>> {
    if !epoch.is_finite() || epoch.abs() > 1e14 {
        return None;
    }
    let floor = epoch.floor();
    let mut secs = floor as i64;
    let mut micros = ((epoch - floor) * 1e6).round() as i64;
    if micros >= 1_000_000 {
        secs += 1;
        micros -= 1_000_000;
    }
    let utc = DateTime::from_timestamp(secs, (micros * 1000) as u32)?;
    Some(utc.with_timezone(&tz))
}

/// Epoch seconds of a date-time (with its sub-second part).
fn to_epoch<T: TimeZone>(dt: &DateTime<T>) -> f64 {
    dt.timestamp() as f64 + f64::from(dt.timestamp_subsec_nanos()) / 1e9
}

/// Render epoch seconds with a strftime-style format (Splunk's variables, incl. `%N`,
/// `%Q`, `%3N`, `%z`, `%Ez`), in `tz`. An epoch outside the representable range renders
/// as the empty string. Unknown `%` sequences are kept as written.
pub fn strftime(epoch: f64, format: &str, tz: Tz) -> String {
    let Some(dt) = to_datetime(epoch, tz) else {
        return String::new();
    };
    let mut out = String::with_capacity(format.len() + 16);
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let mut colons = 0;
        while chars.get(i) == Some(&':') {
            colons += 1;
            i += 1;
        }
        let mut width = String::new();
        while let Some(c) = chars.get(i).filter(|c| c.is_ascii_digit()) {
            width.push(*c);
            i += 1;
        }
        // More than nanoseconds is zero padding; cap it (no giant allocations).
        let width: Option<usize> = width.parse::<usize>().ok().map(|w| w.min(32));
        let mut extended = false;
        if chars.get(i) == Some(&'E') && chars.get(i + 1) == Some(&'z') {
            extended = true;
            i += 1;
        }
        let Some(&conv) = chars.get(i) else {
            out.extend(&chars[start..]);
            break;
        };
        i += 1;
        if !render_directive(&mut out, &dt, epoch, conv, colons, width, extended) {
            out.extend(&chars[start..i]);
        }
    }
    out
}

/// Append one directive; false if it is not one we know.
fn render_directive(
    out: &mut String,
    dt: &DateTime<Tz>,
    epoch: f64,
    conv: char,
    colons: usize,
    width: Option<usize>,
    extended: bool,
) -> bool {
    let hour12 = match dt.hour() % 12 {
        0 => 12,
        h => h,
    };
    let offset = dt.offset().fix().local_minus_utc();
    let _ = match conv {
        'z' if extended => write!(out, "{:+}", offset / 60),
        'Y' => write!(out, "{:04}", dt.year()),
        'y' => write!(out, "{:02}", dt.year().rem_euclid(100)),
        'C' => write!(out, "{:02}", dt.year().div_euclid(100)),
        'm' => write!(out, "{:02}", dt.month()),
        'd' => write!(out, "{:02}", dt.day()),
        'e' => write!(out, "{:>2}", dt.day()),
        'H' => write!(out, "{:02}", dt.hour()),
        'k' => write!(out, "{:>2}", dt.hour()),
        'I' => write!(out, "{hour12:02}"),
        'l' => write!(out, "{hour12:>2}"),
        'M' => write!(out, "{:02}", dt.minute()),
        'S' => write!(out, "{:02}", dt.second()),
        'p' => write!(out, "{}", if dt.hour() < 12 { "AM" } else { "PM" }),
        'P' => write!(out, "{}", if dt.hour() < 12 { "am" } else { "pm" }),
        'j' => write!(out, "{:03}", dt.ordinal()),
        'a' => write!(out, "{}", &WEEKDAYS[weekday(dt)][..3]),
        'A' => write!(out, "{}", WEEKDAYS[weekday(dt)]),
        'b' | 'h' => write!(out, "{}", &MONTHS[dt.month0() as usize][..3]),
        'B' => write!(out, "{}", MONTHS[dt.month0() as usize]),
        'w' => write!(out, "{}", weekday(dt)),
        'u' => write!(out, "{}", dt.weekday().number_from_monday()),
        'V' => write!(out, "{:02}", dt.iso_week().week()),
        'G' => write!(out, "{}", dt.iso_week().year()),
        // Week of the year, weeks starting on Sunday (U) or Monday (W); days before the
        // first such weekday are week 00.
        'U' => write!(out, "{:02}", (dt.ordinal0() as usize + 7 - weekday(dt)) / 7),
        'W' => write!(
            out,
            "{:02}",
            (dt.ordinal0() as usize + 7 - (weekday(dt) + 6) % 7) / 7
        ),
        'F' => write!(out, "{:04}-{:02}-{:02}", dt.year(), dt.month(), dt.day()),
        'T' | 'X' => write!(
            out,
            "{:02}:{:02}:{:02}",
            dt.hour(),
            dt.minute(),
            dt.second()
        ),
        'R' => write!(out, "{:02}:{:02}", dt.hour(), dt.minute()),
        'D' => write!(
            out,
            "{:02}/{:02}/{:02}",
            dt.month(),
            dt.day(),
            dt.year().rem_euclid(100)
        ),
        'x' => write!(out, "{:02}/{:02}/{:04}", dt.month(), dt.day(), dt.year()),
        'c' => write!(
            out,
            "{} {} {:>2} {:02}:{:02}:{:02} {:04}",
            &WEEKDAYS[weekday(dt)][..3],
            &MONTHS[dt.month0() as usize][..3],
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.year()
        ),
        '+' => write!(
            out,
            "{} {} {:>2} {:02}:{:02}:{:02} {} {:04}",
            &WEEKDAYS[weekday(dt)][..3],
            &MONTHS[dt.month0() as usize][..3],
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.format("%Z"),
            dt.year()
        ),
        's' => write!(out, "{}", epoch.floor() as i64),
        // Sub-second digits, truncated (§11, medium): %N defaults to 9, %Q to 3.
        'N' => write!(out, "{}", subsecond(dt, width.unwrap_or(9))),
        'Q' => write!(out, "{}", subsecond(dt, width.unwrap_or(3))),
        'f' => write!(out, "{:06}", dt.timestamp_subsec_micros()),
        'z' => write!(out, "{}", offset_text(offset, colons)),
        'Z' => write!(out, "{}", dt.format("%Z")),
        'n' => writeln!(out),
        't' => write!(out, "\t"),
        '%' => write!(out, "%"),
        _ => return false,
    };
    true
}

/// 0 = Sunday.
fn weekday<T: TimeZone>(dt: &DateTime<T>) -> usize {
    dt.weekday().num_days_from_sunday() as usize
}

fn subsecond<T: TimeZone>(dt: &DateTime<T>, width: usize) -> String {
    let mut digits = format!("{:09}", dt.timestamp_subsec_nanos());
    if width <= 9 {
        digits.truncate(width);
    } else {
        digits.extend(std::iter::repeat('0').take(width - 9));
    }
    digits
}

/// `%z` `+hhmm`, `%:z` `+hh:mm`, `%::z` `+hh:mm:ss`, `%:::z` `+hh` (minutes added when
/// not whole hours).
fn offset_text(offset: i32, colons: usize) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let a = offset.abs();
    let (h, m, s) = (a / 3600, a % 3600 / 60, a % 60);
    match colons {
        0 => format!("{sign}{h:02}{m:02}"),
        1 => format!("{sign}{h:02}:{m:02}"),
        2 => format!("{sign}{h:02}:{m:02}:{s:02}"),
        _ if m != 0 => format!("{sign}{h:02}:{m:02}"),
        _ => format!("{sign}{h:02}"),
    }
}

// ---------------------------------------------------------------------------------------
// strptime
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct Fields {
    year: Option<i32>,
    month: Option<u32>,
    day: Option<u32>,
    yday: Option<u32>,
    hour: Option<u32>,
    hour12: Option<u32>,
    pm: Option<bool>,
    minute: u32,
    second: u32,
    nanos: u32,
    offset: Option<i32>,
    zone: Option<Tz>,
    epoch: Option<f64>,
}

struct Input<'t> {
    text: &'t [char],
    pos: usize,
}

impl Input<'_> {
    fn peek(&self) -> Option<char> {
        self.text.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// 1 to `max` digits (leading zeros optional, §11), after optional spaces.
    fn number(&mut self, max: usize) -> Option<u32> {
        self.skip_spaces();
        let start = self.pos;
        let mut n: u32 = 0;
        while self.pos - start < max {
            match self.peek().and_then(|c| c.to_digit(10)) {
                Some(d) => {
                    n = n * 10 + d;
                    self.pos += 1;
                }
                None => break,
            }
        }
        (self.pos > start).then_some(n)
    }

    fn in_range(&mut self, max_digits: usize, lo: u32, hi: u32) -> Option<u32> {
        self.number(max_digits).filter(|n| (lo..=hi).contains(n))
    }

    /// One of `names` (full or three-letter), case-insensitively; its index.
    fn name(&mut self, names: &[&str]) -> Option<usize> {
        for (i, full) in names.iter().enumerate() {
            for candidate in [*full, &full[..3]] {
                let len = candidate.chars().count();
                let Some(slice) = self.text.get(self.pos..self.pos + len) else {
                    continue;
                };
                let word: String = slice.iter().collect();
                if word.eq_ignore_ascii_case(candidate) {
                    self.pos += len;
                    return Some(i);
                }
            }
        }
        None
    }

    /// Fraction digits (up to `max`) as nanoseconds.
    fn fraction(&mut self, max: usize) -> Option<u32> {
        let start = self.pos;
        let mut digits = String::new();
        while self.pos - start < max {
            match self.peek().filter(char::is_ascii_digit) {
                Some(c) => {
                    digits.push(c);
                    self.pos += 1;
                }
                None => break,
            }
        }
        if digits.is_empty() {
            return None;
        }
        digits.truncate(9);
        while digits.len() < 9 {
            digits.push('0');
        }
        digits.parse().ok()
    }

    /// `Z`, `+hh`, `+hhmm`, `+hh:mm`: seconds east of UTC.
    fn offset(&mut self) -> Option<i32> {
        self.skip_spaces();
        match self.peek()? {
            'Z' | 'z' => {
                self.pos += 1;
                Some(0)
            }
            c @ ('+' | '-') => {
                self.pos += 1;
                let h = self.fixed_digits(2)?;
                if self.peek() == Some(':') {
                    self.pos += 1;
                }
                let m = self.fixed_digits(2).unwrap_or(0);
                let secs = (h * 3600 + m * 60) as i32;
                Some(if c == '-' { -secs } else { secs })
            }
            _ => None,
        }
    }

    fn fixed_digits(&mut self, n: usize) -> Option<u32> {
        let slice = self.text.get(self.pos..self.pos + n)?;
        let mut v = 0;
        for c in slice {
            v = v * 10 + c.to_digit(10)?;
        }
        self.pos += n;
        Some(v)
    }

    /// A zone name: `UTC`, `GMT`, a common abbreviation, or an IANA name.
    fn zone(&mut self) -> Option<(Option<i32>, Option<Tz>)> {
        self.skip_spaces();
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        {
            self.pos += 1;
        }
        let word: String = self.text[start..self.pos].iter().collect();
        let fixed = |h: i32| Some((Some(h * 3600), None));
        match word.to_ascii_uppercase().as_str() {
            "" => None,
            "Z" | "UTC" | "GMT" | "UT" => fixed(0),
            "EST" => fixed(-5),
            "EDT" | "CST" => fixed(if word.eq_ignore_ascii_case("EDT") {
                -4
            } else {
                -6
            }),
            "CDT" | "MST" => fixed(if word.eq_ignore_ascii_case("CDT") {
                -5
            } else {
                -7
            }),
            "MDT" | "PST" => fixed(if word.eq_ignore_ascii_case("MDT") {
                -6
            } else {
                -8
            }),
            "PDT" => fixed(-7),
            "CET" => fixed(1),
            "CEST" => fixed(2),
            _ => word
                .parse::<Tz>()
                .ok()
                .map(|tz| (None, Some(tz)))
                .or_else(|| {
                    self.pos = start;
                    None
                }),
        }
    }
}

/// Parse `text` with a strptime-style format to epoch seconds; text without a zone is
/// read in `tz`. `None` if it does not match, or if it names no day (§6.4: "the string
/// must include a day"; `%s` is enough). Text left over after the format is ignored, as
/// C strptime does.
pub fn strptime(text: &str, format: &str, tz: Tz) -> Option<f64> {
    strptime_inner(text, format, tz, false)
}

fn strptime_inner(text: &str, format: &str, tz: Tz, whole: bool) -> Option<f64> {
    let chars: Vec<char> = text.chars().collect();
    let mut input = Input {
        text: &chars,
        pos: 0,
    };
    let mut fields = Fields::default();
    parse_format(&mut input, format, &mut fields)?;
    if whole {
        input.skip_spaces();
        if input.pos != chars.len() {
            return None;
        }
    }
    resolve(&fields, tz)
}

fn parse_format(input: &mut Input<'_>, format: &str, f: &mut Fields) -> Option<()> {
    let fmt: Vec<char> = format.chars().collect();
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        if c.is_whitespace() {
            input.skip_spaces();
            i += 1;
            continue;
        }
        if c != '%' {
            if input.peek() != Some(c) {
                return None;
            }
            input.pos += 1;
            i += 1;
            continue;
        }
        i += 1;
        let mut colons = 0;
        while fmt.get(i) == Some(&':') {
            colons += 1;
            i += 1;
        }
        let mut width = String::new();
        while let Some(d) = fmt.get(i).filter(|c| c.is_ascii_digit()) {
            width.push(*d);
            i += 1;
        }
        let width: Option<usize> = width.parse().ok();
        let mut extended = false;
        if fmt.get(i) == Some(&'E') && fmt.get(i + 1) == Some(&'z') {
            extended = true;
            i += 1;
        }
        let conv = *fmt.get(i)?;
        i += 1;
        let _ = colons;
        match conv {
            'z' if extended => {
                input.skip_spaces();
                let negative = match input.peek() {
                    Some('-') => {
                        input.pos += 1;
                        true
                    }
                    Some('+') => {
                        input.pos += 1;
                        false
                    }
                    _ => false,
                };
                let minutes = input.number(4)? as i32;
                f.offset = Some(if negative { -minutes } else { minutes } * 60);
            }
            'Y' => {
                input.skip_spaces();
                let negative = input.peek() == Some('-');
                if negative {
                    input.pos += 1;
                }
                let y = input.number(4)? as i32;
                f.year = Some(if negative { -y } else { y });
            }
            'y' => {
                let y = input.number(2)? as i32;
                // POSIX pivot: 69-99 are 19xx, 00-68 are 20xx.
                f.year = Some(if y >= 69 { 1900 + y } else { 2000 + y });
            }
            'm' => f.month = Some(input.in_range(2, 1, 12)?),
            'd' | 'e' => f.day = Some(input.in_range(2, 1, 31)?),
            'H' | 'k' => f.hour = Some(input.in_range(2, 0, 23)?),
            'I' | 'l' => f.hour12 = Some(input.in_range(2, 1, 12)?),
            'M' => f.minute = input.in_range(2, 0, 59)?,
            'S' => f.second = input.in_range(2, 0, 60)?.min(59),
            'j' => f.yday = Some(input.in_range(3, 1, 366)?),
            'p' | 'P' => {
                input.skip_spaces();
                let word: String = input
                    .text
                    .get(input.pos..input.pos + 2)?
                    .iter()
                    .collect::<String>()
                    .to_ascii_uppercase();
                f.pm = Some(match word.as_str() {
                    "AM" => false,
                    "PM" => true,
                    _ => return None,
                });
                input.pos += 2;
            }
            'b' | 'B' | 'h' => {
                input.skip_spaces();
                f.month = Some(input.name(&MONTHS)? as u32 + 1);
            }
            'a' | 'A' => {
                input.skip_spaces();
                input.name(&WEEKDAYS)?;
            }
            'w' | 'u' => {
                input.number(1)?;
            }
            'U' | 'W' | 'V' => {
                input.number(2)?;
            }
            'F' => parse_format(input, "%Y-%m-%d", f)?,
            'T' => parse_format(input, "%H:%M:%S", f)?,
            'R' => parse_format(input, "%H:%M", f)?,
            'D' => parse_format(input, "%m/%d/%y", f)?,
            's' => {
                input.skip_spaces();
                let start = input.pos;
                while input
                    .peek()
                    .is_some_and(|c| c.is_ascii_digit() || c == '-' || c == '.')
                {
                    input.pos += 1;
                }
                let s: String = input.text[start..input.pos].iter().collect();
                f.epoch = Some(crate::value::parse_number(&s)?);
            }
            'N' | 'Q' | 'f' => f.nanos = input.fraction(width.unwrap_or(9))?,
            'z' => f.offset = Some(input.offset()?),
            'Z' => {
                let (offset, zone) = input.zone()?;
                f.offset = offset;
                f.zone = zone;
            }
            'n' | 't' => input.skip_spaces(),
            '%' => {
                if input.peek() != Some('%') {
                    return None;
                }
                input.pos += 1;
            }
            _ => return None,
        }
    }
    Some(())
}

/// Check that every `%` variable of a strptime format is one [`strptime`] understands,
/// so that a bad format is reported as an error (issue 3: "a bad `strptime` format" is
/// a runtime error with a span) rather than silently giving null on every row.
pub fn check_strptime_format(format: &str) -> Result<(), String> {
    let fmt: Vec<char> = format.chars().collect();
    let mut i = 0;
    while i < fmt.len() {
        if fmt[i] != '%' {
            i += 1;
            continue;
        }
        i += 1;
        while fmt.get(i).is_some_and(|c| *c == ':' || c.is_ascii_digit()) {
            i += 1;
        }
        if fmt.get(i) == Some(&'E') && fmt.get(i + 1) == Some(&'z') {
            i += 2;
            continue;
        }
        match fmt.get(i) {
            Some(c) if "YymdeHkIlMSjpPbBhaAwuUWVFTRDsNQfzZnt%".contains(*c) => i += 1,
            Some(c) => {
                return Err(format!(
                    "unsupported time format variable `%{c}` in `{format}`"
                ))
            }
            None => return Err(format!("time format `{format}` ends with a lone `%`")),
        }
    }
    Ok(())
}

fn resolve(f: &Fields, tz: Tz) -> Option<f64> {
    if let Some(epoch) = f.epoch {
        return Some(epoch);
    }
    let year = f.year?;
    let date = match (f.month, f.day, f.yday) {
        (Some(m), Some(d), _) => NaiveDate::from_ymd_opt(year, m, d)?,
        (_, _, Some(yday)) => NaiveDate::from_yo_opt(year, yday)?,
        _ => return None,
    };
    let hour = match (f.hour, f.hour12, f.pm) {
        (Some(h), _, _) => h,
        (None, Some(h), pm) => h % 12 + if pm == Some(true) { 12 } else { 0 },
        (None, None, _) => 0,
    };
    let naive = date.and_hms_nano_opt(hour, f.minute, f.second, f.nanos)?;
    let epoch = match (f.offset, f.zone) {
        (Some(offset), _) => {
            (naive - Duration::seconds(i64::from(offset)))
                .and_utc()
                .timestamp() as f64
                + f64::from(f.nanos) / 1e9
        }
        (None, Some(zone)) => to_epoch(&local(zone, naive)?),
        (None, None) => to_epoch(&local(tz, naive)?),
    };
    Some(epoch)
}

/// A local date-time in `tz`: the earlier of two in a fall-back overlap; a time in a
/// spring-forward gap moves forward by the gap.
fn local(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Tz>> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(dt) => Some(dt),
        LocalResult::Ambiguous(a, _) => Some(a),
        LocalResult::None => match tz.from_local_datetime(&(naive + Duration::hours(1))) {
            LocalResult::Single(dt) | LocalResult::Ambiguous(dt, _) => Some(dt),
            LocalResult::None => None,
        },
    }
}

// ---------------------------------------------------------------------------------------
// Relative time modifiers
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

fn unit(name: &str) -> Option<Unit> {
    Some(match name {
        "s" | "sec" | "secs" | "second" | "seconds" => Unit::Second,
        "m" | "min" | "mins" | "minute" | "minutes" => Unit::Minute,
        "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Hour,
        "d" | "day" | "days" => Unit::Day,
        "w" | "week" | "weeks" => Unit::Week,
        "mon" | "month" | "months" => Unit::Month,
        "q" | "qtr" | "qtrs" | "quarter" | "quarters" => Unit::Quarter,
        "y" | "yr" | "yrs" | "year" | "years" => Unit::Year,
        _ => return None,
    })
}

/// Apply a relative time modifier (`-1d@d`, `+1h@h`, `@w1`, `now`) to `epoch`, snapping
/// in `tz`. `None` if the modifier is malformed.
///
/// Parts apply left to right (§6.4: offsets before snaps in `-1d@d`; `@d+3h` snaps
/// first). Units s m h d w mon q y and their long forms; a missing count is 1; `@w0`..
/// `@w6` snap to that weekday (0 = Sunday, `w7` = Sunday too). Seconds, minutes and
/// hours are exact durations; days and longer move the local calendar (DST-aware).
pub fn relative_time(epoch: f64, modifier: &str, tz: Tz) -> Option<f64> {
    let m = modifier.trim();
    if m.is_empty() || m.eq_ignore_ascii_case("now") {
        return Some(epoch);
    }
    let chars: Vec<char> = m.chars().collect();
    let mut t = epoch;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            sign @ ('+' | '-') => {
                i += 1;
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let digits: String = chars[start..i].iter().collect();
                let n: i64 = if digits.is_empty() {
                    1
                } else {
                    digits.parse().ok()?
                };
                let ustart = i;
                while i < chars.len() && chars[i].is_ascii_alphabetic() {
                    i += 1;
                }
                let name: String = chars[ustart..i].iter().collect();
                let n = if sign == '-' { -n } else { n };
                t = offset(t, n, unit(&name)?, tz)?;
            }
            '@' => {
                i += 1;
                let ustart = i;
                while i < chars.len() && chars[i].is_ascii_alphabetic() {
                    i += 1;
                }
                let name: String = chars[ustart..i].iter().collect();
                let u = unit(&name)?;
                let mut weekday = 0;
                if u == Unit::Week && i < chars.len() && chars[i].is_ascii_digit() {
                    weekday = chars[i].to_digit(10)?;
                    if weekday > 7 {
                        return None;
                    }
                    i += 1;
                }
                t = snap(t, u, weekday % 7, tz)?;
            }
            _ => return None,
        }
    }
    Some(t)
}

fn offset(t: f64, n: i64, u: Unit, tz: Tz) -> Option<f64> {
    let seconds = match u {
        Unit::Second => 1,
        Unit::Minute => 60,
        Unit::Hour => 3600,
        _ => 0,
    };
    if seconds > 0 {
        return Some(t + n.checked_mul(seconds)? as f64);
    }
    let dt = to_datetime(t, tz)?;
    let naive = dt.naive_local();
    let moved = match u {
        Unit::Day => naive.checked_add_signed(Duration::try_days(n)?)?,
        Unit::Week => naive.checked_add_signed(Duration::try_weeks(n)?)?,
        Unit::Month => add_months(naive, n)?,
        Unit::Quarter => add_months(naive, n.checked_mul(3)?)?,
        _ => add_months(naive, n.checked_mul(12)?)?,
    };
    Some(to_epoch(&local(tz, moved)?))
}

/// Calendar months later (or earlier), the day clamped to the month's length.
fn add_months(naive: NaiveDateTime, n: i64) -> Option<NaiveDateTime> {
    let total = (i64::from(naive.year()) * 12 + i64::from(naive.month0())).checked_add(n)?;
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = total.rem_euclid(12) as u32 + 1;
    let mut day = naive.day();
    loop {
        if let Some(date) = NaiveDate::from_ymd_opt(year, month, day) {
            return Some(date.and_time(naive.time()));
        }
        day = day.checked_sub(1).filter(|d| *d > 0)?;
    }
}

fn snap(t: f64, u: Unit, weekday: u32, tz: Tz) -> Option<f64> {
    if u == Unit::Second {
        return Some(t.floor());
    }
    let dt = to_datetime(t, tz)?;
    let naive = dt.naive_local();
    let date = naive.date();
    let snapped = match u {
        Unit::Minute => date.and_hms_opt(naive.hour(), naive.minute(), 0)?,
        Unit::Hour => date.and_hms_opt(naive.hour(), 0, 0)?,
        Unit::Day => date.and_hms_opt(0, 0, 0)?,
        Unit::Week => {
            let today = date.weekday().num_days_from_sunday();
            let back = (today + 7 - weekday) % 7;
            (date - Duration::days(i64::from(back))).and_hms_opt(0, 0, 0)?
        }
        Unit::Month => {
            NaiveDate::from_ymd_opt(date.year(), date.month(), 1)?.and_hms_opt(0, 0, 0)?
        }
        Unit::Quarter => NaiveDate::from_ymd_opt(date.year(), date.month0() / 3 * 3 + 1, 1)?
            .and_hms_opt(0, 0, 0)?,
        Unit::Year => NaiveDate::from_ymd_opt(date.year(), 1, 1)?.and_hms_opt(0, 0, 0)?,
        Unit::Second => naive,
    };
    Some(to_epoch(&local(tz, snapped)?))
}

/// A time given on the command line (`--earliest`, `--latest`, `--now`): epoch seconds
/// (`1700000000`, `1700000000.5`), ISO-8601 (`2023-11-14`, `2023-11-14T22:13:20Z`,
/// `2023-11-14 22:13:20.123+01:00`; no zone = `tz`), Splunk's `%m/%d/%Y:%H:%M:%S`, or a
/// relative modifier against `now` (`-24h@h`, `@d`, `now`). `None` if none fits.
pub fn parse_time(text: &str, now: f64, tz: Tz) -> Option<f64> {
    let t = text.trim();
    if let Some(n) = crate::value::parse_number(t) {
        return Some(n);
    }
    if t.is_empty() || t.eq_ignore_ascii_case("now") || t.starts_with(['+', '-', '@']) {
        return relative_time(now, t, tz);
    }
    const FORMATS: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S.%N%z",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S.%N",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S.%N%z",
        "%Y-%m-%d %H:%M:%S%z",
        "%Y-%m-%d %H:%M:%S.%N",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
        "%m/%d/%Y:%H:%M:%S",
    ];
    FORMATS.iter().find_map(|f| strptime_inner(t, f, tz, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: f64 = 1_700_000_000.123; // 2023-11-14T22:13:20.123Z, a Tuesday
    const UTC: Tz = Tz::UTC;
    const NY: Tz = chrono_tz::America::New_York;

    fn f(fmt: &str) -> String {
        strftime(T, fmt, UTC)
    }

    #[test]
    fn section_11_example() {
        assert_eq!(f("%Y-%m-%dT%H:%M:%S.%3N"), "2023-11-14T22:13:20.123");
    }

    #[test]
    fn date_variables() {
        assert_eq!(f("%Y"), "2023");
        assert_eq!(f("%y"), "23");
        assert_eq!(f("%m"), "11");
        assert_eq!(f("%d"), "14");
        assert_eq!(strftime(1699228800.0, "%e|%d", UTC), " 6|06"); // 2023-11-06
        assert_eq!(f("%j"), "318");
        assert_eq!(strftime(1672531200.0, "%j", UTC), "001"); // 2023-01-01
        assert_eq!(f("%F"), "2023-11-14");
        assert_eq!(f("%%"), "%");
        assert_eq!(f("100%% %Y"), "100% 2023");
    }

    #[test]
    fn time_variables() {
        assert_eq!(f("%H"), "22");
        assert_eq!(f("%I"), "10");
        assert_eq!(f("%p"), "PM");
        assert_eq!(strftime(1699928000.0, "%H|%k|%I|%p", UTC), "02| 2|02|AM"); // 02:13:20
        assert_eq!(strftime(1699920000.0, "%I %p", UTC), "12 AM"); // midnight
        assert_eq!(f("%M"), "13");
        assert_eq!(f("%S"), "20");
        assert_eq!(f("%T"), "22:13:20");
    }

    #[test]
    fn weekday_and_month_names() {
        assert_eq!(f("%a %A"), "Tue Tuesday");
        assert_eq!(f("%b %B"), "Nov November");
        assert_eq!(f("%w"), "2");
    }

    #[test]
    fn week_numbers() {
        assert_eq!(f("%V"), "46");
        assert_eq!(f("%U"), "46");
        // 2023-01-01 was a Sunday: ISO week 52 of 2022, %U week 01.
        assert_eq!(strftime(1672531200.0, "%V %U", UTC), "52 01");
        // 2022-01-01, a Saturday: %U week 00.
        assert_eq!(strftime(1640995200.0, "%U", UTC), "00");
    }

    #[test]
    fn epoch_and_subseconds() {
        assert_eq!(f("%s"), "1700000000");
        assert_eq!(f("%N"), "123000000");
        assert_eq!(f("%3N"), "123");
        assert_eq!(f("%6N"), "123000");
        assert_eq!(f("%9N"), "123000000");
        assert_eq!(f("%Q"), "123");
        assert_eq!(f("%6Q"), "123000");
        assert_eq!(f("%f"), "123000");
        // %3N truncates, it does not round (§11).
        assert_eq!(strftime(1700000000.9999, "%3N", UTC), "999");
    }

    #[test]
    fn zones() {
        assert_eq!(f("%z %:z %::z %:::z"), "+0000 +00:00 +00:00:00 +00");
        assert_eq!(f("%Z"), "UTC");
        assert_eq!(f("%Ez"), "+0");
        assert_eq!(
            strftime(T, "%H %z %:z %Z %Ez", NY),
            "17 -0500 -05:00 EST -300"
        );
        let kolkata = chrono_tz::Asia::Kolkata;
        assert_eq!(strftime(T, "%z %:::z", kolkata), "+0530 +05:30");
    }

    #[test]
    fn huge_widths_are_capped() {
        assert_eq!(f("%40N").len(), 32);
        assert_eq!(strftime(1e300, "%Y", UTC), "");
    }

    #[test]
    fn unknown_directives_are_kept() {
        assert_eq!(f("%q %"), "%q %");
    }

    #[test]
    fn strptime_ec082() {
        assert_eq!(
            strptime("2023-11-14 22:13:20", "%Y-%m-%d %H:%M:%S", UTC),
            Some(1700000000.0)
        );
        assert_eq!(strptime("nope", "%Y-%m-%d", UTC), None);
    }

    #[test]
    fn strptime_leading_zeros_optional() {
        assert_eq!(
            strptime("2023-1-2 3:4:5", "%Y-%m-%d %H:%M:%S", UTC),
            strptime("2023-01-02 03:04:05", "%Y-%m-%d %H:%M:%S", UTC)
        );
        assert_eq!(strptime("11/14/23", "%m/%d/%y", UTC), Some(1699920000.0));
    }

    #[test]
    fn strptime_zones() {
        let iso = "%Y-%m-%dT%H:%M:%S%z";
        assert_eq!(
            strptime("2023-11-14T22:13:20Z", iso, NY),
            Some(1700000000.0)
        );
        assert_eq!(
            strptime("2023-11-14T17:13:20-0500", iso, UTC),
            Some(1700000000.0)
        );
        assert_eq!(
            strptime("2023-11-14T23:13:20+01:00", iso, UTC),
            Some(1700000000.0)
        );
        let named = "%Y-%m-%d %H:%M:%S %Z";
        assert_eq!(
            strptime("2023-11-14 17:13:20 EST", named, UTC),
            Some(1700000000.0)
        );
        assert_eq!(
            strptime("2023-11-14 22:13:20 UTC", named, NY),
            Some(1700000000.0)
        );
        assert_eq!(
            strptime("2023-11-14 17:13:20 America/New_York", named, UTC),
            Some(1700000000.0)
        );
        assert_eq!(strptime("2023-11-14 17:13:20 Nowhere", named, UTC), None);
        assert_eq!(
            strptime("2023-11-14 16:13:20 -300", "%Y-%m-%d %H:%M:%S %Ez", UTC),
            Some(1700000000.0 - 3600.0)
        );
    }

    #[test]
    fn strptime_without_zone_reads_in_tz() {
        let fmt = "%Y-%m-%d %H:%M:%S";
        assert_eq!(strptime("2023-11-14 17:13:20", fmt, NY), Some(1700000000.0));
    }

    #[test]
    fn strptime_fractions_names_and_12_hour() {
        let v = strptime("2023-11-14T22:13:20.123Z", "%Y-%m-%dT%H:%M:%S.%3N%z", UTC);
        assert!(v.is_some_and(|v| (v - T).abs() < 1e-6), "{v:?}");
        let v = strptime("20.5", "%S.%N", UTC);
        assert_eq!(v, None, "no day");
        assert_eq!(
            strptime(
                "Tue Nov 14 10:13:20 PM 2023",
                "%a %b %d %I:%M:%S %p %Y",
                UTC
            ),
            Some(1700000000.0)
        );
        assert_eq!(
            strptime("14 november 2023", "%d %B %Y", UTC),
            Some(1699920000.0)
        );
        assert_eq!(strptime("2023 318", "%Y %j", UTC), Some(1699920000.0));
        assert_eq!(strptime("1700000000", "%s", UTC), Some(1700000000.0));
        assert_eq!(strptime("2023-13-01", "%Y-%m-%d", UTC), None);
        assert_eq!(strptime("2023-02-30", "%Y-%m-%d", UTC), None);
        assert_eq!(strptime("100%", "%d%%", UTC), None);
        // Text after the format is ignored.
        assert_eq!(
            strptime("2023-11-14 trailing", "%Y-%m-%d", UTC),
            Some(1699920000.0)
        );
    }

    #[test]
    fn strptime_format_check() {
        assert_eq!(
            check_strptime_format("%Y-%m-%dT%H:%M:%S.%3N%:z %Ez %%"),
            Ok(())
        );
        let err = check_strptime_format("%Y-%q").err().unwrap_or_default();
        assert!(err.contains("`%q`"), "{err}");
        assert!(check_strptime_format("%Y%").is_err());
    }

    #[test]
    fn relative_time_ec083() {
        let t = 1_700_000_000.0;
        assert_eq!(relative_time(t, "@d", UTC), Some(1699920000.0));
        assert_eq!(relative_time(t, "-1d@d", UTC), Some(1699833600.0));
        assert_eq!(relative_time(t, "+1h@h", UTC), Some(1700002800.0));
    }

    #[test]
    fn relative_time_units_and_snaps() {
        let t = 1_700_000_000.5;
        assert_eq!(relative_time(t, "now", UTC), Some(t));
        assert_eq!(relative_time(t, "@s", UTC), Some(1700000000.0));
        assert_eq!(relative_time(t, "-30s", UTC), Some(t - 30.0));
        assert_eq!(relative_time(t, "-5m@m", UTC), Some(1699999680.0));
        assert_eq!(relative_time(t, "-24h", UTC), Some(t - 86400.0));
        assert_eq!(relative_time(t, "-2hours", UTC), Some(t - 7200.0));
        assert_eq!(relative_time(t, "-1w", UTC), Some(t - 604800.0));
        // 2023-11-14 is a Tuesday: @w / @w0 → Sunday 12th, @w1 → Monday 13th,
        // @w2 → today, @w3 → Wednesday 8th.
        assert_eq!(relative_time(t, "@w", UTC), Some(1699747200.0));
        assert_eq!(relative_time(t, "@w0", UTC), Some(1699747200.0));
        assert_eq!(relative_time(t, "@w7", UTC), Some(1699747200.0));
        assert_eq!(relative_time(t, "@w1", UTC), Some(1699833600.0));
        assert_eq!(relative_time(t, "@w2", UTC), Some(1699920000.0));
        assert_eq!(relative_time(t, "@w3", UTC), Some(1699401600.0));
        assert_eq!(relative_time(t, "@mon", UTC), Some(1698796800.0)); // 2023-11-01
        assert_eq!(relative_time(t, "@q", UTC), Some(1696118400.0)); // 2023-10-01
        assert_eq!(relative_time(t, "@y", UTC), Some(1672531200.0)); // 2023-01-01
        assert_eq!(relative_time(t, "-1mon@mon", UTC), Some(1696118400.0));
        assert_eq!(relative_time(t, "-1y@y", UTC), Some(1640995200.0));
        assert_eq!(relative_time(t, "-1q@q", UTC), Some(1688169600.0)); // 2023-07-01
                                                                        // Several offsets, and an offset after a snap.
        assert_eq!(relative_time(t, "-1d-1h@h", UTC), Some(1699909200.0));
        assert_eq!(relative_time(t, "@d+3h", UTC), Some(1699930800.0));
        assert_eq!(relative_time(t, "-d@d", UTC), Some(1699833600.0));
    }

    #[test]
    fn relative_time_month_clamps_and_snaps_in_tz() {
        // 2023-03-31T12:00:00Z minus one month → 2023-02-28T12:00:00Z.
        assert_eq!(
            relative_time(1680264000.0, "-1mon", UTC),
            Some(1677585600.0)
        );
        // Midnight in New York is 05:00Z in November.
        assert_eq!(relative_time(1_700_000_000.0, "@d", NY), Some(1699938000.0));
        // Across DST (ended 2023-11-05 02:00): one day back from 2023-11-05T12:00 EST
        // keeps 12:00 local (EDT the day before), which is 25 hours earlier.
        let noon = 1699203600.0; // 2023-11-05T17:00Z = 12:00 EST
        assert_eq!(relative_time(noon, "-1d", NY), Some(noon - 25.0 * 3600.0));
    }

    #[test]
    fn relative_time_malformed() {
        for huge in [
            "-9999999999999999999d",
            "-999999999999999999h",
            "+99999999999999999d",
        ] {
            assert_eq!(relative_time(0.0, huge, UTC), None, "{huge}");
        }
        assert_eq!(relative_time(0.0, "+999999999999999999mon", UTC), None);
        assert_eq!(relative_time(0.0, "-1x", UTC), None);
        assert_eq!(relative_time(0.0, "1d", UTC), None);
        assert_eq!(relative_time(0.0, "@w8", UTC), None);
        assert_eq!(relative_time(0.0, "@", UTC), None);
    }

    #[test]
    fn parse_time_forms() {
        let now = 1_700_000_000.0;
        assert_eq!(parse_time("1699999999", now, UTC), Some(1699999999.0));
        assert_eq!(parse_time("1699999999.5", now, UTC), Some(1699999999.5));
        assert_eq!(parse_time("now", now, UTC), Some(now));
        assert_eq!(parse_time("-24h@h", now, UTC), Some(1699912800.0));
        assert_eq!(parse_time("@d", now, UTC), Some(1699920000.0));
        assert_eq!(parse_time("2023-11-14", now, UTC), Some(1699920000.0));
        assert_eq!(parse_time("2023-11-14T22:13:20Z", now, UTC), Some(now));
        assert_eq!(parse_time("2023-11-14T23:13:20+01:00", now, UTC), Some(now));
        assert_eq!(parse_time("2023-11-14 22:13:20", now, UTC), Some(now));
        assert_eq!(parse_time("2023-11-14T17:13:20", now, NY), Some(now));
        assert_eq!(parse_time("11/14/2023:22:13:20", now, UTC), Some(now));
        let frac = parse_time("2023-11-14T22:13:20.250Z", now, UTC);
        assert_eq!(frac, Some(now + 0.25));
        assert_eq!(parse_time("yesterday", now, UTC), None);
        assert_eq!(parse_time("2023-11-14 junk", now, UTC), None);
    }
}
