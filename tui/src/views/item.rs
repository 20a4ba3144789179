//! The detail screen of one PagerDuty object: a header line (what it is,
//! how fresh), the object's web link (always shown, `o` opens it), then the
//! detail's lines in a scrollable pane; loading and problems where the
//! lines would be. Reads the state only.

use pdauth_common::browse::DetailPage;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::browse::{clip, problem_lines, resource_noun};
use super::details::detail_lines;
use crate::app::{App, Item};
use crate::{clock, theme};

/// Lines the detail takes in a pane `width` columns wide (borders aside).
pub fn line_count(page: &DetailPage, now: i64, utc_offset: i32, width: u16) -> usize {
    detail_lines(&page.detail, page.into(), now, utc_offset, width.saturating_sub(2)).len()
}

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, item: &Item, now: i64) {
    let kind = resource_noun(item.resource);
    let mut head = vec![
        Span::styled(format!(" {} ", clip(&item.label, 60)), theme::title()),
        Span::styled(format!("{kind} "), theme::dim()),
    ];
    if item.loading && item.page.is_some() {
        head.push(Span::styled("· reloading… ", theme::dim()));
    }
    let block = Block::new().borders(Borders::ALL).title(Line::from(head));
    let url = item.url();
    let [link, pane] = Layout::vertical([Constraint::Length(u16::from(url.is_some())), Constraint::Min(0)]).areas(area);
    if let Some(url) = &url {
        let hint = if app.browser_available { "  (o opens it)" } else { "" };
        let line = Line::from(vec![
            Span::styled(" web: ", theme::dim()),
            Span::styled(url.clone(), theme::url()),
            Span::styled(hint, theme::dim()),
        ]);
        frame.render_widget(Paragraph::new(line), link);
    }
    let Some(page) = &item.page else {
        let lines = match &item.problem {
            Some(problem) => problem_lines(problem, app, item.resource, now),
            None => vec![Line::from(Span::styled(
                format!("Loading {} from PagerDuty…", clip(&item.label, 40)),
                theme::dim(),
            ))],
        };
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block), pane);
        return;
    };
    let lines = detail_lines(
        &page.detail,
        page.into(),
        now,
        app.utc_offset,
        pane.width.saturating_sub(2),
    );
    let height = usize::from(pane.height.saturating_sub(2));
    let start = item.scroll.min(lines.len().saturating_sub(height));
    let end = (start + height).min(lines.len());
    let mut block = block;
    if lines.len() > height {
        let at = format!(" {}-{}/{} ", start + 1, end, lines.len());
        block = block.title_bottom(Line::from(Span::styled(at, theme::dim())).right_aligned());
    }
    if let Some(problem) = &item.problem {
        block = block.title_bottom(Line::from(Span::styled(
            format!(" reload failed: {} ", clip(&problem.message, 60)),
            theme::error(),
        )));
    } else if page.meta.stale {
        block = block.title_bottom(Line::from(Span::styled(" stale ", theme::warning())));
    } else {
        let fresh = format!(" fetched {} ", clock::ago(page.meta.fetched_at, now));
        block = block.title_bottom(Line::from(Span::styled(fresh, theme::dim())));
    }
    let shown: Vec<Line> = lines[start..end].to_vec();
    frame.render_widget(Paragraph::new(shown).block(block), pane);
}
