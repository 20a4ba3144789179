//! Authorization codes, grants and the tokens issued under them: issuance, PKCE checks,
//! refresh-token rotation with reuse detection, and revocation. Pure bookkeeping over
//! times passed in by the caller; no HTTP and no locking here.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// How long a redeemed or expired code is remembered (so reuse is recognised as reuse).
const CODE_MEMORY: Duration = Duration::from_secs(3600);

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
    /// Nothing matched (already revoked, expired or never issued).
    Unknown,
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
}

struct AccessRecord {
    grant_id: u64,
    expires_at: SystemTime,
}

#[derive(PartialEq, Eq)]
enum RefreshStatus {
    Live,
    Rotated,
}

struct RefreshRecord {
    grant_id: u64,
    expires_at: SystemTime,
    status: RefreshStatus,
}

/// Every code, grant and token the sandbox knows.
#[derive(Default)]
pub struct AuthStore {
    codes: HashMap<String, CodeRecord>,
    grants: HashMap<u64, GrantRecord>,
    access: HashMap<String, AccessRecord>,
    refresh: HashMap<String, RefreshRecord>,
    next_grant_id: u64,
    writes: u64,
}

impl AuthStore {
    /// Stores a fresh code valid for `ttl` from `now`.
    pub fn insert_code(&mut self, code: String, binding: CodeBinding, now: SystemTime, ttl: Duration) {
        self.maybe_prune(now);
        self.codes.insert(
            code,
            CodeRecord {
                binding,
                expires_at: now + ttl,
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
        let grant_id = self.next_grant_id;
        self.next_grant_id += 1;
        record.state = CodeState::Spent(Some(grant_id));
        self.grants.insert(
            grant_id,
            GrantRecord {
                client_id: binding.client_id.clone(),
                user_id: binding.user_id.clone(),
                scope: binding.scope.clone(),
                revoked: false,
            },
        );
        Ok(GrantInfo {
            grant_id,
            client_id: binding.client_id,
            user_id: binding.user_id,
            scope: binding.scope,
        })
    }

    /// Records an access token (and optionally a refresh token) under a grant.
    pub fn record_tokens(
        &mut self,
        grant_id: u64,
        access: String,
        refresh: Option<String>,
        now: SystemTime,
        ttl: Lifetimes,
    ) {
        self.maybe_prune(now);
        self.access.insert(
            access,
            AccessRecord {
                grant_id,
                expires_at: now + ttl.access,
            },
        );
        if let Some(refresh) = refresh {
            self.refresh.insert(
                refresh,
                RefreshRecord {
                    grant_id,
                    expires_at: now + ttl.refresh,
                    status: RefreshStatus::Live,
                },
            );
        }
    }

    /// Checks a presented refresh token. Presenting a token that was already rotated away
    /// revokes the whole grant.
    pub fn check_refresh(&mut self, token: &str, client_id: &str, now: SystemTime) -> Result<GrantInfo, InvalidGrant> {
        let record = self
            .refresh
            .get(token)
            .ok_or(InvalidGrant("unknown or revoked refresh token"))?;
        let grant_id = record.grant_id;
        let grant = self
            .grants
            .get(&grant_id)
            .ok_or(InvalidGrant("unknown or revoked refresh token"))?;
        if grant.client_id != client_id {
            return Err(InvalidGrant("refresh token was issued to another client"));
        }
        if grant.revoked {
            return Err(InvalidGrant("unknown or revoked refresh token"));
        }
        if record.status == RefreshStatus::Rotated {
            self.revoke_grant(grant_id);
            return Err(InvalidGrant(
                "refresh token was already used; the whole grant has been revoked",
            ));
        }
        if now >= record.expires_at {
            return Err(InvalidGrant("refresh token expired"));
        }
        Ok(GrantInfo {
            grant_id,
            client_id: grant.client_id.clone(),
            user_id: grant.user_id.clone(),
            scope: grant.scope.clone(),
        })
    }

    /// Marks a refresh token as rotated away: it no longer works, and presenting it again
    /// revokes its grant.
    pub fn rotate_refresh(&mut self, token: &str) {
        if let Some(record) = self.refresh.get_mut(token) {
            record.status = RefreshStatus::Rotated;
        }
    }

    /// The grant behind a live access token.
    pub fn authenticate(&self, access_token: &str, now: SystemTime) -> Option<GrantInfo> {
        let record = self.access.get(access_token)?;
        if now >= record.expires_at {
            return None;
        }
        let grant = self.grants.get(&record.grant_id).filter(|g| !g.revoked)?;
        Some(GrantInfo {
            grant_id: record.grant_id,
            client_id: grant.client_id.clone(),
            user_id: grant.user_id.clone(),
            scope: grant.scope.clone(),
        })
    }

    /// RFC 7009 revocation on behalf of `client_id`.
    pub fn revoke(&mut self, token: &str, client_id: &str) -> Result<Revoked, WrongClient> {
        if let Some(record) = self.access.get(token) {
            self.check_owner(record.grant_id, client_id)?;
            self.access.remove(token);
            return Ok(Revoked::AccessToken);
        }
        if let Some(record) = self.refresh.get(token) {
            let grant_id = record.grant_id;
            self.check_owner(grant_id, client_id)?;
            self.revoke_grant(grant_id);
            return Ok(Revoked::Grant);
        }
        Ok(Revoked::Unknown)
    }

    /// Revokes every grant; returns how many live tokens (access + refresh) died.
    pub fn revoke_all(&mut self, now: SystemTime) -> usize {
        let (access, refresh) = self.live_counts(now);
        for grant in self.grants.values_mut() {
            grant.revoked = true;
        }
        self.access.clear();
        self.refresh.clear();
        access + refresh
    }

    /// Live access tokens and live refresh tokens (issued, unexpired, unrevoked, not rotated away).
    pub fn live_counts(&self, now: SystemTime) -> (usize, usize) {
        let granted = |id: &u64| self.grants.get(id).is_some_and(|g| !g.revoked);
        let access = self
            .access
            .values()
            .filter(|r| now < r.expires_at && granted(&r.grant_id))
            .count();
        let refresh = self
            .refresh
            .values()
            .filter(|r| r.status == RefreshStatus::Live && now < r.expires_at && granted(&r.grant_id))
            .count();
        (access, refresh)
    }

    fn check_owner(&self, grant_id: u64, client_id: &str) -> Result<(), WrongClient> {
        match self.grants.get(&grant_id) {
            Some(grant) if grant.client_id != client_id => Err(WrongClient),
            _ => Ok(()),
        }
    }

    fn revoke_grant(&mut self, grant_id: u64) {
        if let Some(grant) = self.grants.get_mut(&grant_id) {
            grant.revoked = true;
        }
        self.access.retain(|_, r| r.grant_id != grant_id);
        self.refresh.retain(|_, r| r.grant_id != grant_id);
    }

    /// Forgets long-dead codes and expired tokens now and then, so a long benchmark stays small.
    fn maybe_prune(&mut self, now: SystemTime) {
        self.writes += 1;
        if self.writes % 512 != 0 {
            return;
        }
        self.codes.retain(|_, c| now < c.expires_at + CODE_MEMORY);
        self.access.retain(|_, r| now < r.expires_at);
        self.refresh.retain(|_, r| now < r.expires_at);
        let access = &self.access;
        let refresh = &self.refresh;
        self.grants
            .retain(|id, _| access.values().any(|r| r.grant_id == *id) || refresh.values().any(|r| r.grant_id == *id));
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
        assert!(store.check_refresh("r1", "app", now).is_err());
        assert!(store.check_refresh("r2", "app", now).is_err());
        assert!(store.authenticate("a2", now).is_none());
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
        assert!(store.authenticate("a2", now).is_some());
        assert_eq!(store.revoke("r1", "app"), Ok(Revoked::Grant));
        assert!(store.authenticate("a2", now).is_none());
        assert_eq!(store.revoke("r1", "app"), Ok(Revoked::Unknown));
    }
}
