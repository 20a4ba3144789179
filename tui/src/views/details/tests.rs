//! Tests of the detail renderers: every kind rendered into a `TestBackend`
//! and compared with reviewed snapshots, hostile text that must never reach
//! the terminal, and widths and data no renderer may panic or overflow on.

use pdauth_common::ErrorCode;
use pdauth_common::browse::{Detail, EscalationRule, Incident, Part, ScheduleEntry, Unread};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::fixtures::{self, NOW, OFFSET};
use super::{PartsInfo, detail_lines};
use crate::theme;

fn render(detail: &Detail, width: u16, height: u16) -> Terminal<TestBackend> {
    let lines = detail_lines(detail, PartsInfo::default(), NOW, OFFSET, width);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| frame.render_widget(Paragraph::new(lines), frame.area()))
        .expect("draw");
    terminal
}

fn plain(lines: &[Line]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn incident_snapshot() {
    insta::assert_snapshot!("incident", render(&fixtures::incident_detail(), 100, 40).backend());
}

#[test]
fn incident_narrow_snapshot() {
    insta::assert_snapshot!(
        "incident_narrow",
        render(&fixtures::incident_detail(), 44, 60).backend()
    );
}

#[test]
fn service_snapshot() {
    insta::assert_snapshot!("service", render(&fixtures::service_detail(), 100, 40).backend());
}

#[test]
fn user_snapshot() {
    insta::assert_snapshot!("user", render(&fixtures::user_detail(), 100, 40).backend());
}

#[test]
fn schedule_with_handoff_gap_snapshot() {
    insta::assert_snapshot!(
        "schedule_handoff_gap",
        render(&fixtures::handoff_schedule(), 100, 40).backend()
    );
}

#[test]
fn business_hours_schedule_snapshot() {
    insta::assert_snapshot!(
        "schedule_business_hours",
        render(&fixtures::business_schedule(), 100, 40).backend()
    );
}

#[test]
fn schedule_narrow_snapshot() {
    insta::assert_snapshot!(
        "schedule_narrow",
        render(&fixtures::handoff_schedule(), 40, 45).backend()
    );
}

#[test]
fn policy_snapshot() {
    insta::assert_snapshot!("policy", render(&fixtures::policy_detail(), 100, 40).backend());
}

#[test]
fn team_snapshot() {
    insta::assert_snapshot!("team", render(&fixtures::team_detail(), 100, 40).backend());
}

/// Characters that must never reach the terminal from PagerDuty's text.
fn forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{2028}' | '\u{2029}'
        )
}

#[test]
fn hostile_text_never_reaches_a_line() {
    for detail in fixtures::all() {
        let hostile = fixtures::hostile(&detail);
        for width in [1, 2, 5, 10, 40, 100, 300] {
            for line in detail_lines(&hostile, PartsInfo::default(), NOW, OFFSET, width) {
                for span in &line.spans {
                    let bad: Vec<char> = span.content.chars().filter(|c| forbidden(*c)).collect();
                    assert!(bad.is_empty(), "{:?} in {:?} at width {width}", bad, span.content);
                }
            }
        }
        // What is left of the text is still shown, line breaks and all.
        let text = plain(&detail_lines(&hostile, PartsInfo::default(), NOW, OFFSET, 300));
        assert!(text.contains("evil click exe.txt"), "{text}");
        assert!(
            !text.contains("[2J") && !text.contains("52;c"),
            "no sequence litter: {text}"
        );
        assert!(text.contains("line two"), "{text}");
    }
}

#[test]
fn note_lines_stay_separate_lines() {
    let text = plain(&detail_lines(
        &fixtures::incident_detail(),
        PartsInfo::default(),
        NOW,
        OFFSET,
        100,
    ));
    assert!(text.contains("\n    Rolling back deploy 2023.11.14-3.\n    Canary error rate back to 0.2%.\n"));
}

/// Details with odd data: empty, reversed, overlapping, far out of range.
fn odd() -> Vec<Detail> {
    let entry = |start, end, user: bool| ScheduleEntry {
        start,
        end,
        user: user.then(fixtures::ada),
    };
    let schedule = |since, until, entries: Vec<ScheduleEntry>, coverage_percent| Detail::Schedule {
        schedule: Default::default(),
        since,
        until,
        entries,
        coverage_percent,
    };
    let mut out = vec![
        Detail::Incident {
            incident: Incident {
                number: u64::MAX,
                title: "🔥🔥 決済APIの遅延 🔥 ".repeat(20),
                created_at: Some(i64::MIN),
                last_status_change_at: Some(i64::MAX),
                ..Default::default()
            },
            log_entries: vec![Default::default()],
            notes: vec![Default::default()],
            alerts: vec![Default::default()],
        },
        Detail::Service {
            service: Default::default(),
            open_incidents: vec![Default::default()],
        },
        Detail::User {
            user: Default::default(),
            oncalls: vec![Default::default()],
        },
        Detail::Team {
            team: Default::default(),
            members: vec![Default::default()],
            services: vec![Default::default()],
        },
        schedule(NOW, NOW, vec![], None),
        schedule(NOW, NOW - 86_400, vec![entry(NOW - 10, NOW, true)], Some(f64::NAN)),
        schedule(i64::MIN, i64::MAX, vec![entry(i64::MIN, i64::MAX, true)], Some(1e300)),
        schedule(0, 400 * 86_400, vec![entry(5, 4, true), entry(-5, 90_000, true)], None),
        schedule(
            NOW,
            NOW + 7 * 86_400,
            vec![
                entry(NOW + 9_000, NOW + 3_000, true),
                entry(NOW + 50, NOW + 100_000, true),
                entry(NOW, NOW + 99, false),
            ],
            Some(-3.0),
        ),
    ];
    out.push(Detail::EscalationPolicy {
        policy: pdauth_common::browse::EscalationPolicy {
            num_loops: u32::MAX,
            rules: vec![
                EscalationRule {
                    delay_minutes: u32::MAX,
                    targets: vec![Default::default()],
                };
                3
            ],
            ..Default::default()
        },
        oncalls: vec![Default::default()],
    });
    out
}

#[test]
fn no_line_is_wider_than_the_pane() {
    let mut details = fixtures::all();
    details.extend(fixtures::all().iter().map(fixtures::hostile));
    details.extend(odd());
    for detail in &details {
        for width in 0..=120u16 {
            let lines = detail_lines(detail, PartsInfo::default(), NOW, OFFSET, width);
            if width == 0 {
                assert!(lines.is_empty());
            }
            for line in &lines {
                assert!(line.width() <= usize::from(width), "{line} is wider than {width}");
            }
        }
    }
}

#[test]
fn odd_offsets_and_clocks_do_not_panic() {
    for detail in fixtures::all().iter().chain(&odd()) {
        for (now, offset) in [(i64::MIN, i32::MIN), (i64::MAX, i32::MAX), (0, -50_000), (NOW, 93_599)] {
            assert!(!detail_lines(detail, PartsInfo::default(), now, offset, 80).is_empty());
        }
    }
}

fn cells_with(lines: &[Line], symbol: char) -> Vec<Style> {
    lines
        .iter()
        .flat_map(|l| &l.spans)
        .filter(|s| s.content.contains(symbol))
        .map(|s| s.style)
        .collect()
}

#[test]
fn gaps_stand_out_in_symbol_and_colour() {
    let lines = detail_lines(&fixtures::handoff_schedule(), PartsInfo::default(), NOW, OFFSET, 100);
    let gaps = cells_with(&lines, '░');
    assert!(!gaps.is_empty());
    assert!(gaps.iter().all(|s| *s == theme::error()));
    assert!(cells_with(&lines, '█').iter().all(|s| *s == theme::success()));
    assert!(cells_with(&lines, '▒').iter().all(|s| *s == theme::warning()));
    let text = plain(&lines);
    assert!(text.contains("░ Fri 17 Nov 18:00–19:00 (1h)"), "{text}");
    assert!(text.contains("░ Mon 20 Nov 18:00–18:30 (30m)"), "{text}");
    assert!(text.contains("99.1% covered"), "{text}");
}

#[test]
fn business_hours_leave_nights_and_weekends_uncovered() {
    let text = plain(&detail_lines(
        &fixtures::business_schedule(),
        PartsInfo::default(),
        NOW,
        OFFSET,
        100,
    ));
    assert!(text.contains("23.8% covered"), "{text}");
    assert!(text.contains("Fri 17 Nov 17:00 – Mon 20 Nov 09:00 (2d 16h)"), "{text}");
    assert!(
        text.contains("On call   nobody, until Wed 15 Nov 09:00 (in 9h)"),
        "{text}"
    );
}

#[test]
fn the_coverage_bar_fits_narrow_panes_with_coarser_cells() {
    for (width, cells) in [(100, 72), (31, 24), (30, 12), (8, 1)] {
        let lines = detail_lines(&fixtures::handoff_schedule(), PartsInfo::default(), NOW, OFFSET, width);
        let row = lines
            .iter()
            .map(ToString::to_string)
            .find(|l| l.starts_with("Thu 16"))
            .unwrap_or_else(|| panic!("no day row at width {width}"));
        let drawn = row.chars().filter(|c| matches!(c, '█' | '░' | '▒')).count();
        assert_eq!(drawn, cells, "width {width}: {row}");
    }
}

#[test]
fn incident_status_takes_its_colour() {
    for (status, style) in [
        ("triggered", theme::error()),
        ("acknowledged", theme::warning()),
        ("resolved", theme::success()),
    ] {
        let mut detail = fixtures::incident_detail();
        if let Detail::Incident { incident, .. } = &mut detail {
            incident.status = status.into();
        }
        let lines = detail_lines(&detail, PartsInfo::default(), NOW, OFFSET, 100);
        let span = lines
            .iter()
            .flat_map(|l| &l.spans)
            .find(|s| s.content == status)
            .expect("the status is shown");
        assert_eq!(span.style, style, "{status}");
    }
}

#[test]
fn a_long_link_is_kept_whole_across_lines() {
    let url = format!("https://acme-corp.pagerduty.com/incidents/{}", "Q".repeat(90));
    let mut detail = fixtures::incident_detail();
    if let Detail::Incident { incident, .. } = &mut detail {
        incident.html_url = Some(url.clone());
    }
    let lines = detail_lines(&detail, PartsInfo::default(), NOW, OFFSET, 40);
    let link: String = lines
        .iter()
        .filter(|l| l.spans.iter().all(|s| s.style == theme::url()) && !l.spans.is_empty())
        .map(ToString::to_string)
        .collect();
    assert_eq!(link, url);
}

/// What the daemon sends when PagerDuty would not give related lists: the
/// lists empty, and why in `unread`.
fn unread_parts(detail: &Detail) -> (Detail, Vec<Unread>) {
    let mut detail = detail.clone();
    let parts = match &mut detail {
        Detail::Incident {
            log_entries,
            notes,
            alerts,
            ..
        } => {
            log_entries.clear();
            notes.clear();
            alerts.clear();
            vec![Part::LogEntries, Part::Notes, Part::Alerts]
        }
        Detail::Service { open_incidents, .. } => {
            open_incidents.clear();
            vec![Part::OpenIncidents]
        }
        Detail::User { oncalls, .. } | Detail::EscalationPolicy { oncalls, .. } => {
            oncalls.clear();
            vec![Part::Oncalls]
        }
        Detail::Team { members, services, .. } => {
            members.clear();
            services.clear();
            vec![Part::Members, Part::Services]
        }
        Detail::Schedule { .. } => Vec::new(),
    };
    let unread = parts
        .into_iter()
        .map(|part| Unread {
            part,
            code: ErrorCode::Forbidden,
            message: format!("PagerDuty refused {part:?} (403)\x1b[2J"),
        })
        .collect();
    (detail, unread)
}

#[test]
fn lists_pagerduty_would_not_give_say_so_instead_of_none() {
    for detail in fixtures::all() {
        let (detail, unread) = unread_parts(&detail);
        let text = plain(&detail_lines(
            &detail,
            PartsInfo {
                unread: &unread,
                cut: &[],
            },
            NOW,
            OFFSET,
            100,
        ));
        for u in &unread {
            assert!(
                text.contains(&format!("not read: PagerDuty refused {:?} (403)\n", u.part)),
                "{:?} unread, cleaned:\n{text}",
                u.part
            );
        }
        assert!(!text.contains('\x1b'), "{text}");
        if unread.is_empty() {
            continue;
        }
        // Nothing reads as an empty list.
        for empty in ["(0)", "nothing yet", "not on call", "nobody on call now"] {
            assert!(!text.contains(empty), "{empty:?} shown for an unread list:\n{text}");
        }
        // The same detail with the lists given but empty says they are empty.
        let text = plain(&detail_lines(&detail, PartsInfo::default(), NOW, OFFSET, 100));
        assert!(!text.contains("not read"), "{text}");
        assert!(
            ["(0)", "nothing yet", "not on call", "nobody on call now"]
                .iter()
                .any(|empty| text.contains(empty)),
            "{text}"
        );
    }
}

#[test]
fn a_list_pagerduty_has_more_of_says_how_many_are_shown() {
    let detail = fixtures::incident_detail();
    let Detail::Incident { log_entries, .. } = &detail else {
        panic!("an incident")
    };
    let shown = log_entries.len();
    let cut = [Part::LogEntries];
    let parts = PartsInfo { unread: &[], cut: &cut };
    let text = plain(&detail_lines(&detail, parts, NOW, OFFSET, 100));
    assert!(
        text.contains(&format!("Timeline (first {shown}; PagerDuty has more)")),
        "{text}"
    );
    // The others keep their plain counts.
    assert!(text.contains("Notes ("), "{text}");
    assert!(!text.contains("Notes (first"), "{text}");
}
