//! Wiring: take the single-instance lock, open the store, bind the socket,
//! start the tasks, and stop them in order. `main` adds arguments, logging and
//! signals; tests call [`Daemon::start`] directly with temp paths.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::browse::{self, Browse, ServiceSource};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::crypto::load_key;
use crate::ipc::{self, Limits};
use crate::refresh::run_schedule;
use crate::service::Service;
use crate::storage::{SqliteStorage, Storage};
use crate::store::{Store, ensure_private_dir};

/// Name of the single-instance lock file in the state directory.
pub const LOCK_FILE: &str = "pdauthd.lock";
/// How long shutdown waits for in-flight work (a refresh or exchange) to
/// finish and commit.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything the daemon needs to start.
pub struct Options {
    pub config: Config,
    pub state_dir: PathBuf,
    pub socket: PathBuf,
    /// `$CREDENTIALS_DIRECTORY` (systemd), where the store key may live.
    pub credentials_dir: Option<PathBuf>,
    pub clock: Arc<dyn Clock>,
    pub limits: Limits,
    /// Wraps the store, e.g. to inject storage faults in tests.
    pub storage_override: Option<StorageWrapper>,
    /// How often the wall clock is re-read (timers stop during a suspend).
    pub wall_check: Duration,
}

/// A function that wraps the real storage.
pub type StorageWrapper = Box<dyn FnOnce(Arc<dyn Storage>) -> Arc<dyn Storage> + Send>;

impl Options {
    pub fn new(config: Config, state_dir: PathBuf, socket: PathBuf) -> Self {
        Self {
            config,
            state_dir,
            socket,
            credentials_dir: None,
            clock: Arc::new(SystemClock),
            limits: Limits::default(),
            storage_override: None,
            wall_check: Duration::from_secs(crate::refresh::WALL_CLOCK_CHECK as u64),
        }
    }
}

/// A running daemon.
pub struct Daemon {
    service: Arc<Service>,
    shutdown: CancellationToken,
    tasks: TaskTracker,
    socket: PathBuf,
    _lock: File,
}

/// Why the daemon could not start; the message says what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

fn take_lock(state_dir: &Path) -> Result<File, StartError> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = state_dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| StartError(format!("cannot open lock file {}: {e}", path.display())))?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(file),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(StartError(format!(
            "pdauthd is already running with state directory {} (lock {} is held); if its socket was deleted, \
             stop that daemon and start it again",
            state_dir.display(),
            path.display()
        ))),
        Err(e) => Err(StartError(format!("cannot lock {}: {e}", path.display()))),
    }
}

/// What was fetched with a profile's old login is not served after it was
/// revoked or replaced (it may belong to another account or user).
async fn forget_on_login_changes(service: Arc<Service>, browse: Arc<Browse>, shutdown: CancellationToken) {
    let mut events = service.subscribe();
    loop {
        let event = tokio::select! {
            _ = shutdown.cancelled() => return,
            event = events.recv() => event,
        };
        match event {
            Ok(pdauth_common::Event::Revoked { profile, .. } | pdauth_common::Event::LoginCompleted { profile }) => {
                browse.forget(&profile)
            }
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                // Missed events might have been logins: forget everything.
                for name in service.config().profiles.keys() {
                    browse.forget(name);
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

impl Daemon {
    /// Start everything; returns once the socket accepts connections.
    pub async fn start(opts: Options) -> Result<Daemon, StartError> {
        ensure_private_dir(&opts.state_dir).map_err(StartError)?;
        // The lock comes first: nothing else is touched by a second instance.
        let lock = take_lock(&opts.state_dir)?;
        // Then the socket, so a daemon that cannot serve creates no key or
        // database either.
        let listener = ipc::bind(&opts.socket, 0o600).map_err(|e| StartError(e.to_string()))?;
        let fresh = !opts.state_dir.join(crate::store::DB_FILE).exists();
        let loaded = load_key(&opts.state_dir, opts.credentials_dir.as_deref(), fresh);
        let key = loaded.key.ok_or_else(|| match &loaded.info {
            pdauth_common::StorageInfo::Unavailable { reason } => reason.clone(),
            _ => "no store key".to_string(),
        });
        if let Err(reason) = &key {
            tracing::error!(reason = %reason, "no store key: tokens will not be stored");
        }
        let (store, report) = Store::open(&opts.state_dir, key).map_err(|e| StartError(e.to_string()))?;
        let notice = report.moved_aside.as_ref().map(|aside| {
            tracing::error!(moved_to = %aside.display(), "the token store was corrupt and has been replaced; log in again");
            format!(
                "the token store was corrupt; it was moved to {} and an empty one started: log in again",
                aside.display()
            )
        });
        let shutdown = CancellationToken::new();
        let tasks = TaskTracker::new();
        let storage: Arc<dyn Storage> = match opts.storage_override {
            Some(wrap) => wrap(Arc::new(SqliteStorage::new(store))),
            None => Arc::new(SqliteStorage::new(store)),
        };
        let concurrency = opts.config.daemon.refresh_concurrency;
        let service = Service::new(
            opts.config,
            storage,
            loaded.info,
            opts.clock.clone(),
            tasks.clone(),
            shutdown.clone(),
        );
        if let Some(notice) = notice {
            service.set_notice(notice);
        }
        tasks.spawn(service.clone().watch_time(opts.wall_check));
        tasks.spawn(run_schedule(
            service.planner().clone(),
            service.clone(),
            opts.clock,
            service.plan_wake().clone(),
            concurrency,
            opts.wall_check.as_secs().max(1) as i64,
            tasks.clone(),
            shutdown.clone(),
        ));
        let browse = Browse::new(
            Arc::new(ServiceSource(service.clone())),
            browse::Settings {
                cache_ttl: service.config().daemon.cache_ttl,
                poll_interval: service.config().daemon.poll_interval,
            },
            shutdown.clone(),
        );
        tasks.spawn(forget_on_login_changes(
            service.clone(),
            browse.clone(),
            shutdown.clone(),
        ));
        tasks.spawn(ipc::serve(
            listener,
            service.clone(),
            browse,
            opts.limits,
            shutdown.clone(),
        ));
        tracing::info!(socket = %opts.socket.display(), profiles = service.config().profiles.len(), "pdauthd ready");
        Ok(Daemon {
            service,
            shutdown,
            tasks,
            socket: opts.socket,
            _lock: lock,
        })
    }

    pub fn service(&self) -> &Arc<Service> {
        &self.service
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Cancelling this token stops the daemon.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Stop: refuse new work and tell waiting clients, let exchanges and
    /// refreshes in flight finish and commit (bounded), then end client
    /// sessions and remove the socket.
    pub async fn stop(self) {
        self.service.stop();
        self.shutdown.cancel();
        if !self.service.drain(DRAIN_TIMEOUT).await {
            tracing::warn!("a refresh or login did not finish within the drain timeout");
        }
        self.service.save_before_exit().await;
        self.service.closing_token().cancel();
        self.tasks.close();
        if tokio::time::timeout(DRAIN_TIMEOUT, self.tasks.wait()).await.is_err() {
            tracing::warn!("some tasks did not finish within the drain timeout");
        }
        tracing::info!("pdauthd stopped");
    }

    /// Run until the shutdown token is cancelled, then stop.
    pub async fn run_until_shutdown(self) {
        self.shutdown.cancelled().await;
        self.stop().await;
    }
}
