//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH, with Redis semantics. Queueing happens in the
//! dispatcher (`cmd::execute`); EXEC runs the queue while holding the exec gate for writing, so no
//! other client's command interleaves.

use bytes::Bytes;
use kuber_protocol::Frame;

use super::Ctx;
use super::reply::{self, err};

pub(super) fn multi(ctx: &mut Ctx<'_>, _: &[Bytes]) -> Frame {
    if ctx.session.multi.is_some() {
        return err(reply::MULTI_NESTED);
    }
    ctx.session.multi = Some(Vec::new());
    ctx.session.multi_failed = false;
    Frame::ok()
}

pub(super) fn discard(ctx: &mut Ctx<'_>, _: &[Bytes]) -> Frame {
    if ctx.session.multi.take().is_none() {
        return err(reply::DISCARD_WITHOUT_MULTI);
    }
    ctx.session.multi_failed = false;
    ctx.session.unwatch_all();
    Frame::ok()
}

pub(super) fn watch(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    if ctx.session.multi.is_some() {
        return err(reply::WATCH_IN_MULTI);
    }
    let region = ctx.session.region.clone();
    let mut ks = region.lock();
    for key in &args[1..] {
        if ctx
            .session
            .watched
            .iter()
            .any(|(r, k)| std::sync::Arc::ptr_eq(r, &region) && k == key)
        {
            continue;
        }
        // Meeting an expired key here removes it now, so its expiry does not count as a change
        // after WATCH ("WATCH stale keys should not fail EXEC").
        ks.peek(key, ctx.now);
        ks.watch(key, ctx.session.watch_dirty.clone());
        ctx.session
            .watched
            .push((region.clone(), Bytes::copy_from_slice(key)));
    }
    Frame::ok()
}

pub(super) fn unwatch(ctx: &mut Ctx<'_>, _: &[Bytes]) -> Frame {
    ctx.session.unwatch_all();
    Frame::ok()
}

#[cfg(test)]
mod tests {
    use crate::auth::Role;
    use crate::cmd::testing::server;

    #[tokio::test]
    async fn multi_exec_queues_and_runs() {
        let s = server();
        let mut c = s.client(Role::User);
        assert_eq!(c.run("EXEC").await, "-ERR EXEC without MULTI\r\n");
        assert_eq!(c.run("DISCARD").await, "-ERR DISCARD without MULTI\r\n");
        assert_eq!(c.run("MULTI").await, "+OK\r\n");
        assert_eq!(
            c.run("MULTI").await,
            "-ERR MULTI calls can not be nested\r\n"
        );
        assert_eq!(c.run("SET k 1").await, "+QUEUED\r\n");
        assert_eq!(c.run("INCR k").await, "+QUEUED\r\n");
        assert_eq!(c.run("GET k").await, "+QUEUED\r\n");
        assert_eq!(c.run("EXEC").await, "*3\r\n+OK\r\n:2\r\n$1\r\n2\r\n");
    }

    #[tokio::test]
    async fn queueing_errors_abort_and_runtime_errors_do_not() {
        let s = server();
        let mut c = s.client(Role::User);
        c.run("MULTI").await;
        assert_eq!(c.run("SET k v").await, "+QUEUED\r\n");
        assert_eq!(
            c.run("NOSUCH").await,
            "-ERR unknown command 'NOSUCH', with args beginning with: \r\n"
        );
        assert_eq!(
            c.run("GET").await,
            "-ERR wrong number of arguments for 'get' command\r\n"
        );
        assert_eq!(
            c.run("EXEC").await,
            "-EXECABORT Transaction discarded because of previous errors.\r\n"
        );
        assert_eq!(c.run("GET k").await, "$-1\r\n");
        c.run("MULTI").await;
        c.run("SET s text").await;
        c.run("INCR s").await;
        c.run("SET t ok").await;
        assert_eq!(
            c.run("EXEC").await,
            "*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n+OK\r\n"
        );
        let mut admin = s.client(Role::Admin);
        admin.run("MULTI").await;
        assert_eq!(
            admin.run("SAVE").await,
            "-ERR Command not allowed inside a transaction\r\n"
        );
        assert_eq!(
            admin.run("EXEC").await,
            "-EXECABORT Transaction discarded because of previous errors.\r\n"
        );
        let mut reader = s.client(Role::Reader);
        reader.run("MULTI").await;
        assert_eq!(
            reader.run("SET x 1").await,
            "-NOPERM User reader has no permissions to run the 'set' command\r\n"
        );
        assert_eq!(
            reader.run("EXEC").await,
            "-EXECABORT Transaction discarded because of previous errors.\r\n"
        );
    }

    #[tokio::test]
    async fn watch_fails_exec_when_another_client_writes() {
        let s = server();
        let mut a = s.client(Role::User);
        let mut b = s.client(Role::User);
        a.run("SET k 1").await;
        assert_eq!(a.run("WATCH k").await, "+OK\r\n");
        b.run("SET k 2").await;
        a.run("MULTI").await;
        assert_eq!(
            a.run("WATCH k").await,
            "-ERR WATCH inside MULTI is not allowed\r\n"
        );
        a.run("SET k 3").await;
        assert_eq!(a.run("EXEC").await, "*-1\r\n");
        assert_eq!(a.run("GET k").await, "$1\r\n2\r\n");
        // Not modified: EXEC runs, and afterwards nothing is watched any more.
        a.run("WATCH k").await;
        a.run("MULTI").await;
        a.run("SET k 4").await;
        assert_eq!(a.run("EXEC").await, "*1\r\n+OK\r\n");
        b.run("SET k 5").await;
        a.run("MULTI").await;
        a.run("GET k").await;
        assert_eq!(a.run("EXEC").await, "*1\r\n$1\r\n5\r\n");
        // UNWATCH and DISCARD forget watches.
        a.run("WATCH k").await;
        assert_eq!(a.run("UNWATCH").await, "+OK\r\n");
        b.run("SET k 6").await;
        a.run("MULTI").await;
        a.run("GET k").await;
        assert_eq!(a.run("EXEC").await, "*1\r\n$1\r\n6\r\n");
        a.run("WATCH k").await;
        a.run("MULTI").await;
        assert_eq!(a.run("DISCARD").await, "+OK\r\n");
        assert_eq!(
            s.state
                .store
                .default_region()
                .lock()
                .watch_counter()
                .load(std::sync::atomic::Ordering::Relaxed),
            0
        );
    }

    #[tokio::test]
    async fn watch_sees_expiry_flush_and_failed_writes_do_not_count() {
        let s = server();
        let mut a = s.client(Role::Admin);
        let mut b = s.client(Role::Admin);
        a.run("SET k 1 PX 100").await;
        a.run("WATCH k").await;
        s.clock.advance(100);
        a.run("MULTI").await;
        a.run("GET k").await;
        assert_eq!(a.run("EXEC").await, "*-1\r\n");
        a.run("SET k 1").await;
        a.run("WATCH k").await;
        assert_eq!(
            b.run("INCR k nope").await,
            "-ERR wrong number of arguments for 'incr' command\r\n"
        );
        b.run("SET other 1").await;
        a.run("MULTI").await;
        a.run("GET k").await;
        assert_eq!(a.run("EXEC").await, "*1\r\n$1\r\n1\r\n");
        a.run("WATCH k").await;
        b.run("FLUSHDB").await;
        a.run("MULTI").await;
        a.run("GET k").await;
        assert_eq!(a.run("EXEC").await, "*-1\r\n");
        // A flush does not touch a watched key that did not exist.
        a.run("WATCH absent").await;
        b.run("FLUSHALL").await;
        a.run("MULTI").await;
        a.run("PING").await;
        assert_eq!(a.run("EXEC").await, "*1\r\n+PONG\r\n");
    }
}
