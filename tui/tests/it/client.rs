//! The client library against the fake daemon: handshake, version mismatch,
//! request/reply matching by id, events, the daemon vanishing, reconnecting.

use std::time::Duration;

use pdauth_common::{Event, PROTOCOL_VERSION, ProfileStatus, Request, Response};
use pdauth_tui::client::{ClientError, Connection, LinkUpdate, maintain};
use tokio::sync::mpsc;
use tokio::time::timeout;

use crate::fake::{DAEMON_VERSION, FakeDaemon, State, TOKEN};

const LIMIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn handshake_announces_the_daemon() {
    let daemon = FakeDaemon::start().await;
    let conn = Connection::connect(&daemon.socket).await.expect("connect");
    assert_eq!(conn.daemon_version(), DAEMON_VERSION);
    match conn.request(Request::Ping).await.unwrap() {
        Response::Pong { daemon_version } => assert_eq!(daemon_version, DAEMON_VERSION),
        other => panic!("got {other:?}"),
    }
}

#[tokio::test]
async fn protocol_mismatch_is_a_clear_error() {
    let daemon = FakeDaemon::start_with(State {
        protocol: PROTOCOL_VERSION + 1,
        ..State::default()
    })
    .await;
    let err = Connection::connect(&daemon.socket).await.unwrap_err();
    assert!(matches!(err, ClientError::ProtocolMismatch(_)), "{err:?}");
    assert!(err.to_string().contains("protocol"), "{err}");
    assert_eq!(err.exit_code(), 3);

    let daemon = FakeDaemon::start().await;
    let err = Connection::connect_as(&daemon.socket, "pdauth test", PROTOCOL_VERSION + 7)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::ProtocolMismatch(_)), "{err:?}");
}

#[tokio::test]
async fn missing_daemon_says_how_to_start_it() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("nobody.sock");
    let err = Connection::connect(&socket).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("pdauthd is not running"), "{text}");
    assert!(text.contains(&socket.display().to_string()), "{text}");
    assert!(text.contains("systemctl --user start pdauthd"), "{text}");
    assert_eq!(err.exit_code(), 3);
}

#[tokio::test]
async fn replies_are_matched_by_id_even_out_of_order() {
    let mut state = State::default();
    state.slow.insert("status", Duration::from_millis(400));
    let daemon = FakeDaemon::start_with(state).await;
    let conn = Connection::connect(&daemon.socket).await.unwrap();
    let (a, b) = (conn.handle(), conn.handle());
    let slow = tokio::spawn(async move { a.request(Request::Status).await });
    // Give the slow request a head start so it is sent first.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let fast = b.request(Request::Token { profile: "work".into() }).await.unwrap();
    assert!(!slow.is_finished(), "the status reply should still be pending");
    match fast {
        Response::Token { access_token, .. } => assert_eq!(access_token, TOKEN),
        other => panic!("got {other:?}"),
    }
    match slow.await.unwrap().unwrap() {
        Response::Status { profiles, .. } => assert_eq!(profiles.len(), 3),
        other => panic!("got {other:?}"),
    }
}

#[tokio::test]
async fn daemon_errors_keep_their_code_and_are_sanitised() {
    let daemon = FakeDaemon::start().await;
    let conn = Connection::connect(&daemon.socket).await.unwrap();
    let err = conn
        .request(Request::Token {
            profile: "staging".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), 4);
    let err = conn
        .request(Request::Token {
            profile: "nope\x1b[2J".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), 5);
    assert!(!err.to_string().contains('\x1b'), "{err}");
}

#[tokio::test]
async fn subscription_delivers_snapshot_then_events() {
    let daemon = FakeDaemon::start().await;
    let mut conn = Connection::connect(&daemon.socket).await.unwrap();
    let (profiles, _) = conn.subscribe().await.unwrap();
    assert_eq!(profiles[0].name, "work");
    let status = ProfileStatus::logged_out("work");
    daemon.emit(Event::Health { status: status.clone() });
    let event = timeout(LIMIT, conn.next_event()).await.expect("an event").unwrap();
    assert_eq!(event, Event::Health { status });
}

#[tokio::test]
async fn daemon_vanishing_mid_request_fails_fast() {
    let daemon = FakeDaemon::start_with(State {
        vanish_on: Some("token"),
        ..State::default()
    })
    .await;
    let mut conn = Connection::connect(&daemon.socket).await.unwrap();
    conn.subscribe().await.unwrap();
    let err = timeout(LIMIT, conn.request(Request::Token { profile: "work".into() }))
        .await
        .expect("no hang")
        .unwrap_err();
    assert_eq!(err, ClientError::Disconnected);
    assert!(err.to_string().contains("closed the connection"), "{err}");
    let ended = timeout(LIMIT, conn.next_event()).await.expect("no hang");
    assert_eq!(ended, Err(ClientError::Disconnected));
    let again = timeout(LIMIT, conn.request(Request::Ping)).await.expect("no hang");
    assert_eq!(again, Err(ClientError::Disconnected));
}

#[tokio::test]
async fn daemon_stopping_ends_the_event_stream() {
    let mut daemon = FakeDaemon::start().await;
    let mut conn = Connection::connect(&daemon.socket).await.unwrap();
    conn.subscribe().await.unwrap();
    daemon.stop();
    let ended = timeout(LIMIT, conn.next_event()).await.expect("no hang");
    assert_eq!(ended, Err(ClientError::Disconnected));
}

#[tokio::test]
async fn link_reconnects_when_the_daemon_comes_and_goes() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("pdauthd.sock");
    let (tx, mut rx) = mpsc::channel(16);
    let link = tokio::spawn(maintain(socket.clone(), tx, Duration::from_millis(100)));

    let first = timeout(LIMIT, rx.recv()).await.unwrap().unwrap();
    assert!(
        matches!(
            &first,
            LinkUpdate::Down {
                error: ClientError::NotRunning { .. }
            }
        ),
        "{first:?}"
    );

    let mut daemon = FakeDaemon::start_at(&socket, State::default()).await;
    let up = loop {
        match timeout(LIMIT, rx.recv()).await.unwrap().unwrap() {
            LinkUpdate::Down { .. } => continue,
            other => break other,
        }
    };
    let LinkUpdate::Up {
        handle,
        daemon_version,
        profiles,
        ..
    } = up
    else {
        panic!("expected Up, got {up:?}");
    };
    assert_eq!(daemon_version, DAEMON_VERSION);
    assert_eq!(profiles.len(), 3);
    assert!(matches!(handle.request(Request::Ping).await, Ok(Response::Pong { .. })));

    daemon.emit(Event::LoginCompleted { profile: "work".into() });
    let event = timeout(LIMIT, rx.recv()).await.unwrap().unwrap();
    assert!(
        matches!(event, LinkUpdate::Event(Event::LoginCompleted { .. })),
        "{event:?}"
    );

    daemon.stop();
    let down = timeout(LIMIT, rx.recv()).await.unwrap().unwrap();
    assert!(matches!(down, LinkUpdate::Down { .. }), "{down:?}");

    // And back again.
    let _daemon = FakeDaemon::start_at(&socket, State::default()).await;
    loop {
        match timeout(LIMIT, rx.recv()).await.unwrap().unwrap() {
            LinkUpdate::Down { .. } => continue,
            LinkUpdate::Up { .. } => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    drop(rx);
    timeout(LIMIT, link)
        .await
        .expect("the link stops once nobody listens")
        .unwrap();
}

#[tokio::test]
async fn a_socket_directory_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("pdauthd.sock");
    let daemon = FakeDaemon::start_at(&socket, State::default()).await;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = Connection::connect(&daemon.socket).await.unwrap_err();
    assert!(matches!(err, ClientError::UnsafeSocketDir { .. }), "{err:?}");
    assert!(err.to_string().contains(&dir.path().display().to_string()), "{err}");
    assert_eq!(err.exit_code(), 3);
    assert_eq!(daemon.state.lock().unwrap().connections, 0, "refused before connecting");
    // Private again: accepted.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    Connection::connect(&daemon.socket).await.expect("connect");
}
