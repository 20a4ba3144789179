//! Browsing PagerDuty through the daemon: the seven resources, their typed
//! list items and details, list queries, pages and live changes.

mod models;
mod query;

use serde::{Deserialize, Serialize};

pub use models::{
    Alert, ContactMethod, EscalationPolicy, EscalationRule, Incident, LogEntry, Member, Note, OnCall, Ref, Schedule,
    ScheduleEntry, Service, Team, User,
};
pub use query::{
    DetailPage, FetchMeta, Filter, ListChange, ListPage, ListQuery, MAX_PAGE, OFFSET_CAP, Page, Part, RateInfo, Unread,
};

/// The resources pdauth browses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Incidents,
    Services,
    Users,
    Schedules,
    Oncalls,
    EscalationPolicies,
    Teams,
}

impl Resource {
    pub const ALL: [Resource; 7] = [
        Resource::Incidents,
        Resource::Services,
        Resource::Users,
        Resource::Schedules,
        Resource::Oncalls,
        Resource::EscalationPolicies,
        Resource::Teams,
    ];

    /// The list endpoint, relative to the API base.
    pub fn path(self) -> &'static str {
        match self {
            Resource::Incidents => "/incidents",
            Resource::Services => "/services",
            Resource::Users => "/users",
            Resource::Schedules => "/schedules",
            Resource::Oncalls => "/oncalls",
            Resource::EscalationPolicies => "/escalation_policies",
            Resource::Teams => "/teams",
        }
    }

    /// The key of the list in PagerDuty's wrapped answer.
    pub fn wrapper(self) -> &'static str {
        &self.path()[1..]
    }

    /// The snake_case word (as on the wire).
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Oncalls => "oncalls",
            other => other.wrapper(),
        }
    }

    /// Whether PagerDuty has a detail endpoint for one item.
    pub fn has_detail(self) -> bool {
        self != Resource::Oncalls
    }
}

/// Items of one list, typed by resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "resource", content = "items", rename_all = "snake_case", deny_unknown_fields)]
pub enum Items {
    Incidents(Vec<Incident>),
    Services(Vec<Service>),
    Users(Vec<User>),
    Schedules(Vec<Schedule>),
    Oncalls(Vec<OnCall>),
    EscalationPolicies(Vec<EscalationPolicy>),
    Teams(Vec<Team>),
}

macro_rules! each_items {
    ($items:expr, $v:ident => $body:expr) => {
        match $items {
            Items::Incidents($v) => $body,
            Items::Services($v) => $body,
            Items::Users($v) => $body,
            Items::Schedules($v) => $body,
            Items::Oncalls($v) => $body,
            Items::EscalationPolicies($v) => $body,
            Items::Teams($v) => $body,
        }
    };
}

impl Items {
    /// No items of `resource`.
    pub fn empty(resource: Resource) -> Self {
        match resource {
            Resource::Incidents => Items::Incidents(Vec::new()),
            Resource::Services => Items::Services(Vec::new()),
            Resource::Users => Items::Users(Vec::new()),
            Resource::Schedules => Items::Schedules(Vec::new()),
            Resource::Oncalls => Items::Oncalls(Vec::new()),
            Resource::EscalationPolicies => Items::EscalationPolicies(Vec::new()),
            Resource::Teams => Items::Teams(Vec::new()),
        }
    }

    pub fn resource(&self) -> Resource {
        match self {
            Items::Incidents(_) => Resource::Incidents,
            Items::Services(_) => Resource::Services,
            Items::Users(_) => Resource::Users,
            Items::Schedules(_) => Resource::Schedules,
            Items::Oncalls(_) => Resource::Oncalls,
            Items::EscalationPolicies(_) => Resource::EscalationPolicies,
            Items::Teams(_) => Resource::Teams,
        }
    }

    pub fn len(&self) -> usize {
        each_items!(self, v => v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key of every item, in order: the id, or [`OnCall::key`].
    pub fn keys(&self) -> Vec<String> {
        match self {
            Items::Incidents(v) => v.iter().map(|i| i.id.clone()).collect(),
            Items::Services(v) => v.iter().map(|i| i.id.clone()).collect(),
            Items::Users(v) => v.iter().map(|i| i.id.clone()).collect(),
            Items::Schedules(v) => v.iter().map(|i| i.id.clone()).collect(),
            Items::Oncalls(v) => v.iter().map(OnCall::key).collect(),
            Items::EscalationPolicies(v) => v.iter().map(|i| i.id.clone()).collect(),
            Items::Teams(v) => v.iter().map(|i| i.id.clone()).collect(),
        }
    }

    /// Append `other` (of the same resource; others are ignored).
    pub fn extend(&mut self, other: Items) {
        match (self, other) {
            (Items::Incidents(a), Items::Incidents(b)) => a.extend(b),
            (Items::Services(a), Items::Services(b)) => a.extend(b),
            (Items::Users(a), Items::Users(b)) => a.extend(b),
            (Items::Schedules(a), Items::Schedules(b)) => a.extend(b),
            (Items::Oncalls(a), Items::Oncalls(b)) => a.extend(b),
            (Items::EscalationPolicies(a), Items::EscalationPolicies(b)) => a.extend(b),
            (Items::Teams(a), Items::Teams(b)) => a.extend(b),
            _ => {}
        }
    }

    /// Keep at most `n` items.
    pub fn truncate(&mut self, n: usize) {
        each_items!(self, v => v.truncate(n))
    }

    /// The changes from `old` to `self`: (added, updated, removed keys).
    /// Order follows `self`; lists of different resources differ wholly.
    pub fn diff(&self, old: &Items) -> (Items, Items, Vec<String>) {
        fn go<T: Clone + PartialEq>(new: &[T], old: &[T], key: impl Fn(&T) -> String) -> (Vec<T>, Vec<T>, Vec<String>) {
            let before: std::collections::HashMap<String, &T> = old.iter().map(|t| (key(t), t)).collect();
            let now: std::collections::HashSet<String> = new.iter().map(&key).collect();
            let (mut added, mut updated) = (Vec::new(), Vec::new());
            for item in new {
                match before.get(&key(item)) {
                    None => added.push(item.clone()),
                    Some(prev) if *prev != item => updated.push(item.clone()),
                    Some(_) => {}
                }
            }
            let removed = old.iter().map(&key).filter(|k| !now.contains(k)).collect();
            (added, updated, removed)
        }
        macro_rules! arm {
            ($variant:ident, $new:expr, $old:expr, $key:expr) => {{
                let (a, u, r) = go($new, $old, $key);
                (Items::$variant(a), Items::$variant(u), r)
            }};
        }
        match (self, old) {
            (Items::Incidents(n), Items::Incidents(o)) => arm!(Incidents, n, o, |i: &Incident| i.id.clone()),
            (Items::Services(n), Items::Services(o)) => arm!(Services, n, o, |i: &Service| i.id.clone()),
            (Items::Users(n), Items::Users(o)) => arm!(Users, n, o, |i: &User| i.id.clone()),
            (Items::Schedules(n), Items::Schedules(o)) => arm!(Schedules, n, o, |i: &Schedule| i.id.clone()),
            (Items::Oncalls(n), Items::Oncalls(o)) => arm!(Oncalls, n, o, OnCall::key),
            (Items::EscalationPolicies(n), Items::EscalationPolicies(o)) => {
                arm!(EscalationPolicies, n, o, |i: &EscalationPolicy| i.id.clone())
            }
            (Items::Teams(n), Items::Teams(o)) => arm!(Teams, n, o, |i: &Team| i.id.clone()),
            (new, old) => (new.clone(), Items::empty(new.resource()), old.keys()),
        }
    }
}

/// The detail of one object, with what its screen shows next to it.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "resource", rename_all = "snake_case", deny_unknown_fields)]
pub enum Detail {
    Incident {
        incident: Incident,
        /// Newest first.
        log_entries: Vec<LogEntry>,
        /// Oldest first.
        notes: Vec<Note>,
        alerts: Vec<Alert>,
    },
    Service {
        service: Service,
        /// Its triggered and acknowledged incidents.
        open_incidents: Vec<Incident>,
    },
    User {
        user: User,
        /// Where the user is on call now and next.
        oncalls: Vec<OnCall>,
    },
    Schedule {
        schedule: Schedule,
        /// The rendered final schedule from `since` to `until` (Unix
        /// seconds); entries without a user are gaps.
        since: i64,
        until: i64,
        entries: Vec<ScheduleEntry>,
        #[serde(default)]
        coverage_percent: Option<f64>,
    },
    EscalationPolicy {
        policy: EscalationPolicy,
        /// Who answers each level now.
        oncalls: Vec<OnCall>,
    },
    Team {
        team: Team,
        members: Vec<Member>,
        services: Vec<Service>,
    },
}

impl Detail {
    pub fn resource(&self) -> Resource {
        match self {
            Detail::Incident { .. } => Resource::Incidents,
            Detail::Service { .. } => Resource::Services,
            Detail::User { .. } => Resource::Users,
            Detail::Schedule { .. } => Resource::Schedules,
            Detail::EscalationPolicy { .. } => Resource::EscalationPolicies,
            Detail::Team { .. } => Resource::Teams,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(id: &str, status: &str) -> Incident {
        Incident {
            id: id.into(),
            status: status.into(),
            ..Default::default()
        }
    }

    #[test]
    fn diff_finds_added_updated_and_removed_items() {
        let old = Items::Incidents(vec![incident("A", "triggered"), incident("B", "triggered")]);
        let new = Items::Incidents(vec![incident("B", "acknowledged"), incident("C", "triggered")]);
        let (added, updated, removed) = new.diff(&old);
        assert_eq!(added, Items::Incidents(vec![incident("C", "triggered")]));
        assert_eq!(updated, Items::Incidents(vec![incident("B", "acknowledged")]));
        assert_eq!(removed, vec!["A".to_string()]);
        let (a, u, r) = new.diff(&new);
        assert!(a.is_empty() && u.is_empty() && r.is_empty());
    }

    #[test]
    fn oncalls_are_keyed_by_policy_level_user_and_start() {
        let entry = |user: &str, start| OnCall {
            user: Some(Ref {
                id: user.into(),
                ..Default::default()
            }),
            escalation_policy: Some(Ref {
                id: "PEP".into(),
                ..Default::default()
            }),
            level: 1,
            start,
            ..Default::default()
        };
        let old = Items::Oncalls(vec![entry("U1", Some(10))]);
        let new = Items::Oncalls(vec![entry("U1", Some(10)), entry("U1", Some(20))]);
        let (added, updated, removed) = new.diff(&old);
        assert_eq!(added.len(), 1);
        assert!(updated.is_empty() && removed.is_empty());
        assert_eq!(old.keys(), vec!["PEP/1/U1/-/10".to_string()]);
    }

    #[test]
    fn lists_of_another_resource_differ_wholly() {
        let old = Items::Teams(vec![Team {
            id: "T".into(),
            ..Default::default()
        }]);
        let new = Items::Incidents(vec![incident("A", "triggered")]);
        let (added, updated, removed) = new.diff(&old);
        assert_eq!(added.len(), 1);
        assert_eq!(updated, Items::Incidents(vec![]));
        assert_eq!(removed, vec!["T".to_string()]);
    }

    #[test]
    fn resource_words_and_paths_match_pagerduty() {
        assert_eq!(Resource::EscalationPolicies.path(), "/escalation_policies");
        assert_eq!(Resource::EscalationPolicies.wrapper(), "escalation_policies");
        assert_eq!(Resource::Oncalls.as_str(), "oncalls");
        for r in Resource::ALL {
            let word = serde_json::to_string(&r).unwrap();
            assert_eq!(word, format!("\"{}\"", r.as_str()));
        }
    }
}
