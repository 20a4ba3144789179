//! The HTML the identity endpoints show: the consent page (a plain form scripts can submit)
//! and the error page. Every interpolated value is HTML-escaped; no scripts, no external
//! resources.

use std::fmt::Write as _;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as esc};

use super::authorize::AuthorizeRequest;
use super::scope;
use crate::state::AppState;

/// Users offered on the consent page (the first ones, which cover every role); any other
/// seeded user id is accepted too.
const CONSENT_USERS: usize = 12;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}\
h1{font-size:1.4rem}code{background:#f2f2f2;padding:0 .2rem}.note{background:#fff6d6;padding:.5rem}\
fieldset{margin:1rem 0}label{display:block;margin:.3rem 0}button{margin-right:.5rem;padding:.4rem 1rem}";

fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

/// The consent page for a validated authorization request.
pub fn consent(state: &AppState, request: &AuthorizeRequest) -> String {
    let account = &state.data.account;
    let mut body = String::new();
    let _ = writeln!(body, "<h1>PagerDuty sandbox: authorize application</h1>");
    let _ = writeln!(
        body,
        "<p>The application <code>{}</code> wants to access the account {} (<code>{}</code>, {}).</p>",
        esc(&request.client_id),
        esc(&account.name),
        esc(&account.subdomain),
        esc(state.data.account.region.claim())
    );

    let requested = scope::split(request.requested_scope.as_deref().unwrap_or(""));
    let _ = writeln!(body, "<p>Requested scopes:</p>\n<ul>");
    if requested.is_empty() {
        let _ = writeln!(body, "<li><em>none</em></li>");
    }
    for s in &requested {
        let _ = writeln!(body, "<li><code>{}</code></li>", esc(s));
    }
    let _ = writeln!(
        body,
        "</ul>\n<p>Scopes that will be granted: <code>{}</code></p>",
        esc(&request.granted_scope)
    );
    let invalid: Vec<&str> = requested.iter().copied().filter(|s| !scope::is_valid(s)).collect();
    if !invalid.is_empty() {
        let _ = writeln!(
            body,
            "<p class=\"note\">Not valid PagerDuty scopes: <code>{}</code>. As on PagerDuty, only <code>openid</code> \
             is granted.</p>",
            esc(&invalid.join(" "))
        );
    }

    let _ = writeln!(body, "<form method=\"post\" action=\"/oauth/authorize\">");
    for (name, value) in &request.echo {
        let _ = writeln!(
            body,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            attr(name),
            attr(value)
        );
    }
    let _ = writeln!(body, "<fieldset>\n<legend>Sign in as</legend>");
    for (i, user) in state.data.users.iter().take(CONSENT_USERS).enumerate() {
        let checked = if i == 0 { " checked" } else { "" };
        let _ = writeln!(
            body,
            "<label><input type=\"radio\" name=\"user_id\" value=\"{}\"{checked}> {} &lt;{}&gt; ({}, <code>{}</code>)</label>",
            attr(&user.id),
            esc(&user.name),
            esc(&user.email),
            esc(user.role.label()),
            esc(user.role.as_str())
        );
    }
    let hidden = state.data.users.len().saturating_sub(CONSENT_USERS);
    if hidden > 0 {
        let _ = writeln!(
            body,
            "<p>{hidden} more users are seeded; any of their ids is accepted as <code>user_id</code>.</p>"
        );
    }
    let _ = writeln!(body, "</fieldset>");
    let _ = writeln!(
        body,
        "<button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>"
    );
    let _ = writeln!(
        body,
        "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>"
    );
    let _ = writeln!(body, "</form>");
    document("Authorize application - PagerDuty sandbox", &body)
}

/// An error page that never redirects.
pub fn error(message: &str) -> String {
    let body = format!(
        "<h1>Authorization error</h1>\n<p>{}</p>\n<p>The request was not sent back to the application.</p>\n",
        esc(message)
    );
    document("Authorization error - PagerDuty sandbox", &body)
}
