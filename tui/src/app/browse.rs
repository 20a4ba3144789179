//! Browsing PagerDuty through the daemon: which profile is browsed, the
//! list screens' tables and their watches (sent on arrival, dropped on
//! leaving, matched by id when answers and changes come back), quick
//! filters that change the watched query, the way back, and the rate
//! budget of each profile. The detail screen is in `item.rs`.

use std::collections::{BTreeMap, HashMap};

use pdauth_common::browse::{Incident, ListQuery, RateInfo, Resource};
use pdauth_common::sanitize;
use pdauth_common::{Event, Request, Response, WireError};

use super::item::Item;
use super::table::{Fill, Problem, Table};
use super::tables::{AnyTable, Listing, default_query};
use super::{App, Link, Screen, Tone};
use crate::keymap::{Action, Quick};
use crate::msg::{Effect, Failure};
use crate::words;

/// Screens remembered for `Esc`.
const HISTORY: usize = 32;
/// Rows a page key moves before the window size is known.
const DEFAULT_PAGE: usize = 20;
/// Rows around a list that are not rows of it: header, status bar,
/// notice, footer, the table's borders and its column titles.
const CHROME_ROWS: u16 = 7;

/// Everything about browsing PagerDuty.
#[derive(Debug, Clone, PartialEq)]
pub struct Browse {
    /// The profile whose account is browsed.
    pub profile: Option<String>,
    /// The tables of the list screens visited, by resource.
    pub tables: BTreeMap<Resource, AnyTable>,
    /// The detail screen, over the list it was opened from.
    pub item: Option<Item>,
    /// Where `Esc` goes back to.
    pub history: Vec<Screen>,
    /// The last word on each profile's rate budget.
    pub rates: BTreeMap<String, RateInfo>,
    /// Open incidents per service id, while the incidents list holds every
    /// open incident.
    pub open_by_service: Option<HashMap<String, u32>>,
    /// Rows a list shows at once (from the window size).
    pub page: usize,
    /// Columns of the window.
    pub width: u16,
    /// The first connection chose the starting screen.
    pub started: bool,
}

impl Default for Browse {
    fn default() -> Self {
        Browse {
            profile: None,
            tables: BTreeMap::new(),
            item: None,
            history: Vec::new(),
            rates: BTreeMap::new(),
            open_by_service: None,
            page: DEFAULT_PAGE,
            width: 80,
            started: false,
        }
    }
}

impl Problem {
    pub fn from_failure(failure: Failure) -> Self {
        Problem {
            code: failure.code,
            message: sanitize::for_terminal(&failure.message),
        }
    }

    pub fn from_wire(error: &WireError) -> Self {
        Problem {
            code: Some(error.code),
            message: sanitize::for_terminal(&error.message),
        }
    }
}

/// Whether a request belongs to browsing (its answer is handled here).
pub(super) fn is_browse(request: &Request) -> bool {
    matches!(
        request,
        Request::Watch { .. } | Request::Unwatch { .. } | Request::List { .. } | Request::Get { .. }
    )
}

impl App {
    /// The table of the list screen shown, if any.
    pub fn list(&self) -> Option<&dyn Listing> {
        match self.screen {
            Screen::List(r) => self.browse.tables.get(&r).map(AnyTable::get),
            _ => None,
        }
    }

    fn list_mut(&mut self) -> Option<&mut dyn Listing> {
        match self.screen {
            Screen::List(r) => self.browse.tables.get_mut(&r).map(AnyTable::get_mut),
            _ => None,
        }
    }

    /// Profiles with a token PagerDuty would take now, by name.
    pub fn usable_profiles(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .profiles
            .iter()
            .filter(|p| words::condition(p, self.now).has_usable_token())
            .map(|p| p.name.as_str())
            .collect();
        names.sort_unstable();
        names
    }

    /// The window changed size: list pages follow it.
    pub(super) fn resized(&mut self, width: u16, height: u16) {
        self.browse.width = width;
        self.browse.page = usize::from(height.saturating_sub(CHROME_ROWS)).max(1);
        let (now, offset) = (self.now, self.utc_offset);
        if let Some(item) = &mut self.browse.item {
            item.measure(now, offset, width);
        }
    }

    /// On (re)connecting: every watch died with the old connection. The
    /// first time, pick the profile and the starting screen: incidents when
    /// some profile can browse, the Tokens screen otherwise. A profile that
    /// is still configured stays browsed even without a usable token: its
    /// lists say so where they are.
    pub(super) fn browse_connected(&mut self) {
        self.forget_watches();
        let known = |name: &str| self.profiles.iter().any(|p| p.name == name);
        if !self.browse.profile.as_deref().is_some_and(known) {
            let first = self.usable_profiles().first().map(|p| p.to_string());
            if first != self.browse.profile {
                for table in self.browse.tables.values_mut() {
                    table.get_mut().clear();
                }
                self.browse.item = None;
                self.browse.open_by_service = None;
            }
            self.browse.profile = first;
        }
        if !self.browse.started {
            self.browse.started = true;
            if self.browse.profile.is_some() && self.screen == Screen::Tokens && self.detail.is_none() {
                self.screen = Screen::List(Resource::Incidents);
            }
        }
    }

    /// Every watch is gone (the connection ended).
    pub(super) fn forget_watches(&mut self) {
        for table in self.browse.tables.values_mut() {
            let s = table.get_mut().state_mut();
            s.watch = None;
            s.asked = false;
        }
        if let Some(item) = &mut self.browse.item {
            item.loading = false;
        }
    }

    /// Watch the list on screen unless it is watched or asked for already.
    pub(super) fn watch_current(&mut self) -> Vec<Effect> {
        let Screen::List(resource) = self.screen else {
            return Vec::new();
        };
        if !matches!(self.link, Link::Up { .. }) {
            return Vec::new();
        }
        let Some(profile) = self.browse.profile.clone() else {
            return Vec::new();
        };
        let table = self
            .browse
            .tables
            .entry(resource)
            .or_insert_with(|| AnyTable::new(resource))
            .get_mut();
        let mut effects = Vec::new();
        if let Some(item) = &mut self.browse.item {
            if !item.loading && item.page.is_none() {
                item.loading = true;
                item.asked_at = self.now;
                effects.push(item.request(&profile, false));
            }
        }
        effects.extend(ask_watch(table, &profile));
        if let Some(behind) = watched_behind(self.screen) {
            let table = self
                .browse
                .tables
                .entry(behind)
                .or_insert_with(|| AnyTable::new(behind))
                .get_mut();
            // Only every open incident counts them; with a quick filter on,
            // the counts are unknown.
            if table.state().query == default_query(behind) {
                effects.extend(ask_watch(table, &profile));
            } else {
                self.browse.open_by_service = None;
            }
        }
        effects
    }

    /// Stop watching the list on screen (leaving it).
    pub(super) fn leave_list(&mut self) -> Vec<Effect> {
        self.browse.item = None;
        let mut effects = match self.list_mut() {
            Some(table) => unwatch(table),
            None => Vec::new(),
        };
        if let Some(table) = watched_behind(self.screen).and_then(|r| self.browse.tables.get_mut(&r)) {
            effects.extend(unwatch(table.get_mut()));
        }
        effects
    }

    /// Go back to the screen before, if there was one.
    pub(super) fn go_back(&mut self) -> Vec<Effect> {
        match self.browse.history.pop() {
            Some(previous) => self.switch(previous, false),
            None => Vec::new(),
        }
    }

    /// Change screens; `remember` keeps the screen left for `Esc`.
    pub(super) fn switch(&mut self, screen: Screen, remember: bool) -> Vec<Effect> {
        let mut effects = Vec::new();
        if screen != self.screen {
            effects.extend(self.leave_list());
            if remember {
                self.browse.history.push(self.screen);
                if self.browse.history.len() > HISTORY {
                    self.browse.history.remove(0);
                }
            }
        }
        if screen == Screen::Audit && self.screen != Screen::Audit {
            // Arrive at the newest entry, whatever came in meanwhile.
            self.audit.selected = 0;
        }
        self.screen = screen;
        self.filtering = false;
        effects.extend(self.refetch());
        effects
    }

    /// Keys of a list screen and its detail; `None` for keys that mean the
    /// same everywhere.
    pub(super) fn browse_act(&mut self, action: Action) -> Option<Vec<Effect>> {
        if self.browse.item.is_some() {
            return self.item_act(action);
        }
        let page = self.browse.page;
        let effects = match action {
            Action::Up | Action::Down | Action::Top | Action::Bottom | Action::PageUp | Action::PageDown => {
                if let Some(table) = self.list_mut() {
                    let s = table.state();
                    let (cursor, last) = (s.cursor, s.shown.len().saturating_sub(1));
                    let to = match action {
                        Action::Up => cursor.saturating_sub(1),
                        Action::Down => (cursor + 1).min(last),
                        Action::Top => 0,
                        Action::Bottom => last,
                        Action::PageUp => cursor.saturating_sub(page),
                        _ => (cursor + page).min(last),
                    };
                    table.move_to(to, page);
                }
                Vec::new()
            }
            Action::Open => self.open_item(),
            Action::Back => {
                let filtered = self.list().is_some_and(|t| !t.state().filter.is_empty());
                if filtered {
                    self.set_list_filter(String::new());
                    Vec::new()
                } else {
                    self.go_back()
                }
            }
            Action::Reload => self.reload_list(),
            Action::CycleSort => {
                if let Some(t) = self.list_mut() {
                    t.next_sort();
                }
                Vec::new()
            }
            Action::SortReverse => {
                if let Some(t) = self.list_mut() {
                    t.reverse();
                }
                Vec::new()
            }
            Action::StartFilter => {
                self.filtering = true;
                Vec::new()
            }
            Action::FilterChar(c) => {
                let mut text = self.list().map(|t| t.state().filter.clone()).unwrap_or_default();
                text.push(c);
                self.set_list_filter(text);
                Vec::new()
            }
            Action::FilterErase(erase) => {
                let mut text = self.list().map(|t| t.state().filter.clone()).unwrap_or_default();
                erase.apply(&mut text);
                self.set_list_filter(text);
                Vec::new()
            }
            Action::FilterDone => {
                self.filtering = false;
                Vec::new()
            }
            Action::ClearFilter => {
                self.filtering = false;
                self.set_list_filter(String::new());
                Vec::new()
            }
            Action::QuickStatus(quick) => self.requery(|q| {
                let status = match quick {
                    // `0`: the screen's own query, whatever the other quick filters.
                    Quick::Open => {
                        q.filter = default_query(Resource::Incidents).filter;
                        return;
                    }
                    Quick::Triggered => "triggered",
                    Quick::Acknowledged => "acknowledged",
                    Quick::Resolved => "resolved",
                };
                q.filter.statuses = vec![status.into()];
            }),
            Action::CycleUrgency => self.requery(|q| {
                q.filter.urgencies = match q.filter.urgencies.as_slice() {
                    [] => vec!["high".into()],
                    [one] if one == "high" => vec!["low".into()],
                    _ => Vec::new(),
                }
            }),
            Action::ToggleMine => {
                let me = self.my_user_id();
                match me {
                    Some(me) => self.requery(|q| {
                        q.filter.user_ids = if q.filter.user_ids.is_empty() {
                            vec![me]
                        } else {
                            Vec::new()
                        };
                    }),
                    None => {
                        let profile = self.browse.profile.clone().unwrap_or_default();
                        self.notify(
                            Tone::Error,
                            format!("pdauthd does not know which user {profile}'s token belongs to; log in again to learn it."),
                        );
                        Vec::new()
                    }
                }
            }
            Action::SwitchProfile => self.next_profile(),
            _ => return None,
        };
        Some(effects)
    }

    fn set_list_filter(&mut self, text: String) {
        if let Some(t) = self.list_mut() {
            t.set_filter(text);
        }
    }

    /// The PagerDuty user of the browsed profile.
    pub fn my_user_id(&self) -> Option<String> {
        let name = self.browse.profile.as_deref()?;
        let p = self.profiles.iter().find(|p| p.name == name)?;
        p.user.as_ref()?.id.clone()
    }

    /// Change the incidents query (a quick filter) and watch it instead.
    fn requery(&mut self, change: impl FnOnce(&mut ListQuery)) -> Vec<Effect> {
        if self.screen != Screen::List(Resource::Incidents) {
            return Vec::new();
        }
        let Some(table) = self.list_mut() else {
            return Vec::new();
        };
        let mut query = table.state().query.clone();
        change(&mut query);
        if query == table.state().query {
            return Vec::new();
        }
        let mut effects = unwatch(table);
        table.clear();
        table.state_mut().query = query;
        self.browse.open_by_service = None;
        effects.extend(self.watch_current());
        effects
    }

    /// `r`: ask PagerDuty again now, past the daemon's cache.
    fn reload_list(&mut self) -> Vec<Effect> {
        let Some(profile) = self.browse.profile.clone() else {
            return Vec::new();
        };
        let Some(query) = self.list().map(|t| t.state().query.clone()) else {
            return Vec::new();
        };
        self.notify(Tone::Info, "Reloading…");
        vec![Effect::Request(Request::List {
            profile,
            query,
            fresh: true,
        })]
    }

    /// `p`: browse the next profile with a usable token.
    fn next_profile(&mut self) -> Vec<Effect> {
        let usable: Vec<String> = self.usable_profiles().into_iter().map(str::to_string).collect();
        let next = match self
            .browse
            .profile
            .as_ref()
            .and_then(|p| usable.iter().position(|u| u == p))
        {
            Some(i) => usable.get((i + 1) % usable.len()).cloned(),
            None => usable.first().cloned(),
        };
        match next {
            None => {
                self.notify(Tone::Error, "No profile has a usable token: :tokens, then l to log in.");
                Vec::new()
            }
            Some(p) if Some(&p) == self.browse.profile.as_ref() => {
                self.notify(Tone::Info, format!("{p} is the only profile with a usable token."));
                Vec::new()
            }
            Some(p) => self.browse_profile(p),
        }
    }

    /// Browse `profile` instead: every list is another account's now.
    pub fn browse_profile(&mut self, profile: String) -> Vec<Effect> {
        let mut effects = self.leave_list();
        for table in self.browse.tables.values_mut() {
            let t = table.get_mut();
            effects.extend(unwatch(t));
            t.clear();
        }
        self.browse.open_by_service = None;
        self.notify(Tone::Info, format!("Browsing {profile}."));
        self.browse.profile = Some(profile);
        effects.extend(self.watch_current());
        effects
    }

    /// An answer to `Watch`, `List`, `Get` or `Unwatch`.
    pub(super) fn on_browse_reply(&mut self, request: Request, result: Result<Response, Failure>) -> Vec<Effect> {
        match request {
            Request::Watch { profile, query } => self.on_watching(profile, query, result),
            Request::List { profile, query, .. } => {
                let current = self.browse.profile.as_ref() == Some(&profile);
                let Some(table) = self.list_mut().filter(|t| current && t.state().query == query) else {
                    return Vec::new();
                };
                match result {
                    Ok(Response::List { page }) => {
                        let rate = page.meta.rate;
                        table.replace(page);
                        self.note_rate(&profile, rate);
                        self.count_open();
                        self.notice = None;
                    }
                    Ok(_) => {}
                    Err(failure) => {
                        table.state_mut().problem = Some(Problem::from_failure(failure));
                        // The problem shows in place of "Reloading…".
                        self.notice = None;
                    }
                }
                Vec::new()
            }
            Request::Get {
                profile,
                resource,
                id,
                fresh,
            } => self.on_detail(&profile, resource, &id, fresh, result),
            // Nothing to show for a watch already left behind.
            _ => Vec::new(),
        }
    }

    fn on_watching(&mut self, profile: String, query: ListQuery, result: Result<Response, Failure>) -> Vec<Effect> {
        let current = self.browse.profile.as_ref() == Some(&profile);
        let table = self
            .browse
            .tables
            .get_mut(&query.resource)
            .map(AnyTable::get_mut)
            .filter(|t| current && t.state().asked && t.state().query == query);
        let on_screen =
            self.screen == Screen::List(query.resource) || watched_behind(self.screen) == Some(query.resource);
        match (table, result) {
            (Some(table), Ok(Response::Watching { watch, page })) if on_screen => {
                let s = table.state_mut();
                s.asked = false;
                let mut effects = Vec::new();
                if let Some(old) = s.watch.replace(watch) {
                    effects.push(Effect::Request(Request::Unwatch { watch: old }));
                }
                let rate = page.meta.rate;
                table.replace(page);
                self.note_rate(&profile, rate);
                self.count_open();
                effects
            }
            // Left behind meanwhile: nobody wants it.
            (_, Ok(Response::Watching { watch, .. })) => vec![Effect::Request(Request::Unwatch { watch })],
            (Some(table), Err(failure)) => {
                let s = table.state_mut();
                s.asked = false;
                s.problem = Some(Problem::from_failure(failure));
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// `ListChanged`, `ListFailed` and `Rate`.
    pub(super) fn on_browse_event(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::ListChanged { watch, change } => {
                let rate = change.meta.rate;
                let Some(table) = self.watched(watch) else {
                    return vec![Effect::Request(Request::Unwatch { watch })];
                };
                table.apply(change);
                if let Some(profile) = self.browse.profile.clone() {
                    self.note_rate(&profile, rate);
                }
                self.count_open();
                Vec::new()
            }
            Event::ListFailed { watch, error } => {
                if let Some(table) = self.watched(watch) {
                    table.state_mut().problem = Some(Problem::from_wire(&error));
                }
                Vec::new()
            }
            Event::Rate { profile, rate } => {
                self.browse.rates.insert(profile, rate);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn watched(&mut self, watch: u64) -> Option<&mut dyn Listing> {
        self.browse
            .tables
            .values_mut()
            .map(AnyTable::get_mut)
            .find(|t| t.state().watch == Some(watch))
    }

    fn note_rate(&mut self, profile: &str, rate: RateInfo) {
        if rate != RateInfo::default() {
            self.browse.rates.insert(profile.to_string(), rate);
        }
    }

    /// Count open incidents per service while the incidents list holds
    /// every open one (no other quick filter, not cut short).
    fn count_open(&mut self) {
        let Some(AnyTable::Incidents(table)) = self.browse.tables.get(&Resource::Incidents) else {
            return;
        };
        if table.s.fill != Fill::Loaded {
            return;
        }
        let everything = table.s.query == default_query(Resource::Incidents) && !table.s.truncated;
        // Counts from a list that no longer holds every open incident would
        // be wrong: unknown instead.
        self.browse.open_by_service = everything.then(|| open_counts(table));
    }
}

fn open_counts(table: &Table<Incident>) -> HashMap<String, u32> {
    let mut counts = HashMap::new();
    for incident in &table.rows {
        if let Some(service) = &incident.service {
            *counts.entry(service.id.clone()).or_insert(0) += 1;
        }
    }
    counts
}

/// The list watched behind `screen` besides its own: every open incident
/// behind the services screen, for its live OPEN column.
fn watched_behind(screen: Screen) -> Option<Resource> {
    (screen == Screen::List(Resource::Services)).then_some(Resource::Incidents)
}

/// Ask to watch the table's query unless it is watched or asked for already.
fn ask_watch(table: &mut dyn Listing, profile: &str) -> Option<Effect> {
    let s = table.state_mut();
    if s.watch.is_some() || s.asked {
        return None;
    }
    s.asked = true;
    Some(Effect::Request(Request::Watch {
        profile: profile.to_string(),
        query: s.query.clone(),
    }))
}

/// Drop the table's watch (or forget the one asked for).
fn unwatch(table: &mut dyn Listing) -> Vec<Effect> {
    let s = table.state_mut();
    s.asked = false;
    match s.watch.take() {
        Some(watch) => vec![Effect::Request(Request::Unwatch { watch })],
        None => Vec::new(),
    }
}
