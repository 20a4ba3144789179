//! The Services screen's rows: name, status in colour, escalation policy,
//! teams and the number of open incidents (from the incidents screen).

use pdauth_common::browse::{Items, Resource, Service};
use ratatui::style::Style;

use super::{Column, Ctx, Row, SortValue, clean, clean_opt, clean_opt_ref, clean_refs, col, flex, summaries};
use crate::theme;

const NAME: usize = 0;
const STATUS: usize = 1;
const POLICY: usize = 2;
const TEAMS: usize = 3;
const OPEN: usize = 4;

impl Row for Service {
    const RESOURCE: Resource = Resource::Services;
    const COLUMNS: &'static [Column] = &[
        flex("NAME", 12),
        col("STATUS", 6, 11, 0),
        col("ESCALATION POLICY", 10, 36, 2),
        col("TEAMS", 6, 20, 3),
        Column {
            live: true,
            sort: false,
            ..col("OPEN", 4, 4, 1)
        },
    ];
    const DEFAULT_SORT: (usize, bool) = (NAME, false);

    fn key(&self) -> String {
        self.id.clone()
    }

    fn sanitize(&mut self) {
        clean(&mut self.id);
        clean(&mut self.name);
        clean_opt(&mut self.description);
        clean(&mut self.status);
        clean_opt_ref(&mut self.escalation_policy);
        clean_refs(&mut self.teams);
        clean_opt(&mut self.html_url);
    }

    fn cell(&self, col: usize, ctx: &Ctx) -> (String, Style) {
        match col {
            STATUS => (self.status.clone(), theme::service_status(&self.status)),
            POLICY => (super::summary(&self.escalation_policy), Style::new()),
            TEAMS => (summaries(&self.teams), Style::new()),
            OPEN => match ctx.open_by_service {
                Some(counts) => match counts.get(&self.id).copied().unwrap_or(0) {
                    0 => ("0".into(), theme::dim()),
                    n => (n.to_string(), theme::warning()),
                },
                None => ("?".into(), theme::dim()),
            },
            _ => (self.name.clone(), Style::new()),
        }
    }

    fn sort_value(&self, col: usize) -> SortValue<'_> {
        match col {
            STATUS => SortValue::Int(match self.status.as_str() {
                "critical" => 0,
                "warning" => 1,
                "active" => 2,
                "maintenance" => 3,
                _ => 4,
            }),
            POLICY => SortValue::Text(super::opt_text(&self.escalation_policy)),
            TEAMS => SortValue::Text(self.teams.first().map_or("", |r| r.summary.as_str())),
            _ => SortValue::Text(&self.name),
        }
    }

    fn label(&self) -> String {
        self.name.clone()
    }

    fn detail(&self) -> Option<(Resource, &str)> {
        Some((Self::RESOURCE, &self.id))
    }

    fn from_items(items: Items) -> Option<Vec<Self>> {
        match items {
            Items::Services(v) => Some(v),
            _ => None,
        }
    }
}
