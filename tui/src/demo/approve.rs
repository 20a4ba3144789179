//! Approving a login in the sandbox from the terminal: plays the browser
//! exactly as far as the real flow needs (consent page, form POST, the
//! redirect to pdauthd's loopback callback) without following redirects on
//! its own. Only used by `pdauth demo` and the end-to-end tests.

use std::time::Duration;

use pdauth_common::sanitize;
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use url::Url;

use super::form::{self, FormError};

/// Largest page read from the sandbox or the callback.
const MAX_BODY: usize = 1024 * 1024;

/// What the approval did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The sandbox user the consent was given as.
    pub user_id: String,
    /// The HTTP status pdauthd's callback answered.
    pub callback_status: u16,
}

impl Approval {
    /// One phrase for the login dialog.
    pub fn summary(&self) -> String {
        format!("as {}, callback answered {}", self.user_id, self.callback_status)
    }
}

/// Why the approval did not get through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApproveError {
    #[error("the authorize URL is not a valid URL: {0}")]
    BadUrl(String),
    #[error("cannot reach {what}: {message}")]
    Http { what: &'static str, message: String },
    #[error("{what} answered HTTP {status}")]
    Status { what: &'static str, status: u16 },
    #[error("the sandbox's consent page could not be used: {0}")]
    Form(#[from] FormError),
    #[error("the sandbox did not redirect after the approval (HTTP {0})")]
    NoRedirect(u16),
    #[error("the sandbox redirected to {found}, which is not the login's redirect URI {expected}")]
    WrongRedirect { found: String, expected: String },
    #[error("the sandbox refused the approval: {0}")]
    Refused(String),
    #[error("{0} is larger than {MAX_BODY} bytes")]
    TooLarge(&'static str),
}

fn client() -> Result<Client, ApproveError> {
    Client::builder()
        .redirect(Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .user_agent(concat!("pdauth-demo/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ApproveError::Http {
            what: "the sandbox",
            message: e.to_string(),
        })
}

fn http(what: &'static str) -> impl Fn(reqwest::Error) -> ApproveError {
    move |e| ApproveError::Http {
        what,
        message: sanitize::truncated(&e.to_string(), 200),
    }
}

async fn body(mut response: Response, what: &'static str) -> Result<String, ApproveError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(http(what))? {
        if bytes.len() + chunk.len() > MAX_BODY {
            return Err(ApproveError::TooLarge(what));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Approve the login behind `authorize_url` in the sandbox, as the first (or
/// checked) user of its consent page: GET the page, POST its form with
/// `decision=approve`, and GET the `Location` it redirects to (pdauthd's
/// callback), so pdauthd completes the login exactly as with a browser.
pub async fn approve_in_sandbox(authorize_url: &str) -> Result<Approval, ApproveError> {
    let page_url = Url::parse(authorize_url).map_err(|e| ApproveError::BadUrl(e.to_string()))?;
    let expected_redirect = page_url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned());
    let client = client()?;

    let page = client
        .get(page_url.clone())
        .send()
        .await
        .map_err(http("the sandbox's consent page"))?;
    if page.status() != StatusCode::OK {
        return Err(ApproveError::Status {
            what: "the sandbox's consent page",
            status: page.status().as_u16(),
        });
    }
    let html = body(page, "the sandbox's consent page").await?;
    let form = form::parse(&html)?;
    let user_id = form.user().unwrap_or_default().to_string();
    let action = page_url
        .join(&form.action)
        .map_err(|e| ApproveError::BadUrl(format!("form action {:?}: {e}", form.action)))?;

    let mut fields: Vec<(String, String)> = form.hidden.clone();
    fields.push(("user_id".to_string(), user_id.clone()));
    fields.push(("decision".to_string(), "approve".to_string()));
    let answer = client
        .post(action.clone())
        .form(&fields)
        .send()
        .await
        .map_err(http("the sandbox's authorize endpoint"))?;
    let status = answer.status();
    if !status.is_redirection() {
        return Err(ApproveError::NoRedirect(status.as_u16()));
    }
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApproveError::NoRedirect(status.as_u16()))?;
    let callback = action
        .join(location)
        .map_err(|e| ApproveError::BadUrl(format!("redirect location: {e}")))?;
    check_redirect(&callback, expected_redirect.as_deref())?;
    if let Some((_, error)) = callback.query_pairs().find(|(k, _)| k == "error") {
        // Still deliver it: pdauthd must hear about the refusal too.
        let _ = client.get(callback.clone()).send().await;
        return Err(ApproveError::Refused(sanitize::truncated(&error, 200)));
    }

    let reached = client
        .get(callback)
        .send()
        .await
        .map_err(http("pdauthd's login callback"))?;
    let callback_status = reached.status().as_u16();
    let _ = body(reached, "pdauthd's login callback").await;
    if !(200..300).contains(&callback_status) {
        return Err(ApproveError::Status {
            what: "pdauthd's login callback",
            status: callback_status,
        });
    }
    Ok(Approval {
        user_id: sanitize::truncated(&user_id, 64),
        callback_status,
    })
}

/// The redirect must go where the login said: same origin and path as its
/// `redirect_uri`, or at least a loopback address when the URL names none.
fn check_redirect(found: &Url, expected: Option<&str>) -> Result<(), ApproveError> {
    let mismatch = |expected: String| ApproveError::WrongRedirect {
        found: sanitize::truncated(&strip_query(found), 200),
        expected: sanitize::truncated(&expected, 200),
    };
    match expected {
        Some(expected) => {
            let want = Url::parse(expected).map_err(|_| mismatch(expected.to_string()))?;
            let same = found.scheme() == want.scheme()
                && found.host_str() == want.host_str()
                && found.port_or_known_default() == want.port_or_known_default()
                && found.path() == want.path();
            if same {
                Ok(())
            } else {
                Err(mismatch(expected.to_string()))
            }
        }
        None => {
            let loopback = match found.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err(mismatch("a loopback address".to_string()))
            }
        }
    }
}

fn strip_query(url: &Url) -> String {
    let mut clean = url.clone();
    clean.set_query(None);
    clean.set_fragment(None);
    clean.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_must_match_the_login() {
        let ok = Url::parse("http://127.0.0.1:8976/callback?code=x&state=y").unwrap();
        assert!(check_redirect(&ok, Some("http://127.0.0.1:8976/callback")).is_ok());
        let other_port = Url::parse("http://127.0.0.1:9999/callback?code=x").unwrap();
        assert!(matches!(
            check_redirect(&other_port, Some("http://127.0.0.1:8976/callback")),
            Err(ApproveError::WrongRedirect { .. })
        ));
        let elsewhere = Url::parse("https://evil.example/callback?code=x").unwrap();
        let err = check_redirect(&elsewhere, None).unwrap_err();
        // The code never appears in the message.
        assert!(!err.to_string().contains("code=x"));
        assert!(check_redirect(&ok, None).is_ok());
    }

    #[tokio::test]
    async fn unreachable_sandbox_is_an_error_not_a_panic() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let err = approve_in_sandbox(&format!("http://127.0.0.1:{port}/oauth/authorize?x=1"))
            .await
            .unwrap_err();
        assert!(matches!(err, ApproveError::Http { .. }), "{err}");
        assert!(matches!(
            approve_in_sandbox("not a url").await,
            Err(ApproveError::BadUrl(_))
        ));
    }
}
