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
mod dump;
mod gate;
mod hash;
mod json;
mod keys;
mod list;
mod pubsub;
mod region;
pub mod reply;
mod script;
mod server;
mod set;
mod stream;
mod string;
pub mod table;
mod transaction;
mod zset;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use kuber_protocol::Frame;

use crate::auth::Role;
use crate::metrics::Outcome;
use crate::session::Session;
use crate::state::ServerState;
use crate::store::{self, Region};
use table::{CommandSpec, Handler};

pub(crate) use connection::REDIS_VERSION;

/// What a synchronous handler sees.
pub struct Ctx<'a> {
    /// Shared server state.
    pub state: &'a ServerState,
    /// The calling connection.
    pub session: &'a mut Session,
    /// Clock time for this command, read once so the whole command sees one instant.
    pub now: u64,
    /// A blocking handler runs again after a wake-up. Redis serves a blocked client from a ready
    /// key only when the key holds the type it waits for, so a key of another type is skipped
    /// then rather than answered with WRONGTYPE as on the first attempt.
    pub woken: bool,
}

impl Ctx<'_> {
    /// The current region.
    pub fn region(&self) -> &Arc<Region> {
        &self.session.region
    }

    /// The caller's role (commands only run after login, so there is one).
    pub fn role(&self) -> Role {
        self.session
            .identity
            .as_ref()
            .map_or(Role::Reader, |i| i.role)
    }

    /// `-NOPERM` for the caller and `command`.
    pub fn noperm(&self, command: &str) -> Frame {
        let user = self
            .session
            .identity
            .as_ref()
            .map_or("default", |i| &i.username);
        reply::noperm(user, command)
    }
}

/// Runs one command for `session` and returns its reply.
pub async fn execute(state: &ServerState, session: &mut Session, args: &[Bytes]) -> Frame {
    let index = args.first().and_then(|name| table::lookup(name));
    let weight = index.map_or(0, |i| state.metrics.timing_weight(i));
    let started = (weight > 0).then(std::time::Instant::now);
    let durable = durability(state, session, index);
    if let Some(persistence) = durable {
        if persistence.journal().is_full() {
            // Back-pressure: wait for the flusher rather than let the journal grow or drop changes.
            persistence.journal().wait_for_room().await;
        }
        if persistence.write_through() && persistence.is_degraded() {
            return reply::err(reply::PERSISTENCE_UNAVAILABLE);
        }
    }
    let (mut reply, rejected) = match check_and_run(state, session, args, index).await {
        Ok(reply) => (reply, false),
        Err(refusal) => (refusal, true),
    };
    if session.region.pending_wake_ups().any() {
        wait_for_woken_clients(&session.region).await;
    }
    let always_durable = index.is_some_and(|i| table::COMMANDS[i].has(table::DURABLE));
    if let Some(persistence) = durable
        && !reply.is_error()
        && (persistence.write_through() || always_durable)
        && persistence.wait_durable().await.is_err()
    {
        // The change is in memory and stays queued for the backend, but it is not durable: a
        // write-through client must not be told it is.
        reply = if always_durable {
            reply::err_msg(format!(
                "persistence: {}",
                persistence
                    .status()
                    .last_error
                    .unwrap_or_else(|| "backend unavailable".into())
            ))
        } else {
            reply::err(reply::PERSISTENCE_UNAVAILABLE)
        };
    }
    if let Some(index) = index {
        let timed = started.map(|s| (s.elapsed(), weight));
        let outcome = match (rejected, reply.is_error()) {
            (true, _) => Outcome::Rejected,
            (false, true) => Outcome::Failed,
            (false, false) => Outcome::Ok,
        };
        state.metrics.record(index, outcome, timed);
    }
    state.metrics.count_error_replies(
        &reply,
        index.is_some_and(|i| matches!(table::COMMANDS[i].handler, Handler::Exec)),
    );
    if reply.is_error() && session.multi.is_some() && !is_tx_control(args) {
        // Any refusal while queueing (unknown command, arity, permission) dooms the transaction.
        session.multi_failed = true;
    }
    reply
}

/// The persistence a command's reply may have to wait for: set for writes run now (not queued by
/// MULTI), EXEC and `DURABLE` commands, when a journal-backed backend is configured.
fn durability<'a>(
    state: &'a ServerState,
    session: &Session,
    index: Option<usize>,
) -> Option<&'a Arc<crate::persistence::writer::Persistence>> {
    let persistence = state.persistence.get()?;
    let spec = table::COMMANDS[index?];
    let writes = match spec.handler {
        Handler::Exec => true,
        _ => (spec.has(table::WRITE) && session.multi.is_none()) || spec.has(table::DURABLE),
    };
    writes.then_some(persistence)
}

fn is_tx_control(args: &[Bytes]) -> bool {
    args.first()
        .and_then(|name| table::lookup(name))
        .is_some_and(|i| table::COMMANDS[i].has(table::TX_CONTROL))
}

/// Checks that the command may run (it exists, arity, authentication, role, pub/sub context, a
/// busy script, MULTI queueing) and runs it. `Err` is a refusal before running: Redis counts those
/// as `rejected_calls`, not calls.
async fn check_and_run(
    state: &ServerState,
    session: &mut Session,
    args: &[Bytes],
    index: Option<usize>,
) -> Result<Frame, Frame> {
    let Some(index) = index else {
        if args.is_empty() {
            return Err(reply::err(reply::SYNTAX));
        }
        return Err(reply::unknown_command(args));
    };
    let spec: &CommandSpec = table::COMMANDS[index];
    session.handle.last_command.store(index, Ordering::Relaxed);
    // Redis checks existence and arity before authentication; so do we, for identical replies.
    if !spec.arity_ok(args.len()) {
        return Err(reply::wrong_arity(spec.name));
    }
    let Some(identity) = &session.identity else {
        if !spec.has(table::NO_AUTH) {
            return Err(reply::err(reply::NOAUTH));
        }
        return Ok(run(state, session, spec, args).await);
    };
    if !permitted(identity.role, spec) {
        return Err(reply::noperm(&identity.username, spec.name));
    }
    if session.protocol == kuber_protocol::ProtocolVersion::Resp2
        && session.subscriptions() > 0
        && !spec.has(table::PUBSUB_OK)
    {
        return Err(reply::subscribed_context(spec.name));
    }
    if state.scripts.is_busy() && !gate::allows_busy(spec, args) {
        if matches!(spec.handler, Handler::Exec) {
            return Err(exec_abort(session, state.scripts.busy_reply()));
        }
        return Err(gate::busy(state));
    }
    if state.store.refuses_writes() && refused_when_out_of_memory(spec, session) {
        if matches!(spec.handler, Handler::Exec) {
            return Err(exec_abort(session, reply::OOM));
        }
        return Err(reply::err(reply::OOM));
    }
    if let Some(queue) = &mut session.multi {
        if spec.has(table::NO_MULTI) {
            return Err(reply::err(reply::NOT_IN_MULTI));
        }
        if !spec.has(table::TX_CONTROL) {
            queue.push(args.to_vec());
            return Ok(Frame::simple("QUEUED"));
        }
    }
    Ok(run(state, session, spec, args).await)
}

/// True when `role` may run `spec`.
pub fn permitted(role: Role, spec: &CommandSpec) -> bool {
    match role {
        Role::Admin => true,
        Role::User => !spec.has(table::ADMIN),
        Role::Reader => !spec.has(table::ADMIN) && !spec.has(table::WRITE),
    }
}

async fn run(
    state: &ServerState,
    session: &mut Session,
    spec: &CommandSpec,
    args: &[Bytes],
) -> Frame {
    if session.region.is_dropped() {
        // Another client dropped our region: carry on in a fresh region of the same name.
        match state.store.get_or_create(session.region.name()) {
            Ok(region) => session.set_region(region),
            Err(_) => session.set_region(state.store.default_region()),
        }
    }
    if session.region.has_on_disk() {
        let region = session.region.clone();
        let named: Vec<(&CommandSpec, &[Bytes])> = match (&spec.handler, &session.multi) {
            (Handler::Exec, Some(queued)) => queued
                .iter()
                .filter_map(|args| Some((table::COMMANDS[table::lookup(&args[0])?], &args[..])))
                .collect(),
            _ => vec![(spec, args)],
        };
        let mut keys = Vec::new();
        for (spec, args) in named {
            keys.extend(key_indices(spec, args.len()).map(|i| args[i].clone()));
            if matches!(spec.handler, Handler::Script) {
                // A script's declared KEYS: its other keys are read back as its calls name them.
                keys.extend(script::declared_keys(args));
            }
        }
        if let Err(reply) = fault_in(state, &region, keys).await {
            return reply;
        }
    }
    match spec.handler {
        Handler::Sync(handler) if spec.has(table::EXCLUSIVE) => {
            let gate = match gate::write(state).await {
                Ok(gate) => gate,
                Err(busy) => return busy,
            };
            let reply = run_sync(state, session, spec, handler, args);
            drop(gate);
            reply
        }
        Handler::Sync(handler) => {
            let gate = match gate::read(state, gate::allows_busy(spec, args)).await {
                Ok(gate) => gate,
                Err(busy) => return busy,
            };
            let reply = run_sync(state, session, spec, handler, args);
            drop(gate);
            reply
        }
        Handler::Blocking(handler) => run_blocking(state, session, handler, args).await,
        Handler::Exec => {
            let gate = match gate::write(state).await {
                Ok(gate) => gate,
                Err(_) if session.multi.is_some() => {
                    return exec_abort(session, state.scripts.busy_reply());
                }
                Err(busy) => return busy,
            };
            let reply = exec(state, session);
            drop(gate);
            reply
        }
        Handler::Script => script::eval(state, session, args).await,
        Handler::Auth => connection::auth(state, session, args).await,
        Handler::Hello => connection::hello(state, session, args).await,
    }
}

/// Runs a synchronous handler, then does the bookkeeping every write needs: WATCH invalidation of
/// the keys it names and the server-wide memory bound.
fn run_sync(
    state: &ServerState,
    session: &mut Session,
    spec: &CommandSpec,
    handler: table::SyncHandler,
    args: &[Bytes],
) -> Frame {
    let now = state.store.now();
    let mut ctx = Ctx {
        state,
        session,
        now,
        woken: false,
    };
    let reply = handler(&mut ctx, args);
    if spec.has(table::WRITE) {
        after_write(state, &session.region, spec, args, &reply);
    }
    if state.store.keyspace_events() {
        // Reads can expire keys too, so every command publishes what its region recorded.
        state.publish_all_keyspace_events();
    }
    reply
}

/// The argument positions of the keys `spec` names in a call with `argc` arguments.
fn key_indices(spec: &CommandSpec, argc: usize) -> impl Iterator<Item = usize> {
    let argc = argc as i32;
    let last = if spec.last_key < 0 {
        argc + spec.last_key
    } else {
        spec.last_key.min(argc - 1)
    };
    let first = if spec.first_key > 0 {
        spec.first_key
    } else {
        last + 1
    };
    (first..=last)
        .step_by(spec.step.max(1) as usize)
        .map(|i| i as usize)
}

/// Reads back from the persistence backend the values of `keys` that eviction left only there,
/// before the command that names them runs, so that every command sees them as if they had never
/// left memory. A backend that cannot be read makes the command answer `TRYAGAIN` rather than
/// act as if the key were missing.
async fn fault_in(
    state: &ServerState,
    region: &Arc<Region>,
    keys: Vec<Bytes>,
) -> Result<(), Frame> {
    let Some(persistence) = state.persistence.get() else {
        return Ok(());
    };
    let wanted: Vec<Bytes> = {
        let ks = region.lock();
        keys.into_iter().filter(|k| ks.is_on_disk(k)).collect()
    };
    let max_json = state.config.kuber.cache.max_json_document_bytes as usize;
    for key in wanted {
        let stored = persistence
            .backend()
            .get(region.name(), &key)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "cannot read an evicted value back from persistence");
                reply::err(reply::PERSISTENCE_UNAVAILABLE)
            })?;
        let value = stored.and_then(|entry| {
            match crate::persistence::encoding::decode(entry.kind, &entry.payload, max_json) {
                Ok(value) => Some((value, entry.expires_at_ms)),
                Err(reason) => {
                    tracing::warn!(region = region.name(), %reason, "skipping a corrupt record read back from persistence");
                    None
                }
            }
        });
        region
            .lock()
            .restore_from_disk(&key, value, state.store.now());
    }
    Ok(())
}

fn after_write(
    state: &ServerState,
    region: &Region,
    spec: &CommandSpec,
    args: &[Bytes],
    reply: &Frame,
) {
    // A refused write changed nothing, so it does not fail other clients' transactions.
    if (region.has_watchers() || region.is_journaled())
        && !reply.is_error()
        && spec.first_key > 0
        && !spec.has(table::OWN_WATCH)
    {
        let mut ks = region.lock();
        for i in key_indices(spec, args.len()) {
            ks.touch(&args[i]);
        }
    }
    if state.store.limits().max_memory > 0 {
        state.store.enforce_max_memory(region);
    }
}

/// EXEC refused because a script is busy: the transaction is discarded, as Redis's
/// `execCommandAbort` does.
/// EXEC refused before running: the transaction is discarded, as Redis's `execCommandAbort`.
fn exec_abort(session: &mut Session, reason: impl std::fmt::Display) -> Frame {
    session.multi = None;
    session.multi_failed = false;
    session.unwatch_all();
    Frame::error(format!(
        "EXECABORT Transaction discarded because of: {reason}"
    ))
}

/// Under the `noeviction` policy past `maxmemory`, what Redis refuses: commands that may add data
/// (`DENY_OOM`), queueing anything but transaction control inside MULTI (a queue grows without
/// bound), and EXEC of a queue holding a command that may add data.
fn refused_when_out_of_memory(spec: &CommandSpec, session: &Session) -> bool {
    match (&session.multi, &spec.handler) {
        (Some(queued), Handler::Exec) => queued.iter().any(|args| {
            table::lookup(&args[0]).is_some_and(|i| table::COMMANDS[i].has(table::DENY_OOM))
        }),
        (Some(_), _) => !spec.has(table::TX_CONTROL),
        (None, _) => spec.has(table::DENY_OOM),
    }
}

/// EXEC: runs the queued commands with the exec gate held for writing (taken by `run`), so that no
/// other client's command runs in between; or answers EXECABORT / a null array (a WATCHed key
/// changed).
fn exec(state: &ServerState, session: &mut Session) -> Frame {
    let Some(queued) = session.multi.take() else {
        return reply::err(reply::EXEC_WITHOUT_MULTI);
    };
    let failed = std::mem::take(&mut session.multi_failed);
    // A watched key whose TTL has passed counts as changed even if nothing has collected it yet:
    // looking at it expires it, which sets our flag.
    let now = state.store.now();
    for (region, key) in &session.watched {
        region.lock().peek(key, now);
    }
    let dirty = session.watch_dirty.load(Ordering::Acquire);
    session.unwatch_all();
    if failed {
        return reply::err(reply::EXECABORT);
    }
    if dirty {
        return Frame::NullArray;
    }
    let mut replies = Vec::with_capacity(queued.len());
    for args in &queued {
        let spec: &CommandSpec = table::lookup(&args[0])
            .map(|i| table::COMMANDS[i])
            .expect("queued commands exist");
        let reply = match spec.handler {
            Handler::Sync(handler) => run_sync(state, session, spec, handler, args),
            // Inside a transaction a blocking command does not block, as in Redis.
            Handler::Blocking(handler) => run_blocking_once(state, session, spec, handler, args),
            Handler::Script => script::eval_in_exec(state, session, args),
            Handler::Auth | Handler::Hello | Handler::Exec => reply::err(reply::NOT_IN_MULTI),
        };
        replies.push(reply);
    }
    Frame::Array(replies)
}

/// Runs a blocking handler: retries it each time a watched key is signalled, until it replies or
/// the timeout passes (then the reply is a null array, as Redis's BLPOP timeout).
async fn run_blocking(
    state: &ServerState,
    session: &mut Session,
    handler: table::BlockingHandler,
    args: &[Bytes],
) -> Frame {
    static NEXT_WAITER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT_WAITER.fetch_add(1, Ordering::Relaxed);
    let notify = Arc::new(tokio::sync::Notify::new());
    let spec = table::lookup(&args[0])
        .map(|i| table::COMMANDS[i])
        .expect("running command exists");
    // The caller holds the exec gate for reading (`gate::read`).
    let attempt = |session: &mut Session, woken: bool, args: &[Bytes]| {
        let now = state.store.now();
        handler(
            &mut Ctx {
                state,
                session,
                now,
                woken,
            },
            args,
        )
    };
    // What the handler runs with; a first attempt may pin relative arguments (XREAD's `$`).
    let mut retry_with: Option<Vec<Bytes>> = None;
    // CLIENT UNBLOCK finds the wait through the client's handle; cleared however the call ends.
    let _blocked = BlockedMark(session.handle.clone());
    let mut deadline = None;
    let mut woken = false;
    // Keys this client last waited on. Handlers never pass wake-ups on themselves: the store
    // keeps one pending wake-up per key, and the client that received it releases it once it has
    // acted (`release_wake_ups`), handing it to the next waiter when the key still holds data.
    // So blocked clients are served one at a time, in arrival order.
    let mut waited_on: Vec<Bytes> = Vec::new();
    loop {
        let current = retry_with.as_deref().unwrap_or(args);
        let result = match gate::read(state, false).await {
            Ok(gate) => {
                let result = attempt(session, woken, current);
                drop(gate);
                result
            }
            Err(busy) => return busy,
        };
        let (keys, timeout_ms) = match result {
            table::Blocking::Reply(reply) => {
                if woken {
                    // Pass on what this client's wake-ups left: elements it did not take, keys it
                    // was woken for but did not use.
                    session
                        .region
                        .lock()
                        .release_wake_ups(id, &waited_on, state.store.now(), true);
                }
                return finish_blocking(state, session, spec, args, reply);
            }
            table::Blocking::Wait {
                keys,
                timeout_ms,
                retry_args,
            } => {
                if retry_args.is_some() {
                    retry_with = retry_args;
                }
                if woken {
                    session.region.lock().release_wake_ups(
                        id,
                        &waited_on,
                        state.store.now(),
                        false,
                    );
                }
                (keys, timeout_ms)
            }
        };
        waited_on.clone_from(&keys);
        if deadline.is_none() {
            session.handle.set_blocked(Some(notify.clone()));
            deadline = Some(
                timeout_ms
                    .map(|ms| tokio::time::Instant::now() + std::time::Duration::from_millis(ms)),
            );
        }
        let region = session.region.clone();
        {
            let mut ks = region.lock();
            for key in &keys {
                // A client woken once keeps its place at the front of the line.
                ks.add_waiter(
                    key,
                    store::keyspace::Waiter {
                        id,
                        notify: notify.clone(),
                    },
                    woken,
                );
            }
        }
        // Removes this client's registrations however the wait ends; if it ends without using a
        // wake-up it was handed (timeout, dropped connection), the wake-up goes to the next waiter.
        let mut guard = WaitGuard::new(region, keys, id, state);
        // A push between the attempt above and the registration woke nobody: look once more now
        // that any later push will find us queued.
        let current = retry_with.as_deref().unwrap_or(args);
        let again = match gate::read(state, false).await {
            Ok(gate) => {
                let result = attempt(session, woken, current);
                drop(gate);
                result
            }
            Err(busy) => return busy,
        };
        if let table::Blocking::Reply(reply) = again {
            // Not consumed: a push in between may have handed us a wake-up, which the guard
            // passes on.
            drop(guard);
            return finish_blocking(state, session, spec, args, reply);
        }
        let expired = match deadline.flatten() {
            Some(at) => tokio::time::timeout_at(at, notify.notified())
                .await
                .is_err(),
            None => {
                notify.notified().await;
                false
            }
        };
        if !expired {
            // The wake-up came from another client's command on this worker, which would poll us
            // next, ahead of commands other clients sent before that push: let them run first.
            tokio::task::yield_now().await;
        }
        let unblocked = session.handle.unblocked();
        if expired || unblocked.is_some() {
            // Not a key's wake-up (timeout, CLIENT UNBLOCK): one received meanwhile is handed on
            // by the guard.
            drop(guard);
            return match unblocked {
                Some(crate::session::Unblock::Error) => reply::err(reply::CLIENT_UNBLOCKED),
                _ => Frame::NullArray,
            };
        }
        guard.consumed = true;
        drop(guard);
        woken = true;
    }
}

/// Longest a command's reply waits for the clients it woke (see [`wait_for_woken_clients`]).
const WOKEN_CLIENTS_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

/// Waits until every client woken by a push in `region` has acted on its wake-up. Redis serves
/// the clients a command unblocks before that command's reply is sent, so a client that pushes
/// and then reads sees the pops (and the pushes they cause in turn, as in a circular BRPOPLPUSH)
/// already done. Woken clients run on their own tasks here; waiting for them, without holding any
/// lock, gives the same order. Bounded, so a woken client that cannot run soon delays nobody for
/// long.
async fn wait_for_woken_clients(region: &Region) {
    let wake_ups = region.pending_wake_ups();
    let deadline = tokio::time::Instant::now() + WOKEN_CLIENTS_WAIT;
    loop {
        let served = wake_ups.served.notified();
        tokio::pin!(served);
        // Registered before the check, so a notification between the check and the wait counts.
        served.as_mut().enable();
        if !wake_ups.any() {
            return;
        }
        if tokio::time::timeout_at(deadline, served).await.is_err() {
            return;
        }
    }
}

/// Runs a blocking command's handler once, without waiting: inside a transaction or a script,
/// where Redis never blocks. Finding nothing answers nil.
fn run_blocking_once(
    state: &ServerState,
    session: &mut Session,
    spec: &CommandSpec,
    handler: table::BlockingHandler,
    args: &[Bytes],
) -> Frame {
    let now = state.store.now();
    let mut ctx = Ctx {
        state,
        session,
        now,
        woken: false,
    };
    match handler(&mut ctx, args) {
        table::Blocking::Reply(reply) => finish_blocking(state, session, spec, args, reply),
        // Redis answers a nil bulk for the moving commands, a nil array for the others.
        table::Blocking::Wait { .. } if matches!(spec.name, "blmove" | "brpoplpush") => Frame::Null,
        table::Blocking::Wait { .. } => Frame::NullArray,
    }
}

fn finish_blocking(
    state: &ServerState,
    session: &Session,
    spec: &CommandSpec,
    args: &[Bytes],
    reply: Frame,
) -> Frame {
    after_write(state, &session.region, spec, args, &reply);
    if state.store.keyspace_events() {
        // The pop's events go out before its reply, as for every other command.
        state.publish_all_keyspace_events();
    }
    reply
}

/// Clears the client's blocked mark (see `ClientHandle::set_blocked`) when a blocking call ends.
struct BlockedMark(Arc<crate::session::ClientHandle>);

impl Drop for BlockedMark {
    fn drop(&mut self) {
        self.0.set_blocked(None);
    }
}

struct WaitGuard<'a> {
    region: Arc<Region>,
    keys: Vec<Bytes>,
    id: u64,
    /// The wait ended by a wake-up (or data was found): the next attempt acts on it and then
    /// releases it. Otherwise (timeout, dropped connection) the guard releases it.
    consumed: bool,
    /// `INFO clients` `blocked_clients` is counted while this guard lives.
    state: &'a ServerState,
}

impl<'a> WaitGuard<'a> {
    fn new(region: Arc<Region>, keys: Vec<Bytes>, id: u64, state: &'a ServerState) -> Self {
        state.stats.blocked_clients.fetch_add(1, Ordering::Relaxed);
        Self {
            region,
            keys,
            id,
            consumed: false,
            state,
        }
    }
}

impl Drop for WaitGuard<'_> {
    fn drop(&mut self) {
        self.state
            .stats
            .blocked_clients
            .fetch_sub(1, Ordering::Relaxed);
        let mut ks = self.region.lock();
        for key in &self.keys {
            ks.remove_waiter(key, self.id);
        }
        if !self.consumed {
            ks.release_wake_ups(self.id, &self.keys, self.state.store.now(), true);
        }
    }
}

#[cfg(test)]
pub(crate) mod testing;
