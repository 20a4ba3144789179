//! The incident hooks: creating, acknowledging, noting, reassigning and resolving show up
//! in lists, details, log entries and service statuses as a polling client sees them.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::rest::*;

async fn newest(api: &Api) -> Value {
    api.ok("/incidents?sort_by=created_at:desc&limit=1").await["incidents"][0].clone()
}

async fn service_status(api: &Api, id: &str) -> String {
    field(&api.ok(&format!("/services/{id}")).await["service"], "status").to_owned()
}

#[tokio::test]
async fn an_incident_lives_through_the_hooks() {
    let api = Api::small().await;
    let quiet = api
        .all("/services", "services")
        .await
        .into_iter()
        .find(|s| s["status"] == "active")
        .expect("an active service");
    let service = field(&quiet, "id").to_owned();
    let me = api.me().await;
    api.sim.clock().advance(Duration::from_secs(60));

    let (status, created) = api
        .hook(
            "/_sim/incidents",
            json!({"service_id": service, "title": "Queue depth \u{1b}[5m high", "urgency": "low"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let incident = &created["incident"];
    let id = field(incident, "id").to_owned();
    assert_eq!(
        (incident["status"].as_str(), incident["urgency"].as_str()),
        (Some("triggered"), Some("low"))
    );
    assert_eq!(incident["service"]["id"], service.as_str());
    assert_eq!(
        newest(&api).await["id"],
        id.as_str(),
        "the list shows it first by created_at:desc"
    );
    assert_eq!(api.ok(&format!("/incidents/{id}")).await["incident"], *incident);
    assert_eq!(service_status(&api, &service).await, "critical");
    assert_ne!(
        quiet["last_incident_timestamp"],
        api.ok(&format!("/services/{service}")).await["service"]["last_incident_timestamp"],
        "last_incident_timestamp moved"
    );
    let changed_at = |v: &Value| field(v, "last_status_change_at").to_owned();
    let created_change = changed_at(incident);

    api.sim.clock().advance(Duration::from_secs(60));
    let (status, acked) = api.hook(&format!("/_sim/incidents/{id}/acknowledge"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{acked}");
    assert_eq!(acked["incident"]["status"], "acknowledged");
    assert!(changed_at(&acked["incident"]) > created_change);
    let listed = api
        .ok("/incidents?statuses[]=acknowledged&sort_by=created_at:desc&limit=1")
        .await;
    assert_eq!(listed["incidents"][0]["id"], id.as_str());
    assert_eq!(
        listed["incidents"][0]["last_status_change_at"],
        acked["incident"]["last_status_change_at"]
    );
    assert_eq!(service_status(&api, &service).await, "warning");

    api.sim.clock().advance(Duration::from_secs(60));
    let (status, noted) = api
        .hook(
            &format!("/_sim/incidents/{id}/note"),
            json!({"content": "Drained the queue.", "user_id": me}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{noted}");
    assert!(changed_at(&noted["incident"]) > changed_at(&acked["incident"]));
    let notes = api.ok(&format!("/incidents/{id}/notes")).await;
    assert_eq!(notes["notes"][0]["content"], "Drained the queue.");
    assert_eq!(notes["notes"][0]["user"]["id"], me.as_str());

    api.sim.clock().advance(Duration::from_secs(60));
    let other = api
        .all("/users", "users")
        .await
        .into_iter()
        .find(|u| u["id"] != me.as_str() && u["role"] == "user")
        .expect("a responder");
    let other = field(&other, "id").to_owned();
    let (status, moved) = api
        .hook(&format!("/_sim/incidents/{id}/reassign"), json!({"user_id": other}))
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(
        moved["incident"]["status"], "triggered",
        "reassigning drops the acknowledgement"
    );
    assert_eq!(moved["incident"]["assignments"][0]["assignee"]["id"], other.as_str());
    let theirs = api.all(&format!("/incidents?user_ids[]={other}"), "incidents").await;
    assert!(theirs.iter().any(|i| i["id"] == id.as_str()));

    api.sim.clock().advance(Duration::from_secs(60));
    let (status, resolved) = api
        .hook(&format!("/_sim/incidents/{id}/resolve"), json!({"user_id": other}))
        .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    let incident = &resolved["incident"];
    assert_eq!(incident["status"], "resolved");
    assert_eq!(incident["assignments"], json!([]));
    assert_eq!(incident["resolved_at"], incident["last_status_change_at"]);
    assert_eq!(incident["last_status_change_by"]["id"], other.as_str());
    assert_eq!(service_status(&api, &service).await, "active");

    let entries = api.all(&format!("/incidents/{id}/log_entries"), "log_entries").await;
    let types: Vec<&str> = entries.iter().rev().map(|e| field(e, "type")).collect();
    for kind in [
        "trigger_log_entry",
        "acknowledge_log_entry",
        "annotate_log_entry",
        "assign_log_entry",
        "resolve_log_entry",
    ] {
        assert!(types.contains(&kind), "{kind} in {types:?}");
    }
    assert_eq!(types.first(), Some(&"trigger_log_entry"));
    assert_eq!(types.last(), Some(&"resolve_log_entry"));
    let resolve = &entries[0];
    assert_eq!(resolve["agent"]["id"], other.as_str());
    let again = api.ok(&format!("/log_entries/{}", field(resolve, "id"))).await;
    assert_eq!(again["log_entry"], *resolve);
}

#[tokio::test]
async fn incident_hooks_refuse_what_cannot_happen() {
    let api = Api::small().await;
    let services = api.all("/services", "services").await;
    let by_status =
        |status: &str| field(services.iter().find(|s| s["status"] == status).expect(status), "id").to_owned();
    let active = by_status("active");
    for (body, why) in [
        (json!({"service_id": by_status("disabled"), "title": "x"}), "disabled"),
        (
            json!({"service_id": by_status("maintenance"), "title": "x"}),
            "maintenance",
        ),
        (json!({"service_id": "PNOSUCH", "title": "x"}), "unknown service"),
        (json!({"service_id": active, "title": "  "}), "blank title"),
        (json!({"service_id": active, "title": "x".repeat(1025)}), "long title"),
        (
            json!({"service_id": active, "title": "x", "urgency": "urgent"}),
            "urgency",
        ),
        (
            json!({"service_id": active, "title": "x", "colour": "red"}),
            "unknown field",
        ),
        (json!({"title": "x"}), "no service"),
    ] {
        let (status, body) = api.hook("/_sim/incidents", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
        assert!(body["error"].is_string(), "{why}");
    }
    let resolved = api.ok("/incidents?statuses[]=resolved&limit=1").await["incidents"][0]["id"].clone();
    let resolved = resolved.as_str().expect("id");
    for action in ["acknowledge", "resolve"] {
        let (status, _) = api
            .hook(&format!("/_sim/incidents/{resolved}/{action}"), json!({}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{action} a resolved incident");
    }
    let (status, _) = api.hook("/_sim/incidents/QNOSUCH/acknowledge", json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let open = api.ok("/incidents?statuses[]=triggered&limit=1").await["incidents"][0]["id"].clone();
    let open = open.as_str().expect("id");
    let (status, _) = api.hook(&format!("/_sim/incidents/{open}/reassign"), json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "reassign needs a user");
    let (status, _) = api
        .hook(
            &format!("/_sim/incidents/{open}/reassign"),
            json!({"user_id": "PNOSUCH"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = api
        .hook(&format!("/_sim/incidents/{open}/note"), json!({"content": ""}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let stats = stats(&api.sim).await;
    assert_eq!(
        stats["api_requests_by_path"]["/_sim/incidents"],
        Value::Null,
        "hooks are not API requests"
    );
}
