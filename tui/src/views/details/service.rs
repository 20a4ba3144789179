//! The detail of a service: name and status, description, escalation policy,
//! teams, last incident and web link, then its open incidents.

use pdauth_common::browse::{Incident, Part, Service};
use ratatui::style::Style;
use ratatui::text::Span;

use super::incident::{status_style as incident_style, urgency_style};
use super::text::{Col, Doc, clean, column, name, names, words};
use super::when;
use crate::theme;

/// The colour of a service's status: active green, warning yellow, critical
/// red, maintenance and disabled dim.
pub(super) fn status_style(status: &str) -> Style {
    match status {
        "active" => theme::success(),
        "warning" => theme::warning(),
        "critical" => theme::error(),
        "maintenance" | "disabled" => theme::dim(),
        _ => Style::new(),
    }
}

pub(super) fn lines(doc: &mut Doc, service: &Service, open: &[Incident], now: i64, offset: i32) {
    doc.title(vec![Span::styled(clean(&service.name), theme::title())]);
    doc.field(
        "Status",
        vec![Span::styled(words(&service.status), status_style(&service.status))],
    );
    doc.text_field("About", service.description.as_deref());
    doc.field_or("Policy", service.escalation_policy.as_ref().map(name), "none");
    doc.field_or("Teams", Some(names(&service.teams)), "none");
    doc.field_or(
        "Last inc.",
        service.last_incident_at.map(|at| when::stamp(at, now, offset)),
        "never",
    );
    doc.link(service.html_url.as_deref());
    incidents(doc, open);
}

/// Incidents as rows: number, status, urgency, title.
fn incidents(doc: &mut Doc, open: &[Incident]) {
    if !doc.part("Open incidents", Part::OpenIncidents, open.len()) {
        return;
    }
    if open.is_empty() {
        doc.note("none");
        return;
    }
    let rows: Vec<(String, String, String)> = open
        .iter()
        .map(|i| (format!("#{}", i.number), words(&i.status), words(&i.urgency)))
        .collect();
    let number_w = column(rows.iter().map(|r| r.0.as_str()), 10);
    let status_w = column(rows.iter().map(|r| r.1.as_str()), 12);
    let urgency_w = column(rows.iter().map(|r| r.2.as_str()), 6);
    for (incident, (number, status, urgency)) in open.iter().zip(rows) {
        doc.row(
            vec![
                Col::new(number, theme::title(), number_w),
                Col::new(status, incident_style(&incident.status), status_w),
                Col::new(urgency, urgency_style(&incident.urgency), urgency_w),
            ],
            vec![Span::raw(clean(&incident.title))],
        );
    }
}
