//! The blocking facade: [`KuberClient`] and [`KuberRestClient`] whose methods wait for the async
//! client's, on one runtime shared by every blocking client in the process (and by the Python and
//! Java bindings). Do not call them from inside an async task: that panics in `block_on`.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use bytes::Bytes;
use kuber_protocol::Frame;
use serde_json::Value;

use crate::Pipeline;
use crate::commands::{KeyInfo, Page, RegionOptions};
use crate::config::ClientConfig;
use crate::error::Result;

/// The runtime shared by all blocking clients, started on first use.
///
/// It is a current-thread runtime driven by the threads that wait in [`block_on`]: a lone caller
/// polls the socket itself, so a round trip costs one wake-up (the reply arriving) instead of two
/// (a worker thread waking, then waking the caller), which is what a blocking client's latency is
/// made of. With several callers, one drives the I/O driver and hands it on; the others are woken
/// when their reply is in.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("cannot start the kuber-client runtime")
    })
}

/// Runs `future` to completion on the shared runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    runtime().block_on(future)
}

/// The blocking RESP client: [`crate::KuberClient`] with every method waiting for its result.
#[derive(Clone, Debug)]
pub struct KuberClient {
    inner: crate::KuberClient,
}

macro_rules! blocking_methods {
    ($target:literal; $( fn $name:ident(&self $(, $arg:ident : $ty:ty)* ) -> $ret:ty; )*) => {
        $(
            #[doc = concat!("Blocking form of [`crate::", $target, "::", stringify!($name), "`].")]
            pub fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                block_on(self.inner.$name($($arg),*))
            }
        )*
    };
}

impl KuberClient {
    /// Connects and authenticates (see [`crate::KuberClient::connect`]).
    pub fn connect(
        host: impl Into<String>,
        port: u16,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Result<KuberClient> {
        KuberClient::with_config(ClientConfig::new(host, port, username, password))
    }

    /// Connects with explicit settings.
    pub fn with_config(config: ClientConfig) -> Result<KuberClient> {
        // Validate before starting the runtime: a missing password costs no thread.
        config.validate()?;
        Ok(KuberClient {
            inner: block_on(crate::KuberClient::with_config(config))?,
        })
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &crate::KuberClient {
        &self.inner
    }

    /// The region calls without an explicit region act on.
    pub fn current_region(&self) -> String {
        self.inner.current_region()
    }

    /// Closes idle connections and refuses further calls.
    pub fn close(&self) {
        self.inner.close()
    }

    /// Blocking form of [`crate::KuberClient::command`].
    pub fn command(&self, args: &[impl AsRef<[u8]>], region: Option<&str>) -> Result<Frame> {
        block_on(self.inner.command(args, region))
    }

    blocking_methods! {
        "KuberClient";
        fn run_pipeline(&self, pipeline: &Pipeline) -> Vec<Result<Frame>>;
        fn ping(&self) -> String;
        fn select_region(&self, name: &str) -> ();
        fn list_regions(&self) -> Vec<String>;
        fn create_region(&self, name: &str, options: &RegionOptions) -> ();
        fn delete_region(&self, name: &str) -> ();
        fn purge_region(&self, name: &str) -> ();
        fn region_info(&self, name: &str) -> Value;
        fn get(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Option<Bytes>;
        fn set(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>, ttl: Option<Duration>, region: Option<&str>) -> ();
        fn setnx(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>, region: Option<&str>) -> bool;
        fn setex(&self, key: impl AsRef<[u8]>, seconds: u64, value: impl AsRef<[u8]>, region: Option<&str>) -> ();
        fn mget(&self, keys: &[impl AsRef<[u8]>], region: Option<&str>) -> Vec<Option<Bytes>>;
        fn mset(&self, pairs: &[(impl AsRef<[u8]>, impl AsRef<[u8]>)], region: Option<&str>) -> ();
        fn incr(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> i64;
        fn incrby(&self, key: impl AsRef<[u8]>, by: i64, region: Option<&str>) -> i64;
        fn decr(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> i64;
        fn decrby(&self, key: impl AsRef<[u8]>, by: i64, region: Option<&str>) -> i64;
        fn append(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>, region: Option<&str>) -> i64;
        fn strlen(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> i64;
        fn keys(&self, pattern: &str, region: Option<&str>) -> Vec<Bytes>;
        fn scan(&self, cursor: u64, pattern: Option<&str>, count: Option<u64>, region: Option<&str>) -> Page<Bytes>;
        fn ksearch(&self, regex: &str, limit: Option<u64>, region: Option<&str>) -> Vec<KeyInfo>;
        fn exists(&self, keys: &[impl AsRef<[u8]>], region: Option<&str>) -> i64;
        fn delete(&self, keys: &[impl AsRef<[u8]>], region: Option<&str>) -> i64;
        fn key_type(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> String;
        fn ttl(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> i64;
        fn expire(&self, key: impl AsRef<[u8]>, seconds: i64, region: Option<&str>) -> bool;
        fn persist(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> bool;
        fn rename(&self, from: impl AsRef<[u8]>, to: impl AsRef<[u8]>, region: Option<&str>) -> ();
        fn hget(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>, region: Option<&str>) -> Option<Bytes>;
        fn hset(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>, value: impl AsRef<[u8]>, region: Option<&str>) -> bool;
        fn hmset(&self, key: impl AsRef<[u8]>, pairs: &[(impl AsRef<[u8]>, impl AsRef<[u8]>)], region: Option<&str>) -> ();
        fn hmget(&self, key: impl AsRef<[u8]>, fields: &[impl AsRef<[u8]>], region: Option<&str>) -> Vec<Option<Bytes>>;
        fn hgetall(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Vec<(Bytes, Bytes)>;
        fn hdel(&self, key: impl AsRef<[u8]>, fields: &[impl AsRef<[u8]>], region: Option<&str>) -> i64;
        fn hexists(&self, key: impl AsRef<[u8]>, field: impl AsRef<[u8]>, region: Option<&str>) -> bool;
        fn hkeys(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Vec<Bytes>;
        fn hvals(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> Vec<Bytes>;
        fn hlen(&self, key: impl AsRef<[u8]>, region: Option<&str>) -> i64;
        fn json_set(&self, key: impl AsRef<[u8]>, value: &Value, path: Option<&str>, ttl_seconds: Option<u64>, region: Option<&str>) -> ();
        fn json_set_text(&self, key: impl AsRef<[u8]>, json: &str, path: Option<&str>, ttl_seconds: Option<u64>, region: Option<&str>) -> ();
        fn json_get(&self, key: impl AsRef<[u8]>, path: Option<&str>, region: Option<&str>) -> Option<Value>;
        fn json_get_text(&self, key: impl AsRef<[u8]>, path: Option<&str>, region: Option<&str>) -> Option<String>;
        fn json_update(&self, key: impl AsRef<[u8]>, patch: &Value, ttl_seconds: Option<u64>, region: Option<&str>) -> Value;
        fn json_update_text(&self, key: impl AsRef<[u8]>, patch: &str, ttl_seconds: Option<u64>, region: Option<&str>) -> String;
        fn json_remove(&self, key: impl AsRef<[u8]>, fields: &[impl AsRef<[u8]>], region: Option<&str>) -> Value;
        fn json_remove_text(&self, key: impl AsRef<[u8]>, fields: &[impl AsRef<[u8]>], region: Option<&str>) -> String;
        fn json_delete(&self, key: impl AsRef<[u8]>, path: Option<&str>, region: Option<&str>) -> bool;
        fn json_search(&self, query: &str, limit: Option<u64>, region: Option<&str>) -> Vec<(String, Value)>;
        fn json_search_text(&self, query: &str, limit: Option<u64>, region: Option<&str>) -> Vec<(String, String)>;
        fn json_search_page(&self, query: &str, cursor: &str, limit: Option<u64>, region: Option<&str>) -> Page<(String, Value), String>;
        fn info(&self, section: Option<&str>) -> String;
        fn status(&self) -> Value;
        fn dbsize(&self, region: Option<&str>) -> i64;
        fn flushdb(&self, region: Option<&str>) -> ();
        fn repl_info(&self) -> Value;
    }
}

/// The blocking REST client: [`crate::KuberRestClient`] with every method waiting for its result.
#[derive(Clone, Debug)]
pub struct KuberRestClient {
    inner: crate::KuberRestClient,
}

impl KuberRestClient {
    /// See [`crate::KuberRestClient::new`]; no I/O happens here.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> Result<KuberRestClient> {
        KuberRestClient::with_config(ClientConfig::new(host, port, username, password))
    }

    /// See [`crate::KuberRestClient::with_config`].
    pub fn with_config(config: ClientConfig) -> Result<KuberRestClient> {
        config.validate()?;
        // reqwest's client must be built inside a runtime context to bind its timers there.
        let _guard = runtime().enter();
        Ok(KuberRestClient {
            inner: crate::KuberRestClient::with_config(config)?,
        })
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &crate::KuberRestClient {
        &self.inner
    }

    blocking_methods! {
        "KuberRestClient";
        fn ping(&self) -> Value;
        fn info(&self) -> Value;
        fn status(&self) -> Value;
        fn stats(&self) -> Value;
        fn list_regions(&self) -> Value;
        fn region_info(&self, name: &str) -> Value;
        fn create_region(&self, name: &str, options: &RegionOptions) -> Value;
        fn delete_region(&self, name: &str) -> Value;
        fn purge_region(&self, name: &str) -> Value;
        fn get(&self, key: &str, region: Option<&str>) -> Option<crate::RestEntry>;
        fn set(&self, key: &str, value: &str, ttl_seconds: Option<u64>, region: Option<&str>) -> Value;
        fn delete(&self, key: &str, region: Option<&str>) -> bool;
        fn keys(&self, pattern: Option<&str>, cursor: Option<&str>, count: Option<u64>, region: Option<&str>) -> Value;
        fn mget(&self, keys: &[&str], region: Option<&str>) -> Vec<Value>;
        fn mset(&self, entries: &[(&str, &str)], ttl_seconds: Option<u64>, region: Option<&str>) -> Value;
        fn ttl(&self, key: &str, region: Option<&str>) -> Value;
        fn expire(&self, key: &str, seconds: i64, region: Option<&str>) -> Value;
        fn persist(&self, key: &str, region: Option<&str>) -> Value;
        fn hgetall(&self, key: &str, region: Option<&str>) -> Value;
        fn hget(&self, key: &str, field: &str, region: Option<&str>) -> Option<Value>;
        fn hset(&self, key: &str, field: &str, value: &str, region: Option<&str>) -> Value;
        fn hdel(&self, key: &str, field: &str, region: Option<&str>) -> Value;
        fn json_get(&self, key: &str, path: Option<&str>, region: Option<&str>) -> Option<Value>;
        fn json_set(&self, key: &str, value: &Value, ttl_seconds: Option<u64>, region: Option<&str>) -> Value;
        fn json_update(&self, key: &str, patch: &Value, region: Option<&str>) -> Value;
        fn json_delete(&self, key: &str, path: Option<&str>, region: Option<&str>) -> Value;
        fn json_search(&self, query: &str, limit: Option<u64>, cursor: Option<&str>, region: Option<&str>) -> Value;
        fn bulk_import(&self, entries: &[Value], region: Option<&str>) -> Value;
        fn bulk_export(&self, pattern: Option<&str>, region: Option<&str>) -> Vec<Value>;
    }
}
