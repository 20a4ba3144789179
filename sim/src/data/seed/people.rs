//! Seeding teams and users: names, roles, job titles, time zones, contact methods and
//! team memberships with team roles. Every team gets a manager and responders.

use std::collections::HashSet;

use super::super::catalog::people::{
    COLORS, DEVICES, FIRST_NAMES, JOB_TITLES, LAST_NAMES, TEAM_DESCRIPTIONS, TEAM_QUALIFIERS, TEAMS, TIME_ZONES,
};
use super::super::ids::IdMint;
use super::super::people::{ContactKind, ContactMethod, Role, Team, TeamRole, User};
use super::super::rng::SplitMix64;
use super::super::when::{DAY, Secs};
use super::Sizes;

/// Roles of the first users, in order; the first user owns the account.
const FIRST_ROLES: &[Role] = &[
    Role::Owner,
    Role::Admin,
    Role::LimitedUser,
    Role::User,
    Role::Observer,
    Role::RestrictedAccess,
    Role::User,
    Role::ReadOnlyUser,
];

/// Generates teams (with members) and users.
pub fn generate(
    rng: &mut SplitMix64,
    ids: &mut IdMint,
    sizes: &Sizes,
    account_name: &str,
    epoch: Secs,
) -> (Vec<Team>, Vec<User>) {
    let mut teams = team_shells(rng, ids, sizes.teams);
    let users = users(rng, ids, sizes.users, teams.len(), account_name, epoch);
    for (u, user) in users.iter().enumerate() {
        for &t in &user.teams {
            if let Some(team) = teams.get_mut(t) {
                team.members.push((u, TeamRole::Responder));
            }
        }
    }
    for team in &mut teams {
        assign_team_roles(team, &users);
    }
    (teams, users)
}

fn team_shells(rng: &mut SplitMix64, ids: &mut IdMint, count: usize) -> Vec<Team> {
    let order = rng.distinct(TEAMS.len(), TEAMS.len());
    (0..count)
        .map(|i| {
            let base = order[i % order.len()];
            let name = match i / order.len() {
                0 => TEAMS[base].to_owned(),
                round => format!(
                    "{} ({})",
                    TEAMS[base],
                    TEAM_QUALIFIERS[(round - 1) % TEAM_QUALIFIERS.len()]
                ),
            };
            Team {
                id: ids.next(rng),
                name,
                description: TEAM_DESCRIPTIONS.get(base).copied().unwrap_or("").to_owned(),
                members: Vec::new(),
            }
        })
        .collect()
}

fn role_for(rng: &mut SplitMix64, i: usize) -> Role {
    if let Some(&role) = FIRST_ROLES.get(i) {
        return role;
    }
    match rng.below(100) {
        0..=59 => Role::User,
        60..=74 => Role::LimitedUser,
        75..=79 => Role::Admin,
        80..=87 => Role::Observer,
        88..=94 => Role::ReadOnlyUser,
        _ => Role::RestrictedAccess,
    }
}

fn users(
    rng: &mut SplitMix64,
    ids: &mut IdMint,
    count: usize,
    team_count: usize,
    account_name: &str,
    epoch: Secs,
) -> Vec<User> {
    let combos = FIRST_NAMES.len() * LAST_NAMES.len();
    let names = rng.distinct(combos, count);
    let mut emails = HashSet::new();
    (0..count)
        .map(|i| {
            let combo = names.get(i).copied().unwrap_or_else(|| rng.below(combos));
            let (first, last) = (
                FIRST_NAMES[combo % FIRST_NAMES.len()],
                LAST_NAMES[combo / FIRST_NAMES.len()],
            );
            let base = format!("{}.{}", email_part(first), email_part(last));
            let mut email = format!("{base}@example.com");
            let mut n = 2;
            while !emails.insert(email.clone()) {
                email = format!("{base}{n}@example.com");
                n += 1;
            }
            let role = role_for(rng, i);
            let (time_zone, _) = TIME_ZONES[rng.below(TIME_ZONES.len())];
            let mut teams = match i {
                0 => vec![0, 1 % team_count.max(1)],
                _ => vec![i % team_count.max(1)],
            };
            if i > 0 && rng.chance(25) {
                teams.push(rng.below(team_count));
            }
            teams.dedup();
            let job_title = if role == Role::Owner {
                "VP of Engineering"
            } else {
                JOB_TITLES[rng.below(JOB_TITLES.len())]
            };
            User {
                id: ids.next(rng),
                name: format!("{first} {last}"),
                contact_methods: contact_methods(rng, ids, &email, role, time_zone, epoch),
                email,
                role,
                job_title: job_title.to_owned(),
                time_zone,
                color: COLORS[rng.below(COLORS.len())],
                description: format!("{} at {account_name}.", role.label()),
                teams,
            }
        })
        .collect()
}

fn contact_methods(
    rng: &mut SplitMix64,
    ids: &mut IdMint,
    email: &str,
    role: Role,
    time_zone: &str,
    epoch: Secs,
) -> Vec<ContactMethod> {
    let added = |rng: &mut SplitMix64| epoch - rng.between(30, 900) * DAY;
    let mut methods = vec![ContactMethod {
        id: ids.next(rng),
        kind: ContactKind::Email,
        label: "Default".into(),
        address: email.to_owned(),
        country_code: None,
        device_type: None,
        created_at: added(rng),
    }];
    if !role.responds() && rng.chance(60) {
        return methods;
    }
    let country_code = country_code(time_zone);
    let number = format!("555{:07}", rng.below(10_000_000));
    methods.push(ContactMethod {
        id: ids.next(rng),
        kind: ContactKind::Phone,
        label: "Mobile".into(),
        address: number.clone(),
        country_code: Some(country_code),
        device_type: None,
        created_at: added(rng),
    });
    if rng.chance(75) {
        methods.push(ContactMethod {
            id: ids.next(rng),
            kind: ContactKind::Sms,
            label: "Mobile".into(),
            address: number,
            country_code: Some(country_code),
            device_type: None,
            created_at: added(rng),
        });
    }
    if role.responds() && rng.chance(70) {
        let (label, device_type) = DEVICES[rng.below(DEVICES.len())];
        let token: String = (0..64)
            .map(|_| char::from(b"0123456789abcdef"[rng.below(16)]))
            .collect();
        methods.push(ContactMethod {
            id: ids.next(rng),
            kind: ContactKind::Push,
            label: label.into(),
            address: token,
            country_code: None,
            device_type: Some(device_type),
            created_at: added(rng),
        });
    }
    methods
}

/// Calling code of the country a time zone is in.
fn country_code(time_zone: &str) -> u16 {
    match time_zone {
        "Europe/London" => 44,
        "Europe/Berlin" => 49,
        "Europe/Lisbon" => 351,
        "Asia/Tokyo" => 81,
        "Asia/Kolkata" => 91,
        "Australia/Sydney" => 61,
        "America/Sao_Paulo" => 55,
        _ => 1,
    }
}

/// Managers first (the first member able to manage, or failing that the first responder),
/// observers for roles that do not respond.
fn assign_team_roles(team: &mut Team, users: &[User]) {
    let role_of = |u: usize| users.get(u).map_or(Role::User, |user| user.role);
    for member in &mut team.members {
        member.1 = if role_of(member.0).responds() {
            TeamRole::Responder
        } else {
            TeamRole::Observer
        };
    }
    let manager = team
        .members
        .iter()
        .position(|&(u, _)| matches!(role_of(u), Role::Owner | Role::Admin | Role::LimitedUser))
        .or_else(|| team.members.iter().position(|&(_, r)| r == TeamRole::Responder))
        .or(if team.members.is_empty() { None } else { Some(0) });
    if let Some(m) = manager {
        let mut member = team.members.remove(m);
        member.1 = TeamRole::Manager;
        team.members.insert(0, member);
    }
}

/// The part of a name used in an e-mail address: lower-case ASCII letters only.
fn email_part(name: &str) -> String {
    name.chars()
        .flat_map(|c| match c {
            'ü' => "ue".chars().collect::<Vec<_>>(),
            c => vec![c],
        })
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
