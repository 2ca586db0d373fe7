//! Key commands: DEL, EXISTS, TYPE, the EXPIRE and TTL families, PERSIST, KEYS, SCAN, RENAME, COPY,
//! RANDOMKEY, TOUCH, DBSIZE, FLUSHDB, FLUSHALL and OBJECT.

use bytes::Bytes;
use kuber_protocol::Frame;

use super::Ctx;
use super::args::{int, is, text};
use super::reply::{self, err};
use crate::notify::GENERIC;
use crate::store::{ScanFilter, Value};

pub(super) fn del(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    let mut removed = 0;
    for key in &args[1..] {
        if ks.remove(key, ctx.now).is_some() {
            ks.notify(GENERIC, "del", key);
            removed += 1;
        }
    }
    Frame::Integer(removed as i64)
}

pub(super) fn exists(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    let found = args[1..]
        .iter()
        .filter(|key| ks.peek(key, ctx.now).is_some())
        .count();
    Frame::Integer(found as i64)
}

pub(super) fn type_of(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    Frame::simple(
        ks.peek(&args[1], ctx.now)
            .map_or("none", |e| e.value.type_name()),
    )
}

/// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX | XX | GT | LT.
pub(super) fn expire(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let name = text(&args[0]).to_ascii_lowercase();
    let n = match int(&args[2]) {
        Ok(n) => n,
        Err(e) => return e,
    };
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for opt in &args[3..] {
        if is(opt, "NX") {
            nx = true;
        } else if is(opt, "XX") {
            xx = true;
        } else if is(opt, "GT") {
            gt = true;
        } else if is(opt, "LT") {
            lt = true;
        } else {
            return reply::unsupported_option(opt);
        }
    }
    if nx && (xx || gt || lt) {
        return err(reply::NX_XX_GT_LT);
    }
    if gt && lt {
        return err(reply::GT_LT);
    }
    let invalid = || reply::invalid_expire(&name);
    let at: i64 = match name.as_str() {
        "expire" => match n
            .checked_mul(1000)
            .and_then(|ms| ms.checked_add(ctx.now as i64))
        {
            Some(at) => at,
            None => return invalid(),
        },
        "pexpire" => match n.checked_add(ctx.now as i64) {
            Some(at) => at,
            None => return invalid(),
        },
        "expireat" => match n.checked_mul(1000) {
            Some(at) => at,
            None => return invalid(),
        },
        _ => n,
    };
    let mut ks = ctx.session.region.lock();
    let Some(entry) = ks.peek(&args[1], ctx.now) else {
        return Frame::Integer(0);
    };
    // A key without TTL counts as an infinite TTL for GT and LT, as in Redis.
    let current = entry.expires_at;
    let new = at.max(0) as u64;
    let allowed = match current {
        None => !xx && !gt,
        Some(cur) => !(nx || (gt && new <= cur) || (lt && new >= cur)),
    };
    if !allowed {
        return Frame::Integer(0);
    }
    if at <= ctx.now as i64 {
        // A time in the past deletes the key.
        ks.remove(&args[1], ctx.now);
        ks.notify(GENERIC, "del", &args[1]);
    } else {
        ks.set_expiry(&args[1], Some(new), ctx.now);
        ks.notify(GENERIC, "expire", &args[1]);
    }
    Frame::Integer(1)
}

/// TTL, PTTL, EXPIRETIME, PEXPIRETIME.
pub(super) fn ttl(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    let Some(entry) = ks.peek(&args[1], ctx.now) else {
        return Frame::Integer(-2);
    };
    let Some(at) = entry.expires_at else {
        return Frame::Integer(-1);
    };
    let remaining = at.saturating_sub(ctx.now) as i64;
    let name = &args[0];
    Frame::Integer(if is(name, "TTL") {
        (remaining + 500) / 1000
    } else if is(name, "PTTL") {
        remaining
    } else if is(name, "EXPIRETIME") {
        (at / 1000) as i64
    } else {
        at as i64
    })
}

pub(super) fn persist(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    match ks.peek(&args[1], ctx.now) {
        Some(entry) if entry.expires_at.is_some() => {
            ks.set_expiry(&args[1], None, ctx.now);
            ks.notify(GENERIC, "persist", &args[1]);
            Frame::Integer(1)
        }
        _ => Frame::Integer(0),
    }
}

pub(super) fn keys(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let ks = ctx.session.region.lock();
    Frame::Array(
        ks.keys(&args[1], ctx.now)
            .into_iter()
            .map(Frame::Bulk)
            .collect(),
    )
}

pub(super) fn scan(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let Some(cursor) = super::args::scan_cursor(&args[1]) else {
        return err(reply::INVALID_CURSOR);
    };
    let mut count = 10usize;
    let mut filter = ScanFilter::default();
    let mut i = 2;
    while i < args.len() {
        if i + 1 >= args.len() {
            return err(reply::SYNTAX);
        }
        let (opt, value) = (&args[i], &args[i + 1]);
        if is(opt, "COUNT") {
            match int(value) {
                Ok(n) if n >= 1 => count = n as usize,
                Ok(_) => return err(reply::SYNTAX),
                Err(e) => return e,
            }
        } else if is(opt, "MATCH") {
            filter.pattern = Some(value);
        } else if is(opt, "TYPE") {
            filter.type_name = Some(value);
        } else {
            return err(reply::SYNTAX);
        }
        i += 2;
    }
    let mut ks = ctx.session.region.lock();
    let (next, keys) = ks.scan(cursor, count, &filter, ctx.now);
    let mut buf = itoa::Buffer::new();
    Frame::Array(vec![
        Frame::Bulk(Bytes::copy_from_slice(buf.format(next).as_bytes())),
        Frame::Array(keys.into_iter().map(Frame::Bulk).collect()),
    ])
}

/// RENAME and RENAMENX.
pub(super) fn rename(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let only_new = is(&args[0], "RENAMENX");
    let (src, dst) = (&args[1], &args[2]);
    let mut ks = ctx.session.region.lock();
    if ks.peek(src, ctx.now).is_none() {
        return err(reply::NO_SUCH_KEY);
    }
    if src == dst {
        return if only_new {
            Frame::Integer(0)
        } else {
            Frame::ok()
        };
    }
    if only_new && ks.peek(dst, ctx.now).is_some() {
        return Frame::Integer(0);
    }
    let mut entry = ks.take(src).expect("checked above");
    ks.remove(dst, ctx.now);
    entry.key = Bytes::copy_from_slice(dst);
    // A list or stream moved into place serves clients blocked on the new name.
    let wakes_readers = matches!(entry.value, Value::List(_) | Value::Stream(_));
    // Redis deletes an existing destination and adds the key anew, so `new` is always reported.
    ks.put_entry(entry, ctx.now);
    ks.notify(GENERIC, "rename_from", src);
    ks.notify(GENERIC, "rename_to", dst);
    if wakes_readers {
        // A list moved into place serves clients blocked on the new name (BLPOP …).
        ks.signal_ready(dst);
    }
    if only_new {
        Frame::Integer(1)
    } else {
        Frame::ok()
    }
}

pub(super) fn randomkey(ctx: &mut Ctx<'_>, _: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    ks.random_key(ctx.now).map_or(Frame::Null, Frame::Bulk)
}

pub(super) fn touch(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    let found = args[1..]
        .iter()
        .filter(|key| ks.get_mut(key, ctx.now).is_some())
        .count();
    Frame::Integer(found as i64)
}

/// `COPY source destination [DB db] [REPLACE]`; DB takes an index or a region name.
pub(super) fn copy(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let (mut replace, mut target) = (false, None);
    let mut i = 3;
    while i < args.len() {
        if is(&args[i], "REPLACE") {
            replace = true;
        } else if is(&args[i], "DB") && i + 1 < args.len() {
            target = match db_region_name(&args[i + 1]) {
                Ok(name) => Some(name),
                Err(e) => return e,
            };
            i += 1;
        } else {
            return err(reply::SYNTAX);
        }
        i += 1;
    }
    let source_region = ctx.session.region.clone();
    let target_region = match target {
        Some(name) => match ctx.state.store.get_or_create(&name) {
            Ok(region) => region,
            Err(e) => return reply::err_msg(e),
        },
        None => source_region.clone(),
    };
    let same_region = std::sync::Arc::ptr_eq(&source_region, &target_region);
    if same_region && args[1] == args[2] {
        return err(reply::SAME_OBJECT);
    }
    let entry = {
        let mut ks = source_region.lock();
        match ks.peek(&args[1], ctx.now) {
            Some(entry) => entry.clone(),
            None => return Frame::Integer(0),
        }
    };
    // One region lock at a time: the value was cloned above, so no two locks are ever held.
    let mut ks = target_region.lock();
    if !replace && ks.peek(&args[2], ctx.now).is_some() {
        return Frame::Integer(0);
    }
    // A list or stream copied into place serves clients blocked on the new name.
    let wakes_readers = matches!(entry.value, Value::List(_) | Value::Stream(_));
    if replace {
        // Redis deletes the old destination and adds the copy anew (a `new` event), silently.
        ks.take(&args[2]);
    }
    ks.set(&args[2], entry.value, entry.expires_at, ctx.now);
    ks.notify(GENERIC, "copy_to", &args[2]);
    if wakes_readers {
        ks.signal_ready(&args[2]);
    }
    Frame::Integer(1)
}

/// The region behind a Redis database number (`0` is `default`, `n` is `db<n>`).
fn db_region_name(arg: &[u8]) -> Result<String, Frame> {
    match int(arg)? {
        n if n < 0 => Err(err(reply::DB_INDEX_RANGE)),
        0 => Ok(crate::store::DEFAULT_REGION.to_string()),
        n => Ok(format!("db{n}")),
    }
}

/// `MOVE key db`: moves a key to the region of database `db` unless it exists there.
pub(super) fn move_key(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let name = match db_region_name(&args[2]) {
        Ok(name) => name,
        Err(e) => return e,
    };
    let source = ctx.session.region.clone();
    if source.name() == name {
        return err(reply::SAME_OBJECT);
    }
    let target = match ctx.state.store.get_or_create(&name) {
        Ok(region) => region,
        Err(e) => return reply::err_msg(e),
    };
    // One region lock at a time (see COPY): read the source, insert into the target, then remove.
    let Some(entry) = source.lock().peek(&args[1], ctx.now).cloned() else {
        return Frame::Integer(0);
    };
    let mut target_ks = target.lock();
    if target_ks.peek(&args[1], ctx.now).is_some() {
        return Frame::Integer(0);
    }
    target_ks.set(&args[1], entry.value, entry.expires_at, ctx.now);
    drop(target_ks);
    let mut source_ks = source.lock();
    source_ks.remove(&args[1], ctx.now);
    source_ks.notify(GENERIC, "move_from", &args[1]);
    drop(source_ks);
    target.lock().notify(GENERIC, "move_to", &args[1]);
    Frame::Integer(1)
}

/// `SWAPDB a b`: the regions of databases `a` and `b` exchange their keys; clients connected to
/// either see the other's data at once. Region settings, statistics and JSON index definitions
/// stay with the region names. Runs with the exec gate held exclusively (table flag `EXCLUSIVE`),
/// which is what makes holding two region locks safe.
pub(super) fn swapdb(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let parse = |arg: &[u8], which: &str| match int(arg) {
        Ok(n) if n < 0 => Err(err(reply::DB_INDEX_RANGE)),
        Ok(0) => Ok(crate::store::DEFAULT_REGION.to_string()),
        Ok(n) => Ok(format!("db{n}")),
        Err(_) => Err(reply::err_msg(format!("invalid {which} DB index"))),
    };
    let names = parse(&args[1], "first").and_then(|a| Ok((a, parse(&args[2], "second")?)));
    let (first, second) = match names {
        Ok(names) => names,
        Err(e) => return e,
    };
    if first == second {
        return Frame::ok();
    }
    let regions = ctx
        .state
        .store
        .get_or_create(&first)
        .and_then(|a| Ok((a, ctx.state.store.get_or_create(&second)?)));
    let (a, b) = match regions {
        Ok(regions) => regions,
        Err(e) => return reply::err_msg(e),
    };
    let (mut a_keys, mut b_keys) = (a.lock(), b.lock());
    match a_keys.swap_contents(&mut b_keys) {
        Ok(()) => Frame::ok(),
        Err(crate::store::keyspace::SwapError::ValuesOnDisk) => reply::err_msg(
            "SWAPDB is not possible while values of either region are evicted to the persistence \
             backend",
        ),
    }
}

pub(super) fn dbsize(ctx: &mut Ctx<'_>, _: &[Bytes]) -> Frame {
    // Keys whose values were evicted to the persistence backend still exist.
    let ks = ctx.session.region.lock();
    Frame::Integer((ks.len() + ks.on_disk_len()) as i64)
}

fn flush_mode_ok(args: &[Bytes]) -> bool {
    args.len() == 1 || (args.len() == 2 && (is(&args[1], "ASYNC") || is(&args[1], "SYNC")))
}

pub(super) fn flushdb(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    if !flush_mode_ok(args) {
        return err(reply::SYNTAX);
    }
    ctx.session.region.lock().clear();
    Frame::ok()
}

pub(super) fn flushall(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    if !flush_mode_ok(args) {
        return err(reply::SYNTAX);
    }
    for region in ctx.state.store.regions() {
        region.lock().clear();
    }
    Frame::ok()
}

const OBJECT_HELP: &[&str] = &[
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Print this help.",
];

pub(super) fn object(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let sub = &args[1];
    if is(sub, "HELP") && args.len() == 2 {
        return Frame::Array(OBJECT_HELP.iter().map(|l| Frame::simple(l)).collect());
    }
    let known = ["ENCODING", "FREQ", "IDLETIME", "REFCOUNT"]
        .iter()
        .any(|s| is(sub, s));
    if !known || args.len() != 3 {
        return reply::unknown_subcommand("object", sub);
    }
    let mut ks = ctx.session.region.lock();
    let Some(entry) = ks.peek(&args[2], ctx.now) else {
        return Frame::Null;
    };
    if is(sub, "ENCODING") {
        Frame::bulk(entry.value.encoding())
    } else if is(sub, "FREQ") {
        Frame::Integer(entry.accesses.min(255) as i64)
    } else if is(sub, "IDLETIME") {
        Frame::Integer((ctx.now.saturating_sub(entry.last_access) / 1000) as i64)
    } else {
        let _: &Value = &entry.value;
        Frame::Integer(1)
    }
}

#[cfg(test)]
mod tests {
    use crate::auth::Role;
    use crate::cmd::testing::server;

    #[tokio::test]
    async fn del_exists_type_touch() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("MSET a 1 b 2").await;
        assert_eq!(c.run("EXISTS a b a nope").await, ":3\r\n");
        assert_eq!(c.run("TYPE a").await, "+string\r\n");
        assert_eq!(c.run("TYPE nope").await, "+none\r\n");
        assert_eq!(c.run("TOUCH a nope").await, ":1\r\n");
        assert_eq!(c.run("DEL a b nope").await, ":2\r\n");
        assert_eq!(c.run("UNLINK a").await, ":0\r\n");
    }

    #[tokio::test]
    async fn expire_family_with_conditions() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("SET k v").await;
        assert_eq!(c.run("EXPIRE nope 10").await, ":0\r\n");
        assert_eq!(c.run("EXPIRE k 10 XX").await, ":0\r\n");
        assert_eq!(c.run("EXPIRE k 10 GT").await, ":0\r\n");
        assert_eq!(c.run("EXPIRE k 10 NX").await, ":1\r\n");
        assert_eq!(c.run("EXPIRE k 20 NX").await, ":0\r\n");
        assert_eq!(c.run("EXPIRE k 5 GT").await, ":0\r\n");
        assert_eq!(c.run("EXPIRE k 20 GT").await, ":1\r\n");
        assert_eq!(c.run("EXPIRE k 30 LT").await, ":0\r\n");
        assert_eq!(c.run("PEXPIRE k 1500 LT").await, ":1\r\n");
        assert_eq!(c.run("PTTL k").await, ":1500\r\n");
        assert_eq!(c.run("TTL k").await, ":2\r\n");
        assert_eq!(
            c.run("EXPIRE k 10 NX XX").await,
            "-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
        );
        assert_eq!(
            c.run("EXPIRE k 10 GT LT").await,
            "-ERR GT and LT options at the same time are not compatible\r\n"
        );
        assert_eq!(
            c.run("EXPIRE k 10 YY").await,
            "-ERR Unsupported option YY\r\n"
        );
        assert_eq!(
            c.run("EXPIRE k 9223372036854775807").await,
            "-ERR invalid expire time in 'expire' command\r\n"
        );
        let at = s.state.store.now() + 60_000;
        assert_eq!(c.run(&format!("PEXPIREAT k {at}")).await, ":1\r\n");
        assert_eq!(c.run("PEXPIRETIME k").await, format!(":{at}\r\n"));
        assert_eq!(c.run(&format!("EXPIREAT k {}", at / 1000)).await, ":1\r\n");
        assert_eq!(c.run("PERSIST k").await, ":1\r\n");
        assert_eq!(c.run("PERSIST k").await, ":0\r\n");
        assert_eq!(c.run("TTL k").await, ":-1\r\n");
        assert_eq!(c.run("TTL nope").await, ":-2\r\n");
        assert_eq!(c.run("EXPIRETIME k").await, ":-1\r\n");
        assert_eq!(c.run("EXPIRE k -1").await, ":1\r\n");
        assert_eq!(c.run("EXISTS k").await, ":0\r\n");
    }

    #[tokio::test]
    async fn keys_scan_randomkey() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("RANDOMKEY").await, "$-1\r\n");
        c.run("MSET user:1 a user:2 b other c").await;
        let keys = c.run("KEYS user:*").await;
        assert!(
            keys.starts_with("*2\r\n") && keys.contains("user:1") && keys.contains("user:2"),
            "{keys}"
        );
        assert_eq!(
            c.run("SCAN 0 MATCH other COUNT 1000").await,
            "*2\r\n$1\r\n0\r\n*1\r\n$5\r\nother\r\n"
        );
        assert_eq!(
            c.run("SCAN 0 TYPE hash COUNT 1000").await,
            "*2\r\n$1\r\n0\r\n*0\r\n"
        );
        assert_eq!(c.run("SCAN x").await, "-ERR invalid cursor\r\n");
        assert_eq!(c.run("SCAN 0 COUNT 0").await, "-ERR syntax error\r\n");
        assert_eq!(c.run("SCAN 0 MATCH").await, "-ERR syntax error\r\n");
        assert!(c.run("RANDOMKEY").await.starts_with('$'));
        assert_eq!(c.run("DBSIZE").await, ":3\r\n");
    }

    #[tokio::test]
    async fn rename_and_copy() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("RENAME nope x").await, "-ERR no such key\r\n");
        c.run("SET a 1 EX 100").await;
        assert_eq!(c.run("RENAME a b").await, "+OK\r\n");
        assert_eq!(c.run("TTL b").await, ":100\r\n");
        assert_eq!(c.run("EXISTS a").await, ":0\r\n");
        c.run("SET c 3").await;
        assert_eq!(c.run("RENAMENX b c").await, ":0\r\n");
        assert_eq!(c.run("RENAMENX b d").await, ":1\r\n");
        assert_eq!(c.run("RENAME d d").await, "+OK\r\n");
        assert_eq!(c.run("COPY d c").await, ":0\r\n");
        assert_eq!(c.run("COPY d c REPLACE").await, ":1\r\n");
        assert_eq!(c.run("GET c").await, "$1\r\n1\r\n");
        assert_eq!(
            c.run("COPY d d").await,
            "-ERR source and destination objects are the same\r\n"
        );
        assert_eq!(c.run("COPY d e DB 2").await, ":1\r\n");
        assert_eq!(c.run("SELECT 2").await, "+OK\r\n");
        assert_eq!(c.run("GET e").await, "$1\r\n1\r\n");
        assert_eq!(c.run("COPY nope x").await, ":0\r\n");
        assert_eq!(
            c.run("COPY e f DB notanumber").await,
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(c.run("MOVE e 0").await, ":1\r\n");
        assert_eq!(c.run("EXISTS e").await, ":0\r\n");
        assert_eq!(
            c.run("MOVE e 2").await,
            "-ERR source and destination objects are the same\r\n"
        );
        assert_eq!(c.run("SELECT 0").await, "+OK\r\n");
        assert_eq!(c.run("GET e").await, "$1\r\n1\r\n");
        assert_eq!(c.run("MOVE e 2").await, ":1\r\n");
        c.run("SET e again").await;
        c.run("SELECT 2").await;
        assert_eq!(c.run("MOVE e 0").await, ":0\r\n");
        assert_eq!(
            c.run("MOVE e x").await,
            "-ERR value is not an integer or out of range\r\n"
        );
        assert_eq!(c.run("MOVE nope 0").await, ":0\r\n");
    }

    #[tokio::test]
    async fn flush_and_object() {
        let s = server();
        let mut admin = s.client(Role::Admin);
        admin.run("SET n 123").await;
        admin.run("SET s hello").await;
        assert_eq!(admin.run("OBJECT ENCODING n").await, "$3\r\nint\r\n");
        assert_eq!(admin.run("OBJECT ENCODING s").await, "$6\r\nembstr\r\n");
        assert_eq!(admin.run("OBJECT ENCODING nope").await, "$-1\r\n");
        assert_eq!(admin.run("OBJECT REFCOUNT s").await, ":1\r\n");
        s.clock.advance(5_000);
        assert_eq!(admin.run("OBJECT IDLETIME s").await, ":5\r\n");
        assert_eq!(admin.run("OBJECT FREQ s").await, ":1\r\n");
        assert_eq!(
            admin.run("OBJECT NOPE s").await,
            "-ERR unknown subcommand 'NOPE'. Try OBJECT HELP.\r\n"
        );
        assert_eq!(admin.run("SELECT 1").await, "+OK\r\n");
        admin.run("SET other 1").await;
        assert_eq!(admin.run("FLUSHDB").await, "+OK\r\n");
        assert_eq!(admin.run("DBSIZE").await, ":0\r\n");
        assert_eq!(admin.run("SELECT 0").await, "+OK\r\n");
        assert_eq!(admin.run("DBSIZE").await, ":2\r\n");
        assert_eq!(admin.run("FLUSHALL FOO").await, "-ERR syntax error\r\n");
        assert_eq!(admin.run("FLUSHALL ASYNC").await, "+OK\r\n");
        assert_eq!(admin.run("DBSIZE").await, ":0\r\n");
    }
}
