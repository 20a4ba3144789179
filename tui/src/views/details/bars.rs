//! The coverage view of a schedule: the share covered, one row per local day
//! with a bar of hour cells under a ruler of hours (`█` covered, `░` nobody
//! on call, `▒` partly covered: readable without colour too), fitted to the
//! width, then the list of gaps with their lengths.

use ratatui::style::Style;
use ratatui::text::Span;

use super::coverage::{covered_within, seconds};
use super::text::{Doc, dim};
use super::when;
use super::wrap::pad;
use crate::theme;

/// Columns of the day label (`Tue 14 `).
const DAY_LABEL: usize = 7;
/// Columns of a day's share (` 100%`).
const SUFFIX: usize = 5;
/// Days drawn at most; a longer range is summed up.
const MAX_DAYS: i64 = 31;
/// Gaps listed at most.
const MAX_GAPS: usize = 24;
const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

/// How one cell of the bar is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cover {
    /// Before or after the rendered range.
    Outside,
    Covered,
    Partial,
    Nobody,
}

impl Cover {
    pub(super) fn symbol(self) -> &'static str {
        match self {
            Cover::Outside => " ",
            Cover::Covered => "█",
            Cover::Partial => "▒",
            Cover::Nobody => "░",
        }
    }

    fn style(self) -> Style {
        match self {
            Cover::Outside => Style::new(),
            Cover::Covered => theme::success(),
            Cover::Partial => theme::warning(),
            Cover::Nobody => theme::error(),
        }
    }
}

/// How the bars fit the width: hours per cell, columns per cell, and
/// whether each day's share fits after its bar.
struct Grid {
    hours: i64,
    chars: usize,
    suffix: bool,
}

fn grid(width: usize) -> Option<Grid> {
    let room = width.checked_sub(DAY_LABEL).filter(|r| *r > 0)?;
    let suffix = room >= 24 + SUFFIX;
    let avail = if suffix { room - SUFFIX } else { room };
    if avail >= 24 {
        return Some(Grid {
            hours: 1,
            chars: (avail / 24).min(3),
            suffix,
        });
    }
    let hours = [2, 3, 4, 6, 8, 12, 24].into_iter().find(|h| 24 / h <= avail as i64)?;
    Some(Grid {
        hours,
        chars: 1,
        suffix,
    })
}

/// How `start..end` is covered, within the range `since..until`.
fn cover(covered: &[(i64, i64)], since: i64, until: i64, start: i64, end: i64) -> Cover {
    let (a, b) = (start.max(since), end.min(until));
    if a >= b {
        return Cover::Outside;
    }
    match covered_within(covered, a, b) {
        0 => Cover::Nobody,
        on if on == seconds(a, b) => Cover::Covered,
        _ => Cover::Partial,
    }
}

/// A share in percent for people: never `100.0%` while there is a gap, nor
/// `0.0%` while someone is on call at all.
pub(super) fn percent_words(percent: f64, has_gaps: bool) -> String {
    let p = percent.clamp(0.0, 100.0);
    let p = if has_gaps { p.min(99.9) } else { p };
    let p = if p > 0.0 { p.max(0.1) } else { p };
    format!("{p:.1}%")
}

/// The coverage section: share, day bars, legend and gaps.
pub(super) fn draw(
    doc: &mut Doc,
    covered: &[(i64, i64)],
    gaps: &[(i64, i64)],
    range: (i64, i64),
    percent: Option<f64>,
    now: i64,
    offset: i32,
) {
    let (since, until) = range;
    doc.heading("Coverage", None);
    let Some(percent) = percent.filter(|_| since < until) else {
        doc.note("nothing rendered: the range is empty");
        return;
    };
    let style = if gaps.is_empty() {
        theme::success()
    } else {
        theme::error()
    };
    doc.push(
        vec![
            Span::styled(percent_words(percent, !gaps.is_empty()), style),
            Span::raw(format!(
                " covered, {} ({}), times in {}",
                when::stretch(since, until, offset),
                when::length(i64::try_from(seconds(since, until)).unwrap_or(i64::MAX)),
                when::offset_words(offset)
            )),
        ],
        2,
    );
    if !when::in_calendar(since) || !when::in_calendar(until) {
        doc.note("the range is beyond the calendar: no day view");
    } else if let Some(grid) = grid(doc.width()) {
        days(doc, &grid, covered, (since, until), now, offset);
    }
    list_gaps(doc, gaps, offset);
}

fn days(doc: &mut Doc, grid: &Grid, covered: &[(i64, i64)], range: (i64, i64), now: i64, offset: i32) {
    let (since, until) = range;
    doc.blank();
    let cells = 24 / grid.hours;
    if let Some(ruler) = ruler(grid) {
        doc.push(vec![Span::raw(" ".repeat(DAY_LABEL)), dim(ruler)], 0);
    }
    let first = since - (since + i64::from(offset)).rem_euclid(DAY);
    let count = (until - first + DAY - 1) / DAY;
    for d in 0..count.min(MAX_DAYS) {
        let start = first + d * DAY;
        let today = (start..start + DAY).contains(&now);
        let label_style = if today { theme::key() } else { theme::dim() };
        let mut spans = vec![Span::styled(pad(&when::day(start, offset), DAY_LABEL), label_style)];
        for k in 0..cells {
            let a = start + k * grid.hours * HOUR;
            let cell = cover(covered, since, until, a, a + grid.hours * HOUR);
            let text = cell.symbol().repeat(grid.chars);
            match spans.last_mut() {
                Some(last) if k > 0 && last.style == cell.style() => last.content.to_mut().push_str(&text),
                _ => spans.push(Span::styled(text, cell.style())),
            }
        }
        if grid.suffix {
            let (a, b) = (start.max(since), (start + DAY).min(until));
            let share = covered_within(covered, a, b) * 100 / seconds(a, b).max(1);
            let style = if share >= 100 { theme::dim() } else { theme::error() };
            spans.push(Span::styled(format!(" {share:>3}%"), style));
        }
        doc.push(spans, 0);
    }
    if count > MAX_DAYS {
        doc.note(&format!("… {} more days not drawn", count - MAX_DAYS));
    }
    let mut legend = vec![
        Span::styled(Cover::Covered.symbol(), Cover::Covered.style()),
        Span::raw(" covered  "),
        Span::styled(Cover::Nobody.symbol(), Cover::Nobody.style()),
        Span::raw(" nobody on call  "),
        Span::styled(Cover::Partial.symbol(), Cover::Partial.style()),
        Span::raw(" partly covered"),
    ];
    if grid.hours > 1 {
        legend.push(dim(format!("  (one cell = {}h)", grid.hours)));
    }
    doc.push(legend, 2);
}

/// Hours above the cells (`00 03 06 …`), as many as fit without touching.
fn ruler(grid: &Grid) -> Option<String> {
    let step = [3, 6, 12, 24]
        .into_iter()
        .find(|step| step % grid.hours == 0 && (step / grid.hours) as usize * grid.chars >= 3)?;
    let len = (24 / grid.hours) as usize * grid.chars;
    let mut ruler = vec![' '; len];
    for hour in (0..24).step_by(step as usize) {
        let at = (hour / grid.hours) as usize * grid.chars;
        if at + 2 <= len {
            let digits = format!("{hour:02}");
            for (i, c) in digits.chars().enumerate() {
                ruler[at + i] = c;
            }
        }
    }
    Some(ruler.into_iter().collect())
}

fn list_gaps(doc: &mut Doc, gaps: &[(i64, i64)], offset: i32) {
    doc.heading("Gaps", Some(gaps.len()));
    if gaps.is_empty() {
        doc.push(
            vec![
                Span::raw("  "),
                Span::styled("none: someone is on call all along", theme::success()),
            ],
            4,
        );
        return;
    }
    for &(start, end) in gaps.iter().take(MAX_GAPS) {
        let length = when::length(i64::try_from(seconds(start, end)).unwrap_or(i64::MAX));
        doc.push(
            vec![
                Span::raw("  "),
                Span::styled(Cover::Nobody.symbol(), Cover::Nobody.style()),
                Span::raw(format!(" {}", when::stretch(start, end, offset))),
                dim(format!(" ({length})")),
            ],
            4,
        );
    }
    if gaps.len() > MAX_GAPS {
        doc.note(&format!("… and {} more", gaps.len() - MAX_GAPS));
    }
}
