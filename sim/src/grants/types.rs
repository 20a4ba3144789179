//! The values the grant store hands out and takes in: code bindings, grant and token
//! descriptions, introspection results and error markers.

use std::time::SystemTime;

/// What an authorization code is bound to.
#[derive(Clone, Debug)]
pub struct CodeBinding {
    /// Client the code was issued to.
    pub client_id: String,
    /// Redirect URI used at authorization, compared byte for byte.
    pub redirect_uri: String,
    /// PKCE S256 challenge.
    pub code_challenge: String,
    /// User who approved.
    pub user_id: String,
    /// Granted scope (space-separated).
    pub scope: String,
}

/// The identity behind a grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantInfo {
    /// Grant id (one per login).
    pub grant_id: u64,
    /// Client the grant belongs to.
    pub client_id: String,
    /// User the grant acts for.
    pub user_id: String,
    /// Granted scope.
    pub scope: String,
}

/// A token request that must be answered with `invalid_grant`; the text is the description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidGrant(pub &'static str);

/// A revocation request for a token issued to another client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrongClient;

/// What a revocation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    /// An access token; only it is gone.
    AccessToken,
    /// A refresh token; its whole grant is gone.
    Grant,
    /// Nothing live matched (already revoked, forgotten or never issued).
    Unknown,
}

/// Which kind of token a string is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A bearer token for the REST API.
    Access,
    /// A refresh token.
    Refresh,
}

impl TokenKind {
    /// The name used by `/_sim/introspect`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

/// Where a known token stands. When several apply, the first listed wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// Revoked on its own (an access token) or with its grant.
    Revoked,
    /// A refresh token that was exchanged for a new one; presenting it revokes the grant.
    Rotated,
    /// Past its lifetime.
    Expired,
    /// Usable.
    Live,
}

impl TokenState {
    /// The name used by `/_sim/introspect`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Revoked => "revoked",
            Self::Rotated => "rotated",
            Self::Expired => "expired",
            Self::Live => "live",
        }
    }
}

/// What the sandbox knows about a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Introspection {
    /// Access or refresh.
    pub kind: TokenKind,
    /// Live, rotated, revoked or expired.
    pub state: TokenState,
    /// The grant it was issued under.
    pub grant: GrantInfo,
    /// End of its lifetime.
    pub expires_at: SystemTime,
}

/// One grant as listed by `/_sim/grants`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantSummary {
    /// Grant id.
    pub grant_id: u64,
    /// Client the grant belongs to.
    pub client_id: String,
    /// User the grant acts for.
    pub user_id: String,
    /// Not revoked, and at least one of its tokens is still usable.
    pub live: bool,
    /// How many times a refresh token of this grant was exchanged for a new one.
    pub refresh_rotations: u64,
    /// The refresh token issued last under this grant, if any was.
    pub current_refresh_token: Option<String>,
}

/// How many codes, grants and tokens are remembered (live or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remembered {
    /// Authorization codes.
    pub codes: usize,
    /// Grants.
    pub grants: usize,
    /// Access and refresh tokens.
    pub tokens: usize,
}
