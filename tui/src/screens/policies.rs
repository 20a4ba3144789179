//! The Escalation policies screen's rows: name, levels (with loops),
//! services and teams.

use pdauth_common::browse::{EscalationPolicy, Items, Resource};
use ratatui::style::Style;

use super::{Column, Ctx, Row, SortValue, clean, clean_opt, clean_refs, col, flex, summaries};

const NAME: usize = 0;
const LEVELS: usize = 1;
const SERVICES: usize = 2;
const TEAMS: usize = 3;

impl Row for EscalationPolicy {
    const RESOURCE: Resource = Resource::EscalationPolicies;
    const COLUMNS: &'static [Column] = &[
        col("NAME", 12, 44, 0),
        col("LEVELS", 6, 12, 1),
        flex("SERVICES", 10),
        col("TEAMS", 6, 24, 2),
    ];
    const DEFAULT_SORT: (usize, bool) = (NAME, false);

    fn key(&self) -> String {
        self.id.clone()
    }

    fn sanitize(&mut self) {
        clean(&mut self.id);
        clean(&mut self.name);
        clean_opt(&mut self.description);
        for rule in &mut self.rules {
            clean_refs(&mut rule.targets);
        }
        clean_refs(&mut self.services);
        clean_refs(&mut self.teams);
        clean_opt(&mut self.html_url);
    }

    fn cell(&self, col: usize, _ctx: &Ctx) -> (String, Style) {
        match col {
            LEVELS => {
                let loops = match self.num_loops {
                    0 => String::new(),
                    n => format!(" ×{}", n + 1),
                };
                (format!("{}{loops}", self.rules.len()), Style::new())
            }
            SERVICES => (summaries(&self.services), Style::new()),
            TEAMS => (summaries(&self.teams), Style::new()),
            _ => (self.name.clone(), Style::new()),
        }
    }

    fn sort_value(&self, col: usize) -> SortValue<'_> {
        match col {
            LEVELS => SortValue::Int(i64::try_from(self.rules.len()).unwrap_or(i64::MAX)),
            SERVICES => SortValue::Int(i64::try_from(self.services.len()).unwrap_or(i64::MAX)),
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
            Items::EscalationPolicies(v) => Some(v),
            _ => None,
        }
    }
}
