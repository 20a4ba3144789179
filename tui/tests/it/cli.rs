//! The real `pdauth` binary's subcommands against the fake daemon: what goes
//! to stdout, what to stderr, and the exit codes.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use pdauth_common::{ErrorCode, Request, RevokeOutcome, WireError};
use tokio::process::Command;

use crate::fake::{self, FakeDaemon, LoginScript, State, TOKEN};

pub const BIN: &str = env!("CARGO_BIN_EXE_pdauth");

#[derive(Debug)]
struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("PDAUTH_SOCKET")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

async fn run(mut cmd: Command) -> Output {
    let child = cmd.spawn().expect("start pdauth");
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("pdauth finished in time")
        .expect("pdauth output");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

async fn pdauth(socket: &Path, args: &[&str]) -> Output {
    let mut full = vec!["--socket", socket.to_str().expect("utf-8 path")];
    full.extend_from_slice(args);
    run(command(&full)).await
}

#[tokio::test]
async fn status_json_has_the_documented_shape() {
    let daemon = FakeDaemon::start().await;
    let out = pdauth(&daemon.socket, &["status", "--json"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON alone");
    assert_eq!(doc["daemon_version"], fake::DAEMON_VERSION);
    assert_eq!(doc["storage"]["mode"], "key_file");
    let profiles = doc["profiles"].as_array().expect("profiles array");
    assert_eq!(profiles.len(), 3);
    assert_eq!(profiles[0]["name"], "work");
    assert_eq!(profiles[0]["state"], "valid");
    assert_eq!(profiles[1]["state"], "needs_login");
    assert_eq!(profiles[2]["state"], "logged_out");
    assert_eq!(profiles[0]["account"]["subdomain"], "acme");
    assert!(profiles[0]["scopes_granted"].is_array());
    assert!(profiles[0].get("expires_at").is_some());
}

#[tokio::test]
async fn status_table_for_people() {
    let daemon = FakeDaemon::start().await;
    let out = pdauth(&daemon.socket, &["status"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("pdauthd 0.1.0-fake"), "{}", out.stdout);
    assert!(lines[1].starts_with("PROFILE"), "{}", out.stdout);
    assert!(
        lines[2].starts_with("work") && lines[2].contains("valid"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("staging: PagerDuty rejected the refresh token"));
}

#[tokio::test]
async fn socket_from_environment_or_after_the_subcommand() {
    let daemon = FakeDaemon::start().await;
    let mut cmd = command(&["status", "--json"]);
    cmd.env("PDAUTH_SOCKET", &daemon.socket);
    let out = run(cmd).await;
    assert_eq!(out.code, 0, "{out:?}");

    let socket = daemon.socket.to_str().unwrap();
    let out = run(command(&["token", "work", "--socket", socket])).await;
    assert_eq!(out.code, 0, "{out:?}");
}

#[tokio::test]
async fn token_alone_on_stdout() {
    let daemon = FakeDaemon::start().await;
    let out = pdauth(&daemon.socket, &["token", "work"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("{TOKEN}\n"));
    assert!(!out.stderr.contains(TOKEN));
}

#[tokio::test]
async fn token_failures_have_their_exit_codes() {
    let daemon = FakeDaemon::start().await;
    let out = pdauth(&daemon.socket, &["token", "staging"]).await;
    assert_eq!(out.code, 4, "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("pdauth login staging"), "{}", out.stderr);

    let out = pdauth(&daemon.socket, &["token", "nope"]).await;
    assert_eq!(out.code, 5, "{out:?}");
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn token_during_an_outage_or_with_a_rejected_client_exits_1_with_the_daemons_message() {
    let outage = "the access token of work expired and identity.pagerduty.com is failing (HTTP 503); \
                  pdauthd tries again in 40s";
    let rejected = "identity.pagerduty.com rejected the OAuth client of staging (invalid_client): \
                    check client_id and client_secret_file in pdauthd's config";
    let daemon = FakeDaemon::start_with(State {
        token_errors: HashMap::from([
            ("work".to_string(), WireError::new(ErrorCode::Upstream, outage)),
            ("staging".to_string(), WireError::new(ErrorCode::Config, rejected)),
        ]),
        ..State::default()
    })
    .await;
    for (profile, message) in [("work", outage), ("staging", rejected)] {
        let out = pdauth(&daemon.socket, &["token", profile]).await;
        assert_eq!(out.code, 1, "{profile}: {out:?}");
        assert!(out.stdout.is_empty(), "{out:?}");
        assert_eq!(out.stderr, format!("pdauth: {message}\n"), "no login hint");
        assert!(!out.stderr.contains("pdauth login"), "{}", out.stderr);
    }
}

#[tokio::test]
async fn missing_daemon_exits_3_with_the_hint() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("absent.sock");
    for args in [&["status"][..], &["token", "work"], &["login", "work", "--no-browser"]] {
        let out = pdauth(&socket, args).await;
        assert_eq!(out.code, 3, "{args:?}: {out:?}");
        assert!(out.stderr.contains("pdauthd is not running"), "{}", out.stderr);
        assert!(out.stderr.contains("systemctl --user start pdauthd"), "{}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}

#[tokio::test]
async fn a_socket_path_that_is_no_socket_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "hello").unwrap();
    for (path, says) in [
        (dir.path(), "it is a directory"),
        (file.as_path(), "it is not a socket"),
    ] {
        let out = pdauth(path, &["status"]).await;
        assert_eq!(out.code, 3, "{out:?}");
        assert!(
            out.stderr.contains(says) && !out.stderr.contains("refuses connections"),
            "{}",
            out.stderr
        );
    }
}

#[tokio::test]
async fn status_while_the_daemon_drains_says_it_is_stopping() {
    let mut daemon = FakeDaemon::start().await;
    daemon.drain().await;
    assert!(daemon.socket.exists(), "the socket file outlives the listener");
    let out = pdauth(&daemon.socket, &["status"]).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(
        out.stderr.contains("pdauthd is stopping or not running"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("pdauthd is not running"), "{}", out.stderr);
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn a_handshake_cut_short_says_the_daemon_is_stopping() {
    let daemon = FakeDaemon::start_with(State {
        hang_up_on_hello: true,
        ..State::default()
    })
    .await;
    for args in [&["status"][..], &["status", "--json"], &["token", "work"]] {
        let out = pdauth(&daemon.socket, args).await;
        assert_eq!(out.code, 3, "{args:?}: {out:?}");
        assert!(
            out.stderr.contains("pdauthd is stopping or not running"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
}

#[tokio::test]
async fn protocol_mismatch_exits_3() {
    let daemon = FakeDaemon::start_with(State {
        protocol: 99,
        ..State::default()
    })
    .await;
    let out = pdauth(&daemon.socket, &["status"]).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("protocol"), "{}", out.stderr);
}

#[tokio::test]
async fn login_prints_the_url_and_waits_for_completion() {
    let daemon = FakeDaemon::start().await;
    let out = pdauth(&daemon.socket, &["login", "staging", "--no-browser"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, format!("{}\n", fake::authorize_url("staging")));
    assert!(out.stderr.contains("Logged in"), "{}", out.stderr);
    let seen = daemon.seen();
    let subscribe = seen.iter().position(|r| *r == Request::Subscribe).expect("subscribed");
    let login = seen
        .iter()
        .position(|r| matches!(r, Request::Login { .. }))
        .expect("logged in");
    assert!(subscribe < login, "subscribe before login: {seen:?}");
}

#[tokio::test]
async fn login_failure_exits_7_with_the_message() {
    let daemon = FakeDaemon::start_with(State {
        login: LoginScript::Fail(
            Duration::from_millis(200),
            "access_denied: the user refused\x1b[31m".into(),
        ),
        ..State::default()
    })
    .await;
    let out = pdauth(&daemon.socket, &["login", "staging", "--no-browser"]).await;
    assert_eq!(out.code, 7, "{out:?}");
    assert!(out.stderr.contains("access_denied: the user refused"), "{}", out.stderr);
    assert!(!out.stderr.contains('\x1b'));
}

#[tokio::test]
async fn login_timeout_exits_7_and_cancels() {
    let daemon = FakeDaemon::start_with(State {
        login: LoginScript::Never,
        ..State::default()
    })
    .await;
    let out = pdauth(&daemon.socket, &["login", "staging", "--no-browser", "--timeout", "1"]).await;
    assert_eq!(out.code, 7, "{out:?}");
    assert!(out.stderr.contains("not approved within 1 s"), "{}", out.stderr);
    assert!(
        daemon.seen().contains(&Request::CancelLogin {
            profile: "staging".into()
        }),
        "{:?}",
        daemon.seen()
    );
}

#[tokio::test]
async fn login_for_unknown_profile_exits_5() {
    let daemon = FakeDaemon::start().await;
    let out = pdauth(&daemon.socket, &["login", "nope", "--no-browser"]).await;
    assert_eq!(out.code, 5, "{out:?}");
    assert!(out.stdout.is_empty());
}

#[tokio::test]
async fn login_notices_the_daemon_going_away() {
    let daemon = FakeDaemon::start_with(State {
        login: LoginScript::Vanish(Duration::from_millis(300)),
        ..State::default()
    })
    .await;
    let out = pdauth(&daemon.socket, &["login", "staging", "--no-browser"]).await;
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stderr.contains("lost pdauthd"), "{}", out.stderr);
}

#[tokio::test]
async fn revoke_with_yes_reports_the_outcome() {
    let daemon = FakeDaemon::start().await;
    let out = pdauth(&daemon.socket, &["revoke", "work", "--yes"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "confirmed\n");
    assert!(out.stderr.contains("revoke the grant"), "before: {}", out.stderr);
    assert!(out.stderr.contains("PagerDuty confirmed"), "after: {}", out.stderr);
    assert!(daemon.seen().contains(&Request::Revoke { profile: "work".into() }));
}

#[tokio::test]
async fn revoke_not_confirmed_says_where_to_revoke_by_hand() {
    let daemon = FakeDaemon::start_with(State {
        revoke: RevokeOutcome::NotConfirmed {
            detail: "identity server answered HTTP 503".into(),
        },
        ..State::default()
    })
    .await;
    let out = pdauth(&daemon.socket, &["revoke", "work", "-y"]).await;
    assert_eq!(out.code, 1, "not confirmed is a failure: {out:?}");
    assert_eq!(out.stdout, "not_confirmed\n");
    assert!(out.stderr.contains("HTTP 503"), "{}", out.stderr);
    assert!(out.stderr.contains("by hand"), "{}", out.stderr);
    assert!(!out.stderr.contains("pdauth: "), "nothing more to say: {}", out.stderr);
}

#[tokio::test]
async fn revoke_not_confirmed_gives_the_manual_hint_once() {
    let daemon = FakeDaemon::start_with(State {
        revoke: RevokeOutcome::NotConfirmed {
            detail: "access token: HTTP 503; to be sure, revoke the app's access in https://acme.pagerduty.com \
                     under My Profile → User Settings (authorized applications), or ask an account admin"
                .into(),
        },
        ..State::default()
    })
    .await;
    let out = pdauth(&daemon.socket, &["revoke", "work", "-y"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.stderr.matches("User Settings").count(), 1, "{}", out.stderr);
}

#[tokio::test]
async fn login_warns_about_scopes_pagerduty_did_not_grant() {
    let daemon = FakeDaemon::start_with(State {
        login_grants: Some(Vec::new()),
        ..State::default()
    })
    .await;
    let out = pdauth(&daemon.socket, &["login", "staging", "--no-browser"]).await;
    assert_eq!(out.code, 0, "the login happened: {out:?}");
    assert!(out.stderr.contains("Logged in"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("warning: PagerDuty granted staging none of the requested scopes; missing: read write"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, format!("{}\n", fake::authorize_url("staging")));

    // All granted: no warning.
    let daemon = FakeDaemon::start().await;
    let out = pdauth(&daemon.socket, &["login", "staging", "--no-browser"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("warning"), "{}", out.stderr);
}

#[tokio::test]
async fn login_that_finished_as_the_daemon_drained_is_a_success() {
    let daemon = FakeDaemon::start_with(State {
        login: LoginScript::CompleteThenVanish(Duration::from_millis(300)),
        ..State::default()
    })
    .await;
    let out = pdauth(&daemon.socket, &["login", "staging", "--no-browser"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("Logged in: staging"), "{}", out.stderr);
    assert!(!out.stderr.contains("lost pdauthd"), "{}", out.stderr);
}

#[tokio::test]
async fn sigterm_and_sighup_cancel_a_pending_login() {
    use tokio::io::{AsyncBufReadExt, BufReader};
    for signal in [rustix::process::Signal::TERM, rustix::process::Signal::HUP] {
        let daemon = FakeDaemon::start_with(State {
            login: LoginScript::Never,
            ..State::default()
        })
        .await;
        let socket = daemon.socket.to_str().unwrap().to_string();
        let mut child = command(&["--socket", &socket, "login", "staging", "--no-browser"])
            .spawn()
            .expect("start pdauth");
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let url = tokio::time::timeout(Duration::from_secs(10), stdout.next_line())
            .await
            .expect("the URL in time")
            .unwrap();
        assert_eq!(url.as_deref(), Some(fake::authorize_url("staging").as_str()));
        let pid = rustix::process::Pid::from_raw(i32::try_from(child.id().unwrap()).unwrap()).unwrap();
        rustix::process::kill_process(pid, signal).unwrap();
        let out = tokio::time::timeout(Duration::from_secs(10), child.wait_with_output())
            .await
            .expect("pdauth exits")
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(7), "{signal:?}: {stderr}");
        assert!(stderr.contains("login cancelled"), "{stderr}");
        assert!(
            daemon.seen().contains(&Request::CancelLogin {
                profile: "staging".into()
            }),
            "{signal:?}: {:?}",
            daemon.seen()
        );
    }
}

#[tokio::test]
async fn revoke_without_yes_needs_a_terminal() {
    let daemon = FakeDaemon::start().await;
    let out = pdauth(&daemon.socket, &["revoke", "work"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--yes"), "{}", out.stderr);
    assert!(!daemon.seen().iter().any(|r| matches!(r, Request::Revoke { .. })));
}

#[tokio::test]
async fn revoke_unknown_profile_exits_5() {
    let daemon = FakeDaemon::start().await;
    let out = pdauth(&daemon.socket, &["revoke", "nope", "--yes"]).await;
    assert_eq!(out.code, 5, "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("no profile named"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("This asks PagerDuty"),
        "no plan for a typo: {}",
        out.stderr
    );
    // Without --yes and without a terminal: still the unknown name first.
    let out = pdauth(&daemon.socket, &["revoke", "nope"]).await;
    assert_eq!(out.code, 5, "{out:?}");
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let out = run(command(&["token"])).await;
    assert_eq!(out.code, 2, "{out:?}");
    let out = run(command(&["frobnicate"])).await;
    assert_eq!(out.code, 2, "{out:?}");
}

#[tokio::test]
async fn audit_table_newest_first_and_by_profile() {
    let daemon = FakeDaemon::start().await;
    let out = pdauth(&daemon.socket, &["audit"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("TIME") && lines[0].contains("EVENT"),
        "{}",
        out.stdout
    );
    assert_eq!(lines.len(), 1 + 5, "{}", out.stdout);
    assert!(
        lines[1].contains("token handed out") && lines[1].contains("uid 1000 pid 4242"),
        "{}",
        out.stdout
    );
    assert!(lines[5].contains("login started"), "oldest last: {}", out.stdout);

    let out = pdauth(&daemon.socket, &["audit", "staging", "--limit", "1"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(
        lines[1].contains("staging") && lines[1].contains("needs a new login"),
        "{}",
        out.stdout
    );
    assert!(lines[1].contains("pdauthd"), "the daemon's own action: {}", out.stdout);
    assert!(daemon.seen().contains(&Request::Audit {
        profile: Some("staging".into()),
        limit: Some(1)
    }));
}

#[tokio::test]
async fn audit_json_is_an_array_of_entries() {
    let daemon = FakeDaemon::start().await;
    let out = pdauth(&daemon.socket, &["audit", "work", "--json"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("stdout is JSON alone");
    let entries = doc.as_array().expect("an array");
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["event"], "token_issued");
    assert_eq!(entries[0]["actor"]["uid"], 1000);
    assert_eq!(entries[2]["event"], "login_started");
    assert!(entries.iter().all(|e| e["profile"] == "work"));
    assert!(entries[0]["id"].as_i64() > entries[1]["id"].as_i64(), "newest first");
}

#[tokio::test]
async fn refresh_prints_the_new_state() {
    let daemon = FakeDaemon::start().await;
    let out = pdauth(&daemon.socket, &["refresh", "work"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stdout, "valid\n");
    assert!(out.stderr.contains("work refreshed: valid"), "{}", out.stderr);
    assert!(daemon.seen().contains(&Request::Refresh { profile: "work".into() }));
    // The refresh is in the audit log now.
    let out = pdauth(&daemon.socket, &["audit", "work", "--limit", "1"]).await;
    assert!(out.stdout.contains("refreshed"), "{}", out.stdout);
}

#[tokio::test]
async fn refresh_that_needs_a_login_exits_4() {
    let daemon = FakeDaemon::start().await;
    for profile in ["staging", "sandbox"] {
        let out = pdauth(&daemon.socket, &["refresh", profile]).await;
        assert_eq!(out.code, 4, "{profile}: {out:?}");
        assert!(out.stdout.is_empty(), "{out:?}");
        assert!(
            out.stderr.contains(&format!("pdauth login {profile}")),
            "{}",
            out.stderr
        );
    }
}

#[tokio::test]
async fn refresh_failing_exits_1() {
    let daemon = FakeDaemon::start_with(State {
        refresh_error: Some("identity.pagerduty.com timed out".into()),
        ..State::default()
    })
    .await;
    let out = pdauth(&daemon.socket, &["refresh", "work"]).await;
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stderr.contains("identity.pagerduty.com timed out"),
        "{}",
        out.stderr
    );
    let out = pdauth(&daemon.socket, &["refresh", "nope"]).await;
    assert_eq!(out.code, 5, "{out:?}");
    // The failure shows in status, compactly.
    let out = pdauth(&daemon.socket, &["status"]).await;
    assert!(out.stdout.contains("retry in"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("work: refresh attempt 1 failed: identity.pagerduty.com timed out"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn demo_refuses_a_socket_it_would_not_use() {
    let dir = tempfile::tempdir().unwrap();
    let out = pdauth(&dir.path().join("x.sock"), &["demo"]).await;
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--socket does not apply"), "{}", out.stderr);
    assert!(!dir.path().join("x.sock").exists());
}
