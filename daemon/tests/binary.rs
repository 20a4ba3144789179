//! The real `pdauthd` binary: configuration errors, single instance, what it
//! does with whatever already sits at its socket path, and clean shutdown.

use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pdauthd");
const DEADLINE: Duration = Duration::from_secs(20);

struct Paths {
    _dir: tempfile::TempDir,
    config: PathBuf,
    state: PathBuf,
    socket: PathBuf,
}

fn paths(config: &str) -> Paths {
    let dir = tempfile::tempdir().unwrap();
    let p = Paths {
        config: dir.path().join("config.toml"),
        state: dir.path().join("state"),
        socket: dir.path().join("run/pdauthd.sock"),
        _dir: dir,
    };
    std::fs::write(&p.config, config).unwrap();
    p
}

fn command(p: &Paths) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--config")
        .arg(&p.config)
        .arg("--state-dir")
        .arg(&p.state)
        .arg("--socket")
        .arg(&p.socket)
        .env_remove("PDAUTH_SOCKET")
        .env_remove("CREDENTIALS_DIRECTORY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn wait_for_socket(path: &Path, child: &mut Child) {
    let start = Instant::now();
    while start.elapsed() < DEADLINE {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("pdauthd exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("socket {} never answered", path.display());
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(start.elapsed() < DEADLINE, "pdauthd did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn private_dir(path: &Path) {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(path)
        .unwrap();
}

const GOOD: &str = "[profiles.work]\nclient_id = \"abc\"\n";

#[test]
fn bad_config_names_file_line_and_field() {
    let p = paths("[profiles.work]\nclient_id = \"abc\"\ntoken_url = \"http://evil.example.com/token\"\n");
    let out = command(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(78));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml") && err.contains("line 3") && err.contains("token_url"),
        "{err}"
    );
    assert!(!p.socket.exists(), "no socket for a daemon that did not start");
}

#[test]
fn second_instance_is_refused_and_sigterm_cleans_up() {
    let p = paths(GOOD);
    let mut first = command(&p).spawn().unwrap();
    wait_for_socket(&p.socket, &mut first);
    let second = command(&p).output().unwrap();
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("already running"), "{err}");
    // The first one is unharmed.
    assert!(std::os::unix::net::UnixStream::connect(&p.socket).is_ok());
    let status = terminate(&mut first);
    assert!(status.success(), "{status}");
    assert!(!p.socket.exists(), "socket removed on SIGTERM");
}

#[test]
fn stale_socket_is_replaced() {
    let p = paths(GOOD);
    private_dir(p.socket.parent().unwrap());
    drop(UnixListener::bind(&p.socket).unwrap());
    assert!(p.socket.exists());
    let mut child = command(&p).spawn().unwrap();
    wait_for_socket(&p.socket, &mut child);
    assert!(terminate(&mut child).success());
}

#[test]
fn symlink_or_file_at_socket_path_is_refused_and_left_alone() {
    let p = paths(GOOD);
    let dir = p.socket.parent().unwrap();
    private_dir(dir);
    let target = p.state.with_file_name("precious");
    std::fs::write(&target, "keep me").unwrap();
    std::os::unix::fs::symlink(&target, &p.socket).unwrap();
    let out = command(&p).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("symlink"));
    assert!(std::fs::symlink_metadata(&p.socket).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me");

    std::fs::remove_file(&p.socket).unwrap();
    std::fs::write(&p.socket, "a regular file").unwrap();
    let out = command(&p).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a socket"));
    assert_eq!(std::fs::read_to_string(&p.socket).unwrap(), "a regular file");
}

#[test]
fn shared_socket_directory_is_refused_and_left_alone() {
    let p = paths(GOOD);
    let dir = p.socket.parent().unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o1777)).unwrap();
    let out = command(&p).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("mode 1777"), "{err}");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(dir).unwrap().permissions());
    assert_eq!(mode & 0o7777, 0o1777, "a shared directory is never chmodded");
}

#[test]
fn socket_directory_of_another_user_is_refused() {
    if !rustix::process::geteuid().is_root() {
        eprintln!("skipped: needs root to create a directory owned by another uid");
        return;
    }
    let p = paths(GOOD);
    let dir = p.socket.parent().unwrap();
    private_dir(dir);
    rustix::fs::chown(dir, Some(rustix::process::Uid::from_raw(65534)), None).unwrap();
    let out = command(&p).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("belongs to uid 65534"));
}
