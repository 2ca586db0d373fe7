//! Tests of the mongodb backend: the conformance suite against the real server and the
//! backend-specific cases.

use std::sync::Arc;
use std::time::Instant;

use futures_util::FutureExt;

use super::*;
use crate::persistence::ValueKind;
use crate::persistence::conformance;
use bytes::Bytes;

/// The test server's URI and a fresh database name for this run.
fn test_server() -> (String, String) {
    let uri = std::env::var("KUBER_TEST_MONGODB_URI").unwrap_or_else(|_| {
        panic!(
            "KUBER_TEST_MONGODB_URI is not set: start a MongoDB-wire server with \
             scripts/services/ferretdb.sh start DIR and export KUBER_TEST_MONGODB_URI \
             (eval \"$(scripts/services/ferretdb.sh start /tmp/kuber-ferret)\")"
        )
    });
    (uri, format!("kuber_test_{:016x}", rand::random::<u64>()))
}

/// Runs `test`, then drops the database whether it passed or not.
async fn with_database<F, Fut>(test: F)
where
    F: FnOnce(String, String) -> Fut,
    Fut: Future<Output = ()>,
{
    let (uri, database) = test_server();
    let outcome = std::panic::AssertUnwindSafe(test(uri.clone(), database.clone()))
        .catch_unwind()
        .await;
    let store = MongoStore::connect(&uri, &database)
        .await
        .expect("connect to drop the test database");
    store.db.drop().await.expect("drop the test database");
    store.client.clone().shutdown().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance() {
    with_database(|uri, database| async move {
        conformance::run(|| {
            let (uri, database) = (uri.clone(), database.clone());
            async move {
                let store = MongoStore::connect(&uri, &database).await.unwrap();
                Arc::new(store) as Arc<dyn PersistenceStore>
            }
        })
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_documents_keep_a_queryable_copy() {
    with_database(|uri, database| async move {
        let store = MongoStore::connect(&uri, &database).await.unwrap();
        let put = |key: &str, payload: &str| Change::Put {
            region: "docs".into(),
            entry: StoredEntry {
                key: Bytes::copy_from_slice(key.as_bytes()),
                kind: ValueKind::Json,
                payload: Bytes::copy_from_slice(payload.as_bytes()),
                expires_at_ms: None,
                version: 1,
                updated_at_ms: 2,
            },
        };
        store
            .apply(&[
                put("ann", r#"{"name":"Ann","age":41}"#),
                put("bob", r#"{"name":"Bob","age":17}"#),
                put("odd", r#"{"$set":1}"#),
            ])
            .await
            .unwrap();
        let entries: Collection<Document> = store.db.collection("entries_docs");
        let adults = entries
            .count_documents(doc! { "doc.age": { "$gte": 18 } })
            .await
            .unwrap();
        assert_eq!(adults, 1);
        let odd = entries
            .find_one(doc! { "_id": "s:odd" })
            .await
            .unwrap()
            .unwrap();
        assert!(
            !odd.contains_key("doc"),
            "a `$` field name has no BSON copy"
        );
        let got = store.get("docs", b"odd").await.unwrap().unwrap();
        assert_eq!(&got.payload[..], br#"{"$set":1}"#);
    })
    .await;
}

/// Prints the rate of 10,000 small puts (new keys, then the same keys again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_throughput() {
    with_database(|uri, database| async move {
        let store = MongoStore::connect(&uri, &database).await.unwrap();
        let changes: Vec<Change> = (0..10_000)
            .map(|i| Change::Put {
                region: "bench".into(),
                entry: StoredEntry {
                    key: Bytes::from(format!("key:{i}")),
                    kind: ValueKind::String,
                    payload: Bytes::from(format!("\x01value {i}")),
                    expires_at_ms: None,
                    version: i,
                    updated_at_ms: 1,
                },
            })
            .collect();
        for pass in ["new keys", "existing keys"] {
            let started = Instant::now();
            store.apply(&changes).await.unwrap();
            let elapsed = started.elapsed();
            eprintln!(
                "mongodb apply, 10,000 puts ({pass}): {elapsed:?}, {:.0} puts/s",
                10_000.0 / elapsed.as_secs_f64()
            );
        }
        assert_eq!(store.count(Some("bench")).await.unwrap(), 10_000);
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_server_fails_fast_naming_the_setting_without_the_password() {
    let started = Instant::now();
    let err = MongoStore::connect("mongodb://kuber:s3cret-pw@127.0.0.1:1/", "kuber")
        .await
        .err()
        .expect("nothing listens on port 1");
    let message = err.to_string();
    assert!(matches!(err, PersistenceError::Config(_)), "{message}");
    assert!(
        message.contains("kuber.persistence.mongodb.uri"),
        "{message}"
    );
    assert!(!message.contains("s3cret-pw"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    let err = MongoStore::connect(
        "mongodb://kuber:s3cret-pw@127.0.0.1:1/?bogus=x&ssl=maybe",
        "kuber",
    )
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("kuber.persistence.mongodb.uri") && !err.contains("s3cret-pw"),
        "{err}"
    );
}

#[test]
fn key_ids_are_distinct_and_readable() {
    assert_eq!(key_id(b"user:1"), "s:user:1");
    assert_eq!(key_id(b""), "s:");
    assert_eq!(key_id(b"a\0b"), "x:610062");
    assert_eq!(key_id(&[0xff, 0x00]), "x:ff00");
    // A text key that looks like a hex id stays distinct from it.
    assert_ne!(key_id(b"x:ff00"), key_id(&[0xff, 0x00]));
    assert_eq!(password_of("mongodb://u:p%40ss@h:1/db?x=y"), Some("p%40ss"));
    assert_eq!(password_of("mongodb://h:1/db"), None);
}
