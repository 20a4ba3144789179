//! Reducer tests: keys and daemon traffic in, state and effects out, with no
//! terminal and no runtime.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pdauth_common::{ErrorCode, Event, Request, Response, RevokeOutcome, TokenState};

use super::*;
use crate::fixtures::{self, NOW};
use crate::msg::{Effect, Failure, Msg};

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn app() -> App {
    fixtures::connected_app()
}

#[test]
fn movement_stays_in_bounds() {
    let mut app = app();
    assert!(app.update(key('k')).is_empty());
    assert_eq!(app.selected, 0);
    app.update(key('j'));
    app.update(code(KeyCode::Down));
    assert_eq!(app.selected, 2);
    app.update(key('G'));
    assert_eq!(app.selected, app.profiles.len() - 1);
    app.update(key('j'));
    assert_eq!(app.selected, app.profiles.len() - 1);
    app.update(code(KeyCode::Up));
    assert_eq!(app.selected, app.profiles.len() - 2);
    app.update(key('g'));
    assert_eq!(app.selected, 0);
}

#[test]
fn quit_keys() {
    let mut app = app();
    assert_eq!(app.update(key('q')), vec![Effect::Quit]);
    let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(app.update(ctrl_c.clone()), vec![Effect::Quit]);
    app.link = Link::Down {
        message: "gone".into(),
        attempts: 1,
    };
    assert_eq!(app.update(ctrl_c), vec![Effect::Quit]);
}

#[test]
fn help_toggles_and_swallows_screen_keys() {
    let mut app = app();
    app.update(key('?'));
    assert!(app.help);
    assert!(app.update(key('l')).is_empty());
    assert!(app.dialog.is_none());
    app.update(code(KeyCode::Esc));
    assert!(!app.help);
}

#[test]
fn login_flow_from_key_to_completion() {
    let mut app = app();
    let profile = fixtures::select(&mut app, TokenState::Valid);
    let effects = app.update(key('l'));
    assert_eq!(
        effects,
        vec![Effect::Request(Request::Login {
            profile: profile.clone()
        })]
    );
    assert!(matches!(
        &app.dialog,
        Some(Dialog::Login(LoginDialog {
            phase: LoginPhase::Starting,
            ..
        }))
    ));
    assert_eq!(app.mode(), Mode::LoginWaiting { demo: false });

    let info = fixtures::login_info(&profile);
    app.update(Msg::Replied {
        request: Request::Login {
            profile: profile.clone(),
        },
        result: Ok(Response::LoginStarted { login: info.clone() }),
    });
    match &app.dialog {
        Some(Dialog::Login(d)) => assert_eq!(d.phase, LoginPhase::Waiting(info.clone())),
        other => panic!("dialog is {other:?}"),
    }
    assert_eq!(fixtures::status(&app, &profile).login.as_ref(), Some(&info));

    // Someone else's completion leaves the dialog alone.
    app.update(Msg::Event(Event::LoginCompleted {
        profile: "other".into(),
    }));
    assert!(app.dialog.is_some());

    app.update(Msg::Event(Event::LoginCompleted {
        profile: profile.clone(),
    }));
    assert!(app.dialog.is_none());
    let notice = app.current_notice(NOW).expect("a success notice");
    assert_eq!(notice.tone, Tone::Success);
    assert!(notice.text.contains(&profile));
    assert!(app.current_notice(NOW + NOTICE_SECONDS).is_none());
}

#[test]
fn a_pending_login_is_shown_not_restarted() {
    let mut app = app();
    let name = fixtures::select(&mut app, TokenState::LoginPending);
    let pending = fixtures::status(&app, &name)
        .login
        .clone()
        .expect("fixture has a pending login");
    assert!(app.update(key('l')).is_empty());
    assert!(matches!(&app.dialog, Some(Dialog::Login(d)) if d.phase == LoginPhase::Waiting(pending.clone())));
    // Once it has expired, l starts a new one.
    app.update(code(KeyCode::Esc));
    app.update(Msg::Tick {
        now: pending.expires_at + 1,
    });
    assert_eq!(
        app.update(key('l')),
        vec![Effect::Request(Request::Login {
            profile: pending.profile.clone()
        })]
    );
}

#[test]
fn login_started_event_may_come_before_the_reply() {
    let mut app = app();
    let profile = fixtures::select(&mut app, TokenState::LoggedOut);
    app.update(key('l'));
    let info = fixtures::login_info(&profile);
    app.update(Msg::Event(Event::LoginStarted { login: info.clone() }));
    match &app.dialog {
        Some(Dialog::Login(d)) => assert_eq!(d.phase, LoginPhase::Waiting(info.clone())),
        other => panic!("dialog is {other:?}"),
    }
    // The late reply changes nothing.
    app.update(Msg::Replied {
        request: Request::Login { profile },
        result: Ok(Response::LoginStarted { login: info.clone() }),
    });
    assert!(matches!(&app.dialog, Some(Dialog::Login(d)) if d.phase == LoginPhase::Waiting(info.clone())));
}

#[test]
fn login_failure_is_shown_sanitised_and_can_be_retried() {
    let mut app = app();
    let profile = fixtures::select(&mut app, TokenState::LoggedOut);
    app.update(key('l'));
    app.update(Msg::Event(Event::LoginFailed {
        profile: profile.clone(),
        message: "access_denied: the user said no\x1b[2J".into(),
    }));
    match &app.dialog {
        Some(Dialog::Login(LoginDialog {
            phase: LoginPhase::Failed(msg),
            ..
        })) => {
            assert!(msg.starts_with("access_denied: the user said no"));
            assert!(!msg.contains('\x1b'));
        }
        other => panic!("dialog is {other:?}"),
    }
    assert_eq!(app.mode(), Mode::LoginFailed);
    assert_eq!(app.update(key('l')), vec![Effect::Request(Request::Login { profile })]);
    app.update(Msg::Replied {
        request: Request::Login {
            profile: fixtures::profile(TokenState::LoggedOut).name,
        },
        result: Err(Failure {
            code: Some(ErrorCode::Config),
            message: "no redirect port".into(),
        }),
    });
    assert_eq!(app.mode(), Mode::LoginFailed);
    app.update(code(KeyCode::Esc));
    assert!(app.dialog.is_none());
}

#[test]
fn escape_cancels_a_pending_login() {
    let mut app = app();
    let profile = fixtures::select(&mut app, TokenState::LoggedOut);
    app.update(key('l'));
    assert_eq!(
        app.update(code(KeyCode::Esc)),
        vec![Effect::Request(Request::CancelLogin { profile })]
    );
    assert!(app.dialog.is_none());
}

#[test]
fn open_browser_only_with_a_url_and_a_display() {
    let mut app = app();
    let profile = fixtures::select(&mut app, TokenState::LoggedOut);
    app.update(key('l'));
    assert!(app.update(key('o')).is_empty(), "no URL yet");
    app.update(Msg::Event(Event::LoginStarted {
        login: fixtures::login_info(&profile),
    }));
    assert!(app.update(key('o')).is_empty(), "no graphical session");
    assert!(matches!(&app.dialog, Some(Dialog::Login(d)) if d.note.as_deref().is_some_and(|n| n.contains("DISPLAY"))));
    app.browser_available = true;
    assert_eq!(
        app.update(key('o')),
        vec![Effect::OpenBrowser(fixtures::AUTHORIZE_URL.to_string())]
    );
    app.update(Msg::BrowserOpened(Err("xdg-open failed".into())));
    assert!(
        matches!(&app.dialog, Some(Dialog::Login(d)) if d.note.as_deref().is_some_and(|n| n.contains("xdg-open failed")))
    );
}

#[test]
fn sandbox_approval_only_in_demo() {
    let mut app = app();
    let profile = fixtures::select(&mut app, TokenState::LoggedOut);
    app.update(key('l'));
    app.update(Msg::Event(Event::LoginStarted {
        login: fixtures::login_info(&profile),
    }));
    assert!(app.update(key('a')).is_empty());
    app.demo = true;
    assert_eq!(
        app.update(key('a')),
        vec![Effect::ApproveInSandbox(fixtures::AUTHORIZE_URL.to_string())]
    );
    assert!(app.update(key('a')).is_empty(), "one approval at a time");
    app.update(Msg::Approved(Err("the sandbox answered HTTP 500".into())));
    assert!(matches!(&app.dialog, Some(Dialog::Login(d)) if matches!(d.approval, Approval::Failed(_))));
    assert_eq!(app.update(key('a')).len(), 1, "a failed approval can be retried");
}

#[test]
fn revoke_asks_first_then_shows_the_outcome() {
    let mut app = app();
    let profile = fixtures::select(&mut app, TokenState::Valid);
    assert!(app.update(key('x')).is_empty());
    assert_eq!(
        app.dialog,
        Some(Dialog::ConfirmRevoke {
            profile: profile.clone()
        })
    );
    assert!(app.update(key('l')).is_empty(), "other keys do nothing while asking");
    assert_eq!(
        app.update(key('y')),
        vec![Effect::Request(Request::Revoke {
            profile: profile.clone()
        })]
    );
    assert_eq!(app.mode(), Mode::Revoking);
    app.update(Msg::Replied {
        request: Request::Revoke {
            profile: profile.clone(),
        },
        result: Ok(Response::Revoked {
            profile: profile.clone(),
            outcome: RevokeOutcome::NotConfirmed {
                detail: "timeout".into(),
            },
        }),
    });
    assert_eq!(
        app.dialog,
        Some(Dialog::Revoke {
            profile: profile.clone(),
            result: Some(Ok(RevokeOutcome::NotConfirmed {
                detail: "timeout".into()
            })),
        })
    );
    // The event that follows does not overwrite the reply.
    app.update(Msg::Event(Event::Revoked {
        profile: profile.clone(),
        outcome: RevokeOutcome::Confirmed,
    }));
    assert!(matches!(
        &app.dialog,
        Some(Dialog::Revoke {
            result: Some(Ok(RevokeOutcome::NotConfirmed { .. })),
            ..
        })
    ));
    app.update(code(KeyCode::Enter));
    assert!(app.dialog.is_none());
}

#[test]
fn declining_a_revoke_sends_nothing() {
    let mut app = app();
    fixtures::select(&mut app, TokenState::Valid);
    app.update(key('x'));
    assert!(app.update(key('n')).is_empty());
    assert!(app.dialog.is_none());
}

#[test]
fn revoke_failure_is_shown() {
    let mut app = app();
    let profile = fixtures::select(&mut app, TokenState::Valid);
    app.update(key('x'));
    app.update(key('y'));
    app.update(Msg::Replied {
        request: Request::Revoke {
            profile: profile.clone(),
        },
        result: Err(Failure {
            code: Some(ErrorCode::Storage),
            message: "database is read-only".into(),
        }),
    });
    assert_eq!(
        app.dialog,
        Some(Dialog::Revoke {
            profile,
            result: Some(Err("database is read-only".into())),
        })
    );
}

#[test]
fn health_events_update_in_place_and_keep_the_selection() {
    let mut app = app();
    let selected = fixtures::select(&mut app, TokenState::LoginPending);
    let position = app.selected;
    let mut status = fixtures::status(&app, &selected).clone();
    status.state = TokenState::Expired;
    app.update(Msg::Event(Event::Health { status }));
    assert_eq!(fixtures::status(&app, &selected).state, TokenState::Expired);
    assert_eq!(app.selected, position);

    let newcomer = pdauth_common::ProfileStatus::logged_out("newcomer");
    app.update(Msg::Event(Event::Health { status: newcomer }));
    assert_eq!(app.profiles.last().map(|p| p.name.as_str()), Some("newcomer"));

    // A resync in another order keeps the cursor on the same profile.
    let mut reordered = app.profiles.clone();
    reordered.reverse();
    app.update(Msg::Event(Event::Resync { profiles: reordered }));
    assert_eq!(app.selected_profile().map(|p| p.name.clone()), Some(selected));

    app.update(Msg::Event(Event::Resync { profiles: Vec::new() }));
    assert_eq!(app.selected, 0);
    assert!(app.selected_profile().is_none());
}

#[test]
fn disconnect_shows_the_message_and_reconnect_recovers() {
    let mut app = App::new("/tmp/x.sock", NOW);
    assert_eq!(app.mode(), Mode::Disconnected);
    app.update(Msg::Disconnected {
        message: "pdauthd is not running (socket /tmp/x.sock)".into(),
    });
    app.update(Msg::Disconnected {
        message: "pdauthd is not running (socket /tmp/x.sock)".into(),
    });
    assert!(matches!(&app.link, Link::Down { attempts: 2, .. }));
    assert!(app.update(key('l')).is_empty(), "no login without a daemon");
    let effects = app.update(Msg::Connected {
        daemon_version: "0.1.0".into(),
        profiles: fixtures::every_state(),
        storage: fixtures::storage(),
    });
    // Profiles with usable tokens: the UI starts on the open incidents.
    assert_eq!(app.mode(), Mode::List(pdauth_common::browse::Resource::Incidents));
    assert!(
        matches!(effects.as_slice(), [Effect::Request(Request::Watch { .. })]),
        "{effects:?}"
    );
    app.update(Msg::Key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE)));
    for c in "tokens".chars() {
        app.update(key(c));
    }
    app.update(code(KeyCode::Enter));
    assert_eq!(app.mode(), Mode::Tokens);
    assert_eq!(app.profiles.len(), TokenState::ALL.len());

    // Losing the daemon with a dialog open closes it and says so.
    fixtures::select(&mut app, TokenState::Valid);
    app.update(key('x'));
    assert!(app.dialog.is_some());
    app.update(Msg::Disconnected {
        message: "pdauthd closed the connection".into(),
    });
    assert!(app.dialog.is_none());
    assert_eq!(app.mode(), Mode::Disconnected);
    assert_eq!(app.current_notice(NOW).map(|n| n.tone), Some(Tone::Error));
}

#[test]
fn no_profiles_means_nothing_to_log_in_to() {
    let mut app = app();
    app.profiles.clear();
    assert!(app.update(key('l')).is_empty());
    assert!(app.update(key('x')).is_empty());
    assert!(app.dialog.is_none());
    assert!(app.notice.is_some());
}

#[test]
fn ticks_move_the_clock_and_expire_notices() {
    let mut app = app();
    fixtures::select(&mut app, TokenState::Valid);
    app.update(key('x'));
    app.update(key('n'));
    assert!(app.notice.is_some());
    app.update(Msg::Tick { now: NOW + 1 });
    assert_eq!(app.now, NOW + 1);
    assert!(app.notice.is_some());
    app.update(Msg::Tick {
        now: NOW + NOTICE_SECONDS + 1,
    });
    assert!(app.notice.is_none());
}

#[test]
fn failed_requests_become_notices() {
    let mut app = app();
    app.update(Msg::Replied {
        request: Request::CancelLogin {
            profile: "valid".into(),
        },
        result: Err(Failure {
            code: None,
            message: "pdauthd is not connected".into(),
        }),
    });
    let notice = app.notice.clone().expect("a notice");
    assert_eq!(notice.tone, Tone::Error);
    assert!(notice.text.contains("pdauthd is not connected"));
}

mod browse;
mod screens;
