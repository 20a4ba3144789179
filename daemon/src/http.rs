//! Building HTTP clients for identity and API endpoints: never follow
//! redirects, always time out, trust an extra CA when configured (never
//! "accept invalid"), and read response bodies only up to a cap.

use std::time::Duration;

use crate::config::{DaemonSettings, ProfileConfig};

/// Largest response body read from an identity endpoint.
pub const MAX_IDENTITY_BODY: usize = 256 * 1024;

pub fn user_agent() -> String {
    format!("pdauthd/{}", env!("CARGO_PKG_VERSION"))
}

/// A client for one profile's endpoints.
pub fn client_for(profile: &ProfileConfig, settings: &DaemonSettings) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .user_agent(user_agent())
        .https_only(false)
        .tls_built_in_root_certs(true);
    if let Some(path) = &profile.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| format!("profile {}: cannot read ca_file {}: {e}", profile.name, path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("profile {}: ca_file {} is not PEM: {e}", profile.name, path.display()))?;
        if certs.is_empty() {
            return Err(format!(
                "profile {}: ca_file {} holds no certificate",
                profile.name,
                path.display()
            ));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| format!("profile {}: cannot build HTTP client: {e}", profile.name))
}

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    Interrupted(String),
}

/// Read a response body, refusing more than `cap` bytes.
pub async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, BodyError> {
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(BodyError::TooLarge);
    }
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > cap {
                    return Err(BodyError::TooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(BodyError::Interrupted(describe_reqwest(&e))),
        }
    }
}

/// A short description of a transport error, without URLs (which could
/// carry query strings) or debug dumps.
pub fn describe_reqwest(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "response body broken"
    } else if e.is_request() {
        "request failed"
    } else {
        "HTTP error"
    };
    let mut detail = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {}", pdauth_common::sanitize::truncated(&detail, 160))
    }
}
