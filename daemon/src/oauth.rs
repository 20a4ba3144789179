//! The identity endpoints: authorization-code exchange, refresh and RFC 7009
//! revocation, sent as form bodies with the client secret (if any) in the
//! body, never in a URL. Responses are parsed leniently and classified
//! precisely, because third-party and PagerDuty servers answer in many
//! shapes. Holds no state and touches no storage.

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

use crate::config::ProfileConfig;
use crate::http::{BodyError, MAX_IDENTITY_BODY, describe_reqwest, read_capped};
use pdauth_common::sanitize;

/// `expires_in` when the server gives none.
pub const DEFAULT_EXPIRES_IN: u64 = 3600;
/// Bounds applied to `expires_in`.
pub const MIN_EXPIRES_IN: u64 = 1;
pub const MAX_EXPIRES_IN: u64 = 10 * 365 * 24 * 3600;

/// A successful token response.
#[derive(Debug, Clone)]
pub struct TokenResponse {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    /// Lower-cased; always `bearer` (other types are refused).
    pub token_type: String,
    /// Granted scopes, when the server said.
    pub scope: Option<Vec<String>>,
    /// Seconds, clamped to a sane range; defaulted when absent.
    pub expires_in: u64,
    /// Raw id_token JWT, if any (not secret on its own, but not logged).
    pub id_token: Option<String>,
}

/// How a token request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The server answered with an OAuth error (`{"error": ...}`), whatever
    /// the HTTP status.
    #[error("{}", describe_oauth(error, description.as_deref()))]
    OAuth {
        error: String,
        description: Option<String>,
        status: u16,
    },
    /// Worth retrying later: network, timeout, 5xx, 429, HTML or broken body.
    /// `answered` says whether the answer proves the request was not applied
    /// (an error status): only then is it certain that nothing was rotated.
    /// No answer, or a success status with a body that cannot be used, may
    /// hide a rotation.
    #[error("{message}")]
    Transient { message: String, answered: bool },
    /// The server broke the protocol (redirect, success without a token,
    /// unsupported token type). Retrying will not help. `answered` as for
    /// `Transient`: a success status may have rotated the token anyway.
    #[error("{message}")]
    Protocol { message: String, answered: bool },
}

impl TokenError {
    pub fn is_invalid_grant(&self) -> bool {
        matches!(self, TokenError::OAuth { error, .. } if error == "invalid_grant")
    }

    /// The error code and description alone, for embedding in a sentence.
    pub fn brief(&self) -> String {
        match self {
            TokenError::OAuth {
                error,
                description: Some(d),
                ..
            } if !d.is_empty() => format!("{error}: {d}"),
            TokenError::OAuth { error, .. } => error.clone(),
            other => other.to_string(),
        }
    }

    /// Whether the answer proves the request was not applied (so a refresh
    /// token it presented is still the current one).
    pub fn answered(&self) -> bool {
        !matches!(
            self,
            TokenError::Transient { answered: false, .. } | TokenError::Protocol { answered: false, .. }
        )
    }

    pub fn is_invalid_client(&self) -> bool {
        matches!(self, TokenError::OAuth { error, .. } if error == "invalid_client" || error == "unauthorized_client")
    }
}

fn describe_oauth(error: &str, description: Option<&str>) -> String {
    let hint = match error {
        "invalid_grant" => "the authorization code or refresh token was rejected (expired, used, or revoked)",
        "invalid_client" | "unauthorized_client" => {
            "the OAuth client was rejected: check client_id and the client secret"
        }
        "invalid_request" => "the identity server rejected the request",
        "invalid_scope" => "a requested scope is not allowed for this app",
        "unsupported_grant_type" => "the identity server does not support this grant",
        "access_denied" => "access was denied",
        _ => "the identity server refused",
    };
    match description {
        Some(d) if !d.is_empty() => format!("{hint} ({error}: {d})"),
        _ => format!("{hint} ({error})"),
    }
}

/// The client credentials sent with every identity request.
#[derive(Clone)]
pub struct ClientAuth {
    pub client_id: String,
    pub client_secret: Option<SecretString>,
}

impl std::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAuth")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl ClientAuth {
    /// Read the profile's client secret file, if configured.
    pub fn for_profile(profile: &ProfileConfig) -> Result<Self, String> {
        let client_secret = match &profile.client_secret_file {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    format!(
                        "profile {}: cannot read client_secret_file {}: {e}",
                        profile.name,
                        path.display()
                    )
                })?;
                let secret = text.trim();
                if secret.is_empty() {
                    return Err(format!(
                        "profile {}: client_secret_file {} is empty",
                        profile.name,
                        path.display()
                    ));
                }
                Some(SecretString::from(secret))
            }
        };
        Ok(Self {
            client_id: profile.client_id.clone(),
            client_secret,
        })
    }

    fn form<'a>(&'a self, form: &mut Vec<(&'static str, &'a str)>) {
        form.push(("client_id", &self.client_id));
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.expose_secret()));
        }
    }
}

/// Exchange an authorization code (at most once: the caller never retries).
pub async fn exchange_code(
    http: &reqwest::Client,
    token_url: &url::Url,
    auth: &ClientAuth,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<TokenResponse, TokenError> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ];
    auth.form(&mut form);
    token_request(http, token_url, &form).await
}

/// Trade a refresh token for a new pair.
pub async fn refresh(
    http: &reqwest::Client,
    token_url: &url::Url,
    auth: &ClientAuth,
    refresh_token: &SecretString,
) -> Result<TokenResponse, TokenError> {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.expose_secret()),
    ];
    auth.form(&mut form);
    token_request(http, token_url, &form).await
}

async fn token_request(
    http: &reqwest::Client,
    url: &url::Url,
    form: &[(&str, &str)],
) -> Result<TokenResponse, TokenError> {
    let resp = http
        .post(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .form(form)
        .send()
        .await
        .map_err(|e| TokenError::Transient {
            message: format!("token endpoint: {}", describe_reqwest(&e)),
            answered: false,
        })?;
    let status = resp.status().as_u16();
    if resp.status().is_redirection() {
        return Err(TokenError::Protocol {
            message: format!(
                "token endpoint answered with a redirect (HTTP {status}); redirects are never followed: check token_url"
            ),
            answered: true,
        });
    }
    let body = match read_capped(resp, MAX_IDENTITY_BODY).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => {
            return Err(TokenError::Transient {
                message: format!("token endpoint answered HTTP {status} with more than {MAX_IDENTITY_BODY} bytes"),
                answered: !(200..300).contains(&status),
            });
        }
        Err(BodyError::Interrupted(why)) => {
            // The status arrived but the body did not: whether the server applied
            // the request is unknown.
            return Err(TokenError::Transient {
                message: format!("token endpoint response interrupted: {why}"),
                answered: false,
            });
        }
    };
    classify_token_response(status, &body)
}

/// Classify a token endpoint answer. Pure, so every shape can be tested.
pub fn classify_token_response(status: u16, body: &[u8]) -> Result<TokenResponse, TokenError> {
    // A success status with an unusable body may still have been applied.
    let answered = !(200..300).contains(&status);
    let json: Option<serde_json::Map<String, Value>> =
        serde_json::from_slice::<Value>(body).ok().and_then(|v| match v {
            Value::Object(map) => Some(map),
            _ => None,
        });
    let Some(map) = json else {
        let what = if body.iter().all(u8::is_ascii_whitespace) {
            "an empty body".to_string()
        } else if looks_like_html(body) {
            "an HTML page".to_string()
        } else {
            "a body that is not a JSON object".to_string()
        };
        return Err(TokenError::Transient {
            message: format!("token endpoint answered HTTP {status} with {what}"),
            answered,
        });
    };
    // Some servers write every field, `"error": null` (or "") included.
    let error = map
        .get("error")
        .filter(|e| !e.is_null() && e.as_str().is_none_or(|s| !s.trim().is_empty()));
    if let Some(error) = error {
        let error = match error {
            Value::String(s) => sanitize::truncated(s, 64),
            other => sanitize::truncated(&other.to_string(), 64),
        };
        let description = map
            .get("error_description")
            .and_then(Value::as_str)
            .map(|d| sanitize::truncated(d, 200));
        return Err(TokenError::OAuth {
            error,
            description,
            status,
        });
    }
    if status == 429 || status >= 500 {
        return Err(TokenError::Transient {
            message: format!("token endpoint answered HTTP {status}"),
            answered: true,
        });
    }
    if !(200..300).contains(&status) {
        return Err(TokenError::Protocol {
            message: format!("token endpoint answered HTTP {status} without an OAuth error"),
            answered: true,
        });
    }
    let access_token = match map.get("access_token") {
        Some(Value::String(s)) if !s.is_empty() => SecretString::from(s.as_str()),
        _ => {
            return Err(TokenError::Protocol {
                message: format!("token endpoint answered HTTP {status} without an access_token"),
                answered,
            });
        }
    };
    let token_type = match map.get("token_type") {
        None | Some(Value::Null) => "bearer".to_string(),
        Some(Value::String(t)) if t.eq_ignore_ascii_case("bearer") => "bearer".to_string(),
        Some(other) => {
            let shown = sanitize::truncated(other.as_str().unwrap_or("non-string"), 32);
            return Err(TokenError::Protocol {
                message: format!("token endpoint issued an unsupported token_type {shown:?}"),
                answered,
            });
        }
    };
    let refresh_token = match map.get("refresh_token") {
        Some(Value::String(s)) if !s.is_empty() => Some(SecretString::from(s.as_str())),
        _ => None,
    };
    // RFC 6749 separates scopes with spaces; some servers use commas.
    let split = |s: &str| -> Vec<String> {
        s.split(|c: char| c.is_whitespace() || c == ',')
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let scope = map.get("scope").and_then(|v| match v {
        Value::String(s) => Some(split(s)),
        Value::Array(items) => Some(items.iter().filter_map(Value::as_str).flat_map(split).collect()),
        _ => None,
    });
    let expires_in = parse_expires_in(map.get("expires_in"));
    let id_token = map.get("id_token").and_then(Value::as_str).map(str::to_string);
    Ok(TokenResponse {
        access_token,
        refresh_token,
        token_type,
        scope,
        expires_in,
        id_token,
    })
}

/// `expires_in` as a number or a numeric string, clamped; absent,
/// unreadable, zero or negative (a lifetime no token has) means the default.
pub fn parse_expires_in(value: Option<&Value>) -> u64 {
    let raw: Option<f64> = match value {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match raw {
        Some(v) if v.is_finite() && v >= 1.0 => (v.floor() as u64).clamp(MIN_EXPIRES_IN, MAX_EXPIRES_IN),
        _ => DEFAULT_EXPIRES_IN,
    }
}

fn looks_like_html(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(512)]).to_ascii_lowercase();
    let head = head.trim_start();
    head.starts_with('<') || head.contains("<html")
}

/// Whether the identity server confirmed a revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeResult {
    Confirmed,
    Failed(String),
}

/// RFC 7009 revocation of one token (best effort, never retried blindly).
pub async fn revoke(
    http: &reqwest::Client,
    revoke_url: &url::Url,
    auth: &ClientAuth,
    token: &SecretString,
    hint: &str,
) -> RevokeResult {
    let mut form = vec![("token", token.expose_secret()), ("token_type_hint", hint)];
    auth.form(&mut form);
    let resp = match http.post(revoke_url.clone()).form(&form).send().await {
        Ok(resp) => resp,
        Err(e) => return RevokeResult::Failed(format!("revocation endpoint: {}", describe_reqwest(&e))),
    };
    let status = resp.status().as_u16();
    let body = read_capped(resp, MAX_IDENTITY_BODY).await.unwrap_or_default();
    if (200..300).contains(&status) {
        return RevokeResult::Confirmed;
    }
    let detail = serde_json::from_slice::<Value>(&body).ok().and_then(|v| {
        v.get("error")
            .and_then(Value::as_str)
            .map(|e| sanitize::truncated(e, 64))
    });
    RevokeResult::Failed(match detail {
        Some(error) => format!("revocation endpoint answered HTTP {status} ({error})"),
        None => format!("revocation endpoint answered HTTP {status}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(body: &str) -> TokenResponse {
        classify_token_response(200, body.as_bytes()).unwrap()
    }

    #[test]
    fn pagerduty_shape() {
        let t = ok(
            r#"{"access_token":"pdus+_0a","refresh_token":"pdus+_1b","token_type":"bearer",
            "scope":"openid read write","expires_in":3600,"id_token":"x.y.z","extra":{"ignored":true}}"#,
        );
        assert_eq!(t.access_token.expose_secret(), "pdus+_0a");
        assert_eq!(t.refresh_token.unwrap().expose_secret(), "pdus+_1b");
        assert_eq!(t.scope.unwrap(), vec!["openid", "read", "write"]);
        assert_eq!(t.expires_in, 3600);
        assert_eq!(t.id_token.as_deref(), Some("x.y.z"));
    }

    #[test]
    fn lenient_fields() {
        let t = ok(r#"{"access_token":"a","token_type":"Bearer","expires_in":"120"}"#);
        assert_eq!(t.token_type, "bearer");
        assert_eq!(t.expires_in, 120);
        assert!(t.refresh_token.is_none());
        assert!(t.scope.is_none());
        assert_eq!(ok(r#"{"access_token":"a"}"#).expires_in, DEFAULT_EXPIRES_IN);
        assert_eq!(
            ok(r#"{"access_token":"a","expires_in":-5}"#).expires_in,
            DEFAULT_EXPIRES_IN
        );
        assert_eq!(
            ok(r#"{"access_token":"a","expires_in":0}"#).expires_in,
            DEFAULT_EXPIRES_IN
        );
        assert_eq!(
            ok(r#"{"access_token":"a","expires_in":0.5}"#).expires_in,
            DEFAULT_EXPIRES_IN
        );
        assert_eq!(ok(r#"{"access_token":"a","expires_in":1}"#).expires_in, 1);
        // Servers that write every field, errors included.
        assert_eq!(
            ok(r#"{"access_token":"a","error":null}"#).expires_in,
            DEFAULT_EXPIRES_IN
        );
        assert!(classify_token_response(200, br#"{"access_token":"a","error":""}"#).is_ok());
        // Scopes separated by commas, or both.
        assert_eq!(
            ok(r#"{"access_token":"a","scope":"read,write openid"}"#).scope,
            Some(vec!["read".to_string(), "write".to_string(), "openid".to_string()])
        );
        assert_eq!(
            ok(r#"{"access_token":"a","scope":["read, write"]}"#).scope,
            Some(vec!["read".to_string(), "write".to_string()])
        );
        assert_eq!(
            ok(r#"{"access_token":"a","expires_in":1e30}"#).expires_in,
            MAX_EXPIRES_IN
        );
        assert_eq!(
            ok(r#"{"access_token":"a","expires_in":"soon"}"#).expires_in,
            DEFAULT_EXPIRES_IN
        );
        assert_eq!(ok(r#"{"access_token":"a","expires_in":59.9}"#).expires_in, 59);
        assert_eq!(
            ok(r#"{"access_token":"a","refresh_token":""}"#)
                .refresh_token
                .map(|_| ()),
            None
        );
    }

    #[test]
    fn error_body_wins_over_status() {
        let e = classify_token_response(200, br#"{"error":"invalid_grant","error_description":"spent"}"#).unwrap_err();
        assert!(e.is_invalid_grant());
        assert!(e.to_string().contains("spent"));
        let e = classify_token_response(401, br#"{"error":"invalid_client"}"#).unwrap_err();
        assert!(e.is_invalid_client());
        let e = classify_token_response(503, br#"{"error":"temporarily_unavailable"}"#).unwrap_err();
        assert!(matches!(e, TokenError::OAuth { status: 503, .. }));
    }

    #[test]
    fn broken_bodies_are_transient() {
        for (status, body) in [
            (200, "<html><body>Gateway</body></html>"),
            (502, "<!DOCTYPE html><p>bad gateway"),
            (200, ""),
            (200, "   \n"),
            (200, r#"{"access_token":"pdus+_0"#),
            (200, "[1,2,3]"),
            (500, r#"{"message":"boom"}"#),
            (429, "{}"),
        ] {
            let e = classify_token_response(status, body.as_bytes()).unwrap_err();
            assert!(matches!(e, TokenError::Transient { .. }), "{status} {body:?} -> {e:?}");
            // Only an error status proves nothing was rotated; a success
            // status with a body that cannot be read may hide a new pair.
            assert_eq!(e.answered(), status != 200, "{status} {body:?} -> {e:?}");
        }
    }

    #[test]
    fn protocol_violations() {
        for (status, body) in [
            (200, r#"{"token_type":"bearer"}"#),
            (200, r#"{"access_token":"a","token_type":"mac"}"#),
            (200, r#"{"access_token":42}"#),
            (400, r#"{"message":"no error field"}"#),
        ] {
            let e = classify_token_response(status, body.as_bytes()).unwrap_err();
            assert!(matches!(e, TokenError::Protocol { .. }), "{status} {body:?} -> {e:?}");
            assert_eq!(e.answered(), status != 200, "{status} {body:?} -> {e:?}");
        }
    }

    #[test]
    fn hostile_error_text_is_sanitised() {
        let e = classify_token_response(
            400,
            "{\"error\":\"x\\u001b[31m\",\"error_description\":\"\\u001b]52;c;AAAA\\u0007\"}".as_bytes(),
        )
        .unwrap_err();
        assert!(!e.to_string().contains('\x1b'));
        assert!(!e.to_string().contains('\x07'));
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let t = ok(r#"{"access_token":"pdus+_0secretvalue","refresh_token":"pdus+_1secretvalue"}"#);
        let shown = format!("{t:?}");
        assert!(!shown.contains("secretvalue"), "{shown}");
        let auth = ClientAuth {
            client_id: "id".into(),
            client_secret: Some(SecretString::from("hunter2")),
        };
        assert!(!format!("{auth:?}").contains("hunter2"));
    }

    proptest::proptest! {
        #[test]
        fn any_body_classifies_without_panic(status in 100u16..600, body in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = classify_token_response(status, &body);
        }
    }
}
