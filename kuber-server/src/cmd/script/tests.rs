//! Dispatcher tests for scripting: conversions both ways, errors, the SHA1 cache, the sandbox,
//! roles, WATCH, atomicity, BUSY and SCRIPT KILL.

use crate::auth::Role;
use crate::cmd::testing::server;

const SHA_RETURN_1: &str = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db";

#[tokio::test]
async fn lua_values_become_replies() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(c.run("EVAL \"return 1\" 0").await, ":1\r\n");
    // Numbers are truncated to integers.
    assert_eq!(c.run("EVAL \"return 3.99\" 0").await, ":3\r\n");
    assert_eq!(c.run("EVAL \"return -2.5\" 0").await, ":-2\r\n");
    assert_eq!(c.run("EVAL \"return 'hi'\" 0").await, "$2\r\nhi\r\n");
    assert_eq!(c.run("EVAL \"return true\" 0").await, ":1\r\n");
    assert_eq!(c.run("EVAL \"return false\" 0").await, "$-1\r\n");
    assert_eq!(c.run("EVAL \"return nil\" 0").await, "$-1\r\n");
    // An array stops at the first nil.
    assert_eq!(
        c.run("EVAL \"return {1,'two',{3},nil,5}\" 0").await,
        "*3\r\n:1\r\n$3\r\ntwo\r\n*1\r\n:3\r\n"
    );
    assert_eq!(c.run("EVAL \"return {ok='FINE'}\" 0").await, "+FINE\r\n");
    assert_eq!(
        c.run("EVAL \"return {err='MY failure'}\" 0").await,
        "-MY failure\r\n"
    );
    assert_eq!(
        c.run("EVAL \"return redis.status_reply('DONE')\" 0").await,
        "+DONE\r\n"
    );
    assert_eq!(
        c.run("EVAL \"return redis.error_reply('My Error')\" 0")
            .await,
        "-My Error\r\n"
    );
    assert_eq!(
        c.run("EVAL \"return redis.error_reply('-CODE detail')\" 0")
            .await,
        "-CODE detail\r\n"
    );
    assert_eq!(
        c.run("EVAL \"return {KEYS[1], KEYS[2], ARGV[1]}\" 2 a b c")
            .await,
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert_eq!(c.run("EVAL \"return #ARGV\" 0 x y z").await, ":3\r\n");
}

#[tokio::test]
async fn replies_become_lua_values() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("SET s hello").await;
    c.run("RPUSH l a b").await;
    assert_eq!(
        c.run("EVAL \"return type(redis.call('incr', 'n'))\" 0")
            .await,
        "$6\r\nnumber\r\n"
    );
    assert_eq!(
        c.run("EVAL \"return redis.call('get', KEYS[1])\" 1 s")
            .await,
        "$5\r\nhello\r\n"
    );
    // A nil bulk is false; a status is {ok=…}; an array is a table.
    assert_eq!(
        c.run("EVAL \"return redis.call('get', 'missing') == false\" 0")
            .await,
        ":1\r\n"
    );
    assert_eq!(
        c.run("EVAL \"return redis.call('set', 'x', 1).ok\" 0")
            .await,
        "$2\r\nOK\r\n"
    );
    assert_eq!(
        c.run("EVAL \"local t = redis.call('lrange', 'l', 0, -1) return #t .. t[1] .. t[2]\" 0")
            .await,
        "$3\r\n2ab\r\n"
    );
    // An error from redis.pcall is {err=…}; numbers go out as %.17g.
    assert_eq!(
        c.run("EVAL \"return redis.pcall('incr', 's').err\" 0")
            .await,
        "$43\r\nERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.run("EVAL \"redis.call('set', 'f', 0.1) return redis.call('get', 'f')\" 0")
            .await,
        "$19\r\n0.10000000000000001\r\n"
    );
    // RESP3 on request: a map is {map=…}, a double {double=…}, a null nil.
    assert_eq!(
        c.run("EVAL \"redis.setresp(3) return redis.call('get', 'missing') == nil\" 0")
            .await,
        ":1\r\n"
    );
    c.run("HSET h f v").await;
    assert_eq!(
        c.run("EVAL \"redis.setresp(3) return redis.call('hgetall', 'h').map.f\" 0")
            .await,
        "$1\r\nv\r\n"
    );
    assert_eq!(
        c.run("EVAL \"redis.setresp(4)\" 0").await,
        format!(
            "-ERR RESP version must be 2 or 3. script: f_{}, on @user_script:1.\r\n",
            sha("redis.setresp(4)")
        )
    );
    assert_eq!(
        c.run("EVAL \"return redis.sha1hex('')\" 0").await,
        "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n"
    );
    assert_eq!(
        c.run("EVAL \"return redis.REDIS_VERSION\" 0").await,
        "$6\r\n7.0.15\r\n"
    );
    assert_eq!(
        c.run("EVAL \"redis.log(redis.LOG_WARNING, 'from a script') return 1\" 0")
            .await,
        ":1\r\n"
    );
}

#[tokio::test]
async fn script_errors_read_as_in_redis_7() {
    let s = server();
    let mut c = s.client(Role::User);
    c.run("SET s text").await;
    assert_eq!(
        c.run("EVAL \"return redis.call('incr', 's')\" 0").await,
        format!(
            "-ERR value is not an integer or out of range script: f_{}, on @user_script:1.\r\n",
            sha("return redis.call('incr', 's')")
        )
    );
    assert_eq!(
        c.run("EVAL \"\nreturn redis.call('nosuch')\" 0").await,
        format!(
            "-ERR Unknown Redis command called from script script: f_{}, on @user_script:2.\r\n",
            sha("\nreturn redis.call('nosuch')")
        )
    );
    assert!(
        c.run("EVAL \"redis.call('get')\" 0")
            .await
            .starts_with("-ERR Wrong number of args calling Redis command from script script: ")
    );
    assert!(
        c.run("EVAL \"redis.call('multi')\" 0")
            .await
            .starts_with("-ERR This Redis command is not allowed from script script: ")
    );
    // Blocking commands are refused in scripts (Redis 7 flags them noscript).
    assert!(
        c.run("EVAL \"redis.call('blpop', 'l', 0)\" 0")
            .await
            .starts_with("-ERR This Redis command is not allowed from script")
    );
    // XREAD runs (without blocking); with BLOCK it is refused.
    c.run("XADD strm 1-1 f v").await;
    assert_eq!(
        c.run("EVAL \"return redis.call('xread', 'STREAMS', 'strm', '$')\" 0")
            .await,
        // Nothing new: a nil reply, which reaches Lua as false and comes back as a nil bulk.
        "$-1\r\n"
    );
    assert!(
        c.run("EVAL \"return redis.call('xread', 'COUNT', 1, 'STREAMS', 'strm', 0)\" 0")
            .await
            .contains("$1\r\nf\r\n$1\r\nv\r\n")
    );
    assert!(
        c.run("EVAL \"return redis.pcall('xread', 'BLOCK', 0, 'STREAMS', 'strm', '$')\" 0")
            .await
            .starts_with("-ERR xread command is not allowed with BLOCK option from scripts")
    );
    assert!(
        c.run("EVAL \"redis.call('set', {})\" 0")
            .await
            .starts_with("-ERR Lua redis lib command arguments must be strings or integers")
    );
    assert_eq!(
        c.run("EVAL \"error('boom')\" 0").await,
        format!(
            "-ERR user_script:1: boom script: f_{}, on @user_script:1.\r\n",
            sha("error('boom')")
        )
    );
    assert!(
        c.run("EVAL \"return +\" 0")
            .await
            .starts_with("-ERR Error compiling script (new function): user_script:1:")
    );
    // pcall gets the message of a redis.call error.
    assert_eq!(
        c.run("EVAL \"local ok, e = pcall(redis.call, 'incr', 's') return e\" 0")
            .await,
        "$43\r\nERR value is not an integer or out of range\r\n"
    );
    assert_eq!(
        c.run("EVAL \"return 1\" -1").await,
        "-ERR Number of keys can't be negative\r\n"
    );
    assert_eq!(
        c.run("EVAL \"return 1\" 2 a").await,
        "-ERR Number of keys can't be greater than number of args\r\n"
    );
    assert_eq!(
        c.run("EVAL \"return 1\" x").await,
        "-ERR value is not an integer or out of range\r\n"
    );
}

fn sha(body: &str) -> String {
    crate::script::sha1_hex(body.as_bytes())
}

#[tokio::test]
async fn scripts_are_cached_by_sha1() {
    let s = server();
    let mut c = s.client(Role::User);
    assert_eq!(
        c.run(&format!("EVALSHA {SHA_RETURN_1} 0")).await,
        "-NOSCRIPT No matching script. Please use EVAL.\r\n"
    );
    assert_eq!(
        c.run("EVALSHA short 0").await,
        "-NOSCRIPT No matching script. Please use EVAL.\r\n"
    );
    assert_eq!(
        c.run("SCRIPT LOAD \"return 1\"").await,
        format!("$40\r\n{SHA_RETURN_1}\r\n")
    );
    assert_eq!(
        c.run(&format!("EVALSHA {} 0", SHA_RETURN_1.to_uppercase()))
            .await,
        ":1\r\n"
    );
    assert_eq!(
        c.run(&format!("SCRIPT EXISTS {SHA_RETURN_1} nope")).await,
        "*2\r\n:1\r\n:0\r\n"
    );
    // EVAL caches too.
    c.run("EVAL \"return 2\" 0").await;
    assert_eq!(
        c.run(&format!("EVALSHA_RO {} 0", sha("return 2"))).await,
        ":2\r\n"
    );
    assert_eq!(c.run("SCRIPT FLUSH ASYNC").await, "+OK\r\n");
    assert_eq!(
        c.run(&format!("SCRIPT EXISTS {SHA_RETURN_1}")).await,
        "*1\r\n:0\r\n"
    );
    assert_eq!(
        c.run("SCRIPT FLUSH LATER").await,
        "-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n"
    );
    assert_eq!(
        c.run("SCRIPT KILL").await,
        "-NOTBUSY No scripts in execution right now.\r\n"
    );
    assert!(c.run("SCRIPT HELP").await.starts_with("*11\r\n"));
    assert_eq!(
        c.run("SCRIPT NOSUCH").await,
        "-ERR unknown subcommand 'NOSUCH'. Try SCRIPT HELP.\r\n"
    );
    assert_eq!(
        c.run("EVAL \"#!lua flags=no-writes\nreturn redis.call('set', 'k', 1)\" 0")
            .await
            .split(" script:")
            .next(),
        Some("-ERR Write commands are not allowed from read-only scripts.")
    );
    assert_eq!(
        c.run("EVAL \"#!lua flags=bogus\nreturn 1\" 0").await,
        "-ERR Unexpected flag in script shebang: bogus\r\n"
    );
}

#[tokio::test]
async fn the_sandbox_is_redis_7s() {
    let s = server();
    let mut c = s.client(Role::User);
    for global in [
        "os", "io", "loadfile", "dofile", "require", "print", "setfenv",
    ] {
        let reply = c.run(&format!("EVAL \"return {global}\" 0")).await;
        assert!(
            reply.starts_with(&format!(
                "-ERR Script attempted to access nonexistent global variable '{global}'"
            )),
            "{global}: {reply}"
        );
    }
    for attempt in [
        "a = 1",
        "redis.call = function() return 1 end",
        "string.len = nil",
        "_G.x = 1",
        "rawset(_G, 'x', 1)",
        "setmetatable(_G, {})",
        "local g = getmetatable(_G) g.__index = {}",
        "getmetatable('').__index = function() return 1 end",
    ] {
        let reply = c.run(&format!("EVAL \"{attempt}\" 0")).await;
        assert!(
            reply.contains("Attempt to modify a readonly table"),
            "{attempt}: {reply}"
        );
    }
    // Libraries still work, and locals are free.
    assert_eq!(
        c.run(
            "EVAL \"local t = {} table.insert(t, ('a'):upper()) return t[1] .. math.floor(2.5)\" 0"
        )
        .await,
        "$2\r\nA2\r\n"
    );
    // Redis's extra libraries: bit and cjson (read-only too).
    assert_eq!(
        c.run(
            "EVAL \"return {bit.bor(1,2,4), bit.tohex(65535, -2147483648), bit.band(-1, 0xff)}\" 0"
        )
        .await,
        "*3\r\n:7\r\n$8\r\n0000FFFF\r\n:255\r\n"
    );
    assert_eq!(
        c.run("EVAL \"return cjson.encode({a={1,2,'x/y'}})\" 0")
            .await,
        "$18\r\n{\"a\":[1,2,\"x\\/y\"]}\r\n"
    );
    assert_eq!(
        c.run("EVAL \"local t = cjson.decode('{\\\"k\\\": [0.5, null]}') return {tostring(t.k[1]), t.k[2] == cjson.null}\" 0")
            .await,
        "*2\r\n$3\r\n0.5\r\n:1\r\n"
    );
    assert!(
        c.run("EVAL \"cjson.encode = nil\" 0")
            .await
            .contains("Attempt to modify a readonly table")
    );
    // SORT of a set BY a constant has no order of its own; in scripts Redis sorts it.
    c.run("SADD myset c a b").await;
    assert_eq!(
        c.run("EVAL \"return redis.call('sort', KEYS[1], 'by', '_')\" 1 myset")
            .await,
        "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"
    );
    assert!(
        c.run("EVAL \"cjson.encode_max_depth(1) return cjson.encode({{1}})\" 0")
            .await
            .starts_with("-ERR Cannot serialise, excessive nesting (2) script: ")
    );
    // cmsgpack: lua-cmsgpack's encodings, and a round trip.
    assert_eq!(
        c.run("EVAL \"local e = cmsgpack.pack(0.1, -1099511627776, 'ab', {1, 2}) local h = '' for i = 1, #e do h = h .. string.format('%02x', string.byte(e, i)) end return h\" 0")
            .await,
        "$48\r\ncb3fb999999999999ad3ffffff0000000000a26162920102\r\n"
    );
    assert_eq!(
        c.run("EVAL \"local t = cmsgpack.unpack(cmsgpack.pack({a = {1, 'x'}})) return t.a[2]\" 0")
            .await,
        "$1\r\nx\r\n"
    );
    assert_eq!(
        c.run("EVAL \"local off, v = cmsgpack.unpack_limit(cmsgpack.pack(1, 2), 1, 0) local off2, w = cmsgpack.unpack_one(cmsgpack.pack(1, 2), off) return {off, v, off2, w}\" 0")
            .await,
        "*4\r\n:1\r\n:1\r\n:-1\r\n:2\r\n"
    );
    // Lua 5.1's unpack would overflow (and abort on an assertion) without the sandbox's check.
    assert!(
        c.run("EVAL \"return {unpack({1,2,3}, -2147483648, -2)}\" 0")
            .await
            .starts_with("-ERR user_script:1: too many results to unpack script: f_")
    );
    assert_eq!(
        c.run("EVAL \"return {unpack({1,2,3}, -1, 1)}\" 0").await,
        "*0\r\n"
    );
    assert_eq!(
        c.run("EVAL \"local d = string.dump(function() return 1 end) return load(function() local p = d d = nil return p end)\" 0")
            .await,
        "$-1\r\n"
    );
    assert_eq!(
        c.run("EVAL \"return loadstring(string.dump(function() return 1 end))\" 0")
            .await,
        "$-1\r\n"
    );
}

#[tokio::test]
async fn readers_may_only_run_read_only_scripts() {
    let s = server();
    let mut user = s.client(Role::User);
    user.run("SET k v").await;
    let mut reader = s.client(Role::Reader);
    assert_eq!(
        reader.run("EVAL \"return 1\" 0").await,
        "-NOPERM User reader has no permissions to run the 'eval' command\r\n"
    );
    assert_eq!(
        reader
            .run("EVAL_RO \"return redis.call('get', KEYS[1])\" 1 k")
            .await,
        "$1\r\nv\r\n"
    );
    // Permissions are checked first inside a script too, as Redis checks ACLs first.
    assert!(
        reader
            .run("EVAL_RO \"return redis.call('set', 'k', 'w')\" 0")
            .await
            .starts_with("-NOPERM User reader has no permissions to run the 'set' command script:")
    );
    // A user's EVAL_RO is read-only too.
    assert!(
        user.run("EVAL_RO \"return redis.pcall('del', 'k')\" 0")
            .await
            .starts_with("-ERR Write commands are not allowed from read-only scripts.")
    );
    assert_eq!(user.run("GET k").await, "$1\r\nv\r\n");
    // Commands the role may not run are refused inside scripts as outside.
    assert_eq!(
        user.run("EVAL \"return redis.pcall('flushall')\" 0").await,
        "-NOPERM User app has no permissions to run the 'flushall' command\r\n"
    );
}

#[tokio::test]
async fn script_writes_mark_watched_keys_and_run_in_transactions() {
    let s = server();
    let mut a = s.client(Role::User);
    let mut b = s.client(Role::User);
    a.run("WATCH k").await;
    b.run("EVAL \"return redis.call('set', KEYS[1], 'x')\" 1 k")
        .await;
    a.run("MULTI").await;
    a.run("GET k").await;
    assert_eq!(a.run("EXEC").await, "*-1\r\n");
    // EVAL queued in MULTI runs inside EXEC.
    a.run("MULTI").await;
    assert_eq!(
        a.run("EVAL \"return redis.call('incr', KEYS[1])\" 1 n")
            .await,
        "+QUEUED\r\n"
    );
    a.run("INCR n").await;
    assert_eq!(a.run("EXEC").await, "*2\r\n:1\r\n:2\r\n");
}

#[tokio::test]
async fn functions_load_call_list_and_delete() {
    let s = server();
    let mut c = s.client(Role::User);
    let lib = "#!lua name=mylib\nredis.register_function('incr_by', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)\nredis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}";
    let load = |replace: bool| {
        let mut args = vec![bytes::Bytes::from("FUNCTION"), bytes::Bytes::from("LOAD")];
        if replace {
            args.push(bytes::Bytes::from("REPLACE"));
        }
        args.push(bytes::Bytes::from(lib));
        args
    };
    assert_eq!(c.run_args(load(false)).await, "$5\r\nmylib\r\n");
    assert_eq!(
        c.run_args(load(false)).await,
        "-ERR Library 'mylib' already exists\r\n"
    );
    assert_eq!(c.run_args(load(true)).await, "$5\r\nmylib\r\n");
    assert_eq!(c.run("FCALL incr_by 1 n 5").await, ":5\r\n");
    assert_eq!(c.run("FCALL_RO peek 1 n").await, "$1\r\n5\r\n");
    assert_eq!(
        c.run("FCALL_RO incr_by 1 n 5").await,
        "-ERR Can not execute a script with write flag using *_ro command.\r\n"
    );
    assert_eq!(c.run("FCALL nosuch 0").await, "-ERR Function not found\r\n");
    c.run("SET s text").await;
    assert_eq!(
        c.run("FCALL incr_by 1 s 1").await,
        "-ERR value is not an integer or out of range script: incr_by, on @user_function:2.\r\n"
    );
    assert!(c.run("FUNCTION LIST").await.contains("$7\r\nincr_by\r\n"));
    assert_eq!(
        c.run("FUNCTION LOAD \"return 1\"").await,
        "-ERR Missing library metadata\r\n"
    );
    assert!(
        c.run("EVAL \"redis.register_function('x', function() end)\" 0")
            .await
            .starts_with(
                "-ERR redis.register_function can only be called on FUNCTION LOAD command"
            )
    );
    // SCRIPT FLUSH keeps libraries; FUNCTION DELETE / FLUSH remove them.
    c.run("SCRIPT FLUSH").await;
    assert_eq!(c.run("FCALL_RO peek 1 n").await, "$1\r\n5\r\n");
    assert_eq!(c.run("FUNCTION DELETE mylib").await, "+OK\r\n");
    assert_eq!(
        c.run("FUNCTION DELETE mylib").await,
        "-ERR Library not found\r\n"
    );
    c.run_args(load(false)).await;
    assert_eq!(c.run("FUNCTION FLUSH").await, "+OK\r\n");
    assert_eq!(c.run("FUNCTION LIST").await, "*0\r\n");
    assert_eq!(
        c.run("FUNCTION KILL").await,
        "-NOTBUSY No scripts in execution right now.\r\n"
    );
    // A library that loops is stopped by the load timeout.
    let looping = vec![
        bytes::Bytes::from("FUNCTION"),
        bytes::Bytes::from("LOAD"),
        bytes::Bytes::from("#!lua name=spin\nwhile true do end"),
    ];
    assert_eq!(
        c.run_args(looping).await,
        "-ERR Error registering functions: FUNCTION LOAD timeout\r\n"
    );
}

#[path = "tests/busy.rs"]
mod busy;
