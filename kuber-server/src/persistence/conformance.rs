//! The conformance suite every backend runs against its real server (`run`): regions, every value
//! type, TTLs, ordering within a batch, purge, drop, binary keys, large values, 100,000 entries and
//! reading everything back after the store is reopened.
//!
//! `open` returns the backend under test, connected to the same database each time it is called.
//! The suite uses its own region names, so the database only needs to be empty of those.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;

use super::encoding::{decode, encode};
use super::{Change, PersistenceError, PersistenceStore, StoredEntry, StoredRegion, ValueKind};
use crate::json::JsonDoc;
use crate::store::stream::{Group, StreamId};
use crate::store::{Value, ZSet};

const MAX_JSON: usize = 64 << 20;

/// Runs every check against the backend `open` connects to. The first handle is dropped before
/// the second is opened (embedded backends lock their files), and the second must see everything
/// the first wrote: what a restarted server would see.
pub async fn run<F, Fut>(open: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn PersistenceStore>>,
{
    let store = open().await;
    let name = store.info().name;
    regions_are_saved_updated_and_dropped(&*store).await;
    write_every_type(&*store).await;
    writes_replace_and_batches_apply_in_order(&*store).await;
    purge_keeps_the_region_and_drop_removes_it(&*store).await;
    expiry_is_kept_and_expired_entries_are_deleted(&*store).await;
    binary_keys_and_regions_are_isolated(&*store).await;
    large_values_round_trip(&*store).await;
    write_a_hundred_thousand_entries(&*store).await;
    assert_eq!(
        Arc::strong_count(&store),
        1,
        "the suite must hold the only handle before reopening"
    );
    drop(store);
    let reopened = open().await;
    every_type_reads_back(&*reopened).await;
    a_hundred_thousand_entries_stream_back(&*reopened).await;
    let names: Vec<String> = reopened
        .regions()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert!(
        names.contains(&"conf_a".to_string()),
        "regions survive a reopen"
    );
    reopened.ping().await.unwrap();
    assert_eq!(reopened.info().name, name);
    eprintln!("conformance suite passed for backend {name}");
}

fn region(name: &str) -> StoredRegion {
    StoredRegion {
        name: name.into(),
        description: format!("{name} description ✓"),
        default_ttl_seconds: 60,
        max_entries: 1000,
        created_at_ms: 1_700_000_000_123,
    }
}

fn entry(key: &[u8], value: &Value, expires_at_ms: Option<u64>) -> StoredEntry {
    let (kind, payload) = encode(value);
    StoredEntry {
        key: Bytes::copy_from_slice(key),
        kind,
        payload,
        expires_at_ms,
        version: 7,
        updated_at_ms: 1_700_000_000_456,
    }
}

fn put(region: &str, entry: StoredEntry) -> Change {
    Change::Put {
        region: region.into(),
        entry,
    }
}

fn string(text: &str) -> Value {
    Value::Str(Bytes::copy_from_slice(text.as_bytes()))
}

async fn all(store: &dyn PersistenceStore, region: &str) -> BTreeMap<Bytes, StoredEntry> {
    let mut out = BTreeMap::new();
    let mut stream = store.load(region);
    while let Some(item) = stream.next().await {
        let entry = item.unwrap_or_else(|e| panic!("load {region}: {e}"));
        assert!(
            out.insert(entry.key.clone(), entry).is_none(),
            "load returned a key twice"
        );
    }
    out
}

async fn apply(store: &dyn PersistenceStore, changes: &[Change]) {
    store
        .apply(changes)
        .await
        .unwrap_or_else(|e: PersistenceError| panic!("apply: {e}"));
}

async fn regions_are_saved_updated_and_dropped(store: &dyn PersistenceStore) {
    apply(
        store,
        &[
            Change::SaveRegion(region("conf_a")),
            Change::SaveRegion(region("conf_b")),
        ],
    )
    .await;
    let mut updated = region("conf_a");
    updated.description = "changed".into();
    updated.default_ttl_seconds = 0;
    apply(store, &[Change::SaveRegion(updated.clone())]).await;
    let regions = store.regions().await.unwrap();
    let a = regions.iter().find(|r| r.name == "conf_a").expect("conf_a");
    assert_eq!(a, &updated);
    let b = regions.iter().find(|r| r.name == "conf_b").expect("conf_b");
    assert_eq!(b, &region("conf_b"));
    apply(store, &[Change::DropRegion("conf_b".into())]).await;
    let names: Vec<String> = store
        .regions()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert!(names.contains(&"conf_a".to_string()));
    assert!(!names.contains(&"conf_b".to_string()));
}

fn sample_values() -> Vec<(&'static str, Value)> {
    let mut zset = ZSet::new();
    zset.insert(Bytes::from_static(b"low"), -1.5);
    zset.insert(Bytes::from_static(b"high"), f64::INFINITY);
    zset.insert(Bytes::from_static(b"mid"), 3.0);
    // A stream with a deleted entry and a consumer group holding a pending entry.
    let mut stream = crate::store::Stream::new();
    for ms in 1..=3 {
        stream.append(
            StreamId::new(ms, 0),
            vec![(Bytes::from_static(b"f"), Bytes::from(format!("v{ms}")))],
            crate::store::stream::NODE_MAX_ENTRIES,
        );
    }
    stream.delete(StreamId::new(2, 0));
    let mut group = Group::new(StreamId::new(3, 0), 3);
    let consumer = Bytes::from_static(b"alice");
    group.touch_consumer(&consumer, 1_700_000_000_000);
    group.deliver(StreamId::new(1, 0), &consumer, 1_700_000_000_000);
    stream.groups.insert(Bytes::from_static(b"g"), group);
    vec![
        ("string", string("hello")),
        ("empty_string", string("")),
        (
            "list",
            Value::List(["a", "b", "", "a"].iter().map(|s| Bytes::from(*s)).collect()),
        ),
        (
            "set",
            Value::Set(["x", "y", "z"].iter().map(|s| Bytes::from(*s)).collect()),
        ),
        (
            "hash",
            Value::Hash(
                [("f1", "v1"), ("f2", ""), ("\u{00e9}", "\u{2713}")]
                    .iter()
                    .map(|(f, v)| (Bytes::from(*f), Bytes::from(*v)))
                    .collect(),
            ),
        ),
        ("zset", Value::ZSet(zset)),
        ("stream", Value::Stream(Box::new(stream))),
        (
            "json",
            Value::Json(
                JsonDoc::parse(
                    br#"{"name":"Ann","age":41,"tags":["a","b"],"nested":{"ok":true,"none":null,"pi":3.25}}"#,
                    MAX_JSON,
                )
                .unwrap(),
            ),
        ),
    ]
}

async fn write_every_type(store: &dyn PersistenceStore) {
    let values = sample_values();
    let changes: Vec<Change> = values
        .iter()
        .map(|(key, value)| put("conf_types", entry(key.as_bytes(), value, None)))
        .collect();
    apply(store, &changes).await;
    assert_eq!(store.count(Some("conf_types")).await.unwrap(), 8);
}

async fn every_type_reads_back(reopened: &dyn PersistenceStore) {
    let values = sample_values();
    let loaded = all(reopened, "conf_types").await;
    assert_eq!(loaded.len(), values.len());
    for (key, value) in &values {
        let stored = &loaded[key.as_bytes()];
        assert_eq!(
            &decode(stored.kind, &stored.payload, MAX_JSON).unwrap(),
            value
        );
        let mut expected = entry(key.as_bytes(), value, None);
        if matches!(stored.kind, ValueKind::Set | ValueKind::Hash) {
            // Hash-ordered members encode in a different order each time; equal decoded values
            // (above) are what counts. Every other payload must come back byte for byte.
            expected.payload = stored.payload.clone();
        }
        assert_eq!(stored, &expected, "{key}");
        let got = reopened.get("conf_types", key.as_bytes()).await.unwrap();
        assert_eq!(got.as_ref(), Some(stored));
    }
    assert_eq!(loaded[&b"json"[..]].kind, ValueKind::Json);
    assert_eq!(reopened.get("conf_types", b"missing").await.unwrap(), None);
    assert_eq!(reopened.get("conf_nowhere", b"string").await.unwrap(), None);
    assert_eq!(all(reopened, "conf_nowhere").await.len(), 0);
    assert_eq!(reopened.count(Some("conf_types")).await.unwrap(), 8);
    assert_eq!(reopened.count(Some("conf_nowhere")).await.unwrap(), 0);
}

async fn writes_replace_and_batches_apply_in_order(store: &dyn PersistenceStore) {
    let r = "conf_order";
    apply(store, &[put(r, entry(b"k", &string("one"), None))]).await;
    let mut newer = entry(b"k", &string("two"), Some(4_000_000_000_000));
    newer.version = 8;
    apply(store, &[put(r, newer.clone())]).await;
    assert_eq!(store.get(r, b"k").await.unwrap(), Some(newer));
    assert_eq!(store.count(Some(r)).await.unwrap(), 1);

    // Within one batch, later changes win, and a purge only removes what came before it.
    apply(
        store,
        &[
            put(r, entry(b"a", &string("1"), None)),
            put(r, entry(b"gone", &string("x"), None)),
            Change::Delete {
                region: r.into(),
                key: Bytes::from_static(b"gone"),
            },
            Change::Delete {
                region: r.into(),
                key: Bytes::from_static(b"never-existed"),
            },
            Change::PurgeRegion(r.into()),
            put(r, entry(b"b", &string("2"), None)),
            put(r, entry(b"b", &string("3"), None)),
        ],
    )
    .await;
    let loaded = all(store, r).await;
    assert_eq!(
        loaded.keys().cloned().collect::<Vec<_>>(),
        vec![Bytes::from_static(b"b")]
    );
    assert_eq!(loaded[&b"b"[..]], entry(b"b", &string("3"), None));
}

async fn purge_keeps_the_region_and_drop_removes_it(store: &dyn PersistenceStore) {
    apply(
        store,
        &[
            Change::SaveRegion(region("conf_purge")),
            put("conf_purge", entry(b"a", &string("1"), None)),
            Change::SaveRegion(region("conf_drop")),
            put("conf_drop", entry(b"a", &string("1"), None)),
            put("conf_keep", entry(b"a", &string("1"), None)),
        ],
    )
    .await;
    apply(store, &[Change::PurgeRegion("conf_purge".into())]).await;
    apply(store, &[Change::DropRegion("conf_drop".into())]).await;
    let names: BTreeSet<String> = store
        .regions()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert!(names.contains("conf_purge"));
    assert!(!names.contains("conf_drop"));
    assert_eq!(store.count(Some("conf_purge")).await.unwrap(), 0);
    assert_eq!(store.count(Some("conf_drop")).await.unwrap(), 0);
    assert_eq!(store.count(Some("conf_keep")).await.unwrap(), 1);
    // A dropped region can be created again and starts empty.
    apply(store, &[put("conf_drop", entry(b"b", &string("2"), None))]).await;
    assert_eq!(all(store, "conf_drop").await.len(), 1);
}

async fn expiry_is_kept_and_expired_entries_are_deleted(store: &dyn PersistenceStore) {
    let r = "conf_ttl";
    let now = 1_800_000_000_000u64;
    apply(
        store,
        &[
            put(r, entry(b"past", &string("p"), Some(now - 1))),
            put(r, entry(b"exact", &string("e"), Some(now))),
            put(r, entry(b"future", &string("f"), Some(now + 5_000))),
            put(r, entry(b"forever", &string("v"), None)),
            put(
                "conf_ttl_other",
                entry(b"past", &string("p"), Some(now - 10)),
            ),
        ],
    )
    .await;
    let before = store.count(None).await.unwrap();
    assert_eq!(store.delete_expired(now).await.unwrap(), 3);
    assert_eq!(store.count(None).await.unwrap(), before - 3);
    let loaded = all(store, r).await;
    assert_eq!(
        loaded.keys().cloned().collect::<Vec<_>>(),
        vec![
            Bytes::from_static(b"forever"),
            Bytes::from_static(b"future")
        ]
    );
    assert_eq!(loaded[&b"future"[..]].expires_at_ms, Some(now + 5_000));
    assert_eq!(loaded[&b"forever"[..]].expires_at_ms, None);
    assert_eq!(store.delete_expired(now).await.unwrap(), 0);
}

async fn binary_keys_and_regions_are_isolated(store: &dyn PersistenceStore) {
    let mut keys: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    keys.push(Vec::new());
    keys.push(b"with\0nul\r\n".to_vec());
    keys.push(vec![0xff, 0xfe, 0x00, 0xc3]);
    keys.push("ключ/日本/🔑".as_bytes().to_vec());
    keys.push(b"a".repeat(4096));
    let changes: Vec<Change> = keys
        .iter()
        .map(|k| {
            put(
                "conf_binary",
                entry(k, &Value::Str(Bytes::from(k.clone())), None),
            )
        })
        .collect();
    apply(store, &changes).await;
    apply(
        store,
        &[put(
            "conf_binary2",
            entry(b"a", &string("other region"), None),
        )],
    )
    .await;
    let loaded = all(store, "conf_binary").await;
    assert_eq!(loaded.len(), keys.len());
    for k in &keys {
        let stored = loaded
            .get(&k[..])
            .unwrap_or_else(|| panic!("key {k:?} missing"));
        assert_eq!(
            decode(stored.kind, &stored.payload, MAX_JSON).unwrap(),
            Value::Str(Bytes::from(k.clone()))
        );
        assert_eq!(
            store.get("conf_binary", k).await.unwrap().as_ref(),
            Some(stored)
        );
    }
    assert_eq!(
        store
            .get("conf_binary", b"a")
            .await
            .unwrap()
            .unwrap()
            .payload,
        entry(b"a", &string("a"), None).payload
    );
    assert_eq!(
        store
            .get("conf_binary2", b"a")
            .await
            .unwrap()
            .unwrap()
            .payload,
        entry(b"a", &string("other region"), None).payload
    );
    apply(store, &[Change::PurgeRegion("conf_binary".into())]).await;
    assert_eq!(store.count(Some("conf_binary2")).await.unwrap(), 1);
}

async fn large_values_round_trip(store: &dyn PersistenceStore) {
    let big_string = Value::Str(Bytes::from(
        (0..8 << 20)
            .map(|i: u32| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    ));
    let big_list = Value::List(
        (0..100_000)
            .map(|i| Bytes::from(format!("element-{i}")))
            .collect(),
    );
    let text = format!(
        "[{}]",
        (0..50_000)
            .map(|i| format!(r#"{{"i":{i},"s":"item {i}"}}"#))
            .collect::<Vec<_>>()
            .join(",")
    );
    let big_json = Value::Json(JsonDoc::parse(text.as_bytes(), MAX_JSON).unwrap());
    apply(
        store,
        &[
            put("conf_large", entry(b"string", &big_string, None)),
            put("conf_large", entry(b"list", &big_list, None)),
            put("conf_large", entry(b"json", &big_json, None)),
        ],
    )
    .await;
    let loaded = all(store, "conf_large").await;
    for (key, value) in [
        ("string", &big_string),
        ("list", &big_list),
        ("json", &big_json),
    ] {
        let stored = &loaded[key.as_bytes()];
        assert_eq!(
            &decode(stored.kind, &stored.payload, MAX_JSON).unwrap(),
            value,
            "{key}"
        );
    }
}

async fn write_a_hundred_thousand_entries(store: &dyn PersistenceStore) {
    let r = "conf_many";
    const N: usize = 100_000;
    for chunk in (0..N).collect::<Vec<_>>().chunks(10_000) {
        let changes: Vec<Change> = chunk
            .iter()
            .map(|i| {
                let ttl = i.is_multiple_of(3).then_some(4_000_000_000_000 + *i as u64);
                put(
                    r,
                    entry(
                        format!("key:{i}").as_bytes(),
                        &string(&format!("value {i}")),
                        ttl,
                    ),
                )
            })
            .collect();
        apply(store, &changes).await;
    }
}

async fn a_hundred_thousand_entries_stream_back(reopened: &dyn PersistenceStore) {
    let r = "conf_many";
    const N: usize = 100_000;
    assert_eq!(reopened.count(Some(r)).await.unwrap(), N as u64);
    let mut seen = 0usize;
    let mut stream = reopened.load(r);
    let mut keys = BTreeSet::new();
    while let Some(item) = stream.next().await {
        let e = item.unwrap();
        let i: usize = std::str::from_utf8(&e.key[4..]).unwrap().parse().unwrap();
        assert_eq!(
            e.expires_at_ms,
            i.is_multiple_of(3).then_some(4_000_000_000_000 + i as u64)
        );
        assert_eq!(
            decode(e.kind, &e.payload, MAX_JSON).unwrap(),
            string(&format!("value {i}"))
        );
        keys.insert(i);
        seen += 1;
    }
    assert_eq!(seen, N);
    assert_eq!(keys.len(), N);
}
