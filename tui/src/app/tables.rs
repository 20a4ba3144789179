//! The seven list screens' tables behind one interface: [`AnyTable`] holds
//! the typed table of one resource and hands it out as a [`Listing`], which
//! the reducer and the views use without knowing the row type. Also the
//! query each screen watches when it is first opened.

use pdauth_common::browse::{
    EscalationPolicy, Incident, ListChange, ListPage, ListQuery, OnCall, Resource, Schedule, Service, Team, User,
};
use ratatui::style::Style;

use super::table::{ListState, Table};
use crate::screens::{Column, Ctx, Row};

/// Incidents a watch keeps at most (PagerDuty's offset cap).
pub const MAX_INCIDENTS: u32 = 10_000;
/// Rows the other lists keep at most.
pub const MAX_OTHERS: u32 = 5_000;

/// Open incidents: triggered and acknowledged, of every date.
fn open_statuses() -> Vec<String> {
    vec!["triggered".to_string(), "acknowledged".to_string()]
}

/// The query a list screen starts with. Incidents come newest first:
/// PagerDuty's own order is oldest first, and a list cut at its 10,000
/// offset cap must lose the old end, not the last days.
pub fn default_query(resource: Resource) -> ListQuery {
    match resource {
        Resource::Incidents => {
            let mut query = ListQuery::all(resource, MAX_INCIDENTS);
            query.filter.statuses = open_statuses();
            query.filter.all_dates = true;
            query.sort = Some("created_at:desc".to_string());
            query
        }
        other => ListQuery::all(other, MAX_OTHERS),
    }
}

/// A list screen's table, whatever its rows.
pub trait Listing {
    fn state(&self) -> &ListState;
    fn state_mut(&mut self) -> &mut ListState;
    fn resource(&self) -> Resource;
    fn columns(&self) -> &'static [Column];
    /// Rows held (shown or not).
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The cells of the `n`th shown row.
    fn cells(&self, n: usize, ctx: &Ctx) -> Vec<(String, Style)>;
    fn replace(&mut self, page: ListPage);
    fn apply(&mut self, change: ListChange);
    fn set_filter(&mut self, text: String);
    fn next_sort(&mut self);
    fn reverse(&mut self);
    fn move_to(&mut self, cursor: usize, page: usize);
    fn clear(&mut self);
    /// What `Enter` opens from the row under the cursor: resource, id and
    /// the row's name for the breadcrumbs.
    fn current_detail(&self) -> Option<(Resource, String, String)>;
}

impl<T: Row> Listing for Table<T> {
    fn state(&self) -> &ListState {
        &self.s
    }
    fn state_mut(&mut self) -> &mut ListState {
        &mut self.s
    }
    fn resource(&self) -> Resource {
        T::RESOURCE
    }
    fn columns(&self) -> &'static [Column] {
        T::COLUMNS
    }
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn cells(&self, n: usize, ctx: &Ctx) -> Vec<(String, Style)> {
        match self.s.shown.get(n) {
            Some(i) => (0..T::COLUMNS.len()).map(|c| self.rows[*i].cell(c, ctx)).collect(),
            None => Vec::new(),
        }
    }
    fn replace(&mut self, page: ListPage) {
        Table::replace(self, page);
    }
    fn apply(&mut self, change: ListChange) {
        Table::apply(self, change);
    }
    fn set_filter(&mut self, text: String) {
        Table::set_filter(self, text);
    }
    fn next_sort(&mut self) {
        Table::next_sort(self);
    }
    fn reverse(&mut self) {
        Table::reverse(self);
    }
    fn move_to(&mut self, cursor: usize, page: usize) {
        Table::move_to(self, cursor, page);
    }
    fn clear(&mut self) {
        Table::clear(self);
    }
    fn current_detail(&self) -> Option<(Resource, String, String)> {
        let row = self.current()?;
        let (resource, id) = row.detail()?;
        Some((resource, id.to_string(), row.label()))
    }
}

/// The table of one resource.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyTable {
    Incidents(Table<Incident>),
    Services(Table<Service>),
    Users(Table<User>),
    Schedules(Table<Schedule>),
    Oncalls(Table<OnCall>),
    EscalationPolicies(Table<EscalationPolicy>),
    Teams(Table<Team>),
}

impl AnyTable {
    /// An empty table of `resource` with its starting query.
    pub fn new(resource: Resource) -> Self {
        let query = default_query(resource);
        match resource {
            Resource::Incidents => AnyTable::Incidents(Table::new(query)),
            Resource::Services => AnyTable::Services(Table::new(query)),
            Resource::Users => AnyTable::Users(Table::new(query)),
            Resource::Schedules => AnyTable::Schedules(Table::new(query)),
            Resource::Oncalls => AnyTable::Oncalls(Table::new(query)),
            Resource::EscalationPolicies => AnyTable::EscalationPolicies(Table::new(query)),
            Resource::Teams => AnyTable::Teams(Table::new(query)),
        }
    }

    pub fn get(&self) -> &dyn Listing {
        match self {
            AnyTable::Incidents(t) => t,
            AnyTable::Services(t) => t,
            AnyTable::Users(t) => t,
            AnyTable::Schedules(t) => t,
            AnyTable::Oncalls(t) => t,
            AnyTable::EscalationPolicies(t) => t,
            AnyTable::Teams(t) => t,
        }
    }

    pub fn get_mut(&mut self) -> &mut dyn Listing {
        match self {
            AnyTable::Incidents(t) => t,
            AnyTable::Services(t) => t,
            AnyTable::Users(t) => t,
            AnyTable::Schedules(t) => t,
            AnyTable::Oncalls(t) => t,
            AnyTable::EscalationPolicies(t) => t,
            AnyTable::Teams(t) => t,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incidents_are_asked_for_newest_first() {
        let q = default_query(Resource::Incidents);
        assert_eq!(q.sort.as_deref(), Some("created_at:desc"));
        assert_eq!(default_query(Resource::Services).sort, None);
    }
}
