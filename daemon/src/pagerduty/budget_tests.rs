//! Paused-time tests of the rate budget: pacing, holds after 429s with and
//! without headers, the backoff's cap and jitter, and the in-flight bound.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::*;
use crate::clock::TokioClock;

const START: i64 = 1_800_000_000;

fn budget() -> (Arc<RateBudget>, Arc<Mutex<Vec<RateInfo>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let on_hold: OnHold = Arc::new(move |info| sink.lock().unwrap().push(info));
    let budget = RateBudget::new(Arc::new(TokioClock::new(START)), on_hold);
    (Arc::new(budget), seen)
}

fn headers(limit: u32, remaining: u32, reset: u64) -> RateLimit {
    RateLimit {
        limit: Some(limit),
        remaining: Some(remaining),
        reset: Some(Duration::from_secs(reset)),
    }
}

#[tokio::test(start_paused = true)]
async fn a_plentiful_budget_does_not_wait() {
    let (b, seen) = budget();
    for _ in 0..20 {
        let t = b.acquire().await;
        assert_eq!(t.waited, Duration::ZERO);
        b.record(200, &headers(960, 900, 40));
    }
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(b.snapshot().limit, Some(960));
}

#[tokio::test(start_paused = true)]
async fn the_last_requests_of_a_window_are_spread_until_its_reset() {
    let (b, seen) = budget();
    let start = Instant::now();
    drop(b.acquire().await);
    // 4 left of 100 (below the low-water mark), window ends in 10 s.
    b.record(200, &headers(100, 4, 10));
    let mut starts = Vec::new();
    for _ in 0..4 {
        drop(b.acquire().await);
        starts.push(Instant::now() - start);
    }
    // The fifth must wait for the new window.
    let t = b.acquire().await;
    let fifth = Instant::now() - start;
    assert!(fifth >= Duration::from_secs(10), "{fifth:?}");
    assert!(t.waited > Duration::ZERO);
    for pair in starts.windows(2) {
        assert!(pair[1] > pair[0], "paced requests start one after another: {starts:?}");
    }
    assert!(starts[3] < Duration::from_secs(10), "{starts:?}");
    assert!(starts[1] >= Duration::from_secs(1), "spread, not bunched: {starts:?}");
    let held = seen.lock().unwrap();
    assert_eq!(held.len(), 1, "one hold, announced once: {held:?}");
    assert_eq!(
        held[0].waiting_until,
        Some(START + 11),
        "held until the reset (10.25 s)"
    );
    assert_eq!(held[0].reset_at, Some(START + 11));
}

#[tokio::test(start_paused = true)]
async fn a_429_with_a_reset_holds_every_request_until_then() {
    let (b, seen) = budget();
    drop(b.acquire().await);
    let start = Instant::now();
    b.record(429, &headers(960, 0, 7));
    let info = seen.lock().unwrap().last().copied().expect("announced");
    assert_eq!(info.remaining, Some(0));
    assert!(
        info.waiting_until.is_some_and(|w| (START + 7..=START + 9).contains(&w)),
        "{info:?}"
    );
    assert!(b.held_for() >= Duration::from_secs(7));
    let (one, two) = tokio::join!(b.acquire(), b.acquire());
    assert!(Instant::now() - start >= Duration::from_secs(7));
    assert!(one.waited >= Duration::from_secs(7) && two.waited >= Duration::from_secs(7));
    assert_eq!(seen.lock().unwrap().len(), 1, "one hold, one announcement");
}

#[tokio::test(start_paused = true)]
async fn a_429_without_headers_backs_off_doubling_to_a_cap() {
    let (b, _) = budget();
    let bare = RateLimit::default();
    let mut waits = Vec::new();
    for _ in 0..6 {
        let t = b.acquire().await;
        waits.push(t.waited);
        b.record(429, &bare);
    }
    let t = b.acquire().await;
    waits.push(t.waited);
    assert_eq!(waits[0], Duration::ZERO);
    // 2, 4, 8, 16, 30, 30 seconds, less at most a quarter of jitter.
    for (wait, full) in waits[1..].iter().zip([2u64, 4, 8, 16, 30, 30]) {
        let full = Duration::from_secs(full);
        assert!(*wait <= full && *wait >= full.mul_f64(0.75), "{wait:?} for {full:?}");
    }
    // A success ends the backoff.
    b.record(200, &bare);
    drop(t);
    b.record(429, &bare);
    assert!(b.held_for() <= BACKOFF_START);
}

#[test]
fn backoff_is_capped_and_jitter_stays_in_bounds() {
    for step in 0..40 {
        for jitter in [0.0, 0.3, 0.999_999, 1.0, -5.0, 7.0, f64::NAN] {
            let d = backoff(step, jitter);
            assert!(d <= BACKOFF_CAP, "{step} {jitter}: {d:?}");
            assert!(d >= BACKOFF_START.mul_f64(0.75), "{step} {jitter}: {d:?}");
        }
    }
    assert_eq!(backoff(0, 0.0), BACKOFF_START);
    assert_eq!(backoff(3, 0.0), Duration::from_secs(16));
    assert_eq!(backoff(30, 0.0), BACKOFF_CAP);
}

#[tokio::test(start_paused = true)]
async fn a_long_reset_header_is_capped() {
    let (b, _) = budget();
    b.record(429, &headers(960, 0, 86_400));
    assert!(b.held_for() <= RESET_CAP + Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn requests_of_one_profile_are_bounded_in_flight() {
    let (b, _) = budget();
    let held: Vec<Ticket> = futures_held(&b, IN_FLIGHT).await;
    let next = tokio::spawn({
        let b = b.clone();
        async move { b.acquire().await.waited }
    });
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(!next.is_finished(), "a request beyond the bound waits for a slot");
    drop(held);
    assert_eq!(
        next.await.unwrap(),
        Duration::ZERO,
        "queueing is not counted as a rate wait"
    );
}

async fn futures_held(b: &Arc<RateBudget>, n: usize) -> Vec<Ticket> {
    let mut v = Vec::new();
    for _ in 0..n {
        v.push(b.acquire().await);
    }
    v
}

#[tokio::test(start_paused = true)]
async fn late_answers_do_not_raise_the_count_within_a_window() {
    let (b, _) = budget();
    drop(b.acquire().await);
    b.record(200, &headers(100, 3, 30));
    drop(b.acquire().await);
    // An answer to an earlier request reports more left than we know of.
    b.record(200, &headers(100, 50, 30));
    assert_eq!(b.snapshot().remaining, Some(2));
    // After the reset, the next answer is believed.
    tokio::time::advance(Duration::from_secs(32)).await;
    drop(b.acquire().await);
    b.record(200, &headers(100, 99, 60));
    assert_eq!(b.snapshot().remaining, Some(99));
}

/// A fixed one-minute window of `limit` requests, answered like the
/// sandbox (and PagerDuty) do.
struct Server {
    limit: u32,
    started: Option<Instant>,
    used: u32,
    refused: u32,
}

impl Server {
    fn answer(&mut self, now: Instant) -> (u16, RateLimit) {
        let window = Duration::from_secs(60);
        if self.started.is_none_or(|s| now >= s + window) {
            self.started = Some(now);
            self.used = 0;
        }
        let allowed = self.used < self.limit;
        if allowed {
            self.used += 1;
        } else {
            self.refused += 1;
        }
        let left = (self.started.unwrap() + window).saturating_duration_since(now);
        let reset = left.as_millis().div_ceil(1000).clamp(1, 60) as u64;
        let rate = headers(self.limit, self.limit - self.used, reset);
        (if allowed { 200 } else { 429 }, rate)
    }
}

#[tokio::test(start_paused = true)]
async fn concurrent_clients_beyond_the_limit_are_spread_without_a_429() {
    let (b, _) = budget();
    let server = Arc::new(Mutex::new(Server {
        limit: 960,
        started: None,
        used: 0,
        refused: 0,
    }));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (b, server) = (b.clone(), server.clone());
        tasks.push(tokio::spawn(async move {
            let mut longest = Duration::ZERO;
            for _ in 0..138 {
                let asked = Instant::now();
                let ticket = b.acquire().await;
                longest = longest.max(Instant::now() - asked);
                tokio::time::sleep(Duration::from_millis(5)).await;
                let (status, rate) = server.lock().unwrap().answer(Instant::now());
                b.record(status, &rate);
                drop(ticket);
            }
            longest
        }));
    }
    let mut longest = Duration::ZERO;
    for t in tasks {
        longest = longest.max(t.await.unwrap());
    }
    let took = Instant::now() - start;
    assert_eq!(server.lock().unwrap().refused, 0);
    assert!(took >= Duration::from_secs(60), "{took:?}");
    assert!(took < Duration::from_secs(75), "{took:?}");
    assert!(longest < Duration::from_secs(15), "one request waited {longest:?}");
}
