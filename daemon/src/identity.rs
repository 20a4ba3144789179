//! Who logged in: the id_token's claims, the account's region and REST API
//! base, and the user record from `GET /users/me`. The id_token arrives
//! directly from the token endpoint over a verified connection, so its claims
//! are read without a signature check (OpenID Connect Core 3.1.3.7, item 6);
//! nothing here authorises anything on the strength of them.

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::http::{MAX_IDENTITY_BODY, describe_reqwest, read_capped};
use pdauth_common::{Account, UserSummary, sanitize};

pub const PAGERDUTY_API_US: &str = "https://api.pagerduty.com";
pub const PAGERDUTY_API_EU: &str = "https://api.eu.pagerduty.com";
pub const ACCEPT_V2: &str = "application/vnd.pagerduty+json;version=2";

/// The claims pdauth cares about; all optional, unknown ones ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct IdClaims {
    pub sub: Option<String>,
    pub user_id: Option<String>,
    pub account_id: Option<String>,
    pub subdomain: Option<String>,
    pub region: Option<String>,
    #[serde(default, deserialize_with = "string_or_list")]
    pub aud: Vec<String>,
    pub iss: Option<String>,
    pub exp: Option<i64>,
}

fn string_or_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => vec![s],
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    })
}

/// Read the payload of a JWT. `None` when it is not a well-formed JWT.
pub fn decode_id_token(jwt: &str) -> Option<IdClaims> {
    let mut parts = jwt.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || payload.len() > 16 * 1024 {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: IdClaims = serde_json::from_slice(&bytes).ok()?;
    Some(IdClaims {
        sub: claims.sub.map(|s| sanitize::truncated(&s, 64)),
        user_id: claims.user_id.map(|s| sanitize::truncated(&s, 64)),
        account_id: claims.account_id.map(|s| sanitize::truncated(&s, 64)),
        subdomain: claims.subdomain.map(|s| sanitize::truncated(&s, 128)),
        region: claims.region.map(|s| sanitize::truncated(&s, 64)),
        ..claims
    })
}

impl IdClaims {
    pub fn account(&self) -> Account {
        Account {
            subdomain: self.subdomain.clone(),
            account_id: self.account_id.clone(),
            region: self.region.clone(),
        }
    }
}

/// The REST API base for a region name as PagerDuty spells it.
pub fn api_for_region(region: &str) -> Option<&'static str> {
    let r = region.trim().to_ascii_lowercase().replace(['_', '-', ' '], "");
    match r.as_str() {
        "us" | "unitedstates" | "usa" => Some(PAGERDUTY_API_US),
        "eu" | "europe" | "europeanunion" => Some(PAGERDUTY_API_EU),
        _ => None,
    }
}

/// Where this profile's API calls go: the configured `api_url`; else the
/// PagerDuty API host named in `aud`; else the one for `region`. Never a
/// guess: `None` when nothing says which region the account is in.
pub fn api_base(configured: Option<&Url>, claims: Option<&IdClaims>) -> Option<String> {
    if let Some(url) = configured {
        return Some(url.as_str().trim_end_matches('/').to_string());
    }
    let claims = claims?;
    for aud in &claims.aud {
        let aud = aud.trim_end_matches('/');
        if aud == PAGERDUTY_API_US || aud == PAGERDUTY_API_EU {
            return Some(aud.to_string());
        }
    }
    claims.region.as_deref().and_then(api_for_region).map(str::to_string)
}

/// `GET /users/me`: the token's user. Errors are short and safe to show.
pub async fn fetch_me(http: &reqwest::Client, api_base: &str, access_token: &str) -> Result<UserSummary, String> {
    let url = format!("{}/users/me", api_base.trim_end_matches('/'));
    let resp = http
        .get(&url)
        .header(reqwest::header::ACCEPT, ACCEPT_V2)
        .bearer_auth(access_token)
        .send()
        .await
        .map_err(|e| format!("GET /users/me: {}", describe_reqwest(&e)))?;
    let status = resp.status();
    let body = read_capped(resp, MAX_IDENTITY_BODY)
        .await
        .map_err(|_| "GET /users/me: unreadable body".to_string())?;
    if !status.is_success() {
        return Err(format!("GET /users/me answered HTTP {}", status.as_u16()));
    }
    let value: Value = serde_json::from_slice(&body).map_err(|_| "GET /users/me: body is not JSON".to_string())?;
    let user = value
        .get("user")
        .ok_or_else(|| "GET /users/me: no user in the answer".to_string())?;
    let text = |k: &str, max: usize| user.get(k).and_then(Value::as_str).map(|s| sanitize::truncated(s, max));
    Ok(UserSummary {
        id: text("id", 64),
        name: text("name", 128),
        email: text("email", 254),
        role: text("role", 64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!("{}.{}.{}", b64(r#"{"alg":"RS256"}"#), b64(payload), b64("sig"))
    }

    #[test]
    fn reads_pagerduty_claims() {
        let c = decode_id_token(&jwt(
            r#"{"subdomain":"acme","region":"UnitedStates","user_id":"PU1","account_id":"PA1",
                "aud":["client","https://api.pagerduty.com"],"iss":"https://identity.pagerduty.com/global/oauth/anonymous"}"#,
        ))
        .unwrap();
        assert_eq!(c.subdomain.as_deref(), Some("acme"));
        assert_eq!(c.aud.len(), 2);
        assert_eq!(api_base(None, Some(&c)).as_deref(), Some(PAGERDUTY_API_US));
    }

    #[test]
    fn region_decides_when_aud_is_silent() {
        let c = decode_id_token(&jwt(r#"{"region":"EU","aud":"client"}"#)).unwrap();
        assert_eq!(api_base(None, Some(&c)).as_deref(), Some(PAGERDUTY_API_EU));
        let unknown = decode_id_token(&jwt(r#"{"region":"Mars"}"#)).unwrap();
        assert_eq!(api_base(None, Some(&unknown)), None, "never guess a region");
        assert_eq!(api_base(None, None), None);
    }

    #[test]
    fn aud_pointing_elsewhere_is_not_trusted() {
        let c = decode_id_token(&jwt(r#"{"aud":["https://evil.example.com"],"region":"UnitedStates"}"#)).unwrap();
        assert_eq!(api_base(None, Some(&c)).as_deref(), Some(PAGERDUTY_API_US));
    }

    #[test]
    fn configured_api_wins() {
        let url = Url::parse("http://127.0.0.1:9999/").unwrap();
        assert_eq!(api_base(Some(&url), None).as_deref(), Some("http://127.0.0.1:9999"));
    }

    #[test]
    fn malformed_tokens_are_none() {
        assert!(decode_id_token("not a jwt").is_none());
        assert!(decode_id_token("a.b").is_none());
        assert!(decode_id_token("a.!!!.c").is_none());
        assert!(decode_id_token(&jwt("[1]")).is_none());
        assert!(decode_id_token("a.b.c.d").is_none());
    }
}
