//! Keyspace notifications through the dispatcher: `notify-keyspace-events` parsing, the exact
//! channels and messages a representative set of commands publishes, and silence when off.

use kuber_protocol::Frame;

use crate::auth::Role;
use crate::cmd::testing::{TestClient, TestServer, server};

/// `channel message` for every message delivered to `listener` so far.
fn received(listener: &mut TestClient) -> Vec<String> {
    let (_, inbox) = listener.session.inbox.as_mut().expect("subscribed");
    let mut out = Vec::new();
    while let Ok(frame) = inbox.try_recv() {
        let Frame::Push(parts) = frame else { continue };
        let text = |f: &Frame| match f {
            Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            _ => String::new(),
        };
        match text(&parts[0]).as_str() {
            "message" => out.push(format!("{} {}", text(&parts[1]), text(&parts[2]))),
            "pmessage" => out.push(format!("{} {}", text(&parts[2]), text(&parts[3]))),
            _ => {}
        }
    }
    out
}

/// A server with `flags` set, a writer, and a listener subscribed to every channel.
async fn setup(flags: &str) -> (TestServer, TestClient, TestClient) {
    let s = server();
    let mut writer = s.client(Role::Admin);
    let mut listener = s.client(Role::Reader);
    assert_eq!(
        writer
            .run(&format!("CONFIG SET notify-keyspace-events {flags}"))
            .await,
        "+OK\r\n"
    );
    listener.run("PSUBSCRIBE *").await;
    (s, writer, listener)
}

#[tokio::test]
async fn flags_are_validated_and_shown_as_redis_shows_them() {
    let s = server();
    let mut c = s.client(Role::Admin);
    let get = "CONFIG GET notify-keyspace-events";
    assert_eq!(
        c.run(get).await,
        "*2\r\n$22\r\nnotify-keyspace-events\r\n$0\r\n\r\n"
    );
    assert_eq!(
        c.run("CONFIG SET notify-keyspace-events KEw").await,
        "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - \
         Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n"
    );
    assert_eq!(
        c.run(get).await,
        "*2\r\n$22\r\nnotify-keyspace-events\r\n$0\r\n\r\n"
    );
    c.run("CONFIG SET notify-keyspace-events KA").await;
    assert_eq!(
        c.run(get).await,
        "*2\r\n$22\r\nnotify-keyspace-events\r\n$2\r\nAK\r\n"
    );
    c.run("CONFIG SET notify-keyspace-events $lshzxeKE").await;
    assert_eq!(
        c.run(get).await,
        "*2\r\n$22\r\nnotify-keyspace-events\r\n$9\r\n$lshzxeKE\r\n"
    );
}

#[tokio::test]
async fn nothing_is_recorded_or_published_when_off() {
    let (s, mut writer, mut listener) = setup("\"\"").await;
    writer.run("SET k v").await;
    writer.run("LPUSH l a").await;
    assert!(!s.state.store.keyspace_events());
    assert!(received(&mut listener).is_empty());
    // Enabled but nobody subscribed: nothing to record either.
    listener.run("PUNSUBSCRIBE").await;
    writer.run("CONFIG SET notify-keyspace-events KEA").await;
    assert!(!s.state.store.keyspace_events());
    listener.run("PSUBSCRIBE *").await;
    assert!(s.state.store.keyspace_events());
    // Classes without K or E publish nothing, as in Redis.
    writer.run("CONFIG SET notify-keyspace-events A").await;
    assert!(!s.state.store.keyspace_events());
    writer.run("SET k v").await;
    assert!(received(&mut listener).is_empty());
}

#[tokio::test]
async fn both_channels_in_redis_order() {
    let (_s, mut writer, mut listener) = setup("KEA").await;
    writer.run("SET foo bar").await;
    assert_eq!(
        received(&mut listener),
        ["__keyspace@0__:foo set", "__keyevent@0__:set foo"]
    );
}

#[tokio::test]
async fn commands_publish_their_events_only_when_they_change_something() {
    let (_s, mut writer, mut listener) = setup("KA").await;
    for line in [
        "SET n 1 EX 100",
        "INCR n",
        "INCRBYFLOAT n 1.5",
        "APPEND n x",
        "PERSIST n",
        "PERSIST n",
        "EXPIRE n 100",
        "RENAME n m",
        "DEL m missing",
        "RPUSH l a b",
        "LPOP l",
        "RPOP l",
        "RPOP l",
        "HSET h f 1",
        "HINCRBY h f 2",
        "HDEL h nope",
        "HDEL h f",
        "SADD s a b",
        "SADD s a",
        "SREM s x",
        "SREM s a",
        "ZADD z 1 a",
        "ZADD z 1 a",
        "ZINCRBY z 2 a",
        "ZREM z a",
    ] {
        writer.run(line).await;
    }
    assert_eq!(
        received(&mut listener),
        [
            "__keyspace@0__:n set",
            "__keyspace@0__:n expire",
            "__keyspace@0__:n incrby",
            "__keyspace@0__:n incrbyfloat",
            "__keyspace@0__:n append",
            "__keyspace@0__:n persist",
            "__keyspace@0__:n expire",
            "__keyspace@0__:n rename_from",
            "__keyspace@0__:m rename_to",
            "__keyspace@0__:m del",
            "__keyspace@0__:l rpush",
            "__keyspace@0__:l lpop",
            "__keyspace@0__:l rpop",
            "__keyspace@0__:l del",
            "__keyspace@0__:h hset",
            "__keyspace@0__:h hincrby",
            "__keyspace@0__:h hdel",
            "__keyspace@0__:h del",
            "__keyspace@0__:s sadd",
            "__keyspace@0__:s srem",
            "__keyspace@0__:z zadd",
            "__keyspace@0__:z zincr",
            "__keyspace@0__:z zrem",
            "__keyspace@0__:z del",
        ]
    );
}

#[tokio::test]
async fn moves_report_the_push_before_the_pop() {
    let (_s, mut writer, mut listener) = setup("Eg$ln").await;
    writer.run("RPUSH src a").await;
    writer.run("LMOVE src dst LEFT RIGHT").await;
    writer.run("SET foo bar").await;
    writer.run("SET foo baz").await;
    assert_eq!(
        received(&mut listener),
        [
            "__keyevent@0__:new src",
            "__keyevent@0__:rpush src",
            "__keyevent@0__:new dst",
            "__keyevent@0__:rpush dst",
            "__keyevent@0__:lpop src",
            "__keyevent@0__:del src",
            "__keyevent@0__:new foo",
            "__keyevent@0__:set foo",
            "__keyevent@0__:set foo",
        ]
    );
}

#[tokio::test]
async fn expiry_is_reported_by_the_keyspace() {
    let (s, mut writer, mut listener) = setup("Ex").await;
    writer.run("SET a 1 PX 10").await;
    writer.run("SET b 1 PX 10").await;
    s.clock.advance(10);
    // Lazy expiry by a read, then active expiry.
    writer.run("GET a").await;
    s.state.store.expire_cycle(100);
    s.state.publish_all_keyspace_events();
    assert_eq!(
        received(&mut listener),
        ["__keyevent@0__:expired a", "__keyevent@0__:expired b"]
    );
}

#[tokio::test]
async fn database_number_follows_select_and_named_regions_keep_kuber_events() {
    let (_s, mut writer, mut listener) = setup("KEg").await;
    listener.run("SUBSCRIBE __kuber__:users:set").await;
    writer.run("SELECT 3").await;
    writer.run("DEL k").await;
    writer.run("SET k v").await;
    writer.run("DEL k").await;
    writer.run("RCREATE users").await;
    writer.run("RSELECT users").await;
    writer.run("SET k v").await;
    writer.run("DEL k").await;
    let events = received(&mut listener);
    assert_eq!(
        events,
        [
            "__kuber__:db3:set k",
            "__kuber__:db3:del k",
            "__keyspace@3__:k del",
            "__keyevent@3__:del k",
            // The pattern and the channel both match.
            "__kuber__:users:set k",
            "__kuber__:users:set k",
            "__kuber__:users:del k",
        ]
    );
}

#[tokio::test]
async fn kuber_events_report_changes_in_place() {
    let s = server();
    let mut writer = s.client(Role::Admin);
    let mut listener = s.client(Role::Reader);
    listener.run("PSUBSCRIBE __kuber__:default:*").await;
    writer.run("RPUSH l a").await;
    writer.run("RPUSH l b").await;
    writer.run("HSET h f v").await;
    writer.run("SREM nothing x").await;
    writer.run("LPOP l 2").await;
    writer.run("RENAME h g").await;
    writer.run("EXPIRE g 100").await;
    assert_eq!(
        received(&mut listener),
        [
            "__kuber__:default:set l",
            "__kuber__:default:set l",
            "__kuber__:default:set h",
            "__kuber__:default:set l",
            "__kuber__:default:del l",
            "__kuber__:default:set g",
            "__kuber__:default:del h",
        ]
    );
}

#[tokio::test]
async fn stream_commands_publish_redis_events_in_redis_order() {
    let (_s, mut writer, mut listener) = setup("Kt").await;
    for line in [
        "XGROUP CREATE s g $ MKSTREAM",
        "XGROUP CREATECONSUMER s g Bob",
        "XADD s 1 f A",
        "XREADGROUP GROUP g Alice STREAMS s >",
        "XCLAIM s g Mike 0 1-0 FORCE",
        // Lee does not exist and Bob does: no events.
        "XGROUP DELCONSUMER s g Lee",
        "XAUTOCLAIM s g Bob 0 1-0",
        "XGROUP DELCONSUMER s g Bob",
        "XADD s MAXLEN 0 2 f B",
        "XADD s 3 f C",
        "XDEL s 3-0 9-0",
        "XDEL s 9-0",
        "XTRIM s MAXLEN 0",
        "XSETID s 10",
        "XGROUP SETID s g 0",
        "XGROUP DESTROY s g",
        "XGROUP DESTROY s g",
    ] {
        assert!(!writer.run(line).await.starts_with('-'), "{line}");
    }
    let events: Vec<String> = received(&mut listener)
        .into_iter()
        .map(|e| e.replace("__keyspace@0__:s ", ""))
        .collect();
    assert_eq!(
        events,
        [
            "xgroup-create",
            "xgroup-createconsumer",
            "xadd",
            "xgroup-createconsumer",
            "xgroup-createconsumer",
            "xgroup-delconsumer",
            "xadd",
            "xtrim",
            "xadd",
            "xdel",
            "xsetid",
            "xgroup-setid",
            "xgroup-destroy",
        ]
    );
}
