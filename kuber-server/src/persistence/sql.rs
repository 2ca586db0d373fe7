//! What the two sqlx backends (`sqlite.rs`, `postgresql.rs`) read the same way: an entry row and a
//! region row, in the column order both backends select them.

use bytes::Bytes;
use sqlx::{ColumnIndex, Database, Decode, Row, Type};

use super::{PersistenceError, StoredEntry, StoredRegion, ValueKind};

/// Reads one entry row (`key, kind, payload, expires_at_ms, version, updated_at_ms`); anything unreadable is
/// [`PersistenceError::Corrupt`]. Integers are stored as i64 bit for bit: the casts here undo the
/// ones the backends make when writing.
pub(super) fn read_entry<R>(region: &str, row: &R) -> Result<StoredEntry, PersistenceError>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let key: Vec<u8> = row
        .try_get(0)
        .map_err(|e| PersistenceError::corrupt(region, b"?", e))?;
    let decoded = (|| -> Result<StoredEntry, String> {
        let kind: String = row.try_get(1).map_err(|e| e.to_string())?;
        let kind = ValueKind::parse(&kind).ok_or_else(|| format!("unknown kind '{kind}'"))?;
        let payload: Vec<u8> = row.try_get(2).map_err(|e| e.to_string())?;
        let expires_at_ms: Option<i64> = row.try_get(3).map_err(|e| e.to_string())?;
        let version: i64 = row.try_get(4).map_err(|e| e.to_string())?;
        let updated_at_ms: i64 = row.try_get(5).map_err(|e| e.to_string())?;
        Ok(StoredEntry {
            key: Bytes::new(),
            kind,
            payload: Bytes::from(payload),
            expires_at_ms: expires_at_ms.map(|at| at as u64),
            version: version as u64,
            updated_at_ms: updated_at_ms as u64,
        })
    })();
    match decoded {
        Ok(entry) => Ok(StoredEntry {
            key: Bytes::from(key),
            ..entry
        }),
        Err(reason) => Err(PersistenceError::corrupt(region, &key, reason)),
    }
}

/// Reads one region row (`name, description, default_ttl_seconds, max_entries, created_at_ms`).
pub(super) fn read_region<R>(row: &R) -> Result<StoredRegion, sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    R::Database: Database,
{
    Ok(StoredRegion {
        name: row.try_get(0)?,
        description: row.try_get(1)?,
        default_ttl_seconds: row.try_get::<i64, _>(2)? as u64,
        max_entries: row.try_get::<i64, _>(3)? as u64,
        created_at_ms: row.try_get::<i64, _>(4)? as u64,
    })
}
