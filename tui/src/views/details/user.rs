//! The detail of a user: name, email, role, job title, time zone and teams,
//! the ways to reach them, where they are on call now and next, and the web
//! link.

use pdauth_common::browse::{OnCall, Part, User};
use ratatui::style::Style;
use ratatui::text::Span;

use super::text::{Col, Doc, clean, column, dim, name, names, words};
use super::when;
use crate::theme;

pub(super) fn lines(doc: &mut Doc, user: &User, oncalls: &[OnCall], now: i64, offset: i32) {
    doc.title(vec![Span::styled(clean(&user.name), theme::title())]);
    doc.field_or("Email", Some(clean(&user.email)), "none");
    doc.field_or("Role", Some(words(&user.role)), "unknown");
    doc.field_or("Job title", user.job_title.as_deref().map(clean), "none");
    doc.field_or("Time zone", user.time_zone.as_deref().map(clean), "not set");
    doc.field_or("Teams", Some(names(&user.teams)), "none");

    doc.heading("Contact methods", Some(user.contact_methods.len()));
    if user.contact_methods.is_empty() {
        doc.note("none");
    }
    let methods: Vec<(String, String)> = user
        .contact_methods
        .iter()
        .map(|c| (words(&c.kind), clean(&c.label)))
        .collect();
    let kind_w = column(methods.iter().map(|m| m.0.as_str()), 8);
    let label_w = column(methods.iter().map(|m| m.1.as_str()), 16);
    for (method, (kind, label)) in user.contact_methods.iter().zip(methods) {
        doc.row(
            vec![
                Col::new(kind, theme::dim(), kind_w),
                Col::new(label, Style::new(), label_w),
            ],
            vec![Span::raw(clean(&method.address))],
        );
    }

    if doc.part("On call", Part::Oncalls, oncalls.len()) {
        if oncalls.is_empty() {
            doc.note("not on call");
        }
        oncall_rows(doc, oncalls, now, offset);
    }
    doc.blank();
    doc.link(user.html_url.as_deref());
}

/// On-call entries as rows: policy, level, then the schedule and when.
fn oncall_rows(doc: &mut Doc, oncalls: &[OnCall], now: i64, offset: i32) {
    let policies: Vec<String> = oncalls
        .iter()
        .map(|o| {
            o.escalation_policy
                .as_ref()
                .map(name)
                .unwrap_or_else(|| "-".to_string())
        })
        .collect();
    let policy_w = column(policies.iter().map(String::as_str), 28);
    let levels: Vec<String> = oncalls.iter().map(|o| format!("level {}", o.level)).collect();
    let level_w = column(levels.iter().map(String::as_str), 9);
    for ((oncall, policy), level) in oncalls.iter().zip(policies).zip(levels) {
        let mut rest = vec![match &oncall.schedule {
            Some(schedule) => Span::raw(format!("via {},", name(schedule))),
            None => dim("directly,"),
        }];
        if let Some(start) = oncall.start.filter(|s| *s > now) {
            rest.push(Span::styled(
                format!(" {}", when::from(start, now, offset)),
                theme::warning(),
            ));
        }
        rest.push(dim(format!(" {}", when::until(oncall.end, now, offset))));
        doc.row(
            vec![
                Col::new(policy, Style::new(), policy_w),
                Col::new(level, theme::dim(), level_w),
            ],
            rest,
        );
    }
}
