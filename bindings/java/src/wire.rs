//! The byte format between `com.kuber.client.Native` and this library (`Wire.java` is its twin):
//! one `byte[]` in, one `byte[]` out per call, so no Java object is built from Rust.
//!
//! Request: `u32 count`, then `count` items, each `0x00` (null) or `0x01 u32 len bytes`; item 0
//! is the operation, item 1 the region (or null), the rest the arguments (numbers as decimal text).
//!
//! Reply: one value: `n` null, `b u32 len bytes`, `i i64`, `t`/`f` boolean,
//! `a u32 count value…`, `e kind code message` (three byte items, code may be `n`), or
//! `p message` for a Rust panic. All integers big-endian.

use bytes::Bytes;

/// A decoded request.
pub(crate) struct Request {
    pub(crate) op: String,
    pub(crate) region: Option<String>,
    pub(crate) args: Vec<Option<Bytes>>,
}

/// A malformed request (a bug in the Java side); reported as a Protocol error.
#[derive(Debug)]
pub(crate) struct BadRequest(pub(crate) String);

fn take<'a>(buf: &mut &'a [u8], n: usize) -> Result<&'a [u8], BadRequest> {
    if buf.len() < n {
        return Err(BadRequest("request ends early".into()));
    }
    let (head, rest) = buf.split_at(n);
    *buf = rest;
    Ok(head)
}

fn u32_at(buf: &mut &[u8]) -> Result<usize, BadRequest> {
    let b = take(buf, 4)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
}

impl Request {
    /// Decodes `whole`; the items are slices of it, not copies.
    pub(crate) fn decode(whole: Bytes) -> Result<Request, BadRequest> {
        let mut buf: &[u8] = &whole;
        let count = u32_at(&mut buf)?;
        let mut items = Vec::with_capacity(count.min(1 << 16));
        for _ in 0..count {
            match take(&mut buf, 1)?[0] {
                0 => items.push(None),
                1 => {
                    let len = u32_at(&mut buf)?;
                    let item = take(&mut buf, len)?;
                    items.push(Some(whole.slice_ref(item)));
                }
                t => return Err(BadRequest(format!("unknown item tag {t}"))),
            }
        }
        if items.len() < 2 {
            return Err(BadRequest("request needs an operation and a region".into()));
        }
        let mut it = items.into_iter();
        let text = |v: Bytes| {
            String::from_utf8(v.to_vec()).map_err(|_| BadRequest("text is not UTF-8".into()))
        };
        let op = text(
            it.next()
                .flatten()
                .ok_or_else(|| BadRequest("no operation".into()))?,
        )?;
        let region = it.next().flatten().map(text).transpose()?;
        Ok(Request {
            op,
            region,
            args: it.collect(),
        })
    }
}

/// A typed reply to encode.
pub(crate) enum Reply {
    Null,
    Bytes(Bytes),
    Int(i64),
    Bool(bool),
    Array(Vec<Reply>),
}

impl Reply {
    pub(crate) fn text(s: impl Into<String>) -> Reply {
        Reply::Bytes(Bytes::from(s.into()))
    }

    pub(crate) fn opt(b: Option<Bytes>) -> Reply {
        b.map_or(Reply::Null, Reply::Bytes)
    }

    pub(crate) fn list(items: impl IntoIterator<Item = Reply>) -> Reply {
        Reply::Array(items.into_iter().collect())
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Reply::Null => out.push(b'n'),
            Reply::Bytes(b) => {
                out.push(b'b');
                out.extend_from_slice(&(b.len() as u32).to_be_bytes());
                out.extend_from_slice(b);
            }
            Reply::Int(n) => {
                out.push(b'i');
                out.extend_from_slice(&n.to_be_bytes());
            }
            Reply::Bool(true) => out.push(b't'),
            Reply::Bool(false) => out.push(b'f'),
            Reply::Array(items) => {
                out.push(b'a');
                out.extend_from_slice(&(items.len() as u32).to_be_bytes());
                for item in items {
                    item.encode(out);
                }
            }
        }
    }
}

fn bytes_item(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b'b');
    out.extend_from_slice(&(b.len() as u32).to_be_bytes());
    out.extend_from_slice(b);
}

/// `e kind code message`.
pub(crate) fn encode_error(kind: &str, code: Option<&str>, message: &str) -> Vec<u8> {
    let mut out = vec![b'e'];
    bytes_item(&mut out, kind.as_bytes());
    match code {
        Some(c) => bytes_item(&mut out, c.as_bytes()),
        None => out.push(b'n'),
    }
    bytes_item(&mut out, message.as_bytes());
    out
}

/// `p message`.
pub(crate) fn encode_panic(message: &str) -> Vec<u8> {
    let mut out = vec![b'p'];
    bytes_item(&mut out, message.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trip() {
        let mut buf = 4u32.to_be_bytes().to_vec();
        for item in [Some(&b"get"[..]), None, Some(b"k"), Some(b"")] {
            match item {
                None => buf.push(0),
                Some(b) => {
                    buf.push(1);
                    buf.extend_from_slice(&(b.len() as u32).to_be_bytes());
                    buf.extend_from_slice(b);
                }
            }
        }
        let req = Request::decode(Bytes::from(buf.clone())).unwrap();
        assert_eq!((req.op.as_str(), req.region), ("get", None));
        assert_eq!(req.args, vec![Some(Bytes::from("k")), Some(Bytes::new())]);
        assert!(Request::decode(Bytes::copy_from_slice(&buf[..buf.len() - 1])).is_err());
    }

    #[test]
    fn reply_encoding() {
        let mut out = Vec::new();
        Reply::list([
            Reply::Null,
            Reply::Int(-2),
            Reply::Bool(true),
            Reply::text("ab"),
        ])
        .encode(&mut out);
        let mut want = vec![b'a', 0, 0, 0, 4, b'n', b'i'];
        want.extend_from_slice(&(-2i64).to_be_bytes());
        want.extend_from_slice(&[b't', b'b', 0, 0, 0, 2, b'a', b'b']);
        assert_eq!(out, want);
        assert_eq!(
            encode_error("Auth", None, "x"),
            vec![
                b'e', b'b', 0, 0, 0, 4, b'A', b'u', b't', b'h', b'n', b'b', 0, 0, 0, 1, b'x'
            ]
        );
    }
}
