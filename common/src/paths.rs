//! Where things live: the daemon's socket, its state directory and the
//! config file, following the XDG base directory spec for a user daemon and
//! `/run`, `/var/lib`, `/etc` for a system one. Pure path arithmetic: nothing
//! here creates or opens files.

use std::path::{Path, PathBuf};

/// File name of the socket inside its directory.
pub const SOCKET_FILE: &str = "pdauthd.sock";
/// Socket of the shared system daemon.
pub const SYSTEM_SOCKET: &str = "/run/pdauth/pdauthd.sock";
/// State directory of the shared system daemon.
pub const SYSTEM_STATE_DIR: &str = "/var/lib/pdauth";
/// Config of the shared system daemon.
pub const SYSTEM_CONFIG: &str = "/etc/pdauth/config.toml";

/// Environment variables understood by both binaries.
pub const ENV_SOCKET: &str = "PDAUTH_SOCKET";
pub const ENV_STATE_DIR: &str = "PDAUTH_STATE_DIR";
pub const ENV_CONFIG: &str = "PDAUTH_CONFIG";

/// A read-only view of the environment, so path rules can be tested without
/// touching the process environment.
pub trait Env {
    fn var(&self, key: &str) -> Option<String>;
    fn uid(&self) -> u32;
}

/// The real process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.is_empty())
    }

    fn uid(&self) -> u32 {
        rustix::process::getuid().as_raw()
    }
}

fn absolute(value: Option<String>) -> Option<PathBuf> {
    // XDG: relative paths in these variables are invalid and must be ignored.
    value.map(PathBuf::from).filter(|p| p.is_absolute())
}

fn home(env: &dyn Env) -> Option<PathBuf> {
    absolute(env.var("HOME"))
}

/// Directory holding the user daemon's socket: `$XDG_RUNTIME_DIR/pdauth`, or
/// `/tmp/pdauth-<uid>` when no runtime directory exists (the daemon checks
/// that this directory is its own and 0700 before using it).
pub fn default_runtime_dir(env: &dyn Env) -> PathBuf {
    match absolute(env.var("XDG_RUNTIME_DIR")) {
        Some(dir) => dir.join("pdauth"),
        None => PathBuf::from(format!("/tmp/pdauth-{}", env.uid())),
    }
}

/// The socket a client should use: `--socket`, then `PDAUTH_SOCKET`, then the
/// user daemon's default.
pub fn socket_path(explicit: Option<&Path>, env: &dyn Env) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    if let Some(path) = env.var(ENV_SOCKET) {
        return PathBuf::from(path);
    }
    default_runtime_dir(env).join(SOCKET_FILE)
}

/// The user daemon's state directory: `$XDG_STATE_HOME/pdauth`, or
/// `~/.local/state/pdauth`.
pub fn default_state_dir(env: &dyn Env) -> PathBuf {
    if let Some(dir) = absolute(env.var("XDG_STATE_HOME")) {
        return dir.join("pdauth");
    }
    match home(env) {
        Some(home) => home.join(".local/state/pdauth"),
        None => PathBuf::from(format!("/tmp/pdauth-{}/state", env.uid())),
    }
}

/// The user daemon's config file: `$XDG_CONFIG_HOME/pdauth/config.toml`, or
/// `~/.config/pdauth/config.toml`.
pub fn default_config_file(env: &dyn Env) -> PathBuf {
    if let Some(dir) = absolute(env.var("XDG_CONFIG_HOME")) {
        return dir.join("pdauth/config.toml");
    }
    match home(env) {
        Some(home) => home.join(".config/pdauth/config.toml"),
        None => PathBuf::from("/etc/pdauth/config.toml"),
    }
}

/// Resolve one of the daemon's paths: explicit flag, then environment
/// variable, then the default.
pub fn resolve(
    explicit: Option<&Path>,
    env_key: &str,
    env: &dyn Env,
    default: impl FnOnce(&dyn Env) -> PathBuf,
) -> PathBuf {
    if let Some(path) = explicit {
        return path.to_path_buf();
    }
    if let Some(value) = env.var(env_key) {
        return PathBuf::from(value);
    }
    default(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct FakeEnv(HashMap<&'static str, &'static str>, u32);

    impl Env for FakeEnv {
        fn var(&self, key: &str) -> Option<String> {
            self.0.get(key).map(|v| v.to_string())
        }
        fn uid(&self) -> u32 {
            self.1
        }
    }

    fn env(pairs: &[(&'static str, &'static str)]) -> FakeEnv {
        FakeEnv(pairs.iter().copied().collect(), 1000)
    }

    #[test]
    fn socket_prefers_flag_then_env_then_xdg() {
        let e = env(&[("PDAUTH_SOCKET", "/env.sock"), ("XDG_RUNTIME_DIR", "/run/user/1000")]);
        assert_eq!(
            socket_path(Some(Path::new("/flag.sock")), &e),
            PathBuf::from("/flag.sock")
        );
        assert_eq!(socket_path(None, &e), PathBuf::from("/env.sock"));
        let e = env(&[("XDG_RUNTIME_DIR", "/run/user/1000")]);
        assert_eq!(
            socket_path(None, &e),
            PathBuf::from("/run/user/1000/pdauth/pdauthd.sock")
        );
    }

    #[test]
    fn no_runtime_dir_falls_back_to_per_uid_tmp() {
        let e = env(&[("XDG_RUNTIME_DIR", "relative/ignored")]);
        assert_eq!(socket_path(None, &e), PathBuf::from("/tmp/pdauth-1000/pdauthd.sock"));
    }

    #[test]
    fn state_and_config_follow_xdg() {
        let e = env(&[("HOME", "/home/a")]);
        assert_eq!(default_state_dir(&e), PathBuf::from("/home/a/.local/state/pdauth"));
        assert_eq!(
            default_config_file(&e),
            PathBuf::from("/home/a/.config/pdauth/config.toml")
        );
        let e = env(&[("HOME", "/home/a"), ("XDG_STATE_HOME", "/s"), ("XDG_CONFIG_HOME", "/c")]);
        assert_eq!(default_state_dir(&e), PathBuf::from("/s/pdauth"));
        assert_eq!(default_config_file(&e), PathBuf::from("/c/pdauth/config.toml"));
    }
}
