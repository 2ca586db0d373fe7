//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT LOAD/EXISTS/FLUSH/KILL/HELP, and
//! Redis 7 functions: FCALL, FCALL_RO and FUNCTION LOAD/DELETE/FLUSH/LIST/KILL/STATS/HELP.
//!
//! A script runs on the script thread (`Scripts::on_script_thread`; never on a runtime thread: it
//! may loop until SCRIPT KILL, and the server may run on a single-threaded runtime), holding the
//! exec gate for writing
//! for its whole run, so no other client's command interleaves with it. The calling task waits for
//! the reply asynchronously. Its `redis.call`s go through [`call_from_script`] with a session
//! of its own that carries the caller's identity and region, so that every check and every piece
//! of write bookkeeping of a normal command applies to them. Other clients wait for the gate
//! without blocking (`super::gate`), and get `-BUSY` once the script has run past the threshold.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use kuber_protocol::Frame;

use super::Ctx;
use super::args::{int, is};
use super::reply::{self, err};
use super::table::{self, CommandSpec, Handler};
use crate::auth::Role;
use crate::script::{self, vm::Caller};
use crate::session::Session;
use crate::state::ServerState;

/// What an EVAL-family or FCALL call names.
#[derive(PartialEq)]
enum Kind {
    /// EVAL: `body` is the script.
    Eval,
    /// EVALSHA: `body` holds a SHA1.
    EvalSha,
    /// FCALL: `body` is a function name.
    Function,
}

/// What an EVAL-family or FCALL call asks for.
struct Request {
    kind: Kind,
    body: Bytes,
    keys: Vec<Bytes>,
    argv: Vec<Bytes>,
    /// EVAL_RO / EVALSHA_RO / FCALL_RO.
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
    let kind = if name.starts_with(b"evalsha") {
        Kind::EvalSha
    } else if name.starts_with(b"fcall") {
        Kind::Function
    } else {
        Kind::Eval
    };
    Ok(Request {
        kind,
        body: args[1].clone(),
        keys: keys.to_vec(),
        argv: argv.to_vec(),
        read_only: name.ends_with(b"_ro"),
    })
}

/// The keys an EVAL-family or FCALL call declares (its numkeys arguments); none when malformed.
pub(super) fn declared_keys(args: &[Bytes]) -> Vec<Bytes> {
    parse(args).map(|request| request.keys).unwrap_or_default()
}

/// EVAL and friends from a client: waits (without blocking) until no script runs, then runs this
/// one on its own thread and waits for its reply.
pub(super) async fn eval(state: &ServerState, session: &mut Session, args: &[Bytes]) -> Frame {
    let request = match parse(args) {
        Ok(r) => r,
        Err(e) => return e,
    };
    if request.kind == Kind::EvalSha && request.body.len() != 40 {
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
    let job = {
        let shared = shared.clone();
        Box::new(move || {
            let reply = {
                // The script thread is no runtime thread: blocking here for the gate is fine.
                let _gate = shared.exec_gate.write();
                run(&shared, script_session, request, Some(runtime))
            };
            let _ = tx.send(reply);
        })
    };
    if let Err(e) = shared.scripts.on_script_thread(job) {
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
    session.in_script = true;
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
    let _running = scripts.run_guard(request.kind == Kind::Function);
    scripts
        .with_vm(|vm| {
            if request.kind == Kind::Function {
                let name = String::from_utf8_lossy(&request.body).into_owned();
                let Some(function) = vm.functions.get(&name) else {
                    return err("ERR Function not found");
                };
                if request.read_only && !function.no_writes {
                    return err("ERR Can not execute a script with write flag using *_ro command.");
                }
                let no_writes = function.no_writes;
                let caller = caller(state.clone(), session, no_writes, runtime);
                return vm.call_function(&name, &request.keys, &request.argv, caller);
            }
            let sha = if request.kind == Kind::EvalSha {
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
        .unwrap_or_else(|e| e)
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
        call_from_script(&state, &mut session, args, no_writes, runtime.as_ref())
    })
}

/// Runs one command for a script's `redis.call`, with the checks Redis makes there, then like
/// any other command (`super::run_sync`: WATCH invalidation, journal marks, keyspace events). The caller
/// holds the exec gate for writing. `runtime` reads back evicted values from persistence.
pub(super) fn call_from_script(
    state: &ServerState,
    session: &mut Session,
    args: &[Bytes],
    no_writes: bool,
    runtime: Option<&tokio::runtime::Handle>,
) -> Frame {
    let Some(index) = table::lookup(&args[0]) else {
        return reply::err("ERR Unknown Redis command called from script");
    };
    let spec: &CommandSpec = table::COMMANDS[index];
    if !spec.arity_ok(args.len()) {
        return reply::err("ERR Wrong number of args calling Redis command from script");
    }
    if spec.has(table::NO_SCRIPT) {
        return reply::err("ERR This Redis command is not allowed from script");
    }
    let call = match spec.handler {
        Handler::Sync(handler) => ScriptCall::Sync(handler),
        // XREAD and XREADGROUP run in scripts, but never block (the list and zset blocking
        // commands are flagged noscript, as in Redis 7.0).
        Handler::Blocking(handler) => {
            // The options sit between the command name and STREAMS.
            let mut options = args[1..].iter().take_while(|a| !is(a, "STREAMS"));
            if options.any(|a| is(a, "BLOCK")) {
                return reply::err_msg(format!(
                    "{} command is not allowed with BLOCK option from scripts",
                    spec.name
                ));
            }
            ScriptCall::Once(handler)
        }
        // EXEC, AUTH, HELLO and scripts themselves.
        _ => return reply::err("ERR This Redis command is not allowed from script"),
    };
    let role = session.identity.as_ref().map_or(Role::Reader, |i| i.role);
    if !super::permitted(role, spec) {
        let user = session.identity.as_ref().map_or("default", |i| &i.username);
        return reply::noperm(user, spec.name);
    }
    if spec.has(table::DENY_OOM) && state.store.refuses_writes() {
        return reply::err(reply::OOM);
    }
    if spec.has(table::WRITE) {
        if no_writes {
            return reply::err("ERR Write commands are not allowed from read-only scripts.");
        }
        // From here on SCRIPT KILL would leave the script's writes half done.
        state.scripts.flags.wrote.store(true, Ordering::Relaxed);
    }
    if session.region.is_dropped() {
        match state.store.get_or_create(session.region.name()) {
            Ok(region) => session.set_region(region),
            Err(_) => session.set_region(state.store.default_region()),
        }
    }
    if session.region.has_on_disk()
        && let Some(runtime) = runtime
    {
        let keys = super::key_indices(spec, args.len())
            .map(|i| args[i].clone())
            .collect();
        let region = session.region.clone();
        // This is the script's own thread, not a runtime thread: waiting here blocks nobody.
        if let Err(reply) = runtime.block_on(super::fault_in(state, &region, keys)) {
            return reply;
        }
    }
    match call {
        ScriptCall::Sync(handler) => super::run_sync(state, session, spec, handler, args),
        ScriptCall::Once(handler) => super::run_blocking_once(state, session, spec, handler, args),
    }
}

/// How a command a script calls runs.
enum ScriptCall {
    Sync(table::SyncHandler),
    /// A blocking command's handler, once, never waiting.
    Once(table::BlockingHandler),
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
        scripts.kill(false)
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

/// `FUNCTION LOAD [REPLACE] code | DELETE lib | FLUSH [ASYNC|SYNC] | LIST [WITHCODE]
/// [LIBRARYNAME pattern] | KILL | STATS | HELP`
pub(super) fn function(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let sub = &args[1];
    let scripts = &ctx.state.scripts;
    if is(sub, "LOAD") && args.len() >= 3 {
        let mut replace = false;
        for option in &args[2..args.len() - 1] {
            if is(option, "REPLACE") {
                replace = true;
            } else {
                return Frame::error(format!(
                    "ERR Unknown option given: {}",
                    String::from_utf8_lossy(option)
                ));
            }
        }
        let code = args[args.len() - 1].clone();
        scripts
            .with_vm(|vm| vm.load_library(&code, replace))
            .and_then(|r| r)
            .map_or_else(|e| e, Frame::bulk)
    } else if is(sub, "DELETE") && args.len() == 3 {
        let name = String::from_utf8_lossy(&args[2]).into_owned();
        match scripts.with_vm(|vm| vm.delete_library(&name)) {
            Ok(true) => Frame::ok(),
            Ok(false) => err("ERR Library not found"),
            Err(e) => e,
        }
    } else if is(sub, "FLUSH") && args.len() <= 3 {
        if args.len() == 3 && !is(&args[2], "ASYNC") && !is(&args[2], "SYNC") {
            return err("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
        }
        scripts
            .with_vm(|vm| vm.flush_libraries())
            .map_or_else(|e| e, |()| Frame::ok())
    } else if is(sub, "LIST") {
        function_list(ctx, args)
    } else if is(sub, "KILL") && args.len() == 2 {
        scripts.kill(true)
    } else if is(sub, "STATS") && args.len() == 2 {
        let running = if scripts.is_running() {
            Frame::Map(vec![(Frame::bulk("name"), Frame::bulk("?"))])
        } else {
            Frame::Null
        };
        Frame::Map(vec![
            (Frame::bulk("running_script"), running),
            (Frame::bulk("engines"), Frame::Map(vec![])),
        ])
    } else if is(sub, "HELP") && args.len() == 2 {
        Frame::Array(
            [
                "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                "LOAD [REPLACE] <FUNCTION CODE>",
                "DELETE <LIBRARY NAME>",
                "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
                "FLUSH [ASYNC|SYNC]",
                "KILL",
                "STATS",
                "HELP",
            ]
            .iter()
            .map(|l| Frame::simple(l))
            .collect(),
        )
    } else {
        reply::unknown_subcommand("function", sub)
    }
}

fn function_list(ctx: &mut Ctx<'_>, args: &[Bytes]) -> Frame {
    let (mut with_code, mut pattern) = (false, None);
    let mut rest = args[2..].iter();
    while let Some(option) = rest.next() {
        if is(option, "WITHCODE") {
            with_code = true;
        } else if is(option, "LIBRARYNAME") {
            match rest.next() {
                Some(p) => pattern = Some(p.clone()),
                None => return err("ERR library name argument was not given"),
            }
        } else {
            return Frame::error(format!(
                "ERR Unknown argument {}",
                String::from_utf8_lossy(option)
            ));
        }
    }
    let libraries = match ctx.state.scripts.with_vm(|vm| vm.libraries()) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let items = libraries
        .into_iter()
        .filter(|(name, _)| {
            pattern
                .as_ref()
                .is_none_or(|p| crate::store::glob::glob_match(p, name.as_bytes()))
        })
        .map(|(name, library)| {
            let functions = library
                .functions
                .iter()
                .map(|(f, no_writes)| {
                    let flags = if *no_writes {
                        vec![Frame::bulk("no-writes")]
                    } else {
                        vec![]
                    };
                    Frame::Map(vec![
                        (Frame::bulk("name"), Frame::bulk(f.clone())),
                        (Frame::bulk("description"), Frame::Null),
                        (Frame::bulk("flags"), Frame::Set(flags)),
                    ])
                })
                .collect();
            let mut fields = vec![
                (Frame::bulk("library_name"), Frame::bulk(name)),
                (Frame::bulk("engine"), Frame::bulk("LUA")),
                (Frame::bulk("functions"), Frame::Array(functions)),
            ];
            if with_code {
                fields.push((Frame::bulk("library_code"), Frame::Bulk(library.code)));
            }
            Frame::Map(fields)
        })
        .collect();
    Frame::Array(items)
}

#[cfg(test)]
#[path = "script/tests.rs"]
mod tests;
