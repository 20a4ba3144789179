//! Incidents and what happened to them: status, urgency, assignments, acknowledgements,
//! the event history log entries are rendered from, and notes.

use std::borrow::Cow;

use super::people::ContactKind;
use super::when::Secs;

/// Incident status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Open, nobody acknowledged it.
    Triggered,
    /// Open, somebody is on it.
    Acknowledged,
    /// Closed.
    Resolved,
}

impl Status {
    /// All statuses, in API order.
    pub const ALL: [Status; 3] = [Status::Triggered, Status::Acknowledged, Status::Resolved];

    /// The API value.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Triggered => "triggered",
            Status::Acknowledged => "acknowledged",
            Status::Resolved => "resolved",
        }
    }

    /// Parses an API value.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the incident is still open.
    pub fn is_open(self) -> bool {
        self != Status::Resolved
    }
}

/// Incident urgency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Urgency {
    /// Pages people.
    High,
    /// Notifies quietly.
    Low,
}

impl Urgency {
    /// The API value.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::High => "high",
            Urgency::Low => "low",
        }
    }

    /// Parses an API value.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "high" => Some(Urgency::High),
            "low" => Some(Urgency::Low),
            _ => None,
        }
    }

    /// Rank for sorting: low before high.
    pub fn rank(self) -> u8 {
        match self {
            Urgency::Low => 0,
            Urgency::High => 1,
        }
    }
}

/// Who did something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The incident's service (through its integration).
    Service,
    /// A user (index).
    User(usize),
    /// PagerDuty itself (timeouts, escalation).
    System,
}

/// How something happened, as log entries' `channel.type` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// Events API.
    Api,
    /// Created on the website.
    WebTrigger,
    /// Automatically.
    Auto,
    /// An escalation timeout.
    Timeout,
    /// The website.
    Website,
    /// The mobile app.
    Mobile,
    /// A reply to a text message.
    Sms,
    /// A note.
    Note,
}

impl Channel {
    /// The API value.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Api => "api",
            Channel::WebTrigger => "web_trigger",
            Channel::Auto => "auto",
            Channel::Timeout => "timeout",
            Channel::Website => "website",
            Channel::Mobile => "mobile",
            Channel::Sms => "sms",
            Channel::Note => "note",
        }
    }
}

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// The incident was opened.
    Trigger,
    /// It was assigned to a user (index) by the escalation policy.
    Assign {
        /// Assignee.
        user: usize,
    },
    /// It moved to an escalation level (1-based) and its on-call user.
    Escalate {
        /// Level reached.
        level: u32,
        /// Who is on call there.
        user: usize,
    },
    /// A user was reassigned by hand.
    Reassign {
        /// New assignee.
        user: usize,
    },
    /// A user was notified.
    Notify {
        /// Who.
        user: usize,
        /// How.
        method: ContactKind,
    },
    /// Acknowledged.
    Acknowledge,
    /// A note was added.
    Annotate,
    /// Resolved.
    Resolve,
}

impl EventKind {
    /// The log entry type.
    pub fn log_type(self) -> &'static str {
        match self {
            EventKind::Trigger => "trigger_log_entry",
            EventKind::Assign { .. } | EventKind::Reassign { .. } => "assign_log_entry",
            EventKind::Escalate { .. } => "escalate_log_entry",
            EventKind::Notify { .. } => "notify_log_entry",
            EventKind::Acknowledge => "acknowledge_log_entry",
            EventKind::Annotate => "annotate_log_entry",
            EventKind::Resolve => "resolve_log_entry",
        }
    }

    /// Whether PagerDuty's overview (`is_overview=true`) shows it.
    pub fn in_overview(self) -> bool {
        !matches!(self, EventKind::Notify { .. })
    }
}

/// One entry of an incident's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// When.
    pub at: Secs,
    /// What.
    pub kind: EventKind,
    /// Who.
    pub agent: Actor,
    /// How.
    pub channel: Channel,
}

/// A note on an incident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// When it was written.
    pub at: Secs,
    /// Author (user index).
    pub user: usize,
    /// Text.
    pub content: Cow<'static, str>,
}

/// An incident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incident {
    /// Object id (14 characters).
    pub id: String,
    /// Account-wide number.
    pub number: u64,
    /// Title.
    pub title: String,
    /// Service index.
    pub service: usize,
    /// Urgency.
    pub urgency: Urgency,
    /// Priority index, if set.
    pub priority: Option<usize>,
    /// Status.
    pub status: Status,
    /// Opened at.
    pub created_at: Secs,
    /// Last change of any kind.
    pub updated_at: Secs,
    /// Last status change (the sandbox's hooks move it on every change).
    pub last_status_change_at: Secs,
    /// Who made the last status change.
    pub last_status_change_by: Actor,
    /// Resolved at.
    pub resolved_at: Option<Secs>,
    /// Current assignees (user index, since); empty once resolved.
    pub assignments: Vec<(usize, Secs)>,
    /// Current acknowledgements (user index, at); empty once resolved.
    pub acknowledgements: Vec<(usize, Secs)>,
    /// Current escalation level (1-based).
    pub escalation_level: u32,
    /// History, oldest first.
    pub events: Vec<Event>,
    /// Notes, oldest first.
    pub notes: Vec<Note>,
    /// Number of alerts grouped into it.
    pub alerts: u8,
}

impl Incident {
    /// `[#1234] title`, PagerDuty's summary.
    pub fn summary(&self) -> String {
        format!("[#{}] {}", self.number, self.title)
    }

    /// Whether a user is currently assigned.
    pub fn assigned_to(&self, user: usize) -> bool {
        self.assignments.iter().any(|&(u, _)| u == user)
    }
}
