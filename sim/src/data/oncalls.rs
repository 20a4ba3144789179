//! On-call entries, derived like PagerDuty's `/oncalls`: every target of every level of
//! every escalation policy; a user target is on call indefinitely (`start`/`end` absent,
//! no schedule), a schedule target once per final-schedule shift that overlaps the window
//! (shift boundaries are not clipped to it, gaps produce nothing).

use std::collections::HashMap;

use super::Dataset;
use super::schedules::Span;
use super::services::Target;
use super::when::Secs;

/// One on-call entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnCall {
    /// Escalation policy index.
    pub policy: usize,
    /// Escalation level (1-based).
    pub level: u32,
    /// User index.
    pub user: usize,
    /// Schedule index, `None` for a direct user target.
    pub schedule: Option<usize>,
    /// Shift start, `None` for a direct user target.
    pub start: Option<Secs>,
    /// Shift end, `None` for a direct user target (on call indefinitely).
    pub end: Option<Secs>,
}

/// On-call entries overlapping `[since, until]` (a single instant when equal), in policy,
/// level and start order.
pub fn oncalls(data: &Dataset, since: Secs, until: Secs) -> Vec<OnCall> {
    let mut shifts: HashMap<usize, Vec<Span>> = HashMap::new();
    let mut out = Vec::new();
    for (p, policy) in data.policies.iter().enumerate() {
        for (level, rule) in policy.rules.iter().enumerate() {
            let level = u32::try_from(level + 1).unwrap_or(u32::MAX);
            for target in &rule.targets {
                match *target {
                    Target::User(user) => out.push(OnCall {
                        policy: p,
                        level,
                        user,
                        schedule: None,
                        start: None,
                        end: None,
                    }),
                    Target::Schedule(s) => {
                        let spans = shifts.entry(s).or_insert_with(|| shifts_around(data, s, since, until));
                        out.extend(
                            spans
                                .iter()
                                .filter(|span| span.start < until.max(since + 1) && span.end > since)
                                .filter_map(|span| {
                                    Some(OnCall {
                                        policy: p,
                                        level,
                                        user: span.user?,
                                        schedule: Some(s),
                                        start: Some(span.start),
                                        end: Some(span.end),
                                    })
                                }),
                        );
                    }
                }
            }
        }
    }
    out
}

/// Keeps only the earliest entry of each policy, level and user (`earliest=true`).
pub fn earliest_only(entries: &mut Vec<OnCall>) {
    let mut seen = std::collections::HashSet::new();
    entries.sort_by_key(|e| (e.policy, e.level, e.start.is_some(), e.start));
    entries.retain(|e| seen.insert((e.policy, e.level, e.user)));
}

/// A schedule's shifts rendered wide enough around the window that shifts in progress at
/// its edges keep their real start and end.
fn shifts_around(data: &Dataset, schedule: usize, since: Secs, until: Secs) -> Vec<Span> {
    data.schedules.get(schedule).map_or_else(Vec::new, |s| {
        let margin = s.longest_turn() + super::when::DAY;
        s.render_final(since - margin, until + margin + 1)
    })
}
