//! The daemon's configuration: named PagerDuty profiles read from a TOML
//! file, validated up front so that a mistake is reported with the file, the
//! line and the field instead of surfacing as a failed login later. Knows
//! nothing about the network.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;
use url::Url;

pub const PAGERDUTY_AUTHORIZE_URL: &str = "https://identity.pagerduty.com/oauth/authorize";
pub const PAGERDUTY_TOKEN_URL: &str = "https://identity.pagerduty.com/oauth/token";
pub const PAGERDUTY_REVOKE_URL: &str = "https://identity.pagerduty.com/oauth/revoke";
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";
pub const DEFAULT_SCOPES: &[&str] = &["read"];

/// A configuration problem, already phrased for the admin.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// Whole daemon configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub profiles: BTreeMap<String, ProfileConfig>,
    pub daemon: DaemonSettings,
    /// Where it was read from, for messages (`None`: built-in defaults).
    pub source: Option<PathBuf>,
}

/// Settings that are not per profile.
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonSettings {
    /// How long a started login waits for the browser.
    pub login_timeout: Duration,
    /// Connect timeout for identity and API requests.
    pub connect_timeout: Duration,
    /// Total timeout of one identity or API request.
    pub request_timeout: Duration,
    /// Refreshes running at once, across all profiles.
    pub refresh_concurrency: usize,
    /// A token is refreshed at least this often even if its access token
    /// lives longer, so a refresh token never lapses from disuse.
    pub keepalive: Duration,
    /// Audit entries kept per profile (newest first) and their maximum age.
    pub audit_max_entries: u64,
    pub audit_max_age: Duration,
    /// How long a fetched list or detail is served from the cache without
    /// asking PagerDuty again.
    pub cache_ttl: Duration,
    /// How often a watched list is polled (at least; big lists are polled
    /// less often so watches never use more than a share of the budget).
    pub poll_interval: Duration,
}

impl Default for DaemonSettings {
    fn default() -> Self {
        Self {
            login_timeout: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            refresh_concurrency: 4,
            keepalive: Duration::from_secs(7 * 86_400),
            audit_max_entries: 1_000,
            audit_max_age: Duration::from_secs(90 * 86_400),
            cache_ttl: Duration::from_secs(15),
            poll_interval: Duration::from_secs(10),
        }
    }
}

/// One PagerDuty login: an OAuth app and where to talk to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileConfig {
    pub name: String,
    pub client_id: String,
    pub client_secret_file: Option<PathBuf>,
    pub redirect_uri: Url,
    /// The redirect URI exactly as configured: sent byte for byte in the
    /// authorize URL and the token request (it must match the registration).
    pub redirect_uri_text: String,
    pub scopes: Vec<String>,
    /// Endpoints are shared between profiles that name the same URL (most
    /// name PagerDuty's), so thousands of profiles cost little memory.
    pub authorize_url: Arc<Url>,
    pub token_url: Arc<Url>,
    /// `None` when revocation is switched off (`revoke_url = ""`).
    pub revoke_url: Option<Arc<Url>>,
    /// `None`: follow the account's region from the id_token.
    pub api_url: Option<Arc<Url>>,
    /// Extra trusted CA certificate(s), PEM (corporate TLS proxies, sandbox).
    pub ca_file: Option<PathBuf>,
    /// Optional hints that let PagerDuty skip its account picker.
    pub subdomain: Option<String>,
    pub service_region: Option<String>,
}

impl ProfileConfig {
    /// The scopes as one space-separated OAuth `scope` value.
    pub fn scope_string(&self) -> String {
        self.scopes.join(" ")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    daemon: Option<RawDaemon>,
    #[serde(default)]
    profiles: BTreeMap<String, RawProfile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDaemon {
    login_timeout_secs: Option<Spanned<u64>>,
    connect_timeout_secs: Option<Spanned<u64>>,
    request_timeout_secs: Option<Spanned<u64>>,
    refresh_concurrency: Option<Spanned<u64>>,
    keepalive_days: Option<Spanned<u64>>,
    audit_max_entries: Option<Spanned<u64>>,
    audit_retention_days: Option<Spanned<u64>>,
    cache_ttl_secs: Option<Spanned<u64>>,
    poll_secs: Option<Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawScopes {
    List(Vec<String>),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    client_id: Spanned<String>,
    client_secret_file: Option<Spanned<String>>,
    redirect_uri: Option<Spanned<String>>,
    scopes: Option<Spanned<RawScopes>>,
    authorize_url: Option<Spanned<String>>,
    token_url: Option<Spanned<String>>,
    revoke_url: Option<Spanned<String>>,
    api_url: Option<Spanned<String>>,
    ca_file: Option<Spanned<String>>,
    subdomain: Option<Spanned<String>>,
    service_region: Option<Spanned<String>>,
}

impl Config {
    /// A configuration with no profiles (used when no file exists).
    pub fn empty() -> Self {
        Self {
            profiles: BTreeMap::new(),
            daemon: DaemonSettings::default(),
            source: None,
        }
    }

    /// Read and validate a config file. A missing file is an error here; the
    /// caller decides whether a missing default file means "no profiles".
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read config file {}: {e}", path.display())))?;
        Self::parse(&text, path)
    }

    /// Parse config text; `path` is used in messages and to resolve relative
    /// file paths (relative to the config file's directory).
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| position(text, s.start))
                .map(|(l, c)| format!(", line {l}, column {c}"));
            ConfigError(format!(
                "config file {}{}: {}",
                path.display(),
                at.unwrap_or_default(),
                describe_toml_error(&e)
            ))
        })?;
        let ctx = Ctx {
            text,
            path,
            base: path.parent().unwrap_or(Path::new(".")),
            urls: RefCell::default(),
        };
        let daemon = match raw.daemon {
            Some(d) => DaemonSettings {
                login_timeout: ctx.secs(d.login_timeout_secs, "daemon.login_timeout_secs", 30, 3600, 300)?,
                connect_timeout: ctx.secs(d.connect_timeout_secs, "daemon.connect_timeout_secs", 1, 120, 10)?,
                request_timeout: ctx.secs(d.request_timeout_secs, "daemon.request_timeout_secs", 1, 600, 30)?,
                refresh_concurrency: ctx.int(d.refresh_concurrency, "daemon.refresh_concurrency", 1, 64, 4)? as usize,
                keepalive: Duration::from_secs(ctx.int(d.keepalive_days, "daemon.keepalive_days", 1, 365, 7)? * 86_400),
                audit_max_entries: ctx.int(d.audit_max_entries, "daemon.audit_max_entries", 100, 1_000_000, 1_000)?,
                audit_max_age: Duration::from_secs(
                    ctx.int(d.audit_retention_days, "daemon.audit_retention_days", 1, 3650, 90)? * 86_400,
                ),
                cache_ttl: ctx.secs(d.cache_ttl_secs, "daemon.cache_ttl_secs", 1, 3600, 15)?,
                poll_interval: ctx.secs(d.poll_secs, "daemon.poll_secs", 2, 3600, 10)?,
            },
            None => DaemonSettings::default(),
        };
        let mut profiles = BTreeMap::new();
        for (name, raw) in raw.profiles {
            let profile = ctx.profile(&name, raw)?;
            profiles.insert(name, profile);
        }
        Ok(Config {
            profiles,
            daemon,
            source: Some(path.to_path_buf()),
        })
    }
}

/// A TOML error without the multi-line source excerpt (the message already
/// names the line).
fn describe_toml_error(e: &toml::de::Error) -> String {
    let mut msg = e.message().trim().replace('\n', "; ");
    if msg.is_empty() {
        msg = "invalid TOML".into();
    }
    msg
}

/// 1-based line and column of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, col)
}

enum FileKind {
    Secret,
    Certificates,
}

struct Ctx<'a> {
    text: &'a str,
    path: &'a Path,
    base: &'a Path,
    /// Endpoint URLs already parsed, by their text.
    urls: RefCell<HashMap<String, Arc<Url>>>,
}

impl Ctx<'_> {
    fn err<T>(&self, span: std::ops::Range<usize>, field: &str, msg: impl std::fmt::Display) -> Result<T, ConfigError> {
        let (line, col) = position(self.text, span.start);
        Err(ConfigError(format!(
            "config file {}, line {line}, column {col}: {field}: {msg}",
            self.path.display()
        )))
    }

    fn secs(
        &self,
        v: Option<Spanned<u64>>,
        field: &str,
        min: u64,
        max: u64,
        default: u64,
    ) -> Result<Duration, ConfigError> {
        match v {
            None => Ok(Duration::from_secs(default)),
            Some(v) if (min..=max).contains(v.get_ref()) => Ok(Duration::from_secs(*v.get_ref())),
            Some(v) => self.err(v.span(), field, format!("must be between {min} and {max} seconds")),
        }
    }

    fn int(&self, v: Option<Spanned<u64>>, field: &str, min: u64, max: u64, default: u64) -> Result<u64, ConfigError> {
        match v {
            None => Ok(default),
            Some(v) if (min..=max).contains(v.get_ref()) => Ok(*v.get_ref()),
            Some(v) => self.err(v.span(), field, format!("must be between {min} and {max}")),
        }
    }

    fn file(&self, v: Option<Spanned<String>>, field: &str) -> Result<Option<PathBuf>, ConfigError> {
        match v {
            None => Ok(None),
            Some(v) if v.get_ref().trim().is_empty() => self.err(v.span(), field, "must not be empty"),
            Some(v) => {
                let p = PathBuf::from(v.get_ref());
                Ok(Some(if p.is_absolute() { p } else { self.base.join(p) }))
            }
        }
    }

    /// A file the daemon reads later, checked now so a mistake stops the
    /// start instead of a login.
    fn checked_file(
        &self,
        v: Option<Spanned<String>>,
        field: &str,
        kind: FileKind,
    ) -> Result<Option<PathBuf>, ConfigError> {
        let span = v.as_ref().map(|v| v.span());
        let Some(path) = self.file(v, field)? else {
            return Ok(None);
        };
        let span = span.unwrap_or(0..0);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => return self.err(span, field, format!("cannot read {}: {e}", path.display())),
        };
        match kind {
            FileKind::Secret if text.trim().is_empty() => self.err(span, field, format!("{} is empty", path.display())),
            FileKind::Secret => {
                use std::os::unix::fs::MetadataExt;
                if std::fs::metadata(&path).is_ok_and(|m| m.mode() & 0o077 != 0) {
                    tracing::warn!(file = %path.display(), "the client secret file is readable by other users; chmod 600 it");
                }
                Ok(Some(path))
            }
            FileKind::Certificates if !text.contains("-----BEGIN CERTIFICATE-----") => {
                self.err(span, field, format!("{} holds no PEM certificate", path.display()))
            }
            FileKind::Certificates => Ok(Some(path)),
        }
    }

    fn endpoint(&self, v: Option<Spanned<String>>, field: &str, default: &str) -> Result<Arc<Url>, ConfigError> {
        let (text, span) = match &v {
            None => (default, 0..0),
            Some(v) => (v.get_ref().as_str(), v.span()),
        };
        if let Some(url) = self.urls.borrow().get(text) {
            return Ok(url.clone());
        }
        let url = match Url::parse(text) {
            Ok(url) => url,
            Err(e) if v.is_some() => return self.err(span, field, format!("not a valid URL ({e})")),
            Err(e) => return Err(ConfigError(e.to_string())),
        };
        if let Err(msg) = check_endpoint(&url) {
            return self.err(span, field, msg);
        }
        let url = Arc::new(url);
        self.urls.borrow_mut().insert(text.to_string(), url.clone());
        Ok(url)
    }

    fn profile(&self, name: &str, raw: RawProfile) -> Result<ProfileConfig, ConfigError> {
        let field = |f: &str| format!("profiles.{name}.{f}");
        if !valid_profile_name(name) {
            return self.err(
                raw.client_id.span(),
                &format!("profiles.{name}"),
                "profile names use letters, digits, '-' and '_' (at most 64)",
            );
        }
        if raw.client_id.get_ref().trim().is_empty() {
            return self.err(raw.client_id.span(), &field("client_id"), "must not be empty");
        }
        let (redirect_uri, redirect_uri_text) = match raw.redirect_uri {
            None => (
                Url::parse(DEFAULT_REDIRECT_URI).map_err(|e| ConfigError(e.to_string()))?,
                DEFAULT_REDIRECT_URI.to_string(),
            ),
            Some(v) => {
                let text = v.get_ref().clone();
                let url = match Url::parse(&text) {
                    Ok(url) => url,
                    Err(e) => return self.err(v.span(), &field("redirect_uri"), format!("not a valid URL ({e})")),
                };
                if let Err(msg) = check_redirect(&url, &text) {
                    return self.err(v.span(), &field("redirect_uri"), msg);
                }
                (url, text)
            }
        };
        let scopes = match raw.scopes {
            None => DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect(),
            Some(v) => {
                let span = v.span();
                let list: Vec<String> = match v.into_inner() {
                    RawScopes::List(l) => l.into_iter().flat_map(|s| split_scopes(&s)).collect(),
                    RawScopes::Text(t) => split_scopes(&t),
                };
                if list.is_empty() {
                    return self.err(span, &field("scopes"), "at least one scope is needed (e.g. [\"read\"])");
                }
                if let Some(bad) = list
                    .iter()
                    .find(|s| !s.chars().all(|c| c.is_ascii_graphic() && c != '"' && c != '\\'))
                {
                    return self.err(span, &field("scopes"), format!("invalid scope {bad:?}"));
                }
                let mut dedup = Vec::new();
                for s in list {
                    if !dedup.contains(&s) {
                        dedup.push(s);
                    }
                }
                dedup
            }
        };
        let revoke_url = match raw.revoke_url {
            Some(v) if v.get_ref().is_empty() => None,
            other => Some(self.endpoint(other, &field("revoke_url"), PAGERDUTY_REVOKE_URL)?),
        };
        let api_url = match raw.api_url {
            None => None,
            Some(v) => Some(self.endpoint(Some(v), &field("api_url"), "")?),
        };
        let hint = |v: Option<Spanned<String>>, f: &str| -> Result<Option<String>, ConfigError> {
            match v {
                None => Ok(None),
                Some(v)
                    if v.get_ref().chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        && !v.get_ref().is_empty() =>
                {
                    Ok(Some(v.into_inner()))
                }
                Some(v) => self.err(v.span(), &field(f), "letters, digits and '-' only"),
            }
        };
        Ok(ProfileConfig {
            name: name.to_string(),
            client_id: raw.client_id.get_ref().trim().to_string(),
            client_secret_file: self.checked_file(
                raw.client_secret_file,
                &field("client_secret_file"),
                FileKind::Secret,
            )?,
            redirect_uri,
            redirect_uri_text,
            scopes,
            authorize_url: self.endpoint(raw.authorize_url, &field("authorize_url"), PAGERDUTY_AUTHORIZE_URL)?,
            token_url: self.endpoint(raw.token_url, &field("token_url"), PAGERDUTY_TOKEN_URL)?,
            revoke_url,
            api_url,
            ca_file: self.checked_file(raw.ca_file, &field("ca_file"), FileKind::Certificates)?,
            subdomain: hint(raw.subdomain, "subdomain")?,
            service_region: hint(raw.service_region, "service_region")?,
        })
    }
}

fn split_scopes(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

pub fn valid_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// Whether a host is a loopback literal or `localhost`.
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Endpoint URLs must be https; plain http only to a loopback host.
pub fn check_endpoint(url: &Url) -> Result<(), String> {
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err("must be an absolute http(s) URL".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials".into());
    }
    if url.fragment().is_some() {
        return Err("must not contain a fragment".into());
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback_host(url) => Ok(()),
        "http" => Err("must use https (plain http is allowed only to 127.0.0.1, ::1 or localhost)".into()),
        other => Err(format!("unsupported scheme {other:?}: use https")),
    }
}

/// Whether the authority of `text` (a URL) spells out a port.
fn has_explicit_port(text: &str) -> bool {
    let rest = text.split_once("://").map_or(text, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let after_host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split_once(']').map_or("", |(_, after)| after),
        None => host_port.find(':').map_or("", |i| &host_port[i..]),
    };
    after_host
        .strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The redirect URI must be `http` on a loopback host with an explicit port
/// (RFC 8252 7.3), and carry no fragment.
pub fn check_redirect(url: &Url, text: &str) -> Result<(), String> {
    if url.scheme() != "http" {
        return Err("must be http://127.0.0.1:PORT/path (a loopback redirect)".into());
    }
    if !is_loopback_host(url) {
        return Err("host must be 127.0.0.1, [::1] or localhost".into());
    }
    if !has_explicit_port(text) {
        return Err("needs an explicit port, e.g. http://127.0.0.1:8976/callback".into());
    }
    if url.port_or_known_default() == Some(0) {
        return Err("port 0 is not a fixed port; the redirect URI must match the app's registration".into());
    }
    if url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a fragment or credentials".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/pdauth/config.toml"))
    }

    #[test]
    fn minimal_profile_gets_pagerduty_defaults() {
        let c = parse("[profiles.work]\nclient_id = \"abc\"\n").unwrap();
        let p = &c.profiles["work"];
        assert_eq!(p.authorize_url.as_str(), PAGERDUTY_AUTHORIZE_URL);
        assert_eq!(p.token_url.as_str(), PAGERDUTY_TOKEN_URL);
        assert_eq!(p.revoke_url.as_ref().unwrap().as_str(), PAGERDUTY_REVOKE_URL);
        assert_eq!(p.redirect_uri.as_str(), DEFAULT_REDIRECT_URI);
        assert_eq!(p.scopes, vec!["read"]);
        assert_eq!(p.api_url, None);
    }

    #[test]
    fn scopes_as_list_or_text() {
        let c = parse("[profiles.a]\nclient_id = \"x\"\nscopes = \"read  write read\"\n").unwrap();
        assert_eq!(c.profiles["a"].scopes, vec!["read", "write"]);
        let c = parse("[profiles.a]\nclient_id = \"x\"\nscopes = [\"incidents.read\", \"users.read\"]\n").unwrap();
        assert_eq!(c.profiles["a"].scope_string(), "incidents.read users.read");
    }

    #[test]
    fn plain_http_only_to_loopback() {
        let ok = "[profiles.a]\nclient_id = \"x\"\ntoken_url = \"http://127.0.0.1:9/oauth/token\"\n";
        assert!(parse(ok).is_ok());
        let bad = "[profiles.a]\nclient_id = \"x\"\n\ntoken_url = \"http://identity.example.com/oauth/token\"\n";
        let e = parse(bad).unwrap_err().0;
        assert!(e.contains("line 4"), "{e}");
        assert!(e.contains("profiles.a.token_url"), "{e}");
        assert!(e.contains("https"), "{e}");
        assert!(e.contains("/etc/pdauth/config.toml"), "{e}");
    }

    #[test]
    fn unknown_field_names_file_line_and_field() {
        let e = parse("[profiles.a]\nclient_id = \"x\"\nclient_sercet = \"oops\"\n")
            .unwrap_err()
            .0;
        assert!(e.contains("line 3"), "{e}");
        assert!(e.contains("client_sercet"), "{e}");
    }

    #[test]
    fn missing_client_id_is_named() {
        let e = parse("[profiles.a]\nscopes = [\"read\"]\n").unwrap_err().0;
        assert!(e.contains("client_id"), "{e}");
    }

    #[test]
    fn redirect_must_be_loopback_with_port() {
        for bad in [
            "https://127.0.0.1:8976/cb",
            "http://example.com:8976/cb",
            "http://127.0.0.1/cb",
        ] {
            let text = format!("[profiles.a]\nclient_id = \"x\"\nredirect_uri = \"{bad}\"\n");
            let e = parse(&text).unwrap_err().0;
            assert!(e.contains("redirect_uri") && e.contains("line 3"), "{bad}: {e}");
        }
        let ok = "[profiles.a]\nclient_id = \"x\"\nredirect_uri = \"http://[::1]:5000/callback\"\n";
        assert!(parse(ok).is_ok());
    }

    #[test]
    fn redirect_is_kept_byte_for_byte() {
        for text in [
            "http://127.0.0.1:18993",
            "http://LOCALHOST:5000/callback",
            "http://127.0.0.1:80/cb",
        ] {
            let c = parse(&format!("[profiles.a]\nclient_id = \"x\"\nredirect_uri = \"{text}\"\n")).unwrap();
            assert_eq!(c.profiles["a"].redirect_uri_text, text);
        }
        for bad in ["http://127.0.0.1:0/callback", "http://127.0.0.1:/cb", "http://[::1]/cb"] {
            let e = parse(&format!("[profiles.a]\nclient_id = \"x\"\nredirect_uri = \"{bad}\"\n"))
                .unwrap_err()
                .0;
            assert!(e.contains("redirect_uri"), "{bad}: {e}");
        }
    }

    #[test]
    fn referenced_files_are_checked_at_load() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = |extra: &str| {
            Config::parse(
                &format!("[profiles.a]\nclient_id = \"x\"\n{extra}\n"),
                &dir.path().join("config.toml"),
            )
        };
        let e = cfg("client_secret_file = \"missing\"").unwrap_err().0;
        assert!(e.contains("client_secret_file") && e.contains("cannot read"), "{e}");
        std::fs::write(dir.path().join("empty"), "\n").unwrap();
        assert!(
            cfg("client_secret_file = \"empty\"")
                .unwrap_err()
                .0
                .contains("is empty")
        );
        std::fs::write(dir.path().join("ca.pem"), "not a certificate").unwrap();
        assert!(
            cfg("ca_file = \"ca.pem\"")
                .unwrap_err()
                .0
                .contains("no PEM certificate")
        );
        std::fs::write(dir.path().join("secret"), "s3cret\n").unwrap();
        assert!(cfg("client_secret_file = \"secret\"").is_ok());
    }

    #[test]
    fn empty_revoke_url_disables_revocation() {
        let c = parse("[profiles.a]\nclient_id = \"x\"\nrevoke_url = \"\"\n").unwrap();
        assert_eq!(c.profiles["a"].revoke_url, None);
    }

    #[test]
    fn relative_files_resolve_next_to_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("secret"), "s3cret").unwrap();
        let text = "[profiles.a]\nclient_id = \"x\"\nclient_secret_file = \"secret\"\n";
        let c = Config::parse(text, &dir.path().join("c.toml")).unwrap();
        assert_eq!(
            c.profiles["a"].client_secret_file.as_deref(),
            Some(dir.path().join("secret").as_path())
        );
    }

    #[test]
    fn bad_profile_name_and_timeouts() {
        assert!(parse("[profiles.\"a b\"]\nclient_id = \"x\"\n").is_err());
        assert!(parse("[profiles.\"a.b\"]\nclient_id = \"x\"\n").is_err());
        let e = parse("[daemon]\nlogin_timeout_secs = 5\n").unwrap_err().0;
        assert!(e.contains("daemon.login_timeout_secs") && e.contains("line 2"), "{e}");
    }

    #[test]
    fn broken_toml_reports_position() {
        let e = parse("[profiles.a\nclient_id = 1\n").unwrap_err().0;
        assert!(e.contains("line 1"), "{e}");
    }
}
