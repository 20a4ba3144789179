//! Deterministic generation of the sandbox account from a seed: the same seed, subdomain
//! and region always give the same ids, names and memberships.

use std::collections::HashSet;

use super::catalog::{COLORS, FIRST_NAMES, JOB_TITLES, LAST_NAMES, TEAMS, TIME_ZONES};
use super::{Account, ContactKind, ContactMethod, Dataset, Role, Team, User};
use crate::config::Region;

/// Roles of the seeded users, in order; the first user owns the account.
const ROLES: &[Role] = &[
    Role::Owner,
    Role::Admin,
    Role::LimitedUser,
    Role::User,
    Role::Observer,
    Role::RestrictedAccess,
    Role::User,
    Role::ReadOnlyUser,
];

/// Number of teams in the seeded account.
const TEAM_COUNT: usize = 4;

/// Alphabet of PagerDuty object ids after the leading `P`.
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Generates the account for `seed`.
pub fn generate(seed: u64, subdomain: &str, region: Region) -> Dataset {
    let mut rng = SplitMix64::new(seed);
    let mut ids = IdMint::default();

    let account = Account {
        id: ids.next(&mut rng),
        name: account_name(subdomain),
        subdomain: subdomain.to_owned(),
        region,
    };

    let team_picks = rng.distinct(TEAMS.len(), TEAM_COUNT);
    let teams: Vec<Team> = team_picks
        .iter()
        .map(|&i| Team {
            id: ids.next(&mut rng),
            name: TEAMS[i].to_owned(),
        })
        .collect();

    let firsts = rng.distinct(FIRST_NAMES.len(), ROLES.len());
    let lasts = rng.distinct(LAST_NAMES.len(), ROLES.len());
    let users = ROLES
        .iter()
        .enumerate()
        .map(|(i, &role)| {
            let first = FIRST_NAMES[firsts[i]];
            let last = LAST_NAMES[lasts[i]];
            let email = format!("{}.{}@example.com", email_part(first), email_part(last));
            let mut team_ids = vec![teams[i % teams.len()].id.clone()];
            if rng.below(3) == 0 {
                let extra = &teams[(i + 1 + rng.below(teams.len() - 1)) % teams.len()].id;
                team_ids.push(extra.clone());
            }
            let mut contact_methods = vec![
                ContactMethod {
                    id: ids.next(&mut rng),
                    kind: ContactKind::Email,
                    label: "Default".into(),
                },
                ContactMethod {
                    id: ids.next(&mut rng),
                    kind: ContactKind::Phone,
                    label: "Mobile".into(),
                },
            ];
            if rng.below(2) == 0 {
                contact_methods.push(ContactMethod {
                    id: ids.next(&mut rng),
                    kind: ContactKind::Sms,
                    label: "Mobile".into(),
                });
            }
            User {
                id: ids.next(&mut rng),
                name: format!("{first} {last}"),
                email,
                role,
                job_title: JOB_TITLES[rng.below(JOB_TITLES.len())].to_owned(),
                time_zone: TIME_ZONES[rng.below(TIME_ZONES.len())].to_owned(),
                color: COLORS[rng.below(COLORS.len())].to_owned(),
                description: format!("{} at {}.", role.label(), account_name(subdomain)),
                team_ids,
                contact_methods,
            }
        })
        .collect();

    Dataset { account, teams, users }
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

/// The part of a name used in an e-mail address: lower-case ASCII letters only.
fn email_part(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Hands out unique PagerDuty-style ids (`P` + six characters).
#[derive(Default)]
struct IdMint {
    used: HashSet<String>,
}

impl IdMint {
    fn next(&mut self, rng: &mut SplitMix64) -> String {
        loop {
            let id: String = std::iter::once('P')
                .chain((0..6).map(|_| char::from(ID_ALPHABET[rng.below(ID_ALPHABET.len())])))
                .collect();
            if self.used.insert(id.clone()) {
                return id;
            }
        }
    }
}

/// SplitMix64: small, fast and fully determined by its seed.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        let n = n.max(1) as u64;
        usize::try_from(self.next_u64() % n).unwrap_or(0)
    }

    /// `count` distinct indices in `0..len`, in random order (`count` <= `len`).
    fn distinct(&mut self, len: usize, count: usize) -> Vec<usize> {
        let mut pool: Vec<usize> = (0..len).collect();
        for i in (1..pool.len()).rev() {
            let j = self.below(i + 1);
            pool.swap(i, j);
        }
        pool.truncate(count.min(len));
        pool
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data() {
        let a = generate(7, "acme-sandbox", Region::Us);
        let b = generate(7, "acme-sandbox", Region::Us);
        let ids = |d: &Dataset| {
            d.users
                .iter()
                .map(|u| (u.id.clone(), u.name.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&a), ids(&b));
        assert_eq!(a.account.id, b.account.id);
        let c = generate(8, "acme-sandbox", Region::Us);
        assert_ne!(ids(&a), ids(&c));
    }

    #[test]
    fn account_has_varied_roles_and_valid_references() {
        let data = generate(1, "acme-sandbox", Region::Us);
        assert!(data.users.len() >= 6);
        for role in [
            Role::Owner,
            Role::Admin,
            Role::LimitedUser,
            Role::User,
            Role::Observer,
            Role::RestrictedAccess,
        ] {
            assert!(data.users.iter().any(|u| u.role == role), "missing {role:?}");
        }
        assert_eq!(data.users[0].role, Role::Owner);
        assert_eq!(data.account.name, "Acme Sandbox");
        for user in &data.users {
            assert!(user.id.starts_with('P') && user.id.len() == 7);
            assert!(user.email.ends_with("@example.com") && user.email.is_ascii());
            assert!(!user.team_ids.is_empty());
            assert!(user.team_ids.iter().all(|t| data.team(t).is_some()));
        }
        let mut all_ids: Vec<&str> = data.users.iter().map(|u| u.id.as_str()).collect();
        all_ids.extend(data.teams.iter().map(|t| t.id.as_str()));
        let unique: HashSet<&str> = all_ids.iter().copied().collect();
        assert_eq!(unique.len(), all_ids.len());
    }
}
