//! PagerDuty objects as pdauth shows them: the fields worth displaying of
//! the seven resources and their details, already unwrapped from PagerDuty's
//! JSON by the daemon. Text is PagerDuty's, unsanitised: whoever prints it
//! strips control and escape sequences first. Times are Unix seconds.

use serde::{Deserialize, Serialize};

/// A reference to another PagerDuty object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ref {
    pub id: String,
    /// PagerDuty's `type` (`user_reference`, `schedule_reference`, ...).
    #[serde(default)]
    pub kind: String,
    /// PagerDuty's `summary` (a name or a title).
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// One incident (`GET /incidents`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    pub id: String,
    pub number: u64,
    pub title: String,
    /// `triggered`, `acknowledged` or `resolved`.
    pub status: String,
    /// `high` or `low`.
    pub urgency: String,
    /// The priority's summary (`P1`), when set.
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub service: Option<Ref>,
    #[serde(default)]
    pub assignees: Vec<Ref>,
    #[serde(default)]
    pub acknowledgers: Vec<Ref>,
    #[serde(default)]
    pub escalation_policy: Option<Ref>,
    #[serde(default)]
    pub teams: Vec<Ref>,
    #[serde(default)]
    pub created_at: Option<i64>,
    #[serde(default)]
    pub last_status_change_at: Option<i64>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// One service (`GET /services`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `active`, `warning`, `critical`, `maintenance` or `disabled`.
    pub status: String,
    #[serde(default)]
    pub escalation_policy: Option<Ref>,
    #[serde(default)]
    pub teams: Vec<Ref>,
    #[serde(default)]
    pub last_incident_at: Option<i64>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// A way to reach a user.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactMethod {
    /// `email`, `phone`, `sms`, `push` or PagerDuty's own word.
    pub kind: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub address: String,
}

/// One user (`GET /users`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub job_title: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub teams: Vec<Ref>,
    #[serde(default)]
    pub contact_methods: Vec<ContactMethod>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// One schedule (`GET /schedules`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub users: Vec<Ref>,
    #[serde(default)]
    pub escalation_policies: Vec<Ref>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// One on-call entry (`GET /oncalls`): who answers a policy's level, from
/// when to when (`None` = indefinitely).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnCall {
    #[serde(default)]
    pub user: Option<Ref>,
    #[serde(default)]
    pub schedule: Option<Ref>,
    #[serde(default)]
    pub escalation_policy: Option<Ref>,
    pub level: u32,
    #[serde(default)]
    pub start: Option<i64>,
    #[serde(default)]
    pub end: Option<i64>,
}

impl OnCall {
    /// On-call entries have no id of their own; this key is unique within
    /// one answer (policy, level, user, schedule, start).
    pub fn key(&self) -> String {
        let id = |r: &Option<Ref>| r.as_ref().map(|r| r.id.as_str()).unwrap_or("-").to_string();
        format!(
            "{}/{}/{}/{}/{}",
            id(&self.escalation_policy),
            self.level,
            id(&self.user),
            id(&self.schedule),
            self.start.map(|s| s.to_string()).unwrap_or_else(|| "-".into())
        )
    }
}

/// One level of an escalation policy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationRule {
    pub delay_minutes: u32,
    /// Users and schedules (`kind` tells which).
    #[serde(default)]
    pub targets: Vec<Ref>,
}

/// One escalation policy (`GET /escalation_policies`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationPolicy {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub num_loops: u32,
    #[serde(default)]
    pub rules: Vec<EscalationRule>,
    #[serde(default)]
    pub services: Vec<Ref>,
    #[serde(default)]
    pub teams: Vec<Ref>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// One team (`GET /teams`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// One entry of an incident's timeline (`/incidents/{id}/log_entries`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
    pub id: String,
    /// `trigger`, `acknowledge`, `assign`, ... (PagerDuty's type without
    /// the `_log_entry` suffix).
    pub kind: String,
    #[serde(default)]
    pub at: Option<i64>,
    /// Who or what did it (a user, an integration), if anyone.
    #[serde(default)]
    pub agent: Option<Ref>,
    #[serde(default)]
    pub summary: String,
}

/// A note on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Note {
    pub id: String,
    #[serde(default)]
    pub at: Option<i64>,
    #[serde(default)]
    pub user: Option<Ref>,
    pub content: String,
}

/// An alert grouped into an incident.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    pub id: String,
    /// `triggered` or `resolved`.
    pub status: String,
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub created_at: Option<i64>,
}

/// One stretch of a schedule's final layer; `user: None` is a gap in
/// coverage.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleEntry {
    pub start: i64,
    pub end: i64,
    #[serde(default)]
    pub user: Option<Ref>,
}

/// A member of a team.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub user: Ref,
    /// `manager`, `responder` or `observer`.
    #[serde(default)]
    pub role: String,
}
