//! Values stored under a key, and the per-key [`Entry`] that carries expiry and access metadata.

use std::collections::VecDeque;

use bytes::Bytes;
use hashbrown::HashSet;

use super::stream::Stream;
use super::zset::ZSet;
use crate::json::JsonDoc;

/// Fixed per-entry bookkeeping cost counted against memory limits, on top of key and value bytes:
/// the hash-table slot, the entry struct and the allocator's rounding, measured roughly.
pub const ENTRY_OVERHEAD: usize = 64;

/// Bytes counted per collection element on top of its own bytes (node, pointer, hash slot).
pub const ELEMENT_OVERHEAD: usize = 16;

/// Memory counted for one collection element of `len` bytes. Commands that change a collection in
/// place report the difference with [`super::Keyspace::adjust_memory`] using this same cost, so
/// that [`Value::memory_bytes`] of the whole value always equals what was counted.
pub const fn element_cost(len: usize) -> usize {
    len + ELEMENT_OVERHEAD
}

/// A hash's fields. Insertion-ordered because Redis answers HGETALL, HKEYS and HSCAN of a small
/// hash (a listpack, up to 128 fields by default) in the order its fields were added, and
/// applications and Redis's own tests rely on that; a removal keeps the order of the rest while
/// the hash is that small (see `cmd::hash`).
pub type HashFields = indexmap::IndexMap<Bytes, Bytes, hashbrown::DefaultHashBuilder>;

/// A typed value. Each Redis type gets one variant; commands of another type answer `WRONGTYPE`.
/// JSON documents are the `Json` variant, so that [`Value::type_name`], [`Value::memory_bytes`]
/// and the persistence encoding stay one `match`. An empty collection is never stored: commands
/// remove the key when they empty it, as Redis does.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A binary-safe string (Redis `string`, also integers and floats kept as text).
    Str(Bytes),
    /// Field → value (Redis `hash`), in insertion order (see [`HashFields`]).
    Hash(HashFields),
    /// Ordered elements (Redis `list`).
    List(VecDeque<Bytes>),
    /// Unique members (Redis `set`).
    Set(HashSet<Bytes>),
    /// Members ordered by score (Redis `zset`).
    ZSet(ZSet),
    /// A JSON document (Kuber's `json` type, SPEC §5).
    Json(JsonDoc),
    /// An append-only log of entries with consumer groups (Redis `stream`). Unlike the other
    /// collections a stream may exist empty (XTRIM, XDEL and XGROUP CREATE MKSTREAM leave one).
    Stream(Box<Stream>),
}

impl Value {
    /// The name `TYPE` answers.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::Hash(_) => "hash",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Json(_) => "json",
            Value::Stream(_) => "stream",
        }
    }

    /// Approximate heap bytes held by the value.
    pub fn memory_bytes(&self) -> usize {
        match self {
            Value::Str(b) => b.len(),
            Value::Hash(h) => h
                .iter()
                .map(|(k, v)| element_cost(k.len()) + element_cost(v.len()))
                .sum(),
            Value::List(l) => l.iter().map(|e| element_cost(e.len())).sum(),
            Value::Set(s) => s.iter().map(|e| element_cost(e.len())).sum(),
            Value::ZSet(z) => z.memory_bytes(),
            Value::Json(doc) => doc.memory_bytes(),
            Value::Stream(s) => s.memory_bytes(),
        }
    }

    /// The encoding `OBJECT ENCODING` reports, in Redis's vocabulary.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(b) => {
                if b.len() <= 20 && parse_i64(b).is_some() {
                    "int"
                } else if b.len() <= 44 {
                    "embstr"
                } else {
                    "raw"
                }
            }
            // Redis's small encodings switch at 128 elements (hash-max-listpack-entries and friends).
            Value::Hash(h) => {
                if h.len() <= 128 {
                    "listpack"
                } else {
                    "hashtable"
                }
            }
            Value::List(l) => {
                if l.len() <= 128 {
                    "listpack"
                } else {
                    "quicklist"
                }
            }
            Value::Set(s) => {
                if s.len() <= 512 && s.iter().all(|m| m.len() <= 20 && parse_i64(m).is_some()) {
                    "intset"
                } else if s.len() <= 128 {
                    "listpack"
                } else {
                    "hashtable"
                }
            }
            Value::ZSet(z) => {
                if z.len() <= 128 {
                    "listpack"
                } else {
                    "skiplist"
                }
            }
            Value::Json(_) => "json",
            Value::Stream(_) => "stream",
        }
    }
}

/// One key's record in a keyspace.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The key, owned by the entry (never a slice of a network buffer).
    pub key: Bytes,
    /// The value.
    pub value: Value,
    /// Absolute expiry in clock milliseconds, if any.
    pub expires_at: Option<u64>,
    /// Last read or write in clock milliseconds; eviction prefers the oldest.
    pub last_access: u64,
    /// Access counter for `OBJECT FREQ`, saturating.
    pub accesses: u32,
}

impl Entry {
    /// Bytes this entry counts against memory limits.
    pub fn memory_bytes(&self) -> usize {
        ENTRY_OVERHEAD + self.key.len() + self.value.memory_bytes()
    }
}

/// Parses a Redis integer argument: optional `-`, digits, no spaces, no `+`, fits in i64.
pub fn parse_i64(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    let (neg, digits) = match b[0] {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || (digits.len() > 1 && digits[0] == b'0') {
        return None;
    }
    let mut v: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let digit = (d - b'0') as i64;
        v = v.checked_mul(10)?;
        v = if neg {
            v.checked_sub(digit)?
        } else {
            v.checked_add(digit)?
        };
    }
    if neg && v == 0 {
        return None; // "-0" is not an integer Redis accepts as canonical
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_redis_integers_only() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-12"), Some(-12));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"9223372036854775808",
            b"+1",
            b" 1",
            b"01",
            b"1.0",
            b"-",
            b"-0",
            b"abc",
        ] {
            assert_eq!(parse_i64(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn encodings_follow_redis_thresholds() {
        assert_eq!(Value::Str(Bytes::from_static(b"123")).encoding(), "int");
        assert_eq!(
            Value::Str(Bytes::from_static(b"hello")).encoding(),
            "embstr"
        );
        assert_eq!(Value::Str(Bytes::from(vec![b'x'; 45])).encoding(), "raw");
    }
}
