//! The terminal UI's state and its reducer: `App::update(msg)` changes state
//! and returns the effects to carry out as data. No IO, no clock, no terminal:
//! time arrives in messages and views read the state.

use pdauth_common::sanitize;
use pdauth_common::{Event, LoginInfo, ProfileStatus, Request, Response, RevokeOutcome, StorageInfo};

use crate::keymap::{self, Action, Mode};
use crate::msg::{Effect, Failure, Msg};

/// How long a notice stays in the footer, in seconds.
pub const NOTICE_SECONDS: i64 = 8;

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
    pub selected: usize,
    pub dialog: Option<Dialog>,
    pub help: bool,
    pub notice: Option<Notice>,
    pub now: i64,
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
            dialog: None,
            help: false,
            notice: None,
            now,
        }
    }

    /// The key mode of what is on screen (the help overlay aside).
    pub fn mode(&self) -> Mode {
        if !matches!(self.link, Link::Up { .. }) {
            return Mode::Disconnected;
        }
        match &self.dialog {
            None => Mode::Tokens,
            Some(Dialog::Login(d)) => match d.phase {
                LoginPhase::Failed(_) => Mode::LoginFailed,
                _ => Mode::LoginWaiting { demo: self.demo },
            },
            Some(Dialog::ConfirmRevoke { .. }) => Mode::ConfirmRevoke,
            Some(Dialog::Revoke { result: None, .. }) => Mode::Revoking,
            Some(Dialog::Revoke { result: Some(_), .. }) => Mode::RevokeResult,
        }
    }

    pub fn selected_profile(&self) -> Option<&ProfileStatus> {
        self.profiles.get(self.selected)
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
                self.now = now;
                if self.current_notice(now).is_none() {
                    self.notice = None;
                }
                Vec::new()
            }
            Msg::Connected {
                daemon_version,
                profiles,
                storage,
            } => {
                self.link = Link::Up { daemon_version };
                self.storage = Some(storage);
                self.replace_profiles(profiles);
                Vec::new()
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
                self.link = Link::Down {
                    message: sanitize::for_terminal(&message),
                    attempts,
                };
                Vec::new()
            }
            Msg::Event(event) => {
                self.on_event(event);
                Vec::new()
            }
            Msg::Replied { request, result } => {
                self.on_reply(request, result);
                Vec::new()
            }
            Msg::BrowserOpened(result) => {
                if let Some(Dialog::Login(d)) = &mut self.dialog {
                    d.note = Some(match result {
                        Ok(()) => "Opened in the browser.".to_string(),
                        Err(e) => format!("Could not open a browser: {}", sanitize::for_terminal(&e)),
                    });
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
        match action {
            Action::Quit => vec![Effect::Quit],
            Action::ToggleHelp => {
                self.help = !self.help;
                Vec::new()
            }
            Action::Up => {
                self.selected = self.selected.saturating_sub(1);
                Vec::new()
            }
            Action::Down => {
                if self.selected + 1 < self.profiles.len() {
                    self.selected += 1;
                }
                Vec::new()
            }
            Action::Top => {
                self.selected = 0;
                Vec::new()
            }
            Action::Bottom => {
                self.selected = self.profiles.len().saturating_sub(1);
                Vec::new()
            }
            Action::Login => self.start_login(),
            Action::Revoke => {
                match self.selected_profile() {
                    Some(p) => {
                        self.dialog = Some(Dialog::ConfirmRevoke {
                            profile: p.name.clone(),
                        });
                    }
                    None => self.notify(Tone::Error, "No profile to revoke: pdauthd has none configured."),
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
                    self.notify(Tone::Info, format!("Login for {} cancelled.", d.profile));
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
                        "No graphical session here (DISPLAY and WAYLAND_DISPLAY are unset): copy the URL into a browser."
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

    fn start_login(&mut self) -> Vec<Effect> {
        let profile = match (&self.dialog, self.selected_profile()) {
            (Some(Dialog::Login(d)), _) => d.profile.clone(),
            (None, Some(p)) => {
                // A login still pending (from this UI or `pdauth login`) is
                // shown rather than restarted, so its URL keeps working.
                if let Some(info) = p.login.as_ref().filter(|l| l.expires_at > self.now) {
                    self.dialog = Some(Dialog::Login(LoginDialog {
                        profile: p.name.clone(),
                        phase: LoginPhase::Waiting(info.clone()),
                        approval: Approval::Idle,
                        note: Some("This login was already pending; Esc cancels it.".to_string()),
                    }));
                    return Vec::new();
                }
                p.name.clone()
            }
            _ => {
                if self.profiles.is_empty() {
                    self.notify(Tone::Error, "No profile to log in to: add one to pdauthd's config.");
                }
                return Vec::new();
            }
        };
        self.dialog = Some(Dialog::Login(LoginDialog {
            profile: profile.clone(),
            phase: LoginPhase::Starting,
            approval: Approval::Idle,
            note: None,
        }));
        vec![Effect::Request(Request::Login { profile })]
    }

    fn on_event(&mut self, event: Event) {
        match event {
            Event::Health { status } => self.upsert(status),
            Event::Resync { profiles } => self.replace_profiles(profiles),
            // The Tokens screen shows health, not the audit trail.
            Event::Audit { .. } => {}
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

    fn on_reply(&mut self, request: Request, result: Result<Response, Failure>) {
        match (request, result) {
            (Request::Login { profile }, Ok(Response::LoginStarted { login })) => {
                if let Some(p) = self.profiles.iter_mut().find(|p| p.name == login.profile) {
                    p.login = Some(login.clone());
                }
                if let Some(Dialog::Login(d)) = &mut self.dialog {
                    if d.profile == profile && d.phase == LoginPhase::Starting {
                        d.phase = LoginPhase::Waiting(login);
                    }
                }
            }
            (Request::Login { profile }, Err(failure)) => match &mut self.dialog {
                Some(Dialog::Login(d)) if d.profile == profile => d.phase = LoginPhase::Failed(failure.message),
                _ => self.notify(Tone::Error, format!("Login for {profile} failed: {}", failure.message)),
            },
            (Request::Revoke { profile }, Ok(Response::Revoked { outcome, .. })) => match &mut self.dialog {
                Some(Dialog::Revoke { profile: p, result }) if *p == profile => *result = Some(Ok(outcome)),
                _ => self.notify(Tone::Info, format!("{profile} was revoked.")),
            },
            (Request::Revoke { profile }, Err(failure)) => match &mut self.dialog {
                Some(Dialog::Revoke { profile: p, result }) if *p == profile => {
                    *result = Some(Err(failure.message));
                }
                _ => self.notify(Tone::Error, format!("Revoking {profile} failed: {}", failure.message)),
            },
            (Request::CancelLogin { profile }, Err(failure)) => {
                self.notify(
                    Tone::Error,
                    format!("Could not cancel the login for {profile}: {}", failure.message),
                );
            }
            (request, Err(failure)) => {
                self.notify(Tone::Error, format!("{}: {}", request_name(&request), failure.message));
            }
            (_, Ok(_)) => {}
        }
    }

    fn upsert(&mut self, status: ProfileStatus) {
        match self.profiles.iter_mut().find(|p| p.name == status.name) {
            Some(slot) => *slot = status,
            None => self.profiles.push(status),
        }
    }

    /// Replace every profile, keeping the selection on the same name.
    fn replace_profiles(&mut self, profiles: Vec<ProfileStatus>) {
        let selected_name = self.selected_profile().map(|p| p.name.clone());
        self.profiles = profiles;
        self.selected = selected_name
            .and_then(|name| self.profiles.iter().position(|p| p.name == name))
            .unwrap_or(self.selected)
            .min(self.profiles.len().saturating_sub(1));
    }

    fn notify(&mut self, tone: Tone, text: impl Into<String>) {
        self.notice = Some(Notice {
            text: sanitize::for_terminal(&text.into()),
            tone,
            at: self.now,
        });
    }
}

fn request_name(request: &Request) -> &'static str {
    match request {
        Request::Ping => "ping",
        Request::Status => "status",
        Request::Subscribe => "subscribe",
        Request::Login { .. } => "login",
        Request::CancelLogin { .. } => "cancel login",
        Request::Token { .. } => "token",
        Request::Revoke { .. } => "revoke",
        Request::Refresh { .. } => "refresh",
        Request::Audit { .. } => "audit",
        Request::Api { .. } => "api",
    }
}

#[cfg(test)]
mod tests;
