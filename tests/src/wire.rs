//! A protocol client for tests: typed frames over the daemon's socket.

use std::path::Path;

use futures::{SinkExt, StreamExt};
use pdauth_common::{ClientFrame, Event, JsonLineCodec, PROTOCOL_VERSION, Reply, Request, ServerFrame};
use tokio::net::UnixStream;
use tokio_util::codec::Framed;

use crate::DEADLINE;

pub struct WireClient {
    conn: Framed<UnixStream, JsonLineCodec<ServerFrame, ClientFrame>>,
    next_id: u64,
    /// Events that arrived while waiting for a reply.
    pub backlog: Vec<Event>,
}

impl WireClient {
    pub async fn connect(socket: &Path) -> Self {
        let stream = UnixStream::connect(socket).await.expect("connect to pdauthd");
        let mut conn = Framed::new(stream, JsonLineCodec::for_client());
        conn.send(ClientFrame::Hello {
            protocol: PROTOCOL_VERSION,
            client: "pdauth-tests".into(),
        })
        .await
        .expect("hello");
        match tokio::time::timeout(DEADLINE, conn.next())
            .await
            .expect("welcome in time")
        {
            Some(Ok(ServerFrame::Welcome { .. })) => {}
            other => panic!("expected welcome, got {other:?}"),
        }
        Self {
            conn,
            next_id: 1,
            backlog: Vec::new(),
        }
    }

    pub async fn call(&mut self, request: Request) -> Reply {
        let id = self.next_id;
        self.next_id += 1;
        self.conn
            .send(ClientFrame::Request { id, request })
            .await
            .expect("send request");
        loop {
            match tokio::time::timeout(DEADLINE, self.conn.next())
                .await
                .expect("reply in time")
            {
                Some(Ok(ServerFrame::Reply { id: got, result })) if got == id => return result,
                Some(Ok(ServerFrame::Event { event })) => self.backlog.push(event),
                Some(Ok(other)) => panic!("unexpected frame {other:?}"),
                Some(Err(e)) => panic!("bad frame: {e}"),
                None => panic!("daemon closed the connection"),
            }
        }
    }

    /// Wait for the first event matching `pick`, checking the backlog first.
    pub async fn wait_event<T>(&mut self, mut pick: impl FnMut(&Event) -> Option<T>) -> T {
        if let Some(pos) = self.backlog.iter().position(|e| pick(e).is_some()) {
            let event = self.backlog.remove(pos);
            return pick(&event).expect("matched");
        }
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let next = tokio::time::timeout_at(deadline, self.conn.next()).await;
            match next.expect("the awaited event arrived in time") {
                Some(Ok(ServerFrame::Event { event })) => {
                    if let Some(v) = pick(&event) {
                        return v;
                    }
                }
                Some(Ok(other)) => panic!("unexpected frame {other:?}"),
                Some(Err(e)) => panic!("bad frame: {e}"),
                None => panic!("daemon closed the connection"),
            }
        }
    }
}
