//! A small per-daemon cache of PagerDuty answers: fresh for a TTL, then
//! served stale while one background fetch revalidates it; concurrent
//! requests for the same key share one fetch; bounded in entries (least
//! recently used go first); forgetting a profile drops its entries and keeps
//! fetches already in flight from storing theirs. Errors are never cached.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use tokio::time::Instant;

use pdauth_common::WireError;

type Flight<T> = Shared<BoxFuture<'static, Result<Arc<T>, WireError>>>;

/// How an answer was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Fetched for this request (or joined a fetch in flight).
    Fetched,
    /// From the cache, within the TTL.
    Cached,
    /// From the cache, past the TTL; a revalidation is running.
    Stale,
}

/// A cache key: which profile it belongs to, plus anything hashable.
pub trait Keyed: Clone + Eq + Hash + Send + Sync + 'static {
    fn profile(&self) -> &str;
}

struct Entry<T> {
    value: Arc<T>,
    fetched: Instant,
    used: Instant,
}

struct Inner<K, T> {
    entries: HashMap<K, Entry<T>>,
    flights: HashMap<K, Flight<T>>,
    /// Bumped when a profile is forgotten; a fetch that started before does
    /// not store its answer.
    generations: HashMap<String, u64>,
}

pub struct Cache<K, T> {
    inner: Mutex<Inner<K, T>>,
    ttl: Duration,
    /// Older than this, an entry is not served even stale.
    max_stale: Duration,
    capacity: usize,
}

impl<K: Keyed, T: Send + Sync + 'static> Cache<K, T> {
    pub fn new(ttl: Duration, max_stale: Duration, capacity: usize) -> Arc<Self> {
        Arc::new(Cache {
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                flights: HashMap::new(),
                generations: HashMap::new(),
            }),
            ttl,
            max_stale: max_stale.max(ttl),
            capacity: capacity.max(1),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, T>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The value of `key`: cached when fresh (unless `fresh` insists), stale
    /// while revalidating, or fetched with `fetch` (shared with every other
    /// caller asking meanwhile).
    pub async fn get<F>(self: &Arc<Self>, key: K, fresh: bool, fetch: F) -> Result<(Arc<T>, Freshness), WireError>
    where
        F: FnOnce() -> BoxFuture<'static, Result<T, WireError>>,
    {
        let flight = {
            let mut inner = self.lock();
            let now = Instant::now();
            let cached = inner.entries.get_mut(&key).map(|e| {
                e.used = now;
                (e.value.clone(), now.duration_since(e.fetched))
            });
            match cached {
                Some((value, age)) if !fresh && age < self.ttl => return Ok((value, Freshness::Cached)),
                Some((value, age)) if !fresh && age < self.max_stale => {
                    let flight = self.flight(&mut inner, key, fetch);
                    drop(inner);
                    // Nobody awaits it here: run it to completion anyway.
                    tokio::spawn(async move {
                        let _ = flight.await;
                    });
                    return Ok((value, Freshness::Stale));
                }
                _ => self.flight(&mut inner, key, fetch),
            }
        };
        flight.await.map(|v| (v, Freshness::Fetched))
    }

    /// The fetch in flight for `key`, or a new one.
    fn flight<F>(self: &Arc<Self>, inner: &mut Inner<K, T>, key: K, fetch: F) -> Flight<T>
    where
        F: FnOnce() -> BoxFuture<'static, Result<T, WireError>>,
    {
        if let Some(flight) = inner.flights.get(&key) {
            return flight.clone();
        }
        let generation = inner.generations.get(key.profile()).copied().unwrap_or(0);
        let cache = Arc::downgrade(self);
        let fut = fetch();
        let k = key.clone();
        let flight = async move {
            let result = fut.await.map(Arc::new);
            if let Some(cache) = cache.upgrade() {
                cache.finish(k, generation, &result);
            }
            result
        }
        .boxed()
        .shared();
        inner.flights.insert(key, flight.clone());
        flight
    }

    fn finish(&self, key: K, generation: u64, result: &Result<Arc<T>, WireError>) {
        let mut inner = self.lock();
        inner.flights.remove(&key);
        let current = inner.generations.get(key.profile()).copied().unwrap_or(0);
        if let (Ok(value), true) = (result, current == generation) {
            let now = Instant::now();
            inner.entries.insert(
                key,
                Entry {
                    value: value.clone(),
                    fetched: now,
                    used: now,
                },
            );
            self.evict(&mut inner);
        }
    }

    fn evict(&self, inner: &mut Inner<K, T>) {
        while inner.entries.len() > self.capacity {
            let oldest = inner.entries.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| k.clone());
            match oldest {
                Some(k) => inner.entries.remove(&k),
                None => break,
            };
        }
    }

    /// Drop everything of `profile` (after a logout, a revocation or a new
    /// login for another account).
    pub fn forget(&self, profile: &str) {
        let mut inner = self.lock();
        *inner.generations.entry(profile.to_string()).or_default() += 1;
        inner.entries.retain(|k, _| k.profile() != profile);
        inner.flights.retain(|k, _| k.profile() != profile);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdauth_common::ErrorCode;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    struct Key(String, u32);
    impl Keyed for Key {
        fn profile(&self) -> &str {
            &self.0
        }
    }

    fn counting(
        calls: &Arc<AtomicU32>,
        value: u32,
    ) -> impl FnOnce() -> BoxFuture<'static, Result<u32, WireError>> + use<> {
        let calls = calls.clone();
        move || {
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                Ok(value)
            }
            .boxed()
        }
    }

    fn key(n: u32) -> Key {
        Key("work".into(), n)
    }

    #[tokio::test(start_paused = true)]
    async fn fresh_entries_are_served_without_fetching() {
        let cache = Cache::new(Duration::from_secs(10), Duration::from_secs(60), 8);
        let calls = Arc::new(AtomicU32::new(0));
        let (v, how) = cache.get(key(1), false, counting(&calls, 7)).await.unwrap();
        assert_eq!((*v, how), (7, Freshness::Fetched));
        let (v, how) = cache.get(key(1), false, counting(&calls, 8)).await.unwrap();
        assert_eq!((*v, how), (7, Freshness::Cached));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // `fresh` insists.
        let (v, how) = cache.get(key(1), true, counting(&calls, 9)).await.unwrap();
        assert_eq!((*v, how), (9, Freshness::Fetched));
    }

    #[tokio::test(start_paused = true)]
    async fn stale_entries_are_served_while_one_fetch_revalidates() {
        let cache = Cache::new(Duration::from_secs(10), Duration::from_secs(60), 8);
        let calls = Arc::new(AtomicU32::new(0));
        cache.get(key(1), false, counting(&calls, 1)).await.unwrap();
        tokio::time::advance(Duration::from_secs(11)).await;
        let (v, how) = cache.get(key(1), false, counting(&calls, 2)).await.unwrap();
        assert_eq!((*v, how), (1, Freshness::Stale));
        let (v, how) = cache.get(key(1), false, counting(&calls, 3)).await.unwrap();
        assert_eq!((*v, how), (1, Freshness::Stale), "the revalidation is still running");
        tokio::time::sleep(Duration::from_millis(150)).await;
        let (v, how) = cache.get(key(1), false, counting(&calls, 4)).await.unwrap();
        assert_eq!((*v, how), (2, Freshness::Cached));
        assert_eq!(calls.load(Ordering::SeqCst), 2, "one revalidation for two stale reads");
        // Too old to serve at all.
        tokio::time::advance(Duration::from_secs(120)).await;
        let (v, how) = cache.get(key(1), false, counting(&calls, 5)).await.unwrap();
        assert_eq!((*v, how), (5, Freshness::Fetched));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_share_one_fetch() {
        let cache = Cache::new(Duration::from_secs(10), Duration::from_secs(60), 8);
        let calls = Arc::new(AtomicU32::new(0));
        let gets: Vec<_> = (0..20)
            .map(|i| {
                let cache = cache.clone();
                let fetch = counting(&calls, i);
                async move { *cache.get(key(1), true, fetch).await.unwrap().0 }
            })
            .collect();
        let values = futures::future::join_all(gets).await;
        assert!(values.iter().all(|v| *v == values[0]));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn errors_are_shared_but_not_cached() {
        let cache: Arc<Cache<Key, u32>> = Cache::new(Duration::from_secs(10), Duration::from_secs(60), 8);
        let failing =
            || async { Err::<u32, _>(WireError::new(ErrorCode::Upstream, "PagerDuty answered HTTP 502")) }.boxed();
        assert!(cache.get(key(1), false, failing).await.is_err());
        assert_eq!(cache.len(), 0);
        let calls = Arc::new(AtomicU32::new(0));
        assert_eq!(*cache.get(key(1), false, counting(&calls, 3)).await.unwrap().0, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn forgetting_a_profile_drops_its_entries_and_late_answers() {
        let cache = Cache::new(Duration::from_secs(10), Duration::from_secs(60), 8);
        let calls = Arc::new(AtomicU32::new(0));
        cache.get(key(1), false, counting(&calls, 1)).await.unwrap();
        cache
            .get(Key("home".into(), 1), false, counting(&calls, 1))
            .await
            .unwrap();
        // A fetch in flight when the profile is forgotten stores nothing.
        let pending = {
            let cache = cache.clone();
            let fetch = counting(&calls, 2);
            tokio::spawn(async move { cache.get(key(2), false, fetch).await })
        };
        tokio::task::yield_now().await;
        cache.forget("work");
        pending.await.unwrap().unwrap();
        assert_eq!(cache.len(), 1, "only home's entry is left");
    }

    #[tokio::test(start_paused = true)]
    async fn least_recently_used_entries_go_first() {
        let cache = Cache::new(Duration::from_secs(100), Duration::from_secs(600), 2);
        let calls = Arc::new(AtomicU32::new(0));
        cache.get(key(1), false, counting(&calls, 1)).await.unwrap();
        cache.get(key(2), false, counting(&calls, 2)).await.unwrap();
        tokio::time::advance(Duration::from_secs(1)).await;
        cache.get(key(1), false, counting(&calls, 0)).await.unwrap();
        cache.get(key(3), false, counting(&calls, 3)).await.unwrap();
        assert_eq!(cache.len(), 2);
        let (_, how) = cache.get(key(1), false, counting(&calls, 0)).await.unwrap();
        assert_eq!(how, Freshness::Cached, "recently used survives");
        let (_, how) = cache.get(key(2), false, counting(&calls, 0)).await.unwrap();
        assert_eq!(how, Freshness::Fetched, "least recently used was evicted");
    }
}
