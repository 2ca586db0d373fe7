//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD/EXISTS/FLUSH/KILL/HELP.
//!
//! A script runs on an OS thread of its own (never on a runtime thread: it may loop until SCRIPT
//! KILL, and the server may run on a single-threaded runtime), holding the exec gate for writing
//! for its whole run, so no other client's command interleaves with it. The calling task waits for
//! the reply asynchronously. Its `redis.call`s go through [`super::call_from_script`] with a session
//! of its own that carries the caller's identity and region, so that every check and every piece
//! of write bookkeeping of a normal command applies to them. Other clients wait for the gate
//! without blocking (`super::gate`), and get `-BUSY` once the script has run past the threshold.

use std::sync::Arc;

use bytes::Bytes;
use kuber_protocol::Frame;

use super::Ctx;
use super::args::{int, is};
use super::reply::{self, err};
use crate::script::{self, vm::Caller};
use crate::session::Session;
use crate::state::ServerState;

/// What an EVAL-family call asks for.
struct Request {
    /// EVALSHA: `body` holds a SHA1.
    by_sha: bool,
    body: Bytes,
    keys: Vec<Bytes>,
    argv: Vec<Bytes>,
    /// EVAL_RO / EVALSHA_RO.
    read_only: bool,
}

fn parse(args: &[Bytes]) -> Result<Request, Frame> {
    let name = args[0].to_ascii_lowercase();
    let numkeys = int(&args[2])?;
    let rest = &args[3..];
    if numkeys > rest.len() as i64 {
        return Err(err(
            "ERR Number of keys can't be greater than number of args",
        ));
    }
    if numkeys < 0 {
        return Err(err("ERR Number of keys can't be negative"));
    }
    let (keys, argv) = rest.split_at(numkeys as usize);
    Ok(Request {
        by_sha: name.starts_with(b"evalsha"),
        body: args[1].clone(),
        keys: keys.to_vec(),
        argv: argv.to_vec(),
        read_only: name.ends_with(b"_ro"),
    })
}

/// EVAL and friends from a client: waits (without blocking) until no script runs, then runs this
/// one on its own thread and waits for its reply.
pub(super) async fn eval(state: &ServerState, session: &mut Session, args: &[Bytes]) -> Frame {
    let request = match parse(args) {
        Ok(r) => r,
        Err(e) => return e,
    };
    if request.by_sha && request.body.len() != 40 {
        return err(script::NOSCRIPT);
    }
    if let Err(busy) = super::gate::wait_for_no_script(state).await {
        return busy;
    }
    let Some(shared) = state.shared() else {
        return err("ERR scripting is not available on this server");
    };
    let script_session = script_session(session);
    let runtime = tokio::runtime::Handle::current();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("kuber-script".into())
        .spawn(move || {
            let reply = {
                let _gate = shared.exec_gate.write();
                run(&shared, script_session, request, Some(runtime))
            };
            let _ = tx.send(reply);
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start a script thread");
        return err("ERR cannot start a thread for the script");
    }
    rx.await
        .unwrap_or_else(|_| err("ERR the script thread ended without a reply"))
}

/// EVAL queued in a transaction: EXEC already holds the gate for writing, so the script runs
/// right here.
pub(super) fn eval_in_exec(state: &ServerState, session: &Session, args: &[Bytes]) -> Frame {
    let request = match parse(args) {
        Ok(r) => r,
        Err(e) => return e,
    };
    let Some(shared) = state.shared() else {
        return err("ERR scripting is not available on this server");
    };
    run(&shared, script_session(session), request, None)
}

/// The session a script's commands run in: the caller's identity and region, its own protocol and
/// everything else fresh (a script's SELECT does not change the caller's region, as in Redis 7).
fn script_session(caller: &Session) -> Session {
    let mut session = Session::new(caller.handle.clone(), caller.region.clone());
    session.set_identity(caller.identity.clone());
    session
}

/// Compiles (or finds) and runs the script; the caller holds the exec gate for writing.
fn run(
    state: &Arc<ServerState>,
    session: Session,
    request: Request,
    runtime: Option<tokio::runtime::Handle>,
) -> Frame {
    let scripts = &state.scripts;
    scripts.begin();
    let reply = scripts
        .with_vm(|vm| {
            let sha = if request.by_sha {
                let sha = String::from_utf8_lossy(&request.body).to_ascii_lowercase();
                if !vm.has(&sha) {
                    return err(script::NOSCRIPT);
                }
                sha
            } else {
                match vm.load(&request.body) {
                    Ok(sha) => sha,
                    Err(e) => return e,
                }
            };
            let no_writes = request.read_only || vm.get(&sha).is_some_and(|s| s.no_writes);
            let caller = caller(state.clone(), session, no_writes, runtime);
            vm.run(&sha, &request.keys, &request.argv, caller)
        })
        .unwrap_or_else(|e| e);
    scripts.end();
    reply
}

fn caller(
    state: Arc<ServerState>,
    mut session: Session,
    no_writes: bool,
    runtime: Option<tokio::runtime::Handle>,
) -> Caller {
    Box::new(move |args: &[Bytes], resp3: bool| {
        let protocol = if resp3 {
            kuber_protocol::ProtocolVersion::Resp3
        } else {
            kuber_protocol::ProtocolVersion::Resp2
        };
        if session.protocol != protocol {
            session.set_protocol(protocol);
        }
        super::call_from_script(&state, &mut session, args, no_writes, runtime.as_ref())
    })
}

/// `SCRIPT LOAD | EXISTS | FLUSH | KILL | HELP`
pub(super) fn script(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let sub = &args[1];
    let scripts = &ctx.state.scripts;
    if is(sub, "LOAD") && args.len() == 3 {
        scripts
            .with_vm(|vm| vm.load(&args[2]))
            .and_then(|r| r)
            .map_or_else(|e| e, Frame::bulk)
    } else if is(sub, "EXISTS") && args.len() >= 3 {
        Frame::Array(
            args[2..]
                .iter()
                .map(|sha| Frame::Integer(scripts.exists(sha) as i64))
                .collect(),
        )
    } else if is(sub, "FLUSH") && args.len() <= 3 {
        if args.len() == 3 && !is(&args[2], "ASYNC") && !is(&args[2], "SYNC") {
            return err("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
        }
        scripts.flush();
        Frame::ok()
    } else if is(sub, "KILL") && args.len() == 2 {
        scripts.kill()
    } else if is(sub, "HELP") && args.len() == 2 {
        Frame::Array(
            [
                "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "EXISTS <sha1> [<sha1> ...]",
                "    Return information about the existence of the scripts in the script cache.",
                "FLUSH [ASYNC|SYNC]",
                "    Flush the Lua scripts cache.",
                "KILL",
                "    Kill the currently executing Lua script.",
                "LOAD <script>",
                "    Load a script into the scripts cache without executing it.",
                "HELP",
                "    Print this help.",
            ]
            .iter()
            .map(|l| Frame::simple(l))
            .collect(),
        )
    } else if ["LOAD", "EXISTS", "FLUSH", "KILL", "HELP"]
        .iter()
        .any(|s| is(sub, s))
    {
        reply::wrong_arity(&format!(
            "script|{}",
            String::from_utf8_lossy(sub).to_ascii_lowercase()
        ))
    } else {
        reply::unknown_subcommand("script", sub)
    }
}

#[cfg(test)]
#[path = "script/tests.rs"]
mod tests;
