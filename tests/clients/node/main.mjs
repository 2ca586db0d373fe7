// ioredis against Kuber: one check per feature family, exact replies, stop at the first mismatch.
//
// Reads KUBER_HOST, KUBER_PORT, KUBER_USER, KUBER_PASSWORD; prints `ok <feature>` per feature and
// `N passed, 0 failed`; on a mismatch prints `FAIL <feature>: ...` and exits 1.
// Every feature runs twice: over RESP3 (ioredis 6's default: it connects with
// `HELLO 3 AUTH <user> <pass>`, then CLIENT SETINFO and INFO, its ready check), then over RESP2
// (`AUTH <user> <pass>`).

import { randomBytes } from "node:crypto";
import { isDeepStrictEqual, inspect } from "node:util";
import Redis from "ioredis";

// Each run and protocol gets its own keys, so the program can run again against the same server.
const RUN = randomBytes(4).toString("hex");
let prefix;
const k = (name) => prefix + name;

function env(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`FAIL setup: environment variable ${name} is not set (need KUBER_HOST, KUBER_PORT, KUBER_USER, KUBER_PASSWORD)`);
    process.exit(2);
  }
  return value;
}

const host = env("KUBER_HOST");
const port = Number(env("KUBER_PORT"));
const username = env("KUBER_USER");
const password = env("KUBER_PASSWORD");

class Mismatch extends Error {}

function eq(what, got, want) {
  if (!isDeepStrictEqual(got, want)) {
    throw new Mismatch(`${what}: got ${inspect(got, { depth: 4 })}, want ${inspect(want, { depth: 4 })}`);
  }
}

function check(what, ok, detail) {
  if (!ok) throw new Mismatch(`${what}: ${detail}`);
}

const clients = [];

/** A client that never retries or reconnects, so every failure shows up. */
function connect(options = {}) {
  const client = new Redis({
    host,
    port,
    username,
    password,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    commandTimeout: 10_000,
    connectTimeout: 10_000,
    protocol,
    ...options,
  });
  // ioredis reports connection errors as events; keep the last one for the failure message.
  client.on("error", (e) => {
    client.lastError = e;
  });
  clients.push(client);
  return client;
}

async function open(options) {
  const client = connect(options);
  try {
    await client.connect();
  } catch (e) {
    throw new Mismatch(`connect to ${host}:${port} as ${username}: ${client.lastError?.message ?? e.message}`);
  }
  return client;
}

/** Resolves with the first event `name` on `emitter` whose arguments satisfy `filter`, or rejects. */
function nextEvent(emitter, name, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(name, handler);
      reject(new Mismatch(`no '${name}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    function handler(...args) {
      clearTimeout(timer);
      emitter.off(name, handler);
      resolve(args);
    }
    emitter.on(name, handler);
  });
}

let protocol; // 3 (ioredis's default) then 2
let r; // the main connection

const features = [
  ["auth", async () => {
    r = await open();
    eq("PING", await r.ping(), "PONG");
    const hello = await r.call("HELLO"); // a map, flattened to [key, value, ...]
    eq("HELLO proto", hello[hello.indexOf("proto") + 1], protocol);
    // ioredis reports the handshake's error as an 'error' event, then closes the connection.
    const bad = connect({ password: password + "-wrong" });
    const firstError = nextEvent(bad, "error");
    const connected = await bad.connect().then(() => true, () => false);
    check("connect with a wrong password", !connected, "succeeded, want WRONGPASS");
    const [err] = await firstError;
    eq("wrong password error", err.message, "WRONGPASS invalid username-password pair or user is disabled.");
    bad.disconnect();
  }],

  ["strings", async () => {
    eq("SET", await r.set(k("s"), "hello"), "OK");
    eq("GET", await r.get(k("s")), "hello");
    eq("GET missing", await r.get(k("missing")), null);
    eq("APPEND", await r.append(k("s"), " world"), 11);
    eq("GET after APPEND", await r.get(k("s")), "hello world");
    eq("SET NX on existing", await r.set(k("s"), "x", "NX"), null);
    eq("INCR new key", await r.incr(k("n")), 1);
    eq("INCR", await r.incr(k("n")), 2);
    eq("INCRBY", await r.incrby(k("n"), 40), 42);
    eq("DECR", await r.decr(k("n")), 41);
    eq("GET counter", await r.get(k("n")), "41");
    eq("TTL without expiry", await r.ttl(k("s")), -1);
    eq("TTL missing", await r.ttl(k("missing")), -2);
    eq("EXPIRE", await r.expire(k("s"), 100), 1);
    const ttl = await r.ttl(k("s"));
    check("TTL after EXPIRE 100", ttl > 90 && ttl <= 100, `got ${ttl}, want 91..100`);
    eq("EXPIRE missing", await r.expire(k("missing"), 100), 0);
    eq("PERSIST", await r.persist(k("s")), 1);
    eq("TTL after PERSIST", await r.ttl(k("s")), -1);
    eq("SET EX", await r.set(k("ex"), "v", "EX", 50), "OK");
    const ttlEx = await r.ttl(k("ex"));
    check("TTL after SET EX 50", ttlEx > 40 && ttlEx <= 50, `got ${ttlEx}, want 41..50`);
    eq("MSET", await r.mset(k("m1"), "a", k("m2"), "b"), "OK");
    eq("MGET", await r.mget(k("m1"), k("missing"), k("m2")), ["a", null, "b"]);
    eq("DEL", await r.del(k("m1"), k("m2"), k("missing")), 2);
    eq("EXISTS", await r.exists(k("s"), k("m1")), 1);
    const err = await r.incr(k("s")).then(() => null, (e) => e);
    eq("INCR on a non-integer", err?.message, "ERR value is not an integer or out of range");
  }],

  ["hashes", async () => {
    eq("HSET", await r.hset(k("h"), "name", "kuber", "lang", "rust", "stars", "10"), 3);
    eq("HSET existing field", await r.hset(k("h"), "lang", "Rust"), 0);
    eq("HGET", await r.hget(k("h"), "lang"), "Rust");
    eq("HGET missing field", await r.hget(k("h"), "nope"), null);
    eq("HGETALL", await r.hgetall(k("h")), { name: "kuber", lang: "Rust", stars: "10" });
    eq("HMGET", await r.hmget(k("h"), "name", "nope", "stars"), ["kuber", null, "10"]);
    eq("HINCRBY", await r.hincrby(k("h"), "stars", 5), 15);
    eq("HLEN", await r.hlen(k("h")), 3);
    eq("HEXISTS", await r.hexists(k("h"), "name"), 1);
    eq("HDEL", await r.hdel(k("h"), "name", "nope"), 1);
    eq("HKEYS", (await r.hkeys(k("h"))).sort(), ["lang", "stars"]);
    eq("HGETALL missing key", await r.hgetall(k("missing")), {});
    const err = await r.get(k("h")).then(() => null, (e) => e);
    eq("GET on a hash", err?.message, "WRONGTYPE Operation against a key holding the wrong kind of value");
  }],

  ["lists", async () => {
    eq("RPUSH", await r.rpush(k("l"), "b", "c"), 2);
    eq("LPUSH", await r.lpush(k("l"), "a"), 3);
    eq("LRANGE", await r.lrange(k("l"), 0, -1), ["a", "b", "c"]);
    eq("LLEN", await r.llen(k("l")), 3);
    eq("LINDEX", await r.lindex(k("l"), -1), "c");
    eq("LPOP", await r.lpop(k("l")), "a");
    eq("RPOP", await r.rpop(k("l")), "c");
    eq("BLPOP ready", await r.blpop(k("l"), 1), [k("l"), "b"]);
    eq("BLPOP timeout", await r.blpop(k("l"), 0.1), null);
    // A second connection blocks; this one pushes and wakes it.
    const blocker = await open();
    const popped = blocker.blpop(k("empty"), k("q"), 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    eq("RPUSH to wake BLPOP", await r.rpush(k("q"), "job1", "job2"), 2);
    eq("BLPOP woken by RPUSH", await popped, [k("q"), "job1"]);
    eq("LRANGE after BLPOP", await r.lrange(k("q"), 0, -1), ["job2"]);
    blocker.disconnect();
  }],

  ["sets", async () => {
    eq("SADD", await r.sadd(k("s1"), "a", "b", "c", "a"), 3);
    eq("SADD other", await r.sadd(k("s2"), "b", "c", "d"), 3);
    eq("SISMEMBER", await r.sismember(k("s1"), "a"), 1);
    eq("SISMEMBER absent", await r.sismember(k("s1"), "z"), 0);
    eq("SCARD", await r.scard(k("s1")), 3);
    eq("SMEMBERS", (await r.smembers(k("s1"))).sort(), ["a", "b", "c"]);
    eq("SINTER", (await r.sinter(k("s1"), k("s2"))).sort(), ["b", "c"]);
    eq("SUNION", (await r.sunion(k("s1"), k("s2"))).sort(), ["a", "b", "c", "d"]);
    eq("SDIFF", await r.sdiff(k("s1"), k("s2")), ["a"]);
    eq("SREM", await r.srem(k("s1"), "a", "z"), 1);
    eq("SMEMBERS after SREM", (await r.smembers(k("s1"))).sort(), ["b", "c"]);
  }],

  ["sorted sets", async () => {
    eq("ZADD", await r.zadd(k("z"), 1, "one", 2.5, "two", 3, "three"), 3);
    eq("ZADD update", await r.zadd(k("z"), 2, "two"), 0);
    eq("ZSCORE", await r.zscore(k("z"), "two"), "2");
    eq("ZSCORE missing", await r.zscore(k("z"), "nope"), null);
    eq("ZINCRBY", await r.zincrby(k("z"), 0.5, "two"), "2.5");
    eq("ZRANGE WITHSCORES", await r.zrange(k("z"), 0, -1, "WITHSCORES"), ["one", "1", "two", "2.5", "three", "3"]);
    eq("ZREVRANGE", await r.zrevrange(k("z"), 0, 1), ["three", "two"]);
    eq("ZRANGEBYSCORE", await r.zrangebyscore(k("z"), "(1", "+inf"), ["two", "three"]);
    eq("ZRANK", await r.zrank(k("z"), "three"), 2);
    eq("ZCARD", await r.zcard(k("z")), 3);
    eq("ZCOUNT", await r.zcount(k("z"), 1, 2.5), 2);
    eq("ZREM", await r.zrem(k("z"), "one", "nope"), 1);
    eq("ZRANGE after ZREM", await r.zrange(k("z"), 0, -1, "WITHSCORES"), ["two", "2.5", "three", "3"]);
  }],

  ["keys", async () => {
    // 120 keys walked with ioredis's SCAN iterator; SCAN may repeat a key, never miss one.
    const want = [];
    const args = [];
    for (let i = 0; i < 120; i++) {
      want.push(k(`scan:${i}`));
      args.push(k(`scan:${i}`), `${i}`);
    }
    eq("MSET 120 keys", await r.mset(...args), "OK");
    const seen = new Set();
    for await (const batch of r.scanStream({ match: k("scan:*"), count: 25 })) {
      for (const key of batch) seen.add(key);
    }
    eq("SCAN MATCH", [...seen].sort(), want.sort());
    eq("TYPE string", await r.type(k("n")), "string");
    eq("TYPE hash", await r.type(k("h")), "hash");
    eq("TYPE list", await r.type(k("q")), "list");
    eq("TYPE set", await r.type(k("s1")), "set");
    eq("TYPE zset", await r.type(k("z")), "zset");
    eq("TYPE missing", await r.type(k("missing")), "none");
    eq("RENAME", await r.rename(k("scan:0"), k("renamed")), "OK");
    eq("EXISTS after RENAME", await r.exists(k("scan:0"), k("renamed")), 1);
    eq("UNLINK", await r.unlink(k("renamed"), k("scan:1"), k("missing")), 2);
    const err = await r.rename(k("missing"), k("x")).then(() => null, (e) => e);
    eq("RENAME missing", err?.message, "ERR no such key");
  }],

  ["pipeline", async () => {
    // 1,000 commands in one write: SET on even i, INCR on odd i.
    const pipe = r.pipeline();
    const want = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 2 === 0) {
        pipe.set(k(`p:${i}`), `v${i}`);
        want.push([null, "OK"]);
      } else {
        pipe.incr(k("p:n"));
        want.push([null, (i + 1) / 2]);
      }
    }
    eq("pipeline length", pipe.length, 1000);
    const got = await pipe.exec();
    eq("1,000 pipelined replies", got, want);
    eq("counter after pipeline", await r.get(k("p:n")), "500");
    eq("GET after pipeline", await r.get(k("p:998")), "v998");
  }],

  ["transactions", async () => {
    eq("SET", await r.set(k("t"), "10"), "OK");
    eq("WATCH", await r.watch(k("t")), "OK");
    eq("GET watched", await r.get(k("t")), "10");
    eq("MULTI/EXEC", await r.multi().set(k("t"), "11").incr(k("t")).get(k("t")).exec(), [
      [null, "OK"],
      [null, 12],
      [null, "12"],
    ]);
    // Another connection changes the watched key between WATCH and EXEC: EXEC returns null.
    const other = await open();
    eq("WATCH", await r.watch(k("t")), "OK");
    eq("SET from another connection", await other.set(k("t"), "changed"), "OK");
    eq("EXEC after the watched key changed", await r.multi().set(k("t"), "mine").exec(), null);
    eq("value after aborted EXEC", await r.get(k("t")), "changed");
    // A queued command that fails at run time does not roll back the others.
    const replies = await r.multi().set(k("t2"), "x").incr(k("t2")).get(k("t2")).exec();
    eq("EXEC with a failing command: reply count", replies.length, 3);
    eq("EXEC with a failing command: SET", replies[0], [null, "OK"]);
    eq("EXEC with a failing command: INCR error", replies[1][0]?.message, "ERR value is not an integer or out of range");
    eq("EXEC with a failing command: GET", replies[2], [null, "x"]);
    other.disconnect();
  }],

  ["pubsub", async () => {
    const sub = await open();
    const pub = await open();
    eq("SUBSCRIBE", await sub.subscribe(k("news")), 1);
    eq("PSUBSCRIBE", await sub.psubscribe(k("user:*")), 2);
    const message = nextEvent(sub, "message");
    eq("PUBLISH to a channel", await pub.publish(k("news"), "hello"), 1);
    eq("message", await message, [k("news"), "hello"]);
    const pmessage = nextEvent(sub, "pmessage");
    eq("PUBLISH to a pattern", await pub.publish(k("user:42"), "login"), 1);
    eq("pmessage", await pmessage, [k("user:*"), k("user:42"), "login"]);
    eq("PUBSUB NUMSUB", await pub.pubsub("NUMSUB", k("news")), [k("news"), 1]);
    eq("UNSUBSCRIBE", await sub.unsubscribe(k("news")), 1);
    eq("PUNSUBSCRIBE", await sub.punsubscribe(k("user:*")), 0);
    eq("PUBLISH with no subscriber", await pub.publish(k("news"), "again"), 0);
    sub.disconnect();
    pub.disconnect();
  }],
];

let passed = 0;
let failed = 0;
try {
  run: for (protocol of [3, 2]) {
    prefix = `ioredis:${RUN}:resp${protocol}:`;
    for (const [name, run] of features) {
      const feature = `${name} (RESP${protocol})`;
      try {
        await run();
      } catch (e) {
        failed++;
        const detail = e instanceof Mismatch ? e.message : `unexpected error: ${e?.stack ?? e}`;
        console.log(`FAIL ${feature}: ${detail}`);
        break run;
      }
      passed++;
      console.log(`ok ${feature}`);
    }
    r.disconnect();
  }
} finally {
  for (const c of clients) c.disconnect();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
