//! Harness for end-to-end tests: the real `pdauth-sim`, `pdauthd` and
//! `pdauth` binaries in temp directories, a script that plays the browser on
//! the sandbox's consent page, a scripted third-party identity server, and a
//! raw protocol client. Everything binds 127.0.0.1 and waits on events or
//! generous deadlines.

pub mod browser;
pub mod fake_identity;
pub mod inproc;
pub mod procs;
pub mod rig;
pub mod wire;

use std::path::PathBuf;
use std::time::Duration;

/// Upper bound for anything a test waits on.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// A built binary of the workspace (`target/<profile>/<name>`).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>
    let dir = exe.parent().and_then(|d| d.parent()).expect("target directory");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build the workspace first (cargo build --workspace, or run cargo test --workspace)",
        path.display()
    );
    path
}

/// A port that was free a moment ago on 127.0.0.1 (for redirect URIs, which
/// must be fixed before the daemon starts).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local addr").port()
}

/// Poll `check` until it returns `Some`, or panic after [`DEADLINE`].
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = tokio::time::Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
