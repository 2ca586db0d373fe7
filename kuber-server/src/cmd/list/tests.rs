//! Tests of list commands, through the dispatcher with exact reply bytes.

use std::time::Duration;

use crate::auth::Role;
use crate::cmd::testing::{server, settle, spawn_run};

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const NOT_INTEGER: &str = "-ERR value is not an integer or out of range\r\n";

#[tokio::test]
async fn pushes_lengths_and_ranges() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("LPUSH l b a").await, ":2\r\n");
    assert_eq!(c.run("RPUSH l c d e").await, ":5\r\n");
    assert_eq!(c.run("LPUSHX l z").await, ":6\r\n");
    assert_eq!(c.run("RPUSHX l y x").await, ":8\r\n");
    assert_eq!(c.run("LPUSHX nokey a").await, ":0\r\n");
    assert_eq!(c.run("RPUSHX nokey a").await, ":0\r\n");
    assert_eq!(c.run("EXISTS nokey").await, ":0\r\n");
    assert_eq!(c.run("TYPE l").await, "+list\r\n");
    assert_eq!(c.run("LLEN l").await, ":8\r\n");
    assert_eq!(c.run("LLEN nokey").await, ":0\r\n");
    assert_eq!(
        c.run("LRANGE l 0 -1").await,
        "*8\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\ny\r\n$1\r\nx\r\n"
    );
    assert_eq!(c.run("LRANGE l 1 2").await, "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    assert_eq!(
        c.run("LRANGE l -2 100").await,
        "*2\r\n$1\r\ny\r\n$1\r\nx\r\n"
    );
    assert_eq!(c.run("LRANGE l -100 0").await, "*1\r\n$1\r\nz\r\n");
    assert_eq!(c.run("LRANGE l 5 2").await, "*0\r\n");
    assert_eq!(c.run("LRANGE l 8 9").await, "*0\r\n");
    assert_eq!(c.run("LRANGE l -1 -2").await, "*0\r\n");
    assert_eq!(
        c.run("LRANGE l -9223372036854775808 9223372036854775807")
            .await
            .lines()
            .next(),
        Some("*8")
    );
    assert_eq!(c.run("LRANGE nokey 0 -1").await, "*0\r\n");
    assert_eq!(c.run("LRANGE nokey x 1").await, NOT_INTEGER);
    assert_eq!(c.run("LRANGE l 0 1.5").await, NOT_INTEGER);
    c.run("SET s x").await;
    for cmd in [
        "LPUSH s a",
        "RPUSH s a",
        "LPUSHX s a",
        "RPUSHX s a",
        "LLEN s",
        "LRANGE s 0 -1",
    ] {
        assert_eq!(c.run(cmd).await, WRONGTYPE, "{cmd}");
    }
    s.assert_memory_consistent();
}

#[tokio::test]
async fn pops_with_and_without_count() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH l a b c d e").await;
    assert_eq!(c.run("LPOP l").await, "$1\r\na\r\n");
    assert_eq!(c.run("RPOP l").await, "$1\r\ne\r\n");
    assert_eq!(c.run("LPOP l 0").await, "*0\r\n");
    assert_eq!(c.run("LPOP l 1").await, "*1\r\n$1\r\nb\r\n");
    assert_eq!(c.run("RPOP l 1").await, "*1\r\n$1\r\nd\r\n");
    s.assert_memory_consistent();
    assert_eq!(c.run("RPOP l 10").await, "*1\r\n$1\r\nc\r\n");
    assert_eq!(c.run("EXISTS l").await, ":0\r\n");
    assert_eq!(c.run("LPOP l").await, "$-1\r\n");
    assert_eq!(c.run("LPOP l 0").await, "*-1\r\n");
    assert_eq!(c.run("RPOP l 2").await, "*-1\r\n");
    assert_eq!(
        c.run("LPOP l -1").await,
        "-ERR value is out of range, must be positive\r\n"
    );
    assert_eq!(
        c.run("RPOP l x").await,
        "-ERR value is out of range, must be positive\r\n"
    );
    assert_eq!(
        c.run("LPOP l 1 2").await,
        "-ERR wrong number of arguments for 'lpop' command\r\n"
    );
    assert_eq!(
        c.run("RPOP l 1 2").await,
        "-ERR wrong number of arguments for 'rpop' command\r\n"
    );
    c.run("SET s x").await;
    assert_eq!(c.run("LPOP s").await, WRONGTYPE);
    assert_eq!(c.run("RPOP s 0").await, WRONGTYPE);
    assert_eq!(
        c.run("LPOP s -1").await,
        "-ERR value is out of range, must be positive\r\n"
    );
    c.resp3();
    assert_eq!(c.run("LPOP l").await, "_\r\n");
    assert_eq!(c.run("RPOP l 1").await, "_\r\n");
    c.run("LPUSH l a b").await;
    assert_eq!(c.run("LPOP l 5").await, "*2\r\n$1\r\nb\r\n$1\r\na\r\n");
    s.assert_memory_consistent();
    assert_eq!(s.state.store.default_region().lock().len(), 1);
}

#[tokio::test]
async fn lindex_and_lset() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH l a b c").await;
    assert_eq!(c.run("LINDEX l 0").await, "$1\r\na\r\n");
    assert_eq!(c.run("LINDEX l -1").await, "$1\r\nc\r\n");
    assert_eq!(c.run("LINDEX l 3").await, "$-1\r\n");
    assert_eq!(c.run("LINDEX l -4").await, "$-1\r\n");
    assert_eq!(c.run("LINDEX l x").await, NOT_INTEGER);
    // The key is looked up first: a missing key is nil whatever the index.
    assert_eq!(c.run("LINDEX nokey x").await, "$-1\r\n");
    assert_eq!(c.run("LSET l 1 Bee").await, "+OK\r\n");
    assert_eq!(c.run("LSET l -1 sea").await, "+OK\r\n");
    assert_eq!(
        c.run("LRANGE l 0 -1").await,
        "*3\r\n$1\r\na\r\n$3\r\nBee\r\n$3\r\nsea\r\n"
    );
    s.assert_memory_consistent();
    assert_eq!(c.run("LSET l 3 x").await, "-ERR index out of range\r\n");
    assert_eq!(c.run("LSET l -4 x").await, "-ERR index out of range\r\n");
    assert_eq!(c.run("LSET l x y").await, NOT_INTEGER);
    assert_eq!(c.run("LSET nokey x y").await, "-ERR no such key\r\n");
    c.run("SET s x").await;
    assert_eq!(c.run("LSET s 0 y").await, WRONGTYPE);
    assert_eq!(c.run("LINDEX s x").await, WRONGTYPE);
    c.resp3();
    assert_eq!(c.run("LINDEX l 9").await, "_\r\n");
}

#[tokio::test]
async fn lrem_ltrim_linsert() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH l a b c a b c a").await;
    assert_eq!(c.run("LREM l 2 a").await, ":2\r\n");
    assert_eq!(
        c.run("LRANGE l 0 -1").await,
        "*5\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n"
    );
    assert_eq!(c.run("LREM l -1 b").await, ":1\r\n");
    assert_eq!(
        c.run("LRANGE l 0 -1").await,
        "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nc\r\n$1\r\na\r\n"
    );
    assert_eq!(c.run("LREM l 0 c").await, ":2\r\n");
    assert_eq!(c.run("LREM l -9223372036854775808 zz").await, ":0\r\n");
    s.assert_memory_consistent();
    assert_eq!(c.run("LREM l 0 a").await, ":1\r\n");
    assert_eq!(c.run("LREM l 1 b").await, ":1\r\n");
    assert_eq!(c.run("EXISTS l").await, ":0\r\n");
    assert_eq!(c.run("LREM nokey 0 a").await, ":0\r\n");
    assert_eq!(c.run("LREM nokey x a").await, NOT_INTEGER);

    c.run("RPUSH t 1 2 3 4 5").await;
    assert_eq!(c.run("LTRIM t 1 -2").await, "+OK\r\n");
    assert_eq!(
        c.run("LRANGE t 0 -1").await,
        "*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"
    );
    assert_eq!(c.run("LTRIM t -100 100").await, "+OK\r\n");
    assert_eq!(c.run("LLEN t").await, ":3\r\n");
    s.assert_memory_consistent();
    assert_eq!(c.run("LTRIM t 5 10").await, "+OK\r\n");
    assert_eq!(c.run("EXISTS t").await, ":0\r\n");
    assert_eq!(c.run("LTRIM nokey 0 1").await, "+OK\r\n");
    assert_eq!(c.run("LTRIM nokey a 1").await, NOT_INTEGER);

    c.run("RPUSH i a b c").await;
    assert_eq!(c.run("LINSERT i BEFORE b X").await, ":4\r\n");
    assert_eq!(c.run("LINSERT i after c Y").await, ":5\r\n");
    assert_eq!(c.run("LINSERT i AFTER zz Y").await, ":-1\r\n");
    assert_eq!(
        c.run("LRANGE i 0 -1").await,
        "*5\r\n$1\r\na\r\n$1\r\nX\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nY\r\n"
    );
    assert_eq!(c.run("LINSERT i middle a b").await, "-ERR syntax error\r\n");
    assert_eq!(c.run("LINSERT nokey BEFORE a b").await, ":0\r\n");
    assert_eq!(c.run("EXISTS nokey").await, ":0\r\n");
    c.run("SET s x").await;
    for cmd in ["LREM s 0 a", "LTRIM s 0 1", "LINSERT s BEFORE a b"] {
        assert_eq!(c.run(cmd).await, WRONGTYPE, "{cmd}");
    }
    assert_eq!(c.run("LINSERT s middle a b").await, "-ERR syntax error\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn lpos_options_and_errors() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH l a b c a b c").await;
    assert_eq!(c.run("LPOS l c").await, ":2\r\n");
    assert_eq!(c.run("LPOS l zz").await, "$-1\r\n");
    assert_eq!(c.run("LPOS l a RANK 2").await, ":3\r\n");
    assert_eq!(c.run("LPOS l a RANK -1").await, ":3\r\n");
    assert_eq!(c.run("LPOS l a RANK -2").await, ":0\r\n");
    assert_eq!(c.run("LPOS l a RANK 3").await, "$-1\r\n");
    assert_eq!(c.run("LPOS l a rank 1 rank 2").await, ":3\r\n");
    assert_eq!(c.run("LPOS l a RANK -9223372036854775808").await, ":3\r\n");
    assert_eq!(c.run("LPOS l c RANK 9223372036854775807").await, "$-1\r\n");
    assert_eq!(c.run("LPOS l a COUNT 0").await, "*2\r\n:0\r\n:3\r\n");
    assert_eq!(c.run("LPOS l a COUNT 1").await, "*1\r\n:0\r\n");
    assert_eq!(
        c.run("LPOS l a COUNT 0 RANK -1").await,
        "*2\r\n:3\r\n:0\r\n"
    );
    assert_eq!(c.run("LPOS l zz COUNT 2").await, "*0\r\n");
    assert_eq!(
        c.run("LPOS l a COUNT 1 RANK -1 MAXLEN 3").await,
        "*1\r\n:3\r\n"
    );
    assert_eq!(c.run("LPOS l a COUNT 1 RANK -1 MAXLEN 2").await, "*0\r\n");
    assert_eq!(c.run("LPOS l c RANK 2 MAXLEN 3").await, "$-1\r\n");
    assert_eq!(c.run("LPOS l c RANK 2 MAXLEN 0").await, ":5\r\n");
    assert_eq!(c.run("LPOS nokey a").await, "$-1\r\n");
    assert_eq!(c.run("LPOS nokey a COUNT 0").await, "*0\r\n");
    let rank_zero = "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n";
    assert_eq!(c.run("LPOS l a RANK 0").await, rank_zero);
    assert_eq!(c.run("LPOS nokey a RANK 0").await, rank_zero);
    assert_eq!(c.run("LPOS l a RANK x").await, NOT_INTEGER);
    assert_eq!(
        c.run("LPOS l a RANK 9223372036854775808").await,
        NOT_INTEGER
    );
    assert_eq!(
        c.run("LPOS l a COUNT -1").await,
        "-ERR COUNT can't be negative\r\n"
    );
    assert_eq!(
        c.run("LPOS l a COUNT abc").await,
        "-ERR COUNT can't be negative\r\n"
    );
    assert_eq!(
        c.run("LPOS l a MAXLEN -1").await,
        "-ERR MAXLEN can't be negative\r\n"
    );
    assert_eq!(
        c.run("LPOS l a MAXLEN x").await,
        "-ERR MAXLEN can't be negative\r\n"
    );
    assert_eq!(c.run("LPOS l a FOO 1").await, "-ERR syntax error\r\n");
    assert_eq!(c.run("LPOS l a RANK").await, "-ERR syntax error\r\n");
    c.run("SET s x").await;
    assert_eq!(c.run("LPOS s a").await, WRONGTYPE);
    // Options are checked before the key.
    assert_eq!(c.run("LPOS s a RANK 0").await, rank_zero);
    c.resp3();
    assert_eq!(c.run("LPOS nokey a").await, "_\r\n");
    assert_eq!(c.run("LPOS nokey a COUNT 1").await, "*0\r\n");
}

#[tokio::test]
async fn lmove_and_rpoplpush() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH l a b c").await;
    assert_eq!(c.run("LMOVE l l left right").await, "$1\r\na\r\n");
    assert_eq!(
        c.run("LRANGE l 0 -1").await,
        "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n"
    );
    assert_eq!(c.run("RPOPLPUSH l l").await, "$1\r\na\r\n");
    assert_eq!(
        c.run("LRANGE l 0 -1").await,
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_eq!(c.run("LMOVE l d RIGHT LEFT").await, "$1\r\nc\r\n");
    assert_eq!(c.run("LMOVE l d RIGHT RIGHT").await, "$1\r\nb\r\n");
    assert_eq!(c.run("LRANGE d 0 -1").await, "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
    s.assert_memory_consistent();
    assert_eq!(c.run("RPOPLPUSH l d").await, "$1\r\na\r\n");
    assert_eq!(c.run("EXISTS l").await, ":0\r\n");
    assert_eq!(
        c.run("LRANGE d 0 -1").await,
        "*3\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\nb\r\n"
    );
    assert_eq!(c.run("LMOVE nokey d LEFT LEFT").await, "$-1\r\n");
    assert_eq!(c.run("RPOPLPUSH nokey d").await, "$-1\r\n");
    assert_eq!(
        c.run("LMOVE nokey d UP LEFT").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(c.run("LMOVE d d LEFT DOWN").await, "-ERR syntax error\r\n");
    // A one-element list moved onto itself stays.
    c.run("RPUSH one x").await;
    assert_eq!(c.run("LMOVE one one LEFT LEFT").await, "$1\r\nx\r\n");
    assert_eq!(c.run("LRANGE one 0 -1").await, "*1\r\n$1\r\nx\r\n");
    c.run("SET s x").await;
    assert_eq!(c.run("LMOVE d s LEFT LEFT").await, WRONGTYPE);
    assert_eq!(c.run("LMOVE s d LEFT LEFT").await, WRONGTYPE);
    assert_eq!(c.run("RPOPLPUSH nokey s").await, "$-1\r\n");
    assert_eq!(c.run("LLEN d").await, ":3\r\n");
    s.assert_memory_consistent();
    c.resp3();
    assert_eq!(c.run("LMOVE nokey d LEFT LEFT").await, "_\r\n");
}

#[tokio::test]
async fn expiry_and_region_default_ttl() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH l a").await;
    c.run("PEXPIRE l 100").await;
    // Pushing onto an existing list keeps its TTL.
    c.run("RPUSH l b").await;
    assert_eq!(c.run("PTTL l").await, ":100\r\n");
    s.clock.advance(100);
    assert_eq!(c.run("LLEN l").await, ":0\r\n");
    assert_eq!(c.run("RPUSH l a").await, ":1\r\n");
    assert_eq!(c.run("PTTL l").await, ":-1\r\n");
    s.assert_memory_consistent();
    // New lists (pushed or moved into) take the region's default TTL; existing ones keep theirs.
    assert_eq!(c.run("RCREATE short TTL 10").await, "+OK\r\n");
    assert_eq!(c.run("RSELECT short").await, "+OK\r\n");
    assert_eq!(c.run("RPUSH l a b").await, ":2\r\n");
    assert_eq!(c.run("PTTL l").await, ":10000\r\n");
    assert_eq!(c.run("LMOVE l moved LEFT LEFT").await, "$1\r\na\r\n");
    assert_eq!(c.run("PTTL moved").await, ":10000\r\n");
    c.run("PERSIST l").await;
    c.run("RPUSH l c").await;
    assert_eq!(c.run("PTTL l").await, ":-1\r\n");
    s.clock.advance(10_000);
    assert_eq!(c.run("LLEN moved").await, ":0\r\n");
    assert_eq!(c.run("LLEN l").await, ":2\r\n");
}

#[tokio::test]
async fn blocking_pops_reply_at_once_when_data_exists() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("RPUSH l a b c").await;
    assert_eq!(
        c.run("BLPOP nokey l 0").await,
        "*2\r\n$1\r\nl\r\n$1\r\na\r\n"
    );
    assert_eq!(c.run("BRPOP l 1").await, "*2\r\n$1\r\nl\r\n$1\r\nc\r\n");
    assert_eq!(c.run("BLMOVE l d LEFT RIGHT 0").await, "$1\r\nb\r\n");
    assert_eq!(c.run("EXISTS l").await, ":0\r\n");
    assert_eq!(c.run("BRPOPLPUSH d l 0").await, "$1\r\nb\r\n");
    assert_eq!(c.run("EXISTS d").await, ":0\r\n");
    s.assert_memory_consistent();
    c.run("SET s x").await;
    // WRONGTYPE is immediate, also after a missing key; a non-empty list before it wins.
    assert_eq!(c.run("BLPOP s 0").await, WRONGTYPE);
    assert_eq!(c.run("BRPOP nokey s 0").await, WRONGTYPE);
    assert_eq!(c.run("BLPOP l s 0").await, "*2\r\n$1\r\nl\r\n$1\r\nb\r\n");
    assert_eq!(c.run("BLMOVE s d LEFT LEFT 0").await, WRONGTYPE);
    c.run("RPUSH l a").await;
    assert_eq!(c.run("BLMOVE l s LEFT LEFT 0").await, WRONGTYPE);
    assert_eq!(c.run("BRPOPLPUSH l s 0").await, WRONGTYPE);
    assert_eq!(c.run("LLEN l").await, ":1\r\n");
    // Timeouts: seconds as a float; Redis's casts for absurd values.
    assert_eq!(
        c.run("BLPOP l x").await,
        "-ERR timeout is not a float or out of range\r\n"
    );
    assert_eq!(
        c.run("BLPOP l nan").await,
        "-ERR timeout is not a float or out of range\r\n"
    );
    assert_eq!(
        c.run("BLPOP l \"\"").await,
        "-ERR timeout is not a float or out of range\r\n"
    );
    assert_eq!(
        c.run("BLPOP l \" 1\"").await,
        "-ERR timeout is not a float or out of range\r\n"
    );
    assert_eq!(c.run("BLPOP l -1").await, "-ERR timeout is negative\r\n");
    assert_eq!(c.run("BLPOP l inf").await, "-ERR timeout is negative\r\n");
    assert_eq!(c.run("BLPOP l 1e300").await, "-ERR timeout is negative\r\n");
    assert_eq!(
        c.run("BLMOVE l d LEFT LEFT -0.5").await,
        "-ERR timeout is negative\r\n"
    );
    assert_eq!(c.run("BLMOVE l d UP LEFT 0").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("BRPOPLPUSH l d x").await,
        "-ERR timeout is not a float or out of range\r\n"
    );
    assert_eq!(
        c.run("BLPOP l -0.0001").await,
        "*2\r\n$1\r\nl\r\n$1\r\na\r\n"
    );
    assert_eq!(super::blocking::timeout_ms(b"1.5e-1"), Ok(Some(150)));
    assert_eq!(super::blocking::timeout_ms(b"+2"), Ok(Some(2000)));
    assert_eq!(super::blocking::timeout_ms(b"0.0004"), Ok(None));
    assert_eq!(super::blocking::timeout_ms(b"0"), Ok(None));
    let mut reader = s.client(Role::Reader);
    assert_eq!(
        reader.run("BLPOP l 0").await,
        "-NOPERM User reader has no permissions to run the 'blpop' command\r\n"
    );
}

#[tokio::test]
async fn blocked_client_is_served_by_a_push() {
    let s = server();
    let mut pusher = s.client(Role::User);
    let waiter = spawn_run!(s.client(Role::User), "BLPOP q 0");
    settle().await;
    assert!(!waiter.is_finished());
    assert!(
        pusher
            .run("INFO clients")
            .await
            .contains("blocked_clients:1\r\n")
    );
    assert_eq!(pusher.run("RPUSH q hello").await, ":1\r\n");
    let (_, reply) = waiter.await.unwrap();
    assert_eq!(reply, "*2\r\n$1\r\nq\r\n$5\r\nhello\r\n");
    assert!(
        pusher
            .run("INFO clients")
            .await
            .contains("blocked_clients:0\r\n")
    );
    assert_eq!(pusher.run("EXISTS q").await, ":0\r\n");
    // BRPOP on several keys: a push to any of them serves it.
    let waiter = spawn_run!(s.client(Role::User), "BRPOP a b 0");
    settle().await;
    pusher.run("LPUSH b x y").await;
    assert_eq!(waiter.await.unwrap().1, "*2\r\n$1\r\nb\r\n$1\r\nx\r\n");
    assert_eq!(pusher.run("LRANGE b 0 -1").await, "*1\r\n$1\r\ny\r\n");
    let waiter = spawn_run!(s.client(Role::User), "BLPOP c 0");
    settle().await;
    pusher.run("RPUSH c v").await;
    assert_eq!(waiter.await.unwrap().1, "*2\r\n$1\r\nc\r\n$1\r\nv\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn blocking_timeouts_return_a_null_array() {
    let s = server();
    let mut c = s.client(Role::User);
    let started = std::time::Instant::now();
    assert_eq!(c.run("BLPOP q 0.05").await, "*-1\r\n");
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(c.run("BLMOVE q d LEFT LEFT 0.01").await, "*-1\r\n");
    c.resp3();
    assert_eq!(c.run("BRPOP q 0.01").await, "_\r\n");
    // The timed-out client left no registration behind: the element stays for the next reader.
    c.run("RPUSH q v").await;
    assert_eq!(c.run("LLEN q").await, ":1\r\n");
}

#[tokio::test]
async fn blocked_clients_are_served_in_arrival_order() {
    let s = server();
    let mut pusher = s.client(Role::User);
    let first = spawn_run!(s.client(Role::User), "BLPOP q 0");
    settle().await;
    let second = spawn_run!(s.client(Role::User), "BLPOP q 0");
    settle().await;
    let third = spawn_run!(s.client(Role::User), "BLPOP q 0");
    settle().await;
    for value in ["1", "2", "3"] {
        pusher
            .run_args(vec!["RPUSH".into(), "q".into(), value.into()])
            .await;
        settle().await;
    }
    assert_eq!(first.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\n1\r\n");
    assert_eq!(second.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\n2\r\n");
    assert_eq!(third.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\n3\r\n");

    // One push of three elements: each served client passes the wake-up on.
    let first = spawn_run!(s.client(Role::User), "BLPOP q 0");
    settle().await;
    let second = spawn_run!(s.client(Role::User), "BRPOP q 0");
    settle().await;
    let third = spawn_run!(s.client(Role::User), "BLPOP q 0");
    settle().await;
    pusher.run("RPUSH q a b c").await;
    assert_eq!(first.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\na\r\n");
    assert_eq!(second.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\nc\r\n");
    assert_eq!(third.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\nb\r\n");
    assert_eq!(pusher.run("EXISTS q").await, ":0\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn a_woken_client_that_finds_nothing_keeps_its_place() {
    let s = server();
    let mut other = s.client(Role::User);
    let first = spawn_run!(s.client(Role::User), "BLPOP q 0");
    settle().await;
    let second = spawn_run!(s.client(Role::User), "BLPOP q 0");
    settle().await;
    // As in Redis, clients woken by a transaction are served after EXEC: the LPOP inside it has
    // already taken the element the RPUSH woke the first client for.
    other.run("MULTI").await;
    other.run("RPUSH q stolen").await;
    other.run("LPOP q").await;
    assert_eq!(other.run("EXEC").await, "*2\r\n:1\r\n$6\r\nstolen\r\n");
    settle().await;
    assert!(!first.is_finished() && !second.is_finished());
    other.run("RPUSH q x").await;
    settle().await;
    assert!(first.is_finished());
    assert!(!second.is_finished());
    assert_eq!(first.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\nx\r\n");
    other.run("RPUSH q y").await;
    assert_eq!(second.await.unwrap().1, "*2\r\n$1\r\nq\r\n$1\r\ny\r\n");
}

#[tokio::test]
async fn an_aborted_waiter_does_not_swallow_a_wake_up() {
    let s = server();
    let mut pusher = s.client(Role::User);
    let doomed = spawn_run!(s.client(Role::User), "BLPOP q 0");
    settle().await;
    let survivor = spawn_run!(s.client(Role::User), "BLPOP q 0");
    settle().await;
    doomed.abort();
    assert!(doomed.await.is_err_and(|e| e.is_cancelled()));
    pusher.run("RPUSH q v").await;
    let (_, reply) = tokio::time::timeout(Duration::from_secs(5), survivor)
        .await
        .expect("survivor was woken")
        .unwrap();
    assert_eq!(reply, "*2\r\n$1\r\nq\r\n$1\r\nv\r\n");
}

#[tokio::test]
async fn a_waiter_dropped_after_its_wake_up_hands_it_on() {
    let s = server();
    let woken = spawn_run!(s.client(Role::User), "BLPOP q 0");
    settle().await;
    let next = spawn_run!(s.client(Role::User), "BLPOP q 0");
    settle().await;
    // A push wakes the first waiter, which goes away before it can act (this test does not yield
    // between the two; a real push's reply would wait for it): the wake-up it was handed must
    // pass to the next waiter.
    {
        let region = s.state.store.default_region();
        let mut ks = region.lock();
        let list = crate::store::Value::List([bytes::Bytes::from("v")].into());
        ks.set(b"q", list, None, s.state.store.now());
        ks.signal_ready(b"q");
    }
    woken.abort();
    assert!(woken.await.is_err_and(|e| e.is_cancelled()));
    let (_, reply) = tokio::time::timeout(Duration::from_secs(5), next)
        .await
        .expect("next waiter was woken")
        .unwrap();
    assert_eq!(reply, "*2\r\n$1\r\nq\r\n$1\r\nv\r\n");
}

#[tokio::test]
async fn blmove_waits_and_feeds_other_waiters() {
    let s = server();
    let mut pusher = s.client(Role::User);
    let popper = spawn_run!(s.client(Role::User), "BLPOP dst 0");
    settle().await;
    let mover = spawn_run!(s.client(Role::User), "BLMOVE src dst RIGHT LEFT 0");
    settle().await;
    let rotator = spawn_run!(s.client(Role::User), "BRPOPLPUSH src2 dst 0");
    settle().await;
    pusher.run("RPUSH src a b").await;
    assert_eq!(mover.await.unwrap().1, "$1\r\nb\r\n");
    // The move into `dst` woke the client blocked there.
    assert_eq!(popper.await.unwrap().1, "*2\r\n$3\r\ndst\r\n$1\r\nb\r\n");
    assert_eq!(pusher.run("LRANGE src 0 -1").await, "*1\r\n$1\r\na\r\n");
    pusher.run("LPUSH src2 z").await;
    assert_eq!(rotator.await.unwrap().1, "$1\r\nz\r\n");
    assert_eq!(pusher.run("LRANGE dst 0 -1").await, "*1\r\n$1\r\nz\r\n");
    // A destination of the wrong type is only noticed once the source has data.
    pusher.run("SET s x").await;
    let mover = spawn_run!(s.client(Role::User), "BLMOVE empty s LEFT LEFT 0");
    settle().await;
    assert!(!mover.is_finished());
    pusher.run("RPUSH empty v").await;
    assert_eq!(mover.await.unwrap().1, WRONGTYPE);
    assert_eq!(pusher.run("LLEN empty").await, ":1\r\n");
    // RPUSHX and LINSERT on the missing key add nothing, so the waiter stays blocked.
    let waiter = spawn_run!(s.client(Role::User), "BLPOP w 0");
    settle().await;
    pusher.run("RPUSHX w nothing").await;
    pusher.run("LINSERT w BEFORE x y").await;
    settle().await;
    assert!(!waiter.is_finished());
    pusher.run("LPUSH w v").await;
    assert_eq!(waiter.await.unwrap().1, "*2\r\n$1\r\nw\r\n$1\r\nv\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn a_woken_client_that_fails_passes_the_element_on() {
    // Redis's "BRPOPLPUSH with multiple blocked clients": the first waiter's destination has the
    // wrong type, so it answers WRONGTYPE and the element goes to the second waiter.
    let s = server();
    let mut c = s.client(Role::User);
    c.run("SET target1 nolist").await;
    let first = spawn_run!(s.client(Role::User), "BRPOPLPUSH blist target1 0");
    settle().await;
    let second = spawn_run!(s.client(Role::User), "BRPOPLPUSH blist target2 0");
    settle().await;
    c.run("LPUSH blist foo").await;
    let (_, reply) = tokio::time::timeout(Duration::from_secs(5), first)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reply, WRONGTYPE);
    let (_, reply) = tokio::time::timeout(Duration::from_secs(5), second)
        .await
        .expect("second waiter was woken")
        .unwrap();
    assert_eq!(reply, "$3\r\nfoo\r\n");
    assert_eq!(c.run("LRANGE target2 0 -1").await, "*1\r\n$3\r\nfoo\r\n");
}

#[tokio::test]
async fn a_list_renamed_into_place_serves_a_blocked_client() {
    let s = server();
    let mut c = s.client(Role::User);
    let waiter = spawn_run!(s.client(Role::User), "BLPOP foo 0");
    settle().await;
    c.run("LPUSH bob abc def hij").await;
    c.run("RENAME bob foo").await;
    let (_, reply) = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("woken")
        .unwrap();
    assert_eq!(reply, "*2\r\n$3\r\nfoo\r\n$3\r\nhij\r\n");
}

mod mpop;
mod sort;

#[tokio::test]
async fn a_push_replies_after_the_clients_it_woke_were_served() {
    // Redis's "Circular BRPOPLPUSH": the push wakes the first mover, whose push wakes the
    // second. When the pusher has its reply, both moves are done — no settling needed.
    let s = server();
    let mut pusher = s.client(Role::User);
    let first = spawn_run!(s.client(Role::User), "BRPOPLPUSH list1 list2 0");
    settle().await;
    let second = spawn_run!(s.client(Role::User), "BRPOPLPUSH list2 list1 0");
    settle().await;
    assert_eq!(pusher.run("RPUSH list1 foo").await, ":1\r\n");
    assert_eq!(pusher.run("LRANGE list1 0 -1").await, "*1\r\n$3\r\nfoo\r\n");
    assert_eq!(pusher.run("LRANGE list2 0 -1").await, "*0\r\n");
    assert_eq!(first.await.unwrap().1, "$3\r\nfoo\r\n");
    assert_eq!(second.await.unwrap().1, "$3\r\nfoo\r\n");
}
