//! When to refresh: the plan for each profile (ahead of expiry, spread by
//! jitter, kept alive against disuse), retry backoff, and the scheduler
//! that sleeps until the earliest plan and runs refreshes with bounded
//! concurrency. How a refresh is performed lives in the service.

mod planner;
mod schedule;

pub use planner::Planner;
pub use schedule::{Executor, WALL_CLOCK_CHECK, run_schedule};

use std::time::Duration;

use rand::Rng;

use crate::health::refresh_due_at;

/// First retry delay after a failed refresh.
pub const BACKOFF_BASE: Duration = Duration::from_secs(5);
/// Retry delays never exceed this.
pub const BACKOFF_CAP: Duration = Duration::from_secs(300);
/// The shortest time between obtaining a token and refreshing it.
pub const MIN_REFRESH_INTERVAL: i64 = 1;

/// The most a plan is pushed back to spread simultaneous refreshes.
pub const MAX_SPREAD: i64 = 120;

/// Delay before retry number `attempt` (1 = first retry): exponential from
/// [`BACKOFF_BASE`], capped at [`BACKOFF_CAP`], with "equal jitter" (a random
/// point in the upper half) so that failing profiles do not retry in step.
pub fn backoff(attempt: u32, rng: &mut impl Rng) -> Duration {
    let exp = attempt.saturating_sub(1).min(20);
    let full = BACKOFF_BASE.saturating_mul(1u32 << exp).min(BACKOFF_CAP);
    let half = full / 2;
    half + Duration::from_millis(rng.gen_range(0..=half.as_millis() as u64))
}

/// When a token obtained at `obtained_at` should next be refreshed: when its
/// refresh window opens (plus a random spread of at most a quarter of the
/// window and [`MAX_SPREAD`] seconds), or when the keep-alive horizon comes,
/// whichever is earlier.
pub fn plan_at(obtained_at: i64, expires_at: Option<i64>, keepalive_secs: i64, rng: &mut impl Rng) -> i64 {
    let keepalive = obtained_at + keepalive_secs.max(1);
    let Some(expires_at) = expires_at else { return keepalive };
    let due = refresh_due_at(obtained_at, expires_at);
    let window = (expires_at - due).max(0);
    let spread = (window / 4).min(MAX_SPREAD);
    let jitter = if spread > 0 { rng.gen_range(0..=spread) } else { 0 };
    // Never sooner than a second after the token was obtained, however short
    // its life: an identity server issuing 1-second tokens must not turn
    // the daemon into a refresh loop.
    (due + jitter).min(keepalive).max(obtained_at + MIN_REFRESH_INTERVAL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn backoff_grows_then_caps() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut last_max = Duration::ZERO;
        for attempt in 1..=12 {
            let d = backoff(attempt, &mut rng);
            let full = BACKOFF_BASE.saturating_mul(1 << (attempt - 1)).min(BACKOFF_CAP);
            assert!(
                d >= full / 2 && d <= full,
                "attempt {attempt}: {d:?} not within [{:?}, {full:?}]",
                full / 2
            );
            assert!(full >= last_max);
            last_max = full;
            assert!(d <= BACKOFF_CAP);
        }
        assert_eq!(last_max, BACKOFF_CAP);
        // Huge attempt counts neither overflow nor exceed the cap.
        assert!(backoff(u32::MAX, &mut rng) <= BACKOFF_CAP);
    }

    #[test]
    fn plans_fall_inside_the_refresh_window() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        for _ in 0..1000 {
            let at = plan_at(1000, Some(1000 + 3600), 7 * 86_400, &mut rng);
            assert!((1000 + 2880..1000 + 3600).contains(&at), "{at}");
            // One-minute tokens: after half their life, before expiry.
            let at = plan_at(0, Some(60), 7 * 86_400, &mut rng);
            assert!((30..60).contains(&at), "{at}");
        }
    }

    #[test]
    fn one_second_tokens_are_not_refreshed_in_a_loop() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        assert_eq!(plan_at(100, Some(101), 7 * 86_400, &mut rng), 101);
        assert_eq!(plan_at(100, Some(100), 7 * 86_400, &mut rng), 101);
    }

    #[test]
    fn keepalive_wins_for_long_lived_tokens() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let thirty_days = 30 * 86_400;
        assert_eq!(plan_at(0, Some(thirty_days), 7 * 86_400, &mut rng), 7 * 86_400);
        assert_eq!(plan_at(0, None, 86_400, &mut rng), 86_400);
    }
}
