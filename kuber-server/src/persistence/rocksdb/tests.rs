//! Tests of the rocksdb backend: the conformance suite against the real server and the
//! backend-specific cases.

use std::time::Instant;

use super::*;
use crate::persistence::conformance;

fn entry(key: &str, payload: &str, expires_at_ms: Option<u64>) -> StoredEntry {
    StoredEntry {
        key: Bytes::copy_from_slice(key.as_bytes()),
        kind: ValueKind::String,
        payload: Bytes::from(format!("\x01{payload}")),
        expires_at_ms,
        version: 1,
        updated_at_ms: 1_700_000_000_000,
    }
}

fn put(region: &str, entry: StoredEntry) -> Change {
    Change::Put {
        region: region.into(),
        entry,
    }
}

/// Every expiry index key, decoded.
fn index(store: &RocksStore) -> Vec<(u64, String, String)> {
    let db = &store.inner.db;
    let mut it = db.raw_iterator_opt(scan_options(&[EXPIRY]));
    it.seek([EXPIRY]);
    let mut out = Vec::new();
    while let Some(k) = it.key() {
        let (at, region, key) = parse_expiry_key(k).unwrap();
        out.push((
            at,
            String::from_utf8(region.to_vec()).unwrap(),
            String::from_utf8(key.to_vec()).unwrap(),
        ));
        it.next();
    }
    out
}

async fn load_all(store: &RocksStore, region: &str) -> Vec<LoadItem> {
    store.load(region).collect().await
}

#[tokio::test]
async fn conformance() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    conformance::run(|| {
        let path = path.clone();
        async move { Arc::new(RocksStore::open(&path).await.unwrap()) as Arc<dyn PersistenceStore> }
    })
    .await;
}

#[tokio::test]
async fn a_corrupt_record_is_reported_and_loading_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let store = RocksStore::open(dir.path()).await.unwrap();
    store
        .apply(&[
            put("r", entry("a", "1", None)),
            put("r", entry("c", "3", None)),
        ])
        .await
        .unwrap();
    let mut bad = encode_entry(&entry("b", "2", None));
    bad[0] = 9;
    store.inner.db.put(entry_key("r", b"b"), bad).unwrap();
    store
        .inner
        .db
        .put(entry_key("r", b"short"), b"\x01")
        .unwrap();
    let items = load_all(&store, "r").await;
    assert_eq!(items.len(), 4);
    let ok: Vec<&[u8]> = items
        .iter()
        .filter_map(|i| i.as_ref().ok())
        .map(|e| &e.key[..])
        .collect();
    assert_eq!(ok, vec![&b"a"[..], b"c"]);
    let reasons: Vec<String> = items
        .iter()
        .filter_map(|i| match i {
            Err(PersistenceError::Corrupt {
                region,
                key,
                reason,
            }) => Some(format!("{region}/{key}: {reason}")),
            Err(other) => panic!("unexpected error {other}"),
            Ok(_) => None,
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            "r/b: unknown record format 9".to_string(),
            "r/short: record of 1 bytes is shorter than its header".to_string()
        ]
    );
    assert!(matches!(
        store.get("r", b"b").await,
        Err(PersistenceError::Corrupt { .. })
    ));
}

#[tokio::test]
async fn open_errors_name_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    for path in [file.clone(), file.join("below-a-file")] {
        let err = RocksStore::open(&path).await.err().expect("open must fail");
        let msg = err.to_string();
        assert!(matches!(err, PersistenceError::Config(_)), "{msg}");
        assert!(msg.contains(SETTING), "{msg}");
    }
    let held = RocksStore::open(&dir.path().join("db")).await.unwrap();
    let err = RocksStore::open(&dir.path().join("db"))
        .await
        .err()
        .expect("lock is held");
    let msg = err.to_string();
    assert!(
        msg.contains(SETTING) && msg.contains("another kuber-server"),
        "{msg}"
    );
    drop(held);
    RocksStore::open(&dir.path().join("db"))
        .await
        .expect("reopens once closed");
}

#[tokio::test]
async fn the_expiry_index_follows_puts_deletes_and_purges() {
    let dir = tempfile::tempdir().unwrap();
    let store = RocksStore::open(dir.path()).await.unwrap();
    let idx = |at: u64, key: &str| (at, "r".to_string(), key.to_string());
    // Replacing within a batch and across batches moves the index key; a delete removes it.
    store
        .apply(&[
            put("r", entry("k", "1", Some(100))),
            put("r", entry("k", "2", Some(200))),
            put("r", entry("gone", "x", Some(150))),
            Change::Delete {
                region: "r".into(),
                key: Bytes::from_static(b"gone"),
            },
            put("r", entry("plain", "p", Some(300))),
        ])
        .await
        .unwrap();
    assert_eq!(index(&store), vec![idx(200, "k"), idx(300, "plain")]);
    store
        .apply(&[
            put("r", entry("k", "3", Some(250))),
            put("r", entry("plain", "p", None)),
        ])
        .await
        .unwrap();
    assert_eq!(index(&store), vec![idx(250, "k")]);
    assert_eq!(store.delete_expired(249).await.unwrap(), 0);
    assert_eq!(store.count(Some("r")).await.unwrap(), 2);

    // A purge leaves its index keys behind; a later write of the same key without that expiry
    // must not be deleted by them.
    store
        .apply(&[
            Change::PurgeRegion("r".into()),
            put("r", entry("k", "4", None)),
        ])
        .await
        .unwrap();
    assert_eq!(index(&store), vec![idx(250, "k")]);
    assert_eq!(store.delete_expired(1000).await.unwrap(), 0);
    assert_eq!(
        store.get("r", b"k").await.unwrap(),
        Some(entry("k", "4", None))
    );
    assert_eq!(index(&store), vec![]);
}

#[tokio::test]
async fn delete_expired_works_through_more_than_one_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let store = RocksStore::open(dir.path()).await.unwrap();
    let n = EXPIRE_CHUNK * 2 + 17;
    let changes: Vec<Change> = (0..n)
        .map(|i| put("r", entry(&format!("k{i}"), "v", Some(1000 + i as u64))))
        .chain([put("r", entry("late", "v", Some(u64::MAX)))])
        .collect();
    store.apply(&changes).await.unwrap();
    assert_eq!(store.delete_expired(999).await.unwrap(), 0);
    assert_eq!(
        store.delete_expired(1000 + n as u64).await.unwrap(),
        n as u64
    );
    assert_eq!(store.count(Some("r")).await.unwrap(), 1);
    assert_eq!(store.delete_expired(u64::MAX).await.unwrap(), 1);
    assert_eq!(index(&store), vec![]);
}

#[tokio::test]
async fn throughput() {
    let dir = tempfile::tempdir().unwrap();
    let store = RocksStore::open(dir.path()).await.unwrap();
    const N: usize = 100_000;
    let mut first = None;
    let started = Instant::now();
    for chunk in 0..N / 10_000 {
        let changes: Vec<Change> = (chunk * 10_000..(chunk + 1) * 10_000)
            .map(|i| {
                let ttl = (i % 3 == 0).then_some(4_000_000_000_000 + i as u64);
                put(
                    "bench",
                    entry(&format!("key:{i}"), &format!("value {i}"), ttl),
                )
            })
            .collect();
        let t = Instant::now();
        store.apply(&changes).await.unwrap();
        first.get_or_insert(t.elapsed());
    }
    let total = started.elapsed();
    let first = first.unwrap();
    eprintln!(
        "rocksdb apply: first 10,000 puts in {first:?} ({:.0}/s); {N} puts in {total:?} ({:.0}/s)",
        10_000.0 / first.as_secs_f64(),
        N as f64 / total.as_secs_f64()
    );
    drop(store);
    let store = RocksStore::open(dir.path()).await.unwrap();
    let t = Instant::now();
    let loaded = store
        .load("bench")
        .filter(|e| futures_util::future::ready(e.is_ok()))
        .count()
        .await;
    eprintln!(
        "rocksdb load: {loaded} entries in {:?} (after reopen)",
        t.elapsed()
    );
    assert_eq!(loaded, N);
}
