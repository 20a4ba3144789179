//! The client refuses a "daemon" that runs as another user. The listener is a
//! tiny Python server started under another uid with `setpriv`, which needs
//! root; elsewhere the test says why it is skipped (the decision itself is
//! unit-tested in `client.rs`).

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::cli::BIN;

const NOBODY: u32 = 65_534;

fn can_impersonate() -> Result<(), String> {
    if rustix::process::geteuid().as_raw() != 0 {
        return Err("needs root to start a listener as another user".into());
    }
    for tool in ["/usr/bin/setpriv", "/usr/bin/python3"] {
        if !Path::new(tool).exists() {
            return Err(format!("{tool} is missing"));
        }
    }
    Ok(())
}

#[test]
fn a_daemon_of_another_user_is_refused() {
    if let Err(why) = can_impersonate() {
        eprintln!("skipping a_daemon_of_another_user_is_refused: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let socket = dir.path().join("pdauthd.sock");
    let script = "import socket, sys, time\n\
                  s = socket.socket(socket.AF_UNIX)\n\
                  s.bind(sys.argv[1])\n\
                  s.listen(4)\n\
                  print('ready', flush=True)\n\
                  time.sleep(30)\n";
    let mut server = Command::new("/usr/bin/setpriv")
        .args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            script,
        ])
        .arg(&socket)
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the impostor");
    let mut ready = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready.trim(), "ready");

    let out = Command::new(BIN)
        .arg("--socket")
        .arg(&socket)
        .arg("status")
        .env_remove("PDAUTH_SOCKET")
        .output()
        .expect("run pdauth");
    let _ = server.kill();
    let _ = server.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains(&format!("uid {NOBODY}")), "{stderr}");
    assert!(stderr.contains(&socket.display().to_string()), "{stderr}");
    assert!(stderr.contains("impersonating"), "{stderr}");
    assert!(out.stdout.is_empty());
}
