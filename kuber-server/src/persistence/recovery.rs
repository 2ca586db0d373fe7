//! Start-up recovery: regions and entries stream back from the backend into memory before the
//! server accepts clients. Expired entries are skipped and then deleted from the backend; a record
//! that cannot be decoded is reported and skipped. Progress is logged every few seconds with the
//! rate and an estimate of the time left.

use std::time::{Duration, Instant};

use futures_util::StreamExt;

use super::encoding::decode;
use super::{PersistenceError, PersistenceStore, StoredEntry};
use crate::store::{RegionSettings, Store};

/// How often progress is logged.
const PROGRESS_EVERY: Duration = Duration::from_secs(3);
/// Entries inserted per region-lock hold.
const ENTRIES_PER_LOCK: usize = 1024;

/// What recovery did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Regions restored.
    pub regions: usize,
    /// Entries loaded into memory.
    pub loaded: u64,
    /// Entries skipped because their TTL had passed.
    pub expired: u64,
    /// Records that could not be read.
    pub corrupt: u64,
    /// Expired entries deleted from the backend afterwards.
    pub deleted_expired: u64,
    /// Wall time taken.
    pub elapsed_ms: u64,
}

/// Loads everything `backend` holds into `store`. Fails only when the backend fails; bad records
/// are counted in the report.
pub async fn recover(
    backend: &dyn PersistenceStore,
    store: &Store,
    max_json_bytes: usize,
) -> Result<RecoveryReport, PersistenceError> {
    let started = Instant::now();
    let mut report = RecoveryReport::default();
    let total = backend.count(None).await?;
    let regions = backend.regions().await?;
    tracing::info!(
        backend = backend.info().name,
        regions = regions.len(),
        entries = total,
        "recovering from persistence"
    );
    for stored in &regions {
        let settings = RegionSettings {
            description: stored.description.clone(),
            default_ttl_seconds: stored.default_ttl_seconds,
            max_entries: stored.max_entries,
        };
        if let Err(e) = store.restore_region(&stored.name, settings, stored.created_at_ms) {
            tracing::warn!(region = %stored.name, error = %e, "skipping a stored region");
            report.corrupt += 1;
        }
    }
    report.regions = regions.len();
    let now = store.now();
    let mut last_log = Instant::now();
    let mut seen = 0u64;
    for stored in &regions {
        let Some(region) = store.region(&stored.name) else {
            continue;
        };
        let mut stream = backend.load(&stored.name);
        let mut batch: Vec<StoredEntry> = Vec::with_capacity(ENTRIES_PER_LOCK);
        loop {
            let next = stream.next().await;
            let done = next.is_none();
            match next {
                Some(Ok(entry)) => batch.push(entry),
                Some(Err(PersistenceError::Corrupt {
                    region,
                    key,
                    reason,
                })) => {
                    tracing::warn!(%region, %key, %reason, "skipping a corrupt record");
                    report.corrupt += 1;
                    seen += 1;
                }
                Some(Err(e)) => return Err(e),
                None => {}
            }
            if batch.len() >= ENTRIES_PER_LOCK || (done && !batch.is_empty()) {
                seen += batch.len() as u64;
                {
                    let mut ks = region.lock();
                    for entry in batch.drain(..) {
                        if entry.expires_at_ms.is_some_and(|at| at <= now) {
                            report.expired += 1;
                            continue;
                        }
                        match decode(entry.kind, &entry.payload, max_json_bytes) {
                            Ok(value) => {
                                ks.set(&entry.key, value, entry.expires_at_ms, now);
                                report.loaded += 1;
                            }
                            Err(reason) => {
                                tracing::warn!(region = %stored.name, key = %String::from_utf8_lossy(&entry.key), %reason, "skipping a corrupt record");
                                report.corrupt += 1;
                            }
                        }
                    }
                }
                store.enforce_max_memory(&region);
                if last_log.elapsed() >= PROGRESS_EVERY {
                    last_log = Instant::now();
                    let secs = started.elapsed().as_secs_f64().max(0.001);
                    let rate = seen as f64 / secs;
                    let left = total.saturating_sub(seen) as f64 / rate.max(1.0);
                    tracing::info!(
                        done = seen,
                        total,
                        rate_per_sec = rate as u64,
                        eta_secs = left.ceil() as u64,
                        "recovery in progress"
                    );
                }
            }
            if done {
                break;
            }
        }
        // Statistics describe traffic since start, not the load.
        region.lock().stats = Default::default();
    }
    if report.expired > 0 {
        report.deleted_expired = backend.delete_expired(now).await?;
    }
    report.elapsed_ms = started.elapsed().as_millis() as u64;
    tracing::info!(
        regions = report.regions,
        loaded = report.loaded,
        expired = report.expired,
        corrupt = report.corrupt,
        elapsed_ms = report.elapsed_ms,
        "recovery done"
    );
    Ok(report)
}
