//! Tests of set commands, through the dispatcher with exact reply bytes.

use crate::auth::Role;
use crate::cmd::testing::{TestClient, server};
use bytes::Bytes;

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

/// An aggregate reply with its elements sorted, as `header a b c` (set order is unspecified).
fn sorted(reply: &str) -> String {
    let mut lines = reply.split("\r\n");
    let header = lines.next().unwrap().to_string();
    let mut items: Vec<&str> = lines
        .filter(|l| !l.is_empty() && !l.starts_with('$'))
        .collect();
    items.sort();
    std::iter::once(header.as_str())
        .chain(items)
        .collect::<Vec<_>>()
        .join(" ")
}

async fn fill(c: &mut TestClient, key: &str, members: impl IntoIterator<Item = String>) {
    let mut args = vec![Bytes::from_static(b"SADD"), Bytes::from(key.to_string())];
    args.extend(members.into_iter().map(Bytes::from));
    let n = args.len() - 2;
    assert_eq!(c.run_args(args).await, format!(":{n}\r\n"));
}

/// Cursor and members of an SSCAN reply.
fn scan_parts(reply: &str) -> (String, Vec<String>) {
    let lines: Vec<&str> = reply.split("\r\n").collect();
    assert!(lines[0] == "*2" && lines[3].starts_with('*'), "{reply}");
    let members = lines[4..]
        .iter()
        .filter(|l| !l.is_empty() && !l.starts_with('$'))
        .map(|l| l.to_string());
    (lines[2].to_string(), members.collect())
}

#[tokio::test]
async fn add_remove_members_and_cardinality() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("SADD s a b c a").await, ":3\r\n");
    assert_eq!(c.run("SADD s a d").await, ":1\r\n");
    assert_eq!(c.run("SCARD s").await, ":4\r\n");
    assert_eq!(c.run("SCARD nope").await, ":0\r\n");
    assert_eq!(sorted(&c.run("SMEMBERS s").await), "*4 a b c d");
    assert_eq!(c.run("SMEMBERS nope").await, "*0\r\n");
    assert_eq!(c.run("SISMEMBER s a").await, ":1\r\n");
    assert_eq!(c.run("SISMEMBER s z").await, ":0\r\n");
    assert_eq!(c.run("SISMEMBER nope a").await, ":0\r\n");
    assert_eq!(
        c.run("SMISMEMBER s a z d").await,
        "*3\r\n:1\r\n:0\r\n:1\r\n"
    );
    assert_eq!(c.run("SMISMEMBER nope a b").await, "*2\r\n:0\r\n:0\r\n");
    s.assert_memory_consistent();
    assert_eq!(c.run("SREM s a z").await, ":1\r\n");
    assert_eq!(c.run("SREM nope a").await, ":0\r\n");
    s.assert_memory_consistent();
    assert_eq!(c.run("SREM s b c d").await, ":3\r\n");
    assert_eq!(
        c.run("EXISTS s").await,
        ":0\r\n",
        "an emptied set is deleted"
    );
    s.assert_memory_consistent();
    assert_eq!(c.run("TYPE s").await, "+none\r\n");
    assert_eq!(c.run("SADD s x").await, ":1\r\n");
    assert_eq!(c.run("TYPE s").await, "+set\r\n");
    c.resp3();
    assert_eq!(c.run("SMEMBERS s").await, "~1\r\n$1\r\nx\r\n");
    assert_eq!(c.run("SMEMBERS nope").await, "~0\r\n");
    assert_eq!(c.run("SMISMEMBER s x").await, "*1\r\n:1\r\n");
    assert_eq!(c.run("SISMEMBER s x").await, ":1\r\n");
}

#[tokio::test]
async fn wrong_type_and_bad_arguments() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("SET str v").await, "+OK\r\n");
    assert_eq!(c.run("SADD s a").await, ":1\r\n");
    for cmd in [
        "SADD str a",
        "SREM str a",
        "SMEMBERS str",
        "SISMEMBER str a",
        "SMISMEMBER str a",
        "SCARD str",
        "SPOP str",
        "SPOP str 0",
        "SRANDMEMBER str",
        "SRANDMEMBER str 2",
        "SINTER nope str",
        "SINTER str nope",
        "SUNION s str",
        "SDIFF nope str",
        "SINTERSTORE d s str",
        "SUNIONSTORE d str",
        "SDIFFSTORE d nope str",
        "SINTERCARD 2 nope str",
        "SMOVE s str a",
        "SMOVE str s a",
        "SSCAN str 0",
        "SSCAN str 0 BOGUS",
    ] {
        assert_eq!(c.run(cmd).await, WRONGTYPE, "{cmd}");
    }
    assert_eq!(
        c.run("SMOVE nope str a").await,
        ":0\r\n",
        "a missing source answers 0 before any type check"
    );
    assert_eq!(c.run("GET str").await, "$1\r\nv\r\n");
    assert_eq!(c.run("SPOP s 1 2").await, "-ERR syntax error\r\n");
    assert_eq!(c.run("SRANDMEMBER s 1 2").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("SPOP s -1").await,
        "-ERR value is out of range, must be positive\r\n"
    );
    assert_eq!(
        c.run("SPOP nope abc").await,
        "-ERR value is out of range, must be positive\r\n"
    );
    assert_eq!(
        c.run("SRANDMEMBER s abc").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.run("SRANDMEMBER nope -9223372036854775808").await,
        "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"
    );
    assert_eq!(
        c.run("SRANDMEMBER s -1048577").await,
        "-ERR value is out of range, a negative count must be at least -1048576\r\n"
    );
    assert_eq!(c.run("SRANDMEMBER nope -1048577").await, "*0\r\n");
    assert_eq!(
        c.run("SADD").await,
        "-ERR wrong number of arguments for 'sadd' command\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn pop_and_random_members() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("SPOP nope").await, "$-1\r\n");
    assert_eq!(c.run("SPOP nope 3").await, "*0\r\n");
    assert_eq!(c.run("SRANDMEMBER nope").await, "$-1\r\n");
    assert_eq!(c.run("SRANDMEMBER nope 3").await, "*0\r\n");
    assert_eq!(c.run("SRANDMEMBER nope -3").await, "*0\r\n");
    assert_eq!(c.run("SADD s a b c d e").await, ":5\r\n");
    let one = c.run("SRANDMEMBER s").await;
    assert!(
        ["a", "b", "c", "d", "e"]
            .iter()
            .any(|m| one == format!("$1\r\n{m}\r\n")),
        "{one}"
    );
    assert_eq!(c.run("SRANDMEMBER s 0").await, "*0\r\n");
    assert_eq!(sorted(&c.run("SRANDMEMBER s 9").await), "*5 a b c d e");
    let three = sorted(&c.run("SRANDMEMBER s 3").await);
    let picked: Vec<&str> = three.split(' ').skip(1).collect();
    assert!(
        three.starts_with("*3 ") && picked.windows(2).all(|w| w[0] != w[1]),
        "distinct: {three}"
    );
    let repeated = c.run("SRANDMEMBER s -20").await;
    assert!(
        repeated.starts_with("*20\r\n") && sorted(&repeated).split(' ').count() == 21,
        "{repeated}"
    );
    assert_eq!(
        c.run("SCARD s").await,
        ":5\r\n",
        "SRANDMEMBER does not remove"
    );

    assert_eq!(c.run("SPOP s 0").await, "*0\r\n");
    let popped = c.run("SPOP s").await;
    assert!(popped.starts_with("$1\r\n"), "{popped}");
    assert_eq!(
        c.run(&format!("SISMEMBER s {}", &popped[4..5])).await,
        ":0\r\n"
    );
    s.assert_memory_consistent();
    let two = sorted(&c.run("SPOP s 2").await);
    assert!(two.starts_with("*2 "), "{two}");
    assert_eq!(c.run("SCARD s").await, ":2\r\n");
    s.assert_memory_consistent();
    c.resp3();
    let rest = c.run("SPOP s 10").await;
    assert!(rest.starts_with("~2\r\n"), "{rest}");
    assert_eq!(c.run("EXISTS s").await, ":0\r\n");
    assert_eq!(c.run("SPOP nope 1").await, "~0\r\n");
    assert_eq!(c.run("SPOP nope").await, "_\r\n");
    assert_eq!(c.run("SADD one x").await, ":1\r\n");
    assert_eq!(
        c.run("SRANDMEMBER one -2").await,
        "*2\r\n$1\r\nx\r\n$1\r\nx\r\n"
    );
    assert_eq!(c.run("SRANDMEMBER one 1").await, "*1\r\n$1\r\nx\r\n");
    assert_eq!(c.run("SPOP one").await, "$1\r\nx\r\n");
    assert_eq!(c.run("EXISTS one").await, ":0\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn algebra_replies() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("SADD a 1 2 3 4").await, ":4\r\n");
    assert_eq!(c.run("SADD b 3 4 5").await, ":3\r\n");
    assert_eq!(c.run("SADD c 4 5 6").await, ":3\r\n");
    assert_eq!(sorted(&c.run("SINTER a b").await), "*2 3 4");
    assert_eq!(sorted(&c.run("SINTER a b c").await), "*1 4");
    assert_eq!(sorted(&c.run("SINTER a a").await), "*4 1 2 3 4");
    assert_eq!(c.run("SINTER a nope").await, "*0\r\n");
    assert_eq!(sorted(&c.run("SUNION a b nope c").await), "*6 1 2 3 4 5 6");
    assert_eq!(sorted(&c.run("SDIFF a b").await), "*2 1 2");
    assert_eq!(sorted(&c.run("SDIFF a nope c").await), "*3 1 2 3");
    assert_eq!(c.run("SDIFF a a").await, "*0\r\n");
    assert_eq!(c.run("SDIFF nope a").await, "*0\r\n");
    assert_eq!(c.run("SINTERCARD 2 a b").await, ":2\r\n");
    assert_eq!(c.run("SINTERCARD 3 a b c").await, ":1\r\n");
    assert_eq!(c.run("SINTERCARD 2 a b LIMIT 1").await, ":1\r\n");
    assert_eq!(c.run("SINTERCARD 1 a limit 0").await, ":4\r\n");
    assert_eq!(c.run("SINTERCARD 2 a nope").await, ":0\r\n");
    c.resp3();
    assert_eq!(sorted(&c.run("SDIFF a b c").await), "~2 1 2");
    assert_eq!(c.run("SINTER a nope").await, "~0\r\n");
    // The sources are intact afterwards (they were lent, not moved).
    assert_eq!(sorted(&c.run("SMEMBERS a").await), "~4 1 2 3 4");
    s.assert_memory_consistent();

    // Both SDIFF strategies: probing (few other sets) and subtracting (many small ones).
    fill(&mut c, "big", (0..100).map(|i| i.to_string())).await;
    fill(
        &mut c,
        "odd",
        (0..100).filter(|i| i % 2 == 1).map(|i| i.to_string()),
    )
    .await;
    fill(&mut c, "low", (0..90).map(|i| i.to_string())).await;
    assert_eq!(
        sorted(&c.run("SDIFF big odd low").await),
        "~5 90 92 94 96 98"
    );
    for i in 0..10 {
        fill(&mut c, &format!("x{i}"), [format!("{}", 90 + i)]).await;
    }
    assert_eq!(
        sorted(&c.run("SDIFF low x0 x1 x2 x3 x4 x5 x6 x7 x8 x9 nope").await)
            .split(' ')
            .count(),
        91
    );
    assert_eq!(
        sorted(&c.run("SDIFF big x0 x1 x2 x3 x4 x5 x6 x7 x8 x9 low").await),
        "~0"
    );
    assert_eq!(
        sorted(&c.run("SDIFF big x0 x1 x2 x3 x4 x5 x6 x7 x8 low").await),
        "~1 99"
    );
}

#[tokio::test]
async fn intercard_errors() {
    let s = server();
    let mut c = s.client(Role::User);
    let numkeys = "-ERR numkeys should be greater than 0\r\n";
    assert_eq!(c.run("SINTERCARD 0 a").await, numkeys);
    assert_eq!(c.run("SINTERCARD -1 a").await, numkeys);
    assert_eq!(c.run("SINTERCARD abc a").await, numkeys);
    assert_eq!(
        c.run("SINTERCARD 3 a b").await,
        "-ERR Number of keys can't be greater than number of args\r\n"
    );
    assert_eq!(c.run("SINTERCARD 99999999999999999999 a").await, numkeys);
    assert_eq!(c.run("SINTERCARD 1 a LIMIT").await, "-ERR syntax error\r\n");
    assert_eq!(c.run("SINTERCARD 1 a FOO 1").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("SINTERCARD 1 a LIMIT -1").await,
        "-ERR LIMIT can't be negative\r\n"
    );
    assert_eq!(
        c.run("SINTERCARD 1 a LIMIT x").await,
        "-ERR LIMIT can't be negative\r\n"
    );
    assert_eq!(c.run("SINTERCARD 1 a LIMIT 1 LIMIT 2").await, ":0\r\n");
}

#[tokio::test]
async fn store_forms_replace_or_delete_the_destination() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("SADD a 1 2 3").await, ":3\r\n");
    assert_eq!(c.run("SADD b 2 3 4").await, ":3\r\n");
    assert_eq!(c.run("SET d string").await, "+OK\r\n");
    assert_eq!(c.run("EXPIRE d 100").await, ":1\r\n");
    assert_eq!(c.run("SINTERSTORE d a b").await, ":2\r\n");
    assert_eq!(c.run("TYPE d").await, "+set\r\n");
    assert_eq!(
        c.run("TTL d").await,
        ":-1\r\n",
        "the stored result has no TTL"
    );
    assert_eq!(sorted(&c.run("SMEMBERS d").await), "*2 2 3");
    assert_eq!(c.run("SUNIONSTORE d a b").await, ":4\r\n");
    assert_eq!(sorted(&c.run("SMEMBERS d").await), "*4 1 2 3 4");
    assert_eq!(c.run("SDIFFSTORE d a b").await, ":1\r\n");
    assert_eq!(c.run("SMEMBERS d").await, "*1\r\n$1\r\n1\r\n");
    s.assert_memory_consistent();
    // Destination among the sources.
    assert_eq!(c.run("SUNIONSTORE a a b").await, ":4\r\n");
    assert_eq!(sorted(&c.run("SMEMBERS a").await), "*4 1 2 3 4");
    assert_eq!(c.run("SINTERSTORE a a b").await, ":3\r\n");
    assert_eq!(sorted(&c.run("SMEMBERS a").await), "*3 2 3 4");
    s.assert_memory_consistent();
    // Empty results delete the destination.
    assert_eq!(c.run("SINTERSTORE d a nope").await, ":0\r\n");
    assert_eq!(c.run("EXISTS d").await, ":0\r\n");
    assert_eq!(c.run("SET d x").await, "+OK\r\n");
    assert_eq!(c.run("SDIFFSTORE d a a").await, ":0\r\n");
    assert_eq!(c.run("EXISTS d").await, ":0\r\n");
    assert_eq!(c.run("SUNIONSTORE d nope").await, ":0\r\n");
    // WRONGTYPE leaves the destination alone.
    assert_eq!(c.run("SET str v").await, "+OK\r\n");
    assert_eq!(c.run("SUNIONSTORE a b str").await, WRONGTYPE);
    assert_eq!(sorted(&c.run("SMEMBERS a").await), "*3 2 3 4");
    s.assert_memory_consistent();
    // A stored member does not alias the source: changing one leaves the other.
    assert_eq!(c.run("SUNIONSTORE copy a").await, ":3\r\n");
    assert_eq!(c.run("SREM a 2").await, ":1\r\n");
    assert_eq!(c.run("SISMEMBER copy 2").await, ":1\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn smove_between_sets() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("SADD src a b").await, ":2\r\n");
    assert_eq!(c.run("SADD dst b").await, ":1\r\n");
    assert_eq!(c.run("SMOVE src dst z").await, ":0\r\n");
    assert_eq!(c.run("SMOVE src src a").await, ":1\r\n");
    assert_eq!(c.run("SMOVE src src z").await, ":0\r\n");
    assert_eq!(c.run("SMOVE src dst a").await, ":1\r\n");
    assert_eq!(sorted(&c.run("SMEMBERS dst").await), "*2 a b");
    s.assert_memory_consistent();
    assert_eq!(
        c.run("SMOVE src dst b").await,
        ":1\r\n",
        "already in the destination: still moved"
    );
    assert_eq!(
        c.run("EXISTS src").await,
        ":0\r\n",
        "the emptied source is deleted"
    );
    assert_eq!(c.run("SCARD dst").await, ":2\r\n");
    s.assert_memory_consistent();
    assert_eq!(c.run("SMOVE dst fresh a").await, ":1\r\n");
    assert_eq!(c.run("SMEMBERS fresh").await, "*1\r\n$1\r\na\r\n");
    assert_eq!(c.run("SMOVE nope dst a").await, ":0\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn sscan_small_sets_whole() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("SSCAN nope 0").await, "*2\r\n$1\r\n0\r\n*0\r\n");
    assert_eq!(
        c.run("SSCAN nope 0 BOGUS").await,
        "*2\r\n$1\r\n0\r\n*0\r\n",
        "options are parsed only for a set"
    );
    assert_eq!(c.run("SSCAN nope abc").await, "-ERR invalid cursor\r\n");
    assert_eq!(
        c.run("SSCAN nope 18446744073709551616").await,
        "-ERR invalid cursor\r\n"
    );
    assert_eq!(c.run("SSCAN nope \" 1\"").await, "-ERR invalid cursor\r\n");
    assert_eq!(c.run("SADD s a1 a2 b1").await, ":3\r\n");
    let (cursor, mut members) = scan_parts(&c.run("SSCAN s 0").await);
    members.sort();
    assert_eq!(
        (cursor.as_str(), members),
        ("0", vec!["a1".to_string(), "a2".into(), "b1".into()])
    );
    let (cursor, mut members) = scan_parts(&c.run("SSCAN s 0 MATCH a* COUNT 1").await);
    members.sort();
    assert_eq!(
        (cursor.as_str(), members),
        ("0", vec!["a1".to_string(), "a2".into()])
    );
    for cursor in ["\"\"", "+5", "-1", "12345"] {
        let (next, members) = scan_parts(&c.run(&format!("SSCAN s {cursor} match b?")).await);
        assert_eq!(
            (next.as_str(), members),
            ("0", vec!["b1".to_string()]),
            "cursor {cursor}"
        );
    }
    assert_eq!(c.run("SSCAN s 0 COUNT 0").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("SSCAN s 0 COUNT x").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    assert_eq!(c.run("SSCAN s 0 MATCH").await, "-ERR syntax error\r\n");
    assert_eq!(c.run("SSCAN s 0 TYPE set").await, "-ERR syntax error\r\n");
    c.resp3();
    assert_eq!(
        c.run("SSCAN s 0 MATCH b*").await,
        "*2\r\n$1\r\n0\r\n*1\r\n$2\r\nb1\r\n"
    );
    // An all-integer set of up to 512 members is an intset in Redis: also whole.
    fill(&mut c, "ints", (0..500).map(|i| i.to_string())).await;
    let (cursor, members) = scan_parts(&c.run("SSCAN ints 0").await);
    assert_eq!((cursor.as_str(), members.len()), ("0", 500));
}

#[tokio::test]
async fn sscan_large_set_never_misses_a_member() {
    let s = server();
    let mut c = s.client(Role::User);
    let original: Vec<String> = (0..1000).map(|i| format!("m{i}")).collect();
    fill(&mut c, "big", original.clone()).await;
    let mut seen = std::collections::HashSet::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let (next, members) = scan_parts(&c.run(&format!("SSCAN big {cursor} COUNT 7")).await);
        assert!(
            members.len() >= 7 || next == "0",
            "a full page until the end: {}",
            members.len()
        );
        seen.extend(members);
        calls += 1;
        // Churn between calls: add and remove members that are not in `original`.
        assert_eq!(
            c.run(&format!("SADD big extra{calls} extra{}", calls + 1000))
                .await,
            ":2\r\n"
        );
        assert_eq!(c.run(&format!("SREM big extra{calls}")).await, ":1\r\n");
        if next == "0" {
            break;
        }
        cursor = next;
    }
    assert!(
        original.iter().all(|m| seen.contains(m)),
        "every member present throughout was returned"
    );
    assert!(calls > 100, "COUNT bounds the page size: {calls} calls");
    let (_, matched) = scan_parts(&c.run("SSCAN big 0 MATCH m99* COUNT 5000").await);
    let mut matched = matched;
    matched.sort();
    assert_eq!(
        matched,
        vec![
            "m99", "m990", "m991", "m992", "m993", "m994", "m995", "m996", "m997", "m998", "m999"
        ]
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn ttl_hits_misses_and_region_default_ttl() {
    let s = server();
    let mut c = s.client(Role::Admin);
    assert_eq!(c.run("SADD s a").await, ":1\r\n");
    assert_eq!(c.run("PEXPIRE s 10").await, ":1\r\n");
    assert_eq!(c.run("SADD s b").await, ":1\r\n");
    assert_eq!(
        c.run("PTTL s").await,
        ":10\r\n",
        "in-place changes keep the TTL"
    );
    s.clock.advance(10);
    assert_eq!(c.run("SCARD s").await, ":0\r\n");
    assert_eq!(c.run("SADD s c").await, ":1\r\n");
    assert_eq!(c.run("SMEMBERS s").await, "*1\r\n$1\r\nc\r\n");
    s.assert_memory_consistent();

    let before = s.state.store.default_region().lock().stats;
    assert_eq!(c.run("SISMEMBER s c").await, ":1\r\n");
    assert_eq!(c.run("SINTER s nope s").await, "*0\r\n");
    assert_eq!(c.run("SRANDMEMBER nope").await, "$-1\r\n");
    let after = s.state.store.default_region().lock().stats;
    assert_eq!(
        (after.hits - before.hits, after.misses - before.misses),
        (3, 2)
    );

    assert_eq!(c.run("RCREATE temp TTL 60").await, "+OK\r\n");
    assert_eq!(c.run("RSELECT temp").await, "+OK\r\n");
    assert_eq!(c.run("SADD t a").await, ":1\r\n");
    assert_eq!(c.run("TTL t").await, ":60\r\n");
    assert_eq!(c.run("SUNIONSTORE u t").await, ":1\r\n");
    assert_eq!(c.run("TTL u").await, ":60\r\n");
    assert_eq!(c.run("SMOVE t v a").await, ":1\r\n");
    assert_eq!(c.run("TTL v").await, ":60\r\n");
}

#[test]
fn cursor_parsing_follows_strtoul() {
    use crate::cmd::args::scan_cursor as parse_cursor;
    assert_eq!(parse_cursor(b"0"), Some(0));
    assert_eq!(parse_cursor(b""), Some(0));
    assert_eq!(parse_cursor(b"+7"), Some(7));
    assert_eq!(parse_cursor(b"-1"), Some(u64::MAX));
    assert_eq!(parse_cursor(b"18446744073709551615"), Some(u64::MAX));
    for bad in [
        &b"18446744073709551616"[..],
        b"+",
        b"-",
        b" 1",
        b"1 ",
        b"x",
        b"1x",
    ] {
        assert_eq!(parse_cursor(bad), None, "{bad:?}");
    }
}

#[tokio::test]
async fn smove_invalidates_watch_only_on_sets_it_changes() {
    let s = server();
    let mut watcher = s.client(Role::User);
    let mut other = s.client(Role::User);
    assert_eq!(other.run("SADD src a b").await, ":2\r\n");
    assert_eq!(other.run("SADD dst a").await, ":1\r\n");
    // `a` is already in dst: dst does not change, so a transaction watching it still commits.
    assert_eq!(watcher.run("WATCH dst").await, "+OK\r\n");
    assert_eq!(other.run("SMOVE src dst a").await, ":1\r\n");
    assert_eq!(watcher.run("MULTI").await, "+OK\r\n");
    assert_eq!(watcher.run("SCARD dst").await, "+QUEUED\r\n");
    assert_eq!(watcher.run("EXEC").await, "*1\r\n:1\r\n");
    // `b` is new in dst: the watch fails.
    assert_eq!(watcher.run("WATCH dst").await, "+OK\r\n");
    assert_eq!(other.run("SMOVE src dst b").await, ":1\r\n");
    assert_eq!(watcher.run("MULTI").await, "+OK\r\n");
    assert_eq!(watcher.run("SCARD dst").await, "+QUEUED\r\n");
    assert_eq!(watcher.run("EXEC").await, "*-1\r\n");
    // The source changed both times.
    assert_eq!(watcher.run("WATCH src").await, "+OK\r\n");
    assert_eq!(other.run("SADD src c").await, ":1\r\n");
    assert_eq!(other.run("SMOVE src dst c").await, ":1\r\n");
    assert_eq!(watcher.run("MULTI").await, "+OK\r\n");
    assert_eq!(watcher.run("EXEC").await, "*-1\r\n");
}
