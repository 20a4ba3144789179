//! pdauthd: the only holder of PagerDuty credentials. It runs OAuth logins
//! with its own loopback callback listener, keeps tokens sealed in SQLite,
//! revokes them, and serves its clients over a local socket.

pub mod browse;
pub mod callback;
pub mod callback_slots;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod daemon;
pub mod health;
pub mod http;
pub mod identity;
pub mod ipc;
pub mod login;
pub mod oauth;
pub mod pagerduty;
pub mod refresh;
pub mod service;
pub mod storage;
pub mod store;

pub use daemon::{Daemon, Options, StartError};
