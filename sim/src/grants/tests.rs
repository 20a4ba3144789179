//! Codes, rotation, reuse detection, revocation, expiry and scale of the grant store.

use super::*;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn lifetimes() -> Lifetimes {
    Lifetimes {
        access: Duration::from_secs(60),
        refresh: Duration::from_secs(600),
    }
}

fn store_with_code(now: SystemTime) -> AuthStore {
    let mut store = AuthStore::default();
    let binding = CodeBinding {
        client_id: "app".into(),
        redirect_uri: "http://h/cb".into(),
        code_challenge: CHALLENGE.into(),
        user_id: "PUSER01".into(),
        scope: "openid read".into(),
    };
    store.insert_code("c1".into(), binding, now, Duration::from_secs(30));
    store
}

fn state(store: &AuthStore, token: &str, now: SystemTime) -> Option<TokenState> {
    store.introspect(token, now).map(|i| i.state)
}

#[test]
fn rfc7636_example_verifies() {
    assert!(pkce_matches(VERIFIER, CHALLENGE));
    assert!(!pkce_matches("x".repeat(43).as_str(), CHALLENGE));
    assert!(is_s256_challenge(CHALLENGE));
    assert!(!is_s256_challenge("short"));
}

#[test]
fn code_is_single_use_and_reuse_revokes_its_tokens() {
    let now = SystemTime::now();
    let mut store = store_with_code(now);
    let grant = store
        .redeem_code("c1", "app", "http://h/cb", VERIFIER, now)
        .expect("first use");
    store.record_tokens(grant.grant_id, "a1".into(), Some("r1".into()), now, lifetimes());
    assert!(store.authenticate("a1", now).is_some());
    assert!(store.redeem_code("c1", "app", "http://h/cb", VERIFIER, now).is_err());
    assert!(store.authenticate("a1", now).is_none());
    assert_eq!(store.live_counts(now), (0, 0));
    assert_eq!(state(&store, "r1", now), Some(TokenState::Revoked));
}

#[test]
fn a_failed_presentation_spends_the_code() {
    let now = SystemTime::now();
    let mut store = store_with_code(now);
    assert!(store.redeem_code("c1", "app", "http://h/other", VERIFIER, now).is_err());
    assert!(store.redeem_code("c1", "app", "http://h/cb", VERIFIER, now).is_err());
}

#[test]
fn expired_code_is_refused() {
    let now = SystemTime::now();
    let mut store = store_with_code(now);
    let later = now + Duration::from_secs(31);
    assert_eq!(
        store.redeem_code("c1", "app", "http://h/cb", VERIFIER, later),
        Err(InvalidGrant("authorization code expired"))
    );
}

#[test]
fn rotated_refresh_token_reuse_revokes_the_grant() {
    let now = SystemTime::now();
    let mut store = store_with_code(now);
    let grant = store
        .redeem_code("c1", "app", "http://h/cb", VERIFIER, now)
        .expect("code");
    store.record_tokens(grant.grant_id, "a1".into(), Some("r1".into()), now, lifetimes());
    store.check_refresh("r1", "app", now).expect("valid");
    store.rotate_refresh("r1");
    store.record_tokens(grant.grant_id, "a2".into(), Some("r2".into()), now, lifetimes());
    assert_eq!(store.live_counts(now), (2, 1));
    assert_eq!(state(&store, "r1", now), Some(TokenState::Rotated));
    assert_eq!(state(&store, "r2", now), Some(TokenState::Live));
    let summary = store.grants(now);
    assert_eq!(summary.len(), 1);
    assert_eq!(
        (
            summary[0].refresh_rotations,
            summary[0].current_refresh_token.as_deref(),
            summary[0].live
        ),
        (1, Some("r2"), true)
    );

    assert!(store.check_refresh("r1", "app", now).is_err());
    assert!(store.check_refresh("r2", "app", now).is_err());
    assert!(store.authenticate("a2", now).is_none());
    assert_eq!(store.live_counts(now), (0, 0));
    assert_eq!(state(&store, "r1", now), Some(TokenState::Revoked));
    assert!(!store.grants(now)[0].live);
}

#[test]
fn revocation_scopes() {
    let now = SystemTime::now();
    let mut store = store_with_code(now);
    let grant = store
        .redeem_code("c1", "app", "http://h/cb", VERIFIER, now)
        .expect("code");
    store.record_tokens(grant.grant_id, "a1".into(), Some("r1".into()), now, lifetimes());
    store.record_tokens(grant.grant_id, "a2".into(), None, now, lifetimes());
    assert_eq!(store.revoke("a1", "other"), Err(WrongClient));
    assert_eq!(store.revoke("a1", "app"), Ok(Revoked::AccessToken));
    assert_eq!(state(&store, "a1", now), Some(TokenState::Revoked));
    assert!(store.authenticate("a2", now).is_some());
    assert_eq!(store.live_counts(now), (1, 1));
    assert_eq!(store.revoke("a1", "app"), Ok(Revoked::Unknown), "already revoked");
    assert_eq!(store.revoke("r1", "app"), Ok(Revoked::Grant));
    assert!(store.authenticate("a2", now).is_none());
    assert_eq!(store.revoke("r1", "app"), Ok(Revoked::Unknown));
    assert_eq!(
        store.revoke("r1", "other"),
        Ok(Revoked::Unknown),
        "dead tokens are nobody's"
    );
    assert_eq!(store.live_counts(now), (0, 0));
}

#[test]
fn expiry_stops_counting_then_forgets() {
    let now = SystemTime::now();
    let mut store = AuthStore::default();
    let grant = store.create_grant("app", "PUSER01", "openid read");
    store.record_tokens(grant.grant_id, "a1".into(), Some("r1".into()), now, lifetimes());
    assert_eq!(store.live_counts(now), (1, 1));

    let access_gone = now + Duration::from_secs(60);
    assert_eq!(store.live_counts(access_gone), (0, 1));
    assert_eq!(state(&store, "a1", access_gone), Some(TokenState::Expired));
    assert!(store.authenticate("a1", access_gone).is_none());
    let info = store.introspect("r1", access_gone).expect("known");
    assert_eq!(
        (info.kind, info.state, info.expires_at),
        (TokenKind::Refresh, TokenState::Live, now + Duration::from_secs(600))
    );

    let refresh_gone = now + Duration::from_secs(600);
    assert_eq!(
        store.check_refresh("r1", "app", refresh_gone),
        Err(InvalidGrant("refresh token expired"))
    );
    assert_eq!(store.live_counts(refresh_gone), (0, 0));
    assert!(!store.grants(refresh_gone)[0].live);
    assert_eq!(state(&store, "r1", refresh_gone), Some(TokenState::Expired));

    let forgotten = refresh_gone + TOKEN_MEMORY;
    assert_eq!(store.live_counts(forgotten), (0, 0));
    assert_eq!(state(&store, "r1", forgotten), None);
    assert_eq!(
        store.remembered(),
        Remembered {
            codes: 0,
            grants: 0,
            tokens: 0
        }
    );
    assert_eq!(store.pending_deadlines(), 0);
}

#[test]
fn tokens_recorded_under_a_revoked_grant_are_dead() {
    let now = SystemTime::now();
    let mut store = AuthStore::default();
    let grant = store.create_grant("app", "PUSER01", "openid");
    store.record_tokens(grant.grant_id, "a1".into(), Some("r1".into()), now, lifetimes());
    assert_eq!(store.revoke_all(now), 2);
    store.record_tokens(grant.grant_id, "a2".into(), Some("r2".into()), now, lifetimes());
    assert_eq!(store.live_counts(now), (0, 0));
    assert_eq!(state(&store, "a2", now), Some(TokenState::Revoked));
    assert!(store.authenticate("a2", now).is_none());
    // Expiry of tokens that never counted must not push the counts below zero.
    let grant = store.create_grant("app", "PUSER01", "openid");
    store.record_tokens(grant.grant_id, "a3".into(), None, now, lifetimes());
    assert_eq!(store.live_counts(now + Duration::from_secs(601)), (0, 0));
    assert_eq!(store.introspect("nonsense", now), None);
}

/// Ten thousand grants refreshed once each: every refresh is a constant number of map
/// operations, and the deadline heap holds at most one entry per remembered token.
#[test]
fn ten_thousand_grants_refresh_once_each() {
    const GRANTS: usize = 10_000;
    let now = SystemTime::now();
    let mut store = AuthStore::default();
    let mut refresh_tokens = Vec::with_capacity(GRANTS);
    for i in 0..GRANTS {
        let grant = store.create_grant("app", "PUSER01", "openid read write");
        let refresh = format!("r{i}");
        store.record_tokens(grant.grant_id, format!("a{i}"), Some(refresh.clone()), now, lifetimes());
        refresh_tokens.push(refresh);
    }
    assert_eq!(store.live_counts(now), (GRANTS, GRANTS));
    let later = now + Duration::from_secs(1);
    for (i, refresh) in refresh_tokens.iter().enumerate() {
        let grant = store.check_refresh(refresh, "app", later).expect("live refresh token");
        store.rotate_refresh(refresh);
        store.record_tokens(
            grant.grant_id,
            format!("a{i}'"),
            Some(format!("r{i}'")),
            later,
            lifetimes(),
        );
    }
    assert_eq!(store.live_counts(later), (2 * GRANTS, GRANTS));
    assert_eq!(store.pending_deadlines(), store.remembered().tokens);
    assert_eq!(store.remembered().tokens, 4 * GRANTS);
    let grants = store.grants(later);
    assert_eq!(grants.len(), GRANTS);
    assert!(grants.iter().all(|g| g.live && g.refresh_rotations == 1));
    assert!(
        grants
            .iter()
            .all(|g| g.current_refresh_token.as_deref().is_some_and(|t| t.ends_with('\'')))
    );
    assert!(
        refresh_tokens
            .iter()
            .all(|t| state(&store, t, later) == Some(TokenState::Rotated))
    );

    // Presenting a spent token revokes only its own grant.
    assert!(store.check_refresh(&refresh_tokens[0], "app", later).is_err());
    assert_eq!(store.live_counts(later), (2 * GRANTS - 2, GRANTS - 1));

    let much_later = later + Duration::from_secs(600) + TOKEN_MEMORY;
    assert_eq!(store.live_counts(much_later), (0, 0));
    assert_eq!(store.remembered().tokens, 0);
    assert_eq!(store.remembered().grants, 0);
    assert_eq!(store.pending_deadlines(), 0);
}
