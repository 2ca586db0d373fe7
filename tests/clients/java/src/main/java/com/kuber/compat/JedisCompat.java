package com.kuber.compat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.resps.Tuple;
import redis.clients.jedis.util.KeyValue;
import redis.clients.jedis.util.SafeEncoder;

/**
 * Jedis against Kuber: one check per feature family, exact replies, stop at the first mismatch.
 *
 * <p>Reads KUBER_HOST, KUBER_PORT, KUBER_USER, KUBER_PASSWORD; prints {@code ok <feature>} per
 * feature and {@code N passed, 0 failed}; on a mismatch prints {@code FAIL <feature>: ...} and
 * exits 1. Every feature runs twice: over RESP2 (Jedis's default: {@code AUTH <user> <pass>}, then
 * CLIENT SETINFO), then over RESP3 ({@code HELLO 3 AUTH <user> <pass>}).
 */
public final class JedisCompat {

    private static final String WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
    private static final String NOT_INTEGER = "ERR value is not an integer or out of range";

    /** A failed check; {@link #main} turns it into a FAIL line. */
    static final class Mismatch extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Mismatch(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    interface Feature {
        void run() throws Exception;
    }

    @FunctionalInterface
    interface Call {
        Object run() throws Exception;
    }

    private final HostAndPort address;
    private final String user;
    private final String password;
    private final RedisProtocol protocol;
    private final String prefix;
    private final List<Jedis> clients = new ArrayList<>();
    private Jedis r; // the main connection

    JedisCompat(HostAndPort address, String user, String password, RedisProtocol protocol, String runId) {
        this.address = address;
        this.user = user;
        this.password = password;
        this.protocol = protocol;
        this.prefix = "jedis:" + runId + ":" + protocol.name().toLowerCase() + ":";
    }

    static void eq(String what, Object got, Object want) {
        if (!Objects.equals(got, want)) {
            throw new Mismatch(what + ": got " + show(got) + ", want " + show(want));
        }
    }

    static void check(String what, boolean ok, String detail) {
        if (!ok) {
            throw new Mismatch(what + ": " + detail);
        }
    }

    /** Runs {@code call}, which must fail with a server error whose text is exactly {@code message}. */
    static void wantError(String what, String message, Call call) throws Exception {
        Object got;
        try {
            got = call.run();
        } catch (JedisDataException e) {
            eq(what, e.getMessage(), message);
            return;
        }
        throw new Mismatch(what + ": got " + show(got) + ", want the error " + show(message));
    }

    static String show(Object o) {
        if (o instanceof String s) {
            return '"' + s + '"';
        }
        if (o instanceof byte[] b) {
            return "b\"" + SafeEncoder.encode(b) + '"';
        }
        if (o instanceof Throwable t) {
            return t.getClass().getSimpleName() + "(" + show(t.getMessage()) + ")";
        }
        return String.valueOf(o);
    }

    static TreeSet<String> sorted(java.util.Collection<String> c) {
        return new TreeSet<>(c);
    }

    String k(String name) {
        return prefix + name;
    }

    JedisClientConfig config(String pass) {
        return DefaultJedisClientConfig.builder()
                .user(user)
                .password(pass)
                .protocol(protocol)
                .connectionTimeoutMillis(10_000)
                .socketTimeoutMillis(10_000)
                .build();
    }

    /** A new connection, authenticated with the user and password. */
    Jedis connect() {
        Jedis j = new Jedis(address, config(password));
        clients.add(j);
        return j;
    }

    void closeAll() {
        for (Jedis j : clients) {
            try {
                j.close();
            } catch (RuntimeException ignored) {
                // a connection a check broke on purpose
            }
        }
        clients.clear();
    }

    void auth() throws Exception {
        r = connect();
        eq("PING", r.ping(), "PONG");
        // HELLO without arguments: a map in RESP3, a flat array in RESP2.
        Object hello = r.sendCommand(Protocol.Command.HELLO);
        Object proto = null;
        if (hello instanceof List<?> items) {
            for (int i = 0; i < items.size(); i++) {
                Object item = items.get(i);
                if (item instanceof KeyValue<?, ?> kv) {
                    if ("proto".equals(SafeEncoder.encode((byte[]) kv.getKey()))) {
                        proto = kv.getValue();
                    }
                } else if (item instanceof byte[] key && "proto".equals(SafeEncoder.encode(key)) && i + 1 < items.size()) {
                    proto = items.get(i + 1);
                }
            }
        }
        eq("HELLO proto", proto, protocol == RedisProtocol.RESP3 ? 3L : 2L);
        Exception err = null;
        try (Jedis bad = new Jedis(address, config(password + "-wrong"))) {
            bad.ping();
        } catch (Exception e) {
            err = e;
        }
        check("connect with a wrong password", err != null, "succeeded, want WRONGPASS");
        Throwable cause = err;
        while (cause.getCause() != null && !(cause instanceof JedisDataException)) {
            cause = cause.getCause();
        }
        eq("wrong password error", cause.getMessage(), WRONGPASS);
    }

    void strings() throws Exception {
        eq("SET", r.set(k("s"), "hello"), "OK");
        eq("GET", r.get(k("s")), "hello");
        eq("GET missing", r.get(k("missing")), null);
        eq("APPEND", r.append(k("s"), " world"), 11L);
        eq("GET after APPEND", r.get(k("s")), "hello world");
        eq("SET NX on existing", r.set(k("s"), "x", SetParams.setParams().nx()), null);
        eq("INCR new key", r.incr(k("n")), 1L);
        eq("INCR", r.incr(k("n")), 2L);
        eq("INCRBY", r.incrBy(k("n"), 40), 42L);
        eq("DECR", r.decr(k("n")), 41L);
        eq("GET counter", r.get(k("n")), "41");
        eq("TTL without expiry", r.ttl(k("s")), -1L);
        eq("TTL missing", r.ttl(k("missing")), -2L);
        eq("EXPIRE", r.expire(k("s"), 100), 1L);
        long ttl = r.ttl(k("s"));
        check("TTL after EXPIRE 100", ttl > 90 && ttl <= 100, "got " + ttl + ", want 91..100");
        eq("EXPIRE missing", r.expire(k("missing"), 100), 0L);
        eq("PERSIST", r.persist(k("s")), 1L);
        eq("TTL after PERSIST", r.ttl(k("s")), -1L);
        eq("SET EX", r.set(k("ex"), "v", SetParams.setParams().ex(50)), "OK");
        long ttlEx = r.ttl(k("ex"));
        check("TTL after SET EX 50", ttlEx > 40 && ttlEx <= 50, "got " + ttlEx + ", want 41..50");
        eq("MSET", r.mset(k("m1"), "a", k("m2"), "b"), "OK");
        eq("MGET", r.mget(k("m1"), k("missing"), k("m2")), java.util.Arrays.asList("a", null, "b"));
        eq("DEL", r.del(k("m1"), k("m2"), k("missing")), 2L);
        eq("EXISTS", r.exists(k("s"), k("m1")), 1L);
        wantError("INCR on a non-integer", NOT_INTEGER, () -> r.incr(k("s")));
    }

    void hashes() throws Exception {
        eq("HSET", r.hset(k("h"), Map.of("name", "kuber", "lang", "rust", "stars", "10")), 3L);
        eq("HSET existing field", r.hset(k("h"), "lang", "Rust"), 0L);
        eq("HGET", r.hget(k("h"), "lang"), "Rust");
        eq("HGET missing field", r.hget(k("h"), "nope"), null);
        eq("HGETALL", r.hgetAll(k("h")), Map.of("name", "kuber", "lang", "Rust", "stars", "10"));
        eq("HMGET", r.hmget(k("h"), "name", "nope", "stars"), java.util.Arrays.asList("kuber", null, "10"));
        eq("HINCRBY", r.hincrBy(k("h"), "stars", 5), 15L);
        eq("HLEN", r.hlen(k("h")), 3L);
        eq("HEXISTS", r.hexists(k("h"), "name"), true);
        eq("HDEL", r.hdel(k("h"), "name", "nope"), 1L);
        eq("HKEYS", sorted(r.hkeys(k("h"))), sorted(List.of("lang", "stars")));
        eq("HGETALL missing key", r.hgetAll(k("missing")), Map.of());
        wantError("GET on a hash", "WRONGTYPE Operation against a key holding the wrong kind of value",
                () -> r.get(k("h")));
    }

    void lists() throws Exception {
        eq("RPUSH", r.rpush(k("l"), "b", "c"), 2L);
        eq("LPUSH", r.lpush(k("l"), "a"), 3L);
        eq("LRANGE", r.lrange(k("l"), 0, -1), List.of("a", "b", "c"));
        eq("LLEN", r.llen(k("l")), 3L);
        eq("LINDEX", r.lindex(k("l"), -1), "c");
        eq("LPOP", r.lpop(k("l")), "a");
        eq("RPOP", r.rpop(k("l")), "c");
        eq("BLPOP ready", r.blpop(1, k("l")), List.of(k("l"), "b"));
        eq("BLPOP timeout", r.blpop(0.1, k("l")), null);
        // A second connection blocks; this one pushes and wakes it.
        Jedis blocker = connect();
        CompletableFuture<KeyValue<String, String>> popped =
                CompletableFuture.supplyAsync(() -> blocker.blpop(5.0, k("empty"), k("q")));
        Thread.sleep(200);
        eq("RPUSH to wake BLPOP", r.rpush(k("q"), "job1", "job2"), 2L);
        KeyValue<String, String> got = popped.get(10, TimeUnit.SECONDS);
        eq("BLPOP woken by RPUSH", got == null ? null : List.of(got.getKey(), got.getValue()), List.of(k("q"), "job1"));
        eq("LRANGE after BLPOP", r.lrange(k("q"), 0, -1), List.of("job2"));
    }

    void sets() {
        eq("SADD", r.sadd(k("s1"), "a", "b", "c", "a"), 3L);
        eq("SADD other", r.sadd(k("s2"), "b", "c", "d"), 3L);
        eq("SISMEMBER", r.sismember(k("s1"), "a"), true);
        eq("SISMEMBER absent", r.sismember(k("s1"), "z"), false);
        eq("SCARD", r.scard(k("s1")), 3L);
        eq("SMEMBERS", sorted(r.smembers(k("s1"))), sorted(List.of("a", "b", "c")));
        eq("SINTER", sorted(r.sinter(k("s1"), k("s2"))), sorted(List.of("b", "c")));
        eq("SUNION", sorted(r.sunion(k("s1"), k("s2"))), sorted(List.of("a", "b", "c", "d")));
        eq("SDIFF", sorted(r.sdiff(k("s1"), k("s2"))), sorted(List.of("a")));
        eq("SREM", r.srem(k("s1"), "a", "z"), 1L);
        eq("SMEMBERS after SREM", sorted(r.smembers(k("s1"))), sorted(List.of("b", "c")));
    }

    void sortedSets() {
        eq("ZADD", r.zadd(k("z"), Map.of("one", 1.0, "two", 2.5, "three", 3.0)), 3L);
        eq("ZADD update", r.zadd(k("z"), 2.0, "two"), 0L);
        eq("ZSCORE", r.zscore(k("z"), "two"), 2.0);
        eq("ZSCORE missing", r.zscore(k("z"), "nope"), null);
        eq("ZINCRBY", r.zincrby(k("z"), 0.5, "two"), 2.5);
        eq("ZRANGE WITHSCORES", r.zrangeWithScores(k("z"), 0, -1),
                List.of(new Tuple("one", 1.0), new Tuple("two", 2.5), new Tuple("three", 3.0)));
        eq("ZREVRANGE", r.zrevrange(k("z"), 0, 1), List.of("three", "two"));
        eq("ZRANGEBYSCORE", r.zrangeByScore(k("z"), "(1", "+inf"), List.of("two", "three"));
        eq("ZRANK", r.zrank(k("z"), "three"), 2L);
        eq("ZCARD", r.zcard(k("z")), 3L);
        eq("ZCOUNT", r.zcount(k("z"), 1, 2.5), 2L);
        eq("ZREM", r.zrem(k("z"), "one", "nope"), 1L);
        eq("ZRANGE after ZREM", r.zrangeWithScores(k("z"), 0, -1),
                List.of(new Tuple("two", 2.5), new Tuple("three", 3.0)));
    }

    void keys() throws Exception {
        // 120 keys walked with SCAN cursors; SCAN may repeat a key, never miss one.
        TreeSet<String> want = new TreeSet<>();
        List<String> args = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            want.add(k("scan:" + i));
            args.add(k("scan:" + i));
            args.add(String.valueOf(i));
        }
        eq("MSET 120 keys", r.mset(args.toArray(new String[0])), "OK");
        TreeSet<String> seen = new TreeSet<>();
        ScanParams params = new ScanParams().match(k("scan:*")).count(25);
        String cursor = ScanParams.SCAN_POINTER_START;
        int rounds = 0;
        do {
            ScanResult<String> page = r.scan(cursor, params);
            seen.addAll(page.getResult());
            cursor = page.getCursor();
            check("SCAN ends", ++rounds < 1000, "cursor still not 0 after 1000 calls");
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        eq("SCAN MATCH", seen, want);
        eq("TYPE string", r.type(k("n")), "string");
        eq("TYPE hash", r.type(k("h")), "hash");
        eq("TYPE list", r.type(k("q")), "list");
        eq("TYPE set", r.type(k("s1")), "set");
        eq("TYPE zset", r.type(k("z")), "zset");
        eq("TYPE missing", r.type(k("missing")), "none");
        eq("RENAME", r.rename(k("scan:0"), k("renamed")), "OK");
        eq("EXISTS after RENAME", r.exists(k("scan:0"), k("renamed")), 1L);
        eq("UNLINK", r.unlink(k("renamed"), k("scan:1"), k("missing")), 2L);
        wantError("RENAME missing", "ERR no such key", () -> r.rename(k("missing"), k("x")));
    }

    void pipeline() {
        // 1,000 commands in one write: SET on even i, INCR on odd i.
        List<Response<?>> responses = new ArrayList<>();
        List<Object> want = new ArrayList<>();
        try (Pipeline p = r.pipelined()) {
            for (int i = 0; i < 1000; i++) {
                if (i % 2 == 0) {
                    responses.add(p.set(k("p:" + i), "v" + i));
                    want.add("OK");
                } else {
                    responses.add(p.incr(k("p:n")));
                    want.add((long) (i + 1) / 2);
                }
            }
            p.sync();
        }
        List<Object> got = new ArrayList<>();
        for (Response<?> resp : responses) {
            got.add(resp.get());
        }
        eq("1,000 pipelined replies", got, want);
        eq("counter after pipeline", r.get(k("p:n")), "500");
        eq("GET after pipeline", r.get(k("p:998")), "v998");
    }

    void transactions() {
        eq("SET", r.set(k("t"), "10"), "OK");
        eq("WATCH", r.watch(k("t")), "OK");
        eq("GET watched", r.get(k("t")), "10");
        Transaction t = r.multi();
        t.set(k("t"), "11");
        t.incr(k("t"));
        t.get(k("t"));
        eq("MULTI/EXEC", t.exec(), List.of("OK", 12L, "12"));
        // Another connection changes the watched key between WATCH and EXEC: EXEC returns null.
        Jedis other = connect();
        eq("WATCH", r.watch(k("t")), "OK");
        eq("SET from another connection", other.set(k("t"), "changed"), "OK");
        t = r.multi();
        t.set(k("t"), "mine");
        eq("EXEC after the watched key changed", t.exec(), null);
        eq("value after aborted EXEC", r.get(k("t")), "changed");
        // A queued command that fails at run time does not roll back the others.
        t = r.multi();
        t.set(k("t2"), "x");
        t.incr(k("t2"));
        t.get(k("t2"));
        List<Object> replies = t.exec();
        eq("EXEC with a failing command: reply count", replies.size(), 3);
        eq("EXEC with a failing command: SET", replies.get(0), "OK");
        check("EXEC with a failing command: INCR", replies.get(1) instanceof JedisDataException,
                "got " + show(replies.get(1)) + ", want an error");
        eq("EXEC with a failing command: INCR error", ((JedisDataException) replies.get(1)).getMessage(), NOT_INTEGER);
        eq("EXEC with a failing command: GET", replies.get(2), "x");
    }

    /** Records every callback as a line, e.g. {@code message ch hello}. */
    static final class Recorder extends JedisPubSub {
        final BlockingQueue<String> events = new ArrayBlockingQueue<>(100);

        @Override
        public void onMessage(String channel, String message) {
            events.add("message " + channel + " " + message);
        }

        @Override
        public void onPMessage(String pattern, String channel, String message) {
            events.add("pmessage " + pattern + " " + channel + " " + message);
        }

        @Override
        public void onSubscribe(String channel, int count) {
            events.add("subscribe " + channel + " " + count);
        }

        @Override
        public void onUnsubscribe(String channel, int count) {
            events.add("unsubscribe " + channel + " " + count);
        }

        @Override
        public void onPSubscribe(String pattern, int count) {
            events.add("psubscribe " + pattern + " " + count);
        }

        @Override
        public void onPUnsubscribe(String pattern, int count) {
            events.add("punsubscribe " + pattern + " " + count);
        }

        String next(String what) throws InterruptedException {
            String event = events.poll(5, TimeUnit.SECONDS);
            check(what, event != null, "nothing arrived within 5 s");
            return event;
        }
    }

    void pubsub() throws Exception {
        Jedis sub = connect();
        Jedis pub = connect();
        Recorder recorder = new Recorder();
        CountDownLatch done = new CountDownLatch(1);
        // subscribe() reads until the last subscription ends, so it runs on its own thread.
        Thread listener = new Thread(() -> {
            try {
                sub.subscribe(recorder, k("news"));
            } catch (RuntimeException e) {
                recorder.events.add("error " + e);
            } finally {
                done.countDown();
            }
        }, "jedis-subscriber");
        listener.setDaemon(true);
        listener.start();
        eq("SUBSCRIBE", recorder.next("SUBSCRIBE"), "subscribe " + k("news") + " 1");
        recorder.psubscribe(k("user:*"));
        eq("PSUBSCRIBE", recorder.next("PSUBSCRIBE"), "psubscribe " + k("user:*") + " 2");
        eq("PUBLISH to a channel", pub.publish(k("news"), "hello"), 1L);
        eq("message", recorder.next("message"), "message " + k("news") + " hello");
        eq("PUBLISH to a pattern", pub.publish(k("user:42"), "login"), 1L);
        eq("pmessage", recorder.next("pmessage"), "pmessage " + k("user:*") + " " + k("user:42") + " login");
        eq("PUBSUB NUMSUB", pub.pubsubNumSub(k("news")), Map.of(k("news"), 1L));
        recorder.unsubscribe(k("news"));
        eq("UNSUBSCRIBE", recorder.next("UNSUBSCRIBE"), "unsubscribe " + k("news") + " 1");
        recorder.punsubscribe(k("user:*"));
        eq("PUNSUBSCRIBE", recorder.next("PUNSUBSCRIBE"), "punsubscribe " + k("user:*") + " 0");
        check("subscriber loop ends after the last unsubscribe", done.await(5, TimeUnit.SECONDS),
                "still running after 5 s");
        eq("no more events", recorder.events.poll(), null);
        eq("PUBLISH with no subscriber", pub.publish(k("news"), "again"), 0L);
    }

    int run(int passedSoFar) {
        Map<String, Feature> features = new java.util.LinkedHashMap<>();
        features.put("auth", this::auth);
        features.put("strings", this::strings);
        features.put("hashes", this::hashes);
        features.put("lists", this::lists);
        features.put("sets", this::sets);
        features.put("sorted sets", this::sortedSets);
        features.put("keys", this::keys);
        features.put("pipeline", this::pipeline);
        features.put("transactions", this::transactions);
        features.put("pubsub", this::pubsub);
        int passed = passedSoFar;
        try {
            for (Map.Entry<String, Feature> f : features.entrySet()) {
                String feature = f.getKey() + " (" + protocol.name() + ")";
                try {
                    f.getValue().run();
                } catch (Mismatch e) {
                    return fail(passed, feature, e.getMessage());
                } catch (Exception e) {
                    return fail(passed, feature, "unexpected error: " + e);
                }
                passed++;
                System.out.println("ok " + feature);
            }
        } finally {
            closeAll();
        }
        return passed;
    }

    static int fail(int passed, String feature, String detail) {
        System.out.println("FAIL " + feature + ": " + detail);
        System.out.println(passed + " passed, 1 failed");
        System.out.flush();
        System.exit(1);
        return passed;
    }

    static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isEmpty()) {
            System.out.println("FAIL setup: environment variable " + name
                    + " is not set (need KUBER_HOST, KUBER_PORT, KUBER_USER, KUBER_PASSWORD)");
            System.exit(2);
        }
        return v;
    }

    public static void main(String[] args) {
        HostAndPort address = new HostAndPort(env("KUBER_HOST"), Integer.parseInt(env("KUBER_PORT")));
        String user = env("KUBER_USER");
        String password = env("KUBER_PASSWORD");
        byte[] id = new byte[4];
        new SecureRandom().nextBytes(id);
        String runId = HexFormat.of().formatHex(id);
        int passed = 0;
        for (RedisProtocol protocol : List.of(RedisProtocol.RESP2, RedisProtocol.RESP3)) {
            passed = new JedisCompat(address, user, password, protocol, runId).run(passed);
        }
        System.out.println(passed + " passed, 0 failed");
        System.out.flush();
        System.exit(0);
    }
}
