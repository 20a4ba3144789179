//! Shared vocabulary of pdauth: the wire protocol between `pdauthd` and its
//! clients, the line codec that frames it, the display types both sides agree
//! on, and where sockets and config files live. Holds no sockets, no runtime
//! and no secrets.

pub mod browse;
pub mod codec;
pub mod health;
pub mod paths;
pub mod protocol;
pub mod sanitize;
pub mod scopes;

pub use codec::{CodecError, JsonLineCodec, MAX_FRAME_BYTES, MAX_SERVER_FRAME_BYTES};
pub use health::{
    Account, Actor, AuditEntry, LoginInfo, ProfileStatus, RefreshResult, RetryInfo, RevokeOutcome, StorageInfo,
    TokenState, UserSummary,
};
pub use protocol::{ClientFrame, ErrorCode, Event, PROTOCOL_VERSION, Reply, Request, Response, ServerFrame, WireError};
