//! REST API calls on behalf of clients: the token is added here, a 401 leads
//! to one single-flight refresh and one retry, then to "needs login" with
//! the reason. Rate limits are reported, never treated as auth errors.

use std::sync::Arc;

use secrecy::ExposeSecret;
use serde_json::Value;

use super::refresh::{RefreshError, Trigger};
use super::{Service, err, lock};
use crate::health::Problem;
use crate::pagerduty::{self, ApiResponse};
use pdauth_common::{Actor, ErrorCode, WireError};

impl Service {
    /// `GET path?query` against the profile's API.
    pub async fn api_get(
        self: &Arc<Self>,
        name: &str,
        path: &str,
        query: &[(String, String)],
        _actor: Option<Actor>,
    ) -> Result<(u16, Value), WireError> {
        let cfg = self.profile_config(name)?;
        let token = self.usable_token(name).await?;
        let base = token
            .api_url
            .clone()
            .or_else(|| cfg.api_url.as_ref().map(|u| u.to_string()))
            .ok_or_else(|| {
                err(
                    ErrorCode::Config,
                    format!("profile {name}: the account's region is unknown; set api_url in the profile"),
                )
            })?;
        let url = pagerduty::api_url(&base, path, query).map_err(|e| err(ErrorCode::InvalidRequest, e.0))?;
        let client = self.client(&cfg)?;
        let first = pagerduty::get(&client.http, url.clone(), token.access_token.expose_secret())
            .await
            .map_err(|e| err(ErrorCode::Upstream, e))?;
        if first.status != 401 {
            return answer(first);
        }
        // Any 401 means the token is no good, whatever the clock says.
        tracing::info!(profile = name, "PagerDuty answered 401; refreshing once");
        match self
            .refresh(name, Trigger::Unauthorized { seen: token.generation })
            .await
        {
            Ok(()) => {}
            Err(RefreshError::NeedsLogin(why)) => return Err(RefreshError::NeedsLogin(why).into_wire(name)),
            Err(RefreshError::NoRefreshToken) => {
                let why = "PagerDuty rejected the access token (401) and there is no refresh token";
                self.mark_needs_login(name, why).await;
                return Err(RefreshError::NeedsLogin(why.into()).into_wire(name));
            }
            Err(other) => {
                return Err(err(
                    ErrorCode::Upstream,
                    format!(
                        "PagerDuty rejected the access token (401) and the refresh failed: {}",
                        other.into_wire(name)
                    ),
                ));
            }
        }
        let fresh = self.current_token(name)?;
        let second = pagerduty::get(&client.http, url, fresh.access_token.expose_secret())
            .await
            .map_err(|e| err(ErrorCode::Upstream, e))?;
        if second.status == 401 {
            let why = "PagerDuty rejected a freshly refreshed token (401): the grant was revoked remotely";
            self.mark_needs_login(name, why).await;
            return Err(RefreshError::NeedsLogin(why.into()).into_wire(name));
        }
        answer(second)
    }

    /// Record that only a new login can help this profile.
    async fn mark_needs_login(&self, name: &str, why: &str) {
        let guard = self.profile_lock(name);
        let _held = guard.lock().await;
        let now = self.now();
        let (profile, reason) = (name.to_string(), why.to_string());
        self.store_logged(name, "that the profile needs a login", move |s| {
            s.set_problem(&profile, Some(&reason), now)
        })
        .await;
        if let Some(rt) = lock(&self.state).profiles.get_mut(name) {
            rt.problem = Some(Problem::NeedsLogin(why.to_string()));
            rt.retry = None;
        }
        tracing::warn!(
            profile = name,
            event = "needs_login",
            reason = why,
            "profile needs a new login"
        );
        self.audit(name, "needs_login", None, Some(why));
        drop(_held);
        self.replan(name);
        self.publish(name);
    }
}

fn answer(resp: ApiResponse) -> Result<(u16, Value), WireError> {
    if resp.status == 429 {
        let wait = resp
            .rate
            .reset
            .map(|d| format!("; try again in {}s", d.as_secs()))
            .unwrap_or_default();
        return Err(err(
            ErrorCode::RateLimited,
            format!("PagerDuty's rate limit is in force{wait}"),
        ));
    }
    Ok((resp.status, resp.body))
}
