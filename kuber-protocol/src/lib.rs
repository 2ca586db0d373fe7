//! The RESP2/RESP3 codec of Kuber: the [`Frame`] type, incremental size-limited decoders for
//! client requests ([`decode_command`]) and for any frame ([`decode_frame`]), and the encoders
//! ([`encode`](encode()), [`encode_command`]). No I/O: callers own the buffers and the sockets.
//!
//! Decoding mirrors Redis 7 (`networking.c`), down to its error strings, so that a client sees
//! the same replies to malformed input as from Redis:
//!
//! ```
//! use bytes::BytesMut;
//! use kuber_protocol::{Frame, Limits, ProtocolVersion, decode_command, encode};
//!
//! let mut input = BytesMut::from(&b"*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n"[..]);
//! let limits = Limits::default();
//! assert_eq!(decode_command(&mut input, &limits).unwrap().unwrap(), ["ECHO", "hi"]);
//! assert_eq!(decode_command(&mut input, &limits).unwrap().unwrap(), ["PING"]);
//! assert_eq!(decode_command(&mut input, &limits).unwrap(), None);
//!
//! let mut out = BytesMut::new();
//! encode(&Frame::Double(1.5), ProtocolVersion::Resp2, &mut out);
//! encode(&Frame::Double(1.5), ProtocolVersion::Resp3, &mut out);
//! assert_eq!(&out[..], b"$3\r\n1.5\r\n,1.5\r\n");
//! ```

pub mod decode;
pub mod double;
pub mod encode;
pub mod frame;
pub mod inline;

pub use decode::{DecodeError, Limits, decode_command, decode_frame};
pub use double::format_double;
pub use encode::{encode, encode_command, encode_header};
pub use frame::{Frame, ProtocolVersion};
pub use inline::split_inline;
