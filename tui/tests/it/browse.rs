//! The real terminal UI browsing the fake daemon's PagerDuty account under
//! tmux: it opens on the open incidents, filters as you type, opens a
//! detail and goes back, keeps the cursor on its incident when new ones
//! arrive, changes the watched query with the quick keys, goes to other
//! screens with `:` and stops the watches it leaves. Skipped (with a
//! reason) only when tmux is missing outside CI.

use std::time::{Duration, Instant};

use pdauth_common::browse::Resource;
use pdauth_common::{ErrorCode, Request, WireError};

use crate::fake::{FakeDaemon, State};
use crate::fake_browse::incident;
use crate::tmux::{DEADLINE, Tmux, demo_binaries_built, runtime, selected_line, should_run};

fn wait_seen(daemon: &FakeDaemon, what: &str, pred: impl Fn(&Request) -> bool) {
    let start = Instant::now();
    while !daemon.seen().iter().any(&pred) {
        assert!(
            start.elapsed() < DEADLINE,
            "timed out waiting for {what}: {:?}",
            daemon.seen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn browse_incidents_filter_open_a_detail_and_go_back() {
    if !should_run("browse_incidents_filter_open_a_detail_and_go_back") {
        return;
    }
    let rt = runtime();
    let daemon = rt.block_on(FakeDaemon::start());
    let tmux = Tmux::start(&daemon.socket);
    let screen = tmux.wait_for("the open incidents", |s| {
        s.contains("Incidents [open]") && s.contains("Disk 85% full")
    });
    assert!(
        !screen.contains("Payment provider timeouts"),
        "resolved ones are not open: {screen}"
    );
    assert!(screen.contains("work · acme · valid"), "status bar: {screen}");
    assert!(screen.contains("950/960 requests"), "{screen}");
    assert!(
        selected_line(&screen).is_some_and(|l| l.contains("2003")),
        "newest first: {screen}"
    );

    // New incidents arrive above the cursor: it stays on its incident.
    tmux.keys(&["j"]);
    tmux.wait_for("the cursor on 2002", |s| {
        selected_line(s).is_some_and(|l| l.contains("2002"))
    });
    assert_eq!(
        daemon.add_incidents(vec![incident(2010, "triggered", "high", "Brand new outage", 5)]),
        1
    );
    let screen = tmux.wait_for("the new incident", |s| s.contains("Brand new outage"));
    assert!(
        selected_line(&screen).is_some_and(|l| l.contains("2002")),
        "the cursor stayed: {screen}"
    );

    // Filter as you type.
    tmux.keys(&["/", "D", "i", "s", "k"]);
    // Every check waits: a capture may catch a frame half drawn.
    let filtered = tmux.wait_for("the filtered list", |s| {
        s.contains("/Disk") && s.contains("Disk 85% full")
    });
    assert!(!filtered.contains("Search index lagging"), "{filtered}");
    assert!(!filtered.contains("Brand new outage"), "{filtered}");

    // Enter keeps the filter; Enter again opens the detail.
    tmux.keys(&["Enter", "Enter"]);
    // The breadcrumbs come at once, the link with the daemon's answer.
    tmux.wait_for("the detail with its link", |s| {
        s.contains("incidents › #2003") && s.contains("https://acme.pagerduty.com/incidents/Q2003")
    });
    wait_seen(
        &daemon,
        "the Get",
        |r| matches!(r, Request::Get { resource: Resource::Incidents, id, .. } if id == "Q2003"),
    );
    tmux.wait_for("the detail's lines", |s| {
        s.contains("Disk 85% full on db-replica-3") && s.contains("Status")
    });

    tmux.keys(&["Escape"]);
    let back = tmux.wait_for("the list again", |s| {
        s.contains("Incidents [open]") && !s.contains("incidents › #2003")
    });
    assert!(back.contains("/Disk"), "the filter is kept: {back}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("every open incident", |s| {
        s.contains("Search index lagging") && !s.contains("/Disk")
    });

    // Quick filters change the watched query.
    tmux.keys(&["3"]);
    let resolved = tmux.wait_for("the resolved incidents", |s| s.contains("[resolved]"));
    assert!(
        resolved.contains("Payment provider timeouts") || resolved.contains("Loading"),
        "{resolved}"
    );
    tmux.wait_for("the resolved incident", |s| s.contains("Payment provider timeouts"));
    wait_seen(
        &daemon,
        "the resolved watch",
        |r| matches!(r, Request::Watch { query, .. } if query.filter.statuses == ["resolved"]),
    );

    // `:` with completion goes to another screen and stops the old watch.
    tmux.keys(&[":", "se"]);
    tmux.wait_for("the suggestion", |s| s.contains(":services"));
    tmux.keys(&["Tab", "Enter"]);
    tmux.wait_for("the services", |s| {
        s.contains("Services") && s.contains("Checkout API") && s.contains("critical")
    });
    wait_seen(&daemon, "an Unwatch", |r| matches!(r, Request::Unwatch { .. }));

    tmux.keys(&[":", "nope", "Enter"]);
    tmux.wait_for("the unknown command", |s| s.contains("Unknown command :nope"));
    tmux.keys(&["q"]);
    tmux.assert_exited_cleanly();
}

#[test]
fn a_missing_scope_is_explained_where_it_happens() {
    if !should_run("a_missing_scope_is_explained_where_it_happens") {
        return;
    }
    let rt = runtime();
    let mut state = State::default();
    // A token scoped to incidents alone.
    for p in &mut state.profiles {
        p.scopes_granted = vec!["openid".into(), "incidents.read".into()];
    }
    state.account.errors.insert(
        Resource::Users,
        WireError::new(ErrorCode::Forbidden, "PagerDuty refused: the token lacks users.read"),
    );
    let daemon = rt.block_on(FakeDaemon::start_with(state));
    let tmux = Tmux::start(&daemon.socket);
    tmux.wait_for("the open incidents", |s| s.contains("Incidents [open]"));
    tmux.keys(&[":", "users", "Enter"]);
    tmux.wait_for("the problem", |s| {
        s.contains("Missing scope") && s.contains(":tokens, then l") && s.contains("the token lacks users.read")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the incidents again", |s| s.contains("Incidents [open]"));
    tmux.keys(&["?"]);
    tmux.wait_for("the help", |s| {
        s.contains("Keys: Incidents") && s.contains("triggered / acknowledged / resolved")
    });
    tmux.keys(&["Escape", "q"]);
    tmux.assert_exited_cleanly();
}

/// The real `pdauth ARGS` (a demo) in tmux, logged in with the sandbox's
/// approval from the terminal.
fn demo_logged_in(args: &str) -> Tmux {
    let tmux = Tmux::start_args(args);
    tmux.wait_for("the demo profile", |s| {
        s.lines().any(|l| l.contains("demo") && l.contains("logged out"))
    });
    tmux.keys(&["l"]);
    tmux.wait_for("the login dialog", |s| s.contains("Waiting for approval"));
    tmux.keys(&["a"]);
    tmux.wait_for("the profile valid", |s| {
        s.lines().any(|l| l.contains("demo") && l.contains("valid"))
    });
    tmux
}

#[test]
fn real_demo_browses_incidents_with_the_command_bar_and_the_filter() {
    let test = "real_demo_browses_incidents_with_the_command_bar_and_the_filter";
    if !should_run(test) || !demo_binaries_built(test) {
        return;
    }
    // A still account: the incident picked below must stay open.
    let tmux = demo_logged_in("demo --activity 0");

    tmux.keys(&[":", "inc", "Tab"]);
    tmux.wait_for("the completed command", |s| s.contains(":incidents▏"));
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the sandbox's open incidents", |s| {
        s.contains("Incidents [open]")
            && selected_line(s).is_some_and(|l| l.contains("triggered") || l.contains("acknowledged"))
    });
    assert!(screen.contains("demo · acme-sandbox · valid"), "{screen}");
    let number: String = selected_line(&screen)
        .and_then(|l| l.split('›').nth(1).map(str::to_string))
        .and_then(|rest| rest.split_whitespace().next().map(str::to_string))
        .expect("the selected incident's number");
    assert!(number.chars().all(|c| c.is_ascii_digit()), "{number}");

    // A mistyped filter, taken back with Ctrl-U as in a shell.
    tmux.keys(&["/", "zz"]);
    tmux.wait_for("the mistyped filter", |s| s.contains("/zz"));
    tmux.keys(&["C-u", &number]);
    tmux.wait_for("the filtered list", |s| {
        !s.contains("/zz") && s.contains(&format!("/{number}")) && selected_line(s).is_some_and(|l| l.contains(&number))
    });
    tmux.keys(&["Enter", "Enter"]);
    let crumbs = format!("incidents › #{number}");
    let detail = tmux.wait_for("the incident's detail", |s| s.contains(&crumbs) && s.contains("Status"));
    assert!(
        detail.contains("https://acme-sandbox.pagerduty.com/incidents/"),
        "{detail}"
    );

    tmux.keys(&["Escape"]);
    tmux.wait_for("the list again", |s| {
        s.contains("Incidents [open]") && !s.contains(&crumbs)
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("the filter cleared", |s| !s.contains(&format!("/{number}")));
    tmux.keys(&["q"]);
    tmux.assert_exited_cleanly();
}

/// The highest incident number on screen (the incidents list shows the
/// newest first).
fn top_number(screen: &str) -> Option<u64> {
    screen
        .lines()
        .filter_map(|l| {
            l.trim_start_matches('│')
                .trim_start_matches([' ', '›'])
                .split_whitespace()
                .next()
        })
        .filter_map(|word| word.parse::<u64>().ok())
        .max()
}

#[test]
fn real_demo_shows_a_new_incident_while_you_watch() {
    let test = "real_demo_shows_a_new_incident_while_you_watch";
    if !should_run(test) || !demo_binaries_built(test) {
        return;
    }
    // The sandbox changes an incident every second.
    let tmux = demo_logged_in("demo --activity 1");
    tmux.keys(&[":", "incidents", "Enter"]);
    let first = tmux.wait_for("the open incidents", |s| {
        s.contains("Incidents [open]") && top_number(s).is_some()
    });
    let newest = top_number(&first).unwrap();
    // Nothing is pressed: the watch alone brings the new row.
    let later = tmux.wait_for("a newer incident on screen", |s| {
        top_number(s).is_some_and(|n| n > newest)
    });
    let line = later
        .lines()
        .find(|l| l.contains(&top_number(&later).unwrap().to_string()))
        .unwrap();
    assert!(line.contains("triggered"), "a new incident is triggered: {line}");
    tmux.keys(&["q"]);
    tmux.assert_exited_cleanly();
}
