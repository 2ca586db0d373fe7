//! Test support: a server state with a manual clock and clients that run commands through the
//! dispatcher (no sockets) and return the exact RESP bytes of the reply.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use bytes::{Bytes, BytesMut};
use kuber_protocol::{ProtocolVersion, encode, split_inline};

use crate::auth::{Authenticator, Identity, Role};
use crate::config::Config;
use crate::session::Session;
use crate::state::ServerState;
use crate::store::{ManualClock, Store, StoreLimits};

/// One authenticator for all unit tests: Argon2 hashing per test would dominate the run time.
static AUTH: LazyLock<Arc<Authenticator>> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap().keep();
    Arc::new(
        Authenticator::open(&dir.join("users.json"), Some("secret".into()))
            .unwrap()
            .0,
    )
});

/// A server state without a listener.
pub(crate) struct TestServer {
    pub state: Arc<ServerState>,
    pub clock: Arc<ManualClock>,
}

pub(crate) fn server() -> TestServer {
    server_with(Config::default())
}

pub(crate) fn server_with(config: Config) -> TestServer {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let cache = &config.kuber.cache;
    let limits = StoreLimits {
        max_memory: cache.max_memory,
        max_entries_per_region: cache.max_entries_per_region,
        default_ttl_seconds: cache.default_ttl_seconds,
        noeviction: cache.eviction_policy == crate::config::EvictionPolicy::Noeviction,
    };
    let store = Arc::new(Store::new(limits, clock.clone()));
    TestServer {
        state: ServerState::new_shared(config, store, AUTH.clone()),
        clock,
    }
}

/// A connection that runs commands through [`super::execute`].
pub(crate) struct TestClient {
    pub state: Arc<ServerState>,
    pub session: Session,
}

impl TestServer {
    /// Asserts that the memory the default region counted in place equals a full recount.
    pub fn assert_memory_consistent(&self) {
        let region = self.state.store.default_region();
        let ks = region.lock();
        assert_eq!(ks.memory(), ks.recount_memory());
    }

    /// A logged-in client with `role`.
    pub fn client(&self, role: Role) -> TestClient {
        let mut client = self.anonymous();
        let name = match role {
            Role::Admin => "admin",
            Role::User => "app",
            Role::Reader => "reader",
        };
        client.session.set_identity(Some(Identity {
            username: Arc::from(name),
            role,
        }));
        client
    }

    /// A client that has not authenticated.
    pub fn anonymous(&self) -> TestClient {
        let addr: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        let handle = self
            .state
            .clients
            .register(addr, addr, self.state.store.now());
        TestClient {
            session: Session::new(handle, self.state.store.default_region()),
            state: self.state.clone(),
        }
    }
}

impl TestClient {
    /// Runs a command written as redis-cli would take it and returns the RESP bytes of the reply as
    /// text (lossy), in the session's protocol.
    pub async fn run(&mut self, line: &str) -> String {
        let args = split_inline(line.as_bytes()).expect("test command line parses");
        self.run_args(args).await
    }

    /// Runs a command given as separate arguments and returns the reply itself (for binary
    /// replies such as DUMP's, which [`TestClient::run`]'s text would mangle).
    pub async fn run_frame(&mut self, args: Vec<Bytes>) -> kuber_protocol::Frame {
        super::execute(&self.state, &mut self.session, &args).await
    }

    /// Runs a command given as separate arguments.
    pub async fn run_args(&mut self, args: Vec<Bytes>) -> String {
        let reply = super::execute(&self.state, &mut self.session, &args).await;
        let mut out = BytesMut::new();
        encode(&reply, self.session.protocol, &mut out);
        for extra in std::mem::take(&mut self.session.extra_replies) {
            encode(&extra, self.session.protocol, &mut out);
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Switches this client to RESP3 without a HELLO round trip.
    pub fn resp3(&mut self) {
        self.session.set_protocol(ProtocolVersion::Resp3);
    }
}

/// Lets spawned clients run until they block.
pub(crate) async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
}

/// Runs a (blocking) command on its own task; the task hands the client back with the reply.
macro_rules! spawn_run {
    ($client:expr, $line:literal) => {{
        let mut client: $crate::cmd::testing::TestClient = $client;
        tokio::spawn(async move {
            let reply = client.run($line).await;
            (client, reply)
        })
    }};
}
pub(crate) use spawn_run;
