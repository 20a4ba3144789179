//! Services, escalation policies and incident priorities.

use super::when::Secs;

/// How a service is configured; its reported status also depends on its open incidents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceMode {
    /// Takes incidents; status `active`, `warning` or `critical` by its open incidents.
    Enabled,
    /// Under maintenance: status `maintenance`, no new incidents.
    Maintenance,
    /// Disabled: status `disabled`, no new incidents.
    Disabled,
}

/// A service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// Object id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// Index of its escalation policy.
    pub policy: usize,
    /// Indices of its teams (possibly none).
    pub teams: Vec<usize>,
    /// Configured mode.
    pub mode: ServiceMode,
    /// When it was created.
    pub created_at: Secs,
    /// Seconds after which open incidents resolve by themselves, if set.
    pub auto_resolve_timeout: Option<u32>,
    /// Seconds after which an acknowledgement lapses, if set.
    pub acknowledgement_timeout: Option<u32>,
    /// Id of its events integration.
    pub integration_id: String,
    /// Whether its incidents are high urgency during support hours only.
    pub support_hours: bool,
}

/// What an escalation rule notifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A user directly.
    User(usize),
    /// Whoever a schedule has on call.
    Schedule(usize),
}

/// One level of an escalation policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Object id.
    pub id: String,
    /// Minutes before an unacknowledged incident escalates to the next level.
    pub delay_minutes: u32,
    /// Who is notified at this level.
    pub targets: Vec<Target>,
}

/// An escalation policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EscalationPolicy {
    /// Object id.
    pub id: String,
    /// Name.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// Levels, first notified first.
    pub rules: Vec<Rule>,
    /// How many times the levels repeat before the incident stays at the last level.
    pub num_loops: u32,
    /// Indices of its teams.
    pub teams: Vec<usize>,
    /// Indices of the services using it (derived from the services).
    pub services: Vec<usize>,
}

impl EscalationPolicy {
    /// Whether a user is a target, directly or through one of the schedules it targets.
    pub fn targets_user(&self, user: usize, schedule_has_user: impl Fn(usize, usize) -> bool) -> bool {
        self.rules.iter().flat_map(|r| &r.targets).any(|t| match *t {
            Target::User(u) => u == user,
            Target::Schedule(s) => schedule_has_user(s, user),
        })
    }
}

/// An incident priority.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Priority {
    /// Object id.
    pub id: String,
    /// `P1` ... `P5`.
    pub name: String,
    /// What it means.
    pub description: String,
    /// Hex colour without `#`.
    pub color: String,
}
