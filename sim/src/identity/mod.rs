//! The identity endpoints PagerDuty serves at `identity.pagerduty.com`: authorize (consent
//! page and decision), token, revoke and the id_token JWKS; and the token minting behind
//! the `/_sim/mint` hook, which shares their issuance code.

mod authorize;
mod client_auth;
mod issue;
mod mint;
mod oauth_error;
mod pages;
mod revoke;
mod scope;
mod token;
mod token_faults;

pub use mint::{MintError, MintRequest, mint};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{any, get, post};

use crate::reply;
use crate::state::Shared;

/// Routes of the identity endpoints.
pub fn router() -> Router<Shared> {
    Router::new()
        .route("/oauth/authorize", get(authorize::show).post(authorize::decide))
        .route("/oauth/token", post(token::token))
        .route("/oauth/token-moved", any(token_faults::moved))
        .route("/oauth/revoke", post(revoke::revoke))
        .route("/global/oauth/anonymous/jwks", get(jwks))
}

/// `GET /global/oauth/anonymous/jwks`.
async fn jwks(State(state): State<Shared>) -> Response {
    reply::json(StatusCode::OK, &state.signer.jwks())
}
