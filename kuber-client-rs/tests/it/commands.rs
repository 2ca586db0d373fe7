//! Every typed method of `KuberClient` against a live server, with exact results.

use std::time::Duration;

use bytes::Bytes;
use kuber_client::{ClientConfig, ErrorKind, KuberClient, RegionOptions};
use serde_json::json;

use crate::server::{ADMIN, READER, TestServer};

async fn admin(server: &TestServer) -> KuberClient {
    KuberClient::connect("127.0.0.1", server.port, ADMIN.0, ADMIN.1)
        .await
        .unwrap()
}

fn b(s: &str) -> Bytes {
    Bytes::copy_from_slice(s.as_bytes())
}

#[tokio::test]
async fn missing_credentials_fail_before_any_io() {
    // Port 1 has no server: a Config error proves nothing was dialled.
    for (user, pass) in [("", "p"), ("u", ""), ("", "")] {
        let err = KuberClient::connect("127.0.0.1", 1, user, pass)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    }
    let err = KuberClient::connect("127.0.0.1", 1, "u", "p")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
}

#[tokio::test]
async fn wrong_password_is_auth_and_reader_writes_are_permission() {
    let server = TestServer::start();
    let err = KuberClient::connect("127.0.0.1", server.port, "admin", "nope")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(
        err.message(),
        "WRONGPASS invalid username-password pair or user is disabled."
    );
    let reader = KuberClient::connect("127.0.0.1", server.port, READER.0, READER.1)
        .await
        .unwrap();
    assert_eq!(reader.get("k", None).await.unwrap(), None);
    let err = reader.set("k", "v", None, None).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Permission, Some("NOPERM"))
    );
}

#[tokio::test]
async fn regions() {
    let server = TestServer::start();
    let c = admin(&server).await;
    assert_eq!(c.ping().await.unwrap(), "PONG");
    let opts = RegionOptions {
        description: Some("orders".into()),
        ttl: Some(100),
        max_entries: Some(10),
    };
    c.create_region("orders", &opts).await.unwrap();
    let err = c
        .create_region("orders", &RegionOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Server, Some("REGIONEXISTS"))
    );
    let mut regions = c.list_regions().await.unwrap();
    regions.sort();
    assert_eq!(regions, ["default", "orders"]);
    let info = c.region_info("orders").await.unwrap();
    assert_eq!(info["description"], "orders");
    assert_eq!(info["defaultTtl"], 100);
    assert_eq!(info["maxEntries"], 10);
    assert_eq!(
        c.region_info("nope").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    // A per-call region leaves the current region alone.
    c.set("k", "in-orders", None, Some("orders")).await.unwrap();
    assert_eq!(c.current_region(), "default");
    assert_eq!(c.get("k", None).await.unwrap(), None);
    assert_eq!(
        c.get("k", Some("orders")).await.unwrap(),
        Some(b("in-orders"))
    );
    assert!(
        c.ttl("k", Some("orders")).await.unwrap() > 90,
        "region default TTL applies"
    );
    c.select_region("orders").await.unwrap();
    assert_eq!(c.current_region(), "orders");
    assert_eq!(c.get("k", None).await.unwrap(), Some(b("in-orders")));
    assert_eq!(c.get("k", Some("default")).await.unwrap(), None);

    c.purge_region("orders").await.unwrap();
    assert_eq!(c.dbsize(Some("orders")).await.unwrap(), 0);
    c.select_region("default").await.unwrap();
    c.delete_region("orders").await.unwrap();
    assert_eq!(
        c.delete_region("orders").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(c.list_regions().await.unwrap(), ["default"]);
}

#[tokio::test]
async fn strings() {
    let server = TestServer::start();
    let c = admin(&server).await;
    c.set("s", "v", None, None).await.unwrap();
    assert_eq!(c.get("s", None).await.unwrap(), Some(b("v")));
    c.set(b"bin\x00key", [0u8, 255, 10], None, None)
        .await
        .unwrap();
    assert_eq!(
        c.get(b"bin\x00key", None).await.unwrap().as_deref(),
        Some(&[0u8, 255, 10][..])
    );
    c.set("t", "v", Some(Duration::from_secs(50)), None)
        .await
        .unwrap();
    let ttl = c.ttl("t", None).await.unwrap();
    assert!((49..=50).contains(&ttl), "{ttl}");
    assert!(c.setnx("n", "1", None).await.unwrap());
    assert!(!c.setnx("n", "2", None).await.unwrap());
    c.setex("e", 30, "v", None).await.unwrap();
    assert!((29..=30).contains(&c.ttl("e", None).await.unwrap()));
    c.mset(&[("a", "1"), ("b", "2")], None).await.unwrap();
    assert_eq!(
        c.mget(&["a", "missing", "b"], None).await.unwrap(),
        vec![Some(b("1")), None, Some(b("2"))]
    );
    assert_eq!(c.incr("i", None).await.unwrap(), 1);
    assert_eq!(c.incrby("i", 10, None).await.unwrap(), 11);
    assert_eq!(c.decr("i", None).await.unwrap(), 10);
    assert_eq!(c.decrby("i", -5, None).await.unwrap(), 15);
    assert_eq!(c.append("s", "w", None).await.unwrap(), 2);
    assert_eq!(c.strlen("s", None).await.unwrap(), 2);
    let err = c.incr("s", None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(err.message(), "ERR value is not an integer or out of range");
    let err = c
        .set("t", "v", Some(Duration::ZERO), None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn keys() {
    let server = TestServer::start();
    let c = admin(&server).await;
    c.mset(&[("user:1", "a"), ("user:2", "b"), ("other", "c")], None)
        .await
        .unwrap();
    let mut keys = c.keys("user:*", None).await.unwrap();
    keys.sort();
    assert_eq!(keys, [b("user:1"), b("user:2")]);
    let mut seen = Vec::new();
    let mut cursor = 0;
    loop {
        let page = c.scan(cursor, Some("user:*"), Some(1), None).await.unwrap();
        seen.extend(page.items);
        cursor = page.cursor;
        if cursor == 0 {
            break;
        }
    }
    seen.sort();
    assert_eq!(seen, [b("user:1"), b("user:2")]);
    c.expire("user:2", 100, None).await.unwrap();
    let found = c.ksearch("^user:", None, None).await.unwrap();
    assert_eq!(found.len(), 2);
    let two = found.iter().find(|k| k.key == b("user:2")).unwrap();
    assert_eq!(two.key_type, "string");
    assert!(two.ttl > 90);
    assert_eq!(c.ksearch("^user:", Some(1), None).await.unwrap().len(), 1);
    assert_eq!(
        c.ksearch("(", None, None).await.unwrap_err().kind(),
        ErrorKind::Server
    );
    assert_eq!(
        c.exists(&["user:1", "user:2", "nope"], None).await.unwrap(),
        2
    );
    assert_eq!(c.key_type("user:1", None).await.unwrap(), "string");
    assert_eq!(c.key_type("nope", None).await.unwrap(), "none");
    assert_eq!(c.ttl("user:1", None).await.unwrap(), -1);
    assert_eq!(c.ttl("nope", None).await.unwrap(), -2);
    assert!(c.expire("user:1", 100, None).await.unwrap());
    assert!(!c.expire("nope", 100, None).await.unwrap());
    assert!(c.persist("user:1", None).await.unwrap());
    assert!(!c.persist("user:1", None).await.unwrap());
    c.rename("user:1", "user:9", None).await.unwrap();
    assert_eq!(c.get("user:9", None).await.unwrap(), Some(b("a")));
    let err = c.rename("nope", "x", None).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.message()),
        (ErrorKind::NotFound, "ERR no such key")
    );
    assert_eq!(
        c.delete(&["user:9", "user:2", "nope"], None).await.unwrap(),
        2
    );
    assert_eq!(c.dbsize(None).await.unwrap(), 1);
    c.flushdb(None).await.unwrap();
    assert_eq!(c.dbsize(None).await.unwrap(), 0);
}

#[tokio::test]
async fn hashes() {
    let server = TestServer::start();
    let c = admin(&server).await;
    assert!(c.hset("h", "f1", "v1", None).await.unwrap());
    assert!(!c.hset("h", "f1", "v1b", None).await.unwrap());
    c.hmset("h", &[("f2", "v2"), ("f3", "v3")], None)
        .await
        .unwrap();
    assert_eq!(c.hget("h", "f1", None).await.unwrap(), Some(b("v1b")));
    assert_eq!(c.hget("h", "nope", None).await.unwrap(), None);
    assert_eq!(
        c.hmget("h", &["f2", "nope"], None).await.unwrap(),
        vec![Some(b("v2")), None]
    );
    let mut all = c.hgetall("h", None).await.unwrap();
    all.sort();
    assert_eq!(
        all,
        [(b("f1"), b("v1b")), (b("f2"), b("v2")), (b("f3"), b("v3"))]
    );
    assert!(c.hexists("h", "f2", None).await.unwrap());
    assert!(!c.hexists("h", "zz", None).await.unwrap());
    let mut keys = c.hkeys("h", None).await.unwrap();
    keys.sort();
    assert_eq!(keys, [b("f1"), b("f2"), b("f3")]);
    let mut vals = c.hvals("h", None).await.unwrap();
    vals.sort();
    assert_eq!(vals, [b("v1b"), b("v2"), b("v3")]);
    assert_eq!(c.hlen("h", None).await.unwrap(), 3);
    assert_eq!(c.hdel("h", &["f1", "zz"], None).await.unwrap(), 1);
    assert_eq!(c.hgetall("nope", None).await.unwrap(), vec![]);
    c.set("s", "v", None, None).await.unwrap();
    let err = c.hget("s", "f", None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongType);
    assert_eq!(
        err.message(),
        "WRONGTYPE Operation against a key holding the wrong kind of value"
    );
}

#[tokio::test]
async fn json_documents() {
    let server = TestServer::start();
    let c = admin(&server).await;
    let alice =
        json!({"name": "Alice", "age": 30, "address": {"city": "Paris"}, "tags": ["a", "b"]});
    c.json_set("u:1", &alice, None, None, None).await.unwrap();
    c.json_set(
        "u:2",
        &json!({"name": "Bob", "age": 20}),
        None,
        Some(100),
        None,
    )
    .await
    .unwrap();
    assert!(c.ttl("u:2", None).await.unwrap() > 90);
    assert_eq!(c.key_type("u:1", None).await.unwrap(), "json");
    assert_eq!(
        c.json_get("u:1", None, None).await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(
        c.json_get("u:1", Some("$.address.city"), None)
            .await
            .unwrap(),
        Some(json!("Paris"))
    );
    assert_eq!(c.json_get("nope", None, None).await.unwrap(), None);
    c.json_set("u:1", &json!("Lyon"), Some("$.address.city"), None, None)
        .await
        .unwrap();
    assert_eq!(
        c.json_get_text("u:1", Some("$.address"), None)
            .await
            .unwrap()
            .as_deref(),
        Some(r#"{"city":"Lyon"}"#)
    );
    let merged = c
        .json_update("u:1", &json!({"address": {"zip": "69000"}}), None, None)
        .await
        .unwrap();
    assert_eq!(merged["address"], json!({"city": "Lyon", "zip": "69000"}));
    let removed = c.json_remove("u:1", &["tags", "age"], None).await.unwrap();
    assert_eq!(
        removed,
        json!({"name": "Alice", "address": {"city": "Lyon", "zip": "69000"}})
    );
    c.json_set(
        "u:3",
        &json!({"name": "Carol", "age": 41}),
        None,
        None,
        None,
    )
    .await
    .unwrap();
    let found = c.json_search("age>25", None, None).await.unwrap();
    assert_eq!(
        found,
        vec![("u:3".to_owned(), json!({"name": "Carol", "age": 41}))]
    );
    let found = c
        .json_search("$.name LIKE %o%", Some(10), None)
        .await
        .unwrap();
    let keys: Vec<_> = found.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["u:2", "u:3"]);
    let mut cursor = "0".to_owned();
    let mut walked = Vec::new();
    loop {
        let page = c
            .json_search_page("name!=nobody", &cursor, Some(1), None)
            .await
            .unwrap();
        walked.extend(page.items.into_iter().map(|(k, _)| k));
        cursor = page.cursor;
        if cursor == "0" {
            break;
        }
    }
    assert_eq!(walked, ["u:1", "u:2", "u:3"]);
    let err = c.json_search("age=", None, None).await.unwrap_err();
    assert_eq!(err.message(), "ERR query: missing value at 4");
    let err = c
        .json_set_text("bad", "{bad", None, None, None)
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Server, Some("JSONERR"))
    );
    assert!(
        c.json_delete("u:1", Some("$.address.zip"), None)
            .await
            .unwrap()
    );
    assert_eq!(
        c.json_get("u:1", Some("$.address"), None).await.unwrap(),
        Some(json!({"city": "Lyon"}))
    );
    assert!(c.json_delete("u:1", None, None).await.unwrap());
    assert!(!c.json_delete("u:1", None, None).await.unwrap());
    // JSON in another region stays there.
    c.json_set("doc", &json!({"r": 1}), None, None, Some("docs"))
        .await
        .unwrap();
    assert_eq!(c.json_get("doc", None, None).await.unwrap(), None);
    assert_eq!(
        c.json_search("r=1", None, Some("docs"))
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn server_commands_and_raw_command() {
    let server = TestServer::start();
    let c = admin(&server).await;
    assert!(c.info(None).await.unwrap().contains("redis_version:7.0.15"));
    assert!(
        c.info(Some("server"))
            .await
            .unwrap()
            .starts_with("# Server")
    );
    let status = c.status().await.unwrap();
    assert_eq!(status["status"], "ok");
    assert_eq!(c.repl_info().await.unwrap(), json!(["master", 0, []]));
    let echoed = c.command(&["ECHO", "hi"], None).await.unwrap();
    assert_eq!(echoed, kuber_client::Frame::Bulk(b("hi")));
    let err = c.command(&["MULTI"], None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let err = c.command(&["RSELECT", "x"], None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    c.close();
    assert_eq!(c.ping().await.unwrap_err().kind(), ErrorKind::Connection);
}

#[tokio::test]
async fn resp3_is_negotiated() {
    let server = TestServer::start();
    let c = admin(&server).await;
    c.hset("h", "f", "v", None).await.unwrap();
    // HGETALL is a map in RESP3, a flat array in RESP2.
    let raw = c.command(&["HGETALL", "h"], None).await.unwrap();
    assert!(matches!(raw, kuber_client::Frame::Map(_)), "{raw:?}");
    let _ = ClientConfig::new("h", 1, "u", "p");
}
