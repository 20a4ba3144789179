//! Browsing for clients: typed lists and details of PagerDuty objects,
//! cached per profile and shared by every connected client
//! (stale-while-revalidate so screens open at once), and live lists that
//! are polled while someone watches them. Fetching itself (requests, rate
//! budget, pagination) is the [`Source`]'s business; this module decides
//! when to fetch and who hears about it.

mod cache;
mod poll;
mod source;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use pdauth_common::browse::{DetailPage, ListPage, ListQuery, Resource};
use pdauth_common::{ErrorCode, WireError};

pub use cache::Freshness;
use cache::{Cache, Keyed};
pub use poll::{Snapshot, forward};
pub use source::ServiceSource;

/// Where lists and details come from (the PagerDuty client, or a fake).
pub trait Source: Send + Sync + 'static {
    fn list(&self, profile: String, query: ListQuery) -> BoxFuture<'static, Result<ListPage, WireError>>;
    fn detail(
        &self,
        profile: String,
        resource: Resource,
        id: String,
    ) -> BoxFuture<'static, Result<DetailPage, WireError>>;
}

/// Timing of the cache and the pollers.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub cache_ttl: Duration,
    pub poll_interval: Duration,
}

/// Lists and details kept at once (each list up to 10,000 items).
const LIST_ENTRIES: usize = 64;
const DETAIL_ENTRIES: usize = 256;
/// A stale entry older than this is fetched again before answering.
const MAX_STALE: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ListKey {
    profile: String,
    query: ListQuery,
}

impl Keyed for ListKey {
    fn profile(&self) -> &str {
        &self.profile
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DetailKey {
    profile: String,
    resource: Resource,
    id: String,
}

impl Keyed for DetailKey {
    fn profile(&self) -> &str {
        &self.profile
    }
}

/// A new watcher's start: the page it shows first and what follows.
pub struct Watching {
    pub page: Arc<ListPage>,
    pub version: u64,
    pub rx: watch::Receiver<Snapshot>,
}

impl Watching {
    fn of(mut rx: watch::Receiver<Snapshot>) -> Self {
        let (page, version) = {
            let snap = rx.borrow_and_update();
            (snap.page.clone(), snap.version)
        };
        Watching { page, version, rx }
    }
}

pub struct Browse {
    source: Arc<dyn Source>,
    settings: Settings,
    lists: Arc<Cache<ListKey, ListPage>>,
    details: Arc<Cache<DetailKey, DetailPage>>,
    pollers: Mutex<HashMap<ListKey, watch::Sender<Snapshot>>>,
    shutdown: CancellationToken,
}

impl Browse {
    pub fn new(source: Arc<dyn Source>, settings: Settings, shutdown: CancellationToken) -> Arc<Self> {
        let max_stale = MAX_STALE.max(settings.cache_ttl);
        Arc::new(Browse {
            source,
            settings,
            lists: Cache::new(settings.cache_ttl, max_stale, LIST_ENTRIES),
            details: Cache::new(settings.cache_ttl, max_stale, DETAIL_ENTRIES),
            pollers: Mutex::new(HashMap::new()),
            shutdown,
        })
    }

    /// A list, from the cache when it can be.
    pub async fn list(&self, profile: &str, query: ListQuery, fresh: bool) -> Result<ListPage, WireError> {
        let key = ListKey {
            profile: profile.to_string(),
            query,
        };
        let (page, how) = self.fetch_list(&key, fresh).await?;
        Ok(present(&page, how, |p| &mut p.meta))
    }

    /// One object's detail, from the cache when it can be.
    pub async fn detail(
        &self,
        profile: &str,
        resource: Resource,
        id: &str,
        fresh: bool,
    ) -> Result<DetailPage, WireError> {
        if !resource.has_detail() {
            return Err(WireError::new(
                ErrorCode::InvalidRequest,
                format!("PagerDuty has no detail view of {}", resource.as_str()),
            ));
        }
        let key = DetailKey {
            profile: profile.to_string(),
            resource,
            id: id.to_string(),
        };
        let source = self.source.clone();
        let k = key.clone();
        let (page, how) = self
            .details
            .get(key, fresh, move || source.detail(k.profile, k.resource, k.id))
            .await?;
        Ok(present(&page, how, |p| &mut p.meta))
    }

    async fn fetch_list(&self, key: &ListKey, fresh: bool) -> Result<(Arc<ListPage>, Freshness), WireError> {
        let source = self.source.clone();
        let k = key.clone();
        self.lists
            .get(key.clone(), fresh, move || source.list(k.profile, k.query))
            .await
    }

    /// Start watching a list: its current page (possibly stale, then a
    /// change follows shortly), the snapshot version it belongs to, and a
    /// receiver of later snapshots (that one marked seen).
    pub async fn watch(self: &Arc<Self>, profile: &str, query: ListQuery) -> Result<Watching, WireError> {
        let key = ListKey {
            profile: profile.to_string(),
            query,
        };
        if let Some(joined) = self.join(&key) {
            return Ok(joined);
        }
        let (page, how) = self.fetch_list(&key, false).await?;
        let mut pollers = lock(&self.pollers);
        if let Some(tx) = pollers.get(&key).filter(|tx| !tx.is_closed()) {
            return Ok(Watching::of(tx.subscribe()));
        }
        let (tx, mut rx) = watch::channel(Snapshot {
            version: 0,
            page: page.clone(),
            change: None,
            error: None,
        });
        pollers.insert(key.clone(), tx.clone());
        drop(pollers);
        let first = match how {
            // What the watcher got is old: look again at once.
            Freshness::Stale => Duration::ZERO,
            _ => poll::pace(self.settings.poll_interval, &page),
        };
        rx.borrow_and_update();
        tokio::spawn(poll::run(self.clone(), key, tx, first));
        Ok(Watching {
            page: Arc::new(present(&*page, how, |p: &mut ListPage| &mut p.meta)),
            version: 0,
            rx,
        })
    }

    /// Join the poller of `key`, if one runs.
    fn join(&self, key: &ListKey) -> Option<Watching> {
        let pollers = lock(&self.pollers);
        let tx = pollers.get(key).filter(|tx| !tx.is_closed())?;
        Some(Watching::of(tx.subscribe()))
    }

    fn poller_stopped(&self, key: &ListKey, tx: &watch::Sender<Snapshot>) {
        let mut pollers = lock(&self.pollers);
        if pollers.get(key).is_some_and(|t| t.same_channel(tx)) {
            pollers.remove(key);
        }
    }

    /// Lists polled right now.
    pub fn pollers(&self) -> usize {
        lock(&self.pollers).len()
    }

    /// Drop what is cached for `profile` (its login changed or was revoked).
    pub fn forget(&self, profile: &str) {
        self.lists.forget(profile);
        self.details.forget(profile);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A copy of a cached answer with its freshness told: a cached copy cost no
/// request and no wait.
fn present<T: Clone>(value: &T, how: Freshness, meta: impl Fn(&mut T) -> &mut pdauth_common::browse::FetchMeta) -> T {
    let mut value = value.clone();
    let m = meta(&mut value);
    match how {
        Freshness::Fetched => {}
        Freshness::Cached => {
            m.requests = 0;
            m.waited_ms = 0;
        }
        Freshness::Stale => {
            m.requests = 0;
            m.waited_ms = 0;
            m.stale = true;
        }
    }
    value
}

#[cfg(test)]
mod tests;
