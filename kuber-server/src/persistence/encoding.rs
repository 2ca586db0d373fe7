//! The one stable encoding of values that every backend stores (documented in `docs/DESIGN.md`).
//!
//! Version 1. A JSON document's payload is its compact JSON text, so backends with a JSON type
//! keep it queryable. Every other payload starts with the format version byte `1`, then:
//!
//! - string: the bytes as they are;
//! - list, set: a varint count, then each element as a varint length and its bytes (lists in
//!   order; sets in no particular order);
//! - hash: a varint count, then field and value pairs, each as a varint length and its bytes;
//! - zset: a varint count, then each member as its score (8 bytes, IEEE 754 little-endian) followed
//!   by a varint length and its bytes;
//! - stream: entries, counters and consumer groups, laid out in [`stream`].
//!
//! Varints are unsigned LEB128. A decoder that meets another version byte refuses the record, so a
//! later format can be introduced beside this one.

mod stream;

use std::collections::VecDeque;

use bytes::{BufMut, Bytes, BytesMut};

use super::{StoredEntry, ValueKind};
use crate::json::JsonDoc;
use crate::store::{Entry, Value, ZSet};

/// The format version written today.
pub const FORMAT_VERSION: u8 = 1;

/// The kind and payload for `value`.
pub fn encode(value: &Value) -> (ValueKind, Bytes) {
    let mut out = BytesMut::new();
    let kind = match value {
        Value::Json(doc) => return (ValueKind::Json, doc.to_bytes()),
        Value::Str(bytes) => {
            out.reserve(1 + bytes.len());
            out.put_u8(FORMAT_VERSION);
            out.put_slice(bytes);
            ValueKind::String
        }
        Value::List(items) => {
            out.put_u8(FORMAT_VERSION);
            put_varint(&mut out, items.len() as u64);
            for item in items {
                put_bytes(&mut out, item);
            }
            ValueKind::List
        }
        Value::Set(members) => {
            out.put_u8(FORMAT_VERSION);
            put_varint(&mut out, members.len() as u64);
            for member in members {
                put_bytes(&mut out, member);
            }
            ValueKind::Set
        }
        Value::Hash(fields) => {
            out.put_u8(FORMAT_VERSION);
            put_varint(&mut out, fields.len() as u64);
            for (field, value) in fields {
                put_bytes(&mut out, field);
                put_bytes(&mut out, value);
            }
            ValueKind::Hash
        }
        Value::ZSet(zset) => {
            out.put_u8(FORMAT_VERSION);
            put_varint(&mut out, zset.len() as u64);
            for (member, score) in zset.iter() {
                out.put_f64_le(score);
                put_bytes(&mut out, member);
            }
            ValueKind::ZSet
        }
        Value::Stream(s) => {
            out.put_u8(FORMAT_VERSION);
            stream::encode(&mut out, s);
            ValueKind::Stream
        }
    };
    (kind, out.freeze())
}

/// The stored form of a live entry.
pub fn to_stored(entry: &Entry, version: u64, now_ms: u64) -> StoredEntry {
    let (kind, payload) = encode(&entry.value);
    StoredEntry {
        key: entry.key.clone(),
        kind,
        payload,
        expires_at_ms: entry.expires_at,
        version,
        updated_at_ms: now_ms,
    }
}

/// Decodes a payload of `kind`. JSON documents larger than `max_json_bytes` are refused like any
/// other bad record. The error says what is wrong with the record.
pub fn decode(kind: ValueKind, payload: &[u8], max_json_bytes: usize) -> Result<Value, String> {
    if kind == ValueKind::Json {
        return JsonDoc::parse(payload, max_json_bytes)
            .map(Value::Json)
            .map_err(|e| e.to_string());
    }
    let mut reader = Reader {
        rest: payload,
        whole: payload,
    };
    match reader.byte()? {
        FORMAT_VERSION => {}
        other => return Err(format!("unknown format version {other}")),
    }
    let value = match kind {
        ValueKind::String => Value::Str(Bytes::copy_from_slice(reader.rest)),
        ValueKind::List => {
            let n = reader.count()?;
            let mut items = VecDeque::with_capacity(n);
            for _ in 0..n {
                items.push_back(reader.bytes()?);
            }
            Value::List(items)
        }
        ValueKind::Set => {
            let n = reader.count()?;
            let mut members = hashbrown::HashSet::with_capacity(n);
            for _ in 0..n {
                members.insert(reader.bytes()?);
            }
            Value::Set(members)
        }
        ValueKind::Hash => {
            let n = reader.count()?;
            let mut fields =
                crate::store::HashFields::with_capacity_and_hasher(n, Default::default());
            for _ in 0..n {
                let field = reader.bytes()?;
                fields.insert(field, reader.bytes()?);
            }
            Value::Hash(fields)
        }
        ValueKind::ZSet => {
            let n = reader.count()?;
            let mut zset = ZSet::new();
            for _ in 0..n {
                let score = reader.f64()?;
                if score.is_nan() {
                    return Err("NaN score".into());
                }
                zset.insert(reader.bytes()?, score);
            }
            Value::ZSet(zset)
        }
        ValueKind::Stream => Value::Stream(Box::new(stream::decode(&mut reader)?)),
        ValueKind::Json => unreachable!("handled above"),
    };
    if kind != ValueKind::String && !reader.rest.is_empty() {
        return Err(format!("{} trailing bytes", reader.rest.len()));
    }
    if is_empty_collection(&value) {
        // Commands never store empty collections; one on disk is damage, not data.
        return Err("empty collection".into());
    }
    Ok(value)
}

fn is_empty_collection(value: &Value) -> bool {
    match value {
        Value::List(l) => l.is_empty(),
        Value::Set(s) => s.is_empty(),
        Value::Hash(h) => h.is_empty(),
        Value::ZSet(z) => z.is_empty(),
        // A stream may exist empty (XDEL, XTRIM and XGROUP CREATE MKSTREAM leave one).
        Value::Str(_) | Value::Json(_) | Value::Stream(_) => false,
    }
}

fn put_varint(out: &mut BytesMut, mut n: u64) {
    while n >= 0x80 {
        out.put_u8((n as u8) | 0x80);
        n >>= 7;
    }
    out.put_u8(n as u8);
}

fn put_bytes(out: &mut BytesMut, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.put_slice(bytes);
}

struct Reader<'a> {
    rest: &'a [u8],
    whole: &'a [u8],
}

impl Reader<'_> {
    fn truncated(&self) -> String {
        format!("truncated at byte {}", self.whole.len() - self.rest.len())
    }

    fn byte(&mut self) -> Result<u8, String> {
        let (&b, rest) = self.rest.split_first().ok_or_else(|| self.truncated())?;
        self.rest = rest;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("varint longer than 64 bits".into())
    }

    /// A count, checked against the bytes left (each element takes at least one byte), so that a
    /// damaged count cannot make the decoder reserve gigabytes.
    fn count(&mut self) -> Result<usize, String> {
        let n = self.varint()?;
        if n > self.rest.len() as u64 {
            return Err(format!(
                "count {n} exceeds the {} bytes left",
                self.rest.len()
            ));
        }
        Ok(n as usize)
    }

    fn bytes(&mut self) -> Result<Bytes, String> {
        let len = self.varint()?;
        if len > self.rest.len() as u64 {
            return Err(self.truncated());
        }
        let (head, rest) = self.rest.split_at(len as usize);
        self.rest = rest;
        Ok(Bytes::copy_from_slice(head))
    }

    fn f64(&mut self) -> Result<f64, String> {
        if self.rest.len() < 8 {
            return Err(self.truncated());
        }
        let (head, rest) = self.rest.split_at(8);
        self.rest = rest;
        Ok(f64::from_le_bytes(head.try_into().expect("8 bytes")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::stream::{Consumer, Group, NODE_MAX_ENTRIES, PendingEntry, Stream, StreamId};
    use proptest::prelude::*;

    const MAX_JSON: usize = 1 << 20;

    fn round_trip(value: Value) {
        let (kind, payload) = encode(&value);
        assert_eq!(kind.as_str(), value.type_name());
        assert_eq!(decode(kind, &payload, MAX_JSON).unwrap(), value);
    }

    #[test]
    fn every_type_round_trips() {
        round_trip(Value::Str(Bytes::from_static(b"")));
        round_trip(Value::Str(Bytes::from_static(b"\x00\xff binary")));
        round_trip(Value::List(
            [&b"a"[..], b"", b"\x00\x01"]
                .iter()
                .map(|b| Bytes::copy_from_slice(b))
                .collect(),
        ));
        round_trip(Value::Set(
            (0..300).map(|i| Bytes::from(format!("m{i}"))).collect(),
        ));
        round_trip(Value::Hash(
            (0..10)
                .map(|i| (Bytes::from(format!("f{i}")), Bytes::from(vec![i as u8; i])))
                .collect(),
        ));
        let mut zset = ZSet::new();
        zset.insert(Bytes::from_static(b"a"), 1.5);
        zset.insert(Bytes::from_static(b"b"), f64::NEG_INFINITY);
        zset.insert(Bytes::from_static(b"c"), -0.25);
        round_trip(Value::ZSet(zset));
        let doc = JsonDoc::parse(br#"{"b":1,"a":[true,null,"x"]}"#, MAX_JSON).unwrap();
        round_trip(Value::Json(doc));
    }

    #[test]
    fn the_string_format_is_stable() {
        // Bytes on disk outlive this code: these literals pin format version 1.
        let (_, payload) = encode(&Value::Str(Bytes::from_static(b"hi")));
        assert_eq!(&payload[..], b"\x01hi");
        let (_, payload) = encode(&Value::List(
            [Bytes::from_static(b"a"), Bytes::from_static(b"bc")].into(),
        ));
        assert_eq!(&payload[..], b"\x01\x02\x01a\x02bc");
        let mut zset = ZSet::new();
        zset.insert(Bytes::from_static(b"m"), 2.0);
        let (_, payload) = encode(&Value::ZSet(zset));
        let mut expected = vec![1u8, 1];
        expected.extend_from_slice(&2.0f64.to_le_bytes());
        expected.extend_from_slice(b"\x01m");
        assert_eq!(&payload[..], &expected[..]);
    }

    /// A stream with a deleted entry and a group whose PEL spans two consumers.
    fn sample_stream() -> Stream {
        let mut s = Stream::new();
        for ms in 1..=3 {
            s.append(
                StreamId::new(ms, 0),
                vec![(Bytes::from_static(b"f"), Bytes::from(format!("v{ms}")))],
                NODE_MAX_ENTRIES,
            );
        }
        s.delete(StreamId::new(2, 0));
        let mut group = Group::new(StreamId::new(3, 0), 3);
        for (name, id, count) in [(&b"alice"[..], 1, 2), (b"bob", 3, 1)] {
            let name = Bytes::copy_from_slice(name);
            group.consumers.insert(name.clone(), Consumer::default());
            group.pending.insert(
                StreamId::new(id, 0),
                PendingEntry {
                    consumer: name.clone(),
                    delivery_time: 1_700_000_000_000,
                    delivery_count: count,
                },
            );
            group.assign(StreamId::new(id, 0), &name);
        }
        group
            .consumers
            .insert(Bytes::from_static(b"idle"), Consumer::default());
        s.groups.insert(Bytes::from_static(b"g"), group);
        s.groups
            .insert(Bytes::from_static(b"fresh"), Group::new(StreamId::MIN, -1));
        s
    }

    #[test]
    fn streams_round_trip_with_groups() {
        round_trip(Value::Stream(Box::new(sample_stream())));
        round_trip(Value::Stream(Box::new(Stream::new())));
        let (kind, payload) = encode(&Value::Stream(Box::new(sample_stream())));
        let Value::Stream(back) = decode(kind, &payload, MAX_JSON).unwrap() else {
            panic!("not a stream");
        };
        assert_eq!(back.first_id, StreamId::new(1, 0));
        assert_eq!(back.max_deleted_id, StreamId::new(2, 0));
        let group = &back.groups[&b"g"[..]];
        assert_eq!(
            group.consumers[&b"alice"[..]].pending,
            [StreamId::new(1, 0)].into()
        );
    }

    #[test]
    fn the_stream_format_is_stable() {
        let mut s = Stream::new();
        s.append(
            StreamId::new(5, 1),
            vec![(Bytes::from_static(b"a"), Bytes::from_static(b"b"))],
            NODE_MAX_ENTRIES,
        );
        let mut group = Group::new(StreamId::new(5, 1), 1);
        group
            .consumers
            .insert(Bytes::from_static(b"c"), Consumer::default());
        group.consumers.get_mut(&b"c"[..]).unwrap().seen_time = 7;
        group.pending.insert(
            StreamId::new(5, 1),
            PendingEntry {
                consumer: Bytes::from_static(b"c"),
                delivery_time: 9,
                delivery_count: 2,
            },
        );
        group.assign(StreamId::new(5, 1), &Bytes::from_static(b"c"));
        s.groups.insert(Bytes::from_static(b"g"), group);
        let (kind, payload) = encode(&Value::Stream(Box::new(s)));
        assert_eq!(kind, ValueKind::Stream);
        assert_eq!(
            &payload[..],
            b"\x01\x05\x01\x01\x00\x00\x01\x05\x01\x01\x01a\x01b\x01\x01g\x05\x01\x02\x01\x01c\x07\x01\x05\x01\x01c\x09\x02"
        );
    }

    #[test]
    fn damaged_payloads_are_refused_not_trusted() {
        assert_eq!(
            decode(ValueKind::String, b"\x02abc", MAX_JSON).unwrap_err(),
            "unknown format version 2"
        );
        assert!(decode(ValueKind::String, b"", MAX_JSON).is_err());
        assert!(decode(ValueKind::List, b"\x01\xff\xff\xff\xff\x0f", MAX_JSON).is_err());
        assert!(decode(ValueKind::List, b"\x01\x01\x05ab", MAX_JSON).is_err());
        assert!(decode(ValueKind::List, b"\x01\x01\x01ab", MAX_JSON).is_err());
        assert!(decode(ValueKind::Set, b"\x01\x00", MAX_JSON).is_err());
        assert!(decode(ValueKind::Json, b"{not json", MAX_JSON).is_err());
        assert!(decode(ValueKind::Json, b"[1,2,3]", 3).is_err());
        // Stream entries out of order, above the last ID, or a PEL naming no consumer.
        assert!(
            decode(
                ValueKind::Stream,
                b"\x01\x05\x00\x02\x00\x00\x02\x02\x00\x01\x01a\x01b\x01\x00\x01\x01a\x01b\x00",
                MAX_JSON
            )
            .is_err()
        );
        assert!(
            decode(
                ValueKind::Stream,
                b"\x01\x01\x00\x01\x00\x00\x01\x02\x00\x01\x01a\x01b\x00",
                MAX_JSON
            )
            .is_err()
        );
        assert!(
            decode(
                ValueKind::Stream,
                b"\x01\x00\x00\x00\x00\x00\x00\x01\x01g\x00\x00\x00\x00\x01\x01\x00\x01x\x00\x01",
                MAX_JSON
            )
            .is_err()
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(kind in 0usize..7, bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let kind = [ValueKind::String, ValueKind::Hash, ValueKind::List, ValueKind::Set, ValueKind::ZSet, ValueKind::Json, ValueKind::Stream][kind];
            let _ = decode(kind, &bytes, MAX_JSON);
        }

        #[test]
        fn lists_and_hashes_round_trip(items in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..20)) {
            let list: VecDeque<Bytes> = items.iter().map(|i| Bytes::copy_from_slice(i)).collect();
            round_trip(Value::List(list));
            let hash: crate::store::HashFields = items.iter().map(|i| (Bytes::copy_from_slice(i), Bytes::from(vec![0u8; i.len()]))).collect();
            round_trip(Value::Hash(hash));
        }

        #[test]
        fn streams_round_trip(items in proptest::collection::vec((1u64..1000, proptest::collection::vec(any::<u8>(), 0..20)), 0..20), deleted in any::<u64>()) {
            let mut stream = Stream::new();
            let mut ms = 0;
            for (step, value) in &items {
                ms += step;
                stream.append(StreamId::new(ms, 0), vec![(Bytes::from_static(b"f"), Bytes::copy_from_slice(value))], NODE_MAX_ENTRIES);
            }
            if !items.is_empty() {
                let victim = (deleted % items.len() as u64) as usize;
                let id = *stream.iter().nth(victim).unwrap().0;
                stream.delete(id);
            }
            round_trip(Value::Stream(Box::new(stream)));
        }
    }
}
