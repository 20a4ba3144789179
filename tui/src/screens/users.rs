//! The Users screen's rows: name, email, role, teams and a summary of the
//! contact methods.

use pdauth_common::browse::{Items, Resource, User};
use ratatui::style::Style;

use super::{Column, Ctx, Row, SortValue, clean, clean_opt, clean_refs, col, summaries};
use crate::theme;

const NAME: usize = 0;
const EMAIL: usize = 1;
const ROLE: usize = 2;
const TEAMS: usize = 3;
const CONTACT: usize = 4;

/// `2 email, phone`: how many ways to reach the user, and of which kinds.
fn contact_summary(user: &User) -> String {
    if user.contact_methods.is_empty() {
        return "-".to_string();
    }
    let mut kinds: Vec<&str> = Vec::new();
    for m in &user.contact_methods {
        let kind = m.kind.trim_end_matches("_contact_method");
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    format!("{} {}", user.contact_methods.len(), kinds.join(", "))
}

impl Row for User {
    const RESOURCE: Resource = Resource::Users;
    const COLUMNS: &'static [Column] = &[
        col("NAME", 12, 28, 0),
        col("EMAIL", 10, 32, 1),
        col("ROLE", 4, 14, 2),
        col("TEAMS", 6, 28, 3),
        col("CONTACT", 7, 40, 4),
    ];
    const DEFAULT_SORT: (usize, bool) = (NAME, false);

    fn key(&self) -> String {
        self.id.clone()
    }

    fn sanitize(&mut self) {
        clean(&mut self.id);
        clean(&mut self.name);
        clean(&mut self.email);
        clean(&mut self.role);
        clean_opt(&mut self.job_title);
        clean_opt(&mut self.time_zone);
        clean_refs(&mut self.teams);
        for m in &mut self.contact_methods {
            clean(&mut m.kind);
            clean(&mut m.label);
            clean(&mut m.address);
        }
        clean_opt(&mut self.html_url);
    }

    fn cell(&self, col: usize, _ctx: &Ctx) -> (String, Style) {
        match col {
            EMAIL => (self.email.clone(), Style::new()),
            ROLE => (self.role.clone(), theme::dim()),
            TEAMS => (summaries(&self.teams), Style::new()),
            CONTACT => (contact_summary(self), Style::new()),
            _ => (self.name.clone(), Style::new()),
        }
    }

    fn sort_value(&self, col: usize) -> SortValue<'_> {
        match col {
            EMAIL => SortValue::Text(&self.email),
            ROLE => SortValue::Text(&self.role),
            TEAMS => SortValue::Text(self.teams.first().map_or("", |r| r.summary.as_str())),
            CONTACT => SortValue::Int(i64::try_from(self.contact_methods.len()).unwrap_or(i64::MAX)),
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
            Items::Users(v) => Some(v),
            _ => None,
        }
    }
}
