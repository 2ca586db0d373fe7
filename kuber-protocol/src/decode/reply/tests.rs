//! Unit tests of `decode_frame`: every RESP2/RESP3 type, attributes, errors with their exact
//! text, limits and nesting.

use bytes::{Bytes, BytesMut};

use super::decode_frame;
use crate::decode::{DecodeError, Limits};
use crate::frame::Frame;

fn frame(input: &[u8]) -> Result<Option<Frame>, DecodeError> {
    let mut buf = BytesMut::from(input);
    let result = decode_frame(&mut buf, &Limits::default());
    if let Ok(Some(_)) = result {
        assert!(buf.is_empty(), "{input:?} left {buf:?}");
    }
    result
}

fn ok(input: &[u8]) -> Frame {
    frame(input)
        .unwrap()
        .unwrap_or_else(|| panic!("incomplete: {input:?}"))
}

fn frame_err(input: &[u8]) -> String {
    frame(input).expect_err("should be refused").to_string()
}

fn b(s: &'static str) -> Bytes {
    Bytes::from_static(s.as_bytes())
}

#[test]
fn frame_scalars() {
    assert_eq!(ok(b"+OK\r\n"), Frame::ok());
    assert_eq!(
        ok(b"-ERR unknown command\r\n"),
        Frame::error("ERR unknown command")
    );
    assert_eq!(ok(b":-42\r\n"), Frame::Integer(-42));
    assert_eq!(ok(b"$3\r\nfoo\r\n"), Frame::bulk(b("foo")));
    assert_eq!(ok(b"$0\r\n\r\n"), Frame::bulk(b("")));
    assert_eq!(ok(b"$-1\r\n"), Frame::Null);
    assert_eq!(ok(b"*-1\r\n"), Frame::NullArray);
    assert_eq!(ok(b"_\r\n"), Frame::Null);
    assert_eq!(ok(b",1.5\r\n"), Frame::Double(1.5));
    assert_eq!(ok(b",3\r\n"), Frame::Double(3.0));
    assert_eq!(ok(b",1e+300\r\n"), Frame::Double(1e300));
    assert_eq!(ok(b",inf\r\n"), Frame::Double(f64::INFINITY));
    assert_eq!(ok(b",-inf\r\n"), Frame::Double(f64::NEG_INFINITY));
    assert!(matches!(ok(b",nan\r\n"), Frame::Double(d) if d.is_nan()));
    assert_eq!(ok(b"#t\r\n"), Frame::Boolean(true));
    assert_eq!(ok(b"#f\r\n"), Frame::Boolean(false));
    assert_eq!(
        ok(b"(-3492890328409238509324850943850943825024385\r\n"),
        Frame::BigNumber(b("-3492890328409238509324850943850943825024385"))
    );
    assert_eq!(
        ok(b"=15\r\ntxt:Some string\r\n"),
        Frame::Verbatim {
            format: *b"txt",
            text: b("Some string")
        }
    );
    assert_eq!(
        ok(b"!21\r\nSYNTAX invalid syntax\r\n"),
        Frame::error("SYNTAX invalid syntax")
    );
}

#[test]
fn frame_aggregates() {
    assert_eq!(ok(b"*0\r\n"), Frame::Array(vec![]));
    assert_eq!(
        ok(b"*2\r\n:1\r\n$1\r\na\r\n"),
        Frame::Array(vec![Frame::Integer(1), Frame::bulk(b("a"))])
    );
    assert_eq!(
        ok(b"~2\r\n+a\r\n+b\r\n"),
        Frame::Set(vec![Frame::simple("a"), Frame::simple("b")])
    );
    assert_eq!(
        ok(b">2\r\n+message\r\n:1\r\n"),
        Frame::Push(vec![Frame::simple("message"), Frame::Integer(1)])
    );
    assert_eq!(
        ok(b"%2\r\n+a\r\n:1\r\n+b\r\n*1\r\n_\r\n"),
        Frame::Map(vec![
            (Frame::simple("a"), Frame::Integer(1)),
            (Frame::simple("b"), Frame::Array(vec![Frame::Null])),
        ])
    );
    assert_eq!(ok(b"%0\r\n"), Frame::Map(vec![]));
    assert_eq!(
        ok(b"*2\r\n*1\r\n*0\r\n*-1\r\n"),
        Frame::Array(vec![
            Frame::Array(vec![Frame::Array(vec![])]),
            Frame::NullArray,
        ])
    );
}

#[test]
fn attributes_are_discarded() {
    // Redis's DEBUG PROTOCOL ATTRIB reply.
    let input = b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n";
    assert_eq!(
        ok(input),
        Frame::bulk(b("Some real reply following the attribute"))
    );
    assert_eq!(
        ok(b"*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n|0\r\n:2\r\n"),
        Frame::Array(vec![Frame::Integer(1), Frame::Integer(2)])
    );
    assert_eq!(
        ok(b"|1\r\n+a\r\n|1\r\n+x\r\n+y\r\n+b\r\n:7\r\n"),
        Frame::Integer(7),
        "attribute inside an attribute"
    );
    assert_eq!(
        frame(b"|1\r\n+a\r\n+b\r\n"),
        Ok(None),
        "an attribute alone waits for its frame"
    );
}

#[test]
fn frames_are_decoded_one_at_a_time() {
    let mut buf = BytesMut::from(&b"+a\r\n*1\r\n:1\r\n$2\r\nx"[..]);
    let limits = Limits::default();
    assert_eq!(
        decode_frame(&mut buf, &limits),
        Ok(Some(Frame::simple("a")))
    );
    assert_eq!(
        decode_frame(&mut buf, &limits),
        Ok(Some(Frame::Array(vec![Frame::Integer(1)])))
    );
    assert_eq!(decode_frame(&mut buf, &limits), Ok(None));
    assert_eq!(&buf[..], b"$2\r\nx");
}

#[test]
fn every_frame_prefix_is_incomplete_and_untouched() {
    let full =
        b"%2\r\n+a\r\n*3\r\n:1\r\n,2.5\r\n=7\r\ntxt:abc\r\n|1\r\n+k\r\n+v\r\n$3\r\nfoo\r\n#t\r\n";
    assert!(frame(full).unwrap().is_some());
    for end in 0..full.len() {
        let mut buf = BytesMut::from(&full[..end]);
        assert_eq!(
            decode_frame(&mut buf, &Limits::default()),
            Ok(None),
            "prefix {end}"
        );
        assert_eq!(buf.len(), end);
    }
}

#[test]
fn frame_errors() {
    let cases: [(&[u8], &str); 22] = [
        (b"?x\r\n", "Protocol error: invalid type byte '?'"),
        (b"\r\n", "Protocol error: invalid type byte ' '"),
        (b":1.5\r\n", "Protocol error: invalid integer"),
        (b":\r\n", "Protocol error: invalid integer"),
        (b",abc\r\n", "Protocol error: invalid double"),
        (b",\xff\r\n", "Protocol error: invalid double"),
        (b"#x\r\n", "Protocol error: invalid boolean"),
        (b"_x\r\n", "Protocol error: invalid null"),
        (b"(12a\r\n", "Protocol error: invalid big number"),
        (b"(\r\n", "Protocol error: invalid big number"),
        (b"=3\r\ntxt\r\n", "Protocol error: invalid verbatim string"),
        (b"=4\r\ntxtx\r\n", "Protocol error: invalid verbatim string"),
        (b"$-2\r\n", "Protocol error: invalid bulk length"),
        (b"=-1\r\n", "Protocol error: invalid bulk length"),
        (b"$?\r\n", "Protocol error: invalid bulk length"),
        (b"$536870913\r\n", "Protocol error: invalid bulk length"),
        (b"*-2\r\n", "Protocol error: invalid multibulk length"),
        (b"%-1\r\n", "Protocol error: invalid multibulk length"),
        (b"*?\r\n", "Protocol error: invalid multibulk length"),
        (b"~1048577\r\n", "Protocol error: invalid multibulk length"),
        (b"$1\r\nab\r\n", "Protocol error: invalid CRLF in request"),
        (b"+OK\rx", "Protocol error: invalid CRLF in request"),
    ];
    for (input, expected) in cases {
        assert_eq!(frame_err(input), expected, "{input:?}");
    }
    let mut long = vec![b':'];
    long.resize(64 * 1024 + 2, b'1');
    assert_eq!(frame_err(&long), "Protocol error: too big line");
    long[0] = b'*';
    assert_eq!(
        frame_err(&long),
        "Protocol error: too big mbulk count string"
    );
    long[0] = b'$';
    assert_eq!(
        frame_err(&long),
        "Protocol error: too big bulk count string"
    );
    long[0] = b'+';
    assert_eq!(
        frame(&long),
        Ok(None),
        "simple strings may be as long as a bulk"
    );
}

#[test]
fn nesting_limit() {
    let nested = b"*1\r\n".repeat(100_000);
    assert_eq!(frame_err(&nested), "Protocol error: nesting too deep");
    let attrs = b"|1\r\n".repeat(100_000);
    assert_eq!(frame_err(&attrs), "Protocol error: nesting too deep");

    let mut at_limit = b"*1\r\n".repeat(128);
    at_limit.extend_from_slice(b":1\r\n");
    let mut expected = Frame::Integer(1);
    for _ in 0..128 {
        expected = Frame::Array(vec![expected]);
    }
    assert_eq!(ok(&at_limit), expected);
    let mut over = b"*1\r\n".repeat(129);
    over.extend_from_slice(b":1\r\n");
    assert_eq!(frame_err(&over), "Protocol error: nesting too deep");
    let shallow = Limits {
        max_depth: 1,
        ..Limits::default()
    };
    assert_eq!(
        decode_frame(&mut BytesMut::from(&b"*1\r\n*0\r\n"[..]), &shallow),
        Err(DecodeError::NestingTooDeep)
    );
    assert_eq!(
        decode_frame(&mut BytesMut::from(&b"*1\r\n:1\r\n"[..]), &shallow),
        Ok(Some(Frame::Array(vec![Frame::Integer(1)])))
    );
}

#[test]
fn frame_limits() {
    let limits = Limits::unauthenticated();
    assert_eq!(
        decode_frame(&mut BytesMut::from(&b"*11\r\n"[..]), &limits),
        Err(DecodeError::InvalidMultibulkLength)
    );
    assert_eq!(
        decode_frame(&mut BytesMut::from(&b"%11\r\n"[..]), &limits),
        Err(DecodeError::InvalidMultibulkLength)
    );
    assert_eq!(
        decode_frame(&mut BytesMut::from(&b"$16385\r\n"[..]), &limits),
        Err(DecodeError::InvalidBulkLength)
    );
    assert_eq!(
        decode_frame(&mut BytesMut::from(&b"$16384\r\n"[..]), &limits),
        Ok(None)
    );
}

#[test]
fn frame_strings_are_slices_of_the_buffer() {
    let mut buf = BytesMut::from(&b"*2\r\n$3\r\nfoo\r\n+bar\r\n"[..]);
    let range = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.len();
    let Ok(Some(Frame::Array(items))) = decode_frame(&mut buf, &Limits::default()) else {
        panic!()
    };
    for item in items {
        let (Frame::Bulk(s) | Frame::Simple(s)) = item else {
            panic!()
        };
        assert!(range.contains(&(s.as_ptr() as usize)), "copied");
    }
}

#[test]
fn a_complete_line_over_the_limit_is_refused_like_a_partial_one() {
    // Found by the chunking property test: "-1t\x4\r" with a 4-byte line limit was refused when
    // it arrived in two reads but waited for more when it arrived at once.
    let limits = Limits {
        max_bulk_len: 4,
        ..Limits::default()
    };
    let mut whole = BytesMut::from(&b"-1t\\x4\r"[..]);
    assert_eq!(
        decode_frame(&mut whole, &limits),
        Err(DecodeError::TooBigLine)
    );
    let mut complete = BytesMut::from(&b"-12345\r\n"[..]);
    assert_eq!(
        decode_frame(&mut complete, &limits),
        Err(DecodeError::TooBigLine)
    );
    let mut fits = BytesMut::from(&b"-1234\r\n"[..]);
    assert_eq!(
        decode_frame(&mut fits, &limits),
        Ok(Some(Frame::Error("1234".into())))
    );
}
