//! Seeding schedules. Six shapes cycle through the account: a weekly primary rotation, a
//! daily secondary, business hours only (nights and weekends uncovered), follow the sun
//! with a one-hour hole at the evening handoff, a weekend layer over a weekly rotation,
//! and a retiring rotation whose only layer ends two days after the epoch. Overrides sit
//! in the past and the future, one of them inside a business-hours gap.

use std::collections::HashSet;

use super::super::catalog::people::TIME_ZONES;
use super::super::ids::IdMint;
use super::super::people::{Team, TeamRole, User};
use super::super::rng::SplitMix64;
use super::super::schedules::{Layer, Override, Restriction, Schedule};
use super::super::when::{DAY, HOUR, Secs, WEEK, day_start, local_day, weekday};
use super::Sizes;

/// Names of the shapes, in cycle order.
const SHAPES: &[&str] = &[
    "Primary",
    "Secondary",
    "Business Hours",
    "Follow the Sun",
    "Weekend Cover",
    "Legacy Rotation (retiring)",
];

/// Generates the schedules; each belongs to one team and rotates its responders.
pub fn generate(
    rng: &mut SplitMix64,
    ids: &mut IdMint,
    sizes: &Sizes,
    teams: &[Team],
    users: &[User],
    epoch: Secs,
) -> Vec<Schedule> {
    let mut names = HashSet::new();
    (0..sizes.schedules)
        .map(|s| {
            let team = s % teams.len().max(1);
            let shape = (s / teams.len().max(1) + s) % SHAPES.len();
            let team_name = teams.get(team).map_or("Ops", |t| t.name.as_str());
            let mut name = format!("{team_name} {}", SHAPES[shape]);
            let mut n = 2;
            while !names.insert(name.clone()) {
                name = format!("{team_name} {} {n}", SHAPES[shape]);
                n += 1;
            }
            let (time_zone, offset) = TIME_ZONES[rng.below(TIME_ZONES.len())];
            let pool = responders(teams.get(team), users);
            let mut ctx = Ctx {
                rng: &mut *rng,
                ids: &mut *ids,
                offset,
                epoch,
                pool: &pool,
            };
            let (layers, overrides) = ctx.shape(shape, s == 0);
            Schedule {
                id: ids.next(rng),
                name,
                description: format!("{} on-call for {team_name}.", SHAPES[shape]),
                time_zone,
                offset,
                layers,
                overrides,
                teams: vec![team],
                policies: Vec::new(),
            }
        })
        .collect()
}

/// Users who can take shifts for a team: its managers and responders, topped up from the
/// whole account when the team is small.
fn responders(team: Option<&Team>, users: &[User]) -> Vec<usize> {
    let mut pool: Vec<usize> = team
        .map(|t| {
            t.members
                .iter()
                .filter(|&&(_, role)| role != TeamRole::Observer)
                .map(|&(u, _)| u)
                .collect()
        })
        .unwrap_or_default();
    let mut extra = users
        .iter()
        .enumerate()
        .filter(|(_, u)| u.role.responds())
        .map(|(i, _)| i);
    while pool.len() < 4 {
        match extra.next() {
            Some(u) if !pool.contains(&u) => pool.push(u),
            Some(_) => {}
            None => break,
        }
    }
    pool
}

struct Ctx<'a> {
    rng: &'a mut SplitMix64,
    ids: &'a mut IdMint,
    offset: i32,
    epoch: Secs,
    pool: &'a [usize],
}

impl Ctx<'_> {
    /// Local midnight of the Monday of the epoch's week, `weeks_back` weeks earlier.
    fn monday(&self, weeks_back: Secs) -> Secs {
        let day = local_day(self.epoch, self.offset);
        day_start(day - weekday(day) - 7 * weeks_back, self.offset)
    }

    /// Local midnight `days` days after the epoch's day (negative: before).
    fn midnight(&self, days: Secs) -> Secs {
        day_start(local_day(self.epoch, self.offset) + days, self.offset)
    }

    fn users(&mut self, count: usize, owner_first: bool) -> Vec<usize> {
        let picks = self.rng.distinct(self.pool.len(), count.max(1));
        let mut users: Vec<usize> = picks.iter().filter_map(|&i| self.pool.get(i).copied()).collect();
        if owner_first {
            users.retain(|&u| u != 0);
            users.insert(0, 0);
        }
        users
    }

    fn layer(&mut self, number: usize, turn: Secs, users: Vec<usize>, restrictions: Vec<Restriction>) -> Layer {
        let weeks_back = self.rng.between(4, 26);
        let start = self.monday(weeks_back) + 9 * HOUR;
        Layer {
            id: self.ids.next(self.rng),
            name: format!("Layer {number}"),
            start,
            end: None,
            rotation_virtual_start: start,
            turn,
            users,
            restrictions,
        }
    }

    fn override_at(&mut self, start: Secs, hours: Secs) -> Override {
        let user = self.pool.get(self.rng.below(self.pool.len())).copied().unwrap_or(0);
        Override {
            id: self.ids.next(self.rng),
            start,
            end: start + hours * HOUR,
            user,
        }
    }

    fn shape(&mut self, shape: usize, with_owner: bool) -> (Vec<Layer>, Vec<Override>) {
        let size = self.rng.between(3, 6) as usize;
        let users = self.users(size, with_owner);
        match shape {
            0 => {
                let layer = self.layer(1, WEEK, users, vec![]);
                let past = self.override_at(self.midnight(-2) + 18 * HOUR, 6);
                let future = self.override_at(self.midnight(1) + 20 * HOUR, 12);
                (vec![layer], vec![past, future])
            }
            1 => {
                let layer = self.layer(1, DAY, users, vec![]);
                let future = self.override_at(self.midnight(3) + 8 * HOUR, 24);
                (vec![layer], vec![future])
            }
            2 => {
                let weekdays = (1..=5).map(|wd| weekly(wd, 9, 8)).collect();
                let layer = self.layer(1, WEEK, users, weekdays);
                let saturday = self.monday(-1) - 2 * DAY + 10 * HOUR;
                (vec![layer], vec![self.override_at(saturday, 4)])
            }
            3 => {
                let split = users.len() / 2;
                let (day_users, night_users) = (users[..split.max(1)].to_vec(), users[split.max(1)..].to_vec());
                let night_users = if night_users.is_empty() {
                    day_users.clone()
                } else {
                    night_users
                };
                let day = self.layer(1, DAY, day_users, vec![daily(8, 12)]);
                let night = self.layer(2, WEEK, night_users, vec![daily(21, 11)]);
                (vec![day, night], vec![])
            }
            4 => {
                let weekend_users = self.users(2, false);
                let base = self.layer(1, WEEK, users, vec![]);
                let weekend = self.layer(2, WEEK, weekend_users, vec![weekly(6, 0, 48)]);
                (vec![base, weekend], vec![])
            }
            _ => {
                let mut layer = self.layer(1, DAY, users, vec![]);
                layer.end = Some(self.midnight(2) + 9 * HOUR);
                (vec![layer], vec![])
            }
        }
    }
}

fn daily(hour: Secs, hours: Secs) -> Restriction {
    Restriction {
        weekday: None,
        start_of_day: hour * HOUR,
        duration: hours * HOUR,
    }
}

fn weekly(weekday: u8, hour: Secs, hours: Secs) -> Restriction {
    Restriction {
        weekday: Some(weekday),
        start_of_day: hour * HOUR,
        duration: hours * HOUR,
    }
}
