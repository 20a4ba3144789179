//! What a token's granted OAuth scopes allow, in PagerDuty's scope words:
//! the classic `read` and `write`, and the scoped `<resource>.read` and
//! `<resource>.write` (`incidents.read`). One rule for the daemon (how it
//! explains a 403, whether it lets a write through) and the terminal UI (how
//! it explains a refusal).

/// Whether `granted` lets the token read `resource` (`incidents`,
/// `escalation_policies`, … as in the API path): `read`, `write`, or the
/// resource's own scope.
pub fn covers_reading<'a>(granted: impl IntoIterator<Item = &'a str>, resource: &str) -> bool {
    granted.into_iter().any(|s| {
        matches!(s, "read" | "write")
            || s.strip_prefix(resource)
                .is_some_and(|rest| matches!(rest, ".read" | ".write"))
    })
}

/// Whether `granted` includes any write scope (`write` or `<resource>.write`).
pub fn grants_writing<'a>(granted: impl IntoIterator<Item = &'a str>) -> bool {
    granted.into_iter().any(|s| s == "write" || s.ends_with(".write"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_and_resource_scopes() {
        assert!(covers_reading(["openid", "read"], "users"));
        assert!(covers_reading(["write"], "users"));
        assert!(covers_reading(["users.read"], "users"));
        assert!(covers_reading(["users.write"], "users"));
        assert!(!covers_reading(["incidents.read"], "users"));
        assert!(!covers_reading(["openid"], "users"));
        // A prefix of another resource's name is not that resource.
        assert!(!covers_reading(["users_extra.read"], "users"));
        assert!(!covers_reading(["escalation_policies.read"], "escalation"));
        assert!(grants_writing(["read", "incidents.write"]));
        assert!(grants_writing(["write"]));
        assert!(!grants_writing(["read", "openid"]));
    }
}
