//! What the fake daemon knows of PagerDuty: a small seeded account (open
//! and resolved incidents, services, users, schedules, on-calls, policies,
//! teams), lists filtered like the daemon's, details, and the watches it
//! pushes changes to.

use std::collections::HashMap;

use pdauth_common::browse::{
    Detail, DetailPage, EscalationPolicy, EscalationRule, FetchMeta, Incident, Items, ListChange, ListPage, ListQuery,
    OnCall, RateInfo, Ref, Resource, Schedule, Service, Team, User,
};
use pdauth_common::{ErrorCode, Event, Reply, Request, Response, ServerFrame, WireError};
use tokio::sync::mpsc;

use crate::fake::{FakeDaemon, State, now};

/// The account the fake daemon browses.
#[derive(Debug, Clone)]
pub struct PdAccount {
    pub items: HashMap<Resource, Items>,
    /// Lists and details of these resources fail with this error.
    pub errors: HashMap<Resource, WireError>,
}

/// A registered watch: its query and the connection it pushes to.
#[derive(Debug)]
pub struct Watcher {
    pub query: ListQuery,
    pub tx: mpsc::UnboundedSender<ServerFrame>,
}

fn reference(kind: &str, id: &str, summary: &str) -> Ref {
    Ref {
        id: id.into(),
        kind: format!("{kind}_reference"),
        summary: summary.into(),
        html_url: Some(format!("https://acme.pagerduty.com/{kind}s/{id}")),
    }
}

fn ada() -> Ref {
    reference("user", "PADA001", "Ada Lovelace")
}

fn grace() -> Ref {
    reference("user", "PGRC002", "Grace Hopper")
}

/// Incident `number`, `age` seconds old.
pub fn incident(number: u64, status: &str, urgency: &str, title: &str, age: i64) -> Incident {
    let service = if number % 2 == 0 {
        reference("service", "PCHK001", "Checkout API")
    } else {
        reference("service", "PSRCH02", "Search")
    };
    Incident {
        id: format!("Q{number}"),
        number,
        title: title.into(),
        status: status.into(),
        urgency: urgency.into(),
        priority: None,
        service: Some(service),
        assignees: vec![if number % 3 == 0 { grace() } else { ada() }],
        acknowledgers: Vec::new(),
        escalation_policy: Some(reference("escalation_policy", "PPAYEP1", "Payments escalation")),
        teams: Vec::new(),
        created_at: Some(now() - age),
        last_status_change_at: Some(now() - age),
        html_url: Some(format!("https://acme.pagerduty.com/incidents/Q{number}")),
    }
}

impl Default for PdAccount {
    fn default() -> Self {
        let incidents = vec![
            incident(2001, "triggered", "high", "Checkout latency above 2 s", 120),
            incident(2002, "acknowledged", "high", "Search index lagging", 1_800),
            incident(2003, "triggered", "low", "Disk 85% full on db-replica-3", 7_200),
            incident(2004, "resolved", "high", "Payment provider timeouts", 86_400),
        ];
        let services = vec![
            Service {
                id: "PCHK001".into(),
                name: "Checkout API".into(),
                status: "critical".into(),
                ..Service::default()
            },
            Service {
                id: "PSRCH02".into(),
                name: "Search".into(),
                status: "warning".into(),
                ..Service::default()
            },
        ];
        let users = vec![
            User {
                id: "PADA001".into(),
                name: "Ada Lovelace".into(),
                email: "ada@acme.example".into(),
                role: "admin".into(),
                ..User::default()
            },
            User {
                id: "PGRC002".into(),
                name: "Grace Hopper".into(),
                email: "grace@acme.example".into(),
                role: "user".into(),
                ..User::default()
            },
        ];
        let schedules = vec![Schedule {
            id: "PSPRIM1".into(),
            name: "Platform primary".into(),
            time_zone: Some("Europe/Berlin".into()),
            users: vec![ada(), grace()],
            ..Schedule::default()
        }];
        let oncalls = vec![OnCall {
            user: Some(ada()),
            schedule: Some(reference("schedule", "PSPRIM1", "Platform primary")),
            escalation_policy: Some(reference("escalation_policy", "PPAYEP1", "Payments escalation")),
            level: 1,
            start: Some(now() - 3_600),
            end: Some(now() + 3_600),
        }];
        let policies = vec![EscalationPolicy {
            id: "PPAYEP1".into(),
            name: "Payments escalation".into(),
            rules: vec![EscalationRule {
                delay_minutes: 30,
                targets: vec![ada()],
            }],
            ..EscalationPolicy::default()
        }];
        let teams = vec![Team {
            id: "PTPAY01".into(),
            name: "Payments".into(),
            description: Some("Checkout and billing".into()),
            html_url: None,
        }];
        PdAccount {
            items: HashMap::from([
                (Resource::Incidents, Items::Incidents(incidents)),
                (Resource::Services, Items::Services(services)),
                (Resource::Users, Items::Users(users)),
                (Resource::Schedules, Items::Schedules(schedules)),
                (Resource::Oncalls, Items::Oncalls(oncalls)),
                (Resource::EscalationPolicies, Items::EscalationPolicies(policies)),
                (Resource::Teams, Items::Teams(teams)),
            ]),
            errors: HashMap::new(),
        }
    }
}

pub fn meta() -> FetchMeta {
    FetchMeta {
        fetched_at: now(),
        stale: false,
        requests: 1,
        waited_ms: 0,
        rate: RateInfo {
            limit: Some(960),
            remaining: Some(950),
            reset_at: Some(now() + 60),
            waiting_until: None,
        },
    }
}

/// Whether `incident` passes the query's filters.
pub fn matches(query: &ListQuery, incident: &Incident) -> bool {
    let f = &query.filter;
    (f.statuses.is_empty() || f.statuses.contains(&incident.status))
        && (f.urgencies.is_empty() || f.urgencies.contains(&incident.urgency))
        && (f.user_ids.is_empty() || incident.assignees.iter().any(|a| f.user_ids.contains(&a.id)))
}

impl PdAccount {
    /// Every item of the query's resource it lets through.
    pub fn list(&self, query: &ListQuery) -> Result<ListPage, WireError> {
        if let Some(error) = self.errors.get(&query.resource) {
            return Err(error.clone());
        }
        let items = match self.items.get(&query.resource).cloned() {
            Some(Items::Incidents(v)) => Items::Incidents(v.into_iter().filter(|i| matches(query, i)).collect()),
            Some(other) => other,
            None => Items::empty(query.resource),
        };
        Ok(ListPage {
            items,
            offset: 0,
            more: false,
            total: None,
            truncated: false,
            meta: meta(),
        })
    }

    /// One object's detail.
    pub fn get(&self, resource: Resource, id: &str) -> Result<DetailPage, WireError> {
        if let Some(error) = self.errors.get(&resource) {
            return Err(error.clone());
        }
        let missing = || {
            WireError::new(
                ErrorCode::NotFound,
                format!("PagerDuty has no {} {id}", resource.as_str()),
            )
        };
        let detail = match self.items.get(&resource) {
            Some(Items::Incidents(v)) => Detail::Incident {
                incident: v.iter().find(|i| i.id == id).cloned().ok_or_else(missing)?,
                log_entries: Vec::new(),
                notes: Vec::new(),
                alerts: Vec::new(),
            },
            Some(Items::Services(v)) => Detail::Service {
                service: v.iter().find(|i| i.id == id).cloned().ok_or_else(missing)?,
                open_incidents: Vec::new(),
            },
            Some(Items::Users(v)) => Detail::User {
                user: v.iter().find(|i| i.id == id).cloned().ok_or_else(missing)?,
                oncalls: Vec::new(),
            },
            Some(Items::Schedules(v)) => Detail::Schedule {
                schedule: v.iter().find(|i| i.id == id).cloned().ok_or_else(missing)?,
                since: now(),
                until: now() + 7 * 86_400,
                entries: Vec::new(),
                coverage_percent: None,
            },
            Some(Items::EscalationPolicies(v)) => Detail::EscalationPolicy {
                policy: v.iter().find(|i| i.id == id).cloned().ok_or_else(missing)?,
                oncalls: Vec::new(),
            },
            Some(Items::Teams(v)) => Detail::Team {
                team: v.iter().find(|i| i.id == id).cloned().ok_or_else(missing)?,
                members: Vec::new(),
                services: Vec::new(),
            },
            _ => return Err(missing()),
        };
        Ok(DetailPage {
            detail,
            meta: meta(),
            unread: Vec::new(),
            cut: Vec::new(),
        })
    }
}

/// A change of the incidents: `added` arrive, matched against each
/// watch's query.
pub fn incidents_added(query: &ListQuery, added: &[Incident]) -> ListChange {
    ListChange {
        added: Items::Incidents(added.iter().filter(|i| matches(query, i)).cloned().collect()),
        updated: Items::Incidents(Vec::new()),
        removed: Vec::new(),
        more: false,
        total: None,
        truncated: false,
        meta: meta(),
    }
}

/// Push `change(query)` to every watch of `resource`.
pub fn push(watchers: &HashMap<u64, Watcher>, resource: Resource, change: impl Fn(&ListQuery) -> ListChange) -> usize {
    let mut sent = 0;
    for (id, w) in watchers.iter().filter(|(_, w)| w.query.resource == resource) {
        let event = Event::ListChanged {
            watch: *id,
            change: change(&w.query),
        };
        if w.tx.send(ServerFrame::Event { event }).is_ok() {
            sent += 1;
        }
    }
    sent
}

/// `List`, `Get`, `Watch` and `Unwatch` (for a known profile).
pub fn handle(st: &mut State, request: &Request, session: &mpsc::UnboundedSender<ServerFrame>) -> Reply {
    match request {
        Request::List { query, .. } => match st.account.list(query) {
            Ok(page) => Reply::Ok(Response::List { page }),
            Err(e) => Reply::Error(e),
        },
        Request::Get { resource, id, .. } => match st.account.get(*resource, id) {
            Ok(page) => Reply::Ok(Response::Detail { page }),
            Err(e) => Reply::Error(e),
        },
        Request::Watch { query, .. } => match st.account.list(query) {
            Ok(page) => {
                let watch = st.next_watch;
                st.next_watch += 1;
                st.watchers.insert(
                    watch,
                    Watcher {
                        query: query.clone(),
                        tx: session.clone(),
                    },
                );
                Reply::Ok(Response::Watching { watch, page })
            }
            Err(e) => Reply::Error(e),
        },
        Request::Unwatch { watch } => {
            st.watchers.remove(watch);
            Reply::Ok(Response::Unwatched { watch: *watch })
        }
        _ => Reply::Error(WireError::new(ErrorCode::InvalidRequest, "not a browsing request")),
    }
}

impl FakeDaemon {
    /// New incidents arrive: every incidents watch is told (filtered by
    /// its query); how many watches were.
    pub fn add_incidents(&self, added: Vec<Incident>) -> usize {
        let mut st = self.state.lock().unwrap();
        if let Some(Items::Incidents(v)) = st.account.items.get_mut(&Resource::Incidents) {
            v.extend(added.iter().cloned());
        }
        push(&st.watchers, Resource::Incidents, |q| incidents_added(q, &added))
    }
}
