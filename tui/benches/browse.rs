//! How fast the incidents screen is with 10,000 rows: one frame at 200x50
//! on a `TestBackend` (target: under 2 ms), a key typed into the filter
//! until the frame that shows its result (target: under 16 ms), and a live
//! change applied to the list. A plain timing loop over the public API:
//! `cargo bench -p pdauth-tui` (release build).

use std::hint::black_box;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use pdauth_common::browse::{FetchMeta, Incident, Items, ListChange, ListPage, RateInfo, Ref, Resource};
use pdauth_common::{Account, ProfileStatus, Request, Response, TokenState, UserSummary};
use pdauth_tui::app::{App, Link, Screen};
use pdauth_tui::msg::{Effect, Msg};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NOW: i64 = 1_700_000_000;
const ROWS: u64 = 10_000;

fn reference(id: String, summary: String) -> Ref {
    Ref {
        id,
        kind: "reference".into(),
        summary,
        html_url: None,
    }
}

fn incident(n: u64) -> Incident {
    let status = ["triggered", "acknowledged"][(n % 2) as usize];
    let urgency = ["high", "low", "high"][(n % 3) as usize];
    Incident {
        id: format!("Q{n:06}"),
        number: n,
        title: format!(
            "Service {} health check failed on host web-{:03} (attempt {n})",
            n % 97,
            n % 500
        ),
        status: status.into(),
        urgency: urgency.into(),
        priority: (n % 5 == 0).then(|| "P2".to_string()),
        service: Some(reference(format!("PS{:03}", n % 97), format!("Service {}", n % 97))),
        assignees: vec![reference(format!("PU{:03}", n % 40), format!("Responder {}", n % 40))],
        acknowledgers: Vec::new(),
        escalation_policy: None,
        teams: Vec::new(),
        created_at: Some(NOW - i64::try_from(n).unwrap_or(0) * 37),
        last_status_change_at: None,
        html_url: None,
    }
}

fn meta() -> FetchMeta {
    FetchMeta {
        fetched_at: NOW - 3,
        stale: false,
        requests: 100,
        waited_ms: 0,
        rate: RateInfo {
            limit: Some(960),
            remaining: Some(860),
            reset_at: Some(NOW + 30),
            waiting_until: None,
        },
    }
}

/// An app on the incidents screen holding `ROWS` open incidents.
fn app() -> App {
    let mut app = App::new("/tmp/bench.sock", NOW);
    app.link = Link::Up {
        daemon_version: "bench".into(),
    };
    app.profiles = vec![ProfileStatus {
        state: TokenState::Valid,
        account: Some(Account {
            subdomain: Some("acme".into()),
            account_id: None,
            region: None,
        }),
        user: Some(UserSummary {
            id: Some("PU001".into()),
            name: None,
            email: None,
            role: None,
        }),
        obtained_at: Some(NOW - 60),
        expires_at: Some(NOW + 3_600),
        has_refresh_token: true,
        ..ProfileStatus::logged_out("work")
    }];
    app.browse.profile = Some("work".into());
    app.update(Msg::Resize { width: 200, height: 50 });
    let effects = app.show(Screen::List(Resource::Incidents));
    let Some(Effect::Request(request @ Request::Watch { .. })) = effects.into_iter().next() else {
        panic!("the incidents screen did not watch");
    };
    let page = ListPage {
        items: Items::Incidents((1..=ROWS).map(incident).collect()),
        offset: 0,
        more: false,
        total: None,
        truncated: false,
        meta: meta(),
    };
    app.update(Msg::Replied {
        request,
        result: Ok(Response::Watching { watch: 1, page }),
    });
    assert_eq!(app.list().map(|t| t.len()), Some(ROWS as usize));
    app
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn report(name: &str, mut samples: Vec<Duration>, target: Duration) {
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / u32::try_from(samples.len()).unwrap_or(1);
    let median = samples[samples.len() / 2];
    let p99 = samples[(samples.len() * 99 / 100).min(samples.len() - 1)];
    let max = samples[samples.len() - 1];
    // The machine is shared: judge the typical frame, show the tail.
    let verdict = if median < target { "ok" } else { "OVER TARGET" };
    println!(
        "{name:<44} n={:<5} mean {mean:>9.3?}  median {median:>9.3?}  p99 {p99:>9.3?}  max {max:>9.3?}  median vs target {target:?}: {verdict}",
        samples.len()
    );
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent: stay quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds = if quick { 5 } else { 300 };
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let mut app = app();

    // A whole frame of the incidents screen, alternating between two rows
    // so every frame has something to redraw.
    let mut frames = Vec::new();
    for i in 0..rounds {
        app.update(key(if i % 2 == 0 { KeyCode::Down } else { KeyCode::Up }));
        let start = Instant::now();
        terminal
            .draw(|frame| {
                black_box(pdauth_tui::views::draw(frame, &app, NOW));
            })
            .expect("draw");
        frames.push(start.elapsed());
    }
    report("frame: 10,000 incidents at 200x50", frames, Duration::from_millis(2));

    // Typing a filter and deleting it, one redrawn frame per key.
    let mut keys = Vec::new();
    for _ in 0..(rounds / 20).max(1) {
        app.update(key(KeyCode::Char('/')));
        let typing = "host web-42".chars().map(KeyCode::Char);
        let deleting = std::iter::repeat_n(KeyCode::Backspace, 11);
        for code in typing.chain(deleting) {
            let start = Instant::now();
            app.update(key(code));
            terminal
                .draw(|frame| {
                    black_box(pdauth_tui::views::draw(frame, &app, NOW));
                })
                .expect("draw");
            keys.push(start.elapsed());
        }
        app.update(key(KeyCode::Esc));
    }
    report(
        "key to frame: filter over 10,000 incidents",
        keys,
        Duration::from_millis(16),
    );

    // A poll that found 20 new incidents and 50 changed ones.
    let mut changes = Vec::new();
    for round in 0..(rounds / 10).max(1) {
        let base = ROWS + 1 + round * 20;
        let added: Vec<Incident> = (base..base + 20).map(incident).collect();
        let updated: Vec<Incident> = (1..=50)
            .map(|n| Incident {
                status: "acknowledged".into(),
                ..incident(n * 7 + round)
            })
            .collect();
        let change = ListChange {
            added: Items::Incidents(added),
            updated: Items::Incidents(updated),
            removed: vec![format!("Q{:06}", round + 1)],
            more: false,
            total: None,
            truncated: false,
            meta: meta(),
        };
        let start = Instant::now();
        app.update(Msg::Event(pdauth_common::Event::ListChanged { watch: 1, change }));
        terminal
            .draw(|frame| {
                black_box(pdauth_tui::views::draw(frame, &app, NOW));
            })
            .expect("draw");
        changes.push(start.elapsed());
    }
    report(
        "live change to frame: 10,000 incidents",
        changes,
        Duration::from_millis(16),
    );
}
