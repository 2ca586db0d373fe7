//! Tests of ZMPOP and the blocking pops BZPOPMIN, BZPOPMAX and BZMPOP, through the dispatcher
//! with exact reply bytes (as Redis 7.0.15 gives them).

use std::time::Duration;

use crate::auth::Role;
use crate::cmd::testing::{server, settle, spawn_run};

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

#[tokio::test]
async fn zmpop_replies_and_errors() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("ZADD z1 1 a 2 b 3 c").await, ":3\r\n");
    assert_eq!(c.run("ZADD z2 4 d 5 e").await, ":2\r\n");
    assert_eq!(c.run("SET str x").await, "+OK\r\n");
    assert_eq!(c.run("ZMPOP 1 nokey MIN").await, "*-1\r\n");
    assert_eq!(
        c.run("ZMPOP 2 nokey z1 MIN").await,
        "*2\r\n$2\r\nz1\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        c.run("ZMPOP 2 z1 z2 max COUNT 2").await,
        "*2\r\n$2\r\nz1\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_eq!(c.run("ZMPOP 1 z1 MIN COUNT 100").await, "*-1\r\n");
    assert_eq!(c.run("EXISTS z1").await, ":0\r\n");
    assert_eq!(c.run("ZMPOP 1 str MIN").await, WRONGTYPE);
    assert_eq!(c.run("ZMPOP 2 nokey str MAX").await, WRONGTYPE);
    // Only keys up to the first existing one are checked.
    assert_eq!(
        c.run("ZMPOP 2 z2 str MAX").await,
        "*2\r\n$2\r\nz2\r\n*1\r\n*2\r\n$1\r\ne\r\n$1\r\n5\r\n"
    );
    assert_eq!(
        c.run("ZMPOP 0 z1 MIN").await,
        "-ERR numkeys should be greater than 0\r\n"
    );
    assert_eq!(
        c.run("ZMPOP a z1 MIN").await,
        "-ERR numkeys should be greater than 0\r\n"
    );
    assert_eq!(
        c.run("ZMPOP -1 z1 MIN").await,
        "-ERR numkeys should be greater than 0\r\n"
    );
    assert_eq!(
        c.run("ZMPOP 1 z1").await,
        "-ERR wrong number of arguments for 'zmpop' command\r\n"
    );
    assert_eq!(c.run("ZMPOP 1 z1 foo").await, "-ERR syntax error\r\n");
    assert_eq!(c.run("ZMPOP 1 z1 MIN MAX").await, "-ERR syntax error\r\n");
    assert_eq!(c.run("ZMPOP 1 z1 MIN COUNT").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("ZMPOP 1 z1 MIN COUNT 1 COUNT 1").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(c.run("ZMPOP 5 z1 MIN").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("ZMPOP 1 z1 MIN COUNT 0").await,
        "-ERR count should be greater than 0\r\n"
    );
    assert_eq!(
        c.run("ZMPOP 1 z1 MIN COUNT a").await,
        "-ERR count should be greater than 0\r\n"
    );
    assert_eq!(
        c.run("ZMPOP 1 z1 MAX COUNT -1").await,
        "-ERR count should be greater than 0\r\n"
    );
    assert_eq!(
        c.run("ZMPOP 1 z1 MIN COUNT 1 extra").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("ZMPOP 1").await,
        "-ERR wrong number of arguments for 'zmpop' command\r\n"
    );
    c.resp3();
    assert_eq!(c.run("ZMPOP 1 nokey MIN").await, "_\r\n");
    assert_eq!(c.run("ZADD z3 1.5 a 2 b").await, ":2\r\n");
    assert_eq!(
        c.run("ZMPOP 1 z3 MIN COUNT 5").await,
        "*2\r\n$2\r\nz3\r\n*2\r\n*2\r\n$1\r\na\r\n,1.5\r\n*2\r\n$1\r\nb\r\n,2\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn blocking_pops_with_data_and_errors() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("ZADD z1 1 a 2 b 3 c").await, ":3\r\n");
    assert_eq!(c.run("ZADD z2 4 d").await, ":1\r\n");
    assert_eq!(c.run("SET str x").await, "+OK\r\n");
    assert_eq!(
        c.run("BZPOPMIN z1 0").await,
        "*3\r\n$2\r\nz1\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        c.run("BZPOPMAX z1 0").await,
        "*3\r\n$2\r\nz1\r\n$1\r\nc\r\n$1\r\n3\r\n"
    );
    assert_eq!(
        c.run("BZPOPMIN nokey z2 z1 1").await,
        "*3\r\n$2\r\nz2\r\n$1\r\nd\r\n$1\r\n4\r\n"
    );
    assert_eq!(
        c.run("BZMPOP 0 2 nokey z1 MAX").await,
        "*2\r\n$2\r\nz1\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_eq!(c.run("EXISTS z1").await, ":0\r\n");
    assert_eq!(c.run("BZPOPMIN str 0").await, WRONGTYPE);
    assert_eq!(c.run("BZPOPMIN nokey str 0").await, WRONGTYPE);
    assert_eq!(c.run("BZMPOP 0 1 str MIN").await, WRONGTYPE);
    assert_eq!(
        c.run("BZPOPMIN z1 x").await,
        "-ERR timeout is not a float or out of range\r\n"
    );
    assert_eq!(
        c.run("BZPOPMIN z1 -1").await,
        "-ERR timeout is negative\r\n"
    );
    assert_eq!(
        c.run("BZPOPMIN z1 nan").await,
        "-ERR timeout is not a float or out of range\r\n"
    );
    assert_eq!(
        c.run("BZMPOP x 1 z1 MIN").await,
        "-ERR timeout is not a float or out of range\r\n"
    );
    assert_eq!(
        c.run("BZMPOP -1 1 z1 MIN").await,
        "-ERR timeout is negative\r\n"
    );
    // Argument errors come before the timeout's.
    assert_eq!(
        c.run("BZMPOP x 0 z1 MIN").await,
        "-ERR numkeys should be greater than 0\r\n"
    );
    assert_eq!(c.run("BZMPOP 0 1 z1 bad").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("BZMPOP 0 1 z1 MIN COUNT 0").await,
        "-ERR count should be greater than 0\r\n"
    );
    assert_eq!(
        c.run("BZMPOP 0 1").await,
        "-ERR wrong number of arguments for 'bzmpop' command\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn a_blocked_pop_is_served_by_zadd() {
    let s = server();
    let mut c = s.client(Role::User);
    let waiter = spawn_run!(s.client(Role::User), "BZPOPMIN z 0");
    settle().await;
    assert!(!waiter.is_finished());
    assert!(
        c.run("INFO clients")
            .await
            .contains("blocked_clients:1\r\n")
    );
    assert_eq!(c.run("ZADD z 2 b 1 a").await, ":2\r\n");
    assert_eq!(
        waiter.await.unwrap().1,
        "*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(c.run("ZRANGE z 0 -1").await, "*1\r\n$1\r\nb\r\n");
    // ZINCRBY creating the key wakes too, and RESP3 sends the score as a double.
    let mut resp3 = s.client(Role::User);
    resp3.resp3();
    let waiter = tokio::spawn(async move {
        let reply = resp3.run("BZMPOP 0 2 y nokey MAX COUNT 5").await;
        (resp3, reply)
    });
    settle().await;
    assert_eq!(c.run("ZINCRBY y 1.5 m").await, "$3\r\n1.5\r\n");
    assert_eq!(
        waiter.await.unwrap().1,
        "*2\r\n$1\r\ny\r\n*1\r\n*2\r\n$1\r\nm\r\n,1.5\r\n"
    );
    assert_eq!(c.run("EXISTS y").await, ":0\r\n");
    // A STORE command creating the key wakes too.
    let waiter = spawn_run!(s.client(Role::User), "BZPOPMAX dst 0");
    settle().await;
    c.run("ZADD src 1 a 2 b").await;
    assert_eq!(c.run("ZUNIONSTORE dst 1 src").await, ":2\r\n");
    assert_eq!(
        waiter.await.unwrap().1,
        "*3\r\n$3\r\ndst\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    let waiter = spawn_run!(s.client(Role::User), "BZPOPMAX dst2 0");
    settle().await;
    assert_eq!(c.run("ZRANGESTORE dst2 src 0 0").await, ":1\r\n");
    assert_eq!(
        waiter.await.unwrap().1,
        "*3\r\n$4\r\ndst2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn timeouts_and_transactions_answer_a_null_array() {
    let s = server();
    let mut c = s.client(Role::User);
    let started = std::time::Instant::now();
    assert_eq!(c.run("BZPOPMIN z 0.05").await, "*-1\r\n");
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(c.run("BZMPOP 0.01 1 z MIN").await, "*-1\r\n");
    assert_eq!(c.run("MULTI").await, "+OK\r\n");
    assert_eq!(c.run("BZPOPMAX z 0").await, "+QUEUED\r\n");
    assert_eq!(c.run("BZMPOP 0 1 z MIN").await, "+QUEUED\r\n");
    assert_eq!(c.run("ZADD z 1 a").await, "+QUEUED\r\n");
    assert_eq!(c.run("BZPOPMIN z 0").await, "+QUEUED\r\n");
    assert_eq!(
        c.run("EXEC").await,
        "*4\r\n*-1\r\n*-1\r\n:1\r\n*3\r\n$1\r\nz\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    c.resp3();
    assert_eq!(c.run("BZPOPMAX z 0.01").await, "_\r\n");
    // The timed-out client left no registration behind: the member stays for the next reader.
    c.run("ZADD z 1 a").await;
    assert_eq!(c.run("ZCARD z").await, ":1\r\n");
}

#[tokio::test]
async fn blocked_clients_are_served_in_arrival_order() {
    let s = server();
    let mut c = s.client(Role::User);
    let first = spawn_run!(s.client(Role::User), "BZMPOP 0 2 z1 z2 MIN COUNT 1");
    settle().await;
    let second = spawn_run!(s.client(Role::User), "BZMPOP 0 2 z1 z2 MAX COUNT 10");
    settle().await;
    let third = spawn_run!(s.client(Role::User), "BZMPOP 0 2 z1 z2 MIN COUNT 10");
    settle().await;
    let fourth = spawn_run!(s.client(Role::User), "BZPOPMAX z1 z2 0");
    settle().await;
    // Both keys fill at once: the first client is woken through both, serves from z1 and passes
    // each wake-up on exactly once.
    assert_eq!(c.run("MULTI").await, "+OK\r\n");
    c.run("ZADD z1 1 a 2 b 3 c").await;
    c.run("ZADD z2 1 a 2 b").await;
    assert_eq!(c.run("EXEC").await, "*2\r\n:3\r\n:2\r\n");
    assert_eq!(
        first.await.unwrap().1,
        "*2\r\n$2\r\nz1\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        second.await.unwrap().1,
        "*2\r\n$2\r\nz1\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    assert_eq!(
        third.await.unwrap().1,
        "*2\r\n$2\r\nz2\r\n*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
    );
    settle().await;
    assert!(!fourth.is_finished());
    c.run("ZADD z2 7 x 8 y").await;
    assert_eq!(
        fourth.await.unwrap().1,
        "*3\r\n$2\r\nz2\r\n$1\r\ny\r\n$1\r\n8\r\n"
    );
    assert_eq!(c.run("ZRANGE z2 0 -1").await, "*1\r\n$1\r\nx\r\n");
    s.assert_memory_consistent();
}

#[tokio::test]
async fn zadd_then_del_in_a_transaction_wakes_nobody_for_good() {
    let s = server();
    let mut c = s.client(Role::User);
    let first = spawn_run!(s.client(Role::User), "BZPOPMIN z 0");
    settle().await;
    let second = spawn_run!(s.client(Role::User), "BZMPOP 0 1 z MIN");
    settle().await;
    c.run("MULTI").await;
    c.run("ZADD z 0 foo").await;
    c.run("DEL z").await;
    c.run("SET z str").await;
    assert_eq!(c.run("EXEC").await, "*3\r\n:1\r\n:1\r\n+OK\r\n");
    // The woken client skips the string and keeps its place without waking the next one.
    settle().await;
    assert!(!first.is_finished() && !second.is_finished());
    c.run("DEL z").await;
    c.run("ZADD z 1 bar 2 baz").await;
    assert_eq!(
        first.await.unwrap().1,
        "*3\r\n$1\r\nz\r\n$3\r\nbar\r\n$1\r\n1\r\n"
    );
    assert_eq!(
        second.await.unwrap().1,
        "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$3\r\nbaz\r\n$1\r\n2\r\n"
    );
}

#[tokio::test]
async fn zmpop_invalidates_a_watch_on_the_popped_key_only() {
    let s = server();
    let mut c = s.client(Role::User);
    let mut other = s.client(Role::User);
    c.run("ZADD z 1 a 2 b").await;
    assert_eq!(c.run("WATCH z nokey").await, "+OK\r\n");
    assert_eq!(other.run("ZMPOP 1 nokey MIN").await, "*-1\r\n");
    c.run("MULTI").await;
    c.run("ZCARD z").await;
    assert_eq!(c.run("EXEC").await, "*1\r\n:2\r\n");
    assert_eq!(c.run("WATCH z").await, "+OK\r\n");
    other.run("ZMPOP 2 nokey z MIN").await;
    c.run("MULTI").await;
    c.run("ZCARD z").await;
    assert_eq!(c.run("EXEC").await, "*-1\r\n");
}
