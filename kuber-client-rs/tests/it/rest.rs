//! Every method of `KuberRestClient` against the live server's `/api/v1`.

use kuber_client::{ErrorKind, KuberRestClient, RegionOptions, blocking};
use serde_json::json;

use crate::server::{ADMIN, READER, TestServer};

fn rest(server: &TestServer) -> KuberRestClient {
    KuberRestClient::new("127.0.0.1", server.http_port, ADMIN.0, ADMIN.1).unwrap()
}

#[tokio::test]
async fn server_and_regions() {
    let server = TestServer::start();
    let c = rest(&server);
    assert_eq!(c.ping().await.unwrap(), json!({"pong": true}));
    assert_eq!(c.info().await.unwrap()["server"]["redis_version"], "7.0.15");
    assert_eq!(c.status().await.unwrap()["status"], "ok");
    assert!(c.stats().await.unwrap()["regions"].is_array());
    let opts = RegionOptions {
        description: Some("d".into()),
        ttl: Some(10),
        max_entries: Some(5),
    };
    let created = c.create_region("r1", &opts).await.unwrap();
    assert_eq!(
        (created["name"].clone(), created["defaultTtl"].clone()),
        (json!("r1"), json!(10))
    );
    let err = c
        .create_region("r1", &RegionOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Server, Some("CONFLICT"))
    );
    assert_eq!(err.message(), "HTTP 409: region 'r1' already exists");
    let names: Vec<_> = c
        .list_regions()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert!(names.contains(&json!("r1")), "{names:?}");
    assert_eq!(c.region_info("r1").await.unwrap()["maxEntries"], 5);
    let err = c.region_info("missing").await.unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::NotFound, Some("NOT_FOUND"))
    );
    c.set("k", "v", None, Some("r1")).await.unwrap();
    c.purge_region("r1").await.unwrap();
    assert_eq!(c.get("k", Some("r1")).await.unwrap(), None);
    c.delete_region("r1").await.unwrap();
    assert_eq!(
        c.region_info("r1").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn cache_entries_keys_with_slashes_and_hashes() {
    let server = TestServer::start();
    let c = rest(&server);
    c.set("a/b c?d", "v", Some(60), None).await.unwrap();
    let e = c.get("a/b c?d", None).await.unwrap().unwrap();
    assert_eq!(
        (e.key.as_str(), &e.value, e.key_type.as_str()),
        ("a/b c?d", &json!("v"), "string")
    );
    assert!((59..=60).contains(&e.ttl));
    assert_eq!(c.get("missing", None).await.unwrap(), None);
    let page = c.keys(Some("a/*"), None, Some(10), None).await.unwrap();
    assert_eq!(page["keys"], json!(["a/b c?d"]));
    c.mset(&[("m1", "1"), ("m2", "2")], None, None)
        .await
        .unwrap();
    assert_eq!(
        c.mget(&["m1", "nope", "m2"], None).await.unwrap(),
        vec![json!("1"), json!(null), json!("2")]
    );
    assert_eq!(c.ttl("m1", None).await.unwrap()["ttl"], -1);
    assert_eq!(c.expire("m1", 100, None).await.unwrap()["ttl"], 100);
    assert_eq!(c.persist("m1", None).await.unwrap()["ttl"], -1);
    c.hset("h", "f", "fv", None).await.unwrap();
    assert_eq!(c.hgetall("h", None).await.unwrap(), json!({"f": "fv"}));
    assert_eq!(
        c.hget("h", "f", None).await.unwrap().unwrap()["value"],
        "fv"
    );
    assert_eq!(c.hdel("h", "f", None).await.unwrap()["deleted"], true);
    assert!(c.delete("a/b c?d", None).await.unwrap());
    assert!(!c.delete("a/b c?d", None).await.unwrap());
    // The RESP view of the same data agrees.
    let resp = kuber_client::KuberClient::connect("127.0.0.1", server.port, ADMIN.0, ADMIN.1)
        .await
        .unwrap();
    assert_eq!(
        resp.get("m2", None).await.unwrap().as_deref(),
        Some(&b"2"[..])
    );
}

#[tokio::test]
async fn json_documents_and_bulk() {
    let server = TestServer::start();
    let c = rest(&server);
    c.json_set("doc", &json!({"a": 1, "b": [1, 2]}), None, Some("docs"))
        .await
        .unwrap();
    assert_eq!(
        c.json_get("doc", None, Some("docs")).await.unwrap(),
        Some(json!({"a": 1, "b": [1, 2]}))
    );
    assert_eq!(
        c.json_get("doc", Some("$.b"), Some("docs")).await.unwrap(),
        Some(json!([1, 2]))
    );
    assert_eq!(c.json_get("nope", None, Some("docs")).await.unwrap(), None);
    assert_eq!(
        c.json_update("doc", &json!({"c": 3}), Some("docs"))
            .await
            .unwrap(),
        json!({"a": 1, "b": [1, 2], "c": 3})
    );
    let found = c
        .json_search("a=1", Some(10), None, Some("docs"))
        .await
        .unwrap();
    assert_eq!(
        found["results"],
        json!([{"key": "doc", "value": {"a": 1, "b": [1, 2], "c": 3}}])
    );
    let err = c
        .json_search("a=", None, None, Some("docs"))
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Server, Some("INVALID_QUERY"))
    );
    assert_eq!(err.message(), "HTTP 400: query: missing value at 2");
    c.json_delete("doc", Some("$.c"), Some("docs"))
        .await
        .unwrap();
    assert_eq!(
        c.json_get("doc", Some("$.c"), Some("docs")).await.unwrap(),
        None
    );
    c.bulk_import(
        &[
            json!({"key": "i1", "value": "x"}),
            json!({"key": "i2", "value": "y", "ttl": 100}),
        ],
        None,
    )
    .await
    .unwrap();
    let mut rows = c.bulk_export(Some("i*"), None).await.unwrap();
    rows.sort_by(|a, b| a["key"].as_str().cmp(&b["key"].as_str()));
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["key"].clone(), rows[0]["value"].clone()),
        (json!("i1"), json!("x"))
    );
    assert!(rows[1]["ttl"].as_i64().unwrap() > 90);
}

#[test]
fn auth_and_permission_errors_and_the_blocking_twin() {
    let server = TestServer::start();
    let bad =
        blocking::KuberRestClient::new("127.0.0.1", server.http_port, "admin", "wrong").unwrap();
    let err = bad.info().unwrap_err();
    assert_eq!(
        (err.kind(), err.code()),
        (ErrorKind::Auth, Some("UNAUTHORIZED"))
    );
    let reader =
        blocking::KuberRestClient::new("127.0.0.1", server.http_port, READER.0, READER.1).unwrap();
    assert_eq!(reader.get("k", None).unwrap(), None);
    let err = reader.set("k", "v", None, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Permission, "{err}");
    let admin =
        blocking::KuberRestClient::new("127.0.0.1", server.http_port, ADMIN.0, ADMIN.1).unwrap();
    admin.set("k", "v", None, None).unwrap();
    assert_eq!(reader.get("k", None).unwrap().unwrap().value, json!("v"));
}
