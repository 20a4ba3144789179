//! Client authentication at the token and revoke endpoints: `client_id` in the form for
//! public clients; `client_secret` in the form or HTTP Basic (RFC 6749 2.3.1) for
//! confidential ones. Exactly one method may carry a secret.

use axum::http::{HeaderMap, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::oauth_error::OAuthError;
use crate::clients::{Client, ClientRegistry};
use crate::form::Params;

/// Credentials from an `Authorization: Basic` header.
struct Basic {
    id: String,
    secret: String,
}

/// Authenticates the client of a token or revoke request.
pub fn authenticate<'a>(
    registry: &'a ClientRegistry,
    headers: &HeaderMap,
    params: &Params,
) -> Result<&'a Client, OAuthError> {
    let basic = basic_credentials(headers)?;
    let used_basic = basic.is_some();
    let form_id = params
        .single("client_id")
        .map_err(|d| OAuthError::invalid_request(d.to_string()))?;
    let form_secret = params
        .single("client_secret")
        .map_err(|d| OAuthError::invalid_request(d.to_string()))?;

    let (client_id, secret) = match (&basic, form_id) {
        (Some(basic), form_id) => {
            if form_secret.is_some() {
                return Err(OAuthError::invalid_request(
                    "client_secret was sent both in the Authorization header and in the body; use one",
                ));
            }
            if form_id.is_some_and(|id| id != basic.id) {
                return Err(OAuthError::invalid_request(
                    "client_id in the body differs from the Authorization header",
                ));
            }
            (basic.id.as_str(), Some(basic.secret.as_str()))
        }
        (None, Some(id)) => (id, form_secret),
        (None, None) => return Err(OAuthError::invalid_client("client_id is missing", false)),
    };

    let client = registry
        .get(client_id)
        .ok_or_else(|| OAuthError::invalid_client("unknown client_id", used_basic))?;
    if client.is_confidential() {
        match secret {
            None => {
                return Err(OAuthError::invalid_client(
                    "this client is confidential: send client_secret in the body or with HTTP Basic",
                    used_basic,
                ));
            }
            Some(secret) if !client.secret_matches(secret) => {
                return Err(OAuthError::invalid_client("client authentication failed", used_basic));
            }
            Some(_) => {}
        }
    }
    Ok(client)
}

/// Parses `Authorization: Basic base64(urlencode(id):urlencode(secret))`; other schemes are ignored.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<Basic>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || OAuthError::invalid_client("malformed HTTP Basic credentials", true);
    let value = value.to_str().map_err(|_| bad())?.trim();
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let (id, secret) = {
        let colon = decoded.iter().position(|&b| b == b':').ok_or_else(bad)?;
        (&decoded[..colon], &decoded[colon + 1..])
    };
    let decode_part = |raw: &[u8]| -> Result<String, OAuthError> {
        let pair = [b"v=".as_slice(), raw].concat();
        let params = Params::parse(&pair).map_err(|_| bad())?;
        Ok(params.single("v").ok().flatten().unwrap_or_default().to_owned())
    };
    let id = decode_part(id)?;
    if id.is_empty() {
        return Err(bad());
    }
    Ok(Some(Basic {
        id,
        secret: decode_part(secret)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ClientRegistration;

    fn registry() -> ClientRegistry {
        ClientRegistry::new(&[
            ClientRegistration::public("pub", "http://h/cb"),
            ClientRegistration::confidential("conf", "http://h/cb", "s e/cret"),
        ])
    }

    fn basic(id: &str, secret: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let raw = format!("{}:{}", enc(id), enc(secret));
        let value = format!("Basic {}", STANDARD.encode(raw));
        headers.insert(header::AUTHORIZATION, value.parse().expect("header"));
        headers
    }

    fn params(raw: &str) -> Params {
        Params::parse(raw.as_bytes()).expect("params")
    }

    #[test]
    fn public_and_confidential_clients() {
        let reg = registry();
        let none = HeaderMap::new();
        assert_eq!(
            authenticate(&reg, &none, &params("client_id=pub")).expect("public").id,
            "pub"
        );
        assert_eq!(
            authenticate(&reg, &none, &params("client_id=nobody"))
                .map(|_| ())
                .unwrap_err()
                .code(),
            "invalid_client"
        );
        assert!(authenticate(&reg, &none, &params("client_id=conf")).is_err());
        assert!(authenticate(&reg, &none, &params("client_id=conf&client_secret=wrong")).is_err());
        assert!(authenticate(&reg, &none, &params("client_id=conf&client_secret=s+e%2Fcret")).is_ok());
        assert!(authenticate(&reg, &basic("conf", "s e/cret"), &params("")).is_ok());
        assert!(authenticate(&reg, &basic("conf", "nope"), &params("")).is_err());
        let both = authenticate(&reg, &basic("conf", "s e/cret"), &params("client_secret=x"));
        assert_eq!(both.map(|_| ()).unwrap_err().code(), "invalid_request");
        assert!(authenticate(&reg, &none, &params("")).is_err());
    }
}
