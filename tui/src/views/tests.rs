//! View tests: every screen and dialog rendered into a `TestBackend` at 80x24
//! with a fixed `now`, compared with reviewed snapshots.

use pdauth_common::{RevokeOutcome, TokenState};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::app::{Approval, LoginDialog, LoginPhase, Notice, Tone};
use crate::fixtures::{self, NOW};
use crate::msg::Msg;
use crate::words;

fn enter() -> KeyEvent {
    KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)
}

fn tab() -> KeyEvent {
    KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
}

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

/// The screen's words in order, borders and line breaks gone, so wrapped text
/// can be searched whole.
fn squeeze(screen: &str) -> String {
    screen
        .replace(['│', '\n'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn login_app(phase: LoginPhase, demo: bool) -> App {
    let mut app = fixtures::connected_app();
    app.demo = demo;
    app.dialog = Some(Dialog::Login(LoginDialog {
        profile: "login-pending".into(),
        phase,
        approval: Approval::Idle,
        note: None,
        replaces_token: false,
    }));
    app
}

#[test]
fn tokens_screen_in_every_state() {
    for state in TokenState::ALL.iter() {
        let mut app = fixtures::connected_app();
        fixtures::select(&mut app, *state);
        let (terminal, raw) = render(&app);
        assert!(raw.is_none());
        insta::assert_snapshot!(format!("tokens_{}", state.as_str()), terminal.backend());
        let (terminal, _) = render_at(&app, 132, 30);
        insta::assert_snapshot!(format!("tokens_wide_{}", state.as_str()), terminal.backend());
    }
}

#[test]
fn every_state_has_its_own_words_and_countdowns() {
    let app = fixtures::connected_app();
    let (terminal, _) = render_at(&app, 132, 30);
    let screen = text(terminal.backend().buffer());
    for state in TokenState::ALL {
        assert!(screen.contains(state.label()), "{state:?}:\n{screen}");
    }
    // Next refresh, retry and overdue countdowns are columns when there is room.
    assert!(screen.contains("NEXT REFRESH"), "{screen}");
    assert!(screen.contains("retry in 25s"), "{screen}");
    assert!(screen.contains("in 47m 0s"), "{screen}");
}

#[test]
fn profile_column_takes_the_room_it_needs() {
    let mut app = fixtures::connected_app();
    app.profiles[0].name = "production-eu-oncall".into();
    let (terminal, _) = render(&app);
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("production-eu-oncall"), "{screen}");
    let refs: Vec<&pdauth_common::ProfileStatus> = app.profiles.iter().collect();
    let columns = super::tokens::layout(78, &refs, NOW);
    let state = columns
        .widths
        .iter()
        .find(|(c, _)| *c == super::tokens::Column::State)
        .unwrap()
        .1;
    assert_eq!(state, 15, "STATE is as wide as its longest word, no more");
}

#[test]
fn a_profile_granted_no_scope_is_not_plainly_healthy() {
    let mut app = fixtures::connected_app();
    app.profiles = vec![fixtures::no_scopes(), fixtures::profile(TokenState::Valid)];
    let (terminal, _) = render(&app);
    let buffer = terminal.backend().buffer();
    let screen = text(buffer);
    let row = screen.lines().find(|l| l.contains("scoped")).unwrap();
    assert!(row.contains("valid !"), "{row}");
    assert!(row.contains("!incidents"), "{row}");
    assert!(screen.contains("none of the requested scopes granted"), "{screen}");
    // The state word is in the warning colour, not the healthy green.
    let y = u16::try_from(screen.lines().position(|l| l.contains("scoped")).unwrap()).unwrap();
    let x = u16::try_from(row.find("valid !").unwrap()).unwrap();
    assert_ne!(buffer[(x, y)].fg, Color::Green);
}

#[test]
fn detail_pane_with_timeline() {
    let mut app = fixtures::connected_app();
    fixtures::select(&mut app, TokenState::Valid);
    app.update(Msg::Key(enter()));
    app.update(Msg::Replied {
        request: pdauth_common::Request::Audit {
            profile: Some("valid".into()),
            limit: Some(crate::app::TIMELINE_LIMIT),
        },
        result: Ok(pdauth_common::Response::Audit {
            entries: fixtures::audit_entries("valid"),
        }),
    });
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("detail_timeline", terminal.backend());
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("Timeline"), "{screen}");
    assert!(screen.contains("refresh failed"), "{screen}");
    assert!(
        screen.contains("uid 1000 pid 4242") || screen.contains("pdauthd"),
        "{screen}"
    );
    let (terminal, _) = render_at(&app, 132, 30);
    insta::assert_snapshot!("detail_timeline_wide", terminal.backend());
}

#[test]
fn detail_pane_with_a_failing_refresh() {
    let mut app = fixtures::connected_app();
    fixtures::select(&mut app, TokenState::RefreshFailing);
    app.update(Msg::Key(enter()));
    app.update(Msg::Replied {
        request: pdauth_common::Request::Audit {
            profile: Some("refresh-failing".into()),
            limit: Some(crate::app::TIMELINE_LIMIT),
        },
        result: Ok(pdauth_common::Response::Audit {
            entries: fixtures::audit_entries("refresh-failing"),
        }),
    });
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("detail_refresh_failing", terminal.backend());
    let buffer = terminal.backend().buffer();
    let screen = text(buffer);
    assert!(screen.contains("attempt 3 failed"), "{screen}");
    assert!(squeeze(&screen).contains("next attempt in 25s"), "{screen}");
    // The failed refreshes in the timeline are in the error colour.
    let y = screen
        .lines()
        .position(|l| l.contains("refresh failed") && l.contains('›'))
        .unwrap();
    let x = screen.lines().nth(y).unwrap().find("refresh failed").unwrap();
    let x = u16::try_from(screen.lines().nth(y).unwrap()[..x].chars().count()).unwrap();
    assert_eq!(buffer[(x, u16::try_from(y).unwrap())].fg, Color::Red);
}

#[test]
fn unsaved_tokens_show_a_save_being_retried_not_a_failed_refresh() {
    let mut app = fixtures::connected_app();
    fixtures::select(&mut app, TokenState::Unpersisted);
    app.update(Msg::Key(enter()));
    let (terminal, _) = render_at(&app, 120, 40);
    let screen = squeeze(&text(terminal.backend().buffer()));
    assert!(
        screen.contains("Saving attempt 2 to save the new tokens failed: disk full · next attempt in 20s"),
        "{screen}"
    );
    assert!(!screen.contains("Refresh attempt"), "{screen}");
    assert!(
        screen.contains("Refresh next in 2d"),
        "the planned refresh still shows: {screen}"
    );
}

#[test]
fn detail_pane_with_missing_scopes_and_a_loose_key_file() {
    let mut app = fixtures::connected_app();
    app.profiles.push(fixtures::no_scopes());
    app.storage = Some(pdauth_common::StorageInfo::Unavailable {
        reason: "key file /home/ada/.local/state/pdauth/key has mode 644; it must be readable by its owner only \
                 (chmod 600 /home/ada/.local/state/pdauth/key)"
            .into(),
    });
    fixtures::select_name(&mut app, "scoped");
    app.update(Msg::Key(enter()));
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("detail_missing_scopes", terminal.backend());
    let joined = text(terminal.backend().buffer()).replace(['│', '\n'], "");
    let squeezed: String = joined.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        squeezed.contains("(chmod 600 /home/ada/.local/state/pdauth/key)"),
        "the whole fix is readable: {squeezed}"
    );
    assert!(
        squeezed.contains("missing incidents.read services.read (calls needing them will fail)"),
        "{squeezed}"
    );
}

#[test]
fn storage_problem_is_spelled_out_on_the_tokens_screen() {
    let mut app = fixtures::connected_app();
    app.storage = Some(pdauth_common::StorageInfo::Unavailable {
        reason: "key file /home/ada/.local/state/pdauth/key has mode 644; it must be readable by its owner only \
                 (chmod 600 /home/ada/.local/state/pdauth/key)"
            .into(),
    });
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("tokens_storage_unavailable", terminal.backend());
    let screen = text(terminal.backend().buffer());
    let squeezed: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        squeezed.contains("(chmod 600 /home/ada/.local/state/pdauth/key)"),
        "{screen}"
    );
}

#[test]
fn audit_screen() {
    let mut app = fixtures::connected_app();
    let mut entries = fixtures::audit_entries("work");
    for (i, e) in fixtures::audit_entries("staging").into_iter().enumerate() {
        entries.push(pdauth_common::AuditEntry {
            id: 200 - i64::try_from(i).unwrap(),
            ..e
        });
    }
    app.update(Msg::Key(tab()));
    app.update(Msg::Replied {
        request: pdauth_common::Request::Audit {
            profile: None,
            limit: Some(crate::app::AUDIT_LIMIT),
        },
        result: Ok(pdauth_common::Response::Audit { entries }),
    });
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("audit_screen", terminal.backend());
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains(" 1/18 "), "position indicator: {screen}");
    let (terminal, _) = render_at(&app, 132, 30);
    insta::assert_snapshot!("audit_screen_wide", terminal.backend());
}

#[test]
fn filter_in_use() {
    let mut app = fixtures::connected_app();
    for c in ['/', 'r', 'e', 'f'] {
        app.update(Msg::Key(ch(c)));
    }
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("tokens_filter", terminal.backend());
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("/ref▏"), "{screen}");
    assert!(
        screen.contains("refreshing") && screen.contains("refresh-failing"),
        "{screen}"
    );
    assert!(!screen.contains("logged-out"), "{screen}");
    for c in ['z', 'z'] {
        app.update(Msg::Key(ch(c)));
    }
    let (terminal, _) = render(&app);
    assert!(text(terminal.backend().buffer()).contains("No profile name contains “refzz”"));
}

#[test]
fn small_windows_scroll_with_a_position_indicator() {
    let mut app = fixtures::connected_app();
    app.profiles.truncate(2);
    let (terminal, _) = render_at(&app, 60, 15);
    let screen = text(terminal.backend().buffer());
    assert!(
        screen.contains("logged-out") && screen.contains("login-pending"),
        "both rows: {screen}"
    );

    let mut app = fixtures::connected_app();
    app.profiles.truncate(7);
    fixtures::select(&mut app, TokenState::RefreshFailing);
    let (terminal, _) = render_at(&app, 60, 15);
    insta::assert_snapshot!("tokens_60x15", terminal.backend());
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains(" 5/7 "), "{screen}");
    assert!(
        screen.lines().any(|l| l.contains('›') && l.contains("refresh-failing")),
        "{screen}"
    );
}

#[test]
fn login_dialog_warns_before_replacing_a_token_and_wraps_notes() {
    let mut app = login_app(LoginPhase::Waiting(fixtures::login_info("valid")), false);
    if let Some(Dialog::Login(d)) = &mut app.dialog {
        d.profile = "valid".into();
        d.replaces_token = true;
        d.note = Some("No graphical session here (no DISPLAY or WAYLAND_DISPLAY): copy the URL into a browser.".into());
    }
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("login_replaces_token", terminal.backend());
    let screen = text(terminal.backend().buffer());
    let squeezed: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(squeezed.contains("copy the URL into a browser."), "{screen}");
    assert!(
        squeezed.contains("already has a usable token: approving this login replaces it."),
        "{screen}"
    );
}

#[test]
fn state_words_are_coloured() {
    let app = fixtures::connected_app();
    let (terminal, _) = render(&app);
    let buffer = terminal.backend().buffer();
    let refs: Vec<&pdauth_common::ProfileStatus> = app.profiles.iter().collect();
    let columns = super::tokens::layout(78, &refs, NOW).widths;
    assert_eq!(columns[1].0, super::tokens::Column::State);
    // Border, highlight symbol, profile column, gap.
    let x = 1 + 2 + columns[0].1 + 1;
    for (row, i) in app.visible().into_iter().enumerate() {
        let p = &app.profiles[i];
        let y = 3 + u16::try_from(row).unwrap();
        let word: String = (x..x + columns[1].1)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        if p.scopes_missing.is_empty() {
            assert_eq!(word.trim_end(), p.state.label());
            assert_eq!(buffer[(x, y)].fg, theme::state_color(p.state), "{:?}", p.state);
        } else {
            // A usable token without its scopes is flagged, not plainly healthy.
            assert_eq!(word.trim_end(), format!("{} !", p.state.label()));
            assert_eq!(buffer[(x, y)].fg, Color::Yellow, "{:?}", p.state);
        }
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
    // Too small to use: the whole sentence, wrapped.
    let (terminal, _) = render_at(&app, 12, 5);
    let screen = squeeze(&text(terminal.backend().buffer()).replace('\n', " "));
    assert!(screen.contains("window too small"), "{screen}");
}

/// The colour of the first cell of the first occurrence of `needle` on a
/// line that also contains `row` (the whole screen when `row` is empty).
fn fg_of(buffer: &Buffer, row: &str, needle: &str) -> Color {
    let screen = text(buffer);
    let (y, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(row) && l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {row:?} and {needle:?}:\n{screen}"));
    let x = line[..line.find(needle).unwrap()].chars().count();
    buffer[(u16::try_from(x).unwrap(), u16::try_from(y).unwrap())].fg
}

/// Every colour used on the line that contains `row`.
fn colours_of_line(buffer: &Buffer, row: &str) -> Vec<Color> {
    let screen = text(buffer);
    let y = screen.lines().position(|l| l.contains(row)).unwrap();
    (0..buffer.area.width)
        .map(|x| buffer[(x, u16::try_from(y).unwrap())].fg)
        .collect()
}

#[test]
fn the_title_names_the_order_and_counts_the_problems_in_red() {
    let mut app = fixtures::connected_app();
    let (terminal, _) = render(&app);
    let buffer = terminal.backend().buffer();
    let screen = text(buffer);
    let title = screen.lines().nth(1).unwrap();
    assert!(title.contains("sorted by name (s)"), "{title}");
    assert!(title.contains("5 need attention (n)"), "{title}");
    assert_eq!(fg_of(buffer, "Tokens", "5 need attention"), Color::Red);

    app.update(Msg::Key(ch('s')));
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("tokens_by_severity", terminal.backend());
    let screen = text(terminal.backend().buffer());
    assert!(
        screen.lines().nth(1).unwrap().contains("sorted by severity (s)"),
        "{screen}"
    );
    let rows: Vec<&str> = screen.lines().skip(3).take(5).collect();
    for (row, name) in rows
        .iter()
        .zip(["error", "needs-login", "expired", "refresh-failing", "unpersisted"])
    {
        assert!(row.contains(name), "problems first: {screen}");
    }

    // One problem, in the singular; none, and the count is gone.
    app.profiles = vec![
        fixtures::profile(TokenState::Valid),
        fixtures::profile(TokenState::NeedsLogin),
    ];
    let (terminal, _) = render(&app);
    assert!(text(terminal.backend().buffer()).contains("1 needs attention (n)"));
    app.profiles.pop();
    let (terminal, _) = render(&app);
    assert!(!text(terminal.backend().buffer()).contains("attention"));
}

#[test]
fn next_refresh_fits_at_80_columns_beside_whole_profile_names() {
    let mut app = fixtures::connected_app();
    app.profiles = (0..200)
        .map(|i| {
            let state = TokenState::ALL[i % TokenState::ALL.len()];
            pdauth_common::ProfileStatus {
                name: format!("team-{i:03}-{}", fixtures::profile(state).name),
                ..fixtures::profile(state)
            }
        })
        .collect();
    app.profiles[5].name = "production-eu-oncall-refresh".into();
    app.update(Msg::Key(ch('s')));
    let (terminal, _) = render(&app);
    let screen = text(terminal.backend().buffer());
    let header = screen.lines().nth(2).unwrap();
    assert!(header.contains("REFRESH"), "{screen}");
    assert!(screen.contains("production-eu-oncall-refresh"), "{screen}");
    assert!(screen.contains("retry 25s"), "{screen}");
    assert!(screen.contains("1/200"), "{screen}");
    // Every row shown starts with a whole profile name.
    let rows: Vec<&str> = screen.lines().skip(3).take_while(|l| !l.starts_with('└')).collect();
    assert!(rows.len() >= 5, "{screen}");
    for row in rows {
        let name = row.trim_start_matches(['│', '›', ' ']).split(' ').next().unwrap();
        assert!(app.profiles.iter().any(|p| p.name == name), "{name:?} cut:\n{screen}");
    }
    let visible: Vec<&pdauth_common::ProfileStatus> = app.profiles.iter().collect();
    let columns = super::tokens::layout(78, &visible, NOW);
    let profile = columns
        .widths
        .iter()
        .find(|(c, _)| *c == super::tokens::Column::Profile)
        .unwrap()
        .1;
    assert_eq!(profile, 28, "the longest name is whole");
    assert!(columns.short);
    assert!(columns.widths.iter().any(|(c, _)| *c == super::tokens::Column::Refresh));
    // The fixtures' usual rows, in the narrow forms.
    let app = fixtures::connected_app();
    let (terminal, _) = render(&app);
    let screen = text(terminal.backend().buffer());
    let row = |name: &str| {
        screen
            .lines()
            .find(|l| l.contains(&format!(" {name} ")))
            .unwrap()
            .to_string()
    };
    assert!(row("valid").contains("in 47m"), "{screen}");
    assert!(row("expired").contains("4m ago"), "{screen}");
    assert!(row("expired").contains("overdue 4m"), "{screen}");
}

fn failing_retry(next_attempt_at: i64) -> pdauth_common::ProfileStatus {
    let mut p = fixtures::profile(TokenState::RefreshFailing);
    if let Some(retry) = &mut p.retry {
        retry.next_attempt_at = next_attempt_at;
    }
    p.next_refresh_at = Some(next_attempt_at);
    p
}

#[test]
fn a_retry_that_just_came_due_is_retrying_not_overdue_in_red() {
    let mut app = fixtures::connected_app();
    app.profiles = vec![failing_retry(NOW)];
    for (width, height) in [(80, 24), (132, 30)] {
        let (terminal, _) = render_at(&app, width, height);
        let buffer = terminal.backend().buffer();
        let screen = text(buffer);
        assert!(!screen.contains("overdue"), "{screen}");
        let row = screen.lines().find(|l| l.contains("refresh-failing ")).unwrap();
        assert!(row.contains("retrying…"), "{screen}");
        assert_eq!(fg_of(buffer, "refresh-failing ", "retrying…"), Color::Reset);
        assert!(squeeze(&screen).contains("· retrying now"), "{screen}");
    }
    // Half a minute late: overdue, as a warning.
    app.profiles = vec![failing_retry(NOW - words::DUE_GRACE - 10)];
    let (terminal, _) = render_at(&app, 132, 30);
    let buffer = terminal.backend().buffer();
    assert!(text(buffer).contains("retry overdue by 40s"));
    assert_eq!(fg_of(buffer, "refresh-failing ", "retry overdue"), Color::Yellow);
    // Genuinely late: overdue, in red.
    app.profiles = vec![failing_retry(NOW - 90)];
    let (terminal, _) = render(&app);
    let buffer = terminal.backend().buffer();
    assert_eq!(fg_of(buffer, "refresh-failing ", "overdue 1m"), Color::Red);
    assert!(squeeze(&text(buffer)).contains("next attempt overdue by 1m 30s"));
    assert_eq!(fg_of(buffer, "", "attempt overdue by 1m 30s"), Color::Red);
}

#[test]
fn a_queued_refresh_of_an_expired_token_is_in_progress_not_alarming() {
    let mut app = fixtures::connected_app();
    app.profiles = vec![
        pdauth_common::ProfileStatus {
            name: "queued".into(),
            reason: Some("a refresh is queued".into()),
            expires_at: Some(NOW - 30),
            next_refresh_at: Some(NOW - 30),
            ..fixtures::profile(TokenState::Refreshing)
        },
        fixtures::profile(TokenState::Valid),
    ];
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("tokens_refresh_queued", terminal.backend());
    let buffer = terminal.backend().buffer();
    let screen = text(buffer);
    assert!(!screen.contains("attention"), "not a problem: {screen}");
    let row = screen.lines().find(|l| l.contains("queued ")).unwrap();
    assert!(row.contains("refreshing") && row.contains("now"), "{row}");
    assert_eq!(fg_of(buffer, "queued ", "refreshing"), Color::Yellow);
    assert_eq!(fg_of(buffer, "queued ", "30s ago"), Color::Yellow);
    for colour in colours_of_line(buffer, "queued ") {
        assert!(!matches!(colour, Color::Red | Color::LightRed), "{colour:?} in {row}");
    }
    let squeezed = squeeze(&screen);
    assert!(squeezed.contains("State refreshing: a refresh is queued"), "{screen}");
    assert!(squeezed.contains("Refresh in progress"), "{screen}");
    assert_eq!(fg_of(buffer, "Token", "expired 30s ago"), Color::Yellow);
}

fn pending_over_expired() -> pdauth_common::ProfileStatus {
    pdauth_common::ProfileStatus {
        name: "relogin".into(),
        state: TokenState::LoginPending,
        login: Some(fixtures::login_info("relogin")),
        obtained_at: Some(NOW - 4_200),
        expires_at: Some(NOW - 600),
        has_refresh_token: true,
        next_refresh_at: None,
        last_refresh: Some(pdauth_common::RefreshResult {
            at: NOW - 900,
            ok: false,
            message: "identity.pagerduty.com unreachable".into(),
        }),
        ..fixtures::profile(TokenState::Valid)
    }
}

#[test]
fn a_pending_login_shows_the_state_of_the_token_it_replaces() {
    let mut app = fixtures::connected_app();
    app.profiles = vec![pending_over_expired(), fixtures::profile(TokenState::Valid)];
    let (terminal, _) = render(&app);
    insta::assert_snapshot!("tokens_login_pending_over_expired", terminal.backend());
    let buffer = terminal.backend().buffer();
    let screen = text(buffer);
    let row = screen.lines().find(|l| l.contains("relogin ")).unwrap();
    assert!(row.contains("login · expired"), "{row}");
    assert_eq!(fg_of(buffer, "relogin ", "login ·"), Color::Cyan);
    assert_eq!(fg_of(buffer, "relogin ", "expired"), Color::Red);
    assert!(screen.contains("1 needs attention"), "{screen}");
    let squeezed = squeeze(&screen);
    assert!(squeezed.contains("State login pending · expired"), "{screen}");
    assert!(squeezed.contains("Token expired 10m ago"), "{screen}");
    assert!(
        squeezed.contains("Refresh overdue") || squeezed.contains("Refresh not planned"),
        "{screen}"
    );
    assert!(squeezed.contains("Login pending in a browser"), "{screen}");

    let (terminal, _) = render_at(&app, 132, 30);
    let screen = text(terminal.backend().buffer());
    let row = screen.lines().find(|l| l.contains("relogin ")).unwrap();
    assert!(row.contains("login pending · expired"), "{row}");

    // Over a token still good: said too, and not a problem.
    app.profiles[0].expires_at = Some(NOW + 1_800);
    app.profiles[0].last_refresh = None;
    let (terminal, _) = render_at(&app, 132, 30);
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("login pending · valid"), "{screen}");
    assert!(!screen.contains("attention"), "{screen}");
}
