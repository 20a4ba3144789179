//! Background activity (`--activity SECS`, off by default): every SECS seconds the
//! sandbox opens, acknowledges or resolves an incident, as a busy account would, so a
//! client watching a list sees it change without anyone calling the hooks. The sequence
//! follows the seed; the number of open incidents stays near what the account started
//! with.

use std::time::Duration;

use crate::data::{IncidentStore, ServiceMode, SplitMix64, Status, Urgency, incident_title, when};
use crate::state::{AppState, Shared};

/// Stream of the generator (independent of the seeded account's streams).
const STREAM: u64 = 0x00AC_717E;

/// What one step did, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Opened { number: u64, title: String },
    Acknowledged { number: u64 },
    Resolved { number: u64 },
}

/// Runs until the task is dropped.
pub async fn run(state: Shared, every: Duration, seed: u64) {
    let target = open_count(&state.incidents());
    let mut rng = SplitMix64::fork(seed, STREAM);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tick.tick().await;
        if let Some(step) = step(&state, &mut rng, target) {
            tracing::info!(?step, "sandbox activity");
        }
    }
}

fn open_count(store: &IncidentStore) -> usize {
    store.all().iter().filter(|i| i.status.is_open()).count()
}

/// Open incidents above the starting number the activity may add.
const SLACK: usize = 5;

/// One change: open an incident while fewer than `target` are open (and now and then
/// while fewer than `target + SLACK` are), otherwise acknowledge the oldest triggered one
/// or resolve the oldest acknowledged one.
pub fn step(state: &AppState, rng: &mut SplitMix64, target: usize) -> Option<Step> {
    let now = when::unix(state.clock.now());
    let mut store = state.incidents_mut();
    let open = open_count(&store);
    if open < target.max(1) || (open < target + SLACK && rng.chance(35)) {
        let enabled: Vec<usize> = (0..state.data.services.len())
            .filter(|&s| state.data.services[s].mode == ServiceMode::Enabled)
            .collect();
        let service = *rng.pick(&enabled)?;
        let title = incident_title(rng, &state.data.services[service].name);
        let urgency = if rng.chance(30) { Urgency::Low } else { Urgency::High };
        let idx = store.create(&state.data, service, title.clone(), urgency, now).ok()?;
        return Some(Step::Opened {
            number: store.get(idx)?.number,
            title,
        });
    }
    let oldest = |status: Status| {
        store
            .all()
            .iter()
            .enumerate()
            .filter(|(_, i)| i.status == status)
            .min_by_key(|(_, i)| i.created_at)
            .map(|(idx, i)| (idx, i.number, i.assignments.first().map_or(0, |&(u, _)| u)))
    };
    if let (true, Some((idx, number, user))) = (rng.chance(50), oldest(Status::Triggered)) {
        store.acknowledge(idx, user, now).ok()?;
        return Some(Step::Acknowledged { number });
    }
    let (idx, number, user) = oldest(Status::Acknowledged).or_else(|| oldest(Status::Triggered))?;
    store.resolve(idx, user, now).ok()?;
    Some(Step::Resolved { number })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SimConfig;

    fn state() -> AppState {
        let config = SimConfig::default();
        AppState::new(
            &config,
            "http://127.0.0.1:9".into(),
            crate::jwt::JwtSigner::sandbox().unwrap(),
        )
    }

    #[test]
    fn activity_opens_acknowledges_and_resolves_and_keeps_the_open_count_near_its_start() {
        let state = state();
        let target = open_count(&state.incidents());
        let mut rng = SplitMix64::fork(1, STREAM);
        let steps: Vec<Step> = (0..200).filter_map(|_| step(&state, &mut rng, target)).collect();
        assert_eq!(steps.len(), 200, "every step changes something");
        assert!(steps.iter().any(|s| matches!(s, Step::Opened { .. })));
        assert!(steps.iter().any(|s| matches!(s, Step::Acknowledged { .. })));
        assert!(steps.iter().any(|s| matches!(s, Step::Resolved { .. })));
        let open = open_count(&state.incidents());
        assert!(
            open + 1 >= target && open <= target + SLACK,
            "{open} open, started with {target}"
        );
    }

    #[test]
    fn the_same_seed_plays_the_same_activity() {
        let (a, b) = (state(), state());
        let target = open_count(&a.incidents());
        let (mut ra, mut rb) = (SplitMix64::fork(7, STREAM), SplitMix64::fork(7, STREAM));
        for _ in 0..20 {
            assert_eq!(step(&a, &mut ra, target), step(&b, &mut rb, target));
        }
    }
}
