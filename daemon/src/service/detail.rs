//! Typed details from PagerDuty: one object with what its screen shows
//! next to it (an incident's timeline, notes and alerts; a service's open
//! incidents; a user's and a policy's on-calls; a schedule's rendered week
//! with its gaps and coverage; a team's members and services). The parts
//! are fetched together, through the profile's rate budget.

use std::sync::Arc;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::fetch::not_json;
use super::pd::Cost;
use super::{Service, err};
use crate::pagerduty::{models, params};
use pdauth_common::browse::{Detail, DetailPage, Items, Part, Resource, ScheduleEntry, Unread};
use pdauth_common::{ErrorCode, WireError};

/// How far ahead a schedule's rendering and a user's on-calls look.
const AHEAD: i64 = 7 * 24 * 3600;
/// Items of each part fetched at most.
const PART_MAX: u32 = 100;

type Query = Vec<(String, String)>;

fn q(pairs: &[(&str, &str)]) -> Query {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn iso(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

/// The object under `key` of PagerDuty's answer to `path`. PagerDuty always
/// wraps one object (`{"incident": {...}}`): an answer without it is not
/// the object asked for, and is said so rather than shown as an empty one.
fn object<'a>(body: &'a Value, key: &str, path: &str) -> Result<&'a Value, WireError> {
    body.get(key).filter(|v| v.is_object()).ok_or_else(|| {
        err(
            ErrorCode::Upstream,
            format!(
                "PagerDuty's answer to {} has no `{key}` object{}",
                pdauth_common::sanitize::truncated(path, 120),
                not_json(body)
            ),
        )
    })
}

/// The objects of the list under `key` of PagerDuty's answer to `path`
/// (entries that are not objects are left out), parsed with `parse`, and
/// whether PagerDuty has more; an answer without the list is an error
/// naming it.
fn part<T>(
    body: &Value,
    key: &str,
    path: &str,
    parse: impl Fn(&Value) -> Option<T>,
) -> Result<(Vec<T>, bool), WireError> {
    let entries = models::wrapped(body, key).ok_or_else(|| {
        err(
            ErrorCode::Upstream,
            format!(
                "PagerDuty's answer to {} has no `{key}` list{}",
                pdauth_common::sanitize::truncated(path, 120),
                not_json(body)
            ),
        )
    })?;
    let items = entries.iter().filter(|v| v.is_object()).filter_map(parse).collect();
    Ok((items, models::more(body)))
}

/// What became of a detail's related lists: unread ones and cut ones.
#[derive(Default)]
struct Parts {
    unread: Vec<Unread>,
    cut: Vec<Part>,
}

impl Parts {
    /// A related list's answer: its items and whether PagerDuty has more
    /// than were fetched. When PagerDuty will not give it (a missing scope,
    /// a 5xx, the rate limit) the detail still shows the object with the
    /// list marked unread and why; failures that no other request would
    /// escape either (the login is gone, a malformed request) fail the whole.
    fn take<T>(&mut self, part: Part, result: Result<(Vec<T>, bool), WireError>) -> Result<Vec<T>, WireError> {
        match result {
            Ok((items, more)) => {
                if more {
                    self.cut.push(part);
                }
                Ok(items)
            }
            Err(e)
                if matches!(
                    e.code,
                    ErrorCode::NotFound
                        | ErrorCode::RateLimited
                        | ErrorCode::Forbidden
                        | ErrorCode::Upstream
                        | ErrorCode::Busy
                ) =>
            {
                tracing::info!(
                    ?part,
                    code = e.code.as_str(),
                    "a detail's related list is unread: {}",
                    e.message
                );
                self.unread.push(Unread {
                    part,
                    code: e.code,
                    message: e.message,
                });
                Ok(Vec::new())
            }
            Err(e) => Err(e),
        }
    }
}

/// The rendered final schedule of a `GET /schedules/{id}?since&until`
/// answer, or `None` when PagerDuty sent none (it renders only for a range;
/// an absent rendering is unknown coverage, not an empty week).
fn rendered(schedule: &Value) -> Option<Vec<ScheduleEntry>> {
    let entries = schedule
        .get("final_schedule")?
        .get("rendered_schedule_entries")?
        .as_array()?;
    Some(entries.iter().filter_map(models::schedule_entry).collect())
}

impl Service {
    /// One object with what its detail screen shows.
    pub async fn fetch_detail(
        self: &Arc<Self>,
        profile: &str,
        resource: Resource,
        id: &str,
    ) -> Result<DetailPage, WireError> {
        params::check_id(id).map_err(|m| err(ErrorCode::InvalidRequest, m))?;
        let mut cost = Cost::default();
        let mut parts = Parts::default();
        let detail = match resource {
            Resource::Oncalls => {
                return Err(err(
                    ErrorCode::InvalidRequest,
                    "on-call entries have no detail; list them filtered instead",
                ));
            }
            Resource::Incidents => self.incident_detail(profile, id, &mut cost, &mut parts).await?,
            Resource::Services => {
                // Newest first: the first PART_MAX are the ones that matter.
                let open = q(&[
                    ("service_ids[]", id),
                    ("statuses[]", "triggered"),
                    ("statuses[]", "acknowledged"),
                    ("date_range", "all"),
                    ("sort_by", "created_at:desc"),
                ]);
                let path = format!("/services/{id}");
                let (body, open) = self
                    .with_part(profile, &path, &[], Resource::Incidents, &open, &mut cost)
                    .await?;
                let service = models::service(object(&body, "service", &path)?);
                let open = open.map(|(items, cut)| match items {
                    Items::Incidents(v) => (v, cut),
                    _ => (Vec::new(), cut),
                });
                Detail::Service {
                    service,
                    open_incidents: parts.take(Part::OpenIncidents, open)?,
                }
            }
            Resource::Users => {
                let now = self.now();
                let (since, until) = (iso(now), iso(now + AHEAD));
                let oncalls = q(&[
                    ("user_ids[]", id),
                    ("since", &since),
                    ("until", &until),
                    ("earliest", "true"),
                ]);
                let path = format!("/users/{id}");
                let include = q(&[("include[]", "contact_methods")]);
                let (body, oncalls) = self
                    .with_part(profile, &path, &include, Resource::Oncalls, &oncalls, &mut cost)
                    .await?;
                Detail::User {
                    user: models::user(object(&body, "user", &path)?),
                    oncalls: parts.take(Part::Oncalls, oncalls.map(oncalls_of))?,
                }
            }
            Resource::Schedules => self.schedule_detail(profile, id, &mut cost).await?,
            Resource::EscalationPolicies => {
                let path = format!("/escalation_policies/{id}");
                let oncalls = q(&[("escalation_policy_ids[]", id)]);
                let (body, oncalls) = self
                    .with_part(profile, &path, &[], Resource::Oncalls, &oncalls, &mut cost)
                    .await?;
                Detail::EscalationPolicy {
                    policy: models::escalation_policy(object(&body, "escalation_policy", &path)?),
                    oncalls: parts.take(Part::Oncalls, oncalls.map(oncalls_of))?,
                }
            }
            Resource::Teams => self.team_detail(profile, id, &mut cost, &mut parts).await?,
        };
        Ok(DetailPage {
            detail,
            meta: self.fetch_meta(profile, cost),
            unread: parts.unread,
            cut: parts.cut,
        })
    }

    /// An object and the first items of one related list (and whether there
    /// are more), fetched together; the object's failure is the answer's,
    /// the list's is left to the caller.
    async fn with_part(
        self: &Arc<Self>,
        profile: &str,
        path: &str,
        query: &[(String, String)],
        resource: Resource,
        list_query: &[(String, String)],
        cost: &mut Cost,
    ) -> Result<(Value, Result<(Items, bool), WireError>), WireError> {
        let (mut c1, mut c2) = (Cost::default(), Cost::default());
        let (object, part) = tokio::join!(
            self.pd_get(profile, path, query, &mut c1),
            self.list_all(profile, resource, list_query, PART_MAX, &mut c2)
        );
        cost.add(c1);
        cost.add(c2);
        Ok((object?, part.map(|(items, _, _, cut)| (items, cut))))
    }

    async fn incident_detail(
        self: &Arc<Self>,
        profile: &str,
        id: &str,
        cost: &mut Cost,
        parts: &mut Parts,
    ) -> Result<Detail, WireError> {
        let limit = PART_MAX.to_string();
        let (incident_path, logs_path) = (format!("/incidents/{id}"), format!("/incidents/{id}/log_entries"));
        let (notes_path, alerts_path) = (format!("/incidents/{id}/notes"), format!("/incidents/{id}/alerts"));
        let logs_q = q(&[("is_overview", "true"), ("limit", &limit)]);
        let alerts_q = q(&[("limit", &limit)]);
        let mut costs = [Cost::default(); 4];
        let [c1, c2, c3, c4] = &mut costs;
        let (incident, logs, notes, alerts) = tokio::join!(
            self.pd_get(profile, &incident_path, &[], c1),
            self.pd_get(profile, &logs_path, &logs_q, c2),
            self.pd_get(profile, &notes_path, &[], c3),
            self.pd_get(profile, &alerts_path, &alerts_q, c4),
        );
        costs.iter().for_each(|c| cost.add(*c));
        let incident = models::incident(object(&incident?, "incident", &incident_path)?);
        let logs = logs.and_then(|b| part(&b, "log_entries", &logs_path, |v| Some(models::log_entry(v))));
        let notes = notes.and_then(|b| part(&b, "notes", &notes_path, |v| Some(models::note(v))));
        let alerts = alerts.and_then(|b| part(&b, "alerts", &alerts_path, |v| Some(models::alert(v))));
        Ok(Detail::Incident {
            incident,
            log_entries: parts.take(Part::LogEntries, logs)?,
            notes: parts.take(Part::Notes, notes)?,
            alerts: parts.take(Part::Alerts, alerts)?,
        })
    }

    async fn schedule_detail(self: &Arc<Self>, profile: &str, id: &str, cost: &mut Cost) -> Result<Detail, WireError> {
        let since = self.now();
        let until = since + AHEAD;
        let range = q(&[("since", &iso(since)), ("until", &iso(until))]);
        let path = format!("/schedules/{id}");
        let body = self.pd_get(profile, &path, &range, cost).await?;
        let schedule = object(&body, "schedule", &path)?;
        let (entries, coverage_percent) = match rendered(schedule) {
            Some(parsed) => {
                let (entries, coverage) = tile(parsed, since, until);
                (entries, Some(coverage))
            }
            None => {
                tracing::info!(
                    schedule = id,
                    "PagerDuty sent no rendered final schedule; coverage is unknown"
                );
                (Vec::new(), None)
            }
        };
        Ok(Detail::Schedule {
            schedule: models::schedule(schedule),
            since,
            until,
            entries,
            coverage_percent,
        })
    }

    async fn team_detail(
        self: &Arc<Self>,
        profile: &str,
        id: &str,
        cost: &mut Cost,
        parts: &mut Parts,
    ) -> Result<Detail, WireError> {
        let team_path = format!("/teams/{id}");
        let members_path = format!("/teams/{id}/members");
        let limit = PART_MAX.to_string();
        let members_q = q(&[("limit", &limit)]);
        let services_q = q(&[("team_ids[]", id)]);
        let mut costs = [Cost::default(); 3];
        let [c1, c2, c3] = &mut costs;
        let (team, members, services) = tokio::join!(
            self.pd_get(profile, &team_path, &[], c1),
            self.pd_get(profile, &members_path, &members_q, c2),
            self.list_all(profile, Resource::Services, &services_q, PART_MAX, c3),
        );
        costs.iter().for_each(|c| cost.add(*c));
        let team = models::team(object(&team?, "team", &team_path)?);
        let members = members.and_then(|b| part(&b, "members", &members_path, models::member));
        let services = services.map(|(items, _, _, cut)| match items {
            Items::Services(v) => (v, cut),
            _ => (Vec::new(), cut),
        });
        Ok(Detail::Team {
            team,
            members: parts.take(Part::Members, members)?,
            services: parts.take(Part::Services, services)?,
        })
    }
}

fn oncalls_of((items, cut): (Items, bool)) -> (Vec<pdauth_common::browse::OnCall>, bool) {
    match items {
        Items::Oncalls(v) => (v, cut),
        _ => (Vec::new(), cut),
    }
}

/// Entries clipped to `[since, until)`, sorted, with every hole between or
/// around them filled by a gap (`user: None`); and the share of the range
/// covered by a user, in percent.
pub(crate) fn tile(mut entries: Vec<ScheduleEntry>, since: i64, until: i64) -> (Vec<ScheduleEntry>, f64) {
    entries.sort_by_key(|e| (e.start, e.end));
    let mut out: Vec<ScheduleEntry> = Vec::with_capacity(entries.len() + 2);
    let mut at = since;
    for e in entries {
        let (start, end) = (e.start.max(at), e.end.min(until));
        if end <= start {
            continue;
        }
        if start > at {
            out.push(ScheduleEntry {
                start: at,
                end: start,
                user: None,
            });
        }
        out.push(ScheduleEntry {
            start,
            end,
            user: e.user,
        });
        at = end;
    }
    if at < until {
        out.push(ScheduleEntry {
            start: at,
            end: until,
            user: None,
        });
    }
    let covered: i64 = out.iter().filter(|e| e.user.is_some()).map(|e| e.end - e.start).sum();
    let span = (until - since).max(1);
    (out, (covered as f64 * 100.0 / span as f64).clamp(0.0, 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pdauth_common::browse::Ref;

    fn entry(start: i64, end: i64, user: Option<&str>) -> ScheduleEntry {
        ScheduleEntry {
            start,
            end,
            user: user.map(|id| Ref {
                id: id.into(),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn holes_become_gaps_and_coverage_counts_users_only() {
        let (tiles, cover) = tile(
            vec![
                entry(30, 50, Some("B")),
                entry(0, 20, Some("A")),
                entry(50, 60, None),
                entry(-10, 5, Some("Z")),
            ],
            0,
            100,
        );
        let shape: Vec<(i64, i64, Option<&str>)> = tiles
            .iter()
            .map(|e| (e.start, e.end, e.user.as_ref().map(|u| u.id.as_str())))
            .collect();
        assert_eq!(
            shape,
            vec![
                (0, 5, Some("Z")),
                (5, 20, Some("A")),
                (20, 30, None),
                (30, 50, Some("B")),
                (50, 60, None),
                (60, 100, None)
            ]
        );
        assert_eq!(cover, 40.0);
        let (tiles, cover) = tile(Vec::new(), 0, 10);
        assert_eq!(tiles.len(), 1);
        assert_eq!(cover, 0.0);
        assert_eq!(tile(vec![entry(0, 10, Some("A"))], 0, 10).1, 100.0);
        assert_eq!(tile(vec![entry(5, 5, Some("A"))], 10, 10).0.len(), 0);
    }

    /// `GET /schedules/{id}?since&until` as PagerDuty's API description
    /// shows it: the final schedule lists who is on call, never the gaps.
    #[test]
    fn a_documented_rendering_gives_gaps_and_coverage() {
        let schedule = serde_json::json!({
            "id": "PI7DH85", "type": "schedule", "summary": "Daily Engineering Rotation",
            "name": "Daily Engineering Rotation", "time_zone": "America/New_York",
            "description": "Rotation schedule for engineering",
            "overrides_subschedule": {"name": "Overrides", "rendered_schedule_entries": [],
                                      "rendered_coverage_percentage": 0},
            "final_schedule": {"name": "Final Schedule", "rendered_schedule_entries": [{
                "start": "2015-11-10T08:00:00-05:00", "end": "2015-11-10T17:00:00-05:00",
                "user": {"id": "PXPGF42", "type": "user_reference", "summary": "Regina Phalange",
                         "self": "https://api.pagerduty.com/users/PXPGF42",
                         "html_url": "https://subdomain.pagerduty.com/users/PXPGF42"}}],
                "rendered_coverage_percentage": 37.5}
        });
        let since = models::unix("2015-11-10T00:00:00-05:00").unwrap();
        let (tiles, cover) = tile(rendered(&schedule).unwrap(), since, since + 24 * 3600);
        assert_eq!(cover, 37.5);
        assert_eq!(tiles.len(), 3);
        assert_eq!(tiles[1].user.as_ref().unwrap().summary, "Regina Phalange");
        // An empty rendering is a week nobody covers; a missing one is unknown.
        let empty = serde_json::json!({"final_schedule": {"name": "Final Schedule", "rendered_schedule_entries": []}});
        assert_eq!(rendered(&empty), Some(Vec::new()));
        assert_eq!(rendered(&serde_json::json!({"id": "PI7DH85", "name": "Daily"})), None);
        assert_eq!(rendered(&serde_json::json!({"final_schedule": null})), None);
    }

    #[test]
    fn related_lists_are_kept_cut_or_unread_and_a_lost_login_fails_the_whole() {
        let mut parts = Parts::default();
        assert_eq!(parts.take(Part::Notes, Ok((vec![1, 2], false))).unwrap(), vec![1, 2]);
        assert_eq!(parts.take(Part::LogEntries, Ok((vec![3], true))).unwrap(), vec![3]);
        let refused = err(ErrorCode::Forbidden, "PagerDuty refused (403): Access Denied");
        assert!(parts.take::<u8>(Part::Alerts, Err(refused)).unwrap().is_empty());
        let gone = err(ErrorCode::NeedsLogin, "profile work needs a new login");
        assert_eq!(
            parts.take::<u8>(Part::Members, Err(gone)).unwrap_err().code,
            ErrorCode::NeedsLogin
        );
        assert_eq!(parts.cut, vec![Part::LogEntries]);
        assert_eq!(
            parts.unread.iter().map(|u| (u.part, u.code)).collect::<Vec<_>>(),
            vec![(Part::Alerts, ErrorCode::Forbidden)]
        );
    }

    #[test]
    fn an_answer_without_its_object_or_list_says_which() {
        let e = object(&serde_json::json!({"users": []}), "incident", "/incidents/PT4KHLK").unwrap_err();
        assert_eq!(e.code, ErrorCode::Upstream);
        assert!(
            e.message.contains("/incidents/PT4KHLK") && e.message.contains("`incident`"),
            "{}",
            e.message
        );
        let html = serde_json::json!({"raw": "<!DOCTYPE html><html><head><title>Maintenance</title>"});
        assert!(
            object(&html, "team", "/teams/PQ9K7I8")
                .unwrap_err()
                .message
                .contains("Maintenance")
        );
        assert!(object(&serde_json::json!({"team": null}), "team", "/teams/PQ9K7I8").is_err());
        let ok = serde_json::json!({"team": {"id": "PQ9K7I8", "name": "Engineering", "description": null}});
        assert_eq!(
            models::team(object(&ok, "team", "/teams/PQ9K7I8").unwrap()).description,
            None
        );

        let members = serde_json::json!({"members": [
            {"user": {"id": "PXPGF42", "type": "user_reference", "summary": "Earline Greenholt"}, "role": "manager"},
            {"user": null, "role": "responder"},
            null
        ], "limit": 100, "offset": 0, "more": false, "total": null});
        let (got, more) = part(&members, "members", "/teams/PQ9K7I8/members", models::member).unwrap();
        assert_eq!((got.len(), more), (1, false));
        let cut = serde_json::json!({"log_entries": [], "limit": 100, "offset": 0, "more": true});
        let (_, more) = part(&cut, "log_entries", "/incidents/PT4KHLK/log_entries", |v| {
            Some(models::log_entry(v))
        })
        .unwrap();
        assert!(more, "PagerDuty has more than were fetched");
        let e = part(&serde_json::json!({}), "notes", "/incidents/PT4KHLK/notes", |v| {
            Some(models::note(v))
        });
        assert!(e.unwrap_err().message.contains("`notes`"));
    }
}
