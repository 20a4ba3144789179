//! Issuing tokens under a grant: fresh token strings, the id_token and recording them with
//! the configured lifetimes. Shared by the token endpoint and `/_sim/mint`, so a minted
//! login is indistinguishable from one completed through the browser.

use serde_json::json;

use super::oauth_error::OAuthError;
use crate::grants::{GrantInfo, Lifetimes};
use crate::random;
use crate::state::AppState;

/// Tokens issued by one successful exchange.
pub struct Issued {
    /// The new access token.
    pub access_token: String,
    /// The new refresh token (absent when a fault suppressed it).
    pub refresh_token: Option<String>,
    /// Granted scope.
    pub scope: String,
    /// Signed id_token.
    pub id_token: String,
}

/// Mints tokens for a grant and records them. Nothing awaits here: once this returns, the
/// tokens exist whatever happens to the request that asked for them.
pub fn issue(state: &AppState, grant: &GrantInfo, with_refresh: bool) -> Result<Issued, OAuthError> {
    let (access_token, refresh_token) = random::token_pair(state.data.account.region.token_prefix())
        .map_err(|e| OAuthError::server_error(e.to_string()))?;
    let id_token = id_token(state, &grant.user_id, &grant.client_id)?;
    let refresh_token = with_refresh.then_some(refresh_token);
    let lifetimes = Lifetimes {
        access: state.access_ttl,
        refresh: state.refresh_ttl,
    };
    state.lock().auth.record_tokens(
        grant.grant_id,
        access_token.clone(),
        refresh_token.clone(),
        state.clock.now(),
        lifetimes,
    );
    Ok(Issued {
        access_token,
        refresh_token,
        scope: grant.scope.clone(),
        id_token,
    })
}

/// The signed id_token for `user_id` issued to `client_id`.
pub fn id_token(state: &AppState, user_id: &str, client_id: &str) -> Result<String, OAuthError> {
    let now = state.clock.unix_seconds();
    let account = &state.data.account;
    let claims = json!({
        "iss": format!("{}/global/oauth/anonymous", state.base_url),
        "aud": [client_id, state.base_url],
        "sub": user_id,
        "user_id": user_id,
        "account_id": account.id,
        "subdomain": account.subdomain,
        "region": state.data.account.region.claim(),
        "iat": now,
        "exp": now + state.access_ttl.as_secs(),
    });
    state
        .signer
        .sign(&claims)
        .map_err(|e| OAuthError::server_error(e.to_string()))
}
