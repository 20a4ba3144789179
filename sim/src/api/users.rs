//! The users resource: `GET /users/me` and the JSON shape of a user.

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Caller;
use super::errors::ApiError;
use super::links::Links;
use crate::data::{Dataset, User};
use crate::reply;
use crate::state::Shared;

/// `GET /users/me`: the token's user. No scope is required.
pub async fn me(State(state): State<Shared>, Extension(caller): Extension<Caller>) -> Response {
    match state.data.user(&caller.user_id) {
        Some(user) => reply::json(
            StatusCode::OK,
            &json!({ "user": render(&Links::new(&state), &state.data, user) }),
        ),
        None => ApiError::not_found().into_response(),
    }
}

/// A full user object.
pub fn render(links: &Links<'_>, data: &Dataset, user: &User) -> Value {
    let path = format!("/users/{}", user.id);
    let teams: Vec<Value> = data
        .teams_of(user)
        .map(|team| {
            let team_path = format!("/teams/{}", team.id);
            links.reference("team_reference", &team.id, &team.name, &team_path, Some(&team_path))
        })
        .collect();
    let contact_methods: Vec<Value> = user
        .contact_methods
        .iter()
        .map(|method| {
            let api_path = format!("{path}/contact_methods/{}", method.id);
            links.reference(method.kind.reference_type(), &method.id, &method.label, &api_path, None)
        })
        .collect();
    json!({
        "id": user.id,
        "type": "user",
        "summary": user.name,
        "self": links.api(&path),
        "html_url": links.web(&path),
        "name": user.name,
        "email": user.email,
        "role": user.role.as_str(),
        "job_title": user.job_title,
        "time_zone": user.time_zone,
        "color": user.color,
        "avatar_url": avatar_url(&user.email),
        "description": user.description,
        "teams": teams,
        "contact_methods": contact_methods,
        "notification_rules": [],
        "invitation_sent": false,
    })
}

/// Gravatar URL for an e-mail address (SHA-256 form).
fn avatar_url(email: &str) -> String {
    let digest = Sha256::digest(email.trim().to_lowercase().as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("https://secure.gravatar.com/avatar/{hex}?d=mm&r=PG")
}
