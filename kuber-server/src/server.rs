//! The server as a library: [`Server::build`] opens the users file, creates the store and binds the
//! listener (port 0 picks a free port, and [`Server::local_addr`] tells which); [`Server::run`]
//! accepts clients until the shutdown future resolves or a client sends SHUTDOWN, then lets every
//! connection finish its in-flight commands.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::auth::{AuthError, Authenticator};
use crate::config::{Backend, Config};
use crate::persistence::writer::Persistence;
use crate::state::{ServerState, stopping};
use crate::store::{Clock, Store, StoreLimits};

/// How often the active-expiry cycle runs.
const EXPIRE_INTERVAL: Duration = Duration::from_millis(100);
/// Due keys removed per region per lock hold.
const EXPIRE_BUDGET: usize = 1000;
/// How long shutdown waits for connections to finish.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Users file problems.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The persistence backend could not be opened or read.
    #[error("persistence: {0}")]
    Persistence(#[from] crate::persistence::PersistenceError),
    /// The JSON index definitions file could not be applied.
    #[error("JSON indexes: {0}")]
    JsonIndexes(String),
    /// Binding the listener failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    http_listener: TcpListener,
    state: Arc<ServerState>,
    local_addr: SocketAddr,
    http_addr: SocketAddr,
}

impl Server {
    /// Opens the users file (writing one with `admin` on first start), creates the store and binds
    /// the RESP listener. Returns the server and the generated admin password, if one was made.
    pub async fn build(
        config: Config,
        clock: Arc<dyn Clock>,
        admin_password: Option<String>,
    ) -> Result<(Server, Option<String>), ServerError> {
        let (auth, generated) = Authenticator::open(&config.users_file(), admin_password)?;
        let cache = &config.kuber.cache;
        let limits = StoreLimits {
            max_memory: cache.max_memory,
            max_entries_per_region: cache.max_entries_per_region,
            default_ttl_seconds: cache.default_ttl_seconds,
            noeviction: cache.eviction_policy == crate::config::EvictionPolicy::Noeviction,
        };
        let store = Arc::new(Store::new(limits, clock));
        let index_file = config
            .kuber
            .server
            .data_dir
            .join(crate::json::definitions::FILE_NAME);
        let indexes = crate::json::definitions::load(&store, &index_file)
            .map_err(ServerError::JsonIndexes)?;
        if indexes > 0 {
            tracing::info!(indexes, file = %index_file.display(), "JSON indexes rebuilt");
        }
        // Recovery runs before the listeners are bound: no client sees a half-loaded cache.
        let persistence = open_persistence(&config, &store).await?;
        let addr = format!("{}:{}", config.kuber.server.bind, config.kuber.server.port);
        let listener = TcpListener::bind(&addr)
            .await
            .map_err(|source| ServerError::Bind {
                addr: addr.clone(),
                source,
            })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| ServerError::Bind { addr, source })?;
        let http_bind = format!(
            "{}:{}",
            config.kuber.server.bind, config.kuber.server.http_port
        );
        let http_listener =
            TcpListener::bind(&http_bind)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: http_bind.clone(),
                    source,
                })?;
        let http_addr = http_listener
            .local_addr()
            .map_err(|source| ServerError::Bind {
                addr: http_bind,
                source,
            })?;
        let state = ServerState::new_shared(config, store, Arc::new(auth));
        let _ = state.json_index_file.set(index_file);
        if let Some(persistence) = persistence {
            let _ = state.persistence.set(persistence);
        }
        state
            .port
            .store(local_addr.port() as u64, Ordering::Relaxed);
        Ok((
            Server {
                listener,
                http_listener,
                state,
                local_addr,
                http_addr,
            },
            generated,
        ))
    }

    /// The bound RESP address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The bound HTTP address (REST API, console, metrics).
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The shared state (for tests and the HTTP layer).
    pub fn state(&self) -> Arc<ServerState> {
        self.state.clone()
    }

    /// Accepts clients until `shutdown` resolves or SHUTDOWN is received, then drains connections.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let state = self.state;
        let expiry = tokio::spawn(active_expiry(state.clone()));
        // The flusher stops only after the connections have finished, so that its final flush
        // includes their last writes.
        let (stop_flusher, flusher_stop) = tokio::sync::watch::channel(false);
        let flusher = state
            .persistence
            .get()
            .map(|p| tokio::spawn(p.clone().run_flusher(state.store.clone(), flusher_stop)));
        let http = tokio::spawn(crate::http::serve(self.http_listener, state.clone()));
        let mut stop = state.shutdown_signal();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                // Shutdown first: connections still queued in the backlog are not admitted after it.
                biased;
                _ = &mut shutdown => break,
                _ = stopping(&mut stop) => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, _)) => admit(&state, stream),
                    Err(e) => {
                        // EMFILE and friends: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
        tracing::info!("shutting down: no new connections, finishing in-flight commands");
        drop(self.listener);
        state.trigger_shutdown();
        let deadline = tokio::time::Instant::now() + DRAIN_TIMEOUT;
        while !state.clients.is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        expiry.abort();
        // The HTTP server saw the same shutdown signal; give in-flight requests a moment.
        let _ = tokio::time::timeout(Duration::from_secs(5), http).await;
        stop_flusher.send_replace(true);
        if let Some(flusher) = flusher {
            let _ = flusher.await;
        }
        tracing::info!("shutdown complete");
    }
}

/// Opens the configured backend, loads what it holds into `store` and connects the store's
/// journal to it. `backend: memory` has nothing to load or write: no journal, no flusher.
async fn open_persistence(
    config: &Config,
    store: &Store,
) -> Result<Option<Arc<Persistence>>, ServerError> {
    let settings = &config.kuber.persistence;
    if settings.backend == Backend::Memory {
        return Ok(None);
    }
    let backend = crate::persistence::open(settings, &config.kuber.server.data_dir).await?;
    store.enable_evict_to_disk();
    crate::persistence::recovery::recover(
        &*backend,
        store,
        config.kuber.cache.max_json_document_bytes as usize,
    )
    .await?;
    let persistence = Arc::new(Persistence::new(backend, settings));
    store.attach_journal(persistence.journal().clone());
    tracing::info!(backend = persistence.info().name, location = %persistence.info().location, mode = ?settings.mode, "persistence ready");
    Ok(Some(persistence))
}

fn admit(state: &Arc<ServerState>, mut stream: tokio::net::TcpStream) {
    state
        .stats
        .connections_received
        .fetch_add(1, Ordering::Relaxed);
    let (Ok(peer), Ok(local)) = (stream.peer_addr(), stream.local_addr()) else {
        return;
    };
    // Registered here, before the task runs, so that a burst of connects is counted at once.
    let max = state.live.max_clients.load(Ordering::Relaxed);
    let Some(handle) = state
        .clients
        .register_within(max, peer, local, state.store.now())
    else {
        state
            .stats
            .rejected_connections
            .fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let reply = format!("-{}\r\n", crate::cmd::reply::MAX_CLIENTS);
            let _ = stream.write_all(reply.as_bytes()).await;
        });
        return;
    };
    tokio::spawn(crate::connection::serve(state.clone(), stream, handle));
}

async fn active_expiry(state: Arc<ServerState>) {
    let mut ticker = tokio::time::interval(EXPIRE_INTERVAL);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticker.tick().await;
        state.store.expire_cycle(EXPIRE_BUDGET);
        state.publish_all_keyspace_events();
    }
}
