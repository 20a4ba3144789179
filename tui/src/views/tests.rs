//! View tests: every screen and dialog rendered into a `TestBackend` at 80x24
//! with a fixed `now`, compared with reviewed snapshots.

use pdauth_common::{RevokeOutcome, TokenState};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::*;
use crate::app::{Approval, LoginDialog, LoginPhase, Notice, Tone};
use crate::fixtures::{self, NOW};

fn render_at(app: &App, width: u16, height: u16) -> (Terminal<TestBackend>, Option<RawUrl>) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    let mut raw = None;
    terminal.draw(|frame| raw = draw(frame, app, NOW)).expect("draw");
    (terminal, raw)
}

fn render(app: &App) -> (Terminal<TestBackend>, Option<RawUrl>) {
    render_at(app, 80, 24)
}

fn text(buffer: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn login_app(phase: LoginPhase, demo: bool) -> App {
    let mut app = fixtures::connected_app();
    app.demo = demo;
    app.dialog = Some(Dialog::Login(LoginDialog {
        profile: "login-pending".into(),
        phase,
        approval: Approval::Idle,
        note: None,
    }));
    app
}

#[test]
fn tokens_screen_in_every_state() {
    for (i, state) in TokenState::ALL.iter().enumerate() {
        let mut app = fixtures::connected_app();
        app.selected = i;
        let (terminal, raw) = render(&app);
        assert!(raw.is_none());
        insta::assert_snapshot!(format!("tokens_{}", state.as_str()), terminal.backend());
    }
}

#[test]
fn state_words_are_coloured() {
    let app = fixtures::connected_app();
    let (terminal, _) = render(&app);
    let buffer = terminal.backend().buffer();
    let widths = super::tokens::column_widths(78);
    for (i, state) in TokenState::ALL.iter().enumerate() {
        let y = 3 + u16::try_from(i).unwrap();
        // Border, highlight symbol, profile column, gap.
        let x = 1 + 2 + widths[0] + 1;
        let word: String = (x..x + 15).map(|x| buffer[(x, y)].symbol().to_string()).collect();
        assert_eq!(word.trim_end(), state.label());
        assert_eq!(buffer[(x, y)].fg, theme::state_color(*state), "{state:?}");
    }
    assert_eq!(theme::state_color(TokenState::Valid), Color::Green);
    assert_eq!(theme::state_color(TokenState::Expiring), Color::Yellow);
    assert_eq!(theme::state_color(TokenState::NeedsLogin), Color::Red);
    assert_eq!(theme::state_color(TokenState::Error), Color::Magenta);
}

#[test]
fn countdown_ticks_with_now() {
    let mut app = fixtures::connected_app();
    app.profiles = vec![fixtures::profile(TokenState::Valid)];
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| {
            draw(f, &app, NOW);
        })
        .unwrap();
    assert!(text(terminal.backend().buffer()).contains("59m 12s"));
    terminal
        .draw(|f| {
            draw(f, &app, NOW + 1);
        })
        .unwrap();
    assert!(text(terminal.backend().buffer()).contains("59m 11s"));
    terminal
        .draw(|f| {
            draw(f, &app, NOW + 3_552 + 65);
        })
        .unwrap();
    assert!(text(terminal.backend().buffer()).contains("expired 1m ago"));
}

#[test]
fn tokens_screen_wide() {
    let app = fixtures::connected_app();
    let (terminal, _) = render_at(&app, 120, 24);
    insta::assert_snapshot!("tokens_wide", terminal.backend());
}

#[test]
fn tokens_screen_without_profiles() {
    let mut app = fixtures::connected_app();
    app.profiles.clear();
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("tokens_empty", terminal.backend());
}

#[test]
fn notice_in_the_footer() {
    let mut app = fixtures::connected_app();
    app.notice = Some(Notice {
        text: "Logged in: valid has a fresh token.".into(),
        tone: Tone::Success,
        at: NOW - 1,
    });
    let (terminal, _) = render(&app);
    assert!(
        text(terminal.backend().buffer())
            .lines()
            .nth(22)
            .unwrap()
            .contains("Logged in: valid")
    );
    let (terminal, _) = render_at(&app, 80, 24);
    insta::assert_snapshot!("tokens_notice", terminal.backend());
}

#[test]
fn hostile_text_is_neutralised() {
    let mut app = fixtures::connected_app();
    app.profiles[0].name = "evil\x1b]52;c;ZXZpbA==\x07name".into();
    app.profiles[0].reason = Some("\x1b[2Jcleared".into());
    let (terminal, _) = render(&app);
    let screen = text(terminal.backend().buffer());
    assert!(!screen.contains('\x1b'));
    assert!(!screen.contains('\x07'));
}

#[test]
fn login_dialog_waiting() {
    let app = login_app(LoginPhase::Waiting(fixtures::login_info("login-pending")), false);
    let (terminal, raw) = render(&app);
    insta::assert_snapshot!("login_waiting", terminal.backend());
    let raw = raw.expect("the URL is re-printed raw");
    assert_eq!(raw.text, fixtures::AUTHORIZE_URL);
    // The buffer holds the same characters from column 0, row after row, so
    // ratatui's diffs never overwrite the raw print.
    let buffer = terminal.backend().buffer();
    for (i, c) in raw.text.chars().enumerate() {
        let x = u16::try_from(i % 80).unwrap();
        let y = raw.row + u16::try_from(i / 80).unwrap();
        assert_eq!(buffer[(x, y)].symbol(), c.to_string(), "cell {x},{y}");
    }
}

#[test]
fn login_dialog_waiting_in_demo() {
    let mut app = login_app(LoginPhase::Waiting(fixtures::login_info("login-pending")), true);
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("login_waiting_demo", terminal.backend());
    if let Some(Dialog::Login(d)) = &mut app.dialog {
        d.approval = Approval::Failed("the sandbox answered HTTP 500".into());
        d.note = Some("Could not open a browser: xdg-open failed".into());
    }
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("login_approval_failed", terminal.backend());
}

#[test]
fn login_dialog_starting_and_expired() {
    let app = login_app(LoginPhase::Starting, false);
    let (terminal, raw) = render(&app);
    assert!(raw.is_none());
    insta::assert_snapshot!("login_starting", terminal.backend());

    let mut info = fixtures::login_info("login-pending");
    info.expires_at = NOW - 1;
    let app = login_app(LoginPhase::Waiting(info), false);
    let (terminal, _) = render(&app);
    assert!(text(terminal.backend().buffer()).contains("The login expired"));
}

#[test]
fn login_dialog_failed() {
    let app = login_app(
        LoginPhase::Failed("PagerDuty said: access_denied (the user refused the access)".into()),
        false,
    );
    let (terminal, raw) = render(&app);
    assert!(raw.is_none());
    insta::assert_snapshot!("login_failed", terminal.backend());
}

#[test]
fn login_url_too_long_for_the_window_is_not_printed_raw() {
    let mut info = fixtures::login_info("login-pending");
    info.authorize_url = format!("https://identity.pagerduty.com/oauth/authorize?x={}", "a".repeat(2_000));
    let app = login_app(LoginPhase::Waiting(info), false);
    let (terminal, raw) = render(&app);
    assert!(raw.is_none());
    assert!(text(terminal.backend().buffer()).contains("does not fit"));
}

#[test]
fn revoke_confirmation() {
    let mut app = fixtures::connected_app();
    app.dialog = Some(Dialog::ConfirmRevoke {
        profile: "valid".into(),
    });
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("revoke_confirm", terminal.backend());
}

#[test]
fn revoke_results() {
    let cases = [
        ("revoke_running", None),
        ("revoke_confirmed", Some(Ok(RevokeOutcome::Confirmed))),
        (
            "revoke_not_confirmed",
            Some(Ok(RevokeOutcome::NotConfirmed {
                detail: "identity.pagerduty.com answered HTTP 503".into(),
            })),
        ),
        (
            "revoke_local_only",
            Some(Ok(RevokeOutcome::LocalOnly {
                detail: "the profile has no revoke URL".into(),
            })),
        ),
        ("revoke_failed", Some(Err("the token store is read-only".to_string()))),
    ];
    for (name, result) in cases {
        let mut app = fixtures::connected_app();
        app.dialog = Some(Dialog::Revoke {
            profile: "valid".into(),
            result,
        });
        let (terminal, _) = render(&app);
        insta::assert_snapshot!(name, terminal.backend());
    }
}

#[test]
fn help_overlay() {
    let mut app = fixtures::connected_app();
    app.help = true;
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("help_tokens", terminal.backend());

    let mut app = login_app(LoginPhase::Waiting(fixtures::login_info("login-pending")), true);
    app.help = true;
    let (terminal, raw) = render(&app);
    assert!(raw.is_none(), "the raw URL would print over the help");
    insta::assert_snapshot!("help_login_demo", terminal.backend());
}

#[test]
fn daemon_not_running() {
    let mut app = App::new("/run/user/1000/pdauth/pdauthd.sock", NOW);
    app.link = Link::Down {
        message: crate::client::ClientError::NotRunning {
            socket: "/run/user/1000/pdauth/pdauthd.sock".into(),
        }
        .to_string(),
        attempts: 3,
    };
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("daemon_not_running", terminal.backend());
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("pdauthd is not running"));
    assert!(screen.contains("systemctl --user start"));
}

#[test]
fn connecting() {
    let app = App::new("/run/user/1000/pdauth/pdauthd.sock", NOW);
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("connecting", terminal.backend());
}

#[test]
fn small_windows_do_not_panic() {
    let mut app = login_app(LoginPhase::Waiting(fixtures::login_info("login-pending")), true);
    for (w, h) in [(1, 1), (10, 3), (20, 6), (30, 8), (40, 12), (79, 23)] {
        render_at(&app, w, h);
        app.help = !app.help;
        render_at(&app, w, h);
    }
    let mut app = fixtures::connected_app();
    app.dialog = Some(Dialog::ConfirmRevoke {
        profile: "valid".into(),
    });
    for (w, h) in [(20, 6), (33, 9)] {
        render_at(&app, w, h);
    }
}
