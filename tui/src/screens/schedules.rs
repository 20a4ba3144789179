//! The Schedules screen's rows: name, time zone, the users on it and the
//! escalation policies that use it.

use pdauth_common::browse::{Items, Resource, Schedule};
use ratatui::style::Style;

use super::{Column, Ctx, Row, SortValue, clean, clean_opt, clean_refs, col, flex, summaries};
use crate::theme;

const NAME: usize = 0;
const ZONE: usize = 1;
const USERS: usize = 2;
const POLICIES: usize = 3;

impl Row for Schedule {
    const RESOURCE: Resource = Resource::Schedules;
    const COLUMNS: &'static [Column] = &[
        col("NAME", 12, 32, 0),
        col("TIME ZONE", 8, 22, 2),
        flex("USERS", 12),
        col("POLICIES", 8, 28, 3),
    ];
    const DEFAULT_SORT: (usize, bool) = (NAME, false);

    fn key(&self) -> String {
        self.id.clone()
    }

    fn sanitize(&mut self) {
        clean(&mut self.id);
        clean(&mut self.name);
        clean_opt(&mut self.description);
        clean_opt(&mut self.time_zone);
        clean_refs(&mut self.users);
        clean_refs(&mut self.escalation_policies);
        clean_opt(&mut self.html_url);
    }

    fn cell(&self, col: usize, _ctx: &Ctx) -> (String, Style) {
        match col {
            ZONE => (self.time_zone.clone().unwrap_or_else(|| "-".into()), theme::dim()),
            USERS => (summaries(&self.users), Style::new()),
            POLICIES => (summaries(&self.escalation_policies), Style::new()),
            _ => (self.name.clone(), Style::new()),
        }
    }

    fn sort_value(&self, col: usize) -> SortValue<'_> {
        match col {
            ZONE => SortValue::Text(self.time_zone.as_deref().unwrap_or("")),
            USERS => SortValue::Int(i64::try_from(self.users.len()).unwrap_or(i64::MAX)),
            POLICIES => SortValue::Text(self.escalation_policies.first().map_or("", |r| r.summary.as_str())),
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
            Items::Schedules(v) => Some(v),
            _ => None,
        }
    }
}
