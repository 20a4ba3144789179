//! The detail of an escalation policy: name, description and loops, then
//! each level with its delay, its targets and who answers it now, then the
//! services and teams it serves and the web link.

use pdauth_common::browse::{EscalationPolicy, EscalationRule, OnCall, Part};
use ratatui::style::Style;
use ratatui::text::Span;

use super::text::{Col, Doc, clean, column, dim, name, words};
use super::when;
use crate::theme;

pub(super) fn lines(doc: &mut Doc, policy: &EscalationPolicy, oncalls: &[OnCall], now: i64, offset: i32) {
    doc.title(vec![Span::styled(clean(&policy.name), theme::title())]);
    doc.text_field("About", policy.description.as_deref());
    let loops = match policy.num_loops {
        0 => "does not repeat".to_string(),
        1 => "repeats once".to_string(),
        n => format!("repeats {n} times"),
    };
    doc.field("Loops", vec![Span::raw(loops)]);

    doc.heading("Levels", Some(policy.rules.len()));
    if policy.rules.is_empty() {
        doc.note("none: nobody is notified");
    }
    let oncalls_read = policy.rules.is_empty() || doc.read(Part::Oncalls, "who is on call: ");
    let mut after: u64 = 0;
    for (i, rule) in policy.rules.iter().enumerate() {
        let level = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let last = i + 1 == policy.rules.len();
        level_lines(doc, level, after, rule, (last, policy.num_loops > 0));
        let current: Vec<&OnCall> = oncalls
            .iter()
            .filter(|o| o.level == level && o.start.is_none_or(|s| s <= now) && o.end.is_none_or(|e| e > now))
            .collect();
        if oncalls_read {
            on_call_now(doc, &current, now, offset);
        }
        after += u64::from(rule.delay_minutes);
    }

    refs(doc, "Services", &policy.services);
    refs(doc, "Teams", &policy.teams);
    doc.blank();
    doc.link(policy.html_url.as_deref());
}

/// `Level 2 — after 30 min`, how it goes on, and its targets.
fn level_lines(doc: &mut Doc, level: u32, after: u64, rule: &EscalationRule, (last, loops): (bool, bool)) {
    let when = if after == 0 {
        "at once".to_string()
    } else {
        format!("after {after} min")
    };
    let then = match (last, loops) {
        (false, _) => format!(", escalates after {} min", rule.delay_minutes),
        (true, true) => format!(", back to level 1 after {} min", rule.delay_minutes),
        (true, false) => ", the last level".to_string(),
    };
    if level > 1 {
        doc.blank();
    }
    doc.push(
        vec![
            Span::styled(format!("Level {level} — {when}"), theme::title()),
            dim(then),
        ],
        2,
    );
    if rule.targets.is_empty() {
        doc.push(vec![Span::raw("  "), Span::styled("no targets", theme::error())], 4);
    }
    let kinds: Vec<String> = rule.targets.iter().map(|t| target_kind(&t.kind)).collect();
    let kind_w = column(kinds.iter().map(String::as_str), 10);
    for (target, kind) in rule.targets.iter().zip(kinds) {
        doc.row(
            vec![Col::new(kind, theme::dim(), kind_w)],
            vec![Span::raw(name(target))],
        );
    }
}

/// Who answers a level now, or a warning that nobody does.
fn on_call_now(doc: &mut Doc, current: &[&OnCall], now: i64, offset: i32) {
    if current.is_empty() {
        doc.push(
            vec![Span::raw("  "), Span::styled("nobody on call now", theme::error())],
            4,
        );
        return;
    }
    for oncall in current {
        let who = oncall.user.as_ref().map(name).unwrap_or_else(|| "nobody".to_string());
        let via = oncall
            .schedule
            .as_ref()
            .map(|s| format!(" via {}", name(s)))
            .unwrap_or_default();
        doc.push(
            vec![
                Span::raw("  "),
                dim("on call now: "),
                Span::styled(who, theme::success()),
                Span::raw(format!("{via}, ")),
                dim(when::until(oncall.end, now, offset)),
            ],
            4,
        );
    }
}

/// A target's kind in a word: `user`, `schedule`, or PagerDuty's own.
fn target_kind(kind: &str) -> String {
    let kind = kind.trim_end_matches("_reference");
    match kind {
        "user" | "schedule" => kind.to_string(),
        other => words(other),
    }
}

fn refs(doc: &mut Doc, heading: &str, refs: &[pdauth_common::browse::Ref]) {
    doc.heading(heading, Some(refs.len()));
    if refs.is_empty() {
        doc.note("none");
    }
    for r in refs {
        doc.push(vec![Span::raw("  "), Span::styled(name(r), Style::new())], 4);
    }
}
