//! Tests of consumer groups: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM and XINFO.

use super::{NOW, WRONGTYPE, bulk, entries, fill};
use crate::auth::Role;
use crate::cmd::testing::server;

const F: &[&str] = &["f", "v"];

/// `[[key, entries]]` as XREADGROUP answers in RESP2.
fn read_reply(key: &str, list: &[(&str, &[&str])]) -> String {
    format!("*1\r\n*2\r\n{}{}", bulk(key), entries(list))
}

#[tokio::test]
async fn xgroup_subcommands_and_their_errors() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(
        c.run("XGROUP CREATE s g $").await,
        "-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n"
    );
    assert_eq!(c.run("XGROUP CREATE s g $ MKSTREAM").await, "+OK\r\n");
    assert_eq!(c.run("XLEN s").await, ":0\r\n");
    assert_eq!(
        c.run("XGROUP CREATE s g 0").await,
        "-BUSYGROUP Consumer Group name already exists\r\n"
    );
    assert_eq!(c.run("XGROUP CREATE s h 0 ENTRIESREAD 3").await, "+OK\r\n");
    assert_eq!(
        c.run("XGROUP CREATE s i 0 ENTRIESREAD -2").await,
        "-ERR value for ENTRIESREAD must be positive or -1\r\n"
    );
    assert_eq!(
        c.run("XGROUP CREATE s i 0 FOO").await,
        "-ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.\r\n"
    );
    assert_eq!(c.run("XGROUP CREATE s i -").await, super::BAD_ID);
    assert_eq!(c.run("XGROUP CREATECONSUMER s g alice").await, ":1\r\n");
    assert_eq!(c.run("XGROUP CREATECONSUMER s g alice").await, ":0\r\n");
    assert_eq!(
        c.run("XGROUP CREATECONSUMER s nog alice").await,
        "-NOGROUP No such consumer group 'nog' for key name 's'\r\n"
    );
    assert_eq!(c.run("XGROUP SETID s g 5-0").await, "+OK\r\n");
    assert_eq!(c.run("XGROUP SETID s g $ ENTRIESREAD 0").await, "+OK\r\n");
    assert_eq!(c.run("XGROUP DELCONSUMER s g nobody").await, ":0\r\n");
    assert_eq!(c.run("XGROUP DELCONSUMER s g alice").await, ":0\r\n");
    assert_eq!(c.run("XGROUP DESTROY s h").await, ":1\r\n");
    assert_eq!(c.run("XGROUP DESTROY s h").await, ":0\r\n");
    assert_eq!(
        c.run("XGROUP DESTROY s").await,
        "-ERR wrong number of arguments for 'xgroup|destroy' command\r\n"
    );
    assert_eq!(
        c.run("XGROUP FOO s g").await,
        "-ERR unknown subcommand 'FOO'. Try XGROUP HELP.\r\n"
    );
    assert!(
        c.run("XGROUP HELP")
            .await
            .starts_with("*17\r\n+XGROUP <subcommand>")
    );
    c.run("SET str x").await;
    assert_eq!(c.run("XGROUP CREATE str g $").await, WRONGTYPE);
    s.assert_memory_consistent();
}

#[tokio::test]
async fn xreadgroup_delivers_new_entries_and_history() {
    let s = server();
    let mut c = s.client(Role::User);
    fill(&mut c, "s", &["1-0", "2-0", "3-0"]).await;
    c.run("XGROUP CREATE s g 0").await;
    assert_eq!(
        c.run("XREADGROUP GROUP g alice COUNT 2 STREAMS s >").await,
        read_reply("s", &[("1-0", F), ("2-0", F)])
    );
    assert_eq!(
        c.run("XREADGROUP GROUP g bob NOACK STREAMS s >").await,
        read_reply("s", &[("3-0", F)])
    );
    assert_eq!(c.run("XREADGROUP GROUP g bob STREAMS s >").await, "*-1\r\n");
    // History: only the consumer's own pending entries, each delivery counted.
    assert_eq!(
        c.run("XREADGROUP GROUP g alice STREAMS s 0").await,
        read_reply("s", &[("1-0", F), ("2-0", F)])
    );
    assert_eq!(
        c.run("XREADGROUP GROUP g bob STREAMS s 0").await,
        read_reply("s", &[])
    );
    c.run("XDEL s 2-0").await;
    assert_eq!(
        c.run("XREADGROUP GROUP g alice STREAMS s 1-0").await,
        format!(
            "*1\r\n*2\r\n{}*1\r\n*2\r\n{}*-1\r\n",
            bulk("s"),
            bulk("2-0")
        )
    );
    assert_eq!(
        c.run("XPENDING s g - + 10").await,
        format!(
            "*2\r\n*4\r\n{}{}:0\r\n:2\r\n*4\r\n{}{}:0\r\n:2\r\n",
            bulk("1-0"),
            bulk("alice"),
            bulk("2-0"),
            bulk("alice")
        )
    );
    assert_eq!(c.run("XACK s g 1-0 1-0 9-0").await, ":1\r\n");
    assert_eq!(c.run("XACK s g 2-0 bad").await, super::BAD_ID);
    assert_eq!(c.run("XACK s nog 2-0").await, ":0\r\n");
    assert_eq!(c.run("XACK nokey g 2-0").await, ":0\r\n");
    assert_eq!(
        c.run("XREADGROUP GROUP nog a STREAMS s >").await,
        "-NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option\r\n"
    );
    assert_eq!(
        c.run("XREADGROUP STREAMS s >").await,
        "-ERR wrong number of arguments for 'xreadgroup' command\r\n"
    );
    assert_eq!(
        c.run("XREADGROUP COUNT 1 STREAMS s t > >").await,
        "-ERR Missing GROUP option for XREADGROUP\r\n"
    );
    assert_eq!(
        c.run("XREADGROUP GROUP g a STREAMS s $").await,
        "-ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.\r\n"
    );
    assert_eq!(
        c.run("XREADGROUP GROUP g a STREAMS s t >").await,
        "-ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID or '>' must be specified.\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn xpending_summary_ranges_idle_and_consumer_filter() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("XGROUP CREATE s g $ MKSTREAM").await;
    assert_eq!(
        c.run("XPENDING s g").await,
        "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n"
    );
    fill(&mut c, "s", &["1-0", "2-0", "3-0"]).await;
    c.run("XREADGROUP GROUP g alice COUNT 1 STREAMS s >").await;
    s.clock.advance(100);
    c.run("XREADGROUP GROUP g bob STREAMS s >").await;
    assert_eq!(
        c.run("XPENDING s g").await,
        format!(
            "*4\r\n:3\r\n{}{}*2\r\n*2\r\n{}{}*2\r\n{}{}",
            bulk("1-0"),
            bulk("3-0"),
            bulk("alice"),
            bulk("1"),
            bulk("bob"),
            bulk("2")
        )
    );
    assert_eq!(
        c.run("XPENDING s g IDLE 50 - + 10").await,
        format!("*1\r\n*4\r\n{}{}:100\r\n:1\r\n", bulk("1-0"), bulk("alice"))
    );
    assert_eq!(
        c.run("XPENDING s g (1-0 + 1 bob").await,
        format!("*1\r\n*4\r\n{}{}:0\r\n:1\r\n", bulk("2-0"), bulk("bob"))
    );
    assert_eq!(c.run("XPENDING s g - + 10 nobody").await, "*0\r\n");
    assert_eq!(c.run("XPENDING s g - + 0").await, "*0\r\n");
    assert_eq!(c.run("XPENDING s g - +").await, "-ERR syntax error\r\n");
    assert_eq!(
        c.run("XPENDING s g IDLE 5 - +").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("XPENDING s nog").await,
        "-NOGROUP No such key 's' or consumer group 'nog'\r\n"
    );
}

#[tokio::test]
async fn xclaim_moves_pending_entries_with_its_options() {
    let s = server();
    let mut c = s.client(Role::User);
    fill(&mut c, "s", &["1-0", "2-0", "3-0"]).await;
    c.run("XGROUP CREATE s g 0").await;
    c.run("XREADGROUP GROUP g alice STREAMS s >").await;
    // Not idle long enough: nothing moves.
    assert_eq!(c.run("XCLAIM s g bob 1000 1-0").await, "*0\r\n");
    s.clock.advance(2000);
    assert_eq!(
        c.run("XCLAIM s g bob 1000 1-0").await,
        entries(&[("1-0", F)])
    );
    assert_eq!(
        c.run("XCLAIM s g bob 0 2-0 JUSTID RETRYCOUNT 7 IDLE 500")
            .await,
        format!("*1\r\n{}", bulk("2-0"))
    );
    assert_eq!(
        c.run("XPENDING s g - + 10 bob").await,
        format!(
            "*2\r\n*4\r\n{}{}:0\r\n:2\r\n*4\r\n{}{}:500\r\n:7\r\n",
            bulk("1-0"),
            bulk("bob"),
            bulk("2-0"),
            bulk("bob")
        )
    );
    // FORCE creates a pending entry for an entry never delivered; LASTID moves the group.
    c.run("XADD s 4-0 f v").await;
    assert_eq!(
        c.run(&format!(
            "XCLAIM s g carol 0 4-0 FORCE JUSTID TIME {} LASTID 4-0",
            NOW
        ))
        .await,
        format!("*1\r\n{}", bulk("4-0"))
    );
    assert_eq!(
        c.run("XREADGROUP GROUP g dave STREAMS s >").await,
        "*-1\r\n"
    );
    // A deleted entry is dropped from the PEL instead of being claimed.
    c.run("XDEL s 3-0").await;
    assert_eq!(c.run("XCLAIM s g bob 0 3-0").await, "*0\r\n");
    assert_eq!(c.run("XPENDING s g - + 10 alice").await, "*0\r\n");
    assert_eq!(
        c.run("XCLAIM s g bob x 1-0").await,
        "-ERR Invalid min-idle-time argument for XCLAIM\r\n"
    );
    assert_eq!(
        c.run("XCLAIM s g bob 0 1-0 FOO").await,
        "-ERR Unrecognized XCLAIM option 'FOO'\r\n"
    );
    assert_eq!(
        c.run("XCLAIM s g bob 0 1-0 IDLE x").await,
        "-ERR Invalid IDLE option argument for XCLAIM\r\n"
    );
    assert_eq!(
        c.run("XCLAIM s nog bob 0 1-0").await,
        "-NOGROUP No such key 's' or consumer group 'nog'\r\n"
    );
    s.assert_memory_consistent();
}

#[tokio::test]
async fn xautoclaim_scans_with_a_cursor_and_reports_deleted_entries() {
    let s = server();
    let mut c = s.client(Role::User);
    fill(&mut c, "s", &["1-0", "2-0", "3-0", "4-0"]).await;
    c.run("XGROUP CREATE s g 0").await;
    c.run("XREADGROUP GROUP g alice STREAMS s >").await;
    c.run("XDEL s 2-0").await;
    s.clock.advance(10);
    assert_eq!(
        c.run("XAUTOCLAIM s g bob 5 0 COUNT 2").await,
        format!(
            "*3\r\n{}{}*1\r\n{}",
            bulk("3-0"),
            entries(&[("1-0", F)]),
            bulk("2-0")
        )
    );
    assert_eq!(
        c.run("XAUTOCLAIM s g bob 5 3-0 JUSTID").await,
        format!(
            "*3\r\n{}*2\r\n{}{}*0\r\n",
            bulk("0-0"),
            bulk("3-0"),
            bulk("4-0")
        )
    );
    // Just claimed, so not idle: nothing to take back.
    assert_eq!(
        c.run("XAUTOCLAIM s g alice 5 0").await,
        format!("*3\r\n{}*0\r\n*0\r\n", bulk("0-0"))
    );
    assert_eq!(
        c.run("XAUTOCLAIM s g bob 5 0 COUNT 0").await,
        "-ERR COUNT must be > 0\r\n"
    );
    assert_eq!(
        c.run("XAUTOCLAIM s g bob 5 0 FOO").await,
        "-ERR syntax error\r\n"
    );
    assert_eq!(
        c.run("XAUTOCLAIM s g bob x 0").await,
        "-ERR Invalid min-idle-time argument for XAUTOCLAIM\r\n"
    );
    assert_eq!(
        c.run("XAUTOCLAIM nokey g bob 0 0").await,
        "-NOGROUP No such key 'nokey' or consumer group 'g'\r\n"
    );
}

#[tokio::test]
async fn xinfo_reports_streams_groups_and_consumers() {
    let s = server();
    let mut c = s.client(Role::User);
    fill(&mut c, "s", &["1-0", "2-0"]).await;
    c.run("XGROUP CREATE s g 0").await;
    c.run("XREADGROUP GROUP g alice COUNT 1 STREAMS s >").await;
    s.clock.advance(7);
    let info = c.run("XINFO STREAM s").await;
    let expected_start = format!(
        "*20\r\n{}:2\r\n{}:1\r\n{}:2\r\n{}{}{}{}{}:2\r\n{}{}{}:1\r\n{}{}{}{}",
        bulk("length"),
        bulk("radix-tree-keys"),
        bulk("radix-tree-nodes"),
        bulk("last-generated-id"),
        bulk("2-0"),
        bulk("max-deleted-entry-id"),
        bulk("0-0"),
        bulk("entries-added"),
        bulk("recorded-first-entry-id"),
        bulk("1-0"),
        bulk("groups"),
        bulk("first-entry"),
        super::entry("1-0", F),
        bulk("last-entry"),
        super::entry("2-0", F),
    );
    assert_eq!(info, expected_start);
    assert_eq!(
        c.run("XINFO GROUPS s").await,
        format!(
            "*1\r\n*12\r\n{}{}{}:1\r\n{}:1\r\n{}{}{}:1\r\n{}:1\r\n",
            bulk("name"),
            bulk("g"),
            bulk("consumers"),
            bulk("pending"),
            bulk("last-delivered-id"),
            bulk("1-0"),
            bulk("entries-read"),
            bulk("lag")
        )
    );
    assert_eq!(
        c.run("XINFO CONSUMERS s g").await,
        format!(
            "*1\r\n*6\r\n{}{}{}:1\r\n{}:7\r\n",
            bulk("name"),
            bulk("alice"),
            bulk("pending"),
            bulk("idle")
        )
    );
    let full = c.run("XINFO STREAM s FULL COUNT 1").await;
    assert!(full.starts_with("*18\r\n"), "{full}");
    assert!(full.contains(&format!(
        "{}*1\r\n{}",
        bulk("entries"),
        super::entry("1-0", F)
    )));
    assert!(full.contains(&format!(
        "{}*1\r\n*4\r\n{}{}:{NOW}\r\n:1\r\n",
        bulk("pending"),
        bulk("1-0"),
        bulk("alice")
    )));
    assert!(full.contains(&format!("{}:{NOW}\r\n", bulk("seen-time"))));
    assert_eq!(
        c.run("XINFO STREAM s FULL COUNT").await,
        "-ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.\r\n"
    );
    assert_eq!(c.run("XINFO STREAM nokey").await, "-ERR no such key\r\n");
    assert_eq!(
        c.run("XINFO CONSUMERS s nog").await,
        "-NOGROUP No such consumer group 'nog' for key name 's'\r\n"
    );
    assert_eq!(
        c.run("XINFO GROUPS").await,
        "-ERR wrong number of arguments for 'xinfo|groups' command\r\n"
    );
    assert!(c.run("XINFO HELP").await.starts_with("*9\r\n"));
}
