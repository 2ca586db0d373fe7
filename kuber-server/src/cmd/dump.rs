//! DUMP and RESTORE: a key's value as Redis's serialized payload (format in `store::dump`), and
//! back, with Redis's options and error texts.

use bytes::Bytes;
use kuber_protocol::Frame;

use super::Ctx;
use super::args::{int, is};
use super::reply::{self, err};
use crate::notify::GENERIC;
use crate::store::{Value, dump};

/// `DUMP key`: the payload, or nil when the key does not exist.
pub(super) fn dump(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let mut ks = ctx.session.region.lock();
    match ks.peek(&args[1], ctx.now) {
        Some(entry) => Frame::Bulk(dump::dump(&entry.value)),
        None => Frame::Null,
    }
}

/// `RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]`, checked in Redis's order:
/// options, existing key, TTL, payload.
pub(super) fn restore(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let (mut replace, mut absolute, mut idle_seconds, mut frequency) = (false, false, None, None);
    let mut i = 4;
    while i < args.len() {
        let has_value = i + 1 < args.len();
        if is(&args[i], "REPLACE") {
            replace = true;
        } else if is(&args[i], "ABSTTL") {
            absolute = true;
        } else if is(&args[i], "IDLETIME") && has_value && frequency.is_none() {
            match int(&args[i + 1]) {
                Ok(n) if n >= 0 => idle_seconds = Some(n as u64),
                Ok(_) => return reply::err_msg("Invalid IDLETIME value, must be >= 0"),
                Err(e) => return e,
            }
            i += 1;
        } else if is(&args[i], "FREQ") && has_value && idle_seconds.is_none() {
            match int(&args[i + 1]) {
                Ok(n @ 0..=255) => frequency = Some(n as u32),
                Ok(_) => return reply::err_msg("Invalid FREQ value, must be >= 0 and <= 255"),
                Err(e) => return e,
            }
            i += 1;
        } else {
            return err(reply::SYNTAX);
        }
        i += 1;
    }
    let key = &args[1];
    let mut ks = ctx.session.region.lock();
    if !replace && ks.peek(key, ctx.now).is_some() {
        return Frame::error("BUSYKEY Target key name already exists.");
    }
    let ttl = match int(&args[2]) {
        Ok(ttl) if ttl >= 0 => ttl as u64,
        Ok(_) => return reply::err_msg("Invalid TTL value, must be >= 0"),
        Err(e) => return e,
    };
    let max_json =
        usize::try_from(ctx.state.config.kuber.cache.max_json_document_bytes).unwrap_or(usize::MAX);
    let value = match dump::restore(&args[3], max_json) {
        Ok(value) => value,
        Err(e) => return Frame::error(e.message()),
    };
    let replaced = replace && ks.remove(key, ctx.now).is_some();
    let expires_at = match ttl {
        0 => None,
        ttl if absolute => Some(ttl),
        ttl => Some(ctx.now.saturating_add(ttl)),
    };
    if expires_at.is_some_and(|at| at <= ctx.now) {
        // Already expired: Redis answers OK and stores nothing (the replaced key is gone).
        if replaced {
            ks.notify(GENERIC, "del", key);
        }
        return Frame::ok();
    }
    let wakes = matches!(value, Value::List(_) | Value::ZSet(_));
    ks.set(key, value, expires_at, ctx.now);
    if let Some(entry) = ks.get_mut(key, ctx.now) {
        if let Some(idle) = idle_seconds {
            entry.last_access = ctx.now.saturating_sub(idle.saturating_mul(1000));
        }
        if let Some(frequency) = frequency {
            entry.accesses = frequency;
        }
    }
    ks.notify(GENERIC, "restore", key);
    if wakes {
        ks.signal_ready(key);
    }
    Frame::ok()
}

#[cfg(test)]
mod tests {
    use crate::auth::Role;
    use crate::cmd::testing::{TestClient, server};
    use bytes::Bytes;
    use kuber_protocol::Frame;

    async fn dump_of(c: &mut TestClient, key: &str) -> Bytes {
        match c
            .run_frame(vec!["DUMP".into(), key.to_string().into()])
            .await
        {
            Frame::Bulk(payload) => payload,
            other => panic!("DUMP {key} answered {other:?}"),
        }
    }

    #[tokio::test]
    async fn dump_and_restore_every_type() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("SET s hello").await;
        c.run("RPUSH l a b c").await;
        c.run("SADD st x y").await;
        c.run("HSET h f v g w").await;
        c.run("ZADD z 1.5 a -inf b").await;
        for key in ["s", "l", "st", "h", "z"] {
            let payload = dump_of(&mut c, key).await;
            let copy = format!("{key}-copy");
            let restored = c
                .run_args(vec![
                    "RESTORE".into(),
                    copy.clone().into(),
                    "0".into(),
                    payload,
                ])
                .await;
            assert_eq!(restored, "+OK\r\n", "{key}");
            assert_eq!(
                c.run(&format!("TYPE {key}")).await,
                c.run(&format!("TYPE {copy}")).await
            );
        }
        assert_eq!(
            c.run("LRANGE l-copy 0 -1").await,
            c.run("LRANGE l 0 -1").await
        );
        assert_eq!(
            c.run("ZRANGE z-copy 0 -1 WITHSCORES").await,
            c.run("ZRANGE z 0 -1 WITHSCORES").await
        );
        assert_eq!(c.run("HGET h-copy g").await, "$1\r\nw\r\n");
        assert_eq!(c.run("DUMP missing").await, "$-1\r\n");
        s.assert_memory_consistent();
    }

    #[tokio::test]
    async fn restore_options_and_errors_answer_like_redis() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("SET s hello").await;
        let payload = dump_of(&mut c, "s").await;
        let restore = |key: &str, ttl: &str, extra: &[&str]| {
            let mut args: Vec<Bytes> = vec!["RESTORE".into(), key.to_string().into()];
            args.push(ttl.to_string().into());
            args.push(payload.clone());
            args.extend(extra.iter().map(|a| Bytes::from(a.to_string())));
            args
        };
        assert_eq!(
            c.run_args(restore("s", "0", &[])).await,
            "-BUSYKEY Target key name already exists.\r\n"
        );
        assert_eq!(c.run_args(restore("s", "0", &["REPLACE"])).await, "+OK\r\n");
        assert_eq!(
            c.run_args(restore("t", "-1", &[])).await,
            "-ERR Invalid TTL value, must be >= 0\r\n"
        );
        assert_eq!(
            c.run_args(restore("t", "0", &["BOGUS"])).await,
            "-ERR syntax error\r\n"
        );
        assert_eq!(
            c.run_args(restore("t", "0", &["FREQ", "300"])).await,
            "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"
        );
        assert_eq!(
            c.run_args(restore("t", "0", &["IDLETIME", "10", "FREQ", "1"]))
                .await,
            "-ERR syntax error\r\n"
        );
        assert_eq!(
            c.run("RESTORE t 0 junk-payload").await,
            "-ERR DUMP payload version or checksum are wrong\r\n"
        );
        // A TTL: relative, absolute in the past (nothing stored, the replaced key is gone).
        assert_eq!(c.run_args(restore("t", "5000", &[])).await, "+OK\r\n");
        let pttl = c.run("PTTL t").await;
        assert!(pttl.starts_with(":4") || pttl == ":5000\r\n", "{pttl}");
        assert_eq!(
            c.run_args(restore("t", "1000", &["REPLACE", "ABSTTL"]))
                .await,
            "+OK\r\n"
        );
        assert_eq!(c.run("EXISTS t").await, ":0\r\n");
        assert_eq!(
            c.run_args(restore("u", "0", &["IDLETIME", "1000"])).await,
            "+OK\r\n"
        );
        assert_eq!(c.run("OBJECT IDLETIME u").await, ":1000\r\n");
        s.assert_memory_consistent();
    }

    #[tokio::test]
    async fn restore_wakes_a_blocked_client() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("RPUSH src job").await;
        let payload = dump_of(&mut c, "src").await;
        let waiter = crate::cmd::testing::spawn_run!(s.client(Role::User), "BLPOP q 0");
        crate::cmd::testing::settle().await;
        c.run_args(vec!["RESTORE".into(), "q".into(), "0".into(), payload])
            .await;
        assert_eq!(waiter.await.unwrap().1, "*2\r\n$1\r\nq\r\n$3\r\njob\r\n");
    }
}
