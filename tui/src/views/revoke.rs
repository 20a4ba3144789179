//! The revoke dialogs: the y/n confirmation that says what will happen, the
//! wait, and what did happen. Reads the state only.

use pdauth_common::{RevokeOutcome, sanitize};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Padding, Paragraph, Wrap};

use super::{centered, fit, wrapped_rows};

/// Dialog width, and its text width inside borders and padding.
const WIDTH: u16 = 70;
const TEXT_WIDTH: u16 = WIDTH - 4;
use crate::app::App;
use crate::theme;

/// Where to revoke by hand when PagerDuty did not confirm.
pub const BY_HAND: &str = "If unsure, revoke it by hand in PagerDuty under My Profile → User Settings, \
     in the list of apps you have authorized.";

/// Whether the daemon's detail already says where to revoke by hand.
pub fn mentions_manual_revoke(detail: &str) -> bool {
    detail.contains("User Settings") || detail.contains("by hand")
}

fn dialog_block(title: String) -> Block<'static> {
    Block::new()
        .borders(Borders::ALL)
        .padding(Padding::horizontal(1))
        .title(Span::styled(title, theme::title()))
}

pub(super) fn draw_confirm(frame: &mut Frame, area: Rect, app: &App, profile: &str) {
    let name = fit(profile, 30);
    let who = app
        .profiles
        .iter()
        .find(|p| p.name == profile)
        .and_then(|p| {
            let user = p.user.as_ref().and_then(|u| u.email.clone().or_else(|| u.name.clone()));
            let account = p.account.as_ref().and_then(|a| a.subdomain.clone());
            match (user, account) {
                (Some(u), Some(a)) => Some(format!("{u} at {a}")),
                (Some(u), None) => Some(u),
                (None, Some(a)) => Some(a),
                (None, None) => None,
            }
        })
        .map(|w| format!(" ({})", fit(&w, 40)))
        .unwrap_or_default();
    let lines = vec![
        Line::from(format!("Revoke the tokens of {name}{who}?")),
        Line::from(""),
        Line::from("1. pdauthd asks PagerDuty to revoke the grant;"),
        Line::from("2. then deletes the tokens from this machine, whatever PagerDuty answers."),
        Line::from(""),
        Line::from("Anything using this profile needs a new login afterwards."),
        Line::from(""),
        Line::from(vec![
            Span::styled("y", theme::key()),
            Span::raw(" revoke   "),
            Span::styled("n", theme::key()),
            Span::raw(" keep them"),
        ]),
    ];
    let rect = centered(area, WIDTH, wrapped_rows(&lines, TEXT_WIDTH) + 2);
    frame.render_widget(Clear, rect);
    let paragraph = Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(dialog_block(format!(" Revoke {name}? ")));
    frame.render_widget(paragraph, rect);
}

pub(super) fn draw_result(
    frame: &mut Frame,
    area: Rect,
    profile: &str,
    result: Option<&Result<RevokeOutcome, String>>,
) {
    let name = fit(profile, 30);
    let mut lines = Vec::new();
    let title = match result {
        None => {
            lines.push(Line::from(format!("Revoking {name} at PagerDuty…")));
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                "The local tokens are deleted once PagerDuty answers or gives up.",
                theme::dim(),
            )));
            format!(" Revoking {name} ")
        }
        Some(Ok(RevokeOutcome::Confirmed)) => {
            lines.push(Line::from(Span::styled(
                "✓ PagerDuty confirmed the revocation.",
                theme::success(),
            )));
            lines.push(Line::from("The tokens were deleted from this machine."));
            format!(" Revoked {name} ")
        }
        Some(Ok(RevokeOutcome::NotConfirmed { detail })) => {
            lines.push(Line::from(Span::styled(
                "! PagerDuty did not confirm the revocation:",
                theme::warning(),
            )));
            lines.push(Line::from(sanitize::for_terminal(detail)));
            lines.push(Line::from(""));
            lines.push(Line::from("The tokens were deleted from this machine anyway."));
            if !mentions_manual_revoke(detail) {
                lines.push(Line::from(BY_HAND));
            }
            format!(" {name}: not confirmed ")
        }
        Some(Ok(RevokeOutcome::LocalOnly { detail })) => {
            lines.push(Line::from("Nothing was sent to PagerDuty:"));
            lines.push(Line::from(sanitize::for_terminal(detail)));
            lines.push(Line::from(""));
            lines.push(Line::from("The local tokens were cleared."));
            format!(" {name}: cleared locally ")
        }
        Some(Err(message)) => {
            lines.push(Line::from(Span::styled("✗ The revocation failed:", theme::error())));
            lines.push(Line::from(sanitize::for_terminal(message)));
            lines.push(Line::from(""));
            lines.push(Line::from("Check the profile's state before trying again."));
            format!(" {name}: failed ")
        }
    };
    if result.is_some() {
        lines.push(Line::from(""));
        lines.push(Line::from(vec![
            Span::styled("Esc", theme::key()),
            Span::raw(" / "),
            Span::styled("Enter", theme::key()),
            Span::raw(" close"),
        ]));
    }
    let rect = centered(area, WIDTH, wrapped_rows(&lines, TEXT_WIDTH) + 2);
    frame.render_widget(Clear, rect);
    let paragraph = Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(dialog_block(title));
    frame.render_widget(paragraph, rect);
}
