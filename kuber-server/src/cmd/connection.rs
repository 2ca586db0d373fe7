//! Connection commands: AUTH, HELLO, PING, ECHO, QUIT, SELECT, RESET and CLIENT.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use kuber_protocol::{Frame, ProtocolVersion};

use super::args::{int, is, text};
use super::reply::{self, err};
use super::{Ctx, region, table};
use crate::session::{ClientHandle, Session, Unblock};
use crate::state::ServerState;

/// The Redis version Kuber answers as: the command set and replies follow Redis 7.0.
pub const REDIS_VERSION: &str = "7.0.15";

pub(super) fn ping(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    if ctx.session.subscriptions() > 0 && ctx.session.protocol == ProtocolVersion::Resp2 {
        // A subscribed RESP2 connection gets PING's answer in the shape of a message.
        return match args.len() {
            1 => Frame::Array(vec![Frame::bulk("pong"), Frame::bulk("")]),
            2 => Frame::Array(vec![Frame::bulk("pong"), Frame::Bulk(args[1].clone())]),
            _ => reply::wrong_arity("ping"),
        };
    }
    match args.len() {
        1 => Frame::simple("PONG"),
        2 => Frame::Bulk(args[1].clone()),
        _ => reply::wrong_arity("ping"),
    }
}

pub(super) fn echo(_: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    Frame::Bulk(args[1].clone())
}

pub(super) fn quit(ctx: &mut Ctx<'_>, _: &[Bytes]) -> Frame {
    ctx.session.close_after_reply = true;
    Frame::ok()
}

pub(super) fn select(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let name = match int(&args[1]) {
        Ok(n) if n < 0 => return err(reply::DB_INDEX_RANGE),
        Ok(0) => crate::store::DEFAULT_REGION.to_string(),
        Ok(n) => format!("db{n}"),
        Err(_) => text(&args[1]),
    };
    region::switch_to(ctx, &name)
}

pub(super) fn reset(ctx: &mut Ctx<'_>, _: &[Bytes]) -> Frame {
    let region = ctx.state.store.default_region();
    let session = &mut *ctx.session;
    session.multi = None;
    session.multi_failed = false;
    session.unwatch_all();
    session.unsubscribe_all(&ctx.state.pubsub);
    ctx.state.refresh_keyspace_events();
    session.set_region(region);
    session.set_protocol(ProtocolVersion::Resp2);
    session.set_identity(None);
    session.handle.meta.lock().name = None;
    Frame::simple("RESET")
}

/// `AUTH [username] password`
pub(super) async fn auth(state: &ServerState, session: &mut Session, args: &[Bytes]) -> Frame {
    let (username, password) = match args.len() {
        2 => ("default".to_string(), &args[1]),
        3 => (text(&args[1]), &args[2]),
        _ => return err(reply::SYNTAX),
    };
    login(state, session, &username, password).await
}

async fn login(
    state: &ServerState,
    session: &mut Session,
    username: &str,
    password: &[u8],
) -> Frame {
    match state
        .auth
        .authenticate(username, password, session.handle.peer.ip())
        .await
    {
        Some(identity) => {
            tracing::debug!(user = %identity.username, peer = %session.handle.peer, "client authenticated");
            session.set_identity(Some(identity));
            Frame::ok()
        }
        None => {
            state.stats.auth_failures.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(user = %username, peer = %session.handle.peer, "authentication failed");
            err(reply::WRONGPASS)
        }
    }
}

/// `HELLO [protover [AUTH username password] [SETNAME clientname]]`
pub(super) async fn hello(state: &ServerState, session: &mut Session, args: &[Bytes]) -> Frame {
    let mut protocol = session.protocol;
    if args.len() >= 2 {
        protocol = match int(&args[1]) {
            Ok(2) => ProtocolVersion::Resp2,
            Ok(3) => ProtocolVersion::Resp3,
            Ok(_) => return err(reply::NOPROTO),
            Err(_) => return err(reply::PROTOVER_NOT_INTEGER),
        };
    }
    let mut credentials = None;
    let mut name = None;
    let mut i = 2;
    while i < args.len() {
        let more = args.len() - i - 1;
        if is(&args[i], "AUTH") && more >= 2 {
            credentials = Some((text(&args[i + 1]), args[i + 2].clone()));
            i += 3;
        } else if is(&args[i], "SETNAME") && more >= 1 {
            name = Some(args[i + 1].clone());
            i += 2;
        } else {
            return reply::hello_option(&args[i]);
        }
    }
    if let Some((username, password)) = credentials {
        let reply = login(state, session, &username, &password).await;
        if reply.is_error() {
            return reply;
        }
    }
    if session.identity.is_none() {
        return err(reply::NOAUTH_HELLO);
    }
    if let Some(name) = name {
        if !valid_client_name(&name) {
            return err(reply::BAD_CLIENT_NAME);
        }
        session.handle.meta.lock().name = (!name.is_empty()).then_some(name);
    }
    session.set_protocol(protocol);
    let proto = if protocol == ProtocolVersion::Resp3 {
        3
    } else {
        2
    };
    Frame::Map(vec![
        (Frame::bulk("server"), Frame::bulk("redis")),
        (Frame::bulk("version"), Frame::bulk(REDIS_VERSION)),
        (Frame::bulk("proto"), Frame::Integer(proto)),
        (Frame::bulk("id"), Frame::Integer(session.handle.id as i64)),
        (Frame::bulk("mode"), Frame::bulk("standalone")),
        (Frame::bulk("role"), Frame::bulk("master")),
        (Frame::bulk("modules"), Frame::Array(vec![])),
        (Frame::bulk("kuber"), Frame::bulk(env!("CARGO_PKG_VERSION"))),
    ])
}

fn valid_client_name(name: &[u8]) -> bool {
    name.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

/// One `CLIENT LIST` line.
pub(super) fn client_line(handle: &ClientHandle, now_ms: u64) -> String {
    let meta = handle.meta.lock().clone();
    let cmd = table::COMMANDS
        .get(handle.last_command.load(Ordering::Relaxed))
        .map_or("NULL", |c| c.name);
    let db = meta
        .region
        .strip_prefix("db")
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or_default();
    let show = |b: &Option<Bytes>| {
        b.as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    format!(
        "id={} addr={} laddr={} fd=0 name={} age={} idle={} flags={} db={} region={} sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd={} user={} redir=-1 resp={} lib-name={} lib-ver={}",
        handle.id,
        handle.peer,
        handle.local,
        show(&meta.name),
        now_ms.saturating_sub(handle.created_ms) / 1000,
        now_ms.saturating_sub(handle.last_interaction_ms.load(Ordering::Relaxed)) / 1000,
        if handle.is_blocked() { "b" } else { "N" },
        db,
        meta.region,
        cmd,
        meta.user.as_deref().unwrap_or("default"),
        meta.resp,
        show(&meta.lib_name),
        show(&meta.lib_ver),
    )
}

const CLIENT_HELP: &[&str] = &[
    "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ID",
    "    Return the ID of the current connection.",
    "GETNAME",
    "    Return the name of the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "SETINFO <LIB-NAME|LIB-VER> <value>",
    "    Set client library name or version.",
    "LIST [TYPE normal] [ID id ...]",
    "    Return information about client connections.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port> | KILL <option> <value> [...]",
    "    Kill connections (ADMIN). Options: ID, ADDR, LADDR, USER, SKIPME.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client (ADMIN).",
    "NO-EVICT (ON|OFF)",
    "    Accepted for compatibility.",
    "NO-TOUCH (ON|OFF)",
    "    Accepted for compatibility.",
    "HELP",
    "    Print this help.",
];

pub(super) fn client(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let sub = &args[1];
    let now = ctx.state.store.now();
    let handle = ctx.session.handle.clone();
    if is(sub, "ID") && args.len() == 2 {
        Frame::Integer(handle.id as i64)
    } else if is(sub, "REPLY") && args.len() == 3 {
        // The connection drops replies as these flags say (`Session::sends_reply`); OFF and SKIP
        // drop their own reply too, as in Redis.
        let mode = &args[2];
        if is(mode, "ON") {
            ctx.session.replies_off = false;
            ctx.session.replies_to_skip = 0;
        } else if is(mode, "OFF") {
            ctx.session.replies_off = true;
        } else if is(mode, "SKIP") {
            ctx.session.replies_to_skip = 2;
        } else {
            return err(reply::SYNTAX);
        }
        Frame::ok()
    } else if is(sub, "GETNAME") && args.len() == 2 {
        handle
            .meta
            .lock()
            .name
            .clone()
            .map_or(Frame::Null, Frame::Bulk)
    } else if is(sub, "SETNAME") && args.len() == 3 {
        if !valid_client_name(&args[2]) {
            return err(reply::BAD_CLIENT_NAME);
        }
        handle.meta.lock().name = (!args[2].is_empty()).then(|| args[2].clone());
        Frame::ok()
    } else if is(sub, "SETINFO") && args.len() == 4 {
        if !valid_client_name(&args[3]) {
            return reply::bad_lib_info(&args[2]);
        }
        let mut meta = handle.meta.lock();
        if is(&args[2], "LIB-NAME") {
            meta.lib_name = Some(args[3].clone());
        } else if is(&args[2], "LIB-VER") {
            meta.lib_ver = Some(args[3].clone());
        } else {
            return reply::unrecognized_option(&args[2]);
        }
        Frame::ok()
    } else if is(sub, "LIST") {
        let mut ids = None;
        let mut i = 2;
        while i < args.len() {
            if is(&args[i], "TYPE") && i + 1 < args.len() {
                if !is(&args[i + 1], "normal")
                    && !is(&args[i + 1], "pubsub")
                    && !is(&args[i + 1], "master")
                    && !is(&args[i + 1], "replica")
                {
                    return reply::unknown_client_type(&args[i + 1]);
                }
                i += 2;
            } else if is(&args[i], "ID") && i + 1 < args.len() {
                let mut list = Vec::new();
                for a in &args[i + 1..] {
                    match int(a) {
                        Ok(id) if id > 0 => list.push(id as u64),
                        _ => return err(reply::INVALID_CLIENT_ID),
                    }
                }
                ids = Some(list);
                break;
            } else {
                return err(reply::SYNTAX);
            }
        }
        let mut out = String::new();
        for client in ctx.state.clients.all() {
            if ids.as_ref().is_none_or(|ids| ids.contains(&client.id)) {
                out.push_str(&client_line(&client, now));
                out.push('\n');
            }
        }
        Frame::Verbatim {
            format: *b"txt",
            text: out.into(),
        }
    } else if is(sub, "INFO") && args.len() == 2 {
        Frame::Verbatim {
            format: *b"txt",
            text: format!("{}\n", client_line(&handle, now)).into(),
        }
    } else if is(sub, "KILL") && args.len() >= 3 {
        if ctx.role() != crate::auth::Role::Admin {
            return ctx.noperm("client|kill");
        }
        client_kill(ctx, args)
    } else if is(sub, "UNBLOCK") && (2..=4).contains(&args.len()) {
        if ctx.role() != crate::auth::Role::Admin {
            return ctx.noperm("client|unblock");
        }
        client_unblock(ctx, args)
    } else if (is(sub, "NO-EVICT") || is(sub, "NO-TOUCH")) && args.len() == 3 {
        if is(&args[2], "ON") || is(&args[2], "OFF") {
            Frame::ok()
        } else {
            err(reply::SYNTAX)
        }
    } else if is(sub, "HELP") && args.len() == 2 {
        Frame::Array(CLIENT_HELP.iter().map(|l| Frame::simple(l)).collect())
    } else {
        reply::unknown_subcommand("client", sub)
    }
}

/// `CLIENT UNBLOCK id [TIMEOUT|ERROR]`: :1 when the client was blocked and now is not.
fn client_unblock(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    if args.len() == 2 {
        return reply::wrong_arity("client|unblock");
    }
    // Redis checks the reason before the id.
    let how = match args.get(3) {
        None => Unblock::Timeout,
        Some(reason) if is(reason, "TIMEOUT") => Unblock::Timeout,
        Some(reason) if is(reason, "ERROR") => Unblock::Error,
        Some(_) => return err(reply::CLIENT_UNBLOCK_REASON),
    };
    let id = match int(&args[2]) {
        Ok(id) => id,
        Err(e) => return e,
    };
    let unblocked = ctx
        .state
        .clients
        .all()
        .iter()
        .find(|c| c.id as i64 == id)
        .is_some_and(|c| c.unblock(how));
    Frame::Integer(unblocked as i64)
}

fn client_kill(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let me = ctx.session.handle.id;
    let clients = ctx.state.clients.all();
    if args.len() == 3 {
        // Old form: CLIENT KILL addr:port, replies OK or an error.
        let addr = text(&args[2]);
        let Some(target) = clients.iter().find(|c| c.peer.to_string() == addr) else {
            return err(reply::NO_SUCH_CLIENT);
        };
        kill(ctx, target, me);
        return Frame::ok();
    }
    let (mut id, mut addr, mut laddr, mut user, mut skip_me) = (None, None, None, None, true);
    let mut i = 2;
    while i + 1 < args.len() {
        let value = &args[i + 1];
        if is(&args[i], "ID") {
            match int(value) {
                Ok(n) if n > 0 => id = Some(n as u64),
                _ => return err(reply::CLIENT_ID_POSITIVE),
            }
        } else if is(&args[i], "ADDR") {
            addr = Some(text(value));
        } else if is(&args[i], "LADDR") {
            laddr = Some(text(value));
        } else if is(&args[i], "USER") {
            user = Some(text(value));
        } else if is(&args[i], "SKIPME") {
            skip_me = match () {
                _ if is(value, "yes") => true,
                _ if is(value, "no") => false,
                _ => return err(reply::SYNTAX),
            };
        } else if is(&args[i], "TYPE") || is(&args[i], "MAXAGE") {
            // accepted, every client is a normal one
        } else {
            return err(reply::SYNTAX);
        }
        i += 2;
    }
    if i != args.len() {
        return err(reply::SYNTAX);
    }
    let mut killed = 0;
    for client in &clients {
        let user_matches = || {
            user.as_deref()
                .is_none_or(|u| client.meta.lock().user.as_deref() == Some(u))
        };
        if id.is_some_and(|id| id != client.id)
            || addr.as_ref().is_some_and(|a| *a != client.peer.to_string())
            || laddr
                .as_ref()
                .is_some_and(|a| *a != client.local.to_string())
            || !user_matches()
            || (skip_me && client.id == me)
            || client.is_killed()
        {
            continue;
        }
        kill(ctx, client, me);
        killed += 1;
    }
    Frame::Integer(killed)
}

fn kill(ctx: &mut Ctx<'_>, target: &ClientHandle, me: u64) {
    if target.id == me {
        ctx.session.close_after_reply = true;
    } else {
        target.kill();
    }
}

#[cfg(test)]
mod tests {
    use crate::auth::Role;
    use crate::cmd::testing::server;

    #[tokio::test]
    async fn authentication_is_required() {
        let s = server();
        let mut c = s.anonymous();
        assert_eq!(c.run("PING").await, "-NOAUTH Authentication required.\r\n");
        assert_eq!(c.run("GET k").await, "-NOAUTH Authentication required.\r\n");
        assert_eq!(
            c.run("NOSUCH").await,
            "-ERR unknown command 'NOSUCH', with args beginning with: \r\n"
        );
        assert_eq!(
            c.run("AUTH wrong").await,
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        );
        assert_eq!(
            c.run("AUTH admin wrong").await,
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        );
        assert_eq!(c.run("AUTH a b c").await, "-ERR syntax error\r\n");
        assert_eq!(
            c.run("HELLO 3").await.split("\r\n").next().unwrap(),
            "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
        );
        assert_eq!(c.run("AUTH admin secret").await, "+OK\r\n");
        assert_eq!(c.run("PING").await, "+PONG\r\n");
        assert_eq!(c.run("RESET").await, "+RESET\r\n");
        assert_eq!(c.run("PING").await, "-NOAUTH Authentication required.\r\n");
        assert_eq!(c.run("QUIT").await, "+OK\r\n");
        assert!(c.session.close_after_reply);
    }

    #[tokio::test]
    async fn hello_switches_protocol_and_authenticates() {
        let s = server();
        let mut c = s.anonymous();
        let reply = c.run("HELLO 3 AUTH admin secret SETNAME app1").await;
        assert!(reply.starts_with("%8\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n"), "{reply}");
        assert_eq!(c.run("CLIENT GETNAME").await, "$4\r\napp1\r\n");
        assert_eq!(c.run("GET nope").await, "_\r\n");
        assert_eq!(
            c.run("HELLO 4").await,
            "-NOPROTO unsupported protocol version\r\n"
        );
        assert_eq!(
            c.run("HELLO x").await,
            "-ERR Protocol version is not an integer or out of range\r\n"
        );
        assert_eq!(
            c.run("HELLO 3 FOO").await,
            "-ERR Syntax error in HELLO option 'FOO'\r\n"
        );
        assert!(c.run("HELLO 2").await.starts_with("*16\r\n"));
        assert_eq!(c.run("GET nope").await, "$-1\r\n");
        let mut other = s.anonymous();
        assert_eq!(
            other.run("HELLO 3 AUTH admin nope").await,
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        );
    }

    #[tokio::test]
    async fn ping_echo_select() {
        let s = server();
        let mut c = s.client(Role::Reader);
        assert_eq!(c.run("PING hello").await, "$5\r\nhello\r\n");
        assert_eq!(
            c.run("PING a b").await,
            "-ERR wrong number of arguments for 'ping' command\r\n"
        );
        assert_eq!(c.run("ECHO \"a b\"").await, "$3\r\na b\r\n");
        assert_eq!(c.run("SELECT 0").await, "+OK\r\n");
        assert_eq!(
            c.run("SELECT 5").await,
            "-ERR region 'db5' does not exist\r\n"
        );
        let mut user = s.client(Role::User);
        assert_eq!(user.run("SELECT 5").await, "+OK\r\n");
        assert_eq!(user.session.region.name(), "db5");
    }

    #[tokio::test]
    async fn client_subcommands() {
        let s = server();
        let mut c = s.client(Role::User);
        let id = c.session.handle.id;
        assert_eq!(c.run("CLIENT ID").await, format!(":{id}\r\n"));
        assert_eq!(c.run("CLIENT GETNAME").await, "$-1\r\n");
        assert_eq!(
            c.run("CLIENT SETNAME \"a b\"").await,
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
        );
        assert_eq!(c.run("CLIENT SETNAME worker").await, "+OK\r\n");
        assert_eq!(c.run("CLIENT SETINFO LIB-NAME redis-py").await, "+OK\r\n");
        assert_eq!(c.run("CLIENT SETINFO LIB-VER 5.0").await, "+OK\r\n");
        assert_eq!(c.run("CLIENT NO-EVICT on").await, "+OK\r\n");
        let list = c.run("CLIENT LIST").await;
        assert!(
            list.contains(&format!("id={id} "))
                && list.contains("name=worker")
                && list.contains("lib-name=redis-py")
                && list.contains("user=app"),
            "{list}"
        );
        assert!(c.run("CLIENT INFO").await.contains("cmd=client"));
        assert_eq!(
            c.run("CLIENT KILL ID 1").await,
            "-NOPERM User app has no permissions to run the 'client|kill' command\r\n"
        );
        assert_eq!(
            c.run("CLIENT NOPE").await,
            "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n"
        );
        assert!(c.run("CLIENT HELP").await.starts_with('*'));
        let mut admin = s.client(Role::Admin);
        assert_eq!(admin.run(&format!("CLIENT KILL ID {id}")).await, ":1\r\n");
        assert!(c.session.handle.is_killed());
        assert_eq!(
            admin.run("CLIENT KILL 10.0.0.1:1").await,
            "-ERR No such client\r\n"
        );
        assert_eq!(admin.run("CLIENT KILL USER nobody").await, ":0\r\n");
    }
}
