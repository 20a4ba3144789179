//! The one path every PagerDuty REST request of a profile takes: its rate
//! budget, the send, 429s waited out and retried, 5xx and transport
//! failures retried for GETs, a 401 answered by one single-flight refresh
//! and one retry (then "needs login"), and PagerDuty's errors turned into
//! wire errors that say what to do. Counts requests and budget waits for
//! [`FetchMeta`](pdauth_common::browse::FetchMeta).

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use secrecy::ExposeSecret;
use serde_json::Value;

use super::refresh::{RefreshError, Trigger};
use super::{Service, err, lock};
use crate::health::Problem;
use crate::pagerduty::budget::RateBudget;
use crate::pagerduty::{self, ApiResponse, error_summary};
use pdauth_common::browse::FetchMeta;
use pdauth_common::{ErrorCode, Event, WireError};

/// 429s waited out before giving up.
const RATE_RETRIES: u32 = 4;
/// 5xx answers or transport failures of a GET retried before giving up.
const FAILURE_RETRIES: u32 = 3;
/// First pause before retrying a failed GET (doubling).
const FAILURE_BACKOFF: Duration = Duration::from_millis(500);

/// What answering one client request cost.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cost {
    pub requests: u32,
    pub waited_ms: u64,
}

impl Cost {
    pub fn add(&mut self, other: Cost) {
        self.requests = self.requests.saturating_add(other.requests);
        self.waited_ms = self.waited_ms.saturating_add(other.waited_ms);
    }
}

/// One REST call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub body: Option<&'a Value>,
}

impl<'a> Call<'a> {
    pub fn get(path: &'a str, query: &'a [(String, String)]) -> Self {
        Call {
            method: &Method::GET,
            path,
            query,
            body: None,
        }
    }
}

impl Service {
    /// The profile's rate budget, shared by all its requests.
    pub(crate) fn budget(&self, name: &str) -> Arc<RateBudget> {
        let mut budgets = lock(&self.budgets);
        if let Some(b) = budgets.get(name) {
            return b.clone();
        }
        let events = self.events.clone();
        let profile = name.to_string();
        let on_hold: crate::pagerduty::budget::OnHold = Arc::new(move |rate| {
            tracing::info!(profile = %profile, waiting_until = ?rate.waiting_until, "holding PagerDuty requests for the rate limit");
            let _ = events.send(Event::Rate {
                profile: profile.clone(),
                rate,
            });
        });
        let budget = Arc::new(RateBudget::new(self.clock.clone(), on_hold));
        budgets.insert(name.to_string(), budget.clone());
        budget
    }

    /// `FetchMeta` for an answer that cost `cost`, as of now.
    pub(crate) fn fetch_meta(&self, name: &str, cost: Cost) -> FetchMeta {
        FetchMeta {
            fetched_at: self.now(),
            stale: false,
            requests: cost.requests,
            waited_ms: cost.waited_ms,
            rate: self.budget(name).snapshot(),
        }
    }

    /// The profile's API base: the account's region from its token, else
    /// the configured `api_url`.
    fn api_base(&self, name: &str, token_url: Option<String>) -> Result<String, WireError> {
        let cfg = self.profile_config(name)?;
        token_url
            .or_else(|| cfg.api_url.as_ref().map(|u| u.to_string()))
            .ok_or_else(|| {
                err(
                    ErrorCode::Config,
                    format!("profile {name}: the account's region is unknown; set api_url in the profile"),
                )
            })
    }

    /// Send `call` and return PagerDuty's final answer, whatever its status,
    /// except: a 401 after the refresh (`needs_login`), 429s beyond the
    /// retries (`rate_limited`), a transport failure (`upstream`).
    pub(crate) async fn pd_send(
        self: &Arc<Self>,
        name: &str,
        call: Call<'_>,
        cost: &mut Cost,
    ) -> Result<ApiResponse, WireError> {
        let cfg = self.profile_config(name)?;
        let mut token = self.usable_token(name).await?;
        let base = self.api_base(name, token.api_url.clone())?;
        let url = pagerduty::api_url(&base, call.path, call.query).map_err(|e| err(ErrorCode::InvalidRequest, e.0))?;
        let client = self.client(&cfg)?;
        let budget = self.budget(name);
        let idempotent = *call.method == Method::GET;
        let (mut refreshed, mut limited, mut failed) = (false, 0u32, 0u32);
        loop {
            let ticket = budget.acquire().await;
            cost.waited_ms = cost.waited_ms.saturating_add(ticket.waited.as_millis() as u64);
            cost.requests = cost.requests.saturating_add(1);
            let sent = pagerduty::send(
                &client.http,
                call.method.clone(),
                url.clone(),
                token.access_token.expose_secret(),
                call.body,
            )
            .await;
            // What the answer says about the budget counts before the next
            // request of the profile may start.
            if let Ok(resp) = &sent {
                budget.record(resp.status, &resp.rate);
            }
            drop(ticket);
            let resp = match sent {
                Ok(resp) => resp,
                Err(why) if idempotent && failed < FAILURE_RETRIES => {
                    failed += 1;
                    tracing::info!(profile = name, error = %why, "PagerDuty request failed; retrying");
                    tokio::time::sleep(FAILURE_BACKOFF * 2u32.pow(failed - 1)).await;
                    continue;
                }
                Err(why) => return Err(err(ErrorCode::Upstream, why)),
            };
            match resp.status {
                429 if limited < RATE_RETRIES => limited += 1,
                429 => {
                    let secs = budget.held_for().as_secs_f64().ceil() as u64;
                    return Err(err(
                        ErrorCode::RateLimited,
                        format!("PagerDuty's rate limit is in force; try again in {}s", secs.max(1)),
                    ));
                }
                401 if !refreshed => {
                    refreshed = true;
                    self.refresh_after_401(name, token.generation).await?;
                    token = self.current_token(name)?;
                }
                401 => {
                    let why = "PagerDuty rejected a freshly refreshed token (401): the grant was revoked remotely";
                    self.mark_needs_login(name, why).await;
                    return Err(RefreshError::NeedsLogin(why.into()).into_wire(name));
                }
                500..=599 if idempotent && failed < FAILURE_RETRIES => {
                    failed += 1;
                    tracing::info!(profile = name, status = resp.status, "PagerDuty failed; retrying");
                    tokio::time::sleep(FAILURE_BACKOFF * 2u32.pow(failed - 1)).await;
                }
                _ => return Ok(resp),
            }
        }
    }

    /// A GET whose answer must be a success: its JSON body, or the error.
    pub(crate) async fn pd_get(
        self: &Arc<Self>,
        name: &str,
        path: &str,
        query: &[(String, String)],
        cost: &mut Cost,
    ) -> Result<Value, WireError> {
        let resp = self.pd_send(name, Call::get(path, query), cost).await?;
        if (200..300).contains(&resp.status) {
            Ok(resp.body)
        } else {
            let scoped = self.scope_covers(name, path);
            Err(pd_error(name, path, resp.status, &resp.body, scoped))
        }
    }

    /// Whether the profile's token was granted a scope that covers `path`:
    /// `read`, `write`, or the path's own (`/incidents/…` → `incidents.read`).
    fn scope_covers(&self, name: &str, path: &str) -> bool {
        let resource = path.trim_start_matches('/').split('/').next().unwrap_or_default();
        let st = lock(&self.state);
        st.profiles
            .get(name)
            .and_then(|rt| rt.token.as_ref())
            .is_some_and(|t| pdauth_common::scopes::covers_reading(t.scopes.iter().map(String::as_str), resource))
    }

    /// Any 401 means the token is no good, whatever the clock says: one
    /// single-flight refresh, or the reason only a login can help.
    async fn refresh_after_401(self: &Arc<Self>, name: &str, seen: u64) -> Result<(), WireError> {
        tracing::info!(profile = name, "PagerDuty answered 401; refreshing once");
        match self.refresh(name, Trigger::Unauthorized { seen }).await {
            Ok(()) => Ok(()),
            Err(RefreshError::NeedsLogin(why)) => Err(RefreshError::NeedsLogin(why).into_wire(name)),
            Err(RefreshError::NoRefreshToken) => {
                let why = "PagerDuty rejected the access token (401) and there is no refresh token";
                self.mark_needs_login(name, why).await;
                Err(RefreshError::NeedsLogin(why.into()).into_wire(name))
            }
            Err(other) => Err(err(
                ErrorCode::Upstream,
                format!(
                    "PagerDuty rejected the access token (401) and the refresh failed: {}",
                    other.into_wire(name)
                ),
            )),
        }
    }

    /// Record that only a new login can help this profile.
    async fn mark_needs_login(&self, name: &str, why: &str) {
        let guard = self.profile_lock(name);
        let _held = guard.lock().await;
        let now = self.now();
        let (profile, reason) = (name.to_string(), why.to_string());
        self.store_logged(name, "that the profile needs a login", move |s| {
            s.set_problem(&profile, Some(&reason), now)
        })
        .await;
        if let Some(rt) = lock(&self.state).profiles.get_mut(name) {
            rt.problem = Some(Problem::NeedsLogin(why.to_string()));
            rt.retry = None;
        }
        tracing::warn!(
            profile = name,
            event = "needs_login",
            reason = why,
            "profile needs a new login"
        );
        self.audit(name, "needs_login", None, Some(why));
        drop(_held);
        self.replan(name);
        self.publish(name);
    }
}

/// PagerDuty's refusal as a wire error that says what to do.
/// PagerDuty's error answer as a wire error that says what to do;
/// `scoped`: the token has a scope covering the path, so a 403 is about the
/// user's permissions, not the login.
pub(crate) fn pd_error(name: &str, path: &str, status: u16, body: &Value, scoped: bool) -> WireError {
    let path = pdauth_common::sanitize::truncated(path, 120);
    let said = error_summary(body)
        .or_else(|| body.get("raw").and_then(Value::as_str).and_then(plain_text))
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    match status {
        402 => err(
            ErrorCode::InvalidRequest,
            format!(
                "PagerDuty refused {path} (402){said}: the account's plan lacks a feature the request uses \
                 (e.g. teams or urgencies); leave that filter out"
            ),
        ),
        403 if scoped => err(
            ErrorCode::Forbidden,
            format!(
                "PagerDuty refused {path} (403){said}: the token of profile {name} has a scope that covers it, so \
                 the user lacks a permission (role, team): ask an account admin"
            ),
        ),
        403 => err(
            ErrorCode::Forbidden,
            format!(
                "PagerDuty refused {path} (403){said}: the token of profile {name} lacks a scope or the user a \
                 permission; log in with the needed scope (e.g. `read`) or ask an account admin"
            ),
        ),
        404 => err(ErrorCode::NotFound, format!("PagerDuty has no {path} (404){said}")),
        400 => err(
            ErrorCode::InvalidRequest,
            format!("PagerDuty refused the request for {path} (400){said}"),
        ),
        429 => err(
            ErrorCode::RateLimited,
            format!("PagerDuty's rate limit is in force{said}"),
        ),
        _ => err(
            ErrorCode::Upstream,
            format!("PagerDuty answered {status} for {path}{said}"),
        ),
    }
}

/// What a non-JSON error body says, in at most 120 characters: an HTML
/// page (a gateway's or a proxy's) by its `<title>`, else its text without
/// tags; plain text as it is. `None` when nothing readable is left.
fn plain_text(raw: &str) -> Option<String> {
    let lower = raw.to_ascii_lowercase();
    let html = lower.trim_start().starts_with('<');
    let text = if html {
        let title = lower.find("<title").and_then(|open| {
            let start = open + lower[open..].find('>')? + 1;
            let end = start + lower[start..].find("</title")?;
            Some(raw[start..end].to_string())
        });
        match title.filter(|t| !t.trim().is_empty()) {
            Some(title) => title,
            None => strip_tags(raw),
        }
    } else {
        raw.to_string()
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    (!words.is_empty()).then(|| pdauth_common::sanitize::truncated(&words.join(" "), 120))
}

/// `raw` without its tags (and without the content of `<script>` and
/// `<style>`).
fn strip_tags(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let after = &rest[open..];
        let lower = after.get(..8).unwrap_or(after).to_ascii_lowercase();
        let skip_to = if lower.starts_with("<script") {
            after.to_ascii_lowercase().find("</script").unwrap_or(after.len())
        } else if lower.starts_with("<style") {
            after.to_ascii_lowercase().find("</style").unwrap_or(after.len())
        } else {
            0
        };
        let after = &after[skip_to..];
        rest = match after.find('>') {
            Some(close) => &after[close + 1..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pagerduty_errors_map_to_codes_that_say_what_to_do() {
        let body = json!({"error": {"message": "Access Denied", "code": 2010}});
        let e = pd_error("work", "/incidents", 403, &body, false);
        assert_eq!(e.code, ErrorCode::Forbidden);
        assert!(e.message.contains("log in with the needed scope"), "{}", e.message);
        assert!(e.message.contains("Access Denied (code 2010)"));
        // With a scope that covers it, a login would not help.
        let e = pd_error("work", "/incidents", 403, &body, true);
        assert!(
            e.message.contains("ask an account admin") && !e.message.contains("log in"),
            "{}",
            e.message
        );
        assert_eq!(
            pd_error("w", "/users/PX", 404, &Value::Null, false).code,
            ErrorCode::NotFound
        );
        let bad = json!({"error": {"message": "Invalid Input Provided", "code": 2001, "errors": ["limit too big"]}});
        let e = pd_error("w", "/incidents", 400, &bad, false);
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        assert!(e.message.contains("limit too big"));
        let e = pd_error("w", "/x", 502, &json!({"raw": "<html>bad gateway</html>"}), false);
        assert_eq!(e.code, ErrorCode::Upstream);
        assert!(e.message.contains("502") && e.message.contains("bad gateway"));
    }

    #[test]
    fn pages_and_odd_error_bodies_say_something_readable() {
        let gateway = json!({"raw": "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>"});
        let e = pd_error("w", "/incidents", 502, &gateway, false);
        assert!(
            e.message
                .ends_with("PagerDuty answered 502 for /incidents: 502 Bad Gateway"),
            "{}",
            e.message
        );
        let untitled = json!({"raw": "<html><style>h1{color:red}</style><script>var x = 1;</script><h1>Service   Unavailable</h1></html>"});
        let e = pd_error("w", "/incidents", 503, &untitled, false);
        assert!(e.message.ends_with(": Service Unavailable"), "{}", e.message);
        let e = pd_error("w", "/incidents", 500, &json!({"raw": "upstream connect error"}), false);
        assert!(e.message.ends_with(": upstream connect error"), "{}", e.message);
        assert_eq!(plain_text("<html><body> </body></html>"), None);
        assert_eq!(plain_text("<title>\u{1b}[31mred"), Some("red".into()));

        // PagerDuty's 402: the account lacks an ability (e.g. teams).
        let paid =
            json!({"error": {"message": "Account does not have the abilities to perform the action", "code": 2012}});
        let e = pd_error("w", "/services", 402, &paid, false);
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        assert!(
            e.message.contains("plan lacks a feature") && e.message.contains("code 2012"),
            "{}",
            e.message
        );
    }
}
