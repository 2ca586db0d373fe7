//! Fuzz target: arbitrary bytes through `decode_command` and `decode_frame`, with the default and
//! the unauthenticated limits, decoding until the input runs out or is refused.

#![no_main]

use bytes::BytesMut;
use kuber_protocol::{Limits, ProtocolVersion, decode_command, decode_frame, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for limits in [Limits::default(), Limits::unauthenticated()] {
        commands(data, &limits);
        frames(data, &limits);
    }
});

fn commands(data: &[u8], limits: &Limits) {
    let mut buf = BytesMut::from(data);
    loop {
        let before = buf.len();
        match decode_command(&mut buf, limits) {
            Ok(Some(args)) => {
                assert!(buf.len() < before, "a request must consume input");
                assert!(!args.is_empty(), "empty requests are skipped");
            }
            Ok(None) | Err(_) => break,
        }
    }
}

fn frames(data: &[u8], limits: &Limits) {
    let mut buf = BytesMut::from(data);
    loop {
        let before = buf.clone();
        match decode_frame(&mut buf, limits) {
            Ok(Some(frame)) => {
                assert!(buf.len() < before.len(), "a frame must consume input");
                // Whatever was decoded must encode to something that decodes again, in both
                // versions (attributes are gone, so it is no deeper than what was accepted).
                for version in [ProtocolVersion::Resp2, ProtocolVersion::Resp3] {
                    let mut wire = BytesMut::new();
                    encode(&frame, version, &mut wire);
                    let relaxed = Limits {
                        max_bulk_len: usize::MAX,
                        max_array_len: usize::MAX,
                        ..*limits
                    };
                    assert!(
                        matches!(decode_frame(&mut wire, &relaxed), Ok(Some(_))),
                        "{frame:?}"
                    );
                    assert!(wire.is_empty(), "one frame encodes to one frame");
                }
            }
            Ok(None) => {
                assert_eq!(buf, before, "Ok(None) must leave the buffer untouched");
                break;
            }
            Err(_) => break,
        }
    }
}
