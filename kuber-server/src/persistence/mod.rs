//! Persistence: the [`PersistenceStore`] trait every backend implements, the records it stores,
//! and the pieces that connect it to the in-memory store — the write-behind journal
//! ([`journal`]), the flusher that drains it ([`writer`]) and start-up recovery ([`recovery`]).
//!
//! Memory is always written first. The journal remembers *which* keys changed (not their values);
//! the flusher reads each key's current value when it flushes, so a hundred writes to one key
//! between two flushes cost one backend write. Region operations (create, purge, drop) travel in
//! the same ordered journal, so a purge can never overtake a write queued before it.

pub mod encoding;
pub mod journal;
pub mod memory;
pub mod mongodb;
pub mod postgresql;
pub mod recovery;
pub mod rocksdb;
mod sql;
pub mod sqlite;
pub mod writer;

#[cfg(test)]
pub mod conformance;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::BoxStream;

use crate::config::{Backend, PersistenceConfig};

/// Why a backend call failed.
#[derive(Debug, thiserror::Error)]
pub enum PersistenceError {
    /// The configuration is unusable; the message names the setting.
    #[error("{0}")]
    Config(String),
    /// The backend could not be reached or refused the operation (retryable).
    #[error("{backend}: {message}")]
    Backend {
        /// Which backend.
        backend: &'static str,
        /// What went wrong.
        message: String,
    },
    /// One stored record cannot be read back; recovery reports and skips it.
    #[error("corrupt record in region '{region}' (key {key:?}): {reason}")]
    Corrupt {
        /// The record's region.
        region: String,
        /// The record's key, lossily decoded for the message.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl PersistenceError {
    /// A record of `region` under `key` that cannot be read back.
    pub fn corrupt(region: &str, key: &[u8], reason: impl std::fmt::Display) -> Self {
        PersistenceError::Corrupt {
            region: region.to_string(),
            key: String::from_utf8_lossy(key).into_owned(),
            reason: reason.to_string(),
        }
    }

    /// A retryable backend failure.
    pub fn backend(backend: &'static str, message: impl std::fmt::Display) -> Self {
        PersistenceError::Backend {
            backend,
            message: message.to_string(),
        }
    }
}

/// The type of a stored value; stored beside it as text (`string`, `hash`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// Redis string.
    String,
    /// Redis hash.
    Hash,
    /// Redis list.
    List,
    /// Redis set.
    Set,
    /// Redis sorted set.
    ZSet,
    /// JSON document: the payload is the document's JSON text, so backends with a JSON type can
    /// store it as queryable JSON.
    Json,
    /// Redis stream, with its consumer groups.
    Stream,
}

impl ValueKind {
    /// The stored name (the same as `TYPE` answers).
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::String => "string",
            ValueKind::Hash => "hash",
            ValueKind::List => "list",
            ValueKind::Set => "set",
            ValueKind::ZSet => "zset",
            ValueKind::Json => "json",
            ValueKind::Stream => "stream",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<ValueKind> {
        Some(match name {
            "string" => ValueKind::String,
            "hash" => ValueKind::Hash,
            "list" => ValueKind::List,
            "set" => ValueKind::Set,
            "zset" => ValueKind::ZSet,
            "json" => ValueKind::Json,
            "stream" => ValueKind::Stream,
            _ => return None,
        })
    }
}

/// One key as stored (SPEC §7: region, key, type, value, expiry, version, updated time; the region
/// travels beside it).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredEntry {
    /// The key, binary-safe.
    pub key: Bytes,
    /// The value's type.
    pub kind: ValueKind,
    /// The value in the versioned encoding of [`encoding`] (JSON text for [`ValueKind::Json`]).
    pub payload: Bytes,
    /// Absolute expiry in milliseconds since the epoch, if any.
    pub expires_at_ms: Option<u64>,
    /// Increases with every write of the key (the journal sequence number of the flush).
    pub version: u64,
    /// When the write was flushed, in milliseconds since the epoch.
    pub updated_at_ms: u64,
}

/// A region's settings as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRegion {
    /// Region name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Default TTL in seconds; 0 = none.
    pub default_ttl_seconds: u64,
    /// Entry limit; 0 = unlimited.
    pub max_entries: u64,
    /// Creation time, ms since the epoch.
    pub created_at_ms: u64,
}

/// One change in a batch. A batch is applied in order: a `Put` after a `PurgeRegion` of its region
/// survives the purge.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Insert or replace an entry.
    Put {
        /// Region name.
        region: Arc<str>,
        /// The entry.
        entry: StoredEntry,
    },
    /// Remove a key (missing keys are fine).
    Delete {
        /// Region name.
        region: Arc<str>,
        /// The key.
        key: Bytes,
    },
    /// Insert or replace a region's settings.
    SaveRegion(StoredRegion),
    /// Remove every entry of a region, keeping the region.
    PurgeRegion(Arc<str>),
    /// Remove a region and its entries.
    DropRegion(Arc<str>),
}

/// What `INFO persistence` and `/api/v1/status` show about the backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendInfo {
    /// `sqlite`, `rocksdb`, `postgresql`, `mongodb` or `memory`.
    pub name: &'static str,
    /// Path or address, without credentials.
    pub location: String,
}

/// A durable home for regions and entries. Every backend passes the same conformance suite
/// (`persistence::conformance`). Calls may be made concurrently; `apply` calls are made by one
/// flusher at a time.
#[async_trait::async_trait]
pub trait PersistenceStore: Send + Sync + 'static {
    /// Name and location, for status reports.
    fn info(&self) -> BackendInfo;

    /// Applies `changes` in order, all or nothing where the backend has transactions. On error
    /// nothing may be assumed applied; the caller retries the whole batch (every change is
    /// idempotent).
    async fn apply(&self, changes: &[Change]) -> Result<(), PersistenceError>;

    /// Every stored region.
    async fn regions(&self) -> Result<Vec<StoredRegion>, PersistenceError>;

    /// Streams a region's entries (any order). A record that cannot be read yields
    /// [`PersistenceError::Corrupt`] and the stream goes on; any other error ends it.
    fn load(&self, region: &str) -> BoxStream<'_, Result<StoredEntry, PersistenceError>>;

    /// One entry, for reads of values that are not in memory.
    async fn get(&self, region: &str, key: &[u8]) -> Result<Option<StoredEntry>, PersistenceError>;

    /// Entries stored in `region`, or in all regions.
    async fn count(&self, region: Option<&str>) -> Result<u64, PersistenceError>;

    /// Removes entries whose expiry is at or before `now_ms`; returns how many.
    async fn delete_expired(&self, now_ms: u64) -> Result<u64, PersistenceError>;

    /// Checks that the backend answers (used to notice recovery after an outage).
    async fn ping(&self) -> Result<(), PersistenceError>;
}

/// Opens the configured backend. `data_dir` holds the embedded backends' files unless their
/// `path` says otherwise. Fails fast with a message naming the setting at fault.
pub async fn open(
    config: &PersistenceConfig,
    data_dir: &std::path::Path,
) -> Result<Arc<dyn PersistenceStore>, PersistenceError> {
    Ok(match config.backend {
        Backend::Memory => Arc::new(memory::MemoryStore::default()),
        Backend::Sqlite => {
            let path = config
                .sqlite
                .path
                .clone()
                .unwrap_or_else(|| data_dir.join("kuber.db"));
            Arc::new(sqlite::SqliteStore::open(&path).await?)
        }
        Backend::Rocksdb => {
            let path = config
                .rocksdb
                .path
                .clone()
                .unwrap_or_else(|| data_dir.join("rocksdb"));
            Arc::new(rocksdb::RocksStore::open(&path).await?)
        }
        Backend::Postgresql => {
            let url = config.postgresql.url.as_deref().ok_or_else(|| {
                PersistenceError::Config(
                    "kuber.persistence.postgresql.url is required for backend postgresql".into(),
                )
            })?;
            Arc::new(postgresql::PostgresStore::connect(url).await?)
        }
        Backend::Mongodb => {
            let uri = config.mongodb.uri.as_deref().ok_or_else(|| {
                PersistenceError::Config(
                    "kuber.persistence.mongodb.uri is required for backend mongodb".into(),
                )
            })?;
            let database = config.mongodb.database.as_deref().unwrap_or("kuber");
            Arc::new(mongodb::MongoStore::connect(uri, database).await?)
        }
    })
}
