//! The login dialog: the authorize URL in full (laid out from column 0 in
//! full-width rows so the terminal can soft-wrap it), the wait with the
//! login's remaining time, the demo approval, and failures. Reads the state
//! only.

use pdauth_common::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{RawUrl, fit};
use crate::app::{App, Approval, LoginDialog, LoginPhase};
use crate::clock;
use crate::theme;

/// Rows kept free under the URL for the wait and the hints.
const LINES_BELOW: u16 = 6;

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, dialog: &LoginDialog, now: i64) -> Option<RawUrl> {
    frame.render_widget(Clear, area);
    let title = Span::styled(format!(" Log in: {} ", fit(&dialog.profile, 40)), theme::title());
    let block = Block::new().borders(Borders::TOP | Borders::BOTTOM).title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 3 || inner.width < 10 {
        return None;
    }
    let width = usize::from(inner.width);

    let info = match &dialog.phase {
        LoginPhase::Starting => {
            let text = Paragraph::new(vec![Line::from(""), Line::from(" Asking pdauthd to start the login…")]);
            frame.render_widget(text, inner);
            return None;
        }
        LoginPhase::Failed(message) => {
            let text = Paragraph::new(vec![
                Line::from(""),
                Line::from(Span::styled(" ✗ The login failed:", theme::error())),
                Line::from(format!(" {}", sanitize::for_terminal(message))),
                Line::from(""),
                Line::from(" Press l to try again, Esc to close."),
            ])
            .wrap(Wrap { trim: false });
            frame.render_widget(text, inner);
            return None;
        }
        LoginPhase::Waiting(info) => info,
    };

    let url = sanitize::for_terminal(&info.authorize_url);
    let intro = Paragraph::new(Line::from(fit(
        " Open this URL in a browser and approve the access (select it to copy it):",
        width,
    )));
    frame.render_widget(intro, Rect { height: 1, ..inner });

    let url_top = inner.y + 2;
    let room = inner.height.saturating_sub(2 + LINES_BELOW).max(1);
    let chars: Vec<char> = url.chars().collect();
    let needed = chars.len().div_ceil(width).max(1);
    let fits = needed <= usize::from(room);
    let shown_rows = u16::try_from(needed.min(usize::from(room))).unwrap_or(room);
    let url_lines: Vec<Line> = chars
        .chunks(width)
        .take(usize::from(shown_rows))
        .enumerate()
        .map(|(i, chunk)| {
            let mut text: String = chunk.iter().collect();
            if !fits && i + 1 == usize::from(shown_rows) {
                text.pop();
                text.push('…');
            }
            Line::from(Span::styled(text, theme::url()))
        })
        .collect();
    // Column 0, full width, no padding: the raw re-print must land on exactly
    // these cells.
    let url_area = Rect {
        x: 0,
        y: url_top,
        width: inner.x + inner.width,
        height: shown_rows,
    };
    frame.render_widget(Paragraph::new(url_lines), url_area);

    let below = Rect {
        y: url_top + shown_rows + 1,
        height: inner.bottom().saturating_sub(url_top + shown_rows + 1),
        ..inner
    };
    let mut lines = Vec::new();
    if !fits {
        lines.push(Line::from(Span::styled(
            fit(
                " The URL does not fit this window: enlarge it, or press o to open it.",
                width,
            ),
            theme::warning(),
        )));
    }
    let left = info.expires_at - now;
    if left > 0 {
        lines.push(Line::from(vec![
            Span::styled(" ⧗ Waiting for approval in the browser…", theme::warning()),
            Span::raw(format!(" (login expires in {})", clock::compact(left))),
        ]));
    } else {
        lines.push(Line::from(Span::styled(
            " The login expired before it was approved: press Esc, then l to start a new one.",
            theme::error(),
        )));
    }
    lines.push(Line::from(fit(
        &format!(" PagerDuty then sends the browser back to {}", info.redirect_uri),
        width,
    )));
    if let Some(note) = &dialog.note {
        lines.push(Line::from(format!(" {}", sanitize::for_terminal(note))));
    }
    if dialog.replaces_token {
        lines.push(Line::from(Span::styled(
            format!(
                " ! {} already has a usable token: approving this login replaces it.",
                fit(&dialog.profile, 40)
            ),
            theme::warning(),
        )));
    }
    if app.demo {
        let line = match &dialog.approval {
            Approval::Idle => Line::from(vec![
                Span::raw(" Demo: press "),
                Span::styled("a", theme::key()),
                Span::raw(" to approve in the sandbox from this terminal."),
            ]),
            Approval::Running => Line::from(" Approving in the sandbox…"),
            Approval::Done(what) => Line::from(Span::styled(
                fit(
                    &format!(" Sandbox approved ({what}); pdauthd is finishing the login…"),
                    width,
                ),
                theme::success(),
            )),
            Approval::Failed(why) => Line::from(Span::styled(
                fit(&format!(" Sandbox approval failed: {why}"), width),
                theme::error(),
            )),
        };
        lines.push(line);
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), below);

    (fits && url.is_ascii() && !chars.is_empty()).then_some(RawUrl {
        row: url_top,
        text: url,
    })
}
