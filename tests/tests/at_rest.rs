//! What a real login leaves on disk: private modes, and no token bytes in
//! plaintext in the database, its WAL or the key file, before and after a
//! revocation. Also: no secret in the daemon's most verbose logs.

use std::os::unix::fs::PermissionsExt;

use pdauth_common::{Reply, Request, Response};
use pdauth_tests::browser::{consent, visit};
use pdauth_tests::procs::{DaemonProcess, SimProcess, profile_toml};
use pdauth_tests::wire::WireClient;
use pdauth_tests::{eventually, free_port};

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>, u32)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes, mode)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_sealed_and_files_private_and_logs_clean() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let sim = SimProcess::start(
        dir.path(),
        &["--client".into(), format!("e2e=http://127.0.0.1:{port}/callback")],
    )
    .await;
    let daemon = DaemonProcess::start_with_env(
        dir.path(),
        &profile_toml("work", &sim.base, "e2e", port, ""),
        &[("RUST_LOG", "trace")],
    )
    .await;
    let mut c = WireClient::connect(&daemon.socket).await;
    let login = match c.call(Request::Login { profile: "work".into() }).await {
        Reply::Ok(Response::LoginStarted { login }) => login,
        other => panic!("{other:?}"),
    };
    let state = url::Url::parse(&login.authorize_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let location = consent(&login.authorize_url, "approve").await.unwrap();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(visit(&location).await.unwrap().0, 200);
    let token = match c.call(Request::Token { profile: "work".into() }).await {
        Reply::Ok(Response::Token { access_token, .. }) => access_token,
        other => panic!("{other:?}"),
    };

    let state_dir = daemon.state.clone();
    assert_eq!(
        std::fs::metadata(&state_dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let found = files(&state_dir);
    let names: Vec<String> = found
        .iter()
        .map(|(p, _, _)| p.file_name().unwrap().to_string_lossy().into())
        .collect();
    for expected in ["store.db", "store.db-wal", "store.key"] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
    }
    for (path, bytes, mode) in &found {
        assert_eq!(*mode, 0o600, "{}", path.display());
        assert!(
            !contains(bytes, token.as_bytes()),
            "access token in plaintext in {}",
            path.display()
        );
        // Every token the sandbox issues carries this prefix; refresh tokens too.
        assert!(
            !contains(bytes, b"pdus+_"),
            "a token in plaintext in {}",
            path.display()
        );
    }

    match c.call(Request::Revoke { profile: "work".into() }).await {
        Reply::Ok(Response::Revoked { .. }) => {}
        other => panic!("{other:?}"),
    }
    for (path, bytes, _) in files(&state_dir) {
        assert!(!contains(&bytes, b"pdus+_"), "token bytes linger in {}", path.display());
    }

    // The daemon logged at trace level throughout: nothing secret in it.
    let log = eventually("the daemon log to mention the revocation", || {
        let text = daemon.log_text();
        async move { text.contains("revoked").then_some(text) }
    })
    .await;
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "the log really is verbose"
    );
    for (what, secret) in [
        ("access token", token.as_str()),
        ("code", code.as_str()),
        ("state", state.as_str()),
    ] {
        assert!(!log.contains(secret), "the {what} appears in the daemon log");
    }
    assert!(!log.contains("pdus+_"), "a token appears in the daemon log");
    assert!(
        !log.contains("code_verifier"),
        "the PKCE verifier field appears in the daemon log"
    );
}
