//! Wall-clock time behind a trait, so tests can move it (suspend, clock
//! jumps) while tokio's timers keep their own monotonic notion of time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub trait Clock: Send + Sync + 'static {
    /// Unix seconds.
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

/// A clock that follows tokio's (possibly paused) time from a start value,
/// plus a jump offset: in paused-time tests, `tokio::time::advance` moves it,
/// and [`jump`](Self::jump) simulates a suspend the timers never saw.
#[derive(Debug, Clone)]
pub struct TokioClock {
    start_unix: i64,
    start: tokio::time::Instant,
    jumped: Arc<AtomicI64>,
}

impl TokioClock {
    pub fn new(start_unix: i64) -> Self {
        Self {
            start_unix,
            start: tokio::time::Instant::now(),
            jumped: Arc::new(AtomicI64::new(0)),
        }
    }

    /// Move wall-clock time forward without tokio's timers noticing.
    pub fn jump(&self, secs: i64) {
        self.jumped.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for TokioClock {
    fn now(&self) -> i64 {
        self.start_unix + self.start.elapsed().as_secs() as i64 + self.jumped.load(Ordering::SeqCst)
    }
}

/// A clock that moves only when told to.
#[derive(Debug, Default, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn new(start: i64) -> Self {
        Self(Arc::new(AtomicI64::new(start)))
    }

    pub fn set(&self, now: i64) {
        self.0.store(now, Ordering::SeqCst);
    }

    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
