//! Live lists: one poller per watched (profile, query), shared by every
//! connection watching it. It re-fetches the list at the configured pace,
//! slower for lists that cost many requests so watches never use more than a
//! share of the profile's rate budget, backs off after failures, and
//! publishes the newest snapshot with the change from the one before. A
//! `tokio::sync::watch` channel carries it: a slow connection skips
//! intermediate snapshots and catches up with one diff, never loses one.
//! The poller stops when its last watcher leaves.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};

use super::{Browse, ListKey};
use pdauth_common::browse::{ListChange, ListPage};
use pdauth_common::{ErrorCode, Event, ServerFrame, WireError};

/// Share of a rate-limit window that polling may use (1/4).
const BUDGET_SHARE: u32 = 4;
/// PagerDuty's limit for OAuth user tokens, when no header said otherwise.
const DEFAULT_LIMIT: u32 = 960;
/// Longest pause after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// What watchers of one list see.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Bumped on every published change or failure.
    pub version: u64,
    /// The newest list (kept through failures).
    pub page: Arc<ListPage>,
    /// The change from the snapshot `version - 1` to this one, when this
    /// one is a change.
    pub change: Option<Arc<ListChange>>,
    /// The newest poll failed.
    pub error: Option<WireError>,
}

/// The pause before polling again after fetching `page`.
pub fn pace(interval: Duration, page: &ListPage) -> Duration {
    let limit = page.meta.rate.limit.unwrap_or(DEFAULT_LIMIT).max(BUDGET_SHARE);
    let share = limit / BUDGET_SHARE;
    let per_request = Duration::from_secs(60) / share;
    interval.max(per_request * page.meta.requests.max(1))
}

/// The pause after `failures` failed polls in a row.
fn backoff(interval: Duration, failures: u32, error: &WireError) -> Duration {
    let base = match error.code {
        // Only a login helps; look again now and then.
        ErrorCode::NeedsLogin | ErrorCode::Forbidden | ErrorCode::NotFound | ErrorCode::Config => {
            return MAX_BACKOFF;
        }
        _ => interval,
    };
    base.saturating_mul(1 << failures.min(5)).min(MAX_BACKOFF)
}

/// The change from `old` to `new`.
pub fn change(old: &ListPage, new: &ListPage) -> ListChange {
    let (added, updated, removed) = new.items.diff(&old.items);
    ListChange {
        added,
        updated,
        removed,
        more: new.more,
        total: new.total,
        truncated: new.truncated,
        meta: new.meta,
    }
}

/// Poll `key` until nobody watches or the daemon stops.
pub(super) async fn run(browse: Arc<Browse>, key: ListKey, tx: watch::Sender<Snapshot>, first: Duration) {
    let mut delay = first;
    let mut failures = 0u32;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = tx.closed() => break,
            _ = browse.shutdown.cancelled() => break,
        }
        let result = browse.fetch_list(&key, true).await;
        match result {
            Ok((page, _)) => {
                failures = 0;
                delay = pace(browse.settings.poll_interval, &page);
                tx.send_if_modified(|snap| {
                    let diff = change(&snap.page, &page);
                    let shape = (snap.page.more, snap.page.total, snap.page.truncated)
                        != (page.more, page.total, page.truncated);
                    let was_failing = snap.error.take().is_some();
                    snap.page = page.clone();
                    if diff.is_empty() && !shape && !was_failing {
                        // Nothing to tell; newcomers still get the newest copy.
                        return false;
                    }
                    snap.version += 1;
                    snap.change = Some(Arc::new(diff));
                    true
                });
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                delay = backoff(browse.settings.poll_interval, failures, &error);
                tracing::debug!(
                    profile = key.profile,
                    code = error.code.as_str(),
                    "polling a watched list failed"
                );
                tx.send_if_modified(|snap| {
                    if snap.error.as_ref() == Some(&error) {
                        return false;
                    }
                    snap.version += 1;
                    snap.change = None;
                    snap.error = Some(error.clone());
                    true
                });
            }
        }
        if tx.receiver_count() == 0 {
            break;
        }
    }
    browse.poller_stopped(&key, &tx);
}

/// Send one connection the changes of one watched list, as events carrying
/// `watch`, until the receiver's list stops or the connection goes away.
/// `seen` is the page the connection was given when it started watching,
/// from snapshot `version` (the receiver has marked it seen).
pub async fn forward(
    mut rx: watch::Receiver<Snapshot>,
    watch: u64,
    mut seen: Arc<ListPage>,
    mut version: u64,
    out: mpsc::Sender<ServerFrame>,
) {
    while rx.changed().await.is_ok() {
        let snap = rx.borrow_and_update().clone();
        let event = match (&snap.error, &snap.change) {
            (Some(error), _) => Event::ListFailed {
                watch,
                error: error.clone(),
            },
            (None, Some(change)) if snap.version == version + 1 => Event::ListChanged {
                watch,
                change: (**change).clone(),
            },
            // Skipped snapshots (or a recovery): one diff from what this
            // connection last saw.
            (None, _) => Event::ListChanged {
                watch,
                change: self::change(&seen, &snap.page),
            },
        };
        version = snap.version;
        if snap.error.is_none() {
            seen = snap.page.clone();
        }
        if out.send(ServerFrame::Event { event }).await.is_err() {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdauth_common::browse::{FetchMeta, Incident, Items, RateInfo};

    fn page(requests: u32, limit: Option<u32>) -> ListPage {
        ListPage {
            items: Items::Incidents(vec![]),
            offset: 0,
            more: false,
            total: None,
            truncated: false,
            meta: FetchMeta {
                requests,
                rate: RateInfo {
                    limit,
                    ..Default::default()
                },
                ..Default::default()
            },
        }
    }

    #[test]
    fn big_lists_are_polled_less_often() {
        let every = Duration::from_secs(10);
        assert_eq!(pace(every, &page(1, Some(960))), every);
        // 100 requests with a quarter of 960/min: 25 seconds.
        assert_eq!(pace(every, &page(100, Some(960))), Duration::from_secs(25));
        assert_eq!(pace(every, &page(100, None)), Duration::from_secs(25));
        // A tiny limit cannot divide by zero.
        assert!(pace(every, &page(3, Some(0))) >= every);
    }

    #[test]
    fn failures_back_off_to_a_cap() {
        let every = Duration::from_secs(10);
        let upstream = WireError::new(ErrorCode::Upstream, "502");
        assert_eq!(backoff(every, 1, &upstream), Duration::from_secs(20));
        assert_eq!(backoff(every, 3, &upstream), Duration::from_secs(80));
        assert_eq!(backoff(every, 30, &upstream), MAX_BACKOFF);
        let login = WireError::new(ErrorCode::NeedsLogin, "log in");
        assert_eq!(backoff(every, 1, &login), MAX_BACKOFF);
    }

    fn incidents(ids: &[(&str, &str)]) -> Arc<ListPage> {
        let mut p = page(1, None);
        p.items = Items::Incidents(
            ids.iter()
                .map(|(id, status)| Incident {
                    id: id.to_string(),
                    status: status.to_string(),
                    ..Default::default()
                })
                .collect(),
        );
        Arc::new(p)
    }

    fn snapshot(version: u64, page: Arc<ListPage>, before: &ListPage) -> Snapshot {
        Snapshot {
            version,
            change: Some(Arc::new(change(before, &page))),
            page,
            error: None,
        }
    }

    async fn next_change(out: &mut mpsc::Receiver<ServerFrame>) -> Event {
        let next = tokio::time::timeout(Duration::from_secs(30), out.recv()).await;
        match next.expect("a change in time") {
            Some(ServerFrame::Event { event }) => event,
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_connection_that_skipped_snapshots_gets_one_diff_from_what_it_saw() {
        let first = incidents(&[("A", "triggered"), ("B", "triggered")]);
        let (tx, mut rx) = watch::channel(Snapshot {
            version: 0,
            page: first.clone(),
            change: None,
            error: None,
        });
        rx.borrow_and_update();
        let (out_tx, mut out) = mpsc::channel(1);
        let second = incidents(&[("A", "acknowledged"), ("B", "triggered")]);
        let third = incidents(&[("A", "acknowledged"), ("C", "triggered")]);
        // Two changes before the forwarder runs: it sees only the last.
        tx.send_replace(snapshot(1, second.clone(), &first));
        tx.send_replace(snapshot(2, third.clone(), &second));
        let task = tokio::spawn(forward(rx, 7, first, 0, out_tx));
        match next_change(&mut out).await {
            Event::ListChanged { watch, change } => {
                assert_eq!(watch, 7);
                assert_eq!(change.added.keys(), vec!["C"]);
                assert_eq!(change.updated.keys(), vec!["A"]);
                assert_eq!(change.removed, vec!["B"]);
            }
            other => panic!("{other:?}"),
        }
        // A failure is reported, and the recovery diffs from the last list.
        tx.send_replace(Snapshot {
            version: 3,
            page: third.clone(),
            change: None,
            error: Some(WireError::new(ErrorCode::RateLimited, "wait 12s")),
        });
        assert!(matches!(
            next_change(&mut out).await,
            Event::ListFailed { watch: 7, .. }
        ));
        let fourth = incidents(&[("C", "resolved")]);
        tx.send_replace(snapshot(4, fourth.clone(), &third));
        match next_change(&mut out).await {
            Event::ListChanged { change, .. } => {
                assert_eq!(change.updated.keys(), vec!["C"]);
                assert_eq!(change.removed, vec!["A"]);
            }
            other => panic!("{other:?}"),
        }
        drop(tx);
        task.await.unwrap();
    }
}
