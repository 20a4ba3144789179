//! Black-box tests of the sandbox: an in-process server (and once the real binary) driven
//! over HTTP with reqwest, the way the daemon and the end-to-end tests use it.

mod after_faults;
mod api;
mod authorize;
mod binary;
mod common;
mod determinism;
mod faults;
mod filters;
mod hooks;
mod incident_hooks;
mod mint;
mod pagination;
mod resources;
mod rest;
mod revoke;
mod scale;
mod schedules;
mod tls;
mod token;
