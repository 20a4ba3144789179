//! The Incidents screen's rows: number, status and urgency in colour,
//! priority, service, assignees, age and title.

use pdauth_common::browse::{Incident, Items, Resource};
use ratatui::style::Style;

use super::{Column, Ctx, Row, SortValue, clean, clean_opt, clean_opt_ref, clean_refs, col, flex, live, summaries};
use crate::{clock, theme};

pub const NUMBER: usize = 0;
pub const STATUS: usize = 1;
pub const URGENCY: usize = 2;
pub const PRIORITY: usize = 3;
pub const SERVICE: usize = 4;
pub const ASSIGNEE: usize = 5;
pub const AGE: usize = 6;
pub const TITLE: usize = 7;

/// Triggered first, then acknowledged, then resolved.
fn status_rank(status: &str) -> i64 {
    match status {
        "triggered" => 0,
        "acknowledged" => 1,
        "resolved" => 2,
        _ => 3,
    }
}

impl Row for Incident {
    const RESOURCE: Resource = Resource::Incidents;
    const COLUMNS: &'static [Column] = &[
        col("#", 5, 6, 0),
        col("STATUS", 12, 12, 0),
        col("URG", 4, 4, 2),
        col("PRI", 3, 3, 5),
        col("SERVICE", 8, 22, 3),
        col("ASSIGNEE", 8, 20, 4),
        live("AGE", 4, 1),
        flex("TITLE", 12),
    ];
    // Newest first.
    const DEFAULT_SORT: (usize, bool) = (NUMBER, true);

    fn key(&self) -> String {
        self.id.clone()
    }

    fn sanitize(&mut self) {
        clean(&mut self.id);
        clean(&mut self.title);
        clean(&mut self.status);
        clean(&mut self.urgency);
        clean_opt(&mut self.priority);
        clean_opt_ref(&mut self.service);
        clean_refs(&mut self.assignees);
        clean_refs(&mut self.acknowledgers);
        clean_opt_ref(&mut self.escalation_policy);
        clean_refs(&mut self.teams);
        clean_opt(&mut self.html_url);
    }

    fn cell(&self, col: usize, ctx: &Ctx) -> (String, Style) {
        match col {
            NUMBER => (self.number.to_string(), theme::incident_status(&self.status)),
            STATUS => (self.status.clone(), theme::incident_status(&self.status)),
            URGENCY => (self.urgency.clone(), theme::urgency(&self.urgency)),
            PRIORITY => (self.priority.clone().unwrap_or_else(|| "-".into()), Style::new()),
            SERVICE => (super::summary(&self.service), Style::new()),
            ASSIGNEE => (summaries(&self.assignees), Style::new()),
            AGE => match self.created_at {
                Some(at) => (clock::coarse(ctx.now - at), theme::dim()),
                None => ("-".into(), theme::dim()),
            },
            TITLE => (self.title.clone(), Style::new()),
            _ => (String::new(), Style::new()),
        }
    }

    fn sort_value(&self, col: usize) -> SortValue<'_> {
        match col {
            NUMBER => SortValue::Int(i64::try_from(self.number).unwrap_or(i64::MAX)),
            STATUS => SortValue::Int(status_rank(&self.status)),
            URGENCY => SortValue::Int(i64::from(self.urgency != "high")),
            PRIORITY => SortValue::Text(self.priority.as_deref().unwrap_or("~")),
            SERVICE => SortValue::Text(super::opt_text(&self.service)),
            ASSIGNEE => SortValue::Text(self.assignees.first().map_or("", |r| r.summary.as_str())),
            // Oldest first when not reversed, like the numbers.
            // By age, as the column shows it: ↑ is the youngest first.
            AGE => SortValue::Int(self.created_at.map_or(i64::MAX, |at| -at)),
            _ => SortValue::Text(&self.title),
        }
    }

    fn label(&self) -> String {
        format!("#{}", self.number)
    }

    fn detail(&self) -> Option<(Resource, &str)> {
        Some((Self::RESOURCE, &self.id))
    }

    fn from_items(items: Items) -> Option<Vec<Self>> {
        match items {
            Items::Incidents(v) => Some(v),
            _ => None,
        }
    }
}
