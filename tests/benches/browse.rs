//! Browsing benchmark against the large sandbox account (13,800 incidents):
//! fetching every incident PagerDuty lets a client page to (the 10,000
//! offset cap) through the daemon, with the time and the requests it took,
//! and the round trip of a cached list request over the socket (p50/p99),
//! for a one-page list and for the 10,000-incident list.
//!
//! Run: `cargo build --release && cargo bench -p pdauth-tests --bench browse`

use std::time::{Duration, Instant};

use pdauth_common::browse::{Filter, ListQuery, Page, Resource};
use pdauth_common::{Reply, Request, Response};
use pdauth_tests::inproc::InProc;
use pdauth_tests::wire::WireClient;

fn all_incidents() -> ListQuery {
    ListQuery {
        resource: Resource::Incidents,
        filter: Filter {
            all_dates: true,
            ..Default::default()
        },
        sort: None,
        page: Page::All { max: 10_000 },
    }
}

async fn list(c: &mut WireClient, query: &ListQuery, fresh: bool) -> pdauth_common::browse::ListPage {
    match c
        .call(Request::List {
            profile: "work".into(),
            query: query.clone(),
            fresh,
        })
        .await
    {
        Reply::Ok(Response::List { page }) => page,
        other => panic!("list failed: {other:?}"),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn round_trips(c: &mut WireClient, query: &ListQuery, n: usize) -> (Duration, Duration) {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        let page = list(c, query, false).await;
        times.push(start.elapsed());
        assert_eq!(page.meta.requests, 0, "served from the cache");
    }
    times.sort();
    (percentile(&times, 0.5), percentile(&times, 0.99))
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let r = InProc::start(&["--scale", "large"], |o| {
        o.config.daemon.cache_ttl = Duration::from_secs(3600);
    })
    .await;
    let mut c = r.logged_in().await;
    let before = r.sim.stats().await["api_requests"].as_u64().unwrap_or(0);

    let query = all_incidents();
    let start = Instant::now();
    let page = list(&mut c, &query, true).await;
    let took = start.elapsed();
    let sent = r.sim.stats().await["api_requests"].as_u64().unwrap_or(0) - before;
    println!(
        "fetch all incidents: {} items (truncated: {}) in {:.2?}, {} requests ({} counted by the sandbox), waited {} ms",
        page.items.len(),
        page.truncated,
        took,
        page.meta.requests,
        sent,
        page.meta.waited_ms
    );

    let one_page = ListQuery::new(Resource::Incidents);
    list(&mut c, &one_page, false).await;
    let (p50, p99) = round_trips(&mut c, &one_page, 2_000).await;
    println!("cached list round trip (25 incidents): p50 {p50:.2?}, p99 {p99:.2?} over 2000 requests");
    let (p50, p99) = round_trips(&mut c, &query, 50).await;
    println!("cached list round trip (10,000 incidents): p50 {p50:.2?}, p99 {p99:.2?} over 50 requests");
}
