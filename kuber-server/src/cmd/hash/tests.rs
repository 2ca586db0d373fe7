//! Tests of hash commands, through the dispatcher with exact reply bytes.

use std::collections::HashSet;

use bytes::Bytes;

use super::{format_ld, parse_ld, scan_position};
use crate::auth::Role;
use crate::cmd::args::scan_cursor as parse_cursor;
use crate::cmd::testing::{TestClient, server};

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// Splits a RESP2 reply of bulk strings and arrays into its bulk payloads (test fields are
/// plain text without CR/LF).
fn bulks(reply: &str) -> Vec<String> {
    let lines: Vec<&str> = reply.split("\r\n").collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].starts_with('$') && lines[i] != "$-1" {
            out.push(lines[i + 1].to_string());
            i += 2;
        } else {
            i += 1;
        }
    }
    out
}

async fn fill(c: &mut TestClient, key: &str, n: usize) {
    let mut args = vec![Bytes::from("HSET"), Bytes::from(key.to_string())];
    for i in 0..n {
        args.push(Bytes::from(format!("f{i}")));
        args.push(Bytes::from(format!("v{i}")));
    }
    assert_eq!(c.run_args(args).await, format!(":{n}\r\n"));
}

#[tokio::test]
async fn set_get_and_friends() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("HSET h a 1 b 2").await, ":2\r\n");
    assert_eq!(
        c.run("HSET h a 1 b").await,
        "-ERR wrong number of arguments for 'hset' command\r\n"
    );
    assert_eq!(c.run("HSET h a 3 c 4 c 5").await, ":1\r\n");
    assert_eq!(c.run("HMSET h x 1").await, "+OK\r\n");
    assert_eq!(
        c.run("HMSET h x").await,
        "-ERR wrong number of arguments for 'hmset' command\r\n"
    );
    assert_eq!(
        c.run("HMSET h").await,
        "-ERR wrong number of arguments for 'hmset' command\r\n"
    );
    assert_eq!(c.run("HSETNX h a 9").await, ":0\r\n");
    assert_eq!(c.run("HSETNX h z 9").await, ":1\r\n");
    assert_eq!(c.run("HSETNX fresh z 9").await, ":1\r\n");
    assert_eq!(c.run("HGET h a").await, "$1\r\n3\r\n");
    assert_eq!(c.run("HGET h c").await, "$1\r\n5\r\n");
    assert_eq!(c.run("HGET h nope").await, "$-1\r\n");
    assert_eq!(c.run("HGET nokey a").await, "$-1\r\n");
    assert_eq!(
        c.run("HMGET h a nope c").await,
        "*3\r\n$1\r\n3\r\n$-1\r\n$1\r\n5\r\n"
    );
    assert_eq!(c.run("HMGET nokey a b").await, "*2\r\n$-1\r\n$-1\r\n");
    assert_eq!(c.run("HLEN h").await, ":5\r\n");
    assert_eq!(c.run("HLEN nokey").await, ":0\r\n");
    assert_eq!(c.run("HSTRLEN h a").await, ":1\r\n");
    assert_eq!(c.run("HSET h long \"hello world\"").await, ":1\r\n");
    assert_eq!(c.run("HSTRLEN h long").await, ":11\r\n");
    assert_eq!(c.run("HSTRLEN h nope").await, ":0\r\n");
    assert_eq!(c.run("HSTRLEN nokey a").await, ":0\r\n");
    assert_eq!(c.run("HEXISTS h a").await, ":1\r\n");
    assert_eq!(c.run("HEXISTS h q").await, ":0\r\n");
    assert_eq!(c.run("HEXISTS nokey q").await, ":0\r\n");
    assert_eq!(c.run("TYPE h").await, "+hash\r\n");
    assert_eq!(
        c.run("HGET h").await,
        "-ERR wrong number of arguments for 'hget' command\r\n"
    );
    // Binary-safe fields and values.
    assert_eq!(
        c.run_args(vec![
            "HSET".into(),
            "bin".into(),
            Bytes::from_static(b"\0\r\n"),
            Bytes::from_static(b"\xff")
        ])
        .await,
        ":1\r\n"
    );
    assert_eq!(
        c.run_args(vec![
            "HGET".into(),
            "bin".into(),
            Bytes::from_static(b"\0\r\n")
        ])
        .await,
        "$1\r\n\u{fffd}\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn whole_hash_replies() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("HGETALL nokey").await, "*0\r\n");
    assert_eq!(c.run("HKEYS nokey").await, "*0\r\n");
    assert_eq!(c.run("HVALS nokey").await, "*0\r\n");
    assert_eq!(c.run("HSET one a 1").await, ":1\r\n");
    assert_eq!(c.run("HGETALL one").await, "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    assert_eq!(c.run("HKEYS one").await, "*1\r\n$1\r\na\r\n");
    assert_eq!(c.run("HVALS one").await, "*1\r\n$1\r\n1\r\n");
    c.run("HSET two a 1 b 2").await;
    let all = c.run("HGETALL two").await;
    assert!(
        all == "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
            || all == "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n",
        "{all}"
    );
    let keys: HashSet<String> = bulks(&c.run("HKEYS two").await).into_iter().collect();
    assert_eq!(keys, HashSet::from(["a".to_string(), "b".to_string()]));
    let vals: HashSet<String> = bulks(&c.run("HVALS two").await).into_iter().collect();
    assert_eq!(vals, HashSet::from(["1".to_string(), "2".to_string()]));
    c.resp3();
    assert_eq!(c.run("HGETALL one").await, "%1\r\n$1\r\na\r\n$1\r\n1\r\n");
    assert_eq!(c.run("HGETALL nokey").await, "%0\r\n");
    assert_eq!(c.run("HKEYS one").await, "*1\r\n$1\r\na\r\n");
    assert_eq!(c.run("HVALS nokey").await, "*0\r\n");
    assert_eq!(c.run("HGET one b").await, "_\r\n");
    assert_eq!(c.run("HMGET one a b").await, "*2\r\n$1\r\n1\r\n_\r\n");
}

#[tokio::test]
async fn every_command_refuses_other_types() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("SET s v").await;
    for cmd in [
        "HSET s a b",
        "HMSET s a b",
        "HSETNX s a b",
        "HGET s a",
        "HMGET s a",
        "HGETALL s",
        "HDEL s a",
        "HEXISTS s a",
        "HKEYS s",
        "HVALS s",
        "HLEN s",
        "HSTRLEN s a",
        "HINCRBY s a 1",
        "HINCRBYFLOAT s a 1",
        "HRANDFIELD s",
        "HRANDFIELD s 0",
        "HRANDFIELD s -3 WITHVALUES",
        "HSCAN s 0",
        "HSCAN s 0 BAD",
    ] {
        assert_eq!(c.run(cmd).await, WRONGTYPE, "{cmd}");
    }
    assert_eq!(c.run("GET s").await, "$1\r\nv\r\n");
    c.run("HSET h a 1").await;
    assert_eq!(c.run("GET h").await, WRONGTYPE);
}

#[tokio::test]
async fn hdel_removes_fields_and_empty_keys() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("HDEL nokey a").await, ":0\r\n");
    assert_eq!(c.run("EXISTS nokey").await, ":0\r\n");
    c.run("HSET h a 1 b 2 c 3").await;
    assert_eq!(c.run("HDEL h a nope a").await, ":1\r\n");
    s.assert_memory_consistent();
    assert_eq!(c.run("HLEN h").await, ":2\r\n");
    assert_eq!(c.run("HDEL h b c").await, ":2\r\n");
    assert_eq!(c.run("EXISTS h").await, ":0\r\n");
    assert_eq!(c.run("HLEN h").await, ":0\r\n");
    s.assert_memory_consistent();
    assert_eq!(s.state.store.default_region().lock().memory(), 0);
    // Commands that fail never leave an empty hash behind.
    assert_eq!(
        c.run("HINCRBY n f x").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(c.run("EXISTS n").await, ":0\r\n");
}

#[tokio::test]
async fn hincrby() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("HINCRBY h n 5").await, ":5\r\n");
    assert_eq!(c.run("HINCRBY h n -7").await, ":-2\r\n");
    assert_eq!(c.run("HGET h n").await, "$2\r\n-2\r\n");
    assert_eq!(
        c.run("HINCRBY h n x").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.run("HINCRBY h n 1.5").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.run("HINCRBY h n 9223372036854775808").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    c.run("HSET h max 9223372036854775807 min -9223372036854775808 t abc sp \" 1\" plus +1 zero 01 e \"\"").await;
    assert_eq!(
        c.run("HINCRBY h max 1").await,
        "-ERR increment or decrement would overflow\r\n"
    );
    assert_eq!(
        c.run("HINCRBY h min -1").await,
        "-ERR increment or decrement would overflow\r\n"
    );
    assert_eq!(c.run("HINCRBY h max -1").await, ":9223372036854775806\r\n");
    for field in ["t", "sp", "plus", "zero", "e"] {
        assert_eq!(
            c.run(&format!("HINCRBY h {field} 1")).await,
            "-ERR hash value is not an integer\r\n",
            "{field}"
        );
    }
    s.assert_memory_consistent();
}

#[tokio::test]
async fn hincrbyfloat() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("HINCRBYFLOAT h f 10.50").await, "$4\r\n10.5\r\n");
    assert_eq!(c.run("HINCRBYFLOAT h f 0.1").await, "$4\r\n10.6\r\n");
    assert_eq!(c.run("HINCRBYFLOAT h f -0.6").await, "$2\r\n10\r\n");
    assert_eq!(c.run("HGET h f").await, "$2\r\n10\r\n");
    assert_eq!(c.run("HINCRBYFLOAT h g 5.0e3").await, "$4\r\n5000\r\n");
    assert_eq!(c.run("HINCRBYFLOAT h g 2.0E2").await, "$4\r\n5200\r\n");
    assert_eq!(c.run("HINCRBYFLOAT h x 0x1p3").await, "$1\r\n8\r\n");
    assert_eq!(c.run("HINCRBYFLOAT h x 0x.8").await, "$3\r\n8.5\r\n");
    assert_eq!(
        c.run("HINCRBYFLOAT h tiny 0.00000000000000000001").await,
        "$1\r\n0\r\n"
    );
    assert_eq!(
        c.run("HINCRBYFLOAT h t2 0.000000000000001234567").await,
        "$19\r\n0.00000000000000123\r\n"
    );
    assert_eq!(
        c.run("HINCRBYFLOAT h t3 -0.00000000000000000001").await,
        "$1\r\n0\r\n"
    );
    assert_eq!(
        c.run("HINCRBYFLOAT h f nan").await,
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(
        c.run("HINCRBYFLOAT h f inf").await,
        "-ERR value is NaN or Infinity\r\n"
    );
    assert_eq!(
        c.run("HINCRBYFLOAT h f -Infinity").await,
        "-ERR value is NaN or Infinity\r\n"
    );
    for bad in [
        "0.2x", "\"\"", "\" 1\"", "\"1 \"", "+-1", "0x", "0x1p", "1e5000",
    ] {
        assert_eq!(
            c.run(&format!("HINCRBYFLOAT h f {bad}")).await,
            "-ERR value is not a valid float\r\n",
            "{bad}"
        );
    }
    c.run("HSET h i inf s abc e \"\" sp \" 1\" n nan hex 0x10 plus +1 big 1.7e308")
        .await;
    assert_eq!(
        c.run("HINCRBYFLOAT h i 1").await,
        "-ERR increment would produce NaN or Infinity\r\n"
    );
    assert_eq!(
        c.run("HINCRBYFLOAT h big 1.7e308").await,
        "-ERR increment would produce NaN or Infinity\r\n"
    );
    for field in ["s", "e", "sp", "n"] {
        assert_eq!(
            c.run(&format!("HINCRBYFLOAT h {field} 1")).await,
            "-ERR hash value is not a float\r\n",
            "{field}"
        );
    }
    assert_eq!(c.run("HINCRBYFLOAT h hex 1").await, "$2\r\n17\r\n");
    assert_eq!(c.run("HINCRBYFLOAT h plus 1").await, "$1\r\n2\r\n");
    assert_eq!(
        c.run("HINCRBYFLOAT nokey f x").await,
        "-ERR value is not a valid float\r\n"
    );
    assert_eq!(c.run("EXISTS nokey").await, ":0\r\n");
    s.assert_memory_consistent();
}

#[test]
fn float_parsing_and_formatting_follow_strtold_and_ld2string() {
    assert_eq!(parse_ld(b"1.5"), Some(1.5));
    assert_eq!(parse_ld(b".5"), Some(0.5));
    assert_eq!(parse_ld(b"5."), Some(5.0));
    assert_eq!(parse_ld(b"-0X1P-1"), Some(-0.5));
    assert_eq!(parse_ld(b"0xA.8p+1"), Some(21.0));
    assert_eq!(parse_ld(b"inf"), Some(f64::INFINITY));
    assert_eq!(parse_ld(b"-INFINITY"), Some(f64::NEG_INFINITY));
    for bad in [
        &b""[..],
        b"nan",
        b"-nan",
        b" 1",
        b"\x0b1",
        b"1 ",
        b"1e",
        b"0x",
        b"0xg",
        b"0x1p",
        b"0x1p+",
        b"--1",
        b"1e400",
        b"infin",
    ] {
        assert_eq!(parse_ld(bad), None, "{bad:?}");
    }
    assert_eq!(format_ld(3.0), "3");
    assert_eq!(format_ld(-2.5), "-2.5");
    assert_eq!(format_ld(1e-20), "0");
    assert_eq!(format_ld(-1e-20), "0");
    assert_eq!(format_ld(1.5e-17), "0.00000000000000002");
    assert_eq!(format_ld(1e300).len(), 301);
}

#[tokio::test]
async fn hrandfield_without_count() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("HRANDFIELD nokey").await, "$-1\r\n");
    c.run("HSET one a 1").await;
    assert_eq!(c.run("HRANDFIELD one").await, "$1\r\na\r\n");
    c.run("HSET h a 1 b 2 c 3").await;
    let seen: HashSet<String> = distinct_replies(&mut c, "HRANDFIELD h", 200).await;
    assert_eq!(
        seen,
        HashSet::from([
            "$1\r\na\r\n".into(),
            "$1\r\nb\r\n".into(),
            "$1\r\nc\r\n".into()
        ])
    );
    c.resp3();
    assert_eq!(c.run("HRANDFIELD nokey").await, "_\r\n");
}

async fn distinct_replies(c: &mut TestClient, cmd: &str, times: usize) -> HashSet<String> {
    let mut seen = HashSet::new();
    for _ in 0..times {
        seen.insert(c.run(cmd).await);
    }
    seen
}

#[tokio::test]
async fn hrandfield_with_count() {
    let s = server();
    let mut c = s.client(Role::User);
    // Argument errors come before the key is looked at, in Redis's order.
    assert_eq!(
        c.run("HRANDFIELD nokey x").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.run("HRANDFIELD nokey 1 foo").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("HRANDFIELD nokey 1 WITHVALUES extra").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("HRANDFIELD nokey -9223372036854775808").await,
        "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"
    );
    assert_eq!(
        c.run("HRANDFIELD nokey 4611686018427387904 WITHVALUES")
            .await,
        "-ERR value is out of range\r\n"
    );
    assert_eq!(
        c.run("HRANDFIELD nokey -4611686018427387904 WITHVALUES")
            .await,
        "-ERR value is out of range\r\n"
    );
    assert_eq!(
        c.run("HRANDFIELD nokey 4611686018427387903 WITHVALUES")
            .await,
        "*0\r\n"
    );
    assert_eq!(
        c.run("HRANDFIELD nokey -9223372036854775807 WITHVALUES")
            .await,
        "-ERR value is out of range\r\n"
    );
    assert_eq!(
        c.run("HRANDFIELD nokey -9223372036854775807").await,
        "*0\r\n"
    );
    assert_eq!(c.run("HRANDFIELD nokey 5").await, "*0\r\n");
    assert_eq!(c.run("HRANDFIELD nokey -5 withvalues").await, "*0\r\n");
    assert_eq!(c.run("HRANDFIELD nokey 0").await, "*0\r\n");
    c.run("HSET one a 1").await;
    assert_eq!(c.run("HRANDFIELD one 0").await, "*0\r\n");
    assert_eq!(
        c.run("HRANDFIELD one 5 WITHVALUES").await,
        "*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(c.run("HRANDFIELD one 1").await, "*1\r\n$1\r\na\r\n");
    assert_eq!(
        c.run("HRANDFIELD one -3").await,
        "*3\r\n$1\r\na\r\n$1\r\na\r\n$1\r\na\r\n"
    );
    assert_eq!(
        c.run("HRANDFIELD one -2 WITHVALUES").await,
        "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    // Kuber's bound on repeats (Redis 7.0 would try to build the reply).
    assert_eq!(
        c.run("HRANDFIELD one -9223372036854775807").await,
        "-ERR value is out of range\r\n"
    );
    assert_eq!(
        c.run("HRANDFIELD one -1048577").await,
        "-ERR value is out of range\r\n"
    );
    assert_eq!(
        bulks(&c.run("HRANDFIELD one -1048576").await).len(),
        1 << 20
    );
    fill(&mut c, "h", 20).await;
    for _ in 0..20 {
        let fields = bulks(&c.run("HRANDFIELD h 7").await);
        assert_eq!(fields.len(), 7);
        assert_eq!(
            fields.iter().collect::<HashSet<_>>().len(),
            7,
            "positive counts are distinct"
        );
        let pairs = bulks(&c.run("HRANDFIELD h 5 WITHVALUES").await);
        assert_eq!(pairs.len(), 10);
        for pair in pairs.chunks(2) {
            assert_eq!(pair[1], pair[0].replace('f', "v"));
        }
    }
    assert_eq!(bulks(&c.run("HRANDFIELD h 25").await).len(), 20);
    let repeats = bulks(&c.run("HRANDFIELD h -100").await);
    assert_eq!(repeats.len(), 100);
    assert!(repeats.iter().collect::<HashSet<_>>().len() < 100);
    c.resp3();
    assert_eq!(
        c.run("HRANDFIELD one 3 WITHVALUES").await,
        "*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        c.run("HRANDFIELD one -2 WITHVALUES").await,
        "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        c.run("HRANDFIELD one -2").await,
        "*2\r\n$1\r\na\r\n$1\r\na\r\n"
    );
}

#[tokio::test]
async fn hscan_small_hashes_come_whole() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("HSCAN nokey x").await, "-ERR invalid cursor\r\n");
    // A missing key answers an empty scan before the options are read, as in Redis.
    assert_eq!(c.run("HSCAN nokey 0").await, "*2\r\n$1\r\n0\r\n*0\r\n");
    assert_eq!(
        c.run("HSCAN nokey 0 BAD opt").await,
        "*2\r\n$1\r\n0\r\n*0\r\n"
    );
    c.run("HSET one a 1").await;
    let whole = "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n";
    assert_eq!(c.run("HSCAN one 0").await, whole);
    assert_eq!(c.run("HSCAN one 12345").await, whole);
    assert_eq!(c.run("HSCAN one -1").await, whole);
    assert_eq!(c.run("HSCAN one +5").await, whole);
    assert_eq!(c.run("HSCAN one \"\"").await, whole);
    assert_eq!(c.run("HSCAN one 0 count 5 match a").await, whole);
    assert_eq!(c.run("HSCAN one 0 MATCH *").await, whole);
    assert_eq!(
        c.run("HSCAN one 0 MATCH b*").await,
        "*2\r\n$1\r\n0\r\n*0\r\n"
    );
    assert_eq!(
        c.run("HSCAN one 18446744073709551616").await,
        "-ERR invalid cursor\r\n"
    );
    assert_eq!(c.run("HSCAN one \" 1\"").await, "-ERR invalid cursor\r\n");
    assert_eq!(c.run("HSCAN one 0x1").await, "-ERR invalid cursor\r\n");
    assert_eq!(c.run("HSCAN one 0 COUNT 0").await, "-ERR syntax error\r\n");
    assert_eq!(c.run("HSCAN one 0 COUNT -1").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("HSCAN one 0 COUNT x").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.run("HSCAN one 0 COUNT x BAD").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(c.run("HSCAN one 0 BAD").await, "-ERR syntax error\r\n");
    assert_eq!(c.run("HSCAN one 0 MATCH").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("HSCAN one 0 TYPE hash").await,
        "-ERR syntax error\r\n"
    );
    fill(&mut c, "h", 128).await;
    let reply = c.run("HSCAN h 0 COUNT 1").await;
    assert!(reply.starts_with("*2\r\n$1\r\n0\r\n*256\r\n"), "{reply}");
    let fields = bulks(&c.run("HSCAN h 0 MATCH f1?").await);
    assert_eq!(fields.len(), 1 + 20, "cursor, then f10..f19 with values");
}

#[test]
fn cursors_parse_like_strtoul() {
    assert_eq!(parse_cursor(b"0"), Some(0));
    assert_eq!(parse_cursor(b""), Some(0));
    assert_eq!(parse_cursor(b"-0"), Some(0));
    assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
    assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
    for bad in [
        &b"-"[..],
        b"+",
        b" 1",
        b"1 ",
        b"18446744073709551616",
        b"1.0",
        b"x",
    ] {
        assert_eq!(parse_cursor(bad), None, "{bad:?}");
    }
    assert_ne!(scan_position(b"a"), scan_position(b"b"));
    assert_eq!(scan_position(b"field"), scan_position(b"field"));
}

/// Runs a full HSCAN, calling `between` after each step; returns every field seen.
async fn full_scan(
    c: &mut TestClient,
    extra: &str,
    mut between: impl AsyncStep,
) -> (Vec<String>, usize) {
    let mut cursor = "0".to_string();
    let mut seen = Vec::new();
    let mut calls = 0;
    loop {
        let items = bulks(&c.run(&format!("HSCAN big {cursor} {extra}")).await);
        calls += 1;
        cursor = items[0].clone();
        seen.extend(items[1..].chunks(2).map(|p| p[0].clone()));
        if cursor == "0" {
            return (seen, calls);
        }
        between.step(c, calls).await;
    }
}

trait AsyncStep {
    async fn step(&mut self, c: &mut TestClient, call: usize);
}

struct Idle;
impl AsyncStep for Idle {
    async fn step(&mut self, _: &mut TestClient, _: usize) {}
}

/// Deletes odd fields below 500 and adds new fields while the scan runs.
struct Churn;
impl AsyncStep for Churn {
    async fn step(&mut self, c: &mut TestClient, call: usize) {
        c.run(&format!("HDEL big f{}", call * 2 + 1)).await;
        c.run(&format!("HSET big new{call} x")).await;
    }
}

#[tokio::test]
async fn hscan_large_hashes_page_without_missing_fields() {
    let s = server();
    let mut c = s.client(Role::User);
    fill(&mut c, "big", 1000).await;
    let (seen, calls) = full_scan(&mut c, "COUNT 37", Idle).await;
    assert_eq!(seen.len(), 1000, "each field exactly once");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 1000);
    assert!(calls >= 1000 / 37, "{calls} calls");
    let (seen, calls) = full_scan(&mut c, "", Idle).await;
    assert_eq!((seen.len(), calls), (1000, 100), "default COUNT is 10");
    let (seen, _) = full_scan(&mut c, "COUNT 1000", Idle).await;
    assert_eq!(seen.len(), 1000);
    let (seen, _) = full_scan(&mut c, "MATCH f99* COUNT 50", Idle).await;
    let expected: HashSet<String> = ["f99".to_string()]
        .into_iter()
        .chain((990..1000).map(|i| format!("f{i}")))
        .collect();
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), expected);
    // Fields that exist for the whole scan are all returned despite deletions and growth.
    let (seen, calls) = full_scan(&mut c, "COUNT 20", Churn).await;
    let seen: HashSet<String> = seen.into_iter().collect();
    let deleted: HashSet<String> = (1..=calls)
        .map(|call| format!("f{}", call * 2 + 1))
        .collect();
    for i in 0..1000 {
        let field = format!("f{i}");
        assert!(
            deleted.contains(&field) || seen.contains(&field),
            "missed {field}"
        );
    }
    assert_eq!(c.run("HSCAN big 0 COUNT 0").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("HSCAN big 18446744073709551615 COUNT 5")
            .await
            .split("\r\n")
            .nth(2),
        Some("0")
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn memory_and_ttl_bookkeeping() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("HSET h a 1 b 2").await;
    s.assert_memory_consistent();
    c.run("HSET h a longer-value-than-before").await;
    s.assert_memory_consistent();
    c.run("HSET h a x").await;
    c.run("HMSET h c 3 d 4").await;
    c.run("HSETNX h e 5").await;
    c.run("HINCRBY h n 1000000").await;
    c.run("HINCRBYFLOAT h n 0.25").await;
    c.run("HDEL h b c").await;
    s.assert_memory_consistent();
    // In-place writes keep the key's TTL.
    assert_eq!(c.run("EXPIRE h 100").await, ":1\r\n");
    c.run("HSET h z 1").await;
    c.run("HDEL h z").await;
    assert_eq!(c.run("TTL h").await, ":100\r\n");
    s.clock.advance(100_000);
    assert_eq!(c.run("HGET h a").await, "$-1\r\n");
    assert_eq!(c.run("HSET h a 1").await, ":1\r\n");
    assert_eq!(c.run("TTL h").await, ":-1\r\n");
    s.assert_memory_consistent();
    // New hashes take the region's default TTL.
    assert_eq!(c.run("RCREATE sessions \"\" TTL 30").await, "+OK\r\n");
    assert_eq!(c.run("RSELECT sessions").await, "+OK\r\n");
    assert_eq!(c.run("HINCRBY counters n 1").await, ":1\r\n");
    assert_eq!(c.run("TTL counters").await, ":30\r\n");
}

#[tokio::test]
async fn reads_count_hits_and_misses() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("HSET h a 1").await;
    c.run("HGET h a").await;
    c.run("HGET h nofield").await;
    c.run("HLEN nokey").await;
    c.run("HSCAN nokey 0").await;
    let stats = s.state.store.default_region().lock().stats;
    assert_eq!((stats.hits, stats.misses, stats.sets), (2, 2, 1));
}

#[tokio::test]
async fn readers_may_read_but_not_write() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("HSET h a 1").await;
    let mut r = s.client(Role::Reader);
    assert_eq!(r.run("HGET h a").await, "$1\r\n1\r\n");
    assert!(r.run("HSET h a 2").await.starts_with("-NOPERM"));
    assert!(r.run("HDEL h a").await.starts_with("-NOPERM"));
}

#[tokio::test]
async fn small_hashes_keep_insertion_order_like_redis_listpacks() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("HSET h z 1 a 2 m 3 b 4").await;
    assert_eq!(
        c.run("HKEYS h").await,
        "*4\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nm\r\n$1\r\nb\r\n"
    );
    // Updating keeps the field's place; deleting keeps the order of the rest.
    c.run("HSET h a 20").await;
    c.run("HDEL h z").await;
    assert_eq!(
        c.run("HGETALL h").await,
        "*6\r\n$1\r\na\r\n$2\r\n20\r\n$1\r\nm\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n4\r\n"
    );
    c.run("HSET h z 5").await;
    assert_eq!(
        c.run("HVALS h").await,
        "*4\r\n$2\r\n20\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"
    );
    s.assert_memory_consistent();
}
