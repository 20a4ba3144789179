//! The status bar of the browsing screens: which profile and account are
//! browsed, the health of its token, the rate budget (or the countdown
//! while requests are held) and how fresh the list or detail on screen is.
//! Reads the state only.

use pdauth_common::browse::FetchMeta;
use pdauth_common::sanitize::for_terminal;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::browse::clip;
use crate::app::App;
use crate::{clock, theme, words};

/// The freshness of what is on screen.
fn meta(app: &App) -> Option<FetchMeta> {
    match &app.browse.item {
        Some(item) => item.page.as_ref().map(|p| p.meta),
        None => app.list().and_then(|t| t.state().meta),
    }
}

/// The pieces of the status bar, each with its style.
pub(crate) fn spans(app: &App, now: i64) -> Vec<Span<'static>> {
    let sep = || Span::styled(" · ", theme::dim());
    let Some(name) = app.browse.profile.clone() else {
        return vec![Span::styled(" no profile to browse with", theme::dim())];
    };
    let mut out = vec![
        Span::raw(" "),
        Span::styled(clip(&for_terminal(&name), 24), theme::title()),
    ];
    if let Some(p) = app.profiles.iter().find(|p| p.name == name) {
        if let Some(sub) = p.account.as_ref().and_then(|a| a.subdomain.clone()) {
            out.push(sep());
            out.push(Span::raw(clip(&for_terminal(&sub), 24)));
        }
        let state = words::condition(p, now);
        out.push(sep());
        out.push(Span::styled(state.label(), theme::state(state)));
    }
    if let Some(rate) = app.browse.rates.get(&name) {
        match (rate.waiting_until, rate.remaining, rate.limit) {
            (Some(at), _, _) if at > now => {
                out.push(sep());
                out.push(Span::styled(
                    format!("waiting {}", clock::compact(at - now)),
                    theme::warning(),
                ));
            }
            (_, Some(left), Some(limit)) => {
                out.push(sep());
                let style = if left * 10 < limit {
                    theme::warning()
                } else {
                    theme::dim()
                };
                out.push(Span::styled(format!("{left}/{limit} requests"), style));
            }
            _ => {}
        }
    }
    if let Some(meta) = meta(app) {
        out.push(sep());
        if meta.stale {
            out.push(Span::styled("stale", theme::warning()));
        } else {
            out.push(Span::styled(
                format!("updated {}", clock::ago(meta.fetched_at, now)),
                theme::dim(),
            ));
        }
    }
    out
}

pub(super) fn draw(frame: &mut Frame, area: Rect, app: &App, now: i64) {
    frame.render_widget(Paragraph::new(Line::from(spans(app, now))), area);
}
