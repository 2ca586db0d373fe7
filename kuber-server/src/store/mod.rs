//! The in-memory store: the region registry, the shared clock, server-wide memory accounting with
//! `max_memory` eviction, and the active-expiry cycle.

pub mod clock;
pub mod dump;
pub mod glob;
pub mod keyspace;
pub mod region;
pub mod stream;
pub mod value;
pub mod zset;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use parking_lot::RwLock;

use crate::persistence::Change;
use crate::persistence::journal::Journal;

pub use clock::{Clock, ManualClock, SystemClock};
pub use keyspace::{Keyspace, RegionStats, ScanFilter};
pub use region::{Region, RegionSettings};
pub use stream::Stream;
pub use value::{Entry, HashFields, Value, element_cost};
pub use zset::ZSet;

/// The region every connection starts in; it cannot be dropped.
pub const DEFAULT_REGION: &str = "default";

/// Why a region operation failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// The name breaks the naming rule.
    #[error(
        "invalid region name '{0}': use 1-64 characters of [A-Za-z0-9_] with at least one letter"
    )]
    InvalidName(String),
    /// RCREATE of an existing region.
    #[error("region '{0}' already exists")]
    RegionExists(String),
    /// The region does not exist.
    #[error("region '{0}' does not exist")]
    NoSuchRegion(String),
    /// RDROP default.
    #[error("region '{0}' cannot be dropped")]
    Captive(String),
}

/// Server-wide limits and defaults for the store (from `kuber.cache`).
#[derive(Clone, Copy, Debug, Default)]
pub struct StoreLimits {
    /// Bytes of keys and values before eviction across all regions; 0 = unlimited.
    pub max_memory: u64,
    /// Entry limit given to regions created without one; 0 = unlimited.
    pub max_entries_per_region: u64,
    /// Default TTL in seconds for regions created without one; 0 = none.
    pub default_ttl_seconds: u64,
    /// Redis's `noeviction` policy: past `max_memory`, writes that add data are refused (`-OOM`)
    /// instead of evicting keys.
    pub noeviction: bool,
}

/// All regions and their data.
pub struct Store {
    regions: RwLock<HashMap<String, Arc<Region>>>,
    clock: Arc<dyn Clock>,
    global_memory: Arc<AtomicI64>,
    limits: StoreLimits,
    /// `max_memory`, changeable at run time (`CONFIG SET maxmemory`); 0 = unlimited.
    max_memory: std::sync::atomic::AtomicU64,
    /// The eviction policy, changeable at run time (`CONFIG SET maxmemory-policy`).
    noeviction: std::sync::atomic::AtomicBool,
    /// The event classes keyspaces record (`crate::notify`); 0 while nobody listens.
    events_enabled: Arc<std::sync::atomic::AtomicU32>,
    /// The persistence journal, once attached (after recovery); regions report changes to it.
    journal: std::sync::OnceLock<Arc<Journal>>,
    /// Set when a durable backend holds every value: eviction then drops values, not keys.
    evict_to_disk: std::sync::atomic::AtomicBool,
}

/// True when `name` is a valid region name.
pub fn valid_region_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && name.bytes().any(|b| b.is_ascii_alphabetic())
}

impl Store {
    /// A store holding only the `default` region.
    pub fn new(limits: StoreLimits, clock: Arc<dyn Clock>) -> Self {
        let store = Self {
            regions: RwLock::new(HashMap::new()),
            clock,
            global_memory: Arc::new(AtomicI64::new(0)),
            max_memory: std::sync::atomic::AtomicU64::new(limits.max_memory),
            noeviction: std::sync::atomic::AtomicBool::new(limits.noeviction),
            limits,
            events_enabled: Arc::new(std::sync::atomic::AtomicU32::new(0)),
            journal: std::sync::OnceLock::new(),
            evict_to_disk: std::sync::atomic::AtomicBool::new(false),
        };
        store
            .get_or_create(DEFAULT_REGION)
            .expect("default is a valid name");
        store
    }

    /// Current time in clock milliseconds.
    pub fn now(&self) -> u64 {
        self.clock.now_ms()
    }

    /// The store's limits (with the current `max_memory`).
    pub fn limits(&self) -> StoreLimits {
        StoreLimits {
            max_memory: self.max_memory.load(std::sync::atomic::Ordering::Relaxed),
            noeviction: self.noeviction.load(std::sync::atomic::Ordering::Relaxed),
            ..self.limits
        }
    }

    /// Switches between evicting (`allkeys-lru`) and refusing writes (`noeviction`) past
    /// `max_memory`.
    pub fn set_noeviction(&self, on: bool) {
        self.noeviction
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// True when the `noeviction` policy is on and memory is past `max_memory`: commands that add
    /// data are refused until something is deleted or expires.
    pub fn refuses_writes(&self) -> bool {
        let max = self.max_memory.load(std::sync::atomic::Ordering::Relaxed);
        max > 0
            && self.noeviction.load(std::sync::atomic::Ordering::Relaxed)
            && self.used_memory() > max
    }

    /// Changes `max_memory` (0 = unlimited); the next write evicts down to it.
    pub fn set_max_memory(&self, bytes: u64) {
        self.max_memory
            .store(bytes, std::sync::atomic::Ordering::Relaxed);
    }

    /// Bytes counted across all regions.
    pub fn used_memory(&self) -> u64 {
        self.global_memory.load(Ordering::Relaxed).max(0) as u64
    }

    /// A region by name.
    pub fn region(&self, name: &str) -> Option<Arc<Region>> {
        self.regions.read().get(name).cloned()
    }

    /// The `default` region.
    pub fn default_region(&self) -> Arc<Region> {
        self.get_or_create(DEFAULT_REGION)
            .expect("default is a valid name")
    }

    fn default_settings(&self) -> RegionSettings {
        RegionSettings {
            description: String::new(),
            default_ttl_seconds: self.limits.default_ttl_seconds,
            max_entries: self.limits.max_entries_per_region,
        }
    }

    /// The named region, created with default settings if missing.
    pub fn get_or_create(&self, name: &str) -> Result<Arc<Region>, StoreError> {
        if let Some(region) = self.region(name) {
            return Ok(region);
        }
        if !valid_region_name(name) {
            return Err(StoreError::InvalidName(name.to_string()));
        }
        let mut regions = self.regions.write();
        let mut created = false;
        let region = regions
            .entry(name.to_string())
            .or_insert_with(|| {
                created = true;
                Arc::new(Region::new(
                    name.to_string(),
                    self.default_settings(),
                    self.now(),
                    self.global_memory.clone(),
                    self.events_enabled.clone(),
                ))
            })
            .clone();
        drop(regions);
        if created {
            self.journal_new_region(&region);
        }
        Ok(region)
    }

    /// Makes eviction keep evicted values in the backend, in every region now and later. Called
    /// before recovery when a durable backend is configured.
    pub fn enable_evict_to_disk(&self) {
        self.evict_to_disk.store(true, Ordering::Relaxed);
        for region in self.regions() {
            region.lock().set_evict_to_disk(true);
        }
    }

    /// Connects a new region to the journal and queues its settings for the backend.
    fn journal_new_region(&self, region: &Arc<Region>) {
        if self.evict_to_disk.load(Ordering::Relaxed) {
            region.lock().set_evict_to_disk(true);
        }
        if let Some(journal) = self.journal.get() {
            region.attach_journal(journal.clone());
            journal.push_op(Change::SaveRegion(region.stored()));
        }
    }

    /// Starts sending every change to `journal`: existing regions are connected and their settings
    /// queued (so the backend knows every region), and regions created later follow. Called once,
    /// after recovery.
    pub fn attach_journal(&self, journal: Arc<Journal>) {
        if self.journal.set(journal.clone()).is_err() {
            return;
        }
        for region in self.regions() {
            region.attach_journal(journal.clone());
            journal.push_op(Change::SaveRegion(region.stored()));
        }
    }

    /// Recreates a stored region with its settings and creation time (recovery). An existing
    /// region (`default`) takes the stored settings.
    pub fn restore_region(
        &self,
        name: &str,
        settings: RegionSettings,
        created_at_ms: u64,
    ) -> Result<Arc<Region>, StoreError> {
        if !valid_region_name(name) {
            return Err(StoreError::InvalidName(name.to_string()));
        }
        let mut regions = self.regions.write();
        if let Some(region) = regions.get(name) {
            region.apply_settings(&settings);
            return Ok(region.clone());
        }
        let region = Arc::new(Region::new(
            name.to_string(),
            settings,
            created_at_ms,
            self.global_memory.clone(),
            self.events_enabled.clone(),
        ));
        region
            .lock()
            .set_evict_to_disk(self.evict_to_disk.load(Ordering::Relaxed));
        regions.insert(name.to_string(), region.clone());
        Ok(region)
    }

    /// Creates a region; fails if it exists. Zero settings fall back to the server defaults.
    pub fn create(
        &self,
        name: &str,
        mut settings: RegionSettings,
    ) -> Result<Arc<Region>, StoreError> {
        if !valid_region_name(name) {
            return Err(StoreError::InvalidName(name.to_string()));
        }
        let defaults = self.default_settings();
        if settings.default_ttl_seconds == 0 {
            settings.default_ttl_seconds = defaults.default_ttl_seconds;
        }
        if settings.max_entries == 0 {
            settings.max_entries = defaults.max_entries;
        }
        let mut regions = self.regions.write();
        if regions.contains_key(name) {
            return Err(StoreError::RegionExists(name.to_string()));
        }
        let region = Arc::new(Region::new(
            name.to_string(),
            settings,
            self.now(),
            self.global_memory.clone(),
            self.events_enabled.clone(),
        ));
        regions.insert(name.to_string(), region.clone());
        drop(regions);
        self.journal_new_region(&region);
        Ok(region)
    }

    /// Removes a region and all its keys.
    pub fn drop_region(&self, name: &str) -> Result<(), StoreError> {
        if name == DEFAULT_REGION {
            return Err(StoreError::Captive(name.to_string()));
        }
        let region = self
            .regions
            .write()
            .remove(name)
            .ok_or_else(|| StoreError::NoSuchRegion(name.to_string()))?;
        region.mark_dropped();
        {
            let mut ks = region.lock();
            // The drop below removes the region's records; a purge queued first would be redundant.
            ks.clear_journal();
            ks.clear();
        }
        if let Some(journal) = self.journal.get() {
            journal.push_op(Change::DropRegion(Arc::from(name)));
        }
        Ok(())
    }

    /// Sets the event classes keyspaces record (see `crate::notify`; 0 = none).
    pub fn set_keyspace_events(&self, mask: u32) {
        self.events_enabled.store(mask, Ordering::Relaxed);
    }

    /// True while keyspace events are recorded.
    pub fn keyspace_events(&self) -> bool {
        self.events_enabled.load(Ordering::Relaxed) != 0
    }

    /// Region names, sorted.
    pub fn region_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.regions.read().keys().cloned().collect();
        names.sort();
        names
    }

    /// All regions, sorted by name.
    pub fn regions(&self) -> Vec<Arc<Region>> {
        let mut regions: Vec<Arc<Region>> = self.regions.read().values().cloned().collect();
        regions.sort_by(|a, b| a.name().cmp(b.name()));
        regions
    }

    /// Evicts until the server is under `max_memory`, starting with `preferred` (the region just
    /// written) and then the others. Called after writes with the region lock released.
    pub fn enforce_max_memory(&self, preferred: &Region) {
        let StoreLimits {
            max_memory: max,
            noeviction,
            ..
        } = self.limits();
        if max == 0 || noeviction || self.used_memory() <= max {
            return;
        }
        {
            let mut ks = preferred.lock();
            while self.used_memory() > max && ks.evict_one().is_some() {}
        }
        for region in self.regions() {
            if self.used_memory() <= max {
                break;
            }
            let mut ks = region.lock();
            while self.used_memory() > max && ks.evict_one().is_some() {}
        }
    }

    /// One active-expiry pass over every region: removes due keys, at most `budget` per region per
    /// lock hold so a region with millions of due keys never blocks its clients for long.
    pub fn expire_cycle(&self, budget: usize) -> usize {
        let now = self.now();
        let mut removed = 0;
        for region in self.regions() {
            loop {
                let n = region.lock().expire_due(now, budget);
                removed += n;
                if n < budget {
                    break;
                }
            }
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (Store, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(1_000));
        (Store::new(StoreLimits::default(), clock.clone()), clock)
    }

    #[test]
    fn region_names_are_validated() {
        assert!(valid_region_name("db1"));
        assert!(valid_region_name("Sessions_2"));
        assert!(!valid_region_name("123"));
        assert!(!valid_region_name(""));
        assert!(!valid_region_name("a-b"));
        assert!(!valid_region_name(&"a".repeat(65)));
    }

    #[test]
    fn create_drop_and_captive_default() {
        let (store, _) = store();
        store.create("users", RegionSettings::default()).unwrap();
        assert_eq!(
            store.create("users", RegionSettings::default()).err(),
            Some(StoreError::RegionExists("users".into()))
        );
        assert_eq!(
            store.region_names(),
            vec!["default".to_string(), "users".to_string()]
        );
        assert_eq!(
            store.drop_region("default"),
            Err(StoreError::Captive("default".into()))
        );
        let users = store.region("users").unwrap();
        store.drop_region("users").unwrap();
        assert!(users.is_dropped());
        assert_eq!(
            store.drop_region("users"),
            Err(StoreError::NoSuchRegion("users".into()))
        );
    }

    #[test]
    fn active_expiry_uses_the_injected_clock() {
        let (store, clock) = store();
        let region = store.default_region();
        region.lock().set(
            b"k",
            Value::Str("v".into()),
            Some(store.now() + 50),
            store.now(),
        );
        assert_eq!(store.expire_cycle(10), 0);
        clock.advance(50);
        assert_eq!(store.expire_cycle(10), 1);
        assert_eq!(region.lock().stats.expired, 1);
    }

    #[test]
    fn max_memory_evicts_across_regions() {
        let clock = Arc::new(ManualClock::new(0));
        let store = Store::new(
            StoreLimits {
                max_memory: 10_000,
                ..Default::default()
            },
            clock,
        );
        let region = store.default_region();
        for i in 0..1000 {
            region.lock().set(
                format!("key{i}").as_bytes(),
                Value::Str("0123456789".into()),
                None,
                i,
            );
            store.enforce_max_memory(&region);
        }
        assert!(store.used_memory() <= 10_000);
        assert!(region.lock().stats.evicted > 0);
    }
}
