//! How the MongoDB backend maps entries and regions to BSON documents and back: the `_id` of a
//! key, the entry and region documents, and the queryable copy of JSON documents.

use super::super::{PersistenceError, StoredEntry, StoredRegion, ValueKind};
use super::{MAX_DOC_COPY_BYTES, MAX_DOC_DEPTH};
use bytes::Bytes;
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{
    Bson, DateTime, Document, RawBinaryRef, RawBson, RawBsonRef, RawDocument, RawDocumentBuf,
};

/// The `_id` of a key: the key itself for UTF-8 without NUL, else hex; prefixed so the two forms
/// never collide.
pub(super) fn key_id(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(text) if !text.contains('\0') => format!("s:{text}"),
        _ => {
            let mut id = String::with_capacity(2 + key.len() * 2);
            id.push_str("x:");
            for b in key {
                id.push(char::from_digit(u32::from(b >> 4), 16).expect("nibble"));
                id.push(char::from_digit(u32::from(b & 0xf), 16).expect("nibble"));
            }
            id
        }
    }
}

pub(super) fn id_filter(key: &[u8]) -> RawDocumentBuf {
    let mut q = RawDocumentBuf::new();
    q.append("_id", key_id(key));
    q
}

/// BSON has signed 64-bit integers; expiries past the year 292,277,026 are stored as that year.
pub(super) fn clamp_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn binary(bytes: &[u8]) -> RawBinaryRef<'_> {
    RawBinaryRef {
        subtype: BinarySubtype::Generic,
        bytes,
    }
}

pub(super) fn entry_document(entry: &StoredEntry) -> RawDocumentBuf {
    let mut d = RawDocumentBuf::new();
    d.append("_id", key_id(&entry.key));
    d.append_ref("key", binary(&entry.key));
    d.append("kind", entry.kind.as_str());
    d.append_ref("payload", binary(&entry.payload));
    if let Some(at) = entry.expires_at_ms {
        d.append("expires_at_ms", clamp_i64(at));
        d.append("expire_at", DateTime::from_millis(clamp_i64(at)));
    }
    // Versions and times are u64 by contract; the bits go into an Int64 unchanged.
    d.append("version", entry.version as i64);
    d.append("updated_at_ms", entry.updated_at_ms as i64);
    if entry.kind == ValueKind::Json
        && let Some(copy) = json_copy(&entry.payload)
    {
        d.append("doc", copy);
    }
    d
}

/// A queryable BSON copy of a JSON payload, or `None` when there is none worth keeping: the JSON is
/// too large or invalid, or has field names MongoDB-wire servers refuse or read as operators (`$…`,
/// dotted, NUL), or nests too deep.
pub(super) fn json_copy(payload: &[u8]) -> Option<RawBson> {
    if payload.len() > MAX_DOC_COPY_BYTES {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(payload).ok()?;
    RawBson::try_from(json_to_bson(&value, 0)?).ok()
}

pub(super) fn json_to_bson(value: &serde_json::Value, depth: usize) -> Option<Bson> {
    use serde_json::Value;
    if depth > MAX_DOC_DEPTH {
        return None;
    }
    Some(match value {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Bson::Int64(i),
            None => Bson::Double(n.as_f64()?),
        },
        // FerretDB's SQLite storage cannot hold NUL in text.
        Value::String(s) if s.contains('\0') => return None,
        Value::String(s) => Bson::String(s.clone()),
        Value::Array(items) => Bson::Array(
            items
                .iter()
                .map(|item| json_to_bson(item, depth + 1))
                .collect::<Option<_>>()?,
        ),
        Value::Object(fields) => {
            let mut d = Document::new();
            for (name, field) in fields {
                if name.starts_with('$') || name.contains(['.', '\0']) {
                    return None;
                }
                d.insert(name.clone(), json_to_bson(field, depth + 1)?);
            }
            Bson::Document(d)
        }
    })
}

pub(super) fn region_document(region: &StoredRegion) -> RawDocumentBuf {
    let mut d = RawDocumentBuf::new();
    d.append("_id", region.name.as_str());
    d.append("description", region.description.as_str());
    d.append("default_ttl_seconds", region.default_ttl_seconds as i64);
    d.append("max_entries", region.max_entries as i64);
    d.append("created_at_ms", region.created_at_ms as i64);
    d
}

pub(super) fn int(raw: &RawDocument, field: &str) -> Result<u64, String> {
    match raw.get(field) {
        Ok(Some(RawBsonRef::Int64(n))) => Ok(n as u64),
        Ok(Some(RawBsonRef::Int32(n))) if n >= 0 => Ok(n as u64),
        Ok(Some(other)) => Err(format!(
            "{field} is a {:?}, not an integer",
            other.element_type()
        )),
        Ok(None) => Err(format!("no {field}")),
        Err(e) => Err(format!("{field}: {e}")),
    }
}

pub(super) fn bytes_field(raw: &RawDocument, field: &str) -> Result<Bytes, String> {
    raw.get_binary(field)
        .map(|b| Bytes::copy_from_slice(b.bytes))
        .map_err(|e| format!("{field}: {e}"))
}

pub(super) fn read_entry(region: &str, raw: &RawDocument) -> Result<StoredEntry, PersistenceError> {
    let read = || -> Result<StoredEntry, String> {
        let kind = raw.get_str("kind").map_err(|e| format!("kind: {e}"))?;
        let kind = ValueKind::parse(kind).ok_or_else(|| format!("unknown kind '{kind}'"))?;
        let expires_at_ms = match raw.get("expires_at_ms") {
            Ok(None) | Ok(Some(RawBsonRef::Null)) => None,
            _ => Some(int(raw, "expires_at_ms")?),
        };
        Ok(StoredEntry {
            key: bytes_field(raw, "key")?,
            kind,
            payload: bytes_field(raw, "payload")?,
            expires_at_ms,
            version: int(raw, "version")?,
            updated_at_ms: int(raw, "updated_at_ms")?,
        })
    };
    read().map_err(|reason| PersistenceError::Corrupt {
        region: region.to_owned(),
        key: match raw.get_binary("key") {
            Ok(key) => String::from_utf8_lossy(key.bytes).into_owned(),
            Err(_) => raw.get_str("_id").unwrap_or("?").to_owned(),
        },
        reason,
    })
}

pub(super) fn read_region(raw: &RawDocument) -> Result<StoredRegion, PersistenceError> {
    let name = raw.get_str("_id").unwrap_or("?");
    let read = || -> Result<StoredRegion, String> {
        Ok(StoredRegion {
            name: name.to_owned(),
            description: raw
                .get_str("description")
                .map_err(|e| format!("description: {e}"))?
                .to_owned(),
            default_ttl_seconds: int(raw, "default_ttl_seconds")?,
            max_entries: int(raw, "max_entries")?,
            created_at_ms: int(raw, "created_at_ms")?,
        })
    };
    read().map_err(|reason| PersistenceError::Corrupt {
        region: name.to_owned(),
        key: String::new(),
        reason: format!("region record: {reason}"),
    })
}
