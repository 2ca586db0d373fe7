//! `backend: mongodb` (not written yet).

use super::PersistenceError;

/// The mongodb backend.
pub struct MongoStore;

impl MongoStore {
    /// Opens the backend.
    #[allow(unused_variables)]
    pub async fn connect(uri: &str, database: &str) -> Result<Self, PersistenceError> {
        Err(PersistenceError::Config(
            "backend mongodb is not built yet".into(),
        ))
    }
}

#[async_trait::async_trait]
impl super::PersistenceStore for MongoStore {
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
