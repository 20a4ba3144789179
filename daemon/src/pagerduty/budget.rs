//! The rate budget of one profile: every PagerDuty request of the profile
//! passes through it. It bounds how many run at once (PagerDuty advises
//! serial requests per token), keeps its own count of the requests left in
//! PagerDuty's window from the `ratelimit-*` headers, spreads the last
//! requests of a window across the time to its reset, and after a 429 holds
//! every request until the reset (or, without headers, a capped, jittered
//! backoff). Holds are announced through a callback so clients can show a
//! countdown.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::RateLimit;
use crate::clock::Clock;
use pdauth_common::browse::RateInfo;

/// Requests of one profile in flight at once.
pub const IN_FLIGHT: usize = 2;
/// First wait after a 429 without `ratelimit-reset`.
pub const BACKOFF_START: Duration = Duration::from_secs(2);
/// Longest wait after a 429 without `ratelimit-reset`.
pub const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// Longest wait honoured from a `ratelimit-reset` header (PagerDuty's
/// window is a minute; anything longer is treated as this).
pub const RESET_CAP: Duration = Duration::from_secs(120);
/// Margin added to a reported reset: the header counts whole seconds and
/// the window may end a moment after the clock says.
const RESET_MARGIN: Duration = Duration::from_millis(250);
/// A reported reset this much later than the known one is a new window.
const NEW_WINDOW_SLACK: Duration = Duration::from_secs(2);

/// Announces that requests are being held, with the budget's snapshot.
pub type OnHold = Arc<dyn Fn(RateInfo) + Send + Sync>;

#[derive(Debug, Default)]
struct Window {
    limit: Option<u32>,
    /// Requests left, counting the ones sent since the last answer.
    remaining: Option<u32>,
    reset_at: Option<Instant>,
    /// Nothing is sent before this (after a 429).
    hold_until: Option<Instant>,
    /// Pacing: the earliest start of the next request.
    next_slot: Option<Instant>,
    /// Consecutive 429s answered without a reset header.
    backoff_steps: u32,
    /// The end of the last hold announced, so one hold is announced once.
    announced: Option<Instant>,
}

/// One profile's budget; share it (`Arc`) between all its requests.
pub struct RateBudget {
    window: Mutex<Window>,
    slots: Arc<Semaphore>,
    clock: Arc<dyn Clock>,
    on_hold: OnHold,
}

impl std::fmt::Debug for RateBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateBudget").field("window", &self.window).finish()
    }
}

/// The right to send one request; dropping it frees the slot.
#[derive(Debug)]
pub struct Ticket {
    _slot: OwnedSemaphorePermit,
    /// Time spent held by the budget (not queueing behind other requests).
    pub waited: Duration,
}

fn lock(m: &Mutex<Window>) -> std::sync::MutexGuard<'_, Window> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl RateBudget {
    pub fn new(clock: Arc<dyn Clock>, on_hold: OnHold) -> Self {
        Self {
            window: Mutex::new(Window::default()),
            slots: Arc::new(Semaphore::new(IN_FLIGHT)),
            clock,
            on_hold,
        }
    }

    /// Wait for a slot and for the budget to allow one more request.
    pub async fn acquire(&self) -> Ticket {
        let slot = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("the budget's semaphore is never closed");
        let mut waited = Duration::ZERO;
        loop {
            let now = Instant::now();
            let (until, announce) = {
                let mut w = lock(&self.window);
                match admit(&mut w, now) {
                    None => break,
                    Some(until) => {
                        // A hold lasts until the 429's wait or the window's
                        // reset: one announcement each, not one per request.
                        let end = held_until(&w, now).unwrap_or(until).max(until);
                        let fresh = w.announced.is_none_or(|a| end > a + Duration::from_secs(1));
                        if fresh {
                            w.announced = Some(end);
                        }
                        (until, fresh.then(|| self.snapshot_locked(&w, now)))
                    }
                }
            };
            if let Some(info) = announce {
                (self.on_hold)(info);
            }
            tokio::time::sleep_until(until).await;
            waited += until.saturating_duration_since(now);
        }
        Ticket { _slot: slot, waited }
    }

    /// Take in what an answer said about the budget. A 429 holds every
    /// request of the profile until the reset (or a backoff without one).
    pub fn record(&self, status: u16, rate: &RateLimit) {
        let now = Instant::now();
        let announce = {
            let mut w = lock(&self.window);
            observe(&mut w, now, rate);
            if status != 429 {
                w.backoff_steps = 0;
                return;
            }
            let wait = match rate.reset {
                Some(reset) => reset.min(RESET_CAP) + RESET_MARGIN,
                None => {
                    let wait = backoff(w.backoff_steps, rand::random::<f64>());
                    w.backoff_steps = w.backoff_steps.saturating_add(1);
                    wait
                }
            };
            let until = now + wait;
            w.hold_until = Some(w.hold_until.map_or(until, |h| h.max(until)));
            w.remaining = Some(0);
            if rate.reset.is_some() {
                w.reset_at = Some(until);
            }
            let fresh = w.announced.is_none_or(|a| until > a + Duration::from_secs(1));
            if fresh {
                w.announced = Some(until);
            }
            fresh.then(|| self.snapshot_locked(&w, now))
        };
        if let Some(info) = announce {
            (self.on_hold)(info);
        }
    }

    /// How long requests are held from now (zero when they are not).
    pub fn held_for(&self) -> Duration {
        let w = lock(&self.window);
        w.hold_until
            .map(|h| h.saturating_duration_since(Instant::now()))
            .unwrap_or_default()
    }

    /// The budget as clients see it.
    pub fn snapshot(&self) -> RateInfo {
        let w = lock(&self.window);
        self.snapshot_locked(&w, Instant::now())
    }

    fn snapshot_locked(&self, w: &Window, now: Instant) -> RateInfo {
        let unix = self.clock.now();
        let at = |i: Instant| unix + i.saturating_duration_since(now).as_secs_f64().ceil() as i64;
        let reset_at = w.reset_at.filter(|r| *r > now);
        let held = held_until(w, now);
        RateInfo {
            limit: w.limit,
            remaining: if reset_at.is_some() || w.reset_at.is_none() {
                w.remaining
            } else {
                w.limit
            },
            reset_at: reset_at.map(at),
            waiting_until: held.map(at),
        }
    }
}

/// Until when requests are held: the end of a 429's wait, or the reset of
/// a window whose last requests are being spread (or are spent).
fn held_until(w: &Window, now: Instant) -> Option<Instant> {
    let hold = w.hold_until.filter(|h| *h > now);
    let pacing = w.next_slot.is_some_and(|s| s > now) || w.remaining == Some(0);
    let spread = w.reset_at.filter(|r| pacing && *r > now);
    hold.into_iter().chain(spread).max()
}

/// Below this many requests left, the rest are spread across the window.
fn low_water(limit: u32) -> u32 {
    (limit / 10).max(2)
}

/// The `n`th backoff (0-based) without a reset header: 2 s doubling to
/// 30 s, with jitter `j` in [0, 1) taking up to a quarter off.
pub fn backoff(step: u32, jitter: f64) -> Duration {
    let base = BACKOFF_START.saturating_mul(1u32 << step.min(8)).min(BACKOFF_CAP);
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.0
    };
    base.mul_f64(1.0 - 0.25 * jitter)
}

/// Admit one request now (`None`, the count taken) or say until when to wait.
fn admit(w: &mut Window, now: Instant) -> Option<Instant> {
    if let Some(hold) = w.hold_until {
        if hold > now {
            return Some(hold);
        }
        w.hold_until = None;
    }
    if w.reset_at.is_some_and(|r| r <= now) {
        // A new window: PagerDuty's next answer says how much is left.
        w.reset_at = None;
        w.remaining = None;
        w.next_slot = None;
    }
    if let (Some(limit), Some(remaining), Some(reset_at)) = (w.limit, w.remaining, w.reset_at) {
        if remaining == 0 {
            return Some(reset_at);
        }
        if remaining <= low_water(limit) {
            if let Some(slot) = w.next_slot.filter(|s| *s > now) {
                return Some(slot);
            }
            let spacing = reset_at.saturating_duration_since(now) / (remaining + 1);
            w.next_slot = Some(now + spacing);
        }
    }
    if let Some(r) = w.remaining.as_mut() {
        *r = r.saturating_sub(1);
    }
    None
}

/// Fold an answer's headers into the window.
fn observe(w: &mut Window, now: Instant, rate: &RateLimit) {
    if rate.limit.is_some() {
        w.limit = rate.limit;
    }
    let Some(reported) = rate.remaining else { return };
    let reset_at = rate.reset.map(|r| now + r.min(RESET_CAP) + RESET_MARGIN);
    // Within one window the reported reset varies by the rounding (under
    // 1.25 s); a later one means PagerDuty started a new window.
    let new_window = match (w.reset_at, reset_at) {
        (None, _) => true,
        (Some(known), _) if known <= now => true,
        (Some(known), Some(reported)) => reported > known + NEW_WINDOW_SLACK,
        (Some(_), None) => false,
    };
    w.remaining = Some(match (new_window, w.remaining) {
        // Answers to requests sent earlier may arrive late: within one
        // window, the lower count (which includes requests since) wins.
        (false, Some(known)) => known.min(reported),
        _ => reported,
    });
    if let Some(reset_at) = reset_at {
        w.reset_at = Some(match (new_window, w.reset_at) {
            (false, Some(known)) => known.max(reset_at),
            _ => reset_at,
        });
    }
    if new_window {
        w.next_slot = None;
    }
}

#[cfg(test)]
#[path = "budget_tests.rs"]
mod tests;
