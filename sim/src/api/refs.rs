//! Reference objects (`{"id", "type", "summary", "self", "html_url"}`) for every kind of
//! object, and the rendering context handlers share: links plus the seeded data. An index
//! that points nowhere renders as `null` rather than failing.

use serde_json::{Value, json};

use super::links::Links;
use crate::data::{Dataset, Incident, when};
use crate::state::AppState;

/// What a renderer needs: URLs and the data.
pub struct Ctx<'a> {
    /// URL builder.
    pub links: Links<'a>,
    /// The seeded account.
    pub data: &'a Dataset,
}

impl<'a> Ctx<'a> {
    /// The context of a sandbox.
    pub fn new(state: &'a AppState) -> Self {
        Self {
            links: Links::new(state),
            data: &state.data,
        }
    }

    fn reference(&self, kind: &str, id: &str, summary: &str, api_path: &str, web_path: Option<&str>) -> Value {
        self.links.reference(kind, id, summary, api_path, web_path)
    }

    /// `user_reference`.
    pub fn user_ref(&self, u: usize) -> Value {
        self.data.users.get(u).map_or(Value::Null, |user| {
            let path = format!("/users/{}", user.id);
            self.reference("user_reference", &user.id, &user.name, &path, Some(&path))
        })
    }

    /// `team_reference`.
    pub fn team_ref(&self, t: usize) -> Value {
        self.data.teams.get(t).map_or(Value::Null, |team| {
            let path = format!("/teams/{}", team.id);
            self.reference("team_reference", &team.id, &team.name, &path, Some(&path))
        })
    }

    /// `service_reference` (the web app shows services in the service directory).
    pub fn service_ref(&self, s: usize) -> Value {
        self.data.services.get(s).map_or(Value::Null, |service| {
            self.reference(
                "service_reference",
                &service.id,
                &service.name,
                &format!("/services/{}", service.id),
                Some(&format!("/service-directory/{}", service.id)),
            )
        })
    }

    /// `escalation_policy_reference`.
    pub fn policy_ref(&self, p: usize) -> Value {
        self.data.policies.get(p).map_or(Value::Null, |policy| {
            let path = format!("/escalation_policies/{}", policy.id);
            self.reference(
                "escalation_policy_reference",
                &policy.id,
                &policy.name,
                &path,
                Some(&path),
            )
        })
    }

    /// `schedule_reference`.
    pub fn schedule_ref(&self, s: usize) -> Value {
        self.data.schedules.get(s).map_or(Value::Null, |schedule| {
            let path = format!("/schedules/{}", schedule.id);
            self.reference("schedule_reference", &schedule.id, &schedule.name, &path, Some(&path))
        })
    }

    /// `incident_reference`.
    pub fn incident_ref(&self, incident: &Incident) -> Value {
        let path = format!("/incidents/{}", incident.id);
        self.reference(
            "incident_reference",
            &incident.id,
            &incident.summary(),
            &path,
            Some(&path),
        )
    }

    /// The events integration of a service.
    pub fn integration_ref(&self, s: usize) -> Value {
        self.data.services.get(s).map_or(Value::Null, |service| {
            self.reference(
                "events_api_v2_inbound_integration_reference",
                &service.integration_id,
                "Events API v2",
                &format!("/services/{}/integrations/{}", service.id, service.integration_id),
                Some(&format!(
                    "/services/{}/integrations/{}",
                    service.id, service.integration_id
                )),
            )
        })
    }

    /// A priority, which PagerDuty always sends whole.
    pub fn priority(&self, p: usize) -> Value {
        self.data.priorities.get(p).map_or(Value::Null, |priority| {
            json!({
                "id": priority.id,
                "type": "priority",
                "summary": priority.name,
                "self": self.links.api(&format!("/priorities/{}", priority.id)),
                "html_url": null,
                "name": priority.name,
                "description": priority.description,
                "color": priority.color,
                "order": (p + 1) * 1024,
            })
        })
    }

    /// A timestamp in UTC.
    pub fn time(&self, at: when::Secs) -> Value {
        Value::String(when::utc(at))
    }
}
