//! Paused-time tests of the scheduler with a scripted executor: no network,
//! no real waiting; tokio's clock jumps from timer to timer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use rand::SeedableRng;

use super::*;
use crate::clock::TokioClock;
use crate::refresh::{BACKOFF_CAP, backoff, plan_at};

const START: i64 = 1_800_000_000;

/// Records when each profile ran; optionally fails and re-plans with backoff.
struct Script {
    clock: TokioClock,
    planner: Arc<Mutex<Planner>>,
    wake: Arc<Notify>,
    runs: Mutex<Vec<(String, i64)>>,
    fail: bool,
    attempts: Mutex<HashMap<String, u32>>,
    work: Duration,
    running: AtomicUsize,
    peak: AtomicUsize,
}

impl Script {
    fn new(clock: &TokioClock, fail: bool, work: Duration) -> Arc<Self> {
        Arc::new(Self {
            clock: clock.clone(),
            planner: Arc::new(Mutex::new(Planner::default())),
            wake: Arc::new(Notify::new()),
            runs: Mutex::new(Vec::new()),
            fail,
            attempts: Mutex::new(HashMap::new()),
            work,
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        })
    }

    fn plan(&self, profile: &str, at: i64) {
        self.planner.lock().unwrap().plan(profile, at);
        self.wake.notify_one();
    }

    fn cancel(&self, profile: &str) {
        self.planner.lock().unwrap().cancel(profile);
        self.wake.notify_one();
    }

    fn runs(&self) -> Vec<(String, i64)> {
        self.runs.lock().unwrap().clone()
    }
}

impl Executor for Script {
    fn execute(self: Arc<Self>, profile: String) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            self.runs.lock().unwrap().push((profile.clone(), self.clock.now()));
            tokio::time::sleep(self.work).await;
            self.running.fetch_sub(1, Ordering::SeqCst);
            if self.fail {
                let attempt = {
                    let mut a = self.attempts.lock().unwrap();
                    let n = a.entry(profile.clone()).or_insert(0);
                    *n += 1;
                    *n
                };
                let mut rng = rand::rngs::StdRng::seed_from_u64(attempt as u64);
                let delay = backoff(attempt, &mut rng).as_secs() as i64;
                self.plan(&profile, self.clock.now() + delay.max(1));
            }
        })
    }
}

fn start(script: &Arc<Script>, concurrency: usize) -> (CancellationToken, TaskTracker) {
    let shutdown = CancellationToken::new();
    let tasks = TaskTracker::new();
    tokio::spawn(run_schedule(
        script.planner.clone(),
        script.clone(),
        Arc::new(script.clock.clone()),
        script.wake.clone(),
        concurrency,
        WALL_CLOCK_CHECK,
        tasks.clone(),
        shutdown.clone(),
    ));
    (shutdown, tasks)
}

async fn pass(secs: u64) {
    tokio::time::sleep(Duration::from_secs(secs)).await;
}

#[tokio::test(start_paused = true)]
async fn refresh_fires_inside_the_window() {
    let clock = TokioClock::new(START);
    let script = Script::new(&clock, false, Duration::ZERO);
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let at = plan_at(START, Some(START + 3600), 7 * 86_400, &mut rng);
    script.plan("work", at);
    let (shutdown, _) = start(&script, 4);
    pass(2879).await;
    assert!(script.runs().is_empty(), "nothing before the window opens");
    pass(800).await;
    let runs = script.runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let fired = runs[0].1;
    assert!(
        fired >= at && fired < START + 3600,
        "fired at +{} (planned +{})",
        fired - START,
        at - START
    );
    shutdown.cancel();
}

#[tokio::test(start_paused = true)]
async fn replans_on_login_and_revoke() {
    let clock = TokioClock::new(START);
    let script = Script::new(&clock, false, Duration::ZERO);
    let (shutdown, _) = start(&script, 4);
    script.plan("a", START + 1000);
    script.plan("b", START + 1000);
    pass(10).await;
    // A revocation cancels the plan.
    script.cancel("a");
    // A new login with a short-lived token moves the plan earlier; the
    // scheduler, asleep until +30 s, must wake for it.
    script.plan("b", START + 15);
    pass(10).await;
    assert_eq!(script.runs(), vec![("b".to_string(), START + 15)]);
    pass(2000).await;
    assert_eq!(
        script.runs().len(),
        1,
        "the revoked profile never ran: {:?}",
        script.runs()
    );
    shutdown.cancel();
}

#[tokio::test(start_paused = true)]
async fn failing_refreshes_back_off_exponentially_up_to_the_cap() {
    let clock = TokioClock::new(START);
    let script = Script::new(&clock, true, Duration::ZERO);
    let (shutdown, _) = start(&script, 4);
    script.plan("flaky", START + 1);
    pass(3 * 3600).await;
    let times: Vec<i64> = script.runs().into_iter().map(|(_, t)| t).collect();
    assert!(times.len() > 10, "{times:?}");
    let gaps: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    // Grows: each early gap at least the previous one's lower bound.
    for (i, gap) in gaps.iter().take(5).enumerate() {
        let full = 5i64 << i;
        assert!(
            *gap >= full / 2 && *gap <= full + 1,
            "retry {}: gap {gap}s, expected within [{}, {full}]",
            i + 1,
            full / 2
        );
    }
    // Capped.
    assert!(gaps.iter().all(|g| *g <= BACKOFF_CAP.as_secs() as i64 + 1), "{gaps:?}");
    assert!(
        gaps.iter()
            .rev()
            .take(5)
            .all(|g| *g >= BACKOFF_CAP.as_secs() as i64 / 2),
        "{gaps:?}"
    );
    shutdown.cancel();
}

#[tokio::test(start_paused = true)]
async fn a_storm_of_a_thousand_stays_under_the_concurrency_bound() {
    let clock = TokioClock::new(START);
    let script = Script::new(&clock, false, Duration::from_secs(2));
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    // A thousand logins at the same moment, all with one-hour tokens.
    for i in 0..1000 {
        script.plan(
            &format!("p{i:04}"),
            plan_at(START, Some(START + 3600), 7 * 86_400, &mut rng),
        );
    }
    let (shutdown, _) = start(&script, 4);
    pass(3600).await;
    let runs = script.runs();
    assert_eq!(runs.len(), 1000);
    assert!(
        script.peak.load(Ordering::SeqCst) <= 4,
        "peak {}",
        script.peak.load(Ordering::SeqCst)
    );
    // Jitter spread them out instead of one burst.
    let distinct: std::collections::BTreeSet<i64> = runs.iter().map(|(_, t)| *t).collect();
    assert!(distinct.len() > 100, "only {} distinct start seconds", distinct.len());
    assert!(
        runs.iter().all(|(_, t)| *t < START + 3600),
        "everything refreshed before expiry"
    );
    shutdown.cancel();
}

#[tokio::test(start_paused = true)]
async fn a_wall_clock_jump_is_noticed_without_a_timer() {
    let clock = TokioClock::new(START);
    let script = Script::new(&clock, false, Duration::ZERO);
    script.plan("work", START + 5000);
    let (shutdown, _) = start(&script, 4);
    pass(1).await;
    // The machine slept for two hours; tokio's timers did not run.
    clock.jump(7200);
    pass(WALL_CLOCK_CHECK as u64 + 1).await;
    let runs = script.runs();
    assert_eq!(runs.len(), 1, "{runs:?}");
    shutdown.cancel();
}
