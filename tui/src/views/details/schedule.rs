//! The detail of a schedule: its name, zone, people and policies, who is on
//! call now and next according to the rendered entries, then the coverage
//! view of the rendered range (see `bars`).

use pdauth_common::browse::{Schedule, ScheduleEntry};
use ratatui::text::Span;

use super::bars;
use super::coverage::{self, Shift};
use super::text::{Doc, clean, dim, name, names};
use super::when;
use crate::theme;

/// The rendered schedule from `since` to `until`, and the daemon's share of
/// it covered, if it sent one.
pub(super) struct Rendered<'a> {
    pub since: i64,
    pub until: i64,
    pub entries: &'a [ScheduleEntry],
    pub coverage_percent: Option<f64>,
}

pub(super) fn lines(doc: &mut Doc, schedule: &Schedule, rendered: &Rendered, now: i64, offset: i32) {
    let Rendered {
        since,
        until,
        entries,
        coverage_percent,
    } = *rendered;
    doc.title(vec![Span::styled(clean(&schedule.name), theme::title())]);
    doc.field_or("Time zone", schedule.time_zone.as_deref().map(clean), "not set");
    doc.text_field("About", schedule.description.as_deref());
    doc.field_or("Users", Some(names(&schedule.users)), "none");
    doc.field_or("Policies", Some(names(&schedule.escalation_policies)), "none");

    let covered = coverage::covered(entries, since, until);
    let gaps = coverage::gaps(entries, since, until);
    let current = coverage::on_call_at(entries, now);
    if current.is_empty() {
        let words = if (since..until).contains(&now) {
            let end = gaps.iter().find(|&&(a, b)| a <= now && now < b).map(|g| g.1);
            match end {
                Some(end) if end < until => format!("nobody, {}", when::until(Some(end), now, offset)),
                _ => "nobody until the end of the range".to_string(),
            }
        } else {
            "nobody known: now is outside the rendered range".to_string()
        };
        doc.field("On call", vec![Span::styled(words, theme::error())]);
    } else {
        let mut spans = Vec::new();
        for (i, shift) in current.iter().enumerate() {
            if i > 0 {
                spans.push(Span::raw("; "));
            }
            spans.extend(shift_spans(shift, false, now, offset));
        }
        doc.field("On call", spans);
    }
    match coverage::next_after(entries, now) {
        Some(next) => doc.field("Next", shift_spans(&next, true, now, offset)),
        None => doc.field("Next", vec![dim("nobody in the rendered range")]),
    }
    doc.link(schedule.html_url.as_deref());

    // The daemon's share, from the same entries, when it is a share at all;
    // none for an empty range whatever it says.
    let computed = coverage::percent(&covered, since, until);
    let daemon = coverage_percent.filter(|p| p.is_finite() && (0.0..=100.0).contains(p));
    let percent = computed.and(daemon).or(computed);
    bars::draw(doc, &covered, &gaps, (since, until), percent, now, offset);
}

/// `Ada Lovelace until Wed 15 Nov 09:00 (in 10h)`; with `from`, the start too.
fn shift_spans(shift: &Shift, from: bool, now: i64, offset: i32) -> Vec<Span<'static>> {
    let mut spans = vec![Span::styled(name(shift.user), theme::title())];
    if from {
        spans.push(Span::raw(format!(" {}", when::from(shift.start, now, offset))));
    }
    spans.push(dim(format!(" {}", when::until(Some(shift.end), now, offset))));
    spans
}
