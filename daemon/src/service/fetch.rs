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

/// Parse the items of a list answer of `resource`.
pub(crate) fn items_of(resource: Resource, body: &Value) -> Items {
    let key = resource.wrapper();
    match resource {
        Resource::Incidents => Items::Incidents(models::list(body, key, models::incident)),
        Resource::Services => Items::Services(models::list(body, key, models::service)),
        Resource::Users => Items::Users(models::list(body, key, models::user)),
        Resource::Schedules => Items::Schedules(models::list(body, key, models::schedule)),
        Resource::Oncalls => Items::Oncalls(models::list(body, key, models::oncall)),
        Resource::EscalationPolicies => Items::EscalationPolicies(models::list(body, key, models::escalation_policy)),
        Resource::Teams => Items::Teams(models::list(body, key, models::team)),
    }
}

/// One page of a list: its items, `more` and `total`.
pub(crate) struct RawPage {
    pub items: Items,
    pub more: bool,
    pub total: Option<u64>,
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
                let truncated = got.more && offset + limit >= OFFSET_CAP;
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
        Ok(RawPage {
            items: items_of(resource, &body),
            more: body.get("more").and_then(Value::as_bool).unwrap_or(false),
            total: body.get("total").and_then(Value::as_u64),
        })
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
            let got = page.items.len() as u32;
            items.extend(page.items);
            if items.len() as u64 >= u64::from(max) {
                let cut = page.more || items.len() as u64 > u64::from(max);
                items.truncate(max as usize);
                return Ok((items, false, total, cut));
            }
            if !page.more || got == 0 {
                return Ok((items, false, total, false));
            }
            offset += limit;
            if offset >= OFFSET_CAP {
                return Ok((items, false, total, true));
            }
        }
    }
}
