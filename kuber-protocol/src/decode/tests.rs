//! Unit tests of `decode_command` and the helpers it shares with `decode_frame`: every accepted
//! form, every error with its exact text, limits.

use bytes::BytesMut;

use super::*;

fn cmd(input: &[u8]) -> Result<Option<Vec<Vec<u8>>>, DecodeError> {
    cmd_with(input, &Limits::default())
}

fn cmd_with(input: &[u8], limits: &Limits) -> Result<Option<Vec<Vec<u8>>>, DecodeError> {
    let mut buf = BytesMut::from(input);
    decode_command(&mut buf, limits)
        .map(|o| o.map(|args| args.iter().map(|a| a.to_vec()).collect()))
}

/// Decodes every request in `input`, which must end at a request boundary.
fn all_cmds(input: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let mut buf = BytesMut::from(input);
    let mut out = Vec::new();
    while let Some(args) = decode_command(&mut buf, &Limits::default()).unwrap() {
        out.push(args.iter().map(|a| a.to_vec()).collect());
    }
    assert!(buf.is_empty(), "left over: {buf:?}");
    out
}

fn words(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|w| w.as_bytes().to_vec()).collect()
}

fn err(input: &[u8]) -> String {
    err_with(input, &Limits::default())
}

fn err_with(input: &[u8], limits: &Limits) -> String {
    cmd_with(input, limits)
        .expect_err("should be refused")
        .to_string()
}

#[test]
fn multibulk() {
    assert_eq!(
        cmd(b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"),
        Ok(Some(words(&["SET", "key", "value"])))
    );
    assert_eq!(cmd(b"*1\r\n$0\r\n\r\n"), Ok(Some(words(&[""]))));
    let binary = b"*1\r\n$4\r\n\r\n\0\xff\r\n";
    assert_eq!(cmd(binary), Ok(Some(vec![b"\r\n\0\xff".to_vec()])));
}

#[test]
fn consumes_exactly_one_request() {
    let mut buf = BytesMut::from(&b"*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI"[..]);
    let args = decode_command(&mut buf, &Limits::default())
        .unwrap()
        .unwrap();
    assert_eq!(args, ["PING"]);
    assert_eq!(&buf[..], b"*1\r\n$4\r\nPI");
    assert_eq!(decode_command(&mut buf, &Limits::default()), Ok(None));
    assert_eq!(&buf[..], b"*1\r\n$4\r\nPI");
}

#[test]
fn many_arguments_spill_past_the_inline_spans() {
    let args: Vec<Vec<u8>> = (0..100).map(|i| format!("arg{i}").into_bytes()).collect();
    let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    let mut out = BytesMut::new();
    crate::encode_command(&refs, &mut out);
    assert_eq!(all_cmds(&out), vec![args]);
}

#[test]
fn arguments_are_slices_of_the_buffer() {
    let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"[..]);
    let range = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.len();
    let args = decode_command(&mut buf, &Limits::default())
        .unwrap()
        .unwrap();
    for arg in args {
        assert!(range.contains(&(arg.as_ptr() as usize)), "copied");
    }
}

#[test]
fn every_prefix_is_incomplete_and_untouched() {
    let full = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    for end in 0..full.len() {
        let mut buf = BytesMut::from(&full[..end]);
        assert_eq!(
            decode_command(&mut buf, &Limits::default()),
            Ok(None),
            "prefix {end}"
        );
        assert_eq!(&buf[..], &full[..end]);
    }
    let inline = b"SET key value\r\n";
    for end in 0..inline.len() {
        let mut buf = BytesMut::from(&inline[..end]);
        assert_eq!(
            decode_command(&mut buf, &Limits::default()),
            Ok(None),
            "prefix {end}"
        );
        assert_eq!(&buf[..], &inline[..end]);
    }
}

#[test]
fn empty_multibulk_requests_are_skipped() {
    for empty in [&b"*0\r\n"[..], b"*-1\r\n", b"*-10\r\n"] {
        let mut buf = BytesMut::from(empty);
        assert_eq!(decode_command(&mut buf, &Limits::default()), Ok(None));
        assert!(buf.is_empty(), "consumed");
        let mut pipelined = empty.to_vec();
        pipelined.extend_from_slice(b"*1\r\n$4\r\nPING\r\n");
        assert_eq!(all_cmds(&pipelined), vec![words(&["PING"])]);
    }
    assert_eq!(
        all_cmds(b"*0\r\nPING\r\n*0\r\n*-1\r\n"),
        vec![words(&["PING"])]
    );
    let mut buf = BytesMut::from(&b"*0\r\n*1\r\n$4\r\nPI"[..]);
    assert_eq!(decode_command(&mut buf, &Limits::default()), Ok(None));
    assert_eq!(&buf[..], b"*1\r\n$4\r\nPI");
}

#[test]
fn inline_requests() {
    assert_eq!(cmd(b"PING\r\n"), Ok(Some(words(&["PING"]))));
    assert_eq!(cmd(b"PING\n"), Ok(Some(words(&["PING"]))));
    assert_eq!(
        cmd(b"set \"a b\" 'x'\r\n"),
        Ok(Some(words(&["set", "a b", "x"])))
    );
    assert_eq!(
        all_cmds(b"\r\n\n   \t\r\nPING\r\n\r\n"),
        vec![words(&["PING"])]
    );
    assert_eq!(
        all_cmds(b"ECHO a\r\n*1\r\n$4\r\nPING\r\nECHO b\n"),
        vec![
            words(&["ECHO", "a"]),
            words(&["PING"]),
            words(&["ECHO", "b"]),
        ]
    );
    // Only one CR before the LF is a line end; another one is a blank inside the line.
    assert_eq!(cmd(b"PING\r\r\n"), Ok(Some(words(&["PING"]))));
}

#[test]
fn inline_errors() {
    assert_eq!(
        err(b"set foo \"b\"a\"r\r\nping\r\n"),
        "Protocol error: unbalanced quotes in request"
    );
    assert_eq!(
        err(b"set foo 'b'a'r\r\n"),
        "Protocol error: unbalanced quotes in request"
    );
    let long = vec![b'A'; 64 * 1024 + 1];
    assert_eq!(err(&long), "Protocol error: too big inline request");
    assert_eq!(
        cmd(&long[1..]),
        Ok(None),
        "exactly at the limit still waits"
    );
    let mut complete = long.clone();
    complete.extend_from_slice(b"\r\n");
    assert_eq!(
        cmd(&complete).unwrap().unwrap().len(),
        1,
        "a complete long line passes, as in Redis"
    );
}

#[test]
fn multibulk_length_errors() {
    for bad in [
        &b"*abc\r\n"[..],
        b"*3000000000\r\n",
        b"*1048577\r\n",
        b"*01\r\n",
        b"*-0\r\n",
        b"*\r\n",
        b"*+1\r\n",
        b"* 1\r\n",
        b"*3x\n$3\r\nSET\r\n",
        b"*3xx$3\r\nSET\r\n",
        b"*99999999999999999999\r\n",
    ] {
        assert_eq!(
            err(bad),
            "Protocol error: invalid multibulk length",
            "{bad:?}"
        );
    }
    assert_eq!(
        cmd(b"*1048576\r\n"),
        Ok(None),
        "the limit itself is accepted"
    );
}

#[test]
fn expected_dollar() {
    assert_eq!(
        err(b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n"),
        "Protocol error: expected '$', got 'f'"
    );
    assert_eq!(
        err(b"*1\r\nfoo\r\n"),
        "Protocol error: expected '$', got 'f'"
    );
    assert_eq!(
        err(b"*1\r\n:1\r\n"),
        "Protocol error: expected '$', got ':'"
    );
    assert_eq!(
        err(b"*1\r\n\r\n"),
        "Protocol error: expected '$', got ' '",
        "CR shown as a space"
    );
    assert_eq!(
        cmd(b"*1\r\nfoo"),
        Ok(None),
        "Redis waits for the whole line before judging it"
    );
}

#[test]
fn bulk_length_errors() {
    for bad in [
        &b"$-10\r\n"[..],
        b"$-1\r\n",
        b"$blabla\r\n",
        b"$2000000000\r\n",
        b"$536870913\r\n",
        b"$01\r\n",
        b"$\r\n",
        b"$3x\nSET\r\n",
        b"$3xxSET\r\n",
    ] {
        let mut input = b"*3\r\n$3\r\nSET\r\n$1\r\nx\r\n".to_vec();
        input.extend_from_slice(bad);
        assert_eq!(
            err(&input),
            "Protocol error: invalid bulk length",
            "{bad:?}"
        );
    }
}

#[test]
fn invalid_crlf() {
    let cases: [&[u8]; 7] = [
        b"*3\rx$3\r\nSET\r\n",
        b"*3\r\n$3\rxSET\r\n",
        b"*3\r\n$3\r\nSET\rx$3\r\n",
        b"*3\r\n$3\r\nSETx\n$3\r\n",
        b"*3\r\n$3\r\nSETxx$3\r\n",
        b"*1\r\n$5\r\nvaluex\n",
        b"*1\r\n$5\r\nvalue\rx",
    ];
    for bad in cases {
        assert_eq!(
            err(bad),
            "Protocol error: invalid CRLF in request",
            "{bad:?}"
        );
    }
}

#[test]
fn too_big_count_strings() {
    let mut mbulk = vec![b'*'];
    mbulk.resize(64 * 1024 + 2, b'1');
    assert_eq!(err(&mbulk), "Protocol error: too big mbulk count string");
    assert_eq!(cmd(&mbulk[..64 * 1024]), Ok(None));

    let mut bulk = b"*1\r\n$".to_vec();
    bulk.resize(4 + 64 * 1024 + 1, b'1');
    assert_eq!(err(&bulk), "Protocol error: too big bulk count string");
    assert_eq!(cmd(&bulk[..bulk.len() - 1]), Ok(None));
}

#[test]
fn protocol_desync_regressions() {
    // Redis's "Protocol desync regression test": each prefix followed by 64 KiB of junk.
    let cases: [(&[u8], &str); 4] = [
        (b"\x00", "Protocol error: too big inline request"),
        (b"*\x00", "Protocol error: too big mbulk count string"),
        (b"$\x00", "Protocol error: too big inline request"),
        (b"*1\r\n$\x00", "Protocol error: too big bulk count string"),
    ];
    for (prefix, expected) in cases {
        let mut input = prefix.to_vec();
        input.resize(prefix.len() + 65 * 1024, b'A');
        assert_eq!(err(&input), expected, "{prefix:?}");
    }
}

#[test]
fn unauthenticated_limits() {
    let limits = Limits::unauthenticated();
    assert_eq!(
        err_with(b"*11\r\n", &limits),
        "Protocol error: invalid multibulk length"
    );
    assert_eq!(cmd_with(b"*10\r\n", &limits), Ok(None));
    assert_eq!(
        err_with(b"*1\r\n$16385\r\n", &limits),
        "Protocol error: invalid bulk length"
    );
    assert_eq!(cmd_with(b"*1\r\n$16384\r\n", &limits), Ok(None));
    assert_eq!(limits.max_inline_len, 64 * 1024);
    assert_eq!(limits.max_depth, 128);
}

#[test]
fn huge_bulk_header_allocates_nothing() {
    let limits = Limits {
        max_bulk_len: 2 << 30,
        ..Limits::default()
    };
    let mut buf = BytesMut::with_capacity(64);
    buf.extend_from_slice(b"*1\r\n$1073741824\r\n");
    let before = (buf.capacity(), buf.len());
    assert_eq!(decode_command(&mut buf, &limits), Ok(None));
    assert_eq!((buf.capacity(), buf.len()), before);

    // The same through decode_frame, and with the default limit of 512 MiB.
    let mut buf = BytesMut::with_capacity(64);
    buf.extend_from_slice(b"$1073741824\r\n");
    let before = (buf.capacity(), buf.len());
    assert_eq!(decode_frame(&mut buf, &limits), Ok(None));
    assert_eq!((buf.capacity(), buf.len()), before);
    assert_eq!(cmd(b"*1\r\n$536870912\r\nab"), Ok(None));
    assert_eq!(
        err(b"*1\r\n$1073741824\r\n"),
        "Protocol error: invalid bulk length"
    );
}

#[test]
fn nested_arrays_are_not_commands() {
    let nested = b"*1\r\n".repeat(100_000);
    assert_eq!(err(&nested), "Protocol error: expected '$', got '*'");
}

#[test]
fn parse_i64_mirrors_string2ll() {
    assert_eq!(parse_i64(b"0"), Some(0));
    assert_eq!(parse_i64(b"-1"), Some(-1));
    assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
    assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
    for bad in [
        &b""[..],
        b"-",
        b"-0",
        b"00",
        b"01",
        b"+1",
        b" 1",
        b"1 ",
        b"9223372036854775808",
        b"-9223372036854775809",
        b"18446744073709551616",
        b"1a",
    ] {
        assert_eq!(parse_i64(bad), None, "{bad:?}");
    }
}
