//! The plan book: at most one planned time per profile, in a binary heap
//! with lazy deletion, so planning, re-planning, cancelling and taking the
//! due ones each cost O(log n).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

#[derive(Debug, Default)]
pub struct Planner {
    heap: BinaryHeap<Reverse<(i64, u64, String)>>,
    /// The live plan of each profile: (time, generation).
    live: HashMap<String, (i64, u64)>,
    generation: u64,
}

impl Planner {
    /// Plan (or re-plan) `profile` at `at`, replacing any earlier plan.
    pub fn plan(&mut self, profile: &str, at: i64) {
        if self.live.get(profile).is_some_and(|(t, _)| *t == at) {
            return;
        }
        self.generation += 1;
        self.live.insert(profile.to_string(), (at, self.generation));
        self.heap.push(Reverse((at, self.generation, profile.to_string())));
        self.compact_if_bloated();
    }

    /// Forget `profile`'s plan.
    pub fn cancel(&mut self, profile: &str) {
        self.live.remove(profile);
        self.compact_if_bloated();
    }

    /// The planned time of `profile`.
    pub fn planned(&self, profile: &str) -> Option<i64> {
        self.live.get(profile).map(|(t, _)| *t)
    }

    /// Remove and return every profile due at or before `now`, earliest first.
    pub fn pop_due(&mut self, now: i64) -> Vec<String> {
        let mut due = Vec::new();
        while let Some(Reverse((at, generation, _))) = self.heap.peek() {
            if *at > now {
                break;
            }
            let (at, generation) = (*at, *generation);
            let Some(Reverse((_, _, profile))) = self.heap.pop() else {
                break;
            };
            if self.live.get(&profile) == Some(&(at, generation)) {
                self.live.remove(&profile);
                due.push(profile);
            }
        }
        due
    }

    /// The earliest live plan.
    pub fn next_due(&mut self) -> Option<i64> {
        while let Some(Reverse((at, generation, profile))) = self.heap.peek() {
            if self.live.get(profile) == Some(&(*at, *generation)) {
                return Some(*at);
            }
            self.heap.pop();
        }
        None
    }

    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// Stale heap entries are dropped lazily; rebuild when they dominate so
    /// memory stays proportional to the number of profiles.
    fn compact_if_bloated(&mut self) {
        if self.heap.len() > 64 && self.heap.len() > 4 * self.live.len() {
            self.heap = self
                .live
                .iter()
                .map(|(p, (at, g))| Reverse((*at, *g, p.clone())))
                .collect();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_and_replans_replace() {
        let mut p = Planner::default();
        p.plan("a", 30);
        p.plan("b", 10);
        p.plan("c", 20);
        p.plan("a", 5);
        assert_eq!(p.next_due(), Some(5));
        assert_eq!(p.pop_due(15), vec!["a", "b"]);
        assert_eq!(p.pop_due(15), Vec::<String>::new());
        assert_eq!(p.next_due(), Some(20));
        p.cancel("c");
        assert_eq!(p.next_due(), None);
        assert!(p.is_empty());
    }

    #[test]
    fn heap_stays_proportional_to_profiles() {
        let mut p = Planner::default();
        for round in 0..1000 {
            for i in 0..10 {
                p.plan(&format!("p{i}"), round * 10 + i);
            }
        }
        assert_eq!(p.len(), 10);
        assert!(p.heap.len() <= 4 * 10 + 64, "{}", p.heap.len());
        assert_eq!(p.pop_due(i64::MAX).len(), 10);
    }
}
