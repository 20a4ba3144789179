//! The daemon's request path when PagerDuty misbehaves, against the real
//! sandbox: 429s with and without rate headers waited out and retried (and
//! announced), 5xx retried for GETs, writes sent as asked, a 401 (JSON or HTML) answered by
//! one refresh and one retry, a 401 that survives the refresh, a 403
//! that is a missing permission, never a login matter, and a detail whose
//! related list PagerDuty refuses shown without it.

use pdauth_common::browse::{Detail, Items, ListQuery, Part, Resource};
use pdauth_common::{ErrorCode, Event, Reply, Request, Response, TokenState};
use pdauth_tests::inproc::InProc;
use serde_json::{Value, json};

async fn fault(r: &InProc, body: Value) {
    r.sim.post("/_sim/faults/api", body).await;
}

async fn stat(r: &InProc, key: &str) -> u64 {
    r.sim.stats().await[key].as_u64().unwrap_or(0)
}

async fn refreshes(r: &InProc) -> u64 {
    r.sim.stats().await["token_requests"]["refresh_token"].as_u64().unwrap()
}

fn teams() -> ListQuery {
    ListQuery::new(Resource::Teams)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_with_headers_is_waited_out_announced_and_retried() {
    let r = InProc::start(&["--rate-limit", "5"], |_| {}).await;
    let mut c = r.logged_in().await;
    let token = match c.call(Request::Token { profile: "work".into() }).await {
        Reply::Ok(Response::Token { access_token, .. }) => access_token,
        other => panic!("{other:?}"),
    };
    // A fresh window, spent by someone else holding the same token, a few
    // seconds before it ends.
    r.sim.post("/_sim/clock/advance", json!({"seconds": 61})).await;
    for _ in 0..6 {
        r.sim.users_me(&token).await;
    }
    r.sim.post("/_sim/clock/advance", json!({"seconds": 56})).await;
    let limited_before = stat(&r, "rate_limited").await;
    let page = r
        .service()
        .fetch_list("work", &teams())
        .await
        .expect("answered after the wait");
    assert_eq!(page.items.len(), 8);
    assert!(page.meta.requests >= 2, "{:?}", page.meta);
    assert!(page.meta.waited_ms > 0, "{:?}", page.meta);
    assert!(stat(&r, "rate_limited").await > limited_before);
    let rate = c
        .wait_event(|e| match e {
            Event::Rate { profile, rate } if profile == "work" => Some(*rate),
            _ => None,
        })
        .await;
    assert!(rate.waiting_until.is_some() && rate.limit == Some(5), "{rate:?}");
    let status = match c.call(Request::Status).await {
        Reply::Ok(Response::Status { profiles, .. }) => profiles.into_iter().next().unwrap(),
        other => panic!("{other:?}"),
    };
    assert_eq!(status.state, TokenState::Valid, "a 429 is not an auth failure");
    assert_eq!(refreshes(&r).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_without_headers_backs_off_and_retries() {
    let r = InProc::start(&[], |_| {}).await;
    let mut c = r.logged_in().await;
    fault(&r, json!({"mode": "429_no_headers", "times": 2})).await;
    let page = r
        .service()
        .fetch_list("work", &teams())
        .await
        .expect("answered after backing off");
    assert_eq!(page.items.len(), 8);
    assert_eq!(page.meta.requests, 3);
    // Two backoffs of at least 1.5 s and 3 s (2 s and 4 s less jitter).
    assert!(page.meta.waited_ms >= 4_500, "{:?}", page.meta);
    c.wait_event(|e| matches!(e, Event::Rate { .. }).then_some(())).await;
    assert_eq!(refreshes(&r).await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_are_retried_for_gets_and_writes_go_out_as_asked() {
    let r = InProc::start(&[], |_| {}).await;
    let mut c = r.logged_in().await;
    fault(&r, json!({"mode": "status", "status": 503, "times": 2})).await;
    let page = r
        .service()
        .fetch_list("work", &teams())
        .await
        .expect("answered after retries");
    assert_eq!(page.meta.requests, 3);

    fault(&r, json!({"mode": "status", "status": 502, "times": 4})).await;
    let e = r.service().fetch_list("work", &teams()).await.expect_err("gives up");
    assert_eq!(e.code, ErrorCode::Upstream);
    assert!(e.message.contains("502"), "{e}");
    r.sim.post("/_sim/faults/clear", json!({})).await;

    // A write goes out as asked and PagerDuty's refusal comes back as its
    // answer (the sandbox serves no writes: 405).
    let reply = c
        .call(Request::Api {
            profile: "work".into(),
            path: "/incidents".into(),
            query: vec![],
            method: Some("post".into()),
            body: Some(json!({"incident": {"type": "incident", "title": "x"}})),
            paginate: false,
        })
        .await;
    let Reply::Ok(Response::Api {
        status, body, pages, ..
    }) = reply
    else {
        panic!("{reply:?}")
    };
    assert_eq!((status, pages), (405, 1), "{body}");
    assert_eq!(body["error"]["code"], 2001);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_json_or_html_is_answered_by_one_refresh_and_one_retry() {
    let r = InProc::start(&[], |_| {}).await;
    let _c = r.logged_in().await;
    fault(&r, json!({"mode": "html_401"})).await;
    let page = r
        .service()
        .fetch_list("work", &teams())
        .await
        .expect("answered after the refresh");
    assert_eq!((page.items.len(), page.meta.requests), (8, 2));
    assert_eq!(refreshes(&r).await, 1);

    let team = first_team(&r).await;
    fault(
        &r,
        json!({"mode": "status", "status": 401, "error": "Authentication failed"}),
    )
    .await;
    let detail = r.service().fetch_detail("work", Resource::Teams, &team).await;
    assert!(detail.is_ok(), "{detail:?}");
    assert_eq!(refreshes(&r).await, 2);

    // Still rejected with the fresh token: only a login helps.
    fault(&r, json!({"mode": "html_401", "times": 2})).await;
    let e = r
        .service()
        .fetch_list("work", &teams())
        .await
        .expect_err("needs a login");
    assert_eq!(e.code, ErrorCode::NeedsLogin);
    assert!(e.message.contains("pdauth login work"), "{e}");
    assert_eq!(refreshes(&r).await, 3);
    assert_eq!(r.service().status("work").unwrap().state, TokenState::NeedsLogin);
}

async fn first_team(r: &InProc) -> String {
    r.service().fetch_list("work", &teams()).await.unwrap().items.keys()[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_403_is_a_missing_permission_not_a_login_matter() {
    let r = InProc::start(&[], |_| {}).await;
    let _c = r.logged_in().await;
    fault(&r, json!({"mode": "status", "status": 403, "error": "Access Denied"})).await;
    let e = r.service().fetch_list("work", &teams()).await.expect_err("forbidden");
    assert_eq!(e.code, ErrorCode::Forbidden);
    assert!(
        e.message.contains("Access Denied") && e.message.contains("scope"),
        "{e}"
    );
    // The token has `read`: a new login would not help, an admin might.
    assert!(
        e.message.contains("ask an account admin") && !e.message.contains("log in"),
        "{e}"
    );
    assert_eq!(refreshes(&r).await, 0);
    assert_eq!(r.service().status("work").unwrap().state, TokenState::Valid);

    fault(&r, json!({"mode": "delay", "delay_ms": 200})).await;
    let slow = r
        .service()
        .fetch_list("work", &teams())
        .await
        .expect("a slow answer is still an answer");
    assert_eq!(slow.meta.requests, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_related_list_pagerduty_refuses_leaves_the_rest_of_the_detail() {
    let r = InProc::start(&[], |_| {}).await;
    let _c = r.logged_in().await;
    let open = r
        .service()
        .fetch_list("work", &ListQuery::new(Resource::Incidents))
        .await
        .unwrap();
    let Items::Incidents(incidents) = open.items else {
        panic!("not incidents")
    };
    let id = incidents[0].id.clone();
    let alerts = format!("/incidents/{id}/alerts");
    fault(
        &r,
        json!({"mode": "status", "status": 403, "error": "Access Denied", "path": alerts}),
    )
    .await;
    let page = r
        .service()
        .fetch_detail("work", Resource::Incidents, &id)
        .await
        .expect("the incident without its alerts");
    let Detail::Incident {
        incident,
        log_entries,
        alerts,
        ..
    } = &page.detail
    else {
        panic!("{page:?}")
    };
    assert_eq!(incident.id, id);
    assert!(!log_entries.is_empty(), "the timeline is there");
    assert!(alerts.is_empty());
    let [unread] = page.unread.as_slice() else {
        panic!("{:?}", page.unread)
    };
    assert_eq!((unread.part, unread.code), (Part::Alerts, ErrorCode::Forbidden));
    assert!(unread.message.contains("Access Denied"), "{}", unread.message);
    assert_eq!(r.service().status("work").unwrap().state, TokenState::Valid);

    // The object itself refused: no detail at all.
    fault(
        &r,
        json!({"mode": "status", "status": 403, "path": format!("/incidents/{id}")}),
    )
    .await;
    let e = r
        .service()
        .fetch_detail("work", Resource::Incidents, &id)
        .await
        .expect_err("no incident");
    assert_eq!(e.code, ErrorCode::Forbidden);

    // A team whose members PagerDuty will not list.
    let team = first_team(&r).await;
    fault(
        &r,
        json!({"mode": "status", "status": 404, "path": format!("/teams/{team}/members")}),
    )
    .await;
    let page = r
        .service()
        .fetch_detail("work", Resource::Teams, &team)
        .await
        .expect("the team without its members");
    let Detail::Team { members, services, .. } = &page.detail else {
        panic!("{page:?}")
    };
    assert!(members.is_empty() && !services.is_empty(), "{page:?}");
    assert_eq!(
        page.unread.iter().map(|u| (u.part, u.code)).collect::<Vec<_>>(),
        vec![(Part::Members, ErrorCode::NotFound)]
    );
}
