//! `/_sim/mint`, `/_sim/introspect` and `/_sim/grants`: logins without the browser, and
//! what the sandbox knows about tokens and grants.

use pdauth_sim::{ClientRegistration, DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI, SimConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

/// The claims that do not depend on the time of issue.
fn stable_claims(id_token: &str) -> Value {
    let mut claims = jwt_claims(id_token);
    let map = claims.as_object_mut().expect("claims object");
    let iat = map.remove("iat").and_then(|v| v.as_u64()).expect("iat");
    let exp = map.remove("exp").and_then(|v| v.as_u64()).expect("exp");
    map.insert("lifetime".into(), json!(exp - iat));
    claims
}

#[tokio::test]
async fn minted_logins_look_like_completed_exchanges() {
    let sim = default_sim().await;
    let browser = login(&sim).await;
    let (status, body) = mint(&sim, json!({"client_id": DEFAULT_CLIENT_ID, "count": 3})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let minted = body["tokens"].as_array().expect("tokens");
    assert_eq!(minted.len(), 3);

    let keys = |v: &Value| {
        let mut keys: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(
        keys(&minted[0]),
        ["access_token", "expires_in", "id_token", "refresh_token", "scope"]
    );
    for tokens in minted {
        assert_eq!(tokens["expires_in"], browser["expires_in"]);
        assert_eq!(tokens["scope"], "openid read write");
        assert_eq!(tokens["scope"], browser["scope"]);
        assert_eq!(
            stable_claims(field(tokens, "id_token")),
            stable_claims(field(&browser, "id_token"))
        );
        let prefix = |t: &str| t[..t.rfind('_').expect("prefix")].to_owned();
        assert_eq!(
            prefix(field(tokens, "access_token")),
            prefix(field(&browser, "access_token"))
        );
        assert_eq!(
            prefix(field(tokens, "refresh_token")),
            prefix(field(&browser, "refresh_token"))
        );
        assert_eq!(me(&sim, field(tokens, "access_token")).await.status(), StatusCode::OK);
    }
    assert_ne!(minted[0]["access_token"], minted[1]["access_token"]);
    assert_ne!(minted[0]["refresh_token"], minted[1]["refresh_token"]);

    // Independent grants: reusing one spent refresh token revokes only its own grant.
    let first = field(&minted[0], "refresh_token");
    assert_eq!(refresh(&sim, first).await.0, StatusCode::OK);
    assert_eq!(refresh(&sim, first).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(
        me(&sim, field(&minted[1], "access_token")).await.status(),
        StatusCode::OK
    );
    let list = grants(&sim).await;
    let live: Vec<bool> = list.iter().map(|g| g["live"].as_bool().expect("live")).collect();
    assert_eq!(live, [true, false, true, true], "browser login, then the three minted");

    let stats = stats(&sim).await;
    assert_eq!(stats["minted"], 3);
    assert_eq!(
        stats["token_requests"],
        json!({"authorization_code": 1, "refresh_token": 2, "other": 0}),
        "minting is not a token request"
    );
    assert_eq!(stats["live_refresh_tokens"], 3);
}

#[tokio::test]
async fn mint_takes_a_user_a_scope_and_any_registered_client() {
    let config = SimConfig {
        clients: vec![
            ClientRegistration::public(DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI),
            ClientRegistration::confidential("conf", "http://127.0.0.1:1/cb", "s3cret-value"),
        ],
        ..SimConfig::default()
    };
    let sim = sim(config).await;
    let page = get_authorize(&sim, &authorize_params(&pkce().1, "read", "s")).await;
    let users = user_ids(&page.text().await.expect("page"));
    let second = users[1].as_str();

    let (status, body) = mint(
        &sim,
        json!({"client_id": "conf", "user_id": second, "scope": "incidents.read services.write"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tokens = &body["tokens"][0];
    assert_eq!(tokens["scope"], "openid incidents.read services.write");
    let claims = jwt_claims(field(tokens, "id_token"));
    assert_eq!(
        (claims["sub"].as_str(), claims["aud"][0].as_str()),
        (Some(second), Some("conf"))
    );
    let me: Value = me(&sim, field(tokens, "access_token")).await.json().await.expect("me");
    assert_eq!(me["user"]["id"], second);

    let (_, body) = mint(&sim, json!({"client_id": DEFAULT_CLIENT_ID, "scope": "read bogus"})).await;
    assert_eq!(
        body["tokens"][0]["scope"], "openid",
        "an invalid scope grants only openid"
    );
    let (_, body) = mint(&sim, json!({"client_id": DEFAULT_CLIENT_ID})).await;
    let claims = jwt_claims(field(&body["tokens"][0], "id_token"));
    assert_eq!(claims["sub"], users[0].as_str(), "the first seeded user by default");
}

#[tokio::test]
async fn mint_refuses_bad_requests() {
    let sim = default_sim().await;
    for bad in [
        json!({"client_id": "nobody"}),
        json!({"client_id": DEFAULT_CLIENT_ID, "user_id": "PNOBODY"}),
        json!({"client_id": DEFAULT_CLIENT_ID, "count": 0}),
        json!({"client_id": DEFAULT_CLIENT_ID, "count": 20_001}),
        json!({"client_id": DEFAULT_CLIENT_ID, "count": -1}),
        json!({"client_id": DEFAULT_CLIENT_ID, "colour": "red"}),
        json!({"count": 1}),
        json!([]),
    ] {
        let (status, body) = mint(&sim, bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body["error"].is_string(), "{bad}: {body}");
    }
    let stats = stats(&sim).await;
    assert_eq!(
        (stats["minted"].as_u64(), stats["live_access_tokens"].as_u64()),
        (Some(0), Some(0))
    );
}

#[tokio::test]
async fn introspection_follows_a_token_through_its_life() {
    let sim = default_sim().await;
    let unknown = introspect(&sim, "pdus+_0XBPWQQ_never-issued").await;
    assert_eq!(
        unknown,
        json!({"active": false, "kind": "unknown", "state": "unknown", "client_id": null,
               "user_id": null, "grant_id": null, "scope": null, "expires_at": null})
    );

    let tokens = login(&sim).await;
    let access = field(&tokens, "access_token");
    let refresh_token = field(&tokens, "refresh_token");
    let seen = introspect(&sim, access).await;
    let now = sim.clock().unix_seconds();
    assert_eq!(
        (seen["active"].as_bool(), seen["kind"].as_str(), seen["state"].as_str()),
        (Some(true), Some("access"), Some("live"))
    );
    assert_eq!(seen["client_id"], DEFAULT_CLIENT_ID);
    assert_eq!(seen["scope"], "openid read write");
    let claims = jwt_claims(field(&tokens, "id_token"));
    assert_eq!(seen["user_id"], claims["sub"]);
    let expires_at = seen["expires_at"].as_u64().expect("expires_at");
    assert!((now + 3599..=now + 3600).contains(&expires_at), "{expires_at} vs {now}");
    let grant_id = seen["grant_id"].as_u64().expect("grant_id");
    let seen = introspect(&sim, refresh_token).await;
    assert_eq!(
        (seen["kind"].as_str(), seen["grant_id"].as_u64()),
        (Some("refresh"), Some(grant_id))
    );

    let list = grants(&sim).await;
    assert_eq!(
        list,
        vec![
            json!({"grant_id": grant_id, "client_id": DEFAULT_CLIENT_ID, "user_id": claims["sub"],
                    "live": true, "refresh_rotations": 0,
                    "current_refresh_token_suffix": suffix(refresh_token)})
        ]
    );
    let text = http()
        .get(sim.url("/_sim/grants"))
        .send()
        .await
        .expect("grants")
        .text()
        .await
        .expect("body");
    assert!(
        !text.contains(refresh_token) && !text.contains(access),
        "never whole tokens"
    );

    let (_, renewed) = refresh(&sim, refresh_token).await;
    assert_eq!(introspect(&sim, refresh_token).await["state"], "rotated");
    assert_eq!(
        introspect(&sim, access).await["state"],
        "live",
        "rotation leaves access tokens alone"
    );
    sim.clock().advance(std::time::Duration::from_secs(3600));
    let seen = introspect(&sim, access).await;
    assert_eq!(
        (seen["active"].as_bool(), seen["state"].as_str()),
        (Some(false), Some("expired"))
    );

    let revoke = pairs(&[
        ("token", field(&renewed, "refresh_token")),
        ("client_id", DEFAULT_CLIENT_ID),
    ]);
    assert_eq!(post_form(&sim, "/oauth/revoke", &revoke).await.status(), StatusCode::OK);
    for token in [access, refresh_token, field(&renewed, "access_token")] {
        assert_eq!(introspect(&sim, token).await["state"], "revoked", "revocation wins");
    }
    assert_eq!(grants(&sim).await[0]["live"], false);

    let response = http()
        .post(sim.url("/_sim/introspect"))
        .json(&json!({"tok": "x"}))
        .send()
        .await
        .expect("introspect");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
