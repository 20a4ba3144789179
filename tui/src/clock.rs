//! Wall-clock time for the UI and the command line, as Unix seconds. The only
//! place that reads the system clock; views and the reducer receive `now`.

use std::time::{SystemTime, UNIX_EPOCH};

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
    fn expires_in_counts_down_and_past() {
        assert_eq!(expires_in(Some(1_000 + 3_552), 1_000), "59m 12s");
        assert_eq!(expires_in(Some(1_000), 1_000 + 4 * 60 + 7), "expired 4m ago");
        assert_eq!(expires_in(Some(1_000), 1_000), "expired 0s ago");
        assert_eq!(expires_in(None, 1_000), "-");
    }
}
