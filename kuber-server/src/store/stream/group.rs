//! Consumer groups of a stream: the group's last delivered ID and read counter, its pending-entries
//! list (PEL), and its consumers with their own PELs, kept in step by the methods here.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;

use super::StreamId;

/// `entries_read` of a group whose position in the stream is not known (Redis's
/// `SCG_INVALID_ENTRIES_READ`).
pub const UNKNOWN_ENTRIES_READ: i64 = -1;

/// Memory counted per pending entry, per group and per consumer (map nodes, counters).
const PENDING_COST: usize = 48;
const GROUP_COST: usize = 64;
const CONSUMER_COST: usize = 48;

/// A delivered entry not yet acknowledged (Redis's NACK).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEntry {
    /// The consumer that owns it.
    pub consumer: Bytes,
    /// When it was last delivered, clock milliseconds.
    pub delivery_time: u64,
    /// How many times it was delivered.
    pub delivery_count: u64,
}

/// A consumer of a group.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Consumer {
    /// Last time the consumer read or claimed, clock milliseconds.
    pub seen_time: u64,
    /// IDs of the group's pending entries this consumer owns.
    pub pending: BTreeSet<StreamId>,
}

/// A consumer group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// The last ID delivered to any consumer with `>`.
    pub last_id: StreamId,
    /// Logical count of entries read, or [`UNKNOWN_ENTRIES_READ`].
    pub entries_read: i64,
    /// The group's pending entries.
    pub pending: BTreeMap<StreamId, PendingEntry>,
    /// Consumers by name (Redis lists them in name order).
    pub consumers: BTreeMap<Bytes, Consumer>,
}

impl Group {
    /// A group that has read up to `last_id`.
    pub fn new(last_id: StreamId, entries_read: i64) -> Self {
        Group {
            last_id,
            entries_read,
            pending: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// Drops a pending entry from the group and its owner. Returns true if it was pending.
    pub fn unpend(&mut self, id: StreamId) -> bool {
        let Some(entry) = self.pending.remove(&id) else {
            return false;
        };
        if let Some(owner) = self.consumers.get_mut(&entry.consumer) {
            owner.pending.remove(&id);
        }
        true
    }

    /// Makes `consumer` the owner of pending entry `id` (which must exist in the group PEL).
    pub fn assign(&mut self, id: StreamId, consumer: &Bytes) {
        let Some(entry) = self.pending.get_mut(&id) else {
            return;
        };
        if entry.consumer != *consumer {
            if let Some(old) = self.consumers.get_mut(&entry.consumer) {
                old.pending.remove(&id);
            }
            entry.consumer = consumer.clone();
        }
        if let Some(owner) = self.consumers.get_mut(consumer) {
            owner.pending.insert(id);
        }
    }

    /// Creates consumer `name` (seen now) unless it exists. Returns true when created.
    pub fn create_consumer(&mut self, name: &Bytes, now: u64) -> bool {
        if self.consumers.contains_key(name) {
            return false;
        }
        self.consumers.insert(
            name.clone(),
            Consumer {
                seen_time: now,
                pending: BTreeSet::new(),
            },
        );
        true
    }

    /// Marks consumer `name` as seen now, creating it if needed. Returns true when created.
    pub fn touch_consumer(&mut self, name: &Bytes, now: u64) -> bool {
        let created = self.create_consumer(name, now);
        if let Some(consumer) = self.consumers.get_mut(name) {
            consumer.seen_time = now;
        }
        created
    }

    /// Records a delivery of `id` to `consumer` now: a new pending entry, or one taken over from
    /// its previous owner with the count restarted (Redis's XREADGROUP after XGROUP SETID).
    pub fn deliver(&mut self, id: StreamId, consumer: &Bytes, now: u64) {
        let previous = self.pending.insert(
            id,
            PendingEntry {
                consumer: consumer.clone(),
                delivery_time: now,
                delivery_count: 1,
            },
        );
        if let Some(previous) = previous
            && previous.consumer != *consumer
            && let Some(owner) = self.consumers.get_mut(&previous.consumer)
        {
            owner.pending.remove(&id);
        }
        if let Some(owner) = self.consumers.get_mut(consumer) {
            owner.pending.insert(id);
        }
    }

    pub(super) fn memory_bytes(&self, name: &Bytes) -> usize {
        GROUP_COST
            + name.len()
            + self.pending.len() * PENDING_COST
            + self
                .consumers
                .iter()
                .map(|(n, c)| CONSUMER_COST + n.len() + c.pending.len() * 16)
                .sum::<usize>()
    }
}
