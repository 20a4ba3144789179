//! The detail of one PagerDuty object (incident, service, user, schedule,
//! escalation policy, team) as styled lines for a scrollable pane, wrapped
//! to the pane's width. Pure: a function of the detail, `now` and the local
//! UTC offset. Every PagerDuty string is sanitised before it reaches a line.

mod bars;
mod coverage;
mod incident;
mod policy;
mod schedule;
mod service;
mod team;
mod text;
mod user;
mod when;
mod wrap;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

pub(crate) use wrap::wrap;

use pdauth_common::browse::{Detail, DetailPage, Part, Unread};
use ratatui::text::Line;

/// What the daemon said of a detail's related lists besides their items.
#[derive(Debug, Clone, Copy, Default)]
pub struct PartsInfo<'a> {
    /// Lists PagerDuty would not give, and why.
    pub unread: &'a [Unread],
    /// Lists cut at their first items: PagerDuty has more.
    pub cut: &'a [Part],
}

impl<'a> From<&'a DetailPage> for PartsInfo<'a> {
    fn from(page: &'a DetailPage) -> Self {
        PartsInfo {
            unread: &page.unread,
            cut: &page.cut,
        }
    }
}

/// The detail of one PagerDuty object as lines for a scrollable pane; every
/// PagerDuty string is sanitised. Related lists PagerDuty would not give
/// are shown as not read, with why, rather than as empty; cut ones say so.
///
/// No line is wider than `width` columns (nothing at all for a width of 0).
/// Times are shown at `utc_offset` seconds east of UTC, ages relative to
/// `now` (Unix seconds).
pub fn detail_lines(
    detail: &Detail,
    parts: PartsInfo<'_>,
    now: i64,
    utc_offset: i32,
    width: u16,
) -> Vec<Line<'static>> {
    if width == 0 {
        return Vec::new();
    }
    let offset = when::usable_offset(utc_offset);
    let mut doc = text::Doc::new(width, parts);
    match detail {
        Detail::Incident {
            incident,
            log_entries,
            notes,
            alerts,
        } => {
            let related = incident::Related {
                log_entries,
                notes,
                alerts,
            };
            incident::lines(&mut doc, incident, &related, now, offset);
        }
        Detail::Service {
            service,
            open_incidents,
        } => service::lines(&mut doc, service, open_incidents, now, offset),
        Detail::User { user, oncalls } => user::lines(&mut doc, user, oncalls, now, offset),
        Detail::Schedule {
            schedule,
            since,
            until,
            entries,
            coverage_percent,
        } => {
            let rendered = schedule::Rendered {
                since: *since,
                until: *until,
                entries,
                coverage_percent: *coverage_percent,
            };
            schedule::lines(&mut doc, schedule, &rendered, now, offset);
        }
        Detail::EscalationPolicy { policy, oncalls } => policy::lines(&mut doc, policy, oncalls, now, offset),
        Detail::Team {
            team,
            members,
            services,
        } => team::lines(&mut doc, team, members, services),
    }
    doc.into_lines()
}
