//! Authorization codes, grants and the tokens issued under them: issuance, PKCE checks,
//! refresh-token rotation with reuse detection, revocation and introspection. Pure
//! bookkeeping over times passed in by the caller; no HTTP and no locking here. The
//! values handed out are in `types.rs`, PKCE checks in `pkce.rs`.
//!
//! Cost: every lookup is one hash-map access keyed by code, token or grant id. Expiry runs
//! off a min-heap of deadlines drained up to "now" on writes and before counts are read, so
//! each code and token is visited a constant number of times in its whole life (when it
//! expires and when it is forgotten). Live counts are kept per grant and in total, so
//! revoking a grant is O(1) and reading the counters never scans.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, SystemTime};

mod pkce;
mod types;

pub use pkce::{is_s256_challenge, pkce_matches};
pub use types::*;

/// How long a code is remembered after it expires (so reuse is recognised as reuse).
const CODE_MEMORY: Duration = Duration::from_secs(3600);
/// How long a token is remembered after it expires: introspection still reports it as
/// expired (or rotated, or revoked) and a rotated refresh token presented again is still
/// recognised as reuse. Afterwards it is unknown.
pub const TOKEN_MEMORY: Duration = Duration::from_secs(3600);

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

#[cfg(test)]
mod tests;
