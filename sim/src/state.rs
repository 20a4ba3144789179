//! The sandbox's shared state: fixed settings, the seeded account, the signing key, the
//! mutable part (codes, grants, tokens, counters, faults, rate windows) behind one mutex,
//! and the incidents behind a read-write lock. Neither lock is held across an await or
//! while signing, and the two are never held together.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use serde::Serialize;

use crate::clients::ClientRegistry;
use crate::clock::SimClock;
use crate::config::SimConfig;
use crate::data::{self, Dataset, IncidentStore};
use crate::faults::{ApiFault, FaultQueue, TokenFault};
use crate::grants::AuthStore;
use crate::jwt::JwtSigner;
use crate::ratelimit::RateLimiter;

/// Handle to the state shared by every request.
pub type Shared = Arc<AppState>;

/// Settings, data and the locked mutable state.
pub struct AppState {
    /// Base URL the sandbox is reached at (no trailing slash).
    pub base_url: String,
    /// Registered OAuth clients.
    pub clients: ClientRegistry,
    /// The seeded account (everything but incidents).
    pub data: Dataset,
    /// id_token signer.
    pub signer: JwtSigner,
    /// The sandbox's clock.
    pub clock: SimClock,
    /// Access token lifetime.
    pub access_ttl: Duration,
    /// Refresh token lifetime.
    pub refresh_ttl: Duration,
    /// Authorization code lifetime.
    pub code_ttl: Duration,
    /// REST requests per token per minute.
    pub rate_limit: u32,
    inner: Mutex<Inner>,
    incidents: RwLock<IncidentStore>,
}

/// Everything that changes while the sandbox runs.
#[derive(Default)]
pub struct Inner {
    /// Codes, grants and tokens.
    pub auth: AuthStore,
    /// Request counters for `/_sim/stats`.
    pub counters: Counters,
    /// Faults waiting for token-endpoint requests.
    pub token_faults: FaultQueue<TokenFault>,
    /// Faults waiting for REST API requests.
    pub api_faults: FaultQueue<ApiFault>,
    /// Per-token rate-limit windows.
    pub limiter: RateLimiter,
}

/// Token-endpoint requests by grant type.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TokenRequests {
    /// `grant_type=authorization_code`.
    pub authorization_code: u64,
    /// `grant_type=refresh_token`.
    pub refresh_token: u64,
    /// Anything else, including unparseable requests.
    pub other: u64,
}

/// Counters reported by `/_sim/stats`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counters {
    /// Token-endpoint requests by grant type.
    pub token_requests: TokenRequests,
    /// Token-endpoint responses that issued no tokens (errors and injected faults).
    pub token_errors: u64,
    /// Accepted revocation requests (including unknown tokens).
    pub revocations: u64,
    /// REST API requests, whatever their outcome.
    pub api_requests: u64,
    /// REST API requests by route template (`/incidents/{id}`); `(unmatched)` for paths
    /// the sandbox does not serve.
    pub api_requests_by_path: BTreeMap<String, u64>,
    /// REST API requests refused by the rate limiter.
    pub rate_limited: u64,
    /// Consent approvals.
    pub authorize_approvals: u64,
    /// Consent denials.
    pub authorize_denials: u64,
    /// Requests that followed the `redirect` fault to `/oauth/token-moved`.
    pub token_moved_requests: u64,
    /// Grants created by `/_sim/mint` (not token requests).
    pub minted: u64,
}

impl AppState {
    /// Assembles the state for `config`, reached at `base_url`.
    pub fn new(config: &SimConfig, base_url: String, signer: JwtSigner) -> Self {
        let epoch = data::when::unix(config.data_epoch.unwrap_or_else(|| config.clock.now()));
        let started = std::time::Instant::now();
        let seeded = data::generate(config.seed, config.scale, &config.subdomain, config.region, epoch);
        tracing::info!(
            scale = ?config.scale,
            seed = config.seed,
            users = seeded.data.users.len(),
            incidents = seeded.incidents.all().len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "seeded the account"
        );
        Self {
            base_url,
            clients: ClientRegistry::new(&config.clients),
            data: seeded.data,
            incidents: RwLock::new(seeded.incidents),
            signer,
            clock: config.clock.clone(),
            access_ttl: config.access_ttl,
            refresh_ttl: config.refresh_ttl,
            code_ttl: config.code_ttl,
            rate_limit: config.rate_limit,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Reads the incidents. Like [`AppState::lock`], never held across an await, and a
    /// poisoned lock is recovered.
    pub fn incidents(&self) -> RwLockReadGuard<'_, IncidentStore> {
        self.incidents.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes the incidents.
    pub fn incidents_mut(&self) -> RwLockWriteGuard<'_, IncidentStore> {
        self.incidents.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Locks the mutable state. A panic elsewhere cannot poison it for good: the data is
    /// plain bookkeeping, so the guard is recovered.
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
