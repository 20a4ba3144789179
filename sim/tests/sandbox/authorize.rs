//! The authorize endpoint: validation, the consent page, approval and denial.

use pdauth_sim::{ClientRegistration, DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI, SimConfig};
use reqwest::StatusCode;

use crate::common::*;

fn set(params: &mut Vec<(String, String)>, name: &str, value: Option<&str>) {
    params.retain(|(k, _)| k != name);
    if let Some(value) = value {
        params.push((name.into(), value.into()));
    }
}

#[tokio::test]
async fn full_login_reaches_users_me() {
    let sim = default_sim().await;
    let tokens = login(&sim).await;
    assert_eq!(field(&tokens, "token_type"), "bearer");
    assert_eq!(field(&tokens, "scope"), "openid read write");
    assert!(field(&tokens, "access_token").starts_with("pdus+_0XBPWQQ_"));
    assert!(field(&tokens, "refresh_token").starts_with("pdus+_1XBPWQQ_"));
    assert_eq!(tokens["expires_in"], 3600);

    let response = me(&sim, field(&tokens, "access_token")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json; charset=utf-8");
    let body: serde_json::Value = response.json().await.expect("json");
    let user = &body["user"];
    assert_eq!(user["type"], "user");
    let id = field(user, "id");
    assert_eq!(
        user["html_url"],
        format!("https://acme-sandbox.pagerduty.com/users/{id}")
    );
    assert_eq!(user["self"], format!("{}/users/{id}", sim.base_url()));
    assert_eq!(user["role"], "owner");
    assert_eq!(user["invitation_sent"], false);
    assert!(field(user, "email").ends_with("@example.com"));
    let team = &user["teams"][0];
    assert_eq!(team["type"], "team_reference");
    for key in ["id", "summary", "self", "html_url"] {
        assert!(team[key].is_string(), "team reference lacks {key}");
    }
    assert!(user["contact_methods"].as_array().is_some_and(|c| !c.is_empty()));
    assert_eq!(user["notification_rules"], serde_json::json!([]));
}

#[tokio::test]
async fn consent_page_is_a_plain_scriptable_form() {
    let sim = default_sim().await;
    let (_, challenge) = pkce();
    let mut params = authorize_params(&challenge, "read", "xyz");
    params.push(("subdomain".into(), "acme-sandbox".into()));
    params.push(("service_region".into(), "us".into()));
    let response = get_authorize(&sim, &params).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    let page = response.text().await.expect("page");
    assert!(page.contains(r#"<form method="post" action="/oauth/authorize">"#));
    assert!(!page.contains("<script") && !page.contains("src=") && !page.contains("href="));
    let mut hidden = hidden_fields(&page);
    hidden.sort();
    let mut expected = params.clone();
    expected.sort();
    assert_eq!(hidden, expected, "every parameter is echoed");
    let users = user_ids(&page);
    assert!(users.len() >= 6);
    assert!(page.contains(&format!(
        r#"<input type="radio" name="user_id" value="{}" checked>"#,
        users[0]
    )));
    assert_eq!(page.matches(" checked").count(), 1);
    assert!(page.contains(r#"<button type="submit" name="decision" value="approve">Approve</button>"#));
    assert!(page.contains(r#"<button type="submit" name="decision" value="deny">Deny</button>"#));
    assert!(page.contains(DEFAULT_CLIENT_ID) && page.contains("<code>read</code>"));
}

#[tokio::test]
async fn pkce_plain_or_missing_is_refused_with_a_redirect() {
    let sim = default_sim().await;
    let (_, challenge) = pkce();
    for (method, challenge) in [
        (Some("plain"), Some(challenge.as_str())),
        (None, Some(challenge.as_str())),
        (Some("S256"), None),
    ] {
        let mut params = authorize_params("", "read", "st-1");
        set(&mut params, "code_challenge_method", method);
        set(&mut params, "code_challenge", challenge);
        let response = get_authorize(&sim, &params).await;
        assert_eq!(response.status(), StatusCode::FOUND, "{method:?}");
        let location = response.headers()["location"].to_str().expect("ascii").to_owned();
        assert!(location.starts_with(&format!("{DEFAULT_REDIRECT_URI}?")), "{location}");
        assert_eq!(location_param(&response, "error").as_deref(), Some("invalid_request"));
        assert!(location_param(&response, "error_description").is_some());
        assert_eq!(location_param(&response, "state").as_deref(), Some("st-1"));
        assert_eq!(location_param(&response, "code"), None);
    }
}

#[tokio::test]
async fn untrusted_client_or_redirect_uri_gets_a_page_never_a_redirect() {
    let sim = default_sim().await;
    let (_, challenge) = pkce();
    let base = authorize_params(&challenge, "read", "s");
    let mut cases = Vec::new();
    let mut p = base.clone();
    set(&mut p, "redirect_uri", Some("http://127.0.0.1:8976/callback/"));
    cases.push(p);
    let mut p = base.clone();
    set(&mut p, "redirect_uri", Some("http://evil.example/callback"));
    cases.push(p);
    let mut p = base.clone();
    set(&mut p, "redirect_uri", None);
    cases.push(p);
    let mut p = base.clone();
    set(&mut p, "client_id", Some("someone-else"));
    cases.push(p);
    let mut p = base.clone();
    p.push(("client_id".into(), DEFAULT_CLIENT_ID.into()));
    cases.push(p);
    for params in cases {
        let response = get_authorize(&sim, &params).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{params:?}");
        assert!(response.headers().get("location").is_none());
        assert!(response.text().await.expect("page").contains("Authorization error"));
    }
    let raw = http()
        .get(sim.url("/oauth/authorize?client_id=%ff%fe"))
        .send()
        .await
        .expect("request");
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn duplicate_or_unsupported_parameters_redirect_with_an_error() {
    let sim = default_sim().await;
    let (_, challenge) = pkce();
    let mut params = authorize_params(&challenge, "read", "dup");
    params.push(("scope".into(), "write".into()));
    let response = get_authorize(&sim, &params).await;
    assert_eq!(location_param(&response, "error").as_deref(), Some("invalid_request"));
    assert_eq!(location_param(&response, "state").as_deref(), Some("dup"));

    let mut params = authorize_params(&challenge, "read", "rt");
    set(&mut params, "response_type", Some("token"));
    let response = get_authorize(&sim, &params).await;
    assert_eq!(
        location_param(&response, "error").as_deref(),
        Some("unsupported_response_type")
    );

    let mut params = authorize_params(&challenge, "read", "rg");
    set(&mut params, "service_region", Some("mars"));
    let response = get_authorize(&sim, &params).await;
    assert_eq!(location_param(&response, "error").as_deref(), Some("invalid_request"));
}

#[tokio::test]
async fn deny_redirects_access_denied_with_state() {
    let sim = default_sim().await;
    let (_, challenge) = pkce();
    let page = get_authorize(&sim, &authorize_params(&challenge, "read", "deny-me"))
        .await
        .text()
        .await
        .expect("page");
    let user = user_ids(&page).remove(1);
    let response = submit_consent(&sim, &page, &user, "deny").await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location_param(&response, "error").as_deref(), Some("access_denied"));
    assert!(location_param(&response, "error_description").is_some());
    assert_eq!(location_param(&response, "state").as_deref(), Some("deny-me"));
    assert_eq!(location_param(&response, "code"), None);
    assert_eq!(stats(&sim).await["authorize_denials"], 1);
}

#[tokio::test]
async fn approval_without_state_sends_no_state() {
    let sim = default_sim().await;
    let (_, challenge) = pkce();
    let mut params = authorize_params(&challenge, "read", "");
    set(&mut params, "state", None);
    let page = get_authorize(&sim, &params).await.text().await.expect("page");
    let user = user_ids(&page).remove(0);
    let response = submit_consent(&sim, &page, &user, "approve").await;
    assert!(location_param(&response, "code").is_some());
    assert_eq!(location_param(&response, "state"), None);
}

#[tokio::test]
async fn invalid_scope_grants_only_openid() {
    let sim = default_sim().await;
    let (code, verifier) = approved_code(&sim, "read incidents.read not.a.scope").await;
    let (status, body) = exchange(&sim, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["scope"], "openid");
    let (code, verifier) = approved_code(&sim, "incidents.read services.write").await;
    let (_, body) = exchange(&sim, &code, &verifier).await;
    assert_eq!(body["scope"], "openid incidents.read services.write");
}

#[tokio::test]
async fn hostile_parameters_are_escaped_and_survive_the_round_trip() {
    let sim = default_sim().await;
    let (_, challenge) = pkce();
    let hostile_state = r#""><script>alert(1)</script><input value=""#;
    let mut params = authorize_params(&challenge, "read <b>x</b>", hostile_state);
    params.push((
        r#"x"><img src=x onerror=alert(2)>"#.into(),
        "<svg onload=alert(3)>".into(),
    ));
    let response = get_authorize(&sim, &params).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.expect("page");
    assert!(!page.contains("<script>"), "script injected");
    assert!(
        !page.contains("<img") && !page.contains("<svg") && !page.contains("<b>x"),
        "markup injected"
    );
    assert!(page.contains("&lt;script&gt;"));

    let user = user_ids(&page).remove(0);
    let answer = submit_consent(&sim, &page, &user, "approve").await;
    assert_eq!(answer.status(), StatusCode::FOUND);
    assert_eq!(location_param(&answer, "state").as_deref(), Some(hostile_state));
}

#[tokio::test]
async fn consent_post_revalidates_everything() {
    let sim = default_sim().await;
    let (_, challenge) = pkce();
    let page = get_authorize(&sim, &authorize_params(&challenge, "read", "s"))
        .await
        .text()
        .await
        .expect("page");
    let user = user_ids(&page).remove(0);

    let mut tampered = hidden_fields(&page);
    set(&mut tampered, "redirect_uri", Some("http://evil.example/cb"));
    tampered.extend(pairs(&[("user_id", &user), ("decision", "approve")]));
    let response = post_form(&sim, "/oauth/authorize", &tampered).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get("location").is_none());

    let mut plain = hidden_fields(&page);
    set(&mut plain, "code_challenge_method", Some("plain"));
    plain.extend(pairs(&[("user_id", &user), ("decision", "approve")]));
    let response = post_form(&sim, "/oauth/authorize", &plain).await;
    assert_eq!(location_param(&response, "error").as_deref(), Some("invalid_request"));

    let response = submit_consent(&sim, &page, "PNOBODY", "approve").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = submit_consent(&sim, &page, &user, "maybe").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(stats(&sim).await["authorize_approvals"], 0);
}

#[tokio::test]
async fn redirect_uri_with_a_query_gets_parameters_appended() {
    let config = SimConfig {
        clients: vec![
            ClientRegistration::public("app", "http://127.0.0.1:9000/cb?profile=work"),
            ClientRegistration::public("app", "http://localhost:9001/other"),
        ],
        ..SimConfig::default()
    };
    let sim = sim(config).await;
    let (_, challenge) = pkce();
    for redirect in ["http://127.0.0.1:9000/cb?profile=work", "http://localhost:9001/other"] {
        let mut params = authorize_params(&challenge, "read", "q");
        set(&mut params, "client_id", Some("app"));
        set(&mut params, "redirect_uri", Some(redirect));
        let page = get_authorize(&sim, &params).await.text().await.expect("page");
        let user = user_ids(&page).remove(0);
        let response = submit_consent(&sim, &page, &user, "approve").await;
        let location = response.headers()["location"].to_str().expect("ascii").to_owned();
        let separator = if redirect.contains('?') { '&' } else { '?' };
        assert!(
            location.starts_with(&format!("{redirect}{separator}code=")),
            "{location}"
        );
    }
    let mut params = authorize_params(&challenge, "read", "q");
    set(&mut params, "client_id", Some("app"));
    let response = get_authorize(&sim, &params).await;
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "pdauth-demo's URI is not app's"
    );
}
