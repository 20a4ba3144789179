//! The live lists one connection watches: each watch is a task that
//! answers the `Watch` request with the current page and then forwards the
//! list's changes to this connection only. Unwatching, or the connection
//! ending, aborts it, which lets the shared poller stop when nobody else
//! watches.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::browse::{Browse, forward};
use pdauth_common::browse::ListQuery;
use pdauth_common::{ErrorCode, Reply, Response, ServerFrame, WireError};

/// Lists one connection may watch at once.
pub const MAX_WATCHES: usize = 16;

#[derive(Default)]
pub struct Watches {
    next: u64,
    running: HashMap<u64, AbortHandle>,
}

impl Watches {
    pub fn is_empty(&mut self) -> bool {
        self.running.retain(|_, h| !h.is_finished());
        self.running.is_empty()
    }

    /// Start watching; the reply (and then the events) go to `out`.
    /// Answers at once, with an error, when the connection watches too much.
    pub fn start(
        &mut self,
        id: u64,
        browse: &Arc<Browse>,
        profile: String,
        query: ListQuery,
        out: mpsc::Sender<ServerFrame>,
    ) -> Option<ServerFrame> {
        self.running.retain(|_, h| !h.is_finished());
        if self.running.len() >= MAX_WATCHES {
            let error = WireError::new(
                ErrorCode::Busy,
                format!("this connection already watches {MAX_WATCHES} lists; unwatch one first"),
            );
            return Some(ServerFrame::Reply {
                id,
                result: Reply::Error(error),
            });
        }
        self.next += 1;
        let watch = self.next;
        let browse = browse.clone();
        let task = tokio::spawn(async move {
            match browse.watch(&profile, query).await {
                Ok(w) => {
                    let reply = ServerFrame::Reply {
                        id,
                        result: Reply::Ok(Response::Watching {
                            watch,
                            page: (*w.page).clone(),
                        }),
                    };
                    if out.send(reply).await.is_ok() {
                        forward(w.rx, watch, w.page, w.version, out).await;
                    }
                }
                Err(error) => {
                    let _ = out
                        .send(ServerFrame::Reply {
                            id,
                            result: Reply::Error(error),
                        })
                        .await;
                }
            }
        });
        self.running.insert(watch, task.abort_handle());
        None
    }

    /// Stop one watch.
    pub fn stop(&mut self, watch: u64) -> Result<Response, WireError> {
        match self.running.remove(&watch) {
            Some(handle) => {
                handle.abort();
                Ok(Response::Unwatched { watch })
            }
            None => Err(WireError::new(
                ErrorCode::NotFound,
                format!("this connection has no watch {watch}"),
            )),
        }
    }
}

impl Drop for Watches {
    fn drop(&mut self) {
        for handle in self.running.values() {
            handle.abort();
        }
    }
}
