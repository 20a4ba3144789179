//! The incidents of the account and the changes test hooks make to them: create,
//! acknowledge, resolve, reassign and annotate, each recorded in the history the log
//! entries are rendered from. Per-service counts of open incidents are kept as incidents
//! change, so a service's status never needs a scan.

use std::borrow::Cow;
use std::collections::HashMap;

use super::Dataset;
use super::ids::LongIds;
use super::incidents::{Actor, Channel, Event, EventKind, Incident, Note, Status, Urgency};
use super::services::ServiceMode;
use super::when::Secs;

/// Most incidents the store holds; creation beyond it is refused, so memory stays bounded.
pub const MAX_INCIDENTS: usize = 100_000;
/// Most history entries one incident keeps (log entry ids reserve 20 bits for them).
const MAX_EVENTS: usize = 4_096;
/// Most notes on one incident.
const MAX_NOTES: usize = 1_000;

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookError {
    /// The change does not apply (with the reason).
    #[error("{0}")]
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> HookError {
    HookError::Invalid(message.into())
}

/// Open incidents and the latest incident of one service.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ServiceLoad {
    triggered: u32,
    acknowledged: u32,
    last_incident: Option<Secs>,
}

/// All incidents, oldest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncidentStore {
    incidents: Vec<Incident>,
    by_id: HashMap<String, usize>,
    load: Vec<ServiceLoad>,
    next_number: u64,
    incident_ids: LongIds,
    log_ids: LongIds,
    alert_ids: LongIds,
    note_ids: LongIds,
}

impl IncidentStore {
    /// An empty store for an account with `services` services; numbers start at `first_number`.
    pub fn new(seed: u64, services: usize, first_number: u64) -> Self {
        Self {
            incidents: Vec::new(),
            by_id: HashMap::new(),
            load: vec![ServiceLoad::default(); services],
            next_number: first_number,
            incident_ids: LongIds::new(b'Q', seed, 1),
            log_ids: LongIds::new(b'R', seed, 2),
            alert_ids: LongIds::new(b'Q', seed, 3),
            note_ids: LongIds::new(b'P', seed, 4),
        }
    }

    /// The id and number the next incident gets.
    pub fn next_identity(&self) -> (String, u64) {
        (self.incident_ids.encode(self.incidents.len() as u64), self.next_number)
    }

    /// Adds an incident built with [`IncidentStore::next_identity`].
    pub fn push(&mut self, incident: Incident) -> usize {
        let idx = self.incidents.len();
        self.next_number = self.next_number.max(incident.number + 1);
        self.by_id.insert(incident.id.clone(), idx);
        if let Some(load) = self.load.get_mut(incident.service) {
            load.last_incident = Some(
                load.last_incident
                    .map_or(incident.created_at, |t| t.max(incident.created_at)),
            );
            match incident.status {
                Status::Triggered => load.triggered += 1,
                Status::Acknowledged => load.acknowledged += 1,
                Status::Resolved => {}
            }
        }
        self.incidents.push(incident);
        idx
    }

    /// Every incident, oldest first.
    pub fn all(&self) -> &[Incident] {
        &self.incidents
    }

    /// Position of the incident with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The incident at a position.
    pub fn get(&self, idx: usize) -> Option<&Incident> {
        self.incidents.get(idx)
    }

    /// Id of log entry `event` of incident `idx`.
    pub fn log_entry_id(&self, idx: usize, event: usize) -> String {
        self.log_ids.encode(((idx as u64) << 20) | event as u64)
    }

    /// The incident position and event number behind a log entry id.
    pub fn log_entry(&self, id: &str) -> Option<(usize, usize)> {
        let n = self.log_ids.decode(id)?;
        let (idx, event) = (usize::try_from(n >> 20).ok()?, usize::try_from(n & 0xF_FFFF).ok()?);
        (self.incidents.get(idx)?.events.len() > event).then_some((idx, event))
    }

    /// Id of alert `alert` of incident `idx`.
    pub fn alert_id(&self, idx: usize, alert: usize) -> String {
        self.alert_ids.encode(((idx as u64) << 8) | alert as u64)
    }

    /// The alert number behind an alert id of incident `idx`.
    pub fn alert_of(&self, idx: usize, id: &str) -> Option<usize> {
        let n = self.alert_ids.decode(id)?;
        let alert = usize::try_from(n & 0xFF).ok()?;
        (usize::try_from(n >> 8).ok()? == idx && alert < usize::from(self.incidents.get(idx)?.alerts)).then_some(alert)
    }

    /// Id of note `note` of incident `idx`.
    pub fn note_id(&self, idx: usize, note: usize) -> String {
        self.note_ids.encode(((idx as u64) << 20) | note as u64)
    }

    /// A service's status: `disabled` and `maintenance` by configuration, otherwise
    /// `critical` with a triggered incident, `warning` with an acknowledged one, `active`.
    pub fn service_status(&self, service: usize, mode: ServiceMode) -> &'static str {
        let load = self.load.get(service).copied().unwrap_or_default();
        match mode {
            ServiceMode::Disabled => "disabled",
            ServiceMode::Maintenance => "maintenance",
            ServiceMode::Enabled if load.triggered > 0 => "critical",
            ServiceMode::Enabled if load.acknowledged > 0 => "warning",
            ServiceMode::Enabled => "active",
        }
    }

    /// When the service's latest incident was opened.
    pub fn last_incident(&self, service: usize) -> Option<Secs> {
        self.load.get(service).and_then(|l| l.last_incident)
    }

    /// Opens an incident on a service at `now`, assigned to whoever its escalation policy
    /// has on call first; a gap at a level escalates to the next one at once.
    pub fn create(
        &mut self,
        data: &Dataset,
        service: usize,
        title: String,
        urgency: Urgency,
        now: Secs,
    ) -> Result<usize, HookError> {
        if self.incidents.len() >= MAX_INCIDENTS {
            return Err(invalid(format!("the sandbox holds at most {MAX_INCIDENTS} incidents")));
        }
        let svc = data.services.get(service).ok_or_else(|| invalid("unknown service"))?;
        match svc.mode {
            ServiceMode::Disabled => return Err(invalid(format!("service {} is disabled", svc.id))),
            ServiceMode::Maintenance => return Err(invalid(format!("service {} is in maintenance", svc.id))),
            ServiceMode::Enabled => {}
        }
        let (id, number) = self.next_identity();
        let mut events = vec![Event {
            at: now,
            kind: EventKind::Trigger,
            agent: Actor::Service,
            channel: Channel::Api,
        }];
        let mut assignments = Vec::new();
        let mut level = 1;
        if let Some((reached, user)) = data.on_call_from_level(svc.policy, 0, now) {
            level = reached;
            let kind = if reached > 1 {
                EventKind::Escalate { level: reached, user }
            } else {
                EventKind::Assign { user }
            };
            events.push(Event {
                at: now,
                kind,
                agent: Actor::System,
                channel: Channel::Auto,
            });
            events.push(notify(data, user, now));
            assignments.push((user, now));
        }
        let incident = Incident {
            id,
            number,
            title,
            service,
            urgency,
            priority: None,
            status: Status::Triggered,
            created_at: now,
            updated_at: now,
            last_status_change_at: now,
            last_status_change_by: Actor::Service,
            resolved_at: None,
            assignments,
            acknowledgements: Vec::new(),
            escalation_level: level,
            events,
            notes: Vec::new(),
            alerts: 1,
        };
        Ok(self.push(incident))
    }

    /// Acknowledges an open incident as `user` (acknowledging again adds an acknowledgement).
    pub fn acknowledge(&mut self, idx: usize, user: usize, now: Secs) -> Result<(), HookError> {
        let incident = self.open_incident(idx)?;
        incident.acknowledgements.retain(|&(u, _)| u != user);
        incident.acknowledgements.push((user, now));
        record(
            incident,
            now,
            EventKind::Acknowledge,
            Actor::User(user),
            Channel::Website,
        );
        self.set_status(idx, Status::Acknowledged);
        Ok(())
    }

    /// Resolves an open incident as `user`: assignments and acknowledgements are cleared.
    pub fn resolve(&mut self, idx: usize, user: usize, now: Secs) -> Result<(), HookError> {
        let incident = self.open_incident(idx)?;
        incident.assignments.clear();
        incident.acknowledgements.clear();
        incident.resolved_at = Some(now);
        record(incident, now, EventKind::Resolve, Actor::User(user), Channel::Website);
        self.set_status(idx, Status::Resolved);
        Ok(())
    }

    /// Reassigns an open incident to `user` (by `by`); like PagerDuty, this drops the
    /// acknowledgements and puts the incident back to triggered.
    pub fn reassign(&mut self, data: &Dataset, idx: usize, user: usize, by: usize, now: Secs) -> Result<(), HookError> {
        let method = data.paging_method(user);
        let incident = self.open_incident(idx)?;
        if incident.events.len() + 2 > MAX_EVENTS {
            return Err(invalid("the incident's history is full"));
        }
        incident.assignments = vec![(user, now)];
        incident.acknowledgements.clear();
        record(
            incident,
            now,
            EventKind::Reassign { user },
            Actor::User(by),
            Channel::Website,
        );
        incident.events.push(Event {
            at: now,
            kind: EventKind::Notify { user, method },
            agent: Actor::System,
            channel: Channel::Auto,
        });
        self.set_status(idx, Status::Triggered);
        Ok(())
    }

    /// Adds a note by `user`.
    pub fn annotate(&mut self, idx: usize, user: usize, content: String, now: Secs) -> Result<(), HookError> {
        let incident = self.incidents.get_mut(idx).ok_or_else(|| invalid("unknown incident"))?;
        if incident.notes.len() >= MAX_NOTES || incident.events.len() >= MAX_EVENTS {
            return Err(invalid("the incident has too many notes"));
        }
        incident.notes.push(Note {
            at: now,
            user,
            content: Cow::Owned(content),
        });
        record(incident, now, EventKind::Annotate, Actor::User(user), Channel::Note);
        Ok(())
    }

    fn open_incident(&mut self, idx: usize) -> Result<&mut Incident, HookError> {
        let incident = self.incidents.get_mut(idx).ok_or_else(|| invalid("unknown incident"))?;
        if !incident.status.is_open() {
            return Err(invalid(format!("incident {} is resolved", incident.id)));
        }
        if incident.events.len() >= MAX_EVENTS {
            return Err(invalid("the incident's history is full"));
        }
        Ok(incident)
    }

    /// Moves an incident to `status`, keeping the service's counts right.
    fn set_status(&mut self, idx: usize, status: Status) {
        let Some(incident) = self.incidents.get_mut(idx) else {
            return;
        };
        let old = std::mem::replace(&mut incident.status, status);
        if let Some(load) = self.load.get_mut(incident.service) {
            for (s, delta) in [(old, false), (status, true)] {
                let counter = match s {
                    Status::Triggered => &mut load.triggered,
                    Status::Acknowledged => &mut load.acknowledged,
                    Status::Resolved => continue,
                };
                *counter = if delta { *counter + 1 } else { counter.saturating_sub(1) };
            }
        }
    }
}

/// The notification of `user` by their paging method.
fn notify(data: &Dataset, user: usize, at: Secs) -> Event {
    Event {
        at,
        kind: EventKind::Notify {
            user,
            method: data.paging_method(user),
        },
        agent: Actor::System,
        channel: Channel::Auto,
    }
}

/// Appends an event and marks the incident changed. Every hook moves
/// `last_status_change_at`, so a client polling a list sees each change.
fn record(incident: &mut Incident, now: Secs, kind: EventKind, agent: Actor, channel: Channel) {
    incident.events.push(Event {
        at: now,
        kind,
        agent,
        channel,
    });
    incident.updated_at = now;
    incident.last_status_change_at = now;
    incident.last_status_change_by = agent;
}
