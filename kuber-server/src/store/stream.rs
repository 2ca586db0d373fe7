//! The stream type (Redis streams): entries ordered by ID, the counters Redis keeps beside them
//! (last generated ID, entries added, max deleted ID, first ID), the node layout approximate
//! trimming works on, and consumer groups with their pending-entries lists (PELs).
//!
//! Redis keeps entries in listpack nodes of at most `stream-node-max-entries` (100) entries;
//! `MAXLEN ~`/`MINID ~` only ever drop whole nodes, and `XINFO` reports the node count. The nodes
//! are modelled here (live and total counts per node) so that approximate trims leave exactly the
//! lengths Redis leaves, while the entries themselves live in one ordered map. Consumer groups are
//! in `group`.

mod group;

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;

use super::value::element_cost;
pub use group::{Consumer, Group, PendingEntry, UNKNOWN_ENTRIES_READ};

/// Entries per node before a new node starts: Redis's default `stream-node-max-entries`, which
/// CONFIG SET changes for later appends.
pub const NODE_MAX_ENTRIES: u64 = 100;

/// Memory counted per entry on top of its fields (ID, map node).
const ENTRY_OVERHEAD: usize = 32;

/// A stream entry ID: milliseconds and a sequence number, ordered as a pair.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    /// Milliseconds part.
    pub ms: u64,
    /// Sequence part.
    pub seq: u64,
}

impl StreamId {
    /// `0-0`, below every valid entry ID.
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    /// The largest ID (`+`).
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// An ID from its parts.
    pub const fn new(ms: u64, seq: u64) -> Self {
        StreamId { ms, seq }
    }

    /// The smallest ID above this one, `None` at [`StreamId::MAX`].
    pub fn next(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (u64::MAX, u64::MAX) => None,
            (ms, u64::MAX) => Some(StreamId::new(ms + 1, 0)),
            (ms, seq) => Some(StreamId::new(ms, seq + 1)),
        }
    }

    /// The largest ID below this one, `None` at `0-0`.
    pub fn prev(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (0, 0) => None,
            (ms, 0) => Some(StreamId::new(ms - 1, u64::MAX)),
            (ms, seq) => Some(StreamId::new(ms, seq - 1)),
        }
    }

    /// True for `0-0`.
    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// The field-value pairs of one entry, in the order they were added.
pub type Fields = Vec<(Bytes, Bytes)>;

/// One listpack node of Redis's layout: its live and total (live + deleted) entries and the ID of
/// the last entry it ever held.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Node {
    live: u64,
    total: u64,
    last: StreamId,
}

/// How XADD and XTRIM trim.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trim {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Drop entries below this ID.
    MinId(StreamId),
}

/// A stream value.
#[derive(Clone, Debug, Default)]
pub struct Stream {
    entries: BTreeMap<StreamId, Fields>,
    /// Nodes keyed by their first ID.
    nodes: BTreeMap<StreamId, Node>,
    /// The last ID ever generated (it stays when the entry is deleted).
    pub last_id: StreamId,
    /// Entries ever added.
    pub entries_added: u64,
    /// The largest ID ever deleted by XDEL.
    pub max_deleted_id: StreamId,
    /// The first entry's ID (`0-0` when empty).
    pub first_id: StreamId,
    /// Consumer groups by name.
    pub groups: BTreeMap<Bytes, Group>,
    entry_bytes: usize,
}

/// Two streams are equal when they hold the same entries, counters and groups; the node layout
/// is how they got there (a stream read back from persistence is laid out afresh).
impl PartialEq for Stream {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
            && self.last_id == other.last_id
            && self.entries_added == other.entries_added
            && self.max_deleted_id == other.max_deleted_id
            && self.first_id == other.first_id
            && self.groups == other.groups
    }
}

fn fields_cost(fields: &Fields) -> usize {
    ENTRY_OVERHEAD
        + fields
            .iter()
            .map(|(f, v)| element_cost(f.len()) + element_cost(v.len()))
            .sum::<usize>()
}

impl Stream {
    /// An empty stream.
    pub fn new() -> Self {
        Stream::default()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no entries (a stream may exist empty).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Nodes in Redis's layout (`XINFO STREAM` `radix-tree-keys`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The entry with `id`.
    pub fn get(&self, id: StreamId) -> Option<&Fields> {
        self.entries.get(&id)
    }

    /// Entries with IDs in `start..=end`, ascending.
    pub fn range(
        &self,
        start: StreamId,
        end: StreamId,
    ) -> impl DoubleEndedIterator<Item = (&StreamId, &Fields)> {
        let valid = start <= end;
        let (start, end) = if valid { (start, end) } else { (end, end) };
        self.entries.range(start..=end).filter(move |_| valid)
    }

    /// The first entry.
    pub fn first(&self) -> Option<(&StreamId, &Fields)> {
        self.entries.first_key_value()
    }

    /// The last entry.
    pub fn last(&self) -> Option<(&StreamId, &Fields)> {
        self.entries.last_key_value()
    }

    /// The ID XADD `*` generates at clock time `now`, `None` when the IDs are exhausted.
    pub fn next_id(&self, now: u64) -> Option<StreamId> {
        if now > self.last_id.ms {
            Some(StreamId::new(now, 0))
        } else {
            self.last_id.next()
        }
    }

    /// Appends an entry; `id` must be above [`Stream::last_id`]. The last node takes it unless it
    /// already holds `node_max_entries` entries, live or deleted (0 = no limit).
    pub fn append(&mut self, id: StreamId, fields: Fields, node_max_entries: u64) {
        debug_assert!(id > self.last_id || (self.last_id.is_zero() && id > StreamId::MIN));
        self.entry_bytes += fields_cost(&fields);
        self.entries.insert(id, fields);
        match self.nodes.last_entry() {
            Some(mut node) if node_max_entries == 0 || node.get().total < node_max_entries => {
                let node = node.get_mut();
                node.live += 1;
                node.total += 1;
                node.last = id;
            }
            _ => {
                self.nodes.insert(
                    id,
                    Node {
                        live: 1,
                        total: 1,
                        last: id,
                    },
                );
            }
        }
        if self.entries.len() == 1 {
            self.first_id = id;
        }
        self.last_id = id;
        self.entries_added += 1;
    }

    /// Removes one entry, keeping the node counts; `None` when it is not there.
    fn remove_entry(&mut self, id: StreamId) -> Option<Fields> {
        let fields = self.entries.remove(&id)?;
        self.entry_bytes -= fields_cost(&fields);
        let node_key = self
            .nodes
            .range(..=id)
            .next_back()
            .map(|(k, _)| *k)
            .expect("every entry lies in a node");
        let node = self.nodes.get_mut(&node_key).expect("found above");
        node.live -= 1;
        if node.live == 0 {
            self.nodes.remove(&node_key);
        }
        Some(fields)
    }

    fn refresh_first_id(&mut self) {
        self.first_id = self.first().map_or(StreamId::MIN, |(id, _)| *id);
    }

    /// XDEL of one ID: true when the entry existed.
    pub fn delete(&mut self, id: StreamId) -> bool {
        if self.remove_entry(id).is_none() {
            return false;
        }
        if id > self.max_deleted_id {
            self.max_deleted_id = id;
        }
        self.refresh_first_id();
        true
    }

    /// Trims as XADD/XTRIM do: whole nodes first; with `approx`, only whole nodes, and at most
    /// `limit` entries when `limit` > 0. Returns the number of entries removed.
    pub fn trim(&mut self, trim: Trim, approx: bool, limit: u64) -> u64 {
        let mut deleted = 0u64;
        loop {
            if let Trim::MaxLen(max) = trim
                && self.len() as u64 <= max
            {
                break;
            }
            let Some((&node_key, node)) = self.nodes.first_key_value() else {
                break;
            };
            if limit > 0 && deleted + node.live > limit {
                break;
            }
            let whole = match trim {
                Trim::MaxLen(max) => self.len() as u64 - node.live >= max,
                Trim::MinId(min) => node.last < min,
            };
            let node_end = self
                .nodes
                .range(node_key..)
                .nth(1)
                .map(|(k, _)| *k)
                .unwrap_or(StreamId::MAX);
            if whole {
                let ids: Vec<StreamId> = self
                    .entries
                    .range(node_key..node_end)
                    .map(|(id, _)| *id)
                    .collect();
                for id in ids {
                    let fields = self.entries.remove(&id).expect("listed above");
                    self.entry_bytes -= fields_cost(&fields);
                    deleted += 1;
                }
                self.nodes.remove(&node_key);
                if node_end == StreamId::MAX {
                    break;
                }
                continue;
            }
            if approx {
                break;
            }
            // Exact trim inside the first node that cannot go whole.
            let ids: Vec<StreamId> = self
                .entries
                .range(node_key..node_end)
                .map(|(id, _)| *id)
                .collect();
            for id in ids {
                let done = match trim {
                    Trim::MaxLen(max) => self.len() as u64 <= max,
                    Trim::MinId(min) => id >= min,
                };
                if done {
                    break;
                }
                self.remove_entry(id);
                deleted += 1;
            }
            break;
        }
        self.refresh_first_id();
        deleted
    }

    /// Approximate heap bytes: entries plus groups and their PELs.
    pub fn memory_bytes(&self) -> usize {
        self.entry_bytes
            + self
                .groups
                .iter()
                .map(|(name, g)| g.memory_bytes(name))
                .sum::<usize>()
    }

    /// Redis's `streamEstimateDistanceFromFirstEverEntry`: the logical read counter of `id`, or
    /// [`UNKNOWN_ENTRIES_READ`] when deletions make it unknowable.
    pub fn entries_read_at(&self, id: StreamId) -> i64 {
        if self.entries_added == 0 {
            return 0;
        }
        if self.is_empty() && id <= self.last_id {
            return self.entries_added as i64;
        }
        if id == self.last_id {
            return self.entries_added as i64;
        }
        if id > self.last_id {
            return UNKNOWN_ENTRIES_READ;
        }
        if self.max_deleted_id.is_zero() || self.max_deleted_id < self.first_id {
            let base = self.entries_added as i64 - self.len() as i64;
            if id < self.first_id {
                return base;
            }
            if id == self.first_id {
                return base + 1;
            }
        }
        UNKNOWN_ENTRIES_READ
    }

    /// Redis's `streamRangeHasTombstones` for `start..=+`: an XDEL may have left a gap there.
    pub fn has_tombstones_from(&self, start: StreamId) -> bool {
        if self.is_empty() || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        start <= self.max_deleted_id
    }

    /// The lag `XINFO` reports for `group`, `None` when it cannot be known.
    pub fn lag(&self, group: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if group.entries_read != UNKNOWN_ENTRIES_READ && !self.has_tombstones_from(group.last_id) {
            return Some(self.entries_added as i64 - group.entries_read);
        }
        match self.entries_read_at(group.last_id) {
            UNKNOWN_ENTRIES_READ => None,
            read => Some(self.entries_added as i64 - read),
        }
    }

    /// Moves `group`'s read position to `id` as delivering that entry with `>` does.
    pub fn advance_group(&mut self, group: &Bytes, id: StreamId) {
        let tombstones = self.has_tombstones_from(id);
        let estimate = self.entries_read_at(id);
        let added = self.entries_added;
        let Some(g) = self.groups.get_mut(group) else {
            return;
        };
        if id <= g.last_id {
            return;
        }
        if g.entries_read != UNKNOWN_ENTRIES_READ && !tombstones {
            g.entries_read += 1;
        } else if added > 0 {
            g.entries_read = estimate;
        }
        g.last_id = id;
    }

    /// Rebuilds a stream from stored parts (persistence): entries in ID order, then the counters.
    pub fn restore(
        entries: Vec<(StreamId, Fields)>,
        last_id: StreamId,
        entries_added: u64,
        max_deleted_id: StreamId,
        groups: BTreeMap<Bytes, Group>,
    ) -> Stream {
        let mut stream = Stream::new();
        for (id, fields) in entries {
            stream.append(id, fields, NODE_MAX_ENTRIES);
        }
        stream.last_id = last_id;
        stream.entries_added = entries_added;
        stream.max_deleted_id = max_deleted_id;
        stream.groups = groups;
        stream.refresh_first_id();
        stream
    }

    /// Every entry, ascending (persistence).
    pub fn iter(&self) -> impl Iterator<Item = (&StreamId, &Fields)> {
        self.entries.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Fields {
        vec![(Bytes::from_static(b"f"), Bytes::from_static(b"v"))]
    }

    fn filled(n: u64) -> Stream {
        let mut s = Stream::new();
        for i in 1..=n {
            s.append(StreamId::new(i, 0), fields(), NODE_MAX_ENTRIES);
        }
        s
    }

    #[test]
    fn ids_step_across_the_sequence_boundary() {
        assert_eq!(StreamId::new(1, u64::MAX).next(), Some(StreamId::new(2, 0)));
        assert_eq!(StreamId::MAX.next(), None);
        assert_eq!(StreamId::new(2, 0).prev(), Some(StreamId::new(1, u64::MAX)));
        assert_eq!(StreamId::MIN.prev(), None);
        assert_eq!(StreamId::new(5, 3).to_string(), "5-3");
    }

    #[test]
    fn approximate_trims_drop_whole_nodes_only() {
        let mut s = filled(1000);
        assert_eq!(s.node_count(), 10);
        assert_eq!(s.trim(Trim::MaxLen(555), true, 10_000), 400);
        assert_eq!(s.len(), 600);
        assert_eq!(s.first_id, StreamId::new(401, 0));
        assert_eq!(s.trim(Trim::MaxLen(555), false, 0), 45);
        assert_eq!(s.len(), 555);
        assert_eq!(s.trim(Trim::MinId(StreamId::new(900, 0)), false, 0), 454);
        assert_eq!(s.first_id, StreamId::new(900, 0));
        assert_eq!(s.entries_added, 1000);
    }

    #[test]
    fn deletes_track_first_and_max_deleted_ids() {
        let mut s = filled(3);
        assert!(s.delete(StreamId::new(1, 0)));
        assert!(!s.delete(StreamId::new(1, 0)));
        assert_eq!(s.first_id, StreamId::new(2, 0));
        assert_eq!(s.max_deleted_id, StreamId::new(1, 0));
        assert_eq!(s.entries_read_at(StreamId::new(3, 0)), 3);
        assert!(s.delete(StreamId::new(3, 0)));
        assert_eq!(s.last_id, StreamId::new(3, 0));
        assert!(s.has_tombstones_from(StreamId::new(2, 0)));
        assert_eq!(s.entries_read_at(StreamId::new(2, 0)), UNKNOWN_ENTRIES_READ);
    }
}
