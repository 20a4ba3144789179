//! RS256 id_token signing and the JWKS that publishes the verification key.
//!
//! RSASSA-PKCS1-v1_5 is deterministic, so equal claims always give the same token; recent
//! tokens are cached by their payload. Many grants for one user and client within one
//! second (a benchmark minting or refreshing thousands) then cost one signature, not
//! thousands, and the tokens are exactly those signing would have produced.
//!
//! The signing key (`sandbox_signing_key.pem`, a 2048-bit PKCS#8 RSA key generated once with
//! `openssl genpkey`) is embedded in the crate and is deliberately NOT SECRET: it only signs
//! id_tokens of this local sandbox, which no real service trusts. Embedding it avoids
//! generating RSA keys at start-up, which is slow in debug builds. Only signing happens here,
//! never decryption.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The sandbox's public, non-secret id_token signing key.
const SANDBOX_SIGNING_KEY_PEM: &str = include_str!("sandbox_signing_key.pem");

/// Signed tokens remembered; the cache is emptied when it reaches this size.
const CACHE_ENTRIES: usize = 256;

/// Signing failed (the key could not be loaded or the signer refused).
#[derive(Debug, thiserror::Error)]
#[error("id_token signing failed: {0}")]
pub struct JwtError(String);

/// Signs id_tokens with the sandbox key.
pub struct JwtSigner {
    signing_key: SigningKey<Sha256>,
    public_key: RsaPublicKey,
    kid: String,
    /// Compact tokens by base64url payload.
    cache: Mutex<HashMap<String, String>>,
}

impl JwtSigner {
    /// Loads the embedded sandbox key.
    pub fn sandbox() -> Result<Self, JwtError> {
        let private = RsaPrivateKey::from_pkcs8_pem(SANDBOX_SIGNING_KEY_PEM).map_err(|e| JwtError(e.to_string()))?;
        let public_key = RsaPublicKey::from(&private);
        let kid = thumbprint(&public_key);
        Ok(Self {
            signing_key: SigningKey::<Sha256>::new(private),
            public_key,
            kid,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// A compact JWS (`header.payload.signature`) over `claims`.
    pub fn sign(&self, claims: &Value) -> Result<String, JwtError> {
        let payload = b64_json(claims);
        if let Some(token) = self.cached().get(&payload) {
            return Ok(token.clone());
        }
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": self.kid});
        let signing_input = format!("{}.{payload}", b64_json(&header));
        let signature = self
            .signing_key
            .try_sign(signing_input.as_bytes())
            .map_err(|e| JwtError(e.to_string()))?
            .to_bytes();
        let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature));
        let mut cache = self.cached();
        if cache.len() >= CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(payload, token.clone());
        Ok(token)
    }

    /// The cache; a panic elsewhere cannot poison it for good (it only holds finished tokens).
    fn cached(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The JSON Web Key Set publishing the verification key.
    pub fn jwks(&self) -> Value {
        let (n, e) = components(&self.public_key);
        json!({"keys": [{"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256", "n": n, "e": e}]})
    }
}

fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// Base64url modulus and exponent.
fn components(key: &RsaPublicKey) -> (String, String) {
    (
        URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
        URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
    )
}

/// RFC 7638 JWK thumbprint: SHA-256 over the required members in lexicographic order.
fn thumbprint(key: &RsaPublicKey) -> String {
    let (n, e) = components(key);
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::BigUint;
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;

    fn decode(part: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(part).expect("base64url")
    }

    #[test]
    fn signed_token_verifies_with_the_published_key() {
        let signer = JwtSigner::sandbox().expect("embedded key loads");
        let token = signer
            .sign(&json!({"sub": "PABC123", "iat": 1, "exp": 2}))
            .expect("sign");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);

        let header: Value = serde_json::from_slice(&decode(parts[0])).expect("header json");
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["kid"], signer.kid);
        let claims: Value = serde_json::from_slice(&decode(parts[1])).expect("claims json");
        assert_eq!(claims["sub"], "PABC123");

        // Rebuild the key from the JWKS, as a relying party would.
        let jwks = signer.jwks();
        let jwk = &jwks["keys"][0];
        assert_eq!(jwk["kid"], signer.kid);
        let n = BigUint::from_bytes_be(&decode(jwk["n"].as_str().expect("n")));
        let e = BigUint::from_bytes_be(&decode(jwk["e"].as_str().expect("e")));
        let public = RsaPublicKey::new(n, e).expect("valid public key");
        assert_eq!(public.size(), 256, "2048-bit key");
        let verifier = VerifyingKey::<Sha256>::new(public);

        let signing_input = format!("{}.{}", parts[0], parts[1]);
        let signature = Signature::try_from(decode(parts[2]).as_slice()).expect("signature bytes");
        verifier
            .verify(signing_input.as_bytes(), &signature)
            .expect("signature verifies");

        assert_eq!(
            signer
                .sign(&json!({"sub": "PABC123", "iat": 1, "exp": 2}))
                .expect("sign"),
            token,
            "deterministic, whether cached or not"
        );
        let uncached = JwtSigner::sandbox().expect("embedded key loads");
        assert_eq!(
            uncached
                .sign(&json!({"sub": "PABC123", "iat": 1, "exp": 2}))
                .expect("sign"),
            token,
            "a fresh signer produces the cached token: signing is deterministic"
        );
        let other = signer
            .sign(&json!({"sub": "PABC123", "iat": 1, "exp": 3}))
            .expect("sign");
        assert_ne!(other, token);
        assert_eq!(
            signer
                .sign(&json!({"sub": "PABC123", "iat": 1, "exp": 3}))
                .expect("sign"),
            other
        );

        let tampered = format!("{}.{}", parts[0], URL_SAFE_NO_PAD.encode(r#"{"sub":"PEVIL00"}"#));
        assert!(verifier.verify(tampered.as_bytes(), &signature).is_err());
    }
}
