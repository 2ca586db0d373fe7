//! The one dispatcher every protocol uses: look the command up in the table, check authentication,
//! arity and permissions, run the handler, return the reply. Handlers never touch sockets.

pub mod args;
mod connection;
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
use crate::store::Region;
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
    let spec = &table::COMMANDS[index];
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
        Handler::Auth => connection::auth(state, session, args).await,
        Handler::Hello => connection::hello(state, session, args).await,
    }
}

#[cfg(test)]
pub(crate) mod testing;
