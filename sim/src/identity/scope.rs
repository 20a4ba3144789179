//! OAuth scopes as PagerDuty grants them: classic `read`/`write`, scoped
//! `<resource>.read`/`<resource>.write`, and `openid` always. A request containing any
//! invalid scope is not refused: only `openid` is granted.

/// Resources of scoped OAuth and whether they have a `.write` scope besides `.read`.
const RESOURCES: &[(&str, bool)] = &[
    ("abilities", false),
    ("addons", true),
    ("analytics", false),
    ("audit_records", false),
    ("business_services", true),
    ("change_events", true),
    ("custom_fields", true),
    ("escalation_policies", true),
    ("event_orchestrations", true),
    ("event_rules", true),
    ("extension_schemas", false),
    ("extensions", true),
    ("incident_types", true),
    ("incident_workflows", true),
    ("incidents", true),
    ("licenses", false),
    ("maintenance_windows", true),
    ("notifications", false),
    ("oncalls", false),
    ("priorities", false),
    ("response_plays", true),
    ("rulesets", true),
    ("schedules", true),
    ("service_dependencies", true),
    ("services", true),
    ("standards", true),
    ("status_dashboards", false),
    ("status_pages", true),
    ("subscribers", true),
    ("tags", true),
    ("teams", true),
    ("templates", true),
    ("users", true),
    ("users:contact_methods", true),
    ("users:sessions", true),
    ("vendors", false),
    ("webhook_subscriptions", true),
];

/// Whether PagerDuty knows this scope.
pub fn is_valid(scope: &str) -> bool {
    match scope {
        "openid" | "read" | "write" => true,
        _ => match scope.rsplit_once('.') {
            Some((resource, "read")) => RESOURCES.iter().any(|(r, _)| *r == resource),
            Some((resource, "write")) => RESOURCES.iter().any(|(r, writable)| *r == resource && *writable),
            _ => false,
        },
    }
}

/// The scopes named in a `scope` parameter, in order, without repeats.
pub fn split(requested: &str) -> Vec<&str> {
    let mut scopes: Vec<&str> = Vec::new();
    for scope in requested.split(' ').filter(|s| !s.is_empty()) {
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    scopes
}

/// The granted scope string for a requested one: `openid` plus the requested scopes if all
/// are valid, otherwise `openid` alone. No request grants `openid` alone too.
pub fn grant(requested: Option<&str>) -> String {
    let scopes = split(requested.unwrap_or(""));
    if scopes.is_empty() || !scopes.iter().all(|s| is_valid(s)) {
        return "openid".to_owned();
    }
    std::iter::once("openid")
        .chain(scopes.into_iter().filter(|s| *s != "openid"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_like_pagerduty() {
        assert_eq!(grant(Some("read write")), "openid read write");
        assert_eq!(grant(Some("openid write")), "openid write");
        assert_eq!(
            grant(Some("incidents.read services.write users:contact_methods.read")),
            "openid incidents.read services.write users:contact_methods.read"
        );
        assert_eq!(grant(Some("read bogus")), "openid");
        assert_eq!(grant(Some("oncalls.write")), "openid", "oncalls has no write scope");
        assert_eq!(grant(Some("read\twrite")), "openid", "scopes are space-separated");
        assert_eq!(grant(None), "openid");
        assert_eq!(grant(Some("read  read")), "openid read");
    }
}
