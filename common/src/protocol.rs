//! The wire protocol: newline-delimited JSON frames exchanged over the local
//! socket. This is a public API: every change here must be visible in the
//! golden tests (`tests/golden.rs`) and bump [`PROTOCOL_VERSION`] when it is
//! not backwards compatible.

use serde::{Deserialize, Serialize};

use crate::browse::{DetailPage, ListChange, ListPage, ListQuery, RateInfo, Resource};
use crate::health::{AuditEntry, LoginInfo, ProfileStatus, RevokeOutcome, StorageInfo};

/// Version of the frame format and request set. Client and daemon must agree.
pub const PROTOCOL_VERSION: u32 = 3;

/// A frame sent by a client to the daemon.
// Like server frames, client frames live only between a read and a dispatch.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Must be the first frame of every connection.
    Hello { protocol: u32, client: String },
    /// A request; the reply echoes `id`.
    Request { id: u64, request: Request },
}

/// What a client can ask of the daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// Liveness check; answered with [`Response::Pong`].
    Ping,
    /// Every configured profile and its token health.
    Status,
    /// Snapshot of every profile, then [`Event`]s until the connection closes.
    Subscribe,
    /// Start (or restart) an OAuth login for a profile.
    Login {
        profile: String,
    },
    /// Abandon a pending login.
    CancelLogin {
        profile: String,
    },
    /// The profile's current access token. Handed out to the owner only.
    Token {
        profile: String,
    },
    /// Revoke the profile's tokens at PagerDuty and delete them locally.
    Revoke {
        profile: String,
    },
    /// Refresh the profile's tokens now (single flight: joins one in progress).
    Refresh {
        profile: String,
    },
    /// The newest audit entries, newest first; all profiles when `profile`
    /// is absent.
    Audit {
        #[serde(default)]
        profile: Option<String>,
        #[serde(default)]
        limit: Option<u32>,
    },
    /// One call to the profile's PagerDuty REST API. `path` is relative to
    /// the API base (`/users/me`); the daemon adds the token. `GET` unless
    /// `method` says otherwise; other methods need a write scope. With
    /// `paginate`, a `GET` of a list follows every page (to PagerDuty's
    /// offset cap) and answers one merged list.
    Api {
        profile: String,
        path: String,
        #[serde(default)]
        query: Vec<(String, String)>,
        #[serde(default)]
        method: Option<String>,
        #[serde(default)]
        body: Option<serde_json::Value>,
        #[serde(default)]
        paginate: bool,
    },
    /// A page (or every page up to a maximum) of a list, typed. Served from
    /// the profile's cache when fresh; `fresh` insists on asking PagerDuty.
    List {
        profile: String,
        query: ListQuery,
        #[serde(default)]
        fresh: bool,
    },
    /// One object with what its detail screen shows.
    Get {
        profile: String,
        resource: Resource,
        id: String,
        #[serde(default)]
        fresh: bool,
    },
    /// Like `List`, then [`Event::ListChanged`] on this connection whenever
    /// the daemon's polling finds the list changed, until `Unwatch` or the
    /// connection closes.
    Watch {
        profile: String,
        query: ListQuery,
    },
    Unwatch {
        watch: u64,
    },
}

/// A frame sent by the daemon to a client.
// Frames live only between a socket read and a dispatch; boxing would add
// noise to every construction site for no measurable gain.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ServerFrame {
    /// Answer to a matching [`ClientFrame::Hello`].
    Welcome { protocol: u32, daemon_version: String },
    /// Answer to a request.
    Reply { id: u64, result: Reply },
    /// Something happened; sent to subscribers only.
    Event { event: Event },
    /// A connection-level failure (bad handshake, malformed or oversize
    /// frame, unauthorised peer). The daemon closes the connection after it.
    Error { error: WireError },
}

/// Outcome of one request.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Reply {
    Ok(Response),
    Error(WireError),
}

/// Successful answers, one per [`Request`] kind.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Response {
    Pong {
        daemon_version: String,
    },
    Status {
        profiles: Vec<ProfileStatus>,
        storage: StorageInfo,
    },
    Subscribed {
        profiles: Vec<ProfileStatus>,
        storage: StorageInfo,
    },
    LoginStarted {
        login: LoginInfo,
    },
    LoginCancelled {
        profile: String,
    },
    /// The access token itself: the only frame that carries a secret.
    Token {
        profile: String,
        access_token: String,
        token_type: String,
        /// Unix seconds.
        expires_at: Option<i64>,
    },
    Revoked {
        profile: String,
        outcome: RevokeOutcome,
    },
    /// The refresh finished; carries the profile's new status.
    Refreshed {
        status: ProfileStatus,
    },
    Audit {
        entries: Vec<AuditEntry>,
    },
    /// PagerDuty's answer to an [`Request::Api`] call.
    Api {
        status: u16,
        body: serde_json::Value,
        /// Pages fetched (with `paginate`).
        #[serde(default)]
        pages: u32,
        /// `paginate` stopped at PagerDuty's 10,000 offset cap.
        #[serde(default)]
        truncated: bool,
    },
    List {
        page: ListPage,
    },
    Detail {
        page: DetailPage,
    },
    /// The watch is registered; events for it carry `watch`.
    Watching {
        watch: u64,
        page: ListPage,
    },
    Unwatched {
        watch: u64,
    },
}

/// Pushed to subscribers.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    LoginStarted {
        login: LoginInfo,
    },
    LoginCompleted {
        profile: String,
    },
    LoginFailed {
        profile: String,
        message: String,
    },
    Revoked {
        profile: String,
        outcome: RevokeOutcome,
    },
    /// A profile's health changed; carries the whole new status.
    Health {
        status: ProfileStatus,
    },
    /// The subscriber fell behind and missed events: here is everything.
    Resync {
        profiles: Vec<ProfileStatus>,
    },
    /// A new audit entry was recorded.
    Audit {
        entry: AuditEntry,
    },
    /// A watched list changed (sent to the watching connection only).
    ListChanged {
        watch: u64,
        change: ListChange,
    },
    /// Polling a watched list failed; the daemon keeps trying.
    ListFailed {
        watch: u64,
        error: WireError,
    },
    /// A profile's requests are held by its rate budget (after a 429 or to
    /// spread the last requests of a window).
    Rate {
        profile: String,
        rate: RateInfo,
    },
}

/// Error carried on the wire: a stable code and a human message that says
/// what to do. Never debug text, never secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireError {
    pub code: ErrorCode,
    pub message: String,
}

impl WireError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WireError {}

/// The closed set of error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame or request was not understood.
    InvalidRequest,
    /// Client and daemon speak different protocol versions.
    ProtocolMismatch,
    /// Unknown profile (or other named thing).
    NotFound,
    /// The profile has no usable token: log in.
    NeedsLogin,
    /// PagerDuty's rate limit is in force.
    RateLimited,
    /// The peer may not do this.
    Forbidden,
    /// The token store failed (disk, key, database).
    Storage,
    /// The connecting process is not allowed to use this daemon.
    UnauthorizedPeer,
    /// PagerDuty or the identity server failed or refused.
    Upstream,
    /// The profile's configuration is wrong.
    Config,
    /// Too many connections or requests.
    Busy,
    /// A bug in the daemon; details are in its log.
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::ProtocolMismatch => "protocol_mismatch",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NeedsLogin => "needs_login",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::Storage => "storage",
            ErrorCode::UnauthorizedPeer => "unauthorized_peer",
            ErrorCode::Upstream => "upstream",
            ErrorCode::Config => "config",
            ErrorCode::Busy => "busy",
            ErrorCode::Internal => "internal",
        }
    }
}
