//! A scriptable stand-in for pdauthd: listens on a socket in a temporary
//! directory and speaks the real protocol through `JsonLineCodec`, so the
//! client, the command line and the terminal UI can be tested without the
//! daemon.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use pdauth_common::{
    Account, Actor, AuditEntry, ClientFrame, ErrorCode, Event, JsonLineCodec, LoginInfo, PROTOCOL_VERSION,
    ProfileStatus, RefreshResult, Reply, Request, Response, RetryInfo, RevokeOutcome, ServerFrame, StorageInfo,
    TokenState, UserSummary, WireError,
};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_util::codec::Framed;

use crate::fake_browse::{PdAccount, Watcher};

pub const DAEMON_VERSION: &str = "0.1.0-fake";
pub const TOKEN: &str = "pdus+_0XBPWQQ_4f0b7c3e-5f1a-4b7e-9f0e-6d2c1a3b5e7f";

/// What happens after a `Login` request.
#[derive(Debug, Clone)]
pub enum LoginScript {
    /// `LoginCompleted` (and a healthy status) after the delay.
    Complete(Duration),
    /// `LoginFailed` with the message after the delay.
    Fail(Duration, String),
    /// Nothing: the browser never comes back.
    Never,
    /// Every connection is dropped after the delay.
    Vanish(Duration),
    /// The login succeeds after the delay, but every connection is dropped
    /// before the completion event goes out (a daemon draining on shutdown).
    CompleteThenVanish(Duration),
}

#[derive(Debug)]
pub struct State {
    pub profiles: Vec<ProfileStatus>,
    pub storage: StorageInfo,
    pub tokens: HashMap<String, String>,
    pub login: LoginScript,
    pub revoke: RevokeOutcome,
    /// Scopes granted by a completed login; `None` grants what was requested.
    pub login_grants: Option<Vec<String>>,
    /// When set, refreshes fail transiently with this message.
    pub refresh_error: Option<String>,
    /// The audit log, oldest first.
    pub audit: Vec<AuditEntry>,
    /// The protocol version this daemon speaks.
    pub protocol: u32,
    /// Close the connection, unanswered, on a request with this op.
    pub vanish_on: Option<&'static str>,
    /// Answer requests with this op only after the delay.
    pub slow: HashMap<&'static str, Duration>,
    /// Close every connection right after its `Hello`, unanswered (a daemon
    /// caught on its way out).
    pub hang_up_on_hello: bool,
    /// Answer `Token` for these profiles with this error.
    pub token_errors: HashMap<String, WireError>,
    /// Every request received, in order.
    pub seen: Vec<Request>,
    pub connections: usize,
    /// The PagerDuty account behind `List`, `Get` and `Watch`.
    pub account: PdAccount,
    /// Watches registered, by id.
    pub watchers: HashMap<u64, Watcher>,
    pub next_watch: u64,
}

pub fn op(request: &Request) -> &'static str {
    match request {
        Request::Ping => "ping",
        Request::Status => "status",
        Request::Subscribe => "subscribe",
        Request::Login { .. } => "login",
        Request::CancelLogin { .. } => "cancel_login",
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

pub fn authorize_url(profile: &str) -> String {
    format!(
        "http://127.0.0.1:9/oauth/authorize?client_id=pdauth-demo&redirect_uri=http%3A%2F%2F127.0.0.1%3A8976%2Fcallback\
         &response_type=code&scope=read%20write&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM\
         &code_challenge_method=S256&state=3b1f0f0e8c5d4a3e9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a&profile={profile}"
    )
}

pub fn now() -> i64 {
    pdauth_tui::clock::unix_now()
}

pub fn valid(name: &str) -> ProfileStatus {
    ProfileStatus {
        state: TokenState::Valid,
        account: Some(Account {
            subdomain: Some("acme".into()),
            account_id: Some("PACME01".into()),
            region: Some("UnitedStates".into()),
        }),
        user: Some(UserSummary {
            id: Some("PADA001".into()),
            name: Some("Ada Lovelace".into()),
            email: Some("ada@acme.example".into()),
            role: Some("admin".into()),
        }),
        scopes_requested: vec!["read".into(), "write".into()],
        scopes_granted: vec!["read".into(), "write".into()],
        obtained_at: Some(now() - 60),
        expires_at: Some(now() + 3_600),
        api_url: Some("https://api.pagerduty.com".into()),
        has_refresh_token: true,
        next_refresh_at: Some(now() + 2_820),
        ..ProfileStatus::logged_out(name)
    }
}

impl Default for State {
    fn default() -> Self {
        let needs = ProfileStatus {
            state: TokenState::NeedsLogin,
            reason: Some("PagerDuty rejected the refresh token".into()),
            ..ProfileStatus::logged_out("staging")
        };
        State {
            profiles: vec![valid("work"), needs, ProfileStatus::logged_out("sandbox")],
            storage: StorageInfo::KeyFile {
                path: "/tmp/fake/key".into(),
            },
            tokens: HashMap::from([("work".to_string(), TOKEN.to_string())]),
            login: LoginScript::Complete(Duration::from_millis(300)),
            revoke: RevokeOutcome::Confirmed,
            login_grants: None,
            refresh_error: None,
            audit: seed_audit(),
            protocol: PROTOCOL_VERSION,
            vanish_on: None,
            slow: HashMap::new(),
            hang_up_on_hello: false,
            token_errors: HashMap::new(),
            seen: Vec::new(),
            connections: 0,
            account: PdAccount::default(),
            watchers: HashMap::new(),
            next_watch: 1,
        }
    }
}

/// The uid and pid the fake records as the actor of client requests.
pub const ACTOR: Actor = Actor {
    uid: 1000,
    pid: Some(4242),
};

/// A short history: work logged in an hour ago and handed out its token;
/// staging's refresh token was rejected.
pub fn seed_audit() -> Vec<AuditEntry> {
    let t = now();
    let entry = |id: i64, at: i64, profile: &str, event: &str, actor: Option<Actor>, detail: Option<&str>| AuditEntry {
        id,
        at,
        profile: profile.into(),
        event: event.into(),
        actor,
        detail: detail.map(str::to_string),
    };
    vec![
        entry(1, t - 3_700, "work", "login_started", Some(ACTOR), None),
        entry(
            2,
            t - 3_660,
            "work",
            "login_completed",
            None,
            Some("granted read write"),
        ),
        entry(
            3,
            t - 600,
            "staging",
            "refresh_failed",
            None,
            Some("invalid_grant: the refresh token was rejected"),
        ),
        entry(
            4,
            t - 590,
            "staging",
            "needs_login",
            None,
            Some("the refresh token was rejected by PagerDuty"),
        ),
        entry(5, t - 60, "work", "token_issued", Some(ACTOR), None),
    ]
}

/// Append an audit entry and push it to subscribers.
fn record(
    st: &mut State,
    events: &broadcast::Sender<Event>,
    profile: &str,
    event: &str,
    actor: Option<Actor>,
    detail: Option<String>,
) {
    let id = st.audit.last().map_or(1, |e| e.id + 1);
    let entry = AuditEntry {
        id,
        at: now(),
        profile: profile.to_string(),
        event: event.to_string(),
        actor,
        detail,
    };
    st.audit.push(entry.clone());
    let _ = events.send(Event::Audit { entry });
}

pub struct FakeDaemon {
    pub socket: PathBuf,
    pub state: Arc<Mutex<State>>,
    events: broadcast::Sender<Event>,
    kill: broadcast::Sender<()>,
    acceptor: Option<JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl FakeDaemon {
    /// A daemon with the default state on a fresh socket.
    pub async fn start() -> Self {
        Self::start_with(State::default()).await
    }

    pub async fn start_with(state: State) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("pdauth-it-")
            .tempdir()
            .expect("temp dir");
        let socket = dir.path().join("pdauthd.sock");
        let mut daemon = Self::start_at(&socket, state).await;
        daemon._dir = Some(dir);
        daemon
    }

    /// A daemon on `socket` (whose directory the caller owns).
    pub async fn start_at(socket: &Path, state: State) -> Self {
        let listener = UnixListener::bind(socket).expect("bind fake socket");
        let state = Arc::new(Mutex::new(state));
        let (events, _) = broadcast::channel(64);
        let (kill, _) = broadcast::channel(1);
        let acceptor = tokio::spawn(accept(listener, state.clone(), events.clone(), kill.clone()));
        FakeDaemon {
            socket: socket.to_path_buf(),
            state,
            events,
            kill,
            acceptor: Some(acceptor),
            _dir: None,
        }
    }

    /// Push an event to every subscriber.
    pub fn emit(&self, event: Event) {
        let _ = self.events.send(event);
    }

    pub fn seen(&self) -> Vec<Request> {
        self.state.lock().unwrap().seen.clone()
    }

    /// Stop listening and drop every connection but leave the socket file,
    /// as pdauthd does while it drains on its way out.
    pub async fn drain(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.abort();
            // The listener is closed once the task is gone.
            let _ = acceptor.await;
        }
        let _ = self.kill.send(());
    }

    /// Stop listening, drop every connection and remove the socket.
    pub fn stop(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.abort();
        }
        let _ = self.kill.send(());
        let _ = std::fs::remove_file(&self.socket);
    }
}

impl Drop for FakeDaemon {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn accept(
    listener: UnixListener,
    state: Arc<Mutex<State>>,
    events: broadcast::Sender<Event>,
    kill: broadcast::Sender<()>,
) {
    while let Ok((stream, _)) = listener.accept().await {
        state.lock().unwrap().connections += 1;
        tokio::spawn(session(stream, state.clone(), events.clone(), kill.clone()));
    }
}

fn login_info(profile: &str) -> LoginInfo {
    LoginInfo {
        profile: profile.to_string(),
        authorize_url: authorize_url(profile),
        redirect_uri: "http://127.0.0.1:8976/callback".into(),
        started_at: now(),
        expires_at: now() + 600,
    }
}

async fn session(
    stream: UnixStream,
    state: Arc<Mutex<State>>,
    events: broadcast::Sender<Event>,
    kill_tx: broadcast::Sender<()>,
) {
    let mut kill = kill_tx.subscribe();
    let mut framed = Framed::new(stream, JsonLineCodec::<ClientFrame, ServerFrame>::for_daemon());
    let Some(Ok(ClientFrame::Hello { protocol, .. })) = framed.next().await else {
        return;
    };
    if state.lock().unwrap().hang_up_on_hello {
        return;
    }
    let ours = state.lock().unwrap().protocol;
    if protocol != ours {
        let error = WireError::new(
            ErrorCode::ProtocolMismatch,
            format!("this pdauthd speaks protocol {ours}, the client {protocol}"),
        );
        let _ = framed.send(ServerFrame::Error { error }).await;
        return;
    }
    let welcome = ServerFrame::Welcome {
        protocol: ours,
        daemon_version: DAEMON_VERSION.into(),
    };
    if framed.send(welcome).await.is_err() {
        return;
    }
    let mut event_rx = events.subscribe();
    let mut subscribed = false;
    // Slow replies are produced in the background and funnelled back here, so replies
    // can overtake each other as they may with the real daemon.
    let (reply_tx, mut reply_rx) = mpsc::unbounded_channel::<ServerFrame>();
    loop {
        tokio::select! {
            _ = kill.recv() => return,
            frame = framed.next() => {
                let Some(Ok(ClientFrame::Request { id, request })) = frame else { return };
                let (delay, vanish) = {
                    let mut st = state.lock().unwrap();
                    st.seen.push(request.clone());
                    (st.slow.get(op(&request)).copied(), st.vanish_on == Some(op(&request)))
                };
                if vanish {
                    return;
                }
                if matches!(request, Request::Subscribe) {
                    subscribed = true;
                }
                let result = handle(&request, &state, &events, &reply_tx);
                let frame = ServerFrame::Reply { id, result };
                match delay {
                    Some(delay) => {
                        let tx = reply_tx.clone();
                        tokio::spawn(async move {
                            tokio::time::sleep(delay).await;
                            let _ = tx.send(frame);
                        });
                    }
                    None => {
                        if framed.send(frame).await.is_err() {
                            return;
                        }
                        if let Request::Login { profile } = &request {
                            after_login(profile, &state, &events, &kill_tx);
                        }
                    }
                }
            }
            Some(frame) = reply_rx.recv() => {
                if framed.send(frame).await.is_err() {
                    return;
                }
            }
            event = event_rx.recv(), if subscribed => {
                let Ok(event) = event else { return };
                if framed.send(ServerFrame::Event { event }).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn handle(
    request: &Request,
    state: &Arc<Mutex<State>>,
    events: &broadcast::Sender<Event>,
    session: &mpsc::UnboundedSender<ServerFrame>,
) -> Reply {
    let mut st = state.lock().unwrap();
    let known = |st: &State, p: &str| st.profiles.iter().any(|s| s.name == p);
    let not_found = |p: &str| {
        Reply::Error(WireError::new(
            ErrorCode::NotFound,
            format!("no profile named {p:?} in pdauthd's config"),
        ))
    };
    match request {
        Request::Ping => Reply::Ok(Response::Pong {
            daemon_version: DAEMON_VERSION.into(),
        }),
        Request::Status => Reply::Ok(Response::Status {
            profiles: st.profiles.clone(),
            storage: st.storage.clone(),
        }),
        Request::Subscribe => Reply::Ok(Response::Subscribed {
            profiles: st.profiles.clone(),
            storage: st.storage.clone(),
        }),
        Request::Login { profile } if !known(&st, profile) => not_found(profile),
        Request::Login { profile } => {
            let login = login_info(profile);
            record(&mut st, events, profile, "login_started", Some(ACTOR), None);
            if let Some(p) = st.profiles.iter_mut().find(|p| p.name == *profile) {
                p.login = Some(login.clone());
                p.state = TokenState::LoginPending;
                let _ = events.send(Event::Health { status: p.clone() });
            }
            let _ = events.send(Event::LoginStarted { login: login.clone() });
            Reply::Ok(Response::LoginStarted { login })
        }
        Request::CancelLogin { profile } => {
            record(&mut st, events, profile, "login_cancelled", Some(ACTOR), None);
            // Like pdauthd, a cancelled login is also reported as failed.
            let _ = events.send(Event::LoginFailed {
                profile: profile.clone(),
                message: "login cancelled".into(),
            });
            Reply::Ok(Response::LoginCancelled {
                profile: profile.clone(),
            })
        }
        Request::Token { profile } if !known(&st, profile) => not_found(profile),
        Request::Token { profile } if st.token_errors.contains_key(profile) => {
            Reply::Error(st.token_errors[profile].clone())
        }
        Request::Token { profile } => match st.tokens.get(profile).cloned() {
            Some(token) => {
                record(&mut st, events, profile, "token_issued", Some(ACTOR), None);
                Reply::Ok(Response::Token {
                    profile: profile.clone(),
                    access_token: token,
                    token_type: "bearer".into(),
                    expires_at: Some(now() + 3_600),
                })
            }
            None => Reply::Error(WireError::new(
                ErrorCode::NeedsLogin,
                format!("{profile} has no usable token"),
            )),
        },
        Request::Revoke { profile } if !known(&st, profile) => not_found(profile),
        Request::Revoke { profile } => {
            let outcome = st.revoke.clone();
            st.tokens.remove(profile);
            if let Some(p) = st.profiles.iter_mut().find(|p| p.name == *profile) {
                *p = ProfileStatus::logged_out(profile.clone());
                let _ = events.send(Event::Health { status: p.clone() });
            }
            let detail = match &outcome {
                RevokeOutcome::Confirmed => "confirmed by the identity server".to_string(),
                RevokeOutcome::NotConfirmed { detail } => format!("not confirmed: {detail}"),
                RevokeOutcome::LocalOnly { detail } => format!("local only: {detail}"),
            };
            record(&mut st, events, profile, "revoked", Some(ACTOR), Some(detail));
            let _ = events.send(Event::Revoked {
                profile: profile.clone(),
                outcome: outcome.clone(),
            });
            Reply::Ok(Response::Revoked {
                profile: profile.clone(),
                outcome,
            })
        }
        Request::Refresh { profile } if !known(&st, profile) => not_found(profile),
        Request::Refresh { profile } => refresh(&mut st, events, profile),
        Request::Audit { profile, limit } => {
            let limit = limit.unwrap_or(100) as usize;
            let entries = st
                .audit
                .iter()
                .rev()
                .filter(|e| profile.as_ref().is_none_or(|p| *p == e.profile))
                .take(limit)
                .cloned()
                .collect();
            Reply::Ok(Response::Audit { entries })
        }
        Request::Api { .. } => Reply::Error(WireError::new(
            ErrorCode::Upstream,
            "the fake daemon has no PagerDuty API",
        )),
        Request::List { profile, .. } | Request::Get { profile, .. } | Request::Watch { profile, .. }
            if !known(&st, profile) =>
        {
            not_found(profile)
        }
        Request::List { .. } | Request::Get { .. } | Request::Watch { .. } | Request::Unwatch { .. } => {
            crate::fake_browse::handle(&mut st, request, session)
        }
    }
}

/// Refresh like pdauthd: needs a token and a refresh token; fails
/// transiently when `refresh_error` is set; publishes health and audit.
fn refresh(st: &mut State, events: &broadcast::Sender<Event>, profile: &str) -> Reply {
    let Some(index) = st.profiles.iter().position(|p| p.name == profile) else {
        return Reply::Error(WireError::new(
            ErrorCode::NotFound,
            format!("no profile named {profile:?}"),
        ));
    };
    let current = st.profiles[index].clone();
    if current.state == TokenState::NeedsLogin {
        let why = current.reason.clone().unwrap_or_else(|| "the grant ended".into());
        return Reply::Error(WireError::new(
            ErrorCode::NeedsLogin,
            format!("profile {profile} needs a new login: {why}; run `pdauth login {profile}`"),
        ));
    }
    if !current.state.has_usable_token() && current.state != TokenState::Expired {
        return Reply::Error(WireError::new(
            ErrorCode::NeedsLogin,
            format!("profile {profile} is not logged in; run `pdauth login {profile}`"),
        ));
    }
    let t = now();
    match st.refresh_error.clone() {
        Some(error) => {
            let attempts = current.retry.as_ref().map_or(1, |r| r.attempts + 1);
            let status = ProfileStatus {
                state: TokenState::RefreshFailing,
                reason: Some(format!("refresh failing: {error}")),
                last_refresh: Some(RefreshResult {
                    at: t,
                    ok: false,
                    message: error.clone(),
                }),
                retry: Some(RetryInfo {
                    attempts,
                    last_error: error.clone(),
                    next_attempt_at: t + 30,
                }),
                next_refresh_at: Some(t + 30),
                ..current
            };
            st.profiles[index] = status.clone();
            let _ = events.send(Event::Health { status });
            record(st, events, profile, "refresh_failed", Some(ACTOR), Some(error.clone()));
            Reply::Error(WireError::new(
                ErrorCode::Upstream,
                format!("the refresh failed: {error}"),
            ))
        }
        None => {
            let status = ProfileStatus {
                state: TokenState::Valid,
                reason: None,
                obtained_at: Some(t),
                expires_at: Some(t + 3_600),
                next_refresh_at: Some(t + 2_880),
                last_refresh: Some(RefreshResult {
                    at: t,
                    ok: true,
                    message: "refreshed".into(),
                }),
                retry: None,
                ..current
            };
            st.profiles[index] = status.clone();
            let _ = events.send(Event::Health { status: status.clone() });
            record(st, events, profile, "refresh_ok", Some(ACTOR), None);
            Reply::Ok(Response::Refreshed { status })
        }
    }
}

/// Store a fresh token for `profile` as a finished login does.
fn complete_login(state: &Arc<Mutex<State>>, events: &broadcast::Sender<Event>, profile: &str) -> ProfileStatus {
    let mut st = state.lock().unwrap();
    st.tokens.insert(profile.to_string(), TOKEN.to_string());
    let mut status = valid(profile);
    status.obtained_at = Some(now());
    if let Some(granted) = st.login_grants.clone() {
        status.scopes_missing = status
            .scopes_requested
            .iter()
            .filter(|s| !granted.contains(s))
            .cloned()
            .collect();
        status.scopes_granted = granted;
    }
    if let Some(p) = st.profiles.iter_mut().find(|p| p.name == profile) {
        *p = status.clone();
    }
    record(&mut st, events, profile, "login_completed", None, None);
    status
}

fn after_login(
    profile: &str,
    state: &Arc<Mutex<State>>,
    events: &broadcast::Sender<Event>,
    kill_tx: &broadcast::Sender<()>,
) {
    let script = state.lock().unwrap().login.clone();
    let profile = profile.to_string();
    let state = state.clone();
    let events = events.clone();
    let kill_tx = kill_tx.clone();
    let mut kill = kill_tx.subscribe();
    tokio::spawn(async move {
        match script {
            LoginScript::Never => {}
            LoginScript::Complete(delay) => {
                tokio::select! {
                    _ = kill.recv() => return,
                    _ = tokio::time::sleep(delay) => {}
                }
                let status = complete_login(&state, &events, &profile);
                let _ = events.send(Event::LoginCompleted {
                    profile: profile.clone(),
                });
                let _ = events.send(Event::Health { status });
            }
            LoginScript::CompleteThenVanish(delay) => {
                tokio::select! {
                    _ = kill.recv() => return,
                    _ = tokio::time::sleep(delay) => {}
                }
                let _ = kill_tx.send(());
                complete_login(&state, &events, &profile);
            }
            LoginScript::Fail(delay, message) => {
                tokio::select! {
                    _ = kill.recv() => return,
                    _ = tokio::time::sleep(delay) => {}
                }
                let _ = events.send(Event::LoginFailed { profile, message });
            }
            LoginScript::Vanish(delay) => {
                tokio::time::sleep(delay).await;
                let _ = kill_tx.send(());
            }
        }
    });
}
