//! Integration tests of `pdauth` against a fake daemon: the client library,
//! the real binary's subcommands, the terminal UI under tmux, and the sandbox
//! approval against a hand-made consent server.

mod approve;
mod browse;
mod cli;
mod client;
mod fake;
mod fake_browse;
mod peer;
mod tmux;
