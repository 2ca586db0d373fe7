//! Per-connection state (the current region, identity, protocol) and the registry of connected
//! clients that `CLIENT LIST/KILL` and `INFO clients` read.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use bytes::Bytes;
use kuber_protocol::ProtocolVersion;
use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::auth::Identity;
use crate::pubsub::{PubSub, Subscriber};
use crate::store::Region;
use kuber_protocol::Frame;

/// What other connections may read about a client; changed only by rare commands.
#[derive(Clone, Debug, Default)]
pub struct ClientMeta {
    /// CLIENT SETNAME.
    pub name: Option<Bytes>,
    /// Logged-in user.
    pub user: Option<Arc<str>>,
    /// Current region name.
    pub region: String,
    /// CLIENT SETINFO LIB-NAME / LIB-VER.
    pub lib_name: Option<Bytes>,
    /// CLIENT SETINFO LIB-VER.
    pub lib_ver: Option<Bytes>,
    /// 2 or 3.
    pub resp: u8,
}

/// A connected client as the registry sees it.
pub struct ClientHandle {
    /// CLIENT ID.
    pub id: u64,
    /// Remote address.
    pub peer: SocketAddr,
    /// Local address.
    pub local: SocketAddr,
    /// Connection time in ms since the epoch.
    pub created_ms: u64,
    /// Last command time in ms since the epoch.
    pub last_interaction_ms: AtomicU64,
    /// Table index of the last command (for `cmd=` in CLIENT LIST), usize::MAX for none.
    pub last_command: AtomicUsize,
    /// Name, user, region, library.
    pub meta: Mutex<ClientMeta>,
    killed: AtomicBool,
    kill: Notify,
    /// While the client waits in a blocking command: the wait's wake-up, for CLIENT UNBLOCK.
    blocked: Mutex<Option<Arc<Notify>>>,
    /// How CLIENT UNBLOCK ended the wait (`UNBLOCK_*`).
    unblocked: std::sync::atomic::AtomicU8,
}

/// How CLIENT UNBLOCK ends a blocking command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unblock {
    /// Reply as if the timeout had passed.
    Timeout,
    /// Reply `-UNBLOCKED client unblocked via CLIENT UNBLOCK`.
    Error,
}

const UNBLOCK_NONE: u8 = 0;
const UNBLOCK_TIMEOUT: u8 = 1;
const UNBLOCK_ERROR: u8 = 2;

impl ClientHandle {
    /// Asks the connection to close after its current batch.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::Release);
        self.kill.notify_one();
    }

    /// True once killed.
    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::Acquire)
    }

    /// Marks the client as blocked (`Some`, with the wake-up of its wait) or no longer blocked.
    pub fn set_blocked(&self, wake: Option<Arc<Notify>>) {
        let mut blocked = self.blocked.lock();
        if wake.is_some() {
            self.unblocked.store(UNBLOCK_NONE, Ordering::Release);
        }
        *blocked = wake;
    }

    /// True while the client waits in a blocking command (`flags=b` in CLIENT LIST).
    pub fn is_blocked(&self) -> bool {
        self.blocked.lock().is_some()
    }

    /// CLIENT UNBLOCK: ends the client's wait with `how`. False when it was not blocked (or
    /// another CLIENT UNBLOCK got there first).
    pub fn unblock(&self, how: Unblock) -> bool {
        let Some(wake) = self.blocked.lock().take() else {
            return false;
        };
        let code = match how {
            Unblock::Timeout => UNBLOCK_TIMEOUT,
            Unblock::Error => UNBLOCK_ERROR,
        };
        self.unblocked.store(code, Ordering::Release);
        wake.notify_one();
        true
    }

    /// Whether (and how) CLIENT UNBLOCK ended the current wait.
    pub fn unblocked(&self) -> Option<Unblock> {
        match self.unblocked.load(Ordering::Acquire) {
            UNBLOCK_TIMEOUT => Some(Unblock::Timeout),
            UNBLOCK_ERROR => Some(Unblock::Error),
            _ => None,
        }
    }

    /// Resolves when the client is killed.
    pub async fn killed(&self) {
        if !self.is_killed() {
            self.kill.notified().await;
        }
    }
}

/// All connected clients.
#[derive(Default)]
pub struct ClientRegistry {
    clients: Mutex<BTreeMap<u64, Arc<ClientHandle>>>,
    next_id: AtomicU64,
}

impl ClientRegistry {
    /// Registers a new connection unless `max` clients are already registered.
    pub fn register_within(
        &self,
        max: usize,
        peer: SocketAddr,
        local: SocketAddr,
        now_ms: u64,
    ) -> Option<Arc<ClientHandle>> {
        let mut clients = self.clients.lock();
        if clients.len() >= max {
            return None;
        }
        let handle = self.new_handle(peer, local, now_ms);
        clients.insert(handle.id, handle.clone());
        Some(handle)
    }

    /// Registers a new connection.
    pub fn register(&self, peer: SocketAddr, local: SocketAddr, now_ms: u64) -> Arc<ClientHandle> {
        let handle = self.new_handle(peer, local, now_ms);
        self.clients.lock().insert(handle.id, handle.clone());
        handle
    }

    fn new_handle(&self, peer: SocketAddr, local: SocketAddr, now_ms: u64) -> Arc<ClientHandle> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        Arc::new(ClientHandle {
            id,
            peer,
            local,
            created_ms: now_ms,
            last_interaction_ms: AtomicU64::new(now_ms),
            last_command: AtomicUsize::new(usize::MAX),
            meta: Mutex::new(ClientMeta {
                region: crate::store::DEFAULT_REGION.into(),
                resp: 2,
                ..Default::default()
            }),
            killed: AtomicBool::new(false),
            kill: Notify::new(),
            blocked: Mutex::new(None),
            unblocked: std::sync::atomic::AtomicU8::new(UNBLOCK_NONE),
        })
    }

    /// A handle that is not registered: for an HTTP request, which runs commands through the
    /// dispatcher like a client but is not a connection `CLIENT LIST` should show.
    pub fn detached(&self, peer: SocketAddr, local: SocketAddr, now_ms: u64) -> Arc<ClientHandle> {
        self.new_handle(peer, local, now_ms)
    }

    /// Removes a closed connection.
    pub fn unregister(&self, id: u64) {
        self.clients.lock().remove(&id);
    }

    /// Connected clients ordered by id.
    pub fn all(&self) -> Vec<Arc<ClientHandle>> {
        self.clients.lock().values().cloned().collect()
    }

    /// Number of connected clients.
    pub fn len(&self) -> usize {
        self.clients.lock().len()
    }

    /// True when nobody is connected.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The state one connection carries between commands.
pub struct Session {
    /// Registry entry shared with other connections.
    pub handle: Arc<ClientHandle>,
    /// Logged-in user, if any.
    pub identity: Option<Identity>,
    /// The region commands act on.
    pub region: Arc<Region>,
    /// Reply protocol.
    pub protocol: ProtocolVersion,
    /// Close the connection after sending the current reply (QUIT, CLIENT KILL of self).
    pub close_after_reply: bool,
    /// Close the connection without sending the current reply (SHUTDOWN, as Redis does).
    pub close_without_reply: bool,
    /// The session of a Lua script's `redis.call`s: commands whose output order is arbitrary
    /// (SORT BY a constant of a set) make it deterministic, as Redis does for scripts.
    pub in_script: bool,
    /// Commands queued since MULTI; `None` outside a transaction.
    pub multi: Option<Vec<Vec<Bytes>>>,
    /// A command was refused while queueing: EXEC must answer EXECABORT.
    pub multi_failed: bool,
    /// Set by the store when a WATCHed key changes.
    pub watch_dirty: Arc<AtomicBool>,
    /// Keys this connection WATCHes, with their regions.
    pub watched: Vec<(Arc<Region>, Bytes)>,
    /// Subscribed channels.
    pub channels: hashbrown::HashSet<Bytes>,
    /// Subscribed patterns.
    pub patterns: hashbrown::HashSet<Bytes>,
    /// Where published messages arrive, created by the first subscription.
    pub inbox: Option<(Subscriber, tokio::sync::mpsc::UnboundedReceiver<Frame>)>,
    /// Replies after the command's own reply (SUBSCRIBE to several channels confirms each one).
    pub extra_replies: Vec<Frame>,
    /// `CLIENT REPLY OFF`: replies are not sent (RESP3 push messages still are).
    pub replies_off: bool,
    /// Replies still to drop after `CLIENT REPLY SKIP` (its own and the next command's).
    pub replies_to_skip: u8,
}

impl Session {
    /// A fresh, unauthenticated session in `region`.
    pub fn new(handle: Arc<ClientHandle>, region: Arc<Region>) -> Self {
        Self {
            handle,
            identity: None,
            region,
            protocol: ProtocolVersion::Resp2,
            close_after_reply: false,
            close_without_reply: false,
            in_script: false,
            multi: None,
            multi_failed: false,
            watch_dirty: Arc::new(AtomicBool::new(false)),
            watched: Vec::new(),
            channels: hashbrown::HashSet::new(),
            patterns: hashbrown::HashSet::new(),
            inbox: None,
            extra_replies: Vec::new(),
            replies_off: false,
            replies_to_skip: 0,
        }
    }

    /// Whether a command's reply `frame` goes out, per `CLIENT REPLY`; consumes one skip.
    pub fn sends_reply(&mut self, frame: &Frame) -> bool {
        if matches!(frame, Frame::Push(_)) {
            return true;
        }
        if self.replies_to_skip > 0 {
            self.replies_to_skip -= 1;
            return false;
        }
        !self.replies_off
    }

    /// Number of channel and pattern subscriptions.
    pub fn subscriptions(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// The subscriber handle for this connection, creating its inbox on first use.
    pub fn subscriber(&mut self) -> Subscriber {
        if self.inbox.is_none() {
            let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
            let subscriber = Subscriber {
                sender,
                queued: Arc::new(AtomicUsize::new(0)),
                handle: self.handle.clone(),
            };
            self.inbox = Some((subscriber, receiver));
        }
        self.inbox
            .as_ref()
            .map(|(s, _)| s.clone())
            .expect("created above")
    }

    /// Removes every subscription from `broker`.
    pub fn unsubscribe_all(&mut self, broker: &PubSub) {
        for channel in self.channels.drain() {
            broker.unsubscribe(&channel, false, self.handle.id);
        }
        for pattern in self.patterns.drain() {
            broker.unsubscribe(&pattern, true, self.handle.id);
        }
        // The caller refreshes the store's event switch (see `ServerState::refresh_keyspace_events`).
    }

    /// Drops every WATCH registration of this connection.
    pub fn unwatch_all(&mut self) {
        for (region, key) in self.watched.drain(..) {
            region.lock().unwatch(&key, &self.watch_dirty);
        }
        self.watch_dirty.store(false, Ordering::Release);
    }

    /// Switches the current region and records it for CLIENT LIST.
    pub fn set_region(&mut self, region: Arc<Region>) {
        self.handle.meta.lock().region = region.name().to_string();
        self.region = region;
    }

    /// Records a login.
    pub fn set_identity(&mut self, identity: Option<Identity>) {
        self.handle.meta.lock().user = identity.as_ref().map(|i| i.username.clone());
        self.identity = identity;
    }

    /// Switches the reply protocol.
    pub fn set_protocol(&mut self, protocol: ProtocolVersion) {
        self.handle.meta.lock().resp = if protocol == ProtocolVersion::Resp3 {
            3
        } else {
            2
        };
        self.protocol = protocol;
    }
}
