//! Logins: starting one (or joining the one pending), cancelling, matching
//! the browser's callback, and the one code exchange that stores the tokens.

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use super::{Service, err, lock};
use crate::callback::CallbackPage;
use crate::identity;
use crate::login::{ListenKey, PendingLogin, Resolution, parse_callback_query};
use crate::oauth::{self, RevokeResult};
use crate::store::{Identity, NewTokens, TokenRecord};
use pdauth_common::{Actor, ErrorCode, Event, LoginInfo, UserSummary, WireError};

impl Service {
    /// Start a login, or return the one already pending for this profile.
    pub fn start_login(self: &Arc<Self>, name: &str, actor: Option<Actor>) -> Result<LoginInfo, WireError> {
        let cfg = self.profile_config(name)?;
        self.refuse_if_stopping()?;
        if let Some(problem) = &self.storage_problem {
            return Err(err(ErrorCode::Storage, format!("cannot log in: {problem}")));
        }
        // Fail now, not after the browser round trip, if the client is unusable.
        self.client(&cfg)?;
        let now = self.now();
        let ttl = self.config().daemon.login_timeout;
        if let Some(existing) = lock(&self.state).logins.get(name) {
            if existing.info.expires_at > now {
                return Ok(existing.info.clone());
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
        self.audit(name, "login_started", actor, None);
        self.emit(Event::LoginStarted { login: info.clone() });
        self.publish(name);
        Ok(info)
    }

    /// Abandon a pending login. Returns whether one was pending.
    pub fn cancel_login(&self, name: &str, actor: Option<Actor>) -> Result<bool, WireError> {
        self.profile_config(name)?;
        let removed = lock(&self.state).logins.remove(name);
        if removed.is_some() {
            self.audit(name, "login_cancelled", actor, None);
            // Every client waiting on it learns who ended it.
            let by = match actor {
                Some(Actor { uid, pid: Some(pid) }) => format!(" by a client (uid {uid}, pid {pid})"),
                Some(Actor { uid, pid: None }) => format!(" by a client (uid {uid})"),
                None => String::new(),
            };
            self.end_login(name, format!("login cancelled{by}"));
            self.release_ports();
        }
        Ok(removed.is_some())
    }

    pub(super) fn login_failed(&self, name: &str, message: String) {
        tracing::warn!(profile = name, event = "login_failed", reason = %message, "login failed");
        self.audit(name, "login_failed", None, Some(&message));
        self.end_login(name, message);
    }

    /// Tell clients a login is over without success (audited by the caller).
    fn end_login(&self, name: &str, message: String) {
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
    pub(super) fn release_ports(&self) {
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
            Resolution::Exchange {
                login,
                code,
                provisional,
            } => {
                let this = self.clone();
                // Spawned so that a browser closing the tab cannot cancel the
                // one and only exchange of this code.
                let task = self
                    .critical
                    .spawn(async move { this.complete_login(login, code, provisional).await });
                let result = task.await;
                self.release_ports();
                match result {
                    Ok(Ok(profile)) => CallbackPage::success(&profile),
                    _ => CallbackPage::failed(),
                }
            }
        }
    }

    async fn complete_login(
        self: Arc<Self>,
        login: PendingLogin,
        code: SecretString,
        provisional: bool,
    ) -> Result<String, ()> {
        let name = login.profile.clone();
        self.publish(&name);
        match self.exchange_and_store(&login, &code).await {
            Ok(()) if provisional && !lock(&self.state).logins.remove_original(&login) => {
                // The login ended (state-matched callback, cancel, timeout)
                // while this exchange ran; the tokens are stored all the same.
                tracing::info!(profile = %name, "a state-less callback completed a login that had already ended");
                self.replan(&name);
                self.publish(&name);
                Ok(name)
            }
            Ok(()) => {
                tracing::info!(profile = %name, event = "login_completed", "login completed");
                self.audit(&name, "login_completed", None, None);
                self.replan(&name);
                self.emit(Event::LoginCompleted { profile: name.clone() });
                self.publish(&name);
                Ok(name)
            }
            Err(message) if provisional => {
                // A callback without state proves nothing: the real login
                // stays pending and can still complete.
                tracing::warn!(profile = %name, reason = %message, "a callback without state failed its exchange; the login stays pending");
                self.audit(&name, "callback_rejected", None, Some(&message));
                Err(())
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
        let api_url = identity::api_base(cfg.api_url.as_deref(), claims.as_ref());
        let mut user = None;
        if let Some(api) = &api_url {
            match identity::fetch_me(&client.http, api, response.access_token.expose_secret()).await {
                Ok(u) => user = Some(u),
                Err(why) => tracing::warn!(profile = %cfg.name, reason = %why, "could not read the logged-in user"),
            }
        }
        if user.is_none() {
            let id = claims
                .as_ref()
                .and_then(|c| c.user_id.clone().or_else(|| c.sub.clone()));
            user = id.map(|id| UserSummary {
                id: Some(id),
                ..Default::default()
            });
        }
        let tokens = NewTokens {
            access_token: response.access_token.clone(),
            refresh_token: response.refresh_token.clone(),
            token_type: response.token_type.clone(),
            scopes: response.scope.clone().unwrap_or_else(|| cfg.scopes.clone()),
            obtained_at: now,
            expires_at: Some(now + response.expires_in as i64),
            identity: Identity {
                account: claims.as_ref().map(|c| c.account()),
                user,
                api_url,
            },
        };
        let to_save = tokens.clone();
        let profile = cfg.name.clone();
        let saved = self
            .with_storage(move |s| s.save_login(&profile, &to_save, now))
            .await
            .map_err(|e| e.message)?;
        let (version, unpersisted) = match saved {
            Ok(version) => (version, None),
            Err(e) => {
                tracing::error!(profile = %cfg.name, error = %e, "new tokens could not be stored; keeping them in memory");
                self.audit(&cfg.name, "unpersisted", None, Some(&e.to_string()));
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
            last_refresh: None,
            problem: None,
        };
        let replaced = {
            let mut st = lock(&self.state);
            let rt = st.profiles.entry(cfg.name.clone()).or_default();
            let replaced = rt.token.take();
            *rt = crate::health::ProfileRuntime {
                token: Some(record),
                unpersisted,
                generation: rt.generation + 1,
                ..Default::default()
            };
            // A server may answer a second login with the same grant's
            // tokens: revoking "the old ones" would end the new login too.
            let new = rt.token.as_ref();
            let same =
                |a: &SecretString, b: Option<&SecretString>| b.is_some_and(|b| a.expose_secret() == b.expose_secret());
            replaced.filter(|old| {
                let shared = same(&old.access_token, new.map(|n| &n.access_token))
                    || old
                        .refresh_token
                        .as_ref()
                        .is_some_and(|r| same(r, new.and_then(|n| n.refresh_token.as_ref())));
                if shared {
                    tracing::info!(
                        profile = %cfg.name,
                        "the new login's tokens include the previous login's: nothing to revoke"
                    );
                }
                !shared
            })
        };
        if let (Some(old), Some(url)) = (replaced, cfg.revoke_url.clone()) {
            // A new login supersedes the old grant; left alone it would stay
            // valid at PagerDuty with nobody holding it.
            let name = cfg.name.clone();
            let audit = self.audit_sink();
            self.tasks.spawn(async move {
                let mut failures = Vec::new();
                if let Some(rt) = &old.refresh_token {
                    if let RevokeResult::Failed(why) =
                        oauth::revoke(&client.http, &url, &client.auth, rt, "refresh_token").await
                    {
                        failures.push(why);
                    }
                }
                if let RevokeResult::Failed(why) =
                    oauth::revoke(&client.http, &url, &client.auth, &old.access_token, "access_token").await
                {
                    failures.push(why);
                }
                let detail = if failures.is_empty() {
                    "the tokens of the previous login were revoked".to_string()
                } else {
                    format!(
                        "revoking the tokens of the previous login was not confirmed: {}",
                        failures.join("; ")
                    )
                };
                audit(&name, "replaced_revoked", &detail);
            });
        }
        Ok(())
    }
}
