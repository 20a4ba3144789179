//! `pdauth`: the terminal UI, the scripting subcommands and the demo launcher
//! of the pdauth daemon. Talks to `pdauthd` over its local socket only; never
//! opens the token store and never sees a refresh token.

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
