//! The `:` command bar: what is typed, with its suggestions beside it (the
//! one Tab put in the bar highlighted). Reads the state only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::browse::clip;
use crate::app::CommandBar;
use crate::theme;

pub(super) fn draw(frame: &mut Frame, body: Rect, bar: &CommandBar) {
    if body.height < 3 {
        return;
    }
    let area = Rect {
        y: body.y + body.height - 3,
        height: 3,
        ..body
    };
    let mut spans = vec![
        Span::styled(":", theme::key()),
        Span::raw(clip(&bar.text, 30)),
        Span::styled("▏", theme::key()),
        Span::raw("  "),
    ];
    let suggestions = bar.suggestions();
    if suggestions.is_empty() {
        spans.push(Span::styled("no such screen", theme::error()));
    }
    for (i, word) in suggestions.iter().enumerate() {
        let current = bar.cycle.as_ref().is_some_and(|(_, n)| *n == i);
        let style = if current { theme::selected() } else { theme::dim() };
        spans.push(Span::styled(format!(":{word}"), style));
        spans.push(Span::raw(" "));
    }
    let title = Span::styled(" go to (Tab completes) ", theme::title());
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(Line::from(spans)).block(Block::new().borders(Borders::ALL).title(title)),
        area,
    );
}
