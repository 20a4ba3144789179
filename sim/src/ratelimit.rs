//! Per-token request budgets: fixed one-minute windows, as PagerDuty's REST API applies to
//! OAuth user tokens, and the numbers reported in the `ratelimit-*` headers.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

/// Length of one rate-limit window.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Windows kept before expired ones are first dropped.
const PRUNE_ABOVE: usize = 4096;

struct Window {
    started: SystemTime,
    used: u32,
}

/// The outcome of charging one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// Requests per window.
    pub limit: u32,
    /// Requests left in this window.
    pub remaining: u32,
    /// Whole seconds until the window resets (1..=60).
    pub reset_secs: u64,
}

/// Request counts per key (an access token). Expired windows are dropped whenever the map
/// has doubled since the last time, so with many live tokens a request costs amortised
/// O(1), not a scan of every window.
pub struct RateLimiter {
    windows: HashMap<String, Window>,
    prune_above: usize,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self {
            windows: HashMap::new(),
            prune_above: PRUNE_ABOVE,
        }
    }
}

impl RateLimiter {
    /// Charges one request to `key`.
    pub fn charge(&mut self, key: &str, limit: u32, now: SystemTime) -> Verdict {
        if self.windows.len() > self.prune_above {
            self.windows.retain(|_, w| is_current(w, now));
            self.prune_above = PRUNE_ABOVE.max(2 * self.windows.len());
        }
        let window = self
            .windows
            .entry(key.to_owned())
            .or_insert(Window { started: now, used: 0 });
        if !is_current(window, now) {
            *window = Window { started: now, used: 0 };
        }
        let allowed = window.used < limit;
        if allowed {
            window.used += 1;
        }
        let left = (window.started + WINDOW).duration_since(now).unwrap_or(Duration::ZERO);
        let reset_secs = u64::try_from(left.as_millis().div_ceil(1000))
            .unwrap_or(u64::MAX)
            .clamp(1, WINDOW.as_secs());
        Verdict {
            allowed,
            limit,
            remaining: limit.saturating_sub(window.used),
            reset_secs,
        }
    }
}

/// Whether `now` falls inside the window (a clock that went backwards starts a new one).
fn is_current(window: &Window, now: SystemTime) -> bool {
    now >= window.started && now < window.started + WINDOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_then_refuses_then_resets() {
        let mut limiter = RateLimiter::default();
        let t0 = SystemTime::now();
        let first = limiter.charge("t", 2, t0);
        assert_eq!((first.allowed, first.remaining, first.reset_secs), (true, 1, 60));
        assert!(limiter.charge("t", 2, t0).allowed);
        let refused = limiter.charge("t", 2, t0 + Duration::from_millis(20_500));
        assert_eq!((refused.allowed, refused.remaining, refused.reset_secs), (false, 0, 40));
        assert!(limiter.charge("other", 2, t0).allowed, "budgets are per key");
        let later = limiter.charge("t", 2, t0 + WINDOW);
        assert_eq!((later.allowed, later.remaining), (true, 1));
    }

    #[test]
    fn many_live_keys_are_not_rescanned_on_every_request() {
        let mut limiter = RateLimiter::default();
        let t0 = SystemTime::now();
        for i in 0..3 * PRUNE_ABOVE {
            assert!(limiter.charge(&format!("k{i}"), 10, t0).allowed);
        }
        assert_eq!(limiter.windows.len(), 3 * PRUNE_ABOVE);
        assert!(
            limiter.prune_above >= 2 * PRUNE_ABOVE,
            "the threshold grew with the live windows: {}",
            limiter.prune_above
        );
        // A minute later every window is stale: the next prune drops them all.
        let later = t0 + WINDOW;
        for i in 0..3 * PRUNE_ABOVE {
            limiter.charge(&format!("n{i}"), 10, later);
        }
        assert!(limiter.windows.len() < 4 * PRUNE_ABOVE, "stale windows were dropped");
        assert_eq!(limiter.charge("k0", 10, later).remaining, 9, "a stale window restarts");
    }
}
