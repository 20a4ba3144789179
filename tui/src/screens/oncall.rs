//! The On-call screen's rows: who answers which escalation policy's level
//! now, through which schedule, until when. Ordered by policy, then level.

use pdauth_common::browse::{Items, OnCall, Resource};
use ratatui::style::Style;

use super::{Column, Ctx, Row, SortValue, clean_opt_ref, col, flex, live, opt_text, summary};
use crate::{clock, theme};

const POLICY: usize = 0;
const LEVEL: usize = 1;
const USER: usize = 2;
const SCHEDULE: usize = 3;
const UNTIL: usize = 4;

impl Row for OnCall {
    const RESOURCE: Resource = Resource::Oncalls;
    const COLUMNS: &'static [Column] = &[
        flex("ESCALATION POLICY", 14),
        col("LVL", 3, 3, 0),
        col("USER", 10, 24, 0),
        col("SCHEDULE", 8, 32, 2),
        live("UNTIL", 11, 1),
    ];
    const DEFAULT_SORT: (usize, bool) = (POLICY, false);
    // A policy's levels read top down.
    const TIE_BREAK: &'static [usize] = &[POLICY, LEVEL, USER];

    fn key(&self) -> String {
        OnCall::key(self)
    }

    fn sanitize(&mut self) {
        clean_opt_ref(&mut self.user);
        clean_opt_ref(&mut self.schedule);
        clean_opt_ref(&mut self.escalation_policy);
    }

    fn cell(&self, col: usize, ctx: &Ctx) -> (String, Style) {
        match col {
            LEVEL => (self.level.to_string(), Style::new()),
            USER => (summary(&self.user), Style::new()),
            SCHEDULE => match &self.schedule {
                Some(s) => (s.summary.clone(), Style::new()),
                None => ("(direct)".into(), theme::dim()),
            },
            UNTIL => match self.end {
                None => ("always".into(), theme::dim()),
                Some(end) if end <= ctx.now => ("ended".into(), theme::dim()),
                Some(end) => (format!("in {}", clock::coarse(end - ctx.now)), Style::new()),
            },
            _ => (summary(&self.escalation_policy), Style::new()),
        }
    }

    fn sort_value(&self, col: usize) -> SortValue<'_> {
        match col {
            LEVEL => SortValue::Int(i64::from(self.level)),
            USER => SortValue::Text(opt_text(&self.user)),
            SCHEDULE => SortValue::Text(opt_text(&self.schedule)),
            UNTIL => SortValue::Int(self.end.unwrap_or(i64::MAX)),
            _ => SortValue::Text(opt_text(&self.escalation_policy)),
        }
    }

    /// `Enter` opens the user's detail: the breadcrumbs name the user.
    fn label(&self) -> String {
        summary(&self.user)
    }

    /// An on-call entry has no detail of its own: its user's is opened.
    fn detail(&self) -> Option<(Resource, &str)> {
        self.user.as_ref().map(|u| (Resource::Users, u.id.as_str()))
    }

    fn from_items(items: Items) -> Option<Vec<Self>> {
        match items {
            Items::Oncalls(v) => Some(v),
            _ => None,
        }
    }
}
