//! Response builders shared by every endpoint: JSON with PagerDuty's content type, HTML
//! pages with a strict policy, `no-store` caching headers, and bounded body reading.

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// Content type of every JSON response.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";
/// Largest request body read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Longest time a client may take to send a request body.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A JSON response.
pub fn json(status: StatusCode, body: &Value) -> Response {
    raw_json(status, body.to_string())
}

/// A response with an already serialized JSON body.
pub fn raw_json(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE))],
        body,
    )
        .into_response()
}

/// Marks a response as not to be cached (OAuth responses and consent pages).
pub fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// A self-contained HTML page: no scripts, no external resources, not cached.
pub fn html(status: StatusCode, page: String) -> Response {
    let mut response = (status, page).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    no_store(response)
}

/// A request body larger than [`MAX_BODY_BYTES`], too slow, or broken mid-read.
#[derive(Debug)]
pub struct BodyTooLarge;

/// Reads a whole request body, refusing more than [`MAX_BODY_BYTES`] (at once when the
/// declared length is too large) and bodies that take longer than [`BODY_TIMEOUT`].
pub async fn read_body(body: Body) -> Result<Bytes, BodyTooLarge> {
    if usize::try_from(body.size_hint().lower()).map_or(true, |declared| declared > MAX_BODY_BYTES) {
        return Err(BodyTooLarge);
    }
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) | Err(_) => Err(BodyTooLarge),
    }
}

/// Whether the request's content type is `application/x-www-form-urlencoded`.
pub fn is_form(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}
