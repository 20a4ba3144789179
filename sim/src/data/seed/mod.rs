//! Deterministic generation of the sandbox account: the same seed, scale, subdomain,
//! region and epoch always give the same account. Each resource has its own random
//! stream, so changing how one is drawn leaves the others alone. Timestamps count back
//! from the epoch.

mod incidents;

pub(crate) use incidents::fill_title as incident_title;
mod people;
mod schedules;
mod services;

use super::ids::IdMint;
use super::rng::SplitMix64;
use super::services::Target;
use super::store::IncidentStore;
use super::when::Secs;
use super::{Account, Dataset};
use crate::config::{Region, Scale};

/// How many of each object a scale has.
#[derive(Clone, Copy, Debug)]
pub struct Sizes {
    /// Teams.
    pub teams: usize,
    /// Users.
    pub users: usize,
    /// Services.
    pub services: usize,
    /// Escalation policies.
    pub policies: usize,
    /// Schedules.
    pub schedules: usize,
    /// Incidents in the last 30 days.
    pub recent: usize,
    /// Incidents 31 to 90 days old.
    pub older: usize,
    /// Incidents still open.
    pub open: usize,
}

impl Sizes {
    /// The sizes of a scale.
    pub fn of(scale: Scale) -> Self {
        match scale {
            Scale::Small => Self {
                teams: 8,
                users: 40,
                services: 25,
                policies: 12,
                schedules: 10,
                recent: 300,
                older: 45,
                open: 15,
            },
            Scale::Large => Self {
                teams: 60,
                users: 1_200,
                services: 750,
                policies: 360,
                schedules: 300,
                recent: 12_000,
                older: 1_800,
                open: 150,
            },
        }
    }
}

/// A generated account: the fixed part and the incidents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seeded {
    /// Everything but incidents.
    pub data: Dataset,
    /// Incidents.
    pub incidents: IncidentStore,
}

/// Generates the account for `seed` at `scale`, with timestamps counting back from `epoch`.
pub fn generate(seed: u64, scale: Scale, subdomain: &str, region: Region, epoch: Secs) -> Seeded {
    let sizes = Sizes::of(scale);
    let mut ids = IdMint::default();
    let mut rng = SplitMix64::fork(seed, 0);
    let account = Account {
        id: ids.next(&mut rng),
        name: account_name(subdomain),
        subdomain: subdomain.to_owned(),
        region,
    };
    let (teams, users) = people::generate(&mut SplitMix64::fork(seed, 1), &mut ids, &sizes, &account.name, epoch);
    let mut schedules = schedules::generate(&mut SplitMix64::fork(seed, 2), &mut ids, &sizes, &teams, &users, epoch);
    let mut policies = services::policies(&mut SplitMix64::fork(seed, 3), &mut ids, &sizes, &teams, &schedules);
    let services = services::services(
        &mut SplitMix64::fork(seed, 4),
        &mut ids,
        &sizes,
        &policies,
        teams.len(),
        epoch,
    );
    let priorities = services::priorities(&mut SplitMix64::fork(seed, 5), &mut ids);
    for (s, service) in services.iter().enumerate() {
        if let Some(policy) = policies.get_mut(service.policy) {
            policy.services.push(s);
        }
    }
    for (p, policy) in policies.iter().enumerate() {
        for target in policy.rules.iter().flat_map(|r| &r.targets) {
            let schedule = match *target {
                Target::Schedule(s) => schedules.get_mut(s),
                Target::User(_) => None,
            };
            if let Some(schedule) = schedule.filter(|s| !s.policies.contains(&p)) {
                schedule.policies.push(p);
            }
        }
    }
    let data = Dataset::assemble(
        account, seed, epoch, teams, users, services, policies, schedules, priorities,
    );
    let incidents = incidents::generate(&mut SplitMix64::fork(seed, 6), &data, &sizes);
    Seeded { data, incidents }
}

/// `acme-sandbox` → `Acme Sandbox`.
fn account_name(subdomain: &str) -> String {
    subdomain
        .split('-')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;
