//! Query semantics: every filter narrows what it should, `include[]` expands references,
//! `sort_by` orders, and malformed parameters are 400s with PagerDuty's error body.

use std::collections::HashSet;

use serde_json::Value;

use crate::common::*;
use crate::rest::*;

fn all_match(items: &[Value], what: &str, check: impl Fn(&Value) -> bool) {
    assert!(!items.is_empty(), "{what}: nothing matched");
    for item in items {
        assert!(check(item), "{what}: {item}");
    }
}

fn has_ref(list: &Value, id: &str) -> bool {
    list.as_array().is_some_and(|l| l.iter().any(|r| r["id"] == id))
}

#[tokio::test]
async fn incident_filters_narrow_the_list() {
    let api = Api::small().await;
    let everything = api.all("/incidents?date_range=all", "incidents").await;
    let recent = api.all("/incidents", "incidents").await;
    assert_eq!(everything.len(), 345);
    assert_eq!(recent.len(), 300, "without a range, the last 30 days");

    for status in ["triggered", "acknowledged", "resolved"] {
        let found = api.all(&format!("/incidents?statuses[]={status}"), "incidents").await;
        all_match(&found, status, |i| i["status"] == status);
    }
    let open = api
        .all("/incidents?statuses[]=triggered&statuses[]=acknowledged", "incidents")
        .await;
    all_match(&open, "open", |i| i["status"] != "resolved");
    let open_ever = api
        .all(
            "/incidents?statuses[]=triggered&statuses[]=acknowledged&date_range=all",
            "incidents",
        )
        .await;
    assert_eq!(open_ever.len(), 15);
    assert_eq!(
        open.len(),
        14,
        "an incident acknowledged 35 days ago is outside the default range"
    );

    for urgency in ["high", "low"] {
        let found = api.all(&format!("/incidents?urgencies[]={urgency}"), "incidents").await;
        all_match(&found, urgency, |i| i["urgency"] == urgency);
    }

    let service = field(&open[0]["service"], "id").to_owned();
    let found = api
        .all(&format!("/incidents?service_ids[]={service}"), "incidents")
        .await;
    all_match(&found, "service_ids", |i| i["service"]["id"] == service.as_str());
    assert!(found.len() < recent.len());

    let team = field(&open[0]["teams"][0], "id").to_owned();
    let found = api.all(&format!("/incidents?team_ids[]={team}"), "incidents").await;
    all_match(&found, "team_ids", |i| has_ref(&i["teams"], &team));

    let me = api.me().await;
    let mine = api
        .all(&format!("/incidents?user_ids[]={me}&date_range=all"), "incidents")
        .await;
    all_match(&mine, "user_ids", |i| {
        i["assignments"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["assignee"]["id"] == me.as_str()))
    });

    let found = api.all("/incidents?query=DISK%20USAGE", "incidents").await;
    all_match(&found, "query", |i| {
        field(i, "title").to_lowercase().contains("disk usage")
    });
    assert!(api.all("/incidents?query=zzzz-nothing", "incidents").await.is_empty());

    let week_ago = field(&recent[recent.len() / 2], "created_at").to_owned();
    let since = api.all(&format!("/incidents?since={week_ago}"), "incidents").await;
    all_match(&since, "since", |i| field(i, "created_at") >= week_ago.as_str());
    let until = api
        .all(&format!("/incidents?until={week_ago}&date_range=all"), "incidents")
        .await;
    assert_eq!(until.len(), everything.len(), "date_range=all ignores since/until");
    let until = api.all(&format!("/incidents?until={week_ago}"), "incidents").await;
    all_match(&until, "until", |i| field(i, "created_at") < week_ago.as_str());
    assert!(until.len() < recent.len());
}

#[tokio::test]
async fn other_lists_filter_by_query_team_and_user() {
    let api = Api::small().await;
    let me = api.me().await;
    let users = api.all("/users", "users").await;
    assert_eq!(users.len(), 40);
    let names: Vec<String> = users.iter().map(|u| field(u, "name").to_lowercase()).collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "users are sorted by name");
    let found = api.all("/users?query=EXAMPLE.COM", "users").await;
    assert_eq!(found.len(), 40, "query matches e-mail addresses");
    let first = field(&users[0], "name")
        .split(' ')
        .next()
        .expect("a first name")
        .to_uppercase();
    let found = api.all(&format!("/users?query={first}"), "users").await;
    all_match(&found, "users query", |u| {
        field(u, "name").to_uppercase().contains(&first)
    });

    let teams = api.all("/teams", "teams").await;
    let team = field(&teams[0], "id").to_owned();
    for (path, key) in [
        ("/users", "users"),
        ("/services", "services"),
        ("/escalation_policies", "escalation_policies"),
    ] {
        let found = api.all(&format!("{path}?team_ids[]={team}"), key).await;
        all_match(&found, path, |x| has_ref(&x["teams"], &team));
    }
    let team_name = field(&teams[0], "name").to_owned();
    let found = api.all(&format!("/teams?query={}", &team_name[..3]), "teams").await;
    all_match(&found, "teams query", |t| {
        field(t, "name").to_lowercase().contains(&team_name[..3].to_lowercase())
    });

    let found = api.all("/services?query=api", "services").await;
    all_match(&found, "services query", |s| {
        field(s, "name").to_lowercase().contains("api")
    });
    let found = api.all("/schedules?query=primary", "schedules").await;
    all_match(&found, "schedules query", |s| field(s, "name").contains("Primary"));
    let found = api
        .all("/escalation_policies?query=escalation", "escalation_policies")
        .await;
    all_match(&found, "policies query", |p| field(p, "name").contains("Escalation"));

    let mine = api
        .all(&format!("/escalation_policies?user_ids[]={me}"), "escalation_policies")
        .await;
    let all_policies = api.all("/escalation_policies", "escalation_policies").await;
    assert!(
        !mine.is_empty() && mine.len() < all_policies.len(),
        "{} of {}",
        mine.len(),
        all_policies.len()
    );

    let names: Vec<String> = api
        .all("/services?sort_by=name:desc", "services")
        .await
        .iter()
        .map(|s| field(s, "name").to_lowercase())
        .collect();
    assert!(names.windows(2).all(|w| w[0] >= w[1]), "{names:?}");
}

#[tokio::test]
async fn include_expands_references() {
    let api = Api::small().await;
    let me = api.me().await;
    let user = api
        .ok(&format!("/users/{me}?include[]=contact_methods&include[]=teams"))
        .await["user"]
        .clone();
    assert_eq!(user["contact_methods"][0]["type"], "email_contact_method");
    assert!(user["contact_methods"][0]["address"].is_string());
    assert_eq!(user["teams"][0]["type"], "team");
    let plain = api.ok("/users/me").await;
    assert_eq!(
        plain["user"]["contact_methods"][0]["type"],
        "email_contact_method_reference"
    );

    let service = api
        .ok("/services?include[]=escalation_policies&include[]=teams&limit=1")
        .await["services"][0]
        .clone();
    assert_eq!(service["escalation_policy"]["type"], "escalation_policy");
    assert!(service["escalation_policy"]["escalation_rules"].is_array());

    let incident = api
        .ok("/incidents?statuses[]=acknowledged&include[]=services&include[]=assignees&include[]=first_trigger_log_entries&limit=1")
        .await["incidents"][0]
        .clone();
    assert_eq!(incident["service"]["type"], "service");
    assert_eq!(incident["assignments"][0]["assignee"]["type"], "user");
    assert_eq!(
        incident["acknowledgements"][0]["acknowledger"]["type"],
        "user_reference"
    );
    assert_eq!(incident["first_trigger_log_entry"]["type"], "trigger_log_entry");

    let policy = api
        .ok("/escalation_policies?include[]=targets&include[]=services&limit=1")
        .await["escalation_policies"][0]
        .clone();
    let target_types: HashSet<&str> = policy["escalation_rules"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["targets"].as_array().into_iter().flatten())
        .map(|t| field(t, "type"))
        .collect();
    assert!(
        target_types.iter().all(|t| *t == "user" || *t == "schedule"),
        "{target_types:?}"
    );

    let oncall = api
        .ok("/oncalls?include[]=users&include[]=escalation_policies&limit=1")
        .await["oncalls"][0]
        .clone();
    assert_eq!(oncall["user"]["type"], "user");
    assert_eq!(oncall["escalation_policy"]["type"], "escalation_policy");
}

#[tokio::test]
async fn incidents_sort_by_each_key() {
    let api = Api::small().await;
    let numbers = |items: &[Value]| {
        items
            .iter()
            .map(|i| i["incident_number"].as_u64().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    let default = api.all("/incidents", "incidents").await;
    let created: Vec<&str> = default.iter().map(|i| field(i, "created_at")).collect();
    assert!(created.windows(2).all(|w| w[0] <= w[1]), "oldest first by default");
    let asc = numbers(&api.all("/incidents?sort_by=incident_number", "incidents").await);
    assert!(asc.windows(2).all(|w| w[0] < w[1]));
    let desc = numbers(&api.all("/incidents?sort_by=incident_number:desc", "incidents").await);
    assert_eq!(desc, asc.iter().rev().copied().collect::<Vec<_>>());
    let newest = api.all("/incidents?sort_by=created_at:desc", "incidents").await;
    assert_eq!(newest.first().map(|i| &i["id"]), default.last().map(|i| &i["id"]));

    let by_resolution = api.all("/incidents?sort_by=resolved_at:asc", "incidents").await;
    let resolved: Vec<&Value> = by_resolution.iter().map(|i| &i["resolved_at"]).collect();
    let first_open = resolved.iter().position(|r| r.is_null()).expect("open incidents");
    assert!(resolved[first_open..].iter().all(|r| r.is_null()), "unresolved last");
    let times: Vec<&str> = resolved[..first_open].iter().filter_map(|r| r.as_str()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));

    let by_urgency = api
        .all("/incidents?sort_by=urgency:desc,created_at:desc", "incidents")
        .await;
    let split = by_urgency
        .iter()
        .position(|i| i["urgency"] == "low")
        .expect("low urgency");
    assert!(
        split > 0 && by_urgency[split..].iter().all(|i| i["urgency"] == "low"),
        "high first"
    );
    let high: Vec<&str> = by_urgency[..split].iter().map(|i| field(i, "created_at")).collect();
    assert!(high.windows(2).all(|w| w[0] >= w[1]), "then newest first");
}

#[tokio::test]
async fn malformed_parameters_are_pagerduty_400s() {
    let api = Api::small().await;
    for path in [
        "/incidents?statuses[]=open",
        "/incidents?statuses=triggered",
        "/incidents?statuses[0]=triggered",
        "/incidents?urgencies[]=urgent",
        "/incidents?since=yesterday",
        "/incidents?since=2024-05-01T00:00:00+02:00",
        "/incidents?since=2024-05-02T00:00:00Z&until=2024-05-01T00:00:00Z",
        "/incidents?since=2023-01-01T00:00:00Z&until=2024-01-01T00:00:00Z",
        "/incidents?date_range=week",
        "/incidents?sort_by=title",
        "/incidents?sort_by=created_at:up",
        "/incidents?sort_by=urgency,created_at,incident_number",
        "/incidents?include[]=everything",
        "/incidents?limit=0",
        "/incidents?limit=ten",
        "/incidents?offset=-1",
        "/incidents?limit=5&limit=6",
        "/incidents?total=yes",
        "/users?include[]=schedules",
        "/users?team_ids=PABCDEF",
        "/services?sort_by=status",
        "/oncalls?earliest=maybe",
        "/oncalls?since=2024-05-02T00:00:00Z&until=2024-05-01T00:00:00Z",
        "/escalation_policies?include[]=users",
    ] {
        api.invalid(path).await;
    }
    let recent = api.ok("/incidents?limit=1").await["incidents"][0]["created_at"].clone();
    let zulu = field(&serde_json::json!({"t": recent}), "t").to_owned();
    let offset = zulu.replace('Z', "%2B00:00");
    let fine = api
        .ok(&format!(
            "/incidents?since={offset}&unknown_parameter=1&limit=500&total=true"
        ))
        .await;
    assert_eq!(fine["limit"], 100, "a limit above 100 is capped, not refused");
    assert_eq!(
        api.ok(&format!("/incidents?since={zulu}&total=true")).await["total"],
        fine["total"]
    );
    let unknown = api.all("/incidents?service_ids[]=PNOSUCH", "incidents").await;
    assert!(unknown.is_empty(), "unknown ids match nothing");
}
