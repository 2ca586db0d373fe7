//! The journal, flusher, recovery and read-through wired to the dispatcher, against the memory
//! backend and a wrapper of it that can be switched off (an outage). The real backends are tested
//! by the conformance suite and, with the real binary, by `tests/system/test_persistence.py`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

use super::encoding::{decode, encode};
use super::memory::MemoryStore;
use super::recovery::recover;
use super::writer::Persistence;
use super::*;
use crate::auth::Role;
use crate::cmd::testing::{TestServer, server_with};
use crate::config::{Config, PersistenceMode};
use crate::store::{ManualClock, Store, StoreLimits, Value};

/// The memory backend, failing every call while `down` is set.
#[derive(Clone, Default)]
struct Flaky {
    inner: MemoryStore,
    down: Arc<AtomicBool>,
}

impl Flaky {
    fn check(&self) -> Result<(), PersistenceError> {
        if self.down.load(Ordering::Relaxed) {
            Err(PersistenceError::backend("flaky", "connection refused"))
        } else {
            Ok(())
        }
    }
}

#[async_trait::async_trait]
impl PersistenceStore for Flaky {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            name: "flaky",
            location: "test".into(),
        }
    }
    async fn apply(&self, changes: &[Change]) -> Result<(), PersistenceError> {
        self.check()?;
        self.inner.apply(changes).await
    }
    async fn regions(&self) -> Result<Vec<StoredRegion>, PersistenceError> {
        self.check()?;
        self.inner.regions().await
    }
    fn load(&self, region: &str) -> BoxStream<'_, Result<StoredEntry, PersistenceError>> {
        self.inner.load(region)
    }
    async fn get(&self, region: &str, key: &[u8]) -> Result<Option<StoredEntry>, PersistenceError> {
        self.check()?;
        self.inner.get(region, key).await
    }
    async fn count(&self, region: Option<&str>) -> Result<u64, PersistenceError> {
        self.check()?;
        self.inner.count(region).await
    }
    async fn delete_expired(&self, now_ms: u64) -> Result<u64, PersistenceError> {
        self.check()?;
        self.inner.delete_expired(now_ms).await
    }
    async fn ping(&self) -> Result<(), PersistenceError> {
        self.check()
    }
}

/// A test server whose store reports to a journal flushed into `backend`.
fn persistent_server(
    backend: Flaky,
    mode: PersistenceMode,
    max_entries: u64,
) -> (TestServer, Arc<Persistence>) {
    let mut config = Config::default();
    config.kuber.persistence.mode = mode;
    config.kuber.cache.max_entries_per_region = max_entries;
    let server = server_with(config.clone());
    let persistence = Arc::new(Persistence::new(
        Arc::new(backend),
        &config.kuber.persistence,
    ));
    server.state.store.enable_evict_to_disk();
    server
        .state
        .store
        .attach_journal(persistence.journal().clone());
    let _ = server.state.persistence.set(persistence.clone());
    (server, persistence)
}

async fn stored_value(backend: &Flaky, region: &str, key: &str) -> Option<Value> {
    let entry = backend.inner.get(region, key.as_bytes()).await.unwrap()?;
    Some(decode(entry.kind, &entry.payload, 1 << 20).unwrap())
}

#[tokio::test]
async fn every_write_path_reaches_the_backend_after_a_flush() {
    let backend = Flaky::default();
    let (server, p) = persistent_server(backend.clone(), PersistenceMode::WriteBehind, 0);
    let mut c = server.client(Role::Admin);
    for line in [
        "SET s v",
        "HSET h f 1",
        "RPUSH l a b",
        "SADD set x",
        "ZADD z 1.5 m",
        "JSET doc '{\"a\":1}'",
        "SET gone x",
        "DEL gone",
        "SET ttl v EX 100",
        "SET moved x",
        "RENAME moved target",
        "LPUSH l first",
        "RCREATE other",
        "RSELECT other",
        "SET k v",
    ] {
        let reply = c.run(line).await;
        assert!(!reply.starts_with('-'), "{line}: {reply}");
    }
    p.flush_once(&server.state.store).await.unwrap();
    assert_eq!(
        stored_value(&backend, "default", "s").await,
        Some(Value::Str("v".into()))
    );
    let Some(Value::List(list)) = stored_value(&backend, "default", "l").await else {
        panic!("list stored")
    };
    assert_eq!(list, ["first", "a", "b"].map(Bytes::from).to_vec());
    assert!(matches!(
        stored_value(&backend, "default", "h").await,
        Some(Value::Hash(_))
    ));
    assert!(matches!(
        stored_value(&backend, "default", "set").await,
        Some(Value::Set(_))
    ));
    assert!(matches!(
        stored_value(&backend, "default", "z").await,
        Some(Value::ZSet(_))
    ));
    assert!(matches!(
        stored_value(&backend, "default", "doc").await,
        Some(Value::Json(_))
    ));
    assert_eq!(stored_value(&backend, "default", "gone").await, None);
    assert_eq!(stored_value(&backend, "default", "moved").await, None);
    assert_eq!(
        stored_value(&backend, "default", "target").await,
        Some(Value::Str("x".into()))
    );
    assert_eq!(
        stored_value(&backend, "other", "k").await,
        Some(Value::Str("v".into()))
    );
    let ttl = backend.inner.get("default", b"ttl").await.unwrap().unwrap();
    assert_eq!(ttl.expires_at_ms, Some(server.state.store.now() + 100_000));
    let regions: Vec<String> = backend
        .inner
        .regions()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(regions, ["default", "other"]);

    // Removing a TTL, expiry, purge and drop travel too.
    c.run("RSELECT default").await;
    c.run("PERSIST ttl").await;
    c.run("SET short v PX 10").await;
    c.run("RPURGE other").await;
    p.flush_once(&server.state.store).await.unwrap();
    assert_eq!(
        backend
            .inner
            .get("default", b"ttl")
            .await
            .unwrap()
            .unwrap()
            .expires_at_ms,
        None
    );
    assert_eq!(backend.inner.count(Some("other")).await.unwrap(), 0);
    server.clock.advance(20);
    server.state.store.expire_cycle(100);
    c.run("RDROP other").await;
    p.flush_once(&server.state.store).await.unwrap();
    assert_eq!(backend.inner.get("default", b"short").await.unwrap(), None);
    let regions: Vec<String> = backend
        .inner
        .regions()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(regions, ["default"]);
}

#[tokio::test]
async fn a_hundred_writes_to_one_key_cost_one_backend_write() {
    let backend = Flaky::default();
    let (server, p) = persistent_server(backend.clone(), PersistenceMode::WriteBehind, 0);
    p.flush_once(&server.state.store).await.unwrap();
    let before = p.status().changes_written;
    let mut c = server.client(Role::Admin);
    for _ in 0..100 {
        c.run("INCR hot").await;
    }
    assert_eq!(p.journal().depth(), 1);
    p.flush_once(&server.state.store).await.unwrap();
    assert_eq!(p.status().changes_written - before, 1);
    assert_eq!(
        stored_value(&backend, "default", "hot").await,
        Some(Value::Str("100".into()))
    );
}

#[tokio::test]
async fn an_outage_keeps_changes_queued_and_write_through_answers_tryagain() {
    let backend = Flaky::default();
    let (server, p) = persistent_server(backend.clone(), PersistenceMode::WriteThrough, 0);
    let flusher = tokio::spawn(
        p.clone()
            .run_flusher(server.state.store.clone(), server.state.shutdown_signal()),
    );
    let mut c = server.client(Role::Admin);
    assert_eq!(c.run("SET a 1").await, "+OK\r\n");
    assert_eq!(
        stored_value(&backend, "default", "a").await,
        Some(Value::Str("1".into())),
        "write-through replies after the write is stored"
    );

    backend.down.store(true, Ordering::Relaxed);
    assert_eq!(
        c.run("SET b 2").await,
        "-TRYAGAIN persistence unavailable\r\n"
    );
    assert!(p.is_degraded());
    assert_eq!(
        c.run("SET c 3").await,
        "-TRYAGAIN persistence unavailable\r\n",
        "refused while degraded"
    );
    assert_eq!(c.run("GET a").await, "$1\r\n1\r\n", "reads keep working");
    assert!(p.journal().depth() >= 1);

    backend.down.store(false, Ordering::Relaxed);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while p.is_degraded() || p.journal().depth() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the flusher did not recover"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The write that was answered TRYAGAIN while the backend failed is in memory and, once the
    // backend is back, in the backend: nothing was lost, the client was only not told it was safe.
    assert_eq!(
        stored_value(&backend, "default", "b").await,
        Some(Value::Str("2".into()))
    );
    assert_eq!(c.run("SET d 4").await, "+OK\r\n");
    assert_eq!(
        stored_value(&backend, "default", "d").await,
        Some(Value::Str("4".into()))
    );
    server.state.trigger_shutdown();
    flusher.await.unwrap();
}

#[tokio::test]
async fn evicted_values_stay_on_disk_and_are_read_back_on_access() {
    let backend = Flaky::default();
    let (server, p) = persistent_server(backend.clone(), PersistenceMode::WriteBehind, 0);
    let mut c = server.client(Role::Admin);
    c.run("RCREATE small \"\" MAXENTRIES 2").await;
    c.run("RSELECT small").await;
    c.run("SET a 1").await;
    c.run("SET b 2").await;
    // Not flushed yet: whichever key is evicted now must still reach the backend.
    c.run("SET c 3").await;
    assert_eq!(
        c.run("DBSIZE").await,
        ":3\r\n",
        "an evicted key still exists"
    );
    p.flush_once(&server.state.store).await.unwrap();
    assert_eq!(backend.inner.count(Some("small")).await.unwrap(), 3);
    let region = server.state.store.region("small").unwrap();
    let evicted: Vec<&str> = ["a", "b", "c"]
        .into_iter()
        .filter(|k| region.lock().is_on_disk(k.as_bytes()))
        .collect();
    assert_eq!(evicted.len(), 1);
    let key = evicted[0];
    let misses = region.lock().stats.misses;
    let expected = match key {
        "a" => "$1\r\n1\r\n",
        "b" => "$1\r\n2\r\n",
        _ => "$1\r\n3\r\n",
    };
    assert_eq!(c.run(&format!("GET {key}")).await, expected);
    assert_eq!(
        region.lock().stats.misses,
        misses + 1,
        "a read-through counts as a miss"
    );
    assert!(!region.lock().is_on_disk(key.as_bytes()));
    assert_eq!(c.run("DBSIZE").await, ":3\r\n");
    // Deleting an on-disk key deletes it from the backend too.
    let other = ["a", "b", "c"]
        .into_iter()
        .find(|k| region.lock().is_on_disk(k.as_bytes()))
        .unwrap();
    assert_eq!(c.run(&format!("DEL {other}")).await, ":1\r\n");
    p.flush_once(&server.state.store).await.unwrap();
    assert_eq!(
        backend.inner.get("small", other.as_bytes()).await.unwrap(),
        None
    );
    assert_eq!(c.run("DBSIZE").await, ":2\r\n");
}

#[tokio::test]
async fn recovery_loads_live_entries_skips_expired_and_corrupt_ones() {
    let backend = MemoryStore::default();
    let now = 1_700_000_000_000u64;
    let entry = |key: &str, value: &Value, expires: Option<u64>| {
        let (kind, payload) = encode(value);
        StoredEntry {
            key: Bytes::copy_from_slice(key.as_bytes()),
            kind,
            payload,
            expires_at_ms: expires,
            version: 1,
            updated_at_ms: now,
        }
    };
    let mut corrupt = entry("bad", &Value::Str("x".into()), None);
    corrupt.kind = ValueKind::List;
    backend
        .apply(&[
            Change::SaveRegion(StoredRegion {
                name: "sessions".into(),
                description: "web".into(),
                default_ttl_seconds: 60,
                max_entries: 0,
                created_at_ms: 5,
            }),
            Change::Put {
                region: "sessions".into(),
                entry: entry("live", &Value::Str("v".into()), Some(now + 5_000)),
            },
            Change::Put {
                region: "sessions".into(),
                entry: entry("old", &Value::Str("v".into()), Some(now - 1)),
            },
            Change::Put {
                region: "sessions".into(),
                entry: corrupt,
            },
        ])
        .await
        .unwrap();
    let store = Store::new(StoreLimits::default(), Arc::new(ManualClock::new(now)));
    let report = recover(&backend, &store, 1 << 20).await.unwrap();
    assert_eq!(
        (
            report.regions,
            report.loaded,
            report.expired,
            report.corrupt,
            report.deleted_expired
        ),
        (1, 1, 1, 1, 1)
    );
    let region = store.region("sessions").unwrap();
    assert_eq!(region.settings().description, "web");
    assert_eq!(region.settings().default_ttl_seconds, 60);
    assert_eq!(region.created_at_ms(), 5);
    {
        let mut ks = region.lock();
        let live = ks.peek(b"live", now).unwrap();
        assert_eq!(
            live.expires_at,
            Some(now + 5_000),
            "the TTL keeps its absolute expiry"
        );
        assert!(ks.peek(b"old", now).is_none());
        assert_eq!(ks.stats, Default::default(), "loading is not traffic");
    }
    let keys: Vec<Bytes> = backend
        .load("sessions")
        .map(|e| e.unwrap().key)
        .collect()
        .await;
    assert!(
        !keys.contains(&Bytes::from_static(b"old")),
        "expired entries are deleted from the backend"
    );
}

#[tokio::test]
async fn scripts_read_evicted_values_back_and_their_writes_reach_the_backend() {
    let backend = Flaky::default();
    let (server, p) = persistent_server(backend.clone(), PersistenceMode::WriteBehind, 0);
    let mut c = server.client(Role::Admin);
    c.run("RCREATE small \"\" MAXENTRIES 1").await;
    c.run("RSELECT small").await;
    for line in ["SET a 1", "SET b 2", "SET c 3"] {
        c.run(line).await;
    }
    p.flush_once(&server.state.store).await.unwrap();
    let region = server.state.store.region("small").unwrap();
    let on_disk = || {
        ["a", "b", "c"]
            .into_iter()
            .filter(|k| region.lock().is_on_disk(k.as_bytes()))
            .count()
    };
    assert_eq!(on_disk(), 2);
    // Undeclared keys are read back from the script's thread, as its calls name them.
    assert_eq!(
        c.run("EVAL \"return {redis.call('get', 'a'), redis.call('get', 'b'), redis.call('get', 'c')}\" 0")
            .await,
        "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    );
    // Declared keys are read back before the script starts.
    let evicted = ["a", "b", "c"]
        .into_iter()
        .find(|k| region.lock().is_on_disk(k.as_bytes()))
        .unwrap();
    let value = match evicted {
        "a" => "1",
        "b" => "2",
        _ => "3",
    };
    assert_eq!(
        c.run(&format!(
            "EVAL \"return redis.call('get', KEYS[1])\" 1 {evicted}"
        ))
        .await,
        format!("$1\r\n{value}\r\n")
    );
    assert_eq!(
        c.run("EVAL \"return redis.call('set', 'w', 'from-script')\" 0")
            .await,
        "+OK\r\n"
    );
    p.flush_once(&server.state.store).await.unwrap();
    assert_eq!(
        stored_value(&backend, "small", "w").await,
        Some(Value::Str(Bytes::from_static(b"from-script")))
    );
}
