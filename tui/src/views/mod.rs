//! Rendering: pure functions from the UI state and `now` to a ratatui frame,
//! one file per screen or dialog. Views never change state and never do IO;
//! the one thing they hand back is where the login URL must be re-printed raw
//! (see [`RawUrl`]).

mod audit;
pub(crate) mod browse;
mod command;
mod detail;
pub mod details;
mod disconnected;
mod health;
mod help;
pub mod item;
mod login;
mod revoke;
mod status;
mod tokens;

#[cfg(test)]
mod browse_tests;
#[cfg(test)]
mod tests;

use pdauth_common::{StorageInfo, sanitize};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{App, Dialog, Link, Screen};
use crate::keymap::{self, Mode};
use crate::theme;

pub(crate) use revoke::{BY_HAND, mentions_manual_revoke};

/// A URL the runtime must print again with one raw write starting at column
/// 0 of `row`, so that the terminal soft-wraps it and a mouse selection copies
/// it without line breaks. The same characters are in ratatui's buffer at
/// those cells, so later diffs leave them alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawUrl {
    pub row: u16,
    pub text: String,
}

/// Draw the whole UI.
pub fn draw(frame: &mut Frame, app: &App, now: i64) -> Option<RawUrl> {
    let area = frame.area();
    if area.width < 20 || area.height < 6 {
        // Wrapped, so even a narrow window reads the whole sentence.
        let msg = Paragraph::new("pdauth: window too small (20x6 at least)").wrap(Wrap { trim: true });
        frame.render_widget(msg, area);
        return None;
    }
    let browsing = matches!(app.screen, Screen::List(_)) && matches!(app.link, Link::Up { .. });
    let [header, body, status, notice, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(u16::from(browsing)),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);

    draw_header(frame, header, app);
    let mode = app.mode();
    let mut raw = None;
    match mode {
        Mode::Disconnected => disconnected::draw(frame, body, app),
        _ => {
            match (app.screen, &app.detail) {
                (Screen::List(resource), _) => match &app.browse.item {
                    Some(item) => item::draw(frame, body, app, item, now),
                    None => browse::draw(frame, body, app, resource, now),
                },
                (Screen::Audit, _) => audit::draw(frame, body, app, now),
                (Screen::Tokens, Some(detail)) => detail::draw(frame, body, app, detail, now),
                (Screen::Tokens, None) => tokens::draw(frame, body, app, now),
            }
            match &app.dialog {
                Some(Dialog::Login(dialog)) => raw = login::draw(frame, body, app, dialog, now),
                Some(Dialog::ConfirmRevoke { profile }) => revoke::draw_confirm(frame, body, app, profile),
                Some(Dialog::Revoke { profile, result }) => revoke::draw_result(frame, body, profile, result.as_ref()),
                None => {}
            }
        }
    }
    if browsing {
        status::draw(frame, status, app, now);
    }
    if let (Some(bar), Mode::Command) = (&app.command, mode) {
        command::draw(frame, body, bar);
    }
    draw_notice(frame, notice, app, now);
    draw_footer(frame, footer, mode, app.help);
    if app.help {
        help::draw(frame, body, mode);
        raw = None;
    }
    raw
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App) {
    let (mark, text, style) = match &app.link {
        Link::Connecting => ("○", "connecting to pdauthd…".to_string(), theme::dim()),
        Link::Up { daemon_version } if daemon_version.starts_with("pdauthd") => {
            ("●", format!("connected to {daemon_version}"), theme::link_up())
        }
        Link::Up { daemon_version } => ("●", format!("connected to pdauthd {daemon_version}"), theme::link_up()),
        Link::Down { .. } => ("✗", "pdauthd not running".to_string(), theme::link_down()),
    };
    let storage = match (&app.link, &app.storage) {
        (Link::Up { .. }, Some(info)) => storage_headline(info),
        _ => String::new(),
    };
    let mut left = vec![
        Span::styled(if app.demo { " pdauth demo " } else { " pdauth " }, theme::title()),
        Span::raw(" "),
    ];
    match breadcrumbs(app) {
        Some(crumbs) => {
            left.push(Span::styled(mark, style));
            left.push(Span::raw(" "));
            left.push(Span::styled(crumbs, theme::crumbs()));
        }
        None => left.push(Span::styled(format!("{mark} {text}"), style)),
    }
    let left = Line::from(left);
    let left_width = u16::try_from(left.width()).unwrap_or(u16::MAX);
    let room = usize::from(area.width.saturating_sub(left_width).saturating_sub(4));
    frame.render_widget(Paragraph::new(left), area);
    if room > 8 && !storage.is_empty() {
        let text = sanitize::truncated(&storage, room);
        let style = match &app.storage {
            Some(StorageInfo::Unavailable { .. }) => theme::error(),
            _ => theme::dim(),
        };
        let right = Paragraph::new(Line::from(Span::styled(format!("{text} "), style)))
            .alignment(ratatui::layout::Alignment::Right);
        frame.render_widget(right, area);
    }
}

/// Where the browsing screens are: `incidents › #1234`.
pub(crate) fn breadcrumbs(app: &App) -> Option<String> {
    let Screen::List(resource) = app.screen else {
        return None;
    };
    let mut out = browse::crumb(resource).to_string();
    if let Some(item) = &app.browse.item {
        out.push_str(" › ");
        out.push_str(&browse::clip(&item.label, 40));
    }
    Some(out)
}

/// How the daemon keeps its key, in words for the header.
pub(crate) fn storage_words(info: &StorageInfo) -> String {
    match info {
        StorageInfo::SystemdCredential { name } => format!("key: systemd credential {name}"),
        StorageInfo::KeyFile { path } => format!("key: {path}"),
        StorageInfo::Unavailable { reason } => format!("STORAGE UNAVAILABLE: {reason}"),
    }
}

/// The header's short form: an unavailable store is explained in the body,
/// where the whole reason fits.
fn storage_headline(info: &StorageInfo) -> String {
    match info {
        StorageInfo::Unavailable { .. } => "STORAGE UNAVAILABLE".to_string(),
        other => storage_words(other),
    }
}

fn draw_notice(frame: &mut Frame, area: Rect, app: &App, now: i64) {
    let width = usize::from(area.width.saturating_sub(1));
    if let Some(notice) = app.current_notice(now) {
        let text = sanitize::truncated(&notice.text, width);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(format!(" {text}"), theme::tone(notice.tone)))),
            area,
        );
    } else if !app.refreshing.is_empty() {
        let names: Vec<&str> = app.refreshing.iter().map(String::as_str).collect();
        let text = sanitize::truncated(&format!("⧗ Refreshing {}…", names.join(", ")), width);
        frame.render_widget(
            Paragraph::new(Line::from(Span::styled(format!(" {text}"), theme::warning()))),
            area,
        );
    }
}

fn draw_footer(frame: &mut Frame, area: Rect, mode: Mode, help_open: bool) {
    let hints: Vec<keymap::Hint> = if help_open {
        vec![
            keymap::Hint {
                keys: "?/Esc",
                what: "close help",
            },
            keymap::Hint {
                keys: "q",
                what: "quit",
            },
        ]
    } else {
        keymap::footer(mode)
    };
    let mut hints = hints;
    let width = |hints: &[keymap::Hint], sep: usize| {
        1 + hints
            .iter()
            .map(|h| h.keys.chars().count() + 1 + h.what.chars().count())
            .sum::<usize>()
            + sep * hints.len().saturating_sub(1)
    };
    // Tighter separators first; then hints go from the middle, keeping help
    // and quit, before anything is cut.
    let separator = if width(&hints, 3) <= usize::from(area.width) {
        " · "
    } else {
        "  "
    };
    while width(&hints, 2) > usize::from(area.width) && hints.len() > 2 {
        hints.remove(hints.len() - 3);
    }
    let mut spans = vec![Span::raw(" ")];
    for (i, h) in hints.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(separator, theme::dim()));
        }
        spans.push(Span::styled(h.keys, theme::key()));
        spans.push(Span::raw(" "));
        spans.push(Span::raw(h.what));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A rectangle of at most `width` x `height` centred in `area`.
pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Rows `lines` need when wrapped at `width` columns, with one row of slack
/// for word wrapping.
pub(crate) fn wrapped_rows(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
    u16::try_from(rows + 1).unwrap_or(u16::MAX)
}

/// Rows `lines` take when word-wrapped at `width` columns.
pub(crate) fn rows_for(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let mut rows = 0usize;
    for line in lines {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let mut used = 0usize;
        let mut count = 1usize;
        for word in text.split(' ') {
            let len = word.chars().count();
            if used > 0 && used + 1 + len <= width {
                used += 1 + len;
            } else if used == 0 && len <= width {
                used = len;
            } else {
                if used > 0 {
                    count += 1;
                }
                count += len.saturating_sub(1) / width;
                used = len % width;
                if used == 0 && len > 0 {
                    used = width;
                }
            }
        }
        rows += count;
    }
    u16::try_from(rows).unwrap_or(u16::MAX)
}

/// `3/12`, shown on a list's border when not all of its `len` entries fit
/// in `capacity` rows.
pub(crate) fn position(selected: usize, len: usize, capacity: usize) -> Option<String> {
    (len > capacity).then(|| format!(" {}/{len} ", (selected + 1).min(len)))
}

/// Outside text cut to `width` characters, control sequences removed.
pub(crate) fn fit(text: &str, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    sanitize::truncated(text, width)
}
