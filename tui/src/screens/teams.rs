//! The Teams screen's rows: name and description.

use pdauth_common::browse::{Items, Resource, Team};
use ratatui::style::Style;

use super::{Column, Ctx, Row, SortValue, clean, clean_opt, col, flex};
use crate::theme;

const NAME: usize = 0;
const DESCRIPTION: usize = 1;

impl Row for Team {
    const RESOURCE: Resource = Resource::Teams;
    const COLUMNS: &'static [Column] = &[col("NAME", 12, 36, 0), flex("DESCRIPTION", 10)];
    const DEFAULT_SORT: (usize, bool) = (NAME, false);

    fn key(&self) -> String {
        self.id.clone()
    }

    fn sanitize(&mut self) {
        clean(&mut self.id);
        clean(&mut self.name);
        clean_opt(&mut self.description);
        clean_opt(&mut self.html_url);
    }

    fn cell(&self, col: usize, _ctx: &Ctx) -> (String, Style) {
        match col {
            DESCRIPTION => match self.description.as_deref() {
                Some(d) if !d.is_empty() => (d.to_string(), Style::new()),
                _ => ("-".into(), theme::dim()),
            },
            _ => (self.name.clone(), Style::new()),
        }
    }

    fn sort_value(&self, col: usize) -> SortValue<'_> {
        match col {
            DESCRIPTION => SortValue::Text(self.description.as_deref().unwrap_or("")),
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
            Items::Teams(v) => Some(v),
            _ => None,
        }
    }
}
