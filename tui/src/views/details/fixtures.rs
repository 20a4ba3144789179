//! A realistic account for the detail tests: an acknowledged incident on a
//! payments service, its people, policy and team, a round-the-clock schedule
//! with a handoff gap and a business-hours one. Also hostile and odd
//! variants. Test builds only.

use pdauth_common::browse::{
    Alert, ContactMethod, Detail, EscalationPolicy, EscalationRule, Incident, LogEntry, Member, Note, OnCall, Ref,
    Schedule, ScheduleEntry, Service, Team, User,
};

/// The fixed "now": Tuesday 2023-11-14 22:13:20 UTC, 23:13:20 in [`OFFSET`].
pub(super) const NOW: i64 = 1_700_000_000;
/// UTC+01:00 (Europe/Berlin in winter).
pub(super) const OFFSET: i32 = 3_600;
const MIN: i64 = 60;
const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;
/// Local midnight starting Wednesday 15 November.
pub(super) const WEDNESDAY: i64 = 1_700_002_800;
const URL: &str = "https://acme-corp.pagerduty.com";

fn reference(kind: &str, id: &str, summary: &str) -> Ref {
    let path = match kind {
        "user" => "users",
        "schedule" => "schedules",
        "service" => "service-directory",
        "escalation_policy" => "escalation_policies",
        _ => "teams",
    };
    Ref {
        id: id.into(),
        kind: format!("{kind}_reference"),
        summary: summary.into(),
        html_url: Some(format!("{URL}/{path}/{id}")),
    }
}

pub(super) fn ada() -> Ref {
    reference("user", "PADA001", "Ada Lovelace")
}
pub(super) fn grace() -> Ref {
    reference("user", "PGRC002", "Grace Hopper")
}
pub(super) fn linus() -> Ref {
    reference("user", "PLNS003", "Linus Torvalds")
}
pub(super) fn margaret() -> Ref {
    reference("user", "PMHM004", "Margaret Hamilton")
}
fn checkout() -> Ref {
    reference("service", "PCHK001", "Checkout API")
}
fn payments_policy() -> Ref {
    reference("escalation_policy", "PPAYEP1", "Payments escalation")
}
fn payments_team() -> Ref {
    reference("team", "PTPAY01", "Payments")
}
fn primary() -> Ref {
    reference("schedule", "PSPRIM1", "Platform primary")
}
fn business() -> Ref {
    reference("schedule", "PSBIZ01", "Support — business hours")
}

pub(super) fn incident() -> Incident {
    Incident {
        id: "Q0RIJJZL24RC6W".into(),
        number: 4711,
        title: "Checkout API: p99 latency above 2s on eu-west-1".into(),
        status: "acknowledged".into(),
        urgency: "high".into(),
        priority: Some("P1".into()),
        service: Some(checkout()),
        assignees: vec![grace()],
        acknowledgers: vec![grace()],
        escalation_policy: Some(payments_policy()),
        teams: vec![payments_team(), reference("team", "PTSRE01", "SRE")],
        created_at: Some(NOW - 47 * MIN),
        last_status_change_at: Some(NOW - 35 * MIN),
        html_url: Some(format!("{URL}/incidents/Q0RIJJZL24RC6W")),
    }
}

pub(super) fn incident_detail() -> Detail {
    let log = |id: &str, kind: &str, ago: i64, agent: Option<Ref>, summary: &str| LogEntry {
        id: id.into(),
        kind: kind.into(),
        at: Some(NOW - ago),
        agent,
        summary: summary.into(),
    };
    Detail::Incident {
        incident: incident(),
        log_entries: vec![
            log(
                "R4",
                "acknowledge",
                35 * MIN,
                Some(grace()),
                "Acknowledged by Grace Hopper",
            ),
            log(
                "R3",
                "notify",
                46 * MIN,
                None,
                "Notified Grace Hopper by push notification",
            ),
            log("R2", "assign", 47 * MIN, None, "Assigned to Grace Hopper"),
            log(
                "R1",
                "trigger",
                47 * MIN,
                Some(reference("service", "PDDOG01", "Datadog")),
                "Triggered through the Events API v2",
            ),
        ],
        notes: vec![
            Note {
                id: "N1".into(),
                at: Some(NOW - 30 * MIN),
                user: Some(grace()),
                content: "Rolling back deploy 2023.11.14-3.\nCanary error rate back to 0.2%.".into(),
            },
            Note {
                id: "N2".into(),
                at: Some(NOW - 10 * MIN),
                user: Some(linus()),
                content: "Root cause: the connection pool was halved by config change #8812 when the new \
                          database proxy went out. Fix in review: https://git.acme.example/payments/checkout/pull/8813"
                    .into(),
            },
        ],
        alerts: vec![
            Alert {
                id: "A1".into(),
                status: "triggered".into(),
                severity: Some("critical".into()),
                summary: "p99 latency > 2s for 10m on checkout-api (eu-west-1)".into(),
                created_at: Some(NOW - 47 * MIN),
            },
            Alert {
                id: "A2".into(),
                status: "resolved".into(),
                severity: Some("warning".into()),
                summary: "Error rate above 1% on checkout-api".into(),
                created_at: Some(NOW - 52 * MIN),
            },
        ],
    }
}

pub(super) fn service(name: &str, id: &str, status: &str) -> Service {
    Service {
        id: id.into(),
        name: name.into(),
        description: None,
        status: status.into(),
        escalation_policy: Some(payments_policy()),
        teams: vec![payments_team()],
        last_incident_at: None,
        html_url: Some(format!("{URL}/service-directory/{id}")),
    }
}

pub(super) fn service_detail() -> Detail {
    let mut service = service("Checkout API", "PCHK001", "critical");
    service.description = Some(
        "Customer-facing checkout: cart, payment capture and order confirmation.\n\
         Runbook: https://wiki.acme.example/runbooks/checkout"
            .into(),
    );
    service.last_incident_at = Some(NOW - 47 * MIN);
    let disk = Incident {
        id: "Q1DISK".into(),
        number: 4712,
        title: "Disk usage above 85% on checkout-db-2".into(),
        status: "triggered".into(),
        urgency: "low".into(),
        ..Default::default()
    };
    Detail::Service {
        service,
        open_incidents: vec![incident(), disk],
    }
}

pub(super) fn user_detail() -> Detail {
    let contact = |kind: &str, label: &str, address: &str| ContactMethod {
        kind: kind.into(),
        label: label.into(),
        address: address.into(),
    };
    Detail::User {
        user: User {
            id: "PGRC002".into(),
            name: "Grace Hopper".into(),
            email: "grace@acme.example".into(),
            role: "limited_user".into(),
            job_title: Some("Staff Site Reliability Engineer".into()),
            time_zone: Some("Europe/Berlin".into()),
            teams: vec![payments_team(), reference("team", "PTSRE01", "SRE")],
            contact_methods: vec![
                contact("email", "Default", "grace@acme.example"),
                contact("phone", "Mobile", "+49 151 23456789"),
                contact("sms", "Mobile", "+49 151 23456789"),
                contact("push", "Pixel 8", "Pixel 8 (Android 14)"),
            ],
            html_url: Some(format!("{URL}/users/PGRC002")),
        },
        oncalls: vec![
            OnCall {
                user: Some(grace()),
                schedule: None,
                escalation_policy: Some(payments_policy()),
                level: 2,
                start: None,
                end: None,
            },
            OnCall {
                user: Some(grace()),
                schedule: Some(primary()),
                escalation_policy: Some(reference("escalation_policy", "PPLTEP1", "Platform escalation")),
                level: 1,
                start: Some(WEDNESDAY + DAY + 18 * HOUR),
                end: Some(WEDNESDAY + 2 * DAY + 18 * HOUR),
            },
        ],
    }
}

fn schedule(reference: &Ref, description: &str) -> Schedule {
    Schedule {
        id: reference.id.clone(),
        name: reference.summary.clone(),
        description: Some(description.into()),
        time_zone: Some("Europe/Berlin".into()),
        users: Vec::new(),
        escalation_policies: vec![payments_policy()],
        html_url: reference.html_url.clone(),
    }
}

fn shift(start: i64, end: i64, user: Option<Ref>) -> ScheduleEntry {
    ScheduleEntry { start, end, user }
}

/// Round the clock with daily handoffs at 18:00: an hour nobody took on
/// Friday, and a late handoff (18:30) on Monday.
pub(super) fn handoff_schedule() -> Detail {
    let at = |day: i64, hour: i64| WEDNESDAY + day * DAY + hour * HOUR;
    let mut schedule = schedule(
        &primary(),
        "Primary on-call for the platform; handoff at 18:00 Berlin time.",
    );
    schedule.users = vec![linus(), margaret(), grace(), ada()];
    Detail::Schedule {
        schedule,
        since: NOW,
        until: NOW + 7 * DAY,
        entries: vec![
            shift(NOW - 5 * HOUR, at(0, 18), Some(linus())),
            shift(at(0, 18), at(1, 18), Some(margaret())),
            shift(at(1, 18), at(2, 18), Some(grace())),
            shift(at(2, 18), at(2, 19), None),
            shift(at(2, 19), at(5, 18), Some(ada())),
            shift(at(5, 18) + 30 * MIN, at(6, 18), Some(linus())),
            shift(at(6, 18), NOW + 7 * DAY + HOUR, Some(margaret())),
        ],
        coverage_percent: None,
    }
}

/// Weekdays 09:00–17:00 only.
pub(super) fn business_schedule() -> Detail {
    let mut schedule = schedule(&business(), "Second line during office hours.");
    schedule.users = vec![ada(), grace()];
    let entries = [0, 1, 2, 5, 6]
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let start = WEDNESDAY + day * DAY + 9 * HOUR;
            shift(start, start + 8 * HOUR, Some(if i % 2 == 0 { ada() } else { grace() }))
        })
        .collect();
    Detail::Schedule {
        schedule,
        since: NOW,
        until: NOW + 7 * DAY,
        entries,
        coverage_percent: None,
    }
}

pub(super) fn policy_detail() -> Detail {
    let rule = |delay_minutes, targets| EscalationRule { delay_minutes, targets };
    let direct = |user: Ref| OnCall {
        user: Some(user),
        escalation_policy: Some(payments_policy()),
        level: 2,
        ..Default::default()
    };
    Detail::EscalationPolicy {
        policy: EscalationPolicy {
            id: "PPAYEP1".into(),
            name: "Payments escalation".into(),
            description: Some("Pages the platform primary, then the payments leads, then second line.".into()),
            num_loops: 2,
            rules: vec![
                rule(30, vec![primary()]),
                rule(15, vec![grace(), ada()]),
                rule(10, vec![business()]),
            ],
            services: vec![checkout(), reference("service", "PWHK001", "Payments webhooks")],
            teams: vec![payments_team()],
            html_url: Some(format!("{URL}/escalation_policies/PPAYEP1")),
        },
        oncalls: vec![
            OnCall {
                user: Some(linus()),
                schedule: Some(primary()),
                escalation_policy: Some(payments_policy()),
                level: 1,
                start: Some(NOW - 5 * HOUR),
                end: Some(WEDNESDAY + 18 * HOUR),
            },
            direct(grace()),
            direct(ada()),
        ],
    }
}

pub(super) fn team_detail() -> Detail {
    let member = |user: Ref, role: &str| Member {
        user,
        role: role.into(),
    };
    Detail::Team {
        team: Team {
            id: "PTPAY01".into(),
            name: "Payments".into(),
            description: Some("Checkout, payment capture and refunds.".into()),
            html_url: Some(format!("{URL}/teams/PTPAY01")),
        },
        members: vec![
            member(ada(), "manager"),
            member(grace(), "responder"),
            member(linus(), "responder"),
            member(margaret(), "observer"),
        ],
        services: vec![
            service("Checkout API", "PCHK001", "critical"),
            service("Payments webhooks", "PWHK001", "active"),
            service("Refunds worker", "PRFD001", "maintenance"),
            service("Legacy invoices", "PLIN001", "disabled"),
        ],
    }
}

/// Every detail above.
pub(super) fn all() -> Vec<Detail> {
    vec![
        incident_detail(),
        service_detail(),
        user_detail(),
        handoff_schedule(),
        business_schedule(),
        policy_detail(),
        team_detail(),
    ]
}

/// Escape sequences (clear screen, OSC 52 clipboard write, OSC 8 link,
/// C1 CSI), controls, bidi overrides and line breaks.
pub(super) const HOSTILE: &str = "evil\x1b[2J\x1b]52;c;ZXZpbA==\x07 \x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ \
     \u{9b}31m\u{202E}exe.txt\u{2066}\u{200F}\u{061C}\r\nline two\u{2028}\0\x7f\u{85}\tend";

/// `detail` with every string of PagerDuty's replaced by hostile text
/// around the original.
pub(super) fn hostile(detail: &Detail) -> Detail {
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => *s = format!("{HOSTILE}{s}{HOSTILE}"),
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            serde_json::Value::Object(fields) => fields
                .iter_mut()
                .filter(|(key, _)| key.as_str() != "resource")
                .for_each(|(_, v)| walk(v)),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(detail).expect("a detail serialises");
    walk(&mut value);
    serde_json::from_value(value).expect("a hostile detail deserialises")
}
