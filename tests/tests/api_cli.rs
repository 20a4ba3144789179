//! `pdauth api` end to end with the real binaries against the sandbox:
//! PagerDuty's JSON on stdout, query parameters, a merged list, refusals on
//! stderr with their exit codes, paths that would leave the API base, and
//! writes that need an explicit method and a write scope.

use pdauth_tests::rig::Rig;

async fn logged_in(edit: impl FnOnce(String) -> String) -> Rig {
    let r = Rig::build("work", &[], edit).await;
    let mut c = r.client().await;
    r.login(&mut c).await;
    r
}

#[tokio::test(flavor = "multi_thread")]
async fn api_prints_pagerduty_json_and_refusals_on_stderr() {
    let r = logged_in(|c| c).await;
    let d = &r.daemon;

    let me = d.pdauth(&["api", "/users/me"]).await;
    assert_eq!(me.code, Some(0), "{}", me.stderr);
    assert!(
        me.json()["user"]["id"].as_str().is_some_and(|id| id.starts_with('P')),
        "{}",
        me.stdout
    );

    let page = d
        .pdauth(&[
            "api",
            "--profile",
            "work",
            "/users",
            "-q",
            "limit=3",
            "-q",
            "total=true",
        ])
        .await;
    assert_eq!(page.code, Some(0), "{}", page.stderr);
    let page = page.json();
    assert_eq!(page["users"].as_array().unwrap().len(), 3);
    assert_eq!((page["more"].as_bool(), page["total"].as_u64()), (Some(true), Some(40)));

    let filtered = d
        .pdauth(&[
            "api",
            "/incidents",
            "-q",
            "statuses[]=triggered",
            "-q",
            "date_range=all",
            "--paginate",
        ])
        .await;
    assert_eq!(filtered.code, Some(0), "{}", filtered.stderr);
    let incidents = filtered.json()["incidents"].as_array().unwrap().clone();
    assert!(!incidents.is_empty() && incidents.iter().all(|i| i["status"] == "triggered"));

    let all = d.pdauth(&["api", "GET", "/users", "--paginate"]).await;
    assert_eq!(all.code, Some(0), "{}", all.stderr);
    let all = all.json();
    assert_eq!(all["users"].as_array().unwrap().len(), 40);
    assert_eq!((all["more"].as_bool(), all["offset"].as_u64()), (Some(false), Some(0)));
    assert!(!d.log_text().contains("pdus+_"), "no token in the daemon's log");
    assert!(!d.log_text().contains('\x1b'), "a log file gets no colour codes");

    let missing = d.pdauth(&["api", "/users/PNOSUCH"]).await;
    assert_eq!(missing.code, Some(8), "{missing:?}");
    assert!(missing.stdout.is_empty());
    assert!(
        missing.stderr.contains("404") && missing.stderr.contains("Not Found"),
        "{}",
        missing.stderr
    );

    let before = r.sim.stats().await["api_requests"].as_u64().unwrap();
    for bad in [
        &["api", "https://api.pagerduty.com/users/me"][..],
        &["api", "users/me"],
        &["api", "/users/me?x=1"],
        &["api", "/incidents", "--data", "{}"],
        &["api", "/users", "-q", "limit"],
        &["api", "PATCH", "/users", "--paginate"],
        &["api", "/incidents#frag"],
        &["api", ""],
        // Refused by the daemon rather than the command line: still usage.
        &["api", "/../oauth/token"],
        &["api", "/users/%2e%2e/me"],
        &["api", "/users/\nme"],
        // --paginate pages by itself.
        &["api", "/incidents", "--paginate", "-q", "offset=9990"],
        &["api", "/users", "-q", "limit=5", "--paginate"],
    ] {
        let out = d.pdauth(bad).await;
        assert_eq!(out.code, Some(2), "{bad:?}: {out:?}");
        assert!(out.stdout.is_empty());
    }
    // Too long a URL, and too large a request for the socket: usage errors
    // said as such, not "PagerDuty failed" or "pdauthd is not running".
    let long_path = format!("/users/{}", "P".repeat(120_000));
    let long_query = format!("query={}", "x".repeat(120_000));
    let huge: Vec<String> = (0..12).map(|i| format!("a{i}={}", "x".repeat(100_000))).collect();
    let mut huge_args = vec!["api", "/users"];
    for q in &huge {
        huge_args.extend(["-q", q.as_str()]);
    }
    for (args, says) in [
        (vec!["api", long_path.as_str()], "longer than"),
        (vec!["api", "/users", "-q", long_query.as_str()], "longer than"),
        (huge_args, "larger than pdauthd accepts"),
    ] {
        let out = d.pdauth(&args).await;
        assert_eq!(out.code, Some(2), "{out:?}");
        assert!(out.stderr.contains(says), "{}", out.stderr);
    }
    assert_eq!(d.pdauth(&["status"]).await.code, Some(0), "the daemon is fine");
    assert_eq!(
        r.sim.stats().await["api_requests"].as_u64().unwrap(),
        before,
        "nothing was sent"
    );
    let unknown = d.pdauth(&["api", "--profile", "nope", "/users/me"]).await;
    assert_eq!(unknown.code, Some(5), "{unknown:?}");

    // A write goes out only as asked (the sandbox serves none: 405).
    let post = d
        .pdauth(&[
            "api",
            "--method",
            "POST",
            "/incidents",
            "--data",
            r#"{"incident":{"type":"incident","title":"x"}}"#,
        ])
        .await;
    assert_eq!(post.code, Some(8), "{post:?}");
    assert!(post.stderr.contains("405"), "{}", post.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_need_a_write_scope() {
    let r = logged_in(|c| c.replace("scopes = [\"read\", \"write\"]", "scopes = [\"read\"]")).await;
    let before = r.sim.stats().await["api_requests"].as_u64().unwrap();
    let out = r.daemon.pdauth(&["api", "DELETE", "/incidents/P1"]).await;
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("write"), "{}", out.stderr);
    assert_eq!(r.sim.stats().await["api_requests"].as_u64().unwrap(), before);
    let read = r.daemon.pdauth(&["api", "/users/me"]).await;
    assert_eq!(read.code, Some(0), "{}", read.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_merged_list_cut_at_the_offset_cap_says_so_on_stderr() {
    let r = Rig::build("work", &["--scale", "large"], |c| c).await;
    let mut c = r.client().await;
    r.login(&mut c).await;
    let out = r
        .daemon
        .pdauth(&["api", "/incidents", "-q", "date_range=all", "--paginate"])
        .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stderr.contains("10,000"), "{}", out.stderr);
    let body = out.json();
    assert_eq!(body["incidents"].as_array().unwrap().len(), 10_000);
    assert_eq!(body["more"], true);
    assert_eq!(r.sim.stats().await["rate_limited"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn closed_output_streams_end_in_an_exit_code_not_a_crash() {
    let r = logged_in(|c| c).await;
    let socket = r.daemon.socket.clone();
    let status = tokio::task::spawn_blocking(move || {
        let mut child = std::process::Command::new(pdauth_tests::bin("pdauth"))
            .arg("--socket")
            .arg(&socket)
            .args(["api", "/users", "--paginate"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run pdauth");
        // As `pdauth api ... 2>&1 | head -c 10` leaves them once head exits.
        drop(child.stdout.take());
        drop(child.stderr.take());
        child.wait().expect("pdauth ends")
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(1), "a failure, not a panic (101): {status:?}");
}
