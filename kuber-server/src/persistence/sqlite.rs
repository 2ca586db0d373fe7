//! `backend: sqlite`: regions and entries in one SQLite file (`kuber.persistence.sqlite.path`),
//! through sqlx's `SqlitePool`, in WAL mode.
//!
//! Runs of consecutive `Put`s become multi-row `INSERT … ON CONFLICT DO UPDATE` statements, and each
//! `apply` is one transaction. JSON documents are stored as TEXT, so SQLite's JSON functions
//! (`json_extract(payload, '$.name')`) work on them; every other payload is a BLOB. The `payload`
//! column is declared `BLOB`, whose affinity never converts a value, so both read back byte for byte.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

use futures_util::future;
use futures_util::stream::{BoxStream, StreamExt};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use super::sql::{read_entry, read_region};
use super::{
    BackendInfo, Change, PersistenceError, PersistenceStore, StoredEntry, StoredRegion, ValueKind,
};

const NAME: &str = "sqlite";

/// `kuber_entries` is a rowid table with a unique index on (region, key), not `WITHOUT ROWID`: a
/// WITHOUT ROWID table keeps whole rows in its key B-tree, and SQLite reads a large row's overflow
/// pages in full each time a search compares against it. With one 8 MB value stored, 10,000 small
/// puts took 10 s instead of 15 ms.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kuber_regions (
    name TEXT PRIMARY KEY NOT NULL,
    description TEXT NOT NULL,
    default_ttl_seconds INTEGER NOT NULL,
    max_entries INTEGER NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kuber_entries (
    id INTEGER PRIMARY KEY,
    region TEXT NOT NULL,
    key BLOB NOT NULL,
    kind TEXT NOT NULL,
    payload BLOB NOT NULL,
    expires_at_ms INTEGER,
    version INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    UNIQUE (region, key)
);
CREATE INDEX IF NOT EXISTS kuber_entries_expires_at ON kuber_entries (expires_at_ms)
    WHERE expires_at_ms IS NOT NULL;
";

/// Rows per multi-row INSERT: 7 parameters each stays far below SQLite's limit of 32,766, and
/// beyond a few hundred rows a longer statement no longer makes the batch faster.
const ROWS_PER_INSERT: usize = 500;

/// The statement for a full chunk, built once so that sqlx's statement cache recognises it.
static UPSERT_FULL: LazyLock<String> = LazyLock::new(|| upsert_sql(ROWS_PER_INSERT));

fn upsert_sql(rows: usize) -> String {
    let mut sql = String::with_capacity(200 + rows * 24);
    sql.push_str(
        "INSERT INTO kuber_entries \
         (region, key, kind, payload, expires_at_ms, version, updated_at_ms) VALUES ",
    );
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str("(?,?,?,?,?,?,?)");
    }
    sql.push_str(
        " ON CONFLICT (region, key) DO UPDATE SET kind = excluded.kind, \
         payload = excluded.payload, expires_at_ms = excluded.expires_at_ms, \
         version = excluded.version, updated_at_ms = excluded.updated_at_ms",
    );
    sql
}

/// Regions and entries in a SQLite database file.
pub struct SqliteStore {
    pool: SqlitePool,
    path: PathBuf,
}

fn backend(e: impl std::fmt::Display) -> PersistenceError {
    PersistenceError::backend(NAME, e)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and its parent directory. Fails with a
    /// message naming `kuber.persistence.sqlite.path` when the file cannot be created or opened.
    pub async fn open(path: &Path) -> Result<Self, PersistenceError> {
        let config = |what: &str, e: &dyn std::fmt::Display| {
            PersistenceError::Config(format!(
                "kuber.persistence.sqlite.path ({}): {what}: {e}",
                path.display()
            ))
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| config("cannot create its directory", &e))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL syncs at checkpoints, not at every commit: a committed
            // transaction is in the WAL (in the OS page cache) before `apply` returns, so it
            // survives the process being killed (kill -9, what the crash tests do); only a power
            // failure or OS crash can lose the last commits, never corrupt the file.
            .synchronous(SqliteSynchronous::Normal)
            // 64 MiB of page cache per connection (default 2 MiB): upserts of random keys touch
            // pages all over the table's B-tree, and re-reading them from the OS costs flush time.
            .pragma("cache_size", "-65536")
            // The flusher and `delete_expired` may want the write lock at the same time.
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| config("cannot open the database", &e))?;
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .map_err(|e| config("cannot create the tables", &e))?;
        Ok(SqliteStore {
            pool,
            path: path.to_path_buf(),
        })
    }
}

/// Writes a run of `Put`s (nothing else) with as few statements as possible.
async fn upsert(tx: &mut Transaction<'_, Sqlite>, puts: &[Change]) -> Result<(), PersistenceError> {
    for chunk in puts.chunks(ROWS_PER_INSERT) {
        let tail_sql;
        let sql = if chunk.len() == ROWS_PER_INSERT {
            UPSERT_FULL.as_str()
        } else {
            tail_sql = upsert_sql(chunk.len());
            tail_sql.as_str()
        };
        // A tail has a size of its own each time; caching it would only evict the full one.
        let mut query = sqlx::query(sql).persistent(chunk.len() == ROWS_PER_INSERT);
        for change in chunk {
            let Change::Put { region, entry } = change else {
                unreachable!("upsert is given runs of puts")
            };
            query = query
                .bind(&**region)
                .bind(&entry.key[..])
                .bind(entry.kind.as_str());
            query = match json_text(entry) {
                Some(text) => query.bind(text),
                None => query.bind(&entry.payload[..]),
            };
            query = query
                .bind(entry.expires_at_ms.map(|at| at as i64))
                .bind(entry.version as i64)
                .bind(entry.updated_at_ms as i64);
        }
        query.execute(&mut **tx).await.map_err(backend)?;
    }
    Ok(())
}

/// The payload as text when it is a JSON document (always valid UTF-8 when written by
/// `encoding`; anything else stays a BLOB rather than failing the batch).
fn json_text(entry: &StoredEntry) -> Option<&str> {
    (entry.kind == ValueKind::Json)
        .then(|| std::str::from_utf8(&entry.payload).ok())
        .flatten()
}

#[async_trait::async_trait]
impl PersistenceStore for SqliteStore {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            name: NAME,
            location: self.path.display().to_string(),
        }
    }

    async fn apply(&self, changes: &[Change]) -> Result<(), PersistenceError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let mut rest = changes;
        while let Some(first) = rest.first() {
            if matches!(first, Change::Put { .. }) {
                let run = rest
                    .iter()
                    .position(|c| !matches!(c, Change::Put { .. }))
                    .unwrap_or(rest.len());
                upsert(&mut tx, &rest[..run]).await?;
                rest = &rest[run..];
                continue;
            }
            match first {
                Change::Put { .. } => unreachable!("handled above"),
                Change::Delete { region, key } => {
                    sqlx::query("DELETE FROM kuber_entries WHERE region = ? AND key = ?")
                        .bind(&**region)
                        .bind(&key[..])
                        .execute(&mut *tx)
                        .await
                }
                Change::SaveRegion(region) => {
                    sqlx::query(
                        "INSERT INTO kuber_regions \
                         (name, description, default_ttl_seconds, max_entries, created_at_ms) \
                         VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET \
                         description = excluded.description, \
                         default_ttl_seconds = excluded.default_ttl_seconds, \
                         max_entries = excluded.max_entries, created_at_ms = excluded.created_at_ms",
                    )
                    .bind(&region.name)
                    .bind(&region.description)
                    .bind(region.default_ttl_seconds as i64)
                    .bind(region.max_entries as i64)
                    .bind(region.created_at_ms as i64)
                    .execute(&mut *tx)
                    .await
                }
                Change::PurgeRegion(region) => {
                    sqlx::query("DELETE FROM kuber_entries WHERE region = ?")
                        .bind(&**region)
                        .execute(&mut *tx)
                        .await
                }
                Change::DropRegion(region) => {
                    sqlx::query("DELETE FROM kuber_entries WHERE region = ?")
                        .bind(&**region)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                    sqlx::query("DELETE FROM kuber_regions WHERE name = ?")
                        .bind(&**region)
                        .execute(&mut *tx)
                        .await
                }
            }
            .map_err(backend)?;
            rest = &rest[1..];
        }
        tx.commit().await.map_err(backend)
    }

    async fn regions(&self) -> Result<Vec<StoredRegion>, PersistenceError> {
        let rows = sqlx::query(
            "SELECT name, description, default_ttl_seconds, max_entries, created_at_ms \
             FROM kuber_regions ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(backend)?;
        rows.iter()
            .map(read_region)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(backend)
    }

    fn load(&self, region: &str) -> BoxStream<'_, Result<StoredEntry, PersistenceError>> {
        let name = region.to_owned();
        // sqlx hands rows over from its SQLite thread through a small bounded channel, so the
        // region is never held in memory at once.
        sqlx::query(
            "SELECT key, kind, payload, expires_at_ms, version, updated_at_ms \
             FROM kuber_entries WHERE region = ?",
        )
        .bind(region.to_owned())
        .fetch(&self.pool)
        .map(move |row| match row {
            Ok(row) => read_entry(&name, &row),
            Err(e) => Err(backend(e)),
        })
        // A corrupt row is reported and skipped; any other error ends the stream.
        .scan(false, |failed, item| {
            if *failed {
                return future::ready(None);
            }
            *failed = matches!(item, Err(PersistenceError::Backend { .. }));
            future::ready(Some(item))
        })
        .boxed()
    }

    async fn get(&self, region: &str, key: &[u8]) -> Result<Option<StoredEntry>, PersistenceError> {
        let row = sqlx::query(
            "SELECT key, kind, payload, expires_at_ms, version, updated_at_ms \
             FROM kuber_entries WHERE region = ? AND key = ?",
        )
        .bind(region)
        .bind(key)
        .fetch_optional(&self.pool)
        .await
        .map_err(backend)?;
        row.map(|row| read_entry(region, &row)).transpose()
    }

    async fn count(&self, region: Option<&str>) -> Result<u64, PersistenceError> {
        let count: i64 = match region {
            Some(region) => {
                sqlx::query_scalar("SELECT COUNT(*) FROM kuber_entries WHERE region = ?")
                    .bind(region)
                    .fetch_one(&self.pool)
                    .await
            }
            None => {
                sqlx::query_scalar("SELECT COUNT(*) FROM kuber_entries")
                    .fetch_one(&self.pool)
                    .await
            }
        }
        .map_err(backend)?;
        Ok(count as u64)
    }

    async fn delete_expired(&self, now_ms: u64) -> Result<u64, PersistenceError> {
        let done = sqlx::query(
            "DELETE FROM kuber_entries WHERE expires_at_ms IS NOT NULL AND expires_at_ms <= ?",
        )
        .bind(now_ms as i64)
        .execute(&self.pool)
        .await
        .map_err(backend)?;
        Ok(done.rows_affected())
    }

    async fn ping(&self) -> Result<(), PersistenceError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::*;
    use crate::persistence::conformance;
    use bytes::Bytes;

    fn put(region: &str, key: &str, kind: ValueKind, payload: &[u8]) -> Change {
        Change::Put {
            region: region.into(),
            entry: StoredEntry {
                key: Bytes::copy_from_slice(key.as_bytes()),
                kind,
                payload: Bytes::copy_from_slice(payload),
                expires_at_ms: None,
                version: 1,
                updated_at_ms: 2,
            },
        }
    }

    #[tokio::test]
    async fn conformance() {
        let dir = tempfile::tempdir().unwrap();
        // A directory that does not exist yet: open creates it.
        let path = dir.path().join("data").join("kuber.db");
        conformance::run(|| {
            let path = path.clone();
            async move { Arc::new(SqliteStore::open(&path).await.unwrap()) as Arc<dyn PersistenceStore> }
        })
        .await;

        // Not a test of speed (timing varies with the machine): a number for the report.
        let store = SqliteStore::open(&path).await.unwrap();
        let changes: Vec<Change> = (0..10_000)
            .map(|i| {
                put(
                    "bench",
                    &format!("key:{i}"),
                    ValueKind::String,
                    format!("\x01value {i}").as_bytes(),
                )
            })
            .collect();
        let started = Instant::now();
        store.apply(&changes).await.unwrap();
        let took = started.elapsed();
        eprintln!(
            "sqlite: 10,000 puts in one apply took {took:?} ({:.0} puts/s)",
            10_000.0 / took.as_secs_f64()
        );
        assert_eq!(store.count(Some("bench")).await.unwrap(), 10_000);
    }

    #[tokio::test]
    async fn a_row_of_unknown_kind_is_reported_and_the_stream_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("kuber.db"))
            .await
            .unwrap();
        store
            .apply(&[
                put("r", "good1", ValueKind::String, b"\x01one"),
                put("r", "good2", ValueKind::String, b"\x01two"),
            ])
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO kuber_entries (region, key, kind, payload, version, updated_at_ms) \
             VALUES ('r', X'626164', 'bogus', X'01', 1, 1)",
        )
        .execute(&store.pool)
        .await
        .unwrap();

        let items: Vec<_> = store.load("r").collect().await;
        assert_eq!(items.len(), 3);
        let good: Vec<Bytes> = items
            .iter()
            .filter_map(|i| i.as_ref().ok())
            .map(|e| e.key.clone())
            .collect();
        assert_eq!(
            good,
            vec![Bytes::from_static(b"good1"), Bytes::from_static(b"good2")]
        );
        let errors: Vec<String> = items
            .iter()
            .filter_map(|i| i.as_ref().err())
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            errors,
            vec!["corrupt record in region 'r' (key \"bad\"): unknown kind 'bogus'".to_string()]
        );
        assert!(matches!(
            store.get("r", b"bad").await,
            Err(PersistenceError::Corrupt { .. })
        ));
    }

    #[tokio::test]
    async fn json_is_stored_as_text_that_sqlite_json_functions_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("kuber.db"))
            .await
            .unwrap();
        // Key order and spacing differ from what a JSON type would normalise to.
        let doc = br#"{"z":1,"name":"Ann","a":[1, 2]}"#;
        store
            .apply(&[put("r", "doc", ValueKind::Json, doc)])
            .await
            .unwrap();
        let (kind, name): (String, String) = sqlx::query_as(
            "SELECT typeof(payload), json_extract(payload, '$.name') FROM kuber_entries",
        )
        .fetch_one(&store.pool)
        .await
        .unwrap();
        assert_eq!((kind.as_str(), name.as_str()), ("text", "Ann"));
        let stored = store.get("r", b"doc").await.unwrap().unwrap();
        assert_eq!(&stored.payload[..], &doc[..]);
    }

    #[tokio::test]
    async fn an_unusable_path_fails_at_open_naming_the_setting() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"not a directory").unwrap();
        for path in [file.join("kuber.db"), dir.path().to_path_buf()] {
            let err = SqliteStore::open(&path)
                .await
                .err()
                .expect("open must fail");
            assert!(matches!(err, PersistenceError::Config(_)), "{err:?}");
            assert!(
                err.to_string()
                    .starts_with("kuber.persistence.sqlite.path ("),
                "{err}"
            );
        }
    }
}
