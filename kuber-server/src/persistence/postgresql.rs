//! `backend: postgresql`: regions and entries in PostgreSQL tables (`kuber.persistence.postgresql.url`),
//! through sqlx's `PgPool`.
//!
//! Each `apply` is one transaction, and a run of consecutive `Put`s (or `Delete`s) is one statement
//! with the rows passed as arrays and spread by `UNNEST`: one round trip per run instead of one per
//! key. sqlx prepares each statement once per connection. `payload` is the exact stored bytes
//! (BYTEA) for every kind; JSON documents also get a JSONB copy in `doc` for queries — JSONB
//! reorders keys and drops duplicates, so it is never read back.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::future;
use futures_util::stream::{BoxStream, StreamExt};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection, Postgres, Transaction};

use super::sql::{read_entry, read_region};
use super::{
    BackendInfo, Change, PersistenceError, PersistenceStore, StoredEntry, StoredRegion, ValueKind,
};

const NAME: &str = "postgresql";

/// How long `connect` (and later each connection attempt of the pool) waits for the server: a
/// misconfigured URL should stop the server within seconds, not minutes.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Rows per UNNEST statement, and the payload bytes they may carry: a run of 10,000 small puts is
/// one statement, a run of large values is split well below PostgreSQL's 1 GB message limit.
const MAX_ROWS: usize = 10_000;
const MAX_BYTES: usize = 32 << 20;

/// Created under an advisory lock: two servers starting on one empty database would otherwise
/// race on `CREATE TABLE IF NOT EXISTS` (it is not atomic in PostgreSQL).
const SCHEMA: &str = "
BEGIN;
SELECT pg_advisory_xact_lock(7235123519);
CREATE TABLE IF NOT EXISTS kuber_regions (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    default_ttl_seconds BIGINT NOT NULL,
    max_entries BIGINT NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS kuber_entries (
    region TEXT NOT NULL,
    key BYTEA NOT NULL,
    kind TEXT NOT NULL,
    payload BYTEA NOT NULL,
    doc JSONB,
    expires_at_ms BIGINT,
    version BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (region, key)
);
CREATE INDEX IF NOT EXISTS kuber_entries_expires_at ON kuber_entries (expires_at_ms)
    WHERE expires_at_ms IS NOT NULL;
COMMIT;
";

const UPSERT: &str = "
INSERT INTO kuber_entries (region, key, kind, payload, doc, expires_at_ms, version, updated_at_ms)
SELECT region, key, kind, payload, doc::jsonb, expires_at_ms, version, updated_at_ms
FROM UNNEST($1::text[], $2::bytea[], $3::text[], $4::bytea[], $5::text[], $6::int8[], $7::int8[], $8::int8[])
    AS t (region, key, kind, payload, doc, expires_at_ms, version, updated_at_ms)
ON CONFLICT (region, key) DO UPDATE SET
    kind = EXCLUDED.kind, payload = EXCLUDED.payload, doc = EXCLUDED.doc,
    expires_at_ms = EXCLUDED.expires_at_ms, version = EXCLUDED.version,
    updated_at_ms = EXCLUDED.updated_at_ms";

const DELETE_KEYS: &str = "
DELETE FROM kuber_entries AS e USING UNNEST($1::text[], $2::bytea[]) AS d (region, key)
WHERE e.region = d.region AND e.key = d.key";

const SAVE_REGION: &str = "
INSERT INTO kuber_regions (name, description, default_ttl_seconds, max_entries, created_at_ms)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (name) DO UPDATE SET
    description = EXCLUDED.description, default_ttl_seconds = EXCLUDED.default_ttl_seconds,
    max_entries = EXCLUDED.max_entries, created_at_ms = EXCLUDED.created_at_ms";

const SELECT_ENTRY: &str = "SELECT key, kind, payload, expires_at_ms, version, updated_at_ms \
                            FROM kuber_entries WHERE region = $1";

/// Regions and entries in a PostgreSQL database.
pub struct PostgresStore {
    pool: PgPool,
    /// `user@host:port/database`: never the password.
    location: String,
}

fn backend(e: impl std::fmt::Display) -> PersistenceError {
    PersistenceError::backend(NAME, e)
}

/// The Java Kuber's `jdbc:postgresql://host:port/db?user=U&password=P` as a URL sqlx reads
/// (`postgresql://host:port/db?user=U&password=P`: sqlx takes `user` and `password` from the query
/// string and percent-decodes them as JDBC does). `postgres://` and `postgresql://` URLs are
/// returned unchanged; None for any other scheme (sqlx itself would read `mysql://h` as a host).
fn to_sqlx_url(url: &str) -> Option<&str> {
    let url = url.strip_prefix("jdbc:").unwrap_or(url);
    (url.starts_with("postgres://") || url.starts_with("postgresql://")).then_some(url)
}

impl PostgresStore {
    /// Connects to `url` (`postgres://`, `postgresql://` or `jdbc:postgresql://`) and creates the
    /// tables if needed. An unreachable server fails within a few seconds, with a message naming
    /// `kuber.persistence.postgresql.url` (without the password).
    pub async fn connect(url: &str) -> Result<Self, PersistenceError> {
        let not_a_url = |e: &dyn std::fmt::Display| {
            // The URL itself is not repeated: it may hold the password.
            PersistenceError::Config(format!(
                "kuber.persistence.postgresql.url is not a PostgreSQL URL \
                 (postgres://user:password@host:port/database or \
                 jdbc:postgresql://host:port/database?user=U&password=P): {e}"
            ))
        };
        let options: PgConnectOptions = to_sqlx_url(url)
            .ok_or_else(|| not_a_url(&"unknown scheme"))?
            .parse()
            .map_err(|e| not_a_url(&e))?;
        let location = format!(
            "{}@{}:{}/{}",
            options.get_username(),
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or(options.get_username())
        );
        let config = |what: &str, e: &dyn std::fmt::Display| {
            PersistenceError::Config(format!(
                "kuber.persistence.postgresql.url ({location}): {what}: {e}"
            ))
        };
        // One connection made directly, not through the pool: the pool retries a refused
        // connection until its timeout and then reports only that it timed out.
        let mut first = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .map_err(|_| config("cannot connect", &"no answer within 5 seconds"))?
            .map_err(|e| config("cannot connect", &e))?;
        sqlx::raw_sql(SCHEMA)
            .execute(&mut first)
            .await
            .map_err(|e| config("cannot create the tables", &e))?;
        let _ = first.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_lazy_with(options);
        Ok(PostgresStore { pool, location })
    }
}

/// The JSONB copy of a JSON document, or None. PostgreSQL's JSONB refuses the escape `\u0000`
/// (its text cannot hold NUL); such a document is kept (in `payload`) without a queryable copy
/// instead of failing the batch forever.
fn json_doc(entry: &StoredEntry) -> Option<&str> {
    if entry.kind != ValueKind::Json || entry.payload.windows(6).any(|w| w == b"\\u0000") {
        return None;
    }
    std::str::from_utf8(&entry.payload).ok()
}

/// Writes a run of `Put`s (nothing else). `ON CONFLICT DO UPDATE` may not touch one row twice in
/// a statement, so only the last put of each key is sent: within a run, it wins anyway.
async fn upsert(
    tx: &mut Transaction<'_, Postgres>,
    puts: &[Change],
) -> Result<(), PersistenceError> {
    let mut last: HashMap<(&str, &[u8]), usize> = HashMap::with_capacity(puts.len());
    for (i, change) in puts.iter().enumerate() {
        if let Change::Put { region, entry } = change {
            last.insert((&**region, &entry.key[..]), i);
        }
    }
    let mut rows = puts
        .iter()
        .enumerate()
        .filter_map(|(i, change)| match change {
            Change::Put { region, entry } if last[&(&**region, &entry.key[..])] == i => {
                Some((&**region, entry))
            }
            _ => None,
        });
    let mut pending = rows.next();
    while pending.is_some() {
        let mut regions = Vec::new();
        let mut keys = Vec::new();
        let mut kinds = Vec::new();
        let mut payloads = Vec::new();
        let mut docs = Vec::new();
        let mut expiries = Vec::new();
        let mut versions = Vec::new();
        let mut updated = Vec::new();
        let mut bytes = 0;
        while let Some((region, entry)) = pending {
            if !regions.is_empty()
                && (regions.len() == MAX_ROWS || bytes + entry.payload.len() > MAX_BYTES)
            {
                break;
            }
            bytes += entry.payload.len();
            regions.push(region);
            keys.push(&entry.key[..]);
            kinds.push(entry.kind.as_str());
            payloads.push(&entry.payload[..]);
            docs.push(json_doc(entry));
            // Stored as i64 bit for bit; `read_entry` casts back.
            expiries.push(entry.expires_at_ms.map(|at| at as i64));
            versions.push(entry.version as i64);
            updated.push(entry.updated_at_ms as i64);
            pending = rows.next();
        }
        sqlx::query(UPSERT)
            .bind(regions)
            .bind(keys)
            .bind(kinds)
            .bind(payloads)
            .bind(docs)
            .bind(expiries)
            .bind(versions)
            .bind(updated)
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

/// Deletes a run of `Delete`s (nothing else).
async fn delete(
    tx: &mut Transaction<'_, Postgres>,
    deletes: &[Change],
) -> Result<(), PersistenceError> {
    for chunk in deletes.chunks(MAX_ROWS) {
        let (regions, keys): (Vec<&str>, Vec<&[u8]>) = chunk
            .iter()
            .map(|change| match change {
                Change::Delete { region, key } => (&**region, &key[..]),
                _ => unreachable!("delete is given runs of deletes"),
            })
            .unzip();
        sqlx::query(DELETE_KEYS)
            .bind(regions)
            .bind(keys)
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl PersistenceStore for PostgresStore {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            name: NAME,
            location: self.location.clone(),
        }
    }

    async fn apply(&self, changes: &[Change]) -> Result<(), PersistenceError> {
        let mut tx = self.pool.begin().await.map_err(backend)?;
        let mut rest = changes;
        while let Some(first) = rest.first() {
            let same = |c: &Change| std::mem::discriminant(c) == std::mem::discriminant(first);
            match first {
                Change::Put { .. } | Change::Delete { .. } => {
                    let run = rest.iter().position(|c| !same(c)).unwrap_or(rest.len());
                    if matches!(first, Change::Put { .. }) {
                        upsert(&mut tx, &rest[..run]).await?;
                    } else {
                        delete(&mut tx, &rest[..run]).await?;
                    }
                    rest = &rest[run..];
                    continue;
                }
                Change::SaveRegion(region) => {
                    sqlx::query(SAVE_REGION)
                        .bind(&region.name)
                        .bind(&region.description)
                        .bind(region.default_ttl_seconds as i64)
                        .bind(region.max_entries as i64)
                        .bind(region.created_at_ms as i64)
                        .execute(&mut *tx)
                        .await
                }
                Change::PurgeRegion(region) => {
                    sqlx::query("DELETE FROM kuber_entries WHERE region = $1")
                        .bind(&**region)
                        .execute(&mut *tx)
                        .await
                }
                Change::DropRegion(region) => {
                    sqlx::query("DELETE FROM kuber_entries WHERE region = $1")
                        .bind(&**region)
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                    sqlx::query("DELETE FROM kuber_regions WHERE name = $1")
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
        // Rows are decoded as they arrive from the socket; the region is never held in memory.
        sqlx::query(SELECT_ENTRY)
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
             FROM kuber_entries WHERE region = $1 AND key = $2",
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
                sqlx::query_scalar("SELECT COUNT(*) FROM kuber_entries WHERE region = $1")
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
            "DELETE FROM kuber_entries WHERE expires_at_ms IS NOT NULL AND expires_at_ms <= $1",
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
mod tests;
