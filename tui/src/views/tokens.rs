//! The Tokens screen: one row per profile (state in colour and words, account,
//! user, scopes with missing ones flagged, a ticking expiry) and the details
//! of the selected profile. Reads the state only.

use pdauth_common::{ProfileStatus, TokenState};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};

use super::{fit, storage_words};
use crate::app::App;
use crate::clock;
use crate::theme;

const HIGHLIGHT: &str = "› ";
const STATE_WIDTH: u16 = 15;
const EXPIRES_WIDTH: u16 = 14;

/// Widths of the flexible columns, in order: profile, account, user, scopes.
pub(super) fn column_widths(inner: u16) -> [u16; 6] {
    // Highlight symbol and five one-column gaps.
    let fixed = 2 + 5 + STATE_WIDTH + EXPIRES_WIDTH;
    let flex = inner.saturating_sub(fixed);
    let profile = flex * 24 / 100;
    let account = flex * 24 / 100;
    let user = flex * 30 / 100;
    let scopes = flex.saturating_sub(profile + account + user);
    [profile, STATE_WIDTH, account, user, scopes, EXPIRES_WIDTH]
}

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, now: i64) {
    if app.profiles.is_empty() {
        draw_table(frame, area, app, now);
        return;
    }
    let table_rows = u16::try_from(app.profiles.len()).unwrap_or(u16::MAX);
    let details_min = 8;
    let table_height = (table_rows + 3).min(area.height.saturating_sub(details_min)).max(4);
    let [table_area, details_area] =
        Layout::vertical([Constraint::Length(table_height), Constraint::Min(0)]).areas(area);
    draw_table(frame, table_area, app, now);
    if details_area.height >= 3 {
        draw_details(frame, details_area, app, now);
    }
}

fn draw_table(frame: &mut Frame, area: Rect, app: &App, now: i64) {
    let block = Block::new()
        .borders(Borders::ALL)
        .title(Span::styled(" Tokens ", theme::title()));
    if app.profiles.is_empty() {
        let text = Paragraph::new(vec![Line::from(
            "pdauthd has no profiles. Add a [profiles.NAME] section to its config file and restart it.",
        )])
        .wrap(Wrap { trim: true })
        .block(block);
        frame.render_widget(text, area);
        return;
    }
    let widths = column_widths(area.width.saturating_sub(2));
    let header = Row::new(
        ["PROFILE", "STATE", "ACCOUNT", "USER", "SCOPES", "EXPIRES"]
            .iter()
            .zip(widths)
            .map(|(h, w)| Cell::from(fit(h, usize::from(w)))),
    )
    .style(theme::table_header());
    let rows = app.profiles.iter().map(|p| row(p, &widths, now));
    let table = Table::new(rows, widths.map(Constraint::Length))
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(theme::selected())
        .highlight_symbol(HIGHLIGHT)
        .highlight_spacing(ratatui::widgets::HighlightSpacing::Always);
    let mut state = TableState::new().with_selected(Some(app.selected));
    frame.render_stateful_widget(table, area, &mut state);
}

fn row<'a>(p: &'a ProfileStatus, widths: &[u16; 6], now: i64) -> Row<'a> {
    let w = |i: usize| usize::from(widths[i]);
    let account = p
        .account
        .as_ref()
        .and_then(|a| a.subdomain.clone().or_else(|| a.account_id.clone()))
        .unwrap_or_else(|| "-".to_string());
    let user = user_words(p).unwrap_or_else(|| "-".to_string());
    let expires = match p.state {
        TokenState::LoggedOut => "-".to_string(),
        _ => clock::expires_in(p.expires_at, now),
    };
    let expires_style = match p.expires_at {
        Some(at) if at <= now => theme::state(TokenState::Expired),
        _ => ratatui::style::Style::new(),
    };
    Row::new(vec![
        Cell::from(fit(&p.name, w(0))),
        Cell::from(Span::styled(fit(p.state.label(), w(1)), theme::state(p.state))),
        Cell::from(fit(&account, w(2))),
        Cell::from(fit(&user, w(3))),
        Cell::from(scopes_line(p, w(4))),
        Cell::from(Span::styled(fit(&expires, w(5)), expires_style)),
    ])
}

fn user_words(p: &ProfileStatus) -> Option<String> {
    let user = p.user.as_ref()?;
    user.name
        .clone()
        .or_else(|| user.email.clone())
        .or_else(|| user.id.clone())
}

/// Granted scopes, then missing ones as `!scope` in red, cut to `width`.
fn scopes_line(p: &ProfileStatus, width: usize) -> Line<'static> {
    let mut parts: Vec<(String, bool)> = p.scopes_granted.iter().map(|s| (s.clone(), false)).collect();
    parts.extend(p.scopes_missing.iter().map(|s| (format!("!{s}"), true)));
    if parts.is_empty() {
        return Line::from("-");
    }
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (i, (text, missing)) in parts.iter().enumerate() {
        let sep = usize::from(i > 0);
        let clean = fit(text, width.saturating_sub(used + sep).max(1));
        let len = clean.chars().count();
        if used + sep + len > width {
            break;
        }
        if sep == 1 {
            spans.push(Span::raw(" "));
        }
        let style = if *missing {
            theme::missing_scope()
        } else {
            ratatui::style::Style::new()
        };
        used += sep + len;
        let cut = clean.ends_with('…');
        spans.push(Span::styled(clean, style));
        if cut {
            break;
        }
    }
    Line::from(spans)
}

fn draw_details(frame: &mut Frame, area: Rect, app: &App, now: i64) {
    let Some(p) = app.selected_profile() else {
        return;
    };
    let width = usize::from(area.width.saturating_sub(14));
    let label = |s: &'static str| Span::styled(format!("{s:<10}"), theme::dim());
    let mut lines = Vec::new();

    let mut state_line = vec![
        label("State"),
        Span::styled(p.state.label().to_string(), theme::state(p.state)),
    ];
    if let Some(reason) = &p.reason {
        state_line.push(Span::raw(format!(
            ": {}",
            fit(reason, width.saturating_sub(p.state.label().len() + 2))
        )));
    }
    lines.push(Line::from(state_line));

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
    let who = if who.is_empty() && p.state == TokenState::LoggedOut {
        "nobody yet: log in with l".to_string()
    } else if who.is_empty() {
        "unknown".to_string()
    } else {
        who.join(", ")
    };
    lines.push(Line::from(vec![label("User"), Span::raw(fit(&who, width))]));

    let token = match (p.obtained_at, p.expires_at) {
        (Some(got), Some(_)) => format!(
            "obtained {} ago, {}",
            clock::coarse(now - got),
            expiry_words(p.expires_at, now)
        ),
        (None, Some(_)) => expiry_words(p.expires_at, now),
        (Some(got), None) => format!("obtained {} ago, no expiry given", clock::coarse(now - got)),
        (None, None) => "none".to_string(),
    };
    lines.push(Line::from(vec![label("Token"), Span::raw(fit(&token, width))]));

    let mut scopes = vec![label("Scopes")];
    let granted = if p.scopes_granted.is_empty() {
        "none granted".to_string()
    } else {
        format!("granted {}", p.scopes_granted.join(" "))
    };
    scopes.push(Span::raw(fit(&granted, width)));
    if !p.scopes_missing.is_empty() {
        let missing = format!("; missing {} (calls needing it will fail)", p.scopes_missing.join(" "));
        let room = width.saturating_sub(granted.chars().count());
        if room > 10 {
            scopes.push(Span::styled(fit(&missing, room), theme::missing_scope()));
        }
    }
    lines.push(Line::from(scopes));

    if let Some(login) = &p.login {
        let left = login.expires_at - now;
        let text = if left > 0 {
            format!("pending in a browser, expires in {}", clock::compact(left))
        } else {
            "pending login has expired".to_string()
        };
        lines.push(Line::from(vec![label("Login"), Span::raw(fit(&text, width))]));
    }
    if let Some(api) = &p.api_url {
        lines.push(Line::from(vec![label("API"), Span::raw(fit(api, width))]));
    }
    if let Some(storage) = &app.storage {
        lines.push(Line::from(vec![
            label("Storage"),
            Span::raw(fit(&storage_words(storage), width)),
        ]));
    }

    let title = Span::styled(format!(" {} ", fit(&p.name, 40)), theme::title());
    let paragraph = Paragraph::new(lines).block(Block::new().borders(Borders::ALL).title(title));
    frame.render_widget(paragraph, area);
}

fn expiry_words(expires_at: Option<i64>, now: i64) -> String {
    match expires_at {
        Some(at) if at > now => format!("expires in {}", clock::compact(at - now)),
        Some(at) => format!("expired {} ago", clock::coarse(now - at)),
        None => "no expiry given".to_string(),
    }
}
