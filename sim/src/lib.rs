//! `pdauth-sim`: a local PagerDuty sandbox. It serves, on one base URL, the identity
//! endpoints PagerDuty runs at `identity.pagerduty.com` and the REST API v2 of
//! `api.pagerduty.com`, with a seeded account, fault injection and request counters, so
//! tests, benchmarks and the demo never need the real PagerDuty. It imitates PagerDuty's
//! awkward parts on purpose: rotating refresh tokens, 30-second codes, invalid scopes that
//! silently grant only `openid`, lower-case `token_type`, 401s without JSON, a 30-day
//! default range on incidents, a 10,000-item offset cap, schedules with holes.
//!
//! # Running it
//!
//! ```text
//! pdauth-sim [--addr 127.0.0.1:0] [--client ID=REDIRECT_URI[=SECRET]]... [--access-ttl 3600]
//!            [--refresh-ttl 86400] [--code-ttl 30] [--rate-limit 960] [--subdomain acme-sandbox]
//!            [--region us|eu] [--tls --ca-out PATH] [--seed 1] [--scale small|large]
//!            [--activity SECS]
//! ```
//!
//! The first stdout line is the base URL (`http://127.0.0.1:PORT`, or `https://...` with
//! `--tls`); logs go to stderr (`RUST_LOG` is honoured). SIGTERM or SIGINT stops it.
//! Invalid flags exit with status 2.
//!
//! * Clients: `pdauth-demo` is registered by default as a public client for
//!   `http://127.0.0.1:8976/callback`. `--client ID=URI` adds a public client,
//!   `--client ID=URI=SECRET` a confidential one (secret required at token and revoke).
//!   Repeat a flag with the same id for more redirect URIs; naming `pdauth-demo` replaces its
//!   default registration. Redirect URIs match byte for byte.
//! * Activity: `--activity SECS` opens, acknowledges or resolves an incident every SECS
//!   seconds (seeded; the number of open incidents stays near its start), so a watching
//!   client sees lists change. `pdauth demo` turns it on.
//! * TLS: `--tls --ca-out PATH` generates a CA and a certificate for `127.0.0.1`, `::1` and
//!   `localhost`, writes the CA PEM to PATH (mode 0644) and serves HTTPS.
//!
//! # PagerDuty surface
//!
//! * `GET /oauth/authorize`: validates `client_id`, exact `redirect_uri`, `response_type=code`,
//!   `code_challenge` + `code_challenge_method=S256`, no duplicate parameters; optional
//!   `subdomain`, `service_region`. A bad client or redirect URI gets a 400 page (never a
//!   redirect); other errors redirect with `error`, `error_description`, `state`. Otherwise a
//!   consent page: `<form method="post" action="/oauth/authorize">` with a hidden input per
//!   received parameter, one `<input type="radio" name="user_id" value="P...">` for each of
//!   the first twelve seeded users (the owner first and `checked`; any seeded id is accepted) and buttons `name="decision"` `value="approve"` / `"deny"`.
//!   Attribute values escape only `&`, `<`, `>` and `"`; `user_id` and `decision` are not
//!   accepted as authorization parameters.
//! * `POST /oauth/authorize`: re-validates, then 302 to `redirect_uri?code=..&state=..` or
//!   `?error=access_denied&..`. Codes are single use, live `--code-ttl` seconds and are bound
//!   to client, redirect URI, PKCE challenge, user and scope. Any presentation of a known code
//!   spends it; presenting a spent code revokes the tokens issued from it.
//! * Scopes: `read`, `write`, `<resource>.read|write` and `openid`; if any requested scope is
//!   invalid only `openid` is granted. The granted scope always starts with `openid`.
//! * `POST /oauth/token` (form only): `authorization_code` and `refresh_token` grants.
//!   Refresh tokens rotate; presenting a rotated one revokes the whole grant. Answers
//!   `{"access_token":"pdus+_0XBPWQQ_<uuid>","refresh_token":"pdus+_1XBPWQQ_<uuid>",
//!   "token_type":"bearer","scope":"openid ...","expires_in":N,"id_token":"<RS256 JWT>"}`
//!   (`pdeu+_` in the EU region). Errors are RFC 6749 JSON, 400 or 401 (`invalid_client`).
//! * `POST /oauth/revoke` (RFC 7009): 200 `{}` for known and unknown tokens; a refresh token
//!   revokes its grant, an access token only itself.
//! * `GET /global/oauth/anonymous/jwks`: the id_token key. Claims: `iss` =
//!   `{base}/global/oauth/anonymous`, `aud` = `[client_id, base]`, `sub`, `user_id`,
//!   `account_id`, `subdomain`, `region` (`UnitedStates` or `EU`), `iat`, `exp`.
//! * REST API v2 (below) with `Authorization: Bearer`. Failures are PagerDuty error bodies:
//!   401 `{"error":{"message":"Authentication failed","code":2006}}`, 404 (code 2100, also for
//!   an unknown id), 405 (code 2001), 429 (code 2020), 400 `{"error":{"message":"Invalid Input
//!   Provided","code":2001,"errors":["..."]}}`. Every answer to a valid token (including its
//!   429s) carries `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` (fixed
//!   one-minute window of `--rate-limit` requests per access token); a 401 carries none, as
//!   there is no token to charge. Injected API faults apply to every REST route.
//!
//! # Seeded account
//!
//! Generated at start from `--seed` and `--scale`; the same seed, scale, subdomain, region and
//! [`SimConfig::data_epoch`] give byte-identical answers. Ids never depend on the epoch;
//! timestamps count back from it (by default the start time), so the account always looks
//! current. `small` (default, the demo's): 8 teams, 40 users, 25 services, 12 escalation
//! policies, 10 schedules, 345 incidents (300 in the last 30 days, 15 open). `large`: 60
//! teams, 1,200 users, 750 services, 360 policies, 300 schedules, 13,800 incidents (12,000 in
//! the last 30 days, 150 open); it is generated in about 30 ms (release) and the process
//! stays near 20 MiB. Alerts are generated on request; the rest is kept in memory.
//!
//! * Teams have a manager, responders and observers. Users have every role (the first is the
//!   `owner`, whom minted tokens belong to by default), job titles, time zones, colours and
//!   contact methods: e-mail (always), phone, SMS, push.
//! * Escalation policies have two or three levels targeting schedules and users, delays,
//!   `num_loops` 0–2; one has no services. Services have a policy, zero to two teams and a
//!   mode: `disabled` and `maintenance` are fixed, otherwise `status` follows open incidents
//!   (`critical` with a triggered one, `warning` with only acknowledged ones, else `active`).
//! * Schedules cycle through six shapes: weekly primary, daily secondary, business hours
//!   only (nights and weekends uncovered), follow the sun with an uncovered hour at the
//!   evening handoff, a weekend layer over a weekly rotation, and a retiring rotation whose
//!   layer ends two days after the epoch. Overrides lie in the past, the future and a gap.
//!   Zones use their standard offset (no daylight saving time).
//! * Incidents have numbers, priorities (P1–P5 or none), urgencies, titles from monitoring
//!   templates, alert storms, and a history: trigger, assignment to whoever is on call
//!   (a gap escalates at once), notifications by each user's paging method, escalation when
//!   nobody acknowledges within the level's delay, acknowledgement, notes, resolution by a
//!   user or by the monitoring tool. Resolved incidents have no assignments. One incident
//!   acknowledged 35 days ago is open but outside the default range. Some titles and a note
//!   are hostile: ANSI and OSC escapes, an OSC 8 hyperlink, bidi overrides and isolates,
//!   control characters and newlines, emoji and wide characters, a ~1,000-character title.
//!
//! # REST API v2
//!
//! Lists answer `{"<things>": [...], "limit", "offset", "more", "total"}`: `limit` defaults
//! to 25 and is capped at 100 (silently, as PagerDuty does); `total` is `null` unless
//! `total=true`; `offset + limit` above 10,000 is a 400. Set filters repeat a bracketed key
//! (`statuses[]=a&statuses[]=b`); the same key without brackets or with an index
//! (`statuses[0]`), a repeated single-valued parameter, an empty or unknown value is a 400.
//! Unknown parameters are ignored. Unknown ids in filters match nothing. Times are ISO 8601
//! (`Z`, an offset, no zone = UTC, or a bare date); an unescaped `+` arrives as a space and is
//! a 400. `query` is a case-insensitive substring. Objects carry `id`, `type`, `summary`,
//! `self` (the sandbox URL) and `html_url` (`https://<subdomain>[.eu].pagerduty.com/...`);
//! references carry exactly those five.
//!
//! * `GET /incidents`: `statuses[]`, `urgencies[]`, `service_ids[]`, `team_ids[]` (the
//!   service's teams), `user_ids[]` (currently assigned), `since`/`until` on `created_at`
//!   (default the last 30 days; at most 180 days), `date_range=all`, `query` (title),
//!   `sort_by` (up to two of `incident_number`, `created_at`, `resolved_at`, `urgency`, each
//!   `:asc`/`:desc`; default `created_at:asc`, oldest first), `include[]` (`services`,
//!   `teams`, `escalation_policies`, `assignees`, `acknowledgers`, `users`,
//!   `first_trigger_log_entries`, `conference_bridge`; `agents` and `priorities` accepted).
//!   `GET /incidents/{id}` takes `include[]`.
//! * `GET /incidents/{id}/log_entries`: newest first, paginated, `is_overview=true` (no
//!   notifications), `include[]` (`incidents`, `services`, `teams`, `channels`). Types:
//!   `trigger`, `assign`, `escalate`, `notify`, `acknowledge`, `annotate`, `resolve`
//!   (`*_log_entry`) with `created_at`, `agent` (user, integration or `null`), `channel`,
//!   `summary`. `GET /log_entries/{id}`.
//! * `GET /incidents/{id}/notes`: `{"notes": [...]}`, oldest first, not paginated.
//! * `GET /incidents/{id}/alerts` (paginated, `statuses[]` `triggered`/`resolved`) and
//!   `/incidents/{id}/alerts/{alert_id}`: `status`, `severity`, `summary`, `alert_key`,
//!   `body.details`.
//! * `GET /services` (`query`, `team_ids[]`, `sort_by=name[:asc|:desc]`, `include[]` of
//!   `escalation_policies`, `teams`, `integrations`) and `/services/{id}`.
//! * `GET /users` (`query` on name or e-mail, `team_ids[]`, `include[]` of `contact_methods`,
//!   `teams`, `notification_rules`, `subdomains`), `/users/me`, `/users/{id}`,
//!   `/users/{id}/contact_methods` (not paginated) and `/users/{id}/contact_methods/{id}`.
//! * `GET /schedules` (`query`), `/schedules/{id}` with `since` (default now), `until`
//!   (default a week later, at most 90 days) and `overflow=true` (whole shifts instead of
//!   clipping): `schedule_layers[]` (highest priority first, each with `restrictions` and its
//!   own `rendered_schedule_entries`), `overrides_subschedule` and `final_schedule`, whose
//!   `rendered_schedule_entries` tile the range, gaps being entries with `"user": null`;
//!   each has `rendered_coverage_percentage`. Schedule times carry the zone's offset.
//!   `/schedules/{id}/users` (same range): the users on call, whole, not paginated.
//! * `GET /oncalls`: `since`/`until` (both default to now; `until` no more than 90 days
//!   after now or after `since`), `user_ids[]`, `schedule_ids[]`, `escalation_policy_ids[]`,
//!   `earliest=true` (the earliest entry per policy, level and user), `include[]` (`users`,
//!   `schedules`, `escalation_policies`). One entry per target and shift: direct user
//!   targets have `schedule`, `start` and `end` `null`; shifts keep their real boundaries.
//! * `GET /escalation_policies` (`query`, `team_ids[]`, `user_ids[]` = targeted directly or
//!   through a schedule, `sort_by`, `include[]` of `services`, `teams`, `targets`) and
//!   `/escalation_policies/{id}`.
//! * `GET /teams` (`query`), `/teams/{id}`, `/teams/{id}/members` (paginated,
//!   `{"user", "role"}`, `include[]=users`). `GET /priorities`.
//!
//! Lists of named things are sorted by name. Where PagerDuty's behaviour is not documented
//! the sandbox picks one plausible answer: log entries newest first, layers highest first,
//! unresolved incidents last when sorting by `resolved_at`, `low` before `high`, a week of
//! schedule by default, strict 400s for malformed list filters.
//!
//! # Test hooks (`/_sim/`, not PagerDuty)
//!
//! * `GET /_sim/stats`: `{"token_requests":{"authorization_code":n,"refresh_token":n,"other":n},
//!   "token_errors":n,"revocations":n,"api_requests":n,"api_requests_by_path":{"/incidents":n,
//!   "/incidents/{id}":n,...,"(unmatched)":n},"rate_limited":n,"authorize_approvals":n,
//!   "authorize_denials":n,"token_moved_requests":n,"minted":n,"live_access_tokens":n,
//!   "live_refresh_tokens":n,"remembered":{"codes":n,"grants":n,"tokens":n},
//!   "pending_faults":{"token":n,"api":n}}`. Live counts are kept as tokens come and go, so
//!   this never scans; `remembered` counts what is kept, live or not (see below).
//! * `POST /_sim/revoke-all`: every grant is revoked; `{"revoked": n}` (live tokens killed).
//! * `POST /_sim/faults/token` with `{"mode", "times"?, "delay_ms"?, "status"?, "error"?,
//!   "error_description"?}` queues a fault for the next `times` (default 1) token requests:
//!   - answers that replace processing (nothing is consumed): `error_with_200`, `html`
//!     (status default 502), `empty` (default 200), `truncated`, `redirect` (302 to
//!     `/oauth/token-moved`, which answers a decoy success), `status` (default 503 with
//!     `error`, default `temporarily_unavailable`);
//!   - normal processing with an odd answer: `expires_in_string`, `no_refresh_token` (no
//!     rotation either), `uppercase_bearer`, `garbled_after` (the success body cut in half
//!     after the code is spent or the refresh token rotated);
//!   - timing: `delay` sleeps `delay_ms` (required) and then processes; a client that gives
//!     up during the sleep makes hyper drop the request, so nothing is consumed.
//!     `delay_after` processes first — the code is spent, the refresh token rotated, the new
//!     tokens recorded, all before the first await — then sleeps `delay_ms` (required) and
//!     answers. `drop_after` processes the same way, sleeps `delay_ms` (default 0), then
//!     closes the connection without sending a byte of HTTP (TCP FIN, or no TLS
//!     close_notify). With both, a client that gets no answer (timeout, closed connection)
//!     leaves the new state in place: the refresh token it presented is rotated (presenting
//!     it again is reuse and revokes the grant) and the unseen tokens are current, exactly
//!     as if the client crashed between receiving the answer and saving it. Errors (an
//!     unknown token, say) are processed and counted the same way, then delayed or dropped.
//! * `POST /_sim/faults/api` likewise for the REST API: `html_401`, `status` (default 500),
//!   `429_no_headers`, `delay`; with `"path"` (`/incidents/Q1/alerts`, or a prefix ending in
//!   `*`) only requests of that path take it. `POST /_sim/faults/clear` drops all queued faults.
//! * `GET /_sim/clients`: `{"clients":[{"client_id","redirect_uris","confidential"}]}`.
//! * `POST /_sim/clock/advance` with `{"seconds": n}`: moves the sandbox's clock forward
//!   (codes, tokens and rate windows expire without waiting).
//! * `POST /_sim/introspect` with `{"token": "..."}` (RFC 7662-like): `{"active": bool,
//!   "kind": "access"|"refresh"|"unknown", "state": "live"|"rotated"|"revoked"|"expired"|
//!   "unknown", "client_id", "user_id", "grant_id", "scope", "expires_at"}` (`expires_at` in
//!   Unix seconds of the sandbox clock; the last five are `null` for unknown tokens).
//!   `active` is `state == "live"`. A revoked grant makes all its tokens `revoked`, which
//!   wins over `rotated`, which wins over `expired`. Tokens are remembered until an hour
//!   after they expire, then `unknown`.
//! * `GET /_sim/grants`: `{"grants": [{"grant_id", "client_id", "user_id", "live",
//!   "refresh_rotations", "current_refresh_token_suffix"}]}`, oldest first. `live`: not
//!   revoked and some token still usable; `refresh_rotations`: refresh tokens exchanged for
//!   new ones; the suffix is the last six characters of the refresh token issued last (`null`
//!   if none was), so a test can compare it with a stored token without printing it.
//! * `POST /_sim/mint` with `{"client_id", "user_id"?, "scope"?, "count"?}`: creates
//!   `count` (1..=20000, default 1) independent grants for a registered client and a seeded
//!   user (default the first, the owner), scope granted as authorization would (default
//!   `read write`, so `openid read write`), and answers `{"tokens": [{"access_token",
//!   "refresh_token", "expires_in", "scope", "id_token"}]}` — the tokens a completed
//!   authorization-code exchange returns, with the same lifetimes and id_token claims.
//!   Counted as `minted`, not as token requests; faults do not apply. 400 `{"error"}` for an
//!   unknown client or user or a bad count.
//!
//! * `POST /_sim/incidents` with `{"service_id", "title", "urgency"?}` (default `high`):
//!   opens a triggered incident now, assigned to whoever the service's policy has on call,
//!   and answers 201 `{"incident": {...}}` as `GET /incidents/{id}` would. Disabled and
//!   maintenance services refuse (400). `POST /_sim/incidents/{id}/acknowledge` and
//!   `/resolve` with `{"user_id"?}` (default the assignee), `/reassign` with `{"user_id",
//!   "by_user_id"?}` (back to triggered, acknowledgements dropped, as PagerDuty does) and
//!   `/note` with `{"content", "user_id"?}` answer 200 `{"incident"}`; 404 for an unknown
//!   incident, 400 for a resolved one. Each adds log entries and moves `updated_at` and
//!   `last_status_change_at` (on every change, not only status changes, so a polling client
//!   sees it), and services' `status` and `last_incident_timestamp` follow. At most 100,000
//!   incidents and 1,000 notes per incident are kept.
//!
//! Hooks answer 400 `{"error": "..."}` for malformed JSON or unknown fields.
//!
//! # Scale
//!
//! Token, refresh, revoke and API lookups are hash-map accesses keyed by the token, code or
//! grant id. Expiry and forgetting run off a deadline heap drained on writes and before
//! counts are read, so each token is touched a constant number of times in its life;
//! revoking a grant is O(1). Codes and tokens are forgotten an hour after they expire, so
//! a long benchmark stays bounded by its token lifetimes. id_tokens are deterministic
//! (RS256 with PKCS#1 v1.5) and cached per claims, so thousands of grants for one user
//! within a second cost one signature. REST lists filter and sort in memory under a read
//! lock (a few milliseconds for 13,800 incidents in a release build); services' statuses
//! come from counts kept as incidents change.
//!
//! # Library use
//!
//! [`start`] runs the sandbox in-process on [`SimConfig::addr`] and returns a [`RunningSim`]
//! that stops when dropped; [`serve`] runs it on a given listener until a future completes;
//! [`Sandbox`] splits preparation (base URL, CA) from serving.

mod activity;
mod api;
mod clients;
mod clock;
mod config;
mod data;
mod faults;
mod form;
mod grants;
mod hooks;
mod identity;
mod jwt;
mod random;
mod ratelimit;
mod reply;
mod server;
mod state;
mod tls;

pub use clock::SimClock;
pub use config::{
    Args, ClientRegistration, DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI, Region, Scale, SimConfig, default_clients,
    merge_client_flags,
};

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use state::{AppState, Shared};

/// A prepared sandbox: state built, certificates generated and the CA written; not yet serving.
pub struct Sandbox {
    router: Router,
    tls: Option<TlsAcceptor>,
    ca_pem: Option<String>,
    base_url: String,
    clock: SimClock,
    /// `--activity`: the state it changes, how often, and the seed.
    activity: Option<(Shared, std::time::Duration, u64)>,
}

/// Aborts a background task when dropped.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Sandbox {
    /// Prepares a sandbox that will be reached at `local_addr` (the listener's address).
    pub fn new(config: SimConfig, local_addr: SocketAddr) -> anyhow::Result<Self> {
        config
            .validate()
            .map_err(anyhow::Error::msg)
            .context("invalid sandbox configuration")?;
        let (tls, ca_pem) = if config.tls {
            let material = tls::generate()?;
            if let Some(path) = &config.ca_out {
                tls::write_ca(path, &material.ca_pem)?;
            }
            (Some(material.acceptor), Some(material.ca_pem))
        } else {
            (None, None)
        };
        let base_url = base_url(local_addr, config.tls);
        let signer = jwt::JwtSigner::sandbox()?;
        let state: Shared = Arc::new(AppState::new(&config, base_url.clone(), signer));
        let activity = config.activity.map(|every| (state.clone(), every, config.seed));
        Ok(Self {
            router: router(state),
            activity,
            tls,
            ca_pem,
            base_url,
            clock: config.clock,
        })
    }

    /// The base URL (`http://127.0.0.1:PORT` or `https://...`), without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The CA certificate PEM in TLS mode.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The sandbox's clock.
    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    /// Serves on `listener` until `shutdown` completes.
    pub async fn run(self, listener: TcpListener, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
        tracing::info!(base_url = %self.base_url, "PagerDuty sandbox serving");
        // Dropped (and so stopped) with the server.
        let _activity = self
            .activity
            .map(|(state, every, seed)| AbortOnDrop(tokio::spawn(activity::run(state, every, seed))));
        server::run(listener, self.router, self.tls, shutdown).await
    }
}

/// Serves the sandbox on `listener` until `shutdown` completes.
pub async fn serve(config: SimConfig, listener: TcpListener, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let local_addr = listener.local_addr().context("reading the listener's address")?;
    Sandbox::new(config, local_addr)?.run(listener, shutdown).await
}

/// Binds [`SimConfig::addr`] and serves the sandbox in the background.
pub async fn start(config: SimConfig) -> anyhow::Result<RunningSim> {
    let listener = TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("binding {}", config.addr))?;
    let sandbox = Sandbox::new(config, listener.local_addr().context("reading the listener's address")?)?;
    let base_url = sandbox.base_url().to_owned();
    let ca_pem = sandbox.ca_pem().map(str::to_owned);
    let clock = sandbox.clock().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(sandbox.run(listener, async move {
        let _ = stopped.await;
    }));
    Ok(RunningSim {
        base_url,
        ca_pem,
        clock,
        stop: Some(stop),
        server: Some(server),
    })
}

/// A sandbox serving in the background; it stops when dropped.
pub struct RunningSim {
    base_url: String,
    ca_pem: Option<String>,
    clock: SimClock,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl RunningSim {
    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `base_url` joined with `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The CA certificate PEM in TLS mode.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The sandbox's clock; advancing it expires codes, tokens and rate windows.
    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    /// Stops serving and waits until open connections are drained.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.server.take() {
            Some(server) => server.await.context("the sandbox server stopped abnormally")?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The URL clients use for a listener address (an unspecified address means loopback).
fn base_url(addr: SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("{scheme}://{}", SocketAddr::new(ip, addr.port()))
}

/// Every route, the fallbacks and the request log.
fn router(state: Shared) -> Router {
    Router::new()
        .merge(identity::router())
        .merge(hooks::router())
        .merge(api::router(state.clone()))
        .fallback(api::not_found)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(DefaultBodyLimit::max(reply::MAX_BODY_BYTES))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// Logs method, path (never the query: it carries codes and state), status and duration.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::debug!(%method, %path, status = response.status().as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "request");
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_uses_loopback_for_unspecified_addresses() {
        assert_eq!(
            base_url("0.0.0.0:8080".parse().expect("addr"), false),
            "http://127.0.0.1:8080"
        );
        assert_eq!(base_url("[::]:443".parse().expect("addr"), true), "https://[::1]:443");
        assert_eq!(
            base_url("127.0.0.1:9".parse().expect("addr"), false),
            "http://127.0.0.1:9"
        );
    }
}
