//! Tests of the stream commands' entries and reads (blocking included), through the dispatcher
//! with exact reply bytes; consumer groups are in `groups`.

mod groups;

use std::time::Duration;

use crate::auth::Role;
use crate::cmd::testing::{TestClient, server, settle, spawn_run};

const WRONGTYPE: &str = "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";
const BAD_ID: &str = "-ERR Invalid stream ID specified as stream command argument\r\n";
const SYNTAX: &str = "-ERR syntax error\r\n";
/// The manual clock's start, so the ID of `XADD key *`.
const NOW: u64 = 1_700_000_000_000;

fn bulk(s: &str) -> String {
    format!("${}\r\n{s}\r\n", s.len())
}

/// The RESP of one entry `[id, [field, value, ...]]`.
fn entry(id: &str, fields: &[&str]) -> String {
    let mut out = format!("*2\r\n{}*{}\r\n", bulk(id), fields.len());
    for f in fields {
        out.push_str(&bulk(f));
    }
    out
}

/// The RESP of an array of entries.
fn entries(list: &[(&str, &[&str])]) -> String {
    let mut out = format!("*{}\r\n", list.len());
    for (id, fields) in list {
        out.push_str(&entry(id, fields));
    }
    out
}

/// `XADD key id f v` for each id.
async fn fill(c: &mut TestClient, key: &str, ids: &[&str]) {
    for id in ids {
        assert_eq!(c.run(&format!("XADD {key} {id} f v")).await, bulk(id));
    }
}

#[tokio::test]
async fn xadd_generates_and_checks_ids() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("XADD s 1-1 a 1").await, bulk("1-1"));
    assert_eq!(
        c.run("XADD s 1-1 a 2").await,
        "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"
    );
    assert_eq!(c.run("XADD s 1-* a 2").await, bulk("1-2"));
    assert_eq!(c.run("XADD s 5-* a 3").await, bulk("5-0"));
    // A missing sequence means 0, so `5` is `5-0`, already taken.
    assert_eq!(
        c.run("XADD s 5 a 4").await,
        "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"
    );
    assert_eq!(c.run("XADD s * a 5").await, bulk(&format!("{NOW}-0")));
    assert_eq!(c.run("XADD s * a 6").await, bulk(&format!("{NOW}-1")));
    s.clock.advance(5);
    assert_eq!(c.run("XADD s * a 7").await, bulk(&format!("{}-0", NOW + 5)));
    assert_eq!(
        c.run("XADD t 0-0 a 1").await,
        "-ERR The ID specified in XADD must be greater than 0-0\r\n"
    );
    assert_eq!(c.run("XADD t 0-* a 1").await, bulk("0-1"));
    assert_eq!(c.run("XLEN s").await, ":6\r\n");
    assert_eq!(c.run("XLEN nokey").await, ":0\r\n");
    assert_eq!(c.run("TYPE s").await, "+stream\r\n");
    assert_eq!(c.run("XADD s NOMKSTREAM * a 1").await[..1].to_string(), "$");
    assert_eq!(c.run("XADD missing NOMKSTREAM * a 1").await, "$-1\r\n");
    assert_eq!(c.run("EXISTS missing").await, ":0\r\n");
    for bad in [
        "-",
        "+",
        "1-",
        "-1",
        "1-x",
        "a",
        "1-2-3",
        "18446744073709551616",
    ] {
        assert_eq!(c.run(&format!("XADD s {bad} a 1")).await, BAD_ID, "{bad}");
    }
    assert_eq!(
        c.run("XADD s * a").await,
        "-ERR wrong number of arguments for 'xadd' command\r\n"
    );
    assert_eq!(
        c.run("XADD s * a 1 b").await,
        "-ERR wrong number of arguments for 'xadd' command\r\n"
    );
    c.run("SET str x").await;
    assert_eq!(c.run("XADD str * a 1").await, WRONGTYPE);
    assert_eq!(c.run("XLEN str").await, WRONGTYPE);
    assert_eq!(
        c.run("XADD m 18446744073709551615-18446744073709551615 a 1")
            .await,
        bulk("18446744073709551615-18446744073709551615")
    );
    assert_eq!(
        c.run("XADD m * a 1").await,
        "-ERR The stream has exhausted the last possible ID, unable to add more items\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn ranges_take_special_incomplete_and_exclusive_ids() {
    let s = server();
    let mut c = s.client(Role::User);
    fill(&mut c, "s", &["1-0", "1-1", "2-0", "3-5"]).await;
    let f: &[&str] = &["f", "v"];
    assert_eq!(
        c.run("XRANGE s - +").await,
        entries(&[("1-0", f), ("1-1", f), ("2-0", f), ("3-5", f)])
    );
    assert_eq!(
        c.run("XRANGE s 1 1").await,
        entries(&[("1-0", f), ("1-1", f)])
    );
    assert_eq!(
        c.run("XRANGE s (1-0 2").await,
        entries(&[("1-1", f), ("2-0", f)])
    );
    assert_eq!(
        c.run("XRANGE s - (2-0").await,
        entries(&[("1-0", f), ("1-1", f)])
    );
    assert_eq!(c.run("XRANGE s - + COUNT 1").await, entries(&[("1-0", f)]));
    assert_eq!(c.run("XRANGE s - + COUNT 0").await, "*-1\r\n");
    assert_eq!(c.run("XRANGE s - + COUNT -3").await, "*-1\r\n");
    assert_eq!(c.run("XRANGE s 3 1").await, "*0\r\n");
    assert_eq!(c.run("XRANGE nokey - +").await, "*0\r\n");
    assert_eq!(
        c.run("XREVRANGE s + - COUNT 2").await,
        entries(&[("3-5", f), ("2-0", f)])
    );
    assert_eq!(c.run("XREVRANGE s (3-5 (1-1").await, entries(&[("2-0", f)]));
    assert_eq!(c.run("XRANGE s (- +").await, BAD_ID);
    assert_eq!(c.run("XRANGE s x +").await, BAD_ID);
    assert_eq!(
        c.run("XRANGE s (18446744073709551615-18446744073709551615 +")
            .await,
        "-ERR invalid start ID for the interval\r\n"
    );
    assert_eq!(
        c.run("XRANGE s - (0-0").await,
        "-ERR invalid end ID for the interval\r\n"
    );
    assert_eq!(c.run("XRANGE s - + COUNT").await, SYNTAX);
    assert_eq!(
        c.run("XRANGE s - + COUNT x").await,
        "-ERR value is not an integer or out of range\r\n"
    );
    c.run("LPUSH l a").await;
    assert_eq!(c.run("XRANGE l - +").await, WRONGTYPE);
}

#[tokio::test]
async fn trimming_by_length_and_id() {
    let s = server();
    let mut c = s.client(Role::User);
    for i in 1..=10 {
        c.run(&format!("XADD s {i} f v")).await;
    }
    assert_eq!(c.run("XADD s MAXLEN 5 11 f v").await, bulk("11-0"));
    assert_eq!(c.run("XLEN s").await, ":5\r\n");
    assert_eq!(c.run("XTRIM s MINID 9").await, ":2\r\n");
    assert_eq!(c.run("XRANGE s - + COUNT 1").await, entry_list("9-0"));
    assert_eq!(c.run("XTRIM s MAXLEN = 1").await, ":2\r\n");
    assert_eq!(c.run("XTRIM s MAXLEN 0").await, ":1\r\n");
    // A trimmed-out stream stays, empty, and keeps its last ID.
    assert_eq!(c.run("EXISTS s").await, ":1\r\n");
    assert_eq!(
        c.run("XADD s 11 f v").await,
        "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"
    );
    // `~` only removes whole nodes of 100 entries.
    for i in 0..250 {
        c.run(&format!("XADD big 1-{i} f v")).await;
    }
    assert_eq!(c.run("XTRIM big MAXLEN ~ 120").await, ":100\r\n");
    assert_eq!(c.run("XTRIM big MAXLEN ~ 0 LIMIT 10").await, ":0\r\n");
    assert_eq!(c.run("XTRIM nokey MAXLEN 0").await, ":0\r\n");
    assert_eq!(
        c.run("XTRIM big MAXLEN 1 LIMIT 10").await,
        "-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n"
    );
    assert_eq!(
        c.run("XTRIM big LIMIT 10").await,
        "-ERR syntax error, LIMIT cannot be used without specifying a trimming strategy\r\n"
    );
    assert_eq!(
        c.run("XTRIM big MAXLEN 1 MINID 2").await,
        "-ERR syntax error, MAXLEN and MINID options at the same time are not compatible\r\n"
    );
    assert_eq!(
        c.run("XTRIM big MAXLEN -1").await,
        "-ERR The MAXLEN argument must be >= 0.\r\n"
    );
    assert_eq!(
        c.run("XTRIM big MAXLEN ~ 1 LIMIT -1").await,
        "-ERR The LIMIT argument must be >= 0.\r\n"
    );
    assert_eq!(c.run("XTRIM big MINID -").await, BAD_ID);
    assert_eq!(c.run("XTRIM big FOO 1").await, SYNTAX);
    // LIMIT 0 lifts the limit: every whole node goes.
    assert_eq!(
        c.run("XADD big MAXLEN ~ 10 LIMIT 0 * f v").await,
        bulk(&format!("{NOW}-0"))
    );
    assert_eq!(c.run("XLEN big").await, ":51\r\n");
    s.assert_memory_consistent();
}

fn entry_list(id: &str) -> String {
    entries(&[(id, &["f", "v"])])
}

#[tokio::test]
async fn xdel_and_xsetid_keep_the_counters() {
    let s = server();
    let mut c = s.client(Role::User);
    fill(&mut c, "s", &["1-0", "2-0", "3-0"]).await;
    assert_eq!(c.run("XDEL s 2-0 2-0 9-0").await, ":1\r\n");
    assert_eq!(c.run("XDEL s 1-0 bad").await, BAD_ID);
    assert_eq!(c.run("XDEL nokey 1-0").await, ":0\r\n");
    assert_eq!(c.run("XLEN s").await, ":2\r\n");
    assert_eq!(
        c.run("XSETID s 2-5").await,
        "-ERR The ID specified in XSETID is smaller than the target stream top item\r\n"
    );
    assert_eq!(
        c.run("XSETID s 10-0 ENTRIESADDED 7 MAXDELETEDID 4-0").await,
        "+OK\r\n"
    );
    assert_eq!(
        c.run("XSETID s 10-0 ENTRIESADDED 1").await,
        "-ERR The entries_added specified in XSETID is smaller than the target stream length\r\n"
    );
    assert_eq!(
        c.run("XSETID s 3-0").await,
        "-ERR The ID specified in XSETID is smaller than current max_deleted_entry_id\r\n"
    );
    assert_eq!(
        c.run("XSETID s 10-0 MAXDELETEDID 11-0").await,
        "-ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id\r\n"
    );
    assert_eq!(
        c.run("XSETID s 10-0 ENTRIESADDED -1").await,
        "-ERR entries_added must be positive\r\n"
    );
    assert_eq!(c.run("XSETID s 10-0 FOO 1").await, SYNTAX);
    assert_eq!(c.run("XSETID nokey 1-0").await, "-ERR no such key\r\n");
    assert_eq!(
        c.run("XADD s 10-0 f v").await,
        "-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n"
    );
    assert_eq!(c.run("XADD s * f v").await, bulk(&format!("{NOW}-0")));
    let info = c.run("XINFO STREAM s").await;
    assert!(
        info.contains(&format!("{}:8\r\n", bulk("entries-added"))),
        "{info}"
    );
    assert!(info.contains(&format!("{}{}", bulk("max-deleted-entry-id"), bulk("4-0"))));
    assert!(info.contains(&format!(
        "{}{}",
        bulk("recorded-first-entry-id"),
        bulk("1-0")
    )));
    s.assert_memory_consistent();
}

#[tokio::test]
async fn xread_reads_several_streams_and_checks_arguments() {
    let s = server();
    let mut c = s.client(Role::User);
    fill(&mut c, "a", &["1-0", "2-0"]).await;
    fill(&mut c, "b", &["5-0"]).await;
    let f: &[&str] = &["f", "v"];
    assert_eq!(
        c.run("XREAD COUNT 1 STREAMS a b 0 4").await,
        format!(
            "*2\r\n*2\r\n{}{}*2\r\n{}{}",
            bulk("a"),
            entries(&[("1-0", f)]),
            bulk("b"),
            entries(&[("5-0", f)])
        )
    );
    assert_eq!(c.run("XREAD STREAMS a b $ 5-0").await, "*-1\r\n");
    assert_eq!(c.run("XREAD STREAMS nokey 0").await, "*-1\r\n");
    c.resp3();
    assert_eq!(
        c.run("XREAD STREAMS a 1").await,
        format!("%1\r\n{}{}", bulk("a"), entries(&[("2-0", f)]))
    );
    assert_eq!(
        c.run("XREAD STREAMS a b 0").await,
        "-ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified.\r\n"
    );
    assert_eq!(
        c.run("XREAD STREAMS a >").await,
        "-ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.\r\n"
    );
    assert_eq!(c.run("XREAD COUNT 1 a").await, SYNTAX);
    assert_eq!(
        c.run("XREAD GROUP g c STREAMS a 0").await,
        "-ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.\r\n"
    );
    assert_eq!(
        c.run("XREAD NOACK STREAMS a 0").await,
        "-ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.\r\n"
    );
    assert_eq!(
        c.run("XREAD BLOCK x STREAMS a 0").await,
        "-ERR timeout is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.run("XREAD BLOCK -1 STREAMS a 0").await,
        "-ERR timeout is negative\r\n"
    );
    assert_eq!(c.run("XREAD STREAMS a 1-x").await, BAD_ID);
    c.run("SET str x").await;
    assert_eq!(c.run("XREAD STREAMS str 0").await, WRONGTYPE);
}

#[tokio::test]
async fn blocked_xread_is_served_by_xadd_after_dollar() {
    let s = server();
    let mut writer = s.client(Role::User);
    fill(&mut writer, "s", &["1-0"]).await;
    let waiter = spawn_run!(s.client(Role::User), "XREAD BLOCK 0 STREAMS s $");
    settle().await;
    assert!(!waiter.is_finished());
    // Unrelated writes do not serve it; the `$` stays what it was when it blocked.
    writer.run("SET other x").await;
    fill(&mut writer, "s", &["2-0"]).await;
    let (_, reply) = waiter.await.unwrap();
    assert_eq!(
        reply,
        format!(
            "*1\r\n*2\r\n{}{}",
            bulk("s"),
            entries(&[("2-0", &["f", "v"])])
        )
    );
    // A stream created while waiting serves it too, and a deleted one keeps it waiting.
    let waiter = spawn_run!(s.client(Role::User), "XREAD BLOCK 0 STREAMS s new $ $");
    settle().await;
    writer.run("DEL s").await;
    settle().await;
    assert!(!waiter.is_finished());
    fill(&mut writer, "new", &["7-0"]).await;
    let (_, reply) = waiter.await.unwrap();
    assert_eq!(
        reply,
        format!(
            "*1\r\n*2\r\n{}{}",
            bulk("new"),
            entries(&[("7-0", &["f", "v"])])
        )
    );
    let started = std::time::Instant::now();
    assert_eq!(writer.run("XREAD BLOCK 30 STREAMS new $").await, "*-1\r\n");
    assert!(started.elapsed() >= Duration::from_millis(30));
}

#[tokio::test]
async fn blocked_readers_do_not_block_inside_multi() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("XGROUP CREATE s g $ MKSTREAM").await, "+OK\r\n");
    c.run("MULTI").await;
    assert_eq!(c.run("XREAD BLOCK 0 STREAMS s $").await, "+QUEUED\r\n");
    assert_eq!(
        c.run("XREADGROUP GROUP g c BLOCK 0 STREAMS s >").await,
        "+QUEUED\r\n"
    );
    assert_eq!(c.run("EXEC").await, "*2\r\n*-1\r\n*-1\r\n");
}

#[tokio::test]
async fn blocked_group_readers_are_served_in_arrival_order() {
    let s = server();
    let mut writer = s.client(Role::User);
    writer.run("XGROUP CREATE s g $ MKSTREAM").await;
    let first = spawn_run!(
        s.client(Role::User),
        "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >"
    );
    settle().await;
    let second = spawn_run!(
        s.client(Role::User),
        "XREADGROUP GROUP g bob BLOCK 0 STREAMS s >"
    );
    settle().await;
    fill(&mut writer, "s", &["1-0"]).await;
    settle().await;
    fill(&mut writer, "s", &["2-0"]).await;
    let f: &[&str] = &["f", "v"];
    assert_eq!(
        first.await.unwrap().1,
        format!("*1\r\n*2\r\n{}{}", bulk("s"), entries(&[("1-0", f)]))
    );
    assert_eq!(
        second.await.unwrap().1,
        format!("*1\r\n*2\r\n{}{}", bulk("s"), entries(&[("2-0", f)]))
    );
    // Deleting the stream or destroying the group unblocks with an error.
    let waiter = spawn_run!(
        s.client(Role::User),
        "XREADGROUP GROUP g carol BLOCK 0 STREAMS s >"
    );
    settle().await;
    writer.run("XGROUP DESTROY s g").await;
    assert_eq!(
        waiter.await.unwrap().1,
        "-NOGROUP the consumer group this client was blocked on no longer exists\r\n"
    );
    writer.run("XGROUP CREATE s g $").await;
    let waiter = spawn_run!(
        s.client(Role::User),
        "XREADGROUP GROUP g carol BLOCK 0 STREAMS s >"
    );
    settle().await;
    writer.run("SET s replaced").await;
    assert_eq!(
        waiter.await.unwrap().1,
        "-UNBLOCKED the stream key no longer exists\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn one_xadd_reaches_readers_of_every_group() {
    let s = server();
    let mut writer = s.client(Role::User);
    writer.run("XGROUP CREATE s a $ MKSTREAM").await;
    writer.run("XGROUP CREATE s b $").await;
    let a1 = spawn_run!(
        s.client(Role::User),
        "XREADGROUP GROUP a a1 BLOCK 0 STREAMS s >"
    );
    settle().await;
    let a2 = spawn_run!(
        s.client(Role::User),
        "XREADGROUP GROUP a a2 BLOCK 0 STREAMS s >"
    );
    settle().await;
    let future = spawn_run!(s.client(Role::User), "XREAD BLOCK 0 STREAMS s 99-0");
    settle().await;
    let b1 = spawn_run!(
        s.client(Role::User),
        "XREADGROUP GROUP b b1 BLOCK 0 STREAMS s >"
    );
    settle().await;
    let reader = spawn_run!(s.client(Role::User), "XREAD BLOCK 0 STREAMS s $");
    settle().await;
    fill(&mut writer, "s", &["1-0"]).await;
    let served = format!(
        "*1\r\n*2\r\n{}{}",
        bulk("s"),
        entries(&[("1-0", &["f", "v"])])
    );
    // a2 finds nothing left for group a, and the XREAD of a later ID nothing at all: neither
    // keeps the wake-up from the readers queued behind them.
    assert_eq!(a1.await.unwrap().1, served);
    assert_eq!(b1.await.unwrap().1, served);
    assert_eq!(reader.await.unwrap().1, served);
    settle().await;
    assert!(!a2.is_finished() && !future.is_finished());
    fill(&mut writer, "s", &["100-0"]).await;
    let later = format!(
        "*1\r\n*2\r\n{}{}",
        bulk("s"),
        entries(&[("100-0", &["f", "v"])])
    );
    assert_eq!(a2.await.unwrap().1, later);
    assert_eq!(future.await.unwrap().1, later);
}

#[tokio::test]
async fn copy_rename_and_move_carry_streams_whole() {
    let s = server();
    let mut c = s.client(Role::User);
    fill(&mut c, "s", &["1-0", "2-0"]).await;
    c.run("XGROUP CREATE s g 0").await;
    c.run("XREADGROUP GROUP g alice COUNT 1 STREAMS s >").await;
    assert_eq!(c.run("COPY s t").await, ":1\r\n");
    let full = c.run("XINFO STREAM s FULL").await;
    assert_eq!(c.run("XINFO STREAM t FULL").await, full);
    // A deep copy: changing the copy leaves the original alone.
    c.run("XACK t g 1-0").await;
    c.run("XADD t 3-0 f v").await;
    assert_eq!(c.run("XINFO STREAM s FULL").await, full);
    assert_eq!(c.run("RENAME t u").await, "+OK\r\n");
    assert_eq!(c.run("XLEN u").await, ":3\r\n");
    assert_eq!(c.run("MOVE u 1").await, ":1\r\n");
    c.run("SELECT 1").await;
    assert_eq!(c.run("XLEN u").await, ":3\r\n");
    assert_eq!(c.run("OBJECT ENCODING u").await, bulk("stream"));
}

#[tokio::test]
async fn node_size_follows_config_and_bounds_approximate_trims() {
    let s = server();
    let mut admin = s.client(Role::Admin);
    assert_eq!(
        admin.run("CONFIG SET stream-node-max-entries 1").await,
        "+OK\r\n"
    );
    for i in 1..=102 {
        admin.run(&format!("XADD s {i} f v")).await;
    }
    // Without LIMIT, `~` removes at most 100 × stream-node-max-entries entries.
    assert_eq!(admin.run("XTRIM s MAXLEN ~ 1").await, ":100\r\n");
    let info = admin.run("XINFO STREAM s").await;
    assert!(
        info.contains(&format!("{}:2\r\n", bulk("radix-tree-keys"))),
        "{info}"
    );
    assert_eq!(
        admin.run("CONFIG GET stream-node-max-entries").await,
        format!("*2\r\n{}{}", bulk("stream-node-max-entries"), bulk("1"))
    );
}
