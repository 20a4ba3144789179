//! Refresh storm benchmark: 10,000 logged-in profiles whose tokens all come
//! due within seconds, refreshed by the real `pdauthd` against the real
//! `pdauth-sim` (strict rotation). Reports refreshes per second, the
//! daemon's peak memory, its CPU use while idle between due times, and the
//! planner's cost per event at growing sizes.
//!
//! Run: `cargo build --release && cargo bench -p pdauth-tests --bench refresh_storm`
//! (`PDAUTH_BENCH_PROFILES=N` changes the number of profiles).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use pdauth_common::{Reply, Request, Response, TokenState};
use pdauth_daemon::crypto::load_key;
use pdauth_daemon::refresh::Planner;
use pdauth_daemon::store::{Identity, NewTokens, Store};
use pdauth_tests::wire::WireClient;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

fn binaries() -> PathBuf {
    let exe = std::env::current_exe().expect("bench path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target dir").to_path_buf();
    for name in ["pdauthd", "pdauth-sim"] {
        assert!(
            dir.join(name).exists(),
            "{} missing: run `cargo build --release` first",
            dir.join(name).display()
        );
    }
    dir
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// (utime + stime) in clock ticks, peak RSS and current RSS in KiB.
fn proc_stats(pid: u32) -> (u64, u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = fields.get(11).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks, kib("VmHWM:"), kib("VmRSS:"))
}

async fn start_sim(bin: &Path, port: u16, log: &Path) -> (Child, String) {
    let mut child = Command::new(bin.join("pdauth-sim"))
        .args(["--addr", "127.0.0.1:0", "--access-ttl", "60", "--rate-limit", "1000000"])
        .arg("--client")
        .arg(format!("bench=http://127.0.0.1:{port}/callback"))
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .kill_on_drop(true)
        .spawn()
        .expect("start pdauth-sim");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = lines.next_line().await.unwrap().expect("sandbox URL");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, base)
}

async fn sim_stats(http: &reqwest::Client, base: &str) -> Value {
    http.get(format!("{base}/_sim/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn planner_costs() {
    println!("\nplanner cost per event (binary heap, lazy deletion):");
    println!(
        "{:>10} {:>14} {:>14} {:>14}",
        "profiles", "plan ns/op", "replan ns/op", "pop ns/op"
    );
    for n in [1_000usize, 10_000, 100_000, 1_000_000] {
        let names: Vec<String> = (0..n).map(|i| format!("p{i:07}")).collect();
        let mut p = Planner::default();
        let t = Instant::now();
        for (i, name) in names.iter().enumerate() {
            p.plan(name, (i as i64 * 7919) % 100_000);
        }
        let plan = t.elapsed().as_nanos() as f64 / n as f64;
        let t = Instant::now();
        for (i, name) in names.iter().enumerate() {
            p.plan(name, 100_000 + (i as i64 * 104_729) % 100_000);
        }
        let replan = t.elapsed().as_nanos() as f64 / n as f64;
        let t = Instant::now();
        let popped = p.pop_due(i64::MAX).len();
        let pop = t.elapsed().as_nanos() as f64 / popped.max(1) as f64;
        assert_eq!(popped, n);
        println!("{n:>10} {plan:>14.0} {replan:>14.0} {pop:>14.0}");
    }
}

#[tokio::main]
async fn main() {
    let profiles: usize = std::env::var("PDAUTH_BENCH_PROFILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let bin = binaries();
    let dir = tempfile::tempdir().unwrap();
    let port = pdauth_tests::free_port();
    let (_sim, base) = start_sim(&bin, port, &dir.path().join("sim.log")).await;
    let http = reqwest::Client::new();

    // Grants minted the way completed logins would have produced them.
    let t = Instant::now();
    let minted: Value = http
        .post(format!("{base}/_sim/mint"))
        .json(&json!({"client_id": "bench", "count": profiles}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tokens = minted["tokens"].as_array().expect("minted tokens");
    assert_eq!(tokens.len(), profiles);
    println!("minted {profiles} grants in {:.1?}", t.elapsed());

    // Config and store for that many profiles; every token due within ~3 s.
    let mut config = String::new();
    for i in 0..profiles {
        config.push_str(&format!(
            "[profiles.p{i:05}]\nclient_id = \"bench\"\nredirect_uri = \"http://127.0.0.1:{port}/callback\"\n\
             scopes = [\"read\", \"write\"]\nauthorize_url = \"{base}/oauth/authorize\"\ntoken_url = \"{base}/oauth/token\"\n\
             revoke_url = \"{base}/oauth/revoke\"\napi_url = \"{base}\"\n"
        ));
    }
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, config).unwrap();
    let state = dir.path().join("state");
    let t = Instant::now();
    {
        pdauth_daemon::store::ensure_private_dir(&state).unwrap();
        let key = load_key(&state, None, true).key.ok_or_else(String::new);
        let (mut store, _) = Store::open(&state, key).unwrap();
        let at = now();
        for (i, tok) in tokens.iter().enumerate() {
            let new = NewTokens {
                access_token: SecretString::from(tok["access_token"].as_str().unwrap()),
                refresh_token: Some(SecretString::from(tok["refresh_token"].as_str().unwrap())),
                token_type: "bearer".into(),
                scopes: vec!["openid".into(), "read".into(), "write".into()],
                obtained_at: at - 45,
                expires_at: Some(at + 15),
                identity: Identity {
                    api_url: Some(base.clone()),
                    ..Default::default()
                },
            };
            store.save_login(&format!("p{i:05}"), &new, at).unwrap();
        }
    }
    println!("stored {profiles} logins in {:.1?}", t.elapsed());

    let socket = dir.path().join("run/pdauthd.sock");
    let t = Instant::now();
    // PDAUTH_BENCH_WRAP runs the daemon under a profiler, e.g.
    // "valgrind --tool=massif --massif-out-file=/tmp/pdauthd.massif".
    let wrap: Vec<String> = std::env::var("PDAUTH_BENCH_WRAP")
        .map(|w| w.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    let mut command = match wrap.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(bin.join("pdauthd"));
            c
        }
        None => Command::new(bin.join("pdauthd")),
    };
    let mut daemon = command
        .arg("--config")
        .arg(&config_path)
        .arg("--state-dir")
        .arg(&state)
        .arg("--socket")
        .arg(&socket)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("pdauthd.log")).unwrap())
        .kill_on_drop(true)
        .spawn()
        .expect("start pdauthd");
    let pid = daemon.id().expect("pid");
    while std::os::unix::net::UnixStream::connect(&socket).is_err() {
        assert!(t.elapsed() < Duration::from_secs(120), "pdauthd did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!("pdauthd loaded and planned {profiles} profiles in {:.1?}", t.elapsed());
    let (_, loaded_peak, _) = proc_stats(pid);

    // The storm: wait until every profile has been refreshed once.
    let mut first: Option<Instant> = None;
    let started = Instant::now();
    let done = loop {
        let n = sim_stats(&http, &base).await["token_requests"]["refresh_token"]
            .as_u64()
            .unwrap_or(0);
        if n > 0 && first.is_none() {
            first = Some(Instant::now());
        }
        if n as usize >= profiles {
            break Instant::now();
        }
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "storm did not finish: {n}/{profiles}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let storm = done.duration_since(first.unwrap_or(done));
    let rate = profiles as f64 / storm.as_secs_f64().max(0.001);
    let (_, storm_peak, _) = proc_stats(pid);

    let mut c = WireClient::connect(&socket).await;
    let statuses = match c.call(Request::Status).await {
        Reply::Ok(Response::Status { profiles, .. }) => profiles,
        other => panic!("{other:?}"),
    };
    let healthy = statuses
        .iter()
        .filter(|s| matches!(s.state, TokenState::Valid | TokenState::Expiring))
        .count();
    drop(c);

    // Idle: the next refreshes are ~40 s away. Let the tail of the storm
    // (audit entries being written) settle, then measure what waiting costs.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (ticks_before, _, _) = proc_stats(pid);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (ticks_after, peak_kib, rss_kib) = proc_stats(pid);
    let hz = 100.0;
    let idle_cpu = (ticks_after - ticks_before) as f64 / hz;

    println!("\nrefresh storm ({profiles} profiles, 4 at a time, strict rotation):");
    println!("  refreshed all in {storm:.1?}: {rate:.0} refreshes/s");
    println!("  healthy afterwards: {healthy}/{profiles}");
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "  daemon peak RSS: {:.1} MiB after loading, {:.1} MiB through the storm, {:.1} MiB after answering one \
         status of all profiles (now {:.1} MiB)",
        mib(loaded_peak),
        mib(storm_peak),
        mib(peak_kib),
        mib(rss_kib)
    );
    println!("  daemon CPU while idle for 10 s: {idle_cpu:.2} s");
    // A clean stop, so a profiler wrapping the daemon can write its report.
    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
    let _ = tokio::time::timeout(Duration::from_secs(120), daemon.wait()).await;
    planner_costs();
}
