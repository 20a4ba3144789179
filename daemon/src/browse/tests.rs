//! Watches and the cache over a fake source, in paused time.

use std::sync::atomic::{AtomicU32, Ordering};

use futures::FutureExt;
use pdauth_common::browse::{Detail, FetchMeta, Incident, Items, Team};
use pdauth_common::{Event, ServerFrame};
use tokio::sync::mpsc;

use super::*;

#[derive(Default)]
struct Fake {
    incidents: Mutex<Vec<Incident>>,
    lists: AtomicU32,
    details: AtomicU32,
    fail: Mutex<Option<WireError>>,
}

impl Fake {
    fn set(&self, ids: &[(&str, &str)]) {
        *lock(&self.incidents) = ids
            .iter()
            .map(|(id, status)| Incident {
                id: id.to_string(),
                status: status.to_string(),
                ..Default::default()
            })
            .collect();
    }
}

impl Source for Fake {
    fn list(&self, _profile: String, _query: ListQuery) -> BoxFuture<'static, Result<ListPage, WireError>> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        let result = match lock(&self.fail).clone() {
            Some(e) => Err(e),
            None => Ok(ListPage {
                items: Items::Incidents(lock(&self.incidents).clone()),
                offset: 0,
                more: false,
                total: None,
                truncated: false,
                meta: FetchMeta {
                    requests: 1,
                    ..Default::default()
                },
            }),
        };
        async move { result }.boxed()
    }

    fn detail(
        &self,
        _profile: String,
        _resource: Resource,
        id: String,
    ) -> BoxFuture<'static, Result<DetailPage, WireError>> {
        self.details.fetch_add(1, Ordering::SeqCst);
        async move {
            Ok(DetailPage {
                detail: Detail::Team {
                    team: Team {
                        id,
                        ..Default::default()
                    },
                    members: vec![],
                    services: vec![],
                },
                meta: FetchMeta {
                    requests: 3,
                    ..Default::default()
                },
                unread: Vec::new(),
                cut: Vec::new(),
            })
        }
        .boxed()
    }
}

/// A source shared with the test (the `Arc<dyn Source>` keeps its own).
struct Shared(Arc<Fake>);

impl Source for Shared {
    fn list(&self, profile: String, query: ListQuery) -> BoxFuture<'static, Result<ListPage, WireError>> {
        self.0.list(profile, query)
    }
    fn detail(&self, p: String, r: Resource, id: String) -> BoxFuture<'static, Result<DetailPage, WireError>> {
        self.0.detail(p, r, id)
    }
}

const POLL: Duration = Duration::from_secs(10);

fn setup() -> (Arc<Fake>, Arc<Browse>) {
    let fake = Arc::new(Fake::default());
    fake.set(&[("A", "triggered")]);
    let settings = Settings {
        cache_ttl: Duration::from_secs(5),
        poll_interval: POLL,
    };
    let browse = Browse::new(Arc::new(Shared(fake.clone())), settings, CancellationToken::new());
    (fake, browse)
}

fn open() -> ListQuery {
    ListQuery::new(Resource::Incidents)
}

async fn watcher(browse: &Arc<Browse>, id: u64) -> (Arc<ListPage>, mpsc::Receiver<ServerFrame>) {
    let w = browse.watch("work", open()).await.unwrap();
    let (tx, out) = mpsc::channel(8);
    tokio::spawn(forward(w.rx, id, w.page.clone(), w.version, tx));
    (w.page, out)
}

async fn event(out: &mut mpsc::Receiver<ServerFrame>) -> Event {
    // Virtual time: generous, and a missing event fails instead of hanging.
    let next = tokio::time::timeout(Duration::from_secs(3600), out.recv()).await;
    match next.expect("an event within an hour of virtual time") {
        Some(ServerFrame::Event { event }) => event,
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn watchers_share_one_poller_and_hear_each_change() {
    let (fake, browse) = setup();
    let (page, mut one) = watcher(&browse, 1).await;
    let (_, mut two) = watcher(&browse, 2).await;
    assert_eq!(page.items.keys(), vec!["A"]);
    assert_eq!(browse.pollers(), 1);
    fake.set(&[("A", "acknowledged"), ("B", "triggered")]);
    for (out, id) in [(&mut one, 1), (&mut two, 2)] {
        match event(out).await {
            Event::ListChanged { watch, change } => {
                assert_eq!(watch, id);
                assert_eq!(change.added.keys(), vec!["B"]);
                assert_eq!(change.updated.keys(), vec!["A"]);
            }
            other => panic!("{other:?}"),
        }
    }
    // One fetch for the first watch, one per poll: never one per watcher.
    let polls = fake.lists.load(Ordering::SeqCst);
    assert!(polls <= 3, "{polls} fetches");
}

#[tokio::test(start_paused = true)]
async fn an_unchanged_list_pushes_nothing_and_the_poller_stops_when_nobody_watches() {
    let (fake, browse) = setup();
    let (_, mut out) = watcher(&browse, 1).await;
    tokio::time::sleep(POLL * 5).await;
    assert!(out.try_recv().is_err(), "no change, no event");
    assert!(fake.lists.load(Ordering::SeqCst) >= 4, "it kept polling");
    drop(out);
    // The forwarder ends at its next send attempt or when the channel
    // closes; once the receiver is gone the poller stops.
    fake.set(&[("B", "triggered")]);
    tokio::time::sleep(POLL * 3).await;
    assert_eq!(browse.pollers(), 0);
    let polls = fake.lists.load(Ordering::SeqCst);
    tokio::time::sleep(POLL * 5).await;
    assert_eq!(fake.lists.load(Ordering::SeqCst), polls, "no polling without watchers");
}

#[tokio::test(start_paused = true)]
async fn failures_are_reported_once_and_recovery_is_a_change() {
    let (fake, browse) = setup();
    let (_, mut out) = watcher(&browse, 1).await;
    *lock(&fake.fail) = Some(WireError::new(
        ErrorCode::RateLimited,
        "PagerDuty's rate limit; wait 20s",
    ));
    match event(&mut out).await {
        Event::ListFailed { error, .. } => assert_eq!(error.code, ErrorCode::RateLimited),
        other => panic!("{other:?}"),
    }
    tokio::time::sleep(POLL * 10).await;
    assert!(out.try_recv().is_err(), "the same failure is not repeated");
    *lock(&fake.fail) = None;
    fake.set(&[("C", "triggered")]);
    match event(&mut out).await {
        Event::ListChanged { change, .. } => {
            assert_eq!(change.added.keys(), vec!["C"]);
            assert_eq!(change.removed, vec!["A"]);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_stale_list_opens_at_once_and_the_fresh_one_follows_as_a_change() {
    let (fake, browse) = setup();
    let first = browse.list("work", open(), false).await.unwrap();
    assert_eq!(first.meta.requests, 1);
    let cached = browse.list("work", open(), false).await.unwrap();
    assert_eq!(cached.meta.requests, 0, "served from the cache");
    tokio::time::sleep(Duration::from_secs(6)).await;
    fake.set(&[("A", "resolved")]);
    let (page, mut out) = watcher(&browse, 1).await;
    assert!(page.meta.stale);
    assert_eq!(page.items.keys(), vec!["A"]);
    match event(&mut out).await {
        Event::ListChanged { change, .. } => assert_eq!(change.updated.keys(), vec!["A"]),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn details_are_cached_and_forgotten_with_the_profile() {
    let (fake, browse) = setup();
    let a = browse.detail("work", Resource::Teams, "PT1", false).await.unwrap();
    assert_eq!(a.meta.requests, 3);
    let b = browse.detail("work", Resource::Teams, "PT1", false).await.unwrap();
    assert_eq!(b.meta.requests, 0);
    assert_eq!(fake.details.load(Ordering::SeqCst), 1);
    browse.forget("work");
    browse.detail("work", Resource::Teams, "PT1", false).await.unwrap();
    assert_eq!(fake.details.load(Ordering::SeqCst), 2);
    let err = browse.detail("work", Resource::Oncalls, "x", false).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidRequest);
}
