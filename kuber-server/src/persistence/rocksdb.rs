//! `backend: rocksdb`: regions and entries in an embedded RocksDB database at
//! `kuber.persistence.rocksdb.path` (default `<data_dir>/rocksdb`).
//!
//! Layout, all in the default column family (region names are `[A-Za-z0-9_]` and never contain
//! `\0`, so a region's keys are one contiguous, unambiguous range):
//!
//! - `e` region `\0` key → entry record: a 27-byte header — record format (`1`), kind (string 0,
//!   hash 1, list 2, set 3, zset 4, json 5), flags (bit 0: has expiry), then `expires_at_ms`,
//!   `version` and `updated_at_ms` as big-endian `u64` — followed by the payload bytes as given.
//! - `r` name → region record: format (`1`), `default_ttl_seconds`, `max_entries`,
//!   `created_at_ms` as big-endian `u64`, then the description as UTF-8.
//! - `x` expires_at_ms (big-endian `u64`) region `\0` key → empty: the expiry index, ordered by
//!   time, so [`PersistenceStore::delete_expired`] is a range scan of the past, not a full scan.
//!
//! The index is kept exact by `Put` and `Delete` (each reads the old record's expiry, as the batch
//! so far has left it, and removes its index key). `PurgeRegion` and `DropRegion` remove the
//! region's entries with one range delete and leave their index keys behind: finding them would
//! mean reading every record of the region. Such leftovers are harmless, because `delete_expired`
//! checks each index key against its record and deletes the record only if it still carries that
//! expiry; a leftover only costs one read when its time comes.
//!
//! Every RocksDB call blocks, so each runs on tokio's blocking pool. Writes (`apply` and
//! `delete_expired`) take one lock, so the read-then-write of an expiry check cannot interleave
//! with a batch that rewrites the same key.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use parking_lot::Mutex;
use rocksdb::{DB, DBCompressionType, Options, ReadOptions, WriteBatch};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{
    BackendInfo, Change, PersistenceError, PersistenceStore, StoredEntry, StoredRegion, ValueKind,
};

const NAME: &str = "rocksdb";
const SETTING: &str = "kuber.persistence.rocksdb.path";

const ENTRY: u8 = b'e';
const REGION: u8 = b'r';
const EXPIRY: u8 = b'x';

const RECORD_FORMAT: u8 = 1;
const HEADER_LEN: usize = 3 + 3 * 8;
const HAS_EXPIRY: u8 = 1;

/// Entries per message on a `load` stream, and the payload bytes after which a message is sent
/// early (so a region of 8 MiB values does not queue gigabytes).
const LOAD_BATCH: usize = 1024;
const LOAD_BATCH_BYTES: usize = 4 << 20;
/// Messages a `load` stream buffers ahead of its reader.
const LOAD_QUEUE: usize = 4;
/// Index keys `delete_expired` handles per write batch; the write lock is released in between so
/// a large sweep does not stall the flusher.
const EXPIRE_CHUNK: usize = 4096;

/// The rocksdb backend. Dropping the last handle closes the database (no background task keeps
/// it open once every call and `load` stream has finished).
pub struct RocksStore {
    inner: Arc<Inner>,
    path: PathBuf,
}

struct Inner {
    db: DB,
    /// Serialises writers; only ever taken on a blocking thread, never across an `.await`.
    write_lock: Mutex<()>,
}

impl RocksStore {
    /// Opens (creating if needed) the database at `path`. Fails with a message naming
    /// `kuber.persistence.rocksdb.path` when the path is not a usable directory or another process
    /// holds the database.
    pub async fn open(path: &Path) -> Result<Self, PersistenceError> {
        let owned = path.to_path_buf();
        let db = tokio::task::spawn_blocking(move || open_db(&owned))
            .await
            .map_err(|e| PersistenceError::backend(NAME, format!("open task failed: {e}")))??;
        Ok(RocksStore {
            inner: Arc::new(Inner {
                db,
                write_lock: Mutex::new(()),
            }),
            path: path.to_path_buf(),
        })
    }

    /// Runs `f` on the blocking pool. The closure owns its clone of the handle, and drops it
    /// before the caller resumes.
    async fn blocking<T, F>(&self, f: F) -> Result<T, PersistenceError>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T, PersistenceError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|e| PersistenceError::backend(NAME, format!("blocking task failed: {e}")))?
    }
}

fn open_db(path: &Path) -> Result<DB, PersistenceError> {
    let shown = path.display();
    if path.exists() && !path.is_dir() {
        return Err(PersistenceError::Config(format!(
            "{SETTING} = {shown}: not a directory"
        )));
    }
    std::fs::create_dir_all(path).map_err(|e| {
        PersistenceError::Config(format!(
            "{SETTING} = {shown}: cannot create the directory: {e}"
        ))
    })?;
    let mut opts = Options::default();
    opts.create_if_missing(true);
    // Two background threads for flushes and compactions: the server shares a small machine with
    // the cache it serves, and the flusher writes in batches, not a firehose.
    opts.increase_parallelism(2);
    // A modest memtable: the data lives in the cache's own memory already, so RocksDB's copy
    // only needs to be large enough to batch writes into reasonably sized L0 files.
    opts.set_write_buffer_size(32 << 20);
    opts.set_max_write_buffer_number(3);
    // The crate is built without compression libraries; say so rather than rely on a fallback.
    opts.set_compression_type(DBCompressionType::None);
    // RocksDB's info LOG files otherwise accumulate forever in the data directory.
    opts.set_keep_log_file_num(4);
    DB::open(&opts, path).map_err(|e| {
        let hint = if e.to_string().to_ascii_lowercase().contains("lock") {
            " (is another kuber-server using this directory?)"
        } else {
            ""
        };
        PersistenceError::Config(format!(
            "{SETTING} = {shown}: cannot open RocksDB: {e}{hint}"
        ))
    })
}

fn db_error(e: rocksdb::Error) -> PersistenceError {
    PersistenceError::backend(NAME, e)
}

fn check_region(region: &str) -> Result<(), PersistenceError> {
    if region.as_bytes().contains(&0) {
        return Err(PersistenceError::backend(
            NAME,
            format!("region name {region:?} contains NUL, which the key layout cannot hold"),
        ));
    }
    Ok(())
}

fn entry_prefix(region: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(region.len() + 2);
    k.push(ENTRY);
    k.extend_from_slice(region.as_bytes());
    k.push(0);
    k
}

fn entry_key(region: &str, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(region.len() + 2 + key.len());
    k.push(ENTRY);
    k.extend_from_slice(region.as_bytes());
    k.push(0);
    k.extend_from_slice(key);
    k
}

fn expiry_key(at: u64, region: &str, key: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(region.len() + 10 + key.len());
    k.push(EXPIRY);
    k.extend_from_slice(&at.to_be_bytes());
    k.extend_from_slice(region.as_bytes());
    k.push(0);
    k.extend_from_slice(key);
    k
}

/// Splits an index key into (expires_at_ms, region, key).
fn parse_expiry_key(k: &[u8]) -> Option<(u64, &[u8], &[u8])> {
    let rest = k.strip_prefix(&[EXPIRY])?;
    let (at, rest) = rest.split_at_checked(8)?;
    let at = u64::from_be_bytes(at.try_into().ok()?);
    let nul = rest.iter().position(|&b| b == 0)?;
    Some((at, &rest[..nul], &rest[nul + 1..]))
}

fn region_key(name: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(name.len() + 1);
    k.push(REGION);
    k.extend_from_slice(name.as_bytes());
    k
}

/// The first key after every key that starts with `prefix` (whose last byte is never 0xff here).
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    let last = end.last_mut().expect("non-empty prefix");
    *last += 1;
    end
}

fn kind_code(kind: ValueKind) -> u8 {
    match kind {
        ValueKind::String => 0,
        ValueKind::Hash => 1,
        ValueKind::List => 2,
        ValueKind::Set => 3,
        ValueKind::ZSet => 4,
        ValueKind::Json => 5,
        ValueKind::Stream => 6,
    }
}

fn kind_from_code(code: u8) -> Option<ValueKind> {
    Some(match code {
        0 => ValueKind::String,
        1 => ValueKind::Hash,
        2 => ValueKind::List,
        3 => ValueKind::Set,
        4 => ValueKind::ZSet,
        5 => ValueKind::Json,
        6 => ValueKind::Stream,
        _ => return None,
    })
}

fn encode_entry(entry: &StoredEntry) -> Vec<u8> {
    let mut v = Vec::with_capacity(HEADER_LEN + entry.payload.len());
    v.push(RECORD_FORMAT);
    v.push(kind_code(entry.kind));
    v.push(if entry.expires_at_ms.is_some() {
        HAS_EXPIRY
    } else {
        0
    });
    v.extend_from_slice(&entry.expires_at_ms.unwrap_or(0).to_be_bytes());
    v.extend_from_slice(&entry.version.to_be_bytes());
    v.extend_from_slice(&entry.updated_at_ms.to_be_bytes());
    v.extend_from_slice(&entry.payload);
    v
}

struct Header {
    kind: ValueKind,
    expires_at_ms: Option<u64>,
    version: u64,
    updated_at_ms: u64,
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

fn decode_header(value: &[u8]) -> Result<Header, String> {
    if value.len() < HEADER_LEN {
        return Err(format!(
            "record of {} bytes is shorter than its header",
            value.len()
        ));
    }
    if value[0] != RECORD_FORMAT {
        return Err(format!("unknown record format {}", value[0]));
    }
    let kind = kind_from_code(value[1]).ok_or_else(|| format!("unknown kind code {}", value[1]))?;
    let expires_at_ms = match value[2] {
        0 => None,
        HAS_EXPIRY => Some(u64_at(value, 3)),
        other => return Err(format!("unknown flags {other:#04x}")),
    };
    Ok(Header {
        kind,
        expires_at_ms,
        version: u64_at(value, 11),
        updated_at_ms: u64_at(value, 19),
    })
}

fn decode_entry(region: &str, key: &[u8], value: &[u8]) -> Result<StoredEntry, PersistenceError> {
    let header =
        decode_header(value).map_err(|reason| PersistenceError::corrupt(region, key, reason))?;
    Ok(StoredEntry {
        key: Bytes::copy_from_slice(key),
        kind: header.kind,
        payload: Bytes::copy_from_slice(&value[HEADER_LEN..]),
        expires_at_ms: header.expires_at_ms,
        version: header.version,
        updated_at_ms: header.updated_at_ms,
    })
}

fn encode_region(region: &StoredRegion) -> Vec<u8> {
    let mut v = Vec::with_capacity(25 + region.description.len());
    v.push(RECORD_FORMAT);
    v.extend_from_slice(&region.default_ttl_seconds.to_be_bytes());
    v.extend_from_slice(&region.max_entries.to_be_bytes());
    v.extend_from_slice(&region.created_at_ms.to_be_bytes());
    v.extend_from_slice(region.description.as_bytes());
    v
}

fn decode_region(key: &[u8], value: &[u8]) -> Result<StoredRegion, PersistenceError> {
    let name = String::from_utf8_lossy(&key[1..]).into_owned();
    let corrupt = |reason: String| PersistenceError::Corrupt {
        region: name.clone(),
        key: String::new(),
        reason: format!("region record: {reason}"),
    };
    if value.len() < 25 || value[0] != RECORD_FORMAT {
        return Err(corrupt(format!("bad header ({} bytes)", value.len())));
    }
    let description = std::str::from_utf8(&value[25..])
        .map_err(|e| corrupt(format!("description: {e}")))?
        .to_owned();
    Ok(StoredRegion {
        name: std::str::from_utf8(&key[1..])
            .map_err(|e| corrupt(format!("name: {e}")))?
            .to_owned(),
        description,
        default_ttl_seconds: u64_at(value, 1),
        max_entries: u64_at(value, 9),
        created_at_ms: u64_at(value, 17),
    })
}

/// Read options for a scan of `[from, prefix_end(from))` that should not evict hot blocks.
fn scan_options(prefix: &[u8]) -> ReadOptions {
    let mut opts = ReadOptions::default();
    opts.set_iterate_upper_bound(prefix_end(prefix));
    opts.fill_cache(false);
    opts
}

/// The expiry state of one entry as a batch has left it so far: `None` = removed,
/// `Some(expiry)` = present.
type Pending = HashMap<Vec<u8>, Option<Option<u64>>>;

/// The expiry of the entry at `ekey` as the changes before this one leave it, if it exists and
/// has one.
fn old_expiry(
    db: &DB,
    pending: &Pending,
    purged: &HashSet<&str>,
    region: &str,
    ekey: &[u8],
) -> Result<Option<u64>, PersistenceError> {
    if let Some(state) = pending.get(ekey) {
        return Ok(state.flatten());
    }
    if purged.contains(region) {
        return Ok(None);
    }
    // A record whose header cannot be read has no usable expiry; if it had an index key, that
    // key is a harmless leftover (see the module header).
    Ok(db
        .get_pinned(ekey)
        .map_err(db_error)?
        .and_then(|old| decode_header(&old).ok())
        .and_then(|h| h.expires_at_ms))
}

fn apply_blocking(inner: &Inner, changes: &[Change]) -> Result<(), PersistenceError> {
    let _writer = inner.write_lock.lock();
    let db = &inner.db;
    let mut batch = WriteBatch::default();
    let mut pending = Pending::new();
    let mut purged: HashSet<&str> = HashSet::new();
    for change in changes {
        match change {
            Change::Put { region, entry } => {
                check_region(region)?;
                let ekey = entry_key(region, &entry.key);
                if let Some(old) = old_expiry(db, &pending, &purged, region, &ekey)? {
                    batch.delete(expiry_key(old, region, &entry.key));
                }
                batch.put(&ekey, encode_entry(entry));
                if let Some(at) = entry.expires_at_ms {
                    batch.put(expiry_key(at, region, &entry.key), b"");
                }
                pending.insert(ekey, Some(entry.expires_at_ms));
            }
            Change::Delete { region, key } => {
                check_region(region)?;
                let ekey = entry_key(region, key);
                if let Some(old) = old_expiry(db, &pending, &purged, region, &ekey)? {
                    batch.delete(expiry_key(old, region, key));
                }
                batch.delete(&ekey);
                pending.insert(ekey, None);
            }
            Change::SaveRegion(region) => {
                check_region(&region.name)?;
                batch.put(region_key(&region.name), encode_region(region));
            }
            Change::PurgeRegion(region) | Change::DropRegion(region) => {
                check_region(region)?;
                // RocksDB gives every operation of a batch its own sequence number, so this range
                // delete hides only the writes before it; a Put later in the batch survives.
                let prefix = entry_prefix(region);
                batch.delete_range(&prefix, &prefix_end(&prefix));
                pending.retain(|k, _| !k.starts_with(&prefix));
                purged.insert(region);
                if matches!(change, Change::DropRegion(_)) {
                    batch.delete(region_key(region));
                }
            }
        }
    }
    // Default write options: the batch goes to the WAL without an fsync. The WAL write has reached
    // the OS page cache when this returns, so the batch survives the process being killed
    // (`kill -9`, which the crash tests do); only a power loss or kernel crash can lose the last
    // writes, which a write-behind cache accepts.
    db.write(batch).map_err(db_error)
}

fn count_blocking(db: &DB, prefix: &[u8]) -> Result<u64, PersistenceError> {
    let mut it = db.raw_iterator_opt(scan_options(prefix));
    it.seek(prefix);
    let mut n = 0;
    while it.valid() {
        n += 1;
        it.next();
    }
    it.status().map_err(db_error)?;
    Ok(n)
}

fn regions_blocking(db: &DB) -> Result<Vec<StoredRegion>, PersistenceError> {
    let prefix = [REGION];
    let mut it = db.raw_iterator_opt(scan_options(&prefix));
    it.seek(prefix);
    let mut out = Vec::new();
    while let Some((k, v)) = it.item() {
        out.push(decode_region(k, v)?);
        it.next();
    }
    it.status().map_err(db_error)?;
    Ok(out)
}

fn delete_expired_blocking(inner: &Inner, now_ms: u64) -> Result<u64, PersistenceError> {
    let db = &inner.db;
    let upper = match now_ms.checked_add(1) {
        Some(next) => {
            let mut k = vec![EXPIRY];
            k.extend_from_slice(&next.to_be_bytes());
            k
        }
        None => vec![EXPIRY + 1],
    };
    let mut resume = vec![EXPIRY];
    let mut removed = 0;
    loop {
        let _writer = inner.write_lock.lock();
        let mut opts = ReadOptions::default();
        opts.set_iterate_upper_bound(upper.clone());
        let mut it = db.raw_iterator_opt(opts);
        it.seek(&resume);
        let mut batch = WriteBatch::default();
        let mut seen = 0;
        while let Some(ikey) = it.key() {
            if seen == EXPIRE_CHUNK {
                break;
            }
            seen += 1;
            if let Some((at, region, key)) = parse_expiry_key(ikey) {
                let mut ekey = Vec::with_capacity(region.len() + key.len() + 2);
                ekey.push(ENTRY);
                ekey.extend_from_slice(region);
                ekey.push(0);
                ekey.extend_from_slice(key);
                let current = db
                    .get_pinned(&ekey)
                    .map_err(db_error)?
                    .and_then(|v| decode_header(&v).ok())
                    .and_then(|h| h.expires_at_ms);
                // Only a record that still carries this expiry is due; anything else is a
                // leftover of a purge (module header).
                if current == Some(at) {
                    batch.delete(&ekey);
                    removed += 1;
                }
            }
            batch.delete(ikey);
            resume.clear();
            resume.extend_from_slice(ikey);
            resume.push(0);
            it.next();
        }
        it.status().map_err(db_error)?;
        drop(it);
        if seen == 0 {
            return Ok(removed);
        }
        db.write(batch).map_err(db_error)?;
    }
}

type LoadItem = Result<StoredEntry, PersistenceError>;

/// Streams `region`'s entries to `tx` in batches. Runs on a blocking thread.
fn load_blocking(inner: Arc<Inner>, region: String, tx: mpsc::Sender<Vec<LoadItem>>) {
    scan_region(&inner.db, &region, &tx);
    // The reader sees the end of the stream when `tx` drops. The database handle must be gone by
    // then, so that a caller who drops the store right after the stream ends really closes it.
    drop(inner);
    drop(tx);
}

fn scan_region(db: &DB, region: &str, tx: &mpsc::Sender<Vec<LoadItem>>) {
    let prefix = entry_prefix(region);
    let mut it = db.raw_iterator_opt(scan_options(&prefix));
    it.seek(&prefix);
    let mut batch = Vec::with_capacity(LOAD_BATCH);
    let mut bytes = 0;
    while let Some((k, v)) = it.item() {
        bytes += v.len();
        batch.push(decode_entry(region, &k[prefix.len()..], v));
        if batch.len() == LOAD_BATCH || bytes >= LOAD_BATCH_BYTES {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(LOAD_BATCH));
            bytes = 0;
            if tx.blocking_send(full).is_err() {
                return; // the reader went away
            }
        }
        it.next();
    }
    if let Err(e) = it.status() {
        batch.push(Err(db_error(e)));
    }
    if !batch.is_empty() {
        let _ = tx.blocking_send(batch);
    }
}

#[async_trait::async_trait]
impl PersistenceStore for RocksStore {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            name: NAME,
            location: self.path.display().to_string(),
        }
    }

    async fn apply(&self, changes: &[Change]) -> Result<(), PersistenceError> {
        if changes.is_empty() {
            return Ok(());
        }
        // Cloning a change is cheap: keys and payloads are reference-counted `Bytes`.
        let changes = changes.to_vec();
        self.blocking(move |inner| apply_blocking(inner, &changes))
            .await
    }

    async fn regions(&self) -> Result<Vec<StoredRegion>, PersistenceError> {
        self.blocking(|inner| regions_blocking(&inner.db)).await
    }

    fn load(&self, region: &str) -> BoxStream<'_, Result<StoredEntry, PersistenceError>> {
        let inner = self.inner.clone();
        let region = region.to_owned();
        // The scan starts on the first poll, so a stream that is never polled starts no thread
        // and `load` works outside a runtime.
        stream::once(async move {
            let (tx, rx) = mpsc::channel(LOAD_QUEUE);
            if let Err(e) = check_region(&region) {
                let _ = tx.send(vec![Err(e)]).await;
            } else {
                tokio::task::spawn_blocking(move || load_blocking(inner, region, tx));
            }
            ReceiverStream::new(rx).flat_map(stream::iter)
        })
        .flatten()
        .boxed()
    }

    async fn get(&self, region: &str, key: &[u8]) -> Result<Option<StoredEntry>, PersistenceError> {
        check_region(region)?;
        let region = region.to_owned();
        let key = key.to_vec();
        self.blocking(move |inner| {
            let ekey = entry_key(&region, &key);
            match inner.db.get_pinned(&ekey).map_err(db_error)? {
                Some(v) => decode_entry(&region, &key, &v).map(Some),
                None => Ok(None),
            }
        })
        .await
    }

    async fn count(&self, region: Option<&str>) -> Result<u64, PersistenceError> {
        let prefix = match region {
            Some(name) => {
                check_region(name)?;
                entry_prefix(name)
            }
            None => vec![ENTRY],
        };
        self.blocking(move |inner| count_blocking(&inner.db, &prefix))
            .await
    }

    async fn delete_expired(&self, now_ms: u64) -> Result<u64, PersistenceError> {
        self.blocking(move |inner| delete_expired_blocking(inner, now_ms))
            .await
    }

    async fn ping(&self) -> Result<(), PersistenceError> {
        self.blocking(|inner| {
            // An embedded database is always "reachable"; what can go wrong is a background
            // flush or compaction failing (disk full), after which RocksDB refuses writes.
            let errors = inner
                .db
                .property_int_value(rocksdb::properties::BACKGROUND_ERRORS)
                .map_err(db_error)?
                .unwrap_or(0);
            if errors > 0 {
                return Err(PersistenceError::backend(
                    NAME,
                    format!("{errors} background errors (is the disk full?)"),
                ));
            }
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests;
