//! Display types shared by the daemon and its clients: a profile's token
//! health, who it belongs to at PagerDuty, pending logins and revocation
//! outcomes. Times are Unix seconds (UTC).

use serde::{Deserialize, Serialize};

/// The one word that sums up a profile's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenState {
    /// No token stored.
    LoggedOut,
    /// A login was started and waits for the browser's approval.
    LoginPending,
    /// A usable access token.
    Valid,
    /// Usable, but inside the refresh window.
    Expiring,
    /// A refresh is in flight.
    Refreshing,
    /// Refreshes fail transiently and are being retried.
    RefreshFailing,
    /// The access token's lifetime is over.
    Expired,
    /// Only a new login can help; `reason` says why.
    NeedsLogin,
    /// New tokens are held in memory only because storage is failing.
    Unpersisted,
    /// Something is wrong that a login will not fix (configuration, storage).
    Error,
}

impl TokenState {
    pub const ALL: [TokenState; 10] = [
        TokenState::LoggedOut,
        TokenState::LoginPending,
        TokenState::Valid,
        TokenState::Expiring,
        TokenState::Refreshing,
        TokenState::RefreshFailing,
        TokenState::Expired,
        TokenState::NeedsLogin,
        TokenState::Unpersisted,
        TokenState::Error,
    ];

    /// The snake_case word used on the wire and in `status --json`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::LoggedOut => "logged_out",
            TokenState::LoginPending => "login_pending",
            TokenState::Valid => "valid",
            TokenState::Expiring => "expiring",
            TokenState::Refreshing => "refreshing",
            TokenState::RefreshFailing => "refresh_failing",
            TokenState::Expired => "expired",
            TokenState::NeedsLogin => "needs_login",
            TokenState::Unpersisted => "unpersisted",
            TokenState::Error => "error",
        }
    }

    /// Words for people.
    pub fn label(self) -> &'static str {
        match self {
            TokenState::LoggedOut => "logged out",
            TokenState::LoginPending => "login pending",
            TokenState::Valid => "valid",
            TokenState::Expiring => "expiring soon",
            TokenState::Refreshing => "refreshing",
            TokenState::RefreshFailing => "refresh failing",
            TokenState::Expired => "expired",
            TokenState::NeedsLogin => "needs login",
            TokenState::Unpersisted => "not saved",
            TokenState::Error => "error",
        }
    }

    /// Whether an access token can be handed out in this state.
    pub fn has_usable_token(self) -> bool {
        matches!(
            self,
            TokenState::Valid
                | TokenState::Expiring
                | TokenState::Refreshing
                | TokenState::RefreshFailing
                | TokenState::Unpersisted
        )
    }
}

impl std::fmt::Display for TokenState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The PagerDuty account a token belongs to (from the id_token).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Account {
    pub subdomain: Option<String>,
    pub account_id: Option<String>,
    /// As PagerDuty names it, e.g. `UnitedStates`.
    pub region: Option<String>,
}

/// The PagerDuty user a token acts as.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: Option<String>,
}

/// A login waiting for the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginInfo {
    pub profile: String,
    /// The URL to open in a browser. It carries the login's `state` and PKCE
    /// challenge (public by design), never the verifier.
    pub authorize_url: String,
    /// Where PagerDuty will send the browser back to.
    pub redirect_uri: String,
    pub started_at: i64,
    /// After this the daemon forgets the login.
    pub expires_at: i64,
}

/// How the daemon keeps its store key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum StorageInfo {
    /// Key from `$CREDENTIALS_DIRECTORY` (systemd `LoadCredential[Encrypted]=`).
    SystemdCredential { name: String },
    /// Key from a 0600 file next to the database.
    KeyFile { path: String },
    /// No usable key: tokens cannot be stored. `reason` says why.
    Unavailable { reason: String },
}

/// What a revocation achieved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RevokeOutcome {
    /// PagerDuty confirmed the revocation; local tokens deleted.
    Confirmed,
    /// PagerDuty did not confirm; local tokens deleted anyway. `detail` says
    /// what went wrong and where to revoke by hand.
    NotConfirmed { detail: String },
    /// There was nothing to send (no token, or no revoke URL); local state
    /// cleared.
    LocalOnly { detail: String },
}

/// The outcome of the last refresh attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshResult {
    /// When the attempt ended.
    pub at: i64,
    pub ok: bool,
    /// What happened, for people ("refreshed", or the error).
    pub message: String,
}

/// Refreshes are failing transiently and are being retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryInfo {
    /// Failed attempts in a row.
    pub attempts: u32,
    pub last_error: String,
    /// When the next attempt is due.
    pub next_attempt_at: i64,
}

/// Who asked the daemon for something (from the socket's peer credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub uid: u32,
    pub pid: Option<i32>,
}

/// One line of the audit log. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub profile: String,
    /// snake_case event name, e.g. `login_completed`, `refresh_failed`,
    /// `token_issued`, `revoked`, `needs_login`.
    pub event: String,
    /// The client that caused it; `None` for the daemon's own actions.
    pub actor: Option<Actor>,
    pub detail: Option<String>,
}

/// Everything a client may know about one profile. Carries no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileStatus {
    pub name: String,
    pub state: TokenState,
    /// Why the profile is in this state, when it is not obvious.
    pub reason: Option<String>,
    pub account: Option<Account>,
    pub user: Option<UserSummary>,
    pub scopes_requested: Vec<String>,
    pub scopes_granted: Vec<String>,
    /// Requested but not granted (PagerDuty silently drops invalid scopes).
    pub scopes_missing: Vec<String>,
    /// When the access token was obtained.
    pub obtained_at: Option<i64>,
    /// When the access token expires.
    pub expires_at: Option<i64>,
    /// The REST API base this profile talks to.
    pub api_url: Option<String>,
    /// Present while a login is pending.
    pub login: Option<LoginInfo>,
    /// Whether a refresh token is held (without one, expiry means a new login).
    #[serde(default)]
    pub has_refresh_token: bool,
    /// When the daemon plans the next refresh.
    #[serde(default)]
    pub next_refresh_at: Option<i64>,
    /// The last refresh attempt and how it ended.
    #[serde(default)]
    pub last_refresh: Option<RefreshResult>,
    /// Set while refreshes fail and are retried.
    #[serde(default)]
    pub retry: Option<RetryInfo>,
}

impl ProfileStatus {
    /// A profile with no token and nothing going on.
    pub fn logged_out(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            state: TokenState::LoggedOut,
            reason: None,
            account: None,
            user: None,
            scopes_requested: Vec::new(),
            scopes_granted: Vec::new(),
            scopes_missing: Vec::new(),
            obtained_at: None,
            expires_at: None,
            api_url: None,
            login: None,
            has_refresh_token: false,
            next_refresh_at: None,
            last_refresh: None,
            retry: None,
        }
    }

    /// Seconds until the access token expires (negative when past).
    pub fn expires_in(&self, now: i64) -> Option<i64> {
        self.expires_at.map(|at| at - now)
    }
}
