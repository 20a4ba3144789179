//! The loopback listeners that receive the browser's redirect after a
//! login. One listener per redirect port, opened when a login starts and
//! closed when no login needs it. Bound to loopback IP literals only; serves
//! static pages with no third-party content, never redirects, and bounds
//! header size, header read time, connection time and concurrency.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpSocket};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use url::Url;

use crate::callback_slots::Slots;
use crate::login::{ListenKey, Rejection};
use crate::service::Service;

/// Longest request target accepted (path and query).
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Buffer for request line and headers (hyper's minimum is 8 KiB).
const MAX_HEADER_BUF: usize = 16 * 1024;
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(5);
/// A connection is dropped after this long whatever it is doing (a code
/// exchange takes at most the request timeout, well below this).
const CONNECTION_DEADLINE: Duration = Duration::from_secs(90);
/// Loopback-only, so this bounds a local nuisance; when it is reached the
/// oldest idle connection makes room, so idle ones cannot crowd out the
/// browser's redirect.
const MAX_CONNECTIONS: usize = 256;

/// A page shown in the browser after the redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackPage {
    pub status: StatusCode,
    pub title: &'static str,
    pub body: String,
}

impl CallbackPage {
    pub fn success(profile: &str) -> Self {
        Self {
            status: StatusCode::OK,
            title: "Signed in",
            body: format!(
                "pdauth is now signed in to PagerDuty for profile <b>{}</b>. You can close this tab.",
                html_escape(profile)
            ),
        }
    }

    pub fn failed() -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            title: "Sign-in failed",
            body: "The login could not be completed. Your terminal (pdauth) says why and what to do next.".into(),
        }
    }

    pub fn rejected(rejection: Rejection) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            title: "Not accepted",
            body: html_escape(rejection.message()),
        }
    }

    fn plain(status: StatusCode, title: &'static str, body: &str) -> Self {
        Self {
            status,
            title,
            body: html_escape(body),
        }
    }
}

impl IntoResponse for CallbackPage {
    fn into_response(self) -> Response {
        let html = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>pdauth: {title}</title>\
             <style>body{{font-family:sans-serif;max-width:36em;margin:4em auto;line-height:1.5}}</style></head>\
             <body><h1>{title}</h1><p>{body}</p></body></html>",
            title = self.title,
            body = self.body
        );
        let mut resp = (self.status, html).into_response();
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'",
            ),
        );
        h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        resp
    }
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The loopback addresses to bind for a redirect URI.
pub fn bind_addrs(redirect: &Url) -> Result<Vec<SocketAddr>, String> {
    let port = redirect.port_or_known_default().ok_or("redirect_uri has no port")?;
    match redirect.host() {
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Ok(vec![SocketAddr::new(IpAddr::V4(ip), port)]),
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Ok(vec![SocketAddr::new(IpAddr::V6(ip), port)]),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => Ok(vec![
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port),
        ]),
        _ => Err("redirect_uri must point at a loopback address".into()),
    }
}

struct Running {
    cancel: CancellationToken,
}

/// The set of open callback listeners, by port.
#[derive(Default)]
pub struct CallbackServers {
    running: Mutex<HashMap<u16, Running>>,
}

impl CallbackServers {
    /// Make sure a listener serves `redirect`'s port. Binding happens now,
    /// so a busy port is reported to the client that started the login.
    pub fn ensure(
        &self,
        redirect: &Url,
        service: Weak<Service>,
        tasks: &TaskTracker,
        shutdown: &CancellationToken,
    ) -> Result<(), String> {
        let addrs = bind_addrs(redirect)?;
        let port = addrs[0].port();
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if running.contains_key(&port) {
            return Ok(());
        }
        let mut listeners = Vec::new();
        for (i, addr) in addrs.iter().enumerate() {
            match bind(*addr) {
                Ok(l) => listeners.push(l),
                // `localhost` also tries ::1, which may be unavailable.
                Err(_) if i > 0 => {}
                Err(e) => {
                    return Err(format!(
                        "cannot listen on {addr} for the login callback ({e}); another program may hold port {port}: \
                         stop it, or choose another port in redirect_uri (and register it with the OAuth app)"
                    ));
                }
            }
        }
        let cancel = shutdown.child_token();
        let slots = Slots::new(MAX_CONNECTIONS);
        for listener in listeners {
            tasks.spawn(accept_loop(
                listener,
                port,
                service.clone(),
                cancel.clone(),
                slots.clone(),
                tasks.clone(),
            ));
        }
        tracing::debug!(port, "callback listener open");
        running.insert(port, Running { cancel });
        Ok(())
    }

    /// Close every listener whose port `keep` does not want.
    pub fn close_unused(&self, keep: impl Fn(u16) -> bool) {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        running.retain(|port, r| {
            let keep = keep(*port);
            if !keep {
                tracing::debug!(port, "callback listener closed");
                r.cancel.cancel();
            }
            keep
        });
    }

    /// Ports currently listened on.
    pub fn ports(&self) -> Vec<u16> {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .copied()
            .collect()
    }
}

fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // Lets a new login reuse the port while old connections sit in TIME_WAIT;
    // on Linux it never lets two listeners share the port.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(64)
}

async fn accept_loop(
    listener: TcpListener,
    port: u16,
    service: Weak<Service>,
    cancel: CancellationToken,
    slots: Arc<Slots>,
    tasks: TaskTracker,
) {
    loop {
        let accepted = tokio::select! {
            _ = cancel.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, _peer) = match accepted {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(port, error = %e, "callback accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Some(held) = slots.take() else {
            // Every slot is serving a request: drop this one rather than queue it.
            continue;
        };
        let app = router(service.clone(), port, held.serving.clone());
        tasks.spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .keep_alive(false)
                .max_buf_size(MAX_HEADER_BUF);
            let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
            tokio::select! {
                _ = held.evicted.cancelled() => {}
                _ = tokio::time::timeout(CONNECTION_DEADLINE, conn) => {}
            }
            drop(held);
        });
    }
}

fn router(service: Weak<Service>, port: u16, serving: Arc<AtomicBool>) -> Router {
    Router::new().fallback(move |method: Method, uri: Uri| {
        let service = service.clone();
        // The whole request is here: this connection is no longer idle.
        serving.store(true, Ordering::Release);
        async move { handle(service, port, method, uri).await }
    })
}

async fn handle(service: Weak<Service>, port: u16, method: Method, uri: Uri) -> CallbackPage {
    if uri.to_string().len() > MAX_URI_BYTES {
        return CallbackPage::plain(StatusCode::URI_TOO_LONG, "Not accepted", Rejection::TooLong.message());
    }
    if method != Method::GET {
        return CallbackPage::plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "Not accepted",
            "Only GET is served here.",
        );
    }
    if uri.path() == "/favicon.ico" || uri.path() == "/robots.txt" {
        return CallbackPage::plain(StatusCode::NOT_FOUND, "Not found", "Nothing here.");
    }
    let Some(service) = service.upgrade() else {
        return CallbackPage::plain(StatusCode::SERVICE_UNAVAILABLE, "Unavailable", "pdauthd is stopping.");
    };
    let listen = ListenKey {
        port,
        path: uri.path().to_string(),
    };
    service.handle_callback(listen, uri.query().map(str::to_string)).await
}
