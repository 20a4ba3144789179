//! One client connection: peer check, handshake, then requests answered
//! concurrently and events pushed to subscribers, over a bounded outbound
//! queue. A slow subscriber gets a resync instead of silent loss; a silent,
//! half-sent or flooding connection is closed. Other connections never
//! notice.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use interprocess::local_socket::tokio::Stream;
use interprocess::local_socket::traits::StreamCommon as _;
use tokio::sync::{Semaphore, broadcast, mpsc};
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

use super::dispatch::dispatch;
use super::watches::Watches;
use crate::browse::Browse;
use crate::service::Service;
use pdauth_common::{
    Actor, ClientFrame, CodecError, ErrorCode, Event, JsonLineCodec, PROTOCOL_VERSION, Reply, Request, Response,
    ServerFrame, WireError,
};

type Conn = Framed<Stream, JsonLineCodec<ClientFrame, ServerFrame>>;

/// Bounds on every connection.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_connections: usize,
    /// Requests one connection may have in flight.
    pub max_in_flight: usize,
    /// Replies waiting to be written to one connection.
    pub outbound_queue: usize,
    pub handshake_timeout: Duration,
    /// A frame started but not finished within this is dropped with the
    /// connection.
    pub partial_frame_timeout: Duration,
    /// A connection with no subscription and nothing in flight is closed
    /// after this.
    pub idle_timeout: Duration,
    /// A client that does not read for this long is disconnected.
    pub write_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 64,
            max_in_flight: 16,
            outbound_queue: 64,
            handshake_timeout: Duration::from_secs(10),
            partial_frame_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(600),
            write_timeout: Duration::from_secs(30),
        }
    }
}

/// Tell a connection over the cap why it is closed.
pub async fn refuse_busy(stream: Stream) {
    let mut conn = Framed::new(stream, JsonLineCodec::<ClientFrame, ServerFrame>::for_daemon());
    let error = WireError::new(ErrorCode::Busy, "pdauthd has too many connections; try again shortly");
    let _ = tokio::time::timeout(Duration::from_secs(2), conn.send(ServerFrame::Error { error })).await;
}

async fn send_error_and_close(conn: &mut Conn, code: ErrorCode, message: impl Into<String>, limits: &Limits) {
    let frame = ServerFrame::Error {
        error: WireError::new(code, message),
    };
    let _ = tokio::time::timeout(limits.write_timeout, conn.send(frame)).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), conn.close()).await;
}

pub async fn run(
    stream: Stream,
    service: Arc<Service>,
    browse: Arc<Browse>,
    our_uid: u32,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let peer = stream.peer_creds().ok();
    let peer_uid = peer.as_ref().and_then(|c| c.euid());
    let peer_pid = peer.as_ref().and_then(|c| c.pid());
    let actor = peer_uid.map(|uid| Actor { uid, pid: peer_pid });
    let mut conn: Conn = Framed::new(stream, JsonLineCodec::for_daemon());
    if peer_uid != Some(our_uid) {
        tracing::warn!(peer_uid = ?peer_uid, peer_pid = ?peer_pid, "refused a connection from another user");
        send_error_and_close(
            &mut conn,
            ErrorCode::UnauthorizedPeer,
            "this pdauthd serves only its own user; start your own with `pdauthd`",
            &limits,
        )
        .await;
        return;
    }
    tracing::debug!(peer_pid = ?peer_pid, "client connected");

    match tokio::time::timeout(limits.handshake_timeout, conn.next()).await {
        Ok(Some(Ok(ClientFrame::Hello { protocol, .. }))) if protocol == PROTOCOL_VERSION => {
            let welcome = ServerFrame::Welcome {
                protocol: PROTOCOL_VERSION,
                daemon_version: env!("CARGO_PKG_VERSION").into(),
            };
            if conn.send(welcome).await.is_err() {
                return;
            }
        }
        Ok(Some(Ok(ClientFrame::Hello { protocol, .. }))) => {
            let message = format!(
                "protocol mismatch: this client speaks version {protocol}, pdauthd {} speaks {PROTOCOL_VERSION}; \
                 use pdauth and pdauthd from the same release",
                env!("CARGO_PKG_VERSION")
            );
            send_error_and_close(&mut conn, ErrorCode::ProtocolMismatch, message, &limits).await;
            return;
        }
        Ok(Some(Ok(ClientFrame::Request { .. }))) => {
            send_error_and_close(
                &mut conn,
                ErrorCode::InvalidRequest,
                "the first frame must be hello",
                &limits,
            )
            .await;
            return;
        }
        Ok(Some(Err(e))) => {
            send_error_and_close(&mut conn, ErrorCode::InvalidRequest, codec_message(&e), &limits).await;
            return;
        }
        Ok(None) => return,
        Err(_) => {
            send_error_and_close(
                &mut conn,
                ErrorCode::InvalidRequest,
                "no hello within the handshake timeout",
                &limits,
            )
            .await;
            return;
        }
    }

    let (out_tx, mut out_rx) = mpsc::channel::<ServerFrame>(limits.outbound_queue);
    let in_flight = Arc::new(Semaphore::new(limits.max_in_flight));
    let mut events: Option<broadcast::Receiver<Event>> = None;
    let mut watches = Watches::default();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_activity = Instant::now();
    let mut partial: Option<(usize, Instant)> = None;

    loop {
        let frame_out: Option<ServerFrame> = tokio::select! {
            biased;
            _ = shutdown.cancelled() => {
                // Answer what is still in flight (bounded), then close.
                finish_in_flight(&mut conn, &mut out_rx, &in_flight, &limits).await;
                break;
            }
            Some(frame) = out_rx.recv() => Some(frame),
            event = next_event(&mut events) => match event {
                Ok(event) => Some(ServerFrame::Event { event }),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "subscriber fell behind; sending a resync");
                    Some(ServerFrame::Event { event: Event::Resync { profiles: service.statuses() } })
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            read = conn.next() => {
                last_activity = Instant::now();
                partial = None;
                match read {
                    None => break,
                    Some(Err(CodecError::Io(e))) => {
                        tracing::debug!(error = %e, "client went away");
                        break;
                    }
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "closing a connection after a bad frame");
                        send_error_and_close(&mut conn, ErrorCode::InvalidRequest, codec_message(&e), &limits).await;
                        break;
                    }
                    Some(Ok(ClientFrame::Hello { .. })) => {
                        send_error_and_close(&mut conn, ErrorCode::InvalidRequest, "hello was already received; closing", &limits).await;
                        break;
                    }
                    Some(Ok(ClientFrame::Request { id, request: Request::Subscribe })) => {
                        // Subscribe before the snapshot so nothing falls between them.
                        events = Some(service.subscribe());
                        Some(ServerFrame::Reply {
                            id,
                            result: Reply::Ok(Response::Subscribed {
                                profiles: service.statuses(),
                                storage: service.storage_info().clone(),
                            }),
                        })
                    }
                    Some(Ok(ClientFrame::Request { id, request: Request::Watch { profile, query } })) => {
                        watches.start(id, &browse, profile, query, out_tx.clone())
                    }
                    Some(Ok(ClientFrame::Request { id, request: Request::Unwatch { watch } })) => {
                        let result = match watches.stop(watch) {
                            Ok(response) => Reply::Ok(response),
                            Err(error) => Reply::Error(error),
                        };
                        Some(ServerFrame::Reply { id, result })
                    }
                    Some(Ok(ClientFrame::Request { id, request })) => {
                        match in_flight.clone().try_acquire_owned() {
                            Ok(permit) => {
                                let service = service.clone();
                                let browse = browse.clone();
                                let out = out_tx.clone();
                                // Not tied to this connection: a client that
                                // vanishes cannot cancel a login or revoke half-way.
                                service.clone().tasks().spawn(async move {
                                    let result = dispatch(&service, &browse, request, actor).await;
                                    let _ = out.send(ServerFrame::Reply { id, result }).await;
                                    drop(permit);
                                });
                                None
                            }
                            Err(_) => Some(ServerFrame::Reply {
                                id,
                                result: Reply::Error(WireError::new(
                                    ErrorCode::Busy,
                                    "too many requests in flight on this connection",
                                )),
                            }),
                        }
                    }
                }
            }
            _ = tick.tick() => {
                // A frame must be complete within the timeout from its first
                // byte, however slowly it trickles in.
                let buffered = conn.read_buffer().len();
                if buffered == 0 {
                    partial = None;
                } else {
                    let started = *partial.get_or_insert((buffered, Instant::now()));
                    if started.1.elapsed() >= limits.partial_frame_timeout {
                        send_error_and_close(&mut conn, ErrorCode::InvalidRequest, "frame left unfinished; closing", &limits).await;
                        break;
                    }
                }
                let busy = in_flight.available_permits() < limits.max_in_flight;
                if events.is_none() && !busy && watches.is_empty() && last_activity.elapsed() >= limits.idle_timeout {
                    break;
                }
                None
            }
        };
        if let Some(frame) = frame_out {
            let reply_id = match &frame {
                ServerFrame::Reply { id, .. } => Some(*id),
                _ => None,
            };
            match tokio::time::timeout(limits.write_timeout, conn.send(frame)).await {
                Ok(Ok(())) => {}
                Ok(Err(CodecError::TooLarge { limit })) if reply_id.is_some() => {
                    // Nothing was written; say so instead of dropping the client.
                    let error = WireError::new(
                        ErrorCode::Internal,
                        format!("the answer is larger than {limit} bytes; ask for less"),
                    );
                    let frame = ServerFrame::Reply {
                        id: reply_id.unwrap_or_default(),
                        result: Reply::Error(error),
                    };
                    if !matches!(
                        tokio::time::timeout(limits.write_timeout, conn.send(frame)).await,
                        Ok(Ok(()))
                    ) {
                        break;
                    }
                }
                Ok(Err(e)) => {
                    tracing::debug!(error = %e, "client went away");
                    break;
                }
                Err(_) => {
                    tracing::warn!("client stopped reading; disconnecting it");
                    break;
                }
            }
        }
    }
}

/// Write the replies of requests still running, waiting a short while for
/// them, before the connection closes at shutdown.
async fn finish_in_flight(
    conn: &mut Conn,
    out_rx: &mut mpsc::Receiver<ServerFrame>,
    in_flight: &Arc<Semaphore>,
    limits: &Limits,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        while let Ok(frame) = out_rx.try_recv() {
            if tokio::time::timeout(limits.write_timeout, conn.send(frame))
                .await
                .map_or(true, |r| r.is_err())
            {
                return;
            }
        }
        if in_flight.available_permits() == limits.max_in_flight {
            return;
        }
        match tokio::time::timeout_at(deadline, out_rx.recv()).await {
            Ok(Some(frame)) => {
                if tokio::time::timeout(limits.write_timeout, conn.send(frame))
                    .await
                    .map_or(true, |r| r.is_err())
                {
                    return;
                }
            }
            Ok(None) | Err(_) => return,
        }
    }
}

async fn next_event(events: &mut Option<broadcast::Receiver<Event>>) -> Result<Event, broadcast::error::RecvError> {
    match events {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

fn codec_message(e: &CodecError) -> String {
    match e {
        CodecError::TooLarge { limit } => format!("frame larger than {limit} bytes; closing"),
        CodecError::Malformed(why) => {
            format!(
                "malformed frame ({}); closing",
                pdauth_common::sanitize::truncated(why, 160)
            )
        }
        CodecError::Truncated => "connection ended inside a frame".into(),
        CodecError::Io(e) => format!("read error: {e}"),
    }
}
