//! Injected faults: what a test can ask the token endpoint or the REST API to do wrong on
//! the next N requests, how such a request is parsed from JSON, and the FIFO queues that
//! hold them. Applying a fault is the endpoints' business.

use std::collections::VecDeque;

use serde::Deserialize;

/// Longest accepted `delay_ms`.
pub const MAX_DELAY_MS: u64 = 120_000;
/// Most repetitions of one fault.
pub const MAX_TIMES: u32 = 10_000;

/// A fault for the token endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenFault {
    /// HTTP 200 carrying an OAuth error body.
    ErrorWith200 { error: String, description: String },
    /// An HTML page with the given status.
    Html { status: u16 },
    /// An empty body with the given status.
    Empty { status: u16 },
    /// HTTP 200 with a success body cut in half.
    Truncated,
    /// Normal processing, `expires_in` sent as a string.
    ExpiresInString,
    /// Normal processing, no `refresh_token` in the answer (and no rotation).
    NoRefreshToken,
    /// Normal processing, `token_type` sent as `Bearer`.
    UppercaseBearer,
    /// Sleep, then normal processing.
    Delay { ms: u64 },
    /// Normal processing (committed at once), then sleep before answering.
    DelayAfter { ms: u64 },
    /// Normal processing (committed at once), then sleep (possibly zero) and close the
    /// connection without any HTTP answer.
    DropAfter { ms: u64 },
    /// Normal processing (committed at once), then a success answer cut in half: a
    /// proxy or server that applied the request but garbled what it sent back.
    GarbledAfter,
    /// A 302 to `/oauth/token-moved`.
    Redirect,
    /// The given status with an OAuth error body.
    Status {
        status: u16,
        error: String,
        description: String,
    },
}

impl TokenFault {
    /// Whether the request is otherwise processed normally (codes and tokens are consumed).
    pub fn processes_normally(&self) -> bool {
        matches!(
            self,
            Self::ExpiresInString
                | Self::NoRefreshToken
                | Self::UppercaseBearer
                | Self::Delay { .. }
                | Self::DelayAfter { .. }
                | Self::DropAfter { .. }
                | Self::GarbledAfter
        )
    }
}

/// A fault for the REST API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiFault {
    /// 401 with an HTML body.
    Html401,
    /// The given status with a PagerDuty error body.
    Status { status: u16, message: String },
    /// 429 without headers or body.
    TooManyWithoutHeaders,
    /// Sleep, then normal processing.
    Delay { ms: u64 },
}

/// The JSON body of `POST /_sim/faults/{token,api}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRequest {
    /// Fault mode name.
    pub mode: String,
    /// How many requests it applies to (default 1).
    pub times: Option<u32>,
    /// Delay for `delay` and `delay_after` (required) and `drop_after` (default 0).
    pub delay_ms: Option<u64>,
    /// HTTP status for `html`, `empty` and `status`.
    pub status: Option<u16>,
    /// OAuth error code (token faults) or error message (API faults).
    pub error: Option<String>,
    /// OAuth `error_description`.
    pub error_description: Option<String>,
    /// API faults only: the request path it applies to (`/incidents/Q1/alerts`),
    /// or a path prefix ending in `*` (`/incidents/*`); other requests pass it by.
    pub path: Option<String>,
}

impl FaultRequest {
    /// Validated repetition count.
    pub fn times(&self) -> Result<u32, String> {
        match self.times.unwrap_or(1) {
            0 => Err("`times` must be at least 1".into()),
            n if n > MAX_TIMES => Err(format!("`times` must be at most {MAX_TIMES}")),
            n => Ok(n),
        }
    }

    fn status_or(&self, default: u16) -> Result<u16, String> {
        match self.status.unwrap_or(default) {
            s @ 200..=599 => Ok(s),
            s => Err(format!("`status` {s} is not between 200 and 599")),
        }
    }

    fn delay(&self) -> Result<u64, String> {
        match self.delay_ms {
            None => Err(format!("mode `{}` needs `delay_ms`", self.mode)),
            Some(ms) if ms > MAX_DELAY_MS => Err(format!("`delay_ms` must be at most {MAX_DELAY_MS}")),
            Some(ms) => Ok(ms),
        }
    }

    fn text(value: &Option<String>, default: &str, field: &str) -> Result<String, String> {
        let text = value.clone().unwrap_or_else(|| default.to_owned());
        if text.len() > 512 || text.chars().any(char::is_control) {
            return Err(format!(
                "`{field}` must be at most 512 characters without control characters"
            ));
        }
        Ok(text)
    }

    /// The validated `path` of an API fault.
    pub fn path(&self) -> Result<Option<String>, String> {
        match &self.path {
            None => Ok(None),
            Some(p) if p.starts_with('/') && p.len() <= 512 && !p.chars().any(char::is_control) => Ok(Some(p.clone())),
            Some(_) => Err("`path` must start with / and be at most 512 characters without control characters".into()),
        }
    }

    /// Interprets the request as a token-endpoint fault.
    pub fn token_fault(&self) -> Result<TokenFault, String> {
        if self.path.is_some() {
            return Err("`path` applies to API faults only".into());
        }
        let error = |default: &str| Self::text(&self.error, default, "error");
        let description = || {
            Self::text(
                &self.error_description,
                "injected by the PagerDuty sandbox",
                "error_description",
            )
        };
        Ok(match self.mode.as_str() {
            "error_with_200" => TokenFault::ErrorWith200 {
                error: error("invalid_grant")?,
                description: description()?,
            },
            "html" => TokenFault::Html {
                status: self.status_or(502)?,
            },
            "empty" => TokenFault::Empty {
                status: self.status_or(200)?,
            },
            "truncated" => TokenFault::Truncated,
            "expires_in_string" => TokenFault::ExpiresInString,
            "no_refresh_token" => TokenFault::NoRefreshToken,
            "uppercase_bearer" => TokenFault::UppercaseBearer,
            "delay" => TokenFault::Delay { ms: self.delay()? },
            "delay_after" => TokenFault::DelayAfter { ms: self.delay()? },
            "drop_after" => TokenFault::DropAfter {
                ms: if self.delay_ms.is_some() { self.delay()? } else { 0 },
            },
            "redirect" => TokenFault::Redirect,
            "garbled_after" => TokenFault::GarbledAfter,
            "status" => TokenFault::Status {
                status: self.status_or(503)?,
                error: error("temporarily_unavailable")?,
                description: description()?,
            },
            other => {
                return Err(format!(
                    "unknown token fault mode `{other}`; expected one of error_with_200, html, empty, truncated, \
                     expires_in_string, no_refresh_token, uppercase_bearer, delay, delay_after, drop_after, \
                     garbled_after, redirect, status"
                ));
            }
        })
    }

    /// Interprets the request as a REST API fault.
    pub fn api_fault(&self) -> Result<ApiFault, String> {
        Ok(match self.mode.as_str() {
            "html_401" => ApiFault::Html401,
            "status" => {
                let status = self.status_or(500)?;
                ApiFault::Status {
                    status,
                    message: Self::text(&self.error, default_message(status), "error")?,
                }
            }
            "429_no_headers" => ApiFault::TooManyWithoutHeaders,
            "delay" => ApiFault::Delay { ms: self.delay()? },
            other => {
                return Err(format!(
                    "unknown API fault mode `{other}`; expected one of html_401, status, 429_no_headers, delay"
                ));
            }
        })
    }
}

/// PagerDuty-like message for an injected status.
fn default_message(status: u16) -> &'static str {
    match status {
        400 => "Invalid Input Provided",
        401 => "Authentication failed",
        403 => "Access Denied",
        404 => "Not Found",
        429 => "Rate Limit Exceeded",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Internal Server Error",
    }
}

/// Faults waiting for requests, oldest first; each applies to its next `times` requests
/// (of its path, when it has one).
#[derive(Debug)]
pub struct FaultQueue<F> {
    queue: VecDeque<(F, u32, Option<String>)>,
}

/// Whether a fault for `scope` applies to a request for `path`.
fn applies(scope: Option<&str>, path: &str) -> bool {
    match scope {
        None => true,
        Some(scope) => match scope.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => scope == path,
        },
    }
}

impl<F> Default for FaultQueue<F> {
    fn default() -> Self {
        Self { queue: VecDeque::new() }
    }
}

impl<F: Clone> FaultQueue<F> {
    /// Queues `fault` for the next `times` requests after those already queued.
    pub fn push(&mut self, fault: F, times: u32) {
        self.push_for(fault, times, None);
    }

    /// Queues `fault` for the next `times` requests of `path` (see
    /// [`FaultRequest::path`]), or of any path.
    pub fn push_for(&mut self, fault: F, times: u32, path: Option<String>) {
        self.queue.push_back((fault, times, path));
    }

    /// The fault for the current request, if any.
    pub fn take(&mut self) -> Option<F> {
        self.take_for("")
    }

    /// The fault for the current request of `path`: the oldest that applies to it.
    pub fn take_for(&mut self, path: &str) -> Option<F> {
        let at = self
            .queue
            .iter()
            .position(|(_, _, scope)| applies(scope.as_deref(), path))?;
        let (fault, remaining, _) = &mut self.queue[at];
        let fault = fault.clone();
        *remaining -= 1;
        if *remaining == 0 {
            self.queue.remove(at);
        }
        Some(fault)
    }

    /// Requests still to be faulted.
    pub fn pending(&self) -> u64 {
        self.queue.iter().map(|(_, n, _)| u64::from(*n)).sum()
    }

    /// Drops everything; returns how many requests would still have been faulted.
    pub fn clear(&mut self) -> u64 {
        let pending = self.pending();
        self.queue.clear();
        pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(json: &str) -> FaultRequest {
        serde_json::from_str(json).expect("valid request")
    }

    #[test]
    fn parses_modes_with_defaults() {
        assert_eq!(
            request(r#"{"mode":"html"}"#).token_fault(),
            Ok(TokenFault::Html { status: 502 })
        );
        assert_eq!(
            request(r#"{"mode":"empty"}"#).token_fault(),
            Ok(TokenFault::Empty { status: 200 })
        );
        assert!(matches!(
            request(r#"{"mode":"status","status":400,"error":"invalid_client"}"#).token_fault(),
            Ok(TokenFault::Status { status: 400, ref error, .. }) if error == "invalid_client"
        ));
        assert_eq!(
            request(r#"{"mode":"429_no_headers"}"#).api_fault(),
            Ok(ApiFault::TooManyWithoutHeaders)
        );
        assert!(request(r#"{"mode":"delay"}"#).token_fault().is_err());
        assert!(request(r#"{"mode":"delay_after"}"#).token_fault().is_err());
        assert_eq!(
            request(r#"{"mode":"delay_after","delay_ms":250}"#).token_fault(),
            Ok(TokenFault::DelayAfter { ms: 250 })
        );
        assert_eq!(
            request(r#"{"mode":"drop_after"}"#).token_fault(),
            Ok(TokenFault::DropAfter { ms: 0 })
        );
        assert_eq!(
            request(r#"{"mode":"drop_after","delay_ms":40}"#).token_fault(),
            Ok(TokenFault::DropAfter { ms: 40 })
        );
        assert!(
            request(r#"{"mode":"drop_after","delay_ms":999999}"#)
                .token_fault()
                .is_err()
        );
        assert!(request(r#"{"mode":"bogus"}"#).token_fault().is_err());
        assert!(request(r#"{"mode":"html","status":99}"#).token_fault().is_err());
        assert!(request(r#"{"mode":"html","times":0}"#).times().is_err());
        assert!(serde_json::from_str::<FaultRequest>(r#"{"mode":"html","extra":1}"#).is_err());
    }

    #[test]
    fn queue_applies_each_fault_times_in_order() {
        let mut queue = FaultQueue::default();
        queue.push("a", 2);
        queue.push("b", 1);
        assert_eq!(queue.pending(), 3);
        assert_eq!(queue.take(), Some("a"));
        assert_eq!(queue.take(), Some("a"));
        assert_eq!(queue.take(), Some("b"));
        assert_eq!(queue.take(), None);
        queue.push("c", 5);
        assert_eq!(queue.clear(), 5);
        assert_eq!(queue.take(), None);
    }

    #[test]
    fn a_fault_with_a_path_waits_for_a_request_of_that_path() {
        let mut queue = FaultQueue::default();
        queue.push_for("alerts", 1, Some("/incidents/Q1/alerts".into()));
        queue.push_for("any incident", 2, Some("/incidents/*".into()));
        queue.push("anything", 1);
        assert_eq!(queue.take_for("/users/me"), Some("anything"));
        assert_eq!(queue.take_for("/users/me"), None, "the others wait");
        assert_eq!(queue.take_for("/incidents/Q1/notes"), Some("any incident"));
        assert_eq!(queue.take_for("/incidents/Q1/alerts"), Some("alerts"));
        assert_eq!(queue.take_for("/incidents/Q1/alerts"), Some("any incident"));
        assert_eq!(queue.take_for("/incidents/Q1/alerts"), None);
        assert_eq!(queue.pending(), 0);

        let scoped = request(r#"{"mode":"status","status":403,"path":"/incidents/*"}"#);
        assert_eq!(scoped.path(), Ok(Some("/incidents/*".into())));
        assert!(request(r#"{"mode":"status","path":"incidents"}"#).path().is_err());
        assert!(
            request(r#"{"mode":"html","path":"/oauth/token"}"#)
                .token_fault()
                .is_err()
        );
    }
}
