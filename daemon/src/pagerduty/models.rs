//! PagerDuty's JSON into pdauth's typed models, leniently: a missing or odd
//! field becomes its default (never a panic, never an error), timestamps
//! with any offset become Unix seconds, references keep their id, type,
//! summary and web link. Text is kept as PagerDuty sent it; printers
//! sanitise it.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use pdauth_common::browse::{
    Alert, ContactMethod, EscalationPolicy, EscalationRule, Incident, LogEntry, Member, Note, OnCall, Ref, Schedule,
    ScheduleEntry, Service, Team, User,
};

/// A string field (numbers are accepted and written out).
fn text(v: &Value, key: &str) -> String {
    opt_text(v, key).unwrap_or_default()
}

fn opt_text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An unsigned number, also from a numeric string; out of range → 0.
fn number(v: &Value, key: &str) -> u64 {
    match v.get(key) {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

fn small(v: &Value, key: &str) -> u32 {
    u32::try_from(number(v, key)).unwrap_or(u32::MAX)
}

/// RFC 3339 (any offset) to Unix seconds.
pub fn unix(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s.trim(), &Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

fn time_of(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_str).and_then(unix)
}

fn array<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// A reference (or a whole object used as one); needs an id.
pub fn reference(v: &Value) -> Option<Ref> {
    let id = opt_text(v, "id").filter(|id| !id.is_empty())?;
    let summary = opt_text(v, "summary")
        .or_else(|| opt_text(v, "name"))
        .or_else(|| opt_text(v, "title"))
        .unwrap_or_default();
    Some(Ref {
        id,
        kind: text(v, "type"),
        summary,
        html_url: opt_text(v, "html_url"),
    })
}

fn ref_at(v: &Value, key: &str) -> Option<Ref> {
    v.get(key).and_then(reference)
}

fn refs_at(v: &Value, key: &str) -> Vec<Ref> {
    array(v, key).iter().filter_map(reference).collect()
}

pub fn incident(v: &Value) -> Incident {
    let priority = v
        .get("priority")
        .and_then(|p| opt_text(p, "summary").or_else(|| opt_text(p, "name")));
    Incident {
        id: text(v, "id"),
        number: number(v, "incident_number"),
        title: opt_text(v, "title").unwrap_or_else(|| text(v, "summary")),
        status: text(v, "status"),
        urgency: text(v, "urgency"),
        priority,
        service: ref_at(v, "service"),
        assignees: array(v, "assignments")
            .iter()
            .filter_map(|a| ref_at(a, "assignee"))
            .collect(),
        acknowledgers: array(v, "acknowledgements")
            .iter()
            .filter_map(|a| ref_at(a, "acknowledger"))
            .collect(),
        escalation_policy: ref_at(v, "escalation_policy"),
        teams: refs_at(v, "teams"),
        created_at: time_of(v, "created_at"),
        last_status_change_at: time_of(v, "last_status_change_at"),
        html_url: opt_text(v, "html_url"),
    }
}

pub fn service(v: &Value) -> Service {
    Service {
        id: text(v, "id"),
        name: opt_text(v, "name").unwrap_or_else(|| text(v, "summary")),
        description: opt_text(v, "description"),
        status: text(v, "status"),
        escalation_policy: ref_at(v, "escalation_policy"),
        teams: refs_at(v, "teams"),
        last_incident_at: time_of(v, "last_incident_timestamp"),
        html_url: opt_text(v, "html_url"),
    }
}

/// `email_contact_method` → `email`, `push_notification_contact_method` →
/// `push`; other words are kept (without `_reference`).
pub fn contact_kind(kind: &str) -> String {
    let kind = kind.strip_suffix("_reference").unwrap_or(kind);
    match kind {
        "email_contact_method" => "email".into(),
        "phone_contact_method" => "phone".into(),
        "sms_contact_method" => "sms".into(),
        "push_notification_contact_method" => "push".into(),
        other => other.strip_suffix("_contact_method").unwrap_or(other).to_string(),
    }
}

pub fn contact_method(v: &Value) -> ContactMethod {
    let address = match (opt_text(v, "country_code"), opt_text(v, "address")) {
        (Some(cc), Some(a)) if !cc.is_empty() && matches!(contact_kind(&text(v, "type")).as_str(), "phone" | "sms") => {
            format!("+{cc} {a}")
        }
        (_, a) => a.unwrap_or_default(),
    };
    ContactMethod {
        kind: contact_kind(&text(v, "type")),
        label: opt_text(v, "label").unwrap_or_else(|| text(v, "summary")),
        address,
    }
}

pub fn user(v: &Value) -> User {
    User {
        id: text(v, "id"),
        name: opt_text(v, "name").unwrap_or_else(|| text(v, "summary")),
        email: text(v, "email"),
        role: text(v, "role"),
        job_title: opt_text(v, "job_title"),
        time_zone: opt_text(v, "time_zone"),
        teams: refs_at(v, "teams"),
        contact_methods: array(v, "contact_methods")
            .iter()
            .filter(|c| c.is_object())
            .map(contact_method)
            .collect(),
        html_url: opt_text(v, "html_url"),
    }
}

pub fn schedule(v: &Value) -> Schedule {
    Schedule {
        id: text(v, "id"),
        name: opt_text(v, "name").unwrap_or_else(|| text(v, "summary")),
        description: opt_text(v, "description"),
        time_zone: opt_text(v, "time_zone"),
        users: refs_at(v, "users"),
        escalation_policies: refs_at(v, "escalation_policies"),
        html_url: opt_text(v, "html_url"),
    }
}

pub fn oncall(v: &Value) -> OnCall {
    OnCall {
        user: ref_at(v, "user"),
        schedule: ref_at(v, "schedule"),
        escalation_policy: ref_at(v, "escalation_policy"),
        level: small(v, "escalation_level"),
        start: time_of(v, "start"),
        end: time_of(v, "end"),
    }
}

pub fn escalation_policy(v: &Value) -> EscalationPolicy {
    EscalationPolicy {
        id: text(v, "id"),
        name: opt_text(v, "name").unwrap_or_else(|| text(v, "summary")),
        description: opt_text(v, "description"),
        num_loops: small(v, "num_loops"),
        rules: array(v, "escalation_rules")
            .iter()
            .map(|r| EscalationRule {
                delay_minutes: small(r, "escalation_delay_in_minutes"),
                targets: refs_at(r, "targets"),
            })
            .collect(),
        services: refs_at(v, "services"),
        teams: refs_at(v, "teams"),
        html_url: opt_text(v, "html_url"),
    }
}

pub fn team(v: &Value) -> Team {
    Team {
        id: text(v, "id"),
        name: opt_text(v, "name").unwrap_or_else(|| text(v, "summary")),
        description: opt_text(v, "description"),
        html_url: opt_text(v, "html_url"),
    }
}

pub fn log_entry(v: &Value) -> LogEntry {
    let kind = text(v, "type");
    let kind = kind.strip_suffix("_reference").unwrap_or(&kind);
    LogEntry {
        id: text(v, "id"),
        kind: kind.strip_suffix("_log_entry").unwrap_or(kind).to_string(),
        at: time_of(v, "created_at"),
        agent: ref_at(v, "agent"),
        summary: text(v, "summary"),
    }
}

pub fn note(v: &Value) -> Note {
    Note {
        id: text(v, "id"),
        at: time_of(v, "created_at"),
        user: ref_at(v, "user"),
        content: text(v, "content"),
    }
}

pub fn alert(v: &Value) -> Alert {
    Alert {
        id: text(v, "id"),
        status: text(v, "status"),
        severity: opt_text(v, "severity"),
        summary: text(v, "summary"),
        created_at: time_of(v, "created_at"),
    }
}

/// A rendered schedule entry; one without a usable start or end is skipped.
pub fn schedule_entry(v: &Value) -> Option<ScheduleEntry> {
    let (start, end) = (time_of(v, "start")?, time_of(v, "end")?);
    (end > start).then(|| ScheduleEntry {
        start,
        end,
        user: ref_at(v, "user"),
    })
}

/// A team member (`{"user", "role"}`); needs a user with an id.
pub fn member(v: &Value) -> Option<Member> {
    Some(Member {
        user: ref_at(v, "user")?,
        role: text(v, "role"),
    })
}

/// The objects under `key` of a wrapped answer, parsed with `parse`;
/// entries that are not objects are skipped.
pub fn list<T>(body: &Value, key: &str, parse: impl Fn(&Value) -> T) -> Vec<T> {
    array(body, key).iter().filter(|v| v.is_object()).map(parse).collect()
}

/// The array under `key` of a wrapped answer, or `None` when the answer has
/// none (PagerDuty always sends it, even empty: its absence means the answer
/// is not the list asked for).
pub fn wrapped<'a>(body: &'a Value, key: &str) -> Option<&'a [Value]> {
    body.get(key).and_then(Value::as_array).map(Vec::as_slice)
}

/// Whether `v` is an object with a usable `id` (string or number, not empty).
pub fn has_id(v: &Value) -> bool {
    v.is_object() && opt_text(v, "id").is_some_and(|id| !id.is_empty())
}

/// A list's `more`: `true`, or the string `"true"`; anything else (absent,
/// `null`) means no more.
pub fn more(body: &Value) -> bool {
    match body.get("more") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.trim().eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// A non-negative count (`total`, `limit`, `offset`): a number or a numeric
/// string; `null`, absent or anything else is `None`.
pub fn count(body: &Value, key: &str) -> Option<u64> {
    match body.get(key)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
#[path = "models_tests.rs"]
mod tests;
