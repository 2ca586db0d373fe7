//! The one dispatcher every protocol uses: look the command up in the table, check authentication,
//! arity and permissions, run the handler, return the reply. Handlers never touch sockets.

/// One command-table row: `cmd!(name, arity, flags, keys, group, summary, handler)`.
macro_rules! cmd {
    ($name:literal, $arity:expr, $flags:expr, $keys:expr, $group:literal, $summary:literal, $handler:expr) => {
        $crate::cmd::table::CommandSpec {
            name: $name,
            arity: $arity,
            flags: $flags,
            first_key: $keys.0,
            last_key: $keys.1,
            step: $keys.2,
            group: $group,
            summary: $summary,
            handler: $handler,
        }
    };
}

pub mod args;
mod connection;
mod hash;
mod list;
mod set;
mod zset;
mod keys;
mod region;
pub mod reply;
mod server;
mod string;
pub mod table;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use kuber_protocol::Frame;

use crate::auth::Role;
use crate::session::Session;
use crate::state::ServerState;
use crate::store::{self, Region};
use table::{CommandSpec, Handler};

/// What a synchronous handler sees.
pub struct Ctx<'a> {
    /// Shared server state.
    pub state: &'a ServerState,
    /// The calling connection.
    pub session: &'a mut Session,
    /// Clock time for this command, read once so the whole command sees one instant.
    pub now: u64,
}

impl Ctx<'_> {
    /// The current region.
    pub fn region(&self) -> &Arc<Region> {
        &self.session.region
    }

    /// The caller's role (commands only run after login, so there is one).
    pub fn role(&self) -> Role {
        self.session.identity.as_ref().map_or(Role::Reader, |i| i.role)
    }

    /// `-NOPERM` for the caller and `command`.
    pub fn noperm(&self, command: &str) -> Frame {
        let user = self.session.identity.as_ref().map_or("default", |i| &i.username);
        reply::noperm(user, command)
    }
}

/// Runs one command for `session` and returns its reply.
pub async fn execute(state: &ServerState, session: &mut Session, args: &[Bytes]) -> Frame {
    let Some(index) = args.first().and_then(|name| table::lookup(name)) else {
        if args.is_empty() {
            return reply::err(reply::SYNTAX);
        }
        return reply::unknown_command(args);
    };
    let spec: &CommandSpec = table::COMMANDS[index];
    session.handle.last_command.store(index, Ordering::Relaxed);
    // Redis checks existence and arity before authentication; so do we, for identical replies.
    if !spec.arity_ok(args.len()) {
        return reply::wrong_arity(spec.name);
    }
    let Some(identity) = &session.identity else {
        if !spec.has(table::NO_AUTH) {
            return reply::err(reply::NOAUTH);
        }
        return run(state, session, spec, args).await;
    };
    if !permitted(identity.role, spec) {
        return reply::noperm(&identity.username, spec.name);
    }
    run(state, session, spec, args).await
}

/// True when `role` may run `spec`.
pub fn permitted(role: Role, spec: &CommandSpec) -> bool {
    match role {
        Role::Admin => true,
        Role::User => !spec.has(table::ADMIN),
        Role::Reader => !spec.has(table::ADMIN) && !spec.has(table::WRITE),
    }
}

async fn run(state: &ServerState, session: &mut Session, spec: &CommandSpec, args: &[Bytes]) -> Frame {
    if session.region.is_dropped() {
        // Another client dropped our region: carry on in a fresh region of the same name.
        match state.store.get_or_create(session.region.name()) {
            Ok(region) => session.set_region(region),
            Err(_) => session.set_region(state.store.default_region()),
        }
    }
    match spec.handler {
        Handler::Sync(handler) => {
            let now = state.store.now();
            let mut ctx = Ctx { state, session, now };
            let reply = handler(&mut ctx, args);
            if spec.has(table::WRITE) && state.store.limits().max_memory > 0 {
                state.store.enforce_max_memory(&session.region);
            }
            reply
        }
        Handler::Blocking(handler) => run_blocking(state, session, handler, args).await,
        Handler::Auth => connection::auth(state, session, args).await,
        Handler::Hello => connection::hello(state, session, args).await,
    }
}

/// Runs a blocking handler: retries it each time a watched key is signalled, until it replies or
/// the timeout passes (then the reply is a null array, as Redis's BLPOP timeout).
async fn run_blocking(state: &ServerState, session: &mut Session, handler: table::BlockingHandler, args: &[Bytes]) -> Frame {
    static NEXT_WAITER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT_WAITER.fetch_add(1, Ordering::Relaxed);
    let notify = Arc::new(tokio::sync::Notify::new());
    let mut deadline = None;
    let mut woken = false;
    loop {
        let now = state.store.now();
        let mut ctx = Ctx { state, session, now };
        let (keys, timeout_ms) = match handler(&mut ctx, args) {
            table::Blocking::Reply(reply) => return reply,
            table::Blocking::Wait { keys, timeout_ms } => (keys, timeout_ms),
        };
        if deadline.is_none() {
            deadline = Some(timeout_ms.map(|ms| tokio::time::Instant::now() + std::time::Duration::from_millis(ms)));
        }
        let region = session.region.clone();
        {
            let mut ks = region.lock();
            for key in &keys {
                ks.add_waiter(key, store::keyspace::Waiter { id, notify: notify.clone() }, woken);
            }
        }
        // Removes this client's registrations however the wait ends, including a dropped
        // connection, so a dead waiter never swallows the wake-up meant for a live one.
        let guard = WaitGuard { region: region.clone(), keys, id };
        let expired = match deadline.flatten() {
            Some(at) => tokio::time::timeout_at(at, notify.notified()).await.is_err(),
            None => {
                notify.notified().await;
                false
            }
        };
        drop(guard);
        if expired {
            return Frame::NullArray;
        }
        woken = true;
    }
}

struct WaitGuard {
    region: Arc<Region>,
    keys: Vec<Bytes>,
    id: u64,
}

impl Drop for WaitGuard {
    fn drop(&mut self) {
        let mut ks = self.region.lock();
        for key in &self.keys {
            ks.remove_waiter(key, self.id);
        }
    }
}

#[cfg(test)]
pub(crate) mod testing;
