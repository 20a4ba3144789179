//! Golden frames of the wire protocol. A change here is a change of the
//! public protocol: review it, and bump PROTOCOL_VERSION when old clients
//! would misread the new shape.

use pdauth_common::browse::{
    Detail, DetailPage, FetchMeta, Filter, Incident, Items, ListChange, ListPage, ListQuery, Page, Part, RateInfo, Ref,
    Resource, Schedule, ScheduleEntry, Unread,
};
use pdauth_common::{
    Account, Actor, AuditEntry, ClientFrame, ErrorCode, Event, LoginInfo, PROTOCOL_VERSION, ProfileStatus,
    RefreshResult, Reply, Request, Response, RetryInfo, RevokeOutcome, ServerFrame, StorageInfo, TokenState,
    UserSummary, WireError,
};

fn line<T: serde::Serialize>(frame: &T) -> String {
    serde_json::to_string(frame).unwrap()
}

fn valid_status() -> ProfileStatus {
    ProfileStatus {
        name: "work".into(),
        state: TokenState::Valid,
        reason: None,
        account: Some(Account {
            subdomain: Some("acme".into()),
            account_id: Some("PACCT01".into()),
            region: Some("UnitedStates".into()),
        }),
        user: Some(UserSummary {
            id: Some("PUSER01".into()),
            name: Some("Ada Admin".into()),
            email: Some("ada@example.com".into()),
            role: Some("admin".into()),
        }),
        scopes_requested: vec!["read".into(), "write".into()],
        scopes_granted: vec!["openid".into(), "read".into()],
        scopes_missing: vec!["write".into()],
        obtained_at: Some(1_760_000_000),
        expires_at: Some(1_760_003_600),
        api_url: Some("https://api.pagerduty.com".into()),
        login: None,
        has_refresh_token: true,
        next_refresh_at: Some(1_760_002_880),
        last_refresh: None,
        retry: None,
    }
}

fn refreshing_status() -> ProfileStatus {
    ProfileStatus {
        state: TokenState::RefreshFailing,
        reason: Some("token endpoint answered HTTP 503".into()),
        has_refresh_token: true,
        next_refresh_at: Some(1_760_002_880),
        last_refresh: Some(RefreshResult {
            at: 1_760_002_900,
            ok: false,
            message: "HTTP 503".into(),
        }),
        retry: Some(RetryInfo {
            attempts: 2,
            last_error: "HTTP 503".into(),
            next_attempt_at: 1_760_002_920,
        }),
        ..valid_status()
    }
}

fn audit_entry() -> AuditEntry {
    AuditEntry {
        id: 42,
        at: 1_760_000_000,
        profile: "work".into(),
        event: "token_issued".into(),
        actor: Some(Actor {
            uid: 1000,
            pid: Some(4242),
        }),
        detail: None,
    }
}

fn login_info() -> LoginInfo {
    LoginInfo {
        profile: "work".into(),
        authorize_url: "https://identity.pagerduty.com/oauth/authorize?client_id=abc&state=S".into(),
        redirect_uri: "http://127.0.0.1:8976/callback".into(),
        started_at: 1_760_000_000,
        expires_at: 1_760_000_600,
    }
}

fn user_ref() -> Ref {
    Ref {
        id: "PUSER01".into(),
        kind: "user_reference".into(),
        summary: "Ada Lovelace".into(),
        html_url: Some("https://acme.pagerduty.com/users/PUSER01".into()),
    }
}

fn incident() -> Incident {
    Incident {
        id: "PINC001".into(),
        number: 42,
        title: "CPU high on db-1".into(),
        status: "acknowledged".into(),
        urgency: "high".into(),
        priority: Some("P1".into()),
        assignees: vec![user_ref()],
        created_at: Some(1_780_000_000),
        ..Default::default()
    }
}

fn meta() -> FetchMeta {
    FetchMeta {
        fetched_at: 1_780_000_100,
        stale: false,
        requests: 1,
        waited_ms: 0,
        rate: RateInfo {
            limit: Some(960),
            remaining: Some(955),
            reset_at: Some(1_780_000_140),
            waiting_until: None,
        },
    }
}

fn open_incidents() -> ListQuery {
    ListQuery {
        resource: Resource::Incidents,
        filter: Filter {
            statuses: vec!["triggered".into(), "acknowledged".into()],
            all_dates: true,
            ..Default::default()
        },
        sort: Some("created_at:desc".into()),
        page: Page::All { max: 10_000 },
    }
}

#[test]
fn client_frames() {
    let frames = [
        ClientFrame::Hello {
            protocol: PROTOCOL_VERSION,
            client: "pdauth 0.1.0".into(),
        },
        ClientFrame::Request {
            id: 1,
            request: Request::Ping,
        },
        ClientFrame::Request {
            id: 2,
            request: Request::Status,
        },
        ClientFrame::Request {
            id: 3,
            request: Request::Subscribe,
        },
        ClientFrame::Request {
            id: 4,
            request: Request::Login { profile: "work".into() },
        },
        ClientFrame::Request {
            id: 5,
            request: Request::CancelLogin { profile: "work".into() },
        },
        ClientFrame::Request {
            id: 6,
            request: Request::Token { profile: "work".into() },
        },
        ClientFrame::Request {
            id: 7,
            request: Request::Revoke { profile: "work".into() },
        },
        ClientFrame::Request {
            id: 8,
            request: Request::Refresh { profile: "work".into() },
        },
        ClientFrame::Request {
            id: 9,
            request: Request::Audit {
                profile: Some("work".into()),
                limit: Some(50),
            },
        },
        ClientFrame::Request {
            id: 10,
            request: Request::Audit {
                profile: None,
                limit: None,
            },
        },
        ClientFrame::Request {
            id: 11,
            request: Request::Api {
                profile: "work".into(),
                path: "/incidents".into(),
                query: vec![("statuses[]".into(), "triggered".into())],
                method: None,
                body: None,
                paginate: true,
            },
        },
        ClientFrame::Request {
            id: 12,
            request: Request::List {
                profile: "work".into(),
                query: open_incidents(),
                fresh: false,
            },
        },
        ClientFrame::Request {
            id: 13,
            request: Request::Get {
                profile: "work".into(),
                resource: Resource::Schedules,
                id: "PSCHED1".into(),
                fresh: true,
            },
        },
        ClientFrame::Request {
            id: 14,
            request: Request::Watch {
                profile: "work".into(),
                query: ListQuery::new(Resource::Oncalls),
            },
        },
        ClientFrame::Request {
            id: 15,
            request: Request::Unwatch { watch: 3 },
        },
    ];
    let text: Vec<String> = frames.iter().map(line).collect();
    insta::assert_snapshot!(text.join("\n"));
    for (frame, text) in frames.iter().zip(&text) {
        assert_eq!(&serde_json::from_str::<ClientFrame>(text).unwrap(), frame);
    }
}

#[test]
fn server_frames() {
    let frames = vec![
        ServerFrame::Welcome {
            protocol: PROTOCOL_VERSION,
            daemon_version: "0.1.0".into(),
        },
        ServerFrame::Reply {
            id: 1,
            result: Reply::Ok(Response::Pong {
                daemon_version: "0.1.0".into(),
            }),
        },
        ServerFrame::Reply {
            id: 2,
            result: Reply::Ok(Response::Status {
                profiles: vec![valid_status(), ProfileStatus::logged_out("other")],
                storage: StorageInfo::KeyFile {
                    path: "/home/a/.local/state/pdauth/store.key".into(),
                },
            }),
        },
        ServerFrame::Reply {
            id: 4,
            result: Reply::Ok(Response::LoginStarted { login: login_info() }),
        },
        ServerFrame::Reply {
            id: 6,
            result: Reply::Ok(Response::Token {
                profile: "work".into(),
                access_token: "pdus+_0XBPWQQ_example".into(),
                token_type: "bearer".into(),
                expires_at: Some(1_760_003_600),
            }),
        },
        ServerFrame::Reply {
            id: 7,
            result: Reply::Ok(Response::Revoked {
                profile: "work".into(),
                outcome: RevokeOutcome::NotConfirmed {
                    detail: "timed out".into(),
                },
            }),
        },
        ServerFrame::Reply {
            id: 8,
            result: Reply::Error(WireError::new(
                ErrorCode::NeedsLogin,
                "profile \"work\" has no token: run `pdauth login work`",
            )),
        },
        ServerFrame::Event {
            event: Event::LoginStarted { login: login_info() },
        },
        ServerFrame::Event {
            event: Event::LoginCompleted { profile: "work".into() },
        },
        ServerFrame::Event {
            event: Event::LoginFailed {
                profile: "work".into(),
                message: "access denied".into(),
            },
        },
        ServerFrame::Event {
            event: Event::Revoked {
                profile: "work".into(),
                outcome: RevokeOutcome::Confirmed,
            },
        },
        ServerFrame::Event {
            event: Event::Health { status: valid_status() },
        },
        ServerFrame::Event {
            event: Event::Resync {
                profiles: vec![ProfileStatus::logged_out("work")],
            },
        },
        ServerFrame::Reply {
            id: 12,
            result: Reply::Ok(Response::Refreshed {
                status: refreshing_status(),
            }),
        },
        ServerFrame::Reply {
            id: 13,
            result: Reply::Ok(Response::Audit {
                entries: vec![audit_entry()],
            }),
        },
        ServerFrame::Reply {
            id: 14,
            result: Reply::Ok(Response::Api {
                status: 200,
                body: serde_json::json!({"user": {"id": "PUSER01"}}),
                pages: 1,
                truncated: false,
            }),
        },
        ServerFrame::Reply {
            id: 15,
            result: Reply::Ok(Response::Watching {
                watch: 3,
                page: ListPage {
                    items: Items::Incidents(vec![incident()]),
                    offset: 0,
                    more: false,
                    total: Some(1),
                    truncated: false,
                    meta: meta(),
                },
            }),
        },
        ServerFrame::Reply {
            id: 16,
            result: Reply::Ok(Response::Detail {
                page: DetailPage {
                    detail: Detail::Schedule {
                        schedule: Schedule {
                            id: "PSCHED1".into(),
                            name: "Primary".into(),
                            time_zone: Some("Europe/Berlin".into()),
                            ..Default::default()
                        },
                        since: 1_780_000_000,
                        until: 1_780_604_800,
                        entries: vec![
                            ScheduleEntry {
                                start: 1_780_000_000,
                                end: 1_780_300_000,
                                user: Some(user_ref()),
                            },
                            ScheduleEntry {
                                start: 1_780_300_000,
                                end: 1_780_604_800,
                                user: None,
                            },
                        ],
                        coverage_percent: Some(49.6),
                    },
                    meta: meta(),
                    unread: Vec::new(),
                    cut: Vec::new(),
                },
            }),
        },
        ServerFrame::Reply {
            id: 17,
            result: Reply::Ok(Response::Detail {
                page: DetailPage {
                    detail: Detail::Incident {
                        incident: incident(),
                        log_entries: Vec::new(),
                        notes: Vec::new(),
                        alerts: Vec::new(),
                    },
                    meta: meta(),
                    unread: vec![Unread {
                        part: Part::Alerts,
                        code: ErrorCode::Forbidden,
                        message: "PagerDuty refused (403): missing scope incidents.read".into(),
                    }],
                    cut: vec![Part::LogEntries],
                },
            }),
        },
        ServerFrame::Event {
            event: Event::ListChanged {
                watch: 3,
                change: ListChange {
                    added: Items::Incidents(vec![]),
                    updated: Items::Incidents(vec![incident()]),
                    removed: vec!["PINC002".into()],
                    more: false,
                    total: None,
                    truncated: false,
                    meta: meta(),
                },
            },
        },
        ServerFrame::Event {
            event: Event::ListFailed {
                watch: 3,
                error: WireError::new(ErrorCode::NeedsLogin, "profile work needs a new login"),
            },
        },
        ServerFrame::Event {
            event: Event::Rate {
                profile: "work".into(),
                rate: meta().rate,
            },
        },
        ServerFrame::Event {
            event: Event::Audit { entry: audit_entry() },
        },
        ServerFrame::Error {
            error: WireError::new(ErrorCode::ProtocolMismatch, "client speaks protocol 9, daemon 1"),
        },
    ];
    let text: Vec<String> = frames.iter().map(line).collect();
    insta::assert_snapshot!(text.join("\n"));
    for (frame, text) in frames.iter().zip(&text) {
        assert_eq!(&serde_json::from_str::<ServerFrame>(text).unwrap(), frame);
    }
}

#[test]
fn every_state_has_its_snake_case_word() {
    for state in TokenState::ALL {
        assert_eq!(
            serde_json::to_value(state).unwrap(),
            serde_json::Value::String(state.as_str().into())
        );
    }
}

#[test]
fn unknown_fields_and_ops_are_refused() {
    assert!(
        serde_json::from_str::<ClientFrame>(r#"{"type":"request","id":1,"request":{"op":"drop_tables"}}"#).is_err()
    );
    assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"hello","protocol":1,"client":"x","extra":1}"#).is_err());
}
