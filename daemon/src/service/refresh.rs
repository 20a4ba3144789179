//! Refreshing a profile's tokens under the rotation rules: one refresh at a
//! time per profile (later callers reuse its result), the intent recorded
//! before the request, the new pair committed in one transaction before
//! anyone uses it, kept in memory if the commit fails, `invalid_grant`
//! resolved against the store, transient failures retried with backoff.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use pdauth_common::{Actor, ErrorCode, RefreshResult, RetryInfo, WireError};

use super::{Service, err, lock};
use crate::health::{Problem, ProfileRuntime};
use crate::oauth::{self, TokenError};
use crate::refresh::{Executor, backoff, plan_at};
use crate::store::{CommitError, NewTokens, TokenRecord};

/// After a refresh that got no answer, the retry waits until this long
/// before the access token expires.
const UNANSWERED_RETRY_LEAD: i64 = 60;

/// Why a refresh is attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The scheduler's plan came due.
    Planned,
    /// A client asked for it; `seen` is the generation it saw (a refresh that
    /// completes meanwhile answers it).
    Manual { actor: Option<Actor>, seen: u64 },
    /// A client needs a usable access token; `seen` is the generation it saw.
    Demand { seen: u64 },
    /// PagerDuty answered 401 to the access token of generation `seen`.
    Unauthorized { seen: u64 },
}

impl Trigger {
    /// The client behind a refresh it asked for.
    pub fn actor(self) -> Option<Actor> {
        match self {
            Trigger::Manual { actor, .. } => actor,
            _ => None,
        }
    }
}

/// How a refresh ended, when it did not produce new tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshError {
    NoToken,
    NoRefreshToken,
    NeedsLogin(String),
    /// The OAuth client is rejected: configuration, not a login.
    Config(String),
    Storage(String),
    Failed(String),
}

impl RefreshError {
    pub fn into_wire(self, name: &str) -> WireError {
        match self {
            RefreshError::NoToken => err(
                ErrorCode::NeedsLogin,
                format!("profile {name} is not logged in; run `pdauth login {name}`"),
            ),
            RefreshError::NoRefreshToken => err(
                ErrorCode::NeedsLogin,
                format!("profile {name} has no refresh token; log in again when the access token expires"),
            ),
            RefreshError::NeedsLogin(why) => err(
                ErrorCode::NeedsLogin,
                format!("profile {name} needs a new login: {why}; run `pdauth login {name}`"),
            ),
            RefreshError::Config(why) => err(ErrorCode::Config, why),
            RefreshError::Storage(why) => err(ErrorCode::Storage, why),
            RefreshError::Failed(why) => err(ErrorCode::Upstream, format!("the refresh failed: {why}")),
        }
    }
}

impl Executor for Service {
    fn execute(self: Arc<Self>, profile: String) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            let _ = self.refresh(&profile, Trigger::Planned).await;
        })
    }
}

impl Service {
    /// Work out when the scheduler should next act for `name`, and tell it.
    pub(crate) fn replan(&self, name: &str) {
        let configured = self.config().profiles.contains_key(name);
        let keepalive = self.config().daemon.keepalive.as_secs() as i64;
        let now = self.now();
        let at = {
            let mut st = lock(&self.state);
            let Some(rt) = st.profiles.get_mut(name) else {
                drop(st);
                lock(&self.planner).cancel(name);
                return;
            };
            let at = plan_for(&mut *rt, configured, now, keepalive);
            rt.next_refresh_at = at;
            at
        };
        {
            let mut planner = lock(&self.planner);
            match at {
                Some(at) => planner.plan(name, at),
                None => planner.cancel(name),
            }
        }
        self.plan_wake.notify_one();
    }

    /// Refresh `name` now (or reuse a refresh that happened meanwhile).
    pub async fn refresh(self: &Arc<Self>, name: &str, trigger: Trigger) -> Result<(), RefreshError> {
        // The whole refresh (request and commit) is critical work: neither a
        // caller going away nor shutdown may cut it in half.
        let this = self.clone();
        let profile = name.to_string();
        let result = self
            .critical
            .spawn(async move { this.refresh_locked(&profile, trigger).await })
            .await
            .unwrap_or_else(|_| Err(RefreshError::Failed("the refresh task failed".into())));
        self.replan(name);
        self.publish(name);
        result
    }

    async fn refresh_locked(self: &Arc<Self>, name: &str, trigger: Trigger) -> Result<(), RefreshError> {
        let cfg = self.profile_config(name).map_err(|e| RefreshError::Failed(e.message))?;
        let guard = self.profile_lock(name);
        let _held = guard.lock().await;
        let now = self.now();
        let rt = lock(&self.state).profiles.get(name).cloned().unwrap_or_default();
        let Some(mut record) = rt.token.clone() else {
            return Err(self
                .no_token_for_storage(name)
                .map_or(RefreshError::NoToken, RefreshError::Storage));
        };
        match &rt.problem {
            Some(Problem::NeedsLogin(why)) => return Err(RefreshError::NeedsLogin(why.clone())),
            // A rejected client is retried only when someone asks.
            Some(Problem::Error(why)) if !matches!(trigger, Trigger::Manual { .. }) => {
                return Err(RefreshError::Config(why.clone()));
            }
            _ => {}
        }
        match trigger {
            // A plan that was replaced (e.g. by a refresh on demand) is stale.
            Trigger::Planned if rt.next_refresh_at.is_some_and(|t| t > now) => return Ok(()),
            // Someone refreshed while this caller waited for the lock.
            Trigger::Demand { seen } | Trigger::Unauthorized { seen } | Trigger::Manual { seen, .. }
                if rt.generation != seen =>
            {
                return Ok(());
            }
            // Retries are scheduled: a caller that needs a token waits for
            // them instead of hammering the identity server.
            Trigger::Demand { .. } if rt.retry.as_ref().is_some_and(|r| r.next_attempt_at > now) => return Ok(()),
            _ => {}
        }
        if rt.unpersisted.is_some() {
            // Rule: never rotate again before the last rotation is saved.
            record = self.persist_pending(name, &record).await?;
            if trigger == Trigger::Planned && !self.refresh_due(&record, now) {
                return Ok(());
            }
        }
        let Some(refresh_token) = record.refresh_token.clone() else {
            return Err(RefreshError::NoRefreshToken);
        };
        let client = self.client(&cfg).map_err(|e| RefreshError::Failed(e.message))?;
        self.set_refreshing(name, true);

        // Durable intent before the request; no intent, no request.
        let (version, at) = (record.version, now);
        let profile = name.to_string();
        let intent = self.with_storage(move |s| s.record_intent(&profile, version, at)).await;
        let intent_error = match intent {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(e) => Some(e.message),
        };
        if let Some(why) = intent_error {
            let message = format!(
                "the refresh was not sent because its intent could not be saved ({why}); the current access token keeps serving"
            );
            tracing::error!(profile = name, event = "refresh_failed", reason = %message, "refresh not sent");
            self.note_failure(name, &message, false, now, trigger.actor()).await;
            return Err(RefreshError::Storage(message));
        }

        let outcome = oauth::refresh(&client.http, &cfg.token_url, &client.auth, &refresh_token).await;
        let now = self.now();
        match outcome {
            Ok(response) => {
                let tokens = NewTokens {
                    access_token: response.access_token,
                    refresh_token: response.refresh_token,
                    token_type: response.token_type,
                    scopes: response.scope.unwrap_or_else(|| record.scopes.clone()),
                    obtained_at: now,
                    expires_at: Some(now + response.expires_in as i64),
                    identity: record.identity.clone(),
                };
                self.commit(name, record, tokens, now, trigger.actor()).await;
                Ok(())
            }
            Err(e) if e.is_invalid_grant() => self.on_invalid_grant(name, &record, trigger, rt.interrupted, &e).await,
            Err(e) if e.is_invalid_client() => {
                let why = format!(
                    "the identity server rejected the OAuth client ({e}); fix client_id or the client secret, then restart pdauthd"
                );
                self.note_failure(name, &why, true, now, trigger.actor()).await;
                let mut st = lock(&self.state);
                if let Some(rt) = st.profiles.get_mut(name) {
                    rt.problem = Some(Problem::Error(why.clone()));
                    rt.retry = None;
                }
                Err(RefreshError::Config(why))
            }
            Err(e) => {
                let why = e.to_string();
                tracing::warn!(profile = name, event = "refresh_failed", reason = %why, "refresh failed; will retry");
                if !e.answered() {
                    // The identity server may have rotated the token without
                    // us seeing the answer; the next attempt may find it spent.
                    if let Some(rt) = lock(&self.state).profiles.get_mut(name) {
                        rt.unanswered = true;
                    }
                }
                self.note_failure(name, &why, e.answered(), now, trigger.actor()).await;
                Err(RefreshError::Failed(why))
            }
        }
    }

    /// Before exiting: one more attempt to save tokens held only in memory;
    /// say loudly which could not be saved, since they are lost with the
    /// process and their profiles will need a new login.
    pub async fn save_before_exit(self: &Arc<Self>) {
        let pending: Vec<(String, TokenRecord)> = lock(&self.state)
            .profiles
            .iter()
            .filter(|(_, rt)| rt.unpersisted.is_some())
            .filter_map(|(name, rt)| rt.token.clone().map(|t| (name.clone(), t)))
            .collect();
        for (name, record) in pending {
            let guard = self.profile_lock(&name);
            let _held = guard.lock().await;
            match self.persist_pending(&name, &record).await {
                Ok(_) => tracing::info!(profile = %name, "tokens held in memory were saved before exiting"),
                Err(e) => tracing::error!(
                    profile = %name,
                    error = ?e,
                    "tokens held in memory could not be saved before exiting; this profile will need a new login"
                ),
            }
        }
    }

    fn refresh_due(&self, record: &TokenRecord, now: i64) -> bool {
        record
            .expires_at
            .is_some_and(|at| now >= crate::health::refresh_due_at(record.obtained_at, at))
    }

    fn set_refreshing(&self, name: &str, on: bool) {
        if let Some(rt) = lock(&self.state).profiles.get_mut(name) {
            rt.refreshing = on;
        }
        self.publish(name);
    }

    /// Save tokens that exist only in memory. Returns the stored record.
    async fn persist_pending(&self, name: &str, record: &TokenRecord) -> Result<TokenRecord, RefreshError> {
        let now = self.now();
        let tokens = NewTokens::from_record(record);
        let (profile, version) = (name.to_string(), record.version);
        let result = self
            .with_storage(move |s| {
                if version == 0 {
                    s.save_login(&profile, &tokens, now).map_err(CommitError::from)
                } else {
                    s.commit_refresh(&profile, version, &tokens, now)
                }
            })
            .await
            .map_err(|e| RefreshError::Storage(e.message))?;
        match result {
            Ok(new_version) => {
                let mut saved = record.clone();
                saved.version = new_version;
                saved.refresh_intent_at = None;
                let mut st = lock(&self.state);
                if let Some(rt) = st.profiles.get_mut(name) {
                    rt.token = Some(saved.clone());
                    rt.unpersisted = None;
                    rt.retry = None;
                }
                drop(st);
                tracing::info!(profile = name, "tokens held in memory are now saved");
                self.audit(name, "persisted", None, None);
                Ok(saved)
            }
            Err(e) => {
                let why = format!("new tokens are held in memory only; saving them failed again: {e}");
                self.schedule_retry(name, &why, now);
                Err(RefreshError::Storage(why))
            }
        }
    }

    /// Commit a rotated pair; if the store refuses, the pair stays in memory
    /// as the truth (never the old refresh token) and saving is retried.
    async fn commit(&self, name: &str, old: TokenRecord, tokens: NewTokens, now: i64, actor: Option<Actor>) {
        let to_store = tokens.clone();
        let (profile, version) = (name.to_string(), old.version);
        let committed = match self
            .with_storage(move |s| s.commit_refresh(&profile, version, &to_store, now))
            .await
        {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(e.message),
        };
        let refresh_token = tokens.refresh_token.clone().or(old.refresh_token.clone());
        let mut record = TokenRecord {
            access_token: tokens.access_token,
            refresh_token,
            token_type: tokens.token_type,
            scopes: tokens.scopes,
            obtained_at: tokens.obtained_at,
            expires_at: tokens.expires_at,
            last_refresh: Some(RefreshResult {
                at: now,
                ok: true,
                message: "refreshed".into(),
            }),
            refresh_intent_at: None,
            problem: None,
            ..old
        };
        let unpersisted = match committed {
            Ok(v) => {
                record.version = v;
                None
            }
            Err(why) => {
                tracing::error!(profile = name, error = %why, "refreshed tokens could not be saved; keeping them in memory");
                self.audit(name, "unpersisted", None, Some(&why));
                Some(format!(
                    "refreshed tokens are held in memory only (saving failed: {why}); retrying"
                ))
            }
        };
        {
            let mut st = lock(&self.state);
            let rt = st.profiles.entry(name.to_string()).or_default();
            rt.token = Some(record);
            rt.unpersisted = unpersisted.clone();
            rt.retry = None;
            rt.refreshing = false;
            rt.interrupted = false;
            rt.unanswered = false;
            rt.problem = None;
            rt.generation += 1;
            // Plan afresh for the new token.
            rt.token_plan = None;
        }
        if let Some(why) = unpersisted {
            self.schedule_retry(name, &why, now);
        }
        tracing::info!(profile = name, event = "refresh_ok", "tokens refreshed");
        self.audit(name, "refresh_ok", actor, None);
    }

    /// `invalid_grant`: the refresh token we sent is dead. If the store
    /// holds a newer one, use it; otherwise only a login helps.
    async fn on_invalid_grant(
        &self,
        name: &str,
        sent: &TokenRecord,
        trigger: Trigger,
        interrupted: bool,
        error: &TokenError,
    ) -> Result<(), RefreshError> {
        let profile = name.to_string();
        let stored = self.with_storage(move |s| s.load(&profile)).await;
        if let Ok(Ok(Some(Ok(row)))) = stored {
            if row.version > sent.version {
                tracing::info!(profile = name, "a newer refresh token was stored meanwhile; using it");
                let mut st = lock(&self.state);
                if let Some(rt) = st.profiles.get_mut(name) {
                    rt.token = Some(row);
                    rt.refreshing = false;
                    rt.generation += 1;
                    rt.token_plan = None;
                }
                return Ok(());
            }
        }
        let unanswered = lock(&self.state).profiles.get(name).is_some_and(|rt| rt.unanswered);
        let code = error.brief();
        let why = if interrupted {
            "the previous refresh was interrupted (crash or power loss) after PagerDuty rotated the token, so the new \
             token was lost"
                .to_string()
        } else if unanswered {
            format!(
                "an earlier refresh got no usable answer and PagerDuty had rotated the token meanwhile, so the new token was \
                 lost ({code})"
            )
        } else if matches!(trigger, Trigger::Unauthorized { .. }) {
            // The server's description tells an expired grant from a revoked one.
            let what = if code.to_ascii_lowercase().contains("expire") {
                "the login expired"
            } else {
                "revoked remotely"
            };
            format!("{what}: PagerDuty rejected the access token and then the refresh token ({code})")
        } else {
            format!("the refresh token was rejected: it was revoked, expired or already used ({code})")
        };
        let now = self.now();
        let (profile, reason, message) = (name.to_string(), why.clone(), error.to_string());
        self.store_logged(name, "that the profile needs a login", move |s| {
            s.record_refresh_failure(&profile, now, &message, true)?;
            s.set_problem(&profile, Some(&reason), now)
        })
        .await;
        {
            let mut st = lock(&self.state);
            if let Some(rt) = st.profiles.get_mut(name) {
                rt.problem = Some(Problem::NeedsLogin(why.clone()));
                rt.refreshing = false;
                rt.retry = None;
                rt.interrupted = false;
                rt.unanswered = false;
                if let Some(t) = rt.token.as_mut() {
                    t.last_refresh = Some(RefreshResult {
                        at: now,
                        ok: false,
                        message: error.to_string(),
                    });
                }
            }
        }
        tracing::warn!(profile = name, event = "needs_login", reason = %why, "profile needs a new login");
        self.audit(name, "needs_login", None, Some(&why));
        Err(RefreshError::NeedsLogin(why))
    }

    /// Record a failed attempt (memory and store) and schedule the retry.
    async fn note_failure(&self, name: &str, why: &str, clear_intent: bool, now: i64, actor: Option<Actor>) {
        let (profile, message) = (name.to_string(), why.to_string());
        self.store_logged(name, "the failed refresh", move |s| {
            s.record_refresh_failure(&profile, now, &message, clear_intent)
        })
        .await;
        if let Some(t) = lock(&self.state)
            .profiles
            .get_mut(name)
            .and_then(|rt| rt.token.as_mut())
        {
            t.last_refresh = Some(RefreshResult {
                at: now,
                ok: false,
                message: why.to_string(),
            });
        }
        self.audit(name, "refresh_failed", actor, Some(why));
        self.schedule_retry(name, why, now);
    }

    fn schedule_retry(&self, name: &str, why: &str, now: i64) {
        let mut st = lock(&self.state);
        if let Some(rt) = st.profiles.get_mut(name) {
            let attempts = rt.retry.as_ref().map_or(0, |r| r.attempts) + 1;
            let delay = backoff(attempts, &mut rand::thread_rng()).as_secs().max(1) as i64;
            let mut next = now + delay;
            if rt.unanswered {
                // If the last attempt was applied unseen, the next one will
                // find the refresh token spent and end the grant: keep the
                // live access token serving until shortly before it expires.
                if let Some(expires) = rt.token.as_ref().and_then(|t| t.expires_at) {
                    next = next.max(expires - UNANSWERED_RETRY_LEAD);
                }
            }
            rt.retry = Some(RetryInfo {
                attempts,
                last_error: why.to_string(),
                next_attempt_at: next,
            });
            rt.refreshing = false;
        }
    }
}

/// When the scheduler should next act for a profile: a pending save or retry
/// first, an interrupted refresh at once, else the plan for its token.
fn plan_for(rt: &mut ProfileRuntime, configured: bool, now: i64, keepalive: i64) -> Option<i64> {
    if !configured || rt.problem.is_some() {
        return None;
    }
    let token = rt.token.as_ref()?;
    if let Some(retry) = &rt.retry {
        return Some(retry.next_attempt_at);
    }
    if rt.unpersisted.is_some() {
        return Some(now + 1);
    }
    token.refresh_token.as_ref()?;
    if rt.interrupted {
        return Some(now);
    }
    let (obtained, expires) = (token.obtained_at, token.expires_at);
    Some(
        *rt.token_plan
            .get_or_insert_with(|| plan_at(obtained, expires, keepalive, &mut rand::thread_rng())),
    )
}
