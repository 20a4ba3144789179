//! Newline-delimited JSON framing with a hard size cap checked before any
//! allocation grows past it. Used with `tokio_util::codec::Framed` on both
//! ends of the socket.

use std::marker::PhantomData;

use bytes::{BufMut, BytesMut};
use serde::{Serialize, de::DeserializeOwned};
use tokio_util::codec::{Decoder, Encoder};

/// Largest frame a client may send, newline excluded. The daemon reads
/// frames from any local process of its user; this bounds what one can make
/// it buffer.
pub const MAX_FRAME_BYTES: usize = 1024 * 1024;
/// Largest frame the daemon sends (a status of thousands of profiles, a
/// large API answer). Clients only read it after checking who the peer is.
pub const MAX_SERVER_FRAME_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("frame larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("malformed frame: {0}")]
    Malformed(String),
    #[error("connection ended in the middle of a frame")]
    Truncated,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Decodes `In` frames and encodes `Out` frames, one JSON object per line.
#[derive(Debug)]
pub struct JsonLineCodec<In, Out> {
    /// Largest frame decoded.
    max: usize,
    /// Largest frame encoded.
    max_out: usize,
    /// Bytes of the current buffer already searched for a newline.
    scanned: usize,
    _marker: PhantomData<fn(Out) -> In>,
}

impl<In, Out> JsonLineCodec<In, Out> {
    pub fn new() -> Self {
        Self::with_max(MAX_FRAME_BYTES)
    }

    pub fn with_max(max: usize) -> Self {
        Self::with_limits(max, max)
    }

    /// Separate caps for what is read and what is written.
    pub fn with_limits(max_in: usize, max_out: usize) -> Self {
        Self {
            max: max_in,
            max_out,
            scanned: 0,
            _marker: PhantomData,
        }
    }

    /// The daemon's side: small frames in, large frames out.
    pub fn for_daemon() -> Self {
        Self::with_limits(MAX_FRAME_BYTES, MAX_SERVER_FRAME_BYTES)
    }

    /// A client's side: large frames in, small frames out.
    pub fn for_client() -> Self {
        Self::with_limits(MAX_SERVER_FRAME_BYTES, MAX_FRAME_BYTES)
    }
}

impl<In, Out> Default for JsonLineCodec<In, Out> {
    fn default() -> Self {
        Self::new()
    }
}

impl<In: DeserializeOwned, Out> Decoder for JsonLineCodec<In, Out> {
    type Item = In;
    type Error = CodecError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<In>, CodecError> {
        loop {
            if self.scanned > buf.len() {
                self.scanned = 0;
            }
            let newline = buf[self.scanned..].iter().position(|b| *b == b'\n');
            match newline {
                Some(pos) => {
                    let end = self.scanned + pos;
                    self.scanned = 0;
                    if end > self.max {
                        return Err(CodecError::TooLarge { limit: self.max });
                    }
                    let line = buf.split_to(end + 1);
                    let body = trim_line(&line[..end]);
                    if body.is_empty() {
                        // Blank lines are tolerated as keep-alives.
                        continue;
                    }
                    return serde_json::from_slice(body)
                        .map(Some)
                        .map_err(|e| CodecError::Malformed(e.to_string()));
                }
                None => {
                    if buf.len() > self.max {
                        return Err(CodecError::TooLarge { limit: self.max });
                    }
                    self.scanned = buf.len();
                    // Never reserve more than the cap allows.
                    return Ok(None);
                }
            }
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<In>, CodecError> {
        match self.decode(buf)? {
            Some(frame) => Ok(Some(frame)),
            None if trim_line(buf).is_empty() => Ok(None),
            None => Err(CodecError::Truncated),
        }
    }
}

impl<In, Out: Serialize> Encoder<Out> for JsonLineCodec<In, Out> {
    type Error = CodecError;

    fn encode(&mut self, item: Out, dst: &mut BytesMut) -> Result<(), CodecError> {
        // Serialise straight into the output buffer (no second copy of a
        // large frame); take it back out if it exceeds the cap.
        let start = dst.len();
        let written = serde_json::to_writer((&mut *dst).writer(), &item);
        if let Err(e) = written {
            dst.truncate(start);
            return Err(CodecError::Malformed(e.to_string()));
        }
        if dst.len() - start > self.max_out {
            dst.truncate(start);
            return Err(CodecError::TooLarge { limit: self.max_out });
        }
        dst.put_u8(b'\n');
        Ok(())
    }
}

fn trim_line(line: &[u8]) -> &[u8] {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\r' | b' ' | b'\t') {
        end -= 1;
    }
    let mut start = 0;
    while start < end && matches!(line[start], b' ' | b'\t') {
        start += 1;
    }
    &line[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ClientFrame, Request};

    type Codec = JsonLineCodec<ClientFrame, ClientFrame>;

    #[test]
    fn round_trip() {
        let mut codec = Codec::new();
        let mut buf = BytesMut::new();
        let frame = ClientFrame::Request {
            id: 7,
            request: Request::Status,
        };
        codec.encode(frame.clone(), &mut buf).unwrap();
        assert_eq!(buf.last(), Some(&b'\n'));
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(frame));
        assert!(buf.is_empty());
    }

    #[test]
    fn partial_frames_wait_for_the_newline() {
        let mut codec = Codec::new();
        let mut buf = BytesMut::from(&b"{\"type\":\"request\",\"id\":1,"[..]);
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        buf.extend_from_slice(b"\"request\":{\"op\":\"ping\"}}\r\n");
        assert_eq!(
            codec.decode(&mut buf).unwrap(),
            Some(ClientFrame::Request {
                id: 1,
                request: Request::Ping
            })
        );
    }

    #[test]
    fn oversize_without_newline_is_refused_before_growing() {
        let mut codec = Codec::with_max(16);
        let mut buf = BytesMut::from(&[b'a'; 17][..]);
        assert!(matches!(
            codec.decode(&mut buf),
            Err(CodecError::TooLarge { limit: 16 })
        ));
    }

    #[test]
    fn oversize_with_newline_is_refused() {
        let mut codec = Codec::with_max(16);
        let mut buf = BytesMut::from(&b"{\"aaaaaaaaaaaaaaaaaaaaa\":1}\n"[..]);
        assert!(matches!(codec.decode(&mut buf), Err(CodecError::TooLarge { .. })));
    }

    #[test]
    fn caps_differ_by_direction() {
        let mut daemon = JsonLineCodec::<ClientFrame, ClientFrame>::with_limits(16, 1024);
        let mut out = BytesMut::new();
        let big = ClientFrame::Hello {
            protocol: 1,
            client: "x".repeat(100),
        };
        daemon.encode(big.clone(), &mut out).unwrap();
        assert!(matches!(
            daemon.decode(&mut out),
            Err(CodecError::TooLarge { limit: 16 })
        ));
        let mut client = JsonLineCodec::<ClientFrame, ClientFrame>::with_limits(1024, 16);
        assert!(matches!(
            client.encode(big, &mut BytesMut::new()),
            Err(CodecError::TooLarge { limit: 16 })
        ));
    }

    #[test]
    fn malformed_json_is_an_error() {
        let mut codec = Codec::new();
        let mut buf = BytesMut::from(&b"{not json}\n"[..]);
        assert!(matches!(codec.decode(&mut buf), Err(CodecError::Malformed(_))));
        let mut buf = BytesMut::from(&b"{\"type\":\"launch_missiles\"}\n"[..]);
        assert!(matches!(codec.decode(&mut buf), Err(CodecError::Malformed(_))));
    }

    #[test]
    fn blank_lines_are_skipped() {
        let mut codec = Codec::new();
        let mut buf = BytesMut::from(&b"\n  \r\n{\"type\":\"request\",\"id\":2,\"request\":{\"op\":\"status\"}}\n"[..]);
        assert_eq!(
            codec.decode(&mut buf).unwrap(),
            Some(ClientFrame::Request {
                id: 2,
                request: Request::Status
            })
        );
    }

    #[test]
    fn eof_mid_frame_is_truncated() {
        let mut codec = Codec::new();
        let mut buf = BytesMut::from(&b"{\"type\":"[..]);
        assert!(matches!(codec.decode_eof(&mut buf), Err(CodecError::Truncated)));
        let mut empty = BytesMut::new();
        assert!(matches!(codec.decode_eof(&mut empty), Ok(None)));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..4096)) {
            let mut codec = JsonLineCodec::<ClientFrame, ClientFrame>::with_max(1024);
            let mut buf = BytesMut::from(&data[..]);
            for _ in 0..64 {
                match codec.decode(&mut buf) {
                    Ok(Some(_)) => continue,
                    _ => break,
                }
            }
        }
    }
}
