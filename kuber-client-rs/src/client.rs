//! [`KuberClient`], the async RESP client: pooled connections, the region each call acts on, the
//! one retry after a reused connection turns out closed, deadlines, and pipelines. The typed
//! commands of SPEC §10 are in `commands.rs`.
//!
//! Regions: every pooled connection remembers the region its server side has selected. A call acts
//! on its explicit region, or else on the client's current region (`select_region`); when the
//! lent connection has another one selected, the call first sends `RSELECT` on it (its own round
//! trip, so a refused `RSELECT` can never let the command run in the wrong region). No call ever
//! changes the region other calls act on, and a reconnect simply re-selects on first use.

use std::sync::{Arc, Mutex};

use kuber_protocol::Frame;

use crate::config::ClientConfig;
use crate::connection::{Command, Connection};
use crate::error::{Error, ErrorKind, Result};
use crate::pool::Pool;
use crate::reply;

/// The async RESP client. Cheap to clone: clones share the pool and the current region.
#[derive(Clone)]
pub struct KuberClient {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    region: Mutex<String>,
}

impl std::fmt::Debug for KuberClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KuberClient")
            .field("config", self.inner.pool.config())
            .field("region", &self.current_region())
            .finish()
    }
}

/// Commands that change per-connection state the pool cannot track; [`KuberClient::command`]
/// refuses them (use `select_region`, or a dedicated connection for transactions).
const CONNECTION_STATE: &[&str] = &[
    "AUTH",
    "HELLO",
    "SELECT",
    "RSELECT",
    "RESET",
    "QUIT",
    "MULTI",
    "EXEC",
    "DISCARD",
    "WATCH",
    "UNWATCH",
    "SUBSCRIBE",
    "PSUBSCRIBE",
    "UNSUBSCRIBE",
    "PUNSUBSCRIBE",
    "MONITOR",
];

impl KuberClient {
    /// Connects to `host:port` as `username`, with the default settings. Fails with `Config`
    /// before any I/O if a credential is missing, then opens and authenticates one connection so
    /// that wrong credentials fail here rather than on first use.
    pub async fn connect(
        host: impl Into<String>,
        port: u16,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Result<KuberClient> {
        KuberClient::with_config(ClientConfig::new(host, port, username, password)).await
    }

    /// Connects with explicit settings (pool size, deadlines, initial region).
    pub async fn with_config(config: ClientConfig) -> Result<KuberClient> {
        let client = KuberClient::new_lazy(config)?;
        client.ping().await?;
        Ok(client)
    }

    /// Validates `config` and builds the client without connecting; the first call connects.
    pub fn new_lazy(config: ClientConfig) -> Result<KuberClient> {
        config.validate()?;
        let region = config.region.clone();
        Ok(KuberClient {
            inner: Arc::new(Inner {
                pool: Pool::new(config),
                region: Mutex::new(region),
            }),
        })
    }

    /// The settings this client was built with.
    pub fn config(&self) -> &ClientConfig {
        self.inner.pool.config()
    }

    /// The region calls without an explicit region act on.
    pub fn current_region(&self) -> String {
        self.inner.region.lock().unwrap().clone()
    }

    /// Makes `name` the region of calls without an explicit region, after the server accepted
    /// `RSELECT name` (which creates the region when it is missing and the user may create it).
    pub async fn select_region(&self, name: &str) -> Result<()> {
        // Running PING in the region makes the pool send and check the RSELECT.
        self.call(Some(name), Command::new(["PING"])).await?;
        *self.inner.region.lock().unwrap() = name.to_owned();
        Ok(())
    }

    /// Closes idle connections and refuses further calls (`Connection` error).
    pub fn close(&self) {
        self.inner.pool.close();
    }

    /// Runs any command in `region` (or the current one) and returns its raw reply; an error
    /// reply is `Err`. Commands that change connection state (`SELECT`, `MULTI`, `AUTH`, …) are
    /// refused with `Config`, since pooled connections are shared.
    pub async fn command(&self, args: &[impl AsRef<[u8]>], region: Option<&str>) -> Result<Frame> {
        let cmd = Command::new(args);
        check_shareable(&cmd)?;
        self.call(region, cmd).await
    }

    /// Sends all commands of `pipeline` in one write and returns one result per command, in order.
    /// The outer `Err` is a failure of the exchange itself (connection, timeout, region).
    pub async fn run_pipeline(&self, pipeline: &Pipeline) -> Result<Vec<Result<Frame>>> {
        for cmd in &pipeline.commands {
            check_shareable(cmd)?;
        }
        let frames = self
            .exchange(pipeline.region.as_deref(), &pipeline.commands)
            .await?;
        Ok(frames.into_iter().map(reply::check).collect())
    }

    /// One command, its error reply as `Err`.
    pub(crate) async fn call(&self, region: Option<&str>, cmd: Command) -> Result<Frame> {
        let mut frames = self.exchange(region, std::slice::from_ref(&cmd)).await?;
        reply::check(frames.remove(0))
    }

    /// Lends a connection, switches it to the call's region, exchanges, and returns it (or drops
    /// it when the stream may be out of step). A reused connection that turns out closed (the
    /// server restarted) is replaced and the exchange retried once; this can repeat a write only if
    /// the server applied it and died before answering.
    async fn exchange(&self, region: Option<&str>, commands: &[Command]) -> Result<Vec<Frame>> {
        let target = match region {
            Some(r) => r.to_owned(),
            None => self.current_region(),
        };
        let pool = &self.inner.pool;
        let deadline = pool.config().command_timeout;
        let mut pooled = pool.get().await?;
        let mut retried = false;
        loop {
            // The connection is taken out of the guard for the exchange and put back only when
            // the exchange ended with the stream in step. If the caller drops this future midway
            // (its own timeout, `select!`), the connection is dropped with it instead of going
            // back to the pool with replies still in flight.
            let mut conn = pooled.conn.take().expect("pooled connection is present");
            let result =
                tokio::time::timeout(deadline, exchange_in(&mut conn, &target, commands)).await;
            match result {
                Ok(Ok(frames)) => {
                    pooled.conn = Some(conn);
                    return Ok(frames);
                }
                Ok(Err(e)) if e.kind() == ErrorKind::Connection && pooled.reused && !retried => {
                    tracing::debug!(error = %e, "pooled connection closed; reconnecting");
                    retried = true;
                    pool.reopen(&mut pooled).await?;
                }
                Ok(Err(e)) => {
                    if !e.breaks_connection() {
                        pooled.conn = Some(conn);
                    }
                    return Err(e);
                }
                Err(_) => {
                    return Err(Error::timeout(format!(
                        "no reply within {deadline:?} (command timeout)"
                    )));
                }
            }
        }
    }
}

async fn exchange_in(
    conn: &mut Connection,
    region: &str,
    commands: &[Command],
) -> Result<Vec<Frame>> {
    if conn.region != region {
        let select = Command::new([b"RSELECT".as_slice(), region.as_bytes()]);
        let mut replies = conn.exchange(std::slice::from_ref(&select)).await?;
        reply::check(replies.remove(0))?;
        conn.region = region.to_owned();
    }
    conn.exchange(commands).await
}

fn check_shareable(cmd: &Command) -> Result<()> {
    let Some(name) = cmd.0.first() else {
        return Err(Error::config("empty command"));
    };
    let name = String::from_utf8_lossy(name).to_ascii_uppercase();
    if CONNECTION_STATE.contains(&name.as_str()) {
        return Err(Error::config(format!(
            "{name} changes connection state and cannot run on a pooled connection"
        )));
    }
    Ok(())
}

/// Commands sent together in one write, in one region, with one reply each.
#[derive(Clone, Debug, Default)]
pub struct Pipeline {
    commands: Vec<Command>,
    region: Option<String>,
}

impl Pipeline {
    /// An empty pipeline acting on the client's current region.
    pub fn new() -> Pipeline {
        Pipeline::default()
    }

    /// Runs the pipeline in `region` instead.
    pub fn region(mut self, region: impl Into<String>) -> Pipeline {
        self.region = Some(region.into());
        self
    }

    /// Adds a command.
    pub fn cmd(&mut self, args: &[impl AsRef<[u8]>]) -> &mut Pipeline {
        self.commands.push(Command::new(args));
        self
    }

    /// Adds a prepared command.
    pub fn push(&mut self, command: Command) -> &mut Pipeline {
        self.commands.push(command);
        self
    }

    /// Adds `SET key value`.
    pub fn set(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> &mut Pipeline {
        self.commands.push(Command::new([
            b"SET".as_slice(),
            key.as_ref(),
            value.as_ref(),
        ]));
        self
    }

    /// Adds `GET key`.
    pub fn get(&mut self, key: impl AsRef<[u8]>) -> &mut Pipeline {
        self.commands
            .push(Command::new([b"GET".as_slice(), key.as_ref()]));
        self
    }

    /// Number of commands.
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// Whether no command was added.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// Removes every command, keeping the region.
    pub fn clear(&mut self) {
        self.commands.clear();
    }
}
