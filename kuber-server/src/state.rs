//! What every connection shares: the store, the authenticator, the client registry, live settings,
//! server statistics and the shutdown signal.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Instant;

use tokio::sync::watch;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::notify;
use crate::session::ClientRegistry;
use crate::store::Store;

/// Resolves once shutdown has begun, including when it began before this call (unlike
/// `watch::Receiver::changed`, which would wait for a further change).
pub async fn stopping(signal: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`; drop it here, before any caller's next `.await`.
    let _ = signal.wait_for(|stopping| *stopping).await.map(|_| ());
}

/// Settings that `CONFIG SET` may change while the server runs.
pub struct LiveSettings {
    /// Maximum connected clients.
    pub max_clients: AtomicUsize,
    /// Idle timeout in seconds; 0 = none.
    pub idle_timeout_secs: AtomicU64,
    /// Largest bulk string accepted.
    pub proto_max_bulk_len: AtomicU64,
    /// `notify-keyspace-events` as flags (`crate::notify`); 0 = off, Redis's default.
    pub notify_keyspace_events: AtomicU32,
    /// `stream-node-max-entries`: entries per stream node before a new one starts (0 = no
    /// limit); approximate trims drop whole nodes.
    pub stream_node_max_entries: AtomicU64,
}

/// Counters for `INFO stats`.
#[derive(Default)]
pub struct ServerStats {
    /// Connections accepted since start.
    pub connections_received: AtomicU64,
    /// Commands executed since start.
    pub commands_processed: AtomicU64,
    /// Connections refused because of `max_clients`.
    pub rejected_connections: AtomicU64,
    /// Failed logins.
    pub auth_failures: AtomicU64,
    /// Clients waiting in a blocking command (BLPOP …) right now.
    pub blocked_clients: AtomicUsize,
}

/// State shared by all connections.
pub struct ServerState {
    /// Regions and data.
    pub store: Arc<Store>,
    /// Users and login.
    pub auth: Arc<Authenticator>,
    /// Connected clients.
    pub clients: ClientRegistry,
    /// The configuration the server started with.
    pub config: Config,
    /// Settings changeable at run time.
    pub live: LiveSettings,
    /// Server counters.
    pub stats: ServerStats,
    /// Start time, for uptime.
    pub started: Instant,
    /// Start time in ms since the epoch (LASTSAVE, INFO).
    pub started_ms: u64,
    /// The port the RESP listener bound.
    pub port: AtomicU64,
    /// Every command runs holding this for reading; EXEC holds it for writing, so no other
    /// client's command interleaves with a transaction's.
    pub exec_gate: parking_lot::RwLock<()>,
    /// Publish/subscribe.
    pub pubsub: crate::pubsub::PubSub,
    /// Where JSON index definitions are saved; set by a server that owns a data directory (unit
    /// tests run without one and save nothing).
    pub json_index_file: std::sync::OnceLock<std::path::PathBuf>,
    /// Logged-in web consoles.
    pub console_sessions: crate::http::console::ConsoleSessions,
    /// Per-command counters and latencies.
    pub metrics: crate::metrics::Metrics,
    /// The persistence backend and journal; unset for `backend: memory` and in unit tests.
    pub persistence: std::sync::OnceLock<Arc<crate::persistence::writer::Persistence>>,
    /// Lua scripting: the VM, its script cache and the running script's flags.
    pub scripts: crate::script::Scripts,
    /// This state's own `Arc`, for the threads scripts run on (see [`ServerState::shared`]).
    me: Weak<ServerState>,
    shutdown: watch::Sender<bool>,
}

impl ServerState {
    /// Builds the shared state.
    pub fn new(config: Config, store: Arc<Store>, auth: Arc<Authenticator>) -> Self {
        let server = &config.kuber.server;
        let live = LiveSettings {
            max_clients: AtomicUsize::new(server.max_clients),
            idle_timeout_secs: AtomicU64::new(server.idle_timeout_seconds),
            proto_max_bulk_len: AtomicU64::new(server.proto_max_bulk_len),
            notify_keyspace_events: AtomicU32::new(0),
            stream_node_max_entries: AtomicU64::new(crate::store::stream::NODE_MAX_ENTRIES),
        };
        let started_ms = store.now();
        let pubsub = crate::pubsub::PubSub::new(server.pubsub_output_limit_bytes as usize);
        Self {
            store,
            auth,
            clients: ClientRegistry::default(),
            config,
            live,
            stats: ServerStats::default(),
            started: Instant::now(),
            started_ms,
            port: AtomicU64::new(0),
            exec_gate: parking_lot::RwLock::new(()),
            pubsub,
            json_index_file: std::sync::OnceLock::new(),
            console_sessions: Default::default(),
            metrics: crate::metrics::Metrics::new(crate::cmd::table::COMMANDS.len()),
            persistence: std::sync::OnceLock::new(),
            scripts: crate::script::Scripts::default(),
            me: Weak::new(),
            shutdown: watch::channel(false).0,
        }
    }

    /// Builds the shared state in an `Arc` that knows itself, so that a script's thread can own
    /// a reference to it (scripts are unavailable on a state built with [`ServerState::new`]).
    pub fn new_shared(config: Config, store: Arc<Store>, auth: Arc<Authenticator>) -> Arc<Self> {
        Arc::new_cyclic(|me| {
            let mut state = Self::new(config, store, auth);
            state.me = me.clone();
            state
        })
    }

    /// This state's own `Arc`, when it was built by [`ServerState::new_shared`].
    pub fn shared(&self) -> Option<Arc<ServerState>> {
        self.me.upgrade()
    }

    /// Saves the JSON index definitions after a change, when this server has a data directory. A
    /// failure is logged: the index works now but will be missing after a restart.
    pub fn save_json_indexes(&self) {
        if let Some(path) = self.json_index_file.get()
            && let Err(e) = crate::json::definitions::save(&self.store, path)
        {
            tracing::warn!(path = %path.display(), error = %e, "cannot save JSON index definitions");
        }
    }

    /// Starts a graceful shutdown.
    pub fn trigger_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// A receiver that sees `true` once shutdown has started.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    /// True once shutdown has started.
    pub fn is_shutting_down(&self) -> bool {
        *self.shutdown.borrow()
    }

    /// Keeps the store's event recording in step with `notify-keyspace-events` and the
    /// subscriptions: Redis classes are recorded while they are enabled (with `K` or `E`, without
    /// which Redis publishes nothing) and someone subscribes to anything — an event nobody can
    /// receive need not be recorded — and `__kuber__` events while someone subscribes to those.
    /// Called after every change of either.
    pub fn refresh_keyspace_events(&self) {
        let flags = self.live.notify_keyspace_events.load(Ordering::Relaxed);
        let mut mask = 0;
        if flags & (notify::KEYSPACE | notify::KEYEVENT) != 0 && self.pubsub.has_subscriptions() {
            mask |= flags & !(notify::KEYSPACE | notify::KEYEVENT);
        }
        if self.pubsub.wants_keyspace_events() {
            mask |= notify::KUBER;
        }
        self.store.set_keyspace_events(mask);
    }

    /// Publishes the keyspace events recorded in every region (after each command and after
    /// active expiry).
    pub fn publish_all_keyspace_events(&self) {
        if !self.store.keyspace_events() {
            return;
        }
        let flags = self.live.notify_keyspace_events.load(Ordering::Relaxed);
        for region in self.store.regions() {
            let events = region.lock().take_events();
            if !events.is_empty() {
                notify::publish(&self.pubsub, region.name(), flags, events);
            }
        }
    }

    /// Adds to the command counter.
    pub fn count_commands(&self, n: u64) {
        self.stats
            .commands_processed
            .fetch_add(n, Ordering::Relaxed);
    }
}
