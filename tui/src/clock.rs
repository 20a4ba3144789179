//! Wall-clock time for the UI and the command line, as Unix seconds, and the
//! words for times and durations. The only place that reads the system clock
//! and the local UTC offset; views and the reducer receive `now` and the
//! offset.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use time::{OffsetDateTime, UtcOffset};

static LOCAL_OFFSET: OnceLock<i32> = OnceLock::new();

/// Read the local UTC offset once. Call it before any thread is started: the
/// platform's answer is only trusted in a single-threaded process. Later
/// calls change nothing.
pub fn init_local_offset() {
    let _ = LOCAL_OFFSET.get_or_init(|| UtcOffset::current_local_offset().map_or(0, UtcOffset::whole_seconds));
}

/// The local UTC offset in seconds, as read by [`init_local_offset`]; UTC
/// when it was never read or could not be determined.
pub fn local_offset() -> i32 {
    LOCAL_OFFSET.get().copied().unwrap_or(0)
}

fn local(at: i64, offset: i32) -> Option<OffsetDateTime> {
    let offset = UtcOffset::from_whole_seconds(offset).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .map(|t| t.to_offset(offset))
}

/// Date and time for a table: `2023-11-14 22:13:20`.
pub fn date_time(at: i64, offset: i32) -> String {
    match local(at, offset) {
        Some(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        None => at.to_string(),
    }
}

/// Short local time: `22:13:20` on the day of `now`, `Nov 13 22:13` before.
pub fn short_time(at: i64, offset: i32, now: i64) -> String {
    match (local(at, offset), local(now, offset)) {
        (Some(t), Some(today)) if t.date() == today.date() => {
            format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
        }
        (Some(t), _) => {
            let month = t.month().to_string();
            format!("{} {:02} {:02}:{:02}", &month[..3], t.day(), t.hour(), t.minute())
        }
        (None, _) => at.to_string(),
    }
}

/// How long ago `at` was: `just now`, `5m ago`, `2h ago`; `in 3m` for a time
/// still ahead.
pub fn ago(at: i64, now: i64) -> String {
    let delta = now - at;
    if delta.abs() < 5 {
        "just now".to_string()
    } else if delta > 0 {
        format!("{} ago", coarse(delta))
    } else {
        format!("in {}", coarse(-delta))
    }
}

/// Seconds since the Unix epoch; 0 if the clock is before 1970.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A compact duration for people: `2d 3h`, `4h 10m`, `59m 12s`, `42s`.
pub fn compact(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m, sec) = (s / 86_400, (s % 86_400) / 3_600, (s % 3_600) / 60, s % 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else if m > 0 {
        format!("{m}m {sec}s")
    } else {
        format!("{sec}s")
    }
}

/// The largest whole unit only: `3d`, `4h`, `12m`, `9s`.
pub fn coarse(seconds: i64) -> String {
    let s = seconds.max(0);
    if s >= 86_400 {
        format!("{}d", s / 86_400)
    } else if s >= 3_600 {
        format!("{}h", s / 3_600)
    } else if s >= 60 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// The expires-in column: `59m 12s`, `2d 3h`, `expired 4m ago`, or `-` when
/// the profile has no expiry.
pub fn expires_in(expires_at: Option<i64>, now: i64) -> String {
    match expires_at {
        None => "-".to_string(),
        Some(at) if at > now => compact(at - now),
        Some(at) => format!("expired {} ago", coarse(now - at)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_picks_two_units() {
        assert_eq!(compact(59 * 60 + 12), "59m 12s");
        assert_eq!(compact(2 * 86_400 + 3 * 3_600 + 59), "2d 3h");
        assert_eq!(compact(3_600 + 60 * 10 + 5), "1h 10m");
        assert_eq!(compact(42), "42s");
        assert_eq!(compact(-5), "0s");
    }

    #[test]
    fn local_times_follow_the_offset() {
        // 2023-11-14 22:13:20 UTC.
        let at = 1_700_000_000;
        assert_eq!(date_time(at, 0), "2023-11-14 22:13:20");
        assert_eq!(date_time(at, 3_600), "2023-11-14 23:13:20");
        assert_eq!(date_time(at, 2 * 3_600), "2023-11-15 00:13:20");
        assert_eq!(short_time(at, 0, at + 60), "22:13:20");
        assert_eq!(short_time(at, 0, at + 86_400), "Nov 14 22:13");
        // Midnight passed in local time only.
        assert_eq!(short_time(at, 2 * 3_600, at + 60), "00:13:20");
    }

    #[test]
    fn relative_words() {
        assert_eq!(ago(100, 102), "just now");
        assert_eq!(ago(100, 100 + 300), "5m ago");
        assert_eq!(ago(100 + 180, 100), "in 3m");
    }

    #[test]
    fn expires_in_counts_down_and_past() {
        assert_eq!(expires_in(Some(1_000 + 3_552), 1_000), "59m 12s");
        assert_eq!(expires_in(Some(1_000), 1_000 + 4 * 60 + 7), "expired 4m ago");
        assert_eq!(expires_in(Some(1_000), 1_000), "expired 0s ago");
        assert_eq!(expires_in(None, 1_000), "-");
    }
}
