//! A profile's whole health model as labelled lines, shared by the Tokens
//! screen's summary and the detail pane: state and reason, the ticking
//! countdowns (expiry, next refresh, retry), the last refresh, granted and
//! missing scopes, who the token acts as, and where tokens are kept. Lines
//! are meant to be wrapped, never cut. Reads the state only.

use pdauth_common::{ProfileStatus, RetryInfo, StorageInfo, TokenState, sanitize};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::storage_words;
use crate::app::App;
use crate::clock;
use crate::theme;
use crate::words::{self, Due};

/// Width of the label column.
pub(super) const LABEL: usize = 9;

fn label(text: &'static str) -> Span<'static> {
    Span::styled(format!("{text:<LABEL$}"), theme::dim())
}

/// `lines` wrapped to `width` columns, continuation lines under the values
/// rather than under the labels.
pub(super) fn hung(lines: Vec<Line<'static>>, width: u16) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .flat_map(|l| super::details::wrap(l.spans, usize::from(width), LABEL))
        .collect()
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

/// The state in words and colour: the marker for a usable token that lacks
/// scopes, and under a pending login the token's own condition (`login
/// pending · expired`). `short` is the narrow form for a table cell.
pub(super) fn state_line(p: &ProfileStatus, now: i64, short: bool) -> Line<'static> {
    if scope_warning(p) {
        return Line::from(Span::styled(
            format!("{} !", words::state_words(p, now, short)),
            theme::warning(),
        ));
    }
    Line::from(state_spans(p, now, short))
}

fn state_spans(p: &ProfileStatus, now: i64, short: bool) -> Vec<Span<'static>> {
    match words::under_login(p, now) {
        Some(under) => vec![
            Span::styled(if short { "login" } else { p.state.label() }, theme::state(p.state)),
            Span::raw(" · "),
            Span::styled(
                if short {
                    words::short_label(under)
                } else {
                    under.label()
                },
                theme::state(under),
            ),
        ],
        None => vec![Span::styled(p.state.label(), theme::state(p.state))],
    }
}

/// `line` cut to `width` characters, ending in `…` when cut.
pub(super) fn fit_line(line: Line<'static>, width: usize) -> Line<'static> {
    if line.width() <= width {
        return line;
    }
    let style = line.spans.first().map_or_else(Style::new, |s| s.style);
    Line::from(Span::styled(super::fit(&line.to_string(), width), style))
}

/// The colour of an expiry that has passed: alarming, unless a refresh is
/// already under way or queued for it.
pub(super) fn expired_style(p: &ProfileStatus) -> Style {
    match p.state {
        TokenState::Refreshing => theme::state(TokenState::Refreshing),
        _ => theme::state(TokenState::Expired),
    }
}

/// The colour of a planned refresh or retry: plain while ahead or just due,
/// a warning once overdue, an error once late.
pub(super) fn due_style(due: Option<Due>) -> Style {
    match due {
        Some(Due::Overdue) => theme::warning(),
        Some(Due::Late) => theme::error(),
        _ => Style::new(),
    }
}

/// A usable token without every scope asked for: not plainly healthy.
pub(super) fn scope_warning(p: &ProfileStatus) -> bool {
    p.state.has_usable_token() && !p.scopes_missing.is_empty()
}

/// Every line about `p`; `full` adds what only the detail pane shows.
pub(super) fn lines(app: &App, p: &ProfileStatus, now: i64, full: bool) -> Vec<Line<'static>> {
    let mut out = Vec::new();

    let mut state = state_spans(p, now, false);
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
        (TokenState::NeedsLogin, _, _) => vec![styled("not used any more: press l to log in again", theme::error())],
        (_, None, None) => vec![text("none")],
        (_, got, Some(at)) => {
            let mut spans = if at > now {
                vec![text(format!("expires in {}", clock::compact(at - now)))]
            } else {
                vec![styled(
                    format!("expired {} ago", clock::coarse(now - at)),
                    expired_style(p),
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

    let condition = words::condition(p, now);
    let next_attempt = |retry: &RetryInfo| {
        if p.state == TokenState::Refreshing {
            text(" · retrying now")
        } else {
            styled(
                format!(" · {}", words::next_attempt(retry, now)),
                due_style(Some(words::due(retry.next_attempt_at, now))),
            )
        }
    };
    // Unpersisted: the refresh worked; saving its tokens is what is retried,
    // and the next refresh is planned as usual.
    let (save_retry, refresh_retry) = match &p.retry {
        Some(retry) if p.state == TokenState::Unpersisted => (Some(retry), None),
        retry => (None, retry.as_ref()),
    };
    if let Some(retry) = save_retry {
        out.push(line(
            "Saving",
            vec![
                styled(
                    format!(
                        "attempt {} to save the new tokens failed: {}",
                        retry.attempts, retry.last_error
                    ),
                    theme::error(),
                ),
                next_attempt(retry),
            ],
        ));
    }
    if let Some(retry) = refresh_retry {
        out.push(line(
            "Refresh",
            vec![
                styled(
                    format!("attempt {} failed: {}", retry.attempts, retry.last_error),
                    theme::error(),
                ),
                next_attempt(retry),
            ],
        ));
    } else if condition.has_usable_token() || condition == TokenState::Expired {
        let planned = if !p.has_refresh_token {
            styled(
                "no refresh token: log in again when the token expires",
                theme::warning(),
            )
        } else if p.state == TokenState::Refreshing {
            text("in progress")
        } else {
            match p.next_refresh_at {
                Some(at) => {
                    let due = words::due(at, now);
                    let words = match due {
                        Due::Ahead => format!("next in {}", clock::compact(at - now)),
                        Due::Now => "due now".to_string(),
                        Due::Overdue | Due::Late => format!("overdue by {}", clock::compact(now - at)),
                    };
                    styled(words, due_style(Some(due)))
                }
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
            acct.push(format!("{} region", spaced(r)));
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

/// PagerDuty's region name as words: `UnitedStates` → `United States`.
fn spaced(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if c.is_uppercase() && prev.is_some_and(char::is_lowercase) {
            out.push(' ');
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn region_names_read_as_words() {
        assert_eq!(super::spaced("UnitedStates"), "United States");
        assert_eq!(super::spaced("EU"), "EU");
        assert_eq!(super::spaced("Europe"), "Europe");
        assert_eq!(super::spaced("us"), "us");
        assert_eq!(super::spaced(""), "");
    }
}
