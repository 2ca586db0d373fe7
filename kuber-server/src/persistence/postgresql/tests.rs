//! Tests of the postgresql backend: the conformance suite against the real server and the
//! backend-specific cases.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use futures_util::FutureExt;

use super::*;
use crate::persistence::conformance;
use bytes::Bytes;

fn server_url() -> String {
    std::env::var("KUBER_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "KUBER_TEST_POSTGRES_URL is not set: start PostgreSQL with \
             scripts/services/postgres.sh start DIR and export KUBER_TEST_POSTGRES_URL \
             (eval \"$(scripts/services/postgres.sh start /tmp/kuber-pg)\")"
        )
    })
}

/// `url` with its database replaced by `database` (and its query string dropped).
fn with_database(url: &str, database: &str) -> String {
    let url = url.split('?').next().unwrap();
    let authority = url.find("://").expect("a URL") + 3;
    let base = match url[authority..].find('/') {
        Some(slash) => &url[..authority + slash],
        None => url,
    };
    format!("{base}/{database}")
}

/// `postgres://user:password@host:port/db` in the Java seed's JDBC form.
fn as_jdbc(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    let (credentials, address) = rest.split_once('@').unwrap();
    let (user, password) = credentials.split_once(':').unwrap();
    format!("jdbc:postgresql://{address}?user={user}&password={password}")
}

fn put(region: &str, key: &str, kind: ValueKind, payload: &[u8]) -> Change {
    Change::Put {
        region: region.into(),
        entry: StoredEntry {
            key: Bytes::copy_from_slice(key.as_bytes()),
            kind,
            payload: Bytes::copy_from_slice(payload),
            expires_at_ms: None,
            version: 1,
            updated_at_ms: 2,
        },
    }
}

#[test]
fn jdbc_urls_are_converted() {
    let url = "jdbc:postgresql://db.example:5433/kuber?user=cache&password=p%40ss%3Aword";
    assert_eq!(
        to_sqlx_url(url).unwrap(),
        "postgresql://db.example:5433/kuber?user=cache&password=p%40ss%3Aword"
    );
    let options: PgConnectOptions = to_sqlx_url(url).unwrap().parse().unwrap();
    assert_eq!(options.get_host(), "db.example");
    assert_eq!(options.get_port(), 5433);
    assert_eq!(options.get_database(), Some("kuber"));
    assert_eq!(options.get_username(), "cache");
    // The password is decoded (no getter; the debug form shows it).
    assert!(format!("{options:?}").contains("\"p@ss:word\""));
    for plain in ["postgres://u:p@h:1/d", "postgresql://u:p@h:1/d"] {
        assert_eq!(to_sqlx_url(plain), Some(plain));
    }
    assert_eq!(to_sqlx_url("mysql://u:p@h/d"), None);
    assert_eq!(to_sqlx_url("jdbc:mysql://h/d?user=u"), None);
}

#[tokio::test]
async fn an_unreachable_server_fails_fast_without_the_password() {
    // A port nobody listens on: bind one, then close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let err = PostgresStore::connect(&format!("postgres://kuber:s3cret@127.0.0.1:{port}/kuber"))
        .await
        .err()
        .expect("connect must fail");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "took {:?}",
        started.elapsed()
    );
    let message = err.to_string();
    assert!(matches!(err, PersistenceError::Config(_)), "{err:?}");
    assert!(
        message.starts_with(&format!(
            "kuber.persistence.postgresql.url (kuber@127.0.0.1:{port}/kuber): cannot connect:"
        )),
        "{message}"
    );
    assert!(!message.contains("s3cret"), "{message}");
    let err = PostgresStore::connect("mysql://x").await.err().unwrap();
    assert!(
        err.to_string()
            .starts_with("kuber.persistence.postgresql.url is not"),
        "{err}"
    );
}

#[tokio::test]
async fn conformance() {
    let server = server_url();
    let mut admin = PgConnection::connect(&server)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to KUBER_TEST_POSTGRES_URL: {e}"));
    let database = format!("kuber_test_{:016x}", rand::random::<u64>());
    sqlx::raw_sql(&format!("CREATE DATABASE {database}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let url = with_database(&server, &database);
    let outcome = AssertUnwindSafe(run_against(url)).catch_unwind().await;
    // The store's pool may still hold connections: FORCE closes them.
    sqlx::raw_sql(&format!("DROP DATABASE {database} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn run_against(url: String) {
    // The reopened handle connects with the Java seed's JDBC form of the same URL.
    let opened = AtomicUsize::new(0);
    conformance::run(|| {
        let url = match opened.fetch_add(1, Ordering::Relaxed) {
            0 => url.clone(),
            _ => as_jdbc(&url),
        };
        async move {
            Arc::new(PostgresStore::connect(&url).await.unwrap()) as Arc<dyn PersistenceStore>
        }
    })
    .await;
    assert_eq!(opened.load(Ordering::Relaxed), 2);

    let store = PostgresStore::connect(&url).await.unwrap();

    // A row of an unknown kind is reported and the stream goes on.
    store
        .apply(&[
            put("bad", "good1", ValueKind::String, b"\x01one"),
            put("bad", "good2", ValueKind::String, b"\x01two"),
        ])
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO kuber_entries (region, key, kind, payload, version, updated_at_ms) \
         VALUES ('bad', 'bad'::bytea, 'bogus', '\\x01'::bytea, 1, 1)",
    )
    .execute(&store.pool)
    .await
    .unwrap();
    let items: Vec<_> = store.load("bad").collect().await;
    assert_eq!(items.len(), 3);
    assert_eq!(items.iter().filter(|i| i.is_ok()).count(), 2);
    let errors: Vec<String> = items
        .iter()
        .filter_map(|i| i.as_ref().err())
        .map(|e| e.to_string())
        .collect();
    assert_eq!(
        errors,
        vec!["corrupt record in region 'bad' (key \"bad\"): unknown kind 'bogus'".to_string()]
    );

    // JSON: exact text back, a JSONB copy to query; a document JSONB cannot hold is kept.
    let doc = br#"{"z":1,"name":"Ann","name2":"x"}"#;
    let nul = br#"{"s":"a\u0000b"}"#;
    store
        .apply(&[
            put("json", "doc", ValueKind::Json, doc),
            put("json", "nul", ValueKind::Json, nul),
        ])
        .await
        .unwrap();
    let name: String = sqlx::query_scalar(
        "SELECT doc->>'name' FROM kuber_entries WHERE region = 'json' AND key = 'doc'::bytea",
    )
    .fetch_one(&store.pool)
    .await
    .unwrap();
    assert_eq!(name, "Ann");
    assert_eq!(
        &store.get("json", b"doc").await.unwrap().unwrap().payload[..],
        &doc[..]
    );
    assert_eq!(
        &store.get("json", b"nul").await.unwrap().unwrap().payload[..],
        &nul[..]
    );

    // Not a test of speed (timing varies with the machine): a number for the report.
    let changes: Vec<Change> = (0..10_000)
        .map(|i| {
            put(
                "bench",
                &format!("key:{i}"),
                ValueKind::String,
                format!("\x01value {i}").as_bytes(),
            )
        })
        .collect();
    let started = Instant::now();
    store.apply(&changes).await.unwrap();
    let took = started.elapsed();
    eprintln!(
        "postgresql: 10,000 puts in one apply took {took:?} ({:.0} puts/s)",
        10_000.0 / took.as_secs_f64()
    );
    assert_eq!(store.count(Some("bench")).await.unwrap(), 10_000);
}
