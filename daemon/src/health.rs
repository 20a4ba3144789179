//! Turning what the daemon knows about a profile into the one health state
//! clients show: pure functions of the cached token, the pending login, any
//! problem on record, and the time.

use crate::config::ProfileConfig;
use crate::store::TokenRecord;
use pdauth_common::{LoginInfo, ProfileStatus, RetryInfo, TokenState};

/// A refresh is due this long before expiry at the latest.
pub const REFRESH_LEAD_SECS: i64 = 600;

/// When the refresh window opens: at 80 % of the lifetime or 10 minutes
/// before expiry, whichever is earlier, but never before half the lifetime
/// (a 60-second token is refreshed after 30 seconds, not at once).
pub fn refresh_due_at(obtained_at: i64, expires_at: i64) -> i64 {
    let lifetime = (expires_at - obtained_at).max(0);
    let at_80 = obtained_at + lifetime * 8 / 10;
    let at_half = obtained_at + lifetime / 2;
    at_80.min(expires_at - REFRESH_LEAD_SECS).max(at_half)
}

/// Something the daemon knows is wrong with a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Only a new login helps.
    NeedsLogin(String),
    /// A login will not help until an admin fixes something (key, config).
    Error(String),
}

/// The daemon's runtime view of one profile.
#[derive(Debug, Clone, Default)]
pub struct ProfileRuntime {
    /// The truth about the profile's tokens (what the store holds, or newer
    /// tokens the store failed to take).
    pub token: Option<TokenRecord>,
    /// The token could not be written to the store; it lives in memory only.
    pub unpersisted: Option<String>,
    pub problem: Option<Problem>,
    /// Why the last login attempt failed, shown while logged out.
    pub last_login_error: Option<String>,
    /// A refresh is in flight.
    pub refreshing: bool,
    /// Refreshes are failing and being retried.
    pub retry: Option<RetryInfo>,
    /// When the scheduler will next act for this profile.
    pub next_refresh_at: Option<i64>,
    /// The jittered refresh time chosen for the current token (kept so the
    /// plan does not move every time it is recomputed; reset with the token).
    pub token_plan: Option<i64>,
    /// The store showed a refresh that was sent but never concluded.
    pub interrupted: bool,
    /// The last refresh got no answer: it may have been applied unseen.
    pub unanswered: bool,
    /// Bumped whenever `token` changes, so a caller can tell whether someone
    /// else refreshed since it looked.
    pub generation: u64,
}

/// Compute a profile's status.
pub fn status_of(
    config: &ProfileConfig,
    rt: &ProfileRuntime,
    login: Option<&LoginInfo>,
    storage_problem: Option<&str>,
    now: i64,
) -> ProfileStatus {
    let mut s = ProfileStatus::logged_out(&config.name);
    s.scopes_requested = config.scopes.clone();
    s.api_url = config
        .api_url
        .as_ref()
        .map(|u| u.as_str().trim_end_matches('/').to_string());
    if let Some(token) = &rt.token {
        s.account = token.identity.account.clone();
        s.user = token.identity.user.clone();
        s.scopes_granted = token.scopes.clone();
        s.scopes_missing = config
            .scopes
            .iter()
            .filter(|want| !token.scopes.contains(want))
            .cloned()
            .collect();
        s.obtained_at = Some(token.obtained_at);
        s.expires_at = token.expires_at;
        if token.identity.api_url.is_some() {
            s.api_url = token.identity.api_url.clone();
        }
    }
    s.login = login.cloned();
    s.has_refresh_token = rt.token.as_ref().is_some_and(|t| t.refresh_token.is_some());
    s.next_refresh_at = rt.next_refresh_at.filter(|_| rt.problem.is_none());
    s.last_refresh = rt.token.as_ref().and_then(|t| t.last_refresh.clone());
    s.retry = rt.retry.clone();
    let (state, reason) = if login.is_some() {
        (TokenState::LoginPending, None)
    } else if let Some(problem) = &rt.problem {
        match problem {
            Problem::NeedsLogin(why) => (TokenState::NeedsLogin, Some(why.clone())),
            Problem::Error(why) => (TokenState::Error, Some(why.clone())),
        }
    } else if let Some(token) = &rt.token {
        let expired = token.expires_at.is_some_and(|at| now >= at);
        if rt.refreshing {
            let why = rt
                .interrupted
                .then(|| "checking a refresh that was interrupted".to_string());
            (TokenState::Refreshing, why)
        } else if expired
            && rt.retry.is_none()
            && token.refresh_token.is_some()
            && rt.next_refresh_at.is_some_and(|t| t <= now)
        {
            // Due and waiting for one of the refresh slots.
            (TokenState::Refreshing, Some("a refresh is queued".to_string()))
        } else if expired {
            match &rt.retry {
                Some(retry) => (
                    TokenState::RefreshFailing,
                    Some(format!(
                        "the access token has expired and refreshing fails: {}",
                        retry.last_error
                    )),
                ),
                None => (TokenState::Expired, Some("the access token has expired".to_string())),
            }
        } else if let Some(why) = &rt.unpersisted {
            (TokenState::Unpersisted, Some(why.clone()))
        } else if let Some(retry) = &rt.retry {
            (TokenState::RefreshFailing, Some(retry.last_error.clone()))
        } else if rt.interrupted {
            let state = if token
                .expires_at
                .is_some_and(|at| now >= refresh_due_at(token.obtained_at, at))
            {
                TokenState::Expiring
            } else {
                TokenState::Valid
            };
            (
                state,
                Some("the previous refresh was interrupted; it is being checked".to_string()),
            )
        } else if token
            .expires_at
            .is_some_and(|at| now >= refresh_due_at(token.obtained_at, at))
        {
            (TokenState::Expiring, None)
        } else {
            (TokenState::Valid, None)
        }
    } else if let Some(why) = storage_problem {
        (TokenState::Error, Some(why.to_string()))
    } else {
        (TokenState::LoggedOut, rt.last_login_error.clone())
    };
    s.state = state;
    s.reason = reason;
    s
}

/// The next moment at which `status_of` may give a different answer without
/// anything else happening.
pub fn next_boundary(rt: &ProfileRuntime, now: i64) -> Option<i64> {
    let token = rt.token.as_ref()?;
    let expires = token.expires_at?;
    [refresh_due_at(token.obtained_at, expires), expires]
        .into_iter()
        .filter(|t| *t > now)
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::store::Identity;
    use secrecy::SecretString;
    use std::path::Path;

    fn config() -> ProfileConfig {
        let text = "[profiles.w]\nclient_id = \"c\"\nscopes = [\"read\", \"write\"]\n";
        Config::parse(text, Path::new("c.toml"))
            .unwrap()
            .profiles
            .remove("w")
            .unwrap()
    }

    fn token(obtained: i64, expires: i64) -> TokenRecord {
        TokenRecord {
            profile: "w".into(),
            access_token: SecretString::from("a"),
            refresh_token: None,
            token_type: "bearer".into(),
            scopes: vec!["openid".into(), "read".into()],
            obtained_at: obtained,
            expires_at: Some(expires),
            identity: Identity::default(),
            version: 1,
            refresh_intent_at: None,
            last_refresh: None,
            problem: None,
        }
    }

    #[test]
    fn refresh_window() {
        // One hour: 80 % (48 min) is earlier than 10 minutes before expiry.
        assert_eq!(refresh_due_at(0, 3600), 2880);
        // Thirty minutes: 10 minutes before expiry is earlier.
        assert_eq!(refresh_due_at(0, 1800), 1200);
        // One minute: never before half the lifetime.
        assert_eq!(refresh_due_at(0, 60), 30);
        assert_eq!(refresh_due_at(1000, 1060), 1030);
        // Thirty days: 80 %.
        assert_eq!(refresh_due_at(0, 30 * 86400), 24 * 86400);
    }

    #[test]
    fn states_over_time() {
        let cfg = config();
        let mut rt = ProfileRuntime {
            token: Some(token(0, 3600)),
            ..Default::default()
        };
        let at = |rt: &ProfileRuntime, now| status_of(&cfg, rt, None, None, now);
        assert_eq!(at(&rt, 10).state, TokenState::Valid);
        assert_eq!(at(&rt, 2879).state, TokenState::Valid);
        assert_eq!(at(&rt, 2880).state, TokenState::Expiring);
        assert_eq!(at(&rt, 3600).state, TokenState::Expired);
        assert_eq!(at(&rt, 10).scopes_missing, vec!["write"]);
        assert_eq!(next_boundary(&rt, 10), Some(2880));
        assert_eq!(next_boundary(&rt, 2880), Some(3600));
        assert_eq!(next_boundary(&rt, 3600), None);
        rt.unpersisted = Some("disk full".into());
        assert_eq!(at(&rt, 10).state, TokenState::Unpersisted);
        rt.problem = Some(Problem::NeedsLogin("refresh token rejected".into()));
        let s = at(&rt, 10);
        assert_eq!(s.state, TokenState::NeedsLogin);
        assert_eq!(s.reason.as_deref(), Some("refresh token rejected"));
    }

    #[test]
    fn pending_login_and_storage_problems() {
        let cfg = config();
        let rt = ProfileRuntime::default();
        assert_eq!(status_of(&cfg, &rt, None, None, 0).state, TokenState::LoggedOut);
        let s = status_of(&cfg, &rt, None, Some("no key"), 0);
        assert_eq!((s.state, s.reason.as_deref()), (TokenState::Error, Some("no key")));
        let login = LoginInfo {
            profile: "w".into(),
            authorize_url: "u".into(),
            redirect_uri: "r".into(),
            started_at: 0,
            expires_at: 300,
        };
        assert_eq!(
            status_of(&cfg, &rt, Some(&login), None, 0).state,
            TokenState::LoginPending
        );
        let failed = ProfileRuntime {
            last_login_error: Some("denied".into()),
            ..Default::default()
        };
        assert_eq!(
            status_of(&cfg, &failed, None, None, 0).reason.as_deref(),
            Some("denied")
        );
    }
}
