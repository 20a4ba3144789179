//! Reducer tests of browsing: the command bar, filtering as you type,
//! moving, details and the way back, quick filters and the queries they
//! watch, selection kept across live changes, profile switching, and what
//! happens to answers that arrive late.

use pdauth_common::browse::{Detail, DetailPage, Items, ListQuery, RateInfo, Resource};
use pdauth_common::{ErrorCode, Event, Request, Response, WireError};

use super::*;
use crate::samples::{self, PROFILE, answer_watch, browsing, incident, incidents_query};

fn typed(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        effects.extend(app.update(key(c)));
    }
    effects
}

fn command(app: &mut App, text: &str) -> Vec<Effect> {
    app.update(key(':'));
    typed(app, text);
    app.update(code(KeyCode::Enter))
}

fn watch(profile: &str, query: ListQuery) -> Effect {
    Effect::Request(Request::Watch {
        profile: profile.into(),
        query,
    })
}

fn unwatch(watch: u64) -> Effect {
    Effect::Request(Request::Unwatch { watch })
}

fn selected_number(app: &App) -> Option<u64> {
    match app.browse.tables.get(&Resource::Incidents)? {
        AnyTable::Incidents(t) => t.current().map(|i| i.number),
        _ => None,
    }
}

fn shown_numbers(app: &App) -> Vec<u64> {
    match app.browse.tables.get(&Resource::Incidents) {
        Some(AnyTable::Incidents(t)) => t.s.shown.iter().map(|i| t.rows[*i].number).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn the_command_bar_completes_and_goes_to_screens() {
    let mut app = browsing(Resource::Incidents);
    app.update(key(':'));
    assert_eq!(app.mode(), Mode::Command);
    typed(&mut app, "se");
    app.update(code(KeyCode::Tab));
    assert_eq!(app.command.as_ref().unwrap().text, "services", "one match: completed");

    // Ambiguous: Tab steps through the suggestions.
    let bar = app.command.as_mut().unwrap();
    bar.text = "s".into();
    app.update(code(KeyCode::Tab));
    assert_eq!(app.command.as_ref().unwrap().text, "services");
    assert_eq!(
        app.command.as_ref().unwrap().suggestions(),
        vec!["services", "schedules"]
    );
    app.update(code(KeyCode::Tab));
    assert_eq!(app.command.as_ref().unwrap().text, "schedules");
    app.update(code(KeyCode::Tab));
    assert_eq!(app.command.as_ref().unwrap().text, "services");

    // Enter leaves the incidents (dropping their watch) for the services,
    // and watches every open incident again for their OPEN column.
    let effects = app.update(code(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![
            unwatch(1),
            watch(PROFILE, default_query(Resource::Services)),
            watch(PROFILE, default_query(Resource::Incidents))
        ]
    );
    assert_eq!(app.mode(), Mode::List(Resource::Services));
    assert!(app.command.is_none());
}

#[test]
fn commands_take_unambiguous_prefixes_and_explain_the_rest() {
    let mut app = browsing(Resource::Incidents);
    let effects = command(&mut app, "pol");
    assert_eq!(app.screen, Screen::List(Resource::EscalationPolicies));
    assert!(effects.contains(&watch(PROFILE, default_query(Resource::EscalationPolicies))));

    command(&mut app, "s");
    assert_eq!(
        app.screen,
        Screen::List(Resource::EscalationPolicies),
        "ambiguous: stays"
    );
    let text = &app.current_notice(NOW).unwrap().text;
    assert!(text.contains(":services") && text.contains(":schedules"), "{text}");

    command(&mut app, "frobnicate");
    let text = &app.current_notice(NOW).unwrap().text;
    assert!(text.starts_with("Unknown command :frobnicate"), "{text}");
    assert!(text.contains(":incidents"), "{text}");

    command(&mut app, "TOK");
    assert_eq!(app.mode(), Mode::Tokens);
    assert!(
        app.current_notice(NOW).is_none(),
        "a command that worked clears the old complaint"
    );
    command(&mut app, "on");
    assert_eq!(app.screen, Screen::List(Resource::Oncalls));
    assert_eq!(command(&mut app, "quit"), vec![Effect::Quit]);

    // Esc closes the bar; Backspace on an empty bar too.
    app.update(key(':'));
    app.update(code(KeyCode::Esc));
    assert!(app.command.is_none());
    app.update(key(':'));
    app.update(code(KeyCode::Backspace));
    assert!(app.command.is_none());

    // Ctrl-W takes back a word, Ctrl-U the line; the bar stays open.
    app.update(key(':'));
    typed(&mut app, "teams now");
    app.update(ctrl('w'));
    assert_eq!(app.command.as_ref().unwrap().text, "teams ");
    app.update(ctrl('u'));
    assert_eq!(app.command.as_ref().unwrap().text, "");
    typed(&mut app, "inc");
    app.update(code(KeyCode::Enter));
    assert_eq!(app.screen, Screen::List(Resource::Incidents));
}

#[test]
fn the_filter_narrows_as_you_type_over_the_visible_columns() {
    let mut app = browsing(Resource::Incidents);
    assert_eq!(shown_numbers(&app), vec![1234, 1233, 1231, 1228], "newest first");
    app.update(key('/'));
    assert_eq!(app.mode(), Mode::Filter);
    typed(&mut app, "SEAR");
    // Title of 1233, service of the odd ones: any visible column, any case.
    assert_eq!(shown_numbers(&app), vec![1233, 1231]);
    typed(&mut app, "ch i");
    assert_eq!(shown_numbers(&app), vec![1233]);
    app.update(code(KeyCode::Backspace));
    app.update(code(KeyCode::Backspace));
    assert_eq!(shown_numbers(&app), vec![1233, 1231]);
    // Keys that mean something elsewhere are text while typing.
    typed(&mut app, "q");
    assert!(shown_numbers(&app).is_empty());
    app.update(code(KeyCode::Backspace));
    app.update(code(KeyCode::Enter));
    assert_eq!(app.mode(), Mode::List(Resource::Incidents), "Enter keeps the filter");
    assert_eq!(shown_numbers(&app), vec![1233, 1231]);
    // Ctrl-W and Ctrl-U take back a word and the whole filter as you type.
    app.update(key('/'));
    typed(&mut app, " zzz");
    assert!(shown_numbers(&app).is_empty());
    app.update(ctrl('w'));
    assert_eq!(app.list().unwrap().state().filter, "SEARch ");
    assert_eq!(shown_numbers(&app), vec![1233], "the space still counts");
    app.update(ctrl('u'));
    assert_eq!(app.list().unwrap().state().filter, "");
    assert_eq!(shown_numbers(&app).len(), 4);
    typed(&mut app, "sear");
    app.update(code(KeyCode::Enter));
    // Esc clears it first, then goes back.
    app.update(code(KeyCode::Esc));
    assert_eq!(shown_numbers(&app).len(), 4);
    assert_eq!(app.screen, Screen::List(Resource::Incidents));
    let effects = app.update(code(KeyCode::Esc));
    assert_eq!(app.screen, Screen::Tokens);
    assert_eq!(effects, vec![unwatch(1)]);
}

#[test]
fn moving_around_the_list() {
    let many: Vec<_> = (1..=60)
        .map(|n| incident(n, "triggered", "high", "t", n as i64))
        .collect();
    let mut app = samples::browsing_with(Resource::Incidents, Items::Incidents(many));
    assert_eq!(selected_number(&app), Some(60));
    app.update(key('j'));
    app.update(code(KeyCode::Down));
    assert_eq!(selected_number(&app), Some(58));
    app.update(key('k'));
    assert_eq!(selected_number(&app), Some(59));
    app.update(key('G'));
    assert_eq!(selected_number(&app), Some(1));
    app.update(code(KeyCode::PageUp));
    // 24 rows leave 17 for the list.
    assert_eq!(selected_number(&app), Some(18));
    app.update(key('g'));
    assert_eq!(selected_number(&app), Some(60));
    app.update(code(KeyCode::PageDown));
    assert_eq!(selected_number(&app), Some(43));
    app.update(key('k'));
    let s = app.list().unwrap().state();
    assert!(
        s.cursor >= s.top && s.cursor < s.top + app.browse.page,
        "cursor in the window"
    );
}

#[test]
fn enter_opens_the_detail_and_escape_goes_back() {
    let mut app = browsing(Resource::Incidents);
    app.update(key('j'));
    let effects = app.update(code(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Request(Request::Get {
            profile: PROFILE.into(),
            resource: Resource::Incidents,
            id: "Q01233".into(),
            fresh: false,
        })]
    );
    assert_eq!(app.mode(), Mode::Item(Resource::Incidents));
    assert_eq!(crate::views::breadcrumbs(&app).as_deref(), Some("incidents › #1233"));
    let detail = Detail::Incident {
        incident: samples::incidents()[1].clone(),
        log_entries: Vec::new(),
        notes: Vec::new(),
        alerts: Vec::new(),
    };
    app.update(Msg::Replied {
        request: Request::Get {
            profile: PROFILE.into(),
            resource: Resource::Incidents,
            id: "Q01233".into(),
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
    let item = app.browse.item.as_ref().unwrap();
    assert!(item.page.is_some() && !item.loading);
    assert_eq!(
        item.url().as_deref(),
        Some("https://acme-corp.pagerduty.com/incidents/Q01233")
    );

    // No browser here: `o` says so and the link stays on screen.
    assert!(app.update(key('o')).is_empty());
    app.browser_available = true;
    assert_eq!(
        app.update(key('o')),
        vec![Effect::OpenBrowser(
            "https://acme-corp.pagerduty.com/incidents/Q01233".into()
        )]
    );
    // `r` asks PagerDuty again.
    assert!(matches!(
        app.update(key('r')).as_slice(),
        [Effect::Request(Request::Get { fresh: true, .. })]
    ));

    assert!(app.update(code(KeyCode::Esc)).is_empty(), "the list is still watched");
    assert_eq!(app.mode(), Mode::List(Resource::Incidents));
    assert_eq!(crate::views::breadcrumbs(&app).as_deref(), Some("incidents"));
    assert_eq!(selected_number(&app), Some(1233), "back on the same row");
}

#[test]
fn quick_filters_change_the_watched_query() {
    let mut app = browsing(Resource::Incidents);
    let effects = app.update(key('1'));
    let triggered = incidents_query(|q| q.filter.statuses = vec!["triggered".into()]);
    assert_eq!(effects, vec![unwatch(1), watch(PROFILE, triggered.clone())]);
    assert_eq!(
        app.list().unwrap().len(),
        0,
        "the old rows are not passed off as triggered ones"
    );

    answer_watch(
        &mut app,
        &effects,
        2,
        Items::Incidents(vec![incident(1234, "triggered", "high", "t", 5)]),
    );
    let effects = app.update(key('u'));
    let high = incidents_query(|q| {
        q.filter.statuses = vec!["triggered".into()];
        q.filter.urgencies = vec!["high".into()];
    });
    assert_eq!(effects, vec![unwatch(2), watch(PROFILE, high)]);
    let effects = app.update(key('u'));
    assert!(
        matches!(&effects[..], [Effect::Request(Request::Watch { query, .. })] if query.filter.urgencies == ["low"])
    );
    let effects = app.update(key('u'));
    assert!(
        matches!(&effects[..], [Effect::Request(Request::Watch { query, .. })] if query.filter.urgencies.is_empty())
    );

    let effects = app.update(key('m'));
    assert!(
        matches!(&effects[..], [Effect::Request(Request::Watch { query, .. })] if query.filter.user_ids == ["PADA001"]),
        "{effects:?}"
    );
    let effects = app.update(key('3'));
    let resolved_mine = incidents_query(|q| {
        q.filter.statuses = vec!["resolved".into()];
        q.filter.user_ids = vec!["PADA001".into()];
    });
    assert_eq!(effects, vec![watch(PROFILE, resolved_mine)]);
    // `0` drops every quick filter at once: status, urgency and mine.
    app.update(key('u'));
    let effects = app.update(key('0'));
    assert_eq!(effects, vec![watch(PROFILE, default_query(Resource::Incidents))]);
    assert!(app.update(key('0')).is_empty(), "the same query again: nothing to do");
}

#[test]
fn quick_filter_keys_belong_to_the_incidents_screen() {
    let mut app = browsing(Resource::Services);
    assert!(app.update(key('1')).is_empty());
    assert!(app.update(key('m')).is_empty());
    assert_eq!(app.list().unwrap().state().query, default_query(Resource::Services));
}

#[test]
fn the_selection_stays_on_its_row_when_rows_arrive_above() {
    let mut app = browsing(Resource::Incidents);
    app.update(key('j'));
    app.update(key('j'));
    assert_eq!(selected_number(&app), Some(1231));
    let cursor = app.list().unwrap().state().cursor;

    let added = Items::Incidents(vec![
        incident(1236, "triggered", "high", "new", 10),
        incident(1235, "triggered", "high", "newer", 5),
    ]);
    let mut acked = incident(
        1233,
        "acknowledged",
        "high",
        "Search index lagging behind writes",
        3_600,
    );
    acked.assignees = vec![samples::grace()];
    let change = samples::change(added, Items::Incidents(vec![acked]), vec!["Q01228".into()]);
    let effects = app.update(Msg::Event(Event::ListChanged { watch: 1, change }));
    assert!(effects.is_empty());
    assert_eq!(shown_numbers(&app), vec![1236, 1235, 1234, 1233, 1231]);
    assert_eq!(selected_number(&app), Some(1231), "same row, not same index");
    assert_eq!(app.list().unwrap().state().cursor, cursor + 2);

    // The selected row itself goes away: the cursor stays where it was.
    let change = samples::change(
        Items::Incidents(vec![]),
        Items::Incidents(vec![]),
        vec!["Q01231".into()],
    );
    app.update(Msg::Event(Event::ListChanged { watch: 1, change }));
    assert_eq!(selected_number(&app), Some(1233));

    // Changes of a watch nobody knows are stopped.
    let change = samples::change(Items::Incidents(vec![]), Items::Incidents(vec![]), vec![]);
    assert_eq!(
        app.update(Msg::Event(Event::ListChanged { watch: 77, change })),
        vec![unwatch(77)]
    );
}

#[test]
fn the_order_cycles_and_reverses_keeping_the_row() {
    let mut app = browsing(Resource::Incidents);
    app.update(key('j'));
    assert_eq!(selected_number(&app), Some(1233));
    app.update(key('s'));
    assert_eq!(app.list().unwrap().state().sort, (1, false), "by status");
    assert_eq!(shown_numbers(&app), vec![1231, 1234, 1228, 1233]);
    assert_eq!(selected_number(&app), Some(1233));
    app.update(key('S'));
    assert_eq!(shown_numbers(&app), vec![1233, 1228, 1234, 1231]);
    // Round every column and back to where it started: newest first.
    let start = app.list().unwrap().state().sort;
    for _ in 0..20 {
        app.update(key('s'));
        if app.list().unwrap().state().sort.0 == 0 {
            break;
        }
    }
    assert_ne!(start.0, 0);
    assert_eq!(app.list().unwrap().state().sort, (0, true), "#↓ again");
    assert_eq!(shown_numbers(&app), vec![1234, 1233, 1231, 1228]);
}

#[test]
fn p_switches_profile_and_watches_again() {
    let mut app = browsing(Resource::Incidents);
    let usable = app.usable_profiles().iter().map(|p| p.to_string()).collect::<Vec<_>>();
    assert!(usable.len() > 1, "{usable:?}");
    let next = usable[(usable.iter().position(|p| p == PROFILE).unwrap() + 1) % usable.len()].clone();
    let effects = app.update(key('p'));
    assert_eq!(
        effects,
        vec![unwatch(1), watch(&next, default_query(Resource::Incidents))]
    );
    assert_eq!(app.browse.profile.as_deref(), Some(next.as_str()));
    assert_eq!(app.list().unwrap().len(), 0, "another account's rows are not shown");

    // The old profile's answer, late, is dropped and its watch stopped.
    let late = Msg::Replied {
        request: Request::Watch {
            profile: PROFILE.into(),
            query: default_query(Resource::Incidents),
        },
        result: Ok(Response::Watching {
            watch: 9,
            page: samples::page(samples::items(Resource::Incidents)),
        }),
    };
    assert_eq!(app.update(late), vec![unwatch(9)]);
    assert_eq!(app.list().unwrap().len(), 0);
}

#[test]
fn an_answer_for_a_screen_left_meanwhile_is_unwatched() {
    let mut app = fixtures::connected_app();
    app.browse.profile = Some(PROFILE.into());
    let asked = app.show(Screen::List(Resource::Teams));
    command(&mut app, "users");
    let effects = answer_watch(&mut app, &asked, 5, samples::items(Resource::Teams));
    assert_eq!(effects, vec![unwatch(5)]);
}

#[test]
fn failures_say_what_happened_and_the_next_change_clears_them() {
    let mut app = browsing(Resource::Incidents);
    let error = WireError::new(ErrorCode::Forbidden, "PagerDuty refused: missing scope incidents.read");
    app.update(Msg::Event(Event::ListFailed { watch: 1, error }));
    let problem = app.list().unwrap().state().problem.clone().unwrap();
    assert_eq!(problem.code, Some(ErrorCode::Forbidden));
    assert_eq!(app.list().unwrap().len(), 4, "the rows stay");
    let change = samples::change(Items::Incidents(vec![]), Items::Incidents(vec![]), vec![]);
    app.update(Msg::Event(Event::ListChanged { watch: 1, change }));
    assert!(app.list().unwrap().state().problem.is_none());

    // A refused watch.
    command(&mut app, "teams");
    let effects = app.update(Msg::Replied {
        request: Request::Watch {
            profile: PROFILE.into(),
            query: default_query(Resource::Teams),
        },
        result: Err(Failure {
            code: Some(ErrorCode::NeedsLogin),
            message: "expiring needs a new login\x1b[2J".into(),
        }),
    });
    assert!(effects.is_empty());
    let problem = app.list().unwrap().state().problem.clone().unwrap();
    assert_eq!(problem.code, Some(ErrorCode::NeedsLogin));
    assert!(!problem.message.contains('\x1b'));
}

#[test]
fn rate_budget_events_are_kept_per_profile() {
    let mut app = browsing(Resource::Incidents);
    assert_eq!(app.browse.rates.get(PROFILE).and_then(|r| r.remaining), Some(955));
    let rate = RateInfo {
        waiting_until: Some(NOW + 12),
        ..RateInfo::default()
    };
    app.update(Msg::Event(Event::Rate {
        profile: PROFILE.into(),
        rate,
    }));
    assert_eq!(app.browse.rates.get(PROFILE), Some(&rate));
}

#[test]
fn hostile_text_is_cleaned_when_it_arrives() {
    let mut evil = incident(
        1,
        "triggered",
        "high",
        "db down\x1b]52;c;ZXZpbA==\x07\x1b[2J\u{202E}evil\nnext",
        5,
    );
    evil.service.as_mut().unwrap().summary = "svc\x1b[31m".into();
    let app = samples::browsing_with(Resource::Incidents, Items::Incidents(vec![evil]));
    let Some(AnyTable::Incidents(table)) = app.browse.tables.get(&Resource::Incidents) else {
        panic!("no incidents table");
    };
    let row = &table.rows[0];
    assert_eq!(row.title, "db downevil next");
    assert_eq!(row.service.as_ref().unwrap().summary, "svc");
}

#[test]
fn reload_asks_for_a_fresh_list_and_reconnecting_watches_again() {
    let mut app = browsing(Resource::Users);
    let effects = app.update(key('r'));
    assert_eq!(
        effects,
        vec![Effect::Request(Request::List {
            profile: PROFILE.into(),
            query: default_query(Resource::Users),
            fresh: true,
        })]
    );
    assert!(app.current_notice(NOW).is_some(), "it says it is reloading");
    app.update(Msg::Replied {
        request: Request::List {
            profile: PROFILE.into(),
            query: default_query(Resource::Users),
            fresh: true,
        },
        result: Err(Failure {
            code: Some(ErrorCode::RateLimited),
            message: "PagerDuty asks to wait".into(),
        }),
    });
    assert!(
        app.current_notice(NOW).is_none(),
        "a failed reload stops saying it reloads"
    );
    assert_eq!(
        app.list().unwrap().state().problem.as_ref().and_then(|p| p.code),
        Some(ErrorCode::RateLimited)
    );
    app.update(Msg::Disconnected { message: "gone".into() });
    let effects = app.update(Msg::Connected {
        daemon_version: "0.1.0".into(),
        profiles: fixtures::every_state(),
        storage: fixtures::storage(),
    });
    assert_eq!(effects, vec![watch(PROFILE, default_query(Resource::Users))]);
    assert_eq!(app.list().unwrap().len(), 3, "the rows stay until the new answer");
}

#[test]
fn without_a_usable_token_the_ui_starts_on_tokens() {
    let mut app = App::new("/tmp/x.sock", NOW);
    let effects = app.update(Msg::Connected {
        daemon_version: "0.1.0".into(),
        profiles: vec![pdauth_common::ProfileStatus::logged_out("work")],
        storage: fixtures::storage(),
    });
    assert!(effects.is_empty());
    assert_eq!(app.mode(), Mode::Tokens);
    command(&mut app, "incidents");
    assert_eq!(app.mode(), Mode::Tokens);
    assert!(app.current_notice(NOW).unwrap().text.contains(":tokens, then l"));
}

#[test]
fn open_incidents_are_counted_per_service() {
    let app = browsing(Resource::Incidents);
    let counts = app.browse.open_by_service.as_ref().unwrap();
    assert_eq!(counts.get("PCHK001"), Some(&2));
    assert_eq!(counts.get("PSRCH02"), Some(&2));
}

#[test]
fn reconnecting_keeps_the_profile_while_it_is_configured() {
    let mut app = browsing(Resource::Incidents);
    app.update(Msg::Disconnected { message: "gone".into() });
    let mut profiles = fixtures::every_state();
    let browsed = profiles.iter_mut().find(|p| p.name == PROFILE).unwrap();
    browsed.state = pdauth_common::TokenState::NeedsLogin;
    let effects = app.update(Msg::Connected {
        daemon_version: "0.1.0".into(),
        profiles: profiles.clone(),
        storage: fixtures::storage(),
    });
    assert_eq!(
        app.browse.profile.as_deref(),
        Some(PROFILE),
        "its lists say what is wrong"
    );
    assert_eq!(effects, vec![watch(PROFILE, default_query(Resource::Incidents))]);

    // Gone from the configuration: another profile, none of the old rows.
    app.update(Msg::Disconnected { message: "gone".into() });
    profiles.retain(|p| p.name != PROFILE);
    let effects = app.update(Msg::Connected {
        daemon_version: "0.1.0".into(),
        profiles,
        storage: fixtures::storage(),
    });
    let other = app.browse.profile.clone().expect("another usable profile");
    assert_ne!(other, PROFILE);
    assert_eq!(effects, vec![watch(&other, default_query(Resource::Incidents))]);
    assert_eq!(app.list().unwrap().len(), 0);
}

#[test]
fn enter_on_an_on_call_entry_opens_its_user() {
    let mut app = browsing(Resource::Oncalls);
    let effects = app.update(code(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::Request(Request::Get {
            profile: PROFILE.into(),
            resource: Resource::Users,
            id: "PADA001".into(),
            fresh: false,
        })]
    );
    assert_eq!(
        crate::views::breadcrumbs(&app).as_deref(),
        Some("oncall › Ada Lovelace")
    );
    assert_eq!(app.mode(), Mode::Item(Resource::Users));
}

fn get(fresh: bool) -> Request {
    Request::Get {
        profile: PROFILE.into(),
        resource: Resource::Incidents,
        id: "Q01233".into(),
        fresh,
    }
}

fn detail_answer(fetched_at: i64, stale: bool) -> Result<Response, Failure> {
    Ok(Response::Detail {
        page: DetailPage {
            detail: Detail::Incident {
                incident: samples::incidents()[1].clone(),
                log_entries: Vec::new(),
                notes: Vec::new(),
                alerts: Vec::new(),
            },
            meta: pdauth_common::browse::FetchMeta {
                fetched_at,
                stale,
                ..samples::meta()
            },
            unread: Vec::new(),
            cut: Vec::new(),
        },
    })
}

#[test]
fn a_stale_detail_is_shown_and_asked_for_again_fresh() {
    let mut app = browsing(Resource::Incidents);
    app.update(key('j'));
    assert_eq!(app.update(code(KeyCode::Enter)), vec![Effect::Request(get(false))]);
    let effects = app.update(Msg::Replied {
        request: get(false),
        result: detail_answer(NOW - 300, true),
    });
    assert_eq!(effects, vec![Effect::Request(get(true))], "the fresh copy is asked for");
    let item = app.browse.item.as_ref().unwrap();
    assert!(
        item.page.is_some() && item.loading,
        "the stale copy is on screen meanwhile"
    );
    // The fresh answer ends it, even if the daemon still calls it stale.
    let effects = app.update(Msg::Replied {
        request: get(true),
        result: detail_answer(NOW - 1, true),
    });
    assert!(effects.is_empty());
    assert!(!app.browse.item.as_ref().unwrap().loading);
}

const REREAD: i64 = crate::app::DETAIL_REREAD_SECS;

#[test]
fn an_open_detail_is_read_again_as_it_ages() {
    let mut app = browsing(Resource::Incidents);
    app.update(key('j'));
    app.update(code(KeyCode::Enter));
    app.update(Msg::Replied {
        request: get(false),
        result: detail_answer(NOW, false),
    });
    assert!(app.update(Msg::Tick { now: NOW + 10 }).is_empty(), "still recent");
    let reread = app.update(Msg::Tick { now: NOW + REREAD });
    assert_eq!(reread, vec![Effect::Request(get(false))]);
    assert!(
        app.update(Msg::Tick { now: NOW + REREAD + 1 }).is_empty(),
        "one request at a time"
    );
    // A failed reread waits its turn instead of asking every tick.
    app.update(Msg::Replied {
        request: get(false),
        result: Err(Failure {
            code: Some(ErrorCode::Upstream),
            message: "down".into(),
        }),
    });
    assert!(app.update(Msg::Tick { now: NOW + REREAD + 2 }).is_empty());
    assert_eq!(
        app.update(Msg::Tick { now: NOW + 2 * REREAD }),
        vec![Effect::Request(get(false))]
    );
}

#[test]
fn age_up_is_the_youngest_first() {
    let mut app = browsing(Resource::Incidents);
    let sorted_by = |app: &App| match app.browse.tables.get(&Resource::Incidents) {
        Some(AnyTable::Incidents(t)) => t.s.sort,
        _ => panic!("no incidents table"),
    };
    let age = app
        .list()
        .unwrap()
        .columns()
        .iter()
        .position(|c| c.title == "AGE")
        .unwrap();
    for _ in 0..12 {
        if sorted_by(&app) == (age, false) {
            break;
        }
        app.update(key('s'));
    }
    assert_eq!(sorted_by(&app), (age, false));
    // 5m, 1h, 2h and 1d old.
    assert_eq!(shown_numbers(&app), vec![1234, 1233, 1231, 1228]);
    app.update(key('S'));
    assert_eq!(shown_numbers(&app), vec![1228, 1231, 1233, 1234]);
}

#[test]
fn the_services_open_column_follows_incidents_while_it_shows() {
    let mut app = browsing(Resource::Services);
    let checkout = samples::incident(2000, "triggered", "high", "new", 5)
        .service
        .unwrap()
        .id;
    let open = |app: &App| {
        app.browse
            .open_by_service
            .as_ref()
            .and_then(|m| m.get(&checkout).copied())
    };
    assert_eq!(open(&app), Some(2), "counted from the incidents watched behind it");
    // A new incident arrives on that watch (id 2) while the services show.
    let new = samples::incident(2000, "triggered", "high", "new", 5);
    let change = samples::change(Items::Incidents(vec![new]), Items::Incidents(vec![]), vec![]);
    app.update(Msg::Event(Event::ListChanged { watch: 2, change }));
    assert_eq!(open(&app), Some(3));
    // Leaving drops both watches.
    let effects = command(&mut app, "teams");
    assert!(
        effects.contains(&unwatch(1)) && effects.contains(&unwatch(2)),
        "{effects:?}"
    );
}
