//! `libkuber_java.so`: the native half of `com.kuber.client` (see `java/`). Three JNI functions
//! (`open`, `invoke`, `close`) exchange one `byte[]` each way in the format of `wire.rs`; every
//! operation calls one typed method of `kuber_client::blocking::KuberClient`.
//!
//! Clients live in a handle table rather than behind raw pointers, so a call on a closed handle
//! is an ordinary `Connection` error instead of a use-after-free. A panic inside an operation is
//! caught and returned as a `p` reply, which Java throws as `KuberException` (kind `INTERNAL`);
//! a panic anywhere else in a JNI function is caught by jni's `with_env` and thrown as a
//! `RuntimeException`. Neither unwinds into the JVM.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, LazyLock, RwLock};
use std::time::Duration;

use jni::EnvUnowned;
use jni::errors::ThrowRuntimeExAndDefault;
use jni::objects::{JByteArray, JClass};
use jni::sys::jlong;
use kuber_client::blocking::{KuberClient, KuberRestClient};
use kuber_client::{ClientConfig, Error, ErrorKind, RegionOptions};

mod ops;
mod wire;

use wire::{Reply, Request};

static CLIENTS: LazyLock<RwLock<HashMap<i64, Arc<KuberClient>>>> = LazyLock::new(Default::default);
static REST_CLIENTS: LazyLock<RwLock<HashMap<i64, Arc<KuberRestClient>>>> =
    LazyLock::new(Default::default);
static NEXT_HANDLE: AtomicI64 = AtomicI64::new(1);

fn rest_client(handle: i64) -> Result<Arc<KuberRestClient>, Error> {
    REST_CLIENTS
        .read()
        .unwrap()
        .get(&handle)
        .cloned()
        .ok_or_else(|| Error::new(ErrorKind::Connection, "client is closed"))
}

fn client(handle: i64) -> Result<Arc<KuberClient>, Error> {
    CLIENTS
        .read()
        .unwrap()
        .get(&handle)
        .cloned()
        .ok_or_else(|| Error::new(ErrorKind::Connection, "client is closed"))
}

/// Runs `f` with panics caught, and encodes its result, error or panic.
fn guarded(f: impl FnOnce() -> Result<Reply, Error>) -> Vec<u8> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(reply)) => {
            let mut out = Vec::new();
            reply.encode(&mut out);
            out
        }
        Ok(Err(e)) => wire::encode_error(e.kind().name(), e.code(), e.message()),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic with a non-text payload".to_owned());
            wire::encode_panic(&msg)
        }
    }
}

fn decode(bytes: Vec<u8>) -> Result<Request, Error> {
    Request::decode(bytes::Bytes::from(bytes)).map_err(|e| {
        Error::new(
            ErrorKind::Protocol,
            format!("bad request from Java: {}", e.0),
        )
    })
}

fn open(req: Request) -> Result<Reply, Error> {
    let rest = req.op == "openRest";
    let a = ops::Args(req.args);
    let mut config = ClientConfig::new(
        a.string(0)?,
        a.string(1)?
            .parse::<u16>()
            .map_err(|_| Error::new(ErrorKind::Config, "port must be between 1 and 65535"))?,
        a.opt_string(2)?.unwrap_or_default(),
        a.opt_string(3)?.unwrap_or_default(),
    );
    if let Some(ms) = a.opt_u64(4)? {
        config = config.with_timeout(Duration::from_millis(ms));
    }
    if let Some(size) = a.opt_u64(5)? {
        config = config.with_pool_size(size as usize);
    }
    if let Some(region) = req.region {
        config.region = region;
    }
    if let Some(tls) = a.opt_string(6)? {
        config.tls = tls == "true";
    }
    let handle = NEXT_HANDLE.fetch_add(1, Ordering::Relaxed);
    if rest {
        let c = KuberRestClient::with_config(config)?;
        REST_CLIENTS.write().unwrap().insert(handle, Arc::new(c));
    } else {
        let c = KuberClient::with_config(config)?;
        CLIENTS.write().unwrap().insert(handle, Arc::new(c));
    }
    Ok(Reply::Int(handle))
}

/// `static native byte[] open(byte[] request)`: connects; replies with the handle.
// SAFETY: `no_mangle` exports the JNI name the JVM looks up for this native method; the
// signature matches the Java declaration in `Native.java`, and no other symbol has this name.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "system" fn Java_com_kuber_client_Native_open<'local>(
    mut unowned: EnvUnowned<'local>,
    _class: JClass<'local>,
    request: JByteArray<'local>,
) -> JByteArray<'local> {
    unowned
        .with_env(|env| -> jni::errors::Result<JByteArray<'local>> {
            let bytes = env.convert_byte_array(&request)?;
            let out = guarded(|| open(decode(bytes)?));
            env.byte_array_from_slice(&out)
        })
        .resolve::<ThrowRuntimeExAndDefault>()
}

/// `static native byte[] invoke(long handle, byte[] request)`: one operation.
// SAFETY: `no_mangle` exports the JNI name the JVM looks up for this native method; the
// signature matches the Java declaration in `Native.java`, and no other symbol has this name.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "system" fn Java_com_kuber_client_Native_invoke<'local>(
    mut unowned: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
    request: JByteArray<'local>,
) -> JByteArray<'local> {
    unowned
        .with_env(|env| -> jni::errors::Result<JByteArray<'local>> {
            let bytes = env.convert_byte_array(&request)?;
            let out = guarded(|| {
                let req = decode(bytes)?;
                if let Some(op) = req.op.strip_prefix("rest.") {
                    let op = op.to_owned();
                    ops::dispatch_rest(&*rest_client(handle)?, &op, req)
                } else {
                    ops::dispatch(&*client(handle)?, req)
                }
            });
            env.byte_array_from_slice(&out)
        })
        .resolve::<ThrowRuntimeExAndDefault>()
}

/// `static native void close(long handle)`: closes the pool and forgets the handle.
// SAFETY: `no_mangle` exports the JNI name the JVM looks up for this native method; the
// signature matches the Java declaration in `Native.java`, and no other symbol has this name.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "system" fn Java_com_kuber_client_Native_close<'local>(
    mut unowned: EnvUnowned<'local>,
    _class: JClass<'local>,
    handle: jlong,
) {
    unowned
        .with_env(|_env| -> jni::errors::Result<()> {
            if let Some(c) = CLIENTS.write().unwrap().remove(&handle) {
                c.close();
            }
            REST_CLIENTS.write().unwrap().remove(&handle);
            Ok(())
        })
        .resolve::<ThrowRuntimeExAndDefault>()
}

// Used by ops for region creation.
pub(crate) fn region_options(
    description: Option<String>,
    ttl: Option<u64>,
    max_entries: Option<u64>,
) -> RegionOptions {
    RegionOptions {
        description,
        ttl,
        max_entries,
    }
}
