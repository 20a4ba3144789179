//! The scheduler: sleep until the earliest plan (or at most a short while,
//! to notice wall-clock jumps such as a suspend), then hand due profiles to
//! the executor with bounded concurrency. Costs nothing between due times.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::Planner;
use crate::clock::Clock;

/// The wall clock is re-read at least this often: tokio's timers do not run
/// while the machine sleeps, and the clock may jump.
pub const WALL_CLOCK_CHECK: i64 = 30;

/// Performs what was planned for a profile (and re-plans it).
pub trait Executor: Send + Sync + 'static {
    fn execute(self: Arc<Self>, profile: String) -> Pin<Box<dyn Future<Output = ()> + Send>>;
}

/// Run until `shutdown`.
#[allow(clippy::too_many_arguments)]
pub async fn run_schedule<E: Executor>(
    planner: Arc<Mutex<Planner>>,
    executor: Arc<E>,
    clock: Arc<dyn Clock>,
    wake: Arc<Notify>,
    concurrency: usize,
    wall_check: i64,
    tasks: TaskTracker,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(concurrency.max(1)));
    loop {
        let now = clock.now();
        let due = planner.lock().unwrap_or_else(|p| p.into_inner()).pop_due(now);
        for profile in due {
            let permit = tokio::select! {
                permit = slots.clone().acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => return,
                },
                _ = shutdown.cancelled() => return,
            };
            let executor = executor.clone();
            tasks.spawn(async move {
                executor.execute(profile).await;
                drop(permit);
            });
        }
        let next = planner.lock().unwrap_or_else(|p| p.into_inner()).next_due();
        let now = clock.now();
        let wait = match next {
            Some(at) if at <= now => continue,
            Some(at) => (at - now).min(wall_check.max(1)),
            None => wall_check.max(1),
        };
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(wait as u64)) => {}
            _ = wake.notified() => {}
            _ = shutdown.cancelled() => return,
        }
    }
}

#[cfg(test)]
mod tests;
