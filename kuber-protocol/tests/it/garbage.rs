//! Arbitrary input never panics either decoder, every decoded value consumes input, `Ok(None)`
//! leaves the buffer as it was, and splitting the input into reads never changes the outcome.

use bytes::BytesMut;
use kuber_protocol::{DecodeError, Limits, decode_command, decode_frame};
use proptest::prelude::*;

use crate::support::{cuts, feed};

/// Byte soup made of RESP's own tokens, which reaches far deeper into the decoders than uniform
/// random bytes do.
fn tokens() -> impl Strategy<Value = Vec<u8>> {
    let pieces: Vec<&'static [u8]> = vec![
        b"*",
        b"$",
        b"%",
        b"~",
        b">",
        b"|",
        b"_",
        b",",
        b"#",
        b"(",
        b"=",
        b"!",
        b"+",
        b"-",
        b":",
        b"\r\n",
        b"\r",
        b"\n",
        b"0",
        b"1",
        b"2",
        b"3",
        b"-1",
        b"10",
        b"-10",
        b"99999999999999999999",
        b"inf",
        b"nan",
        b"1.5",
        b"t",
        b"f",
        b"txt:",
        b"\"",
        b"'",
        b"\\x4",
        b"\\",
        b" ",
        b"\0",
        b"abc",
    ];
    prop::collection::vec(prop::sample::select(pieces), 0..64).prop_map(|p| p.concat())
}

fn input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..256), tokens()]
}

fn all_limits() -> [Limits; 3] {
    let tiny = Limits {
        max_bulk_len: 4,
        max_array_len: 2,
        max_inline_len: 8,
        max_depth: 2,
    };
    [Limits::default(), Limits::unauthenticated(), tiny]
}

/// Decodes everything in `input` at once, checking the `Ok(None)` contract on the way.
fn at_once<T>(
    input: &[u8],
    untouched_when_incomplete: bool,
    mut decode: impl FnMut(&mut BytesMut) -> Result<Option<T>, DecodeError>,
) -> (Vec<T>, Option<DecodeError>) {
    let mut buf = BytesMut::from(input);
    let mut out = Vec::new();
    loop {
        let before = buf.clone();
        match decode(&mut buf) {
            Ok(Some(value)) => {
                assert!(
                    buf.len() < before.len(),
                    "a decoded value must consume input"
                );
                out.push(value);
            }
            Ok(None) => {
                if untouched_when_incomplete {
                    assert_eq!(buf, before, "Ok(None) must leave the buffer untouched");
                }
                return (out, None);
            }
            Err(e) => return (out, Some(e)),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn decode_command_never_panics_and_ignores_chunking(input in input(), cuts in cuts()) {
        for limits in all_limits() {
            // decode_command may consume skipped empty requests before answering Ok(None).
            let whole = at_once(&input, false, |buf| decode_command(buf, &limits));
            let (chunked, error, _) = feed(&input, &cuts, |buf| decode_command(buf, &limits));
            // The inline and header limits depend on how much is buffered, as in Redis; the
            // inputs here stay below the default ones.
            if limits.max_inline_len >= input.len() {
                prop_assert_eq!((chunked, error), whole);
            }
        }
    }

    #[test]
    fn decode_frame_never_panics_and_ignores_chunking(input in input(), cuts in cuts()) {
        for limits in all_limits() {
            let whole = at_once(&input, true, |buf| decode_frame(buf, &limits));
            let (chunked, error, _) = feed(&input, &cuts, |buf| decode_frame(buf, &limits));
            if limits.max_inline_len >= input.len() {
                prop_assert_eq!(format!("{:?}", (chunked, error)), format!("{:?}", whole));
            }
        }
    }
}
