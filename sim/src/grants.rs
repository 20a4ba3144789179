//! Authorization codes, grants and the tokens issued under them: issuance, PKCE checks,
//! refresh-token rotation with reuse detection, revocation and introspection. Pure
//! bookkeeping over times passed in by the caller; no HTTP and no locking here.
//!
//! Cost: every lookup is one hash-map access keyed by code, token or grant id. Expiry runs
//! off a min-heap of deadlines drained up to "now" on writes and before counts are read, so
//! each code and token is visited a constant number of times in its whole life (when it
//! expires and when it is forgotten). Live counts are kept per grant and in total, so
//! revoking a grant is O(1) and reading the counters never scans.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// How long a code is remembered after it expires (so reuse is recognised as reuse).
const CODE_MEMORY: Duration = Duration::from_secs(3600);
/// How long a token is remembered after it expires: introspection still reports it as
/// expired (or rotated, or revoked) and a rotated refresh token presented again is still
/// recognised as reuse. Afterwards it is unknown.
pub const TOKEN_MEMORY: Duration = Duration::from_secs(3600);

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

enum CodeState {
    Fresh,
    /// Presented once; `Some` if that presentation created a grant.
    Spent(Option<u64>),
}

struct CodeRecord {
    binding: CodeBinding,
    expires_at: SystemTime,
    state: CodeState,
}

struct GrantRecord {
    client_id: String,
    user_id: String,
    scope: String,
    revoked: bool,
    /// Counted (live) access tokens; zero once revoked.
    live_access: usize,
    /// Counted (live) refresh tokens; zero once revoked.
    live_refresh: usize,
    /// Token records that point at this grant; the grant is forgotten with the last one.
    remembered: usize,
    refresh_rotations: u64,
    current_refresh: Option<String>,
}

impl GrantRecord {
    fn info(&self, grant_id: u64) -> GrantInfo {
        GrantInfo {
            grant_id,
            client_id: self.client_id.clone(),
            user_id: self.user_id.clone(),
            scope: self.scope.clone(),
        }
    }
}

struct TokenRecord {
    grant_id: u64,
    kind: TokenKind,
    expires_at: SystemTime,
    /// A refresh token exchanged for a new one.
    rotated: bool,
    /// An access token revoked on its own.
    revoked: bool,
    /// Whether it is included in its grant's and the store's live counts.
    counted: bool,
}

/// Something to do at a point in time.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Deadline {
    /// The token's lifetime ends: it stops counting as live.
    ExpireToken(String),
    /// The token has been dead long enough to be forgotten.
    ForgetToken(String),
    /// The code has been dead long enough to be forgotten.
    ForgetCode(String),
}

/// Every code, grant and token the sandbox knows.
pub struct AuthStore {
    codes: HashMap<String, CodeRecord>,
    grants: HashMap<u64, GrantRecord>,
    tokens: HashMap<String, TokenRecord>,
    deadlines: BinaryHeap<Reverse<(SystemTime, Deadline)>>,
    next_grant_id: u64,
    live_access: usize,
    live_refresh: usize,
}

impl Default for AuthStore {
    fn default() -> Self {
        Self {
            codes: HashMap::new(),
            grants: HashMap::new(),
            tokens: HashMap::new(),
            deadlines: BinaryHeap::new(),
            next_grant_id: 1,
            live_access: 0,
            live_refresh: 0,
        }
    }
}

impl AuthStore {
    /// Stores a fresh code valid for `ttl` from `now`.
    pub fn insert_code(&mut self, code: String, binding: CodeBinding, now: SystemTime, ttl: Duration) {
        self.sweep(now);
        let expires_at = now + ttl;
        self.deadlines
            .push(Reverse((expires_at + CODE_MEMORY, Deadline::ForgetCode(code.clone()))));
        self.codes.insert(
            code,
            CodeRecord {
                binding,
                expires_at,
                state: CodeState::Fresh,
            },
        );
    }

    /// Redeems a code. Any presentation of a known code spends it; presenting a spent code
    /// again also revokes the grant created from it.
    pub fn redeem_code(
        &mut self,
        code: &str,
        client_id: &str,
        redirect_uri: &str,
        code_verifier: &str,
        now: SystemTime,
    ) -> Result<GrantInfo, InvalidGrant> {
        let record = self
            .codes
            .get_mut(code)
            .ok_or(InvalidGrant("unknown authorization code"))?;
        if let CodeState::Spent(grant) = record.state {
            if let Some(grant_id) = grant {
                self.revoke_grant(grant_id);
            }
            return Err(InvalidGrant(
                "authorization code was already used; tokens issued from it have been revoked",
            ));
        }
        record.state = CodeState::Spent(None);
        if now >= record.expires_at {
            return Err(InvalidGrant("authorization code expired"));
        }
        let binding = &record.binding;
        if binding.client_id != client_id {
            return Err(InvalidGrant("authorization code was issued to another client"));
        }
        if binding.redirect_uri != redirect_uri {
            return Err(InvalidGrant("redirect_uri differs from the one used at authorization"));
        }
        if !pkce_matches(code_verifier, &binding.code_challenge) {
            return Err(InvalidGrant("code_verifier does not match the code_challenge"));
        }
        let binding = binding.clone();
        let grant = self.create_grant(&binding.client_id, &binding.user_id, &binding.scope);
        if let Some(record) = self.codes.get_mut(code) {
            record.state = CodeState::Spent(Some(grant.grant_id));
        }
        Ok(grant)
    }

    /// Creates a grant without a code, as a completed authorization would.
    pub fn create_grant(&mut self, client_id: &str, user_id: &str, scope: &str) -> GrantInfo {
        let grant_id = self.next_grant_id;
        self.next_grant_id += 1;
        let record = GrantRecord {
            client_id: client_id.to_owned(),
            user_id: user_id.to_owned(),
            scope: scope.to_owned(),
            revoked: false,
            live_access: 0,
            live_refresh: 0,
            remembered: 0,
            refresh_rotations: 0,
            current_refresh: None,
        };
        let info = record.info(grant_id);
        self.grants.insert(grant_id, record);
        info
    }

    /// Records an access token (and optionally a refresh token, which becomes the grant's
    /// current one) under a grant. Tokens recorded under a revoked grant are dead at once.
    pub fn record_tokens(
        &mut self,
        grant_id: u64,
        access: String,
        refresh: Option<String>,
        now: SystemTime,
        ttl: Lifetimes,
    ) {
        self.sweep(now);
        let Some(grant) = self.grants.get_mut(&grant_id) else {
            return;
        };
        let live = !grant.revoked;
        let mut issued = vec![(access, TokenKind::Access, now + ttl.access)];
        if let Some(refresh) = refresh {
            grant.current_refresh = Some(refresh.clone());
            issued.push((refresh, TokenKind::Refresh, now + ttl.refresh));
        }
        for (token, kind, expires_at) in issued {
            if self.tokens.contains_key(&token) {
                // Token strings are random; only a broken RNG repeats one. Keep the first.
                continue;
            }
            if let Some(grant) = self.grants.get_mut(&grant_id) {
                grant.remembered += 1;
                if live {
                    match kind {
                        TokenKind::Access => grant.live_access += 1,
                        TokenKind::Refresh => grant.live_refresh += 1,
                    }
                }
            }
            if live {
                match kind {
                    TokenKind::Access => self.live_access += 1,
                    TokenKind::Refresh => self.live_refresh += 1,
                }
            }
            self.deadlines
                .push(Reverse((expires_at, Deadline::ExpireToken(token.clone()))));
            self.tokens.insert(
                token,
                TokenRecord {
                    grant_id,
                    kind,
                    expires_at,
                    rotated: false,
                    revoked: false,
                    counted: live,
                },
            );
        }
    }

    /// Checks a presented refresh token. Presenting a token that was already rotated away
    /// revokes the whole grant.
    pub fn check_refresh(&mut self, token: &str, client_id: &str, now: SystemTime) -> Result<GrantInfo, InvalidGrant> {
        const UNKNOWN: InvalidGrant = InvalidGrant("unknown or revoked refresh token");
        let record = self
            .tokens
            .get(token)
            .filter(|r| r.kind == TokenKind::Refresh)
            .ok_or(UNKNOWN)?;
        let grant_id = record.grant_id;
        let grant = self.grants.get(&grant_id).ok_or(UNKNOWN)?;
        if grant.client_id != client_id {
            return Err(InvalidGrant("refresh token was issued to another client"));
        }
        if grant.revoked || record.revoked {
            return Err(UNKNOWN);
        }
        if record.rotated {
            self.revoke_grant(grant_id);
            return Err(InvalidGrant(
                "refresh token was already used; the whole grant has been revoked",
            ));
        }
        if now >= record.expires_at {
            return Err(InvalidGrant("refresh token expired"));
        }
        Ok(grant.info(grant_id))
    }

    /// Marks a refresh token as rotated away: it no longer works, and presenting it again
    /// revokes its grant.
    pub fn rotate_refresh(&mut self, token: &str) {
        let Some(record) = self.tokens.get_mut(token) else {
            return;
        };
        if record.kind != TokenKind::Refresh || record.rotated {
            return;
        }
        record.rotated = true;
        let grant_id = record.grant_id;
        self.retire(token);
        if let Some(grant) = self.grants.get_mut(&grant_id) {
            grant.refresh_rotations += 1;
        }
    }

    /// The grant behind a live access token.
    pub fn authenticate(&self, access_token: &str, now: SystemTime) -> Option<GrantInfo> {
        let record = self
            .tokens
            .get(access_token)
            .filter(|r| r.kind == TokenKind::Access && !r.revoked && now < r.expires_at)?;
        let grant = self.grants.get(&record.grant_id).filter(|g| !g.revoked)?;
        Some(grant.info(record.grant_id))
    }

    /// RFC 7009 revocation on behalf of `client_id`.
    pub fn revoke(&mut self, token: &str, client_id: &str) -> Result<Revoked, WrongClient> {
        let Some(record) = self.tokens.get(token) else {
            return Ok(Revoked::Unknown);
        };
        let (grant_id, kind) = (record.grant_id, record.kind);
        let dead = record.revoked || self.grants.get(&grant_id).is_none_or(|g| g.revoked);
        if dead {
            return Ok(Revoked::Unknown);
        }
        self.check_owner(grant_id, client_id)?;
        match kind {
            TokenKind::Access => {
                if let Some(record) = self.tokens.get_mut(token) {
                    record.revoked = true;
                }
                self.retire(token);
                Ok(Revoked::AccessToken)
            }
            TokenKind::Refresh => {
                self.revoke_grant(grant_id);
                Ok(Revoked::Grant)
            }
        }
    }

    /// Revokes every grant; returns how many live tokens (access + refresh) died.
    pub fn revoke_all(&mut self, now: SystemTime) -> usize {
        self.sweep(now);
        let killed = self.live_access + self.live_refresh;
        for grant in self.grants.values_mut() {
            grant.revoked = true;
            grant.live_access = 0;
            grant.live_refresh = 0;
        }
        self.live_access = 0;
        self.live_refresh = 0;
        killed
    }

    /// Live access tokens and live refresh tokens (issued, unexpired, unrevoked, not
    /// rotated away). O(1) apart from the expiry that has fallen due.
    pub fn live_counts(&mut self, now: SystemTime) -> (usize, usize) {
        self.sweep(now);
        (self.live_access, self.live_refresh)
    }

    /// How many codes, grants and tokens are remembered.
    pub fn remembered(&self) -> Remembered {
        Remembered {
            codes: self.codes.len(),
            grants: self.grants.len(),
            tokens: self.tokens.len(),
        }
    }

    /// What the sandbox knows about a token; `None` if it never issued it or forgot it.
    pub fn introspect(&self, token: &str, now: SystemTime) -> Option<Introspection> {
        let record = self.tokens.get(token)?;
        let grant = self.grants.get(&record.grant_id)?;
        let state = if record.revoked || grant.revoked {
            TokenState::Revoked
        } else if record.rotated {
            TokenState::Rotated
        } else if now >= record.expires_at {
            TokenState::Expired
        } else {
            TokenState::Live
        };
        Some(Introspection {
            kind: record.kind,
            state,
            grant: grant.info(record.grant_id),
            expires_at: record.expires_at,
        })
    }

    /// Every remembered grant, in no particular order.
    pub fn grants(&mut self, now: SystemTime) -> Vec<GrantSummary> {
        self.sweep(now);
        self.grants
            .iter()
            .map(|(&grant_id, grant)| GrantSummary {
                grant_id,
                client_id: grant.client_id.clone(),
                user_id: grant.user_id.clone(),
                live: !grant.revoked && grant.live_access + grant.live_refresh > 0,
                refresh_rotations: grant.refresh_rotations,
                current_refresh_token: grant.current_refresh.clone(),
            })
            .collect()
    }

    fn check_owner(&self, grant_id: u64, client_id: &str) -> Result<(), WrongClient> {
        match self.grants.get(&grant_id) {
            Some(grant) if grant.client_id != client_id => Err(WrongClient),
            _ => Ok(()),
        }
    }

    /// Revokes a grant and everything issued under it, in O(1): its tokens stay remembered
    /// (introspection reports them as revoked) but its live counts drop to zero.
    fn revoke_grant(&mut self, grant_id: u64) {
        let Some(grant) = self.grants.get_mut(&grant_id) else {
            return;
        };
        if grant.revoked {
            return;
        }
        grant.revoked = true;
        self.live_access = self.live_access.saturating_sub(grant.live_access);
        self.live_refresh = self.live_refresh.saturating_sub(grant.live_refresh);
        grant.live_access = 0;
        grant.live_refresh = 0;
    }

    /// Stops counting a token as live (rotation, revocation or expiry). Idempotent.
    fn retire(&mut self, token: &str) {
        let Some(record) = self.tokens.get_mut(token) else {
            return;
        };
        if !record.counted {
            return;
        }
        record.counted = false;
        let Some(grant) = self.grants.get_mut(&record.grant_id) else {
            return;
        };
        if grant.revoked {
            return;
        }
        match record.kind {
            TokenKind::Access => {
                grant.live_access = grant.live_access.saturating_sub(1);
                self.live_access = self.live_access.saturating_sub(1);
            }
            TokenKind::Refresh => {
                grant.live_refresh = grant.live_refresh.saturating_sub(1);
                self.live_refresh = self.live_refresh.saturating_sub(1);
            }
        }
    }

    /// Drops a dead token, and its grant with the grant's last token.
    fn forget_token(&mut self, token: &str) {
        self.retire(token);
        let Some(record) = self.tokens.remove(token) else {
            return;
        };
        let Some(grant) = self.grants.get_mut(&record.grant_id) else {
            return;
        };
        grant.remembered = grant.remembered.saturating_sub(1);
        if grant.remembered == 0 {
            self.grants.remove(&record.grant_id);
        }
    }

    /// Handles every deadline up to `now`: expiring tokens stop counting as live, and long
    /// dead codes and tokens are forgotten. Amortised O(log n) per code or token.
    fn sweep(&mut self, now: SystemTime) {
        while self.deadlines.peek().is_some_and(|Reverse((at, _))| *at <= now) {
            let Some(Reverse((at, deadline))) = self.deadlines.pop() else {
                break;
            };
            match deadline {
                Deadline::ExpireToken(token) => {
                    self.retire(&token);
                    if self.tokens.contains_key(&token) {
                        self.deadlines
                            .push(Reverse((at + TOKEN_MEMORY, Deadline::ForgetToken(token))));
                    }
                }
                Deadline::ForgetToken(token) => self.forget_token(&token),
                Deadline::ForgetCode(code) => {
                    self.codes.remove(&code);
                }
            }
        }
    }

    /// Deadlines waiting (at most one per remembered code or token).
    #[cfg(test)]
    fn pending_deadlines(&self) -> usize {
        self.deadlines.len()
    }
}

/// Token lifetimes applied at issuance.
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    /// Access token lifetime.
    pub access: Duration,
    /// Refresh token lifetime.
    pub refresh: Duration,
}

/// Whether a verifier is well formed (RFC 7636 4.1) and its S256 transform equals the challenge.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    well_formed && URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// Whether a challenge has the shape of an S256 challenge (43 base64url characters).
pub fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn lifetimes() -> Lifetimes {
        Lifetimes {
            access: Duration::from_secs(60),
            refresh: Duration::from_secs(600),
        }
    }

    fn store_with_code(now: SystemTime) -> AuthStore {
        let mut store = AuthStore::default();
        let binding = CodeBinding {
            client_id: "app".into(),
            redirect_uri: "http://h/cb".into(),
            code_challenge: CHALLENGE.into(),
            user_id: "PUSER01".into(),
            scope: "openid read".into(),
        };
        store.insert_code("c1".into(), binding, now, Duration::from_secs(30));
        store
    }

    fn state(store: &AuthStore, token: &str, now: SystemTime) -> Option<TokenState> {
        store.introspect(token, now).map(|i| i.state)
    }

    #[test]
    fn rfc7636_example_verifies() {
        assert!(pkce_matches(VERIFIER, CHALLENGE));
        assert!(!pkce_matches("x".repeat(43).as_str(), CHALLENGE));
        assert!(is_s256_challenge(CHALLENGE));
        assert!(!is_s256_challenge("short"));
    }

    #[test]
    fn code_is_single_use_and_reuse_revokes_its_tokens() {
        let now = SystemTime::now();
        let mut store = store_with_code(now);
        let grant = store
            .redeem_code("c1", "app", "http://h/cb", VERIFIER, now)
            .expect("first use");
        store.record_tokens(grant.grant_id, "a1".into(), Some("r1".into()), now, lifetimes());
        assert!(store.authenticate("a1", now).is_some());
        assert!(store.redeem_code("c1", "app", "http://h/cb", VERIFIER, now).is_err());
        assert!(store.authenticate("a1", now).is_none());
        assert_eq!(store.live_counts(now), (0, 0));
        assert_eq!(state(&store, "r1", now), Some(TokenState::Revoked));
    }

    #[test]
    fn a_failed_presentation_spends_the_code() {
        let now = SystemTime::now();
        let mut store = store_with_code(now);
        assert!(store.redeem_code("c1", "app", "http://h/other", VERIFIER, now).is_err());
        assert!(store.redeem_code("c1", "app", "http://h/cb", VERIFIER, now).is_err());
    }

    #[test]
    fn expired_code_is_refused() {
        let now = SystemTime::now();
        let mut store = store_with_code(now);
        let later = now + Duration::from_secs(31);
        assert_eq!(
            store.redeem_code("c1", "app", "http://h/cb", VERIFIER, later),
            Err(InvalidGrant("authorization code expired"))
        );
    }

    #[test]
    fn rotated_refresh_token_reuse_revokes_the_grant() {
        let now = SystemTime::now();
        let mut store = store_with_code(now);
        let grant = store
            .redeem_code("c1", "app", "http://h/cb", VERIFIER, now)
            .expect("code");
        store.record_tokens(grant.grant_id, "a1".into(), Some("r1".into()), now, lifetimes());
        store.check_refresh("r1", "app", now).expect("valid");
        store.rotate_refresh("r1");
        store.record_tokens(grant.grant_id, "a2".into(), Some("r2".into()), now, lifetimes());
        assert_eq!(store.live_counts(now), (2, 1));
        assert_eq!(state(&store, "r1", now), Some(TokenState::Rotated));
        assert_eq!(state(&store, "r2", now), Some(TokenState::Live));
        let summary = store.grants(now);
        assert_eq!(summary.len(), 1);
        assert_eq!(
            (
                summary[0].refresh_rotations,
                summary[0].current_refresh_token.as_deref(),
                summary[0].live
            ),
            (1, Some("r2"), true)
        );

        assert!(store.check_refresh("r1", "app", now).is_err());
        assert!(store.check_refresh("r2", "app", now).is_err());
        assert!(store.authenticate("a2", now).is_none());
        assert_eq!(store.live_counts(now), (0, 0));
        assert_eq!(state(&store, "r1", now), Some(TokenState::Revoked));
        assert!(!store.grants(now)[0].live);
    }

    #[test]
    fn revocation_scopes() {
        let now = SystemTime::now();
        let mut store = store_with_code(now);
        let grant = store
            .redeem_code("c1", "app", "http://h/cb", VERIFIER, now)
            .expect("code");
        store.record_tokens(grant.grant_id, "a1".into(), Some("r1".into()), now, lifetimes());
        store.record_tokens(grant.grant_id, "a2".into(), None, now, lifetimes());
        assert_eq!(store.revoke("a1", "other"), Err(WrongClient));
        assert_eq!(store.revoke("a1", "app"), Ok(Revoked::AccessToken));
        assert_eq!(state(&store, "a1", now), Some(TokenState::Revoked));
        assert!(store.authenticate("a2", now).is_some());
        assert_eq!(store.live_counts(now), (1, 1));
        assert_eq!(store.revoke("a1", "app"), Ok(Revoked::Unknown), "already revoked");
        assert_eq!(store.revoke("r1", "app"), Ok(Revoked::Grant));
        assert!(store.authenticate("a2", now).is_none());
        assert_eq!(store.revoke("r1", "app"), Ok(Revoked::Unknown));
        assert_eq!(
            store.revoke("r1", "other"),
            Ok(Revoked::Unknown),
            "dead tokens are nobody's"
        );
        assert_eq!(store.live_counts(now), (0, 0));
    }

    #[test]
    fn expiry_stops_counting_then_forgets() {
        let now = SystemTime::now();
        let mut store = AuthStore::default();
        let grant = store.create_grant("app", "PUSER01", "openid read");
        store.record_tokens(grant.grant_id, "a1".into(), Some("r1".into()), now, lifetimes());
        assert_eq!(store.live_counts(now), (1, 1));

        let access_gone = now + Duration::from_secs(60);
        assert_eq!(store.live_counts(access_gone), (0, 1));
        assert_eq!(state(&store, "a1", access_gone), Some(TokenState::Expired));
        assert!(store.authenticate("a1", access_gone).is_none());
        let info = store.introspect("r1", access_gone).expect("known");
        assert_eq!(
            (info.kind, info.state, info.expires_at),
            (TokenKind::Refresh, TokenState::Live, now + Duration::from_secs(600))
        );

        let refresh_gone = now + Duration::from_secs(600);
        assert_eq!(
            store.check_refresh("r1", "app", refresh_gone),
            Err(InvalidGrant("refresh token expired"))
        );
        assert_eq!(store.live_counts(refresh_gone), (0, 0));
        assert!(!store.grants(refresh_gone)[0].live);
        assert_eq!(state(&store, "r1", refresh_gone), Some(TokenState::Expired));

        let forgotten = refresh_gone + TOKEN_MEMORY;
        assert_eq!(store.live_counts(forgotten), (0, 0));
        assert_eq!(state(&store, "r1", forgotten), None);
        assert_eq!(
            store.remembered(),
            Remembered {
                codes: 0,
                grants: 0,
                tokens: 0
            }
        );
        assert_eq!(store.pending_deadlines(), 0);
    }

    #[test]
    fn tokens_recorded_under_a_revoked_grant_are_dead() {
        let now = SystemTime::now();
        let mut store = AuthStore::default();
        let grant = store.create_grant("app", "PUSER01", "openid");
        store.record_tokens(grant.grant_id, "a1".into(), Some("r1".into()), now, lifetimes());
        assert_eq!(store.revoke_all(now), 2);
        store.record_tokens(grant.grant_id, "a2".into(), Some("r2".into()), now, lifetimes());
        assert_eq!(store.live_counts(now), (0, 0));
        assert_eq!(state(&store, "a2", now), Some(TokenState::Revoked));
        assert!(store.authenticate("a2", now).is_none());
        // Expiry of tokens that never counted must not push the counts below zero.
        let grant = store.create_grant("app", "PUSER01", "openid");
        store.record_tokens(grant.grant_id, "a3".into(), None, now, lifetimes());
        assert_eq!(store.live_counts(now + Duration::from_secs(601)), (0, 0));
        assert_eq!(store.introspect("nonsense", now), None);
    }

    /// Ten thousand grants refreshed once each: every refresh is a constant number of map
    /// operations, and the deadline heap holds at most one entry per remembered token.
    #[test]
    fn ten_thousand_grants_refresh_once_each() {
        const GRANTS: usize = 10_000;
        let now = SystemTime::now();
        let mut store = AuthStore::default();
        let mut refresh_tokens = Vec::with_capacity(GRANTS);
        for i in 0..GRANTS {
            let grant = store.create_grant("app", "PUSER01", "openid read write");
            let refresh = format!("r{i}");
            store.record_tokens(grant.grant_id, format!("a{i}"), Some(refresh.clone()), now, lifetimes());
            refresh_tokens.push(refresh);
        }
        assert_eq!(store.live_counts(now), (GRANTS, GRANTS));
        let later = now + Duration::from_secs(1);
        for (i, refresh) in refresh_tokens.iter().enumerate() {
            let grant = store.check_refresh(refresh, "app", later).expect("live refresh token");
            store.rotate_refresh(refresh);
            store.record_tokens(
                grant.grant_id,
                format!("a{i}'"),
                Some(format!("r{i}'")),
                later,
                lifetimes(),
            );
        }
        assert_eq!(store.live_counts(later), (2 * GRANTS, GRANTS));
        assert_eq!(store.pending_deadlines(), store.remembered().tokens);
        assert_eq!(store.remembered().tokens, 4 * GRANTS);
        let grants = store.grants(later);
        assert_eq!(grants.len(), GRANTS);
        assert!(grants.iter().all(|g| g.live && g.refresh_rotations == 1));
        assert!(
            grants
                .iter()
                .all(|g| g.current_refresh_token.as_deref().is_some_and(|t| t.ends_with('\'')))
        );
        assert!(
            refresh_tokens
                .iter()
                .all(|t| state(&store, t, later) == Some(TokenState::Rotated))
        );

        // Presenting a spent token revokes only its own grant.
        assert!(store.check_refresh(&refresh_tokens[0], "app", later).is_err());
        assert_eq!(store.live_counts(later), (2 * GRANTS - 2, GRANTS - 1));

        let much_later = later + Duration::from_secs(600) + TOKEN_MEMORY;
        assert_eq!(store.live_counts(much_later), (0, 0));
        assert_eq!(store.remembered().tokens, 0);
        assert_eq!(store.remembered().grants, 0);
        assert_eq!(store.pending_deadlines(), 0);
    }
}
