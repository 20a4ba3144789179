//! Handing out access tokens (refreshing first when one is due) and
//! revocation: remote first (refresh token, then access token), local
//! deletion whatever the remote answer, and an honest report of both.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;

use super::refresh::Trigger;
use super::{Service, err, lock};
use crate::health::{Problem, refresh_due_at};
use crate::identity;
use crate::oauth::{self, RevokeResult};
use crate::store::TokenRecord;
use pdauth_common::{Actor, ErrorCode, Event, RevokeOutcome, WireError};

/// An access token handed to a client.
pub struct IssuedToken {
    pub access_token: SecretString,
    pub token_type: String,
    pub expires_at: Option<i64>,
    /// The token's generation, for a later "this one was rejected".
    pub generation: u64,
    pub api_url: Option<String>,
}

impl Service {
    /// The profile's access token for a client, audited.
    pub async fn token(self: &Arc<Self>, name: &str, actor: Option<Actor>) -> Result<IssuedToken, WireError> {
        let issued = self.usable_token(name).await?;
        self.audit(name, "token_issued", actor, None);
        Ok(issued)
    }

    /// A usable access token: refreshed first when it is inside its refresh
    /// window (and no retries are already scheduled) or expired.
    pub(crate) async fn usable_token(self: &Arc<Self>, name: &str) -> Result<IssuedToken, WireError> {
        self.profile_config(name)?;
        let now = self.now();
        let wanted = {
            let st = lock(&self.state);
            st.profiles.get(name).and_then(|rt| {
                let token = rt.token.as_ref()?;
                if rt.problem.is_some() || token.refresh_token.is_none() {
                    return None;
                }
                let expired = token.expires_at.is_some_and(|at| now >= at);
                let due = token
                    .expires_at
                    .is_some_and(|at| now >= refresh_due_at(token.obtained_at, at));
                (expired || (due && rt.retry.is_none())).then_some(rt.generation)
            })
        };
        if let Some(seen) = wanted {
            let limit = self.config().daemon.request_timeout + Duration::from_secs(5);
            let _ = tokio::time::timeout(limit, self.refresh(name, Trigger::Demand { seen })).await;
        }
        self.current_token(name)
    }

    /// The cached access token if it can be used right now.
    pub(crate) fn current_token(&self, name: &str) -> Result<IssuedToken, WireError> {
        let now = self.now();
        let st = lock(&self.state);
        let rt = st.profiles.get(name);
        if let Some(Problem::NeedsLogin(why)) = rt.and_then(|rt| rt.problem.as_ref()) {
            return Err(err(
                ErrorCode::NeedsLogin,
                format!("profile {name} needs a new login: {why}; run `pdauth login {name}`"),
            ));
        }
        let Some((rt, token)) = rt.and_then(|rt| rt.token.as_ref().map(|t| (rt, t))) else {
            if let Some(problem) = self.no_token_for_storage(name) {
                return Err(err(ErrorCode::Storage, problem));
            }
            return Err(err(
                ErrorCode::NeedsLogin,
                format!("profile {name} is not logged in; run `pdauth login {name}`"),
            ));
        };
        if token.expires_at.is_some_and(|at| now >= at) {
            // Only a missing refresh is a login matter; a failing one is not.
            return Err(match (&rt.problem, &rt.retry) {
                (Some(Problem::Error(why)), _) => err(
                    ErrorCode::Config,
                    format!("the access token of profile {name} has expired and cannot be refreshed: {why}"),
                ),
                (_, Some(retry)) => err(
                    ErrorCode::Upstream,
                    format!(
                        "the access token of profile {name} has expired and refreshing fails ({}); the next attempt is in {}s",
                        retry.last_error,
                        (retry.next_attempt_at - now).max(0)
                    ),
                ),
                _ if token.refresh_token.is_some() => err(
                    ErrorCode::Upstream,
                    format!(
                        "the access token of profile {name} has expired and a refresh is on its way; try again shortly"
                    ),
                ),
                _ => err(
                    ErrorCode::NeedsLogin,
                    format!("the access token of profile {name} has expired; run `pdauth login {name}`"),
                ),
            });
        }
        Ok(IssuedToken {
            access_token: token.access_token.clone(),
            token_type: token.token_type.clone(),
            expires_at: token.expires_at,
            generation: rt.generation,
            api_url: token.identity.api_url.clone(),
        })
    }

    /// Refresh on request (joins a refresh already in flight).
    pub async fn refresh_now(
        self: &Arc<Self>,
        name: &str,
        actor: Option<Actor>,
    ) -> Result<pdauth_common::ProfileStatus, WireError> {
        self.profile_config(name)?;
        let seen = lock(&self.state).profiles.get(name).map_or(0, |rt| rt.generation);
        self.refresh(name, Trigger::Manual { actor, seen })
            .await
            .map_err(|e| e.into_wire(name))?;
        self.status(name)
    }

    /// Revoke at the identity server (refresh token first, then access
    /// token) and delete locally whatever the remote answer. A refresh in
    /// flight finishes first (same lock), so it cannot resurrect the profile.
    pub async fn revoke(&self, name: &str, actor: Option<Actor>) -> Result<RevokeOutcome, WireError> {
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
        let profile = name.to_string();
        let deleted = self.with_storage(move |s| s.delete(&profile)).await?;
        {
            let mut st = lock(&self.state);
            let rt = st.profiles.entry(name.to_string()).or_default();
            let generation = rt.generation + 1;
            *rt = crate::health::ProfileRuntime {
                generation,
                ..Default::default()
            };
        }
        self.replan(name);
        if let Err(e) = deleted {
            tracing::error!(profile = name, error = %e, "revoked, but the local copy could not be deleted");
            self.audit(name, "revoked", actor, Some(&format!("local deletion failed: {e}")));
            self.publish(name);
            return Err(err(
                ErrorCode::Storage,
                format!("the token was revoked remotely but could not be deleted from the store: {e}"),
            ));
        }
        let detail = match &outcome {
            RevokeOutcome::Confirmed => "confirmed by the identity server".to_string(),
            RevokeOutcome::NotConfirmed { detail } => format!("not confirmed: {detail}"),
            RevokeOutcome::LocalOnly { detail } => format!("local only: {detail}"),
        };
        tracing::info!(profile = name, event = "revoked", outcome = %detail, "profile revoked");
        self.audit(name, "revoked", actor, Some(&detail));
        self.emit(Event::Revoked {
            profile: name.to_string(),
            outcome: outcome.clone(),
        });
        self.publish(name);
        Ok(outcome)
    }
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
