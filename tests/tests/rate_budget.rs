//! One profile's rate budget under load: several clients firing distinct
//! list requests concurrently, more in total than PagerDuty's 960 a minute,
//! never make the sandbox answer a 429: the daemon spreads the last
//! requests of the window and holds the rest until it resets (about a
//! minute), announcing the hold.

use pdauth_common::{Event, Reply, Request, Response};
use pdauth_tests::inproc::InProc;
use pdauth_tests::wire::WireClient;

const CLIENTS: usize = 8;
const PER_CLIENT: usize = 138;
/// Incidents of the seeded small account (every date).
const INCIDENTS: usize = 345;

#[tokio::test(flavor = "multi_thread")]
async fn many_concurrent_requests_never_meet_a_429() {
    let r = InProc::start(&[], |_| {}).await;
    let mut watcher = r.logged_in().await;
    let before = r.sim.stats().await["api_requests"].as_u64().unwrap();
    let mut tasks = Vec::new();
    for k in 0..CLIENTS {
        let socket = r.socket.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = WireClient::connect(&socket).await;
            for j in 0..PER_CLIENT {
                // Every request is a different page: no two alike.
                let n = k * PER_CLIENT + j;
                let query = vec![
                    ("date_range".to_string(), "all".to_string()),
                    ("offset".to_string(), (n % INCIDENTS).to_string()),
                    ("limit".to_string(), (1 + n / INCIDENTS).to_string()),
                ];
                let reply = c
                    .call(Request::Api {
                        profile: "work".into(),
                        path: "/incidents".into(),
                        query,
                        method: None,
                        body: None,
                        paginate: false,
                    })
                    .await;
                match reply {
                    Reply::Ok(Response::Api { status: 200, .. }) => {}
                    other => panic!("request {n}: {other:?}"),
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("client task");
    }
    let stats = r.sim.stats().await;
    let sent = stats["api_requests"].as_u64().unwrap() - before;
    assert_eq!(
        sent,
        (CLIENTS * PER_CLIENT) as u64,
        "each request reached the sandbox once"
    );
    assert_eq!(stats["rate_limited"], 0, "no request was refused for the rate limit");
    let held = watcher
        .wait_event(|e| match e {
            Event::Rate { profile, rate } if profile == "work" => Some(*rate),
            _ => None,
        })
        .await;
    assert_eq!(held.limit, Some(960));
    assert!(held.waiting_until.is_some(), "{held:?}");
}
