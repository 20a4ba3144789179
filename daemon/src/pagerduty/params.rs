//! A list query in PagerDuty's words: which filters each list endpoint
//! takes, the bracketed set parameters, `sort_by`, the `include[]` the
//! typed models need, and ids checked before they go into a path. Refuses
//! (with a message saying what to change) anything PagerDuty would answer
//! with a 400, so a refusal never costs a request.

use pdauth_common::browse::{Filter, ListQuery, Resource};

/// Longest id accepted in a path or filter.
const MAX_ID: usize = 64;

/// An id safe to put in a path segment: letters, digits, `_` and `-`.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > MAX_ID || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        let shown = pdauth_common::sanitize::truncated(id, 40);
        return Err(format!(
            "{shown:?} is not a PagerDuty id (letters, digits, '_' or '-', at most {MAX_ID})"
        ));
    }
    Ok(())
}

/// A set filter: PagerDuty's key, the values, whether the list takes it,
/// and the words it accepts (ids when `None`).
type SetFilter<'a> = (&'a str, &'a Vec<String>, bool, Option<&'a [&'a str]>);

/// What a list endpoint accepts.
struct Accepts {
    statuses: bool,
    urgencies: bool,
    service_ids: bool,
    team_ids: bool,
    user_ids: bool,
    schedule_ids: bool,
    escalation_policy_ids: bool,
    since_until: bool,
    all_dates: bool,
    query: bool,
    earliest: bool,
    sort: bool,
}

const NONE: Accepts = Accepts {
    statuses: false,
    urgencies: false,
    service_ids: false,
    team_ids: false,
    user_ids: false,
    schedule_ids: false,
    escalation_policy_ids: false,
    since_until: false,
    all_dates: false,
    query: false,
    earliest: false,
    sort: false,
};

fn accepts(resource: Resource) -> Accepts {
    match resource {
        Resource::Incidents => Accepts {
            statuses: true,
            urgencies: true,
            service_ids: true,
            team_ids: true,
            user_ids: true,
            since_until: true,
            all_dates: true,
            query: true,
            sort: true,
            ..NONE
        },
        Resource::Services => Accepts {
            team_ids: true,
            query: true,
            sort: true,
            ..NONE
        },
        Resource::Users => Accepts {
            team_ids: true,
            query: true,
            ..NONE
        },
        Resource::Schedules | Resource::Teams => Accepts { query: true, ..NONE },
        Resource::Oncalls => Accepts {
            user_ids: true,
            schedule_ids: true,
            escalation_policy_ids: true,
            since_until: true,
            earliest: true,
            ..NONE
        },
        Resource::EscalationPolicies => Accepts {
            team_ids: true,
            user_ids: true,
            query: true,
            sort: true,
            ..NONE
        },
    }
}

/// What each list needs included for its typed items.
fn includes(resource: Resource) -> &'static [&'static str] {
    match resource {
        Resource::Users => &["contact_methods"],
        _ => &[],
    }
}

/// The parameters of `query` except paging (`limit`, `offset`, `total`).
pub fn list_params(query: &ListQuery) -> Result<Vec<(String, String)>, String> {
    let resource = query.resource;
    let ok = accepts(resource);
    let f: &Filter = &query.filter;
    let word = resource.as_str();
    let refuse = |what: &str| Err(format!("the {word} list cannot be filtered by {what}"));
    let mut out: Vec<(String, String)> = Vec::new();

    let sets: [SetFilter<'_>; 7] = [
        (
            "statuses",
            &f.statuses,
            ok.statuses,
            Some(&["triggered", "acknowledged", "resolved"]),
        ),
        ("urgencies", &f.urgencies, ok.urgencies, Some(&["high", "low"])),
        ("service_ids", &f.service_ids, ok.service_ids, None),
        ("team_ids", &f.team_ids, ok.team_ids, None),
        ("user_ids", &f.user_ids, ok.user_ids, None),
        ("schedule_ids", &f.schedule_ids, ok.schedule_ids, None),
        (
            "escalation_policy_ids",
            &f.escalation_policy_ids,
            ok.escalation_policy_ids,
            None,
        ),
    ];
    for (key, values, allowed, words) in sets {
        if values.is_empty() {
            continue;
        }
        if !allowed {
            return refuse(key);
        }
        for value in values {
            match words {
                Some(words) if !words.contains(&value.as_str()) => {
                    let shown = pdauth_common::sanitize::truncated(value, 40);
                    return Err(format!("{key} takes {}, not {shown:?}", words.join(", ")));
                }
                Some(_) => {}
                None => check_id(value).map_err(|e| format!("{key}: {e}"))?,
            }
            out.push((format!("{key}[]"), value.clone()));
        }
    }
    for (key, value) in [("since", &f.since), ("until", &f.until)] {
        let Some(value) = value else { continue };
        if !ok.since_until {
            return refuse(key);
        }
        if value.trim().is_empty() || value.chars().any(char::is_control) {
            return Err(format!("{key} must be an ISO 8601 time"));
        }
        out.push((key.to_string(), value.trim().to_string()));
    }
    if f.all_dates {
        if !ok.all_dates {
            return refuse("all_dates");
        }
        if f.since.is_some() || f.until.is_some() {
            return Err("all_dates and since/until exclude each other".into());
        }
        out.push(("date_range".into(), "all".into()));
    }
    if let Some(q) = &f.query {
        if !ok.query {
            return refuse("query");
        }
        if !q.is_empty() {
            out.push(("query".into(), q.clone()));
        }
    }
    if f.earliest {
        if !ok.earliest {
            return refuse("earliest");
        }
        out.push(("earliest".into(), "true".into()));
    }
    if let Some(sort) = &query.sort {
        if !ok.sort {
            return Err(format!("the {word} list cannot be sorted"));
        }
        let valid = !sort.is_empty()
            && sort
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | ','));
        if !valid {
            return Err("sort must look like created_at:desc or name".into());
        }
        out.push(("sort_by".into(), sort.clone()));
    }
    for include in includes(resource) {
        out.push(("include[]".into(), include.to_string()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(resource: Resource, edit: impl FnOnce(&mut ListQuery)) -> Result<Vec<(String, String)>, String> {
        let mut query = ListQuery::new(resource);
        edit(&mut query);
        list_params(&query)
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn incident_filters_use_pagerduty_words() {
        let got = q(Resource::Incidents, |q| {
            q.filter.statuses = vec!["triggered".into(), "acknowledged".into()];
            q.filter.urgencies = vec!["high".into()];
            q.filter.service_ids = vec!["PSVC1".into()];
            q.filter.all_dates = true;
            q.sort = Some("created_at:desc".into());
        })
        .unwrap();
        assert_eq!(
            got,
            pairs(&[
                ("statuses[]", "triggered"),
                ("statuses[]", "acknowledged"),
                ("urgencies[]", "high"),
                ("service_ids[]", "PSVC1"),
                ("date_range", "all"),
                ("sort_by", "created_at:desc"),
            ])
        );
        let got = q(Resource::Oncalls, |q| {
            q.filter.schedule_ids = vec!["PS".into()];
            q.filter.since = Some("2026-01-01T00:00:00Z".into());
            q.filter.earliest = true;
        })
        .unwrap();
        assert_eq!(
            got,
            pairs(&[
                ("schedule_ids[]", "PS"),
                ("since", "2026-01-01T00:00:00Z"),
                ("earliest", "true")
            ])
        );
        assert_eq!(
            q(Resource::Users, |_| {}).unwrap(),
            pairs(&[("include[]", "contact_methods")])
        );
    }

    #[test]
    fn unsupported_filters_are_refused() {
        assert!(q(Resource::Teams, |q| q.filter.statuses = vec!["triggered".into()]).is_err());
        assert!(q(Resource::Services, |q| q.filter.all_dates = true).is_err());
        assert!(q(Resource::Users, |q| q.sort = Some("name".into())).is_err());
        assert!(q(Resource::Incidents, |q| q.filter.earliest = true).is_err());
        assert!(q(Resource::Schedules, |q| q.filter.user_ids = vec!["PU".into()]).is_err());
        assert!(q(Resource::Incidents, |q| q.filter.statuses = vec!["open".into()]).is_err());
        assert!(
            q(Resource::Incidents, |q| {
                q.filter.all_dates = true;
                q.filter.since = Some("2026-01-01".into());
            })
            .is_err()
        );
        assert!(q(Resource::Incidents, |q| q.sort = Some("created_at desc&x=1".into())).is_err());
    }

    #[test]
    fn ids_cannot_leave_their_segment() {
        for bad in [
            "",
            "../x",
            "a/b",
            "P?x=1",
            "P#",
            "P%2F",
            "P\u{1b}",
            &"P".repeat(65),
            "P Q",
        ] {
            assert!(check_id(bad).is_err(), "{bad:?}");
            assert!(q(Resource::Incidents, |q| q.filter.service_ids = vec![bad.to_string()]).is_err());
        }
        check_id("PABC123").unwrap();
        check_id("Q0R-x_9").unwrap();
    }
}
