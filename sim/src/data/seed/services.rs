//! Seeding escalation policies (levels targeting schedules and users, loops), services
//! (one policy each, teams, every configured mode) and the five priorities.

use std::collections::HashSet;

use super::super::catalog::ops::{PRIORITIES, REGIONS, SERVICES};
use super::super::ids::IdMint;
use super::super::people::{Team, TeamRole};
use super::super::rng::SplitMix64;
use super::super::schedules::Schedule;
use super::super::services::{EscalationPolicy, Priority, Rule, Service, ServiceMode, Target};
use super::super::when::{DAY, Secs};
use super::Sizes;

/// Policy names after the team name, by shape.
const POLICY_SHAPES: &[&str] = &["Escalation", "Critical Path", "Direct Page", "Round Robin"];

/// Generates the escalation policies. Shapes cycle: schedule, schedule, manager; schedule
/// then manager; two users directly, a schedule, the manager; schedule then schedule. Level
/// one of policy `p` targets schedule `p mod schedules`, so every schedule is used.
pub fn policies(
    rng: &mut SplitMix64,
    ids: &mut IdMint,
    sizes: &Sizes,
    teams: &[Team],
    schedules: &[Schedule],
) -> Vec<EscalationPolicy> {
    let mut names = HashSet::new();
    (0..sizes.policies)
        .map(|p| {
            let first = p % schedules.len().max(1);
            let team = schedules.get(first).and_then(|s| s.teams.first().copied()).unwrap_or(0);
            let team_ref = teams.get(team);
            let manager = team_ref
                .and_then(|t| t.members.iter().find(|m| m.1 == TeamRole::Manager))
                .map_or(0, |m| m.0);
            let responders: Vec<usize> = team_ref
                .map(|t| {
                    t.members
                        .iter()
                        .filter(|m| m.1 != TeamRole::Observer)
                        .map(|m| m.0)
                        .collect()
                })
                .unwrap_or_default();
            let second = team_schedules(schedules, team)
                .into_iter()
                .find(|&s| s != first)
                .unwrap_or((first + 1) % schedules.len().max(1));
            let shape = p % POLICY_SHAPES.len();
            let levels: Vec<Vec<Target>> = match shape {
                0 => {
                    let mut last = vec![Target::User(manager)];
                    if team == 0 && manager != 0 {
                        last.push(Target::User(0));
                    }
                    vec![vec![Target::Schedule(first)], vec![Target::Schedule(second)], last]
                }
                1 => vec![vec![Target::Schedule(first)], vec![Target::User(manager)]],
                2 => {
                    let picks = rng.distinct(responders.len(), 2);
                    let direct: Vec<Target> = picks
                        .iter()
                        .filter_map(|&i| responders.get(i).copied())
                        .map(Target::User)
                        .collect();
                    vec![direct, vec![Target::Schedule(first)], vec![Target::User(manager)]]
                }
                _ => vec![vec![Target::Schedule(first)], vec![Target::Schedule(second)]],
            };
            let rules = levels
                .into_iter()
                .enumerate()
                .map(|(level, targets)| Rule {
                    id: ids.next(rng),
                    delay_minutes: [30, 15, 10][level.min(2)] / if rng.chance(30) { 2 } else { 1 },
                    targets,
                })
                .collect();
            let team_name = team_ref.map_or("Ops", |t| t.name.as_str());
            let mut name = format!("{team_name} {}", POLICY_SHAPES[shape]);
            let mut n = 2;
            while !names.insert(name.clone()) {
                name = format!("{team_name} {} {n}", POLICY_SHAPES[shape]);
                n += 1;
            }
            EscalationPolicy {
                id: ids.next(rng),
                description: format!("How {team_name} is paged."),
                name,
                rules,
                num_loops: u32::try_from(rng.below(3)).unwrap_or(0),
                teams: vec![team],
                services: Vec::new(),
            }
        })
        .collect()
}

fn team_schedules(schedules: &[Schedule], team: usize) -> Vec<usize> {
    (0..schedules.len())
        .filter(|&s| schedules[s].teams.contains(&team))
        .collect()
}

/// Generates the services. Service `s` uses policy `s mod (policies - 1)`, so the last
/// policy has none; one service in twelve is disabled and one in twelve in maintenance;
/// the last service belongs to no team.
pub fn services(
    rng: &mut SplitMix64,
    ids: &mut IdMint,
    sizes: &Sizes,
    policies: &[EscalationPolicy],
    team_count: usize,
    epoch: Secs,
) -> Vec<Service> {
    let order = rng.distinct(SERVICES.len(), SERVICES.len());
    let used_policies = policies.len().saturating_sub(1).max(1);
    (0..sizes.services)
        .map(|s| {
            let (base, description) = SERVICES[order[s % order.len()]];
            let name = match s / order.len() {
                0 => base.to_owned(),
                round if round <= REGIONS.len() => format!("{base} ({})", REGIONS[round - 1]),
                round => format!("{base} #{round}"),
            };
            let policy = s % used_policies;
            let mut teams = policies.get(policy).map(|p| p.teams.clone()).unwrap_or_default();
            if rng.chance(10) && team_count > 1 {
                let extra = rng.below(team_count);
                if !teams.contains(&extra) {
                    teams.push(extra);
                }
            }
            if s + 1 == sizes.services {
                teams.clear();
            }
            let mode = match s % 12 {
                11 => ServiceMode::Disabled,
                7 => ServiceMode::Maintenance,
                _ => ServiceMode::Enabled,
            };
            Service {
                id: ids.next(rng),
                name,
                description: description.to_owned(),
                policy,
                teams,
                mode,
                created_at: epoch - rng.between(60, 1200) * DAY,
                auto_resolve_timeout: rng.chance(50).then_some(14_400),
                acknowledgement_timeout: rng.chance(60).then_some(1_800),
                integration_id: ids.next(rng),
                support_hours: rng.chance(20),
            }
        })
        .collect()
}

/// The five standard priorities.
pub fn priorities(rng: &mut SplitMix64, ids: &mut IdMint) -> Vec<Priority> {
    PRIORITIES
        .iter()
        .map(|&(name, description, color)| Priority {
            id: ids.next(rng),
            name: name.to_owned(),
            description: description.to_owned(),
            color: color.to_owned(),
        })
        .collect()
}
