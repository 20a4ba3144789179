//! Logins created without the browser dance, for `/_sim/mint`: each is a new grant with the
//! tokens a completed authorization-code exchange would have returned (same lifetimes, same
//! id_token claims), so a benchmark can set up thousands of logged-in profiles at once.

use serde::Deserialize;

use super::issue::{Issued, issue};
use super::scope;
use crate::state::AppState;

/// Most grants one request may create.
pub const MAX_MINT: u32 = 20_000;
/// Scope requested when the request names none.
const DEFAULT_SCOPE: &str = "read write";

/// The JSON body of `POST /_sim/mint`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MintRequest {
    /// A registered client.
    pub client_id: String,
    /// A seeded user (default: the first, the account owner).
    pub user_id: Option<String>,
    /// Requested scope, granted as authorization would grant it (default `read write`).
    pub scope: Option<String>,
    /// How many independent grants to create (default 1).
    pub count: Option<u32>,
}

/// Why minting failed.
#[derive(Debug, PartialEq, Eq)]
pub enum MintError {
    /// The request names an unknown client or user, or an out-of-range count.
    BadRequest(String),
    /// The sandbox could not issue tokens (the random number generator or signer failed).
    Server(String),
}

/// Creates the grants and issues their tokens. Grants created before a failure stay.
pub fn mint(state: &AppState, request: &MintRequest) -> Result<Vec<Issued>, MintError> {
    let count = request.count.unwrap_or(1);
    if !(1..=MAX_MINT).contains(&count) {
        return Err(MintError::BadRequest(format!(
            "`count` must be between 1 and {MAX_MINT}"
        )));
    }
    if state.clients.get(&request.client_id).is_none() {
        return Err(MintError::BadRequest(format!(
            "`{}` is not a registered client",
            request.client_id
        )));
    }
    let user_id = match &request.user_id {
        Some(id) if state.data.user(id).is_some() => id.clone(),
        Some(id) => return Err(MintError::BadRequest(format!("`{id}` is not a seeded user"))),
        None => match state.data.users.first() {
            Some(user) => user.id.clone(),
            None => return Err(MintError::Server("the sandbox account has no users".into())),
        },
    };
    let scope = scope::grant(Some(request.scope.as_deref().unwrap_or(DEFAULT_SCOPE)));
    let mut issued = Vec::with_capacity(count as usize);
    let mut failure = None;
    for _ in 0..count {
        let grant = state.lock().auth.create_grant(&request.client_id, &user_id, &scope);
        match issue(state, &grant, true) {
            Ok(tokens) => issued.push(tokens),
            Err(error) => {
                failure = Some(MintError::Server(error.description().to_owned()));
                break;
            }
        }
    }
    state.lock().counters.minted += issued.len() as u64;
    match failure {
        Some(error) => Err(error),
        None => Ok(issued),
    }
}
