//! Coverage of a schedule's rendered range, as pure functions of its
//! entries: the stretches someone is on call, the gaps where nobody is, the
//! share covered, and who is on call at a time and next. Entries may come in
//! any order, overlap, have no user (a gap) or end before they start (ignored).

use pdauth_common::browse::{Ref, ScheduleEntry};

/// Seconds from `a` to `b`, without overflow; 0 if `b` is before `a`.
pub(super) fn seconds(a: i64, b: i64) -> u64 {
    u64::try_from(i128::from(b) - i128::from(a)).unwrap_or(0)
}

/// The stretches of `since..until` where someone is on call: sorted,
/// disjoint and not touching.
pub(super) fn covered(entries: &[ScheduleEntry], since: i64, until: i64) -> Vec<(i64, i64)> {
    if until <= since {
        return Vec::new();
    }
    let mut stretches: Vec<(i64, i64)> = entries
        .iter()
        .filter(|e| e.user.is_some())
        .map(|e| (e.start.max(since), e.end.min(until)))
        .filter(|(a, b)| a < b)
        .collect();
    stretches.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(stretches.len());
    for (a, b) in stretches {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// The stretches of `since..until` where nobody is on call: entries without
/// a user, holes between entries, and before the first or after the last.
/// Sorted and disjoint; empty when `until` is not after `since`.
pub(super) fn gaps(entries: &[ScheduleEntry], since: i64, until: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    if until <= since {
        return out;
    }
    let mut at = since;
    for (a, b) in covered(entries, since, until) {
        if a > at {
            out.push((at, a));
        }
        at = b;
    }
    if at < until {
        out.push((at, until));
    }
    out
}

/// Seconds of `a..b` within the `covered` stretches (sorted, disjoint).
pub(super) fn covered_within(covered: &[(i64, i64)], a: i64, b: i64) -> u64 {
    let first = covered.partition_point(|&(_, end)| end <= a);
    covered[first..]
        .iter()
        .take_while(|&&(start, _)| start < b)
        .map(|&(start, end)| seconds(start.max(a), end.min(b)))
        .sum()
}

/// The share of `since..until` covered, in percent; `None` for an empty
/// range.
pub(super) fn percent(covered: &[(i64, i64)], since: i64, until: i64) -> Option<f64> {
    let total = seconds(since, until);
    if total == 0 {
        return None;
    }
    let on = covered_within(covered, since, until);
    Some(on as f64 * 100.0 / total as f64)
}

/// Someone on call from `start` to `end`, shifts of the same user that
/// follow each other joined into one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Shift<'a> {
    pub user: &'a Ref,
    pub start: i64,
    pub end: i64,
}

/// Entries with a user and a length, by start.
fn shifts(entries: &[ScheduleEntry]) -> Vec<Shift<'_>> {
    let mut out: Vec<Shift> = entries
        .iter()
        .filter(|e| e.start < e.end)
        .filter_map(|e| {
            e.user.as_ref().map(|user| Shift {
                user,
                start: e.start,
                end: e.end,
            })
        })
        .collect();
    out.sort_by_key(|s| (s.start, s.end));
    out
}

/// `shift` extended by the later shifts of the same user that start before
/// it ends.
fn joined<'a>(shift: Shift<'a>, all: &[Shift<'a>]) -> Shift<'a> {
    let mut out = shift;
    for next in all.iter().filter(|s| s.start >= out.start) {
        if next.user.id == out.user.id && next.start <= out.end && next.end > out.end {
            out.end = next.end;
        }
    }
    out
}

/// Who is on call at `at`, each until their unbroken stretch ends; one per
/// user, several when layers overlap.
pub(super) fn on_call_at(entries: &[ScheduleEntry], at: i64) -> Vec<Shift<'_>> {
    let all = shifts(entries);
    let mut out: Vec<Shift> = Vec::new();
    for shift in all.iter().filter(|s| s.start <= at && at < s.end) {
        let shift = joined(shift.clone(), &all);
        match out.iter_mut().find(|s| s.user.id == shift.user.id) {
            Some(known) => known.end = known.end.max(shift.end),
            None => out.push(shift),
        }
    }
    out
}

/// The next shift after `at`: the first that starts once the earliest of
/// the current stretches ends (or after `at`, when nobody is on call).
pub(super) fn next_after(entries: &[ScheduleEntry], at: i64) -> Option<Shift<'_>> {
    let handoff = on_call_at(entries, at).iter().map(|s| s.end).min().unwrap_or(at);
    let all = shifts(entries);
    let next = all.iter().find(|s| s.start >= handoff && s.start > at)?.clone();
    Some(joined(next, &all))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> Option<Ref> {
        Some(Ref {
            id: id.into(),
            kind: "user_reference".into(),
            summary: format!("User {id}"),
            html_url: None,
        })
    }

    fn entry(start: i64, end: i64, id: Option<&str>) -> ScheduleEntry {
        ScheduleEntry {
            start,
            end,
            user: id.and_then(user),
        }
    }

    #[test]
    fn holes_before_between_and_after_entries_are_gaps() {
        let entries = [entry(10, 20, Some("A")), entry(30, 40, Some("B"))];
        assert_eq!(gaps(&entries, 0, 50), vec![(0, 10), (20, 30), (40, 50)]);
        assert_eq!(gaps(&entries, 10, 40), vec![(20, 30)]);
    }

    #[test]
    fn entries_without_a_user_are_gaps() {
        let entries = [entry(0, 10, Some("A")), entry(10, 11, None), entry(11, 20, Some("B"))];
        assert_eq!(gaps(&entries, 0, 20), vec![(10, 11)]);
        assert_eq!(percent(&covered(&entries, 0, 20), 0, 20), Some(95.0));
    }

    #[test]
    fn unordered_and_overlapping_entries_merge() {
        let entries = [
            entry(25, 40, Some("B")),
            entry(0, 15, Some("A")),
            entry(10, 20, Some("C")),
            entry(20, 25, Some("A")),
        ];
        assert_eq!(covered(&entries, 0, 40), vec![(0, 40)]);
        assert!(gaps(&entries, 0, 40).is_empty());
        assert_eq!(percent(&covered(&entries, 0, 40), 0, 40), Some(100.0));
    }

    #[test]
    fn entries_ending_before_they_start_cover_nothing() {
        let entries = [entry(20, 10, Some("A")), entry(5, 5, Some("B"))];
        assert_eq!(gaps(&entries, 0, 30), vec![(0, 30)]);
        assert!(on_call_at(&entries, 15).is_empty());
    }

    #[test]
    fn an_empty_or_reversed_range_has_no_gaps() {
        let entries = [entry(0, 10, Some("A"))];
        assert!(gaps(&entries, 5, 5).is_empty());
        assert!(gaps(&entries, 10, 0).is_empty());
        assert!(gaps(&[], 0, 0).is_empty());
        assert_eq!(gaps(&[], 0, 1), vec![(0, 1)]);
        assert_eq!(percent(&[], 5, 5), None);
    }

    #[test]
    fn entries_beyond_the_range_are_clipped() {
        let entries = [entry(i64::MIN, -5, Some("A")), entry(5, i64::MAX, Some("B"))];
        assert_eq!(gaps(&entries, -10, 10), vec![(-5, 5)]);
        assert_eq!(gaps(&entries, i64::MIN, i64::MAX), vec![(-5, 5)]);
        let all = covered(&entries, i64::MIN, i64::MAX);
        assert_eq!(covered_within(&all, i64::MIN, i64::MAX), u64::MAX - 10);
        assert!(percent(&all, i64::MIN, i64::MAX).unwrap() > 99.9);
    }

    #[test]
    fn covered_seconds_within_a_window() {
        let stretches = [(0, 10), (20, 30), (40, 50)];
        assert_eq!(covered_within(&stretches, 5, 45), 5 + 10 + 5);
        assert_eq!(covered_within(&stretches, 10, 20), 0);
        assert_eq!(covered_within(&stretches, 60, 70), 0);
        assert_eq!(covered_within(&[], 0, 100), 0);
    }

    #[test]
    fn on_call_now_runs_to_the_end_of_the_unbroken_stretch() {
        let entries = [
            entry(0, 10, Some("A")),
            entry(10, 20, Some("A")),
            entry(20, 21, None),
            entry(21, 30, Some("B")),
        ];
        let now = on_call_at(&entries, 5);
        assert_eq!(now.len(), 1);
        assert_eq!((now[0].user.id.as_str(), now[0].end), ("A", 20));
        let next = next_after(&entries, 5).expect("a next shift");
        assert_eq!((next.user.id.as_str(), next.start, next.end), ("B", 21, 30));
        // In the gap: nobody now, B next.
        assert!(on_call_at(&entries, 20).is_empty());
        assert_eq!(next_after(&entries, 20).map(|s| s.start), Some(21));
        // After the last entry: nobody, nothing next.
        assert!(on_call_at(&entries, 30).is_empty());
        assert_eq!(next_after(&entries, 30), None);
    }

    #[test]
    fn overlapping_layers_put_several_people_on_call() {
        let entries = [
            entry(0, 10, Some("A")),
            entry(5, 15, Some("B")),
            entry(15, 20, Some("C")),
        ];
        let ids: Vec<&str> = on_call_at(&entries, 7).iter().map(|s| s.user.id.as_str()).collect();
        assert_eq!(ids, ["A", "B"]);
        // The first handoff is A's at 10; B's later shift started before it.
        assert_eq!(next_after(&entries, 7).map(|s| s.user.id.as_str()), Some("C"));
    }

    proptest::proptest! {
        /// Gaps and covered stretches partition the range: disjoint, in
        /// order, within it, and together exactly as long; no gap instant
        /// is within an entry with a user.
        #[test]
        fn gaps_and_coverage_partition_the_range(
            raw in proptest::collection::vec((-50i64..150, -20i64..80, proptest::bool::ANY), 0..12),
            since in -20i64..60,
            len in -10i64..120,
        ) {
            let until = since + len;
            let entries: Vec<ScheduleEntry> =
                raw.iter().map(|&(s, d, who)| entry(s, s + d, who.then_some("U"))).collect();
            let gaps = gaps(&entries, since, until);
            let on = covered(&entries, since, until);
            let total: u64 = gaps.iter().chain(&on).map(|&(a, b)| seconds(a, b)).sum();
            proptest::prop_assert_eq!(total, seconds(since, until));
            let mut parts: Vec<(i64, i64)> = gaps.iter().chain(&on).copied().collect();
            parts.sort_unstable();
            for pair in parts.windows(2) {
                proptest::prop_assert_eq!(pair[0].1, pair[1].0, "parts touch without overlap");
            }
            for &(a, b) in &gaps {
                proptest::prop_assert!(since <= a && a < b && b <= until);
                for t in a..b {
                    let inside = entries.iter().any(|e| e.user.is_some() && e.start <= t && t < e.end);
                    proptest::prop_assert!(!inside, "second {} of a gap is covered", t);
                }
            }
            for t in since..until.max(since) {
                let in_gap = gaps.iter().any(|&(a, b)| a <= t && t < b);
                let inside = entries.iter().any(|e| e.user.is_some() && e.start <= t && t < e.end);
                proptest::prop_assert_eq!(in_gap, !inside);
            }
        }
    }
}
