//! A list screen of PagerDuty objects: the title with its quick filters,
//! filter, order and counts; the rows of the visible window only (never
//! every row), cut to their columns by display width; what went wrong and
//! what to do about it; loading and empty states. Reads the state only.

use pdauth_common::ErrorCode;
use pdauth_common::browse::{ListQuery, Resource};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, HighlightSpacing, Paragraph, Row, Table, TableState, Wrap};

use crate::app::{App, Fill, Listing, Problem, default_query};
use crate::screens::{Column, Ctx};
use crate::{clock, theme};

const HIGHLIGHT: &str = "› ";

/// The title of a resource's screen.
pub(crate) fn resource_title(resource: Resource) -> &'static str {
    match resource {
        Resource::Incidents => "Incidents",
        Resource::Services => "Services",
        Resource::Users => "Users",
        Resource::Schedules => "Schedules",
        Resource::Oncalls => "On call now",
        Resource::EscalationPolicies => "Escalation policies",
        Resource::Teams => "Teams",
    }
}

/// What one object of a resource is, as the detail screen names it.
pub(crate) fn resource_noun(resource: Resource) -> &'static str {
    match resource {
        Resource::Incidents => "incident",
        Resource::Services => "service",
        Resource::Users => "user",
        Resource::Schedules => "schedule",
        Resource::Oncalls => "on-call entry",
        Resource::EscalationPolicies => "escalation policy",
        Resource::Teams => "team",
    }
}

/// The command word of a resource's screen, as in the breadcrumbs.
pub(crate) fn crumb(resource: Resource) -> &'static str {
    match resource {
        Resource::Oncalls => "oncall",
        Resource::EscalationPolicies => "policies",
        other => other.as_str(),
    }
}

/// `text` cut to `width` display columns, ending in `…` when cut. Wide
/// characters count twice; text is already sanitised.
pub(crate) fn clip(text: &str, width: usize) -> String {
    if text.len() <= width && text.is_ascii() {
        return text.to_string();
    }
    if Span::raw(text).width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let w = Span::raw(&*c.encode_utf8(&mut buf)).width();
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// Which columns fit in `avail` cells and how wide each is: every column at
/// its narrowest, dropping the most expendable ones (never the `sorted`
/// one) until they fit; spare width goes to the flexible column up to a
/// third of the whole, then evenly to the others up to their widest, then
/// to the flexible column (or the last one).
pub(crate) fn widths(columns: &[Column], avail: u16, sorted: usize) -> Vec<(usize, u16)> {
    // The ordering column's title has room for its arrow.
    let columns: Vec<Column> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i != sorted {
                return *c;
            }
            let fits = u16::try_from(Span::raw(c.title).width()).map_or(u16::MAX, |w| w.saturating_add(1));
            Column {
                min: c.min.max(fits),
                max: c.max.max(fits),
                ..*c
            }
        })
        .collect();
    let mut shown: Vec<usize> = (0..columns.len()).collect();
    let need = |shown: &[usize]| {
        shown.iter().map(|c| columns[*c].min).sum::<u16>() + u16::try_from(shown.len().saturating_sub(1)).unwrap_or(0)
    };
    while need(&shown) > avail {
        let Some(worst) = shown
            .iter()
            .copied()
            // The column the rows are ordered by stays in sight.
            .filter(|c| columns[*c].drop > 0 && *c != sorted)
            .max_by_key(|c| columns[*c].drop)
        else {
            break;
        };
        shown.retain(|c| *c != worst);
    }
    let mut out: Vec<(usize, u16)> = shown.iter().map(|c| (*c, columns[*c].min)).collect();
    let mut spare = avail.saturating_sub(need(&shown));
    // The flexible column (a title, a name) first gets up to a third of
    // the width, then the others grow to their widest, then it takes the
    // rest.
    let target = avail / 3;
    if let Some((_, w)) = out.iter_mut().find(|(c, _)| columns[*c].flex) {
        let grow = target.saturating_sub(*w).min(spare);
        *w += grow;
        spare -= grow;
    }
    // One cell at a time to each column still short of its widest, so no
    // column starves while an earlier one fills up.
    while spare > 0 {
        let mut grew = false;
        for (c, w) in out.iter_mut() {
            if spare > 0 && !columns[*c].flex && *w < columns[*c].max {
                *w += 1;
                spare -= 1;
                grew = true;
            }
        }
        if !grew {
            break;
        }
    }
    match out.iter_mut().find(|(c, _)| columns[*c].flex) {
        Some((_, w)) => *w += spare,
        None => {
            if let Some((_, w)) = out.last_mut() {
                *w += spare;
            }
        }
    }
    out
}

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, resource: Resource, now: i64) {
    let Some(table) = app.list() else {
        let text = match app.browse.profile {
            None => "No profile has a usable token to browse PagerDuty with. Type :tokens, then l to log in.",
            Some(_) => "Connecting…",
        };
        let block = Block::new()
            .borders(Borders::ALL)
            .title(Span::styled(format!(" {} ", resource_title(resource)), theme::title()));
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).block(block), area);
        return;
    };
    let s = table.state();
    let mut area = area;
    if let Some(problem) = &s.problem {
        let lines = problem_lines(problem, app, resource, now);
        let height = (super::rows_for(&lines, area.width.saturating_sub(2)) + 2).min(area.height / 2);
        let [banner, rest] = Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
        let block = Block::new().borders(Borders::ALL).border_style(theme::error());
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block), banner);
        area = rest;
    }
    let block = title_block(app, table, resource);
    if s.shown.is_empty() {
        let text = if s.fill == Fill::Loading {
            if s.problem.is_some() {
                String::new()
            } else {
                format!("Loading {} from PagerDuty…", resource_title(resource).to_lowercase())
            }
        } else if table.is_empty() {
            empty_words(resource, &s.query)
        } else {
            format!("No row contains “{}”. Esc clears the filter.", clip(&s.filter, 40))
        };
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).block(block), area);
        return;
    }
    draw_rows(frame, area, app, table, block, now);
}

fn draw_rows(frame: &mut Frame, area: Rect, app: &App, table: &dyn Listing, block: Block<'_>, now: i64) {
    let s = table.state();
    let height = usize::from(area.height.saturating_sub(3)).max(1);
    // The reducer keeps the window; the view only makes sure the cursor is
    // in it whatever the window's size.
    let mut top = s.top.min(s.cursor).min(s.shown.len().saturating_sub(height));
    if s.cursor >= top + height {
        top = s.cursor + 1 - height;
    }
    let end = (top + height).min(s.shown.len());
    let columns = table.columns();
    let avail = area.width.saturating_sub(2 + 2);
    let layout = widths(columns, avail, s.sort.0);
    let header = Row::new(
        layout
            .iter()
            .map(|(c, w)| Cell::from(clip(&title_of(table, *c), usize::from(*w)))),
    )
    .style(theme::table_header());
    let ctx = Ctx {
        now,
        open_by_service: app.browse.open_by_service.as_ref(),
    };
    let rows: Vec<Row> = (top..end)
        .map(|n| {
            let cells = table.cells(n, &ctx);
            Row::new(layout.iter().map(|(c, w)| {
                let (text, style) = cells.get(*c).cloned().unwrap_or_default();
                Cell::from(Span::styled(clip(&text, usize::from(*w)), style))
            }))
        })
        .collect();
    let position = format!(" {}/{} ", s.cursor + 1, s.shown.len());
    let mut block = block.title_bottom(Line::from(Span::styled(position, theme::dim())).right_aligned());
    if s.truncated {
        block = block.title_bottom(Line::from(Span::styled(
            format!(" cut at {} rows: narrow the query to see the rest ", table.len()),
            theme::warning(),
        )));
    } else if table.resource() == Resource::Services && app.browse.open_by_service.is_none() {
        let incidents = app.browse.tables.get(&Resource::Incidents).map(|t| t.get().state());
        let why = match incidents {
            Some(s) if s.query != default_query(Resource::Incidents) => {
                " OPEN unknown: 0 on :incidents lists every open incident "
            }
            Some(s) if s.truncated => " OPEN is unknown: more open incidents than a list holds ",
            _ => " OPEN: counting the open incidents… ",
        };
        block = block.title_bottom(Line::from(Span::styled(why, theme::dim())));
    }
    let widget = Table::new(rows, layout.iter().map(|(_, w)| Constraint::Length(*w)))
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(theme::selected())
        .highlight_symbol(HIGHLIGHT)
        .highlight_spacing(HighlightSpacing::Always);
    let mut state = TableState::new().with_selected(Some(s.cursor - top));
    frame.render_stateful_widget(widget, area, &mut state);
}

/// A column title, with an arrow on the one the rows are ordered by.
fn title_of(table: &dyn Listing, col: usize) -> String {
    let title = table.columns()[col].title;
    match table.state().sort {
        (c, false) if c == col => format!("{title}↑"),
        (c, true) if c == col => format!("{title}↓"),
        _ => title.to_string(),
    }
}

fn title_block<'a>(app: &App, table: &dyn Listing, resource: Resource) -> Block<'a> {
    let s = table.state();
    let mut title = vec![Span::styled(format!(" {} ", resource_title(resource)), theme::title())];
    if resource == Resource::Incidents {
        for word in quick_words(&s.query, app.my_user_id().as_deref()) {
            title.push(Span::styled(format!("[{word}] "), theme::key()));
        }
    }
    if app.filtering || !s.filter.is_empty() {
        let cursor = if app.filtering { "▏" } else { "" };
        title.push(Span::styled(
            format!(
                "/{}{cursor} ",
                clip(&pdauth_common::sanitize::for_terminal(&s.filter), 30)
            ),
            theme::key(),
        ));
    }
    let count = match (s.fill, s.shown.len(), table.len()) {
        (Fill::Loading, _, 0) => String::new(),
        (_, shown, all) if shown == all => format!("· {all} "),
        (_, shown, all) => format!("· {shown} of {all} "),
    };
    title.push(Span::styled(count, theme::dim()));
    if let Some(col) = table.columns().get(s.sort.0) {
        let dir = if s.sort.1 { "↓" } else { "↑" };
        title.push(Span::styled(
            format!("· by {}{dir} ", col.title.to_lowercase()),
            theme::dim(),
        ));
        title.push(Span::styled("(s/S) ", theme::key()));
    }
    if s.asked && s.fill == Fill::Loaded {
        title.push(Span::styled("· refreshing… ", theme::dim()));
    }
    Block::new().borders(Borders::ALL).title(Line::from(title))
}

/// The incidents' quick filters in words: status, urgency, mine.
pub(crate) fn quick_words(query: &ListQuery, me: Option<&str>) -> Vec<String> {
    let f = &query.filter;
    let mut words = Vec::new();
    words.push(match f.statuses.as_slice() {
        [] => "any status".to_string(),
        [a, b] if a == "triggered" && b == "acknowledged" => "open".to_string(),
        many => many.join("+"),
    });
    if !f.urgencies.is_empty() {
        words.push(f.urgencies.join("+"));
    }
    if !f.user_ids.is_empty() {
        let mine = me.is_some_and(|me| f.user_ids.iter().all(|u| u == me));
        words.push(if mine {
            "mine".to_string()
        } else {
            "assigned".to_string()
        });
    }
    words
}

fn empty_words(resource: Resource, query: &ListQuery) -> String {
    match resource {
        Resource::Incidents if *query == default_query(resource) => "No open incidents. 3 shows resolved ones.".into(),
        Resource::Incidents => "No incidents match these quick filters; 0 shows every open one.".into(),
        Resource::Oncalls => "Nobody is on call now.".into(),
        other => format!("PagerDuty has no {}.", resource_title(other).to_lowercase()),
    }
}

/// What went wrong, in words, and what to do about it.
pub(crate) fn problem_lines(problem: &Problem, app: &App, resource: Resource, now: i64) -> Vec<Line<'static>> {
    let profile = app.browse.profile.clone().unwrap_or_default();
    let what = resource_title(resource).to_lowercase();
    // A scope that covers the list: the refusal is about the user, not the token.
    let scoped = app.profiles.iter().find(|p| p.name == profile).is_some_and(|p| {
        pdauth_common::scopes::covers_reading(p.scopes_granted.iter().map(String::as_str), resource.as_str())
    });
    let others = app.usable_profiles().iter().any(|p| *p != profile);
    let (head, todo) = match problem.code {
        Some(ErrorCode::Forbidden) if scoped => (
            format!("PagerDuty refused access to {what} for {profile}."),
            "Its token has a read scope, so the user's role or team forbids it: ask an account admin.".to_string(),
        ),
        Some(ErrorCode::Forbidden) => (
            format!("Missing scope: {profile}'s token may not read {what}."),
            "Log in with a scope that covers it: :tokens, then l.".to_string(),
        ),
        Some(ErrorCode::NeedsLogin) if others => (
            format!("{profile} needs a new login."),
            "Type :tokens, then l to log in again, or p to browse another profile.".to_string(),
        ),
        Some(ErrorCode::NeedsLogin) => (
            format!("{profile} needs a new login."),
            "Type :tokens, then l to log in again.".to_string(),
        ),
        Some(ErrorCode::RateLimited) => {
            let wait = app
                .browse
                .rates
                .get(&profile)
                .and_then(|r| r.waiting_until)
                .filter(|at| *at > now);
            (
                match wait {
                    Some(at) => format!("Rate limited by PagerDuty: waiting {}.", clock::compact(at - now)),
                    None => "Rate limited by PagerDuty.".to_string(),
                },
                "pdauthd retries by itself when the budget allows.".to_string(),
            )
        }
        // Unreachable or answering 5xx: the line below says which.
        Some(ErrorCode::Upstream) | None => (
            "PagerDuty did not answer properly.".to_string(),
            "pdauthd keeps trying; r tries again now.".to_string(),
        ),
        Some(_) => (
            "pdauthd could not list these.".to_string(),
            "r tries again.".to_string(),
        ),
    };
    vec![
        Line::from(vec![
            Span::styled(head, theme::error()),
            Span::raw(" "),
            Span::styled(todo, Style::new()),
        ]),
        Line::from(Span::styled(problem.message.clone(), theme::dim())),
    ]
}
