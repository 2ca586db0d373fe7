//! `Frame`, the in-memory form of one RESP2/RESP3 value, and `ProtocolVersion`, the dialect a
//! connection speaks.

use bytes::Bytes;

/// One RESP value, as decoded from a peer or about to be encoded for one.
///
/// The variants are the RESP3 types; [`encode`](crate::encode()) downgrades the RESP3-only ones
/// when the connection speaks RESP2, the way Redis does (see each variant).
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// Status reply, `+OK`. Must not contain CR or LF (the encoder replaces them with spaces).
    Simple(Bytes),
    /// Error reply, `-ERR msg`: the bytes exclude the leading `-` and the CRLF, and include the
    /// error code (`ERR`, `WRONGTYPE`, ...). Must not contain CR or LF either.
    Error(Bytes),
    /// `:42`.
    Integer(i64),
    /// Binary-safe string, `$3\r\nfoo`.
    Bulk(Bytes),
    /// The null bulk string: RESP2 `$-1`, RESP3 `_`.
    Null,
    /// The null array: RESP2 `*-1`, RESP3 `_` (RESP3 has a single null, which decodes as
    /// [`Frame::Null`]).
    NullArray,
    /// `*N` followed by N frames.
    Array(Vec<Frame>),
    /// RESP3 `%N`; in RESP2 a flat array `k1 v1 k2 v2 ...`.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~N`; in RESP2 an array.
    Set(Vec<Frame>),
    /// RESP3 `,1.5`; in RESP2 a bulk string holding the same text.
    Double(f64),
    /// RESP3 `#t`/`#f`; in RESP2 the integer 1/0.
    Boolean(bool),
    /// RESP3 `(` arbitrary-precision integer, kept as its decimal text; in RESP2 a bulk string.
    BigNumber(Bytes),
    /// RESP3 `=` verbatim string such as `txt:` or `mkd:` text; in RESP2 a bulk string of the text.
    Verbatim {
        /// The three-byte format, e.g. `*b"txt"`.
        format: [u8; 3],
        /// The text after the `fmt:` prefix.
        text: Bytes,
    },
    /// RESP3 `>N` out-of-band message (pub/sub, invalidation); in RESP2 an array.
    Push(Vec<Frame>),
}

impl Frame {
    /// The `+OK` status reply.
    pub fn ok() -> Frame {
        Frame::Simple(Bytes::from_static(b"OK"))
    }

    /// A status reply from a static string; no allocation.
    pub fn simple(s: &'static str) -> Frame {
        Frame::Simple(Bytes::from_static(s.as_bytes()))
    }

    /// An error reply. `msg` is the full text including the code, e.g. `"ERR syntax error"`.
    pub fn error(msg: impl Into<String>) -> Frame {
        Frame::Error(Bytes::from(msg.into()))
    }

    /// A bulk string reply.
    pub fn bulk(b: impl Into<Bytes>) -> Frame {
        Frame::Bulk(b.into())
    }

    /// Whether this frame is an error reply.
    pub fn is_error(&self) -> bool {
        matches!(self, Frame::Error(_))
    }
}

/// The RESP dialect of a connection: RESP2 until the client sends `HELLO 3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProtocolVersion {
    /// RESP2, the default.
    Resp2,
    /// RESP3, negotiated with `HELLO 3`.
    Resp3,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors() {
        assert_eq!(Frame::ok(), Frame::Simple(Bytes::from_static(b"OK")));
        assert_eq!(
            Frame::simple("PONG"),
            Frame::Simple(Bytes::from_static(b"PONG"))
        );
        assert_eq!(
            Frame::error("ERR syntax error"),
            Frame::Error(Bytes::from_static(b"ERR syntax error"))
        );
        assert_eq!(
            Frame::bulk(&b"v"[..]),
            Frame::Bulk(Bytes::from_static(b"v"))
        );
        assert_eq!(
            Frame::bulk(vec![1u8, 2]),
            Frame::Bulk(Bytes::from_static(&[1, 2]))
        );
    }

    #[test]
    fn is_error() {
        assert!(Frame::error("ERR x").is_error());
        assert!(!Frame::ok().is_error());
        assert!(!Frame::Bulk(Bytes::from_static(b"-ERR")).is_error());
    }
}
