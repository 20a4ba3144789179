//! The working core end to end with the real binaries: `pdauth login` driven
//! by a script that approves on the sandbox, then status, token, revoke.

use pdauth_tests::browser::{consent, visit};
use pdauth_tests::procs::LoginRun;
use pdauth_tests::rig::Rig;

#[tokio::test(flavor = "multi_thread")]
async fn login_status_token_revoke() {
    let r = Rig::build("demo", &[], |config| config).await;
    let (sim, daemon) = (&r.sim, &r.daemon);

    let before = daemon.pdauth(&["status", "--json"]).await;
    assert_eq!(before.code, Some(0), "{}", before.stderr);
    assert_eq!(before.json()["profiles"][0]["state"], "logged_out");
    let no_token = daemon.pdauth(&["token", "demo"]).await;
    assert_ne!(no_token.code, Some(0));
    assert!(no_token.stdout.is_empty(), "errors go to stderr only");

    let login = LoginRun::start(&daemon.socket, "demo").await;
    assert!(
        login.url.starts_with(&format!("{}/oauth/authorize?", sim.base)),
        "{}",
        login.url
    );
    let location = consent(&login.url, "approve").await.unwrap();
    let (status, _) = visit(&location).await.unwrap();
    assert_eq!(status, 200);
    let out = login.finish().await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);

    let status = daemon.pdauth(&["status", "--json"]).await;
    assert_eq!(status.code, Some(0));
    let profile = &status.json()["profiles"][0];
    assert_eq!(profile["name"], "demo");
    assert_eq!(profile["state"], "valid");
    assert_eq!(profile["account"]["subdomain"], "acme-sandbox");
    assert!(profile["user"]["email"].as_str().unwrap().contains('@'), "{profile}");

    let token = daemon.pdauth(&["token", "demo"]).await;
    assert_eq!(token.code, Some(0), "{}", token.stderr);
    let token = token.stdout.trim_end_matches('\n').to_string();
    assert!(token.starts_with("pdus+_0"), "{token}");
    assert!(!token.contains('\n'));
    assert_eq!(sim.users_me(&token).await, 200, "the sandbox accepts the token");

    let revoked = daemon.pdauth(&["revoke", "demo", "--yes"]).await;
    assert_eq!(revoked.code, Some(0), "{}", revoked.stderr);
    assert_eq!(sim.users_me(&token).await, 401, "the sandbox rejects the revoked token");

    // Every step is in the audit log, with who asked, and nothing secret.
    let audit = daemon.pdauth(&["audit", "demo", "--json"]).await;
    assert_eq!(audit.code, Some(0), "{}", audit.stderr);
    let entries = audit.json();
    let events: Vec<&str> = entries
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    for expected in ["login_started", "login_completed", "token_issued", "revoked"] {
        assert!(events.contains(&expected), "{expected} missing from {events:?}");
    }
    let me = rustix::process::getuid().as_raw();
    let issued = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "token_issued")
        .unwrap();
    assert_eq!(issued["actor"]["uid"], me, "{issued}");
    assert!(issued["actor"]["pid"].as_i64().is_some_and(|p| p > 0), "{issued}");
    assert!(
        !audit.stdout.contains(&token) && !audit.stdout.contains("pdus+_"),
        "no token in the audit log"
    );
    assert_eq!(sim.stats().await["live_refresh_tokens"], 0);
    let after = daemon.pdauth(&["status", "--json"]).await;
    assert_eq!(after.json()["profiles"][0]["state"], "logged_out");
    assert_ne!(daemon.pdauth(&["token", "demo"]).await.code, Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn denied_login_exits_non_zero_with_the_reason() {
    let r = Rig::build("demo", &[], |config| config).await;
    let daemon = &r.daemon;
    let login = LoginRun::start(&daemon.socket, "demo").await;
    let location = consent(&login.url, "deny").await.unwrap();
    visit(&location).await.unwrap();
    let out = login.finish().await;
    assert_ne!(out.code, Some(0));
    assert!(out.stderr.contains("denied"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_profile_and_missing_daemon_are_clear() {
    let r = Rig::build("demo", &[], |config| config).await;
    let out = r.daemon.pdauth(&["token", "nope"]).await;
    assert_ne!(out.code, Some(0));
    assert!(out.stderr.contains("nope"), "{}", out.stderr);
    let gone = pdauth_tests::procs::pdauth(&r.dir.path().join("no/such.sock"), &["status"]).await;
    assert_ne!(gone.code, Some(0));
    assert!(
        gone.stderr.contains("not running") || gone.stderr.contains("pdauthd"),
        "{}",
        gone.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_login_revokes_the_grant_it_replaces() {
    let r = Rig::build("demo", &[], |config| config).await;
    let (sim, daemon) = (&r.sim, &r.daemon);
    for _ in 0..3 {
        let login = LoginRun::start(&daemon.socket, "demo").await;
        let location = consent(&login.url, "approve").await.unwrap();
        visit(&location).await.unwrap();
        assert_eq!(login.finish().await.code, Some(0));
    }
    pdauth_tests::eventually("only the latest grant to stay live", || {
        let sim = &sim;
        async move { (sim.stats().await["live_refresh_tokens"] == 1).then_some(()) }
    })
    .await;
    let revoked = daemon.pdauth(&["revoke", "demo", "--yes"]).await;
    assert_eq!(revoked.code, Some(0), "{}", revoked.stderr);
    assert_eq!(
        sim.stats().await["live_refresh_tokens"],
        0,
        "nothing left behind at PagerDuty"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_login_cancelled_by_another_client_says_which() {
    use pdauth_common::{Event, Request};
    use pdauth_tests::wire::WireClient;
    let r = Rig::build("work", &[], |config| config).await;
    let mut waiting = WireClient::connect(&r.daemon.socket).await;
    waiting.call(Request::Subscribe).await;
    r.start_login(&mut waiting).await;
    let mut other = WireClient::connect(&r.daemon.socket).await;
    other.call(Request::CancelLogin { profile: "work".into() }).await;
    let message = waiting
        .wait_event(|e| match e {
            Event::LoginFailed { message, .. } => Some(message.clone()),
            _ => None,
        })
        .await;
    let pid = std::process::id();
    assert!(
        message.contains("cancelled by a client") && message.contains(&format!("pid {pid}")),
        "{message}"
    );
}
