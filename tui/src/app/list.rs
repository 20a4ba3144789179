//! The profile list of the Tokens screen: which profiles the filter lets
//! through, in which order, which one the cursor is on, the profiles that
//! need attention, and keeping the cursor on the same profile when the list
//! or its order changes under it.

use pdauth_common::ProfileStatus;

use super::{App, Tone};
use crate::words;

/// The order of the profile list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// By name.
    #[default]
    Name,
    /// Most urgent first (see [`words::severity`]), then by name.
    Severity,
    /// Soonest expiry first (expired ones before), no expiry last, then by
    /// name.
    Expiry,
}

impl Sort {
    /// The next order `s` switches to.
    pub fn next(self) -> Sort {
        match self {
            Sort::Name => Sort::Severity,
            Sort::Severity => Sort::Expiry,
            Sort::Expiry => Sort::Name,
        }
    }

    /// Words for the list's title.
    pub fn label(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Severity => "severity",
            Sort::Expiry => "expiry",
        }
    }
}

impl App {
    /// Indices into `profiles` of the profiles the filter lets through, in
    /// the chosen order.
    pub fn visible(&self) -> Vec<usize> {
        let needle = self.filter.to_lowercase();
        let mut shown: Vec<usize> = self
            .profiles
            .iter()
            .enumerate()
            .filter(|(_, p)| needle.is_empty() || p.name.to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect();
        let now = self.now;
        let profiles = &self.profiles;
        match self.sort {
            Sort::Name => shown.sort_by(|a, b| profiles[*a].name.cmp(&profiles[*b].name)),
            Sort::Severity => shown.sort_by_cached_key(|i| {
                let p = &profiles[*i];
                (words::severity(p, now), p.name.clone())
            }),
            Sort::Expiry => shown.sort_by_cached_key(|i| {
                let p = &profiles[*i];
                (p.expires_at.map_or((1, 0), |at| (0, at)), p.name.clone())
            }),
        }
        shown
    }

    /// How many profiles need attention: of all, and of those shown.
    pub fn attention(&self) -> (usize, usize) {
        let all = self
            .profiles
            .iter()
            .filter(|p| words::needs_attention(p, self.now))
            .count();
        let shown = self
            .visible()
            .into_iter()
            .filter(|i| words::needs_attention(&self.profiles[*i], self.now))
            .count();
        (all, shown)
    }

    /// Switch to the next order, keeping the cursor on the same profile.
    pub(super) fn cycle_sort(&mut self) {
        let name = self.selected_profile().map(|p| p.name.clone());
        self.sort = self.sort.next();
        self.select_name(name.as_deref());
    }

    /// Move the cursor to the next shown profile that needs attention after
    /// the cursor, wrapping around.
    pub(super) fn next_problem(&mut self) {
        let visible = self.visible();
        let len = visible.len();
        let found = (1..=len)
            .map(|step| (self.selected + step) % len)
            .find(|pos| words::needs_attention(&self.profiles[visible[*pos]], self.now));
        match found {
            Some(pos) => self.selected = pos,
            None => match self.attention() {
                (0, _) => self.notify(Tone::Info, "No profile needs attention."),
                (hidden, _) => self.notify(
                    Tone::Info,
                    format!(
                        "{hidden} {} attention but the filter hides {}; Esc clears it.",
                        if hidden == 1 { "profile needs" } else { "profiles need" },
                        if hidden == 1 { "it" } else { "them" }
                    ),
                ),
            },
        }
    }

    /// Move the clock, keeping the cursor on the same profile when the order
    /// depends on it.
    pub(super) fn set_now(&mut self, now: i64) {
        let name = self.selected_profile().map(|p| p.name.clone());
        self.now = now;
        self.select_name(name.as_deref());
    }

    /// The profile under the cursor, if the (filtered) list is not empty.
    pub fn selected_profile(&self) -> Option<&ProfileStatus> {
        let index = *self.visible().get(self.selected)?;
        self.profiles.get(index)
    }

    /// Change the filter, keeping the cursor on the same profile when it is
    /// still shown, on the first one otherwise.
    pub(super) fn set_filter(&mut self, text: String) {
        let name = self.selected_profile().map(|p| p.name.clone());
        self.filter = text;
        self.select_name(name.as_deref());
    }

    /// Put the cursor on `name` if it is shown; otherwise keep the position
    /// within bounds.
    pub(super) fn select_name(&mut self, name: Option<&str>) {
        let visible = self.visible();
        let position = name.and_then(|name| visible.iter().position(|i| self.profiles[*i].name == name));
        self.selected = position.unwrap_or(self.selected).min(visible.len().saturating_sub(1));
    }

    /// A profile's new status: replaced in place, or added at the end.
    pub(super) fn upsert(&mut self, status: ProfileStatus) {
        let name = self.selected_profile().map(|p| p.name.clone());
        match self.profiles.iter_mut().find(|p| p.name == status.name) {
            Some(slot) => *slot = status,
            None => self.profiles.push(status),
        }
        self.select_name(name.as_deref());
    }

    /// Replace every profile, keeping the cursor on the same name.
    pub(super) fn replace_profiles(&mut self, profiles: Vec<ProfileStatus>) {
        let name = self.selected_profile().map(|p| p.name.clone());
        self.profiles = profiles;
        self.select_name(name.as_deref());
    }
}
