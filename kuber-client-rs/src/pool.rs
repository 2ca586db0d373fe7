//! The connection pool: at most `pool_size` connections, idle ones reused last-in first-out, a
//! broken one dropped instead of returned.

use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::ClientConfig;
use crate::connection::Connection;
use crate::error::{Error, Result};

pub(crate) struct Pool {
    config: ClientConfig,
    idle: Mutex<Vec<Connection>>,
    permits: Arc<Semaphore>,
}

/// A connection lent by the pool; it goes back on drop unless marked broken.
pub(crate) struct Pooled<'a> {
    pub(crate) conn: Option<Connection>,
    /// Whether `conn` came from the idle list (and so may have been closed by the server since).
    pub(crate) reused: bool,
    pool: &'a Pool,
    _permit: OwnedSemaphorePermit,
}

impl Pool {
    pub(crate) fn new(config: ClientConfig) -> Pool {
        let permits = Arc::new(Semaphore::new(config.pool_size));
        Pool {
            config,
            idle: Mutex::new(Vec::new()),
            permits,
        }
    }

    pub(crate) fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Waits up to the pool timeout for a free slot, then lends an idle connection or opens one.
    pub(crate) async fn get(&self) -> Result<Pooled<'_>> {
        let permit = tokio::time::timeout(
            self.config.pool_timeout,
            self.permits.clone().acquire_owned(),
        )
        .await
        .map_err(|_| {
            Error::timeout(format!(
                "pool exhausted: all {} connections stayed busy for {:?}",
                self.config.pool_size, self.config.pool_timeout
            ))
        })?
        .map_err(|_| Error::new(crate::ErrorKind::Connection, "client is closed"))?;
        let idle = self.idle.lock().unwrap().pop();
        let reused = idle.is_some();
        let conn = match idle {
            Some(conn) => conn,
            None => Connection::open(&self.config).await?,
        };
        Ok(Pooled {
            conn: Some(conn),
            reused,
            pool: self,
            _permit: permit,
        })
    }

    /// Replaces the lent connection by a newly opened one (after the old one broke).
    pub(crate) async fn reopen(&self, pooled: &mut Pooled<'_>) -> Result<()> {
        pooled.conn = None;
        pooled.reused = false;
        pooled.conn = Some(Connection::open(&self.config).await?);
        Ok(())
    }

    /// Closes every idle connection and refuses new calls.
    pub(crate) fn close(&self) {
        self.permits.close();
        self.idle.lock().unwrap().clear();
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            if !self.pool.permits.is_closed() {
                self.pool.idle.lock().unwrap().push(conn);
            }
        }
    }
}
