package com.kuber.client;

import static com.kuber.client.Convert.json;
import static com.kuber.client.Convert.str;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Kuber's REST client for Java ({@code /api/v1} with HTTP Basic auth), the Rust
 * {@code kuber-client} REST client behind JNI. Replies are the server's JSON as {@link JsonNode};
 * methods addressing data take an optional region ({@code default} when null). No request is made
 * by the constructor. HTTP errors throw {@link KuberException} with the body's error code
 * ({@code NOT_FOUND} → kind NOT_FOUND, 401 → AUTH, 403 → PERMISSION).
 */
public class KuberRestClient implements AutoCloseable {
    private final long handle;
    /** Closes the native client if this object is garbage-collected without close(). */
    private final Cleaner.Cleanable cleanable;

    /**
     * @param host     server host
     * @param port     HTTP port
     * @param username user name (required)
     * @param password password (required)
     */
    public KuberRestClient(String host, int port, String username, String password) {
        this(host, port, username, password, null);
    }

    /**
     * @param host     server host
     * @param port     HTTP port
     * @param username user name (required)
     * @param password password (required)
     * @param timeout  connect and per-request deadline, or null for the defaults
     */
    public KuberRestClient(String host, int port, String username, String password, Duration timeout) {
        if (host == null) {
            throw new IllegalArgumentException("host is required");
        }
        Wire.Request req = new Wire.Request("openRest", null)
                .add(host)
                .add(Integer.toString(port))
                .add(username)
                .add(password)
                .add(timeout == null ? null : Long.valueOf(Math.max(1, timeout.toMillis())))
                .add((String) null)
                .add("false");
        long h = (Long) Wire.decode(Native.open(req.toBytes()));
        this.handle = h;
        this.cleanable = Native.CLEANER.register(this, () -> Native.close(h));
    }

    private Object call(String op, String region, Object... args) {
        Wire.Request req = new Wire.Request("rest." + op, region);
        for (Object a : args) {
            if (a == null) {
                req.add((String) null);
            } else if (a instanceof Number n) {
                req.add(Long.valueOf(n.longValue()));
            } else {
                req.add(a.toString());
            }
        }
        return Native.call(handle, req);
    }

    private JsonNode node(String op, String region, Object... args) {
        return json(str(call(op, region, args)));
    }

    /** @return {@code GET /ping} */
    public JsonNode ping() {
        return node("ping", null);
    }

    /** @return {@code GET /info} */
    public JsonNode info() {
        return node("info", null);
    }

    /** @return {@code GET /status} */
    public JsonNode status() {
        return node("status", null);
    }

    /** @return {@code GET /stats} */
    public JsonNode stats() {
        return node("stats", null);
    }

    /** @return {@code GET /regions} */
    public JsonNode listRegions() {
        return node("listRegions", null);
    }

    /** @param name region @return {@code GET /regions/{name}} */
    public JsonNode regionInfo(String name) {
        return node("regionInfo", null, name);
    }

    /**
     * {@code POST /regions}.
     *
     * @param name        region
     * @param description text or null
     * @param ttlSeconds  default TTL or null
     * @param maxEntries  limit or null
     * @return the reply
     */
    public JsonNode createRegion(String name, String description, Long ttlSeconds, Long maxEntries) {
        return node("createRegion", null, name, description, ttlSeconds, maxEntries);
    }

    /** @param name region @return {@code DELETE /regions/{name}} */
    public JsonNode deleteRegion(String name) {
        return node("deleteRegion", null, name);
    }

    /** @param name region @return {@code POST /regions/{name}/purge} */
    public JsonNode purgeRegion(String name) {
        return node("purgeRegion", null, name);
    }

    /** @param key key in region {@code default} @return {@code {"key","value","type","ttl"}} or null on 404 */
    public JsonNode get(String key) {
        return get(key, null);
    }

    /** @param key key in region {@code default} @param value value @return the reply */
    public JsonNode set(String key, String value) {
        return set(key, value, null, null);
    }

    /** @param key key in region {@code default} @return whether the key existed */
    public boolean delete(String key) {
        return delete(key, null);
    }

    /** @param key key in region {@code default} @return the document, or null on 404 */
    public JsonNode jsonGet(String key) {
        return jsonGet(key, null, null);
    }

    /** @param key key in region {@code default} @param json JSON text @return the reply */
    public JsonNode jsonSet(String key, String json) {
        return jsonSet(key, json, null, null);
    }

    /** @param query query over region {@code default} @return {@code {"results","cursor"}} */
    public JsonNode jsonSearch(String query) {
        return jsonSearch(query, null, null, null);
    }

    /** @param key key @param region region or null @return {@code {"key","value","type","ttl"}} or null on 404 */
    public JsonNode get(String key, String region) {
        return node("get", region, key);
    }

    /** @param key key @param value value @param ttlSeconds TTL or null @param region region or null @return the reply */
    public JsonNode set(String key, String value, Long ttlSeconds, String region) {
        return node("set", region, key, value, ttlSeconds);
    }

    /** @param key key @param region region or null @return whether the key existed */
    public boolean delete(String key, String region) {
        return (Boolean) call("delete", region, key);
    }

    /** @param pattern glob or null @param cursor cursor or null @param count page size or null @param region region or null @return one page */
    public JsonNode keys(String pattern, String cursor, Long count, String region) {
        return node("keys", region, pattern, cursor, count);
    }

    /** @param keys keys @param region region or null @return one value per key (null when missing) */
    public JsonNode mget(List<String> keys, String region) {
        return node("mget", region, keys.toArray());
    }

    /** @param entries keys and values @param ttlSeconds TTL or null @param region region or null @return the reply */
    public JsonNode mset(Map<String, String> entries, Long ttlSeconds, String region) {
        Object[] args = new Object[1 + entries.size() * 2];
        args[0] = ttlSeconds;
        int i = 1;
        for (Map.Entry<String, String> e : entries.entrySet()) {
            args[i++] = e.getKey();
            args[i++] = e.getValue();
        }
        return node("mset", region, args);
    }

    /** @param key key @param region region or null @return {@code GET …/ttl} */
    public JsonNode ttl(String key, String region) {
        return node("ttl", region, key);
    }

    /** @param key key @param seconds TTL @param region region or null @return the reply */
    public JsonNode expire(String key, long seconds, String region) {
        return node("expire", region, key, seconds);
    }

    /** @param key key @param region region or null @return the reply */
    public JsonNode persist(String key, String region) {
        return node("persist", region, key);
    }

    /** @param key key @param region region or null @return all fields */
    public JsonNode hgetAll(String key, String region) {
        return node("hgetall", region, key);
    }

    /** @param key key @param field field @param region region or null @return the field, or null on 404 */
    public JsonNode hget(String key, String field, String region) {
        return node("hget", region, key, field);
    }

    /** @param key key @param field field @param value value @param region region or null @return the reply */
    public JsonNode hset(String key, String field, String value, String region) {
        return node("hset", region, key, field, value);
    }

    /** @param key key @param field field @param region region or null @return the reply */
    public JsonNode hdel(String key, String field, String region) {
        return node("hdel", region, key, field);
    }

    /** @param key key @param path JSONPath or null @param region region or null @return the document, or null on 404 */
    public JsonNode jsonGet(String key, String path, String region) {
        return node("jsonGet", region, key, path);
    }

    /** @param key key @param json JSON text @param ttlSeconds TTL or null @param region region or null @return the reply */
    public JsonNode jsonSet(String key, String json, Long ttlSeconds, String region) {
        return node("jsonSet", region, key, json, ttlSeconds);
    }

    /** @param key key @param json document @param ttlSeconds TTL or null @param region region or null @return the reply */
    public JsonNode jsonSet(String key, JsonNode json, Long ttlSeconds, String region) {
        return jsonSet(key, json.toString(), ttlSeconds, region);
    }

    /** @param key key @param patch JSON text @param region region or null @return the reply (PATCH, deep merge) */
    public JsonNode jsonUpdate(String key, String patch, String region) {
        return node("jsonUpdate", region, key, patch);
    }

    /** @param key key @param patch document @param region region or null @return the reply */
    public JsonNode jsonUpdate(String key, JsonNode patch, String region) {
        return jsonUpdate(key, patch.toString(), region);
    }

    /** @param key key @param path path or null @param region region or null @return the reply */
    public JsonNode jsonDelete(String key, String path, String region) {
        return node("jsonDelete", region, key, path);
    }

    /** @param query query @param limit limit or null @param cursor cursor or null @param region region or null @return {@code {"results","cursor"}} */
    public JsonNode jsonSearch(String query, Long limit, String cursor, String region) {
        return node("jsonSearch", region, query, limit, cursor);
    }

    /** @param entries JSON array of {@code {"key","value","ttl"?}} @param region region or null @return the reply */
    public JsonNode bulkImport(JsonNode entries, String region) {
        return node("bulkImport", region, entries.toString());
    }

    /** @param pattern glob or null @param region region or null @return the exported entries as a JSON array */
    public JsonNode bulkExport(String pattern, String region) {
        return node("bulkExport", region, pattern);
    }

    /** Releases the client. Idempotent. */
    @Override
    public void close() {
        cleanable.clean(); // runs Native.close at most once
    }
}
