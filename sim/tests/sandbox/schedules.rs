//! Schedules rendered over a range (gaps as entries without a user, layers, overrides,
//! overflow) and on-calls derived from policies and schedules (`earliest`, filters).

use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::common::*;
use crate::rest::*;

fn instant(value: &Value) -> i64 {
    let text = value.as_str().unwrap_or_else(|| panic!("a time, not {value}"));
    OffsetDateTime::parse(text, &Rfc3339)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .unix_timestamp()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn utc(at: i64) -> String {
    OffsetDateTime::from_unix_timestamp(at)
        .expect("time")
        .format(&Rfc3339)
        .expect("format")
}

async fn schedule_named(api: &Api, name: &str) -> String {
    let found = api.ok(&format!("/schedules?query={}", name.replace(' ', "%20"))).await;
    field(&found["schedules"][0], "id").to_owned()
}

/// The final schedule's entries, checked to tile `[since, until)` without holes.
fn tiled(schedule: &Value, since: i64, until: i64) -> Vec<Value> {
    let entries = schedule["final_schedule"]["rendered_schedule_entries"]
        .as_array()
        .expect("final entries")
        .clone();
    assert_eq!(entries.first().map(|e| instant(&e["start"])), Some(since));
    assert_eq!(entries.last().map(|e| instant(&e["end"])), Some(until));
    for pair in entries.windows(2) {
        assert_eq!(instant(&pair[0]["end"]), instant(&pair[1]["start"]), "contiguous");
        assert_ne!(pair[0]["user"], pair[1]["user"], "neighbours are merged");
    }
    entries
}

#[tokio::test]
async fn final_schedules_show_gaps_as_entries_without_a_user() {
    let api = Api::small().await;
    let since = now() - now() % 3600;
    let until = since + 7 * 86_400;
    let range = format!("since={}&until={}", utc(since), utc(until));

    let id = schedule_named(&api, "Business Hours").await;
    let body = api.ok(&format!("/schedules/{id}?{range}")).await;
    let schedule = &body["schedule"];
    let entries = tiled(schedule, since, until);
    let gaps: Vec<&Value> = entries.iter().filter(|e| e["user"].is_null()).collect();
    assert!(gaps.len() >= 5, "nights and the weekend are uncovered: {}", gaps.len());
    for entry in entries.iter().filter(|e| !e["user"].is_null()) {
        assert_reference(&entry["user"], "user_reference");
    }
    let coverage = schedule["final_schedule"]["rendered_coverage_percentage"]
        .as_f64()
        .expect("coverage");
    assert!(coverage > 20.0 && coverage < 40.0, "{coverage}");
    let layer = &schedule["schedule_layers"][0];
    assert_eq!(layer["rotation_turn_length_seconds"], 604_800);
    assert_eq!(layer["restrictions"].as_array().map(Vec::len), Some(5));
    assert_eq!(layer["restrictions"][0]["type"], "weekly_restriction");
    assert!(
        layer["rendered_schedule_entries"]
            .as_array()
            .is_some_and(|e| e.iter().all(|x| x["user"].is_object()))
    );
    assert!(schedule["overrides_subschedule"]["rendered_schedule_entries"].is_array());
    assert!(schedule["time_zone"].is_string());
    assert!(schedule["users"].as_array().is_some_and(|u| !u.is_empty()));
    assert_reference(&schedule["escalation_policies"][0], "escalation_policy_reference");

    let id = schedule_named(&api, "Primary").await;
    let body = api.ok(&format!("/schedules/{id}?{range}")).await;
    let entries = tiled(&body["schedule"], since, until);
    assert!(
        entries.iter().all(|e| e["user"].is_object()),
        "a weekly rotation covers everything"
    );
    assert_eq!(
        body["schedule"]["final_schedule"]["rendered_coverage_percentage"],
        100.0
    );

    let id = schedule_named(&api, "Legacy Rotation").await;
    let body = api.ok(&format!("/schedules/{id}?{range}")).await;
    let entries = tiled(&body["schedule"], since, until);
    assert!(
        entries.last().is_some_and(|e| e["user"].is_null()),
        "the retired layer leaves a gap"
    );
    assert!(body["schedule"]["schedule_layers"][0]["end"].is_string());

    let id = schedule_named(&api, "Follow the Sun").await;
    let body = api.ok(&format!("/schedules/{id}?{range}")).await;
    let layers = body["schedule"]["schedule_layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 2);
    assert_eq!(layers[0]["name"], "Layer 2", "highest priority first");
    let entries = tiled(&body["schedule"], since, until);
    let hour_gaps = entries
        .iter()
        .filter(|e| e["user"].is_null() && instant(&e["end"]) - instant(&e["start"]) == 3600)
        .count();
    assert!(hour_gaps >= 6, "an hour uncovered at each evening handoff: {hour_gaps}");
}

#[tokio::test]
async fn schedule_ranges_defaults_overflow_and_users() {
    let api = Api::small().await;
    let id = schedule_named(&api, "Primary").await;
    let before = now();
    let body = api.ok(&format!("/schedules/{id}")).await;
    let entries = body["schedule"]["final_schedule"]["rendered_schedule_entries"]
        .as_array()
        .expect("entries")
        .clone();
    let start = instant(&entries[0]["start"]);
    assert!(start >= before - 1 && start <= now() + 1, "since defaults to now");
    assert_eq!(
        entries.last().map(|e| instant(&e["end"])),
        Some(start + 7 * 86_400),
        "a week by default"
    );
    assert!(field(&entries[0], "start").len() >= 20, "times carry an offset");

    let since = utc(start + 3600);
    let clipped = api.ok(&format!("/schedules/{id}?since={since}")).await;
    let overflow = api.ok(&format!("/schedules/{id}?since={since}&overflow=true")).await;
    let first = |b: &Value| instant(&b["schedule"]["final_schedule"]["rendered_schedule_entries"][0]["start"]);
    assert_eq!(first(&clipped), start + 3600);
    assert!(
        first(&overflow) < start + 3600,
        "overflow keeps the whole shift in progress"
    );

    let until_far = utc(start + 91 * 86_400);
    api.invalid(&format!("/schedules/{id}?until={until_far}")).await;
    api.invalid(&format!("/schedules/{id}?since={since}&until={}", utc(start)))
        .await;
    api.missing("/schedules/PNOSUCH").await;

    let on_call = api.ok(&format!("/schedules/{id}/users")).await;
    let users = on_call["users"].as_array().expect("users");
    assert!(!users.is_empty() && users.iter().all(|u| u["type"] == "user"));
    let members: HashSet<&str> = body["schedule"]["users"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|u| field(u, "id"))
        .collect();
    let overrides: HashSet<&str> = body["schedule"]["overrides_subschedule"]["rendered_schedule_entries"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| field(&e["user"], "id"))
        .collect();
    for user in users {
        let id = field(user, "id");
        assert!(members.contains(id) || overrides.contains(id), "{id}");
    }
}

#[tokio::test]
async fn oncalls_follow_policies_and_schedules() {
    let api = Api::small().await;
    let at = now();
    let current = api.all("/oncalls", "oncalls").await;
    assert!(!current.is_empty());
    for entry in &current {
        assert_reference(&entry["user"], "user_reference");
        assert_reference(&entry["escalation_policy"], "escalation_policy_reference");
        assert!(entry["escalation_level"].as_u64().is_some_and(|l| l >= 1));
        if entry["schedule"].is_null() {
            assert!(
                entry["start"].is_null() && entry["end"].is_null(),
                "direct targets are on call indefinitely"
            );
        } else {
            assert_reference(&entry["schedule"], "schedule_reference");
            assert!(
                instant(&entry["start"]) <= at + 1 && instant(&entry["end"]) > at - 1,
                "{entry}"
            );
        }
    }
    assert!(current.iter().any(|e| e["schedule"].is_null()));
    assert!(current.iter().any(|e| !e["schedule"].is_null()));

    let week = format!("since={}&until={}", utc(at), utc(at + 7 * 86_400));
    let all_week = api.all(&format!("/oncalls?{week}"), "oncalls").await;
    let earliest = api.all(&format!("/oncalls?{week}&earliest=true"), "oncalls").await;
    let key = |e: &Value| {
        (
            field(&e["escalation_policy"], "id").to_owned(),
            e["escalation_level"].as_u64(),
            field(&e["user"], "id").to_owned(),
        )
    };
    let keys: HashSet<_> = earliest.iter().map(key).collect();
    assert_eq!(keys.len(), earliest.len(), "one entry per policy, level and user");
    assert_eq!(keys, all_week.iter().map(key).collect::<HashSet<_>>(), "nobody is lost");
    assert!(
        earliest.len() < all_week.len(),
        "{} < {}",
        earliest.len(),
        all_week.len()
    );
    for entry in &earliest {
        let first_of_key = all_week.iter().find(|e| key(e) == key(entry)).expect("present");
        assert_eq!(first_of_key["start"], entry["start"], "the earliest shift is kept");
    }

    let schedule = all_week.iter().find(|e| !e["schedule"].is_null()).expect("a shift")["schedule"]["id"].clone();
    let schedule = schedule.as_str().expect("id");
    let found = api
        .all(&format!("/oncalls?{week}&schedule_ids[]={schedule}"), "oncalls")
        .await;
    assert!(!found.is_empty() && found.iter().all(|e| e["schedule"]["id"] == schedule));
    let me = api.me().await;
    let mine = api.all(&format!("/oncalls?{week}&user_ids[]={me}"), "oncalls").await;
    assert!(!mine.is_empty() && mine.iter().all(|e| e["user"]["id"] == me.as_str()));
    let policy = field(&current[0]["escalation_policy"], "id").to_owned();
    let found = api
        .all(&format!("/oncalls?escalation_policy_ids[]={policy}"), "oncalls")
        .await;
    assert!(!found.is_empty() && found.iter().all(|e| e["escalation_policy"]["id"] == policy.as_str()));
    api.invalid(&format!("/oncalls?until={}", utc(at + 100 * 86_400))).await;
    api.invalid(&format!("/oncalls?since={}", utc(at - 91 * 86_400))).await;
}
