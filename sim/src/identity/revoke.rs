//! `POST /oauth/revoke` (RFC 7009): 200 `{}` whether or not the token was known; a refresh
//! token takes its whole grant with it, an access token only itself.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::client_auth;
use super::oauth_error::OAuthError;
use crate::form::Params;
use crate::grants::WrongClient;
use crate::reply;
use crate::state::{AppState, Shared};

/// `POST /oauth/revoke`.
pub async fn revoke(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    match process(&state, &headers, body).await {
        Ok(()) => reply::no_store(reply::json(StatusCode::OK, &json!({}))),
        Err(error) => error.into_response(),
    }
}

async fn process(state: &AppState, headers: &HeaderMap, body: Body) -> Result<(), OAuthError> {
    let raw = reply::read_body(body)
        .await
        .map_err(|_| OAuthError::invalid_request("request body larger than 64 KiB or not received in time"))?;
    if !reply::is_form(headers) {
        return Err(OAuthError::invalid_request(
            "the revocation endpoint takes an application/x-www-form-urlencoded body",
        ));
    }
    let params = Params::parse(&raw).map_err(|e| OAuthError::invalid_request(format!("malformed form body: {e}")))?;
    if let Some(name) = params.first_duplicate() {
        return Err(OAuthError::invalid_request(format!(
            "parameter `{name}` was sent more than once"
        )));
    }
    let client = client_auth::authenticate(&state.clients, headers, &params)?;
    let token = params
        .single("token")
        .ok()
        .flatten()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    let mut inner = state.lock();
    match inner.auth.revoke(token, &client.id) {
        Ok(outcome) => {
            inner.counters.revocations += 1;
            tracing::debug!(?outcome, "revocation");
            Ok(())
        }
        Err(WrongClient) => Err(OAuthError::unauthorized_client(
            "the token was issued to another client",
        )),
    }
}
