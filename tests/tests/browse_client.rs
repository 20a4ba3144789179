//! The daemon's typed PagerDuty client against the real sandbox: every list
//! and detail of the seeded account, filters, sorting, pages, every page to
//! the end, and PagerDuty's 10,000 offset cap on the large account reported
//! as truncated without ever sending the request PagerDuty would refuse.

use std::collections::BTreeSet;
use std::sync::Arc;

use pdauth_common::browse::{Detail, Items, ListPage, ListQuery, Page, Resource};
use pdauth_common::{ErrorCode, Reply, Request, Response, WireError};
use pdauth_daemon::service::Service;
use pdauth_tests::inproc::InProc;

async fn list(s: &Arc<Service>, query: ListQuery) -> ListPage {
    s.fetch_list("work", &query)
        .await
        .unwrap_or_else(|e| panic!("{query:?}: {e}"))
}

async fn all(s: &Arc<Service>, resource: Resource, edit: impl FnOnce(&mut ListQuery)) -> ListPage {
    let mut q = ListQuery::all(resource, 20_000);
    edit(&mut q);
    list(s, q).await
}

async fn refused(s: &Arc<Service>, query: ListQuery) -> WireError {
    s.fetch_list("work", &query).await.expect_err("refused")
}

fn api_requests(stats: &serde_json::Value) -> u64 {
    stats["api_requests"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_list_of_the_seeded_account_comes_whole() {
    let r = InProc::start(&[], |_| {}).await;
    let _c = r.logged_in().await;
    let s = r.service();
    for (resource, count) in [
        (Resource::Teams, 8),
        (Resource::Users, 40),
        (Resource::Services, 25),
        (Resource::EscalationPolicies, 12),
        (Resource::Schedules, 10),
        (Resource::Incidents, 300),
    ] {
        let page = all(s, resource, |_| {}).await;
        assert_eq!(page.items.len(), count, "{resource:?}");
        assert_eq!(page.items.resource(), resource);
        assert_eq!(page.total, Some(count as u64), "{resource:?}");
        assert!(!page.more && !page.truncated, "{resource:?}");
        assert_eq!(page.meta.requests, (count as u32).div_ceil(100), "{resource:?}");
        let keys: BTreeSet<String> = page.items.keys().into_iter().collect();
        assert_eq!(keys.len(), count, "{resource:?}: ids are unique and non-empty");
        assert!(!keys.contains(""));
        assert!(page.meta.fetched_at > 0 && page.meta.rate.limit == Some(960));
    }
    let every = all(s, Resource::Incidents, |q| q.filter.all_dates = true).await;
    assert_eq!(every.items.len(), 345);
    let Items::Incidents(incidents) = &every.items else {
        unreachable!()
    };
    assert!(
        incidents
            .iter()
            .all(|i| i.number > 0 && !i.title.is_empty() && i.created_at.is_some())
    );
    assert!(incidents.iter().any(|i| !i.assignees.is_empty()));
    let Items::Users(users) = all(s, Resource::Users, |_| {}).await.items else {
        unreachable!()
    };
    assert!(users.iter().all(|u| {
        u.contact_methods
            .iter()
            .any(|c| c.kind == "email" && c.address.contains('@'))
    }));
    let oncalls = all(s, Resource::Oncalls, |_| {}).await;
    assert!(!oncalls.items.is_empty());
    let Items::Oncalls(oncalls) = oncalls.items else {
        unreachable!()
    };
    assert!(oncalls.iter().all(|o| o.escalation_policy.is_some() && o.level >= 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_filters_and_sorting() {
    let r = InProc::start(&[], |_| {}).await;
    let _c = r.logged_in().await;
    let s = r.service();
    let mut q = ListQuery::new(Resource::Users);
    q.page = Page::Offset { offset: 0, limit: 10 };
    let first = list(s, q.clone()).await;
    assert_eq!((first.items.len(), first.more, first.total), (10, true, Some(40)));
    q.page = Page::Offset { offset: 30, limit: 25 };
    let last = list(s, q.clone()).await;
    assert_eq!((last.items.len(), last.more, last.offset), (10, false, 30));
    let capped = all(s, Resource::Users, |q| q.page = Page::All { max: 15 }).await;
    assert_eq!(capped.items.len(), 15);
    assert!(capped.truncated, "cut at the requested maximum");
    assert_eq!(capped.meta.requests, 1, "one page of just what was wanted");

    let open = all(s, Resource::Incidents, |q| {
        q.filter.statuses = vec!["triggered".into(), "acknowledged".into()];
        q.filter.all_dates = true;
    })
    .await;
    let Items::Incidents(open) = open.items else {
        unreachable!()
    };
    assert!(!open.is_empty());
    assert!(
        open.iter()
            .all(|i| i.status == "triggered" || i.status == "acknowledged")
    );
    let service = open[0].service.clone().expect("a service").id;
    let of_service = all(s, Resource::Incidents, |q| {
        q.filter.service_ids = vec![service.clone()];
        q.filter.urgencies = vec!["high".into()];
        q.filter.all_dates = true;
        q.sort = Some("created_at:desc".into());
    })
    .await;
    let Items::Incidents(of_service) = of_service.items else {
        unreachable!()
    };
    assert!(!of_service.is_empty());
    assert!(
        of_service
            .iter()
            .all(|i| i.service.as_ref().unwrap().id == service && i.urgency == "high")
    );
    assert!(
        of_service.windows(2).all(|w| w[0].created_at >= w[1].created_at),
        "newest first"
    );

    let Items::Teams(teams) = all(s, Resource::Teams, |_| {}).await.items else {
        unreachable!()
    };
    let team = &teams[0];
    let named = all(s, Resource::Teams, |q| q.filter.query = Some(team.name.clone())).await;
    assert!(named.items.keys().contains(&team.id));
    let Items::Users(members) = all(s, Resource::Users, |q| q.filter.team_ids = vec![team.id.clone()])
        .await
        .items
    else {
        unreachable!()
    };
    assert!(!members.is_empty() && members.len() < 40);
    assert!(members.iter().all(|u| u.teams.iter().any(|t| t.id == team.id)));

    let Items::Services(desc) = all(s, Resource::Services, |q| q.sort = Some("name:desc".into()))
        .await
        .items
    else {
        unreachable!()
    };
    let names: Vec<String> = desc.iter().map(|s| s.name.to_lowercase()).collect();
    assert!(names.windows(2).all(|w| w[0] >= w[1]), "{names:?}");

    let Items::Schedules(schedules) = all(s, Resource::Schedules, |_| {}).await.items else {
        unreachable!()
    };
    let on_schedule = all(s, Resource::Oncalls, |q| {
        q.filter.schedule_ids = vec![schedules[0].id.clone()]
    })
    .await;
    let Items::Oncalls(on_schedule) = on_schedule.items else {
        unreachable!()
    };
    assert!(
        on_schedule
            .iter()
            .all(|o| o.schedule.as_ref().unwrap().id == schedules[0].id)
    );

    // Refusals cost no request.
    let before = api_requests(&r.sim.stats().await);
    let mut bad = ListQuery::new(Resource::Teams);
    bad.filter.statuses = vec!["triggered".into()];
    assert_eq!(refused(s, bad).await.code, ErrorCode::InvalidRequest);
    let mut bad = ListQuery::new(Resource::Incidents);
    bad.filter.service_ids = vec!["../users".into()];
    assert_eq!(refused(s, bad).await.code, ErrorCode::InvalidRequest);
    let mut bad = ListQuery::new(Resource::Users);
    bad.page = Page::Offset { offset: 0, limit: 101 };
    assert_eq!(refused(s, bad).await.code, ErrorCode::InvalidRequest);
    assert_eq!(api_requests(&r.sim.stats().await), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_detail_of_the_seeded_account() {
    let r = InProc::start(&[], |_| {}).await;
    let _c = r.logged_in().await;
    let s = r.service();
    let detail = |resource, id: String| async move {
        s.fetch_detail("work", resource, &id)
            .await
            .unwrap_or_else(|e| panic!("{resource:?} {id}: {e}"))
            .detail
    };

    let Items::Incidents(incidents) = all(s, Resource::Incidents, |q| q.filter.all_dates = true).await.items else {
        unreachable!()
    };
    let resolved = incidents.iter().find(|i| i.status == "resolved").unwrap();
    let Detail::Incident {
        incident,
        log_entries,
        alerts,
        ..
    } = detail(Resource::Incidents, resolved.id.clone()).await
    else {
        unreachable!()
    };
    assert_eq!(incident.id, resolved.id);
    let kinds: BTreeSet<&str> = log_entries.iter().map(|e| e.kind.as_str()).collect();
    assert!(kinds.contains("trigger") && kinds.contains("resolve"), "{kinds:?}");
    assert!(!kinds.contains("notify"), "the overview leaves notifications out");
    assert!(kinds.iter().all(|k| !k.ends_with("_log_entry")));
    assert!(log_entries.windows(2).all(|w| w[0].at >= w[1].at), "newest first");
    assert!(!alerts.is_empty());
    let with_notes = incidents.iter().rev().take(60).map(|i| i.id.clone());
    let mut notes_seen = 0;
    for id in with_notes {
        if let Detail::Incident { notes, .. } = detail(Resource::Incidents, id).await {
            notes_seen += notes.len();
        }
    }
    assert!(notes_seen > 0, "some incidents have notes");

    let open = incidents.iter().find(|i| i.status == "triggered").unwrap();
    let svc = open.service.clone().unwrap().id;
    let Detail::Service {
        service,
        open_incidents,
    } = detail(Resource::Services, svc.clone()).await
    else {
        unreachable!()
    };
    assert_eq!(service.id, svc);
    assert!(open_incidents.iter().any(|i| i.id == open.id));
    assert!(open_incidents.iter().all(|i| i.status != "resolved"));

    let Items::Users(users) = all(s, Resource::Users, |_| {}).await.items else {
        unreachable!()
    };
    let mut oncall_users = 0;
    for u in &users {
        let Detail::User { user, oncalls } = detail(Resource::Users, u.id.clone()).await else {
            unreachable!()
        };
        assert_eq!(user.id, u.id);
        assert!(user.contact_methods.iter().any(|c| c.kind == "email"));
        assert!(oncalls.iter().all(|o| o.user.as_ref().unwrap().id == u.id));
        oncall_users += usize::from(!oncalls.is_empty());
    }
    assert!(oncall_users > 0);

    let Items::Schedules(schedules) = all(s, Resource::Schedules, |_| {}).await.items else {
        unreachable!()
    };
    let mut gappy = 0;
    for sch in &schedules {
        let Detail::Schedule {
            schedule,
            since,
            until,
            entries,
            coverage_percent,
        } = detail(Resource::Schedules, sch.id.clone()).await
        else {
            unreachable!()
        };
        assert_eq!(schedule.id, sch.id);
        assert_eq!(until - since, 7 * 24 * 3600);
        assert_eq!(entries.first().unwrap().start, since);
        assert_eq!(entries.last().unwrap().end, until);
        assert!(
            entries.windows(2).all(|w| w[0].end == w[1].start),
            "entries tile the range"
        );
        let coverage = coverage_percent.unwrap();
        assert!((0.0..=100.0).contains(&coverage));
        if entries.iter().any(|e| e.user.is_none()) {
            gappy += 1;
            assert!(coverage < 100.0);
        }
    }
    assert!(gappy > 0, "business-hours and follow-the-sun schedules have gaps");

    let Items::EscalationPolicies(policies) = all(s, Resource::EscalationPolicies, |_| {}).await.items else {
        unreachable!()
    };
    let Detail::EscalationPolicy { policy, oncalls } =
        detail(Resource::EscalationPolicies, policies[0].id.clone()).await
    else {
        unreachable!()
    };
    assert!(policy.rules.len() >= 2 && policy.rules.iter().all(|r| !r.targets.is_empty()));
    assert!(!oncalls.is_empty());
    assert!(
        oncalls
            .iter()
            .all(|o| o.escalation_policy.as_ref().unwrap().id == policy.id)
    );

    let Items::Teams(teams) = all(s, Resource::Teams, |_| {}).await.items else {
        unreachable!()
    };
    let Detail::Team {
        team,
        members,
        services,
    } = detail(Resource::Teams, teams[0].id.clone()).await
    else {
        unreachable!()
    };
    assert_eq!(team.id, teams[0].id);
    assert!(members.iter().any(|m| m.role == "manager") && members.iter().all(|m| !m.user.summary.is_empty()));
    assert!(services.iter().all(|svc| svc.teams.iter().any(|t| t.id == team.id)));

    for (resource, id, code) in [
        (Resource::Users, "PNOSUCH", ErrorCode::NotFound),
        (Resource::Users, "../users/me", ErrorCode::InvalidRequest),
        (Resource::Incidents, "P1?x=1", ErrorCode::InvalidRequest),
        (Resource::Oncalls, "P1", ErrorCode::InvalidRequest),
    ] {
        let e = s.fetch_detail("work", resource, id).await.expect_err(id);
        assert_eq!(e.code, code, "{id}: {e}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_offset_cap_is_reported_as_truncated_without_a_400() {
    let r = InProc::start(&["--scale", "large"], |_| {}).await;
    let mut c = r.logged_in().await;
    let s = r.service();
    let before = r.sim.stats().await["api_requests_by_path"]["/incidents"]
        .as_u64()
        .unwrap_or(0);
    let every = all(s, Resource::Incidents, |q| q.filter.all_dates = true).await;
    assert_eq!(every.items.len(), 10_000);
    assert!(every.truncated && !every.more);
    assert_eq!(every.meta.requests, 100, "the request past the cap was never sent");
    let after = r.sim.stats().await["api_requests_by_path"]["/incidents"]
        .as_u64()
        .unwrap();
    assert_eq!(after - before, 100);

    let mut q = ListQuery::new(Resource::Incidents);
    q.filter.all_dates = true;
    q.page = Page::Offset {
        offset: 9_950,
        limit: 100,
    };
    let tail = list(s, q.clone()).await;
    assert_eq!(tail.items.len(), 50, "the page is cut to what PagerDuty serves");
    assert!(tail.truncated);
    q.page = Page::Offset {
        offset: 10_000,
        limit: 1,
    };
    assert_eq!(refused(s, q).await.code, ErrorCode::InvalidRequest);

    // The raw call with --paginate stops at the cap the same way.
    let reply = c
        .call(Request::Api {
            profile: "work".into(),
            path: "/incidents".into(),
            query: vec![("date_range".into(), "all".into())],
            method: None,
            body: None,
            paginate: true,
        })
        .await;
    let Reply::Ok(Response::Api {
        status,
        body,
        pages,
        truncated,
    }) = reply
    else {
        panic!("{reply:?}")
    };
    assert_eq!((status, pages, truncated), (200, 100, true));
    assert_eq!(body["incidents"].as_array().unwrap().len(), 10_000);
    assert_eq!(body["more"], true);
    assert_eq!(body["offset"], 0);

    // Newest first (as the incidents screen asks), the cut loses the old end.
    let resolved = all(s, Resource::Incidents, |q| {
        q.filter.all_dates = true;
        q.filter.statuses = vec!["resolved".into()];
        q.sort = Some("created_at:desc".into());
    })
    .await;
    assert!(resolved.truncated);
    let Items::Incidents(resolved) = resolved.items else {
        panic!("incidents")
    };
    let created: Vec<i64> = resolved.iter().map(|i| i.created_at.unwrap()).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let Items::Incidents(oldest_first) = every.items else {
        panic!("incidents")
    };
    let newest_of_all = oldest_first.iter().filter_map(|i| i.created_at).max().unwrap();
    assert!(
        created[0] > newest_of_all,
        "the newest resolved incidents are past the oldest-first cut"
    );
}
