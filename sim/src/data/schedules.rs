//! On-call schedules: layers that rotate users in fixed turns, optionally restricted to
//! daily or weekly windows, overrides on top, and the rendering PagerDuty calls the final
//! schedule, where periods nobody covers appear as entries without a user.

use super::when::{DAY, Secs, day_start, local_day, weekday};

/// A schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Object id.
    pub id: String,
    /// Name.
    pub name: String,
    /// One-line description.
    pub description: String,
    /// IANA time zone its restrictions and rendered times use.
    pub time_zone: &'static str,
    /// Standard UTC offset of that zone, in seconds.
    pub offset: i32,
    /// Layers from lowest priority ("Layer 1") to highest.
    pub layers: Vec<Layer>,
    /// Overrides; a later one wins where two overlap.
    pub overrides: Vec<Override>,
    /// Indices of its teams.
    pub teams: Vec<usize>,
    /// Indices of the escalation policies targeting it (derived).
    pub policies: Vec<usize>,
}

/// A rotation layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layer {
    /// Object id.
    pub id: String,
    /// Name (`Layer 1`, ...).
    pub name: String,
    /// When the layer takes effect.
    pub start: Secs,
    /// When it stops, if ever.
    pub end: Option<Secs>,
    /// The instant the first user's first turn starts (turns repeat from there).
    pub rotation_virtual_start: Secs,
    /// Length of one turn in seconds.
    pub turn: Secs,
    /// Users in rotation order (indices).
    pub users: Vec<usize>,
    /// Windows the layer is limited to; none means around the clock.
    pub restrictions: Vec<Restriction>,
}

/// A recurring window a layer is limited to, in the schedule's local time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restriction {
    /// `None` for a daily restriction; 1 (Monday) to 7 (Sunday) for a weekly one.
    pub weekday: Option<u8>,
    /// Seconds after local midnight the window opens.
    pub start_of_day: Secs,
    /// How long it stays open.
    pub duration: Secs,
}

/// A user covering a period instead of whoever the layers have on call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    /// Object id.
    pub id: String,
    /// Start.
    pub start: Secs,
    /// End.
    pub end: Secs,
    /// User index.
    pub user: usize,
}

/// A rendered period: `user` is `None` for a gap in coverage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Start.
    pub start: Secs,
    /// End (exclusive).
    pub end: Secs,
    /// Who is on call, if anybody.
    pub user: Option<usize>,
}

impl Restriction {
    /// Openings of this window that start on local `day`.
    fn opening_on(&self, day: Secs, offset: i32) -> Option<(Secs, Secs)> {
        let applies = match self.weekday {
            None => true,
            Some(wd) => weekday(day) == Secs::from(wd) - 1,
        };
        applies.then(|| {
            let start = day_start(day, offset) + self.start_of_day;
            (start, start + self.duration)
        })
    }

    /// Whether the window is open at `at`.
    fn covers(&self, at: Secs, offset: i32) -> bool {
        let today = local_day(at, offset);
        (today - 7..=today).any(|day| {
            self.opening_on(day, offset)
                .is_some_and(|(start, end)| start <= at && at < end)
        })
    }
}

impl Layer {
    /// Who this layer has on call at `at`.
    pub fn user_at(&self, at: Secs, offset: i32) -> Option<usize> {
        if at < self.start || self.end.is_some_and(|end| at >= end) || self.users.is_empty() || self.turn <= 0 {
            return None;
        }
        if !self.restrictions.is_empty() && !self.restrictions.iter().any(|r| r.covers(at, offset)) {
            return None;
        }
        let turn = (at - self.rotation_virtual_start).div_euclid(self.turn);
        let n = Secs::try_from(self.users.len()).unwrap_or(1);
        self.users
            .get(usize::try_from(turn.rem_euclid(n)).unwrap_or(0))
            .copied()
    }

    /// Every instant in `[from, to]` where this layer may change hands.
    fn boundaries(&self, from: Secs, to: Secs, offset: i32, out: &mut Vec<Secs>) {
        out.push(self.start);
        out.extend(self.end);
        if self.turn > 0 {
            let first = (from - self.rotation_virtual_start).div_euclid(self.turn);
            let last = (to - self.rotation_virtual_start).div_euclid(self.turn);
            out.extend((first..=last + 1).map(|k| self.rotation_virtual_start + k * self.turn));
        }
        for restriction in &self.restrictions {
            for day in local_day(from, offset) - 7..=local_day(to, offset) {
                if let Some((start, end)) = restriction.opening_on(day, offset) {
                    out.push(start);
                    out.push(end);
                }
            }
        }
    }
}

impl Schedule {
    /// The override in force at `at`, if any.
    fn override_at(&self, at: Secs) -> Option<usize> {
        self.overrides
            .iter()
            .rev()
            .find(|o| o.start <= at && at < o.end)
            .map(|o| o.user)
    }

    /// Who the final schedule has on call at `at` (`None` in a gap).
    pub fn user_at(&self, at: Secs) -> Option<usize> {
        self.override_at(at)
            .or_else(|| self.layers.iter().rev().find_map(|l| l.user_at(at, self.offset)))
    }

    /// The final schedule over `[from, to)`, clipped to it, gaps included.
    pub fn render_final(&self, from: Secs, to: Secs) -> Vec<Span> {
        let mut points = Vec::new();
        for layer in &self.layers {
            layer.boundaries(from, to, self.offset, &mut points);
        }
        self.override_boundaries(&mut points);
        render(from, to, points, true, |at| self.user_at(at))
    }

    /// One layer's own rendering over `[from, to)` (no gap entries).
    pub fn render_layer(&self, layer: &Layer, from: Secs, to: Secs) -> Vec<Span> {
        let mut points = Vec::new();
        layer.boundaries(from, to, self.offset, &mut points);
        render(from, to, points, false, |at| layer.user_at(at, self.offset))
    }

    /// The overrides over `[from, to)` (no gap entries).
    pub fn render_overrides(&self, from: Secs, to: Secs) -> Vec<Span> {
        let mut points = Vec::new();
        self.override_boundaries(&mut points);
        render(from, to, points, false, |at| self.override_at(at))
    }

    fn override_boundaries(&self, out: &mut Vec<Secs>) {
        for o in &self.overrides {
            out.push(o.start);
            out.push(o.end);
        }
    }

    /// Users of its layers, in order of first appearance.
    pub fn users(&self) -> Vec<usize> {
        let mut users = Vec::new();
        for &user in self.layers.iter().flat_map(|l| &l.users) {
            if !users.contains(&user) {
                users.push(user);
            }
        }
        users
    }

    /// Whether a user takes turns in one of its layers.
    pub fn has_user(&self, user: usize) -> bool {
        self.layers.iter().any(|l| l.users.contains(&user))
    }

    /// The longest turn of its layers (how far back a shift in progress may have started).
    pub fn longest_turn(&self) -> Secs {
        self.layers.iter().map(|l| l.turn).max().unwrap_or(DAY).max(DAY)
    }
}

/// Percentage of `[from, to)` covered by spans with a user, to two decimals.
pub fn coverage_percentage(spans: &[Span], from: Secs, to: Secs) -> f64 {
    if to <= from {
        return 0.0;
    }
    let covered: Secs = spans
        .iter()
        .filter(|s| s.user.is_some())
        .map(|s| s.end.min(to) - s.start.max(from))
        .filter(|d| *d > 0)
        .sum();
    let percent = covered as f64 * 100.0 / (to - from) as f64;
    (percent * 100.0).round() / 100.0
}

/// Cuts `[from, to)` at `points`, asks `who` at the start of each piece, and merges
/// neighbours with the same answer. Gaps are kept only with `keep_gaps`.
fn render(
    from: Secs,
    to: Secs,
    mut points: Vec<Secs>,
    keep_gaps: bool,
    who: impl Fn(Secs) -> Option<usize>,
) -> Vec<Span> {
    if to <= from {
        return Vec::new();
    }
    points.retain(|&p| p > from && p < to);
    points.push(from);
    points.push(to);
    points.sort_unstable();
    points.dedup();
    let mut spans: Vec<Span> = Vec::new();
    for pair in points.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        let user = who(start);
        match spans.last_mut() {
            Some(last) if last.user == user && last.end == start => last.end = end,
            _ => spans.push(Span { start, end, user }),
        }
    }
    if !keep_gaps {
        spans.retain(|s| s.user.is_some());
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::when::{HOUR, WEEK};

    /// Monday 2024-04-29 00:00 UTC.
    const MONDAY: Secs = 1_714_348_800;

    fn layer(users: Vec<usize>, turn: Secs, restrictions: Vec<Restriction>) -> Layer {
        Layer {
            id: "PL".into(),
            name: "Layer 1".into(),
            start: MONDAY - 4 * WEEK,
            end: None,
            rotation_virtual_start: MONDAY - 4 * WEEK,
            turn,
            users,
            restrictions,
        }
    }

    fn schedule(layers: Vec<Layer>, overrides: Vec<Override>, offset: i32) -> Schedule {
        Schedule {
            id: "PS".into(),
            name: "s".into(),
            description: String::new(),
            time_zone: "Etc/UTC",
            offset,
            layers,
            overrides,
            teams: vec![],
            policies: vec![],
        }
    }

    #[test]
    fn daily_rotation_covers_everything() {
        let s = schedule(vec![layer(vec![1, 2, 3], DAY, vec![])], vec![], 0);
        let spans = s.render_final(MONDAY, MONDAY + 3 * DAY);
        assert_eq!(spans.len(), 3);
        assert!(spans.iter().all(|s| s.user.is_some()));
        assert_eq!(spans[0].start, MONDAY);
        assert_eq!(spans[2].end, MONDAY + 3 * DAY);
        assert_ne!(spans[0].user, spans[1].user);
        assert_eq!(coverage_percentage(&spans, MONDAY, MONDAY + 3 * DAY), 100.0);
    }

    #[test]
    fn business_hours_leave_gaps_in_local_time() {
        let weekdays: Vec<Restriction> = (1..=5)
            .map(|wd| Restriction {
                weekday: Some(wd),
                start_of_day: 9 * HOUR,
                duration: 8 * HOUR,
            })
            .collect();
        // New York standard time: 09:00 local is 14:00 UTC.
        let s = schedule(vec![layer(vec![7], WEEK, weekdays)], vec![], -5 * 3600);
        let spans = s.render_final(MONDAY, MONDAY + WEEK);
        assert_eq!(s.user_at(MONDAY + 14 * HOUR), Some(7));
        assert_eq!(s.user_at(MONDAY + 13 * HOUR), None);
        assert_eq!(s.user_at(MONDAY + 5 * DAY + 15 * HOUR), None, "Saturday");
        let on: Vec<&Span> = spans.iter().filter(|s| s.user.is_some()).collect();
        assert_eq!(on.len(), 5);
        assert_eq!(on[0].start, MONDAY + 14 * HOUR);
        assert_eq!(on[0].end - on[0].start, 8 * HOUR);
        assert!(
            spans.iter().any(|s| s.user.is_none()),
            "gaps are entries without a user"
        );
        assert_eq!(spans.first().map(|s| s.start), Some(MONDAY));
        assert_eq!(spans.last().map(|s| s.end), Some(MONDAY + WEEK));
        let pct = coverage_percentage(&spans, MONDAY, MONDAY + WEEK);
        assert!((23.0..24.0).contains(&pct), "{pct}");
    }

    #[test]
    fn higher_layers_and_overrides_win() {
        let weekend = Restriction {
            weekday: Some(6),
            start_of_day: 0,
            duration: 2 * DAY,
        };
        let base = layer(vec![1], WEEK, vec![]);
        let top = layer(vec![2], WEEK, vec![weekend]);
        let o = Override {
            id: "PO".into(),
            start: MONDAY + 10 * HOUR,
            end: MONDAY + 12 * HOUR,
            user: 3,
        };
        let s = schedule(vec![base, top], vec![o], 0);
        assert_eq!(s.user_at(MONDAY + 9 * HOUR), Some(1));
        assert_eq!(s.user_at(MONDAY + 11 * HOUR), Some(3));
        assert_eq!(s.user_at(MONDAY + 5 * DAY + HOUR), Some(2));
        let spans = s.render_final(MONDAY, MONDAY + WEEK);
        let users: Vec<Option<usize>> = spans.iter().map(|s| s.user).collect();
        assert_eq!(users, [Some(1), Some(3), Some(1), Some(2)]);
        assert_eq!(s.render_overrides(MONDAY, MONDAY + WEEK).len(), 1);
        assert_eq!(s.render_layer(&s.layers[1], MONDAY, MONDAY + WEEK).len(), 1);
    }

    #[test]
    fn an_ended_layer_leaves_a_gap_and_empty_windows_render_nothing() {
        let mut ending = layer(vec![1, 2], DAY, vec![]);
        ending.end = Some(MONDAY + DAY);
        let s = schedule(vec![ending], vec![], 0);
        let spans = s.render_final(MONDAY, MONDAY + 3 * DAY);
        assert_eq!(
            spans.last(),
            Some(&Span {
                start: MONDAY + DAY,
                end: MONDAY + 3 * DAY,
                user: None
            })
        );
        assert!(s.render_final(MONDAY, MONDAY).is_empty());
    }
}
