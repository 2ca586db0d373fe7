//! The harness: a [`TestServer`] bound to port 0 in its own temporary data folder, a [`Raw`] RESP
//! socket that compares exact reply bytes, and `redis` crate connections.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kuber_server::Server;
use kuber_server::config::{Config, Overrides};
use kuber_server::state::ServerState;
use kuber_server::store::{Clock, SystemClock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The password `admin` gets in every bootstrapped users file.
pub const ADMIN_PASSWORD: &str = "secret";
/// How long any single wait in a test may take before it counts as a hang.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// How to start a [`TestServer`].
#[derive(Default)]
pub struct Options {
    /// The store's clock; the system clock when `None`.
    pub clock: Option<Arc<dyn Clock>>,
    /// A `users.json` written into the data folder before the server starts; when `None` the server
    /// bootstraps one holding `admin` / [`ADMIN_PASSWORD`].
    pub users_json: Option<String>,
}

/// A running in-process server.
pub struct TestServer {
    /// The bound RESP address.
    pub addr: SocketAddr,
    /// The server's shared state.
    pub state: Arc<ServerState>,
    stop: Option<oneshot::Sender<()>>,
    run: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server with a bootstrapped users file and the system clock.
    pub async fn start() -> TestServer {
        TestServer::start_with(Options::default()).await
    }

    /// Starts a server as `options` say.
    pub async fn start_with(options: Options) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        if let Some(json) = &options.users_json {
            std::fs::write(dir.path().join("users.json"), json).unwrap();
        }
        let overrides = Overrides {
            port: Some(0),
            http_port: Some(0),
            data_dir: Some(dir.path().to_path_buf()),
            ..Default::default()
        };
        let config = Config::load(None, &[], &overrides).unwrap();
        let clock = options.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let (server, generated) = Server::build(config, clock, Some(ADMIN_PASSWORD.into()))
            .await
            .unwrap();
        assert_eq!(
            generated, None,
            "a given admin password must not be replaced by a generated one"
        );
        let addr = server.local_addr();
        assert_ne!(addr.port(), 0);
        let state = server.state();
        let (tx, rx) = oneshot::channel::<()>();
        let run = tokio::spawn(server.run(async move {
            let _ = rx.await;
        }));
        TestServer {
            addr,
            state,
            stop: Some(tx),
            run: Some(run),
            _dir: dir,
        }
    }

    /// `redis://admin:secret@127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        format!("redis://admin:{ADMIN_PASSWORD}@{}/", self.addr)
    }

    /// A multiplexed `redis` crate connection logged in as admin.
    pub async fn redis(&self) -> redis::aio::MultiplexedConnection {
        redis_connect(&self.url()).await.unwrap()
    }

    /// An unauthenticated raw socket.
    pub async fn raw(&self) -> Raw {
        Raw::connect(self.addr).await
    }

    /// A raw socket logged in as admin.
    pub async fn admin(&self) -> Raw {
        let mut c = self.raw().await;
        c.call(&resp(["AUTH", "admin", ADMIN_PASSWORD]), b"+OK\r\n")
            .await;
        c
    }

    /// Waits until `run` returns on its own (SHUTDOWN, `trigger_shutdown`); panics after `within`.
    /// Returns how long it took.
    pub async fn wait_stopped(&mut self, within: Duration) -> Duration {
        let started = Instant::now();
        let run = self.run.take().expect("the server was already stopped");
        match tokio::time::timeout(within, run).await {
            Ok(joined) => joined.expect("Server::run panicked"),
            Err(_) => panic!("Server::run did not return within {within:?}"),
        }
        started.elapsed()
    }

    /// Resolves `run`'s shutdown future and waits for it to return (at most [`TIMEOUT`]).
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if self.run.is_some() {
            self.wait_stopped(TIMEOUT).await;
        }
    }

    /// Polls until `condition` holds; panics after [`TIMEOUT`].
    pub async fn eventually(&self, what: &str, condition: impl Fn(&ServerState) -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        while !condition(&self.state) {
            assert!(Instant::now() < deadline, "timed out waiting for: {what}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// A multiplexed `redis` crate connection to `url`.
pub async fn redis_connect(url: &str) -> redis::RedisResult<redis::aio::MultiplexedConnection> {
    let client = redis::Client::open(url)?;
    tokio::time::timeout(TIMEOUT, client.get_multiplexed_async_connection())
        .await
        .expect("redis connect timed out")
}

/// Encodes a request as a RESP multibulk of bulk strings (written here rather than taken from
/// `kuber-protocol`, so that the codec is not tested with itself).
pub fn resp<A: AsRef<[u8]>>(args: impl IntoIterator<Item = A>) -> Vec<u8> {
    let args: Vec<A> = args.into_iter().collect();
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in &args {
        let arg = arg.as_ref();
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Bytes shown with `\r`, `\n` and non-ASCII escaped, for assertion messages.
pub fn show(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

/// Asserts byte equality; on a mismatch reports the first differing offset with context instead of
/// printing megabytes.
#[track_caller]
pub fn assert_bytes_eq(got: &[u8], expected: &[u8]) {
    if got == expected {
        return;
    }
    let at = got
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(expected.len()));
    let from = at.saturating_sub(40);
    let ctx = |b: &[u8]| show(&b[from.min(b.len())..(at + 40).min(b.len())]);
    panic!(
        "bytes differ at offset {at} (got {} bytes, expected {}):\n     got: …{}…\nexpected: …{}…",
        got.len(),
        expected.len(),
        ctx(got),
        ctx(expected)
    );
}

/// What a read from a socket ended with.
enum Ended {
    /// The peer closed (EOF or reset).
    Closed,
    /// Nothing arrived within the time allowed.
    TimedOut,
}

/// A raw TCP connection that sends bytes and reads exact replies, with a timeout on every read.
pub struct Raw {
    stream: TcpStream,
    /// Received but not yet consumed.
    pending: Vec<u8>,
}

impl Raw {
    /// Connects to `addr`.
    pub async fn connect(addr: SocketAddr) -> Raw {
        let stream = tokio::time::timeout(TIMEOUT, TcpStream::connect(addr))
            .await
            .expect("connect timed out")
            .unwrap();
        stream.set_nodelay(true).unwrap();
        Raw {
            stream,
            pending: Vec::new(),
        }
    }

    /// Writes `data`.
    pub async fn send(&mut self, data: &[u8]) {
        tokio::time::timeout(TIMEOUT, self.stream.write_all(data))
            .await
            .expect("write timed out")
            .unwrap();
    }

    /// Reads more bytes into `pending`, up to `deadline`.
    async fn fill(
        stream: &mut TcpStream,
        pending: &mut Vec<u8>,
        deadline: tokio::time::Instant,
    ) -> Result<(), Ended> {
        // Read straight into the heap buffer: a 64 KiB array here would live in every test's future.
        pending.reserve(64 * 1024);
        match tokio::time::timeout_at(deadline, stream.read_buf(pending)).await {
            Err(_) => Err(Ended::TimedOut),
            Ok(Ok(0)) => Err(Ended::Closed),
            Ok(Ok(_)) => Ok(()),
            // A server that closes with unread input makes the kernel answer with a reset.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => Err(Ended::Closed),
            Ok(Err(e)) => panic!("read failed: {e}"),
        }
    }

    async fn read_n_from(stream: &mut TcpStream, pending: &mut Vec<u8>, n: usize) -> Vec<u8> {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        while pending.len() < n {
            match Raw::fill(stream, pending, deadline).await {
                Ok(()) => {}
                Err(Ended::Closed) => panic!(
                    "connection closed after {} of {n} bytes: {}",
                    pending.len(),
                    show(&pending[..pending.len().min(300)])
                ),
                Err(Ended::TimedOut) => panic!(
                    "timed out after {} of {n} bytes: {}",
                    pending.len(),
                    show(&pending[..pending.len().min(300)])
                ),
            }
        }
        pending.drain(..n).collect()
    }

    /// Reads exactly `n` bytes.
    pub async fn read(&mut self, n: usize) -> Vec<u8> {
        Raw::read_n_from(&mut self.stream, &mut self.pending, n).await
    }

    /// Reads one line, without its CRLF.
    pub async fn read_line(&mut self) -> String {
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        loop {
            if let Some(i) = self.pending.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.pending.drain(..i + 2).collect();
                return String::from_utf8(line[..i].to_vec()).unwrap();
            }
            if Raw::fill(&mut self.stream, &mut self.pending, deadline)
                .await
                .is_err()
            {
                panic!("no complete line: {}", show(&self.pending));
            }
        }
    }

    /// Sends `request` and asserts the reply is exactly `expected`.
    #[track_caller]
    pub fn call<'a>(
        &'a mut self,
        request: &'a [u8],
        expected: &'a [u8],
    ) -> impl std::future::Future<Output = ()> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            self.send(request).await;
            let got = self.read(expected.len()).await;
            assert!(
                got == expected,
                "at {caller}: reply to {}\n     got: {}\nexpected: {}",
                show(request),
                show(&got),
                show(expected)
            );
        }
    }

    /// Reads until the server closes the connection and returns everything received; panics if it
    /// stays open longer than `within`.
    pub async fn read_to_close_within(&mut self, within: Duration) -> Vec<u8> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match Raw::fill(&mut self.stream, &mut self.pending, deadline).await {
                Ok(()) => {}
                Err(Ended::Closed) => return std::mem::take(&mut self.pending),
                Err(Ended::TimedOut) => panic!(
                    "connection still open after {within:?}; received {}",
                    show(&self.pending)
                ),
            }
        }
    }

    /// Writes `chunk` over and over without reading, as a naive client does, until a write fails
    /// (the server closed) or `limit` bytes went out; returns how many bytes were written.
    pub async fn write_until_refused(&mut self, chunk: &[u8], limit: usize) -> usize {
        let mut written = 0;
        while written < limit {
            match tokio::time::timeout(TIMEOUT, self.stream.write_all(chunk)).await {
                Ok(Ok(())) => written += chunk.len(),
                Ok(Err(_)) => break,
                Err(_) => panic!("write blocked for {TIMEOUT:?} after {written} bytes"),
            }
            // Give the server time to act between writes, as a line-at-a-time client does.
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        written
    }

    /// Reads until the server closes the connection (at most [`TIMEOUT`]).
    pub async fn read_to_close(&mut self) -> Vec<u8> {
        self.read_to_close_within(TIMEOUT).await
    }

    /// Asserts the server sends exactly `expected` and then closes the connection.
    #[track_caller]
    pub fn expect_then_close<'a>(
        &'a mut self,
        expected: &'a [u8],
    ) -> impl std::future::Future<Output = ()> + 'a {
        let caller = std::panic::Location::caller();
        async move {
            let got = self.read_to_close().await;
            assert!(
                got == expected,
                "at {caller}: before the close\n     got: {}\nexpected: {}",
                show(&got),
                show(expected)
            );
        }
    }

    /// Asserts nothing arrives and the connection stays open for `quiet`.
    pub async fn expect_silence(&mut self, quiet: Duration) {
        let deadline = tokio::time::Instant::now() + quiet;
        match Raw::fill(&mut self.stream, &mut self.pending, deadline).await {
            Err(Ended::TimedOut) => {}
            Err(Ended::Closed) => panic!("connection closed; received {}", show(&self.pending)),
            Ok(()) => panic!("unexpected bytes: {}", show(&self.pending)),
        }
    }

    /// Writes `data` while reading, so that a large request cannot deadlock against the replies it
    /// produces; returns exactly `n` bytes of reply.
    pub async fn send_and_read(&mut self, data: &[u8], n: usize) -> Vec<u8> {
        let (mut reader, mut writer) = self.stream.split();
        let pending = &mut self.pending;
        let write = async {
            tokio::time::timeout(TIMEOUT, writer.write_all(data))
                .await
                .expect("write timed out")
                .unwrap();
        };
        let read = async {
            let deadline = tokio::time::Instant::now() + TIMEOUT;
            let mut chunk = vec![0u8; 64 * 1024];
            while pending.len() < n {
                match tokio::time::timeout_at(deadline, reader.read(&mut chunk)).await {
                    Err(_) => panic!("timed out after {} of {n} bytes", pending.len()),
                    Ok(Ok(0)) => panic!("connection closed after {} of {n} bytes", pending.len()),
                    Ok(Ok(k)) => pending.extend_from_slice(&chunk[..k]),
                    Ok(Err(e)) => panic!("read failed: {e}"),
                }
            }
        };
        tokio::join!(write, read);
        self.pending.drain(..n).collect()
    }

    /// Writes `data` (ignoring write errors: the server may close before taking it all) while
    /// reading until the server closes the connection; returns everything received.
    pub async fn send_and_read_to_close(&mut self, data: &[u8]) -> Vec<u8> {
        let (mut reader, mut writer) = self.stream.split();
        let pending = &mut self.pending;
        let write = async {
            let _ = tokio::time::timeout(TIMEOUT, writer.write_all(data)).await;
        };
        let read = async {
            let deadline = tokio::time::Instant::now() + TIMEOUT;
            let mut chunk = vec![0u8; 64 * 1024];
            loop {
                match tokio::time::timeout_at(deadline, reader.read(&mut chunk)).await {
                    Err(_) => panic!("connection still open; received {}", show(pending)),
                    Ok(Ok(0)) => break,
                    Ok(Ok(k)) => pending.extend_from_slice(&chunk[..k]),
                    Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                    Ok(Err(e)) => panic!("read failed: {e}"),
                }
            }
        };
        tokio::join!(write, read);
        std::mem::take(&mut self.pending)
    }
}
