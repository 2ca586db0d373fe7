//! Encoding of frames into RESP2 or RESP3 bytes (with Redis's RESP2 downgrades of the RESP3-only
//! types), and of client commands into multibulk requests.

use bytes::{BufMut, BytesMut};

use crate::frame::{Frame, ProtocolVersion};

/// Appends `frame` to `out` in the given protocol version.
///
/// In RESP2 the RESP3-only types are downgraded as Redis does: a map becomes a flat array
/// `k1 v1 k2 v2 ...`, sets and pushes become arrays, a double or big number becomes a bulk string
/// of its text, a boolean becomes `:1`/`:0`, a verbatim string becomes a bulk string of its text,
/// and both nulls keep their RESP2 forms `$-1`/`*-1`. In RESP3 both nulls are `_`.
///
/// CR and LF inside simple strings and errors are replaced by spaces, as Redis does for error
/// replies, so that a careless message cannot break the stream.
pub fn encode(frame: &Frame, version: ProtocolVersion, out: &mut BytesMut) {
    let resp3 = version == ProtocolVersion::Resp3;
    match frame {
        Frame::Simple(s) => line(b'+', s, out),
        Frame::Error(s) => line(b'-', s, out),
        Frame::Integer(n) => number(b':', *n, out),
        Frame::Bulk(b) => bulk(b, out),
        Frame::Null if resp3 => out.extend_from_slice(b"_\r\n"),
        Frame::Null => out.extend_from_slice(b"$-1\r\n"),
        Frame::NullArray if resp3 => out.extend_from_slice(b"_\r\n"),
        Frame::NullArray => out.extend_from_slice(b"*-1\r\n"),
        Frame::Array(items) => aggregate(b'*', items, version, out),
        Frame::Set(items) => aggregate(if resp3 { b'~' } else { b'*' }, items, version, out),
        Frame::Push(items) => aggregate(if resp3 { b'>' } else { b'*' }, items, version, out),
        Frame::Map(pairs) => {
            if resp3 {
                length(b'%', pairs.len(), out);
            } else {
                length(b'*', pairs.len() * 2, out);
            }
            for (key, value) in pairs {
                encode(key, version, out);
                encode(value, version, out);
            }
        }
        Frame::Double(d) => {
            let text = crate::double::format_double(*d);
            if resp3 {
                out.put_u8(b',');
                out.extend_from_slice(text.as_bytes());
                out.extend_from_slice(b"\r\n");
            } else {
                bulk(text.as_bytes(), out);
            }
        }
        Frame::Boolean(b) => out.extend_from_slice(match (resp3, b) {
            (true, true) => b"#t\r\n",
            (true, false) => b"#f\r\n",
            (false, true) => b":1\r\n",
            (false, false) => b":0\r\n",
        }),
        Frame::BigNumber(n) if resp3 => line(b'(', n, out),
        Frame::BigNumber(n) => bulk(n, out),
        Frame::Verbatim { format, text } if resp3 => {
            length(b'=', text.len() + 4, out);
            out.extend_from_slice(format);
            out.put_u8(b':');
            out.extend_from_slice(text);
            out.extend_from_slice(b"\r\n");
        }
        Frame::Verbatim { text, .. } => bulk(text, out),
    }
}

/// For an array, set or push frame, appends only its header (`*N\r\n`, or the RESP3 prefix) and
/// returns its elements, so that a caller can encode a very long reply element by element and
/// write it out as it goes rather than hold its whole encoding at once. Any other frame is
/// encoded whole and `None` is returned.
pub fn encode_header<'a>(
    frame: &'a Frame,
    version: ProtocolVersion,
    out: &mut BytesMut,
) -> Option<&'a [Frame]> {
    let resp3 = version == ProtocolVersion::Resp3;
    let (prefix, items) = match frame {
        Frame::Array(items) => (b'*', items),
        Frame::Set(items) => (if resp3 { b'~' } else { b'*' }, items),
        Frame::Push(items) => (if resp3 { b'>' } else { b'*' }, items),
        other => {
            encode(other, version, out);
            return None;
        }
    };
    length(prefix, items.len(), out);
    Some(items)
}

/// Client side: appends the multibulk request `*N $len arg ...` for `args` to `out`.
pub fn encode_command(args: &[&[u8]], out: &mut BytesMut) {
    // `$`, up to 20 length digits and two CRLFs per argument: one reservation up front.
    out.reserve(args.iter().map(|arg| arg.len() + 25).sum::<usize>() + 25);
    length(b'*', args.len(), out);
    for arg in args {
        bulk(arg, out);
    }
}

fn aggregate(prefix: u8, items: &[Frame], version: ProtocolVersion, out: &mut BytesMut) {
    length(prefix, items.len(), out);
    for item in items {
        encode(item, version, out);
    }
}

fn bulk(data: &[u8], out: &mut BytesMut) {
    length(b'$', data.len(), out);
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

fn length(prefix: u8, len: usize, out: &mut BytesMut) {
    out.put_u8(prefix);
    out.extend_from_slice(itoa::Buffer::new().format(len).as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn number(prefix: u8, n: i64, out: &mut BytesMut) {
    out.put_u8(prefix);
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// A one-line frame (`+`, `-`, `(`), with CR and LF replaced by spaces.
fn line(prefix: u8, text: &[u8], out: &mut BytesMut) {
    out.put_u8(prefix);
    if memchr::memchr2(b'\r', b'\n', text).is_none() {
        out.extend_from_slice(text);
    } else {
        out.extend(
            text.iter()
                .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
        );
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::frame::ProtocolVersion::{Resp2, Resp3};

    fn enc(frame: &Frame, version: ProtocolVersion) -> Vec<u8> {
        let mut out = BytesMut::new();
        encode(frame, version, &mut out);
        out.to_vec()
    }

    fn both(frame: Frame, resp2: &[u8], resp3: &[u8]) {
        assert_eq!(enc(&frame, Resp2), resp2, "RESP2 {frame:?}");
        assert_eq!(enc(&frame, Resp3), resp3, "RESP3 {frame:?}");
    }

    fn b(s: &'static str) -> Bytes {
        Bytes::from_static(s.as_bytes())
    }

    #[test]
    fn scalars() {
        both(Frame::ok(), b"+OK\r\n", b"+OK\r\n");
        both(
            Frame::error("ERR syntax error"),
            b"-ERR syntax error\r\n",
            b"-ERR syntax error\r\n",
        );
        both(Frame::Integer(-42), b":-42\r\n", b":-42\r\n");
        both(
            Frame::Integer(i64::MIN),
            b":-9223372036854775808\r\n",
            b":-9223372036854775808\r\n",
        );
        both(Frame::bulk(b("foo")), b"$3\r\nfoo\r\n", b"$3\r\nfoo\r\n");
        both(Frame::bulk(b("")), b"$0\r\n\r\n", b"$0\r\n\r\n");
        both(Frame::Null, b"$-1\r\n", b"_\r\n");
        both(Frame::NullArray, b"*-1\r\n", b"_\r\n");
        both(Frame::Boolean(true), b":1\r\n", b"#t\r\n");
        both(Frame::Boolean(false), b":0\r\n", b"#f\r\n");
        both(
            Frame::BigNumber(b("-123456789012345678901234567890")),
            b"$31\r\n-123456789012345678901234567890\r\n",
            b"(-123456789012345678901234567890\r\n",
        );
        both(
            Frame::Verbatim {
                format: *b"txt",
                text: b("Some string"),
            },
            b"$11\r\nSome string\r\n",
            b"=15\r\ntxt:Some string\r\n",
        );
    }

    #[test]
    fn doubles() {
        both(Frame::Double(1.5), b"$3\r\n1.5\r\n", b",1.5\r\n");
        both(Frame::Double(3.0), b"$1\r\n3\r\n", b",3\r\n");
        both(Frame::Double(-0.0), b"$2\r\n-0\r\n", b",-0\r\n");
        both(Frame::Double(f64::INFINITY), b"$3\r\ninf\r\n", b",inf\r\n");
        both(
            Frame::Double(f64::NEG_INFINITY),
            b"$4\r\n-inf\r\n",
            b",-inf\r\n",
        );
        both(Frame::Double(f64::NAN), b"$3\r\nnan\r\n", b",nan\r\n");
        both(
            Frame::Double(0.1),
            b"$19\r\n0.10000000000000001\r\n",
            b",0.10000000000000001\r\n",
        );
        both(Frame::Double(1e20), b"$5\r\n1e+20\r\n", b",1e+20\r\n");
        both(
            Frame::Double(1e300),
            b"$23\r\n1.0000000000000001e+300\r\n",
            b",1.0000000000000001e+300\r\n",
        );
        let min = enc(&Frame::Double(f64::MIN_POSITIVE), Resp3);
        assert_eq!(min, b",2.2250738585072014e-308\r\n");
        let max = enc(&Frame::Double(-f64::MAX), Resp3);
        assert_eq!(max, b",-1.7976931348623157e+308\r\n");
    }

    #[test]
    fn header_then_elements_equals_the_whole_encoding() {
        let items = vec![Frame::Integer(1), Frame::bulk(b("a"))];
        for version in [ProtocolVersion::Resp2, ProtocolVersion::Resp3] {
            for frame in [
                Frame::Array(items.clone()),
                Frame::Set(items.clone()),
                Frame::Push(items.clone()),
                Frame::Integer(7),
            ] {
                let mut whole = BytesMut::new();
                encode(&frame, version, &mut whole);
                let mut pieces = BytesMut::new();
                if let Some(elements) = encode_header(&frame, version, &mut pieces) {
                    for element in elements {
                        encode(element, version, &mut pieces);
                    }
                }
                assert_eq!(whole, pieces);
            }
        }
    }

    #[test]
    fn aggregates() {
        let items = vec![Frame::Integer(1), Frame::bulk(b("a"))];
        both(
            Frame::Array(items.clone()),
            b"*2\r\n:1\r\n$1\r\na\r\n",
            b"*2\r\n:1\r\n$1\r\na\r\n",
        );
        both(Frame::Array(vec![]), b"*0\r\n", b"*0\r\n");
        both(
            Frame::Set(items.clone()),
            b"*2\r\n:1\r\n$1\r\na\r\n",
            b"~2\r\n:1\r\n$1\r\na\r\n",
        );
        both(
            Frame::Push(items),
            b"*2\r\n:1\r\n$1\r\na\r\n",
            b">2\r\n:1\r\n$1\r\na\r\n",
        );
        both(
            Frame::Map(vec![
                (Frame::bulk(b("k")), Frame::Double(2.5)),
                (Frame::simple("x"), Frame::Null),
            ]),
            b"*4\r\n$1\r\nk\r\n$3\r\n2.5\r\n+x\r\n$-1\r\n",
            b"%2\r\n$1\r\nk\r\n,2.5\r\n+x\r\n_\r\n",
        );
        both(
            Frame::Array(vec![
                Frame::Map(vec![]),
                Frame::Set(vec![Frame::Boolean(true)]),
            ]),
            b"*2\r\n*0\r\n*1\r\n:1\r\n",
            b"*2\r\n%0\r\n~1\r\n#t\r\n",
        );
    }

    #[test]
    fn line_breaks_in_simple_strings_and_errors_become_spaces() {
        both(
            Frame::error("ERR a\r\nb"),
            b"-ERR a  b\r\n",
            b"-ERR a  b\r\n",
        );
        both(Frame::Simple(b("x\ny")), b"+x y\r\n", b"+x y\r\n");
    }

    #[test]
    fn commands() {
        let mut out = BytesMut::new();
        encode_command(&[b"SET", b"key", b""], &mut out);
        assert_eq!(&out[..], b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$0\r\n\r\n");
        encode_command(&[], &mut out);
        assert_eq!(&out[out.len() - 4..], b"*0\r\n", "appends");
    }
}
