//! The sandbox account's data model, split by resource, and lookups over it. Everything
//! but incidents is generated once from a seed by `seed/` and never changes while the
//! sandbox runs; incidents live in an [`IncidentStore`] that the test hooks change. JSON
//! rendering belongs to `api/`.

mod alerts;
mod catalog;
mod ids;
mod incidents;
mod oncalls;
mod people;
mod rng;
mod schedules;
mod seed;
mod services;
mod store;
pub mod when;

pub use alerts::{Alert, alerts_of};
pub use incidents::{Actor, Channel, EventKind, Incident, Status, Urgency};
pub use oncalls::{OnCall, earliest_only, oncalls};
#[cfg(test)]
pub use people::Role;
pub use people::{ContactKind, ContactMethod, Team, TeamRole, User};
pub use rng::SplitMix64;
pub use schedules::{Schedule, Span, coverage_percentage};
pub use seed::generate;
pub(crate) use seed::incident_title;
pub use services::{EscalationPolicy, Priority, Service, ServiceMode, Target};
pub use store::{HookError, IncidentStore};

use std::collections::HashMap;

use crate::config::Region;
use when::Secs;

/// The PagerDuty account the sandbox pretends to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// Account id, as in the id_token `account_id` claim.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `<subdomain>.pagerduty.com`.
    pub subdomain: String,
    /// Service region.
    pub region: Region,
}

/// Ids to positions for one kind of object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Index(HashMap<String, usize>);

impl Index {
    fn of<'a>(ids: impl Iterator<Item = &'a String>) -> Self {
        Self(ids.enumerate().map(|(i, id)| (id.clone(), i)).collect())
    }

    fn get(&self, id: &str) -> Option<usize> {
        self.0.get(id).copied()
    }
}

/// Everything in the account except incidents; fixed once generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    /// The account.
    pub account: Account,
    /// The seed it was generated from (also keys long ids and alert details).
    pub seed: u64,
    /// The instant seeded timestamps count back from.
    pub epoch: Secs,
    /// Teams.
    pub teams: Vec<Team>,
    /// Users; the first is the account owner.
    pub users: Vec<User>,
    /// Services.
    pub services: Vec<Service>,
    /// Escalation policies.
    pub policies: Vec<EscalationPolicy>,
    /// Schedules.
    pub schedules: Vec<Schedule>,
    /// Priorities, P1 first.
    pub priorities: Vec<Priority>,
    team_index: Index,
    user_index: Index,
    service_index: Index,
    policy_index: Index,
    schedule_index: Index,
}

impl Dataset {
    /// Builds the id indices once the objects are complete.
    #[allow(clippy::too_many_arguments)]
    fn assemble(
        account: Account,
        seed: u64,
        epoch: Secs,
        teams: Vec<Team>,
        users: Vec<User>,
        services: Vec<Service>,
        policies: Vec<EscalationPolicy>,
        schedules: Vec<Schedule>,
        priorities: Vec<Priority>,
    ) -> Self {
        Self {
            team_index: Index::of(teams.iter().map(|t| &t.id)),
            user_index: Index::of(users.iter().map(|u| &u.id)),
            service_index: Index::of(services.iter().map(|s| &s.id)),
            policy_index: Index::of(policies.iter().map(|p| &p.id)),
            schedule_index: Index::of(schedules.iter().map(|s| &s.id)),
            account,
            seed,
            epoch,
            teams,
            users,
            services,
            policies,
            schedules,
            priorities,
        }
    }

    /// The user with this id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.user_index.get(id).and_then(|i| self.users.get(i))
    }

    /// Position of the user with this id.
    pub fn user_idx(&self, id: &str) -> Option<usize> {
        self.user_index.get(id)
    }

    /// Position of the team with this id.
    pub fn team_idx(&self, id: &str) -> Option<usize> {
        self.team_index.get(id)
    }

    /// Position of the service with this id.
    pub fn service_idx(&self, id: &str) -> Option<usize> {
        self.service_index.get(id)
    }

    /// Position of the escalation policy with this id.
    pub fn policy_idx(&self, id: &str) -> Option<usize> {
        self.policy_index.get(id)
    }

    /// Position of the schedule with this id.
    pub fn schedule_idx(&self, id: &str) -> Option<usize> {
        self.schedule_index.get(id)
    }

    /// The first escalation level at or after `from` (0-based) of `policy` with somebody on
    /// call at `at`: the level (1-based) and the user.
    pub fn on_call_from_level(&self, policy: usize, from: usize, at: Secs) -> Option<(u32, usize)> {
        let rules = &self.policies.get(policy)?.rules;
        rules.iter().enumerate().skip(from).find_map(|(i, rule)| {
            let user = rule.targets.iter().find_map(|t| match *t {
                Target::User(u) => Some(u),
                Target::Schedule(s) => self.schedules.get(s).and_then(|s| s.user_at(at)),
            })?;
            Some((u32::try_from(i + 1).unwrap_or(u32::MAX), user))
        })
    }

    /// How a user is paged: push, then SMS, then phone, then e-mail.
    pub fn paging_method(&self, user: usize) -> ContactKind {
        let methods = self
            .users
            .get(user)
            .map(|u| u.contact_methods.as_slice())
            .unwrap_or(&[]);
        [ContactKind::Push, ContactKind::Sms, ContactKind::Phone]
            .into_iter()
            .find(|k| methods.iter().any(|m| m.kind == *k))
            .unwrap_or(ContactKind::Email)
    }
}
