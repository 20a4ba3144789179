//! `pdauth`: the terminal UI, the scripting subcommands and the demo launcher
//! of the pdauth daemon. Talks to `pdauthd` over its local socket only; never
//! opens the token store and never sees a refresh token.

/// `eprintln!` that cannot panic: a message for a closed stderr (`| head`
/// with `2>&1`, a shell that went away) is dropped, never a crash.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr(), $($arg)*);
    }};
}

/// `eprint!` that cannot panic (see [`say!`]).
#[macro_export]
macro_rules! say_inline {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let mut err = ::std::io::stderr();
        let _ = ::std::write!(err, $($arg)*);
        let _ = err.flush();
    }};
}

pub mod app;
pub mod browser;
pub mod cli;
pub mod client;
pub mod clock;
pub mod demo;
pub mod exit;
pub mod keymap;
pub mod msg;
pub mod runtime;
pub mod screens;
pub mod theme;
pub mod views;
pub mod words;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
pub(crate) mod samples;

/// How this client introduces itself in the handshake.
pub fn client_name() -> String {
    format!("pdauth {}", env!("CARGO_PKG_VERSION"))
}
