//! What a client asks for when it browses (which list, filtered and sorted
//! how, which page) and what it gets back (a page of typed items with how
//! fresh it is and what the rate budget says), and the changes a live list
//! pushes.

use serde::{Deserialize, Serialize};

use super::{Detail, Items, Resource};
use crate::ErrorCode;

/// PagerDuty's largest page.
pub const MAX_PAGE: u32 = 100;
/// PagerDuty refuses `offset + limit` above this.
pub const OFFSET_CAP: u32 = 10_000;

/// Filters of a list; each applies only to resources PagerDuty filters by
/// it (the daemon refuses the others with `invalid_request`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Filter {
    /// Incidents: `triggered`, `acknowledged`, `resolved`.
    pub statuses: Vec<String>,
    /// Incidents: `high`, `low`.
    pub urgencies: Vec<String>,
    pub service_ids: Vec<String>,
    pub team_ids: Vec<String>,
    pub user_ids: Vec<String>,
    /// On-calls.
    pub schedule_ids: Vec<String>,
    /// On-calls.
    pub escalation_policy_ids: Vec<String>,
    /// ISO 8601; incidents (created) and on-calls.
    pub since: Option<String>,
    pub until: Option<String>,
    /// Incidents: every date instead of PagerDuty's default 30 days.
    pub all_dates: bool,
    /// PagerDuty's `query` (a name or title substring).
    pub query: Option<String>,
    /// On-calls: only the earliest entry per policy, level and user.
    pub earliest: bool,
}

/// Which part of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "page", rename_all = "snake_case", deny_unknown_fields)]
pub enum Page {
    /// One PagerDuty page (`limit` at most [`MAX_PAGE`]).
    Offset { offset: u32, limit: u32 },
    /// Every page, up to `max` items and PagerDuty's offset cap.
    All { max: u32 },
}

impl Default for Page {
    fn default() -> Self {
        Page::Offset { offset: 0, limit: 25 }
    }
}

/// A list request.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub resource: Resource,
    #[serde(default)]
    pub filter: Filter,
    /// PagerDuty's `sort_by` (`created_at:desc`, `name`), where supported.
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub page: Page,
}

impl ListQuery {
    pub fn new(resource: Resource) -> Self {
        ListQuery {
            resource,
            filter: Filter::default(),
            sort: None,
            page: Page::default(),
        }
    }

    /// Every item, up to `max`.
    pub fn all(resource: Resource, max: u32) -> Self {
        ListQuery {
            page: Page::All { max },
            ..ListQuery::new(resource)
        }
    }
}

/// What the rate budget of a profile looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateInfo {
    /// PagerDuty's `ratelimit-limit`, once seen.
    pub limit: Option<u32>,
    /// Requests left in the current window, as last reported.
    pub remaining: Option<u32>,
    /// When the window resets (Unix seconds).
    pub reset_at: Option<i64>,
    /// Requests are held until then (Unix seconds), after a 429 or to
    /// spread the last requests of a window.
    pub waiting_until: Option<i64>,
}

/// Where an answer came from and what it cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FetchMeta {
    /// When PagerDuty answered (Unix seconds).
    pub fetched_at: i64,
    /// Served from the cache past its freshness; a fresh copy is on its way.
    pub stale: bool,
    /// Requests sent to PagerDuty for this answer (0 when cached).
    pub requests: u32,
    /// Time spent waiting for the rate budget, in milliseconds.
    pub waited_ms: u64,
    pub rate: RateInfo,
}

/// A page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListPage {
    pub items: Items,
    pub offset: u32,
    /// PagerDuty has more after this page.
    pub more: bool,
    /// PagerDuty's `total`, when it gave one.
    #[serde(default)]
    pub total: Option<u64>,
    /// The list was cut at PagerDuty's 10,000 offset cap or at the
    /// requested maximum: there is more than `items`.
    #[serde(default)]
    pub truncated: bool,
    pub meta: FetchMeta,
}

/// A detail answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailPage {
    pub detail: Detail,
    pub meta: FetchMeta,
    /// Related lists PagerDuty would not give (their lists in `detail` are
    /// empty for that reason, not because there is nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<Unread>,
    /// Related lists cut at their first items: PagerDuty has more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cut: Vec<Part>,
}

/// A list shown next to an object in its detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    LogEntries,
    Notes,
    Alerts,
    OpenIncidents,
    Oncalls,
    Members,
    Services,
}

/// A related list that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unread {
    pub part: Part,
    pub code: ErrorCode,
    pub message: String,
}

/// How a watched list changed since the last push. Items are keyed by
/// their id ([`Items::keys`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListChange {
    pub added: Items,
    pub updated: Items,
    pub removed: Vec<String>,
    pub more: bool,
    #[serde(default)]
    pub total: Option<u64>,
    #[serde(default)]
    pub truncated: bool,
    pub meta: FetchMeta,
}

impl ListChange {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.updated.is_empty() && self.removed.is_empty()
    }
}
