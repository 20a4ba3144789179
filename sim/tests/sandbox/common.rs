//! Shared test utilities: starting a sandbox, PKCE pairs, walking the consent page, and token and
//! API calls.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pdauth_sim::{DEFAULT_CLIENT_ID, DEFAULT_REDIRECT_URI, RunningSim, SimConfig};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Starts an in-process sandbox.
pub async fn sim(config: SimConfig) -> RunningSim {
    pdauth_sim::start(config).await.expect("sandbox starts")
}

/// Starts an in-process sandbox with the default configuration.
pub async fn default_sim() -> RunningSim {
    sim(SimConfig::default()).await
}

/// An HTTP client that never follows redirects.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// A fresh PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = format!("{}-{}", uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Authorization parameters for the default client with `scope` and `state`.
pub fn authorize_params(challenge: &str, scope: &str, state: &str) -> Vec<(String, String)> {
    [
        ("client_id", DEFAULT_CLIENT_ID),
        ("redirect_uri", DEFAULT_REDIRECT_URI),
        ("response_type", "code"),
        ("scope", scope),
        ("state", state),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect()
}

/// Encodes pairs as a query string.
pub fn encode(pairs: &[(String, String)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        serializer.append_pair(k, v);
    }
    serializer.finish()
}

/// `GET /oauth/authorize?...`.
pub async fn get_authorize(sim: &RunningSim, pairs: &[(String, String)]) -> reqwest::Response {
    http()
        .get(sim.url(&format!("/oauth/authorize?{}", encode(pairs))))
        .send()
        .await
        .expect("authorize request")
}

/// The hidden fields of a consent page, decoded.
pub fn hidden_fields(page: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<input type=\"hidden\" name=\"") {
        rest = &rest[start + "<input type=\"hidden\" name=\"".len()..];
        let name_end = rest.find('"').expect("name ends");
        let name = &rest[..name_end];
        rest = &rest[name_end..];
        let value_start = rest.find(" value=\"").expect("value") + " value=\"".len();
        rest = &rest[value_start..];
        let value_end = rest.find('"').expect("value ends");
        let value = &rest[..value_end];
        fields.push((
            html_escape::decode_html_entities(name).into_owned(),
            html_escape::decode_html_entities(value).into_owned(),
        ));
        rest = &rest[value_end..];
    }
    fields
}

/// The user ids offered on a consent page, in order.
pub fn user_ids(page: &str) -> Vec<String> {
    page.split("<input type=\"radio\" name=\"user_id\" value=\"")
        .skip(1)
        .map(|s| s[..s.find('"').expect("id ends")].to_owned())
        .collect()
}

/// Submits the consent form built from `page` with `decision` for `user_id`.
pub async fn submit_consent(sim: &RunningSim, page: &str, user_id: &str, decision: &str) -> reqwest::Response {
    let mut form = hidden_fields(page);
    form.push(("user_id".into(), user_id.into()));
    form.push(("decision".into(), decision.into()));
    post_form(sim, "/oauth/authorize", &form).await
}

/// POSTs a form.
pub async fn post_form(sim: &RunningSim, path: &str, form: &[(String, String)]) -> reqwest::Response {
    http()
        .post(sim.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encode(form))
        .send()
        .await
        .expect("form request")
}

/// A query parameter of a `Location` header.
pub fn location_param(response: &reqwest::Response, name: &str) -> Option<String> {
    let location = response.headers().get("location")?.to_str().ok()?;
    let url = url::Url::parse(location).ok()?;
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Approves a login for the default client and returns `(code, verifier)`.
pub async fn approved_code(sim: &RunningSim, scope: &str) -> (String, String) {
    let (verifier, challenge) = pkce();
    let page = get_authorize(sim, &authorize_params(&challenge, scope, "st")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.expect("page");
    let user = user_ids(&page).into_iter().next().expect("a user");
    let answer = submit_consent(sim, &page, &user, "approve").await;
    assert_eq!(answer.status(), StatusCode::FOUND);
    (location_param(&answer, "code").expect("code in redirect"), verifier)
}

/// Pairs from string slices.
pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// POSTs a token request; returns the status and the body as JSON (Null if not JSON).
pub async fn token(sim: &RunningSim, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = post_form(sim, "/oauth/token", &pairs(form)).await;
    let status = response.status();
    let body = response.text().await.expect("body");
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// Exchanges a code for the default client.
pub async fn exchange(sim: &RunningSim, code: &str, verifier: &str) -> (StatusCode, Value) {
    token(
        sim,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("code", code),
            ("redirect_uri", DEFAULT_REDIRECT_URI),
            ("code_verifier", verifier),
        ],
    )
    .await
}

/// Refreshes for the default client.
pub async fn refresh(sim: &RunningSim, refresh_token: &str) -> (StatusCode, Value) {
    token(
        sim,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", DEFAULT_CLIENT_ID),
            ("refresh_token", refresh_token),
        ],
    )
    .await
}

/// A complete login with scope `read write`; returns the token response.
pub async fn login(sim: &RunningSim) -> Value {
    let (code, verifier) = approved_code(sim, "read write").await;
    let (status, body) = exchange(sim, &code, &verifier).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// A string field of a JSON value.
pub fn field<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("`{name}` is not a string in {value}"))
}

/// `GET /users/me` with a bearer token.
pub async fn me(sim: &RunningSim, token: &str) -> reqwest::Response {
    http()
        .get(sim.url("/users/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("users/me")
}

/// `GET /_sim/stats`.
pub async fn stats(sim: &RunningSim) -> Value {
    http()
        .get(sim.url("/_sim/stats"))
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("stats json")
}

/// Queues a fault (`kind` is `token` or `api`).
pub async fn fault(sim: &RunningSim, kind: &str, body: Value) -> reqwest::Response {
    http()
        .post(sim.url(&format!("/_sim/faults/{kind}")))
        .json(&body)
        .send()
        .await
        .expect("fault hook")
}

/// `POST /_sim/introspect` for `token`.
pub async fn introspect(sim: &RunningSim, token: &str) -> Value {
    let response = http()
        .post(sim.url("/_sim/introspect"))
        .json(&serde_json::json!({ "token": token }))
        .send()
        .await
        .expect("introspect");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("introspect json")
}

/// `GET /_sim/grants`, the list itself.
pub async fn grants(sim: &RunningSim) -> Vec<Value> {
    let body: Value = http()
        .get(sim.url("/_sim/grants"))
        .send()
        .await
        .expect("grants")
        .json()
        .await
        .expect("grants json");
    body["grants"].as_array().expect("a grant list").clone()
}

/// `POST /_sim/mint`; returns the status and the body as JSON (Null if not JSON).
pub async fn mint(sim: &RunningSim, body: Value) -> (StatusCode, Value) {
    let response = http()
        .post(sim.url("/_sim/mint"))
        .json(&body)
        .send()
        .await
        .expect("mint");
    let status = response.status();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The last six characters of a token, as `/_sim/grants` shows them.
pub fn suffix(token: &str) -> &str {
    &token[token.len().saturating_sub(6)..]
}

/// The claims of a JWT, unverified.
pub fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("claims JSON")
}
