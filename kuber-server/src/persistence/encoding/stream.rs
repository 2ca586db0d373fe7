//! The version-1 payload of a stream (after the format version byte):
//!
//! - last generated ID, entries added, max deleted ID;
//! - a varint count of entries, then each entry as its ID, a varint count of field-value pairs
//!   and the pairs (each a varint length and bytes);
//! - a varint count of groups, then each group as its name, last delivered ID, entries read plus
//!   one (0 = unknown), a varint count of consumers (each name and seen time), and a varint count
//!   of pending entries (each ID, owner name, delivery time and delivery count).
//!
//! An ID is two varints (milliseconds, sequence). The first ID, the node layout and each
//! consumer's own pending list are derived on decoding.

use std::collections::BTreeMap;

use bytes::{Bytes, BytesMut};

use super::{Reader, put_bytes, put_varint};
use crate::store::stream::{Consumer, Group, PendingEntry, Stream, StreamId, UNKNOWN_ENTRIES_READ};

fn put_id(out: &mut BytesMut, id: StreamId) {
    put_varint(out, id.ms);
    put_varint(out, id.seq);
}

/// Appends the payload of `stream` after the version byte.
pub(super) fn encode(out: &mut BytesMut, stream: &Stream) {
    put_id(out, stream.last_id);
    put_varint(out, stream.entries_added);
    put_id(out, stream.max_deleted_id);
    put_varint(out, stream.len() as u64);
    for (id, fields) in stream.iter() {
        put_id(out, *id);
        put_varint(out, fields.len() as u64);
        for (field, value) in fields {
            put_bytes(out, field);
            put_bytes(out, value);
        }
    }
    put_varint(out, stream.groups.len() as u64);
    for (name, group) in &stream.groups {
        put_bytes(out, name);
        put_id(out, group.last_id);
        put_varint(out, (group.entries_read + 1) as u64);
        put_varint(out, group.consumers.len() as u64);
        for (consumer, state) in &group.consumers {
            put_bytes(out, consumer);
            put_varint(out, state.seen_time);
        }
        put_varint(out, group.pending.len() as u64);
        for (id, entry) in &group.pending {
            put_id(out, *id);
            put_bytes(out, &entry.consumer);
            put_varint(out, entry.delivery_time);
            put_varint(out, entry.delivery_count);
        }
    }
}

impl Reader<'_> {
    fn id(&mut self) -> Result<StreamId, String> {
        Ok(StreamId::new(self.varint()?, self.varint()?))
    }
}

/// Reads the payload written by [`encode`]; the version byte is already consumed.
pub(super) fn decode(reader: &mut Reader<'_>) -> Result<Stream, String> {
    let last_id = reader.id()?;
    let entries_added = reader.varint()?;
    let max_deleted_id = reader.id()?;
    let n = reader.count()?;
    let mut entries: Vec<(StreamId, Vec<(Bytes, Bytes)>)> = Vec::with_capacity(n);
    for _ in 0..n {
        let id = reader.id()?;
        if id.is_zero() || id > last_id || entries.last().is_some_and(|(prev, _)| *prev >= id) {
            return Err(format!("stream entry {id} out of order"));
        }
        let pairs = reader.count()?;
        if pairs == 0 {
            return Err(format!("stream entry {id} has no fields"));
        }
        let mut fields = Vec::with_capacity(pairs);
        for _ in 0..pairs {
            let field = reader.bytes()?;
            fields.push((field, reader.bytes()?));
        }
        entries.push((id, fields));
    }
    if (entries.len() as u64) > entries_added {
        return Err("stream holds more entries than were ever added".into());
    }
    let mut groups = BTreeMap::new();
    for _ in 0..reader.count()? {
        let name = reader.bytes()?;
        let last_delivered = reader.id()?;
        let entries_read = reader.varint()?;
        let entries_read = i64::try_from(entries_read)
            .map_err(|_| "entries read out of range".to_string())?
            + UNKNOWN_ENTRIES_READ;
        let mut group = Group::new(last_delivered, entries_read);
        for _ in 0..reader.count()? {
            let consumer = reader.bytes()?;
            let seen_time = reader.varint()?;
            group.consumers.insert(
                consumer,
                Consumer {
                    seen_time,
                    ..Consumer::default()
                },
            );
        }
        for _ in 0..reader.count()? {
            let id = reader.id()?;
            let consumer = reader.bytes()?;
            let delivery_time = reader.varint()?;
            let delivery_count = reader.varint()?;
            let owner = group
                .consumers
                .get_mut(&consumer)
                .ok_or_else(|| format!("pending entry {id} names an unknown consumer"))?;
            owner.pending.insert(id);
            group.pending.insert(
                id,
                PendingEntry {
                    consumer,
                    delivery_time,
                    delivery_count,
                },
            );
        }
        if groups.insert(name, group).is_some() {
            return Err("duplicate consumer group".into());
        }
    }
    Ok(Stream::restore(
        entries,
        last_id,
        entries_added,
        max_deleted_id,
        groups,
    ))
}
