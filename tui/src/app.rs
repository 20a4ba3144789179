//! The terminal UI's state and its reducer: `App::update(msg)` changes state
//! and returns the effects to carry out as data. No IO, no clock, no terminal:
//! time arrives in messages and views read the state. Which screen is shown
//! is decided in one place, [`App::show`].

mod audit;
mod browse;
mod command;
mod item;
mod list;
mod table;
mod tables;
mod tokens;

use std::collections::BTreeSet;

use pdauth_common::browse::Resource;
use pdauth_common::sanitize;
use pdauth_common::{Event, LoginInfo, ProfileStatus, Request, RevokeOutcome, StorageInfo};

pub use audit::{AUDIT_LIMIT, AuditLog, Loading, TIMELINE_LIMIT};
pub use browse::Browse;
pub use command::{COMMANDS, CommandBar, Target, resolve, suggestions};
pub use item::{DETAIL_REREAD_SECS, Item};
pub use list::Sort;
pub use table::{Fill, ListState, Problem, Table};
pub use tables::{AnyTable, Listing, MAX_INCIDENTS, MAX_OTHERS, default_query};

use crate::keymap::{self, Action, Mode};
use crate::msg::{Effect, Msg};
use crate::words;

/// How long a notice stays in the footer, in seconds.
pub const NOTICE_SECONDS: i64 = 8;
/// Rows a page key moves.
pub const PAGE: usize = 10;

/// The top-level screens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The profile list (with the detail pane when one is open).
    Tokens,
    /// The audit log of every profile.
    Audit,
    /// A list of PagerDuty objects (with the detail screen over it when
    /// one is open).
    List(Resource),
}

/// The detail pane of one profile: its health and its audit timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub profile: String,
    pub timeline: AuditLog,
}

/// The daemon connection as the UI sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Before the first attempt finished.
    Connecting,
    /// Connected and subscribed.
    Up { daemon_version: String },
    /// Not reachable; the runtime retries.
    Down { message: String, attempts: u32 },
}

/// Tone of a notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Success,
    Error,
}

/// A one-line message in the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub tone: Tone,
    pub at: i64,
}

/// Where a login dialog is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginPhase {
    /// `Login` sent, no URL yet.
    Starting,
    /// The URL is known; waiting for the browser.
    Waiting(LoginInfo),
    /// The daemon reported a failure (message sanitised).
    Failed(String),
}

/// The sandbox approval of a demo login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Approval {
    Idle,
    Running,
    Done(String),
    Failed(String),
}

/// The login dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginDialog {
    pub profile: String,
    pub phase: LoginPhase,
    pub approval: Approval,
    /// A line about the browser launcher.
    pub note: Option<String>,
    /// The profile already held a usable token that this login replaces.
    pub replaces_token: bool,
}

/// A dialog over the Tokens screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    Login(LoginDialog),
    ConfirmRevoke {
        profile: String,
    },
    /// `result` is `None` while the daemon works on it.
    Revoke {
        profile: String,
        result: Option<Result<RevokeOutcome, String>>,
    },
}

/// Everything the terminal UI shows.
#[derive(Debug, Clone, PartialEq)]
pub struct App {
    /// The socket path, for messages.
    pub socket: String,
    /// Running under `pdauth demo`: the sandbox approval is offered.
    pub demo: bool,
    /// A graphical session exists, so `o` can open a browser.
    pub browser_available: bool,
    pub link: Link,
    pub profiles: Vec<ProfileStatus>,
    pub storage: Option<StorageInfo>,
    /// Position of the cursor in the (filtered) profile list.
    pub selected: usize,
    /// Case-insensitive part of a profile name; empty shows every profile.
    pub filter: String,
    /// The filter is being typed.
    pub filtering: bool,
    /// The order of the profile list.
    pub sort: Sort,
    pub screen: Screen,
    /// Open over the Tokens screen.
    pub detail: Option<Detail>,
    /// The Audit screen's entries, newest first.
    pub audit: AuditLog,
    /// Profiles with a `Refresh` request in flight from this UI.
    pub refreshing: BTreeSet<String>,
    /// Profiles whose login this UI cancelled: the daemon's failure report
    /// for it is expected and not news.
    pub cancelled: BTreeSet<String>,
    pub dialog: Option<Dialog>,
    /// PagerDuty's lists and details.
    pub browse: Browse,
    /// The `:` command bar, while it is open.
    pub command: Option<CommandBar>,
    pub help: bool,
    pub notice: Option<Notice>,
    pub now: i64,
    /// Local UTC offset in seconds, for times shown.
    pub utc_offset: i32,
}

impl App {
    pub fn new(socket: impl Into<String>, now: i64) -> Self {
        App {
            socket: sanitize::for_terminal(&socket.into()),
            demo: false,
            browser_available: false,
            link: Link::Connecting,
            profiles: Vec::new(),
            storage: None,
            selected: 0,
            filter: String::new(),
            filtering: false,
            sort: Sort::Name,
            screen: Screen::Tokens,
            detail: None,
            audit: AuditLog::default(),
            refreshing: BTreeSet::new(),
            cancelled: BTreeSet::new(),
            dialog: None,
            browse: Browse::default(),
            command: None,
            help: false,
            notice: None,
            now,
            utc_offset: 0,
        }
    }

    /// The key mode of what is on screen (the help overlay aside).
    pub fn mode(&self) -> Mode {
        if !matches!(self.link, Link::Up { .. }) {
            return Mode::Disconnected;
        }
        match &self.dialog {
            None if self.command.is_some() => Mode::Command,
            None if self.screen == Screen::Audit => Mode::Audit,
            None => match (self.screen, &self.browse.item) {
                (Screen::List(_), Some(item)) => Mode::Item(item.resource),
                (Screen::List(_), None) if self.filtering => Mode::Filter,
                (Screen::List(resource), None) => Mode::List(resource),
                _ if self.detail.is_some() => Mode::Detail,
                _ if self.filtering => Mode::Filter,
                _ => Mode::Tokens,
            },
            Some(Dialog::Login(d)) => match d.phase {
                LoginPhase::Failed(_) => Mode::LoginFailed,
                _ => Mode::LoginWaiting { demo: self.demo },
            },
            Some(Dialog::ConfirmRevoke { .. }) => Mode::ConfirmRevoke,
            Some(Dialog::Revoke { result: None, .. }) => Mode::Revoking,
            Some(Dialog::Revoke { result: Some(_), .. }) => Mode::RevokeResult,
        }
    }

    /// The profile the keys act on: the detail pane's, else the selected one.
    pub fn target_profile(&self) -> Option<&ProfileStatus> {
        match &self.detail {
            Some(d) => self.profiles.iter().find(|p| p.name == d.profile),
            None => self.selected_profile(),
        }
    }

    /// The notice still worth showing at `now`.
    pub fn current_notice(&self, now: i64) -> Option<&Notice> {
        self.notice.as_ref().filter(|n| now - n.at < NOTICE_SECONDS)
    }

    /// Apply one message; return what the runtime must do.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => match keymap::action(self.mode(), self.help, &key) {
                Some(action) => self.act(action),
                None => Vec::new(),
            },
            Msg::Tick { now } => {
                self.set_now(now);
                if self.current_notice(now).is_none() {
                    self.notice = None;
                }
                self.reread_item()
            }
            Msg::Connected {
                daemon_version,
                profiles,
                storage,
            } => {
                self.link = Link::Up { daemon_version };
                self.storage = Some(storage);
                self.replace_profiles(profiles);
                // Requests in flight died with the old connection.
                self.refreshing.clear();
                self.browse_connected();
                self.refetch()
            }
            Msg::Disconnected { message } => {
                let attempts = match &self.link {
                    Link::Down { attempts, .. } => attempts.saturating_add(1),
                    _ => 1,
                };
                if matches!(self.link, Link::Up { .. }) && self.dialog.is_some() {
                    self.notify(
                        Tone::Error,
                        "The connection to pdauthd was lost; the dialog was closed.",
                    );
                }
                self.dialog = None;
                self.command = None;
                self.forget_watches();
                self.link = Link::Down {
                    message: sanitize::for_terminal(&message),
                    attempts,
                };
                Vec::new()
            }
            Msg::Event(event @ (Event::ListChanged { .. } | Event::ListFailed { .. } | Event::Rate { .. })) => {
                self.on_browse_event(event)
            }
            Msg::Event(event) => {
                self.on_event(event);
                Vec::new()
            }
            Msg::Replied { request, result } if browse::is_browse(&request) => self.on_browse_reply(request, result),
            Msg::Replied { request, result } => {
                self.on_reply(request, result);
                Vec::new()
            }
            Msg::Resize { width, height } => {
                self.resized(width, height);
                Vec::new()
            }
            Msg::BrowserOpened(result) => {
                let note = match result {
                    Ok(()) => "Opened in the browser.".to_string(),
                    Err(e) => format!("Could not open a browser: {}", sanitize::for_terminal(&e)),
                };
                match &mut self.dialog {
                    Some(Dialog::Login(d)) => d.note = Some(note),
                    _ => self.notify(Tone::Info, note),
                }
                Vec::new()
            }
            Msg::Approved(result) => {
                if let Some(Dialog::Login(d)) = &mut self.dialog {
                    d.approval = match result {
                        Ok(text) => Approval::Done(sanitize::for_terminal(&text)),
                        Err(e) => Approval::Failed(sanitize::for_terminal(&e)),
                    };
                }
                Vec::new()
            }
        }
    }

    fn act(&mut self, action: Action) -> Vec<Effect> {
        if matches!(self.screen, Screen::List(_)) && self.dialog.is_none() && self.command.is_none() {
            if let Some(effects) = self.browse_act(action) {
                return effects;
            }
        }
        match action {
            Action::Quit => vec![Effect::Quit],
            Action::OpenCommand => {
                self.filtering = false;
                self.command = Some(CommandBar::default());
                Vec::new()
            }
            Action::CommandChar(_)
            | Action::CommandErase(_)
            | Action::CommandComplete
            | Action::CommandRun
            | Action::CommandCancel => self.command_act(action),
            // Keys of the list screens, handled above.
            Action::SortReverse
            | Action::QuickStatus(_)
            | Action::CycleUrgency
            | Action::ToggleMine
            | Action::SwitchProfile => Vec::new(),
            Action::ToggleHelp => {
                self.help = !self.help;
                Vec::new()
            }
            Action::Up | Action::Down | Action::Top | Action::Bottom | Action::PageUp | Action::PageDown => {
                self.move_cursor(action);
                Vec::new()
            }
            Action::Open => match self.selected_profile() {
                Some(p) => {
                    let profile = p.name.clone();
                    self.open_detail(profile)
                }
                None => Vec::new(),
            },
            Action::Back => {
                if self.screen == Screen::Audit {
                    match self.browse.history.last() {
                        Some(Screen::List(_)) => self.go_back(),
                        _ => self.show(Screen::Tokens),
                    }
                } else {
                    self.detail = None;
                    Vec::new()
                }
            }
            Action::SwitchScreen => {
                let next = match self.screen {
                    Screen::Tokens => Screen::Audit,
                    Screen::Audit | Screen::List(_) => Screen::Tokens,
                };
                self.show(next)
            }
            Action::Reload => self.refetch(),
            Action::CycleSort => {
                self.cycle_sort();
                Vec::new()
            }
            Action::NextProblem => {
                self.next_problem();
                Vec::new()
            }
            Action::Refresh => self.refresh(),
            Action::StartFilter => {
                self.filtering = true;
                Vec::new()
            }
            Action::FilterChar(c) => {
                let mut text = self.filter.clone();
                text.push(c);
                self.set_filter(text);
                Vec::new()
            }
            Action::FilterErase(erase) => {
                let mut text = self.filter.clone();
                erase.apply(&mut text);
                self.set_filter(text);
                Vec::new()
            }
            Action::FilterDone => {
                self.filtering = false;
                Vec::new()
            }
            Action::ClearFilter => {
                let back = !self.filtering && self.filter.is_empty();
                self.filtering = false;
                self.set_filter(String::new());
                // Nothing to clear: Esc goes back to the list it came from.
                match self.browse.history.last() {
                    Some(Screen::List(_)) if back => self.go_back(),
                    _ => Vec::new(),
                }
            }
            Action::Login => self.start_login(),
            Action::Revoke => {
                match self.target_profile() {
                    Some(p) if !words::has_stored_token(p) => {
                        let text = format!("{} has nothing stored to revoke.", p.name);
                        self.notify(Tone::Info, text);
                    }
                    Some(p) => {
                        self.dialog = Some(Dialog::ConfirmRevoke {
                            profile: p.name.clone(),
                        });
                    }
                    None if self.profiles.is_empty() => {
                        self.notify(Tone::Error, "No profile to revoke: pdauthd has none configured.")
                    }
                    None => self.notify(Tone::Error, "No profile selected."),
                }
                Vec::new()
            }
            Action::Confirm => match self.dialog.take() {
                Some(Dialog::ConfirmRevoke { profile }) => {
                    self.dialog = Some(Dialog::Revoke {
                        profile: profile.clone(),
                        result: None,
                    });
                    vec![Effect::Request(Request::Revoke { profile })]
                }
                other => {
                    self.dialog = other;
                    Vec::new()
                }
            },
            Action::Cancel => match self.dialog.take() {
                Some(Dialog::Login(d)) => {
                    self.notify(Tone::Info, "Login cancelled.");
                    // pdauthd reports the cancelled login as failed too.
                    self.cancelled.insert(d.profile.clone());
                    vec![Effect::Request(Request::CancelLogin { profile: d.profile })]
                }
                Some(Dialog::ConfirmRevoke { profile }) => {
                    self.notify(Tone::Info, format!("Kept the tokens of {profile}."));
                    Vec::new()
                }
                other => {
                    self.dialog = other;
                    Vec::new()
                }
            },
            Action::Close => {
                if matches!(
                    self.dialog,
                    Some(Dialog::Revoke { result: Some(_), .. })
                        | Some(Dialog::Login(LoginDialog {
                            phase: LoginPhase::Failed(_),
                            ..
                        }))
                ) {
                    self.dialog = None;
                }
                Vec::new()
            }
            Action::OpenBrowser => {
                let browser_available = self.browser_available;
                let Some(Dialog::Login(d)) = &mut self.dialog else {
                    return Vec::new();
                };
                let LoginPhase::Waiting(info) = &d.phase else {
                    return Vec::new();
                };
                if browser_available {
                    d.note = Some("Opening the browser…".to_string());
                    vec![Effect::OpenBrowser(info.authorize_url.clone())]
                } else {
                    d.note = Some(
                        "No graphical session here (no DISPLAY or WAYLAND_DISPLAY): copy the URL into a browser."
                            .to_string(),
                    );
                    Vec::new()
                }
            }
            Action::Approve => {
                if !self.demo {
                    return Vec::new();
                }
                let Some(Dialog::Login(d)) = &mut self.dialog else {
                    return Vec::new();
                };
                match (&d.phase, &d.approval) {
                    (LoginPhase::Waiting(info), Approval::Idle | Approval::Failed(_)) => {
                        d.approval = Approval::Running;
                        vec![Effect::ApproveInSandbox(info.authorize_url.clone())]
                    }
                    _ => Vec::new(),
                }
            }
        }
    }

    /// The one place that changes screens, and fetches what the new one
    /// shows (the screen left is remembered for `Esc`).
    pub fn show(&mut self, screen: Screen) -> Vec<Effect> {
        self.switch(screen, true)
    }

    /// Open the detail pane of `profile` and fetch its timeline.
    fn open_detail(&mut self, profile: String) -> Vec<Effect> {
        self.filtering = false;
        self.detail = Some(Detail {
            profile,
            timeline: AuditLog::default(),
        });
        self.refetch()
    }

    /// Requests for the audit entries on screen, marking them loading.
    fn refetch(&mut self) -> Vec<Effect> {
        if !matches!(self.link, Link::Up { .. }) {
            return Vec::new();
        }
        match (self.screen, &mut self.detail) {
            (Screen::Audit, _) => {
                self.audit.loading = Loading::Loading;
                vec![Effect::Request(Request::Audit {
                    profile: None,
                    limit: Some(AUDIT_LIMIT),
                })]
            }
            (Screen::Tokens, Some(detail)) => {
                detail.timeline.loading = Loading::Loading;
                vec![Effect::Request(Request::Audit {
                    profile: Some(detail.profile.clone()),
                    limit: Some(TIMELINE_LIMIT),
                })]
            }
            (Screen::Tokens, None) => Vec::new(),
            (Screen::List(_), _) => self.watch_current(),
        }
    }

    fn move_cursor(&mut self, action: Action) {
        let (len, cursor) = match (self.screen, &mut self.detail) {
            (Screen::Audit, _) => (self.audit.entries.len(), &mut self.audit.selected),
            (Screen::Tokens, Some(d)) => (d.timeline.entries.len(), &mut d.timeline.selected),
            (Screen::Tokens, None) => (self.visible().len(), &mut self.selected),
            // Moved by `browse_act`.
            (Screen::List(_), _) => return,
        };
        let last = len.saturating_sub(1);
        *cursor = match action {
            Action::Up => cursor.saturating_sub(1),
            Action::Down => (*cursor + 1).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageUp => cursor.saturating_sub(PAGE),
            Action::PageDown => (*cursor + PAGE).min(last),
            _ => *cursor,
        };
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Health { status } => self.upsert(status),
            // Handled by `on_browse_event`.
            Event::ListChanged { .. } | Event::ListFailed { .. } | Event::Rate { .. } => {}
            Event::Resync { profiles } => self.replace_profiles(profiles),
            Event::Audit { entry } => {
                if let Some(d) = self.detail.as_mut().filter(|d| d.profile == entry.profile) {
                    d.timeline.merge(vec![entry.clone()], TIMELINE_LIMIT);
                }
                self.audit.merge(vec![entry], AUDIT_LIMIT);
            }
            Event::LoginStarted { login } => {
                if let Some(p) = self.profiles.iter_mut().find(|p| p.name == login.profile) {
                    p.login = Some(login.clone());
                }
                if let Some(Dialog::Login(d)) = &mut self.dialog {
                    if d.profile == login.profile && !matches!(d.phase, LoginPhase::Failed(_)) {
                        d.phase = LoginPhase::Waiting(login);
                    }
                }
            }
            Event::LoginCompleted { profile } => {
                let ours = matches!(&self.dialog, Some(Dialog::Login(d)) if d.profile == profile);
                if ours {
                    self.dialog = None;
                }
                self.notify(Tone::Success, format!("Logged in: {profile} has a fresh token."));
            }
            Event::LoginFailed { profile, message } => {
                let message = sanitize::for_terminal(&message);
                if self.cancelled.remove(&profile) {
                    // This UI cancelled it and said so already.
                    return;
                }
                match &mut self.dialog {
                    Some(Dialog::Login(d)) if d.profile == profile => {
                        d.phase = LoginPhase::Failed(message);
                    }
                    _ => self.notify(Tone::Error, format!("Login for {profile} failed: {message}")),
                }
            }
            Event::Revoked { profile, outcome } => match &mut self.dialog {
                Some(Dialog::Revoke { profile: p, result }) if *p == profile => {
                    if result.is_none() {
                        *result = Some(Ok(outcome));
                    }
                }
                _ => self.notify(Tone::Info, format!("{profile} was revoked.")),
            },
        }
    }

    fn notify(&mut self, tone: Tone, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: sanitize::for_terminal(&text.into()),
            tone,
            at: self.now,
        });
    }
}

#[cfg(test)]
mod tests;
