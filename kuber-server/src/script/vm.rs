//! The Lua 5.1 VM scripts run in: Redis 7's sandbox (no `os`, `io`, `loadfile`, `dofile`,
//! `require`, `print`; globals and library tables read-only), the `redis` library, the cache of
//! compiled scripts by SHA1, and turning a run's result or error into the reply.
//!
//! Redis patches Lua to make tables read-only; stock Lua 5.1 cannot, so the sandbox empties the
//! global table and gives it a metatable that reads from a hidden table and refuses writes, and
//! hands out read-only proxies of the libraries. `rawset` and `setmetatable` are wrapped so they
//! cannot get around that.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use hashbrown::HashMap;
use kuber_protocol::Frame;
use mlua::{Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value, VmState};

use super::RunFlags;
use super::convert::{frame_to_lua, lua_to_frame, number_arg};

/// Runs one command for the script (`redis.call`): the arguments and whether the script asked for
/// RESP3 replies. Owned by the run, so it may hold the server state and the script's session.
pub(crate) type Caller = Box<dyn FnMut(&[Bytes], bool) -> Frame + Send>;

/// The chunk name of every script, so errors read `user_script:LINE:` as in Redis.
const SCRIPT_NAME: &str = "@user_script";
/// How often (in VM instructions) the hook looks at the kill flag.
const HOOK_EVERY: u32 = 1000;

/// The sandbox, run once per VM with the full globals. It returns the hidden globals table (where
/// KEYS and ARGV are set before each run) and the runner that calls a script in protected mode.
const SANDBOX: &str = include_str!("sandbox.lua");

/// What a run keeps in the VM's app data for `redis.call` and `redis.setresp`.
struct RunCtx {
    caller: Caller,
    resp3: bool,
}

/// A cached script or a registered function: its compiled function and its flags.
#[derive(Clone)]
pub(crate) struct Script {
    pub(crate) function: Function,
    /// `#!lua flags=no-writes` (or the function's `no-writes` flag): it may not write.
    pub no_writes: bool,
    /// The library a function belongs to; empty for EVAL scripts.
    pub(crate) library: String,
}

/// The Lua VM with the scripts it compiled and the function libraries loaded into it.
pub struct Vm {
    pub(crate) lua: Lua,
    store: Table,
    pub(crate) runner: Function,
    scripts: HashMap<String, Script>,
    pub(crate) libraries: HashMap<String, super::library::Library>,
    pub(crate) functions: HashMap<String, Script>,
    pub(crate) flags: Arc<RunFlags>,
}

impl Vm {
    pub(crate) fn new(flags: Arc<RunFlags>) -> mlua::Result<Vm> {
        // Only the libraries Redis loads; the base library comes with every state.
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH,
            LuaOptions::default(),
        )?;
        let rust = lua.create_table()?;
        rust.raw_set(
            "call",
            lua.create_function(|lua, args| redis_call(lua, args, true))?,
        )?;
        rust.raw_set(
            "pcall",
            lua.create_function(|lua, args| redis_call(lua, args, false))?,
        )?;
        rust.raw_set("error_text", lua.create_function(error_text)?)?;
        let kill = flags.clone();
        rust.raw_set(
            "killed",
            lua.create_function(move |_, ()| Ok(kill.kill.load(Ordering::Relaxed)))?,
        )?;
        rust.raw_set("sha1hex", lua.create_function(sha1hex)?)?;
        rust.raw_set("bit", super::libs::bit(&lua)?)?;
        rust.raw_set("cjson", super::libs::cjson(&lua)?)?;
        rust.raw_set("cmsgpack", super::msgpack::cmsgpack(&lua)?)?;
        rust.raw_set(
            "register_function",
            lua.create_function(super::library::register_function)?,
        )?;
        rust.raw_set("log", lua.create_function(log)?)?;
        rust.raw_set("setresp", lua.create_function(setresp)?)?;
        let version = crate::cmd::REDIS_VERSION;
        let num = version.split('.').fold(0i64, |acc, part| {
            acc * 256 + part.parse::<i64>().unwrap_or(0)
        });
        let (store, runner): (Table, Function) = lua
            .load(SANDBOX)
            .set_name("=sandbox")
            .call((rust, version, num))?;
        let hook_flags = flags.clone();
        lua.set_hook(
            HookTriggers::new().every_nth_instruction(HOOK_EVERY),
            move |_, debug| {
                let deadline = hook_flags.load_deadline_ms.load(Ordering::Relaxed);
                if deadline != 0 && hook_flags.now_ms() > deadline {
                    return Err(ScriptError::raise("ERR FUNCTION LOAD timeout".into(), None));
                }
                if hook_flags.kill.load(Ordering::Relaxed) {
                    let line = debug.current_line().map_or(-1, |l| l as i64);
                    hook_flags.killed_at_line.store(line, Ordering::Relaxed);
                    // Raised at every check from now on, so a script's own pcall cannot keep it alive.
                    return Err(ScriptError::raise(
                        super::KILLED.into(),
                        Some((SCRIPT_NAME.into(), line.max(0) as usize)),
                    ));
                }
                Ok(VmState::Continue)
            },
        )?;
        Ok(Vm {
            lua,
            store,
            runner,
            scripts: HashMap::new(),
            libraries: HashMap::new(),
            functions: HashMap::new(),
            flags,
        })
    }

    /// True when the script with this SHA1 is cached.
    pub(crate) fn has(&self, sha: &str) -> bool {
        self.scripts.contains_key(sha)
    }

    /// SCRIPT FLUSH: forgets the EVAL scripts (function libraries stay, as in Redis).
    pub(crate) fn flush_scripts(&mut self) {
        self.scripts.clear();
        let _ = self.lua.gc_collect();
    }

    /// How many scripts are cached.
    pub(crate) fn len(&self) -> usize {
        self.scripts.len()
    }

    /// The cached script with this (lower-case) SHA1.
    pub(crate) fn get(&self, sha: &str) -> Option<Script> {
        self.scripts.get(sha).cloned()
    }

    /// Compiles and caches `body` (a no-op when cached); returns its SHA1.
    pub(crate) fn load(&mut self, body: &[u8]) -> Result<String, Frame> {
        let sha = super::sha1_hex(body);
        if self.scripts.contains_key(&sha) {
            return Ok(sha);
        }
        let (no_writes, skip) = shebang(body)?;
        // The shebang line is dropped but its line feed kept, so line numbers stay right.
        let function = self
            .lua
            .load(&body[skip..])
            .set_name(SCRIPT_NAME)
            .into_function()
            .map_err(|e| {
                let msg = match &e {
                    mlua::Error::SyntaxError { message, .. } => message.clone(),
                    other => other.to_string(),
                };
                Frame::error(format!("ERR Error compiling script (new function): {msg}"))
            })?;
        self.scripts.insert(
            sha.clone(),
            Script {
                function,
                no_writes,
                library: String::new(),
            },
        );
        Ok(sha)
    }

    /// Runs a cached script with its KEYS and ARGV; `caller` runs its `redis.call`s.
    pub(crate) fn run(
        &mut self,
        sha: &str,
        keys: &[Bytes],
        argv: &[Bytes],
        caller: Caller,
    ) -> Frame {
        let Some(script) = self.get(sha) else {
            return Frame::error(super::NOSCRIPT);
        };
        if let Err(e) = self.set_args(keys, argv) {
            return Frame::error(format!("ERR {e}"));
        }
        self.call_protected(script.function, None, &format!("f_{sha}"), caller)
    }

    /// Calls `function` (with `args` as its arguments, for functions) in protected mode and turns
    /// the outcome into the reply; `name` names it in errors.
    pub(crate) fn call_protected(
        &mut self,
        function: Function,
        args: Option<(Table, Table)>,
        name: &str,
        caller: Caller,
    ) -> Frame {
        self.lua.set_app_data(RunCtx {
            caller,
            resp3: false,
        });
        let result = match args {
            Some((keys, argv)) => self.runner.call::<MultiValue>((function, keys, argv)),
            None => self.runner.call::<MultiValue>(function),
        };
        let resp3 = self
            .lua
            .remove_app_data::<RunCtx>()
            .is_some_and(|ctx| ctx.resp3);
        let values = match result {
            Ok(values) => values,
            Err(e) => return Frame::error(format!("ERR Error running script {name}: {e}")),
        };
        let mut values = values.into_iter();
        let ok = matches!(values.next(), Some(Value::Boolean(true)));
        let value = values.next().unwrap_or(Value::Nil);
        if ok {
            lua_to_frame(&value, resp3)
        } else {
            self.error_reply(&value, name)
        }
    }

    /// A Lua array of strings.
    pub(crate) fn array(&self, items: &[Bytes]) -> mlua::Result<Table> {
        let t = self.lua.create_table_with_capacity(items.len(), 0)?;
        for (i, item) in items.iter().enumerate() {
            t.raw_set(i + 1, self.lua.create_string(item)?)?;
        }
        Ok(t)
    }

    fn set_args(&self, keys: &[Bytes], argv: &[Bytes]) -> mlua::Result<()> {
        self.store.raw_set("KEYS", self.array(keys)?)?;
        self.store.raw_set("ARGV", self.array(argv)?)
    }

    /// A script's error as Redis 7 words it: `-CODE msg script: <name>, on @user_script:LINE.`
    pub(crate) fn error_reply(&self, err: &Value, name: &str) -> Frame {
        let (msg, source, line) = if self.flags.kill.load(Ordering::Relaxed) {
            let line = self.flags.killed_at_line.load(Ordering::Relaxed);
            (
                super::KILLED.to_owned(),
                Some(SCRIPT_NAME.to_owned()),
                (line >= 0).then(|| line.to_string()),
            )
        } else {
            match err {
                Value::Table(t) => {
                    let text = |name: &str| match t.raw_get::<Value>(name) {
                        Ok(Value::String(s)) => Some(s.to_string_lossy()),
                        Ok(Value::Number(n)) => Some((n as i64).to_string()),
                        Ok(Value::Integer(n)) => Some(n.to_string()),
                        _ => None,
                    };
                    (
                        text("err").unwrap_or_else(|| "ERR unknown error".into()),
                        text("source"),
                        text("line"),
                    )
                }
                Value::String(s) => {
                    let s = s.to_string_lossy();
                    // `user_script:LINE: …` (EVAL) or `user_function:LINE: …` (a library).
                    let (source, line) = [SCRIPT_NAME, super::library::LIBRARY_NAME]
                        .into_iter()
                        .find_map(|source| {
                            let rest = s.strip_prefix(&source[1..])?.strip_prefix(':')?;
                            let (line, _) = rest.split_once(':')?;
                            line.parse::<u32>().ok()?;
                            Some((source.to_owned(), line.to_owned()))
                        })
                        .unzip();
                    (format!("ERR {s}"), source, line)
                }
                Value::Error(e) => match script_error(e) {
                    Some(se) => (
                        se.msg.clone(),
                        se.position.as_ref().map(|p| p.0.clone()),
                        se.position.as_ref().map(|p| p.1.to_string()),
                    ),
                    None => (format!("ERR {e}"), None, None),
                },
                other => (format!("ERR {other:?}"), None, None),
            }
        };
        let text = match (source, line) {
            (Some(source), Some(line)) => format!("{msg} script: {name}, on {source}:{line}."),
            _ => msg,
        };
        Frame::error(text.replace(['\r', '\n'], " "))
    }
}

/// Parses Redis 7's `#!lua [flags=…]` first line: (no-writes, bytes to skip).
fn shebang(body: &[u8]) -> Result<(bool, usize), Frame> {
    if !body.starts_with(b"#!") {
        return Ok((false, 0));
    }
    let end = body.iter().position(|b| *b == b'\n').unwrap_or(body.len());
    let line = String::from_utf8_lossy(&body[2..end]);
    let mut parts = line.split(' ').filter(|p| !p.is_empty());
    if parts.next() != Some("lua") {
        return Err(Frame::error("ERR Unexpected engine in script shebang"));
    }
    let mut no_writes = false;
    for part in parts {
        let Some(flags) = part.strip_prefix("flags=") else {
            return Err(Frame::error(format!(
                "ERR Unknown lua shebang option: {part}"
            )));
        };
        for flag in flags.split(',').filter(|f| !f.is_empty()) {
            match flag {
                "no-writes" => no_writes = true,
                "allow-oom" | "allow-stale" | "no-cluster" | "allow-cross-slot-keys" => {}
                other => {
                    return Err(Frame::error(format!(
                        "ERR Unexpected flag in script shebang: {other}"
                    )));
                }
            }
        }
    }
    Ok((no_writes, end))
}

/// Where the script is in its source: (`@user_script`, line) of the innermost script frame.
fn script_position(lua: &Lua) -> Option<(String, usize)> {
    (1..20).find_map(|level| {
        lua.inspect_stack(level, |debug| {
            let source = debug.source().source?.into_owned();
            (source == SCRIPT_NAME || source == super::library::LIBRARY_NAME)
                .then(|| (source, debug.current_line()))
        })
        .flatten()
        .and_then(|(source, line)| Some((source, line?)))
    })
}

/// An error the `redis` library raises: Redis raises `{err=…}` tables that carry the script's
/// position; mlua raises Rust errors, so the same fields travel in this one.
#[derive(Debug)]
pub(crate) struct ScriptError {
    /// `CODE message`.
    msg: String,
    /// (`@user_script`, line) where the script was.
    position: Option<(String, usize)>,
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for ScriptError {}

impl ScriptError {
    pub(crate) fn raise(msg: String, position: Option<(String, usize)>) -> mlua::Error {
        mlua::Error::external(ScriptError { msg, position })
    }

    /// Raised from a library function called by the script.
    pub(crate) fn at_script(lua: &Lua, msg: impl Into<String>) -> mlua::Error {
        Self::raise(msg.into(), script_position(lua))
    }
}

/// The [`ScriptError`] inside an error that crossed Lua (mlua wraps a callback's error).
fn script_error(e: &mlua::Error) -> Option<&ScriptError> {
    match e {
        mlua::Error::ExternalError(inner) => inner.downcast_ref::<ScriptError>(),
        mlua::Error::CallbackError { cause, .. } => script_error(cause),
        mlua::Error::WithContext { cause, .. } => script_error(cause),
        _ => None,
    }
}

/// `rust.error_text(e)`: what Redis's pcall gives a script for a library error.
fn error_text(_: &Lua, value: Value) -> mlua::Result<String> {
    Ok(match &value {
        Value::Error(e) => script_error(e).map_or_else(|| e.to_string(), |se| se.msg.clone()),
        other => format!("{other:?}"),
    })
}

/// `redis.call` (`raise`) and `redis.pcall`: a command's reply, or its error raised / returned as
/// `{err=…}`.
fn redis_call(lua: &Lua, args: MultiValue, raise: bool) -> mlua::Result<Value> {
    let fail = |msg: String| -> mlua::Result<Value> {
        if raise {
            return Err(ScriptError::at_script(lua, msg));
        }
        let t = lua.create_table()?;
        t.raw_set("err", msg)?;
        Ok(Value::Table(t))
    };
    if args.is_empty() {
        return fail("ERR Please specify at least one argument for this redis lib call".into());
    }
    let mut argv = Vec::with_capacity(args.len());
    for arg in &args {
        match arg {
            Value::String(s) => argv.push(Bytes::copy_from_slice(&s.as_bytes())),
            Value::Number(n) => argv.push(Bytes::from(number_arg(*n))),
            Value::Integer(n) => argv.push(Bytes::from(n.to_string())),
            _ => {
                return fail(
                    "ERR Lua redis lib command arguments must be strings or integers".into(),
                );
            }
        }
    }
    let (reply, resp3) = {
        let Some(mut ctx) = lua.app_data_mut::<RunCtx>() else {
            return fail(
                "ERR redis.call/pcall can only be called inside a script invocation".into(),
            );
        };
        let resp3 = ctx.resp3;
        ((ctx.caller)(&argv, resp3), resp3)
    };
    match reply {
        Frame::Error(e) => fail(String::from_utf8_lossy(&e).into_owned()),
        other => frame_to_lua(lua, &other, resp3),
    }
}

fn sha1hex(lua: &Lua, args: MultiValue) -> mlua::Result<String> {
    if args.len() != 1 {
        return Err(ScriptError::at_script(lua, "ERR wrong number of arguments"));
    }
    Ok(match &args[0] {
        Value::String(s) => super::sha1_hex(&s.as_bytes()),
        Value::Number(n) => super::sha1_hex(number_arg(*n).as_bytes()),
        _ => super::sha1_hex(b""),
    })
}

fn log(lua: &Lua, args: MultiValue) -> mlua::Result<()> {
    if args.len() < 2 {
        return Err(ScriptError::at_script(
            lua,
            "ERR redis.log() requires two arguments or more.",
        ));
    }
    let level = match &args[0] {
        Value::Number(n) => *n as i64,
        Value::Integer(n) => *n,
        _ => {
            return Err(ScriptError::at_script(
                lua,
                "ERR First argument must be a number (log level).",
            ));
        }
    };
    // The words after the level.
    let words: Vec<String> = args
        .iter()
        .skip(1)
        .filter_map(|v| match v {
            Value::String(s) => Some(s.to_string_lossy()),
            Value::Number(n) => Some(number_arg(*n)),
            Value::Integer(n) => Some(n.to_string()),
            _ => None,
        })
        .collect();
    let text = words.join(" ");
    match level {
        0 => tracing::debug!(target: "kuber::script", "{text}"),
        1 | 2 => tracing::info!(target: "kuber::script", "{text}"),
        3 => tracing::warn!(target: "kuber::script", "{text}"),
        _ => return Err(ScriptError::at_script(lua, "ERR Invalid debug level.")),
    }
    Ok(())
}

fn setresp(lua: &Lua, args: MultiValue) -> mlua::Result<()> {
    if args.len() != 1 {
        return Err(ScriptError::at_script(
            lua,
            "ERR redis.setresp() requires one argument.",
        ));
    }
    let resp = match &args[0] {
        Value::Number(n) => *n as i64,
        Value::Integer(n) => *n,
        _ => 0,
    };
    if resp != 2 && resp != 3 {
        return Err(ScriptError::at_script(
            lua,
            "ERR RESP version must be 2 or 3.",
        ));
    }
    if let Some(mut ctx) = lua.app_data_mut::<RunCtx>() {
        ctx.resp3 = resp == 3;
    }
    Ok(())
}
