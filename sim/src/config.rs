//! Sandbox configuration: the command-line flags, their parsing and validation, and the
//! `SimConfig` value the library is started with. No networking here.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::clock::SimClock;

/// The client registered by default: the public client the demo and the tests use.
pub const DEFAULT_CLIENT_ID: &str = "pdauth-demo";
/// The redirect URI the default client is registered for.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";

/// PagerDuty service region of the sandbox account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Region {
    /// United States (`api.pagerduty.com`).
    Us,
    /// European Union (`api.eu.pagerduty.com`).
    Eu,
}

impl Region {
    /// The value PagerDuty puts in the id_token `region` claim.
    pub fn claim(self) -> &'static str {
        match self {
            Region::Us => "UnitedStates",
            Region::Eu => "EU",
        }
    }

    /// The web host of an account in this region.
    pub fn web_host(self, subdomain: &str) -> String {
        match self {
            Region::Us => format!("{subdomain}.pagerduty.com"),
            Region::Eu => format!("{subdomain}.eu.pagerduty.com"),
        }
    }

    /// Prefix of user tokens minted in this region.
    pub fn token_prefix(self) -> &'static str {
        match self {
            Region::Us => "pdus+_",
            Region::Eu => "pdeu+_",
        }
    }
}

/// Size of the seeded account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// A compact, realistic account (the demo's): ~40 users, ~300 recent incidents.
    #[default]
    Small,
    /// A big account: over 10,000 incidents in the default 30-day range, so PagerDuty's
    /// offset cap is reached.
    Large,
}

/// One registration of an OAuth client: a client id with one allowed redirect URI.
/// Registering an id several times allows several redirect URIs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRegistration {
    /// The OAuth `client_id`.
    pub client_id: String,
    /// An allowed redirect URI, compared byte for byte.
    pub redirect_uri: String,
    /// The client secret of a confidential client; `None` for a public client.
    pub secret: Option<String>,
}

impl ClientRegistration {
    /// A public client (no secret, PKCE only).
    pub fn public(client_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            secret: None,
        }
    }

    /// A confidential client (secret required at the token and revoke endpoints).
    pub fn confidential(
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            secret: Some(secret.into()),
        }
    }

    /// Parses a `--client` value: `ID=REDIRECT_URI` or `ID=REDIRECT_URI=SECRET`.
    ///
    /// The id ends at the first `=`. A redirect URI may have a query; the secret is recognised
    /// as a trailing `=SECRET` after the URI's last query pair (`cb?a=b=SECRET`), or after a
    /// query-less URI (`cb=SECRET`).
    pub fn parse_flag(value: &str) -> Result<Self, String> {
        let (id, rest) = value
            .split_once('=')
            .ok_or_else(|| format!("`{value}` is not ID=REDIRECT_URI or ID=REDIRECT_URI=SECRET"))?;
        let (uri, secret) = split_secret(rest);
        let registration = Self {
            client_id: id.to_owned(),
            redirect_uri: uri.to_owned(),
            secret: secret.map(str::to_owned),
        };
        registration.validate()?;
        Ok(registration)
    }

    /// Checks the id, redirect URI and secret for shape.
    pub fn validate(&self) -> Result<(), String> {
        let id = &self.client_id;
        if id.is_empty() || id.len() > 128 {
            return Err("client id must be 1 to 128 characters".into());
        }
        if !id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)) {
            return Err(format!("client id `{id}` may only use letters, digits and - . _ ~"));
        }
        let uri = &self.redirect_uri;
        if uri.len() > 2048 {
            return Err("redirect URI is longer than 2048 bytes".into());
        }
        let parsed = url::Url::parse(uri).map_err(|e| format!("redirect URI `{uri}` is not an absolute URL: {e}"))?;
        if parsed.fragment().is_some() {
            return Err(format!("redirect URI `{uri}` must not have a #fragment"));
        }
        if uri.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(format!("redirect URI `{uri}` contains spaces or control characters"));
        }
        if let Some(secret) = &self.secret {
            if secret.is_empty() || secret.len() > 512 {
                return Err("client secret must be 1 to 512 characters".into());
            }
            if secret.chars().any(char::is_control) {
                return Err("client secret must not contain control characters".into());
            }
        }
        Ok(())
    }
}

/// Splits `URI[=SECRET]` as described on [`ClientRegistration::parse_flag`].
fn split_secret(rest: &str) -> (&str, Option<&str>) {
    let Some(eq) = rest.rfind('=') else {
        return (rest, None);
    };
    let (uri, secret) = (&rest[..eq], &rest[eq + 1..]);
    match uri.split_once('?') {
        None => (uri, Some(secret)),
        Some((_, query)) => {
            let last_pair = query.rsplit('&').next().unwrap_or("");
            if last_pair.contains('=') {
                (uri, Some(secret))
            } else {
                (rest, None)
            }
        }
    }
}

/// Applies `--client` flags to a list of default registrations: an id named by any flag
/// loses its default registrations, then every flag is appended in order.
pub fn merge_client_flags(
    defaults: Vec<ClientRegistration>,
    flags: Vec<ClientRegistration>,
) -> Vec<ClientRegistration> {
    let mut merged: Vec<ClientRegistration> = defaults
        .into_iter()
        .filter(|d| !flags.iter().any(|f| f.client_id == d.client_id))
        .collect();
    merged.extend(flags);
    merged
}

/// The default client registrations (`pdauth-demo` on port 8976).
pub fn default_clients() -> Vec<ClientRegistration> {
    vec![ClientRegistration::public(DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI)]
}

/// Everything the sandbox is started with. `Default` equals the command-line defaults.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address the binary binds (the library takes a ready listener instead).
    pub addr: SocketAddr,
    /// Registered OAuth clients (see [`merge_client_flags`] for the `--client` rules).
    pub clients: Vec<ClientRegistration>,
    /// Access token lifetime (`expires_in`).
    pub access_ttl: Duration,
    /// Refresh token lifetime; each rotation starts a new one.
    pub refresh_ttl: Duration,
    /// Authorization code lifetime.
    pub code_ttl: Duration,
    /// REST requests allowed per access token per one-minute window.
    pub rate_limit: u32,
    /// The account's subdomain (`<subdomain>.pagerduty.com`).
    pub subdomain: String,
    /// The account's service region.
    pub region: Region,
    /// Serve HTTPS with a freshly generated CA.
    pub tls: bool,
    /// Where to write the CA certificate PEM in TLS mode (the binary requires it; library
    /// users may read it from `RunningSim::ca_pem` instead).
    pub ca_out: Option<PathBuf>,
    /// Seed of the generated account data.
    pub seed: u64,
    /// Size of the generated account.
    pub scale: Scale,
    /// The instant seeded timestamps count back from; `None` means the start time (whole
    /// seconds). Two sandboxes with the same seed, scale and epoch serve identical data.
    pub data_epoch: Option<std::time::SystemTime>,
    /// The sandbox's notion of "now"; tests advance it instead of sleeping.
    pub clock: SimClock,
    /// Open, acknowledge or resolve an incident this often (off when `None`).
    pub activity: Option<Duration>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            clients: default_clients(),
            access_ttl: Duration::from_secs(3600),
            refresh_ttl: Duration::from_secs(86_400),
            code_ttl: Duration::from_secs(30),
            rate_limit: 960,
            subdomain: "acme-sandbox".into(),
            region: Region::Us,
            tls: false,
            ca_out: None,
            seed: 1,
            scale: Scale::Small,
            data_epoch: None,
            clock: SimClock::default(),
            activity: None,
        }
    }
}

impl SimConfig {
    /// Checks every value; the message says which setting is wrong and how.
    pub fn validate(&self) -> Result<(), String> {
        for (name, ttl) in [
            ("access-ttl", self.access_ttl),
            ("refresh-ttl", self.refresh_ttl),
            ("code-ttl", self.code_ttl),
        ] {
            if ttl.as_secs() == 0 {
                return Err(format!("--{name} must be at least 1 second"));
            }
            if ttl.as_secs() > MAX_TTL_SECS {
                return Err(format!("--{name} must be at most {MAX_TTL_SECS} seconds"));
            }
        }
        if self.rate_limit == 0 {
            return Err("--rate-limit must be at least 1 request per minute".into());
        }
        validate_subdomain(&self.subdomain)?;
        if self.clients.is_empty() {
            return Err("at least one OAuth client must be registered".into());
        }
        for client in &self.clients {
            client.validate()?;
        }
        for a in &self.clients {
            for b in &self.clients {
                if a.client_id == b.client_id && a.secret != b.secret {
                    return Err(format!(
                        "client `{}` is registered both with and without a secret, or with different secrets",
                        a.client_id
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Longest accepted lifetime: ten years.
const MAX_TTL_SECS: u64 = 10 * 365 * 86_400;

fn validate_subdomain(subdomain: &str) -> Result<(), String> {
    let ok = !subdomain.is_empty()
        && subdomain.len() <= 63
        && subdomain
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !subdomain.starts_with('-')
        && !subdomain.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "--subdomain `{subdomain}` must be 1-63 of a-z, 0-9 and inner dashes"
        ))
    }
}

/// Command-line flags of `pdauth-sim`.
#[derive(Debug, Parser)]
#[command(
    name = "pdauth-sim",
    version,
    about = "A local PagerDuty sandbox: OAuth identity endpoints and REST API v2"
)]
pub struct Args {
    /// Address to listen on; port 0 picks a free port. The base URL is printed as the first stdout line.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// Register an OAuth client: ID=REDIRECT_URI (public) or ID=REDIRECT_URI=SECRET (confidential).
    /// Repeat for more clients or more redirect URIs; naming `pdauth-demo` replaces its default registration.
    #[arg(long = "client", value_name = "ID=REDIRECT_URI[=SECRET]", value_parser = ClientRegistration::parse_flag)]
    pub clients: Vec<ClientRegistration>,
    /// Access token lifetime in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub access_ttl: u64,
    /// Refresh token lifetime in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 86_400)]
    pub refresh_ttl: u64,
    /// Authorization code lifetime in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub code_ttl: u64,
    /// REST requests per minute per access token.
    #[arg(long, value_name = "N", default_value_t = 960)]
    pub rate_limit: u32,
    /// Account subdomain.
    #[arg(long, default_value = "acme-sandbox")]
    pub subdomain: String,
    /// Account service region.
    #[arg(long, value_enum, default_value = "us")]
    pub region: Region,
    /// Serve HTTPS with a generated CA (requires --ca-out).
    #[arg(long, requires = "ca_out")]
    pub tls: bool,
    /// Write the generated CA certificate (PEM) here in TLS mode.
    #[arg(long, value_name = "PATH", requires = "tls")]
    pub ca_out: Option<PathBuf>,
    /// Seed of the generated account data.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Size of the seeded account: `small` (the demo's) or `large` (over 10,000 incidents).
    #[arg(long, value_enum, default_value = "small")]
    pub scale: Scale,
    /// Every SECS seconds open, acknowledge or resolve an incident, as a busy account would.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub activity: Option<u64>,
}

impl Args {
    /// Turns the flags into a validated configuration.
    pub fn into_config(self) -> Result<SimConfig, String> {
        let config = SimConfig {
            addr: self.addr,
            clients: merge_client_flags(default_clients(), self.clients),
            access_ttl: Duration::from_secs(self.access_ttl),
            refresh_ttl: Duration::from_secs(self.refresh_ttl),
            code_ttl: Duration::from_secs(self.code_ttl),
            rate_limit: self.rate_limit,
            subdomain: self.subdomain,
            region: self.region,
            tls: self.tls,
            ca_out: self.ca_out,
            seed: self.seed,
            scale: self.scale,
            data_epoch: None,
            clock: SimClock::default(),
            activity: self.activity.map(Duration::from_secs),
        };
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_public_and_confidential_flags() {
        let public = ClientRegistration::parse_flag("app=http://127.0.0.1:9000/cb").expect("public");
        assert_eq!(public, ClientRegistration::public("app", "http://127.0.0.1:9000/cb"));
        let confidential = ClientRegistration::parse_flag("app=http://127.0.0.1:9000/cb=s3cret").expect("confidential");
        assert_eq!(
            confidential,
            ClientRegistration::confidential("app", "http://127.0.0.1:9000/cb", "s3cret")
        );
    }

    #[test]
    fn redirect_uri_query_is_not_mistaken_for_a_secret() {
        let plain = ClientRegistration::parse_flag("app=http://h/cb?profile=work").expect("query");
        assert_eq!(plain.redirect_uri, "http://h/cb?profile=work");
        assert_eq!(plain.secret, None);
        let with_secret = ClientRegistration::parse_flag("app=http://h/cb?profile=work=s").expect("query+secret");
        assert_eq!(with_secret.redirect_uri, "http://h/cb?profile=work");
        assert_eq!(with_secret.secret.as_deref(), Some("s"));
    }

    #[test]
    fn rejects_bad_flags() {
        for bad in [
            "no-equals",
            "=http://h/cb",
            "app=not a url",
            "app=http://h/cb#frag",
            "a b=http://h/cb",
            "app=http://h/cb=",
        ] {
            assert!(ClientRegistration::parse_flag(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn demo_flag_replaces_default_registration() {
        let flags = vec![ClientRegistration::public(
            DEFAULT_CLIENT_ID,
            "http://127.0.0.1:9999/callback",
        )];
        let merged = merge_client_flags(default_clients(), flags);
        assert_eq!(
            merged,
            vec![ClientRegistration::public(
                DEFAULT_CLIENT_ID,
                "http://127.0.0.1:9999/callback"
            )]
        );
        let other = merge_client_flags(default_clients(), vec![ClientRegistration::public("x", "http://h/cb")]);
        assert_eq!(other.len(), 2);
    }

    #[test]
    fn conflicting_secrets_are_refused() {
        let config = SimConfig {
            clients: vec![
                ClientRegistration::public("app", "http://h/a"),
                ClientRegistration::confidential("app", "http://h/b", "s"),
            ],
            ..SimConfig::default()
        };
        assert!(config.validate().is_err());
        assert!(SimConfig::default().validate().is_ok());
    }

    #[test]
    fn tls_requires_ca_out() {
        assert!(Args::try_parse_from(["pdauth-sim", "--tls"]).is_err());
        assert!(Args::try_parse_from(["pdauth-sim", "--tls", "--ca-out", "/tmp/ca.pem"]).is_ok());
        assert!(Args::try_parse_from(["pdauth-sim", "--region", "mars"]).is_err());
    }
}
