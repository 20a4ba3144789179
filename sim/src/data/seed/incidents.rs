//! Seeding incidents: creation times over the last 90 days with alert storms, a handful
//! left open on a few "hot" services (so services show every status), and for each one a
//! plausible life: trigger, assignment to whoever is on call (a gap escalates at once),
//! notification, escalation when nobody acknowledges in time, acknowledgement, notes and
//! resolution. Some titles and a note are hostile on purpose.

use std::borrow::Cow;

use super::super::catalog::ops::{HOSTILE_NOTE, HOSTILE_TITLES, NOTES, REGIONS, TITLES};
use super::super::incidents::{Actor, Channel, Event, EventKind, Incident, Note, Status, Urgency};
use super::super::rng::SplitMix64;
use super::super::services::ServiceMode;
use super::super::store::IncidentStore;
use super::super::when::{DAY, HOUR, MINUTE, Secs};
use super::super::{Dataset, TeamRole};
use super::Sizes;

/// What the plan fixes about an incident before its life is played out.
#[derive(Clone, Debug, Default)]
struct Planned {
    at: Secs,
    service: Option<usize>,
    status: Option<Status>,
    urgency: Option<Urgency>,
    title: Option<String>,
    hostile_note: bool,
    to_owner: bool,
    storm: bool,
}

/// Generates every incident of the account, oldest first.
pub fn generate(rng: &mut SplitMix64, data: &Dataset, sizes: &Sizes) -> IncidentStore {
    let first_number = 1_000 + rng.below(9_000) as u64;
    let mut store = IncidentStore::new(data.seed, data.services.len(), first_number);
    let plan = plan(rng, data, sizes);
    let enabled: Vec<usize> = (0..data.services.len())
        .filter(|&s| data.services[s].mode == ServiceMode::Enabled)
        .collect();
    for planned in plan {
        let service = planned.service.unwrap_or_else(|| {
            // A few noisy services get most incidents; old ones may be on any service.
            if rng.chance(90) && !enabled.is_empty() {
                let bias = rng.below(enabled.len()) + 1;
                enabled[rng.below(bias)]
            } else {
                rng.below(data.services.len())
            }
        });
        let (id, number) = store.next_identity();
        let incident = live(rng, data, &planned, service, id, number);
        store.push(incident);
    }
    store
}

fn plan(rng: &mut SplitMix64, data: &Dataset, sizes: &Sizes) -> Vec<Planned> {
    let epoch = data.epoch;
    let enabled: Vec<usize> = (0..data.services.len())
        .filter(|&s| data.services[s].mode == ServiceMode::Enabled)
        .collect();
    let mut plan: Vec<Planned> = (0..sizes.older)
        .map(|_| Planned {
            at: rng.between(epoch - 90 * DAY, epoch - 31 * DAY),
            ..Planned::default()
        })
        .collect();
    let mut recent = 0;
    while recent < sizes.recent {
        if rng.chance(4) && !enabled.is_empty() {
            let center = rng.between(epoch - 30 * DAY + HOUR, epoch - HOUR);
            let service = enabled[rng.below(enabled.len())];
            for _ in 0..rng.between(3, 8).min(i64::try_from(sizes.recent - recent).unwrap_or(0)) {
                plan.push(Planned {
                    at: center + rng.between(0, 20 * MINUTE),
                    service: Some(service),
                    storm: true,
                    ..Planned::default()
                });
                recent += 1;
            }
        } else {
            plan.push(Planned {
                at: rng.between(epoch - 30 * DAY + HOUR, epoch - 5 * MINUTE),
                ..Planned::default()
            });
            recent += 1;
        }
    }
    plan.sort_by_key(|p| p.at);
    mark_open(rng, &mut plan, &enabled, sizes.open, epoch);
    mark_hostile(&mut plan, data, epoch);
    plan
}

/// Leaves `open` incidents open: recent ones plus one acknowledged 12 days ago and one 35
/// days ago (outside the default 30-day range). They go to a few hot services: even ones
/// get triggered incidents (critical), odd ones only acknowledged ones (warning).
fn mark_open(rng: &mut SplitMix64, plan: &mut [Planned], enabled: &[usize], open: usize, epoch: Secs) {
    if plan.is_empty() || enabled.is_empty() || open < 3 {
        return;
    }
    let closest = |plan: &[Planned], at: Secs| (0..plan.len()).min_by_key(|&i| (plan[i].at - at).abs()).unwrap_or(0);
    let stale = [closest(plan, epoch - 35 * DAY), closest(plan, epoch - 12 * DAY)];
    let latest: Vec<usize> = (0..plan.len())
        .filter(|&i| plan[i].at > epoch - 3 * DAY && !stale.contains(&i))
        .collect();
    let mut chosen: Vec<usize> = rng
        .distinct(latest.len(), open - 2)
        .into_iter()
        .map(|k| latest[k])
        .collect();
    chosen.sort_unstable();
    let hot = enabled.len().min((open / 3).max(3));
    for (j, &i) in chosen.iter().enumerate() {
        let h = j % hot;
        let status = if h % 2 == 1 || (j / hot) % 2 == 1 {
            Status::Acknowledged
        } else {
            Status::Triggered
        };
        let p = &mut plan[i];
        p.service = Some(enabled[h]);
        p.status = Some(status);
        p.urgency = Some(if j % 3 == 1 { Urgency::Low } else { Urgency::High });
        p.storm = false;
        p.to_owner = j == 1 || j == 3;
        p.hostile_note = j == 1;
    }
    for &i in &stale {
        plan[i].service = Some(enabled[1 % hot]);
        plan[i].status = Some(Status::Acknowledged);
        plan[i].storm = false;
    }
    let long = chosen.get(4).copied();
    for (k, &i) in chosen.iter().take(3).enumerate() {
        plan[i].title = Some(HOSTILE_TITLES[[4, 0, 5][k]].to_owned());
    }
    if let Some(i) = long {
        plan[i].title = Some(String::new());
    }
}

/// Hostile titles on resolved recent incidents, spread over the month; the empty title
/// placeholder left by [`mark_open`] becomes a very long one.
fn mark_hostile(plan: &mut [Planned], data: &Dataset, epoch: Secs) {
    for (k, &title) in [HOSTILE_TITLES[1], HOSTILE_TITLES[2], HOSTILE_TITLES[3]]
        .iter()
        .enumerate()
    {
        let at = epoch - (4 + 7 * k as Secs) * DAY;
        if let Some(p) = plan
            .iter_mut()
            .find(|p| p.at >= at && p.status.is_none() && p.title.is_none())
        {
            p.title = Some(title.to_owned());
        }
    }
    let long = long_title(data);
    for p in plan.iter_mut().filter(|p| p.title.as_deref() == Some("")) {
        p.title = Some(long.clone());
    }
}

/// A title of about a thousand characters: a chain of service names.
fn long_title(data: &Dataset) -> String {
    let mut title = String::from("Cascading timeouts: ");
    for service in data.services.iter().cycle().take(200) {
        if title.chars().count() > 980 {
            break;
        }
        title.push_str(&service.name);
        title.push_str(" → ");
    }
    title.push('…');
    title
}

/// A monitoring-style title for an incident on `service`.
pub(crate) fn fill_title(rng: &mut SplitMix64, service: &str) -> String {
    let slug: String = service
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .collect::<String>()
        .to_lowercase()
        .replace(' ', "-");
    let template = TITLES[rng.below(TITLES.len())];
    template
        .replace("{svc}", service)
        .replace("{host}", &format!("{slug}-{}", rng.below(24) + 1))
        .replace("{region}", REGIONS[rng.below(REGIONS.len())])
}

/// Plays out one incident's life up to the epoch.
fn live(rng: &mut SplitMix64, data: &Dataset, p: &Planned, service: usize, id: String, number: u64) -> Incident {
    let epoch = data.epoch;
    let svc = &data.services[service];
    let t0 = p.at;
    let status = p.status.unwrap_or(Status::Resolved);
    let urgency = p.urgency.unwrap_or_else(|| {
        let low = if svc.support_hours { 60 } else { 30 };
        if rng.chance(low) { Urgency::Low } else { Urgency::High }
    });
    let priority = match urgency {
        Urgency::High if rng.chance(75) => Some(rng.below(3)),
        Urgency::Low if rng.chance(50) => Some(3 + rng.below(2)),
        _ => None,
    };
    let title = p.title.clone().unwrap_or_else(|| fill_title(rng, &svc.name));
    let team_member = |rng: &mut SplitMix64| {
        svc.teams
            .first()
            .and_then(|&t| data.teams.get(t))
            .and_then(|t| {
                let responders: Vec<usize> = t
                    .members
                    .iter()
                    .filter(|m| m.1 != TeamRole::Observer)
                    .map(|m| m.0)
                    .collect();
                rng.pick(&responders).copied()
            })
            .unwrap_or(0)
    };

    let (trigger_agent, trigger_channel) = if rng.chance(10) {
        (Actor::User(team_member(rng)), Channel::WebTrigger)
    } else {
        (Actor::Service, Channel::Api)
    };
    let mut events = vec![event(t0, EventKind::Trigger, trigger_agent, trigger_channel)];
    let mut level = 1;
    let mut assignee = None;
    if let Some((reached, user)) = data.on_call_from_level(svc.policy, 0, t0) {
        let kind = if reached > 1 {
            EventKind::Escalate { level: reached, user }
        } else {
            EventKind::Assign { user }
        };
        events.push(event(t0, kind, Actor::System, Channel::Auto));
        events.push(notify(data, user, t0 + 10));
        level = reached;
        assignee = Some((user, t0));
    }
    let clamp = |at: Secs| at.min(epoch - 1).max(t0 + 1);

    let acknowledged = match status {
        Status::Triggered => false,
        Status::Acknowledged => true,
        Status::Resolved => rng.chance(85),
    };
    let mut ack_at = clamp(t0 + rng.between(MINUTE, 25 * MINUTE));
    let resolve_at = {
        let base = if acknowledged { ack_at } else { t0 };
        let duration = match rng.below(100) {
            0..=69 => rng.between(5 * MINUTE, 90 * MINUTE),
            70..=94 => rng.between(90 * MINUTE, 8 * HOUR),
            _ => rng.between(8 * HOUR, 2 * DAY),
        };
        clamp(base + duration).max(base + 1)
    };
    if p.to_owner {
        let by = assignee.map_or(Actor::User(0), |(u, _)| Actor::User(u));
        let at = clamp(t0 + 90);
        events.push(event(at, EventKind::Reassign { user: 0 }, by, Channel::Website));
        events.push(notify(data, 0, at + 5));
        assignee = Some((0, at));
        ack_at = ack_at.max(clamp(at + 60));
    } else {
        let delay = data
            .policies
            .get(svc.policy)
            .and_then(|pol| pol.rules.get(usize::try_from(level).unwrap_or(1).saturating_sub(1)))
            .map_or(30, |r| Secs::from(r.delay_minutes))
            * MINUTE;
        let escalate_at = t0 + delay;
        let still_open = status.is_open() || resolve_at > escalate_at;
        if (!acknowledged || ack_at > escalate_at) && escalate_at < epoch && still_open {
            let from = usize::try_from(level).unwrap_or(1);
            if let Some((reached, user)) = data.on_call_from_level(svc.policy, from, escalate_at) {
                events.push(event(
                    escalate_at,
                    EventKind::Escalate { level: reached, user },
                    Actor::System,
                    Channel::Timeout,
                ));
                events.push(notify(data, user, escalate_at + 10));
                level = reached;
                assignee = Some((user, escalate_at));
            }
        }
    }

    let acker = assignee.map_or_else(|| team_member(rng), |(u, _)| u);
    if acknowledged {
        let channel = [Channel::Mobile, Channel::Website, Channel::Sms][rng.below(3)];
        events.push(event(ack_at, EventKind::Acknowledge, Actor::User(acker), channel));
    }
    let mut notes = Vec::new();
    let note_count = if p.hostile_note {
        2
    } else if rng.chance(20) {
        rng.between(1, 2)
    } else {
        0
    };
    for k in 0..note_count {
        let base = if acknowledged { ack_at } else { t0 };
        let mut at = clamp(base + rng.between(2 * MINUTE, 30 * MINUTE));
        if status == Status::Resolved {
            at = at.min(resolve_at - 1).max(t0 + 1);
        }
        let content = if p.hostile_note && k == 1 {
            Cow::Borrowed(HOSTILE_NOTE)
        } else {
            Cow::Borrowed(NOTES[rng.below(NOTES.len())])
        };
        notes.push(Note {
            at,
            user: acker,
            content,
        });
        events.push(event(at, EventKind::Annotate, Actor::User(acker), Channel::Note));
    }
    notes.sort_by_key(|n| n.at);

    let (last_change_at, last_change_by) = match status {
        Status::Triggered => (t0, trigger_agent),
        Status::Acknowledged => (ack_at, Actor::User(acker)),
        Status::Resolved => {
            let (agent, channel) = if acknowledged && rng.chance(75) {
                (Actor::User(acker), [Channel::Website, Channel::Mobile][rng.below(2)])
            } else {
                (Actor::Service, Channel::Api)
            };
            events.push(event(resolve_at, EventKind::Resolve, agent, channel));
            (resolve_at, agent)
        }
    };
    events.sort_by_key(|e| e.at);
    let (assignments, acknowledgements) = match status {
        Status::Resolved => (Vec::new(), Vec::new()),
        _ => (
            assignee.map(|a| vec![a]).unwrap_or_default(),
            if acknowledged {
                vec![(acker, ack_at)]
            } else {
                Vec::new()
            },
        ),
    };
    let alerts = if p.storm || rng.chance(80) {
        1
    } else {
        2 + rng.below(4) as u8
    };
    Incident {
        id,
        number,
        title,
        service,
        urgency,
        priority,
        status,
        created_at: t0,
        updated_at: events.last().map_or(t0, |e| e.at),
        last_status_change_at: last_change_at,
        last_status_change_by: last_change_by,
        resolved_at: (status == Status::Resolved).then_some(resolve_at),
        assignments,
        acknowledgements,
        escalation_level: level,
        events,
        notes,
        alerts,
    }
}

fn event(at: Secs, kind: EventKind, agent: Actor, channel: Channel) -> Event {
    Event {
        at,
        kind,
        agent,
        channel,
    }
}

fn notify(data: &Dataset, user: usize, at: Secs) -> Event {
    event(
        at,
        EventKind::Notify {
            user,
            method: data.paging_method(user),
        },
        Actor::System,
        Channel::Auto,
    )
}
