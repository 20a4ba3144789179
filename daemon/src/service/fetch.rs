//! Typed lists from PagerDuty: a list query turned into PagerDuty's
//! parameters, one page or every page (following `more` with the largest
//! page until done, the requested maximum, or the 10,000 offset cap, which
//! is reported as truncated and never sent), parsed into the common models.

use std::sync::Arc;

use serde_json::Value;

use super::pd::Cost;
use super::{Service, err};
use crate::pagerduty::{models, params};
use pdauth_common::browse::{Items, ListPage, ListQuery, MAX_PAGE, OFFSET_CAP, Page, Resource};
use pdauth_common::{ErrorCode, WireError};

/// Parse the items of a list answer of `resource`. Entries that are not
/// objects are skipped, and so are those without an id on lists keyed by id
/// (every list but on-calls): one odd entry costs itself, not the list.
/// Returns the items and how many entries were skipped.
pub(crate) fn items_of(resource: Resource, entries: &[Value]) -> (Items, usize) {
    let keyed = resource != Resource::Oncalls;
    let usable: Vec<&Value> = entries
        .iter()
        .filter(|v| if keyed { models::has_id(v) } else { v.is_object() })
        .collect();
    let skipped = entries.len() - usable.len();
    fn all<T>(v: &[&Value], parse: impl Fn(&Value) -> T) -> Vec<T> {
        v.iter().map(|v| parse(v)).collect()
    }
    let items = match resource {
        Resource::Incidents => Items::Incidents(all(&usable, models::incident)),
        Resource::Services => Items::Services(all(&usable, models::service)),
        Resource::Users => Items::Users(all(&usable, models::user)),
        Resource::Schedules => Items::Schedules(all(&usable, models::schedule)),
        Resource::Oncalls => Items::Oncalls(all(&usable, models::oncall)),
        Resource::EscalationPolicies => Items::EscalationPolicies(all(&usable, models::escalation_policy)),
        Resource::Teams => Items::Teams(all(&usable, models::team)),
    };
    (items, skipped)
}

/// One page of a list: its items, `more`, `total`, and how far the next
/// page starts.
#[derive(Debug)]
pub(crate) struct RawPage {
    pub items: Items,
    pub more: bool,
    pub total: Option<u64>,
    /// Entries PagerDuty sent, usable or not.
    pub entries: usize,
    /// The page size PagerDuty applied: the `limit` it echoed when that is
    /// smaller than the one asked for (it caps silently), else the one asked.
    pub step: u32,
}

/// A page of `resource` from PagerDuty's answer to a request with `limit`.
/// An answer without the list (an HTML page or a proxy's JSON sent with a
/// 200) is an error naming the list and the key, never an empty list: a
/// watched list would otherwise report every item as gone.
pub(crate) fn page_of(resource: Resource, limit: u32, body: &Value) -> Result<RawPage, String> {
    let key = resource.wrapper();
    let Some(entries) = models::wrapped(body, key) else {
        return Err(format!(
            "PagerDuty's answer to {} has no `{key}` list{}",
            resource.path(),
            not_json(body)
        ));
    };
    let (items, skipped) = items_of(resource, entries);
    if skipped > 0 {
        tracing::warn!(
            list = resource.path(),
            skipped,
            "PagerDuty sent list entries that are not objects with an id; they are left out"
        );
    }
    let step = models::count(body, "limit")
        .and_then(|l| u32::try_from(l).ok())
        .filter(|l| (1..limit).contains(l))
        .unwrap_or(limit);
    Ok(RawPage {
        items,
        more: models::more(body),
        total: models::count(body, "total"),
        entries: entries.len(),
        step,
    })
}

/// `" (it sent: ...)"` for an answer that was not JSON, else nothing.
pub(crate) fn not_json(body: &Value) -> String {
    match body.get("raw").and_then(Value::as_str) {
        Some(raw) => format!(" (it sent: {})", pdauth_common::sanitize::truncated(raw, 80)),
        None if body.is_null() => " (it sent an empty body)".into(),
        None => String::new(),
    }
}

/// Drop the items whose key came earlier: offset pages over a list that
/// changes between two requests repeat the items pushed across the page
/// boundary (a new incident on page one moves the last one to page two).
fn dedupe(items: &mut Items) {
    fn go<T>(v: &mut Vec<T>, key: impl Fn(&T) -> String) {
        let mut seen = std::collections::HashSet::new();
        v.retain(|t| seen.insert(key(t)));
    }
    match items {
        Items::Incidents(v) => go(v, |i| i.id.clone()),
        Items::Services(v) => go(v, |i| i.id.clone()),
        Items::Users(v) => go(v, |i| i.id.clone()),
        Items::Schedules(v) => go(v, |i| i.id.clone()),
        Items::Oncalls(v) => go(v, |o| o.key()),
        Items::EscalationPolicies(v) => go(v, |i| i.id.clone()),
        Items::Teams(v) => go(v, |i| i.id.clone()),
    }
}

impl Service {
    /// A page (or every page up to a maximum) of a list, typed.
    pub async fn fetch_list(self: &Arc<Self>, profile: &str, query: &ListQuery) -> Result<ListPage, WireError> {
        let base = params::list_params(query).map_err(|m| err(ErrorCode::InvalidRequest, m))?;
        let resource = query.resource;
        let mut cost = Cost::default();
        let page = match query.page {
            Page::Offset { offset, limit } => {
                if limit == 0 || limit > MAX_PAGE {
                    return Err(err(
                        ErrorCode::InvalidRequest,
                        format!("a page holds 1 to {MAX_PAGE} items, not {limit}"),
                    ));
                }
                if offset >= OFFSET_CAP {
                    return Err(err(
                        ErrorCode::InvalidRequest,
                        format!("PagerDuty lists stop at {OFFSET_CAP} items; narrow the list with filters"),
                    ));
                }
                let limit = limit.min(OFFSET_CAP - offset);
                let got = self
                    .list_page(profile, resource, &base, offset, limit, &mut cost)
                    .await?;
                let truncated = got.more && offset + got.step >= OFFSET_CAP;
                ListPage {
                    items: got.items,
                    offset,
                    more: got.more && !truncated,
                    total: got.total,
                    truncated,
                    meta: Default::default(),
                }
            }
            Page::All { max } => {
                if max == 0 {
                    return Err(err(
                        ErrorCode::InvalidRequest,
                        "a list of every page needs a maximum above 0",
                    ));
                }
                let (items, more, total, truncated) = self.list_all(profile, resource, &base, max, &mut cost).await?;
                ListPage {
                    items,
                    offset: 0,
                    more,
                    total,
                    truncated,
                    meta: Default::default(),
                }
            }
        };
        Ok(ListPage {
            meta: self.fetch_meta(profile, cost),
            ..page
        })
    }

    /// One PagerDuty page.
    pub(crate) async fn list_page(
        self: &Arc<Self>,
        profile: &str,
        resource: Resource,
        base: &[(String, String)],
        offset: u32,
        limit: u32,
        cost: &mut Cost,
    ) -> Result<RawPage, WireError> {
        let mut query = base.to_vec();
        query.push(("limit".into(), limit.to_string()));
        query.push(("offset".into(), offset.to_string()));
        if offset == 0 {
            query.push(("total".into(), "true".into()));
        }
        let body = self.pd_get(profile, resource.path(), &query, cost).await?;
        page_of(resource, limit, &body).map_err(|m| err(ErrorCode::Upstream, m))
    }

    /// Every page up to `max` items and the offset cap: (items, more,
    /// total, truncated).
    pub(crate) async fn list_all(
        self: &Arc<Self>,
        profile: &str,
        resource: Resource,
        base: &[(String, String)],
        max: u32,
        cost: &mut Cost,
    ) -> Result<(Items, bool, Option<u64>, bool), WireError> {
        let mut items = Items::empty(resource);
        let mut total = None;
        let mut offset = 0u32;
        loop {
            // No larger a page than what is still wanted (PagerDuty then
            // says whether more exists beyond the maximum).
            let wanted = u32::try_from(u64::from(max).saturating_sub(items.len() as u64)).unwrap_or(u32::MAX);
            let limit = MAX_PAGE.min(OFFSET_CAP - offset).min(wanted.max(1));
            let page = self.list_page(profile, resource, base, offset, limit, cost).await?;
            total = total.or(page.total);
            items.extend(page.items);
            dedupe(&mut items);
            if items.len() as u64 >= u64::from(max) {
                let cut = page.more || items.len() as u64 > u64::from(max);
                items.truncate(max as usize);
                return Ok((items, false, total, cut));
            }
            if !page.more || page.entries == 0 {
                return Ok((items, false, total, false));
            }
            offset += page.step;
            if offset >= OFFSET_CAP {
                return Ok((items, false, total, true));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `GET /oncalls` as PagerDuty's API description shows it.
    fn documented_oncalls() -> Value {
        json!({
            "oncalls": [{
                "user": {"id": "PT23IWX", "type": "user_reference", "summary": "Tim Wright",
                         "self": "https://api.pagerduty.com/users/PT23IWX",
                         "html_url": "https://subdomain.pagerduty.com/users/PT23IWX"},
                "schedule": {"id": "PI7DH85", "type": "schedule_reference", "summary": "Daily Engineering Rotation"},
                "escalation_policy": {"id": "PT20YPA", "type": "escalation_policy_reference",
                                      "summary": "Engineering Escalation Policy"},
                "escalation_level": 2,
                "start": "2015-03-06T15:28:51-05:00",
                "end": "2015-03-07T15:28:51-05:00"
            }, {
                // Someone on call for good: no schedule, no start or end.
                "user": {"id": "PXPGF42", "type": "user_reference", "summary": "Earline Greenholt"},
                "schedule": null,
                "escalation_policy": {"id": "PT20YPA", "type": "escalation_policy_reference"},
                "escalation_level": 1, "start": null, "end": null
            }],
            "limit": 25, "offset": 0, "more": false, "total": null
        })
    }

    #[test]
    fn a_documented_page_parses_with_its_paging_fields() {
        let page = page_of(Resource::Oncalls, 25, &documented_oncalls()).unwrap();
        let Items::Oncalls(oncalls) = &page.items else {
            panic!("not on-calls")
        };
        assert_eq!(oncalls.len(), 2);
        assert_eq!(oncalls[0].level, 2);
        assert_eq!(
            (oncalls[1].schedule.clone(), oncalls[1].start, oncalls[1].end),
            (None, None, None)
        );
        assert_eq!((page.more, page.total, page.entries, page.step), (false, None, 2, 25));
    }

    #[test]
    fn an_answer_without_the_list_is_an_error_that_names_it() {
        for (body, says) in [
            (json!({"error": "not here"}), ""),
            (json!({"incidents": null, "more": false}), ""),
            (json!({"incidents": {"id": "PT4KHLK"}}), ""),
            (
                json!({"raw": "<html><title>Sign in to continue</title></html>"}),
                "Sign in",
            ),
            (Value::Null, "empty body"),
        ] {
            let e = page_of(Resource::Incidents, 100, &body).unwrap_err();
            assert!(e.contains("/incidents") && e.contains("`incidents`"), "{e}");
            assert!(e.contains(says), "{e}");
        }
        // An empty list is a list.
        let empty = json!({"incidents": [], "limit": 100, "offset": 0, "more": false, "total": 0});
        let page = page_of(Resource::Incidents, 100, &empty).unwrap();
        assert!(page.items.is_empty());
        assert_eq!(page.total, Some(0));
    }

    #[test]
    fn one_odd_entry_costs_itself_not_the_list() {
        let body = json!({"incidents": [
            {"id": "PT4KHLK", "type": "incident", "incident_number": 1, "title": "a", "status": "triggered"},
            null,
            "PT4KHLL",
            {"type": "incident", "title": "no id"},
            {"id": "", "title": "empty id"},
            {"id": "PT4KHLM", "type": "incident", "incident_number": "2", "title": null, "summary": "b",
             "status": "acknowledged", "priority": null, "assignments": null, "created_at": "not a time"}
        ], "more": null, "total": "6"});
        let page = page_of(Resource::Incidents, 100, &body).unwrap();
        assert_eq!(page.items.keys(), ["PT4KHLK", "PT4KHLM"]);
        assert_eq!((page.more, page.total, page.entries), (false, Some(6), 6));
        // On-calls have no id: any object is one.
        let (items, skipped) = items_of(Resource::Oncalls, &[json!({}), json!(null)]);
        assert_eq!((items.len(), skipped), (1, 1));
    }

    #[test]
    fn the_next_page_starts_where_pagerduty_stopped() {
        let page = |limit: Value| json!({"teams": [], "limit": limit, "offset": 0, "more": true});
        // PagerDuty capped the page at 25: the next one starts at 25.
        assert_eq!(page_of(Resource::Teams, 100, &page(json!(25))).unwrap().step, 25);
        assert_eq!(page_of(Resource::Teams, 100, &page(json!("25"))).unwrap().step, 25);
        // No usable echo, or one above the asked size: the asked size.
        for echo in [json!(null), json!(0), json!(500), json!("x"), json!(-5)] {
            assert_eq!(
                page_of(Resource::Teams, 100, &page(echo.clone())).unwrap().step,
                100,
                "{echo}"
            );
        }
        assert_eq!(page_of(Resource::Teams, 100, &json!({"teams": []})).unwrap().step, 100);
    }

    #[test]
    fn items_repeated_across_pages_are_kept_once() {
        let page = |ids: &[&str]| {
            let incidents: Vec<Value> = ids.iter().map(|id| json!({"id": id, "status": "triggered"})).collect();
            page_of(Resource::Incidents, 2, &json!({"incidents": incidents, "more": true}))
                .unwrap()
                .items
        };
        let mut items = page(&["A", "B"]);
        // A new incident arrived on page one: B moved to page two.
        items.extend(page(&["B", "C"]));
        dedupe(&mut items);
        assert_eq!(items.keys(), ["A", "B", "C"]);
    }
}
