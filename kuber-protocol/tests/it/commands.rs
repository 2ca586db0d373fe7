//! Pipelined client commands, encoded as multibulk requests or as quoted inline lines, come out of
//! `decode_command` unchanged however the bytes are split into reads.

use bytes::BytesMut;
use kuber_protocol::{Limits, decode_command, encode_command, split_inline};
use proptest::prelude::*;

use crate::support::{cuts, feed};

fn arg() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => prop::collection::vec(any::<u8>(), 0..12),
        1 => prop::collection::vec(any::<u8>(), 0..3000),
    ]
}

/// A command and whether to send it inline instead of as a multibulk request.
fn command() -> impl Strategy<Value = (Vec<Vec<u8>>, bool)> {
    (prop::collection::vec(arg(), 0..6), any::<bool>())
}

/// The argument double-quoted the way redis-cli's `sdscatrepr` would, which `split_inline` must
/// read back exactly.
fn quoted(arg: &[u8]) -> Vec<u8> {
    let mut out = vec![b'"'];
    for &c in arg {
        match c {
            b'\\' | b'"' => out.extend_from_slice(&[b'\\', c]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(c),
            _ => out.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
        }
    }
    out.push(b'"');
    out
}

fn inline(args: &[Vec<u8>]) -> Vec<u8> {
    let mut line = args
        .iter()
        .map(|a| quoted(a))
        .collect::<Vec<_>>()
        .join(&b' ');
    line.extend_from_slice(b"\r\n");
    line
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn pipelined_commands_survive_any_chunking(
        commands in prop::collection::vec(command(), 1..6),
        cuts in cuts(),
    ) {
        let mut wire = BytesMut::new();
        for (args, as_inline) in &commands {
            if *as_inline {
                wire.extend_from_slice(&inline(args));
            } else {
                let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                encode_command(&refs, &mut wire);
            }
        }
        let limits = Limits::default();
        let (decoded, error, rest) = feed(&wire, &cuts, |buf| decode_command(buf, &limits));
        prop_assert_eq!(error, None);
        prop_assert!(rest.is_empty(), "left over: {:?}", rest);
        let decoded: Vec<Vec<Vec<u8>>> =
            decoded.iter().map(|args| args.iter().map(|a| a.to_vec()).collect()).collect();
        // Empty commands (`*0`, blank lines) are skipped, as Redis does.
        let expected: Vec<Vec<Vec<u8>>> =
            commands.into_iter().map(|(args, _)| args).filter(|args| !args.is_empty()).collect();
        prop_assert_eq!(decoded, expected);
    }

    #[test]
    fn quoted_arguments_split_back(args in prop::collection::vec(arg(), 0..6)) {
        let line = inline(&args);
        let split = split_inline(&line[..line.len() - 2]).unwrap();
        prop_assert_eq!(split.iter().map(|a| a.to_vec()).collect::<Vec<_>>(), args);
    }

    #[test]
    fn plain_words_split_on_whitespace(words in prop::collection::vec("[a-zA-Z0-9_:.-]{1,8}", 0..6), blanks in "[ \t]{1,3}") {
        let line = words.join(&blanks);
        let split = split_inline(line.as_bytes()).unwrap();
        prop_assert_eq!(split.iter().map(|a| a.to_vec()).collect::<Vec<_>>(),
            words.iter().map(|w| w.as_bytes().to_vec()).collect::<Vec<_>>());
    }
}
