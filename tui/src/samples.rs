//! Sample PagerDuty lists for the browsing tests: incidents in every
//! status and urgency, services, users, schedules, on-call entries,
//! escalation policies and teams of one small account, and an app that
//! browses them. Test builds only.

use pdauth_common::browse::{
    ContactMethod, EscalationPolicy, EscalationRule, FetchMeta, Incident, Items, ListChange, ListPage, ListQuery,
    OnCall, RateInfo, Ref, Resource, Schedule, Service, Team, User,
};
use pdauth_common::{Request, Response};

use crate::app::{App, default_query};
use crate::fixtures::{self, NOW};
use crate::msg::{Effect, Msg};

const URL: &str = "https://acme-corp.pagerduty.com";

pub fn reference(kind: &str, id: &str, summary: &str) -> Ref {
    Ref {
        id: id.into(),
        kind: format!("{kind}_reference"),
        summary: summary.into(),
        html_url: Some(format!("{URL}/{kind}s/{id}")),
    }
}

pub fn ada() -> Ref {
    reference("user", "PADA001", "Ada Lovelace")
}

pub fn grace() -> Ref {
    reference("user", "PGRC002", "Grace Hopper")
}

pub fn checkout() -> Ref {
    reference("service", "PCHK001", "Checkout API")
}

pub fn search() -> Ref {
    reference("service", "PSRCH02", "Search")
}

pub fn payments_policy() -> Ref {
    reference("escalation_policy", "PPAYEP1", "Payments escalation")
}

/// Incident `number`, created `age` seconds before [`NOW`].
pub fn incident(number: u64, status: &str, urgency: &str, title: &str, age: i64) -> Incident {
    Incident {
        id: format!("Q{number:05}"),
        number,
        title: title.into(),
        status: status.into(),
        urgency: urgency.into(),
        priority: (urgency == "high").then(|| "P1".to_string()),
        service: Some(if number % 2 == 0 { checkout() } else { search() }),
        assignees: vec![if number % 3 == 0 { grace() } else { ada() }],
        acknowledgers: Vec::new(),
        escalation_policy: Some(payments_policy()),
        teams: Vec::new(),
        created_at: Some(NOW - age),
        last_status_change_at: Some(NOW - age / 2),
        html_url: Some(format!("{URL}/incidents/Q{number:05}")),
    }
}

/// Open incidents of the account, newest first.
pub fn incidents() -> Vec<Incident> {
    vec![
        incident(
            1234,
            "triggered",
            "high",
            "Checkout latency above 2 s for 5 minutes",
            300,
        ),
        incident(
            1233,
            "acknowledged",
            "high",
            "Search index lagging behind writes",
            3_600,
        ),
        incident(1231, "triggered", "low", "Disk 85% full on db-replica-3", 7_200),
        incident(
            1228,
            "acknowledged",
            "low",
            "Certificate for api.acme.example expires in 9 days",
            90_000,
        ),
    ]
}

pub fn services() -> Vec<Service> {
    let service = |r: Ref, status: &str| Service {
        id: r.id.clone(),
        name: r.summary.clone(),
        description: None,
        status: status.into(),
        escalation_policy: Some(payments_policy()),
        teams: vec![reference("team", "PTPAY01", "Payments")],
        last_incident_at: Some(NOW - 300),
        html_url: r.html_url.clone(),
    };
    vec![
        service(checkout(), "critical"),
        service(search(), "warning"),
        service(reference("service", "PMAIL03", "Mail relay"), "active"),
        service(reference("service", "PLGCY04", "Legacy billing"), "disabled"),
    ]
}

pub fn users() -> Vec<User> {
    let user = |r: Ref, email: &str, role: &str, methods: &[&str]| User {
        id: r.id.clone(),
        name: r.summary.clone(),
        email: email.into(),
        role: role.into(),
        job_title: None,
        time_zone: Some("Europe/London".into()),
        teams: vec![reference("team", "PTPAY01", "Payments")],
        contact_methods: methods
            .iter()
            .map(|kind| ContactMethod {
                kind: format!("{kind}_contact_method"),
                label: "Work".into(),
                address: "x".into(),
            })
            .collect(),
        html_url: r.html_url.clone(),
    };
    vec![
        user(
            ada(),
            "ada@acme.example",
            "admin",
            &["email", "phone", "push_notification"],
        ),
        user(grace(), "grace@acme.example", "user", &["email", "sms"]),
        user(
            reference("user", "PLNS003", "Linus Torvalds"),
            "linus@acme.example",
            "observer",
            &[],
        ),
    ]
}

pub fn schedules() -> Vec<Schedule> {
    vec![
        Schedule {
            id: "PSPRIM1".into(),
            name: "Platform primary".into(),
            description: None,
            time_zone: Some("Europe/Berlin".into()),
            users: vec![ada(), grace()],
            escalation_policies: vec![payments_policy()],
            html_url: None,
        },
        Schedule {
            id: "PSBIZ02".into(),
            name: "Business hours".into(),
            description: None,
            time_zone: Some("America/New_York".into()),
            users: vec![grace()],
            escalation_policies: Vec::new(),
            html_url: None,
        },
    ]
}

pub fn oncalls() -> Vec<OnCall> {
    let entry = |policy: Ref, level, user: Ref, schedule: Option<Ref>, end: Option<i64>| OnCall {
        user: Some(user),
        schedule,
        escalation_policy: Some(policy),
        level,
        start: Some(NOW - 3_600),
        end,
    };
    let primary = reference("schedule", "PSPRIM1", "Platform primary");
    let search_policy = reference("escalation_policy", "PSRCHEP", "Search escalation");
    vec![
        entry(search_policy, 1, grace(), None, None),
        entry(payments_policy(), 2, grace(), None, Some(NOW + 86_400)),
        entry(payments_policy(), 1, ada(), Some(primary), Some(NOW + 5 * 3_600)),
    ]
}

pub fn policies() -> Vec<EscalationPolicy> {
    vec![EscalationPolicy {
        id: "PPAYEP1".into(),
        name: "Payments escalation".into(),
        description: None,
        num_loops: 2,
        rules: vec![
            EscalationRule {
                delay_minutes: 30,
                targets: vec![reference("schedule", "PSPRIM1", "Platform primary")],
            },
            EscalationRule {
                delay_minutes: 30,
                targets: vec![grace()],
            },
        ],
        services: vec![checkout(), search()],
        teams: vec![reference("team", "PTPAY01", "Payments")],
        html_url: None,
    }]
}

pub fn teams() -> Vec<Team> {
    vec![
        Team {
            id: "PTPAY01".into(),
            name: "Payments".into(),
            description: Some("Checkout, billing and refunds".into()),
            html_url: None,
        },
        Team {
            id: "PTSRE02".into(),
            name: "SRE".into(),
            description: None,
            html_url: None,
        },
    ]
}

/// The sample rows of `resource`.
pub fn items(resource: Resource) -> Items {
    match resource {
        Resource::Incidents => Items::Incidents(incidents()),
        Resource::Services => Items::Services(services()),
        Resource::Users => Items::Users(users()),
        Resource::Schedules => Items::Schedules(schedules()),
        Resource::Oncalls => Items::Oncalls(oncalls()),
        Resource::EscalationPolicies => Items::EscalationPolicies(policies()),
        Resource::Teams => Items::Teams(teams()),
    }
}

pub fn meta() -> FetchMeta {
    FetchMeta {
        fetched_at: NOW - 5,
        stale: false,
        requests: 1,
        waited_ms: 0,
        rate: RateInfo {
            limit: Some(960),
            remaining: Some(955),
            reset_at: Some(NOW + 40),
            waiting_until: None,
        },
    }
}

pub fn page(items: Items) -> ListPage {
    ListPage {
        items,
        offset: 0,
        more: false,
        total: None,
        truncated: false,
        meta: meta(),
    }
}

pub fn change(added: Items, updated: Items, removed: Vec<String>) -> ListChange {
    ListChange {
        added,
        updated,
        removed,
        more: false,
        total: None,
        truncated: false,
        meta: meta(),
    }
}

/// The profile the sample app browses.
pub const PROFILE: &str = "expiring";

/// Answer the `Watch` among `effects` with `items`, as watch `id`.
pub fn answer_watch(app: &mut App, effects: &[Effect], id: u64, items: Items) -> Vec<Effect> {
    let request = effects
        .iter()
        .find_map(|e| match e {
            Effect::Request(r @ Request::Watch { .. }) => Some(r.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Watch in {effects:?}"));
    app.update(Msg::Replied {
        request,
        result: Ok(Response::Watching {
            watch: id,
            page: page(items),
        }),
    })
}

/// A connected app browsing `resource` of [`PROFILE`], its watch (id 1)
/// answered with the sample rows.
pub fn browsing(resource: Resource) -> App {
    browsing_with(resource, items(resource))
}

pub fn browsing_with(resource: Resource, items: Items) -> App {
    let mut app = fixtures::connected_app();
    app.browse.profile = Some(PROFILE.into());
    app.update(Msg::Resize { width: 80, height: 24 });
    let effects = app.show(crate::app::Screen::List(resource));
    let watch = |resource| {
        Effect::Request(Request::Watch {
            profile: PROFILE.into(),
            query: default_query(resource),
        })
    };
    let mut expected = vec![watch(resource)];
    // The services screen counts open incidents behind it.
    if resource == Resource::Services {
        expected.push(watch(Resource::Incidents));
    }
    assert_eq!(effects, expected);
    answer_watch(&mut app, &effects[..1], 1, items);
    if resource == Resource::Services {
        answer_watch(&mut app, &effects[1..], 2, self::items(Resource::Incidents));
    }
    app
}

/// The query the incidents screen starts with, changed by `f`.
pub fn incidents_query(f: impl FnOnce(&mut ListQuery)) -> ListQuery {
    let mut query = default_query(Resource::Incidents);
    f(&mut query);
    query
}
