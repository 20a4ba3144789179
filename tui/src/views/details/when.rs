//! Times of the detail screens in the local offset: dates with ages, short
//! clock times, days and hours of a schedule and lengths of time. Times the
//! calendar cannot show (PagerDuty never sends them, a broken answer might)
//! print as their number of seconds instead of panicking.

use time::{OffsetDateTime, UtcOffset};

use crate::clock;

/// Times within this many seconds of the epoch can be shown in any offset
/// (the calendar ends in the year 9999; two days of margin for offsets and
/// the day arithmetic of the coverage view).
pub(super) const CALENDAR: i64 = 253_402_300_799 - 2 * 86_400;

/// Whether `at` can be shown as a date.
pub(super) fn in_calendar(at: i64) -> bool {
    (-CALENDAR..=CALENDAR).contains(&at)
}

/// The offset `clock` shows times in: `offset`, or UTC if it is not one.
pub(super) fn usable_offset(offset: i32) -> i32 {
    if UtcOffset::from_whole_seconds(offset).is_ok() {
        offset
    } else {
        0
    }
}

fn local(at: i64, offset: i32) -> Option<OffsetDateTime> {
    if !in_calendar(at) {
        return None;
    }
    let offset = UtcOffset::from_whole_seconds(offset).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .map(|t| t.to_offset(offset))
}

/// How long ago `at` was (`15m ago`, `in 3h`), when that is a sensible
/// number.
pub(super) fn age(at: i64, now: i64) -> Option<String> {
    let delta = now.checked_sub(at)?;
    (delta.unsigned_abs() < 1 << 50).then(|| clock::ago(at, now))
}

/// A date and time with its age: `2023-11-14 21:58:20 (15m ago)`.
pub(super) fn stamp(at: i64, now: i64, offset: i32) -> String {
    if !in_calendar(at) {
        return at.to_string();
    }
    let date = clock::date_time(at, offset);
    match age(at, now) {
        Some(age) => format!("{date} ({age})"),
        None => date,
    }
}

/// A short time for a list row: `22:13:20` today, `Nov 13 22:13` before.
pub(super) fn short(at: i64, now: i64, offset: i32) -> String {
    if in_calendar(at) && in_calendar(now) {
        clock::short_time(at, offset, now)
    } else {
        at.to_string()
    }
}

fn abbrev(word: String) -> String {
    word.chars().take(3).collect()
}

/// The local day: `Tue 14`.
pub(super) fn day(at: i64, offset: i32) -> String {
    match local(at, offset) {
        Some(t) => format!("{} {:02}", abbrev(t.weekday().to_string()), t.day()),
        None => at.to_string(),
    }
}

/// The local day and hour: `Tue 14 Nov 18:00`.
pub(super) fn day_time(at: i64, offset: i32) -> String {
    match local(at, offset) {
        Some(t) => format!(
            "{} {:02} {} {:02}:{:02}",
            abbrev(t.weekday().to_string()),
            t.day(),
            abbrev(t.month().to_string()),
            t.hour(),
            t.minute()
        ),
        None => at.to_string(),
    }
}

/// The local clock time: `18:00`.
pub(super) fn hour(at: i64, offset: i32) -> String {
    match local(at, offset) {
        Some(t) => format!("{:02}:{:02}", t.hour(), t.minute()),
        None => at.to_string(),
    }
}

/// A stretch of time: `Tue 14 Nov 18:00–19:00` within a day, `Fri 17 Nov
/// 18:00 – Mon 20 Nov 09:00` across days.
pub(super) fn stretch(start: i64, end: i64, offset: i32) -> String {
    let same_day = match (local(start, offset), local(end, offset)) {
        (Some(a), Some(b)) => a.date() == b.date(),
        _ => false,
    };
    if same_day {
        format!("{}–{}", day_time(start, offset), hour(end, offset))
    } else {
        format!("{} – {}", day_time(start, offset), day_time(end, offset))
    }
}

/// A length of time in whole units: `1h`, `2d 15h`, `1h 30m`, `45s`.
pub(super) fn length(seconds: i64) -> String {
    let s = seconds.max(0);
    if s < 60 {
        return format!("{s}s");
    }
    let parts = [(s / 86_400, "d"), ((s % 86_400) / 3_600, "h"), ((s % 3_600) / 60, "m")];
    let words: Vec<String> = parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    words.join(" ")
}

/// The offset in words: `UTC`, `UTC+01:00`, `UTC-05:30`.
pub(super) fn offset_words(offset: i32) -> String {
    if offset == 0 {
        return "UTC".to_string();
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", abs / 3_600, (abs % 3_600) / 60)
}

/// When something ends: `until Wed 15 Nov 09:00 (in 10h)`, or
/// `indefinitely`.
pub(super) fn until(end: Option<i64>, now: i64, offset: i32) -> String {
    match end {
        None => "indefinitely".to_string(),
        Some(end) => match age(end, now) {
            Some(age) => format!("until {} ({age})", day_time(end, offset)),
            None => format!("until {}", day_time(end, offset)),
        },
    }
}

/// When something starts: `from Wed 15 Nov 09:00 (in 10h)`.
pub(super) fn from(start: i64, now: i64, offset: i32) -> String {
    match age(start, now) {
        Some(age) => format!("from {} ({age})", day_time(start, offset)),
        None => format!("from {}", day_time(start, offset)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2023-11-14 22:13:20 UTC, a Tuesday.
    const AT: i64 = 1_700_000_000;

    #[test]
    fn days_and_hours_follow_the_offset() {
        assert_eq!(day(AT, 0), "Tue 14");
        assert_eq!(day(AT, 2 * 3_600), "Wed 15");
        assert_eq!(day_time(AT, 3_600), "Tue 14 Nov 23:13");
        assert_eq!(hour(AT, -5 * 3_600), "17:13");
        assert_eq!(
            stretch(AT - 13 * 60 - 20, AT + 46 * 60 + 40, 0),
            "Tue 14 Nov 22:00–23:00"
        );
        assert_eq!(stretch(AT, AT + 86_400, 0), "Tue 14 Nov 22:13 – Wed 15 Nov 22:13");
    }

    #[test]
    fn lengths_keep_every_unit_that_counts() {
        assert_eq!(length(3_600), "1h");
        assert_eq!(length(5_400), "1h 30m");
        assert_eq!(length(2 * 86_400 + 15 * 3_600), "2d 15h");
        assert_eq!(length(45), "45s");
        assert_eq!(length(-3), "0s");
        assert_eq!(offset_words(3_600), "UTC+01:00");
        assert_eq!(offset_words(-(5 * 3_600 + 1_800)), "UTC-05:30");
    }

    #[test]
    fn times_beyond_the_calendar_print_as_numbers() {
        for at in [i64::MIN, i64::MAX, 253_402_300_799] {
            assert_eq!(day_time(at, 3_600), at.to_string());
            assert_eq!(stamp(at, AT, 3_600), at.to_string());
            assert_eq!(short(at, AT, 3_600), at.to_string());
            assert_eq!(stretch(at, at, 86_399), format!("{at} – {at}"));
        }
        assert_eq!(age(i64::MIN, 1), None);
        assert_eq!(until(Some(i64::MAX), i64::MIN, 0), format!("until {}", i64::MAX));
        assert_eq!(usable_offset(100_000), 0);
    }
}
