//! The daemon's core: the configured profiles, their cached tokens, pending
//! logins, and the operations clients ask for (status, login, token,
//! revoke). Every change of a profile's health is published as an event.
//! SQL stays in the store, HTTP details in `oauth`/`identity`, sockets in
//! `ipc` and `callback`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::callback::{CallbackPage, CallbackServers};
use crate::clock::Clock;
use crate::config::{Config, ProfileConfig};
use crate::health::{ProfileRuntime, next_boundary, status_of};
use crate::identity;
use crate::login::{ListenKey, Logins, PendingLogin, Resolution, parse_callback_query};
use crate::oauth::{self, ClientAuth, RevokeResult};
use crate::store::{Identity, KeyState, NewTokens, Store, TokenRecord};
use pdauth_common::{ErrorCode, Event, LoginInfo, ProfileStatus, RevokeOutcome, StorageInfo, TokenState, WireError};

/// Events buffered per subscriber before it is told to resync.
pub const EVENT_BUFFER: usize = 256;

/// HTTP pieces of one profile, built once.
struct ProfileClient {
    http: reqwest::Client,
    auth: ClientAuth,
}

#[derive(Default)]
struct State {
    profiles: HashMap<String, ProfileRuntime>,
    logins: Logins,
    /// Last state published per profile, to publish only changes over time.
    published: HashMap<String, TokenState>,
}

/// An access token handed to a client.
pub struct IssuedToken {
    pub access_token: SecretString,
    pub token_type: String,
    pub expires_at: Option<i64>,
}

pub struct Service {
    config: RwLock<Arc<Config>>,
    store: Arc<Mutex<Store>>,
    storage: StorageInfo,
    storage_problem: Option<String>,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    events: broadcast::Sender<Event>,
    clients: Mutex<HashMap<String, Arc<ProfileClient>>>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    callbacks: CallbackServers,
    wake: Notify,
    tasks: TaskTracker,
    shutdown: CancellationToken,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding a lock must not take the whole daemon down.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn err(code: ErrorCode, message: impl Into<String>) -> WireError {
    WireError::new(code, message)
}

impl Service {
    /// Build the service from an opened store; loads every stored token.
    pub fn new(
        config: Config,
        store: Store,
        storage: StorageInfo,
        clock: Arc<dyn Clock>,
        tasks: TaskTracker,
        shutdown: CancellationToken,
    ) -> Arc<Self> {
        let storage_problem = match store.key_state() {
            KeyState::Ready => None,
            KeyState::Missing(reason) => Some(format!("tokens cannot be stored: {reason}")),
            KeyState::Mismatch => Some(
                "tokens cannot be stored or read: the store key does not match the database (was the key replaced?)"
                    .to_string(),
            ),
        };
        let mut state = State::default();
        match store.load_all() {
            Ok((records, unreadable)) => {
                for record in records {
                    let rt = state.profiles.entry(record.profile.clone()).or_default();
                    rt.token = Some(record);
                }
                for bad in unreadable {
                    let rt = state.profiles.entry(bad.profile.clone()).or_default();
                    rt.problem = Some(match store.key_state() {
                        KeyState::Ready => crate::health::Problem::NeedsLogin(format!(
                            "stored credentials are unreadable: {}",
                            bad.reason
                        )),
                        _ => crate::health::Problem::Error(bad.reason),
                    });
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read stored tokens"),
        }
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        Arc::new(Self {
            config: RwLock::new(Arc::new(config)),
            store: Arc::new(Mutex::new(store)),
            storage,
            storage_problem,
            clock,
            state: Mutex::new(state),
            events,
            clients: Mutex::new(HashMap::new()),
            locks: Mutex::new(HashMap::new()),
            callbacks: CallbackServers::default(),
            wake: Notify::new(),
            tasks,
            shutdown,
        })
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn config(&self) -> Arc<Config> {
        self.config.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn storage(&self) -> &StorageInfo {
        &self.storage
    }

    pub fn tasks(&self) -> &TaskTracker {
        &self.tasks
    }

    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// Receive every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    fn emit(&self, event: Event) {
        // No subscribers is fine.
        let _ = self.events.send(event);
    }

    fn profile_config(&self, name: &str) -> Result<ProfileConfig, WireError> {
        self.config().profiles.get(name).cloned().ok_or_else(|| {
            err(
                ErrorCode::NotFound,
                format!("no profile named {name:?} in the daemon's configuration"),
            )
        })
    }

    fn profile_lock(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        lock(&self.locks).entry(name.to_string()).or_default().clone()
    }

    fn client(&self, cfg: &ProfileConfig) -> Result<Arc<ProfileClient>, WireError> {
        if let Some(client) = lock(&self.clients).get(&cfg.name) {
            return Ok(client.clone());
        }
        let settings = self.config().daemon.clone();
        let http = crate::http::client_for(cfg, &settings).map_err(|m| err(ErrorCode::Config, m))?;
        let auth = ClientAuth::for_profile(cfg).map_err(|m| err(ErrorCode::Config, m))?;
        let client = Arc::new(ProfileClient { http, auth });
        lock(&self.clients).insert(cfg.name.clone(), client.clone());
        Ok(client)
    }

    /// The status of one profile.
    pub fn status(&self, name: &str) -> Result<ProfileStatus, WireError> {
        let cfg = self.profile_config(name)?;
        let now = self.now();
        let st = lock(&self.state);
        Ok(Self::status_locked(&st, &cfg, self.storage_problem.as_deref(), now))
    }

    fn status_locked(st: &State, cfg: &ProfileConfig, storage_problem: Option<&str>, now: i64) -> ProfileStatus {
        let empty = ProfileRuntime::default();
        let rt = st.profiles.get(&cfg.name).unwrap_or(&empty);
        let login = st.logins.get(&cfg.name).map(|l| &l.info);
        status_of(cfg, rt, login, storage_problem, now)
    }

    /// Every configured profile's status, in name order.
    pub fn statuses(&self) -> Vec<ProfileStatus> {
        let config = self.config();
        let now = self.now();
        let st = lock(&self.state);
        config
            .profiles
            .values()
            .map(|cfg| Self::status_locked(&st, cfg, self.storage_problem.as_deref(), now))
            .collect()
    }

    /// Publish a profile's current health.
    fn publish(&self, name: &str) {
        let Ok(status) = self.status(name) else { return };
        lock(&self.state).published.insert(name.to_string(), status.state);
        self.emit(Event::Health { status });
        self.wake.notify_one();
    }

    // ----- logins -------------------------------------------------------

    /// Start a login, or return the one already pending for this profile.
    pub fn start_login(self: &Arc<Self>, name: &str) -> Result<LoginInfo, WireError> {
        let cfg = self.profile_config(name)?;
        if let Some(problem) = &self.storage_problem {
            return Err(err(ErrorCode::Storage, format!("cannot log in: {problem}")));
        }
        // Fail now, not after the browser round trip, if the client is unusable.
        self.client(&cfg)?;
        let now = self.now();
        let ttl = self.config().daemon.login_timeout;
        {
            let st = lock(&self.state);
            if let Some(existing) = st.logins.get(name) {
                if existing.info.expires_at > now {
                    return Ok(existing.info.clone());
                }
            }
        }
        let login = PendingLogin::new(&cfg, now, ttl).map_err(|m| err(ErrorCode::Config, m))?;
        self.callbacks
            .ensure(&cfg.redirect_uri, Arc::downgrade(self), &self.tasks, &self.shutdown)
            .map_err(|m| err(ErrorCode::Config, m))?;
        let info = login.info.clone();
        {
            let mut st = lock(&self.state);
            st.logins.insert(login);
            st.profiles.entry(name.to_string()).or_default().last_login_error = None;
        }
        tracing::info!(profile = name, event = "login_started", "login started");
        self.emit(Event::LoginStarted { login: info.clone() });
        self.publish(name);
        Ok(info)
    }

    /// Abandon a pending login. Returns whether one was pending.
    pub fn cancel_login(&self, name: &str) -> Result<bool, WireError> {
        self.profile_config(name)?;
        let removed = lock(&self.state).logins.remove(name);
        if removed.is_some() {
            self.login_failed(name, "login cancelled".to_string());
            self.release_ports();
        }
        Ok(removed.is_some())
    }

    fn login_failed(&self, name: &str, message: String) {
        tracing::warn!(profile = name, event = "login_failed", reason = %message, "login failed");
        lock(&self.state)
            .profiles
            .entry(name.to_string())
            .or_default()
            .last_login_error = Some(message.clone());
        self.emit(Event::LoginFailed {
            profile: name.to_string(),
            message,
        });
        self.publish(name);
    }

    /// Close callback listeners no pending login needs any more.
    fn release_ports(&self) {
        let st = lock(&self.state);
        self.callbacks.close_unused(|port| st.logins.uses_port(port));
    }

    /// Handle a request that reached a callback listener.
    pub async fn handle_callback(self: &Arc<Self>, listen: ListenKey, raw_query: Option<String>) -> CallbackPage {
        let query = match parse_callback_query(raw_query.as_deref()) {
            Ok(q) => q,
            Err(rejection) => {
                tracing::warn!(port = listen.port, reason = ?rejection, "callback rejected");
                return CallbackPage::rejected(rejection);
            }
        };
        let resolution = lock(&self.state).logins.resolve(&listen, query);
        match resolution {
            Resolution::Rejected(rejection) => {
                tracing::warn!(port = listen.port, reason = ?rejection, "callback rejected");
                CallbackPage::rejected(rejection)
            }
            Resolution::Failed { login, message } => {
                self.login_failed(&login.profile, message);
                self.release_ports();
                CallbackPage::failed()
            }
            Resolution::Exchange { login, code } => {
                let this = self.clone();
                // Spawned so that a browser closing the tab cannot cancel the
                // one and only exchange of this code.
                let task = self.tasks.spawn(async move { this.complete_login(login, code).await });
                self.release_ports();
                match task.await {
                    Ok(Ok(profile)) => CallbackPage::success(&profile),
                    _ => CallbackPage::failed(),
                }
            }
        }
    }

    async fn complete_login(self: Arc<Self>, login: PendingLogin, code: SecretString) -> Result<String, ()> {
        let name = login.profile.clone();
        self.publish(&name);
        match self.exchange_and_store(&login, &code).await {
            Ok(()) => {
                tracing::info!(profile = %name, event = "login_completed", "login completed");
                self.emit(Event::LoginCompleted { profile: name.clone() });
                self.publish(&name);
                Ok(name)
            }
            Err(message) => {
                self.login_failed(&name, message);
                Err(())
            }
        }
    }

    async fn exchange_and_store(&self, login: &PendingLogin, code: &SecretString) -> Result<(), String> {
        let cfg = self.profile_config(&login.profile).map_err(|e| e.message)?;
        let client = self.client(&cfg).map_err(|e| e.message)?;
        let guard = self.profile_lock(&cfg.name);
        let _held = guard.lock().await;
        let response = oauth::exchange_code(
            &client.http,
            &cfg.token_url,
            &client.auth,
            code.expose_secret(),
            &login.redirect_uri,
            login.verifier(),
        )
        .await
        .map_err(|e| format!("the code exchange failed: {e}"))?;
        let now = self.now();
        let claims = response.id_token.as_deref().and_then(identity::decode_id_token);
        let api_url = identity::api_base(cfg.api_url.as_ref(), claims.as_ref());
        let mut user = None;
        if let Some(api) = &api_url {
            match identity::fetch_me(&client.http, api, response.access_token.expose_secret()).await {
                Ok(u) => user = Some(u),
                Err(why) => tracing::warn!(profile = %cfg.name, reason = %why, "could not read the logged-in user"),
            }
        }
        if user.is_none() {
            if let Some(c) = &claims {
                let id = c.user_id.clone().or_else(|| c.sub.clone());
                user = id.map(|id| pdauth_common::UserSummary {
                    id: Some(id),
                    ..Default::default()
                });
            }
        }
        let granted = response.scope.clone().unwrap_or_else(|| cfg.scopes.clone());
        let tokens = NewTokens {
            access_token: response.access_token.clone(),
            refresh_token: response.refresh_token.clone(),
            token_type: response.token_type.clone(),
            scopes: granted,
            obtained_at: now,
            expires_at: Some(now + response.expires_in as i64),
            identity: Identity {
                account: claims.as_ref().map(|c| c.account()),
                user,
                api_url,
            },
        };
        let store = self.store.clone();
        let profile = cfg.name.clone();
        let to_save = tokens.clone();
        let saved = tokio::task::spawn_blocking(move || lock(&store).save_login(&profile, &to_save, now))
            .await
            .map_err(|_| "the token store task failed".to_string())?;
        let (version, unpersisted) = match saved {
            Ok(version) => (version, None),
            Err(e) => {
                tracing::error!(profile = %cfg.name, error = %e, "new tokens could not be stored; keeping them in memory");
                (0, Some(format!("tokens are held in memory only: {e}")))
            }
        };
        let record = TokenRecord {
            profile: cfg.name.clone(),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
            token_type: tokens.token_type,
            scopes: tokens.scopes,
            obtained_at: tokens.obtained_at,
            expires_at: tokens.expires_at,
            identity: tokens.identity,
            version,
            refresh_intent_at: None,
        };
        let mut st = lock(&self.state);
        let rt = st.profiles.entry(cfg.name.clone()).or_default();
        rt.token = Some(record);
        rt.unpersisted = unpersisted;
        rt.problem = None;
        rt.last_login_error = None;
        Ok(())
    }

    // ----- tokens -------------------------------------------------------

    /// The profile's access token, if it is usable.
    pub fn token(&self, name: &str) -> Result<IssuedToken, WireError> {
        let cfg = self.profile_config(name)?;
        let status = self.status(name)?;
        let st = lock(&self.state);
        let token = st.profiles.get(&cfg.name).and_then(|rt| rt.token.as_ref());
        match (status.state, token) {
            (state, Some(token)) if state.has_usable_token() || state == TokenState::LoginPending => {
                if token.expires_at.is_some_and(|at| self.now() >= at) {
                    return Err(err(ErrorCode::NeedsLogin, expired_message(name)));
                }
                Ok(IssuedToken {
                    access_token: token.access_token.clone(),
                    token_type: token.token_type.clone(),
                    expires_at: token.expires_at,
                })
            }
            (TokenState::Expired, _) => Err(err(ErrorCode::NeedsLogin, expired_message(name))),
            (TokenState::NeedsLogin, _) | (TokenState::Error, _) => Err(err(
                ErrorCode::NeedsLogin,
                format!(
                    "profile {name} needs a new login: {}; run `pdauth login {name}`",
                    status.reason.unwrap_or_else(|| "no usable token".into())
                ),
            )),
            _ => Err(err(
                ErrorCode::NeedsLogin,
                format!("profile {name} is not logged in; run `pdauth login {name}`"),
            )),
        }
    }

    // ----- revocation ---------------------------------------------------

    /// Revoke at the identity server (refresh token first, then access
    /// token) and delete locally whatever the remote answer.
    pub async fn revoke(&self, name: &str) -> Result<RevokeOutcome, WireError> {
        let cfg = self.profile_config(name)?;
        let guard = self.profile_lock(name);
        let _held = guard.lock().await;
        let token = lock(&self.state).profiles.get(name).and_then(|rt| rt.token.clone());
        let outcome = match (&token, &cfg.revoke_url) {
            (None, _) => RevokeOutcome::LocalOnly {
                detail: "there was no readable token to revoke remotely".into(),
            },
            (Some(_), None) => RevokeOutcome::LocalOnly {
                detail: format!(
                    "revocation is switched off for this profile; {}",
                    manual_revoke_hint(token.as_ref())
                ),
            },
            (Some(token), Some(url)) => {
                let client = self.client(&cfg)?;
                let mut failures = Vec::new();
                if let Some(rt) = &token.refresh_token {
                    if let RevokeResult::Failed(why) =
                        oauth::revoke(&client.http, url, &client.auth, rt, "refresh_token").await
                    {
                        failures.push(format!("refresh token: {why}"));
                    }
                }
                if let RevokeResult::Failed(why) =
                    oauth::revoke(&client.http, url, &client.auth, &token.access_token, "access_token").await
                {
                    failures.push(format!("access token: {why}"));
                }
                if failures.is_empty() {
                    RevokeOutcome::Confirmed
                } else {
                    RevokeOutcome::NotConfirmed {
                        detail: format!("{}; {}", failures.join("; "), manual_revoke_hint(Some(token))),
                    }
                }
            }
        };
        let store = self.store.clone();
        let profile = name.to_string();
        let deleted = tokio::task::spawn_blocking(move || lock(&store).delete(&profile))
            .await
            .map_err(|_| err(ErrorCode::Internal, "the token store task failed"))?;
        {
            let mut st = lock(&self.state);
            let rt = st.profiles.entry(name.to_string()).or_default();
            rt.token = None;
            rt.unpersisted = None;
            rt.problem = None;
        }
        if let Err(e) = deleted {
            tracing::error!(profile = name, error = %e, "revoked, but the local copy could not be deleted");
            self.publish(name);
            return Err(err(
                ErrorCode::Storage,
                format!("the token was revoked remotely but could not be deleted from the store: {e}"),
            ));
        }
        tracing::info!(profile = name, event = "revoked", outcome = ?outcome, "profile revoked");
        self.emit(Event::Revoked {
            profile: name.to_string(),
            outcome: outcome.clone(),
        });
        self.publish(name);
        Ok(outcome)
    }

    // ----- time ---------------------------------------------------------

    /// Publish health changes that happen with time (valid → expiring →
    /// expired) and time out pending logins. Runs until shutdown.
    pub async fn watch_time(self: Arc<Self>) {
        // Wall-clock time is re-read at least this often, so a suspend or a
        // clock jump is noticed even when no timer fires.
        const MAX_SLEEP: i64 = 30;
        loop {
            let now = self.now();
            let expired = lock(&self.state).logins.expire(now);
            for login in expired {
                self.login_failed(
                    &login.profile,
                    "the login timed out before the browser approved it; start it again".to_string(),
                );
            }
            self.release_ports();
            let changed: Vec<String> = {
                let config = self.config();
                let st = lock(&self.state);
                config
                    .profiles
                    .values()
                    .filter(|cfg| {
                        let s = Self::status_locked(&st, cfg, self.storage_problem.as_deref(), now);
                        st.published.get(&cfg.name) != Some(&s.state)
                    })
                    .map(|cfg| cfg.name.clone())
                    .collect()
            };
            for name in changed {
                self.publish(&name);
            }
            let next = {
                let st = lock(&self.state);
                st.profiles
                    .values()
                    .filter_map(|rt| next_boundary(rt, now))
                    .chain(st.logins.next_expiry())
                    .min()
            };
            let secs = next.map(|t| (t - now).clamp(0, MAX_SLEEP)).unwrap_or(MAX_SLEEP);
            let pause = std::time::Duration::from_secs(secs as u64) + std::time::Duration::from_millis(50);
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = self.wake.notified() => {}
                _ = self.shutdown.cancelled() => break,
            }
        }
    }

    /// Stop accepting callbacks and tell waiting clients why.
    pub fn stop(&self) {
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

fn expired_message(name: &str) -> String {
    format!("the access token of profile {name} has expired; run `pdauth login {name}`")
}

/// Where to revoke by hand when the identity server did not confirm.
fn manual_revoke_hint(token: Option<&TokenRecord>) -> String {
    let account = token.and_then(|t| t.identity.account.as_ref());
    let host = match account.and_then(|a| a.subdomain.as_deref()) {
        Some(sub) => {
            let eu = account
                .and_then(|a| a.region.as_deref())
                .is_some_and(|r| identity::api_for_region(r) == Some(identity::PAGERDUTY_API_EU));
            format!("https://{sub}{}.pagerduty.com", if eu { ".eu" } else { "" })
        }
        None => "your PagerDuty web UI".to_string(),
    };
    format!(
        "to be sure, revoke the app's access in {host} under My Profile → User Settings (authorized applications), \
         or ask an account admin to revoke the app's tokens"
    )
}
