//! `backend: mongodb`: regions and entries in a MongoDB-wire server (MongoDB, or FerretDB in the
//! tests) through the official driver.
//!
//! Layout, in the configured database:
//!
//! - `kuber_regions`: one document per region, `_id` = the region name.
//! - `entries_<region>`: one document per key:
//!   `{_id, key, kind, payload, expires_at_ms, expire_at, version, updated_at_ms, doc}`.
//!   `key` and `payload` are BSON Binary (the exact bytes). `_id` is a lossless text form of the key
//!   (`s:<key>` for UTF-8 keys without NUL, `x:<hex>` otherwise); it is the key's unique index.
//!   Text rather than Binary because FerretDB's SQLite handler only uses its `_id` index for string
//!   and ObjectId values: with a Binary `_id` every upsert would scan the whole collection.
//!   `expire_at` is the expiry as a BSON DateTime, indexed; the index is a TTL index
//!   (expireAfterSeconds 0) where the server has them (FerretDB v1 does not). `doc` is a queryable
//!   BSON copy of a JSON document, left out when the JSON has no faithful BSON form.
//!
//! `apply` groups runs of puts and deletes into multi-statement commands, one round trip for up to
//! [`MAX_STATEMENTS`] changes of a region: on MongoDB one `update` with `upsert: true` (and one
//! `delete`); on FerretDB, whose multi-statement `update` hangs once more than 100 statements match
//! existing documents, one `delete` of the keys and one `insert` (see [`PutStrategy`]). The 8.0
//! `bulkWrite` command is not used: FerretDB v1 has no such command, and the classic commands do
//! the same in one round trip. A batch runs in one transaction where the server has them (a replica
//! set or sharded cluster, not FerretDB); elsewhere it runs in order, and every change is
//! idempotent, so the caller's retry of a half-applied batch converges.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use futures_util::future;
use futures_util::stream::{self, BoxStream, StreamExt};
use mongodb::bson::{DateTime, Document, RawArrayBuf, RawDocumentBuf, doc, rawdoc};
use mongodb::options::ClientOptions;
use mongodb::{Client, ClientSession, Collection, Database};
use parking_lot::Mutex;

use super::{BackendInfo, Change, PersistenceError, PersistenceStore, StoredEntry, StoredRegion};

mod documents;
use documents::*;

const BACKEND: &str = "mongodb";
const SETTING: &str = "kuber.persistence.mongodb.uri";
const REGIONS: &str = "kuber_regions";
const ENTRIES_PREFIX: &str = "entries_";
/// Statements per write command; MongoDB accepts 100,000, the flusher sends at most 10,000.
const MAX_STATEMENTS: usize = 10_000;
/// Bytes of statements per write command: a command must fit in one 16 MiB BSON document.
const MAX_COMMAND_BYTES: usize = 8 << 20;
/// A JSON payload larger than this keeps no `doc` copy: payload and copy share one 16 MiB document.
const MAX_DOC_COPY_BYTES: usize = 4 << 20;
/// MongoDB refuses documents nested deeper than 100 levels.
const MAX_DOC_DEPTH: usize = 90;
/// How long `connect` waits for a server before giving up, unless the URI says otherwise.
const SERVER_SELECTION_TIMEOUT: Duration = Duration::from_secs(5);
/// "ns not found": dropping a collection that does not exist (MongoDB < 7 and FerretDB).
const NAMESPACE_NOT_FOUND: i32 = 26;

const TTL_UNKNOWN: u8 = 0;
const TTL_YES: u8 = 1;
const TTL_NO: u8 = 2;

/// Regions and entries in a MongoDB database.
pub struct MongoStore {
    client: Client,
    db: Database,
    location: String,
    /// The server runs multi-document transactions (replica set or sharded cluster).
    transactions: bool,
    /// How a run of puts is written.
    puts: PutStrategy,
    /// Whether the server takes TTL indexes; found out at the first index creation.
    ttl: AtomicU8,
    /// Entry collections whose indexes exist. Forgotten when a collection is dropped.
    indexed: Mutex<HashSet<String>>,
}

impl MongoStore {
    /// Connects to `uri` and checks that the server answers (within a few seconds), using the
    /// database `database`.
    pub async fn connect(uri: &str, database: &str) -> Result<Self, PersistenceError> {
        let scrub = |message: String| match password_of(uri) {
            Some(password) if !password.is_empty() => message.replace(password, "***"),
            _ => message,
        };
        let mut options = ClientOptions::parse(uri).await.map_err(|e| {
            PersistenceError::Config(scrub(format!("{SETTING} is not a usable MongoDB URI: {e}")))
        })?;
        options
            .server_selection_timeout
            .get_or_insert(SERVER_SELECTION_TIMEOUT);
        options
            .connect_timeout
            .get_or_insert(SERVER_SELECTION_TIMEOUT);
        options.app_name.get_or_insert_with(|| "kuber".into());
        check_database_name(database)?;
        let hosts = options
            .hosts
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let location = format!("mongodb://{hosts}/{database}");
        let client = Client::with_options(options).map_err(|e| {
            PersistenceError::Config(scrub(format!("{SETTING}: cannot create a client: {e}")))
        })?;
        let unreachable = |e: mongodb::error::Error| {
            PersistenceError::Config(scrub(format!(
                "cannot reach the MongoDB server at {location} ({SETTING}): {e}"
            )))
        };
        let db = client.database(database);
        let admin = client.database("admin");
        let probe = async {
            db.run_command(doc! { "ping": 1 }).await?;
            let hello = admin.run_command(doc! { "hello": 1 }).await?;
            let build_info = admin.run_command(doc! { "buildInfo": 1 }).await?;
            Ok::<_, mongodb::error::Error>((hello, build_info))
        };
        let (hello, build_info) = match probe.await {
            Ok(answers) => answers,
            Err(e) => {
                // Stop the client's monitors now rather than when the runtime winds down.
                client.shutdown().immediate(true).await;
                return Err(unreachable(e));
            }
        };
        // Transactions need a replica set or mongos and sessions. FerretDB answers `hello` like a
        // replica set member when started with --repl-set-name but has no transactions.
        let replicated = hello.get_str("setName").is_ok() || hello.get_str("msg") == Ok("isdbgrid");
        let transactions = replicated
            && hello.contains_key("logicalSessionTimeoutMinutes")
            && !build_info.contains_key("ferretdbVersion");
        // FerretDB v1's `update` command keeps a SQLite connection open for every statement that
        // matches a document until the command ends; past 100 such statements (its pool size) it
        // waits forever. So on FerretDB existing keys are deleted and the entries inserted instead.
        let puts = if build_info.contains_key("ferretdbVersion") {
            PutStrategy::DeleteThenInsert
        } else {
            PutStrategy::Upsert
        };
        tracing::info!(location = %location, transactions, ?puts, "connected to MongoDB");
        Ok(MongoStore {
            client,
            db,
            location,
            transactions,
            puts,
            ttl: AtomicU8::new(TTL_UNKNOWN),
            indexed: Mutex::new(HashSet::new()),
        })
    }

    fn entries(&self, region: &str) -> Result<Collection<RawDocumentBuf>, PersistenceError> {
        Ok(self.db.collection(&collection_name(region)?))
    }

    /// The entry collections that exist.
    async fn entry_collections(&self) -> Result<Vec<String>, PersistenceError> {
        let names = self.db.list_collection_names().await.map_err(backend)?;
        Ok(names
            .into_iter()
            .filter(|n| n.starts_with(ENTRIES_PREFIX))
            .collect())
    }

    /// Runs a write command, in the batch's transaction if there is one, and checks the per-statement
    /// errors that a write command reports with `ok: 1`.
    async fn write(
        &self,
        command: RawDocumentBuf,
        session: &mut Option<ClientSession>,
    ) -> Result<Document, mongodb::error::Error> {
        let action = self.db.run_raw_command(command);
        let reply = match session {
            Some(session) => action.session(session).await?,
            None => action.await?,
        };
        Ok(reply)
    }

    async fn write_checked(
        &self,
        command: RawDocumentBuf,
        session: &mut Option<ClientSession>,
    ) -> Result<(), PersistenceError> {
        let reply = self.write(command, session).await.map_err(backend)?;
        if let Ok(errors) = reply.get_array("writeErrors")
            && let Some(first) = errors.first()
        {
            return Err(PersistenceError::backend(
                BACKEND,
                format!("write error: {first}"),
            ));
        }
        if let Ok(error) = reply.get_document("writeConcernError") {
            return Err(PersistenceError::backend(
                BACKEND,
                format!("write concern error: {error}"),
            ));
        }
        Ok(())
    }

    /// Creates an entry collection's expiry index unless this handle already did.
    async fn ensure_indexes(&self, collection: &str) -> Result<(), PersistenceError> {
        if self.indexed.lock().contains(collection) {
            return Ok(());
        }
        let create = |ttl: bool| {
            let mut index = doc! { "key": { "expire_at": 1 }, "name": if ttl { "expire_at_ttl" } else { "expire_at_1" } };
            if ttl {
                index.insert("expireAfterSeconds", 0);
            }
            doc! { "createIndexes": collection, "indexes": [index] }
        };
        let mut done = false;
        if self.ttl.load(Ordering::Relaxed) != TTL_NO {
            match self.db.run_command(create(true)).await {
                Ok(_) => {
                    self.ttl.store(TTL_YES, Ordering::Relaxed);
                    done = true;
                }
                Err(e) if self.ttl.load(Ordering::Relaxed) == TTL_UNKNOWN => {
                    // FerretDB v1: "Index option \"expireAfterSeconds\" is not implemented yet".
                    tracing::info!(error = %e, "no TTL indexes on this server; expired entries are removed by delete_expired only");
                    self.ttl.store(TTL_NO, Ordering::Relaxed);
                }
                Err(e) => return Err(backend(e)),
            }
        }
        if !done {
            self.db.run_command(create(false)).await.map_err(backend)?;
        }
        self.indexed.lock().insert(collection.to_owned());
        Ok(())
    }

    /// Removes a region's entries: by dropping its collection, or inside a transaction (where
    /// collections cannot be dropped) by deleting every document.
    async fn clear(
        &self,
        region: &str,
        session: &mut Option<ClientSession>,
    ) -> Result<(), PersistenceError> {
        let name = collection_name(region)?;
        if session.is_some() {
            let mut all = RawDocumentBuf::new();
            all.append("q", RawDocumentBuf::new());
            all.append("limit", 0);
            let mut deletes = RawArrayBuf::new();
            deletes.push(all);
            let mut command = RawDocumentBuf::new();
            command.append("delete", name.as_str());
            command.append("deletes", deletes);
            return self.write_checked(command, session).await;
        }
        let mut command = RawDocumentBuf::new();
        command.append("drop", name.as_str());
        self.indexed.lock().remove(&name);
        match self.write(command, session).await {
            Ok(_) => Ok(()),
            Err(e) if command_code(&e) == Some(NAMESPACE_NOT_FOUND) => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }

    /// Applies a run of puts and deletes in which no key appears twice, so their order does not
    /// matter: per region, a few multi-statement commands.
    async fn apply_run(
        &self,
        run: &[Change],
        session: &mut Option<ClientSession>,
    ) -> Result<(), PersistenceError> {
        let mut regions: Vec<&str> = Vec::new();
        for change in run {
            let region = match change {
                Change::Put { region, .. } | Change::Delete { region, .. } => &**region,
                _ => unreachable!("runs hold puts and deletes only"),
            };
            if !regions.contains(&region) {
                regions.push(region);
            }
        }
        for region in regions {
            let name = collection_name(region)?;
            let puts: Vec<&StoredEntry> = run
                .iter()
                .filter_map(|c| match c {
                    Change::Put { region: r, entry } if &**r == region => Some(entry),
                    _ => None,
                })
                .collect();
            let deletes: Vec<&[u8]> = run
                .iter()
                .filter_map(|c| match c {
                    Change::Delete { region: r, key } if &**r == region => Some(&key[..]),
                    _ => None,
                })
                .collect();
            if !puts.is_empty() && session.is_none() {
                self.ensure_indexes(&name).await?;
            }
            match self.puts {
                PutStrategy::Upsert => {
                    let mut batch = Batch::new("update", "updates", &name);
                    for entry in puts {
                        let mut statement = RawDocumentBuf::new();
                        statement.append("q", id_filter(&entry.key));
                        statement.append("u", entry_document(entry));
                        statement.append("upsert", true);
                        self.push(&mut batch, statement, session).await?;
                    }
                    self.flush(&mut batch, session).await?;
                    let mut batch = Batch::new("delete", "deletes", &name);
                    for key in deletes {
                        let mut statement = RawDocumentBuf::new();
                        statement.append("q", id_filter(key));
                        statement.append("limit", 1);
                        self.push(&mut batch, statement, session).await?;
                    }
                    self.flush(&mut batch, session).await?;
                }
                PutStrategy::DeleteThenInsert => {
                    let mut keys = deletes;
                    keys.extend(puts.iter().map(|e| &e.key[..]));
                    self.delete_keys(&name, &keys, session).await?;
                    let mut batch = Batch::new("insert", "documents", &name);
                    for entry in puts {
                        self.push(&mut batch, entry_document(entry), session)
                            .await?;
                    }
                    self.flush(&mut batch, session).await?;
                }
            }
        }
        Ok(())
    }

    /// Deletes `keys` with `_id: {$in: …}` statements: one statement per command-sized chunk.
    async fn delete_keys(
        &self,
        collection: &str,
        keys: &[&[u8]],
        session: &mut Option<ClientSession>,
    ) -> Result<(), PersistenceError> {
        let mut keys = keys.iter().peekable();
        while keys.peek().is_some() {
            let mut ids = RawArrayBuf::new();
            let (mut count, mut bytes) = (0, 0);
            while count < MAX_STATEMENTS && bytes < MAX_COMMAND_BYTES {
                let Some(key) = keys.next() else { break };
                let id = key_id(key);
                bytes += id.len() + 16;
                count += 1;
                ids.push(id);
            }
            let mut statement = RawDocumentBuf::new();
            statement.append("q", rawdoc! { "_id": { "$in": ids } });
            statement.append("limit", 0);
            let mut batch = Batch::new("delete", "deletes", collection);
            self.push(&mut batch, statement, session).await?;
            self.flush(&mut batch, session).await?;
        }
        Ok(())
    }

    async fn push(
        &self,
        batch: &mut Batch<'_>,
        statement: RawDocumentBuf,
        session: &mut Option<ClientSession>,
    ) -> Result<(), PersistenceError> {
        match batch.push(statement) {
            Some(full) => self.write_checked(full, session).await,
            None => Ok(()),
        }
    }

    async fn flush(
        &self,
        batch: &mut Batch<'_>,
        session: &mut Option<ClientSession>,
    ) -> Result<(), PersistenceError> {
        match batch.finish() {
            Some(last) => self.write_checked(last, session).await,
            None => Ok(()),
        }
    }

    async fn apply_in_order(
        &self,
        changes: &[Change],
        session: &mut Option<ClientSession>,
    ) -> Result<(), PersistenceError> {
        let mut start = 0;
        let mut keys: HashSet<(&str, &[u8])> = HashSet::new();
        for (i, change) in changes.iter().enumerate() {
            let key = match change {
                Change::Put { region, entry } => Some((&**region, &entry.key[..])),
                Change::Delete { region, key } => Some((&**region, &key[..])),
                _ => None,
            };
            match key {
                Some(key) if keys.insert(key) => continue,
                Some(key) => {
                    // The key repeats: what came before must be written first.
                    self.apply_run(&changes[start..i], session).await?;
                    keys.clear();
                    keys.insert(key);
                    start = i;
                }
                None => {
                    self.apply_run(&changes[start..i], session).await?;
                    keys.clear();
                    start = i + 1;
                    self.apply_region_change(change, session).await?;
                }
            }
        }
        self.apply_run(&changes[start..], session).await
    }

    async fn apply_region_change(
        &self,
        change: &Change,
        session: &mut Option<ClientSession>,
    ) -> Result<(), PersistenceError> {
        match change {
            Change::SaveRegion(region) => {
                let mut statement = RawDocumentBuf::new();
                let mut q = RawDocumentBuf::new();
                q.append("_id", region.name.as_str());
                statement.append("q", q);
                statement.append("u", region_document(region));
                statement.append("upsert", true);
                let mut batch = Batch::new("update", "updates", REGIONS);
                let command = batch
                    .push(statement)
                    .or_else(|| batch.finish())
                    .expect("one statement");
                self.write_checked(command, session).await
            }
            Change::PurgeRegion(region) => self.clear(region, session).await,
            Change::DropRegion(region) => {
                self.clear(region, session).await?;
                let mut statement = RawDocumentBuf::new();
                let mut q = RawDocumentBuf::new();
                q.append("_id", &**region);
                statement.append("q", q);
                statement.append("limit", 1);
                let mut batch = Batch::new("delete", "deletes", REGIONS);
                let command = batch
                    .push(statement)
                    .or_else(|| batch.finish())
                    .expect("one statement");
                self.write_checked(command, session).await
            }
            Change::Put { .. } | Change::Delete { .. } => {
                unreachable!("runs are applied by apply_run")
            }
        }
    }
}

#[async_trait::async_trait]
impl PersistenceStore for MongoStore {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            name: BACKEND,
            location: self.location.clone(),
        }
    }

    async fn apply(&self, changes: &[Change]) -> Result<(), PersistenceError> {
        if !self.transactions {
            return self.apply_in_order(changes, &mut None).await;
        }
        // Indexes cannot be created inside a transaction on an existing collection.
        for change in changes {
            if let Change::Put { region, .. } = change {
                self.ensure_indexes(&collection_name(region)?).await?;
            }
        }
        let mut session = self.client.start_session().await.map_err(backend)?;
        session.start_transaction().await.map_err(backend)?;
        let mut session = Some(session);
        self.apply_in_order(changes, &mut session).await?;
        let mut session = session.expect("the session is kept");
        session.commit_transaction().await.map_err(backend)
    }

    async fn regions(&self) -> Result<Vec<StoredRegion>, PersistenceError> {
        let collection: Collection<RawDocumentBuf> = self.db.collection(REGIONS);
        let mut cursor = collection.find(doc! {}).await.map_err(backend)?;
        let mut regions = Vec::new();
        while let Some(raw) = cursor.next().await {
            let raw = raw.map_err(backend)?;
            regions.push(read_region(&raw)?);
        }
        Ok(regions)
    }

    fn load(&self, region: &str) -> BoxStream<'_, Result<StoredEntry, PersistenceError>> {
        let region = region.to_owned();
        let open = async move {
            let cursor = self
                .entries(&region)?
                .find(doc! {})
                .batch_size(1000)
                .await
                .map_err(backend)?;
            Ok::<_, PersistenceError>(cursor.map(move |item| match item {
                Ok(raw) => read_entry(&region, &raw),
                Err(e) => Err(backend(e)),
            }))
        };
        stream::once(open)
            .map(|opened| match opened {
                Ok(entries) => entries.left_stream(),
                Err(e) => stream::once(future::ready(Err(e))).right_stream(),
            })
            .flatten()
            // A corrupt record is reported and skipped; any other error ends the stream.
            .scan(false, |ended, item| {
                if *ended {
                    return future::ready(None);
                }
                *ended = matches!(&item, Err(e) if !matches!(e, PersistenceError::Corrupt { .. }));
                future::ready(Some(item))
            })
            .boxed()
    }

    async fn get(&self, region: &str, key: &[u8]) -> Result<Option<StoredEntry>, PersistenceError> {
        let found = self
            .entries(region)?
            .find_one(doc! { "_id": key_id(key) })
            .await
            .map_err(backend)?;
        found.map(|raw| read_entry(region, &raw)).transpose()
    }

    async fn count(&self, region: Option<&str>) -> Result<u64, PersistenceError> {
        let names = match region {
            Some(region) => vec![collection_name(region)?],
            None => self.entry_collections().await?,
        };
        let mut total = 0;
        for name in names {
            let collection: Collection<RawDocumentBuf> = self.db.collection(&name);
            total += collection.count_documents(doc! {}).await.map_err(backend)?;
        }
        Ok(total)
    }

    async fn delete_expired(&self, now_ms: u64) -> Result<u64, PersistenceError> {
        let now = DateTime::from_millis(clamp_i64(now_ms));
        let mut removed = 0;
        for name in self.entry_collections().await? {
            let collection: Collection<RawDocumentBuf> = self.db.collection(&name);
            let result = collection
                .delete_many(doc! { "expire_at": { "$lte": now } })
                .await
                .map_err(backend)?;
            removed += result.deleted_count;
        }
        Ok(removed)
    }

    async fn ping(&self) -> Result<(), PersistenceError> {
        self.db
            .run_command(doc! { "ping": 1 })
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// How `apply` writes a run of puts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PutStrategy {
    /// One multi-statement `update` with `upsert: true` per region (MongoDB).
    Upsert,
    /// One `delete` of the keys (`_id: {$in: …}`), then one `insert` (FerretDB). Not atomic without
    /// a transaction: a key is briefly absent, and a failed insert leaves it absent until the
    /// caller's retry succeeds.
    DeleteThenInsert,
}

/// Accumulates the statements of one multi-statement write command (`update` or `delete`) and
/// hands out a command whenever one is full.
struct Batch<'a> {
    command: &'static str,
    field: &'static str,
    collection: &'a str,
    statements: RawArrayBuf,
    count: usize,
    bytes: usize,
}

impl<'a> Batch<'a> {
    fn new(command: &'static str, field: &'static str, collection: &'a str) -> Self {
        Batch {
            command,
            field,
            collection,
            statements: RawArrayBuf::new(),
            count: 0,
            bytes: 0,
        }
    }

    /// Adds a statement; returns the command to send if the batch is now full.
    fn push(&mut self, statement: RawDocumentBuf) -> Option<RawDocumentBuf> {
        // A statement that would overflow the command goes into the next one.
        let full = if self.count > 0 && self.bytes + statement.as_bytes().len() > MAX_COMMAND_BYTES
        {
            self.finish()
        } else {
            None
        };
        self.bytes += statement.as_bytes().len();
        self.count += 1;
        self.statements.push(statement);
        if full.is_some() {
            return full;
        }
        (self.count >= MAX_STATEMENTS)
            .then(|| self.finish())
            .flatten()
    }

    /// The command for the statements gathered so far, if any.
    fn finish(&mut self) -> Option<RawDocumentBuf> {
        if self.count == 0 {
            return None;
        }
        let mut command = RawDocumentBuf::new();
        command.append(self.command, self.collection);
        command.append(self.field, std::mem::take(&mut self.statements));
        command.append("ordered", true);
        self.count = 0;
        self.bytes = 0;
        Some(command)
    }
}

fn backend(e: impl std::fmt::Display) -> PersistenceError {
    PersistenceError::backend(BACKEND, e)
}

fn command_code(e: &mongodb::error::Error) -> Option<i32> {
    match &*e.kind {
        mongodb::error::ErrorKind::Command(c) => Some(c.code),
        _ => None,
    }
}

/// The password in a `mongodb://user:password@host` URI, to keep it out of error messages.
fn password_of(uri: &str) -> Option<&str> {
    let rest = uri.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    Some(userinfo.split_once(':')?.1)
}

fn check_database_name(name: &str) -> Result<(), PersistenceError> {
    if name.is_empty() || name.len() > 63 || name.contains(['/', '\\', '.', ' ', '"', '$', '\0']) {
        return Err(PersistenceError::Config(format!(
            "kuber.persistence.mongodb.database: '{name}' is not a valid MongoDB database name"
        )));
    }
    Ok(())
}

fn collection_name(region: &str) -> Result<String, PersistenceError> {
    let valid = (1..=64).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid {
        return Err(PersistenceError::backend(
            BACKEND,
            format!("invalid region name '{region}'"),
        ));
    }
    Ok(format!("{ENTRIES_PREFIX}{region}"))
}

#[cfg(test)]
mod tests;
