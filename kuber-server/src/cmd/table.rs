//! The command table: one row per command with name, arity, flags, key positions, documentation
//! and handler. Authentication, arity, permissions and write-ness are all checked from here.

use std::sync::LazyLock;

use bytes::Bytes;
use hashbrown::HashMap;
use kuber_protocol::Frame;

use super::Ctx;
use super::{
    connection, dump, hash, json, keys, list, pubsub, region, script, server, set, stream, string,
    transaction, zset,
};

/// A synchronous command handler: reads arguments (including the command name at index 0),
/// acts on the store and session, returns the reply.
pub type SyncHandler = fn(&mut Ctx<'_>, &[Bytes]) -> Frame;

/// A handler that may have to wait for data (BLPOP and friends): it either replies now or names
/// the keys whose change could let it reply, and the dispatcher retries it after such a change.
pub type BlockingHandler = fn(&mut Ctx<'_>, &[Bytes]) -> Blocking;

/// What a blocking handler decided.
pub enum Blocking {
    /// Done: send this reply.
    Reply(Frame),
    /// Nothing to do yet: wait for a push to one of `keys` (in the current region) or the timeout.
    Wait {
        /// Keys to watch.
        keys: Vec<Bytes>,
        /// Milliseconds to wait; `None` waits forever.
        timeout_ms: Option<u64>,
        /// The arguments to retry with, when the first attempt resolved relative ones that must
        /// not move while waiting (XREAD's `$` becomes the stream's last ID at the time of the
        /// call); `None` retries with the original arguments.
        retry_args: Option<Vec<Bytes>>,
    },
}

/// How a command runs.
#[derive(Clone, Copy)]
pub enum Handler {
    /// Runs to completion under the region lock.
    Sync(SyncHandler),
    /// May wait for another client's push (BLPOP, BRPOP, BLMOVE).
    Blocking(BlockingHandler),
    /// AUTH: verifies credentials off the async workers.
    Auth,
    /// HELLO: protocol switch with optional AUTH.
    Hello,
    /// EXEC: runs the queued transaction.
    Exec,
    /// EVAL and friends: runs a Lua script on a thread of its own (`cmd/script.rs`).
    Script,
}

/// Changes data.
pub const WRITE: u32 = 1;
/// Only reads data.
pub const READONLY: u32 = 1 << 1;
/// Only ADMIN may run it.
pub const ADMIN: u32 = 1 << 2;
/// Allowed before authentication.
pub const NO_AUTH: u32 = 1 << 3;
/// O(1) or O(log n).
pub const FAST: u32 = 1 << 4;
/// May allocate memory (Redis `denyoom`).
pub const DENY_OOM: u32 = 1 << 5;
/// Connection-level command.
pub const CONNECTION: u32 = 1 << 6;
/// Runs at once even inside MULTI (MULTI, EXEC, DISCARD, WATCH, QUIT, RESET).
pub const TX_CONTROL: u32 = 1 << 7;
/// Refused inside MULTI (and aborts the transaction).
pub const NO_MULTI: u32 = 1 << 8;
/// Allowed on a RESP2 connection that has subscriptions.
pub const PUBSUB_OK: u32 = 1 << 9;
/// The handler invalidates WATCH on exactly the keys it changes; the dispatcher does not touch the
/// row's key positions afterwards (Redis touches a key only when the command modified it).
pub const OWN_WATCH: u32 = 1 << 10;
/// The reply waits until every change made so far is in the persistence backend, whatever the
/// persistence mode (SAVE).
pub const DURABLE: u32 = 1 << 11;
/// Served while a script is busy (Redis `allow-busy`): the command runs without waiting for the
/// exec gate the script holds.
pub const ALLOW_BUSY: u32 = 1 << 12;
/// Refused inside scripts (Redis `noscript`); blocking commands are refused there by their
/// handler kind.
pub const NO_SCRIPT: u32 = 1 << 13;
/// Runs with the exec gate held for writing, like EXEC: no other client's command runs meanwhile,
/// so the handler may lock more than one region (SWAPDB).
pub const EXCLUSIVE: u32 = 1 << 14;

/// One row of the table.
pub struct CommandSpec {
    /// Lower-case name.
    pub name: &'static str,
    /// Redis arity: positive = exact argument count including the name, negative = at least.
    pub arity: i32,
    /// Flag bits.
    pub flags: u32,
    /// First key argument (0 = none).
    pub first_key: i32,
    /// Last key argument (-1 = last argument).
    pub last_key: i32,
    /// Step between keys.
    pub step: i32,
    /// Command group for COMMAND DOCS.
    pub group: &'static str,
    /// One-line summary for COMMAND DOCS.
    pub summary: &'static str,
    /// The handler.
    pub handler: Handler,
}

impl CommandSpec {
    /// True when the flag bit is set.
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// True when `argc` (including the name) satisfies the arity.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i32;
        if self.arity >= 0 {
            argc == self.arity
        } else {
            argc >= -self.arity
        }
    }

    /// Redis flag names for COMMAND INFO.
    pub fn flag_names(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.has(WRITE) {
            names.push("write");
        }
        if self.has(READONLY) {
            names.push("readonly");
        }
        if self.has(DENY_OOM) {
            names.push("denyoom");
        }
        if self.has(ADMIN) {
            names.push("admin");
        }
        if self.has(NO_AUTH) {
            names.push("no_auth");
        }
        if self.has(FAST) {
            names.push("fast");
        }
        names
    }
}

use Handler::{Auth, Exec, Hello, Script, Sync};

/// No key arguments.
pub(super) const NOKEYS: (i32, i32, i32) = (0, 0, 0);
/// The first argument is the only key.
pub(super) const KEY1: (i32, i32, i32) = (1, 1, 1);
/// Every argument is a key.
pub(super) const ALLKEYS: (i32, i32, i32) = (1, -1, 1);
/// The first two arguments are keys.
pub(super) const KEY12: (i32, i32, i32) = (1, 2, 1);

/// Connection, string, key, server and region commands.
static CORE: &[CommandSpec] = &[
    // connection
    cmd!(
        "auth",
        -2,
        NO_AUTH | CONNECTION | FAST | NO_MULTI | ALLOW_BUSY | NO_SCRIPT,
        NOKEYS,
        "connection",
        "Authenticates the connection.",
        Auth
    ),
    cmd!(
        "hello",
        -1,
        NO_AUTH | CONNECTION | FAST | NO_MULTI | ALLOW_BUSY | NO_SCRIPT,
        NOKEYS,
        "connection",
        "Handshakes with the server, optionally authenticating and switching protocol.",
        Hello
    ),
    cmd!(
        "ping",
        -1,
        CONNECTION | FAST | PUBSUB_OK,
        NOKEYS,
        "connection",
        "Returns the server's liveliness response.",
        Sync(connection::ping)
    ),
    cmd!(
        "echo",
        2,
        CONNECTION | FAST,
        NOKEYS,
        "connection",
        "Returns the given string.",
        Sync(connection::echo)
    ),
    cmd!(
        "quit",
        -1,
        NO_AUTH | CONNECTION | FAST | TX_CONTROL | PUBSUB_OK | ALLOW_BUSY | NO_SCRIPT,
        NOKEYS,
        "connection",
        "Closes the connection.",
        Sync(connection::quit)
    ),
    cmd!(
        "select",
        2,
        CONNECTION | FAST,
        NOKEYS,
        "connection",
        "Changes the current region (database index n maps to region dbn).",
        Sync(connection::select)
    ),
    cmd!(
        "reset",
        1,
        NO_AUTH | CONNECTION | FAST | TX_CONTROL | PUBSUB_OK | ALLOW_BUSY | NO_SCRIPT,
        NOKEYS,
        "connection",
        "Resets the connection.",
        Sync(connection::reset)
    ),
    cmd!(
        "client",
        -2,
        CONNECTION | NO_SCRIPT,
        NOKEYS,
        "connection",
        "Client connection management (ID, SETNAME, GETNAME, LIST, INFO, KILL, SETINFO).",
        Sync(connection::client)
    ),
    cmd!(
        "command",
        -1,
        CONNECTION,
        NOKEYS,
        "server",
        "Returns details about commands (COUNT, INFO, DOCS, LIST).",
        Sync(server::command)
    ),
    // pub/sub
    cmd!(
        "subscribe",
        -2,
        PUBSUB_OK | NO_MULTI | NO_SCRIPT,
        NOKEYS,
        "pubsub",
        "Listens for messages published to channels.",
        Sync(pubsub::subscribe)
    ),
    cmd!(
        "psubscribe",
        -2,
        PUBSUB_OK | NO_MULTI | NO_SCRIPT,
        NOKEYS,
        "pubsub",
        "Listens for messages published to channels matching patterns.",
        Sync(pubsub::psubscribe)
    ),
    cmd!(
        "unsubscribe",
        -1,
        PUBSUB_OK | NO_MULTI | NO_SCRIPT,
        NOKEYS,
        "pubsub",
        "Stops listening to channels.",
        Sync(pubsub::unsubscribe)
    ),
    cmd!(
        "punsubscribe",
        -1,
        PUBSUB_OK | NO_MULTI | NO_SCRIPT,
        NOKEYS,
        "pubsub",
        "Stops listening to patterns.",
        Sync(pubsub::punsubscribe)
    ),
    cmd!(
        "publish",
        3,
        FAST,
        NOKEYS,
        "pubsub",
        "Posts a message to a channel.",
        Sync(pubsub::publish)
    ),
    cmd!(
        "pubsub",
        -2,
        0,
        NOKEYS,
        "pubsub",
        "Inspects pub/sub state (CHANNELS, NUMSUB, NUMPAT).",
        Sync(pubsub::pubsub)
    ),
    // transactions
    cmd!(
        "multi",
        1,
        FAST | TX_CONTROL | ALLOW_BUSY | NO_SCRIPT,
        NOKEYS,
        "transactions",
        "Starts a transaction.",
        Sync(transaction::multi)
    ),
    cmd!(
        "exec",
        1,
        TX_CONTROL | NO_SCRIPT,
        NOKEYS,
        "transactions",
        "Executes the queued commands atomically.",
        Exec
    ),
    cmd!(
        "discard",
        1,
        FAST | TX_CONTROL | ALLOW_BUSY | NO_SCRIPT,
        NOKEYS,
        "transactions",
        "Discards the queued commands.",
        Sync(transaction::discard)
    ),
    cmd!(
        "watch",
        -2,
        FAST | TX_CONTROL | ALLOW_BUSY | NO_SCRIPT,
        ALLKEYS,
        "transactions",
        "Makes EXEC fail if any of these keys changes first.",
        Sync(transaction::watch)
    ),
    cmd!(
        "unwatch",
        1,
        FAST | ALLOW_BUSY | NO_SCRIPT,
        NOKEYS,
        "transactions",
        "Forgets all watched keys.",
        Sync(transaction::unwatch)
    ),
    // strings
    cmd!(
        "get",
        2,
        READONLY | FAST,
        KEY1,
        "string",
        "Returns the string value of a key.",
        Sync(string::get)
    ),
    cmd!(
        "set",
        -3,
        WRITE | DENY_OOM,
        KEY1,
        "string",
        "Sets the string value of a key, with optional expiry and conditions.",
        Sync(string::set)
    ),
    cmd!(
        "setnx",
        3,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "string",
        "Sets the value of a key only when it does not exist.",
        Sync(string::setnx)
    ),
    cmd!(
        "setex",
        4,
        WRITE | DENY_OOM,
        KEY1,
        "string",
        "Sets the value and expiry in seconds of a key.",
        Sync(string::setex)
    ),
    cmd!(
        "psetex",
        4,
        WRITE | DENY_OOM,
        KEY1,
        "string",
        "Sets the value and expiry in milliseconds of a key.",
        Sync(string::psetex)
    ),
    cmd!(
        "getset",
        3,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "string",
        "Returns the previous value of a key after setting it.",
        Sync(string::getset)
    ),
    cmd!(
        "getdel",
        2,
        WRITE | FAST,
        KEY1,
        "string",
        "Returns the value of a key after deleting it.",
        Sync(string::getdel)
    ),
    cmd!(
        "getex",
        -2,
        WRITE | FAST,
        KEY1,
        "string",
        "Returns the value of a key after changing its expiry.",
        Sync(string::getex)
    ),
    cmd!(
        "mget",
        -2,
        READONLY | FAST,
        ALLKEYS,
        "string",
        "Returns the values of one or more keys.",
        Sync(string::mget)
    ),
    cmd!(
        "mset",
        -3,
        WRITE | DENY_OOM,
        (1, -1, 2),
        "string",
        "Sets several keys at once.",
        Sync(string::mset)
    ),
    cmd!(
        "msetnx",
        -3,
        WRITE | DENY_OOM,
        (1, -1, 2),
        "string",
        "Sets several keys only when none of them exists.",
        Sync(string::msetnx)
    ),
    cmd!(
        "append",
        3,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "string",
        "Appends a string to the value of a key.",
        Sync(string::append)
    ),
    cmd!(
        "strlen",
        2,
        READONLY | FAST,
        KEY1,
        "string",
        "Returns the length of a string value.",
        Sync(string::strlen)
    ),
    cmd!(
        "lcs",
        -3,
        READONLY,
        KEY12,
        "string",
        "Returns the longest common subsequence of two strings, its length or its match ranges.",
        Sync(string::lcs)
    ),
    cmd!(
        "getrange",
        4,
        READONLY,
        KEY1,
        "string",
        "Returns a substring of a string value.",
        Sync(string::getrange)
    ),
    cmd!(
        "setrange",
        4,
        WRITE | DENY_OOM,
        KEY1,
        "string",
        "Overwrites part of a string value at an offset.",
        Sync(string::setrange)
    ),
    cmd!(
        "incr",
        2,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "string",
        "Increments the integer value of a key by one.",
        Sync(string::incr)
    ),
    cmd!(
        "decr",
        2,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "string",
        "Decrements the integer value of a key by one.",
        Sync(string::decr)
    ),
    cmd!(
        "incrby",
        3,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "string",
        "Increments the integer value of a key by a number.",
        Sync(string::incrby)
    ),
    cmd!(
        "decrby",
        3,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "string",
        "Decrements the integer value of a key by a number.",
        Sync(string::decrby)
    ),
    cmd!(
        "incrbyfloat",
        3,
        WRITE | DENY_OOM | FAST,
        KEY1,
        "string",
        "Increments the floating point value of a key.",
        Sync(string::incrbyfloat)
    ),
    cmd!(
        "setbit",
        4,
        WRITE | DENY_OOM,
        KEY1,
        "bitmap",
        "Sets or clears the bit at an offset of a string value.",
        Sync(string::setbit)
    ),
    cmd!(
        "getbit",
        3,
        READONLY | FAST,
        KEY1,
        "bitmap",
        "Returns the bit at an offset of a string value.",
        Sync(string::getbit)
    ),
    // keys
    cmd!(
        "del",
        -2,
        WRITE,
        ALLKEYS,
        "generic",
        "Deletes one or more keys.",
        Sync(keys::del)
    ),
    cmd!(
        "unlink",
        -2,
        WRITE | FAST,
        ALLKEYS,
        "generic",
        "Deletes one or more keys.",
        Sync(keys::del)
    ),
    cmd!(
        "exists",
        -2,
        READONLY | FAST,
        ALLKEYS,
        "generic",
        "Counts how many of the given keys exist.",
        Sync(keys::exists)
    ),
    cmd!(
        "type",
        2,
        READONLY | FAST,
        KEY1,
        "generic",
        "Returns the type of the value of a key.",
        Sync(keys::type_of)
    ),
    cmd!(
        "expire",
        -3,
        WRITE | FAST,
        KEY1,
        "generic",
        "Sets a key's time to live in seconds.",
        Sync(keys::expire)
    ),
    cmd!(
        "pexpire",
        -3,
        WRITE | FAST,
        KEY1,
        "generic",
        "Sets a key's time to live in milliseconds.",
        Sync(keys::expire)
    ),
    cmd!(
        "expireat",
        -3,
        WRITE | FAST,
        KEY1,
        "generic",
        "Sets a key's expiry as a Unix time in seconds.",
        Sync(keys::expire)
    ),
    cmd!(
        "pexpireat",
        -3,
        WRITE | FAST,
        KEY1,
        "generic",
        "Sets a key's expiry as a Unix time in milliseconds.",
        Sync(keys::expire)
    ),
    cmd!(
        "ttl",
        2,
        READONLY | FAST,
        KEY1,
        "generic",
        "Returns a key's time to live in seconds.",
        Sync(keys::ttl)
    ),
    cmd!(
        "pttl",
        2,
        READONLY | FAST,
        KEY1,
        "generic",
        "Returns a key's time to live in milliseconds.",
        Sync(keys::ttl)
    ),
    cmd!(
        "expiretime",
        2,
        READONLY | FAST,
        KEY1,
        "generic",
        "Returns a key's expiry as a Unix time in seconds.",
        Sync(keys::ttl)
    ),
    cmd!(
        "pexpiretime",
        2,
        READONLY | FAST,
        KEY1,
        "generic",
        "Returns a key's expiry as a Unix time in milliseconds.",
        Sync(keys::ttl)
    ),
    cmd!(
        "persist",
        2,
        WRITE | FAST,
        KEY1,
        "generic",
        "Removes a key's expiry.",
        Sync(keys::persist)
    ),
    cmd!(
        "keys",
        2,
        READONLY,
        NOKEYS,
        "generic",
        "Returns all key names that match a pattern.",
        Sync(keys::keys)
    ),
    cmd!(
        "scan",
        -2,
        READONLY,
        NOKEYS,
        "generic",
        "Iterates over the key names in the current region.",
        Sync(keys::scan)
    ),
    cmd!(
        "rename",
        3,
        WRITE,
        KEY12,
        "generic",
        "Renames a key, overwriting the destination.",
        Sync(keys::rename)
    ),
    cmd!(
        "renamenx",
        3,
        WRITE | FAST,
        KEY12,
        "generic",
        "Renames a key only when the destination does not exist.",
        Sync(keys::rename)
    ),
    cmd!(
        "randomkey",
        1,
        READONLY,
        NOKEYS,
        "generic",
        "Returns a random key name.",
        Sync(keys::randomkey)
    ),
    cmd!(
        "touch",
        -2,
        READONLY | FAST,
        ALLKEYS,
        "generic",
        "Updates the last access time of keys.",
        Sync(keys::touch)
    ),
    cmd!(
        "copy",
        -3,
        WRITE | DENY_OOM,
        KEY12,
        "generic",
        "Copies the value of a key to a new key (DB n targets region dbn).",
        Sync(keys::copy)
    ),
    cmd!(
        "move",
        3,
        WRITE | FAST,
        KEY1,
        "generic",
        "Moves a key to another database's region (db n is region dbn, 0 is default).",
        Sync(keys::move_key)
    ),
    cmd!(
        "memory",
        -2,
        READONLY,
        (2, 2, 1),
        "server",
        "MEMORY USAGE key: the bytes Kuber counts for a key.",
        Sync(server::memory)
    ),
    cmd!(
        "dbsize",
        1,
        READONLY | FAST,
        NOKEYS,
        "server",
        "Returns the number of keys in the current region.",
        Sync(keys::dbsize)
    ),
    cmd!(
        "flushdb",
        -1,
        WRITE | ADMIN,
        NOKEYS,
        "server",
        "Removes all keys from the current region.",
        Sync(keys::flushdb)
    ),
    cmd!(
        "flushall",
        -1,
        WRITE | ADMIN,
        NOKEYS,
        "server",
        "Removes all keys from all regions.",
        Sync(keys::flushall)
    ),
    cmd!(
        "dump",
        2,
        READONLY,
        KEY1,
        "generic",
        "Returns a key's value serialized in Redis's DUMP format.",
        Sync(dump::dump)
    ),
    cmd!(
        "restore",
        -4,
        WRITE | DENY_OOM,
        KEY1,
        "generic",
        "Creates a key from a DUMP payload (REPLACE, ABSTTL, IDLETIME, FREQ).",
        Sync(dump::restore)
    ),
    cmd!(
        "swapdb",
        3,
        WRITE | ADMIN | FAST | EXCLUSIVE,
        NOKEYS,
        "server",
        "Swaps the keys of two databases' regions (db n is region dbn, 0 is default).",
        Sync(keys::swapdb)
    ),
    cmd!(
        "object",
        -2,
        READONLY,
        (2, 2, 1),
        "generic",
        "Inspects a key's internals (ENCODING, FREQ, IDLETIME, REFCOUNT).",
        Sync(keys::object)
    ),
    // server
    cmd!(
        "info",
        -1,
        0,
        NOKEYS,
        "server",
        "Returns information and statistics about the server.",
        Sync(server::info)
    ),
    cmd!(
        "config",
        -2,
        NO_SCRIPT,
        NOKEYS,
        "server",
        "Reads or changes configuration (GET, SET, RESETSTAT).",
        Sync(server::config)
    ),
    cmd!(
        "time",
        1,
        FAST,
        NOKEYS,
        "server",
        "Returns the server time.",
        Sync(server::time)
    ),
    cmd!(
        "cluster",
        -2,
        NO_SCRIPT,
        NOKEYS,
        "server",
        "Answers as a Redis without cluster mode: Kuber scales with regions and replication.",
        Sync(server::cluster)
    ),
    cmd!(
        "role",
        1,
        FAST | NO_SCRIPT,
        NOKEYS,
        "server",
        "Returns the replication role.",
        Sync(server::role)
    ),
    cmd!(
        "function",
        -2,
        NO_SCRIPT,
        NOKEYS,
        "scripting",
        "Manages function libraries: LOAD, DELETE, FLUSH, LIST, KILL, STATS, HELP.",
        Sync(script::function)
    ),
    cmd!(
        "fcall",
        -3,
        WRITE | NO_SCRIPT,
        NOKEYS,
        "scripting",
        "Calls a function of a loaded library: FCALL function numkeys [key ...] [arg ...].",
        Script
    ),
    cmd!(
        "fcall_ro",
        -3,
        READONLY | NO_SCRIPT,
        NOKEYS,
        "scripting",
        "Calls a read-only function of a loaded library.",
        Script
    ),
    // scripting: keys come from numkeys (argument 2), read when the script runs.
    cmd!(
        "eval",
        -3,
        WRITE | NO_SCRIPT,
        NOKEYS,
        "scripting",
        "Runs a Lua script: EVAL script numkeys [key ...] [arg ...].",
        Script
    ),
    cmd!(
        "evalsha",
        -3,
        WRITE | NO_SCRIPT,
        NOKEYS,
        "scripting",
        "Runs a cached Lua script by its SHA1.",
        Script
    ),
    cmd!(
        "eval_ro",
        -3,
        READONLY | NO_SCRIPT,
        NOKEYS,
        "scripting",
        "Runs a Lua script that may only read.",
        Script
    ),
    cmd!(
        "evalsha_ro",
        -3,
        READONLY | NO_SCRIPT,
        NOKEYS,
        "scripting",
        "Runs a cached read-only Lua script by its SHA1.",
        Script
    ),
    cmd!(
        "script",
        -2,
        NO_SCRIPT,
        NOKEYS,
        "scripting",
        "Manages the script cache: LOAD, EXISTS, FLUSH, KILL, HELP.",
        Sync(script::script)
    ),
    cmd!(
        "lastsave",
        1,
        FAST,
        NOKEYS,
        "server",
        "Returns the Unix time of the last successful save.",
        Sync(server::lastsave)
    ),
    cmd!(
        "save",
        1,
        ADMIN | NO_MULTI | DURABLE | NO_SCRIPT,
        NOKEYS,
        "server",
        "Flushes pending writes to persistence.",
        Sync(server::save)
    ),
    cmd!(
        "bgsave",
        -1,
        ADMIN | NO_SCRIPT,
        NOKEYS,
        "server",
        "Flushes pending writes to persistence in the background.",
        Sync(server::save)
    ),
    cmd!(
        "shutdown",
        -1,
        ADMIN | NO_MULTI | ALLOW_BUSY | NO_SCRIPT,
        NOKEYS,
        "server",
        "Stops the server gracefully.",
        Sync(server::shutdown)
    ),
    cmd!(
        "debug",
        -2,
        ADMIN | NO_SCRIPT,
        NOKEYS,
        "server",
        "Answers -ERR for Redis's debugging subcommands, which Kuber does not have (DEBUG SLEEP 0 is accepted).",
        Sync(server::debug)
    ),
    cmd!(
        "status",
        1,
        FAST,
        NOKEYS,
        "server",
        "Returns Kuber's readiness and health as JSON.",
        Sync(server::status)
    ),
    // regions
    cmd!(
        "regions",
        1,
        READONLY,
        NOKEYS,
        "region",
        "Lists region names.",
        Sync(region::regions)
    ),
    cmd!(
        "rcreate",
        -2,
        WRITE,
        NOKEYS,
        "region",
        "Creates a region: RCREATE name [description] [TTL seconds] [MAXENTRIES n].",
        Sync(region::rcreate)
    ),
    cmd!(
        "rdrop",
        2,
        WRITE | ADMIN,
        NOKEYS,
        "region",
        "Drops a region and all its data.",
        Sync(region::rdrop)
    ),
    cmd!(
        "rpurge",
        2,
        WRITE | ADMIN,
        NOKEYS,
        "region",
        "Removes all entries of a region.",
        Sync(region::rpurge)
    ),
    cmd!(
        "rselect",
        2,
        CONNECTION,
        NOKEYS,
        "region",
        "Changes the current region, creating it if allowed.",
        Sync(region::rselect)
    ),
    cmd!(
        "rinfo",
        -1,
        READONLY,
        NOKEYS,
        "region",
        "Returns a region's settings and statistics as JSON.",
        Sync(region::rinfo)
    ),
];

/// Each command family's rows; every family file owns its slice.
static FAMILIES: &[&[CommandSpec]] = &[
    CORE,
    hash::COMMANDS,
    list::COMMANDS,
    set::COMMANDS,
    zset::COMMANDS,
    json::COMMANDS,
    stream::COMMANDS,
];

/// Every command Kuber knows, in table order.
pub static COMMANDS: LazyLock<Vec<&'static CommandSpec>> =
    LazyLock::new(|| FAMILIES.iter().flat_map(|family| family.iter()).collect());

static INDEX: LazyLock<HashMap<&'static str, usize>> = LazyLock::new(|| {
    COMMANDS
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name, i))
        .collect()
});

/// Finds a command by name, case-insensitively, without allocating. Returns its table index.
pub fn lookup(name: &[u8]) -> Option<usize> {
    let mut buf = [0u8; 24];
    if name.len() > buf.len() {
        return None;
    }
    let lower = &mut buf[..name.len()];
    for (d, s) in lower.iter_mut().zip(name) {
        *d = s.to_ascii_lowercase();
    }
    let lower = std::str::from_utf8(lower).ok()?;
    INDEX.get(lower).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_lowercase_and_found_in_any_case() {
        let mut seen = std::collections::HashSet::new();
        for (i, c) in COMMANDS.iter().enumerate() {
            assert!(seen.insert(c.name), "duplicate {}", c.name);
            assert_eq!(c.name, c.name.to_ascii_lowercase());
            assert_eq!(lookup(c.name.to_ascii_uppercase().as_bytes()), Some(i));
            assert!(c.arity != 0);
            assert!(
                !(c.has(WRITE) && c.has(READONLY)),
                "{} is both write and readonly",
                c.name
            );
        }
        assert_eq!(lookup(b"nosuchcommand"), None);
        assert_eq!(lookup(&[b'x'; 100]), None);
    }
}

#[cfg(test)]
mod coverage {
    use super::COMMANDS;

    /// Every table row is exercised by at least one dispatcher test (`.run("NAME …")` in cmd/).
    #[test]
    fn every_command_has_a_test() {
        let sources = [
            include_str!("connection.rs"),
            include_str!("keys.rs"),
            include_str!("region.rs"),
            include_str!("server.rs"),
            include_str!("string.rs"),
            include_str!("string/lcs.rs"),
            include_str!("hash/tests.rs"),
            include_str!("list/tests.rs"),
            include_str!("list/tests/mpop.rs"),
            include_str!("list/tests/sort.rs"),
            include_str!("set/tests.rs"),
            include_str!("zset/tests.rs"),
            include_str!("json/tests.rs"),
            include_str!("zset/algebra/tests.rs"),
            include_str!("zset/pop/tests.rs"),
            include_str!("zset/random/tests.rs"),
            include_str!("transaction.rs"),
            include_str!("pubsub.rs"),
            include_str!("dump.rs"),
            include_str!("../store/keyspace/swap.rs"),
            include_str!("stream/tests.rs"),
            include_str!("stream/tests/groups.rs"),
            include_str!("script/tests.rs"),
        ]
        .concat();
        let tested: std::collections::HashSet<String> = sources
            .split(".run(")
            .skip(1)
            .filter_map(|rest| {
                let rest = rest
                    .strip_prefix("&format!(")
                    .unwrap_or(rest)
                    .strip_prefix('"')?;
                Some(rest.split([' ', '"']).next()?.to_ascii_lowercase())
            })
            .collect();
        let missing: Vec<&str> = COMMANDS
            .iter()
            .map(|c| c.name)
            .filter(|n| !tested.contains(*n))
            .collect();
        assert!(
            missing.is_empty(),
            "commands without a dispatcher test: {missing:?}"
        );
    }
}
