//! The connection to `pdauthd`: local socket connect, the `Hello`/`Welcome`
//! handshake, request/reply matching by id, the event stream of a
//! subscription, and the reconnecting link the terminal UI lives on. Knows
//! nothing about screens or the command line.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use interprocess::local_socket::tokio::Stream;
use interprocess::local_socket::tokio::prelude::*;
use interprocess::local_socket::{GenericFilePath, ToFsName};
use pdauth_common::sanitize;
use pdauth_common::{
    ClientFrame, CodecError, ErrorCode, Event, JsonLineCodec, PROTOCOL_VERSION, ProfileStatus, Reply, Request,
    Response, ServerFrame, StorageInfo, WireError,
};
use tokio::sync::{mpsc, oneshot};
use tokio_util::codec::Framed;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::exit;

/// How long the daemon may take to answer `Hello`.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Pause between two connection attempts of the reconnecting link.
pub const RETRY_INTERVAL: Duration = Duration::from_millis(1500);

type Transport = Framed<Stream, JsonLineCodec<ServerFrame, ClientFrame>>;

/// Why talking to the daemon failed. Every message says what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    #[error("pdauthd is not running (socket {}): start it with `pdauthd` or `systemctl --user start pdauthd`", .socket.display())]
    NotRunning { socket: PathBuf },
    /// The socket file is there but nobody accepts on it, or the daemon
    /// hung up before the handshake: it is draining on its way out, or it
    /// died without removing its socket.
    #[error(
        "pdauthd is stopping or not running (socket {} is there but refuses connections): \
         unless it is being stopped, start it with `pdauthd` or `systemctl --user start pdauthd`",
        .socket.display()
    )]
    Stopping { socket: PathBuf },
    #[error("cannot connect to pdauthd at {}: {message}", .socket.display())]
    Unreachable { socket: PathBuf, message: String },
    /// Whatever answers at the socket runs as another user: it may be
    /// impersonating pdauthd to hand out its own tokens and URLs.
    #[error(
        "refusing to use {}: the process serving it runs as {}, not as you (uid {our_uid}) or root; \
         it may be impersonating pdauthd. Check who created that socket, or point --socket at your own daemon",
        .socket.display(),
        .peer_uid.map_or_else(|| "an unknown user".to_string(), |uid| format!("uid {uid}"))
    )]
    UntrustedPeer {
        socket: PathBuf,
        peer_uid: Option<u32>,
        our_uid: u32,
    },
    /// Other users could replace the socket.
    #[error(
        "refusing to use {}: its directory {} is writable by other users (mode {mode:o}), so anyone could put \
         their own daemon there; make it private (chmod 700 {})",
        .socket.display(),
        .dir.display(),
        .dir.display()
    )]
    UnsafeSocketDir { socket: PathBuf, dir: PathBuf, mode: u32 },
    #[error("{0}")]
    ProtocolMismatch(String),
    #[error("pdauthd did not answer the handshake within {} s: is something else listening on the socket?", HANDSHAKE_TIMEOUT.as_secs())]
    HandshakeTimeout,
    #[error("pdauthd closed the connection (it stopped or restarted); try again")]
    Disconnected,
    #[error("connection to pdauthd failed: {0}")]
    Transport(String),
    /// The request would make a frame larger than the daemon accepts; it
    /// was not sent and the connection is still good.
    #[error(
        "the request is larger than pdauthd accepts ({limit} bytes) and was not sent: send less (fewer or shorter \
         query values, a smaller body)"
    )]
    RequestTooLarge { limit: usize },
    #[error("unexpected answer from pdauthd: {0}")]
    Unexpected(String),
    /// An error the daemon reported, message already sanitised.
    #[error("{}", .0.message)]
    Daemon(WireError),
}

impl ClientError {
    /// The `pdauth` exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            ClientError::Daemon(wire) => exit::for_wire(wire.code),
            ClientError::Unexpected(_) => exit::FAILURE,
            ClientError::RequestTooLarge { .. } => exit::USAGE,
            ClientError::NotRunning { .. }
            | ClientError::Stopping { .. }
            | ClientError::Unreachable { .. }
            | ClientError::UntrustedPeer { .. }
            | ClientError::UnsafeSocketDir { .. }
            | ClientError::ProtocolMismatch(_)
            | ClientError::HandshakeTimeout
            | ClientError::Disconnected
            | ClientError::Transport(_) => exit::DAEMON_UNREACHABLE,
        }
    }

    /// The daemon's error code, when the daemon reported one.
    pub fn wire_code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Daemon(wire) => Some(wire.code),
            _ => None,
        }
    }

    fn daemon(wire: WireError) -> Self {
        ClientError::Daemon(WireError::new(wire.code, sanitize::for_terminal(&wire.message)))
    }

    fn from_codec(err: CodecError) -> Self {
        ClientError::Transport(err.to_string())
    }
}

struct Outgoing {
    request: Request,
    reply: oneshot::Sender<Result<Reply, ClientError>>,
}

/// A cheap, cloneable way to send requests on an open connection.
#[derive(Clone)]
pub struct Handle {
    tx: mpsc::Sender<Outgoing>,
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle").field("open", &!self.tx.is_closed()).finish()
    }
}

impl Handle {
    /// Send one request and wait for its reply. Fails with
    /// [`ClientError::Disconnected`] (never hangs) if the daemon goes away
    /// before answering.
    pub async fn request(&self, request: Request) -> Result<Response, ClientError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Outgoing { request, reply })
            .await
            .map_err(|_| ClientError::Disconnected)?;
        match rx.await {
            Err(_) => Err(ClientError::Disconnected),
            Ok(Err(err)) => Err(err),
            Ok(Ok(Reply::Ok(response))) => Ok(response),
            Ok(Ok(Reply::Error(wire))) => Err(ClientError::daemon(wire)),
        }
    }

    /// Whether the connection behind this handle has ended.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// One open, handshaken connection. Dropping it closes the socket.
pub struct Connection {
    handle: Handle,
    events: mpsc::UnboundedReceiver<Result<Event, ClientError>>,
    daemon_version: String,
    _close_on_drop: DropGuard,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("daemon_version", &self.daemon_version)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Connect to the daemon's socket and complete the handshake.
    pub async fn connect(socket: &Path) -> Result<Self, ClientError> {
        Self::connect_as(socket, &crate::client_name(), PROTOCOL_VERSION).await
    }

    /// [`Connection::connect`] with an explicit client name and protocol
    /// version (tests use this to provoke a mismatch).
    pub async fn connect_as(socket: &Path, client: &str, protocol: u32) -> Result<Self, ClientError> {
        let name = socket
            .to_fs_name::<GenericFilePath>()
            .map_err(|e| ClientError::Unreachable {
                socket: socket.to_path_buf(),
                message: e.to_string(),
            })?;
        check_socket_dir(socket)?;
        let stream = Stream::connect(name).await.map_err(|e| connect_error(socket, e))?;
        check_peer(socket, &stream)?;
        let mut transport = Framed::new(stream, JsonLineCodec::<ServerFrame, ClientFrame>::for_client());
        let hello = ClientFrame::Hello {
            protocol,
            client: client.to_string(),
        };
        let first = tokio::time::timeout(HANDSHAKE_TIMEOUT, async {
            transport.send(hello).await.map_err(|e| handshake_error(socket, e))?;
            transport
                .next()
                .await
                .transpose()
                .map_err(|e| handshake_error(socket, e))
        })
        .await
        .map_err(|_| ClientError::HandshakeTimeout)??;
        let daemon_version = match first {
            Some(ServerFrame::Welcome {
                protocol: theirs,
                daemon_version,
            }) if theirs == protocol => sanitize::truncated(&daemon_version, 64),
            Some(ServerFrame::Welcome { protocol: theirs, .. }) => {
                return Err(ClientError::ProtocolMismatch(format!(
                    "pdauthd speaks protocol {theirs}, this pdauth speaks {protocol}: upgrade the older of the two"
                )));
            }
            Some(ServerFrame::Error { error }) if error.code == ErrorCode::ProtocolMismatch => {
                return Err(ClientError::ProtocolMismatch(format!(
                    "pdauthd refused this pdauth's protocol version {protocol}: {}",
                    sanitize::for_terminal(&error.message)
                )));
            }
            Some(ServerFrame::Error { error }) => return Err(ClientError::daemon(error)),
            Some(other) => return Err(ClientError::Unexpected(frame_kind(&other).to_string())),
            // Hung up before saying anything: a daemon on its way out.
            None => {
                return Err(ClientError::Stopping {
                    socket: socket.to_path_buf(),
                });
            }
        };

        let (tx, outgoing) = mpsc::channel(64);
        let (events_tx, events) = mpsc::unbounded_channel();
        let cancel = CancellationToken::new();
        tokio::spawn(drive(transport, outgoing, events_tx, cancel.clone()));
        Ok(Connection {
            handle: Handle { tx },
            events,
            daemon_version,
            _close_on_drop: cancel.drop_guard(),
        })
    }

    /// The version the daemon announced in `Welcome` (sanitised).
    pub fn daemon_version(&self) -> &str {
        &self.daemon_version
    }

    /// A handle for sending requests from elsewhere (it is cheap to clone).
    pub fn handle(&self) -> Handle {
        self.handle.clone()
    }

    /// Send one request and wait for its reply.
    pub async fn request(&self, request: Request) -> Result<Response, ClientError> {
        self.handle.request(request).await
    }

    /// `Subscribe`: the snapshot now, events later through
    /// [`Connection::next_event`].
    pub async fn subscribe(&self) -> Result<(Vec<ProfileStatus>, StorageInfo), ClientError> {
        match self.request(Request::Subscribe).await? {
            Response::Subscribed { profiles, storage } => Ok((profiles, storage)),
            other => Err(unexpected(&other)),
        }
    }

    /// The next pushed event, or why the connection ended. After an `Err`
    /// the connection is gone and every later call returns
    /// [`ClientError::Disconnected`].
    pub async fn next_event(&mut self) -> Result<Event, ClientError> {
        match self.events.recv().await {
            Some(item) => item,
            None => Err(ClientError::Disconnected),
        }
    }
}

/// A reply of the wrong kind for the request that was sent.
pub fn unexpected(response: &Response) -> ClientError {
    let kind = match response {
        Response::Pong { .. } => "pong",
        Response::Status { .. } => "status",
        Response::Subscribed { .. } => "subscribed",
        Response::LoginStarted { .. } => "login_started",
        Response::LoginCancelled { .. } => "login_cancelled",
        Response::Token { .. } => "token",
        Response::Revoked { .. } => "revoked",
        Response::Refreshed { .. } => "refreshed",
        Response::Audit { .. } => "audit",
        Response::Api { .. } => "api",
        Response::List { .. } => "list",
        Response::Detail { .. } => "detail",
        Response::Watching { .. } => "watching",
        Response::Unwatched { .. } => "unwatched",
    };
    ClientError::Unexpected(format!("a `{kind}` reply"))
}

fn frame_kind(frame: &ServerFrame) -> &'static str {
    match frame {
        ServerFrame::Welcome { .. } => "welcome",
        ServerFrame::Reply { .. } => "a reply before the handshake",
        ServerFrame::Event { .. } => "an event before the handshake",
        ServerFrame::Error { .. } => "error",
    }
}

/// Whether a client running as `our_uid` may talk to a daemon running as
/// `peer_uid`: its own user's daemon, or root's (a system daemon). Anyone else
/// could hand out tokens and login URLs of their choosing.
pub fn peer_allowed(our_uid: u32, peer_uid: u32) -> bool {
    peer_uid == our_uid || peer_uid == 0
}

/// Whether a socket directory owned by `owner` with permission bits `mode`
/// keeps other users from replacing the socket: not writable by group or
/// others, unless it is a sticky directory owned by root (like `/tmp`),
/// where nobody can remove another user's files.
pub fn socket_dir_allowed(owner: u32, mode: u32) -> bool {
    let sticky = mode & 0o1000 != 0;
    mode & 0o022 == 0 || (sticky && owner == 0)
}

/// Refuse a socket whose directory other users may write to. A directory
/// that cannot be inspected is left to `connect` to report.
fn check_socket_dir(socket: &Path) -> Result<(), ClientError> {
    use std::os::unix::fs::MetadataExt;
    let dir = match socket.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    match std::fs::metadata(dir) {
        Ok(meta) if !socket_dir_allowed(meta.uid(), meta.mode()) => Err(ClientError::UnsafeSocketDir {
            socket: socket.to_path_buf(),
            dir: dir.to_path_buf(),
            mode: meta.mode() & 0o7777,
        }),
        _ => Ok(()),
    }
}

/// Refuse a daemon that runs as another user (see [`peer_allowed`]), before
/// a single frame is exchanged.
fn check_peer(socket: &Path, stream: &Stream) -> Result<(), ClientError> {
    let our_uid = rustix::process::geteuid().as_raw();
    let peer_uid = stream.peer_creds().ok().and_then(|creds| creds.euid());
    match peer_uid {
        Some(uid) if peer_allowed(our_uid, uid) => Ok(()),
        _ => Err(ClientError::UntrustedPeer {
            socket: socket.to_path_buf(),
            peer_uid,
            our_uid,
        }),
    }
}

fn connect_error(socket: &Path, err: io::Error) -> ClientError {
    use std::os::unix::fs::FileTypeExt;
    // Something that is not a socket at all: a wrong --socket, not a daemon.
    if let Ok(meta) = std::fs::metadata(socket) {
        if !meta.file_type().is_socket() {
            let what = if meta.is_dir() { "a directory" } else { "not a socket" };
            return ClientError::Unreachable {
                socket: socket.to_path_buf(),
                message: format!("it is {what}; give --socket (or PDAUTH_SOCKET) pdauthd's socket"),
            };
        }
    }
    match err.kind() {
        io::ErrorKind::NotFound => ClientError::NotRunning {
            socket: socket.to_path_buf(),
        },
        // The socket file outlives the listener while pdauthd drains.
        io::ErrorKind::ConnectionRefused if std::fs::symlink_metadata(socket).is_ok() => ClientError::Stopping {
            socket: socket.to_path_buf(),
        },
        io::ErrorKind::ConnectionRefused => ClientError::NotRunning {
            socket: socket.to_path_buf(),
        },
        _ => ClientError::Unreachable {
            socket: socket.to_path_buf(),
            message: err.to_string(),
        },
    }
}

/// A failure while exchanging `Hello` and `Welcome`: the daemon cutting the
/// connection short is a daemon on its way out; anything else is reported
/// as it is.
fn handshake_error(socket: &Path, err: CodecError) -> ClientError {
    match err {
        CodecError::Truncated => ClientError::Stopping {
            socket: socket.to_path_buf(),
        },
        CodecError::Io(e)
            if matches!(
                e.kind(),
                io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof
            ) =>
        {
            ClientError::Stopping {
                socket: socket.to_path_buf(),
            }
        }
        other => ClientError::from_codec(other),
    }
}

/// The connection driver: owns the socket, numbers requests, routes replies to
/// their waiters and events to the event queue. When it ends, every waiter
/// and the event queue learn why.
async fn drive(
    mut transport: Transport,
    mut outgoing: mpsc::Receiver<Outgoing>,
    events: mpsc::UnboundedSender<Result<Event, ClientError>>,
    cancel: CancellationToken,
) {
    let mut pending: HashMap<u64, oneshot::Sender<Result<Reply, ClientError>>> = HashMap::new();
    let mut next_id: u64 = 1;
    let end = loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            out = outgoing.recv() => {
                let Some(Outgoing { request, reply }) = out else { return };
                let id = next_id;
                next_id += 1;
                match transport.send(ClientFrame::Request { id, request }).await {
                    Ok(()) => {
                        pending.insert(id, reply);
                    }
                    // Refused before a byte was written: only this request fails.
                    Err(CodecError::TooLarge { limit }) => {
                        let _ = reply.send(Err(ClientError::RequestTooLarge { limit }));
                    }
                    Err(err) => {
                        let err = ClientError::from_codec(err);
                        let _ = reply.send(Err(err.clone()));
                        break err;
                    }
                }
            }
            frame = transport.next() => match frame {
                None => break ClientError::Disconnected,
                Some(Err(CodecError::Truncated)) => break ClientError::Disconnected,
                Some(Err(err)) => break ClientError::from_codec(err),
                Some(Ok(ServerFrame::Reply { id, result })) => {
                    if let Some(waiter) = pending.remove(&id) {
                        let _ = waiter.send(Ok(result));
                    }
                }
                Some(Ok(ServerFrame::Event { event })) => {
                    let _ = events.send(Ok(event));
                }
                Some(Ok(ServerFrame::Error { error })) => break ClientError::daemon(error),
                Some(Ok(ServerFrame::Welcome { .. })) => {}
            },
        }
    };
    for (_, waiter) in pending.drain() {
        let _ = waiter.send(Err(end.clone()));
    }
    let _ = events.send(Err(end));
}

/// What the reconnecting link reports to the terminal UI.
// Updates go straight from the socket to the reducer; boxing the snapshot
// would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum LinkUpdate {
    /// Connected and subscribed: the snapshot, and a handle for requests.
    Up {
        handle: Handle,
        daemon_version: String,
        profiles: Vec<ProfileStatus>,
        storage: StorageInfo,
    },
    /// A pushed event on the current subscription.
    Event(Event),
    /// Not connected; another attempt follows after [`RETRY_INTERVAL`].
    Down { error: ClientError },
}

/// Keep a subscription to the daemon alive until `updates` is closed:
/// connect, subscribe, forward events; on any failure report `Down`, wait
/// `retry` and start over.
pub async fn maintain(socket: PathBuf, updates: mpsc::Sender<LinkUpdate>, retry: Duration) {
    loop {
        let error = match Connection::connect(&socket).await {
            Err(error) => error,
            Ok(mut conn) => match conn.subscribe().await {
                Err(error) => error,
                Ok((profiles, storage)) => {
                    let up = LinkUpdate::Up {
                        handle: conn.handle(),
                        daemon_version: conn.daemon_version().to_string(),
                        profiles,
                        storage,
                    };
                    if updates.send(up).await.is_err() {
                        return;
                    }
                    loop {
                        let next = tokio::select! {
                            next = conn.next_event() => next,
                            _ = updates.closed() => return,
                        };
                        match next {
                            Ok(event) => {
                                if updates.send(LinkUpdate::Event(event)).await.is_err() {
                                    return;
                                }
                            }
                            Err(error) => break error,
                        }
                    }
                }
            },
        };
        if updates.send(LinkUpdate::Down { error }).await.is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(retry) => {}
            _ = updates.closed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_or_roots_daemon_is_trusted() {
        assert!(peer_allowed(1000, 1000));
        assert!(peer_allowed(1000, 0), "a system daemon runs as root");
        assert!(peer_allowed(0, 0));
        assert!(!peer_allowed(1000, 1001));
        assert!(!peer_allowed(1000, 65_534));
        assert!(!peer_allowed(0, 1000), "root does not trust a user's daemon");
    }

    #[test]
    fn socket_directories_others_can_write_are_refused() {
        assert!(socket_dir_allowed(1000, 0o40700));
        assert!(socket_dir_allowed(0, 0o40755));
        assert!(socket_dir_allowed(1000, 0o40750));
        assert!(socket_dir_allowed(0, 0o41777), "/tmp: sticky and root's");
        assert!(!socket_dir_allowed(1000, 0o41777), "sticky but a user's");
        assert!(!socket_dir_allowed(1000, 0o40777));
        assert!(!socket_dir_allowed(1000, 0o40770));
        assert!(!socket_dir_allowed(0, 0o40777), "root's but not sticky");
    }

    #[test]
    fn refusals_name_the_socket_and_the_peer_and_exit_3() {
        let err = ClientError::UntrustedPeer {
            socket: "/tmp/pdauth-1000/pdauthd.sock".into(),
            peer_uid: Some(1001),
            our_uid: 1000,
        };
        let text = err.to_string();
        assert!(text.contains("/tmp/pdauth-1000/pdauthd.sock"), "{text}");
        assert!(text.contains("uid 1001"), "{text}");
        assert!(text.contains("uid 1000"), "{text}");
        assert_eq!(err.exit_code(), exit::DAEMON_UNREACHABLE);
        let err = ClientError::UnsafeSocketDir {
            socket: "/tmp/x/pdauthd.sock".into(),
            dir: "/tmp/x".into(),
            mode: 0o777,
        };
        assert!(err.to_string().contains("mode 777"), "{err}");
        assert!(err.to_string().contains("chmod 700 /tmp/x"), "{err}");
        assert_eq!(err.exit_code(), exit::DAEMON_UNREACHABLE);
    }
}
