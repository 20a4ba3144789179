//! The `pdauth` executable: parse the command line, run it on a small tokio
//! runtime, print the error and exit with its code. Nothing else.

use std::process::ExitCode;

use clap::Parser;
use pdauth_tui::cli::{self, Cli};
use pdauth_tui::exit;

fn main() -> ExitCode {
    // Before any thread exists: the only time the local offset is trusted.
    pdauth_tui::clock::init_local_offset();
    let args = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            pdauth_tui::say!("pdauth: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    let result = runtime.block_on(cli::run(args));
    // Do not wait for background work (a browser launcher, a stuck socket).
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if !err.message.is_empty() {
                pdauth_tui::say!("pdauth: {}", err.message);
            }
            ExitCode::from(err.code)
        }
    }
}
