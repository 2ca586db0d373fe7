//! A region: a named keyspace with its own description, default TTL, entry limit and statistics.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};

use parking_lot::{Mutex, MutexGuard};

use super::keyspace::Keyspace;

/// Settings given when a region is created (`RCREATE`, REST `POST /regions`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegionSettings {
    /// Free text shown by `RINFO`.
    pub description: String,
    /// TTL in seconds applied to writes that give none; 0 = none.
    pub default_ttl_seconds: u64,
    /// Entries kept in memory before eviction; 0 = unlimited.
    pub max_entries: u64,
}

/// A named keyspace.
pub struct Region {
    name: String,
    description: Mutex<String>,
    default_ttl_ms: AtomicU64,
    max_entries: AtomicU64,
    created_at_ms: u64,
    dropped: AtomicBool,
    keyspace: Mutex<Keyspace>,
    watch_count: Arc<std::sync::atomic::AtomicUsize>,
    wake_ups: Arc<super::keyspace::PendingWakeUps>,
    /// True once changes go to a persistence journal (read without the lock by the dispatcher).
    journaled: AtomicBool,
    on_disk_count: Arc<std::sync::atomic::AtomicUsize>,
}

impl Region {
    pub(crate) fn new(
        name: String,
        settings: RegionSettings,
        created_at_ms: u64,
        global_memory: Arc<AtomicI64>,
        events: Arc<AtomicU32>,
    ) -> Self {
        let mut keyspace = Keyspace::new(global_memory, settings.max_entries);
        keyspace.set_event_switch(events);
        let watch_count = keyspace.watch_counter();
        let wake_ups = keyspace.pending_wake_ups();
        let on_disk_count = keyspace.on_disk_counter();
        Self {
            name,
            description: Mutex::new(settings.description),
            default_ttl_ms: AtomicU64::new(settings.default_ttl_seconds.saturating_mul(1000)),
            max_entries: AtomicU64::new(settings.max_entries),
            created_at_ms,
            dropped: AtomicBool::new(false),
            keyspace: Mutex::new(keyspace),
            watch_count,
            wake_ups,
            journaled: AtomicBool::new(false),
            on_disk_count,
        }
    }

    /// The region's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Locks the keyspace. Every command holds this lock for its whole execution, which is what
    /// makes each command atomic with respect to other clients. Never held across an `.await`.
    pub fn lock(&self) -> MutexGuard<'_, Keyspace> {
        self.keyspace.lock()
    }

    /// Sends this region's changes to `journal`.
    pub fn attach_journal(&self, journal: Arc<crate::persistence::journal::Journal>) {
        self.lock()
            .set_journal(Arc::from(self.name.as_str()), journal);
        self.journaled.store(true, Ordering::Release);
    }

    /// True when some key's value lives only in the persistence backend (read without the lock).
    pub fn has_on_disk(&self) -> bool {
        self.on_disk_count.load(Ordering::Relaxed) > 0
    }

    /// True when this region's changes go to a persistence journal.
    pub fn is_journaled(&self) -> bool {
        self.journaled.load(Ordering::Relaxed)
    }

    /// The settings as persistence stores them.
    pub fn stored(&self) -> crate::persistence::StoredRegion {
        let settings = self.settings();
        crate::persistence::StoredRegion {
            name: self.name.clone(),
            description: settings.description,
            default_ttl_seconds: settings.default_ttl_seconds,
            max_entries: settings.max_entries,
            created_at_ms: self.created_at_ms,
        }
    }

    /// Replaces the settings (recovery of a stored region that already exists, like `default`).
    pub(crate) fn apply_settings(&self, settings: &RegionSettings) {
        *self.description.lock() = settings.description.clone();
        self.default_ttl_ms.store(
            settings.default_ttl_seconds.saturating_mul(1000),
            Ordering::Relaxed,
        );
        self.max_entries
            .store(settings.max_entries, Ordering::Relaxed);
        self.lock().set_max_entries(settings.max_entries);
    }

    /// Wake-ups handed to blocked clients here that they have not acted on yet (read without
    /// taking the lock).
    pub fn pending_wake_ups(&self) -> &super::keyspace::PendingWakeUps {
        &self.wake_ups
    }

    /// True when some transaction WATCHes a key here (read without taking the lock).
    pub fn has_watchers(&self) -> bool {
        self.watch_count.load(Ordering::Relaxed) > 0
    }

    /// Default TTL in milliseconds for writes that give none, if any.
    pub fn default_ttl_ms(&self) -> Option<u64> {
        match self.default_ttl_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(ms),
        }
    }

    /// The current settings.
    pub fn settings(&self) -> RegionSettings {
        RegionSettings {
            description: self.description.lock().clone(),
            default_ttl_seconds: self.default_ttl_ms.load(Ordering::Relaxed) / 1000,
            max_entries: self.max_entries.load(Ordering::Relaxed),
        }
    }

    /// Creation time in milliseconds since the epoch.
    pub fn created_at_ms(&self) -> u64 {
        self.created_at_ms
    }

    /// True once the region was dropped; sessions still holding it switch to a fresh one.
    pub fn is_dropped(&self) -> bool {
        self.dropped.load(Ordering::Acquire)
    }

    pub(crate) fn mark_dropped(&self) {
        self.dropped.store(true, Ordering::Release);
    }

    /// Renders the `RINFO` JSON document.
    pub fn info_json(&self) -> serde_json::Value {
        let settings = self.settings();
        let ks = self.lock();
        let stats = ks.stats;
        serde_json::json!({
            "name": self.name,
            "description": settings.description,
            "defaultTtl": settings.default_ttl_seconds,
            "maxEntries": settings.max_entries,
            "entries": ks.len(),
            "memoryBytes": ks.memory(),
            "stats": {
                "hits": stats.hits,
                "misses": stats.misses,
                "sets": stats.sets,
                "deletes": stats.deletes,
                "expired": stats.expired,
                "evicted": stats.evicted,
            },
            "createdAt": self.created_at_ms,
        })
    }
}
