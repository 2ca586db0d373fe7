//! Typed conversion of reply frames at the edge (RESP2 and RESP3 forms alike): a `Frame` becomes
//! bytes, an integer, a list, pairs or JSON, or a `Protocol` error naming what was expected.

use bytes::Bytes;
use kuber_protocol::Frame;

use crate::error::{Error, Result};

fn unexpected(what: &str, frame: &Frame) -> Error {
    Error::protocol(format!("expected {what}, got {frame:?}"))
}

/// Turns an error reply into `Err`.
pub(crate) fn check(frame: Frame) -> Result<Frame> {
    match frame {
        Frame::Error(text) => Err(Error::from_reply(&text)),
        other => Ok(other),
    }
}

pub(crate) fn ok(frame: Frame) -> Result<()> {
    match frame {
        Frame::Simple(_) => Ok(()),
        other => Err(unexpected("+OK", &other)),
    }
}

pub(crate) fn opt_bytes(frame: Frame) -> Result<Option<Bytes>> {
    match frame {
        Frame::Bulk(b) | Frame::Simple(b) | Frame::BigNumber(b) => Ok(Some(b)),
        Frame::Verbatim { text, .. } => Ok(Some(text)),
        Frame::Double(d) => Ok(Some(Bytes::from(kuber_protocol::format_double(d)))),
        Frame::Integer(n) => Ok(Some(Bytes::from(n.to_string()))),
        Frame::Null | Frame::NullArray => Ok(None),
        other => Err(unexpected("a string", &other)),
    }
}

pub(crate) fn bytes(frame: Frame) -> Result<Bytes> {
    opt_bytes(frame)?.ok_or_else(|| Error::protocol("expected a string, got nil"))
}

pub(crate) fn string(frame: Frame) -> Result<String> {
    let b = bytes(frame)?;
    String::from_utf8(b.to_vec()).map_err(|_| Error::protocol("reply is not UTF-8"))
}

pub(crate) fn opt_string(frame: Frame) -> Result<Option<String>> {
    match opt_bytes(frame)? {
        None => Ok(None),
        Some(b) => String::from_utf8(b.to_vec())
            .map(Some)
            .map_err(|_| Error::protocol("reply is not UTF-8")),
    }
}

pub(crate) fn int(frame: Frame) -> Result<i64> {
    match frame {
        Frame::Integer(n) => Ok(n),
        Frame::Boolean(b) => Ok(i64::from(b)),
        Frame::Bulk(ref b) | Frame::Simple(ref b) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| unexpected("an integer", &frame)),
        other => Err(unexpected("an integer", &other)),
    }
}

pub(crate) fn boolean(frame: Frame) -> Result<bool> {
    Ok(int(frame)? != 0)
}

pub(crate) fn array(frame: Frame) -> Result<Vec<Frame>> {
    match frame {
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => Ok(items),
        Frame::Map(pairs) => Ok(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect()),
        Frame::Null | Frame::NullArray => Ok(Vec::new()),
        other => Err(unexpected("an array", &other)),
    }
}

pub(crate) fn bytes_list(frame: Frame) -> Result<Vec<Bytes>> {
    array(frame)?.into_iter().map(bytes).collect()
}

pub(crate) fn opt_bytes_list(frame: Frame) -> Result<Vec<Option<Bytes>>> {
    array(frame)?.into_iter().map(opt_bytes).collect()
}

pub(crate) fn string_list(frame: Frame) -> Result<Vec<String>> {
    array(frame)?.into_iter().map(string).collect()
}

/// A RESP3 map or a RESP2 flat array `k1 v1 k2 v2 …`.
pub(crate) fn pairs(frame: Frame) -> Result<Vec<(Bytes, Bytes)>> {
    let pairs = match frame {
        Frame::Map(pairs) => pairs,
        other => {
            let items = array(other)?;
            if items.len() % 2 != 0 {
                return Err(Error::protocol("expected pairs, got an odd-length array"));
            }
            let mut it = items.into_iter();
            let mut pairs = Vec::new();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                pairs.push((k, v));
            }
            pairs
        }
    };
    pairs
        .into_iter()
        .map(|(k, v)| Ok((bytes(k)?, bytes(v)?)))
        .collect()
}

pub(crate) fn json_text_pairs(frame: Frame) -> Result<Vec<(String, String)>> {
    pairs(frame)?
        .into_iter()
        .map(|(k, v)| Ok((utf8(k)?, utf8(v)?)))
        .collect()
}

pub(crate) fn utf8(b: Bytes) -> Result<String> {
    String::from_utf8(b.to_vec()).map_err(|_| Error::protocol("reply is not UTF-8"))
}

pub(crate) fn parse_json(text: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| Error::protocol(format!("server sent bad JSON: {e}")))
}

/// Any frame as JSON: strings as text (lossy), nil as null, maps as objects when keys are strings.
pub fn frame_to_json(frame: &Frame) -> serde_json::Value {
    use serde_json::Value;
    let text = |b: &Bytes| Value::String(String::from_utf8_lossy(b).into_owned());
    match frame {
        Frame::Simple(b) | Frame::Bulk(b) | Frame::Error(b) | Frame::BigNumber(b) => text(b),
        Frame::Verbatim { text: t, .. } => text(t),
        Frame::Integer(n) => Value::from(*n),
        Frame::Double(d) => Value::from(*d),
        Frame::Boolean(b) => Value::Bool(*b),
        Frame::Null | Frame::NullArray => Value::Null,
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            Value::Array(items.iter().map(frame_to_json).collect())
        }
        Frame::Map(pairs) => Value::Object(
            pairs
                .iter()
                .map(|(k, v)| {
                    let key = match frame_to_json(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, frame_to_json(v))
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Frame {
        Frame::Bulk(Bytes::copy_from_slice(s.as_bytes()))
    }

    #[test]
    fn pairs_from_resp2_and_resp3() {
        let want = vec![(Bytes::from("f"), Bytes::from("v"))];
        assert_eq!(
            pairs(Frame::Array(vec![bulk("f"), bulk("v")])).unwrap(),
            want
        );
        assert_eq!(
            pairs(Frame::Map(vec![(bulk("f"), bulk("v"))])).unwrap(),
            want
        );
        assert_eq!(
            pairs(Frame::Array(vec![bulk("f")])).unwrap_err().kind(),
            crate::ErrorKind::Protocol
        );
    }

    #[test]
    fn scalars() {
        assert_eq!(opt_bytes(Frame::Null).unwrap(), None);
        assert_eq!(int(Frame::Boolean(true)).unwrap(), 1);
        assert_eq!(int(bulk("-7")).unwrap(), -7);
        assert!(int(bulk("x")).is_err());
        assert_eq!(
            check(Frame::error("WRONGTYPE x")).unwrap_err().kind(),
            crate::ErrorKind::WrongType
        );
        assert_eq!(
            frame_to_json(&Frame::Array(vec![
                bulk("master"),
                Frame::Integer(0),
                Frame::Array(vec![])
            ])),
            serde_json::json!(["master", 0, []])
        );
    }
}
