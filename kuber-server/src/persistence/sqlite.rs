//! `backend: sqlite` (not written yet).

use super::PersistenceError;

/// The sqlite backend.
pub struct SqliteStore;

impl SqliteStore {
    /// Opens the backend.
    #[allow(unused_variables)]
    pub async fn open(path: &std::path::Path) -> Result<Self, PersistenceError> {
        Err(PersistenceError::Config(
            "backend sqlite is not built yet".into(),
        ))
    }
}

#[async_trait::async_trait]
impl super::PersistenceStore for SqliteStore {
    fn info(&self) -> super::BackendInfo {
        unimplemented!()
    }
    async fn apply(&self, _changes: &[super::Change]) -> Result<(), PersistenceError> {
        unimplemented!()
    }
    async fn regions(&self) -> Result<Vec<super::StoredRegion>, PersistenceError> {
        unimplemented!()
    }
    fn load(
        &self,
        _region: &str,
    ) -> futures_util::stream::BoxStream<'_, Result<super::StoredEntry, PersistenceError>> {
        unimplemented!()
    }
    async fn get(
        &self,
        _region: &str,
        _key: &[u8],
    ) -> Result<Option<super::StoredEntry>, PersistenceError> {
        unimplemented!()
    }
    async fn count(&self, _region: Option<&str>) -> Result<u64, PersistenceError> {
        unimplemented!()
    }
    async fn delete_expired(&self, _now_ms: u64) -> Result<u64, PersistenceError> {
        unimplemented!()
    }
    async fn ping(&self) -> Result<(), PersistenceError> {
        unimplemented!()
    }
}
