//! The demo's sandbox approval against a small hand-made consent server and
//! callback listener: the form is read, posted, and the redirect delivered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use pdauth_tui::demo::{ApproveError, approve_in_sandbox};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the consent server does with the POST.
#[derive(Clone, Copy)]
enum Decision {
    /// Redirect to the redirect URI with a code.
    Approve,
    /// Redirect to the redirect URI with `error=access_denied`.
    Deny,
    /// Redirect somewhere else entirely.
    Elsewhere,
}

#[derive(Default)]
struct Seen {
    posted: Vec<HashMap<String, String>>,
    callbacks: Vec<HashMap<String, String>>,
}

struct Request {
    method: String,
    target: String,
    body: String,
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.lines();
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let length: usize = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[header_end..]).into_owned();
    Some(Request { method, target, body })
}

async fn respond(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &str) {
    let mut text = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    let _ = stream.write_all(text.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn query(target: &str) -> HashMap<String, String> {
    let q = target.split_once('?').map(|(_, q)| q).unwrap_or("");
    url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&#39;")
}

fn consent_page(params: &HashMap<String, String>) -> String {
    let mut keys: Vec<&String> = params.keys().collect();
    keys.sort();
    let hidden: String = keys
        .iter()
        .map(|k| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape(k),
                escape(&params[*k])
            )
        })
        .collect();
    format!(
        "<!doctype html><html><body><h1>Authorize pdauth-demo</h1>\n\
         <form method=\"post\" action=\"/oauth/authorize\">\n{hidden}\
         <label><input type=\"radio\" name=\"user_id\" value=\"PADA001\" checked> Ada</label>\n\
         <label><input type=\"radio\" name=\"user_id\" value=\"PBOB002\"> Bob</label>\n\
         <button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\n\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\n\
         </form></body></html>"
    )
}

/// Start the consent server and the callback listener; returns the
/// authorize URL to approve and what both saw.
async fn servers(decision: Decision) -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let sandbox = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let callback = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox_port = sandbox.local_addr().unwrap().port();
    let callback_port = callback.local_addr().unwrap().port();
    let redirect_uri = format!("http://127.0.0.1:{callback_port}/callback");

    let seen_cb = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = callback.accept().await {
            if let Some(req) = read_request(&mut stream).await {
                seen_cb.lock().unwrap().callbacks.push(query(&req.target));
                respond(&mut stream, "200 OK", &[], "<p>You can close this tab.</p>").await;
            }
        }
    });

    let seen_sb = seen.clone();
    let redirect = redirect_uri.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = sandbox.accept().await {
            let Some(req) = read_request(&mut stream).await else {
                continue;
            };
            match req.method.as_str() {
                "GET" => {
                    let page = consent_page(&query(&req.target));
                    respond(&mut stream, "200 OK", &[("Content-Type", "text/html".into())], &page).await;
                }
                _ => {
                    let form: HashMap<String, String> =
                        url::form_urlencoded::parse(req.body.as_bytes()).into_owned().collect();
                    let state = form.get("state").cloned().unwrap_or_default();
                    seen_sb.lock().unwrap().posted.push(form);
                    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
                    let location = match decision {
                        Decision::Approve => format!("{redirect}?code=sandbox-code-1&state={}", enc(&state)),
                        Decision::Deny => format!("{redirect}?error=access_denied&state={}", enc(&state)),
                        Decision::Elsewhere => "http://127.0.0.1:9/stolen?code=sandbox-code-1".to_string(),
                    };
                    respond(&mut stream, "302 Found", &[("Location", location)], "").await;
                }
            }
        }
    });

    let authorize = format!(
        "http://127.0.0.1:{sandbox_port}/oauth/authorize?client_id=pdauth-demo&redirect_uri={}\
         &response_type=code&scope=read+write&state=st%26%3C%22x&code_challenge=abc&code_challenge_method=S256",
        url::form_urlencoded::byte_serialize(redirect_uri.as_bytes()).collect::<String>()
    );
    (authorize, seen)
}

#[tokio::test]
async fn approval_posts_the_form_and_delivers_the_code() {
    let (authorize, seen) = servers(Decision::Approve).await;
    let approval = approve_in_sandbox(&authorize).await.expect("approved");
    assert_eq!(approval.user_id, "PADA001");
    assert_eq!(approval.callback_status, 200);
    let seen = seen.lock().unwrap();
    let posted = &seen.posted[0];
    assert_eq!(posted["decision"], "approve");
    assert_eq!(posted["user_id"], "PADA001");
    assert_eq!(posted["client_id"], "pdauth-demo");
    assert_eq!(posted["state"], "st&<\"x", "entities decoded before posting");
    assert_eq!(posted["scope"], "read write");
    assert_eq!(seen.callbacks.len(), 1);
    assert_eq!(seen.callbacks[0]["code"], "sandbox-code-1");
    assert_eq!(seen.callbacks[0]["state"], "st&<\"x");
}

#[tokio::test]
async fn a_refusal_is_delivered_and_reported() {
    let (authorize, seen) = servers(Decision::Deny).await;
    let err = approve_in_sandbox(&authorize).await.unwrap_err();
    assert!(
        matches!(err, ApproveError::Refused(ref e) if e == "access_denied"),
        "{err}"
    );
    assert_eq!(seen.lock().unwrap().callbacks.len(), 1, "the daemon hears about it too");
}

#[tokio::test]
async fn a_redirect_elsewhere_is_not_followed() {
    let (authorize, seen) = servers(Decision::Elsewhere).await;
    let err = approve_in_sandbox(&authorize).await.unwrap_err();
    assert!(matches!(err, ApproveError::WrongRedirect { .. }), "{err}");
    assert!(!err.to_string().contains("sandbox-code-1"), "{err}");
    assert!(seen.lock().unwrap().callbacks.is_empty());
}
