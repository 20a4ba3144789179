//! The sandbox's clock: wall time plus an offset that tests move forward, so expiry of
//! codes, tokens and rate-limit windows can be exercised without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A shareable clock. Clones share the offset: advancing one advances all.
#[derive(Clone, Debug, Default)]
pub struct SimClock {
    offset_ms: Arc<AtomicU64>,
}

impl SimClock {
    /// The sandbox's current time.
    pub fn now(&self) -> SystemTime {
        SystemTime::now() + self.offset()
    }

    /// Seconds since the Unix epoch of [`SimClock::now`].
    pub fn unix_seconds(&self) -> u64 {
        self.now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |old| Some(old.saturating_add(ms)))
            .ok();
    }

    /// How far the clock has been moved forward in total.
    pub fn offset(&self) -> Duration {
        Duration::from_millis(self.offset_ms.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_offset() {
        let clock = SimClock::default();
        let other = clock.clone();
        let before = clock.unix_seconds();
        other.advance(Duration::from_secs(3600));
        assert_eq!(clock.offset(), Duration::from_secs(3600));
        assert!(clock.unix_seconds() >= before + 3600);
    }
}
