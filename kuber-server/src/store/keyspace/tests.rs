//! Tests of the keyspace: expiry, eviction, memory accounting, the SCAN guarantee and the
//! hand-over of blocked clients' wake-ups.

use super::*;
use std::collections::HashSet;

fn ks() -> Keyspace {
    Keyspace::new(Arc::new(AtomicI64::new(0)), 0)
}

fn s(v: &str) -> Value {
    Value::Str(Bytes::copy_from_slice(v.as_bytes()))
}

#[test]
fn set_get_remove_and_memory() {
    let mut k = ks();
    assert!(k.set(b"a", s("1"), None, 0).is_none());
    assert_eq!(k.set(b"a", s("22"), None, 0), Some(s("1")));
    assert_eq!(k.len(), 1);
    assert_eq!(k.memory(), super::super::value::ENTRY_OVERHEAD + 1 + 2);
    assert_eq!(k.get_mut(b"a", 0).map(|e| e.value.clone()), Some(s("22")));
    assert!(k.remove(b"a", 0).is_some());
    assert_eq!(k.memory(), 0);
    assert_eq!(k.books.global_memory.load(Ordering::Relaxed), 0);
    assert_eq!(k.stats.deletes, 1);
}

#[test]
fn lazy_and_active_expiry() {
    let mut k = ks();
    k.set(b"a", s("1"), Some(100), 0);
    k.set(b"b", s("1"), Some(200), 0);
    k.set(b"c", s("1"), None, 0);
    assert!(k.get_mut(b"a", 99).is_some());
    assert!(k.get_mut(b"a", 100).is_none());
    assert_eq!(k.stats.expired, 1);
    assert_eq!(k.expire_due(500, 10), 1);
    assert_eq!(k.len(), 1);
    assert_eq!(k.volatile_len(), 0);
    assert_eq!(k.stats.expired, 2);
}

#[test]
fn max_entries_evicts_and_counts() {
    let mut k = Keyspace::new(Arc::new(AtomicI64::new(0)), 10);
    for i in 0..100 {
        k.set(format!("k{i}").as_bytes(), s("v"), None, i);
    }
    assert_eq!(k.len(), 10);
    assert_eq!(k.stats.evicted, 90);
}

#[test]
fn scan_returns_every_key_that_exists_throughout_while_table_grows() {
    let mut k = ks();
    for i in 0..1000 {
        k.set(format!("stable{i}").as_bytes(), s("v"), None, 0);
    }
    let mut cursor = 0;
    let mut seen = HashSet::new();
    let mut extra = 0;
    loop {
        let (next, keys) = k.scan(cursor, 10, &ScanFilter::default(), 0);
        seen.extend(keys);
        // Concurrent writes between calls: the table doubles several times.
        if extra < 20_000 {
            for _ in 0..200 {
                k.set(format!("new{extra}").as_bytes(), s("v"), None, 0);
                extra += 1;
            }
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
    assert!(
        k.slots.len() >= 1024,
        "the table should have grown during the scan"
    );
    for i in 0..1000 {
        assert!(
            seen.contains(format!("stable{i}").as_bytes()),
            "missed stable{i}"
        );
    }
}

#[test]
fn scan_filters_by_pattern_and_type() {
    let mut k = ks();
    k.set(b"user:1", s("v"), None, 0);
    k.set(b"other", s("v"), None, 0);
    let filter = ScanFilter {
        pattern: Some(b"user:*"),
        type_name: None,
    };
    let (next, keys) = k.scan(0, 1000, &filter, 0);
    assert_eq!(next, 0);
    assert_eq!(keys, vec![Bytes::from_static(b"user:1")]);
    let filter = ScanFilter {
        pattern: None,
        type_name: Some(b"hash"),
    };
    assert!(k.scan(0, 1000, &filter, 0).1.is_empty());
}

/// Whether `notify` holds a wake-up, consuming it.
async fn was_notified(notify: &tokio::sync::Notify) -> bool {
    tokio::time::timeout(std::time::Duration::from_millis(1), notify.notified())
        .await
        .is_ok()
}

#[tokio::test]
async fn one_pending_wake_up_per_key_passed_on_when_released() {
    let mut ks = ks();
    let (a, b) = (
        Arc::new(tokio::sync::Notify::new()),
        Arc::new(tokio::sync::Notify::new()),
    );
    let key = Bytes::from_static(b"k");
    let other = Bytes::from_static(b"o");
    // `a` waits on both keys, `b` behind it on both.
    for (id, n) in [(1, &a), (2, &b)] {
        for k in [&key, &other] {
            ks.add_waiter(
                k,
                Waiter {
                    id,
                    notify: n.clone(),
                },
                false,
            );
        }
    }
    ks.signal_ready(&key);
    ks.signal_ready(&key);
    assert!(was_notified(&a).await);
    // The second signal waited for `a`.
    assert!(!was_notified(&b).await);
    // `a` is woken through `other` too, before it runs.
    ks.signal_ready(&other);
    assert!(was_notified(&a).await);
    for k in [&key, &other] {
        assert!(!ks.remove_waiter(k, 1));
    }
    // `a` served itself from `key`, which still holds a value; `other` is empty: only `key` is
    // passed on, to `b`.
    ks.set(&key, Value::Str(Bytes::from_static(b"v")), None, 0);
    ks.release_wake_ups(1, &[key.clone(), other.clone()], 0, true);
    assert!(was_notified(&b).await);
    assert!(ks.remove_waiter(&other, 2));
    // Releasing is by owner: a stranger's release changes nothing, `b`'s own frees the key.
    ks.release_wake_ups(1, std::slice::from_ref(&key), 0, true);
    ks.add_waiter(
        &key,
        Waiter {
            id: 3,
            notify: a.clone(),
        },
        false,
    );
    ks.signal_ready(&key);
    assert!(!was_notified(&a).await);
    ks.release_wake_ups(2, std::slice::from_ref(&key), 0, true);
    assert!(was_notified(&a).await);
    // A client that found nothing it could use frees the key without waking anyone.
    ks.add_waiter(
        &key,
        Waiter {
            id: 4,
            notify: b.clone(),
        },
        false,
    );
    ks.release_wake_ups(3, std::slice::from_ref(&key), 0, false);
    assert!(!was_notified(&b).await);
    ks.signal_ready(&key);
    assert!(was_notified(&b).await);
}
