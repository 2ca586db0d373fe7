//! String commands: GET, SET and its variants, MGET/MSET, APPEND, ranges and the INCR family.

use std::sync::atomic::Ordering;

use bytes::{Bytes, BytesMut};
use kuber_protocol::Frame;

use super::Ctx;
use super::args::{Expiry, expiry_at, float, format_f64, int, is, parse_f64};
use super::reply::{self, err};
use crate::notify::{GENERIC, STRING};
use crate::store::value::parse_i64;
use crate::store::{Keyspace, Value};

/// A string value, recording a hit or miss; `Err(WRONGTYPE)` for other types.
mod lcs;
pub(super) use lcs::lcs;

fn read_str(ks: &mut Keyspace, key: &[u8], now: u64) -> Result<Option<Bytes>, Frame> {
    let found = match ks.get_mut(key, now) {
        Some(entry) => match &entry.value {
            Value::Str(b) => Some(b.clone()),
            #[allow(unreachable_patterns)]
            _ => return Err(err(reply::WRONGTYPE)),
        },
        None => None,
    };
    ks.record_read(found.is_some());
    Ok(found)
}

/// A string value and its expiry, for read-modify-write commands (no hit/miss accounting).
fn current_str(
    ks: &mut Keyspace,
    key: &[u8],
    now: u64,
) -> Result<Option<(Bytes, Option<u64>)>, Frame> {
    match ks.get_mut(key, now) {
        Some(entry) => match &entry.value {
            Value::Str(b) => Ok(Some((b.clone(), entry.expires_at))),
            #[allow(unreachable_patterns)]
            _ => Err(err(reply::WRONGTYPE)),
        },
        None => Ok(None),
    }
}

fn default_expiry(ctx: &Ctx<'_>) -> Option<u64> {
    ctx.region()
        .default_ttl_ms()
        .map(|ttl| ctx.now.saturating_add(ttl))
}

/// Stores a new value for an existing key keeping its TTL, or creates it with the region default;
/// notifies `event` (the command's keyspace event: `append`, `incrby` …).
fn store_keep_ttl(
    ctx: &Ctx<'_>,
    ks: &mut Keyspace,
    key: &[u8],
    existed: bool,
    value: Bytes,
    event: &'static str,
) {
    if !existed || !ks.replace_value(key, Value::Str(value.clone()), ctx.now) {
        ks.set(key, Value::Str(value), default_expiry(ctx), ctx.now);
    }
    ks.notify(STRING, event, key);
}

fn bulk_or_null(value: Option<Bytes>) -> Frame {
    value.map_or(Frame::Null, Frame::Bulk)
}

fn max_bulk(ctx: &Ctx<'_>) -> usize {
    ctx.state.live.proto_max_bulk_len.load(Ordering::Relaxed) as usize
}

pub(super) fn get(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    match read_str(&mut ks, &args[1], ctx.now) {
        Ok(value) => bulk_or_null(value),
        Err(e) => e,
    }
}

pub(super) fn set(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let (mut nx, mut xx, mut get) = (false, false, false);
    let mut expiry = Expiry::None;
    let mut i = 3;
    while i < args.len() {
        let a = &args[i];
        let timed = ["EX", "PX", "EXAT", "PXAT"].iter().any(|k| is(a, k));
        if is(a, "NX") && !xx {
            nx = true;
        } else if is(a, "XX") && !nx {
            xx = true;
        } else if is(a, "GET") {
            get = true;
        } else if is(a, "KEEPTTL") && expiry == Expiry::None {
            expiry = Expiry::Keep;
        } else if timed && expiry == Expiry::None && i + 1 < args.len() {
            expiry = match expiry_at(a, &args[i + 1], ctx.now, "set") {
                Ok(at) => Expiry::At(at),
                Err(e) => return e,
            };
            i += 1;
        } else {
            return err(reply::SYNTAX);
        }
        i += 1;
    }
    let default = default_expiry(ctx);
    let key = &args[1];
    let mut ks = ctx.session.region.lock();
    let old = if get || nx || xx || expiry == Expiry::Keep {
        match current_str(&mut ks, key, ctx.now) {
            Ok(old) => old,
            // Without GET, SET overwrites a value of any type.
            Err(e) if get => return e,
            Err(_) => ks.peek(key, ctx.now).map(|e| (Bytes::new(), e.expires_at)),
        }
    } else {
        None
    };
    if (nx && old.is_some()) || (xx && old.is_none()) {
        return if get {
            bulk_or_null(old.map(|(v, _)| v))
        } else {
            Frame::Null
        };
    }
    let expires_at = match expiry {
        Expiry::At(at) => Some(at),
        Expiry::Keep => old.as_ref().and_then(|(_, at)| *at),
        Expiry::None | Expiry::Persist => default,
    };
    ks.set(
        key,
        Value::Str(Bytes::copy_from_slice(&args[2])),
        expires_at,
        ctx.now,
    );
    ks.notify(STRING, "set", key);
    if matches!(expiry, Expiry::At(_)) {
        ks.notify(GENERIC, "expire", key);
    }
    if get {
        bulk_or_null(old.map(|(v, _)| v))
    } else {
        Frame::ok()
    }
}

pub(super) fn setnx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let default = default_expiry(ctx);
    let mut ks = ctx.session.region.lock();
    if ks.peek(&args[1], ctx.now).is_some() {
        return Frame::Integer(0);
    }
    ks.set(
        &args[1],
        Value::Str(Bytes::copy_from_slice(&args[2])),
        default,
        ctx.now,
    );
    ks.notify(STRING, "set", &args[1]);
    Frame::Integer(1)
}

fn set_with_ttl(ctx: &mut Ctx<'_>, args: &[Bytes], unit: &[u8], name: &str) -> Frame {
    let at = match expiry_at(unit, &args[2], ctx.now, name) {
        Ok(at) => at,
        Err(e) => return e,
    };
    let mut ks = ctx.session.region.lock();
    ks.set(
        &args[1],
        Value::Str(Bytes::copy_from_slice(&args[3])),
        Some(at),
        ctx.now,
    );
    ks.notify(STRING, "set", &args[1]);
    ks.notify(GENERIC, "expire", &args[1]);
    Frame::ok()
}

pub(super) fn setex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    set_with_ttl(ctx, args, b"EX", "setex")
}

pub(super) fn psetex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    set_with_ttl(ctx, args, b"PX", "psetex")
}

pub(super) fn getset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let default = default_expiry(ctx);
    let mut ks = ctx.session.region.lock();
    let old = match current_str(&mut ks, &args[1], ctx.now) {
        Ok(old) => old,
        Err(e) => return e,
    };
    ks.set(
        &args[1],
        Value::Str(Bytes::copy_from_slice(&args[2])),
        default,
        ctx.now,
    );
    ks.notify(STRING, "set", &args[1]);
    bulk_or_null(old.map(|(v, _)| v))
}

pub(super) fn getdel(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    match read_str(&mut ks, &args[1], ctx.now) {
        Ok(Some(value)) => {
            ks.remove(&args[1], ctx.now);
            ks.notify(GENERIC, "del", &args[1]);
            Frame::Bulk(value)
        }
        Ok(None) => Frame::Null,
        Err(e) => e,
    }
}

pub(super) fn getex(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut expiry = Expiry::None;
    let mut i = 2;
    while i < args.len() {
        let a = &args[i];
        let timed = ["EX", "PX", "EXAT", "PXAT"].iter().any(|k| is(a, k));
        if is(a, "PERSIST") && expiry == Expiry::None {
            expiry = Expiry::Persist;
        } else if timed && expiry == Expiry::None && i + 1 < args.len() {
            expiry = match expiry_at(a, &args[i + 1], ctx.now, "getex") {
                Ok(at) => Expiry::At(at),
                Err(e) => return e,
            };
            i += 1;
        } else {
            return err(reply::SYNTAX);
        }
        i += 1;
    }
    let mut ks = ctx.session.region.lock();
    let value = match read_str(&mut ks, &args[1], ctx.now) {
        Ok(Some(value)) => value,
        Ok(None) => return Frame::Null,
        Err(e) => return e,
    };
    match expiry {
        // A time already past deletes the key at once, as in Redis (which reports `del`).
        Expiry::At(at) if at <= ctx.now => {
            ks.remove(&args[1], ctx.now);
            ks.notify(GENERIC, "del", &args[1]);
        }
        Expiry::At(at) => {
            ks.set_expiry(&args[1], Some(at), ctx.now);
            ks.notify(GENERIC, "expire", &args[1]);
        }
        Expiry::Persist => {
            if ks
                .peek(&args[1], ctx.now)
                .is_some_and(|e| e.expires_at.is_some())
            {
                ks.set_expiry(&args[1], None, ctx.now);
                ks.notify(GENERIC, "persist", &args[1]);
            }
        }
        Expiry::None | Expiry::Keep => {}
    }
    Frame::Bulk(value)
}

pub(super) fn mget(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    let values = args[1..]
        .iter()
        .map(|key| match read_str(&mut ks, key, ctx.now) {
            Ok(value) => bulk_or_null(value),
            Err(_) => Frame::Null,
        });
    Frame::Array(values.collect())
}

pub(super) fn mset(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    msetnx_impl(ctx, args, false)
}

pub(super) fn msetnx(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    msetnx_impl(ctx, args, true)
}

fn msetnx_impl(ctx: &mut Ctx<'_>, args: &[Bytes], only_new: bool) -> Frame {
    let name = if only_new { "msetnx" } else { "mset" };
    if args.len().is_multiple_of(2) {
        return reply::wrong_arity(name);
    }
    let default = default_expiry(ctx);
    let mut ks = ctx.session.region.lock();
    if only_new
        && args[1..]
            .chunks(2)
            .any(|pair| ks.peek(&pair[0], ctx.now).is_some())
    {
        return Frame::Integer(0);
    }
    for pair in args[1..].chunks(2) {
        ks.set(
            &pair[0],
            Value::Str(Bytes::copy_from_slice(&pair[1])),
            default,
            ctx.now,
        );
        ks.notify(STRING, "set", &pair[0]);
    }
    if only_new {
        Frame::Integer(1)
    } else {
        Frame::ok()
    }
}
/// Read-modify-write of a string that keeps its TTL (APPEND, SETRANGE, SETBIT): `change` gets the
/// current value (empty when the key is missing) and returns the new value to store, or `None` to
/// leave the key untouched, with the reply.
fn rewrite_str(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    event: &'static str,
    change: impl FnOnce(&Bytes) -> Result<(Option<BytesMut>, Frame), Frame>,
) -> Frame {
    let region = ctx.session.region.clone();
    let mut ks = region.lock();
    let old = match current_str(&mut ks, key, ctx.now) {
        Ok(old) => old,
        Err(e) => return e,
    };
    let existed = old.is_some();
    let old = old.map(|(v, _)| v).unwrap_or_default();
    match change(&old) {
        Ok((Some(value), reply)) => {
            store_keep_ttl(ctx, &mut ks, key, existed, value.freeze(), event);
            reply
        }
        Ok((None, reply)) => reply,
        Err(e) => e,
    }
}

pub(super) fn append(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let limit = max_bulk(ctx);
    let tail = &args[2];
    rewrite_str(ctx, &args[1], "append", |old| {
        if old.len() + tail.len() > limit {
            return Err(err(reply::TOO_BIG));
        }
        let mut joined = BytesMut::with_capacity(old.len() + tail.len());
        joined.extend_from_slice(old);
        joined.extend_from_slice(tail);
        let len = joined.len() as i64;
        Ok((Some(joined), Frame::Integer(len)))
    })
}

pub(super) fn strlen(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    match read_str(&mut ks, &args[1], ctx.now) {
        Ok(value) => Frame::Integer(value.map_or(0, |v| v.len() as i64)),
        Err(e) => e,
    }
}

pub(super) fn getrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let (mut start, mut end) = match (int(&args[2]), int(&args[3])) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let mut ks = ctx.session.region.lock();
    let value = match read_str(&mut ks, &args[1], ctx.now) {
        Ok(value) => value.unwrap_or_default(),
        Err(e) => return e,
    };
    let len = value.len() as i64;
    // Redis 7.0's getrangeCommand, step by step.
    if start < 0 && end < 0 && start > end {
        return Frame::Bulk(Bytes::new());
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return Frame::Bulk(Bytes::new());
    }
    Frame::Bulk(value.slice(start as usize..=end as usize))
}
pub(super) fn setrange(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let offset = match int(&args[2]) {
        Ok(o) if o >= 0 => o as usize,
        Ok(_) => return err(reply::OFFSET_RANGE),
        Err(e) => return e,
    };
    let patch = &args[3];
    let limit = max_bulk(ctx);
    rewrite_str(ctx, &args[1], "setrange", |old| {
        if patch.is_empty() {
            return Ok((None, Frame::Integer(old.len() as i64)));
        }
        if offset.saturating_add(patch.len()) > limit {
            return Err(err(reply::TOO_BIG));
        }
        let mut value = BytesMut::from(&old[..]);
        if value.len() < offset + patch.len() {
            value.resize(offset + patch.len(), 0);
        }
        value[offset..offset + patch.len()].copy_from_slice(patch);
        let len = value.len() as i64;
        Ok((Some(value), Frame::Integer(len)))
    })
}

fn incr_by(ctx: &mut Ctx<'_>, key: &[u8], delta: i64) -> Frame {
    let region = ctx.session.region.clone();
    let mut ks = region.lock();
    let current = match current_str(&mut ks, key, ctx.now) {
        Ok(Some((v, _))) => match parse_i64(&v) {
            Some(n) => Some(n),
            None => return err(reply::NOT_INTEGER),
        },
        Ok(None) => None,
        Err(e) => return e,
    };
    let Some(new) = current.unwrap_or(0).checked_add(delta) else {
        return err(reply::OVERFLOW);
    };
    let mut buf = itoa::Buffer::new();
    store_keep_ttl(
        ctx,
        &mut ks,
        key,
        current.is_some(),
        Bytes::copy_from_slice(buf.format(new).as_bytes()),
        "incrby",
    );
    Frame::Integer(new)
}

pub(super) fn incr(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    incr_by(ctx, &args[1], 1)
}

pub(super) fn decr(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    incr_by(ctx, &args[1], -1)
}

pub(super) fn incrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    match int(&args[2]) {
        Ok(delta) => incr_by(ctx, &args[1], delta),
        Err(e) => e,
    }
}

pub(super) fn decrby(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    match int(&args[2]) {
        Ok(i64::MIN) => err(reply::DECR_OVERFLOW),
        Ok(delta) => incr_by(ctx, &args[1], -delta),
        Err(e) => e,
    }
}

pub(super) fn incrbyfloat(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let delta = match float(&args[2]) {
        Ok(d) => d,
        Err(e) => return e,
    };
    let region = ctx.session.region.clone();
    let mut ks = region.lock();
    let current = match current_str(&mut ks, &args[1], ctx.now) {
        Ok(Some((v, _))) => match parse_f64(&v) {
            Some(n) => Some(n),
            None => return err(reply::NOT_FLOAT),
        },
        Ok(None) => None,
        Err(e) => return e,
    };
    let new = current.unwrap_or(0.0) + delta;
    if !new.is_finite() {
        return err(reply::NAN_OR_INF);
    }
    let text = Bytes::from(format_f64(new));
    store_keep_ttl(
        ctx,
        &mut ks,
        &args[1],
        current.is_some(),
        text.clone(),
        "incrbyfloat",
    );
    Frame::Bulk(text)
}

/// A bit offset: 0 ≤ offset < 2^32 (Redis's 512 MiB string limit in bits).
fn bit_offset(arg: &[u8]) -> Result<usize, Frame> {
    match parse_i64(arg) {
        Some(n) if (0..1 << 32).contains(&n) => Ok(n as usize),
        _ => Err(err(reply::BIT_OFFSET)),
    }
}

/// `SETBIT key offset 0|1`: returns the previous bit; offset 0 is the most significant bit of the
/// first byte, and the string grows with zero bytes as needed.
pub(super) fn setbit(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let offset = match bit_offset(&args[2]) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let on = match args[3].as_ref() {
        b"0" => false,
        b"1" => true,
        _ => return err(reply::BIT_VALUE),
    };
    rewrite_str(ctx, &args[1], "setbit", |old| {
        let (byte, mask) = (offset / 8, 0x80u8 >> (offset % 8));
        let mut value = BytesMut::from(&old[..]);
        if value.len() <= byte {
            value.resize(byte + 1, 0);
        }
        let previous = value[byte] & mask != 0;
        if on {
            value[byte] |= mask;
        } else {
            value[byte] &= !mask;
        }
        Ok((Some(value), Frame::Integer(previous as i64)))
    })
}

/// `GETBIT key offset`: 0 past the end or for a missing key.
pub(super) fn getbit(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let offset = match bit_offset(&args[2]) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let mut ks = ctx.session.region.lock();
    match read_str(&mut ks, &args[1], ctx.now) {
        Ok(value) => {
            let bit = value
                .and_then(|v| v.get(offset / 8).copied())
                .is_some_and(|b| b & (0x80 >> (offset % 8)) != 0);
            Frame::Integer(bit as i64)
        }
        Err(e) => e,
    }
}

#[cfg(test)]
mod tests {
    use crate::auth::Role;
    use crate::cmd::testing::server;

    #[tokio::test]
    async fn get_set_and_conditions() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("GET k").await, "$-1\r\n");
        assert_eq!(c.run("SET k v").await, "+OK\r\n");
        assert_eq!(c.run("GET k").await, "$1\r\nv\r\n");
        assert_eq!(c.run("SET k w NX").await, "$-1\r\n");
        assert_eq!(c.run("SET k w XX GET").await, "$1\r\nv\r\n");
        assert_eq!(c.run("SET new w XX").await, "$-1\r\n");
        assert_eq!(c.run("SET k v NX XX").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("SET k v EX 10 PX 10").await, "-ERR syntax error\r\n");
        assert_eq!(
            c.run("SET k v EX 0").await,
            "-ERR invalid expire time in 'set' command\r\n"
        );
        assert_eq!(
            c.run("SET k v EX abc").await,
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            c.run("SET k v EX 9223372036854775807").await,
            "-ERR invalid expire time in 'set' command\r\n"
        );
        assert_eq!(
            c.run("SET").await,
            "-ERR wrong number of arguments for 'set' command\r\n"
        );
        assert_eq!(c.run("SETNX k x").await, ":0\r\n");
        assert_eq!(c.run("SETNX k2 x").await, ":1\r\n");
        assert_eq!(c.run("GETSET k2 y").await, "$1\r\nx\r\n");
        assert_eq!(c.run("GETDEL k2").await, "$1\r\ny\r\n");
        assert_eq!(c.run("GETDEL k2").await, "$-1\r\n");
    }

    #[tokio::test]
    async fn expiry_options_follow_the_clock() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("SET k v PX 1500").await, "+OK\r\n");
        assert_eq!(c.run("PTTL k").await, ":1500\r\n");
        assert_eq!(c.run("SET k v2 KEEPTTL").await, "+OK\r\n");
        assert_eq!(c.run("PTTL k").await, ":1500\r\n");
        assert_eq!(c.run("SET k v3").await, "+OK\r\n");
        assert_eq!(c.run("PTTL k").await, ":-1\r\n");
        assert_eq!(c.run("SETEX k 10 v").await, "+OK\r\n");
        assert_eq!(c.run("TTL k").await, ":10\r\n");
        assert_eq!(
            c.run("SETEX k -1 v").await,
            "-ERR invalid expire time in 'setex' command\r\n"
        );
        assert_eq!(c.run("PSETEX k 100 v").await, "+OK\r\n");
        s.clock.advance(100);
        assert_eq!(c.run("GET k").await, "$-1\r\n");
        let at = s.state.store.now() / 1000 + 50;
        assert_eq!(c.run(&format!("SET k v EXAT {at}")).await, "+OK\r\n");
        assert_eq!(c.run("EXPIRETIME k").await, format!(":{at}\r\n"));
        assert_eq!(c.run("GETEX k PERSIST").await, "$1\r\nv\r\n");
        assert_eq!(c.run("TTL k").await, ":-1\r\n");
        assert_eq!(c.run("GETEX k EX 5").await, "$1\r\nv\r\n");
        assert_eq!(c.run("TTL k").await, ":5\r\n");
        assert_eq!(c.run("GETEX k EX 5 PERSIST").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("GETEX missing").await, "$-1\r\n");
    }

    #[tokio::test]
    async fn multi_key_commands() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("MSET a 1 b 2").await, "+OK\r\n");
        assert_eq!(
            c.run("MGET a b c").await,
            "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"
        );
        assert_eq!(
            c.run("MSET a 1 b").await,
            "-ERR wrong number of arguments for 'mset' command\r\n"
        );
        assert_eq!(c.run("MSETNX a 9 z 9").await, ":0\r\n");
        assert_eq!(c.run("GET z").await, "$-1\r\n");
        assert_eq!(c.run("MSETNX y 9 z 9").await, ":1\r\n");
    }

    #[tokio::test]
    async fn append_strlen_ranges() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("APPEND k Hello").await, ":5\r\n");
        assert_eq!(c.run("APPEND k \" World\"").await, ":11\r\n");
        assert_eq!(c.run("STRLEN k").await, ":11\r\n");
        assert_eq!(c.run("STRLEN nope").await, ":0\r\n");
        assert_eq!(c.run("GETRANGE k 0 4").await, "$5\r\nHello\r\n");
        assert_eq!(c.run("GETRANGE k -5 -1").await, "$5\r\nWorld\r\n");
        assert_eq!(c.run("GETRANGE k -1 -5").await, "$0\r\n\r\n");
        assert_eq!(c.run("GETRANGE k 5 100").await, "$6\r\n World\r\n");
        assert_eq!(c.run("GETRANGE nope 0 -1").await, "$0\r\n\r\n");
        assert_eq!(c.run("SETRANGE k 6 Redis").await, ":11\r\n");
        assert_eq!(c.run("GET k").await, "$11\r\nHello Redis\r\n");
        assert_eq!(c.run("SETRANGE pad 3 x").await, ":4\r\n");
        assert_eq!(c.run("GET pad").await, "$4\r\n\0\0\0x\r\n");
        assert_eq!(
            c.run("SETRANGE k -1 x").await,
            "-ERR offset is out of range\r\n"
        );
        assert_eq!(
            c.run("SETRANGE k 536870911 xx").await,
            "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
        );
        assert_eq!(c.run("SETRANGE empty 0 \"\"").await, ":0\r\n");
        assert_eq!(c.run("EXISTS empty").await, ":0\r\n");
    }

    #[tokio::test]
    async fn bits() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("SETBIT b 1 1").await, ":0\r\n");
        assert_eq!(c.run("SETBIT b 1 1").await, ":1\r\n");
        assert_eq!(c.run("GET b").await, "$1\r\n@\r\n");
        assert_eq!(c.run("SETBIT b 15 1").await, ":0\r\n");
        assert_eq!(c.run("STRLEN b").await, ":2\r\n");
        assert_eq!(c.run("GETBIT b 15").await, ":1\r\n");
        assert_eq!(c.run("GETBIT b 14").await, ":0\r\n");
        assert_eq!(c.run("GETBIT b 1000").await, ":0\r\n");
        assert_eq!(c.run("GETBIT nope 0").await, ":0\r\n");
        assert_eq!(c.run("SETBIT b 1 0").await, ":1\r\n");
        assert_eq!(
            c.run("SETBIT b 4294967296 1").await,
            "-ERR bit offset is not an integer or out of range\r\n"
        );
        assert_eq!(
            c.run("SETBIT b -1 1").await,
            "-ERR bit offset is not an integer or out of range\r\n"
        );
        assert_eq!(
            c.run("SETBIT b 0 2").await,
            "-ERR bit is not an integer or out of range\r\n"
        );
        c.run("RPUSH l a").await;
        assert_eq!(
            c.run("SETBIT l 0 1").await,
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        );
    }

    #[tokio::test]
    async fn counters() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("INCR n").await, ":1\r\n");
        assert_eq!(c.run("INCRBY n 10").await, ":11\r\n");
        assert_eq!(c.run("DECR n").await, ":10\r\n");
        assert_eq!(c.run("DECRBY n 20").await, ":-10\r\n");
        assert_eq!(c.run("SET n 9223372036854775807").await, "+OK\r\n");
        assert_eq!(
            c.run("INCR n").await,
            "-ERR increment or decrement would overflow\r\n"
        );
        assert_eq!(
            c.run("DECRBY n -9223372036854775808").await,
            "-ERR decrement would overflow\r\n"
        );
        assert_eq!(c.run("SET s abc").await, "+OK\r\n");
        assert_eq!(
            c.run("INCR s").await,
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(
            c.run("INCRBY n x").await,
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(c.run("SET f 10.50").await, "+OK\r\n");
        assert_eq!(c.run("INCRBYFLOAT f 0.1").await, "$4\r\n10.6\r\n");
        assert_eq!(c.run("INCRBYFLOAT f -5").await, "$3\r\n5.6\r\n");
        assert_eq!(c.run("SET f 5.0e3").await, "+OK\r\n");
        assert_eq!(c.run("INCRBYFLOAT f 2.0e2").await, "$4\r\n5200\r\n");
        assert_eq!(
            c.run("INCRBYFLOAT f nan").await,
            "-ERR value is not a valid float\r\n"
        );
        assert_eq!(
            c.run("INCRBYFLOAT f +inf").await,
            "-ERR increment would produce NaN or Infinity\r\n"
        );
        assert_eq!(
            c.run("INCRBYFLOAT s 1").await,
            "-ERR value is not a valid float\r\n"
        );
        assert_eq!(c.run("SET k v EX 100").await, "+OK\r\n");
        assert_eq!(c.run("SET c 1 EX 100").await, "+OK\r\n");
        assert_eq!(c.run("INCR c").await, ":2\r\n");
        assert_eq!(c.run("TTL c").await, ":100\r\n");
    }

    #[tokio::test]
    async fn region_default_ttl_applies_to_writes_without_one() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("RCREATE sessions \"\" TTL 30").await, "+OK\r\n");
        assert_eq!(c.run("RSELECT sessions").await, "+OK\r\n");
        assert_eq!(c.run("SET k v").await, "+OK\r\n");
        assert_eq!(c.run("TTL k").await, ":30\r\n");
        assert_eq!(c.run("SET k v EX 5").await, "+OK\r\n");
        assert_eq!(c.run("TTL k").await, ":5\r\n");
        assert_eq!(c.run("INCR n").await, ":1\r\n");
        assert_eq!(c.run("TTL n").await, ":30\r\n");
    }

    #[tokio::test]
    async fn hit_and_miss_statistics() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("SET k v").await;
        c.run("GET k").await;
        c.run("GET nope").await;
        let stats = s.state.store.default_region().lock().stats;
        assert_eq!((stats.hits, stats.misses, stats.sets), (1, 1, 1));
    }
}
