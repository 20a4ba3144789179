//! Every list and detail endpoint: wrapped like PagerDuty, reference objects complete,
//! unknown ids answered with 404 code 2100, faults and counting applied to every route.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::rest::*;

#[tokio::test]
async fn lists_are_wrapped_and_details_match_them() {
    let api = Api::small().await;
    for (list, key, one, kind) in [
        ("/incidents", "incidents", "incident", "incident"),
        ("/services", "services", "service", "service"),
        ("/users", "users", "user", "user"),
        ("/schedules", "schedules", "schedule", "schedule"),
        (
            "/escalation_policies",
            "escalation_policies",
            "escalation_policy",
            "escalation_policy",
        ),
        ("/teams", "teams", "team", "team"),
    ] {
        let body = api.ok(list).await;
        let items = assert_envelope(&body, key);
        assert_eq!(
            (body["limit"].as_u64(), body["offset"].as_u64()),
            (Some(25), Some(0)),
            "{list}"
        );
        assert!(body["total"].is_null(), "total only on request: {list}");
        assert!(!items.is_empty(), "{list}");
        let first = &items[0];
        assert_eq!(first["type"], kind, "{list}");
        let id = field(first, "id");
        assert_eq!(first["self"], api.sim.url(&format!("{list}/{id}")), "{list}");
        assert!(field(first, "html_url").starts_with("https://acme-sandbox.pagerduty.com/"));
        let detail = api.ok(&format!("{list}/{id}")).await;
        assert_eq!(detail[one]["id"], id, "{list}");
        assert_eq!(detail[one]["type"], kind);
        api.missing(&format!("{list}/PNOSUCH")).await;
    }
}

#[tokio::test]
async fn incidents_carry_what_the_tui_shows() {
    let api = Api::small().await;
    let body = api.ok("/incidents?statuses[]=acknowledged&limit=100").await;
    let incident = &body["incidents"][0];
    for key in [
        "id",
        "title",
        "status",
        "urgency",
        "created_at",
        "last_status_change_at",
        "html_url",
    ] {
        assert!(incident[key].is_string(), "{key} in {incident}");
    }
    assert!(incident["incident_number"].is_u64());
    assert_reference(&incident["service"], "service_reference");
    assert_reference(&incident["escalation_policy"], "escalation_policy_reference");
    assert_reference(&incident["last_status_change_by"], "user_reference");
    assert_reference(&incident["first_trigger_log_entry"], "trigger_log_entry_reference");
    assert_reference(&incident["assignments"][0]["assignee"], "user_reference");
    assert_reference(&incident["acknowledgements"][0]["acknowledger"], "user_reference");
    assert!(incident["teams"].as_array().is_some());
    assert!(field(incident, "summary").starts_with(&format!("[#{}] ", incident["incident_number"])));
    let with_priority = body["incidents"]
        .as_array()
        .and_then(|list| list.iter().find(|i| !i["priority"].is_null()))
        .expect("a prioritised incident");
    assert_eq!(with_priority["priority"]["type"], "priority");
    assert!(field(&with_priority["priority"], "summary").starts_with('P'));
    let id = field(incident, "id");

    let entries = api.ok(&format!("/incidents/{id}/log_entries?total=true")).await;
    let list = assert_envelope(&entries, "log_entries");
    let types: Vec<&str> = list.iter().map(|e| field(e, "type")).collect();
    for kind in [
        "trigger_log_entry",
        "assign_log_entry",
        "notify_log_entry",
        "acknowledge_log_entry",
    ] {
        assert!(types.contains(&kind), "{kind} in {types:?}");
    }
    assert_eq!(types.last(), Some(&"trigger_log_entry"), "newest first");
    let created: Vec<&str> = list.iter().map(|e| field(e, "created_at")).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "{created:?}");
    for entry in list {
        assert!(
            entry["channel"]["type"].is_string() && entry["summary"].is_string(),
            "{entry}"
        );
        assert_reference(&entry["incident"], "incident_reference");
        assert!(entry.get("agent").is_some());
    }
    let first = api
        .ok(field(&incident["first_trigger_log_entry"], "self").trim_start_matches(api.sim.base_url()))
        .await;
    assert_eq!(first["log_entry"]["type"], "trigger_log_entry");
    let overview = api
        .ok(&format!("/incidents/{id}/log_entries?is_overview=true&total=true"))
        .await;
    assert!(
        overview["total"].as_u64() < entries["total"].as_u64(),
        "notifications are not in the overview"
    );

    let alerts = api.ok(&format!("/incidents/{id}/alerts?total=true")).await;
    let alert = &assert_envelope(&alerts, "alerts")[0];
    assert_eq!(alert["type"], "alert");
    assert_eq!(alert["status"], "triggered");
    assert!(["critical", "error", "warning", "info"].contains(&field(alert, "severity")));
    assert!(field(&alert["body"]["details"], "host").contains(".prod.internal"));
    let alert_id = field(alert, "id");
    assert_eq!(
        api.ok(&format!("/incidents/{id}/alerts/{alert_id}")).await["alert"]["id"],
        alert_id
    );
    api.missing(&format!("/incidents/{id}/alerts/QNOSUCHALERT00")).await;

    let with_notes = api
        .all("/incidents?date_range=all", "incidents")
        .await
        .into_iter()
        .find(|i| i["status"] == "resolved")
        .expect("a resolved incident");
    assert_eq!(
        with_notes["assignments"],
        json!([]),
        "resolved incidents are unassigned"
    );
    assert!(with_notes["resolved_at"].is_string());
    let notes = api.ok(&format!("/incidents/{}/notes", field(&with_notes, "id"))).await;
    assert!(
        notes["notes"].is_array() && notes.get("more").is_none(),
        "notes are not paginated"
    );
    for unknown in ["", "/log_entries", "/notes", "/alerts"] {
        api.missing(&format!("/incidents/QNOSUCHINCIDENT{unknown}")).await;
    }
    api.missing("/log_entries/RNOSUCHENTRY00").await;
}

#[tokio::test]
async fn users_services_policies_and_teams_carry_what_the_tui_shows() {
    let api = Api::small().await;
    let me = api.ok("/users/me").await["user"].clone();
    let id = field(&me, "id");
    let user = api.ok(&format!("/users/{id}")).await["user"].clone();
    assert_eq!(user, me, "/users/me is the seeded owner");
    assert_eq!(user["role"], "owner");
    for key in ["name", "email", "job_title", "time_zone"] {
        assert!(user[key].is_string(), "{key}");
    }
    assert_reference(&user["teams"][0], "team_reference");
    assert_reference(&user["contact_methods"][0], "email_contact_method_reference");
    let methods = api.ok(&format!("/users/{id}/contact_methods")).await;
    let methods = methods["contact_methods"].as_array().expect("list");
    assert_eq!(methods[0]["type"], "email_contact_method");
    assert_eq!(methods[0]["address"], user["email"]);
    let method_id = field(&methods[0], "id");
    assert_eq!(
        api.ok(&format!("/users/{id}/contact_methods/{method_id}")).await["contact_method"]["id"],
        method_id
    );
    api.missing(&format!("/users/{id}/contact_methods/PNOSUCH")).await;
    api.missing("/users/PNOSUCH/contact_methods").await;
    let all_users = api.all("/users?include[]=contact_methods", "users").await;
    let kinds: Vec<&str> = all_users
        .iter()
        .flat_map(|u| u["contact_methods"].as_array().into_iter().flatten())
        .map(|m| field(m, "type"))
        .collect();
    for kind in [
        "email_contact_method",
        "phone_contact_method",
        "sms_contact_method",
        "push_notification_contact_method",
    ] {
        assert!(kinds.contains(&kind), "{kind}");
    }

    let services = api.all("/services", "services").await;
    let mut statuses: Vec<&str> = services.iter().map(|s| field(s, "status")).collect();
    statuses.sort_unstable();
    statuses.dedup();
    assert_eq!(statuses, ["active", "critical", "disabled", "maintenance", "warning"]);
    for service in &services {
        assert_reference(&service["escalation_policy"], "escalation_policy_reference");
        assert!(service["description"].is_string() && service["teams"].is_array());
        assert!(field(service, "html_url").contains("/service-directory/"));
    }
    assert!(services.iter().any(|s| s["last_incident_timestamp"].is_string()));

    let policies = api.all("/escalation_policies", "escalation_policies").await;
    let targets: Vec<&str> = policies
        .iter()
        .flat_map(|p| p["escalation_rules"].as_array().into_iter().flatten())
        .flat_map(|r| {
            assert!(r["escalation_delay_in_minutes"].is_u64(), "{r}");
            r["targets"].as_array().into_iter().flatten()
        })
        .map(|t| field(t, "type"))
        .collect();
    assert!(targets.contains(&"user_reference") && targets.contains(&"schedule_reference"));
    assert!(
        policies
            .iter()
            .any(|p| p["escalation_rules"].as_array().is_some_and(|r| r.len() >= 3))
    );
    assert!(
        policies
            .iter()
            .all(|p| p["num_loops"].is_u64() && p["services"].is_array() && p["teams"].is_array())
    );

    let teams = api.all("/teams", "teams").await;
    assert_eq!(teams.len(), 8);
    let team_id = field(&teams[0], "id");
    let members = api.ok(&format!("/teams/{team_id}/members?total=true")).await;
    let list = assert_envelope(&members, "members");
    assert_eq!(list[0]["role"], "manager");
    assert_reference(&list[0]["user"], "user_reference");
    assert!(
        list.iter()
            .all(|m| ["manager", "responder", "observer"].contains(&field(m, "role")))
    );
    let full = api.ok(&format!("/teams/{team_id}/members?include[]=users")).await;
    assert_eq!(full["members"][0]["user"]["type"], "user");
    api.missing("/teams/PNOSUCH/members").await;

    let priorities = api.ok("/priorities").await;
    assert_eq!(assert_envelope(&priorities, "priorities").len(), 5);
}

#[tokio::test]
async fn every_route_needs_a_token_takes_faults_and_is_counted() {
    let api = Api::small().await;
    let incident = field(&api.ok("/incidents?limit=1").await["incidents"][0], "id").to_owned();
    let team = field(&api.ok("/teams?limit=1").await["teams"][0], "id").to_owned();
    let paths = [
        "/incidents".to_owned(),
        format!("/incidents/{incident}"),
        format!("/incidents/{incident}/log_entries"),
        format!("/incidents/{incident}/notes"),
        format!("/incidents/{incident}/alerts"),
        "/services".to_owned(),
        "/users".to_owned(),
        "/schedules".to_owned(),
        "/oncalls".to_owned(),
        "/escalation_policies".to_owned(),
        "/teams".to_owned(),
        format!("/teams/{team}/members"),
    ];
    for path in &paths {
        let response = http().get(api.sim.url(path)).send().await.expect("request");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
        let response = fault(&api.sim, "api", json!({"mode": "status", "status": 503})).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(api.get(path).await.0, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        fault(&api.sim, "api", json!({"mode": "html_401"})).await;
        let (status, body) = api.get(path).await;
        assert_eq!(
            (status, body),
            (StatusCode::UNAUTHORIZED, Value::Null),
            "{path}: HTML, not JSON"
        );
        fault(&api.sim, "api", json!({"mode": "429_no_headers"})).await;
        let response = http()
            .get(api.sim.url(path))
            .bearer_auth(&api.token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(!response.headers().contains_key("ratelimit-remaining"), "{path}");
        let response = http()
            .get(api.sim.url(path))
            .bearer_auth(&api.token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(response.headers().contains_key("ratelimit-remaining"), "{path}");
    }
    let counts = stats(&api.sim).await["api_requests_by_path"].clone();
    assert_eq!(counts["/incidents/{id}/log_entries"], 5);
    assert_eq!(counts["/teams/{id}/members"], 5);
    assert_eq!(counts["/oncalls"], 5);
    assert_eq!(counts["/incidents"], 6, "one more for finding an incident");
    let _ = api.get("/nothing/here").await;
    assert_eq!(stats(&api.sim).await["api_requests_by_path"]["(unmatched)"], 1);
}
