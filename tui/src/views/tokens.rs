//! The Tokens screen: a warning when tokens cannot be stored, one row per
//! profile (state in colour and words, a marker when scopes are missing,
//! account, user, scopes with missing ones flagged, ticking expiry and next
//! refresh, in narrow forms when the window is narrow), the filter, the order
//! and how many profiles need attention in the title, a position indicator
//! when the list does not fit, and the whole health of the selected profile
//! below. Reads the state only.

use pdauth_common::{ProfileStatus, StorageInfo, TokenState};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, HighlightSpacing, Paragraph, Row, Table, TableState, Wrap};

use super::{fit, health, position, rows_for};
use crate::app::App;
use crate::theme;
use crate::{clock, words};

const HIGHLIGHT: &str = "› ";
/// Rows the health summary below the table gets when there is room.
const DETAILS_ROWS: u16 = 8;
/// Rows of profiles the table keeps even when the summary must shrink.
const MIN_TABLE_ROWS: u16 = 3;

/// A column of the profile table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Column {
    Profile,
    State,
    Account,
    User,
    Scopes,
    Expires,
    Refresh,
}

impl Column {
    fn title(self, short: bool) -> &'static str {
        match self {
            Column::Profile => "PROFILE",
            Column::State => "STATE",
            Column::Account => "ACCOUNT",
            Column::User => "USER",
            Column::Scopes => "SCOPES",
            Column::Expires => "EXPIRES",
            Column::Refresh if short => "REFRESH",
            Column::Refresh => "NEXT REFRESH",
        }
    }

    /// Narrowest and widest the column gets (before spare width).
    fn bounds(self) -> (u16, u16) {
        match self {
            Column::Profile => (8, 32),
            Column::State => (5, 32),
            Column::Expires | Column::Refresh => (5, 20),
            Column::Account => (7, 18),
            Column::User => (6, 22),
            Column::Scopes => (6, 30),
        }
    }

    /// The cell's text; `short` is the narrow form of the state, expiry and
    /// next refresh.
    fn text(self, p: &ProfileStatus, now: i64, short: bool) -> String {
        match self {
            Column::Profile => p.name.clone(),
            Column::State => health::state_line(p, now, short).to_string(),
            Column::Account => p
                .account
                .as_ref()
                .and_then(|a| a.subdomain.clone().or_else(|| a.account_id.clone()))
                .unwrap_or_else(|| "-".to_string()),
            Column::User => p
                .user
                .as_ref()
                .and_then(|u| u.name.clone().or_else(|| u.email.clone()).or_else(|| u.id.clone()))
                .unwrap_or_else(|| "-".to_string()),
            Column::Scopes => {
                let mut parts: Vec<String> = p.scopes_granted.clone();
                parts.extend(p.scopes_missing.iter().map(|s| format!("!{s}")));
                if parts.is_empty() {
                    "-".to_string()
                } else {
                    parts.join(" ")
                }
            }
            // A token pdauthd will not use any more has no life left to count.
            Column::Expires => match (p.state, p.expires_at) {
                (TokenState::LoggedOut | TokenState::NeedsLogin, _) => "-".to_string(),
                (_, Some(at)) if short && at <= now => format!("{} ago", clock::coarse(now - at)),
                (_, at) => clock::expires_in(at, now),
            },
            Column::Refresh => words::next_refresh(p, now, short),
        }
    }
}

/// The columns of the table, their widths, and whether the narrow forms of
/// the state, expiry and next refresh are used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Columns {
    pub widths: Vec<(Column, u16)>,
    pub short: bool,
}

/// The columns shown in `inner` columns of width, and their widths. Every
/// column at its natural width when that fits; otherwise the narrow forms,
/// then without the account, then without the user, and only then without
/// the next refresh. The profile name is never cut while a sparer set keeps
/// it whole. Spare width goes to the profile name first.
pub(super) fn layout(inner: u16, profiles: &[&ProfileStatus], now: i64) -> Columns {
    let natural = |c: Column, short: bool| {
        let content = profiles
            .iter()
            .map(|p| fit(&c.text(p, now, short), 200).chars().count())
            .max()
            .unwrap_or(0)
            .max(c.title(short).chars().count());
        u16::try_from(content).unwrap_or(u16::MAX)
    };
    let clamp = |c: Column, short: bool| {
        let (min, max) = c.bounds();
        natural(c, short).clamp(min, max)
    };
    let room = |cols: &[Column]| inner.saturating_sub(2 + u16::try_from(cols.len()).unwrap_or(0).saturating_sub(1));
    let fixed = |c: Column| matches!(c, Column::State | Column::Expires | Column::Refresh);
    let min_of = |c: Column, short: bool| if fixed(c) { clamp(c, short) } else { c.bounds().0 };

    let all = [
        Column::Profile,
        Column::State,
        Column::Account,
        Column::User,
        Column::Scopes,
        Column::Expires,
        Column::Refresh,
    ];
    // Candidate column sets, richest first: the first that keeps every column
    // at least at its narrowest and the profile name whole (up to its
    // maximum) wins; otherwise the sparest.
    let candidates: [(&[Column], bool); 5] = [
        (&[], false),
        (&[], true),
        (&[Column::Account], true),
        (&[Column::Account, Column::User], true),
        (&[Column::Account, Column::User, Column::Refresh], true),
    ];
    let mut chosen = Columns {
        widths: Vec::new(),
        short: true,
    };
    for (i, (without, short)) in candidates.iter().copied().enumerate() {
        let cols: Vec<Column> = all.iter().copied().filter(|c| !without.contains(c)).collect();
        let avail = room(&cols);
        // The long forms only when everything fits at its natural width.
        let fits = if short {
            cols.iter().map(|c| min_of(*c, short)).sum::<u16>() <= avail
        } else {
            cols.iter().map(|c| clamp(*c, short)).sum::<u16>() <= avail
        };
        if !fits && i + 1 < candidates.len() {
            continue;
        }
        let widths = fit_widths(&cols, avail, &|c| clamp(c, short), &|c| natural(c, short));
        let profile = widths
            .iter()
            .find(|(c, _)| *c == Column::Profile)
            .map_or(0, |(_, w)| *w);
        chosen = Columns { widths, short };
        if profile >= clamp(Column::Profile, short) {
            break;
        }
    }
    chosen
}

/// Widths for `cols` in `avail` columns: natural widths, shrunk user first
/// and profile last when too wide; spare width to the profile name first, the
/// rest to the scopes.
fn fit_widths(
    cols: &[Column],
    avail: u16,
    clamp: &dyn Fn(Column) -> u16,
    natural: &dyn Fn(Column) -> u16,
) -> Vec<(Column, u16)> {
    let mut widths: Vec<(Column, u16)> = cols.iter().map(|c| (*c, clamp(*c))).collect();
    let total = |w: &[(Column, u16)]| w.iter().map(|(_, w)| *w).sum::<u16>();
    for shrink in [Column::User, Column::Account, Column::Scopes, Column::Profile] {
        let over = total(&widths).saturating_sub(avail);
        if over == 0 {
            break;
        }
        if let Some((c, w)) = widths.iter_mut().find(|(c, _)| *c == shrink) {
            *w = w.saturating_sub(over).max(c.bounds().0);
        }
    }
    let mut spare = avail.saturating_sub(total(&widths));
    if let Some((_, w)) = widths.iter_mut().find(|(c, _)| *c == Column::Profile) {
        let grow = natural(Column::Profile).saturating_sub(*w).min(spare);
        *w += grow;
        spare -= grow;
    }
    if let Some((_, w)) = widths.iter_mut().find(|(c, _)| *c == Column::Scopes) {
        *w += spare;
    }
    widths
}

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, now: i64) {
    let mut area = area;
    if let Some(StorageInfo::Unavailable { reason }) = &app.storage {
        let lines = vec![Line::from(vec![
            Span::styled("Storage unavailable: ", theme::error()),
            Span::raw(fit(reason, 1_000)),
            Span::raw(" New tokens cannot be saved until this is fixed."),
        ])];
        let height = rows_for(&lines, area.width).min(area.height.saturating_sub(4)).min(5);
        let [banner, rest] = Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), banner);
        area = rest;
    }
    if app.profiles.is_empty() {
        let text =
            Paragraph::new("pdauthd has no profiles. Add a [profiles.NAME] section to its config file and restart it.")
                .wrap(Wrap { trim: true })
                .block(table_block(app, None));
        frame.render_widget(text, area);
        return;
    }
    let shown = u16::try_from(app.visible().len()).unwrap_or(u16::MAX).max(1);
    let want = shown + 3;
    let keep = want.min(MIN_TABLE_ROWS + 3);
    let table_height = want
        .min(area.height.saturating_sub(DETAILS_ROWS))
        .max(keep)
        .min(area.height);
    let [table_area, details_area] =
        Layout::vertical([Constraint::Length(table_height), Constraint::Min(0)]).areas(area);
    draw_table(frame, table_area, app, now);
    if details_area.height >= 3 {
        draw_details(frame, details_area, app, now);
    }
}

fn table_block(app: &App, position: Option<String>) -> Block<'static> {
    let mut title = vec![Span::styled(" Tokens ", theme::title())];
    if app.filtering || !app.filter.is_empty() {
        title.push(Span::styled(
            format!(
                "/{}{} ",
                fit(&pdauth_common::sanitize::for_terminal(&app.filter), 30),
                if app.filtering { "▏" } else { "" }
            ),
            theme::key(),
        ));
    }
    if !app.profiles.is_empty() {
        title.push(Span::styled(format!("· sorted by {} ", app.sort.label()), theme::dim()));
        title.push(Span::styled("(s) ", theme::key()));
    }
    let (all, shown) = app.attention();
    if all > 0 {
        let verb = if all == 1 { "needs" } else { "need" };
        let hidden = if shown < all {
            format!(", {} filtered out", all - shown)
        } else {
            String::new()
        };
        title.push(Span::styled("· ", theme::dim()));
        title.push(Span::styled(format!("{all} {verb} attention{hidden} "), theme::error()));
        title.push(Span::styled("(n) ", theme::key()));
    }
    let mut block = Block::new().borders(Borders::ALL).title(Line::from(title));
    if let Some(position) = position {
        block = block.title_bottom(Line::from(Span::styled(position, theme::dim())).right_aligned());
    }
    block
}

fn draw_table(frame: &mut Frame, area: Rect, app: &App, now: i64) {
    let visible: Vec<&ProfileStatus> = app.visible().into_iter().map(|i| &app.profiles[i]).collect();
    let capacity = usize::from(area.height.saturating_sub(3));
    let block = table_block(app, position(app.selected, visible.len(), capacity));
    if visible.is_empty() {
        let text = Paragraph::new(format!(
            "No profile name contains “{}”. Esc clears the filter.",
            fit(&app.filter, 40)
        ))
        .wrap(Wrap { trim: true })
        .block(block);
        frame.render_widget(text, area);
        return;
    }
    let columns = layout(area.width.saturating_sub(2), &visible, now);
    let header = Row::new(
        columns
            .widths
            .iter()
            .map(|(c, w)| Cell::from(fit(c.title(columns.short), usize::from(*w)))),
    )
    .style(theme::table_header());
    let rows = visible.iter().map(|p| row(p, &columns, now));
    let table = Table::new(rows, columns.widths.iter().map(|(_, w)| Constraint::Length(*w)))
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(theme::selected())
        .highlight_symbol(HIGHLIGHT)
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::new().with_selected(Some(app.selected));
    frame.render_stateful_widget(table, area, &mut state);
}

fn row<'a>(p: &ProfileStatus, columns: &Columns, now: i64) -> Row<'a> {
    let short = columns.short;
    let cells = columns.widths.iter().map(|(c, w)| {
        let width = usize::from(*w);
        match c {
            Column::State => Cell::from(health::fit_line(health::state_line(p, now, short), width)),
            Column::Scopes => Cell::from(scopes_line(p, width)),
            Column::Expires => {
                let style = match p.expires_at {
                    Some(at) if at <= now && p.state != TokenState::LoggedOut => health::expired_style(p),
                    _ => Style::new(),
                };
                Cell::from(Span::styled(fit(&c.text(p, now, short), width), style))
            }
            Column::Refresh => {
                let style = health::due_style(words::refresh_due(p, now));
                Cell::from(Span::styled(fit(&c.text(p, now, short), width), style))
            }
            other => Cell::from(fit(&other.text(p, now, short), width)),
        }
    });
    Row::new(cells.collect::<Vec<_>>())
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
        let style = if *missing { theme::missing_scope() } else { Style::new() };
        used += sep + len;
        let cut = clean.ends_with('…');
        spans.push(Span::styled(clean, style));
        if cut {
            break;
        }
    }
    Line::from(spans)
}

/// The selected profile's health, wrapped; a hint when it does not fit.
fn draw_details(frame: &mut Frame, area: Rect, app: &App, now: i64) {
    let Some(p) = app.selected_profile() else {
        return;
    };
    let inner_width = area.width.saturating_sub(2);
    let lines = health::hung(health::lines(app, p, now, false), inner_width);
    let overflow = rows_for(&lines, inner_width) > area.height.saturating_sub(2);
    let title = Span::styled(format!(" {} ", fit(&p.name, 40)), theme::title());
    let mut block = Block::new().borders(Borders::ALL).title(title);
    if overflow {
        block = block.title_bottom(Line::from(Span::styled(" Enter: everything ", theme::dim())).right_aligned());
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), area);
}
