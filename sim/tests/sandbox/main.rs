//! Black-box tests of the sandbox: an in-process server (and once the real binary) driven
//! over HTTP with reqwest, the way the daemon and the end-to-end tests use it.

mod after_faults;
mod api;
mod authorize;
mod binary;
mod common;
mod faults;
mod hooks;
mod mint;
mod revoke;
mod scale;
mod tls;
mod token;
