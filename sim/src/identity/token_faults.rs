//! Answers of the token endpoint for injected faults that replace normal processing:
//! errors with 200, HTML, empty and truncated bodies, redirects and bare statuses.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::token::decoy_body;
use crate::faults::TokenFault;
use crate::reply;
use crate::state::{AppState, Shared};

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The answer for a fault whose mode replaces processing; `None` for the modes that
/// process the request normally and only change the timing or shape of the answer.
pub fn respond(state: &AppState, fault: &TokenFault) -> Option<Response> {
    if fault.processes_normally() {
        return None;
    }
    Some(match fault {
        TokenFault::ErrorWith200 { error, description } => reply::no_store(reply::json(
            StatusCode::OK,
            &json!({"error": error, "error_description": description}),
        )),
        TokenFault::Status {
            status: code,
            error,
            description,
        } => reply::no_store(reply::json(
            status(*code),
            &json!({"error": error, "error_description": description}),
        )),
        TokenFault::Html { status: code } => {
            let page = format!(
                "<!DOCTYPE html>\n<html><head><title>{0} Error</title></head>\
                 <body><h1>{0} Error</h1><p>The server encountered a temporary error.</p></body></html>\n",
                code
            );
            let mut response = (status(*code), page).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            response
        }
        TokenFault::Empty { status: code } => {
            let mut response = status(*code).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(reply::JSON_CONTENT_TYPE));
            response
        }
        TokenFault::Truncated => {
            let body = decoy_body(state).to_string();
            let half = &body.as_bytes()[..body.len() / 2];
            reply::no_store(reply::raw_json(
                StatusCode::OK,
                String::from_utf8_lossy(half).into_owned(),
            ))
        }
        TokenFault::Redirect => (
            StatusCode::FOUND,
            [(header::LOCATION, HeaderValue::from_static("/oauth/token-moved"))],
        )
            .into_response(),
        TokenFault::ExpiresInString
        | TokenFault::NoRefreshToken
        | TokenFault::UppercaseBearer
        | TokenFault::Delay { .. }
        | TokenFault::DelayAfter { .. }
        | TokenFault::DropAfter { .. }
        | TokenFault::GarbledAfter => {
            return None;
        }
    })
}

/// `/oauth/token-moved`: where the `redirect` fault points. It answers with a success body
/// whose tokens do not work, so a client that follows redirects is caught.
pub async fn moved(axum::extract::State(state): axum::extract::State<Shared>) -> Response {
    state.lock().counters.token_moved_requests += 1;
    reply::no_store(reply::json(StatusCode::OK, &decoy_body(&state)))
}
