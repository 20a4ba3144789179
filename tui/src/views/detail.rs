//! The detail pane of one profile: its whole health, wrapped so that nothing
//! essential is cut (reasons, missing scopes, the fix for a storage problem),
//! then its audit timeline, scrollable. Reads the state only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{audit, fit, health, rows_for};
use crate::app::{App, Detail};
use crate::theme;

/// Rows the timeline keeps however long the health is.
const TIMELINE_MIN: u16 = 7;

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, detail: &Detail, now: i64) {
    let title = Span::styled(format!(" {} ", fit(&detail.profile, 60)), theme::title());
    let block = Block::new().borders(Borders::ALL).title(title);
    let Some(p) = app.profiles.iter().find(|p| p.name == detail.profile) else {
        let text = Paragraph::new("This profile is no longer in pdauthd's configuration. Esc goes back.")
            .wrap(Wrap { trim: true })
            .block(block);
        frame.render_widget(text, area);
        return;
    };
    let lines = health::hung(health::lines(app, p, now, true), area.width.saturating_sub(2));
    let wanted = rows_for(&lines, area.width.saturating_sub(2)) + 2;
    let health_height = wanted.min(area.height.saturating_sub(TIMELINE_MIN).max(area.height / 2));
    let [health_area, timeline_area] =
        Layout::vertical([Constraint::Length(health_height), Constraint::Min(0)]).areas(area);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(block),
        health_area,
    );
    if timeline_area.height >= 4 {
        audit::draw_log(frame, timeline_area, app, &detail.timeline, " Timeline ", false, now);
    }
}
