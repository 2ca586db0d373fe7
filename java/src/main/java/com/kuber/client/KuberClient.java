package com.kuber.client;

import static com.kuber.client.Convert.bool;
import static com.kuber.client.Convert.json;
import static com.kuber.client.Convert.list;
import static com.kuber.client.Convert.lng;
import static com.kuber.client.Convert.str;
import static com.kuber.client.Convert.strs;
import static com.kuber.client.Convert.utf8;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ArrayList;

/**
 * Kuber's RESP client for Java: the Rust {@code kuber-client} core (pooled connections,
 * pipelines, reconnects with re-authentication, RESP3) behind JNI. Thread-safe: share one
 * instance. Every method has an overload taking a {@code region}; without it the call acts on the
 * current region ({@link #selectRegion}), with it on that region only.
 *
 * <pre>{@code
 * try (KuberClient client = new KuberClient("127.0.0.1", 6380, "admin", "secret")) {
 *     client.set("greeting", "hello");
 *     String v = client.get("greeting");
 * }
 * }</pre>
 *
 * Missing or empty credentials throw {@link IllegalArgumentException} before any connection is
 * made; server and connection errors throw {@link KuberException}.
 */
public class KuberClient implements AutoCloseable {
    private final long handle;
    /** Closes the native client if this object is garbage-collected without close(). */
    private final Cleaner.Cleanable cleanable;

    /**
     * Connects and authenticates with the default deadlines (5 s connect, 30 s per command).
     *
     * @param host     server host
     * @param port     RESP port
     * @param username user name (required)
     * @param password password (required)
     */
    public KuberClient(String host, int port, String username, String password) {
        this(host, port, username, password, null, 0);
    }

    /**
     * Connects with one deadline for connecting, for each command and for waiting on the pool.
     *
     * @param host     server host
     * @param port     RESP port
     * @param username user name (required)
     * @param password password (required)
     * @param timeout  the deadline
     */
    public KuberClient(String host, int port, String username, String password, Duration timeout) {
        this(host, port, username, password, timeout, 0);
    }

    /**
     * Connects with a deadline and a pool size.
     *
     * @param host     server host
     * @param port     RESP port
     * @param username user name (required)
     * @param password password (required)
     * @param timeout  the deadline, or null for the defaults
     * @param poolSize most connections kept open at once, or 0 for the default (8)
     */
    public KuberClient(String host, int port, String username, String password, Duration timeout, int poolSize) {
        if (host == null) {
            throw new IllegalArgumentException("host is required");
        }
        Wire.Request req = new Wire.Request("open", null)
                .add(host)
                .add(Integer.toString(port))
                .add(username)
                .add(password)
                .add(timeout == null ? null : Long.valueOf(Math.max(1, timeout.toMillis())))
                .add(poolSize > 0 ? Long.valueOf(poolSize) : null);
        long h = (Long) Wire.decode(Native.open(req.toBytes()));
        this.handle = h;
        this.cleanable = Native.CLEANER.register(this, () -> Native.close(h));
    }

    private Object call(String op, String region, Object... args) {
        Wire.Request req = new Wire.Request(op, region);
        for (Object a : args) {
            if (a == null || a instanceof byte[]) {
                req.add((byte[]) a);
            } else if (a instanceof String s) {
                req.add(s);
            } else if (a instanceof Number n) {
                req.add(Long.valueOf(n.longValue()));
            } else if (a instanceof List<?> items) {
                for (Object item : items) {
                    req.add(item instanceof byte[] b ? b : utf8(String.valueOf(item)));
                }
            } else {
                throw new IllegalArgumentException("unsupported argument " + a.getClass());
            }
        }
        return Native.call(handle, req);
    }

    private static List<Object> pairs(Map<String, String> map) {
        List<Object> out = new ArrayList<>(map.size() * 2);
        for (Map.Entry<String, String> e : map.entrySet()) {
            out.add(e.getKey());
            out.add(e.getValue());
        }
        return out;
    }

    private static Long millis(Duration ttl) {
        return ttl == null ? null : Long.valueOf(ttl.toMillis());
    }

    // ---- connection and regions ----------------------------------------------------------

    /** @return {@code PONG} */
    public String ping() {
        return str(call("ping", null));
    }

    /**
     * Makes {@code name} the region of calls without an explicit region (RSELECT; created if
     * missing and allowed).
     *
     * @param name region name
     */
    public void selectRegion(String name) {
        call("selectRegion", null, name);
    }

    /** @return the region calls without an explicit region act on */
    public String getCurrentRegion() {
        return str(call("currentRegion", null));
    }

    /** @return all region names (REGIONS) */
    public List<String> listRegions() {
        return strs(call("listRegions", null));
    }

    /** @param name region to create (RCREATE) */
    public void createRegion(String name) {
        createRegion(name, null, null, null);
    }

    /**
     * RCREATE with options.
     *
     * @param name        region name
     * @param description free text, or null
     * @param ttlSeconds  default TTL of writes without one, or null
     * @param maxEntries  most entries kept in memory, or null
     */
    public void createRegion(String name, String description, Long ttlSeconds, Long maxEntries) {
        call("createRegion", null, name, description, ttlSeconds, maxEntries);
    }

    /** @param name region to drop with all its data (RDROP) */
    public void deleteRegion(String name) {
        call("deleteRegion", null, name);
    }

    /** @param name region to empty (RPURGE) */
    public void purgeRegion(String name) {
        call("purgeRegion", null, name);
    }

    /**
     * @param name region name
     * @return RINFO as JSON; NOT_FOUND if the region does not exist
     */
    public JsonNode regionInfo(String name) {
        return json(str(call("regionInfo", null, name)));
    }

    // ---- strings --------------------------------------------------------------------------

    /** @param key key @return the value as UTF-8 text, or null */
    public String get(String key) {
        return get(key, null);
    }

    /** @param key key @param region region or null @return the value as UTF-8 text, or null */
    public String get(String key, String region) {
        return str(call("get", region, key));
    }

    /** @param key key @return the raw value, or null */
    public byte[] getBytes(String key) {
        return getBytes(utf8(key), null);
    }

    /** @param key key @param region region or null @return the raw value, or null */
    public byte[] getBytes(byte[] key, String region) {
        return (byte[]) call("get", region, key);
    }

    /** @param key key @param value value */
    public void set(String key, String value) {
        set(key, value, null, null);
    }

    /** @param key key @param value value @param ttl time to live, or null */
    public void set(String key, String value, Duration ttl) {
        set(key, value, ttl, null);
    }

    /** @param key key @param value value @param ttl time to live, or null @param region region or null */
    public void set(String key, String value, Duration ttl, String region) {
        call("set", region, key, value, millis(ttl));
    }

    /** @param key key @param value raw value @param ttl time to live, or null @param region region or null */
    public void set(byte[] key, byte[] value, Duration ttl, String region) {
        call("set", region, key, value, millis(ttl));
    }

    /** @param key key @param value value @return true if the key was set (it did not exist) */
    public boolean setnx(String key, String value) {
        return setnx(key, value, null);
    }

    /** @param key key @param value value @param region region or null @return true if set */
    public boolean setnx(String key, String value, String region) {
        return bool(call("setnx", region, key, value));
    }

    /** @param key key @param seconds TTL @param value value */
    public void setex(String key, long seconds, String value) {
        setex(key, seconds, value, null);
    }

    /** @param key key @param seconds TTL @param value value @param region region or null */
    public void setex(String key, long seconds, String value, String region) {
        call("setex", region, key, seconds, value);
    }

    /** @param keys keys @return one value per key, null for a missing one */
    public List<String> mget(String... keys) {
        return mget(Arrays.asList(keys), null);
    }

    /** @param keys keys @param region region or null @return one value per key */
    public List<String> mget(List<String> keys, String region) {
        return strs(call("mget", region, keys));
    }

    /** @param entries keys and values */
    public void mset(Map<String, String> entries) {
        mset(entries, null);
    }

    /** @param entries keys and values @param region region or null */
    public void mset(Map<String, String> entries, String region) {
        call("mset", region, pairs(entries));
    }

    /** @param key key @return the incremented value */
    public long incr(String key) {
        return incr(key, null);
    }

    /** @param key key @param region region or null @return the incremented value */
    public long incr(String key, String region) {
        return lng(call("incr", region, key));
    }

    /** @param key key @param by amount @return the new value */
    public long incrBy(String key, long by) {
        return incrBy(key, by, null);
    }

    /** @param key key @param by amount @param region region or null @return the new value */
    public long incrBy(String key, long by, String region) {
        return lng(call("incrby", region, key, by));
    }

    /** @param key key @return the decremented value */
    public long decr(String key) {
        return decr(key, null);
    }

    /** @param key key @param region region or null @return the decremented value */
    public long decr(String key, String region) {
        return lng(call("decr", region, key));
    }

    /** @param key key @param by amount @return the new value */
    public long decrBy(String key, long by) {
        return decrBy(key, by, null);
    }

    /** @param key key @param by amount @param region region or null @return the new value */
    public long decrBy(String key, long by, String region) {
        return lng(call("decrby", region, key, by));
    }

    /** @param key key @param value suffix @return the new length */
    public long append(String key, String value) {
        return append(key, value, null);
    }

    /** @param key key @param value suffix @param region region or null @return the new length */
    public long append(String key, String value, String region) {
        return lng(call("append", region, key, value));
    }

    /** @param key key @return the value's length in bytes */
    public long strlen(String key) {
        return strlen(key, null);
    }

    /** @param key key @param region region or null @return the value's length in bytes */
    public long strlen(String key, String region) {
        return lng(call("strlen", region, key));
    }

    // ---- keys -----------------------------------------------------------------------------

    /** @param pattern glob pattern @return matching keys */
    public List<String> keys(String pattern) {
        return keys(pattern, null);
    }

    /** @param pattern glob pattern @param region region or null @return matching keys */
    public List<String> keys(String pattern, String region) {
        return strs(call("keys", region, pattern));
    }

    /** @param cursor 0 to start @param match glob or null @param count hint or null @return one page */
    public ScanResult scan(long cursor, String match, Long count) {
        return scan(cursor, match, count, null);
    }

    /** @param cursor 0 to start @param match glob or null @param count hint or null @param region region or null @return one page */
    public ScanResult scan(long cursor, String match, Long count, String region) {
        List<Object> parts = list(call("scan", region, cursor, match, count));
        return new ScanResult(Long.parseLong(str(parts.get(0))), strs(parts.get(1)));
    }

    /** @param regex regular expression @return matching keys with type and TTL */
    public List<KeyInfo> ksearch(String regex) {
        return ksearch(regex, null, null);
    }

    /** @param regex regular expression @param limit most results or null @param region region or null @return matches */
    public List<KeyInfo> ksearch(String regex, Long limit, String region) {
        List<KeyInfo> out = new ArrayList<>();
        for (Object row : list(call("ksearch", region, regex, limit))) {
            List<Object> r = list(row);
            out.add(new KeyInfo(str(r.get(0)), str(r.get(1)), lng(r.get(2))));
        }
        return out;
    }

    /** @param keys keys @return how many exist */
    public long exists(String... keys) {
        return exists(Arrays.asList(keys), null);
    }

    /** @param keys keys @param region region or null @return how many exist */
    public long exists(List<String> keys, String region) {
        return lng(call("exists", region, keys));
    }

    /** @param keys keys @return how many were deleted */
    public long delete(String... keys) {
        return delete(Arrays.asList(keys), null);
    }

    /** @param keys keys @param region region or null @return how many were deleted */
    public long delete(List<String> keys, String region) {
        return lng(call("delete", region, keys));
    }

    /** @param key key @return its type, {@code none} if missing */
    public String type(String key) {
        return type(key, null);
    }

    /** @param key key @param region region or null @return its type */
    public String type(String key, String region) {
        return str(call("type", region, key));
    }

    /** @param key key @return seconds to live, -1 without expiry, -2 if missing */
    public long ttl(String key) {
        return ttl(key, null);
    }

    /** @param key key @param region region or null @return seconds to live */
    public long ttl(String key, String region) {
        return lng(call("ttl", region, key));
    }

    /** @param key key @param seconds TTL @return true if set */
    public boolean expire(String key, long seconds) {
        return expire(key, seconds, null);
    }

    /** @param key key @param seconds TTL @param region region or null @return true if set */
    public boolean expire(String key, long seconds, String region) {
        return bool(call("expire", region, key, seconds));
    }

    /** @param key key @return true if a TTL was removed */
    public boolean persist(String key) {
        return persist(key, null);
    }

    /** @param key key @param region region or null @return true if a TTL was removed */
    public boolean persist(String key, String region) {
        return bool(call("persist", region, key));
    }

    /** @param from old name @param to new name */
    public void rename(String from, String to) {
        rename(from, to, null);
    }

    /** @param from old name @param to new name @param region region or null */
    public void rename(String from, String to, String region) {
        call("rename", region, from, to);
    }

    // ---- hashes ---------------------------------------------------------------------------

    /** @param key key @param field field @return the value or null */
    public String hget(String key, String field) {
        return hget(key, field, null);
    }

    /** @param key key @param field field @param region region or null @return the value or null */
    public String hget(String key, String field, String region) {
        return str(call("hget", region, key, field));
    }

    /** @param key key @param field field @param value value @return true if the field is new */
    public boolean hset(String key, String field, String value) {
        return hset(key, field, value, null);
    }

    /** @param key key @param field field @param value value @param region region or null @return true if new */
    public boolean hset(String key, String field, String value, String region) {
        return bool(call("hset", region, key, field, value));
    }

    /** @param key key @param fields fields and values */
    public void hmset(String key, Map<String, String> fields) {
        hmset(key, fields, null);
    }

    /** @param key key @param fields fields and values @param region region or null */
    public void hmset(String key, Map<String, String> fields, String region) {
        call("hmset", region, key, pairs(fields));
    }

    /** @param key key @param fields fields @return one value per field, null if missing */
    public List<String> hmget(String key, String... fields) {
        return hmget(key, Arrays.asList(fields), null);
    }

    /** @param key key @param fields fields @param region region or null @return values */
    public List<String> hmget(String key, List<String> fields, String region) {
        return strs(call("hmget", region, key, fields));
    }

    /** @param key key @return all fields and values */
    public Map<String, String> hgetAll(String key) {
        return hgetAll(key, null);
    }

    /** @param key key @param region region or null @return all fields and values */
    public Map<String, String> hgetAll(String key, String region) {
        List<String> flat = strs(call("hgetall", region, key));
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            out.put(flat.get(i), flat.get(i + 1));
        }
        return out;
    }

    /** @param key key @param fields fields @return how many were removed */
    public long hdel(String key, String... fields) {
        return hdel(key, Arrays.asList(fields), null);
    }

    /** @param key key @param fields fields @param region region or null @return how many were removed */
    public long hdel(String key, List<String> fields, String region) {
        return lng(call("hdel", region, key, fields));
    }

    /** @param key key @param field field @return true if it exists */
    public boolean hexists(String key, String field) {
        return hexists(key, field, null);
    }

    /** @param key key @param field field @param region region or null @return true if it exists */
    public boolean hexists(String key, String field, String region) {
        return bool(call("hexists", region, key, field));
    }

    /** @param key key @return field names */
    public List<String> hkeys(String key) {
        return hkeys(key, null);
    }

    /** @param key key @param region region or null @return field names */
    public List<String> hkeys(String key, String region) {
        return strs(call("hkeys", region, key));
    }

    /** @param key key @return values */
    public List<String> hvals(String key) {
        return hvals(key, null);
    }

    /** @param key key @param region region or null @return values */
    public List<String> hvals(String key, String region) {
        return strs(call("hvals", region, key));
    }

    /** @param key key @return number of fields */
    public long hlen(String key) {
        return hlen(key, null);
    }

    /** @param key key @param region region or null @return number of fields */
    public long hlen(String key, String region) {
        return lng(call("hlen", region, key));
    }

    // ---- JSON -----------------------------------------------------------------------------

    /** @param key key @param json document as JSON text */
    public void jsonSet(String key, String json) {
        jsonSet(key, json, null, null, null);
    }

    /** @param key key @param json document */
    public void jsonSet(String key, JsonNode json) {
        jsonSet(key, json.toString(), null, null, null);
    }

    /**
     * JSET key json [path] [EX ttl].
     *
     * @param key        key
     * @param json       JSON text
     * @param path       JSONPath to set inside an existing document, or null
     * @param ttlSeconds TTL or null
     * @param region     region or null
     */
    public void jsonSet(String key, String json, String path, Long ttlSeconds, String region) {
        call("jsonSet", region, key, json, path, ttlSeconds);
    }

    /** @param key key @param json document @param path path or null @param ttlSeconds TTL or null @param region region or null */
    public void jsonSet(String key, JsonNode json, String path, Long ttlSeconds, String region) {
        jsonSet(key, json.toString(), path, ttlSeconds, region);
    }

    /** @param key key @return the document, or null */
    public JsonNode jsonGet(String key) {
        return jsonGet(key, null, null);
    }

    /** @param key key @param path JSONPath or null @return the value at path, or null */
    public JsonNode jsonGet(String key, String path) {
        return jsonGet(key, path, null);
    }

    /** @param key key @param path JSONPath or null @param region region or null @return the value, or null */
    public JsonNode jsonGet(String key, String path, String region) {
        return json(jsonGetString(key, path, region));
    }

    /** @param key key @param path JSONPath or null @param region region or null @return the JSON text, or null */
    public String jsonGetString(String key, String path, String region) {
        return str(call("jsonGet", region, key, path));
    }

    /** @param key key @param patch JSON text to deep-merge @return the merged document */
    public JsonNode jsonUpdate(String key, String patch) {
        return jsonUpdate(key, patch, null, null);
    }

    /** @param key key @param patch document to deep-merge @return the merged document */
    public JsonNode jsonUpdate(String key, JsonNode patch) {
        return jsonUpdate(key, patch.toString(), null, null);
    }

    /** @param key key @param patch JSON text @param ttlSeconds TTL or null @param region region or null @return the merged document */
    public JsonNode jsonUpdate(String key, String patch, Long ttlSeconds, String region) {
        return json(str(call("jsonUpdate", region, key, patch, ttlSeconds)));
    }

    /** @param key key @param fields top-level fields to remove @return the document after */
    public JsonNode jsonRemove(String key, String... fields) {
        return jsonRemove(key, Arrays.asList(fields), null);
    }

    /** @param key key @param fields top-level fields @param region region or null @return the document after */
    public JsonNode jsonRemove(String key, List<String> fields, String region) {
        return json(str(call("jsonRemove", region, key, fields)));
    }

    /** @param key key @return true if deleted */
    public boolean jsonDelete(String key) {
        return jsonDelete(key, null, null);
    }

    /** @param key key @param path path or null @return true if something was deleted */
    public boolean jsonDelete(String key, String path) {
        return jsonDelete(key, path, null);
    }

    /** @param key key @param path path or null @param region region or null @return true if deleted */
    public boolean jsonDelete(String key, String path, String region) {
        return bool(call("jsonDelete", region, key, path));
    }

    /** @param query JSEARCH query @return matching documents by key, in key order */
    public Map<String, JsonNode> jsonSearch(String query) {
        return jsonSearch(query, null, null);
    }

    /** @param query JSEARCH query @param limit most results or null @param region region or null @return documents by key */
    public Map<String, JsonNode> jsonSearch(String query, Long limit, String region) {
        List<String> flat = strs(call("jsonSearch", region, query, limit));
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            out.put(flat.get(i), json(flat.get(i + 1)));
        }
        return out;
    }

    // ---- server ---------------------------------------------------------------------------

    /** @return the INFO report */
    public String info() {
        return info(null);
    }

    /** @param section INFO section or null @return the report */
    public String info(String section) {
        return str(call("info", null, section));
    }

    /** @return the STATUS document */
    public JsonNode status() {
        return json(str(call("status", null)));
    }

    /** @return keys in the current region */
    public long dbsize() {
        return dbsize(null);
    }

    /** @param region region or null @return keys in the region */
    public long dbsize(String region) {
        return lng(call("dbsize", region));
    }

    /** Removes every key of the current region. */
    public void flushdb() {
        flushdb(null);
    }

    /** @param region region or null */
    public void flushdb(String region) {
        call("flushdb", region);
    }

    /** @return ROLE as JSON ({@code ["master",0,[]]} without replication) */
    public JsonNode replInfo() {
        return json(str(call("replInfo", null)));
    }

    /**
     * Any command; the reply with bulk strings as UTF-8 text (String, Long, Boolean, List or null).
     * Connection-state commands (MULTI, SELECT, ...) are refused with IllegalArgumentException.
     *
     * @param args command and arguments
     * @return the reply
     */
    public Object command(String... args) {
        return command(Arrays.asList(args), null);
    }

    /** @param args command and arguments @param region region or null @return the reply */
    public Object command(List<String> args, String region) {
        return Convert.raw(call("command", region, args));
    }

    /** @return a pipeline acting on the current region */
    public KuberPipeline pipeline() {
        return new KuberPipeline(this, null);
    }

    /** @param region region or null @return a pipeline acting on that region */
    public KuberPipeline pipeline(String region) {
        return new KuberPipeline(this, region);
    }

    List<Object> runPipeline(Wire.Request req) {
        List<Object> out = list(Wire.decodeText(Native.invoke(handle, req.toBytes())));
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i) instanceof List<?> items && items.size() == 3
                    && Wire.PIPELINE_ERROR.equals(items.get(0))) {
                String kind = (String) items.get(1);
                String message = (String) items.get(2);
                int space = message.indexOf(' ');
                String code = space < 0 ? message : message.substring(0, space);
                out.set(i, new KuberException(KuberException.Kind.fromNative(kind), code, message));
            }
        }
        return out;
    }

    /**
     * Where libkuber_java was loaded from: {@code java.library.path}, or {@code jar:<file>} when it
     * was extracted from this jar.
     *
     * @return the library's origin
     */
    public static String nativeLibrary() {
        return Native.loadedFrom();
    }

    /** Test hook: makes the native library panic, to prove the panic becomes an exception. */
    void debugPanic() {
        call("debugPanic", null);
    }

    /** Closes the connection pool. Later calls throw a CONNECTION KuberException. Idempotent. */
    @Override
    public void close() {
        cleanable.clean(); // runs Native.close at most once
    }
}
