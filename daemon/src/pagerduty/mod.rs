//! PagerDuty's REST API v2: building request URLs that can only point under
//! the profile's API base, sending authenticated requests with the version
//! `Accept` header, and reading answers (status, rate-limit headers, JSON
//! body) within a size cap. Knows nothing about storage or refresh; the
//! rate budget and the typed models live in submodules.

pub mod budget;
pub mod models;
pub mod params;

use std::time::Duration;

use serde_json::Value;
use url::Url;

use crate::http::{BodyError, describe_reqwest, read_capped};
use crate::identity::ACCEPT_V2;

/// Largest API answer read.
pub const MAX_API_BODY: usize = 16 * 1024 * 1024;

/// Longest URL sent: servers refuse longer ones (and the HTTP stack cannot
/// send them), so it is said here rather than blamed on PagerDuty.
pub const MAX_URL: usize = 8 * 1024;

/// Why a request was not built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PathError(pub String);

/// `base` + `path` + `query`, refusing anything that would leave the base:
/// absolute URLs, `//host`, `..` segments (also percent-encoded), backslashes,
/// control characters, or a query or fragment smuggled into the path.
pub fn api_url(base: &str, path: &str, query: &[(String, String)]) -> Result<Url, PathError> {
    let base = Url::parse(base).map_err(|e| PathError(format!("the profile's API base is not a URL: {e}")))?;
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(PathError(
            "the path must start with a single '/', relative to the API base (e.g. /users/me)".into(),
        ));
    }
    if path
        .chars()
        .any(|c| c.is_control() || c == '\\' || c == '?' || c == '#' || c.is_whitespace())
    {
        return Err(PathError(
            "the path may not contain spaces, control characters, '\\\\', '?' or '#'".into(),
        ));
    }
    let decoded = percent_decode(path);
    if decoded.split('/').any(|seg| seg == ".." || seg == ".") || decoded.contains('\\') {
        return Err(PathError("the path may not contain '.' or '..' segments".into()));
    }
    let prefix = base.path().trim_end_matches('/');
    let mut url = base.clone();
    url.set_path(&format!("{prefix}{path}"));
    url.set_fragment(None);
    url.set_query(None);
    if !query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in query {
            pairs.append_pair(k, v);
        }
    }
    if url.origin() != base.origin() || !url.path().starts_with(prefix) {
        return Err(PathError("the path leaves the profile's API base".into()));
    }
    if url.as_str().len() > MAX_URL {
        return Err(PathError(format!(
            "the URL would be {} bytes, longer than the {MAX_URL} an API server accepts: shorten the path or the \
             query values",
            url.as_str().len()
        )));
    }
    Ok(url)
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// PagerDuty's rate-limit headers, when present.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimit {
    pub limit: Option<u32>,
    pub remaining: Option<u32>,
    pub reset: Option<Duration>,
}

/// A rate-limit header's number: `48`, also `48.5` (rounded up) or the
/// structured `960;w=60` / `960, 960;w=60` forms (the first number).
fn header_number(value: &str) -> Option<u64> {
    let first = value.split([',', ';']).next()?.trim();
    if let Ok(n) = first.parse::<u64>() {
        return Some(n);
    }
    let f = first.parse::<f64>().ok().filter(|f| f.is_finite() && *f >= 0.0)?;
    Some(f.ceil().min(u64::MAX as f64) as u64)
}

/// An answer from the REST API.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub rate: RateLimit,
    /// The JSON body; a non-JSON body becomes `{"raw": "<text>"}` (capped).
    pub body: Value,
}

/// One authenticated GET.
pub async fn get(http: &reqwest::Client, url: Url, token: &str) -> Result<ApiResponse, String> {
    send(http, reqwest::Method::GET, url, token, None).await
}

/// One authenticated request; a body is sent as JSON.
pub async fn send(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: Url,
    token: &str,
    body: Option<&Value>,
) -> Result<ApiResponse, String> {
    let mut request = http
        .request(method, url)
        .header(reqwest::header::ACCEPT, ACCEPT_V2)
        .bearer_auth(token);
    if let Some(body) = body {
        let bytes = serde_json::to_vec(body).map_err(|e| format!("cannot encode the request body: {e}"))?;
        request = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(bytes);
    }
    let resp = request
        .send()
        .await
        .map_err(|e| format!("PagerDuty API: {}", describe_reqwest(&e)))?;
    let status = resp.status().as_u16();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(header_number)
    };
    let rate = RateLimit {
        limit: header("ratelimit-limit").map(|v| v.min(u32::MAX as u64) as u32),
        remaining: header("ratelimit-remaining").map(|v| v.min(u32::MAX as u64) as u32),
        reset: header("ratelimit-reset").map(Duration::from_secs),
    };
    let bytes = match read_capped(resp, MAX_API_BODY).await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge) => return Err(format!("PagerDuty API answered more than {MAX_API_BODY} bytes")),
        Err(BodyError::Interrupted(why)) => return Err(format!("PagerDuty API answer interrupted: {why}")),
    };
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(v) => v,
        Err(_) if bytes.iter().all(u8::is_ascii_whitespace) => Value::Null,
        Err(_) => {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).into_owned();
            serde_json::json!({ "raw": pdauth_common::sanitize::for_terminal(&text) })
        }
    };
    Ok(ApiResponse { status, rate, body })
}

/// PagerDuty's error message and code from an error body, if any: the REST
/// shape `{"error": {"message", "code", "errors": [..]}}` (a code may come
/// as a string, an `errors` entry as an object with a `message`), the OAuth
/// shape `{"error": "invalid_token", "error_description": ".."}` that
/// PagerDuty's edge sends for some 401s, or a bare `{"message": ".."}`.
pub fn error_summary(body: &Value) -> Option<String> {
    let (message, code, errors) = match body.get("error") {
        Some(Value::Object(error)) => (
            error
                .get("message")
                .and_then(Value::as_str)
                .filter(|m| !m.trim().is_empty())
                .map(str::to_string),
            error.get("code"),
            error.get("errors"),
        ),
        Some(Value::String(error)) if !error.trim().is_empty() => {
            let text = match body.get("error_description").and_then(Value::as_str) {
                Some(d) if !d.trim().is_empty() => format!("{error}: {d}"),
                _ => error.clone(),
            };
            (Some(text), None, None)
        }
        _ => match body.get("message").and_then(Value::as_str) {
            Some(m) if !m.trim().is_empty() && body.get("error").is_none_or(Value::is_null) => {
                (Some(m.to_string()), body.get("code"), body.get("errors"))
            }
            _ => return None,
        },
    };
    let mut text = pdauth_common::sanitize::truncated(message.as_deref().unwrap_or("error"), 200);
    let code = match code {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    if let Some(code) = code {
        text.push_str(&format!(" (code {code})"));
    }
    if let Some(errors) = errors.and_then(Value::as_array) {
        let details: Vec<String> = errors
            .iter()
            .filter_map(|e| match e {
                Value::String(s) => Some(s.as_str()),
                other => other.get("message").and_then(Value::as_str),
            })
            .filter(|e| !e.trim().is_empty())
            .take(5)
            .map(|e| pdauth_common::sanitize::truncated(e, 120))
            .collect();
        if !details.is_empty() {
            text.push_str(&format!(": {}", details.join("; ")));
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://api.pagerduty.com";

    #[test]
    fn builds_urls_under_the_base() {
        let u = api_url(BASE, "/users/me", &[]).unwrap();
        assert_eq!(u.as_str(), "https://api.pagerduty.com/users/me");
        let q = vec![
            ("statuses[]".to_string(), "triggered".to_string()),
            ("limit".into(), "100".into()),
        ];
        let u = api_url(BASE, "/incidents", &q).unwrap();
        assert_eq!(
            u.as_str(),
            "https://api.pagerduty.com/incidents?statuses%5B%5D=triggered&limit=100"
        );
        let u = api_url("http://127.0.0.1:9/prefix/", "/users/me", &[]).unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:9/prefix/users/me");
    }

    #[test]
    fn refuses_to_leave_the_base() {
        for bad in [
            "https://evil.example.com/x",
            "//evil.example.com/x",
            "users/me",
            "/../admin",
            "/users/%2e%2e/%2E%2E/x",
            "/a/./b",
            "/users\\me",
            "/users/me?token=x",
            "/users/me#frag",
            "/users/\u{1b}[2J",
            "/users me",
            "@evil.example.com",
        ] {
            assert!(api_url(BASE, bad, &[]).is_err(), "{bad} was accepted");
        }
        // Too long to send: said here, not blamed on the server.
        let long = format!("/users/{}", "P".repeat(MAX_URL));
        assert!(api_url(BASE, &long, &[]).unwrap_err().0.contains("longer than"));
        let q = vec![("query".to_string(), "x".repeat(MAX_URL))];
        assert!(api_url(BASE, "/users", &q).is_err());
        let fits = vec![("query".to_string(), "x".repeat(MAX_URL / 2))];
        assert!(api_url(BASE, "/users", &fits).is_ok());
    }

    #[test]
    fn summarises_pagerduty_errors() {
        let body = serde_json::json!({"error": {"message": "Invalid Input Provided", "code": 2001, "errors": ["Limit must be <= 100"]}});
        assert_eq!(
            error_summary(&body).unwrap(),
            "Invalid Input Provided (code 2001): Limit must be <= 100"
        );
        assert!(error_summary(&serde_json::json!({"users": []})).is_none());
    }

    #[test]
    fn error_bodies_in_every_shape_pagerduty_sends() {
        use serde_json::json;
        // The documented example: no `errors`.
        assert_eq!(
            error_summary(&json!({"error": {"message": "Not Found", "code": 2100}})).unwrap(),
            "Not Found (code 2100)"
        );
        // A code as a string, details as objects, empty details dropped.
        let odd = json!({"error": {"message": "Invalid Input Provided", "code": "2001",
            "errors": [{"message": "Since must be before until"}, "", 7, "Limit must be <= 100"]}});
        assert_eq!(
            error_summary(&odd).unwrap(),
            "Invalid Input Provided (code 2001): Since must be before until; Limit must be <= 100"
        );
        // OAuth-style bodies from PagerDuty's edge.
        let oauth = json!({"error": "invalid_token", "error_description": "The access token expired"});
        assert_eq!(
            error_summary(&oauth).unwrap(),
            "invalid_token: The access token expired"
        );
        assert_eq!(
            error_summary(&json!({"error": "unauthorized"})).unwrap(),
            "unauthorized"
        );
        // A bare message, and a message-less error.
        assert_eq!(
            error_summary(&json!({"message": "Too Many Requests"})).unwrap(),
            "Too Many Requests"
        );
        assert_eq!(
            error_summary(&json!({"error": {"code": 2006}})).unwrap(),
            "error (code 2006)"
        );
        // Hostile text is cleaned and cut.
        let hostile = json!({"error": {"message": "\u{1b}]8;;https://evil\u{7}x", "errors": ["y".repeat(500)]}});
        let said = error_summary(&hostile).unwrap();
        assert!(!said.chars().any(char::is_control), "{said:?}");
        assert!(said.chars().count() < 340);
        for none in [
            json!(null),
            json!({"error": null}),
            json!({"error": ""}),
            json!({"incidents": []}),
            json!([]),
        ] {
            assert!(error_summary(&none).is_none(), "{none}");
        }
    }

    #[test]
    fn rate_headers_in_plain_and_structured_forms() {
        assert_eq!(header_number("960"), Some(960));
        assert_eq!(header_number(" 48 "), Some(48));
        assert_eq!(header_number("12.2"), Some(13));
        assert_eq!(header_number("960;w=60"), Some(960));
        assert_eq!(header_number("960, 960;w=60"), Some(960));
        for bad in ["", "soon", "-1", "NaN", "inf"] {
            assert_eq!(header_number(bad), None, "{bad}");
        }
    }
}
