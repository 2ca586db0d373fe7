//! Redis 7 functions on the script VM: FUNCTION LOAD runs a library's code once, collecting what it
//! registers with `redis.register_function`; FCALL then calls a registered function with its KEYS
//! and ARGV tables as arguments. Libraries live in the same VM as EVAL scripts; SCRIPT FLUSH forgets
//! only the scripts and FUNCTION FLUSH only the libraries, as in Redis.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use kuber_protocol::Frame;
use mlua::{Function, Lua, MultiValue, Table, Value};

use super::vm::{Script, ScriptError, Vm};

/// The chunk name of library code, as Redis names it in errors.
pub(crate) const LIBRARY_NAME: &str = "@user_function";
/// How long a library's loading code may run (Redis's FUNCTION LOAD timeout).
const LOAD_TIMEOUT_MS: u64 = 500;

/// A loaded library: its code (for FUNCTION LIST WITHCODE and reloading) and its functions.
#[derive(Clone)]
pub(crate) struct Library {
    pub code: Bytes,
    pub functions: Vec<(String, bool)>,
}

/// What `redis.register_function` collects while a library loads.
#[derive(Default)]
pub(crate) struct Registering {
    functions: Vec<(String, Function, bool)>,
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `#!lua name=<lib>`: the library name and where the code starts.
fn metadata(code: &[u8]) -> Result<(String, usize), Frame> {
    if !code.starts_with(b"#!") {
        return Err(Frame::error("ERR Missing library metadata"));
    }
    let Some(end) = code.iter().position(|b| *b == b'\n') else {
        return Err(Frame::error("ERR Invalid library metadata"));
    };
    let line = String::from_utf8_lossy(&code[2..end]);
    let mut parts = line.split(' ').filter(|p| !p.is_empty());
    let engine = parts.next().unwrap_or("");
    let mut name = None;
    for part in parts {
        match part.get(..5) {
            Some(prefix) if prefix.eq_ignore_ascii_case("name=") => {
                if name.is_some() {
                    return Err(Frame::error(
                        "ERR Invalid metadata value, name argument was given multiple times",
                    ));
                }
                name = Some(part[5..].to_owned());
            }
            _ => {
                return Err(Frame::error(format!(
                    "ERR Invalid metadata value given: {part}"
                )));
            }
        }
    }
    let Some(name) = name else {
        return Err(Frame::error("ERR Library name was not given"));
    };
    if !valid_name(&name) {
        return Err(Frame::error(
            "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ));
    }
    if !engine.eq_ignore_ascii_case("lua") {
        return Err(Frame::error(format!("ERR Engine '{engine}' not found")));
    }
    Ok((name, end))
}

impl Vm {
    /// FUNCTION LOAD: runs the library's code and registers its functions; returns its name.
    pub(crate) fn load_library(&mut self, code: &Bytes, replace: bool) -> Result<String, Frame> {
        let (name, start) = metadata(code)?;
        if self.libraries.contains_key(&name) && !replace {
            return Err(Frame::error(format!("ERR Library '{name}' already exists")));
        }
        let registered = self.run_library_code(&code[start..])?;
        if registered.is_empty() {
            return Err(Frame::error("ERR No functions registered"));
        }
        for (function, ..) in &registered {
            let owner = self.functions.get(function).map(|f| f.library.clone());
            if owner.is_some_and(|owner| owner != name) {
                return Err(Frame::error(format!(
                    "ERR Function {function} already exists"
                )));
            }
        }
        self.delete_library(&name);
        let mut listed = Vec::new();
        for (function, callback, no_writes) in registered {
            listed.push((function.clone(), no_writes));
            self.functions.insert(
                function,
                Script {
                    function: callback,
                    no_writes,
                    library: name.clone(),
                },
            );
        }
        self.libraries.insert(
            name.clone(),
            Library {
                code: code.clone(),
                functions: listed,
            },
        );
        Ok(name)
    }

    fn run_library_code(&mut self, code: &[u8]) -> Result<Vec<(String, Function, bool)>, Frame> {
        // `code` starts at the shebang's line feed, so line numbers stay right.
        let chunk = self
            .lua
            .load(code)
            .set_name(LIBRARY_NAME)
            .into_function()
            .map_err(|e| {
                let msg = match &e {
                    mlua::Error::SyntaxError { message, .. } => message.clone(),
                    other => other.to_string(),
                };
                Frame::error(format!("ERR Error compiling function: {msg}"))
            })?;
        let flags = self.flags.clone();
        flags
            .load_deadline_ms
            .store(flags.now_ms() + LOAD_TIMEOUT_MS, Ordering::Relaxed);
        self.lua.set_app_data(Registering::default());
        let result = self.runner.call::<MultiValue>(chunk);
        flags.load_deadline_ms.store(0, Ordering::Relaxed);
        let registering = self
            .lua
            .remove_app_data::<Registering>()
            .unwrap_or_default();
        let values =
            result.map_err(|e| Frame::error(format!("ERR Error registering functions: {e}")))?;
        let mut values = values.into_iter();
        if !matches!(values.next(), Some(Value::Boolean(true))) {
            let err = values.next().unwrap_or(Value::Nil);
            let text = match self.error_reply(&err, "") {
                Frame::Error(e) => String::from_utf8_lossy(&e).into_owned(),
                _ => "unknown error".into(),
            };
            let text = text.strip_prefix("ERR ").unwrap_or(&text).to_owned();
            return Err(Frame::error(format!(
                "ERR Error registering functions: {text}"
            )));
        }
        Ok(registering.functions)
    }

    /// FUNCTION DELETE; false when there is no such library.
    pub(crate) fn delete_library(&mut self, name: &str) -> bool {
        let Some(library) = self.libraries.remove(name) else {
            return false;
        };
        for (function, _) in library.functions {
            self.functions.remove(&function);
        }
        true
    }

    /// FUNCTION FLUSH.
    pub(crate) fn flush_libraries(&mut self) {
        self.libraries.clear();
        self.functions.clear();
    }

    /// The loaded libraries, sorted by name.
    pub(crate) fn libraries(&self) -> Vec<(String, Library)> {
        let mut all: Vec<_> = self
            .libraries
            .iter()
            .map(|(name, lib)| (name.clone(), lib.clone()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// Runs a registered function with KEYS and ARGV as its arguments.
    pub(crate) fn call_function(
        &mut self,
        name: &str,
        keys: &[Bytes],
        argv: &[Bytes],
        caller: super::vm::Caller,
    ) -> Frame {
        let Some(script) = self.functions.get(name).cloned() else {
            return Frame::error("ERR Function not found");
        };
        let tables =
            (|| -> mlua::Result<(Table, Table)> { Ok((self.array(keys)?, self.array(argv)?)) })();
        match tables {
            Ok((keys, argv)) => {
                self.call_protected(script.function, Some((keys, argv)), name, caller)
            }
            Err(e) => Frame::error(format!("ERR {e}")),
        }
    }
}

/// `redis.register_function(name, callback)` or `redis.register_function{function_name=…,
/// callback=…, flags={…}, description=…}`.
pub(crate) fn register_function(lua: &Lua, args: MultiValue) -> mlua::Result<()> {
    let fail = |msg: &str| ScriptError::at_script(lua, format!("ERR {msg}"));
    if lua.app_data_ref::<Registering>().is_none() {
        return Err(fail(
            "redis.register_function can only be called on FUNCTION LOAD command",
        ));
    }
    let (name, callback, no_writes) = match args.len() {
        2 => match (&args[0], &args[1]) {
            (Value::String(name), Value::Function(f)) => (name.to_string_lossy(), f.clone(), false),
            _ => return Err(fail("wrong number of arguments to redis.register_function")),
        },
        1 => {
            let Value::Table(t) = &args[0] else {
                return Err(fail(
                    "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).",
                ));
            };
            let (mut name, mut callback, mut no_writes) = (None, None, false);
            for pair in t.pairs::<Value, Value>() {
                let (k, v) = pair?;
                let Value::String(k) = k else {
                    return Err(fail(
                        "named argument key given to redis.register_function is not a string",
                    ));
                };
                match (k.to_string_lossy().to_ascii_lowercase().as_str(), v) {
                    ("function_name", Value::String(s)) => name = Some(s.to_string_lossy()),
                    ("function_name", _) => {
                        return Err(fail(
                            "function_name argument given to redis.register_function must be a string",
                        ));
                    }
                    ("description", Value::String(_)) => {}
                    ("description", _) => {
                        return Err(fail(
                            "description argument given to redis.register_function must be a string",
                        ));
                    }
                    ("callback", Value::Function(f)) => callback = Some(f),
                    ("callback", _) => {
                        return Err(fail(
                            "callback argument given to redis.register_function must be a function",
                        ));
                    }
                    ("flags", Value::Table(flags)) => {
                        for flag in flags.sequence_values::<Value>() {
                            match flag? {
                                Value::String(f) if f.to_str()? == "no-writes" => no_writes = true,
                                Value::String(f)
                                    if [
                                        "allow-oom",
                                        "allow-stale",
                                        "no-cluster",
                                        "allow-cross-slot-keys",
                                    ]
                                    .contains(&&*f.to_str()?) => {}
                                _ => return Err(fail("unknown flag given")),
                            }
                        }
                    }
                    ("flags", _) => {
                        return Err(fail(
                            "flags argument to redis.register_function must be a table representing function flags",
                        ));
                    }
                    _ => return Err(fail("unknown argument given to redis.register_function")),
                }
            }
            let Some(name) = name else {
                return Err(fail(
                    "redis.register_function must get a function name argument",
                ));
            };
            let Some(callback) = callback else {
                return Err(fail("redis.register_function must get a callback argument"));
            };
            (name, callback, no_writes)
        }
        _ => return Err(fail("wrong number of arguments to redis.register_function")),
    };
    if !valid_name(&name) {
        return Err(fail(
            "Function names can only contain letters, numbers, or underscores(_) and must be at least one character long",
        ));
    }
    let mut registering = lua.app_data_mut::<Registering>().expect("checked above");
    if registering.functions.iter().any(|(n, ..)| *n == name) {
        drop(registering);
        return Err(fail("Function already exists in the library"));
    }
    registering.functions.push((name, callback, no_writes));
    Ok(())
}
