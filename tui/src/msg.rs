//! Messages into the terminal UI's reducer and the effects it asks for. Plain
//! data: the runtime turns input, time and daemon traffic into [`Msg`]s and
//! carries out [`Effect`]s; nothing here does IO.

use crossterm::event::KeyEvent;
use pdauth_common::{ErrorCode, Event, ProfileStatus, Request, Response, StorageInfo};

/// Everything that can happen to the UI.
// Messages live for one reducer step; boxing events would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// The clock moved (once a second).
    Tick { now: i64 },
    /// The window's size, at start and whenever it changes.
    Resize { width: u16, height: u16 },
    /// Connected and subscribed: the full snapshot.
    Connected {
        daemon_version: String,
        profiles: Vec<ProfileStatus>,
        storage: StorageInfo,
    },
    /// The daemon is not reachable (never was, or went away); the runtime
    /// keeps retrying.
    Disconnected { message: String },
    /// Pushed by the daemon.
    Event(Event),
    /// The answer to a request the reducer asked for.
    Replied {
        request: Request,
        result: Result<Response, Failure>,
    },
    /// The browser launcher finished.
    BrowserOpened(Result<(), String>),
    /// The sandbox approval finished (demo only): what happened, or why not.
    Approved(Result<String, String>),
}

/// A failed request, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The daemon's code, when it reported one.
    pub code: Option<ErrorCode>,
    /// Sanitised message.
    pub message: String,
}

impl From<crate::client::ClientError> for Failure {
    fn from(err: crate::client::ClientError) -> Self {
        Failure {
            code: err.wire_code(),
            message: pdauth_common::sanitize::for_terminal(&err.to_string()),
        }
    }
}

/// What the reducer asks the runtime to do.
// Effects live for one reducer step.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send a request; its answer comes back as [`Msg::Replied`].
    Request(Request),
    /// Open a URL in the desktop's browser; answered by [`Msg::BrowserOpened`].
    OpenBrowser(String),
    /// Play the browser against the sandbox's consent page; answered by
    /// [`Msg::Approved`].
    ApproveInSandbox(String),
    /// Leave the UI.
    Quit,
}
