//! The Tokens screen's requests and their answers: starting a login (or
//! showing one already pending), refreshing now and saying how it ended, and
//! the replies to login, revoke, refresh, audit and cancel requests.

use pdauth_common::{ProfileStatus, Request, Response, TokenState};

use super::{App, Approval, Dialog, LoginDialog, LoginPhase, Tone};
use crate::msg::{Effect, Failure};
use crate::{clock, words};

impl App {
    pub(super) fn start_login(&mut self) -> Vec<Effect> {
        let (profile, replaces_token) = match (&self.dialog, self.target_profile()) {
            (Some(Dialog::Login(d)), _) => (d.profile.clone(), d.replaces_token),
            (None, Some(p)) => {
                // A login still pending (from this UI or `pdauth login`) is
                // shown rather than restarted, so its URL keeps working.
                if let Some(info) = p.login.as_ref().filter(|l| l.expires_at > self.now) {
                    self.dialog = Some(Dialog::Login(LoginDialog {
                        profile: p.name.clone(),
                        phase: LoginPhase::Waiting(info.clone()),
                        approval: Approval::Idle,
                        note: Some("This login was already pending; Esc cancels it.".to_string()),
                        replaces_token: replaces_token(p, self.now),
                    }));
                    return Vec::new();
                }
                (p.name.clone(), replaces_token(p, self.now))
            }
            _ => {
                if self.profiles.is_empty() {
                    self.notify(Tone::Error, "No profile to log in to: add one to pdauthd's config.");
                }
                return Vec::new();
            }
        };
        self.cancelled.remove(&profile);
        self.dialog = Some(Dialog::Login(LoginDialog {
            profile: profile.clone(),
            phase: LoginPhase::Starting,
            approval: Approval::Idle,
            note: None,
            replaces_token,
        }));
        vec![Effect::Request(Request::Login { profile })]
    }

    /// Refresh the target profile's tokens now, unless there is nothing to
    /// refresh or a refresh from here is already in flight.
    pub(super) fn refresh(&mut self) -> Vec<Effect> {
        let Some(p) = self.target_profile() else {
            self.notify(Tone::Error, "No profile selected.");
            return Vec::new();
        };
        let profile = p.name.clone();
        if !words::has_stored_token(p) {
            self.notify(
                Tone::Info,
                format!("{profile} has no token to refresh: press l to log in."),
            );
            return Vec::new();
        }
        if !self.refreshing.insert(profile.clone()) {
            self.notify(Tone::Info, format!("Already refreshing {profile}…"));
            return Vec::new();
        }
        self.notify(Tone::Info, format!("Refreshing {profile}…"));
        vec![Effect::Request(Request::Refresh { profile })]
    }

    /// Say how a refresh ended.
    fn refreshed(&mut self, status: &ProfileStatus) {
        let name = &status.name;
        let reason = status.reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default();
        match status.state {
            TokenState::Valid | TokenState::Expiring | TokenState::Unpersisted => {
                let expiry = match status.expires_at {
                    Some(at) if at > self.now => format!(", expires in {}", clock::compact(at - self.now)),
                    _ => String::new(),
                };
                let text = format!("Refreshed {name}: {}{expiry}.", status.state.label());
                self.notify(Tone::Success, text);
            }
            TokenState::NeedsLogin => {
                self.notify(Tone::Error, format!("{name} needs a new login{reason}"));
            }
            // Under way or queued behind other refreshes: not a failure.
            TokenState::Refreshing => {
                self.notify(Tone::Info, format!("{name} is being refreshed{reason}."));
            }
            state => {
                let text = format!("{name} was not refreshed: {}{reason}", state.label());
                self.notify(Tone::Error, text);
            }
        }
    }

    pub(super) fn on_reply(&mut self, request: Request, result: Result<Response, Failure>) {
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
            (Request::Refresh { profile }, result) => {
                self.refreshing.remove(&profile);
                match result {
                    Ok(Response::Refreshed { status }) => {
                        self.refreshed(&status);
                        self.upsert(status);
                    }
                    Ok(_) => {}
                    Err(failure) => {
                        self.notify(Tone::Error, format!("Refreshing {profile} failed: {}", failure.message));
                    }
                }
            }
            (Request::Audit { profile, .. }, result) => self.on_audit(profile, result),
            (Request::CancelLogin { profile }, Err(failure)) => {
                self.cancelled.remove(&profile);
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
}

/// Whether a new login would replace a token the profile can use now (also
/// under a login already pending).
fn replaces_token(p: &ProfileStatus, now: i64) -> bool {
    words::condition(p, now).has_usable_token()
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
        Request::List { .. } => "list",
        Request::Get { .. } => "get",
        Request::Watch { .. } => "watch",
        Request::Unwatch { .. } => "unwatch",
    }
}
