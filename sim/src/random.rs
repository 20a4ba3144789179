//! Random values the sandbox hands out: authorization codes and token strings. Randomness
//! comes from the operating system; failure is reported, never papered over.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The operating system could not provide random bytes.
#[derive(Debug, thiserror::Error)]
#[error("the system random number generator failed: {0}")]
pub struct RandomError(String);

fn bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| RandomError(e.to_string()))?;
    Ok(buf)
}

/// A fresh authorization code: 32 random bytes, base64url.
pub fn code() -> Result<String, RandomError> {
    Ok(URL_SAFE_NO_PAD.encode(bytes::<32>()?))
}

/// A random version-4 UUID.
pub fn uuid() -> Result<uuid::Uuid, RandomError> {
    Ok(uuid::Builder::from_random_bytes(bytes::<16>()?).into_uuid())
}

/// A pair of fresh token strings in PagerDuty's current shape:
/// `<prefix>0XBPWQQ_<uuid>` for access and `<prefix>1XBPWQQ_<uuid>` for refresh.
pub fn token_pair(prefix: &str) -> Result<(String, String), RandomError> {
    Ok((
        format!("{prefix}0XBPWQQ_{}", uuid()?),
        format!("{prefix}1XBPWQQ_{}", uuid()?),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_fresh_and_well_formed() {
        let (a1, r1) = token_pair("pdus+_").expect("random");
        let (a2, _) = token_pair("pdus+_").expect("random");
        assert_ne!(a1, a2);
        assert!(a1.starts_with("pdus+_0XBPWQQ_") && r1.starts_with("pdus+_1XBPWQQ_"));
        assert_eq!(a1.len(), "pdus+_0XBPWQQ_".len() + 36);
        let c = code().expect("random");
        assert_eq!(c.len(), 43);
        assert_ne!(c, code().expect("random"));
    }
}
