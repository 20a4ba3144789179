//! Parsing PagerDuty-shaped JSON, including odd and hostile values.

use serde_json::{Value, json};

use super::*;

#[test]
fn incidents_keep_what_the_screens_show() {
    let v = json!({
        "id": "PINC1", "type": "incident", "incident_number": 1234, "title": "CPU high on db-1",
        "status": "acknowledged", "urgency": "high",
        "priority": {"id": "PP1", "type": "priority", "summary": "P1"},
        "service": {"id": "PSVC", "type": "service_reference", "summary": "Checkout", "html_url": "https://x.pagerduty.com/service-directory/PSVC"},
        "assignments": [{"at": "2026-01-01T00:00:00Z", "assignee": {"id": "PU1", "type": "user_reference", "summary": "Ada"}}],
        "acknowledgements": [{"at": "2026-01-01T00:01:00Z", "acknowledger": {"id": "PU2", "type": "user_reference", "summary": "Bob"}}],
        "escalation_policy": {"id": "PEP", "type": "escalation_policy_reference", "summary": "Ops"},
        "teams": [{"id": "PT", "type": "team_reference", "summary": "SRE"}],
        "created_at": "2026-01-01T01:00:00+01:00",
        "last_status_change_at": "2026-01-01T00:01:00Z",
        "html_url": "https://x.pagerduty.com/incidents/PINC1"
    });
    let i = incident(&v);
    assert_eq!(i.id, "PINC1");
    assert_eq!(i.number, 1234);
    assert_eq!(i.priority.as_deref(), Some("P1"));
    let svc = i.service.unwrap();
    assert_eq!(
        (svc.id.as_str(), svc.kind.as_str(), svc.summary.as_str()),
        ("PSVC", "service_reference", "Checkout")
    );
    assert!(svc.html_url.unwrap().ends_with("/PSVC"));
    assert_eq!(i.assignees[0].summary, "Ada");
    assert_eq!(i.acknowledgers[0].id, "PU2");
    assert_eq!(i.teams.len(), 1);
    // 01:00 at +01:00 is midnight UTC.
    assert_eq!(i.created_at, Some(1_767_225_600));
    assert_eq!(i.last_status_change_at, Some(1_767_225_660));
}

#[test]
fn odd_and_missing_fields_become_defaults() {
    for v in [
        json!(null),
        json!([]),
        json!("incident"),
        json!(42),
        json!({}),
        json!({"id": 7, "incident_number": -3, "title": null, "priority": "P1", "service": "PSVC",
               "assignments": [null, 1, {"assignee": null}, {"assignee": {"summary": "no id"}}],
               "teams": {"id": "PT"}, "created_at": "yesterday", "last_status_change_at": 1_700_000_000}),
    ] {
        let i = incident(&v);
        assert!(i.assignees.is_empty() && i.teams.is_empty(), "{v}");
        assert_eq!(i.created_at, None);
        assert_eq!(i.last_status_change_at, None);
        assert_eq!(i.priority, None);
        assert_eq!(i.service, None);
        let _ = (
            service(&v),
            user(&v),
            schedule(&v),
            oncall(&v),
            escalation_policy(&v),
            team(&v),
        );
        let _ = (log_entry(&v), note(&v), alert(&v), schedule_entry(&v), member(&v));
    }
    let i = incident(&json!({"id": 7, "incident_number": "12"}));
    assert_eq!(i.id, "7");
    assert_eq!(i.number, 12);
    assert_eq!(incident(&json!({"incident_number": 1e300})).number, 0);
    assert_eq!(oncall(&json!({"escalation_level": 99_999_999_999u64})).level, u32::MAX);
}

#[test]
fn hostile_text_is_kept_verbatim_for_the_printer_to_sanitise() {
    let title = "\u{1b}]8;;https://evil\u{7}click\u{1b}]8;;\u{7} \u{202e}gnp.exe\n\u{0}";
    let i = incident(&json!({"id": "P1", "title": title}));
    assert_eq!(i.title, title);
    let long = "x".repeat(100_000);
    assert_eq!(note(&json!({"id": "N", "content": long})).content.len(), 100_000);
}

#[test]
fn timestamps_with_offsets_and_fractions() {
    assert_eq!(unix("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(unix("1970-01-01T05:30:00+05:30"), Some(0));
    assert_eq!(unix("1969-12-31T19:00:00.999-05:00"), Some(0));
    assert_eq!(unix(" 2026-01-01T00:00:00Z "), Some(1_767_225_600));
    for bad in [
        "",
        "2026-01-01",
        "2026-13-01T00:00:00Z",
        "2026-01-01T00:00:00",
        "now",
        "9999999999999",
    ] {
        assert_eq!(unix(bad), None, "{bad}");
    }
}

#[test]
fn services_users_and_contact_methods() {
    let s = service(
        &json!({"id": "PS", "name": "API", "status": "critical", "description": null,
        "last_incident_timestamp": "2026-01-01T00:00:00Z", "teams": [{"id": "PT", "type": "team_reference"}]}),
    );
    assert_eq!((s.name.as_str(), s.status.as_str()), ("API", "critical"));
    assert_eq!(s.description, None);
    assert_eq!(s.last_incident_at, Some(1_767_225_600));
    let u = user(
        &json!({"id": "PU", "name": "Ada", "email": "ada@example.com", "role": "admin",
        "job_title": "SRE", "time_zone": "Europe/Paris",
        "contact_methods": [
            {"id": "C1", "type": "email_contact_method", "label": "Work", "address": "ada@example.com"},
            {"id": "C2", "type": "phone_contact_method", "label": "Mobile", "address": "5550100", "country_code": 1},
            {"id": "C3", "type": "sms_contact_method_reference", "summary": "Mobile"},
            {"id": "C4", "type": "push_notification_contact_method", "label": "Phone", "address": "tok"},
            {"id": "C5", "type": "carrier_pigeon"},
            "not an object"
        ]}),
    );
    let kinds: Vec<&str> = u.contact_methods.iter().map(|c| c.kind.as_str()).collect();
    assert_eq!(kinds, ["email", "phone", "sms", "push", "carrier_pigeon"]);
    assert_eq!(u.contact_methods[1].address, "+1 5550100");
    assert_eq!(u.contact_methods[2].label, "Mobile");
    assert_eq!(u.contact_methods[3].address, "tok");
    assert_eq!(u.job_title.as_deref(), Some("SRE"));
}

#[test]
fn policies_oncalls_log_entries_and_members() {
    let p = escalation_policy(
        &json!({"id": "PEP", "name": "Ops", "num_loops": 2, "escalation_rules": [
        {"escalation_delay_in_minutes": 30, "targets": [
            {"id": "PSCH", "type": "schedule_reference", "summary": "Primary"},
            {"id": "PU", "type": "user_reference", "summary": "Ada"}]},
        {"escalation_delay_in_minutes": "x", "targets": null}]}),
    );
    assert_eq!(p.num_loops, 2);
    assert_eq!(p.rules.len(), 2);
    assert_eq!(p.rules[0].delay_minutes, 30);
    assert_eq!(p.rules[0].targets[0].kind, "schedule_reference");
    assert_eq!(p.rules[1].delay_minutes, 0);
    assert!(p.rules[1].targets.is_empty());

    let o = oncall(
        &json!({"user": {"id": "PU"}, "schedule": null, "escalation_policy": {"id": "PEP"},
        "escalation_level": 1, "start": null, "end": "2026-01-01T00:00:00Z"}),
    );
    assert_eq!(o.level, 1);
    assert_eq!((o.schedule, o.start, o.end), (None, None, Some(1_767_225_600)));

    let e = log_entry(
        &json!({"id": "R1", "type": "acknowledge_log_entry", "created_at": "2026-01-01T00:00:00Z",
        "agent": {"id": "PU", "type": "user_reference", "summary": "Ada"}, "summary": "Acknowledged by Ada"}),
    );
    assert_eq!(e.kind, "acknowledge");
    assert_eq!(e.agent.unwrap().summary, "Ada");
    assert_eq!(
        log_entry(&json!({"type": "trigger_log_entry_reference"})).kind,
        "trigger"
    );
    assert_eq!(log_entry(&json!({"type": "custom"})).kind, "custom");

    let m = member(&json!({"user": {"id": "PU", "type": "user", "name": "Ada"}, "role": "manager"})).unwrap();
    assert_eq!((m.user.summary.as_str(), m.role.as_str()), ("Ada", "manager"));
    assert!(member(&json!({"role": "manager"})).is_none());
}

#[test]
fn schedule_entries_need_a_real_range() {
    let gap = schedule_entry(
        &json!({"start": "2026-01-01T00:00:00-05:00", "end": "2026-01-01T01:00:00-05:00", "user": null}),
    )
    .unwrap();
    assert_eq!(gap.user, None);
    assert_eq!(gap.end - gap.start, 3600);
    assert!(schedule_entry(&json!({"start": "2026-01-01T01:00:00Z", "end": "2026-01-01T00:00:00Z"})).is_none());
    assert!(schedule_entry(&json!({"start": "2026-01-01T01:00:00Z"})).is_none());
}

#[test]
fn lists_skip_what_is_not_an_object() {
    let body: Value = json!({"teams": [{"id": "A", "name": "a"}, null, 3, {"id": "B"}], "more": false});
    let teams = list(&body, "teams", team);
    assert_eq!(teams.len(), 2);
    assert!(list(&json!({"teams": "nope"}), "teams", team).is_empty());
    assert!(list(&json!(null), "teams", team).is_empty());
}

/// An incident as PagerDuty's API description shows it (with the fields
/// pdauth does not show: `pending_actions`, `incident_key`, a whole service
/// object, `last_status_change_by`, `first_trigger_log_entry`), and the
/// same incident as an account without priorities, urgencies or teams sends it.
#[test]
fn incidents_as_pagerduty_documents_them() {
    let v = json!({
        "id": "PT4KHLK", "type": "incident", "summary": "The server is on fire.",
        "self": "https://api.pagerduty.com/incidents/PT4KHLK",
        "html_url": "https://subdomain.pagerduty.com/incidents/PT4KHLK",
        "incident_number": 1234, "created_at": "2015-10-06T21:30:42Z", "status": "resolved",
        "pending_actions": [{"type": "unacknowledge", "at": "2015-11-10T01:02:52Z"},
                            {"type": "resolve", "at": "2015-11-10T04:31:52Z"}],
        "incident_key": "baf7cf21b1da41b4b0221008339ff357",
        "service": {
            "id": "PIJ90N7", "type": "service_reference", "summary": "My Application Service",
            "self": "https://api.pagerduty.com/services/PIJ90N7",
            "html_url": "https://subdomain.pagerduty.com/services/PIJ90N7",
            "name": "My Application Service", "description": "null", "auto_resolve_timeout": 14400,
            "status": "active", "last_incident_timestamp": "null",
            "incident_urgency_rule": {"type": "use_support_hours",
                "during_support_hours": {"type": "constant", "urgency": "high"}}
        },
        "assignments": [{"at": "2015-11-10T00:31:52Z", "assignee": {
            "id": "PXPGF42", "type": "user_reference", "summary": "Earline Greenholt",
            "self": "https://api.pagerduty.com/users/PXPGF42",
            "html_url": "https://subdomain.pagerduty.com/users/PXPGF42"}}],
        "acknowledgements": [{"at": "2015-11-10T00:32:52Z", "acknowledger": {
            "id": "PXPGF42", "type": "user_reference", "summary": "Earline Greenholt"}}],
        "last_status_change_at": "2015-10-06T21:38:23Z",
        "last_status_change_by": {"id": "PXPGF42", "type": "user_reference", "summary": "Earline Greenholt"},
        "first_trigger_log_entry": {"id": "Q02JTSNZWHSEKV", "type": "trigger_log_entry_reference",
            "summary": "Triggered through the API"},
        "escalation_policy": {"id": "PT20YPA", "type": "escalation_policy_reference",
            "summary": "Another Escalation Policy"},
        "teams": [{"id": "PQ9K7I8", "type": "team_reference", "summary": "Engineering",
            "self": "https://api.pagerduty.com/teams/PQ9K7I8",
            "html_url": "https://subdomain.pagerduty.com/teams/PQ9K7I8"}],
        "urgency": "high"
    });
    let i = incident(&v);
    assert_eq!(
        (i.id.as_str(), i.number, i.status.as_str()),
        ("PT4KHLK", 1234, "resolved")
    );
    // No `title` in this shape: the summary stands in.
    assert_eq!(i.title, "The server is on fire.");
    assert_eq!(i.priority, None);
    assert_eq!(i.service.as_ref().unwrap().summary, "My Application Service");
    assert_eq!(i.assignees.len(), 1);
    assert_eq!(i.acknowledgers[0].id, "PXPGF42");
    assert_eq!(i.escalation_policy.unwrap().id, "PT20YPA");
    assert_eq!(i.teams[0].summary, "Engineering");
    assert_eq!(i.created_at, unix("2015-10-06T21:30:42Z"));

    // What an account without priorities, urgencies or the teams ability
    // sends, on a triggered incident nobody is assigned to any more, with a
    // status PagerDuty may add in the future.
    let bare = json!({
        "id": "PT4KHLK", "type": "incident", "title": "The server is on fire.", "incident_number": 1234,
        "status": "snoozed", "priority": null, "assignments": [], "acknowledgements": [],
        "last_status_change_by": null, "html_url": null,
        "service": {"id": "PIJ90N7", "type": "service_reference", "summary": "My Application Service",
                    "self": "https://api.pagerduty.com/services/PIJ90N7", "html_url": null}
    });
    let i = incident(&bare);
    assert_eq!(i.status, "snoozed");
    assert_eq!(i.urgency, "");
    assert_eq!(i.priority, None);
    assert!(i.assignees.is_empty() && i.acknowledgers.is_empty() && i.teams.is_empty());
    assert_eq!(i.escalation_policy, None);
    assert_eq!(i.html_url, None);
    assert_eq!(i.service.unwrap().html_url, None);
}

/// Users as `GET /schedules/{id}/users` documents them (contact methods as
/// references, notification rules with a null `html_url`), and a user whose
/// optional fields are null.
#[test]
fn users_as_pagerduty_documents_them() {
    let v = json!({
        "id": "PAM4FGS", "type": "user", "summary": "Kyler Kuhn",
        "self": "https://api.pagerduty.com/users/PAM4FGS",
        "html_url": "https://subdomain.pagerduty.com/users/PAM4FGS",
        "name": "Kyler Kuhn", "email": "126_dvm_kyler_kuhn@beahan.name", "time_zone": "Asia/Hong_Kong",
        "color": "red", "role": "admin", "description": "Engineer based in HK", "invitation_sent": false,
        "contact_methods": [{"id": "PVMGSML", "type": "email_contact_method_reference", "summary": "Work",
            "self": "https://api.pagerduty.com/users/PAM4FGS/contact_methods/PVMGSMLL"}],
        "notification_rules": [{"id": "P8GRWKZ", "type": "assignment_notification_rule_reference",
            "summary": "Default", "html_url": null}],
        "job_title": "Senior Engineer",
        "teams": [{"id": "PQ9K7I8", "type": "team_reference", "summary": "Engineering"}]
    });
    let u = user(&v);
    assert_eq!((u.name.as_str(), u.role.as_str()), ("Kyler Kuhn", "admin"));
    assert_eq!(u.time_zone.as_deref(), Some("Asia/Hong_Kong"));
    assert_eq!(u.contact_methods.len(), 1);
    assert_eq!(
        (u.contact_methods[0].kind.as_str(), u.contact_methods[0].label.as_str()),
        ("email", "Work")
    );
    assert_eq!(u.contact_methods[0].address, "");

    let u = user(
        &json!({"id": "PAM4FGS", "type": "user", "name": "Kyler Kuhn", "email": "k@example.com",
        "time_zone": null, "job_title": null, "description": null, "role": "limited_user"}),
    );
    assert_eq!((u.time_zone, u.job_title), (None, None));
    assert!(u.teams.is_empty() && u.contact_methods.is_empty());
}

/// Log entries whose agent is null or absent and whose type has no channel
/// (`notify_log_entry` names a `user` instead), and services in every status.
#[test]
fn log_entries_without_agents_and_services_in_any_status() {
    let e = log_entry(&json!({
        "id": "Q02JTSNZWHSEKV", "type": "trigger_log_entry", "summary": "Triggered through the API",
        "self": "https://api.pagerduty.com/log_entries/Q02JTSNZWHSEKV?incident_id=PT4KHLK",
        "html_url": "https://subdomain.pagerduty.com/incidents/PT4KHLK/log_entries/Q02JTSNZWHSEKV",
        "created_at": "2015-11-07T00:14:20Z",
        "agent": {"id": "PIJ90N7", "type": "service_reference", "summary": "My Mail Service"},
        "channel": {"type": "api"}, "contexts": [],
        "event_details": {"description": "Tasks::SFDCValidator - PD_Data__c - duplicates"}
    }));
    assert_eq!(
        (e.kind.as_str(), e.agent.unwrap().kind.as_str()),
        ("trigger", "service_reference")
    );
    let e = log_entry(
        &json!({"id": "R2", "type": "notify_log_entry", "summary": "Notified Ada by SMS",
        "created_at": "2015-11-07T00:15:20Z", "agent": null,
        "user": {"id": "PU", "type": "user_reference", "summary": "Ada"}}),
    );
    assert_eq!((e.kind.as_str(), e.agent), ("notify", None));
    let e = log_entry(
        &json!({"id": "R3", "type": "repeat_escalation_path_log_entry", "created_at": "2015-11-07T00:16:20Z"}),
    );
    assert_eq!(
        (e.kind.as_str(), e.agent, e.summary.as_str()),
        ("repeat_escalation_path", None, "")
    );

    for status in [
        "active",
        "warning",
        "critical",
        "maintenance",
        "disabled",
        "some_future_status",
    ] {
        let s = service(
            &json!({"id": "PIJ90N7", "type": "service", "name": "Mail", "status": status,
            "description": null, "last_incident_timestamp": null, "escalation_policy": null}),
        );
        assert_eq!(s.status, status);
        assert_eq!(
            (s.description, s.last_incident_at, s.escalation_policy),
            (None, None, None)
        );
    }
}

#[test]
fn paging_fields_as_pagerduty_sends_them() {
    // `GET /response_plays` as documented: limit and offset null, a total.
    let plays = json!({"response_plays": [], "limit": null, "offset": null, "total": 2, "more": false});
    assert_eq!(count(&plays, "limit"), None);
    assert_eq!(count(&plays, "total"), Some(2));
    assert!(!more(&plays));
    // `GET /oncalls` as documented: total null without `total=true`.
    let oncalls = json!({"oncalls": [], "limit": 25, "offset": 0, "more": false, "total": null});
    assert_eq!((count(&oncalls, "limit"), count(&oncalls, "total")), (Some(25), None));
    assert!(wrapped(&oncalls, "oncalls").unwrap().is_empty());
    assert!(wrapped(&oncalls, "users").is_none());
    assert!(wrapped(&json!({"oncalls": null}), "oncalls").is_none());
    // Numbers as strings, `more` as a string or null or absent.
    assert_eq!(count(&json!({"total": "12"}), "total"), Some(12));
    assert_eq!(count(&json!({"total": -1}), "total"), None);
    assert!(more(&json!({"more": "true"})));
    assert!(!more(&json!({"more": null})));
    assert!(!more(&json!({})));
    // What a list needs of an entry to key it.
    assert!(has_id(&json!({"id": "PT4KHLK"})));
    assert!(has_id(&json!({"id": 42})));
    for bad in [
        json!({"id": ""}),
        json!({"id": null}),
        json!({"summary": "x"}),
        json!(null),
        json!("PT4KHLK"),
    ] {
        assert!(!has_id(&bad), "{bad}");
    }
}
