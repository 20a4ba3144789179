//! The detail of an incident: number and title, status and urgency, who it
//! is assigned to and acknowledged by, its times and web link, then its
//! timeline (newest first), notes (oldest first) and alerts.

use pdauth_common::browse::{Alert, Incident, LogEntry, Note, Part};
use ratatui::style::Style;
use ratatui::text::Span;

use super::text::{Col, Doc, clean, clean_lines, column, dim, name, names, words};
use super::when;
use crate::theme;

/// The colour of an incident's status: triggered red, acknowledged yellow,
/// resolved green.
pub(super) fn status_style(status: &str) -> Style {
    match status {
        "triggered" => theme::error(),
        "acknowledged" => theme::warning(),
        "resolved" => theme::success(),
        _ => Style::new(),
    }
}

/// High urgency stands out; low is quiet.
pub(super) fn urgency_style(urgency: &str) -> Style {
    match urgency {
        "high" => theme::key(),
        _ => theme::dim(),
    }
}

/// The parts of an incident's detail next to the incident itself.
pub(super) struct Related<'a> {
    pub log_entries: &'a [LogEntry],
    pub notes: &'a [Note],
    pub alerts: &'a [Alert],
}

pub(super) fn lines(doc: &mut Doc, incident: &Incident, related: &Related, now: i64, offset: i32) {
    doc.title(vec![
        Span::styled(format!("#{} ", incident.number), theme::title()),
        Span::styled(clean(&incident.title), theme::title()),
    ]);
    let mut status = vec![Span::styled(words(&incident.status), status_style(&incident.status))];
    if !incident.urgency.is_empty() {
        status.push(Span::raw(" · "));
        status.push(Span::styled(
            format!("{} urgency", words(&incident.urgency)),
            urgency_style(&incident.urgency),
        ));
    }
    doc.field("Status", status);
    doc.field_or("Priority", incident.priority.as_deref().map(clean), "none");
    doc.field_or("Service", incident.service.as_ref().map(name), "none");
    doc.field_or("Policy", incident.escalation_policy.as_ref().map(name), "none");
    doc.field_or("Teams", Some(names(&incident.teams)), "none");
    doc.field_or("Assigned", Some(names(&incident.assignees)), "nobody");
    doc.field_or("Acked by", Some(names(&incident.acknowledgers)), "nobody");
    doc.field_or(
        "Created",
        incident.created_at.map(|at| when::stamp(at, now, offset)),
        "unknown",
    );
    doc.field_or(
        "Changed",
        incident.last_status_change_at.map(|at| when::stamp(at, now, offset)),
        "unknown",
    );
    doc.link(incident.html_url.as_deref());
    timeline(doc, related.log_entries, now, offset);
    notes(doc, related.notes, now, offset);
    alerts(doc, related.alerts, now, offset);
}

fn at_words(at: Option<i64>, now: i64, offset: i32) -> String {
    at.map_or_else(|| "-".to_string(), |at| when::short(at, now, offset))
}

fn timeline(doc: &mut Doc, entries: &[LogEntry], now: i64, offset: i32) {
    if !doc.part("Timeline", Part::LogEntries, entries.len()) {
        return;
    }
    if entries.is_empty() {
        doc.note("nothing yet");
        return;
    }
    let rows: Vec<(String, String, String)> = entries
        .iter()
        .map(|e| {
            let agent = e.agent.as_ref().map(name).unwrap_or_else(|| "-".to_string());
            (at_words(e.at, now, offset), words(&e.kind), agent)
        })
        .collect();
    let time_w = column(rows.iter().map(|r| r.0.as_str()), 12);
    let kind_w = column(rows.iter().map(|r| r.1.as_str()), 14);
    let agent_w = column(rows.iter().map(|r| r.2.as_str()), 20);
    for (entry, (at, kind, agent)) in entries.iter().zip(rows) {
        doc.row(
            vec![
                Col::new(at, theme::dim(), time_w),
                Col::new(kind, kind_style(&entry.kind), kind_w),
                Col::new(agent, Style::new(), agent_w),
            ],
            vec![Span::raw(clean(&entry.summary))],
        );
    }
}

/// Log entries that change the status take its colour.
fn kind_style(kind: &str) -> Style {
    match kind {
        "trigger" => status_style("triggered"),
        "acknowledge" => status_style("acknowledged"),
        "resolve" => status_style("resolved"),
        _ => theme::dim(),
    }
}

fn notes(doc: &mut Doc, notes: &[Note], now: i64, offset: i32) {
    if !doc.part("Notes", Part::Notes, notes.len()) {
        return;
    }
    if notes.is_empty() {
        doc.note("none");
        return;
    }
    for note in notes {
        let author = note.user.as_ref().map(name).unwrap_or_else(|| "someone".to_string());
        doc.push(
            vec![
                Span::raw("  "),
                dim(at_words(note.at, now, offset)),
                Span::raw("  "),
                Span::styled(author, theme::title()),
            ],
            4,
        );
        let lines = clean_lines(&note.content);
        if lines.is_empty() {
            doc.push(vec![Span::raw("    "), dim("(empty)")], 4);
        }
        for line in lines {
            doc.push(vec![Span::raw("    "), Span::raw(line)], 4);
        }
    }
}

fn alerts(doc: &mut Doc, alerts: &[Alert], now: i64, offset: i32) {
    if !doc.part("Alerts", Part::Alerts, alerts.len()) {
        return;
    }
    if alerts.is_empty() {
        doc.note("none");
        return;
    }
    let rows: Vec<(String, String, String)> = alerts
        .iter()
        .map(|a| {
            let severity = a.severity.as_deref().map(words).unwrap_or_else(|| "-".to_string());
            (words(&a.status), severity, at_words(a.created_at, now, offset))
        })
        .collect();
    let status_w = column(rows.iter().map(|r| r.0.as_str()), 12);
    let severity_w = column(rows.iter().map(|r| r.1.as_str()), 10);
    let time_w = column(rows.iter().map(|r| r.2.as_str()), 12);
    for (alert, (status, severity, at)) in alerts.iter().zip(rows) {
        doc.row(
            vec![
                Col::new(status, status_style(&alert.status), status_w),
                Col::new(severity, severity_style(alert.severity.as_deref()), severity_w),
                Col::new(at, theme::dim(), time_w),
            ],
            vec![Span::raw(clean(&alert.summary))],
        );
    }
}

fn severity_style(severity: Option<&str>) -> Style {
    match severity {
        Some("critical" | "error") => theme::error(),
        Some("warning") => theme::warning(),
        _ => theme::dim(),
    }
}
