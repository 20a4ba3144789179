//! View tests of browsing: every list screen, the command bar, the help
//! overlay, the status bar's rate countdown, problems, the detail screen and
//! hostile text, rendered into a `TestBackend` with a fixed `now` and
//! compared with reviewed snapshots.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pdauth_common::browse::{Detail, DetailPage, Items, RateInfo, Resource};
use pdauth_common::{ErrorCode, Event, Request, Response, WireError};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::*;
use crate::fixtures::NOW;
use crate::msg::{Effect, Msg};
use crate::samples::{self, PROFILE, browsing, incident};

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn render_at(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| {
            draw(frame, app, NOW);
        })
        .expect("draw");
    terminal
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

/// The foreground colour of the first cell showing `word` on the row
/// containing `row`.
fn colour_of(buffer: &Buffer, row: &str, word: &str) -> Color {
    let screen = text(buffer);
    let (y, line) = screen.lines().enumerate().find(|(_, l)| l.contains(row)).expect(row);
    let x = line[..line.find(word).expect(word)].chars().count();
    buffer[(u16::try_from(x).unwrap(), u16::try_from(y).unwrap())].fg
}

#[test]
fn every_list_screen() {
    for resource in Resource::ALL {
        let app = browsing(resource);
        let terminal = render_at(&app, 100, 16);
        insta::assert_snapshot!(format!("list_{}", resource.as_str()), terminal.backend());
    }
}

#[test]
fn incidents_are_coloured_by_status_and_urgency() {
    let app = browsing(Resource::Incidents);
    let terminal = render_at(&app, 132, 20);
    insta::assert_snapshot!("list_incidents_wide", terminal.backend());
    let buffer = terminal.backend().buffer();
    let screen = text(buffer);
    assert!(screen.contains("incidents"), "breadcrumb: {screen}");
    assert!(screen.contains("[open]"), "{screen}");
    assert_eq!(colour_of(buffer, "1231", "triggered"), Color::Red);
    assert_eq!(colour_of(buffer, "1233", "acknowledged"), Color::Yellow);
    assert_eq!(colour_of(buffer, "1234", "high"), Color::LightRed);
    assert_eq!(colour_of(buffer, "1231", "low"), Color::DarkGray);
}

#[test]
fn column_titles_keep_room_for_the_order_arrow() {
    for resource in Resource::ALL {
        for width in [60, 80, 100, 132] {
            let mut app = browsing(resource);
            // Every order twice round, one way and the other: the ordering
            // column is never dropped nor its title cut.
            for step in 0..24 {
                app.update(key(if step % 3 == 2 { 'S' } else { 's' }));
                let screen = text(render_at(&app, width, 12).backend().buffer());
                let header = screen.lines().nth(2).expect("the column titles");
                // Shown whole: a cut title loses its arrow first.
                let before = header.split(['↑', '↓']).next().filter(|b| b.len() < header.len());
                let Some(before) = before else {
                    panic!("{resource:?} at {width}: no arrow in {header}");
                };
                assert!(
                    !before.ends_with('…'),
                    "{resource:?} at {width}: a cut title in {header}"
                );
            }
        }
    }
}

#[test]
fn a_narrow_window_drops_columns_before_cutting_the_title() {
    let app = browsing(Resource::Incidents);
    let terminal = render_at(&app, 60, 12);
    insta::assert_snapshot!("list_incidents_narrow", terminal.backend());
    let screen = text(terminal.backend().buffer());
    assert!(!screen.contains("PRI"), "{screen}");
    assert!(screen.contains("Checkout latency"), "{screen}");
}

#[test]
fn the_command_bar_shows_its_suggestions() {
    let mut app = browsing(Resource::Incidents);
    app.update(key(':'));
    app.update(key('s'));
    let terminal = render_at(&app, 80, 16);
    insta::assert_snapshot!("command_bar", terminal.backend());
    let screen = text(terminal.backend().buffer());
    assert!(
        screen.contains(":services") && screen.contains(":schedules"),
        "{screen}"
    );
    assert!(!screen.contains(":teams"), "{screen}");
}

#[test]
fn help_lists_the_keys_of_the_incidents_screen() {
    let mut app = browsing(Resource::Incidents);
    app.update(key('?'));
    let terminal = render_at(&app, 80, 24);
    insta::assert_snapshot!("help_incidents", terminal.backend());
    let screen = text(terminal.backend().buffer());
    for hint in crate::keymap::hints(crate::keymap::Mode::List(Resource::Incidents)) {
        assert!(screen.contains(hint.what), "{} missing:\n{screen}", hint.what);
    }
}

#[test]
fn the_status_bar_counts_down_while_requests_wait() {
    let mut app = browsing(Resource::Incidents);
    let line = |app: &App| -> String { status::spans(app, NOW).iter().map(|s| s.content.to_string()).collect() };
    assert_eq!(
        line(&app),
        " expiring · acme-corp · expiring soon · 955/960 requests · updated 5s ago"
    );
    app.update(Msg::Event(Event::Rate {
        profile: PROFILE.into(),
        rate: RateInfo {
            limit: Some(960),
            remaining: Some(0),
            reset_at: Some(NOW + 12),
            waiting_until: Some(NOW + 12),
        },
    }));
    let terminal = render_at(&app, 80, 12);
    insta::assert_snapshot!("status_waiting", terminal.backend());
    assert!(line(&app).contains("waiting 12s"), "{}", line(&app));
}

#[test]
fn problems_say_what_to_do() {
    let mut app = browsing(Resource::Incidents);
    let error = WireError::new(
        ErrorCode::Forbidden,
        "PagerDuty answered 403: missing scope incidents.read",
    );
    app.update(Msg::Event(Event::ListFailed {
        watch: 1,
        error: error.clone(),
    }));
    // The token has `read`: a login would not help, the user's role might.
    let screen = text(render_at(&app, 80, 16).backend().buffer());
    assert!(screen.contains("role or team forbids it"), "{screen}");
    assert!(!screen.contains("Missing scope"), "{screen}");
    // Without a read scope, a login with one is the fix.
    for p in app.profiles.iter_mut().filter(|p| p.name == PROFILE) {
        p.scopes_granted = vec!["openid".into()];
    }
    let terminal = render_at(&app, 80, 16);
    insta::assert_snapshot!("problem_forbidden", terminal.backend());
    let screen = text(terminal.backend().buffer());
    assert!(screen.contains("Missing scope"), "{screen}");
    assert!(screen.contains(":tokens, then l"), "{screen}");

    let mut app = samples::browsing_with(Resource::Services, Items::Services(vec![]));
    app.update(Msg::Event(Event::Rate {
        profile: PROFILE.into(),
        rate: RateInfo {
            waiting_until: Some(NOW + 42),
            ..RateInfo::default()
        },
    }));
    let error = WireError::new(ErrorCode::RateLimited, "rate limited");
    app.update(Msg::Event(Event::ListFailed { watch: 1, error }));
    let screen = text(render_at(&app, 80, 16).backend().buffer());
    assert!(screen.contains("waiting 42s"), "{screen}");

    let error = WireError::new(ErrorCode::NeedsLogin, "expiring needs a new login");
    app.update(Msg::Event(Event::ListFailed { watch: 1, error }));
    let screen = text(render_at(&app, 80, 16).backend().buffer());
    assert!(
        screen.contains("needs a new login") && screen.contains(":tokens, then l"),
        "{screen}"
    );
}

#[test]
fn hostile_titles_never_reach_the_terminal() {
    let hostile = "db down\x1b]52;c;ZXZpbA==\x07 \x1b[2J\u{202E}lived\u{2066} \r\nnext line \u{9b}31m";
    let app = samples::browsing_with(
        Resource::Incidents,
        Items::Incidents(vec![incident(7, "triggered", "high", hostile, 60)]),
    );
    let terminal = render_at(&app, 132, 12);
    insta::assert_snapshot!("hostile_title", terminal.backend());
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert!(
            !cell
                .symbol()
                .chars()
                .any(|c| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')),
            "{:?}",
            cell.symbol()
        );
    }
    let screen = text(buffer);
    assert!(
        screen.contains("db down lived   next line ") && !screen.contains("[2J"),
        "{screen}"
    );
}

#[test]
fn the_detail_screen_scrolls_and_shows_the_link() {
    let mut app = browsing(Resource::Incidents);
    app.update(code(KeyCode::Enter));
    let loading = text(render_at(&app, 80, 16).backend().buffer());
    assert!(loading.contains("Loading #1234"), "{loading}");
    assert!(loading.contains("incidents › #1234"), "{loading}");
    let detail = Detail::Incident {
        incident: samples::incidents()[0].clone(),
        log_entries: Vec::new(),
        notes: Vec::new(),
        alerts: Vec::new(),
    };
    app.update(Msg::Replied {
        request: Request::Get {
            profile: PROFILE.into(),
            resource: Resource::Incidents,
            id: "Q01234".into(),
            fresh: false,
        },
        result: Ok(Response::Detail {
            page: DetailPage {
                detail,
                meta: samples::meta(),
                unread: Vec::new(),
                cut: Vec::new(),
            },
        }),
    });
    let terminal = render_at(&app, 80, 16);
    insta::assert_snapshot!("item_incident", terminal.backend());
    let screen = text(terminal.backend().buffer());
    assert!(
        screen.contains("https://acme-corp.pagerduty.com/incidents/Q01234"),
        "{screen}"
    );
    assert!(screen.contains("Checkout latency"), "{screen}");

    let before = screen;
    let (lines, page) = (app.browse.item.as_ref().unwrap().lines, app.browse.page);
    assert!(
        lines > page,
        "the detail is longer than the pane: {lines} lines, {page} rows"
    );
    app.update(key('G'));
    assert_eq!(app.browse.item.as_ref().unwrap().scroll, lines - page);
    let after = text(render_at(&app, 80, 16).backend().buffer());
    assert_ne!(before, after, "G scrolled");
    app.update(key('k'));
    assert_eq!(app.browse.item.as_ref().unwrap().scroll, lines - page - 1);
    app.update(key('g'));
    assert_eq!(app.browse.item.as_ref().unwrap().scroll, 0);
}

#[test]
fn a_detail_that_fails_says_why() {
    let mut app = browsing(Resource::Teams);
    app.update(code(KeyCode::Enter));
    app.update(Msg::Replied {
        request: Request::Get {
            profile: PROFILE.into(),
            resource: Resource::Teams,
            id: "PTPAY01".into(),
            fresh: false,
        },
        result: Err(crate::msg::Failure {
            code: Some(ErrorCode::Forbidden),
            message: "PagerDuty answered 403".into(),
        }),
    });
    let terminal = render_at(&app, 80, 12);
    insta::assert_snapshot!("item_forbidden", terminal.backend());
    let screen = text(terminal.backend().buffer());
    // The profile has `read`: PagerDuty's refusal is about the user.
    assert!(screen.contains("ask an account admin"), "{screen}");
}

#[test]
fn ten_thousand_rows_render_the_window_only() {
    let many: Vec<_> = (1..=10_000)
        .map(|n| incident(n, "triggered", "high", "load", 60))
        .collect();
    let mut app = samples::browsing_with(Resource::Incidents, Items::Incidents(many));
    app.update(key('G'));
    let screen = text(render_at(&app, 100, 24).backend().buffer());
    assert!(screen.contains("10000/10000"), "{screen}");
    assert!(screen.lines().any(|l| l.contains('›') && l.contains(" 1 ")), "{screen}");
}

#[test]
fn wide_characters_are_cut_by_display_width() {
    assert_eq!(browse::clip("障害が発生しました", 7), "障害が…");
    assert_eq!(browse::clip("short", 10), "short");
    assert_eq!(browse::clip("exactly10!", 10), "exactly10!");
    assert_eq!(browse::clip("eleven char", 10), "eleven ch…");
}

#[test]
fn a_list_says_it_is_loading_until_its_first_answer() {
    let mut app = crate::fixtures::connected_app();
    app.browse.profile = Some(PROFILE.into());
    app.show(Screen::List(Resource::Oncalls));
    let screen = text(render_at(&app, 80, 12).backend().buffer());
    assert!(screen.contains("Loading on call now from PagerDuty…"), "{screen}");
    assert!(screen.contains("oncall"), "{screen}");
}

#[test]
fn the_open_column_says_why_it_is_unknown() {
    let mut app = crate::fixtures::connected_app();
    app.browse.profile = Some(PROFILE.into());
    app.update(Msg::Resize { width: 100, height: 16 });
    let effects = app.show(crate::app::Screen::List(Resource::Services));
    samples::answer_watch(&mut app, &effects[..1], 1, samples::items(Resource::Services));
    let screen = text(render_at(&app, 100, 16).backend().buffer());
    assert!(screen.contains("OPEN: counting the open incidents"), "{screen}");
    // More open incidents than a list holds: no count can be right.
    let mut cut = samples::page(samples::items(Resource::Incidents));
    cut.truncated = true;
    let Some(Effect::Request(request)) = effects.get(1).cloned() else {
        panic!("{effects:?}")
    };
    app.update(Msg::Replied {
        request,
        result: Ok(Response::Watching { watch: 2, page: cut }),
    });
    let screen = text(render_at(&app, 100, 16).backend().buffer());
    assert!(screen.contains("OPEN is unknown"), "{screen}");
    assert!(!screen.contains(" 2   "), "no count shown: {screen}");
}
