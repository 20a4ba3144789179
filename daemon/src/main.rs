//! `pdauthd`: arguments, logging, configuration, signals; then the daemon.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use pdauth_common::paths::{self, ENV_CONFIG, ENV_SOCKET, ENV_STATE_DIR, ProcessEnv};
use pdauth_daemon::config::Config;
use pdauth_daemon::{Daemon, Options};

/// The PagerDuty OAuth daemon: the only holder of your PagerDuty tokens.
#[derive(Debug, Parser)]
#[command(name = "pdauthd", version, about, long_about = None)]
struct Args {
    /// Config file (TOML). Default: $XDG_CONFIG_HOME/pdauth/config.toml.
    #[arg(long, env = ENV_CONFIG, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory for the token store and its key. Default: $XDG_STATE_HOME/pdauth.
    #[arg(long, env = ENV_STATE_DIR, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Socket path. Default: $XDG_RUNTIME_DIR/pdauth/pdauthd.sock.
    #[arg(long, env = ENV_SOCKET, value_name = "PATH")]
    socket: Option<PathBuf>,
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour only for a person watching; a log file or journal gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}

fn load_config(args: &Args) -> Result<Config, String> {
    let explicit = args.config.clone();
    let path = explicit
        .clone()
        .unwrap_or_else(|| paths::default_config_file(&ProcessEnv));
    match Config::load(&path) {
        Ok(config) => Ok(config),
        Err(_) if explicit.is_none() && !path.exists() => {
            tracing::warn!(config = %path.display(), "no config file; starting with no profiles");
            Ok(Config::empty())
        }
        Err(e) => Err(e.to_string()),
    }
}

mod alloc_tuning;

fn main() -> ExitCode {
    alloc_tuning::tune();
    // Files created by the daemon are private whatever the caller's umask.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let args = Args::parse();
    init_logging();
    let config = match load_config(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("pdauthd: {message}");
            return ExitCode::from(78);
        }
    };
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(|| paths::default_state_dir(&ProcessEnv));
    let socket = args
        .socket
        .clone()
        .unwrap_or_else(|| paths::socket_path(None, &ProcessEnv));
    let mut opts = Options::new(config, state_dir, socket);
    opts.credentials_dir = std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from);
    // Storage work runs on blocking threads one at a time; a small pool keeps
    // memory (thread stacks, allocator arenas) flat under load.
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(8)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pdauthd: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let daemon = match Daemon::start(opts).await {
            Ok(daemon) => daemon,
            Err(e) => {
                eprintln!("pdauthd: {e}");
                return ExitCode::FAILURE;
            }
        };
        let shutdown = daemon.shutdown_token();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("stopping on signal");
            shutdown.cancel();
        });
        daemon.run_until_shutdown().await;
        ExitCode::SUCCESS
    })
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        tracing::error!("cannot install signal handlers");
        return std::future::pending().await;
    };
    loop {
        tokio::select! {
            _ = term.recv() => return,
            _ = int.recv() => return,
            // A closed terminal must not kill the holder of everyone's
            // tokens; configuration changes take effect on restart.
            _ = hup.recv() => tracing::info!("SIGHUP received; pdauthd keeps running (restart it to apply config changes)"),
        }
    }
}
