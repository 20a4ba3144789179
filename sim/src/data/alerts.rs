//! Alerts of an incident, generated on demand from the incident and the seed: same seed,
//! same alerts, and nothing is stored for the thousands of incidents nobody opens.

use super::Dataset;
use super::catalog::ops::REGIONS;
use super::incidents::{Incident, Status, Urgency};
use super::rng::SplitMix64;
use super::when::{MINUTE, Secs};

/// One alert grouped into an incident.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert {
    /// Position within the incident.
    pub index: usize,
    /// When it was received.
    pub created_at: Secs,
    /// Resolved with its incident.
    pub resolved: bool,
    /// `critical`, `error`, `warning` or `info`.
    pub severity: &'static str,
    /// Summary line.
    pub summary: String,
    /// Deduplication key.
    pub alert_key: String,
    /// The event's custom details, in order.
    pub details: Vec<(&'static str, String)>,
}

/// The alerts of `incident`, oldest first.
pub fn alerts_of(data: &Dataset, incident: &Incident) -> Vec<Alert> {
    let mut rng = SplitMix64::fork(data.seed, 0xA1E7 ^ incident.number);
    let service = data.services.get(incident.service);
    let slug: String = service
        .map(|s| {
            s.name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
                .collect::<String>()
                .to_lowercase()
                .replace(' ', "-")
        })
        .unwrap_or_default();
    let region = rng.pick(REGIONS).copied().unwrap_or("us-east-1");
    (0..usize::from(incident.alerts))
        .map(|index| {
            let severity = match (incident.urgency, rng.below(2)) {
                (Urgency::High, 0) => "critical",
                (Urgency::High, _) => "error",
                (Urgency::Low, 0) => "warning",
                (Urgency::Low, _) => "info",
            };
            let host = format!("{slug}-{}.{region}.prod.internal", rng.below(24) + 1);
            let value = rng.between(85, 100);
            let summary = if index == 0 {
                incident.title.clone()
            } else {
                format!("{} ({host})", incident.title)
            };
            Alert {
                index,
                created_at: incident.created_at + MINUTE * Secs::try_from(index).unwrap_or(0),
                resolved: incident.status == Status::Resolved,
                severity,
                summary,
                alert_key: format!("{slug}/{:x}/{index}", incident.number),
                details: vec![
                    ("host", host),
                    ("region", region.to_owned()),
                    ("metric", "error_rate_percent".to_owned()),
                    ("value", value.to_string()),
                    ("threshold", "80".to_owned()),
                    ("runbook", format!("https://runbooks.example.com/{slug}")),
                    ("source", "prometheus/alertmanager".to_owned()),
                ],
            }
        })
        .collect()
}
