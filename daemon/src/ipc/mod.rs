//! The local socket: binding it safely (private directory, mode 0600, stale
//! socket replaced only after a refused probe, never a file or symlink
//! unlinked), the accept loop with its connection cap, and one session task
//! per connection. Holds no SQL and no HTTP.

mod dispatch;
mod session;
mod watches;

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use interprocess::local_socket::tokio::Listener;
use interprocess::local_socket::traits::tokio::Listener as _;
use interprocess::local_socket::{GenericFilePath, ListenerOptions, ToFsName};
use interprocess::os::unix::local_socket::ListenerOptionsExt;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::browse::Browse;
use crate::service::Service;
use crate::store::ensure_private_dir;

pub use session::Limits;

/// Why the socket could not be bound.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("pdauthd is already running (socket {0} answers)")]
    AlreadyRunning(PathBuf),
    #[error("{0}")]
    Refused(String),
    #[error("cannot bind socket {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// The bound socket. The socket file is removed when this is dropped.
pub struct IpcListener {
    listener: Listener,
    path: PathBuf,
    /// Identity of the socket file we created, to never unlink another.
    ino: u64,
}

impl std::fmt::Debug for IpcListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IpcListener").field("path", &self.path).finish()
    }
}

impl IpcListener {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for IpcListener {
    fn drop(&mut self) {
        if let Ok(meta) = std::fs::symlink_metadata(&self.path) {
            if meta.file_type().is_socket() && meta.ino() == self.ino {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

/// Bind the daemon's socket at `path` with `mode` (0600 for a user daemon).
pub fn bind(path: &Path, mode: u32) -> Result<IpcListener, BindError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    ensure_private_dir(dir).map_err(BindError::Refused)?;
    clear_stale(path)?;
    let name = path.to_fs_name::<GenericFilePath>().map_err(|e| BindError::Io {
        path: path.into(),
        source: e,
    })?;
    let listener = ListenerOptions::new()
        .name(name)
        .mode(mode as libc::mode_t)
        .reclaim_name(false)
        .try_overwrite(false)
        .create_tokio()
        .map_err(|e| BindError::Io {
            path: path.into(),
            source: e,
        })?;
    let ino = std::fs::symlink_metadata(path).map(|m| m.ino()).unwrap_or(0);
    Ok(IpcListener {
        listener,
        path: path.to_path_buf(),
        ino,
    })
}

/// Make the path free for a new socket, or say why it cannot be.
fn clear_stale(path: &Path) -> Result<(), BindError> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(BindError::Io {
                path: path.into(),
                source: e,
            });
        }
    };
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Err(BindError::Refused(format!(
            "{} is a symlink; refusing to replace it (remove it yourself if it is safe)",
            path.display()
        )));
    }
    if !kind.is_socket() {
        return Err(BindError::Refused(format!(
            "{} exists and is not a socket; refusing to replace it (remove it yourself if it is safe)",
            path.display()
        )));
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me {
        return Err(BindError::Refused(format!(
            "socket {} belongs to uid {}, not to this daemon's uid {me}; refusing to replace it",
            path.display(),
            meta.uid()
        )));
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(BindError::AlreadyRunning(path.into())),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            tracing::info!(socket = %path.display(), "removing stale socket left by a previous run");
            std::fs::remove_file(path).map_err(|e| BindError::Io {
                path: path.into(),
                source: e,
            })
        }
        Err(e) => Err(BindError::Io {
            path: path.into(),
            source: e,
        }),
    }
}

/// Accept connections until shutdown; each gets its own session task.
pub async fn serve(
    listener: IpcListener,
    service: Arc<Service>,
    browse: Arc<Browse>,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let our_uid = rustix::process::geteuid().as_raw();
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok(stream) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let permit = slots.clone().try_acquire_owned().ok();
        let service = service.clone();
        let browse = browse.clone();
        // Sessions outlive the accept loop until critical work has drained.
        let closing = service.closing_token().clone();
        let limits = limits.clone();
        service.clone().tasks().spawn(async move {
            match permit {
                Some(permit) => {
                    session::run(stream, service, browse, our_uid, limits, closing).await;
                    drop(permit);
                }
                None => session::refuse_busy(stream).await,
            }
        });
    }
    drop(listener);
}
