//! A long run: short-lived tokens kept valid unattended across restarts and
//! a SIGKILL of the real daemon. Minutes by default, an hour with
//! `PDAUTH_SOAK_TTL=60 PDAUTH_SOAK_SECS=3600`; run with `--ignored`.

use std::time::{Duration, Instant};

use pdauth_common::{Reply, Request, Response, TokenState};
use pdauth_tests::rig::Rig;
use pdauth_tests::wire::WireClient;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a long soak; run with --ignored"]
async fn short_lived_tokens_stay_valid_across_restarts_and_a_kill() {
    let ttl = env("PDAUTH_SOAK_TTL", 6);
    let total = Duration::from_secs(env("PDAUTH_SOAK_SECS", 360));
    let ttl_flag = ttl.to_string();
    let mut r = Rig::start(&["--access-ttl", &ttl_flag]).await;
    let mut c = r.client().await;
    r.login(&mut c).await;
    drop(c);
    let started = Instant::now();
    let mut events = vec![(total / 4, "restart"), (total / 2, "kill"), (total * 3 / 4, "restart")];
    let mut checks = 0u32;
    let mut bad = Vec::new();
    while started.elapsed() < total {
        if let Some((at, what)) = events.first().copied() {
            if started.elapsed() >= at {
                events.remove(0);
                if what == "kill" {
                    r.daemon.kill().await;
                }
                r.daemon.restart().await;
                eprintln!("{:?}: {what} done", started.elapsed());
            }
        }
        let s = r.status().await;
        let ok = matches!(
            s.state,
            TokenState::Valid | TokenState::Expiring | TokenState::Refreshing
        );
        if !ok {
            bad.push(format!("{:?}: {} {:?}", started.elapsed(), s.state, s.reason));
        }
        if checks % 5 == 0 {
            let mut c = WireClient::connect(&r.daemon.socket).await;
            match c.call(Request::Token { profile: "work".into() }).await {
                Reply::Ok(Response::Token { access_token, .. }) => {
                    if r.sim.users_me(&access_token).await != 200 {
                        bad.push(format!(
                            "{:?}: the sandbox refused the token handed out",
                            started.elapsed()
                        ));
                    }
                }
                other => bad.push(format!("{:?}: no token: {other:?}", started.elapsed())),
            }
        }
        checks += 1;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let refreshes = r.refresh_requests().await;
    eprintln!("{checks} checks, {refreshes} refreshes over {total:?} with {ttl}s tokens");
    assert!(bad.is_empty(), "unhealthy moments:\n{}", bad.join("\n"));
    assert!(
        refreshes >= total.as_secs() / ttl,
        "refreshed often enough: {refreshes}"
    );
}
