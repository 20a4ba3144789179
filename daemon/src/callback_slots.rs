//! Connection slots of a login callback listener. The listener is on
//! loopback, so any local user can open connections to it; a cap bounds
//! that, and when the cap is reached the oldest connection that has not yet
//! sent a whole request makes room. New connections (the browser's redirect)
//! always get in; one serving a request (a code exchange) is never cut.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

pub struct Slots {
    max: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    next: u64,
    /// Oldest first.
    live: VecDeque<Slot>,
}

struct Slot {
    id: u64,
    serving: Arc<AtomicBool>,
    evict: CancellationToken,
}

/// One connection's slot, given back when dropped.
pub struct Held {
    id: u64,
    slots: Arc<Slots>,
    /// Set once the connection's request has arrived whole.
    pub serving: Arc<AtomicBool>,
    /// Cancelled when the connection must make room for a newer one.
    pub evicted: CancellationToken,
}

impl Slots {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max: max.max(1),
            inner: Mutex::new(Inner::default()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A slot for a new connection, made by evicting the oldest idle one
    /// when every slot is taken; `None` only when every slot is serving.
    pub fn take(self: &Arc<Self>) -> Option<Held> {
        let mut inner = self.lock();
        if inner.live.len() >= self.max {
            let idle = inner.live.iter().position(|s| !s.serving.load(Ordering::Acquire))?;
            if let Some(old) = inner.live.remove(idle) {
                old.evict.cancel();
            }
        }
        inner.next += 1;
        let slot = Slot {
            id: inner.next,
            serving: Arc::new(AtomicBool::new(false)),
            evict: CancellationToken::new(),
        };
        let held = Held {
            id: slot.id,
            slots: self.clone(),
            serving: slot.serving.clone(),
            evicted: slot.evict.clone(),
        };
        inner.live.push_back(slot);
        Some(held)
    }

    /// Connections holding a slot.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().live.len()
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        self.slots.lock().live.retain(|s| s.id != self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_listener_drops_its_oldest_idle_connection_for_a_new_one() {
        let slots = Slots::new(3);
        let a = slots.take().unwrap();
        let b = slots.take().unwrap();
        let c = slots.take().unwrap();
        // `a` is serving a request (a code exchange): never cut.
        a.serving.store(true, Ordering::Release);
        let d = slots.take().expect("room made");
        assert!(!a.evicted.is_cancelled());
        assert!(b.evicted.is_cancelled(), "the oldest idle one goes");
        assert!(!c.evicted.is_cancelled());
        assert_eq!(slots.len(), 3);
        // A dropped evicted connection gives nothing back twice.
        drop(b);
        assert_eq!(slots.len(), 3);
        c.serving.store(true, Ordering::Release);
        d.serving.store(true, Ordering::Release);
        assert!(slots.take().is_none(), "every slot is serving");
        drop(c);
        assert_eq!(slots.len(), 2);
        let e = slots.take().expect("a free slot");
        assert!(!e.evicted.is_cancelled());
        drop((a, d, e));
        assert_eq!(slots.len(), 0);
    }
}
