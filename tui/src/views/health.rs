//! A profile's whole health model as labelled lines, shared by the Tokens
//! screen's summary and the detail pane: state and reason, the ticking
//! countdowns (expiry, next refresh, retry), the last refresh, granted and
//! missing scopes, who the token acts as, and where tokens are kept. Lines
//! are meant to be wrapped, never cut. Reads the state only.

use pdauth_common::{ProfileStatus, StorageInfo, TokenState, sanitize};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::storage_words;
use crate::app::App;
use crate::theme;
use crate::{clock, words};

/// Width of the label column.
pub(super) const LABEL: usize = 9;

fn label(text: &'static str) -> Span<'static> {
    Span::styled(format!("{text:<LABEL$}"), theme::dim())
}

fn line(name: &'static str, spans: Vec<Span<'static>>) -> Line<'static> {
    let mut all = vec![label(name)];
    all.extend(spans);
    Line::from(all)
}

fn text(s: impl Into<String>) -> Span<'static> {
    Span::raw(sanitize::for_terminal(&s.into()))
}

fn styled(s: impl Into<String>, style: Style) -> Span<'static> {
    Span::styled(sanitize::for_terminal(&s.into()), style)
}

/// The state word, with the marker for a usable token that lacks scopes.
pub(super) fn state_span(p: &ProfileStatus) -> Span<'static> {
    if scope_warning(p) {
        Span::styled(format!("{} !", p.state.label()), theme::warning())
    } else {
        Span::styled(p.state.label().to_string(), theme::state(p.state))
    }
}

/// A usable token without every scope asked for: not plainly healthy.
pub(super) fn scope_warning(p: &ProfileStatus) -> bool {
    p.state.has_usable_token() && !p.scopes_missing.is_empty()
}

/// Every line about `p`; `full` adds what only the detail pane shows.
pub(super) fn lines(app: &App, p: &ProfileStatus, now: i64, full: bool) -> Vec<Line<'static>> {
    let mut out = Vec::new();

    let mut state = vec![Span::styled(p.state.label().to_string(), theme::state(p.state))];
    if scope_warning(p) {
        state.push(styled(" · scopes missing", theme::warning()));
    }
    if app.refreshing.contains(&p.name) {
        state.push(styled(" (refreshing…)", theme::warning()));
    }
    if let Some(reason) = &p.reason {
        state.push(text(format!(": {reason}")));
    }
    out.push(line("State", state));

    let token = match (p.state, p.obtained_at, p.expires_at) {
        (TokenState::LoggedOut, _, _) => vec![text("none: press l to log in")],
        (_, None, None) => vec![text("none")],
        (_, got, Some(at)) => {
            let mut spans = if at > now {
                vec![text(format!("expires in {}", clock::compact(at - now)))]
            } else {
                vec![styled(
                    format!("expired {} ago", clock::coarse(now - at)),
                    theme::state(TokenState::Expired),
                )]
            };
            if let Some(got) = got {
                spans.push(Span::styled(
                    format!(" · obtained {} ago", clock::coarse(now - got)),
                    theme::dim(),
                ));
            }
            spans
        }
        (_, Some(got), None) => vec![text(format!(
            "obtained {} ago, no expiry given",
            clock::coarse(now - got)
        ))],
    };
    out.push(line("Token", token));

    if let Some(retry) = &p.retry {
        out.push(line(
            "Refresh",
            vec![
                styled(
                    format!("attempt {} failed: {}", retry.attempts, retry.last_error),
                    theme::error(),
                ),
                text(format!(
                    " · next attempt {}",
                    clock::countdown(retry.next_attempt_at, now)
                )),
            ],
        ));
    } else if p.state.has_usable_token() || p.state == TokenState::Expired {
        let planned = if !p.has_refresh_token {
            styled(
                "no refresh token: log in again when the token expires",
                theme::warning(),
            )
        } else if p.state == TokenState::Refreshing {
            text("in flight")
        } else {
            match p.next_refresh_at {
                Some(at) => text(format!("next {}", clock::countdown(at, now))),
                None => text("not planned"),
            }
        };
        out.push(line("Refresh", vec![planned]));
    }

    if let Some(last) = &p.last_refresh {
        let when = clock::ago(last.at, now);
        let span = if last.ok {
            text(format!("ok {when}"))
        } else {
            styled(format!("failed {when}: {}", last.message), theme::error())
        };
        out.push(line("Last", vec![span]));
    }

    out.push(line("Scopes", scope_spans(p)));

    if let Some(login) = &p.login {
        let left = login.expires_at - now;
        let words = if left > 0 {
            format!("pending in a browser, expires in {}", clock::compact(left))
        } else {
            "pending login has expired".to_string()
        };
        out.push(line("Login", vec![text(words)]));
    }

    out.push(line("User", vec![text(who(p))]));
    if full {
        if let Some(api) = &p.api_url {
            out.push(line("API", vec![text(api.clone())]));
        }
    }
    if let Some(storage) = &app.storage {
        let style = match storage {
            StorageInfo::Unavailable { .. } => theme::error(),
            _ => Style::new(),
        };
        out.push(line("Storage", vec![styled(storage_words(storage), style)]));
    }
    out
}

fn scope_spans(p: &ProfileStatus) -> Vec<Span<'static>> {
    let missing = p.scopes_missing.join(" ");
    if words::granted_no_requested_scope(p) && p.state.has_usable_token() {
        return vec![styled(
            format!("! none of the requested scopes granted; missing {missing} (calls needing them will fail)"),
            theme::missing_scope(),
        )];
    }
    let mut spans = vec![text(if p.scopes_granted.is_empty() {
        "none granted".to_string()
    } else {
        format!("granted {}", p.scopes_granted.join(" "))
    })];
    if !p.scopes_missing.is_empty() {
        spans.push(styled(
            format!("; ! missing {missing} (calls needing it will fail)"),
            theme::missing_scope(),
        ));
    }
    spans
}

fn who(p: &ProfileStatus) -> String {
    let mut who = Vec::new();
    if let Some(user) = &p.user {
        match (&user.name, &user.email) {
            (Some(n), Some(e)) => who.push(format!("{n} <{e}>")),
            (Some(n), None) => who.push(n.clone()),
            (None, Some(e)) => who.push(e.clone()),
            (None, None) => {}
        }
        if let Some(role) = &user.role {
            who.push(format!("role {role}"));
        }
    }
    if let Some(account) = &p.account {
        let mut acct = Vec::new();
        if let Some(s) = &account.subdomain {
            acct.push(format!("{s}.pagerduty.com"));
        }
        if let Some(r) = &account.region {
            acct.push(r.clone());
        }
        if !acct.is_empty() {
            who.push(format!("at {}", acct.join(", ")));
        }
    }
    if who.is_empty() && p.state == TokenState::LoggedOut {
        "nobody yet".to_string()
    } else if who.is_empty() {
        "unknown".to_string()
    } else {
        who.join(", ")
    }
}
