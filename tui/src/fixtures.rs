//! Sample profiles and a fixed clock for the reducer and view tests. Test
//! builds only.

use pdauth_common::{
    Account, Actor, AuditEntry, LoginInfo, ProfileStatus, RefreshResult, RetryInfo, StorageInfo, TokenState,
    UserSummary,
};

use crate::app::{App, Link};

/// The fixed "now" of every view test (2023-11-14 22:13:20 UTC).
pub const NOW: i64 = 1_700_000_000;

pub const AUTHORIZE_URL: &str = "https://identity.pagerduty.com/oauth/authorize?client_id=5f1c9e0a-7d4b-4c4e-9a51-2f0c3b7e8d19&redirect_uri=http%3A%2F%2F127.0.0.1%3A8976%2Fcallback&response_type=code&scope=read%20write&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&state=3b1f0f0e8c5d4a3e9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e";

pub fn login_info(profile: &str) -> LoginInfo {
    LoginInfo {
        profile: profile.to_string(),
        authorize_url: AUTHORIZE_URL.to_string(),
        redirect_uri: "http://127.0.0.1:8976/callback".to_string(),
        started_at: NOW - 12,
        expires_at: NOW + 588,
    }
}

fn signed_in(name: &str, state: TokenState, expires_in: i64) -> ProfileStatus {
    ProfileStatus {
        name: name.to_string(),
        state,
        reason: None,
        account: Some(Account {
            subdomain: Some("acme-corp".to_string()),
            account_id: Some("PACME01".to_string()),
            region: Some("UnitedStates".to_string()),
        }),
        user: Some(UserSummary {
            id: Some("PADA001".to_string()),
            name: Some("Ada Lovelace".to_string()),
            email: Some("ada@acme.example".to_string()),
            role: Some("admin".to_string()),
        }),
        scopes_requested: vec!["read".to_string(), "write".to_string()],
        scopes_granted: vec!["read".to_string(), "write".to_string()],
        scopes_missing: Vec::new(),
        obtained_at: Some(NOW - 3_600 - expires_in.clamp(0, 3_600)),
        expires_at: Some(NOW + expires_in),
        api_url: Some("https://api.pagerduty.com".to_string()),
        login: None,
        has_refresh_token: true,
        next_refresh_at: Some(NOW + expires_in - 732),
        last_refresh: None,
        retry: None,
    }
}

fn refresh_result(ago: i64, ok: bool, message: &str) -> Option<RefreshResult> {
    Some(RefreshResult {
        at: NOW - ago,
        ok,
        message: message.to_string(),
    })
}

/// A profile named after its state, with data typical of that state.
pub fn profile(state: TokenState) -> ProfileStatus {
    let name = state.as_str().replace('_', "-");
    match state {
        TokenState::LoggedOut => ProfileStatus {
            scopes_requested: vec!["read".to_string()],
            ..ProfileStatus::logged_out(name)
        },
        TokenState::LoginPending => ProfileStatus {
            state,
            scopes_requested: vec!["read".to_string(), "write".to_string()],
            login: Some(login_info(&name)),
            ..ProfileStatus::logged_out(name)
        },
        TokenState::Valid => ProfileStatus {
            last_refresh: refresh_result(48, true, "refreshed"),
            ..signed_in(&name, state, 3_552)
        },
        TokenState::Expiring => ProfileStatus {
            next_refresh_at: Some(NOW + 5),
            ..signed_in(&name, state, 245)
        },
        TokenState::Refreshing => ProfileStatus {
            next_refresh_at: None,
            ..signed_in(&name, state, 118)
        },
        TokenState::RefreshFailing => ProfileStatus {
            reason: Some("refreshes fail and are being retried".to_string()),
            last_refresh: refresh_result(35, false, "identity.pagerduty.com timed out after 10 s"),
            retry: Some(RetryInfo {
                attempts: 3,
                last_error: "identity.pagerduty.com timed out after 10 s".to_string(),
                next_attempt_at: NOW + 25,
            }),
            next_refresh_at: Some(NOW + 25),
            ..signed_in(&name, state, 95)
        },
        TokenState::Expired => ProfileStatus {
            reason: Some("refresh pending after a network outage".to_string()),
            last_refresh: refresh_result(300, false, "network unreachable"),
            next_refresh_at: Some(NOW - 240),
            ..signed_in(&name, state, -240)
        },
        TokenState::NeedsLogin => ProfileStatus {
            reason: Some("the refresh token was rejected (invalid_grant): log in again".to_string()),
            last_refresh: refresh_result(2 * 86_400, false, "invalid_grant"),
            next_refresh_at: None,
            ..signed_in(&name, state, -2 * 86_400 - 3_600)
        },
        TokenState::Unpersisted => ProfileStatus {
            reason: Some("disk full: the new tokens are kept in memory only".to_string()),
            retry: Some(RetryInfo {
                attempts: 2,
                last_error: "disk full".to_string(),
                next_attempt_at: NOW + 20,
            }),
            scopes_granted: vec!["read".to_string()],
            scopes_missing: vec!["write".to_string()],
            last_refresh: refresh_result(30, true, "refreshed"),
            ..signed_in(&name, state, 2 * 86_400 + 3 * 3_600 + 60)
        },
        TokenState::Error => ProfileStatus {
            reason: Some("client_secret_file /etc/pdauth/secret is not readable".to_string()),
            account: None,
            user: None,
            scopes_granted: Vec::new(),
            obtained_at: None,
            expires_at: None,
            has_refresh_token: false,
            next_refresh_at: None,
            ..signed_in(&name, state, 0)
        },
    }
}

/// A profile PagerDuty granted none of its requested scopes (it silently
/// grants only `openid` for invalid ones).
pub fn no_scopes() -> ProfileStatus {
    ProfileStatus {
        name: "scoped".to_string(),
        scopes_requested: vec!["incidents.read".to_string(), "services.read".to_string()],
        scopes_granted: vec!["openid".to_string()],
        scopes_missing: vec!["incidents.read".to_string(), "services.read".to_string()],
        ..profile(TokenState::Valid)
    }
}

/// An audit trail of `profile`, newest first, with a failing refresh.
pub fn audit_entries(profile: &str) -> Vec<AuditEntry> {
    let entry = |id: i64, ago: i64, event: &str, actor: Option<Actor>, detail: Option<&str>| AuditEntry {
        id,
        at: NOW - ago,
        profile: profile.to_string(),
        event: event.to_string(),
        actor,
        detail: detail.map(str::to_string),
    };
    let me = Some(Actor {
        uid: 1000,
        pid: Some(4242),
    });
    vec![
        entry(
            9,
            35,
            "refresh_failed",
            None,
            Some("identity.pagerduty.com timed out after 10 s"),
        ),
        entry(
            8,
            95,
            "refresh_failed",
            None,
            Some("identity.pagerduty.com timed out after 10 s"),
        ),
        entry(7, 300, "token_issued", me, None),
        entry(6, 1_800, "refresh_ok", None, None),
        entry(5, 3_000, "token_issued", me, None),
        entry(4, 3_500, "login_completed", None, Some("granted read write")),
        entry(3, 3_560, "login_started", me, None),
        entry(2, 90_000, "revoked", me, Some("confirmed by the identity server")),
        entry(
            1,
            100_000,
            "needs_login",
            None,
            Some("the refresh token was rejected by PagerDuty"),
        ),
    ]
}

/// One profile in every state, in [`TokenState::ALL`] order.
pub fn every_state() -> Vec<ProfileStatus> {
    TokenState::ALL.iter().map(|s| profile(*s)).collect()
}

pub fn storage() -> StorageInfo {
    StorageInfo::KeyFile {
        path: "/home/ada/.local/state/pdauth/key".to_string(),
    }
}

/// A connected app showing every state.
pub fn connected_app() -> App {
    let mut app = App::new("/run/user/1000/pdauth/pdauthd.sock", NOW);
    app.link = Link::Up {
        daemon_version: "0.1.0".to_string(),
    };
    app.profiles = every_state();
    app.storage = Some(storage());
    app
}

/// Put the cursor on the profile named after `state`, wherever the list's
/// order shows it; its name.
pub fn select(app: &mut App, state: TokenState) -> String {
    let name = profile(state).name;
    select_name(app, &name);
    name
}

/// Put the cursor on the profile named `name`, wherever the list's order
/// shows it.
pub fn select_name(app: &mut App, name: &str) {
    app.selected = app
        .visible()
        .iter()
        .position(|i| app.profiles[*i].name == name)
        .unwrap_or_else(|| panic!("{name} is not shown"));
}

/// The status of the profile named `name`.
pub fn status<'a>(app: &'a App, name: &str) -> &'a ProfileStatus {
    app.profiles
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no profile {name}"))
}
