//! Instants as whole Unix seconds, and their ISO 8601 text: UTC (`...Z`) for most
//! objects, a fixed offset (`...-05:00`) for schedule times. Parsing accepts what
//! PagerDuty's `since`/`until` accept: full timestamps with `Z` or an offset, timestamps
//! without a zone (UTC), and bare dates (midnight UTC).

use std::time::{SystemTime, UNIX_EPOCH};

use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// Seconds since the Unix epoch.
pub type Secs = i64;

/// One minute, hour, day and week in seconds.
pub const MINUTE: Secs = 60;
/// One hour.
pub const HOUR: Secs = 3600;
/// One day.
pub const DAY: Secs = 86_400;
/// One week.
pub const WEEK: Secs = 7 * DAY;

/// Whole Unix seconds of a system time (0 before the epoch).
pub fn unix(at: SystemTime) -> Secs {
    at.duration_since(UNIX_EPOCH)
        .map(|d| Secs::try_from(d.as_secs()).unwrap_or(Secs::MAX))
        .unwrap_or(0)
}

/// `2024-05-01T12:00:00Z`.
pub fn utc(at: Secs) -> String {
    with_offset(at, 0)
}

/// `2024-05-01T08:00:00-04:00` for an offset of -14,400 seconds (`Z` for zero).
pub fn with_offset(at: Secs, offset_secs: i32) -> String {
    let offset = UtcOffset::from_whole_seconds(offset_secs).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp(at)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// Parses an ISO 8601 instant; `None` if it is not one.
pub fn parse(text: &str) -> Option<Secs> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at.unix_timestamp());
    }
    if let Ok(at) = OffsetDateTime::parse(text, &Iso8601::PARSING) {
        return Some(at.unix_timestamp());
    }
    if let Ok(at) = PrimitiveDateTime::parse(text, &Iso8601::PARSING) {
        return Some(at.assume_utc().unix_timestamp());
    }
    Date::parse(text, &Iso8601::PARSING)
        .ok()
        .map(|date| date.midnight().assume_utc().unix_timestamp())
}

/// Days since the epoch of the local calendar day of `at` at `offset_secs`.
pub fn local_day(at: Secs, offset_secs: i32) -> Secs {
    (at + Secs::from(offset_secs)).div_euclid(DAY)
}

/// Day of week of a local day number: 0 = Monday ... 6 = Sunday (day 0 was a Thursday).
pub fn weekday(day: Secs) -> Secs {
    (day + 3).rem_euclid(7)
}

/// The instant a local day (see [`local_day`]) starts.
pub fn day_start(day: Secs, offset_secs: i32) -> Secs {
    day * DAY - Secs::from(offset_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc_and_offsets() {
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_714_564_800), "2024-05-01T12:00:00Z");
        assert_eq!(with_offset(1_714_564_800, -4 * 3600), "2024-05-01T08:00:00-04:00");
        assert_eq!(with_offset(1_714_564_800, 19_800), "2024-05-01T17:30:00+05:30");
    }

    #[test]
    fn parses_what_pagerduty_accepts() {
        let at = 1_714_564_800;
        for text in [
            "2024-05-01T12:00:00Z",
            "2024-05-01T12:00:00.000Z",
            "2024-05-01T08:00:00-04:00",
            "2024-05-01T12:00:00",
            "2024-05-01T14:00:00+0200",
        ] {
            assert_eq!(parse(text), Some(at), "{text}");
        }
        assert_eq!(parse("2024-05-01"), Some(at - 12 * 3600));
        for bad in ["", "yesterday", "2024-13-01", "2024-05-01T08:00:00 04:00", "1714564800"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn calendar_helpers() {
        // 2024-05-01 was a Wednesday.
        let day = local_day(1_714_564_800, 0);
        assert_eq!(weekday(day), 2);
        assert_eq!(day_start(day, 0), 1_714_521_600);
        // 23:30 UTC is already the next day in Tokyo.
        assert_eq!(local_day(1_714_606_200, 9 * 3600), day + 1);
        assert_eq!(day_start(day, 9 * 3600), 1_714_521_600 - 9 * 3600);
    }
}
