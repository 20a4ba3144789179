//! PagerDuty REST error bodies: `{"error": {"message", "code"}}` with PagerDuty's
//! numeric codes (2001 invalid input, 2006 authentication failed, 2020 rate limit, 2100 not
//! found, ...); invalid input also lists what was wrong in `errors`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::reply;

/// A REST API error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    code: u32,
    errors: Vec<String>,
}

impl ApiError {
    /// An error with PagerDuty's code for `status`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            code: code_for(status),
            errors: Vec::new(),
        }
    }

    /// 400, code 2001: a parameter is malformed or not allowed; `detail` goes into `errors`.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self {
            errors: vec![detail.into()],
            ..Self::new(StatusCode::BAD_REQUEST, "Invalid Input Provided")
        }
    }

    /// 401: missing, unknown, expired or revoked credentials.
    pub fn authentication_failed() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Authentication failed")
    }

    /// 404: no such path or object.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found")
    }

    /// 405: the path exists, the method does not.
    pub fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
    }

    /// 429: the token's budget for this minute is spent.
    pub fn rate_limited() -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "Rate Limit Exceeded")
    }
}

/// PagerDuty's error code for an HTTP status.
fn code_for(status: StatusCode) -> u32 {
    match status.as_u16() {
        400 | 405 => 2001,
        401 => 2006,
        403 => 2010,
        404 => 2100,
        429 => 2020,
        _ => 2000,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({"message": self.message, "code": self.code});
        if !self.errors.is_empty() {
            error["errors"] = json!(self.errors);
        }
        reply::json(self.status, &json!({ "error": error }))
    }
}

/// Router-wide fallback for a method a route does not serve.
pub async fn method_not_allowed() -> Response {
    ApiError::method_not_allowed().into_response()
}
