//! Reducer tests of refresh, filtering, the detail pane, the Audit screen
//! and ordering: keys and events in, state and effects out.

use pdauth_common::{AuditEntry, ErrorCode, Event, Request, Response, TokenState};

use super::*;

fn audit_reply(profile: Option<&str>, entries: Vec<AuditEntry>) -> Msg {
    let limit = if profile.is_some() { TIMELINE_LIMIT } else { AUDIT_LIMIT };
    Msg::Replied {
        request: Request::Audit {
            profile: profile.map(str::to_string),
            limit: Some(limit),
        },
        result: Ok(Response::Audit { entries }),
    }
}

fn entry(id: i64, profile: &str, event: &str) -> AuditEntry {
    AuditEntry {
        id,
        at: NOW + id,
        profile: profile.into(),
        event: event.into(),
        actor: None,
        detail: None,
    }
}

#[test]
fn r_refreshes_and_reports_the_outcome() {
    let mut app = app();
    let profile = fixtures::select(&mut app, TokenState::Valid);
    assert_eq!(
        app.update(key('r')),
        vec![Effect::Request(Request::Refresh {
            profile: profile.clone()
        })]
    );
    assert!(app.refreshing.contains(&profile));
    assert!(app.current_notice(NOW).unwrap().text.contains("Refreshing valid"));
    assert!(app.update(key('r')).is_empty(), "one refresh at a time from here");

    let mut status = fixtures::status(&app, &profile).clone();
    status.expires_at = Some(NOW + 3_600);
    app.update(Msg::Replied {
        request: Request::Refresh {
            profile: profile.clone(),
        },
        result: Ok(Response::Refreshed { status }),
    });
    assert!(app.refreshing.is_empty());
    assert_eq!(fixtures::status(&app, &profile).expires_at, Some(NOW + 3_600));
    let notice = app.current_notice(NOW).unwrap();
    assert_eq!(notice.tone, Tone::Success);
    assert_eq!(notice.text, "Refreshed valid: valid, expires in 1h 0m.");
}

#[test]
fn a_failed_or_refused_refresh_is_an_error_notice() {
    let mut app = app();
    let profile = fixtures::select(&mut app, TokenState::RefreshFailing);
    app.update(key('r'));
    app.update(Msg::Replied {
        request: Request::Refresh {
            profile: profile.clone(),
        },
        result: Err(Failure {
            code: Some(ErrorCode::Upstream),
            message: "the refresh failed: timeout".into(),
        }),
    });
    assert!(app.refreshing.is_empty());
    let notice = app.current_notice(NOW).unwrap();
    assert_eq!(notice.tone, Tone::Error);
    assert!(notice.text.contains("the refresh failed: timeout"), "{}", notice.text);

    // A refresh that ends in needs_login says so.
    app.update(key('r'));
    let mut status = fixtures::status(&app, &profile).clone();
    status.state = TokenState::NeedsLogin;
    status.reason = Some("the refresh token was rejected".into());
    app.update(Msg::Replied {
        request: Request::Refresh { profile },
        result: Ok(Response::Refreshed { status }),
    });
    let notice = app.current_notice(NOW).unwrap();
    assert_eq!(notice.tone, Tone::Error);
    assert!(
        notice
            .text
            .contains("needs a new login: the refresh token was rejected"),
        "{}",
        notice.text
    );
}

#[test]
fn nothing_to_refresh_or_revoke_without_a_token() {
    let mut app = app();
    fixtures::select(&mut app, TokenState::LoggedOut);
    assert!(app.update(key('r')).is_empty());
    assert!(app.current_notice(NOW).unwrap().text.contains("no token to refresh"));
    assert!(app.update(key('x')).is_empty());
    assert!(app.dialog.is_none(), "nothing stored: no revoke offered");
    assert!(
        app.current_notice(NOW)
            .unwrap()
            .text
            .contains("nothing stored to revoke")
    );
}

#[test]
fn login_warns_when_it_would_replace_a_usable_token() {
    let mut app = app();
    fixtures::select(&mut app, TokenState::Valid);
    app.update(key('l'));
    assert!(matches!(&app.dialog, Some(Dialog::Login(d)) if d.replaces_token));
    app.update(code(KeyCode::Esc));
    fixtures::select(&mut app, TokenState::LoggedOut);
    app.update(key('l'));
    assert!(matches!(&app.dialog, Some(Dialog::Login(d)) if !d.replaces_token));
}

#[test]
fn a_cancelled_login_is_not_reported_as_failed() {
    let mut app = app();
    let profile = fixtures::select(&mut app, TokenState::LoggedOut);
    app.update(key('l'));
    app.update(code(KeyCode::Esc));
    assert_eq!(app.current_notice(NOW).unwrap().text, "Login cancelled.");
    // pdauthd reports the cancellation as a failed login.
    app.update(Msg::Event(Event::LoginFailed {
        profile: profile.clone(),
        message: "login cancelled".into(),
    }));
    let notice = app.current_notice(NOW).unwrap();
    assert_eq!(notice.text, "Login cancelled.");
    assert_eq!(notice.tone, Tone::Info);
    // A later, real failure of that profile is reported again.
    app.update(Msg::Event(Event::LoginFailed {
        profile: profile.clone(),
        message: "access_denied".into(),
    }));
    assert!(app.current_notice(NOW).unwrap().text.contains("failed: access_denied"));
}

#[test]
fn filter_as_you_type_and_escape_clears() {
    let mut app = app();
    fixtures::select(&mut app, TokenState::RefreshFailing);
    assert_eq!(app.selected_profile().unwrap().name, "refresh-failing");
    app.update(key('/'));
    assert_eq!(app.mode(), Mode::Filter);
    for c in "REF".chars() {
        assert!(app.update(key(c)).is_empty());
    }
    assert_eq!(app.filter, "REF");
    let names: Vec<&str> = app.visible().iter().map(|i| app.profiles[*i].name.as_str()).collect();
    assert_eq!(names, ["refresh-failing", "refreshing"], "case-insensitive, by name");
    assert_eq!(app.selected_profile().unwrap().name, "refresh-failing", "cursor kept");
    // q and ? are letters while typing.
    assert!(app.update(key('q')).is_empty());
    assert!(app.visible().is_empty());
    assert!(app.selected_profile().is_none());
    app.update(code(KeyCode::Backspace));
    app.update(code(KeyCode::Enter));
    assert_eq!(app.mode(), Mode::Tokens);
    assert_eq!(app.filter, "REF", "Enter keeps the filter");
    app.update(key('j'));
    assert_eq!(app.selected, 1, "moves within the filtered list");
    assert_eq!(app.selected_profile().unwrap().name, "refreshing");
    // r acts on the filtered selection.
    assert_eq!(
        app.update(key('r')),
        vec![Effect::Request(Request::Refresh {
            profile: "refreshing".into()
        })]
    );
    app.update(code(KeyCode::Esc));
    assert!(app.filter.is_empty());
    assert_eq!(app.visible().len(), app.profiles.len());
    assert_eq!(
        app.selected_profile().unwrap().name,
        "refreshing",
        "cursor kept on clearing"
    );
}

#[test]
fn enter_opens_the_detail_with_its_timeline_and_escape_closes_it() {
    let mut app = app();
    fixtures::select(&mut app, TokenState::Valid);
    assert_eq!(
        app.update(code(KeyCode::Enter)),
        vec![Effect::Request(Request::Audit {
            profile: Some("valid".into()),
            limit: Some(50)
        })]
    );
    assert_eq!(app.mode(), Mode::Detail);
    let detail = app.detail.as_ref().unwrap();
    assert_eq!(detail.profile, "valid");
    assert_eq!(detail.timeline.loading, Loading::Loading);
    app.update(audit_reply(
        Some("valid"),
        vec![entry(1, "valid", "login_completed"), entry(3, "valid", "refresh_ok")],
    ));
    let timeline = &app.detail.as_ref().unwrap().timeline;
    assert_eq!(timeline.loading, Loading::Loaded);
    assert_eq!(timeline.entries.iter().map(|e| e.id).collect::<Vec<_>>(), [3, 1]);

    // Keys act on the detail's profile; j/k move in the timeline.
    assert_eq!(
        app.update(key('r')),
        vec![Effect::Request(Request::Refresh {
            profile: "valid".into()
        })]
    );
    app.update(key('j'));
    assert_eq!(app.detail.as_ref().unwrap().timeline.selected, 1);
    app.update(key('j'));
    assert_eq!(app.detail.as_ref().unwrap().timeline.selected, 1, "stays in bounds");
    assert_eq!(
        app.selected_profile().unwrap().name,
        "valid",
        "the profile cursor did not move"
    );

    app.update(code(KeyCode::Esc));
    assert!(app.detail.is_none());
    assert_eq!(app.mode(), Mode::Tokens);
}

#[test]
fn live_audit_events_reach_the_timeline_and_the_audit_screen() {
    let mut app = app();
    fixtures::select(&mut app, TokenState::Valid);
    app.update(code(KeyCode::Enter));
    app.update(audit_reply(Some("valid"), vec![entry(1, "valid", "login_completed")]));
    app.update(Msg::Event(Event::Audit {
        entry: entry(2, "valid", "token_issued"),
    }));
    app.update(Msg::Event(Event::Audit {
        entry: entry(3, "other", "refresh_failed"),
    }));
    // A reply overlapping the events adds no duplicates.
    app.update(audit_reply(
        Some("valid"),
        vec![entry(2, "valid", "token_issued"), entry(1, "valid", "login_completed")],
    ));
    let ids: Vec<i64> = app
        .detail
        .as_ref()
        .unwrap()
        .timeline
        .entries
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(ids, [2, 1], "only this profile's, newest first");
    let ids: Vec<i64> = app.audit.entries.iter().map(|e| e.id).collect();
    assert_eq!(ids, [3, 2], "the Audit screen keeps everything that came live");
    // A late reply for a pane that was closed is dropped.
    app.update(code(KeyCode::Esc));
    app.update(audit_reply(Some("valid"), vec![entry(9, "valid", "revoked")]));
    assert!(app.detail.is_none());
}

#[test]
fn tab_switches_to_the_audit_screen_and_back() {
    let mut app = app();
    assert_eq!(
        app.update(code(KeyCode::Tab)),
        vec![Effect::Request(Request::Audit {
            profile: None,
            limit: Some(AUDIT_LIMIT)
        })]
    );
    assert_eq!(app.screen, Screen::Audit);
    assert_eq!(app.mode(), Mode::Audit);
    app.update(audit_reply(
        None,
        (1..=30).map(|i| entry(i, "work", "token_issued")).collect(),
    ));
    assert_eq!(app.audit.entries.first().map(|e| e.id), Some(30), "newest first");
    app.update(code(KeyCode::PageDown));
    assert_eq!(app.audit.selected, PAGE);
    app.update(key('G'));
    assert_eq!(app.audit.selected, 29);
    // New entries keep the cursor on the same entry.
    app.update(Msg::Event(Event::Audit {
        entry: entry(31, "work", "refresh_ok"),
    }));
    assert_eq!(app.audit.entries[app.audit.selected].id, 1);
    assert_eq!(app.update(key('r')).len(), 1, "r fetches the log again");
    assert!(app.update(key('l')).is_empty(), "no login from the Audit screen");
    app.update(code(KeyCode::Tab));
    assert_eq!(app.screen, Screen::Tokens);
    app.update(Msg::Event(Event::Audit {
        entry: entry(32, "work", "token_issued"),
    }));
    app.update(code(KeyCode::Tab));
    assert_eq!(app.audit.selected, 0, "back on the Audit screen at the newest entry");
    app.update(code(KeyCode::Esc));
    assert_eq!(app.screen, Screen::Tokens, "Esc goes back too");
}

#[test]
fn a_failed_audit_fetch_is_shown() {
    let mut app = app();
    app.update(code(KeyCode::Tab));
    app.update(Msg::Replied {
        request: Request::Audit {
            profile: None,
            limit: Some(AUDIT_LIMIT),
        },
        result: Err(Failure {
            code: Some(ErrorCode::Storage),
            message: "cannot read the audit log: disk I/O error".into(),
        }),
    });
    assert!(matches!(&app.audit.loading, Loading::Failed(m) if m.contains("disk I/O error")));
    assert_eq!(app.current_notice(NOW).map(|n| n.tone), Some(Tone::Error));
}

#[test]
fn reconnecting_fetches_what_is_on_screen_again() {
    let mut app = app();
    app.update(code(KeyCode::Tab));
    app.refreshing.insert("valid".into());
    let effects = app.update(Msg::Connected {
        daemon_version: "0.1.0".into(),
        profiles: fixtures::every_state(),
        storage: fixtures::storage(),
    });
    assert_eq!(
        effects,
        vec![Effect::Request(Request::Audit {
            profile: None,
            limit: Some(AUDIT_LIMIT)
        })]
    );
    assert!(app.refreshing.is_empty(), "requests died with the old connection");
}

fn names(app: &App) -> Vec<String> {
    app.visible().iter().map(|i| app.profiles[*i].name.clone()).collect()
}

#[test]
fn s_cycles_the_order_and_the_cursor_stays_on_its_profile() {
    let mut app = app();
    assert_eq!(app.sort, Sort::Name);
    let by_name = names(&app);
    let mut sorted = by_name.clone();
    sorted.sort();
    assert_eq!(by_name, sorted);
    fixtures::select(&mut app, TokenState::Valid);

    app.update(key('s'));
    assert_eq!(app.sort, Sort::Severity);
    assert_eq!(
        names(&app),
        [
            "error",
            "needs-login",
            "expired",
            "refresh-failing",
            "unpersisted",
            "expiring",
            "login-pending",
            "refreshing",
            "valid",
            "logged-out",
        ]
    );
    assert_eq!(
        app.selected_profile().unwrap().name,
        "valid",
        "the cursor follows its profile"
    );
    assert_eq!(app.selected, 8);

    app.update(key('s'));
    assert_eq!(app.sort, Sort::Expiry);
    assert_eq!(
        names(&app),
        [
            "needs-login",
            "expired",
            "refresh-failing",
            "refreshing",
            "expiring",
            "valid",
            "unpersisted",
            "error",
            "logged-out",
            "login-pending",
        ],
        "soonest expiry first, none last"
    );
    assert_eq!(app.selected_profile().unwrap().name, "valid");

    app.update(key('s'));
    assert_eq!(app.sort, Sort::Name);
    assert_eq!(names(&app), by_name);
    assert_eq!(app.selected_profile().unwrap().name, "valid");
}

#[test]
fn the_order_follows_health_changes_and_the_cursor_its_profile() {
    let mut app = app();
    app.update(key('s'));
    fixtures::select(&mut app, TokenState::Valid);
    let mut status = fixtures::status(&app, "valid").clone();
    status.state = TokenState::NeedsLogin;
    app.update(Msg::Event(Event::Health { status }));
    assert_eq!(app.selected_profile().unwrap().name, "valid");
    assert!(app.selected < 3, "moved up with the problems: {}", app.selected);
    // Time passing can expire the token under a pending login, and move it.
    let pending = fixtures::status(&app, "login-pending").clone();
    app.update(Msg::Event(Event::Health {
        status: pdauth_common::ProfileStatus {
            obtained_at: Some(NOW - 3_000),
            expires_at: Some(NOW + 100),
            has_refresh_token: true,
            ..pending
        },
    }));
    fixtures::select(&mut app, TokenState::LoginPending);
    let before = app.selected;
    app.update(Msg::Tick { now: NOW + 200 });
    assert_eq!(app.selected_profile().unwrap().name, "login-pending");
    assert!(
        app.selected < before,
        "moved up once expired: {before} → {}",
        app.selected
    );
}

#[test]
fn n_jumps_to_the_next_profile_that_needs_attention() {
    let mut app = app();
    assert_eq!(app.attention(), (5, 5));
    fixtures::select(&mut app, TokenState::Expiring);
    let mut seen = Vec::new();
    for _ in 0..6 {
        app.update(key('n'));
        seen.push(app.selected_profile().unwrap().name.clone());
    }
    // In list order (by name) after the cursor, wrapping around.
    assert_eq!(
        seen,
        [
            "needs-login",
            "refresh-failing",
            "unpersisted",
            "error",
            "expired",
            "needs-login"
        ]
    );
    assert!(app.current_notice(NOW).is_none());

    // A filter hiding every problem says so.
    app.update(key('/'));
    for c in "valid".chars() {
        app.update(key(c));
    }
    app.update(code(KeyCode::Enter));
    assert_eq!(app.attention(), (5, 0));
    app.update(key('n'));
    assert_eq!(app.selected_profile().unwrap().name, "valid");
    let notice = app.current_notice(NOW).unwrap();
    assert!(notice.text.contains("filter hides them"), "{}", notice.text);

    // Nothing to find.
    let mut healthy = fixtures::connected_app();
    healthy.profiles.retain(|p| !crate::words::needs_attention(p, NOW));
    healthy.update(key('n'));
    assert_eq!(healthy.current_notice(NOW).unwrap().text, "No profile needs attention.");
}

#[test]
fn a_refresh_that_is_queued_is_not_reported_as_failed() {
    let mut app = app();
    let profile = fixtures::select(&mut app, TokenState::Expired);
    app.update(key('r'));
    let mut status = fixtures::status(&app, &profile).clone();
    status.state = TokenState::Refreshing;
    status.reason = Some("a refresh is queued".into());
    app.update(Msg::Replied {
        request: Request::Refresh {
            profile: profile.clone(),
        },
        result: Ok(Response::Refreshed { status }),
    });
    let notice = app.current_notice(NOW).unwrap();
    assert_eq!(notice.tone, Tone::Info);
    assert_eq!(notice.text, "expired is being refreshed: a refresh is queued.");
}
