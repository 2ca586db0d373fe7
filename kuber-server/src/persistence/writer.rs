//! [`Persistence`]: the backend, the journal and the flusher task that drains one into the other,
//! plus the status that `INFO persistence`, `STATUS`, `/api/v1/status` and `/metrics` report.
//!
//! The flusher takes everything the journal holds, reads each key's current value from memory,
//! and writes the changes in transactions of at most `batch_size`. Write-behind flushes at most
//! every `flush_interval_ms` (sooner when a batch fills up or SAVE asks); write-through flushes as
//! soon as anything is marked, so concurrent writers share one transaction (group commit).
//!
//! When the backend fails, the taken changes go back to the front of the journal and the flusher
//! retries with exponential back-off (100 ms doubling to 5 s). Memory keeps serving meanwhile; the
//! status reads `degraded` until a flush succeeds again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::watch;

use super::encoding::to_stored;
use super::journal::{Journal, Segment, Unavailable};
use super::{BackendInfo, Change, PersistenceError, PersistenceStore};
use crate::config::{PersistenceConfig, PersistenceMode};
use crate::state::stopping;
use crate::store::Store;

/// Keys whose values are read under one region-lock hold while a flush collects them, so that a
/// flush of 10,000 keys never blocks a region's clients for its whole length.
const KEYS_PER_LOCK: usize = 512;
/// First retry delay after a failed flush; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest retry delay.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Counters and the last outcome, for status reports.
#[derive(Clone, Debug, Default)]
pub struct FlushStatus {
    /// Successful flushes.
    pub flushes: u64,
    /// Changes written.
    pub changes_written: u64,
    /// Failed flush attempts.
    pub errors: u64,
    /// When the last successful flush finished, ms since the epoch (0 = never).
    pub last_flush_ms: u64,
    /// How long the last successful flush took.
    pub last_flush_duration_ms: u64,
    /// Changes in the last successful flush.
    pub last_flush_changes: u64,
    /// The last error, cleared by the next success.
    pub last_error: Option<String>,
}

/// The configured backend and everything that feeds it.
pub struct Persistence {
    backend: Arc<dyn PersistenceStore>,
    journal: Arc<Journal>,
    mode: PersistenceMode,
    flush_interval: Duration,
    batch_size: usize,
    status: Mutex<FlushStatus>,
    /// Set while the last flush attempt failed.
    degraded: std::sync::atomic::AtomicBool,
}

impl Persistence {
    /// Wraps an opened backend with a journal sized from `config`.
    pub fn new(backend: Arc<dyn PersistenceStore>, config: &PersistenceConfig) -> Self {
        Self {
            backend,
            journal: Arc::new(Journal::new(config.max_queue, config.batch_size)),
            mode: config.mode,
            flush_interval: Duration::from_millis(config.flush_interval_ms.max(1)),
            batch_size: config.batch_size.max(1),
            status: Mutex::new(FlushStatus::default()),
            degraded: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The backend.
    pub fn backend(&self) -> &Arc<dyn PersistenceStore> {
        &self.backend
    }

    /// The journal the store marks changes in.
    pub fn journal(&self) -> &Arc<Journal> {
        &self.journal
    }

    /// Write-behind or write-through.
    pub fn mode(&self) -> PersistenceMode {
        self.mode
    }

    /// True when replies to writes must wait for the backend.
    pub fn write_through(&self) -> bool {
        self.mode == PersistenceMode::WriteThrough
    }

    /// True while the backend is failing.
    pub fn is_degraded(&self) -> bool {
        self.degraded.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Backend name and location.
    pub fn info(&self) -> BackendInfo {
        self.backend.info()
    }

    /// A copy of the flush counters.
    pub fn status(&self) -> FlushStatus {
        self.status.lock().clone()
    }

    /// Waits until every change marked so far is durable (SAVE, write-through replies, shutdown).
    pub async fn wait_durable(&self) -> Result<(), Unavailable> {
        let seq = self.journal.current_seq();
        if self.journal.progress().durable >= seq {
            return Ok(());
        }
        self.journal.wait_durable(seq).await
    }

    /// Drains the journal into the backend until shutdown, then flushes what is left.
    pub async fn run_flusher(
        self: Arc<Self>,
        store: Arc<Store>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut backoff = FIRST_BACKOFF;
        loop {
            if self.journal.is_empty() {
                tokio::select! {
                    _ = self.journal.wait_for_work() => {}
                    _ = stopping(&mut shutdown) => break,
                }
                continue;
            }
            if self.mode == PersistenceMode::WriteBehind && !self.journal.batch_full() {
                // Let writes gather (and coalesce) for one interval unless a flush was requested.
                let deadline = tokio::time::Instant::now() + self.flush_interval;
                while !self.journal.take_urgent() && !self.journal.batch_full() {
                    tokio::select! {
                        _ = tokio::time::sleep_until(deadline) => break,
                        _ = self.journal.wait_for_work() => {}
                        _ = stopping(&mut shutdown) => break,
                    }
                }
            } else {
                self.journal.take_urgent();
            }
            match self.flush_once(&store).await {
                Ok(()) => backoff = FIRST_BACKOFF,
                Err(e) => {
                    tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "persistence flush failed; changes stay queued");
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stopping(&mut shutdown) => break,
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        self.final_flush(&store).await;
    }

    /// Shutdown: keeps trying for a while, because what is not flushed now is lost.
    async fn final_flush(&self, store: &Store) {
        let give_up = Instant::now() + Duration::from_secs(30);
        let mut backoff = FIRST_BACKOFF;
        while !self.journal.is_empty() {
            match self.flush_once(store).await {
                Ok(()) => {}
                Err(e) if Instant::now() < give_up => {
                    tracing::warn!(error = %e, "final flush failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
                Err(e) => {
                    tracing::error!(error = %e, waiting = self.journal.depth(), "giving up the final flush: these changes are lost");
                    return;
                }
            }
        }
        tracing::info!("persistence flushed for shutdown");
    }

    /// Takes the journal, writes it, and publishes the result.
    pub async fn flush_once(&self, store: &Store) -> Result<(), PersistenceError> {
        let started = Instant::now();
        let (segments, seq) = self.journal.take();
        if segments.is_empty() {
            self.journal.flushed(seq);
            return Ok(());
        }
        let changes = collect_changes(store, &segments, seq);
        let mut result = Ok(());
        for batch in changes.chunks(self.batch_size) {
            if let Err(e) = self.backend.apply(batch).await {
                result = Err(e);
                break;
            }
        }
        match result {
            Ok(()) => {
                self.journal.flushed(seq);
                self.degraded
                    .store(false, std::sync::atomic::Ordering::Release);
                let mut status = self.status.lock();
                status.flushes += 1;
                status.changes_written += changes.len() as u64;
                status.last_flush_ms = store.now();
                status.last_flush_duration_ms = started.elapsed().as_millis() as u64;
                status.last_flush_changes = changes.len() as u64;
                if status.last_error.take().is_some() {
                    tracing::info!("persistence backend is back; queued changes are written");
                }
                Ok(())
            }
            Err(e) => {
                // Nothing is assumed written: the keys go back and their values are read again
                // on the retry, so the retry writes whatever is current then.
                self.journal.restore(segments);
                self.degraded
                    .store(true, std::sync::atomic::Ordering::Release);
                {
                    let mut status = self.status.lock();
                    status.errors += 1;
                    status.last_error = Some(e.to_string());
                }
                self.journal.failed();
                Err(e)
            }
        }
    }
}

/// Turns journal segments into backend changes, reading each key's current value: a live entry
/// becomes a `Put`, a missing or expired one a `Delete`.
fn collect_changes(store: &Store, segments: &[Segment], version: u64) -> Vec<Change> {
    let now = store.now();
    let mut changes = Vec::new();
    for segment in segments {
        match segment {
            Segment::Op(change) => changes.push(change.clone()),
            Segment::Keys(regions) => {
                for (name, keys) in regions {
                    let region = store.region(name).filter(|r| !r.is_dropped());
                    let keys: Vec<_> = keys.iter().collect();
                    for chunk in keys.chunks(KEYS_PER_LOCK) {
                        let ks = region.as_ref().map(|r| r.lock());
                        for key in chunk {
                            let live = ks.as_ref().and_then(|ks| ks.live_entry(key, now));
                            if live.is_none() && ks.as_ref().is_some_and(|ks| ks.is_on_disk(key)) {
                                // Evicted from memory, not deleted: the backend keeps it (any
                                // unflushed value was queued as a snapshot at eviction).
                                continue;
                            }
                            changes.push(match live {
                                Some(entry) => Change::Put {
                                    region: name.clone(),
                                    entry: to_stored(entry, version, now),
                                },
                                None => Change::Delete {
                                    region: name.clone(),
                                    key: (*key).clone(),
                                },
                            });
                        }
                    }
                }
            }
        }
    }
    changes
}
