//! Browsing through the daemon against the sandbox: lists and details are
//! cached and shared, and a watched list hears incidents being opened,
//! acknowledged and resolved in the sandbox as change events.

use std::time::Duration;

use pdauth_common::browse::{Filter, Items, ListChange, ListQuery, Page, Resource};
use pdauth_common::{Event, Reply, Request, Response};
use pdauth_tests::inproc::InProc;
use pdauth_tests::wire::WireClient;
use serde_json::json;

fn open_incidents() -> ListQuery {
    ListQuery {
        resource: Resource::Incidents,
        filter: Filter {
            statuses: vec!["triggered".into(), "acknowledged".into()],
            all_dates: true,
            ..Default::default()
        },
        sort: None,
        page: Page::All { max: 1_000 },
    }
}

async fn start() -> InProc {
    InProc::start(&[], |o| {
        o.config.daemon.poll_interval = Duration::from_secs(2);
        o.config.daemon.cache_ttl = Duration::from_secs(1);
    })
    .await
}

async fn watch(c: &mut WireClient, query: ListQuery) -> (u64, Items) {
    match c
        .call(Request::Watch {
            profile: "work".into(),
            query,
        })
        .await
    {
        Reply::Ok(Response::Watching { watch, page }) => (watch, page.items),
        other => panic!("{other:?}"),
    }
}

/// The next change of `watch` that `pick` accepts.
async fn change_where(c: &mut WireClient, watch: u64, pick: impl Fn(&ListChange) -> bool) -> ListChange {
    c.wait_event(|e| match e {
        Event::ListChanged { watch: w, change } if *w == watch && pick(change) => Some(change.clone()),
        _ => None,
    })
    .await
}

/// A service that can open incidents (not disabled, not in maintenance).
async fn open_service(c: &mut WireClient) -> String {
    let reply = c
        .call(Request::List {
            profile: "work".into(),
            query: ListQuery::all(Resource::Services, 100),
            fresh: false,
        })
        .await;
    let Reply::Ok(Response::List { page }) = reply else {
        panic!("{reply:?}")
    };
    let Items::Services(services) = page.items else {
        panic!("services expected")
    };
    services
        .into_iter()
        .find(|s| s.status != "disabled" && s.status != "maintenance")
        .expect("an active service")
        .id
}

#[tokio::test(flavor = "multi_thread")]
async fn a_watched_list_hears_incidents_open_acknowledge_and_resolve() {
    let r = start().await;
    let mut c = r.logged_in().await;
    let service = open_service(&mut c).await;
    let (w, items) = watch(&mut c, open_incidents()).await;
    assert!(!items.is_empty(), "the seeded account has open incidents");

    // A second connection watching the same list shares the poller.
    let mut other = r.client().await;
    let (w2, items2) = watch(&mut other, open_incidents()).await;
    assert_eq!(items2.keys(), items.keys());

    let created = r
        .sim
        .post(
            "/_sim/incidents",
            json!({"service_id": service, "title": "Disk full on \u{1b}[2Jdb-7"}),
        )
        .await;
    let id = created["incident"]["id"].as_str().expect("incident id").to_string();
    for (client, watch) in [(&mut c, w), (&mut other, w2)] {
        let change = change_where(client, watch, |ch| ch.added.keys().contains(&id)).await;
        let Items::Incidents(added) = change.added else {
            panic!("incidents expected")
        };
        let incident = added.iter().find(|i| i.id == id).unwrap();
        assert_eq!(incident.status, "triggered");
        assert_eq!(
            incident.title, "Disk full on \u{1b}[2Jdb-7",
            "the daemon passes text on as PagerDuty sent it"
        );
    }

    r.sim
        .post(&format!("/_sim/incidents/{id}/acknowledge"), json!({}))
        .await;
    let change = change_where(&mut c, w, |ch| ch.updated.keys().contains(&id)).await;
    let Items::Incidents(updated) = change.updated else {
        panic!("incidents expected")
    };
    assert_eq!(updated.iter().find(|i| i.id == id).unwrap().status, "acknowledged");

    r.sim.post(&format!("/_sim/incidents/{id}/resolve"), json!({})).await;
    change_where(&mut c, w, |ch| ch.removed.contains(&id)).await;

    // Unwatching is confirmed; an unknown watch is not found.
    match c.call(Request::Unwatch { watch: w }).await {
        Reply::Ok(Response::Unwatched { watch }) => assert_eq!(watch, w),
        other => panic!("{other:?}"),
    }
    match c.call(Request::Unwatch { watch: w }).await {
        Reply::Error(e) => assert_eq!(e.code, pdauth_common::ErrorCode::NotFound),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn lists_and_details_are_served_from_the_cache_across_connections() {
    let r = InProc::start(&[], |o| o.config.daemon.cache_ttl = Duration::from_secs(600)).await;
    let mut c = r.logged_in().await;
    let query = ListQuery::all(Resource::Teams, 100);
    let list = |fresh| Request::List {
        profile: "work".into(),
        query: query.clone(),
        fresh,
    };
    let Reply::Ok(Response::List { page: first }) = c.call(list(false)).await else {
        panic!("list failed")
    };
    assert!(first.meta.requests >= 1);
    let before = r.sim.stats().await["api_requests"].as_u64().unwrap();
    let mut other = r.client().await;
    let Reply::Ok(Response::List { page: cached }) = other.call(list(false)).await else {
        panic!("list failed")
    };
    assert_eq!(cached.items, first.items);
    assert_eq!(cached.meta.requests, 0);
    assert_eq!(
        r.sim.stats().await["api_requests"].as_u64().unwrap(),
        before,
        "no request to PagerDuty"
    );
    // `fresh` insists.
    let Reply::Ok(Response::List { page: fresh }) = other.call(list(true)).await else {
        panic!("list failed")
    };
    assert!(fresh.meta.requests >= 1);

    let team = first.items.keys()[0].clone();
    let get = || Request::Get {
        profile: "work".into(),
        resource: Resource::Teams,
        id: team.clone(),
        fresh: false,
    };
    let Reply::Ok(Response::Detail { page: a }) = c.call(get()).await else {
        panic!("detail failed")
    };
    let Reply::Ok(Response::Detail { page: b }) = other.call(get()).await else {
        panic!("detail failed")
    };
    assert_eq!(a.detail, b.detail);
    assert!(a.meta.requests >= 1);
    assert_eq!(b.meta.requests, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_profile_is_not_served_from_the_cache() {
    let r = InProc::start(&[], |o| o.config.daemon.cache_ttl = Duration::from_secs(600)).await;
    let mut c = r.logged_in().await;
    let list = Request::List {
        profile: "work".into(),
        query: ListQuery::new(Resource::Users),
        fresh: false,
    };
    assert!(matches!(c.call(list.clone()).await, Reply::Ok(Response::List { .. })));
    assert!(matches!(
        c.call(Request::Revoke { profile: "work".into() }).await,
        Reply::Ok(Response::Revoked { .. })
    ));
    // The cache is dropped on the revocation event; give its listener a
    // moment by waiting on the same event here.
    c.wait_event(|e| matches!(e, Event::Revoked { .. }).then_some(())).await;
    let mut answer = c.call(list.clone()).await;
    let deadline = tokio::time::Instant::now() + pdauth_tests::DEADLINE;
    while matches!(answer, Reply::Ok(_)) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        answer = c.call(list.clone()).await;
    }
    match answer {
        Reply::Error(e) => assert_eq!(e.code, pdauth_common::ErrorCode::NeedsLogin, "{e:?}"),
        other => panic!("a revoked profile's cache was served: {other:?}"),
    }
}
