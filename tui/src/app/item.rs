//! The detail screen of one PagerDuty object, opened with `Enter` over the
//! list it came from: the `Get` it sends, its answer or problem, the scroll
//! position, and the object's web page for `o`.

use pdauth_common::browse::{Detail, DetailPage, Resource};
use pdauth_common::{Request, Response, sanitize};

use super::table::Problem;
use super::{App, Tone};
use crate::keymap::Action;
use crate::msg::{Effect, Failure};

/// The detail screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub resource: Resource,
    pub id: String,
    /// How the row was named (`#1234`, a name), for the breadcrumbs.
    pub label: String,
    pub page: Option<DetailPage>,
    /// A `Get` is on its way.
    pub loading: bool,
    pub problem: Option<Problem>,
    /// First line shown.
    pub scroll: usize,
    /// Lines the detail takes at the window's width.
    pub lines: usize,
    /// When the last `Get` was sent (Unix seconds), to read an open detail
    /// again now and then.
    pub asked_at: i64,
}

/// An open detail is read again once its copy is this old (the daemon's
/// cache answers within its TTL without asking PagerDuty).
pub const DETAIL_REREAD_SECS: i64 = 30;

impl Item {
    pub fn new(resource: Resource, id: String, label: String) -> Self {
        Item {
            resource,
            id,
            label: sanitize::for_terminal(&label),
            page: None,
            loading: false,
            problem: None,
            scroll: 0,
            lines: 0,
            asked_at: 0,
        }
    }

    /// The `Get` for this object.
    pub fn request(&self, profile: &str, fresh: bool) -> Effect {
        Effect::Request(Request::Get {
            profile: profile.to_string(),
            resource: self.resource,
            id: self.id.clone(),
            fresh,
        })
    }

    /// Count the detail's lines at `width` columns, for scrolling.
    pub fn measure(&mut self, now: i64, utc_offset: i32, width: u16) {
        self.lines = self
            .page
            .as_ref()
            .map_or(0, |p| crate::views::item::line_count(p, now, utc_offset, width));
    }

    /// The object's page in PagerDuty's web app (sanitised), once known.
    pub fn url(&self) -> Option<String> {
        let detail = &self.page.as_ref()?.detail;
        let url = match detail {
            Detail::Incident { incident, .. } => incident.html_url.as_deref(),
            Detail::Service { service, .. } => service.html_url.as_deref(),
            Detail::User { user, .. } => user.html_url.as_deref(),
            Detail::Schedule { schedule, .. } => schedule.html_url.as_deref(),
            Detail::EscalationPolicy { policy, .. } => policy.html_url.as_deref(),
            Detail::Team { team, .. } => team.html_url.as_deref(),
        }?;
        let clean = sanitize::for_terminal(url);
        (clean.starts_with("https://") || clean.starts_with("http://")).then_some(clean)
    }
}

impl App {
    /// `Enter` on a list: open the detail of the row under the cursor.
    pub(super) fn open_item(&mut self) -> Vec<Effect> {
        let Some((resource, id, label)) = self.list().and_then(|t| t.current_detail()) else {
            return Vec::new();
        };
        self.filtering = false;
        self.browse.item = Some(Item::new(resource, id, label));
        self.watch_current()
    }

    /// Keys of the detail screen; `None` for keys that mean the same
    /// everywhere.
    pub(super) fn item_act(&mut self, action: Action) -> Option<Vec<Effect>> {
        let page = self.browse.page;
        let browser = self.browser_available;
        let profile = self.browse.profile.clone();
        let item = self.browse.item.as_mut()?;
        let effects = match action {
            Action::Up => {
                item.scroll = item.scroll.saturating_sub(1);
                Vec::new()
            }
            Action::Down => {
                item.scroll = item.scroll.saturating_add(1);
                Vec::new()
            }
            Action::PageUp => {
                item.scroll = item.scroll.saturating_sub(page);
                Vec::new()
            }
            Action::PageDown => {
                item.scroll = item.scroll.saturating_add(page);
                Vec::new()
            }
            Action::Top => {
                item.scroll = 0;
                Vec::new()
            }
            Action::Bottom => {
                item.scroll = item.lines;
                Vec::new()
            }
            Action::Back => {
                self.browse.item = None;
                Vec::new()
            }
            Action::Reload => match profile {
                Some(profile) if !item.loading => {
                    item.loading = true;
                    item.asked_at = self.now;
                    vec![item.request(&profile, true)]
                }
                _ => Vec::new(),
            },
            Action::OpenBrowser => match item.url() {
                Some(url) if browser => {
                    self.notify(Tone::Info, "Opening the browser…");
                    vec![Effect::OpenBrowser(url)]
                }
                Some(_) => {
                    self.notify(
                        Tone::Info,
                        "No graphical session here (no DISPLAY or WAYLAND_DISPLAY): copy the link shown.",
                    );
                    Vec::new()
                }
                None => {
                    self.notify(Tone::Info, "PagerDuty gave no web link for this.");
                    Vec::new()
                }
            },
            _ => return None,
        };
        if let Some(item) = self.browse.item.as_mut() {
            item.scroll = item.scroll.min(item.lines.saturating_sub(page));
        }
        Some(effects)
    }

    /// On the clock's tick: read an open detail again once its copy is
    /// [`DETAIL_REREAD_SECS`] old, so a status seen on it does not go on
    /// being shown after PagerDuty changed it.
    pub(super) fn reread_item(&mut self) -> Vec<Effect> {
        let now = self.now;
        let (Some(profile), Some(item)) = (self.browse.profile.clone(), self.browse.item.as_mut()) else {
            return Vec::new();
        };
        let Some(fetched_at) = item.page.as_ref().map(|p| p.meta.fetched_at) else {
            return Vec::new();
        };
        let due = now - fetched_at.max(item.asked_at) >= DETAIL_REREAD_SECS;
        if item.loading || !due {
            return Vec::new();
        }
        item.loading = true;
        item.asked_at = now;
        vec![item.request(&profile, false)]
    }

    /// The answer to a `Get`, if the detail screen still wants it. A copy
    /// the daemon calls stale is shown at once and asked for again fresh
    /// (which joins the daemon's fetch already under way).
    pub(super) fn on_detail(
        &mut self,
        profile: &str,
        resource: Resource,
        id: &str,
        fresh: bool,
        result: Result<Response, Failure>,
    ) -> Vec<Effect> {
        if self.browse.profile.as_deref() != Some(profile) {
            return Vec::new();
        }
        let (now, offset, width) = (self.now, self.utc_offset, self.browse.width);
        let Some(item) = self
            .browse
            .item
            .as_mut()
            .filter(|i| i.resource == resource && i.id == id)
        else {
            return Vec::new();
        };
        item.loading = false;
        match result {
            Ok(Response::Detail { page }) => {
                let stale = page.meta.stale;
                item.page = Some(page);
                item.problem = None;
                item.measure(now, offset, width);
                if stale && !fresh {
                    item.loading = true;
                    item.asked_at = now;
                    return vec![item.request(profile, true)];
                }
            }
            Ok(_) => {}
            Err(failure) => item.problem = Some(Problem::from_failure(failure)),
        }
        Vec::new()
    }
}
