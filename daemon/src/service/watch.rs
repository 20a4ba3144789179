//! Health that changes with time alone: a token entering its refresh window
//! or expiring, a login timing out. Each profile's next such moment sits in
//! a heap, so the watcher wakes only when something is due (O(log n) per
//! event) and re-reads everything only when the wall clock jumped.

use std::sync::Arc;
use std::time::Duration;

use super::{Service, lock};
use crate::health::next_boundary;

/// A wall clock running this far ahead of the monotonic clock means the
/// machine slept (or the clock was set): everything is re-checked.
const JUMP_TOLERANCE: i64 = 2;

impl Service {
    /// Record when `name`'s health next changes by itself.
    pub(super) fn track_boundary(&self, name: &str) {
        let now = self.now();
        let at = {
            let st = lock(&self.state);
            let token = st.profiles.get(name).and_then(|rt| next_boundary(rt, now));
            let login = st.logins.get(name).map(|l| l.info.expires_at);
            token.into_iter().chain(login).min()
        };
        let mut boundaries = lock(&self.boundaries);
        match at {
            Some(at) => boundaries.plan(name, at),
            None => boundaries.cancel(name),
        }
        drop(boundaries);
        self.wake.notify_one();
    }

    /// Publish `name`'s health if it differs from what was last published.
    fn publish_if_changed(&self, name: &str) {
        let Ok(status) = self.status(name) else { return };
        if lock(&self.state).published.get(name) != Some(&status.state) {
            self.publish(name);
        } else {
            self.track_boundary(name);
        }
    }

    /// Run until shutdown.
    pub async fn watch_time(self: Arc<Self>, wall_check: Duration) {
        let max_sleep = wall_check.as_secs().max(1) as i64;
        let mut wall = self.now();
        let mut mono = tokio::time::Instant::now();
        loop {
            let now = self.now();
            let expired = lock(&self.state).logins.expire(now);
            for login in expired {
                self.login_failed(
                    &login.profile,
                    "the login timed out before the browser approved it; start it again".to_string(),
                );
            }
            self.release_ports();
            let jumped = (now - wall) - mono.elapsed().as_secs() as i64 > JUMP_TOLERANCE;
            wall = now;
            mono = tokio::time::Instant::now();
            let due: Vec<String> = if jumped {
                tracing::info!("the wall clock jumped (suspend?); re-checking every profile");
                self.config().profiles.keys().cloned().collect()
            } else {
                lock(&self.boundaries).pop_due(now)
            };
            for name in due {
                self.publish_if_changed(&name);
            }
            let next = lock(&self.boundaries).next_due();
            let secs = next.map(|t| (t - now).clamp(0, max_sleep)).unwrap_or(max_sleep);
            let pause = Duration::from_secs(secs as u64) + Duration::from_millis(50);
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = self.wake.notified() => {}
                _ = self.shutdown.cancelled() => break,
            }
        }
    }
}
