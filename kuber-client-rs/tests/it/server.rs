//! Starts the real `kuber-server` binary on free ports with a users file (`admin`/`secret` as
//! ADMIN, `reader`/`readpw` as READER), and stops it on drop.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const ADMIN: (&str, &str) = ("admin", "secret");
pub const READER: (&str, &str) = ("reader", "readpw");

/// `$KUBER_BIN`, else `kuber-server` in `$CARGO_TARGET_DIR/debug` or the workspace's `target/debug`.
/// A missing binary fails the test (build it with `cargo build -p kuber-server`).
pub fn kuber_bin() -> PathBuf {
    if let Ok(bin) = std::env::var("KUBER_BIN") {
        return PathBuf::from(bin);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let bin = target.join("debug/kuber-server");
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build -p kuber-server --bin kuber-server` or set KUBER_BIN",
        bin.display()
    );
    bin
}

fn hash(password: &str) -> String {
    let mut child = Command::new(kuber_bin())
        .arg("hash-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run kuber-server hash-password");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(password.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn users_json() -> &'static str {
    static USERS: OnceLock<String> = OnceLock::new();
    USERS.get_or_init(|| {
        serde_json::json!({"users": [
            {"username": ADMIN.0, "password": hash(ADMIN.1), "roles": ["ADMIN"], "enabled": true},
            {"username": READER.0, "password": hash(READER.1), "roles": ["READER"], "enabled": true},
        ]})
        .to_string()
    })
}

/// A port that was free a moment ago, never one a developer's own Redis or Kuber may use.
pub fn free_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if ![6379, 6380, 6390].contains(&port) {
            return port;
        }
    }
}

pub struct TestServer {
    pub port: u16,
    pub http_port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl TestServer {
    pub fn start() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("users.json"), users_json()).unwrap();
        let mut server = TestServer {
            port: free_port(),
            http_port: free_port(),
            dir,
            child: None,
        };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let child = Command::new(kuber_bin())
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--http-port", &self.http_port.to_string()])
            .arg("--data-dir")
            .arg(self.dir.path())
            .arg("--users")
            .arg(self.dir.path().join("users.json"))
            .env_remove("KUBER_ADMIN_PASSWORD")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start kuber-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "kuber-server did not listen on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server and starts it again on the same ports and data folder.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}
