//! The profile list of the Tokens screen: which profiles the filter lets
//! through, which one the cursor is on, and keeping the cursor on the same
//! profile when the list changes under it.

use pdauth_common::ProfileStatus;

use super::App;

impl App {
    /// Indices into `profiles` of the profiles the filter lets through, in
    /// order.
    pub fn visible(&self) -> Vec<usize> {
        let needle = self.filter.to_lowercase();
        self.profiles
            .iter()
            .enumerate()
            .filter(|(_, p)| needle.is_empty() || p.name.to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect()
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
    fn select_name(&mut self, name: Option<&str>) {
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
