//! Properties of the generated account: determinism, sizes, every status and shape the
//! brief asks for, and consistent references.

use std::collections::HashSet;

use super::*;
use crate::data::services::ServiceMode;
use crate::data::when::{DAY, HOUR, WEEK};
use crate::data::{ContactKind, Role, Status, TeamRole, Urgency};

const EPOCH: Secs = 1_714_564_800;

fn small() -> Seeded {
    generate(1, Scale::Small, "acme-sandbox", Region::Us, EPOCH)
}

#[test]
fn same_seed_same_account_other_seed_other_account() {
    assert_eq!(small(), small());
    let other = generate(2, Scale::Small, "acme-sandbox", Region::Us, EPOCH);
    assert_ne!(small().data.users, other.data.users);
    let shifted = generate(1, Scale::Small, "acme-sandbox", Region::Us, EPOCH + 3600);
    let names = |s: &Seeded| s.data.users.iter().map(|u| u.id.clone()).collect::<Vec<_>>();
    assert_eq!(names(&small()), names(&shifted), "ids do not depend on the epoch");
}

#[test]
fn small_account_has_the_documented_sizes() {
    let s = small();
    let d = &s.data;
    assert_eq!(
        (
            d.teams.len(),
            d.users.len(),
            d.services.len(),
            d.policies.len(),
            d.schedules.len()
        ),
        (8, 40, 25, 12, 10)
    );
    let incidents = s.incidents.all();
    assert_eq!(incidents.len(), 345);
    let recent = incidents.iter().filter(|i| i.created_at >= EPOCH - 30 * DAY).count();
    assert_eq!(recent, 300);
    let open = incidents.iter().filter(|i| i.status.is_open()).count();
    assert_eq!(open, 15);
    assert!(
        incidents
            .windows(2)
            .all(|w| w[0].number < w[1].number && w[0].created_at <= w[1].created_at)
    );
}

#[test]
fn people_have_roles_teams_and_contact_methods() {
    let d = small().data;
    assert_eq!(d.users[0].role, Role::Owner);
    for role in [
        Role::Admin,
        Role::LimitedUser,
        Role::User,
        Role::Observer,
        Role::RestrictedAccess,
        Role::ReadOnlyUser,
    ] {
        assert!(d.users.iter().any(|u| u.role == role), "missing {role:?}");
    }
    for kind in [
        ContactKind::Email,
        ContactKind::Phone,
        ContactKind::Sms,
        ContactKind::Push,
    ] {
        assert!(
            d.users.iter().any(|u| u.contact_methods.iter().any(|m| m.kind == kind)),
            "{kind:?}"
        );
    }
    let emails: HashSet<&str> = d.users.iter().map(|u| u.email.as_str()).collect();
    assert_eq!(emails.len(), d.users.len());
    for team in &d.teams {
        assert_eq!(
            team.members.first().map(|m| m.1),
            Some(TeamRole::Manager),
            "{}",
            team.name
        );
        assert!(team.members.iter().any(|m| m.1 == TeamRole::Responder), "{}", team.name);
    }
    for (u, user) in d.users.iter().enumerate() {
        assert!(!user.teams.is_empty());
        for &t in &user.teams {
            assert!(d.teams[t].members.iter().any(|m| m.0 == u));
        }
        assert!(user.email.is_ascii());
    }
}

#[test]
fn services_show_every_status() {
    let s = small();
    let statuses: HashSet<&str> = (0..s.data.services.len())
        .map(|i| s.incidents.service_status(i, s.data.services[i].mode))
        .collect();
    for status in ["active", "warning", "critical", "maintenance", "disabled"] {
        assert!(statuses.contains(status), "no {status} service: {statuses:?}");
    }
    for incident in s.incidents.all().iter().filter(|i| i.status.is_open()) {
        assert_eq!(s.data.services[incident.service].mode, ServiceMode::Enabled);
    }
    assert!(s.data.policies.iter().any(|p| p.services.is_empty()));
    assert!(s.data.services.iter().any(|svc| svc.teams.is_empty()));
}

#[test]
fn incidents_cover_statuses_urgencies_and_lives() {
    let s = small();
    let all = s.incidents.all();
    for status in Status::ALL {
        for urgency in [Urgency::High, Urgency::Low] {
            assert!(
                all.iter()
                    .any(|i| i.status == status && i.urgency == urgency && i.created_at >= EPOCH - 30 * DAY),
                "{status:?} {urgency:?}"
            );
        }
    }
    assert!(
        all.iter()
            .any(|i| i.status == Status::Acknowledged && i.created_at < EPOCH - 30 * DAY)
    );
    assert!(
        all.iter().any(|i| i.status.is_open() && i.assigned_to(0)),
        "the owner has work"
    );
    assert!(all.iter().any(|i| i.priority.is_some()) && all.iter().any(|i| i.priority.is_none()));
    assert!(all.iter().any(|i| !i.notes.is_empty()));
    assert!(all.iter().any(|i| i.alerts > 1));
    assert!(all.iter().any(|i| {
        i.events
            .iter()
            .any(|e| matches!(e.kind, crate::data::EventKind::Escalate { .. }))
    }));
    for i in all {
        assert!(
            i.events.iter().all(|e| e.at <= EPOCH && e.at >= i.created_at),
            "{}",
            i.id
        );
        assert!(i.events.windows(2).all(|w| w[0].at <= w[1].at));
        match i.status {
            Status::Resolved => {
                assert!(i.assignments.is_empty() && i.acknowledgements.is_empty());
                assert_eq!(i.resolved_at, Some(i.last_status_change_at));
            }
            Status::Acknowledged => assert!(!i.acknowledgements.is_empty()),
            Status::Triggered => assert!(i.acknowledgements.is_empty()),
        }
    }
    let hostile = all
        .iter()
        .filter(|i| {
            i.title
                .chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c))
        })
        .count();
    assert!(hostile >= 4, "{hostile}");
    assert!(all.iter().any(|i| i.title.chars().count() > 900));
    assert!(all.iter().any(|i| i.title.contains('🔥') && i.status.is_open()));
}

#[test]
fn schedules_have_gaps_overrides_and_policies() {
    let d = small().data;
    let gappy = d
        .schedules
        .iter()
        .filter(|s| {
            s.render_final(EPOCH, EPOCH + WEEK)
                .iter()
                .any(|span| span.user.is_none())
        })
        .count();
    assert!(gappy >= 3, "{gappy}");
    assert!(d.schedules.iter().any(|s| !s.overrides.is_empty()));
    assert!(
        d.schedules.iter().all(|s| !s.policies.is_empty()),
        "every schedule is used"
    );
    assert!(d.schedules[0].has_user(0), "the owner takes shifts");
    assert!(d.schedules.iter().any(|s| s.layers.len() > 1));
    assert!(d.policies.iter().any(|p| p.rules.len() >= 3));
    assert!(d.policies.iter().any(|p| p.num_loops > 0));
    let now = crate::data::oncalls(&d, EPOCH + HOUR, EPOCH + HOUR);
    assert!(now.iter().any(|o| o.schedule.is_none() && o.start.is_none()));
    assert!(now.iter().any(|o| o.schedule.is_some() && o.start.is_some()));
}

#[test]
fn large_account_passes_the_offset_cap_in_the_default_range() {
    let s = generate(1, Scale::Large, "acme-sandbox", Region::Us, EPOCH);
    let recent = s
        .incidents
        .all()
        .iter()
        .filter(|i| i.created_at >= EPOCH - 30 * DAY)
        .count();
    assert!(recent > 10_000, "{recent}");
    assert_eq!(s.data.users.len(), 1_200);
    let names: HashSet<&str> = s.data.services.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names.len(), s.data.services.len(), "service names are unique");
    let teams: HashSet<&str> = s.data.teams.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(teams.len(), s.data.teams.len(), "team names are unique");
}
