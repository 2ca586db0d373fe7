//! One region's keys: a slotted hash table with lazy and active expiry, a SCAN cursor that never
//! misses a key that exists throughout, approximate-LRU eviction, memory accounting and statistics.
//!
//! The table is a power-of-two array of `hashbrown::HashTable` slots indexed by bits 32.. of the
//! key's hash. SCAN walks slots in Redis's reverse-binary cursor order, so a key present for the
//! whole scan is returned even when the table doubles between two calls (it may be returned twice,
//! as in Redis). Each key is hashed once per operation: the slot and the table share the hash.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};

use bytes::Bytes;
use hashbrown::hash_table::Entry as TableEntry;
use hashbrown::{DefaultHashBuilder, HashTable};
use rand::Rng;
use std::hash::BuildHasher;

use super::value::{Entry, Value};
use crate::json::index::{IndexError, IndexKind, JsonCatalog};
use crate::notify::{self, KeyEvent};
use crate::persistence::Change;
use crate::persistence::journal::Journal;
use crate::query::FieldPath;

/// Slots a new keyspace starts with.
const INITIAL_SLOTS: usize = 16;
/// Average keys per slot before the slot array doubles. Small enough that SCAN's unit of work (one
/// slot) stays near its COUNT, large enough that the slot array is a small fraction of memory.
const KEYS_PER_SLOT: usize = 16;
/// Keys sampled per eviction, as Redis's `maxmemory-samples` default.
const EVICTION_SAMPLES: usize = 5;

/// Counters reported by `RINFO` and `INFO`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegionStats {
    /// Reads that found a live key.
    pub hits: u64,
    /// Reads that found nothing.
    pub misses: u64,
    /// Writes that stored a value.
    pub sets: u64,
    /// Keys removed by commands.
    pub deletes: u64,
    /// Keys removed because their TTL passed.
    pub expired: u64,
    /// Keys removed to respect an entry or memory limit.
    pub evicted: u64,
}

/// Which keys a SCAN should return.
#[derive(Default)]
pub struct ScanFilter<'a> {
    /// Glob pattern (`MATCH`).
    pub pattern: Option<&'a [u8]>,
    /// Type name (`TYPE`).
    pub type_name: Option<&'a [u8]>,
}

/// Counts kept beside the table, in their own struct so that they can be updated while a slot is
/// borrowed (the borrow checker sees disjoint fields).
struct Books {
    len: usize,
    /// (expires_at, key) for every key with a TTL, so active expiry finds due keys in order.
    expiries: BTreeSet<(u64, Bytes)>,
    memory: usize,
    /// Server-wide memory counter shared by every keyspace, for `max_memory`.
    global_memory: Arc<AtomicI64>,
    /// Keyspace events waiting to be published after the command; recorded only for the classes
    /// `events_enabled` holds (see `crate::notify`), so nothing while nobody listens.
    events: Vec<KeyEvent>,
    events_enabled: Arc<AtomicU32>,
    /// JSON secondary indexes, told about every document that arrives or leaves.
    json: JsonCatalog,
    /// The persistence journal and this region's name in it, once persistence is attached.
    journal: Option<(Arc<str>, Arc<Journal>)>,
}

impl Books {
    /// Tells persistence that `key` changed (written, removed or expired).
    fn changed(&self, key: &[u8]) {
        if let Some((region, journal)) = &self.journal {
            journal.mark(region, key);
        }
    }

    /// Records an event the keyspace itself sees: `set` and `del` are `__kuber__` events only
    /// (Redis names its events per command, see [`Keyspace::notify`]); `expired` and `evicted`
    /// are Redis events too.
    fn event(&mut self, name: &'static str, key: &[u8]) {
        let mask = self.events_enabled.load(Ordering::Relaxed);
        if mask == 0 {
            return;
        }
        let class = mask
            & match name {
                "expired" => notify::EXPIRED,
                "evicted" => notify::EVICTED,
                _ => 0,
            };
        let kuber = mask & notify::KUBER != 0;
        if class != 0 || kuber {
            self.events.push(KeyEvent {
                name,
                key: Bytes::copy_from_slice(key),
                class,
                kuber,
            });
        }
    }

    fn notify(&mut self, class: u32, name: &'static str, key: &[u8]) {
        let mask = self.events_enabled.load(Ordering::Relaxed);
        if mask != 0 {
            notify::record(&mut self.events, mask, class, name, key);
        }
    }

    fn account(&mut self, delta: i64) {
        self.memory = (self.memory as i64 + delta).max(0) as usize;
        self.global_memory.fetch_add(delta, Ordering::Relaxed);
    }

    fn reindex_expiry(&mut self, old: Option<u64>, new: Option<u64>, key: &Bytes) {
        if old == new {
            return;
        }
        if let Some(at) = old {
            self.expiries.remove(&(at, key.clone()));
        }
        if let Some(at) = new {
            self.expiries.insert((at, key.clone()));
        }
    }

    /// Keeps the JSON indexes current when the value under `key` changes from `old` to `new`.
    fn reindex_json(&mut self, key: &Bytes, old: Option<&Value>, new: &Value) {
        if self.json.is_empty() {
            return;
        }
        if let Some(Value::Json(doc)) = old {
            self.json.remove(key, doc.value());
        }
        if let Value::Json(doc) = new {
            self.json.insert(key, doc.value());
        }
    }

    /// Bookkeeping for an entry that left the table.
    fn forget(&mut self, entry: &Entry) {
        self.len -= 1;
        if let Value::Json(doc) = &entry.value
            && !self.json.is_empty()
        {
            self.json.remove(&entry.key, doc.value());
        }
        if let Some(at) = entry.expires_at {
            self.expiries.remove(&(at, entry.key.clone()));
        }
        self.account(-(entry.memory_bytes() as i64));
    }
}

/// The keys of one region.
pub struct Keyspace {
    slots: Vec<HashTable<Entry>>,
    hasher: DefaultHashBuilder,
    books: Books,
    /// 0 = unlimited.
    max_entries: u64,
    /// Statistics since creation or the last purge.
    pub stats: RegionStats,
    /// Clients blocked on each key (BLPOP …), oldest first.
    waiters: hashbrown::HashMap<Bytes, std::collections::VecDeque<Waiter>>,
    /// For each key whose wake-up was handed to a blocked client that has not yet acted on it,
    /// that client's id. Further signals on the key wait for it (see [`Keyspace::signal_ready`]).
    woken: hashbrown::HashMap<Bytes, u64>,
    /// `woken.len()` readable without the lock, and a signal when it drops to zero.
    wake_ups: Arc<PendingWakeUps>,
    /// For each key whose wake-up is making a round of stream readers, the blocked calls it has
    /// reached (see [`Keyspace::release_wake_ups`]).
    stream_rounds: hashbrown::HashMap<Bytes, hashbrown::HashSet<u64>>,
    /// WATCH registrations.
    watches: Watches,
    /// Keys whose values were evicted to the persistence backend: they still exist, and a command
    /// naming one reads it back first (see `cmd::fault_in`).
    on_disk: hashbrown::HashSet<Bytes>,
    /// `on_disk.len()`, readable without the lock.
    on_disk_count: Arc<std::sync::atomic::AtomicUsize>,
    /// With a durable backend, eviction drops only the value from memory: the key moves to
    /// `on_disk` (set before recovery, when no journal is attached yet).
    evict_to_disk: bool,
}

/// WATCHing transactions per key: each flag is set when the key changes. A separate struct so that
/// expiry can touch keys while a slot is borrowed.
#[derive(Default)]
struct Watches {
    flags: hashbrown::HashMap<Bytes, Vec<Arc<std::sync::atomic::AtomicBool>>>,
    /// Number of registrations, readable without the lock so that writes skip the watch
    /// bookkeeping entirely when nobody watches.
    count: Arc<std::sync::atomic::AtomicUsize>,
}

impl Watches {
    fn touch(&mut self, key: &[u8]) {
        if self.flags.is_empty() {
            return;
        }
        if let Some(flags) = self.flags.remove(key) {
            self.count.fetch_sub(flags.len(), Ordering::Relaxed);
            for flag in flags {
                flag.store(true, Ordering::Release);
            }
        }
    }
}

/// Wake-ups handed to blocked clients that have not acted on them yet. A command that woke
/// clients waits for them before its own reply goes out (see `cmd::wait_for_woken_clients`), so
/// that, as in Redis, whoever reads the command's reply sees what the woken clients did.
#[derive(Default)]
pub struct PendingWakeUps {
    pending: std::sync::atomic::AtomicUsize,
    /// Notified whenever `pending` drops to zero.
    pub served: tokio::sync::Notify,
}

impl PendingWakeUps {
    /// True while some woken client has not acted yet.
    pub fn any(&self) -> bool {
        self.pending.load(Ordering::Acquire) > 0
    }
}

/// A client blocked on a key: woken through its `Notify`, identified for removal by `id`.
#[derive(Clone)]
pub struct Waiter {
    /// Unique per blocked call.
    pub id: u64,
    /// Woken when the key may have data.
    pub notify: Arc<tokio::sync::Notify>,
}

impl Keyspace {
    /// An empty keyspace that reports its memory into `global_memory`.
    pub fn new(global_memory: Arc<AtomicI64>, max_entries: u64) -> Self {
        Self {
            slots: (0..INITIAL_SLOTS).map(|_| HashTable::new()).collect(),
            hasher: DefaultHashBuilder::default(),
            books: Books {
                len: 0,
                expiries: BTreeSet::new(),
                memory: 0,
                global_memory,
                events: Vec::new(),
                events_enabled: Arc::new(AtomicU32::new(0)),
                json: JsonCatalog::default(),
                journal: None,
            },
            max_entries,
            stats: RegionStats::default(),
            waiters: hashbrown::HashMap::new(),
            woken: hashbrown::HashMap::new(),
            wake_ups: Arc::default(),
            stream_rounds: hashbrown::HashMap::new(),
            watches: Watches::default(),
            on_disk: hashbrown::HashSet::new(),
            on_disk_count: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            evict_to_disk: false,
        }
    }

    /// Number of keys, including expired ones not yet collected.
    pub fn len(&self) -> usize {
        self.books.len
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.books.len == 0
    }

    /// Bytes counted for this keyspace's entries.
    pub fn memory(&self) -> usize {
        self.books.memory
    }

    /// Keys with a TTL.
    pub fn volatile_len(&self) -> usize {
        self.books.expiries.len()
    }

    /// Changes the entry limit (0 = none); evicts at once if the keyspace is over it.
    pub fn set_max_entries(&mut self, max_entries: u64) {
        self.max_entries = max_entries;
        self.enforce_max_entries(None);
    }

    fn hash(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    fn slot_index(&self, hash: u64) -> usize {
        // Bits 32.. pick the slot; hashbrown uses the low bits for the bucket and the top 7 as tag,
        // so those stay well distributed inside each slot.
        ((hash >> 32) as usize) & (self.slots.len() - 1)
    }

    /// The live entry for `key`, marking it accessed; an expired entry is removed and counted.
    /// Does not count hits or misses: read commands call [`Keyspace::record_read`].
    pub fn get_mut(&mut self, key: &[u8], now: u64) -> Option<&mut Entry> {
        let hash = self.hash(key);
        let idx = self.slot_index(hash);
        match self.slots[idx].find_entry(hash, |e| e.key.as_ref() == key) {
            Ok(occupied) => {
                if occupied.get().expires_at.is_some_and(|at| at <= now) {
                    let (entry, _) = occupied.remove();
                    self.books.forget(&entry);
                    self.stats.expired += 1;
                    self.watches.touch(&entry.key);
                    self.books.changed(&entry.key);
                    self.books.event("expired", &entry.key);
                    None
                } else {
                    let entry = occupied.into_mut();
                    entry.last_access = now;
                    entry.accesses = entry.accesses.saturating_add(1);
                    Some(entry)
                }
            }
            Err(_) => None,
        }
    }

    /// The live entry for `key` without marking it accessed (for TTL, TYPE, OBJECT …).
    pub fn peek(&mut self, key: &[u8], now: u64) -> Option<&Entry> {
        let hash = self.hash(key);
        let idx = self.slot_index(hash);
        match self.slots[idx].find_entry(hash, |e| e.key.as_ref() == key) {
            Ok(occupied) => {
                if occupied.get().expires_at.is_some_and(|at| at <= now) {
                    let (entry, _) = occupied.remove();
                    self.books.forget(&entry);
                    self.stats.expired += 1;
                    self.watches.touch(&entry.key);
                    self.books.changed(&entry.key);
                    self.books.event("expired", &entry.key);
                    None
                } else {
                    Some(occupied.into_mut())
                }
            }
            Err(_) => None,
        }
    }

    /// Reports a change in a value's size made in place (collection commands), in the units of
    /// [`super::value::element_cost`].
    pub fn adjust_memory(&mut self, delta: i64) {
        self.books.account(delta);
    }

    /// Counts one in-place write in the statistics.
    pub fn record_write(&mut self) {
        self.stats.sets += 1;
    }

    /// Recomputes the memory of every entry from scratch; tests compare it with [`Keyspace::memory`]
    /// to prove in-place updates were counted right.
    pub fn recount_memory(&self) -> usize {
        self.slots
            .iter()
            .flat_map(|t| t.iter())
            .map(|e| e.memory_bytes())
            .sum()
    }

    /// Sends this keyspace's changes to `journal` under the region name `region`.
    pub fn set_journal(&mut self, region: Arc<str>, journal: Arc<Journal>) {
        self.books.journal = Some((region, journal));
    }

    /// Makes eviction keep evicted values in the persistence backend (see `on_disk`).
    pub fn set_evict_to_disk(&mut self, on: bool) {
        self.evict_to_disk = on;
    }

    /// Removes `key`'s value from memory, keeping the key as on disk. If the key's latest value
    /// has not been flushed yet, a snapshot of it is queued, so that it reaches the backend even
    /// though memory no longer holds it.
    fn evict_value_to_disk(&mut self, key: Bytes) -> Option<usize> {
        let hash = self.hash(&key);
        let idx = self.slot_index(hash);
        let entry = match self.slots[idx].find_entry(hash, |e| e.key == key) {
            Ok(occupied) => occupied.remove().0,
            Err(_) => return None,
        };
        self.books.forget(&entry);
        if let Some((region, journal)) = &self.books.journal
            && journal.is_pending(region, &key)
        {
            let stored = crate::persistence::encoding::to_stored(
                &entry,
                journal.current_seq(),
                entry.last_access,
            );
            journal.push_op(Change::Put {
                region: region.clone(),
                entry: stored,
            });
        }
        self.stats.evicted += 1;
        self.on_disk.insert(key.clone());
        self.on_disk_count
            .store(self.on_disk.len(), Ordering::Relaxed);
        self.books.event("evicted", &key);
        Some(entry.memory_bytes())
    }

    fn forget_on_disk(&mut self, key: &[u8]) {
        if !self.on_disk.is_empty() && self.on_disk.remove(key) {
            self.on_disk_count
                .store(self.on_disk.len(), Ordering::Relaxed);
        }
    }

    /// True when `key`'s value lives only in the persistence backend.
    pub fn is_on_disk(&self, key: &[u8]) -> bool {
        !self.on_disk.is_empty() && self.on_disk.contains(key)
    }

    /// Keys whose values live only in the persistence backend.
    pub fn on_disk_len(&self) -> usize {
        self.on_disk.len()
    }

    /// The shared count of on-disk keys, for checks without the lock.
    pub fn on_disk_counter(&self) -> Arc<std::sync::atomic::AtomicUsize> {
        self.on_disk_count.clone()
    }

    /// Puts a value read back from the backend into memory, if `key` is still on disk (a command
    /// may have written or deleted it while it was being read). Counted as a miss. Not a change:
    /// the backend already holds it.
    pub fn restore_from_disk(&mut self, key: &[u8], value: Option<(Value, Option<u64>)>, now: u64) {
        if !self.is_on_disk(key) {
            return;
        }
        self.forget_on_disk(key);
        self.stats.misses += 1;
        let Some((value, expires_at)) = value else {
            return;
        };
        let journal = self.books.journal.take();
        let sets = self.stats.sets;
        // Not a write either: the key never stopped existing, so no `new` or `set` event.
        let recorded = self.books.events.len();
        self.set(key, value, expires_at, now);
        self.books.events.truncate(recorded);
        self.stats.sets = sets;
        self.books.journal = journal;
    }

    /// Stops sending changes to the journal (a dropped region).
    pub fn clear_journal(&mut self) {
        self.books.journal = None;
    }

    /// Connects the mask of event classes to record (see `crate::notify`).
    pub fn set_event_switch(&mut self, switch: Arc<AtomicU32>) {
        self.books.events_enabled = switch;
    }

    /// Takes the recorded keyspace events.
    pub fn take_events(&mut self) -> Vec<KeyEvent> {
        std::mem::take(&mut self.books.events)
    }

    /// Records the Redis keyspace notification `name` of `class` (`crate::notify::LIST` …) for
    /// `key`, as a command that changed it reports it; also its `__kuber__` counterpart (`set` for
    /// a change in place, `del` for a removal) unless the keyspace already recorded that. Commands
    /// call this only after an actual change, in Redis's order.
    pub fn notify(&mut self, class: u32, name: &'static str, key: &[u8]) {
        self.books.notify(class, name, key);
    }

    /// The shared record of wake-ups not yet acted on, for checks without the lock.
    pub fn pending_wake_ups(&self) -> Arc<PendingWakeUps> {
        self.wake_ups.clone()
    }

    /// The shared count of WATCH registrations (see [`Keyspace::touch`]).
    pub fn watch_counter(&self) -> Arc<std::sync::atomic::AtomicUsize> {
        self.watches.count.clone()
    }

    /// Registers a WATCH on `key`: `flag` is set when the key is next modified or expires.
    pub fn watch(&mut self, key: &[u8], flag: Arc<std::sync::atomic::AtomicBool>) {
        self.watches
            .flags
            .entry(Bytes::copy_from_slice(key))
            .or_default()
            .push(flag);
        self.watches.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Removes a WATCH registration (if still present).
    pub fn unwatch(&mut self, key: &[u8], flag: &Arc<std::sync::atomic::AtomicBool>) {
        if let Some(flags) = self.watches.flags.get_mut(key) {
            let before = flags.len();
            flags.retain(|f| !Arc::ptr_eq(f, flag));
            self.watches
                .count
                .fetch_sub(before - flags.len(), Ordering::Relaxed);
            if flags.is_empty() {
                self.watches.flags.remove(key);
            }
        }
    }

    /// Records that a command changed `key`: every transaction watching it fails, and persistence
    /// will write its current value.
    pub fn touch(&mut self, key: &[u8]) {
        self.watches.touch(key);
        self.books.changed(key);
    }

    /// Queues a blocked client on `key`; `front` puts it first (a woken client that found nothing
    /// keeps its place in line).
    pub fn add_waiter(&mut self, key: &[u8], waiter: Waiter, front: bool) {
        let queue = self.waiters.entry(Bytes::copy_from_slice(key)).or_default();
        if front {
            queue.push_front(waiter)
        } else {
            queue.push_back(waiter)
        }
    }

    /// Removes a blocked client's registration on `key`. Returns false when it was no longer
    /// queued, i.e. a push had already handed it the wake-up.
    pub fn remove_waiter(&mut self, key: &[u8], id: u64) -> bool {
        let Some(queue) = self.waiters.get_mut(key) else {
            return false;
        };
        let before = queue.len();
        queue.retain(|w| w.id != id);
        let found = queue.len() != before;
        if queue.is_empty() {
            self.waiters.remove(key);
        }
        found
    }

    /// Wakes the longest-waiting client blocked on `key`, if any. Called by commands that add
    /// elements to a list, sorted set or stream. While a client woken for `key` has not acted yet, this
    /// does nothing: that client passes the wake-up on when it is done
    /// ([`Keyspace::release_wake_ups`]), so clients are served one at a time in arrival order even
    /// when one of them waits on several keys and is woken through more than one.
    pub fn signal_ready(&mut self, key: &[u8]) {
        let stream = self.holds_stream(key);
        self.signal(key, stream);
    }

    /// Wakes the longest-waiting client blocked on `key`; with `stream_round`, the wake-up then
    /// makes a round of every client queued on the key (stream readers do not consume what woke
    /// them, so one finding nothing must not keep the others from looking).
    fn signal(&mut self, key: &[u8], stream_round: bool) {
        if let Some(&holder) = self.woken.get(key) {
            // A write during a round: everyone gets another look.
            if let Some(reached) = self.stream_rounds.get_mut(key) {
                reached.clear();
                reached.insert(holder);
            }
            return;
        }
        if let Some(queue) = self.waiters.get_mut(key) {
            if let Some(waiter) = queue.pop_front() {
                waiter.notify.notify_one();
                self.woken.insert(Bytes::copy_from_slice(key), waiter.id);
                self.wake_ups
                    .pending
                    .store(self.woken.len(), Ordering::Release);
                if stream_round {
                    self.stream_rounds.insert(
                        Bytes::copy_from_slice(key),
                        [waiter.id].into_iter().collect(),
                    );
                }
            }
            if queue.is_empty() {
                self.waiters.remove(key);
            }
        }
    }

    /// Hands a stream round's wake-up to the longest-waiting client on `key` it has not reached
    /// yet, or ends the round. Clients that found nothing queue again at the front, so a round
    /// reaches each waiting client once, in arrival order, and cannot go round forever.
    fn continue_stream_round(&mut self, key: &[u8]) {
        let Some(reached) = self.stream_rounds.get_mut(key) else {
            return;
        };
        let next = self.waiters.get_mut(key).and_then(|queue| {
            let at = queue.iter().position(|w| !reached.contains(&w.id))?;
            queue.remove(at)
        });
        match next {
            Some(waiter) => {
                reached.insert(waiter.id);
                waiter.notify.notify_one();
                self.woken.insert(Bytes::copy_from_slice(key), waiter.id);
            }
            None => {
                self.stream_rounds.remove(key);
            }
        }
        if self.waiters.get(key).is_some_and(|q| q.is_empty()) {
            self.waiters.remove(key);
        }
    }

    /// True when `key` holds a stream (expired or not: only the wake-up's kind depends on it).
    fn holds_stream(&self, key: &[u8]) -> bool {
        let hash = self.hash(key);
        self.slots[self.slot_index(hash)]
            .find(hash, |e| e.key.as_ref() == key)
            .is_some_and(|e| matches!(e.value, Value::Stream(_)))
    }

    /// Called by blocked client `id` when it has acted on its wake-ups (served, found nothing,
    /// timed out or went away): every key whose wake-up it held is released and, with `pass_on`,
    /// signalled for the next client in line if it still holds a value. A stream's wake-up goes
    /// on to the next client it has not reached either way (see `continue_stream_round`). A client that was woken
    /// but found nothing it could use passes nothing on: the key is gone or holds a type it does
    /// not wait for, and handing that on could wake two such clients in turn forever.
    pub fn release_wake_ups(&mut self, id: u64, keys: &[Bytes], now: u64, pass_on: bool) {
        for key in keys {
            if self.woken.get(&key[..]) == Some(&id) {
                self.woken.remove(&key[..]);
                if self.stream_rounds.contains_key(&key[..]) {
                    self.continue_stream_round(key);
                } else if pass_on && self.peek(key, now).is_some() {
                    self.signal_ready(key);
                }
            }
        }
        self.wake_ups
            .pending
            .store(self.woken.len(), Ordering::Release);
        if self.woken.is_empty() {
            self.wake_ups.served.notify_waiters();
        }
    }

    /// Counts one read as a hit or a miss.
    pub fn record_read(&mut self, hit: bool) {
        if hit {
            self.stats.hits += 1;
        } else {
            self.stats.misses += 1;
        }
    }

    /// Stores `value` under `key` with the given expiry, replacing any previous entry (whatever its
    /// type). Returns the previous live value.
    pub fn set(
        &mut self,
        key: &[u8],
        value: Value,
        expires_at: Option<u64>,
        now: u64,
    ) -> Option<Value> {
        let hash = self.hash(key);
        let idx = self.slot_index(hash);
        let hasher = &self.hasher;
        let new_size;
        let mut old_size = 0;
        let mut reindex = None;
        // (a key was created, an expired one was replaced): Redis's lazy expiry then dbAdd.
        let mut created = (true, false);
        let old_value = match self.slots[idx].entry(
            hash,
            |e| e.key.as_ref() == key,
            |e| hasher.hash_one(&e.key[..]),
        ) {
            TableEntry::Occupied(mut occupied) => {
                let entry = occupied.get_mut();
                old_size = entry.memory_bytes();
                let was_live = entry.expires_at.is_none_or(|at| at > now);
                let previous = std::mem::replace(&mut entry.value, value);
                self.books
                    .reindex_json(&entry.key, Some(&previous), &entry.value);
                let old_expiry = std::mem::replace(&mut entry.expires_at, expires_at);
                entry.last_access = now;
                entry.accesses = entry.accesses.saturating_add(1);
                new_size = entry.memory_bytes();
                if !was_live {
                    self.stats.expired += 1;
                }
                created = (!was_live, !was_live);
                if old_expiry != expires_at {
                    reindex = Some((old_expiry, entry.key.clone()));
                }
                was_live.then_some(previous)
            }
            TableEntry::Vacant(vacant) => {
                let entry = Entry {
                    key: Bytes::copy_from_slice(key),
                    value,
                    expires_at,
                    last_access: now,
                    accesses: 1,
                };
                new_size = entry.memory_bytes();
                if let Some(at) = expires_at {
                    self.books.expiries.insert((at, entry.key.clone()));
                }
                self.books.reindex_json(&entry.key, None, &entry.value);
                vacant.insert(entry);
                self.books.len += 1;
                None
            }
        };
        if let Some((old_expiry, key)) = reindex {
            self.books.reindex_expiry(old_expiry, expires_at, &key);
        }
        if matches!(old_value, Some(Value::Stream(_))) {
            self.stream_gone(key);
        }
        self.stats.sets += 1;
        self.books.changed(key);
        if created.1 {
            self.books.event("expired", key);
        }
        if created.0 {
            self.books.notify(notify::NEW, "new", key);
        }
        self.books.event("set", key);
        self.books.account(new_size as i64 - old_size as i64);
        if old_size == 0 {
            self.forget_on_disk(key);
            self.grow_if_needed();
            // The key just written is never the one evicted to make room for it (Redis evicts
            // before running the command, so it cannot pick it either).
            self.enforce_max_entries(Some(key));
        }
        old_value
    }

    /// Replaces the value of an existing live key in place, keeping its TTL, and re-counts its
    /// memory. Returns false when the key is missing.
    pub fn replace_value(&mut self, key: &[u8], value: Value, now: u64) -> bool {
        let hash = self.hash(key);
        let idx = self.slot_index(hash);
        let Some(entry) = self.slots[idx].find_mut(hash, |e| e.key.as_ref() == key) else {
            return false;
        };
        let old_size = entry.memory_bytes();
        let previous = std::mem::replace(&mut entry.value, value);
        self.books
            .reindex_json(&entry.key, Some(&previous), &entry.value);
        entry.last_access = now;
        let new_size = entry.memory_bytes();
        self.stats.sets += 1;
        self.books.changed(key);
        self.books.event("set", key);
        self.books.account(new_size as i64 - old_size as i64);
        true
    }

    /// Sets or clears the TTL of a live key. Returns false when the key is missing.
    pub fn set_expiry(&mut self, key: &[u8], expires_at: Option<u64>, now: u64) -> bool {
        let hash = self.hash(key);
        let idx = self.slot_index(hash);
        let Some(entry) = self.slots[idx].find_mut(hash, |e| e.key.as_ref() == key) else {
            return false;
        };
        if entry.expires_at.is_some_and(|at| at <= now) {
            return false;
        }
        let old = std::mem::replace(&mut entry.expires_at, expires_at);
        let key = entry.key.clone();
        self.books.reindex_expiry(old, expires_at, &key);
        self.books.changed(&key);
        true
    }

    /// Removes `key` as a command's delete. Returns the entry if it was live.
    pub fn remove(&mut self, key: &[u8], now: u64) -> Option<Entry> {
        let entry = self.take(key)?;
        if entry.expires_at.is_some_and(|at| at <= now) {
            self.stats.expired += 1;
            self.books.event("expired", key);
            return None;
        }
        self.stats.deletes += 1;
        self.books.event("del", key);
        Some(entry)
    }

    /// Removes `key` without counting a delete (used by RENAME's move of an entry).
    pub fn take(&mut self, key: &[u8]) -> Option<Entry> {
        let hash = self.hash(key);
        let idx = self.slot_index(hash);
        let entry = match self.slots[idx].find_entry(hash, |e| e.key.as_ref() == key) {
            Ok(occupied) => occupied.remove().0,
            Err(_) => return None,
        };
        self.books.forget(&entry);
        self.books.changed(key);
        if matches!(entry.value, Value::Stream(_)) {
            self.stream_gone(key);
        }
        Some(entry)
    }

    /// A stream left `key` (deleted, replaced, renamed away): clients blocked on it in XREADGROUP
    /// must hear that it no longer exists, as Redis's `signalDeletedKeyAsReady` tells them.
    fn stream_gone(&mut self, key: &[u8]) {
        if self.waiters.contains_key(key) {
            self.signal(key, true);
        }
    }

    /// Inserts a whole entry (RENAME, COPY), replacing whatever `entry.key` held.
    pub fn put_entry(&mut self, entry: Entry, now: u64) {
        let key = entry.key.clone();
        self.set(&key, entry.value, entry.expires_at, now);
    }

    /// True when `key` exists (expired or not: a flush removes both, and an expired watched key
    /// was already touched by whoever expired it).
    fn find_live(&self, key: &[u8]) -> bool {
        let hash = self.hash(key);
        self.slots[self.slot_index(hash)]
            .find(hash, |e| e.key.as_ref() == key)
            .is_some()
    }

    /// Removes every key; keeps the statistics. Every WATCH on this keyspace fails.
    pub fn clear(&mut self) {
        // Only watched keys that exist change, as in Redis ("FLUSHALL does not touch non affected keys").
        let watched: Vec<Bytes> = self.watches.flags.keys().cloned().collect();
        for key in watched {
            if self.find_live(&key) {
                self.watches.touch(&key);
            }
        }
        let freed = self.books.memory as i64;
        // Blocked XREADGROUP clients learn that their stream is gone; others look and wait on.
        let blocked: Vec<Bytes> = self.waiters.keys().cloned().collect();
        for key in blocked {
            if self.find_live(&key) {
                self.signal_ready(&key);
            }
        }
        self.slots = (0..INITIAL_SLOTS).map(|_| HashTable::new()).collect();
        self.books.len = 0;
        self.books.expiries.clear();
        self.books.json.clear_entries();
        self.books.account(-freed);
        self.on_disk.clear();
        self.on_disk_count.store(0, Ordering::Relaxed);
        if let Some((region, journal)) = &self.books.journal {
            journal.push_op(Change::PurgeRegion(region.clone()));
        }
    }

    fn grow_if_needed(&mut self) {
        if self.books.len <= self.slots.len() * KEYS_PER_SLOT {
            return;
        }
        let new_len = self.slots.len() * 2;
        let old = std::mem::replace(
            &mut self.slots,
            (0..new_len).map(|_| HashTable::new()).collect(),
        );
        for table in old {
            for entry in table {
                let hash = self.hash(&entry.key);
                let idx = self.slot_index(hash);
                let hasher = &self.hasher;
                self.slots[idx].insert_unique(hash, entry, |e| hasher.hash_one(&e.key[..]));
            }
        }
    }

    fn enforce_max_entries(&mut self, spare: Option<&[u8]>) {
        while self.max_entries > 0 && self.books.len as u64 > self.max_entries {
            if self.evict_sparing(spare).is_none() {
                break;
            }
        }
    }

    /// Evicts the least recently used of a few sampled keys. Returns the bytes freed.
    pub fn evict_one(&mut self) -> Option<usize> {
        self.evict_sparing(None)
    }

    /// [`Keyspace::evict_one`], never choosing `spare`.
    fn evict_sparing(&mut self, spare: Option<&[u8]>) -> Option<usize> {
        if self.books.len == 0 {
            return None;
        }
        let mut rng = rand::rng();
        let mut victim: Option<(u64, Bytes)> = None;
        let mut samples = 0;
        let mut tries = 0;
        while samples < EVICTION_SAMPLES && tries < EVICTION_SAMPLES * 64 {
            tries += 1;
            let table = &self.slots[rng.random_range(0..self.slots.len())];
            if table.is_empty() {
                continue;
            }
            let pick = rng.random_range(0..table.len());
            if let Some(entry) = table.iter().nth(pick) {
                if spare == Some(&entry.key[..]) {
                    continue;
                }
                samples += 1;
                if victim
                    .as_ref()
                    .is_none_or(|(at, _)| entry.last_access < *at)
                {
                    victim = Some((entry.last_access, entry.key.clone()));
                }
            }
        }
        let (_, key) = victim?;
        if self.evict_to_disk {
            return self.evict_value_to_disk(key);
        }
        let entry = self.take(&key)?;
        self.stats.evicted += 1;
        self.touch(&key);
        self.books.event("evicted", &key);
        Some(entry.memory_bytes())
    }

    /// Removes up to `budget` keys whose TTL is due; returns how many were removed.
    pub fn expire_due(&mut self, now: u64, budget: usize) -> usize {
        let mut removed = 0;
        while removed < budget {
            let Some((at, key)) = self.books.expiries.first().cloned() else {
                break;
            };
            if at > now {
                break;
            }
            if self.take(&key).is_some() {
                self.stats.expired += 1;
                self.touch(&key);
                self.books.event("expired", &key);
            } else {
                self.books.expiries.remove(&(at, key));
            }
            removed += 1;
        }
        removed
    }

    /// One SCAN step from `cursor`: visits slots until at least `count` keys were seen, returns the
    /// next cursor (0 when done) and the live keys that pass `filter`.
    pub fn scan(
        &mut self,
        cursor: u64,
        count: usize,
        filter: &ScanFilter<'_>,
        now: u64,
    ) -> (u64, Vec<Bytes>) {
        let mask = (self.slots.len() - 1) as u64;
        let mut v = cursor;
        let mut seen = 0;
        let mut keys = Vec::new();
        loop {
            let table = &self.slots[(v & mask) as usize];
            seen += table.len();
            for entry in table.iter() {
                if entry.expires_at.is_some_and(|at| at <= now) {
                    continue;
                }
                if filter
                    .pattern
                    .is_some_and(|p| !super::glob::glob_match(p, &entry.key))
                {
                    continue;
                }
                if filter
                    .type_name
                    .is_some_and(|t| !t.eq_ignore_ascii_case(entry.value.type_name().as_bytes()))
                {
                    continue;
                }
                keys.push(entry.key.clone());
            }
            // Redis's reverse-binary increment: iterate the high bits of the slot index first.
            v |= !mask;
            v = v.reverse_bits().wrapping_add(1).reverse_bits();
            if v == 0 || seen >= count {
                break;
            }
        }
        (v, keys)
    }

    /// Every live key matching `pattern` (KEYS).
    pub fn keys(&self, pattern: &[u8], now: u64) -> Vec<Bytes> {
        let match_all = pattern == b"*";
        self.iter_live(now)
            .filter(|e| match_all || super::glob::glob_match(pattern, &e.key))
            .map(|e| e.key.clone())
            .collect()
    }

    /// Iterates live entries (not expired at `now`).
    pub fn iter_live(&self, now: u64) -> impl Iterator<Item = &Entry> {
        self.slots
            .iter()
            .flat_map(|t| t.iter())
            .filter(move |e| e.expires_at.is_none_or(|at| at > now))
    }

    /// The live entry for `key` without touching anything (searches read many entries under a
    /// shared borrow; an expired entry is skipped here and removed by whoever writes next).
    pub fn live_entry(&self, key: &[u8], now: u64) -> Option<&Entry> {
        let hash = self.hash(key);
        self.slots[self.slot_index(hash)]
            .find(hash, |e| e.key.as_ref() == key)
            .filter(|e| e.expires_at.is_none_or(|at| at > now))
    }

    /// The JSON indexes of this keyspace.
    pub fn json_catalog(&self) -> &JsonCatalog {
        &self.books.json
    }

    /// Creates a JSON index and fills it from the documents stored now (expired ones included: they
    /// leave the index when they are removed, and searches skip them until then).
    pub fn create_json_index(
        &mut self,
        name: &str,
        path: FieldPath,
        kind: IndexKind,
    ) -> Result<(), IndexError> {
        let docs = self
            .slots
            .iter()
            .flat_map(|t| t.iter())
            .filter_map(|e| match &e.value {
                Value::Json(doc) => Some((&e.key, doc.value())),
                _ => None,
            });
        self.books.json.create(name, path, kind, docs)
    }

    /// Drops a JSON index; false when there is none of that name.
    pub fn drop_json_index(&mut self, name: &str) -> bool {
        self.books.json.drop_index(name)
    }

    /// Number of hash-table slots, for splitting a full scan into parts.
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// The live entries of the slots in `slots` (a part of a full scan).
    pub fn iter_live_slots(
        &self,
        slots: std::ops::Range<usize>,
        now: u64,
    ) -> impl Iterator<Item = &Entry> {
        self.slots[slots]
            .iter()
            .flat_map(|t| t.iter())
            .filter(move |e| e.expires_at.is_none_or(|at| at > now))
    }

    /// A random live key, if any.
    pub fn random_key(&mut self, now: u64) -> Option<Bytes> {
        let mut rng = rand::rng();
        for _ in 0..100 {
            if self.books.len == 0 {
                return None;
            }
            let table = &self.slots[rng.random_range(0..self.slots.len())];
            if table.is_empty() {
                continue;
            }
            let pick = rng.random_range(0..table.len());
            let entry = table.iter().nth(pick)?;
            if entry.expires_at.is_some_and(|at| at <= now) {
                let key = entry.key.clone();
                self.take(&key);
                self.stats.expired += 1;
                self.books.event("expired", &key);
                continue;
            }
            return Some(entry.key.clone());
        }
        // Sparse or mostly expired table: fall back to a walk.
        self.iter_live(now).next().map(|e| e.key.clone())
    }
}

mod swap;
pub use swap::SwapError;

#[cfg(test)]
mod tests;
