//! The full-screen "pdauthd is not running" message shown while the runtime
//! retries the connection. Reads the state only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Padding, Paragraph, Wrap};

use crate::app::{App, Link};
use crate::client::RETRY_INTERVAL;
use crate::theme;

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let retry = format!("{:.1}", RETRY_INTERVAL.as_secs_f32());
    let lines = match &app.link {
        Link::Down { message, attempts } => vec![
            Line::from(Span::styled(message.clone(), theme::error())),
            Line::from(""),
            Line::from(Span::styled(
                format!(
                    "Retrying every {retry} s (attempt {attempts}); this screen goes away by itself once pdauthd answers."
                ),
                theme::dim(),
            )),
        ],
        _ => vec![Line::from(format!("Connecting to pdauthd at {}…", app.socket))],
    };
    let [_, middle, _] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(9), Constraint::Fill(1)]).areas(area);
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: true }).block(
        Block::new()
            .borders(Borders::ALL)
            .padding(Padding::horizontal(1))
            .title(Span::styled(" pdauthd ", theme::title())),
    );
    frame.render_widget(paragraph, middle);
}
