//! The help overlay: every key of the screen underneath, from the keymap's
//! table. Reads the mode only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::centered;
use crate::keymap::{self, Mode};
use crate::theme;

fn screen_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Command => "Command bar",
        Mode::List(resource) | Mode::Item(resource) => super::browse::resource_title(resource),
        Mode::Tokens => "Tokens",
        Mode::Filter => "Filter",
        Mode::Detail => "Profile",
        Mode::Audit => "Audit",
        Mode::Disconnected => "pdauthd not running",
        Mode::LoginWaiting { .. } => "Login",
        Mode::LoginFailed => "Login failed",
        Mode::ConfirmRevoke => "Revoke?",
        Mode::Revoking => "Revoking",
        Mode::RevokeResult => "Revoked",
    }
}

pub(super) fn draw(frame: &mut Frame, area: Rect, mode: Mode) {
    let hints = keymap::hints(mode);
    let key_width = hints.iter().map(|h| h.keys.chars().count()).max().unwrap_or(0);
    let mut lines: Vec<Line> = hints
        .iter()
        .map(|h| {
            Line::from(vec![
                Span::raw(" "),
                Span::styled(format!("{:<key_width$}", h.keys), theme::key()),
                Span::raw("  "),
                Span::raw(h.what),
            ])
        })
        .collect();
    if mode == Mode::Disconnected {
        lines.insert(
            0,
            Line::from(Span::styled(
                " Waiting for pdauthd; nothing else to do here.",
                theme::dim(),
            )),
        );
    }
    let height = u16::try_from(lines.len()).unwrap_or(u16::MAX).saturating_add(2);
    let wanted = hints.iter().map(|h| h.what.chars().count()).max().unwrap_or(0) + key_width + 5;
    let rect = centered(area, u16::try_from(wanted).unwrap_or(u16::MAX).max(60), height);
    frame.render_widget(Clear, rect);
    let title = Span::styled(format!(" Keys: {} ", screen_name(mode)), theme::title());
    frame.render_widget(
        Paragraph::new(lines).block(Block::new().borders(Borders::ALL).title(title)),
        rect,
    );
}
