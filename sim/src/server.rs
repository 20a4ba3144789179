//! The HTTP/1.1 server loop: accepts TCP connections (optionally wrapping them in TLS),
//! serves each with hyper under timeouts and a header size cap, and drains connections
//! gracefully when told to stop. Every request carries a [`ConnectionDrop`] so a handler
//! can have its connection closed without any answer (the `drop_after` fault).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// Time a client gets to send request headers or finish a TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Time open connections get to finish after shutdown is requested.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest buffered request head.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Closes the connection a request arrived on, without answering it. Found in every
/// request's extensions.
#[derive(Clone, Debug)]
pub struct ConnectionDrop(Arc<Notify>);

impl ConnectionDrop {
    /// Asks the connection loop to drop the connection. The handler must then never
    /// complete (await a pending future): a response it returned could still be written
    /// before the connection loop acts. In-flight requests on that connection die with it.
    pub fn trigger(&self) {
        self.0.notify_one();
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then drains connections.
pub async fn run(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(connection(stream, router.clone(), tls.clone(), stop_rx.clone()));
                }
                Err(error) => {
                    // Typically out of file descriptors: back off instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(DRAIN_TIMEOUT, drain).await.is_err() {
        connections.abort_all();
    }
    tracing::info!("sandbox stopped");
    Ok(())
}

async fn connection(stream: TcpStream, router: Router, tls: Option<TlsAcceptor>, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    match tls {
        None => drive(TokioIo::new(stream), router, stop).await,
        Some(acceptor) => {
            let handshake = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream));
            tokio::select! {
                _ = stop.changed() => {}
                result = handshake => match result {
                    Ok(Ok(stream)) => drive(TokioIo::new(stream), router, stop).await,
                    Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                    Err(_) => tracing::debug!("TLS handshake timed out"),
                },
            }
        }
    }
}

async fn drive<I>(io: I, router: Router, mut stop: watch::Receiver<bool>)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HANDSHAKE_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES);
    let dropper = ConnectionDrop(Arc::new(Notify::new()));
    let dropped = Arc::clone(&dropper.0);
    let service = router.map_request(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(dropper.clone());
        request
    });
    let conn = builder.serve_connection(io, TowerToHyperService::new(service));
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(error) = result {
                tracing::debug!(%error, "connection ended with an error");
            }
        }
        () = dropped.notified() => tracing::debug!("connection dropped without an answer"),
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            tokio::select! {
                _ = conn.as_mut() => {}
                () = dropped.notified() => tracing::debug!("connection dropped without an answer"),
            }
        }
    }
}
