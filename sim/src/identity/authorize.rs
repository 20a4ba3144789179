//! `GET /oauth/authorize` (validate, then show the consent page) and `POST /oauth/authorize`
//! (re-validate everything, then redirect with a code or `access_denied`). A bad client or
//! redirect URI gets an error page and is never redirected to (RFC 6749 4.1.2.1).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::{pages, scope};
use crate::form::{self, Params};
use crate::grants::{CodeBinding, is_s256_challenge};
use crate::state::{AppState, Shared};
use crate::{random, reply};

/// Fields the consent form adds to the authorization parameters.
const CONSENT_FIELDS: [&str; 2] = ["user_id", "decision"];

/// A validated authorization request.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    /// `client_id`.
    pub client_id: String,
    /// `redirect_uri`, exactly as sent.
    pub redirect_uri: String,
    /// `state`, if sent.
    pub state: Option<String>,
    /// PKCE S256 challenge.
    pub code_challenge: String,
    /// `scope` as sent.
    pub requested_scope: Option<String>,
    /// Scope that approval grants.
    pub granted_scope: String,
    /// Every authorization parameter received, for the consent form's hidden fields.
    pub echo: Vec<(String, String)>,
}

/// Why an authorization request was refused.
#[derive(Debug)]
pub enum Rejection {
    /// Client or redirect URI cannot be trusted: show a page, never redirect.
    Page(String),
    /// Report the error to the client's redirect URI.
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
    },
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Rejection::Page(message) => reply::html(StatusCode::BAD_REQUEST, pages::error(&message)),
            Rejection::Redirect {
                redirect_uri,
                error,
                description,
                state,
            } => {
                let mut pairs = vec![("error", error), ("error_description", description.as_str())];
                if let Some(state) = &state {
                    pairs.push(("state", state));
                }
                redirect(&redirect_uri, &pairs)
            }
        }
    }
}

/// Validates authorization parameters like PagerDuty. `consent` allows the consent form's
/// own fields (they are then not part of [`AuthorizeRequest::echo`]).
pub fn validate(state: &AppState, params: &Params, consent: bool) -> Result<AuthorizeRequest, Rejection> {
    let page = |m: String| Rejection::Page(m);
    let client_id = params
        .single("client_id")
        .map_err(|d| page(d.to_string()))?
        .ok_or_else(|| page("client_id is missing".into()))?;
    let client = state
        .clients
        .get(client_id)
        .ok_or_else(|| page(format!("Unknown client_id `{client_id}`.")))?;
    let redirect_uri = params
        .single("redirect_uri")
        .map_err(|d| page(d.to_string()))?
        .ok_or_else(|| page("redirect_uri is missing".into()))?;
    if !client.allows_redirect(redirect_uri) {
        return Err(page(format!(
            "The redirect_uri `{redirect_uri}` is not registered for client `{client_id}` (it must match exactly)."
        )));
    }

    let fail = |error: &'static str, description: String, state: Option<&str>| Rejection::Redirect {
        redirect_uri: redirect_uri.to_owned(),
        error,
        description,
        state: state.map(str::to_owned),
    };
    let state_param = params
        .single("state")
        .map_err(|d| fail("invalid_request", d.to_string(), None))?;
    let invalid = |description: &str| fail("invalid_request", description.to_owned(), state_param);

    if let Some(name) = params.first_duplicate() {
        return Err(invalid(&format!("parameter `{name}` was sent more than once")));
    }
    let get = |name: &str| params.single(name).ok().flatten();
    if !consent {
        if let Some(name) = CONSENT_FIELDS.iter().find(|n| params.contains(n)) {
            return Err(invalid(&format!(
                "parameter `{name}` is not an authorization parameter"
            )));
        }
    }
    match get("response_type") {
        None => return Err(invalid("response_type is missing")),
        Some("code") => {}
        Some(_) => {
            return Err(fail(
                "unsupported_response_type",
                "only response_type=code is supported".into(),
                state_param,
            ));
        }
    }
    match get("code_challenge_method") {
        None => return Err(invalid("code_challenge_method is required and must be S256")),
        Some("S256") => {}
        Some(_) => {
            return Err(invalid(
                "transform algorithm not supported: code_challenge_method must be S256",
            ));
        }
    }
    let code_challenge =
        get("code_challenge").ok_or_else(|| invalid("code_challenge is missing (PKCE is required)"))?;
    if !is_s256_challenge(code_challenge) {
        return Err(invalid("code_challenge must be 43 base64url characters (S256)"));
    }
    if let Some(region) = get("service_region") {
        if region != "us" && region != "eu" {
            return Err(invalid("service_region must be `us` or `eu`"));
        }
    }
    if let Some(subdomain) = get("subdomain") {
        let plausible = !subdomain.is_empty()
            && subdomain.len() <= 63
            && subdomain.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !plausible {
            return Err(invalid("subdomain is not a valid account subdomain"));
        }
    }

    let requested_scope = get("scope").map(str::to_owned);
    Ok(AuthorizeRequest {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        state: state_param.map(str::to_owned),
        code_challenge: code_challenge.to_owned(),
        granted_scope: scope::grant(requested_scope.as_deref()),
        requested_scope,
        echo: params
            .pairs()
            .iter()
            .filter(|(n, _)| !CONSENT_FIELDS.contains(&n.as_str()))
            .cloned()
            .collect(),
    })
}

/// `GET /oauth/authorize`.
pub async fn show(State(state): State<Shared>, uri: Uri) -> Response {
    let params = match Params::parse(uri.query().unwrap_or("").as_bytes()) {
        Ok(params) => params,
        Err(e) => return Rejection::Page(format!("Malformed authorization request: {e}.")).into_response(),
    };
    match validate(&state, &params, false) {
        Ok(request) => reply::html(StatusCode::OK, pages::consent(&state, &request)),
        Err(rejection) => rejection.into_response(),
    }
}

/// `POST /oauth/authorize`: the consent form's answer.
pub async fn decide(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    let Ok(raw) = reply::read_body(body).await else {
        return reply::html(StatusCode::PAYLOAD_TOO_LARGE, pages::error("The form is too large."));
    };
    if !reply::is_form(&headers) {
        return Rejection::Page("The consent form must be sent as application/x-www-form-urlencoded.".into())
            .into_response();
    }
    let params = match Params::parse(&raw) {
        Ok(params) => params,
        Err(e) => return Rejection::Page(format!("Malformed consent form: {e}.")).into_response(),
    };
    let request = match validate(&state, &params, true) {
        Ok(request) => request,
        Err(rejection) => return rejection.into_response(),
    };
    let user = params
        .single("user_id")
        .ok()
        .flatten()
        .and_then(|id| state.data.user(id));
    let Some(user) = user else {
        return Rejection::Page("Unknown or missing user_id.".into()).into_response();
    };
    match params.single("decision").ok().flatten() {
        Some("approve") => approve(&state, request, user.id.clone()),
        Some("deny") => {
            state.lock().counters.authorize_denials += 1;
            let mut pairs = vec![
                ("error", "access_denied"),
                ("error_description", "The user denied the request."),
            ];
            if let Some(s) = &request.state {
                pairs.push(("state", s));
            }
            redirect(&request.redirect_uri, &pairs)
        }
        _ => Rejection::Page("decision must be `approve` or `deny`.".into()).into_response(),
    }
}

fn approve(state: &AppState, request: AuthorizeRequest, user_id: String) -> Response {
    let Ok(code) = random::code() else {
        return reply::html(
            StatusCode::INTERNAL_SERVER_ERROR,
            pages::error("The sandbox could not create a code."),
        );
    };
    let binding = CodeBinding {
        client_id: request.client_id,
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge,
        user_id,
        scope: request.granted_scope,
    };
    {
        let mut inner = state.lock();
        inner
            .auth
            .insert_code(code.clone(), binding, state.clock.now(), state.code_ttl);
        inner.counters.authorize_approvals += 1;
    }
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = &request.state {
        pairs.push(("state", s));
    }
    redirect(&request.redirect_uri, &pairs)
}

/// A 302 to `uri` with `pairs` appended to its query.
fn redirect(uri: &str, pairs: &[(&str, &str)]) -> Response {
    let separator = match uri.find('?') {
        None => "?",
        Some(_) if uri.ends_with('?') || uri.ends_with('&') => "",
        Some(_) => "&",
    };
    let location = format!("{uri}{separator}{}", form::encode(pairs));
    match HeaderValue::from_bytes(location.as_bytes()) {
        Ok(value) => reply::no_store((StatusCode::FOUND, [(header::LOCATION, value)]).into_response()),
        Err(_) => reply::html(
            StatusCode::BAD_REQUEST,
            pages::error("The redirect URI cannot be used in a header."),
        ),
    }
}
