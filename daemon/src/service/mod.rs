//! The daemon's core: the configured profiles, their cached tokens, pending
//! logins, refreshes, and the operations clients ask for. Every change of a
//! profile's health is published as an event; every token event is audited.
//! SQL stays behind `Storage`, HTTP details in `oauth`/`identity`/`pagerduty`,
//! sockets in `ipc` and `callback`.

mod api;
mod audit;
mod detail;
mod fetch;
mod login;
mod pd;
mod refresh;
mod tokens;
mod watch;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::callback::CallbackServers;
use crate::clock::Clock;
use crate::config::{Config, ProfileConfig};
use crate::health::{Problem, ProfileRuntime, status_of};
use crate::login::Logins;
use crate::oauth::ClientAuth;
use crate::refresh::Planner;
use crate::storage::Storage;
use crate::store::KeyState;
use pdauth_common::{ErrorCode, Event, ProfileStatus, StorageInfo, TokenState, WireError};

pub use api::{ApiAnswer, ApiCall};
pub use refresh::Trigger;
pub use tokens::IssuedToken;

/// Events buffered per subscriber before it is told to resync.
pub const EVENT_BUFFER: usize = 256;

/// HTTP pieces of one profile, built once.
pub(crate) struct ProfileClient {
    pub http: reqwest::Client,
    pub auth: ClientAuth,
}

#[derive(Default)]
pub(crate) struct State {
    pub profiles: HashMap<String, ProfileRuntime>,
    pub logins: Logins,
    /// Last state published per profile, to publish only changes over time.
    pub published: HashMap<String, TokenState>,
}

pub struct Service {
    config: RwLock<Arc<Config>>,
    storage: Arc<dyn Storage>,
    storage_info: StorageInfo,
    storage_problem: Option<String>,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    events: broadcast::Sender<Event>,
    clients: Mutex<HashMap<String, Arc<ProfileClient>>>,
    /// HTTP clients shared by profiles with the same trust settings (one
    /// connection pool and root store each, not one per profile).
    http_clients: Mutex<HashMap<Option<std::path::PathBuf>, reqwest::Client>>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Each profile's PagerDuty rate budget, shared by all its requests.
    budgets: Mutex<HashMap<String, Arc<crate::pagerduty::budget::RateBudget>>>,
    callbacks: CallbackServers,
    planner: Arc<Mutex<Planner>>,
    /// When each profile's health next changes by itself (expiring,
    /// expired, a login timing out), for the health watcher.
    boundaries: Mutex<Planner>,
    /// Wakes the refresh scheduler after a re-plan.
    plan_wake: Arc<Notify>,
    /// Wakes the health watcher after a change.
    wake: Notify,
    /// Audit entries the store refused, oldest first.
    audit_backlog: Mutex<std::collections::VecDeque<crate::store::NewAudit>>,
    /// Ordered queue of audit entries to write.
    audit_tx: Mutex<Option<tokio::sync::mpsc::UnboundedSender<crate::store::NewAudit>>>,
    tasks: TaskTracker,
    /// Work that must finish before the daemon exits: code exchanges and
    /// refreshes (request and commit).
    critical: TaskTracker,
    /// Cancelled once critical work has drained: client sessions end.
    closing: CancellationToken,
    stopping: std::sync::atomic::AtomicBool,
    /// Something every logged-out profile should say (e.g. the store was
    /// replaced because it was corrupt).
    notice: Mutex<Option<String>>,
    shutdown: CancellationToken,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding a lock must not take the whole daemon down.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub(crate) fn err(code: ErrorCode, message: impl Into<String>) -> WireError {
    WireError::new(code, message)
}

impl Service {
    /// Build the service over an opened store; loads every stored token and
    /// plans its refresh.
    pub fn new(
        config: Config,
        storage: Arc<dyn Storage>,
        storage_info: StorageInfo,
        clock: Arc<dyn Clock>,
        tasks: TaskTracker,
        shutdown: CancellationToken,
    ) -> Arc<Self> {
        let key_state = storage.key_state();
        let storage_problem = match &key_state {
            KeyState::Ready => None,
            KeyState::Missing(reason) => Some(format!("tokens cannot be stored: {reason}")),
            KeyState::Mismatch => {
                let key = match &storage_info {
                    StorageInfo::KeyFile { path } => format!("the key file {path}"),
                    StorageInfo::SystemdCredential { name } => format!("the systemd credential {name}"),
                    StorageInfo::Unavailable { .. } => "the store key".to_string(),
                };
                Some(format!(
                    "tokens cannot be stored or read: {key} does not match the database; restore the key that \
                     sealed it and restart pdauthd, or move the database aside to start over (every login is lost)"
                ))
            }
        };
        // Nothing can be logged in or handed out: say so where people look.
        let storage_info = match (&key_state, &storage_problem) {
            (KeyState::Mismatch, Some(reason)) => {
                tracing::error!(reason = %reason, "the store key does not match the database");
                StorageInfo::Unavailable { reason: reason.clone() }
            }
            _ => storage_info,
        };
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let service = Arc::new(Self {
            config: RwLock::new(Arc::new(config)),
            storage,
            storage_info,
            storage_problem,
            clock,
            state: Mutex::new(State::default()),
            events,
            clients: Mutex::new(HashMap::new()),
            http_clients: Mutex::new(HashMap::new()),
            locks: Mutex::new(HashMap::new()),
            budgets: Mutex::new(HashMap::new()),
            callbacks: CallbackServers::default(),
            planner: Arc::new(Mutex::new(Planner::default())),
            boundaries: Mutex::new(Planner::default()),
            plan_wake: Arc::new(Notify::new()),
            wake: Notify::new(),
            audit_tx: Mutex::new(None),
            audit_backlog: Mutex::new(std::collections::VecDeque::new()),
            tasks,
            critical: TaskTracker::new(),
            closing: CancellationToken::new(),
            stopping: std::sync::atomic::AtomicBool::new(false),
            notice: Mutex::new(None),
            shutdown,
        });
        service.start_audit_writer();
        service.load_stored(&key_state);
        let names: Vec<String> = service.config().profiles.keys().cloned().collect();
        for name in names {
            service.track_boundary(&name);
        }
        service
    }

    fn load_stored(&self, key_state: &KeyState) {
        let (records, unreadable) = match self.storage.load_all() {
            Ok(loaded) => loaded,
            Err(e) => {
                tracing::error!(error = %e, "cannot read stored tokens");
                return;
            }
        };
        let mut interrupted = Vec::new();
        {
            let mut st = lock(&self.state);
            for record in records {
                let rt = st.profiles.entry(record.profile.clone()).or_default();
                if let Some(problem) = &record.problem {
                    rt.problem = Some(Problem::NeedsLogin(problem.clone()));
                } else if record.refresh_intent_at.is_some() {
                    rt.interrupted = true;
                    interrupted.push(record.profile.clone());
                }
                rt.token = Some(record);
            }
            for bad in unreadable {
                let rt = st.profiles.entry(bad.profile.clone()).or_default();
                rt.problem = Some(match key_state {
                    KeyState::Ready => {
                        Problem::NeedsLogin(format!("stored credentials are unreadable: {}", bad.reason))
                    }
                    _ => Problem::Error(bad.reason),
                });
            }
        }
        for name in &interrupted {
            tracing::warn!(profile = %name, event = "refresh_interrupted", "the previous refresh was interrupted; checking it once");
            self.audit(
                name,
                "refresh_interrupted",
                None,
                Some("a refresh was sent but never concluded (crash or power loss)"),
            );
        }
        let names: Vec<String> = lock(&self.state).profiles.keys().cloned().collect();
        for name in names {
            self.replan(&name);
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    pub fn config(&self) -> Arc<Config> {
        self.config.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn storage_info(&self) -> &StorageInfo {
        &self.storage_info
    }

    pub fn tasks(&self) -> &TaskTracker {
        &self.tasks
    }

    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// Cancelled when client sessions should end (after critical work).
    pub fn closing_token(&self) -> &CancellationToken {
        &self.closing
    }

    fn refuse_if_stopping(&self) -> Result<(), WireError> {
        if self.stopping.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(err(ErrorCode::Busy, "pdauthd is stopping; try again once it is back"));
        }
        Ok(())
    }

    pub fn planner(&self) -> &Arc<Mutex<Planner>> {
        &self.planner
    }

    pub fn plan_wake(&self) -> &Arc<Notify> {
        &self.plan_wake
    }

    /// Receive every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    fn emit(&self, event: Event) {
        // No subscribers is fine.
        let _ = self.events.send(event);
    }

    /// Why a profile without a token cannot get one, when it is the store's
    /// fault: a login could not be kept either, so "log in" is no advice.
    fn no_token_for_storage(&self, name: &str) -> Option<String> {
        let problem = self.storage_problem.as_ref()?;
        Some(format!("profile {name} has no token: {problem}"))
    }

    fn profile_config(&self, name: &str) -> Result<ProfileConfig, WireError> {
        self.config().profiles.get(name).cloned().ok_or_else(|| {
            err(
                ErrorCode::NotFound,
                format!(
                    "no profile named {:?} in the daemon's configuration",
                    pdauth_common::sanitize::truncated(name, 64)
                ),
            )
        })
    }

    /// The lock that serialises everything that writes a profile's tokens:
    /// login completion, refresh (single flight) and revocation.
    fn profile_lock(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.locks).entry(name.to_string()).or_default().clone()
    }

    fn client(&self, cfg: &ProfileConfig) -> Result<Arc<ProfileClient>, WireError> {
        if let Some(client) = lock(&self.clients).get(&cfg.name) {
            return Ok(client.clone());
        }
        let http = {
            let mut shared = lock(&self.http_clients);
            match shared.get(&cfg.ca_file) {
                Some(http) => http.clone(),
                None => {
                    let settings = self.config().daemon.clone();
                    let http = crate::http::client_for(cfg, &settings).map_err(|m| err(ErrorCode::Config, m))?;
                    shared.insert(cfg.ca_file.clone(), http.clone());
                    http
                }
            }
        };
        let auth = ClientAuth::for_profile(cfg).map_err(|m| err(ErrorCode::Config, m))?;
        let client = Arc::new(ProfileClient { http, auth });
        lock(&self.clients).insert(cfg.name.clone(), client.clone());
        Ok(client)
    }

    /// Run blocking storage work off the async threads.
    async fn with_storage<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn Storage) -> T + Send + 'static,
    ) -> Result<T, WireError> {
        let storage = self.storage.clone();
        tokio::task::spawn_blocking(move || work(storage.as_ref()))
            .await
            .map_err(|_| err(ErrorCode::Internal, "the token store task failed"))
    }

    /// A storage write whose failure is logged rather than returned.
    async fn store_logged<E: std::fmt::Display + Send + 'static>(
        &self,
        profile: &str,
        what: &'static str,
        work: impl FnOnce(&dyn Storage) -> Result<(), E> + Send + 'static,
    ) {
        match self.with_storage(work).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(profile, error = %e, "could not record {what}"),
            Err(e) => tracing::error!(profile, error = %e.message, "could not record {what}"),
        }
    }

    /// Set the notice logged-out profiles show as their reason.
    pub fn set_notice(&self, notice: String) {
        *lock(&self.notice) = Some(notice);
    }

    /// The status of one profile.
    pub fn status(&self, name: &str) -> Result<ProfileStatus, WireError> {
        let cfg = self.profile_config(name)?;
        let now = self.now();
        let notice = lock(&self.notice).clone();
        let st = lock(&self.state);
        Ok(self.status_locked(&st, &cfg, notice.as_deref(), now))
    }

    fn status_locked(&self, st: &State, cfg: &ProfileConfig, notice: Option<&str>, now: i64) -> ProfileStatus {
        let empty = ProfileRuntime::default();
        let rt = st.profiles.get(&cfg.name).unwrap_or(&empty);
        let login = st.logins.get(&cfg.name).map(|l| &l.info);
        let mut status = status_of(cfg, rt, login, self.storage_problem.as_deref(), now);
        if status.state == TokenState::LoggedOut && status.reason.is_none() {
            status.reason = notice.map(str::to_string);
        }
        status
    }

    /// Every configured profile's status, in name order.
    pub fn statuses(&self) -> Vec<ProfileStatus> {
        let config = self.config();
        let now = self.now();
        let notice = lock(&self.notice).clone();
        let st = lock(&self.state);
        config
            .profiles
            .values()
            .map(|cfg| self.status_locked(&st, cfg, notice.as_deref(), now))
            .collect()
    }

    /// Publish a profile's current health.
    fn publish(&self, name: &str) {
        let Ok(status) = self.status(name) else { return };
        lock(&self.state).published.insert(name.to_string(), status.state);
        self.emit(Event::Health { status });
        self.track_boundary(name);
    }

    /// Wait (bounded) for exchanges and refreshes to finish and commit.
    pub async fn drain(&self, limit: std::time::Duration) -> bool {
        self.critical.close();
        tokio::time::timeout(limit, self.critical.wait()).await.is_ok()
    }

    /// Stop accepting callbacks and new work, and tell waiting clients why.
    pub fn stop(&self) {
        self.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
        let drained = lock(&self.state).logins.drain();
        for name in drained.into_iter().map(|l| l.profile) {
            self.emit(Event::LoginFailed {
                profile: name.clone(),
                message: "pdauthd is stopping; start the login again once it is back".into(),
            });
        }
        self.callbacks.close_unused(|_| false);
    }
}
