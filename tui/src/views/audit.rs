//! The Audit screen (every profile's audit entries, newest first, live) and
//! the audit table it shares with the detail pane's timeline: local time and
//! how long ago, profile, event in words, who caused it, detail; problems in
//! red; the entry under the cursor spelled out in full below. Reads the state
//! only.

use pdauth_common::AuditEntry;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, HighlightSpacing, Paragraph, Row, Table, TableState, Wrap};

use super::{fit, position};
use crate::app::{App, AuditLog, Loading};
use crate::theme;
use crate::{clock, words};

/// Rows kept for the entry under the cursor, spelled out.
const SELECTED_ROWS: u16 = 2;

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, now: i64) {
    draw_log(frame, area, app, &app.audit, " Audit log ", true, now);
}

fn time_cell(e: &AuditEntry, offset: i32, now: i64) -> String {
    format!("{} {}", clock::short_time(e.at, offset, now), clock::ago(e.at, now))
}

/// Who caused it: uid and pid when there is room, the uid alone otherwise
/// (the line under the table always has both).
fn actor_cell(e: &AuditEntry, wide: bool) -> String {
    match &e.actor {
        Some(actor) if !wide => format!("uid {}", actor.uid),
        other => words::actor(other.as_ref()),
    }
}

fn style_of(e: &AuditEntry) -> Style {
    if words::is_problem(&e.event) {
        theme::error()
    } else {
        Style::new()
    }
}

/// An audit table in `area` with a border titled `title`, the selected entry
/// in full underneath. `with_profile` adds the profile column.
pub(super) fn draw_log(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    log: &AuditLog,
    title: &str,
    with_profile: bool,
    now: i64,
) {
    let offset = app.utc_offset;
    let below = if log.entries.is_empty() {
        0
    } else {
        SELECTED_ROWS.min(area.height.saturating_sub(5))
    };
    let [table_area, selected_area] = Layout::vertical([Constraint::Min(0), Constraint::Length(below)]).areas(area);
    let capacity = usize::from(table_area.height.saturating_sub(3));
    let mut block = Block::new()
        .borders(Borders::ALL)
        .title(Span::styled(title.to_string(), theme::title()));
    if let Some(pos) = position(log.selected, log.entries.len(), capacity) {
        block = block.title_bottom(Line::from(Span::styled(pos, theme::dim())).right_aligned());
    }
    if log.entries.is_empty() {
        let (text, style) = match &log.loading {
            Loading::Idle | Loading::Loading => ("Reading the audit log…".to_string(), theme::dim()),
            Loading::Failed(why) => (format!("Could not read the audit log: {why}"), theme::error()),
            Loading::Loaded => ("No audit entries yet.".to_string(), theme::dim()),
        };
        let paragraph = Paragraph::new(Line::from(Span::styled(text, style)))
            .wrap(Wrap { trim: true })
            .block(block);
        frame.render_widget(paragraph, table_area);
        return;
    }

    let inner = table_area.width.saturating_sub(2);
    let profile_width = if with_profile {
        let longest = log.entries.iter().map(|e| e.profile.chars().count()).max().unwrap_or(0);
        u16::try_from(longest).unwrap_or(16).clamp(7, 16)
    } else {
        0
    };
    let time_width = log
        .entries
        .iter()
        .map(|e| time_cell(e, offset, now).chars().count())
        .max()
        .map_or(4, |w| u16::try_from(w).unwrap_or(20));
    let event_width = log
        .entries
        .iter()
        .map(|e| words::event(&e.event).chars().count())
        .max()
        .map_or(5, |w| u16::try_from(w).unwrap_or(20).clamp(5, 20));
    let wide = inner >= 110;
    let by_width = log
        .entries
        .iter()
        .map(|e| actor_cell(e, wide).chars().count())
        .max()
        .map_or(7, |w| u16::try_from(w).unwrap_or(20).clamp(7, 20));
    let columns = if with_profile { 5 } else { 4 };
    let used = 2 + (columns - 1) + time_width + profile_width + event_width + by_width;
    let detail_width = inner.saturating_sub(used).max(6);
    let mut widths = vec![time_width];
    let mut titles = vec!["TIME"];
    if with_profile {
        widths.push(profile_width);
        titles.push("PROFILE");
    }
    widths.extend([event_width, by_width, detail_width]);
    titles.extend(["EVENT", "BY", "DETAIL"]);

    let header = Row::new(
        titles
            .iter()
            .zip(&widths)
            .map(|(t, w)| Cell::from(fit(t, usize::from(*w)))),
    )
    .style(theme::table_header());
    let rows = log.entries.iter().map(|e| {
        let mut cells = vec![Cell::from(Span::styled(time_cell(e, offset, now), theme::dim()))];
        if with_profile {
            cells.push(Cell::from(fit(&e.profile, usize::from(profile_width))));
        }
        cells.push(Cell::from(fit(&words::event(&e.event), usize::from(event_width))));
        cells.push(Cell::from(fit(&actor_cell(e, wide), usize::from(by_width))));
        cells.push(Cell::from(fit(
            e.detail.as_deref().unwrap_or("-"),
            usize::from(detail_width),
        )));
        Row::new(cells).style(style_of(e))
    });
    let table = Table::new(rows, widths.iter().map(|w| Constraint::Length(*w)))
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(theme::selected())
        .highlight_symbol("› ")
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::new().with_selected(Some(log.selected));
    frame.render_stateful_widget(table, table_area, &mut state);

    if let Some(e) = log.entries.get(log.selected) {
        let mut spans = vec![
            Span::styled(
                format!(" {} ({})", clock::date_time(e.at, offset), clock::ago(e.at, now)),
                theme::dim(),
            ),
            Span::raw(format!(" · {} · ", fit(&e.profile, 64))),
            Span::styled(words::event(&e.event), style_of(e).patch(theme::table_header())),
            Span::raw(format!(" · by {}", words::actor(e.actor.as_ref()))),
        ];
        if let Some(detail) = &e.detail {
            spans.push(Span::styled(format!(" · {}", fit(detail, 2_000)), style_of(e)));
        }
        frame.render_widget(
            Paragraph::new(Line::from(spans)).wrap(Wrap { trim: true }),
            selected_area,
        );
    }
}
