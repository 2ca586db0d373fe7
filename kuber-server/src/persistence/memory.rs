//! `backend: memory`: nothing durable. Keeps the records in a map for the life of the process; it
//! is the reference implementation of [`PersistenceStore`] and passes the same conformance suite.
//! A server configured with it runs without a journal at all (see `writer`).

use std::collections::BTreeMap;

use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use parking_lot::Mutex;

use super::{BackendInfo, Change, PersistenceError, PersistenceStore, StoredEntry, StoredRegion};

/// Regions and entries in process memory. Clones share the same records.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: std::sync::Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    regions: BTreeMap<String, StoredRegion>,
    entries: BTreeMap<String, BTreeMap<Bytes, StoredEntry>>,
}

#[async_trait::async_trait]
impl PersistenceStore for MemoryStore {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            name: "memory",
            location: "process memory (not durable)".into(),
        }
    }

    async fn apply(&self, changes: &[Change]) -> Result<(), PersistenceError> {
        let mut inner = self.inner.lock();
        for change in changes {
            match change {
                Change::Put { region, entry } => {
                    inner
                        .entries
                        .entry(region.to_string())
                        .or_default()
                        .insert(entry.key.clone(), entry.clone());
                }
                Change::Delete { region, key } => {
                    if let Some(entries) = inner.entries.get_mut(&**region) {
                        entries.remove(key);
                    }
                }
                Change::SaveRegion(region) => {
                    inner.regions.insert(region.name.clone(), region.clone());
                }
                Change::PurgeRegion(region) => {
                    inner.entries.remove(&**region);
                }
                Change::DropRegion(region) => {
                    inner.entries.remove(&**region);
                    inner.regions.remove(&**region);
                }
            }
        }
        Ok(())
    }

    async fn regions(&self) -> Result<Vec<StoredRegion>, PersistenceError> {
        Ok(self.inner.lock().regions.values().cloned().collect())
    }

    fn load(&self, region: &str) -> BoxStream<'_, Result<StoredEntry, PersistenceError>> {
        let entries: Vec<StoredEntry> = self
            .inner
            .lock()
            .entries
            .get(region)
            .map(|e| e.values().cloned().collect())
            .unwrap_or_default();
        stream::iter(entries.into_iter().map(Ok)).boxed()
    }

    async fn get(&self, region: &str, key: &[u8]) -> Result<Option<StoredEntry>, PersistenceError> {
        Ok(self
            .inner
            .lock()
            .entries
            .get(region)
            .and_then(|e| e.get(key).cloned()))
    }

    async fn count(&self, region: Option<&str>) -> Result<u64, PersistenceError> {
        let inner = self.inner.lock();
        Ok(match region {
            Some(name) => inner.entries.get(name).map_or(0, |e| e.len() as u64),
            None => inner.entries.values().map(|e| e.len() as u64).sum(),
        })
    }

    async fn delete_expired(&self, now_ms: u64) -> Result<u64, PersistenceError> {
        let mut removed = 0;
        for entries in self.inner.lock().entries.values_mut() {
            let before = entries.len();
            entries.retain(|_, e| e.expires_at_ms.is_none_or(|at| at > now_ms));
            removed += (before - entries.len()) as u64;
        }
        Ok(removed)
    }

    async fn ping(&self) -> Result<(), PersistenceError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::persistence::conformance;

    #[tokio::test]
    async fn conformance() {
        let records = MemoryStore::default();
        // "Reopening" memory hands out a new handle on the same records.
        conformance::run(|| {
            let records = records.clone();
            async move { Arc::new(records) as Arc<dyn PersistenceStore> }
        })
        .await;
    }
}
