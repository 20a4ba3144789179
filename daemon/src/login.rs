//! Pending logins: the `state` and PKCE verifier of every login started and
//! not yet finished, the authorize URL built for it, and the rules that match
//! a callback to exactly one of them. Knows no sockets and no storage.

use std::time::Duration;

use oauth2::{AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope};
use secrecy::{ExposeSecret, SecretString};

use crate::config::ProfileConfig;
use pdauth_common::{LoginInfo, sanitize};

/// Random bytes in a login's `state` and PKCE verifier.
pub const SECRET_BYTES: u32 = 32;
/// Longest accepted `code` and `state` values in a callback.
const MAX_CODE_LEN: usize = 4096;
const MAX_STATE_LEN: usize = 1024;

/// Where a callback arrives: the loopback port and path of a redirect URI.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListenKey {
    pub port: u16,
    pub path: String,
}

impl ListenKey {
    pub fn of(redirect: &url::Url) -> Option<Self> {
        Some(Self {
            port: redirect.port_or_known_default()?,
            path: redirect.path().to_string(),
        })
    }
}

/// A login waiting for its callback. Holds the only copies of its secrets.
pub struct PendingLogin {
    pub profile: String,
    state: SecretString,
    verifier: PkceCodeVerifier,
    /// Sent byte-identical in the authorize URL and the token request.
    pub redirect_uri: String,
    pub listen: ListenKey,
    pub info: LoginInfo,
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLogin")
            .field("profile", &self.profile)
            .field("listen", &self.listen)
            .field("expires_at", &self.info.expires_at)
            .finish_non_exhaustive()
    }
}

impl PendingLogin {
    /// Create a login for `profile` with a fresh state and PKCE pair (S256).
    pub fn new(profile: &ProfileConfig, now: i64, ttl: Duration) -> Result<Self, String> {
        let listen = ListenKey::of(&profile.redirect_uri)
            .ok_or_else(|| format!("profile {}: redirect_uri has no port", profile.name))?;
        let redirect_uri = profile.redirect_uri_text.clone();
        let auth_url = AuthUrl::from_url((*profile.authorize_url).clone());
        let redirect = RedirectUrl::new(redirect_uri.clone()).map_err(|e| format!("redirect_uri: {e}"))?;
        let client = oauth2::basic::BasicClient::new(ClientId::new(profile.client_id.clone()))
            .set_auth_uri(auth_url)
            .set_redirect_uri(redirect);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256_len(SECRET_BYTES);
        let state = CsrfToken::new_random_len(SECRET_BYTES);
        let state_secret = SecretString::from(state.secret().as_str());
        let mut request = client
            .authorize_url(move || state)
            .add_scopes(profile.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge);
        if let Some(subdomain) = &profile.subdomain {
            request = request.add_extra_param("subdomain", subdomain.clone());
        }
        if let Some(region) = &profile.service_region {
            request = request.add_extra_param("service_region", region.clone());
        }
        let (url, _) = request.url();
        let expires_at = now + ttl.as_secs() as i64;
        Ok(Self {
            profile: profile.name.clone(),
            state: state_secret,
            verifier,
            info: LoginInfo {
                profile: profile.name.clone(),
                authorize_url: url.to_string(),
                redirect_uri: redirect_uri.clone(),
                started_at: now,
                expires_at,
            },
            redirect_uri,
            listen,
        })
    }

    pub fn verifier(&self) -> &str {
        self.verifier.secret()
    }

    /// A copy holding the same secrets, for an exchange that must not
    /// consume the pending login.
    fn duplicate(&self) -> Self {
        Self {
            profile: self.profile.clone(),
            state: self.state.clone(),
            verifier: PkceCodeVerifier::new(self.verifier.secret().clone()),
            redirect_uri: self.redirect_uri.clone(),
            listen: self.listen.clone(),
            info: self.info.clone(),
        }
    }

    fn state_matches(&self, candidate: &str) -> bool {
        constant_time_eq(self.state.expose_secret().as_bytes(), candidate.as_bytes())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The parameters of a callback that matter. Everything else is ignored.
#[derive(Default, PartialEq, Eq)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

impl std::fmt::Debug for CallbackQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackQuery")
            .field("code", &self.code.as_ref().map(|_| "<redacted>"))
            .field("state", &self.state.as_ref().map(|_| "<redacted>"))
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// Why a callback was turned away without touching any pending login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    DuplicateParameter,
    TooLong,
    UnknownState,
    NoState,
    NothingToDo,
}

impl Rejection {
    pub fn message(self) -> &'static str {
        match self {
            Rejection::DuplicateParameter => "The sign-in response repeated a parameter and was refused.",
            Rejection::TooLong => "The sign-in response was too long and was refused.",
            Rejection::UnknownState => {
                "This sign-in response does not belong to a login in progress (it expired, was already used, or belongs to another login)."
            }
            Rejection::NoState => "This sign-in response carries no state and cannot be matched to one login.",
            Rejection::NothingToDo => "This sign-in response carries neither a code nor an error.",
        }
    }
}

/// Parse a callback's query string. Parameters that matter may appear once.
pub fn parse_callback_query(raw: Option<&str>) -> Result<CallbackQuery, Rejection> {
    let mut q = CallbackQuery::default();
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        let slot = match key.as_ref() {
            "code" => &mut q.code,
            "state" => &mut q.state,
            "error" => &mut q.error,
            "error_description" => &mut q.error_description,
            _ => continue,
        };
        if slot.is_some() {
            return Err(Rejection::DuplicateParameter);
        }
        *slot = Some(value.into_owned());
    }
    if q.code.as_ref().is_some_and(|c| c.len() > MAX_CODE_LEN)
        || q.state.as_ref().is_some_and(|s| s.len() > MAX_STATE_LEN)
    {
        return Err(Rejection::TooLong);
    }
    Ok(q)
}

/// What to do with a callback.
#[derive(Debug)]
pub enum Resolution {
    /// Exchange this code for this login now. When `provisional` is false
    /// the login was removed (its state matched). When true the callback
    /// carried no state: `login` is a copy, the pending login stays until
    /// the exchange succeeds, so a forged callback cannot end a real login.
    Exchange {
        login: PendingLogin,
        code: SecretString,
        provisional: bool,
    },
    /// The identity server reported an error for this login (removed).
    Failed { login: PendingLogin, message: String },
    /// Nothing matched; every pending login is untouched.
    Rejected(Rejection),
}

/// Every pending login, at most one per profile.
#[derive(Debug, Default)]
pub struct Logins {
    pending: Vec<PendingLogin>,
}

impl Logins {
    pub fn get(&self, profile: &str) -> Option<&PendingLogin> {
        self.pending.iter().find(|l| l.profile == profile)
    }

    /// Add a login, returning the one it replaces for the same profile.
    pub fn insert(&mut self, login: PendingLogin) -> Option<PendingLogin> {
        let old = self.remove(&login.profile);
        self.pending.push(login);
        old
    }

    pub fn remove(&mut self, profile: &str) -> Option<PendingLogin> {
        let idx = self.pending.iter().position(|l| l.profile == profile)?;
        Some(self.pending.swap_remove(idx))
    }

    /// Remove and return logins whose time is up.
    pub fn expire(&mut self, now: i64) -> Vec<PendingLogin> {
        let (gone, keep) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|l| l.info.expires_at <= now);
        self.pending = keep;
        gone
    }

    /// The earliest expiry among pending logins.
    pub fn next_expiry(&self) -> Option<i64> {
        self.pending.iter().map(|l| l.info.expires_at).min()
    }

    /// Whether any pending login listens on `port`.
    pub fn uses_port(&self, port: u16) -> bool {
        self.pending.iter().any(|l| l.listen.port == port)
    }

    /// Remove every pending login.
    pub fn drain(&mut self) -> Vec<PendingLogin> {
        std::mem::take(&mut self.pending)
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// Match a callback that arrived at `listen` to a pending login.
    ///
    /// With a `state`, only the login with that state matches. Without one,
    /// only the single login waiting at this address may match (PKCE then
    /// protects the exchange), and only a `code` is accepted: an unmatched
    /// error report could otherwise end someone's login.
    pub fn resolve(&mut self, listen: &ListenKey, q: CallbackQuery) -> Resolution {
        let idx = match &q.state {
            Some(state) => {
                match self
                    .pending
                    .iter()
                    .position(|l| &l.listen == listen && l.state_matches(state))
                {
                    Some(idx) => idx,
                    None => return Resolution::Rejected(Rejection::UnknownState),
                }
            }
            None => {
                let mut here = self.pending.iter().enumerate().filter(|(_, l)| &l.listen == listen);
                match (here.next(), here.next(), &q.code) {
                    (Some((idx, _)), None, Some(_)) => idx,
                    _ => return Resolution::Rejected(Rejection::NoState),
                }
            }
        };
        if let Some(error) = q.error {
            let login = self.pending.swap_remove(idx);
            let message = describe_callback_error(&error, q.error_description.as_deref());
            return Resolution::Failed { login, message };
        }
        match q.code {
            Some(code) if !code.is_empty() && q.state.is_none() => Resolution::Exchange {
                login: self.pending[idx].duplicate(),
                code: SecretString::from(code),
                provisional: true,
            },
            Some(code) if !code.is_empty() => Resolution::Exchange {
                login: self.pending.swap_remove(idx),
                code: SecretString::from(code),
                provisional: false,
            },
            _ => Resolution::Rejected(Rejection::NothingToDo),
        }
    }

    /// Remove the pending login that `copy` was made from, if still there.
    pub fn remove_original(&mut self, copy: &PendingLogin) -> bool {
        let state = copy.state.expose_secret();
        match self.pending.iter().position(|l| l.state_matches(state)) {
            Some(idx) => {
                self.pending.swap_remove(idx);
                true
            }
            None => false,
        }
    }
}

/// A readable, escaped, bounded message for an `error=` callback.
pub fn describe_callback_error(error: &str, description: Option<&str>) -> String {
    let error = sanitize::truncated(error, 64);
    let lead = match error.as_str() {
        "access_denied" => "Access was denied in the browser".to_string(),
        "invalid_scope" => "PagerDuty refused the requested scopes".to_string(),
        "invalid_request" => "PagerDuty refused the login request".to_string(),
        "unauthorized_client" => "This OAuth app may not use this login method".to_string(),
        "server_error" | "temporarily_unavailable" => "PagerDuty could not complete the login; try again".to_string(),
        other => format!("The login failed ({other})"),
    };
    match description.map(|d| sanitize::truncated(d, 200)) {
        Some(d) if !d.trim().is_empty() => format!("{lead}: {d}"),
        _ => lead,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

    fn profile(name: &str, port: u16) -> ProfileConfig {
        let text = format!(
            "[profiles.{name}]\nclient_id = \"cid\"\nscopes = [\"read\", \"write\"]\nredirect_uri = \"http://127.0.0.1:{port}/callback\"\nsubdomain = \"acme\"\n"
        );
        Config::parse(&text, Path::new("t.toml"))
            .unwrap()
            .profiles
            .remove(name)
            .unwrap()
    }

    fn query_of(url: &str) -> Vec<(String, String)> {
        url::Url::parse(url).unwrap().query_pairs().into_owned().collect()
    }

    fn state_of(login: &PendingLogin) -> String {
        login.state.expose_secret().to_string()
    }

    #[test]
    fn authorize_url_carries_pkce_and_state() {
        let login = PendingLogin::new(&profile("work", 8976), 1000, Duration::from_secs(300)).unwrap();
        let q = query_of(&login.info.authorize_url);
        let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        assert_eq!(get("response_type").as_deref(), Some("code"));
        assert_eq!(get("client_id").as_deref(), Some("cid"));
        assert_eq!(get("redirect_uri").as_deref(), Some("http://127.0.0.1:8976/callback"));
        assert_eq!(get("scope").as_deref(), Some("read write"));
        assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
        assert_eq!(get("subdomain").as_deref(), Some("acme"));
        let state = get("state").unwrap();
        assert_eq!(state, state_of(&login));
        assert!(state.len() >= 43, "32 random bytes, base64url");
        assert!(login.verifier().len() >= 43);
        assert!(!login.info.authorize_url.contains(login.verifier()));
        assert_eq!(login.info.expires_at, 1300);
        // Fresh secrets each time.
        let again = PendingLogin::new(&profile("work", 8976), 1000, Duration::from_secs(300)).unwrap();
        assert_ne!(state_of(&again), state);
        assert_ne!(again.verifier(), login.verifier());
    }

    fn listen(port: u16) -> ListenKey {
        ListenKey {
            port,
            path: "/callback".into(),
        }
    }

    fn q(pairs: &str) -> CallbackQuery {
        parse_callback_query(Some(pairs)).unwrap()
    }

    #[test]
    fn state_selects_the_login_and_is_single_use() {
        let mut logins = Logins::default();
        let a = PendingLogin::new(&profile("a", 8976), 0, Duration::from_secs(60)).unwrap();
        let b = PendingLogin::new(&profile("b", 8976), 0, Duration::from_secs(60)).unwrap();
        let sb = state_of(&b);
        logins.insert(a);
        logins.insert(b);
        match logins.resolve(&listen(8976), q(&format!("code=C1&state={sb}"))) {
            Resolution::Exchange { login, code, .. } => {
                assert_eq!(login.profile, "b");
                assert_eq!(code.expose_secret(), "C1");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            logins.resolve(&listen(8976), q(&format!("code=C1&state={sb}"))),
            Resolution::Rejected(Rejection::UnknownState)
        ));
        assert!(logins.get("a").is_some(), "the other login is untouched");
    }

    #[test]
    fn wrong_state_leaves_pending_intact() {
        let mut logins = Logins::default();
        logins.insert(PendingLogin::new(&profile("a", 8976), 0, Duration::from_secs(60)).unwrap());
        for bad in ["code=x&state=nope", "error=access_denied&state=nope", "state=&code=x"] {
            assert!(matches!(
                logins.resolve(&listen(8976), q(bad)),
                Resolution::Rejected(Rejection::UnknownState)
            ));
        }
        assert!(logins.get("a").is_some());
    }

    #[test]
    fn right_state_wrong_port_does_not_match() {
        let mut logins = Logins::default();
        let a = PendingLogin::new(&profile("a", 8976), 0, Duration::from_secs(60)).unwrap();
        let sa = state_of(&a);
        logins.insert(a);
        assert!(matches!(
            logins.resolve(&listen(9000), q(&format!("code=x&state={sa}"))),
            Resolution::Rejected(Rejection::UnknownState)
        ));
    }

    #[test]
    fn error_with_valid_state_ends_the_login() {
        let mut logins = Logins::default();
        let a = PendingLogin::new(&profile("a", 8976), 0, Duration::from_secs(60)).unwrap();
        let sa = state_of(&a);
        logins.insert(a);
        let desc = "%3Cscript%3E%1B%5B31mNope";
        match logins.resolve(
            &listen(8976),
            q(&format!("error=access_denied&error_description={desc}&state={sa}")),
        ) {
            Resolution::Failed { login, message } => {
                assert_eq!(login.profile, "a");
                assert!(message.starts_with("Access was denied"), "{message}");
                assert!(!message.contains('\x1b'));
            }
            other => panic!("{other:?}"),
        }
        assert!(logins.is_empty());
    }

    #[test]
    fn missing_state_matches_only_a_single_login_and_only_with_a_code() {
        let mut logins = Logins::default();
        logins.insert(PendingLogin::new(&profile("a", 8976), 0, Duration::from_secs(60)).unwrap());
        assert!(matches!(
            logins.resolve(&listen(8976), q("error=access_denied")),
            Resolution::Rejected(Rejection::NoState)
        ));
        logins.insert(PendingLogin::new(&profile("b", 8976), 0, Duration::from_secs(60)).unwrap());
        assert!(matches!(
            logins.resolve(&listen(8976), q("code=x")),
            Resolution::Rejected(Rejection::NoState)
        ));
        logins.remove("b");
        match logins.resolve(&listen(8976), q("code=x")) {
            Resolution::Exchange {
                login,
                provisional: true,
                ..
            } => {
                // The pending login survives until the exchange succeeds.
                assert!(logins.get("a").is_some());
                assert!(logins.remove_original(&login));
                assert!(logins.get("a").is_none());
                assert!(!logins.remove_original(&login));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_code_keeps_the_login() {
        let mut logins = Logins::default();
        let a = PendingLogin::new(&profile("a", 8976), 0, Duration::from_secs(60)).unwrap();
        let sa = state_of(&a);
        logins.insert(a);
        assert!(matches!(
            logins.resolve(&listen(8976), q(&format!("state={sa}"))),
            Resolution::Rejected(Rejection::NothingToDo)
        ));
        assert!(logins.get("a").is_some());
    }

    #[test]
    fn duplicates_and_oversize_are_rejected() {
        assert_eq!(
            parse_callback_query(Some("code=a&code=b")).unwrap_err(),
            Rejection::DuplicateParameter
        );
        assert_eq!(
            parse_callback_query(Some("state=a&state=a")).unwrap_err(),
            Rejection::DuplicateParameter
        );
        assert!(
            parse_callback_query(Some("code=a&utm=1&utm=2")).is_ok(),
            "unknown parameters are ignored"
        );
        let long = format!("code={}", "x".repeat(MAX_CODE_LEN + 1));
        assert_eq!(parse_callback_query(Some(&long)).unwrap_err(), Rejection::TooLong);
    }

    #[test]
    fn expiry_and_replacement() {
        let mut logins = Logins::default();
        logins.insert(PendingLogin::new(&profile("a", 8976), 0, Duration::from_secs(60)).unwrap());
        let replaced = logins.insert(PendingLogin::new(&profile("a", 8976), 10, Duration::from_secs(60)).unwrap());
        assert_eq!(replaced.unwrap().info.started_at, 0);
        assert_eq!(logins.next_expiry(), Some(70));
        assert!(logins.expire(69).is_empty());
        assert_eq!(logins.expire(70).len(), 1);
        assert!(!logins.uses_port(8976));
    }

    #[test]
    fn debug_output_hides_secrets() {
        let login = PendingLogin::new(&profile("a", 8976), 0, Duration::from_secs(60)).unwrap();
        let shown = format!("{login:?}");
        assert!(!shown.contains(&state_of(&login)));
        assert!(!shown.contains(login.verifier()));
        let cq = q("code=SECRETCODE&state=SECRETSTATE");
        assert!(!format!("{cq:?}").contains("SECRET"));
    }
}
