package com.kuber.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every method of KuberClient against a live kuber-server, with exact results. */
class KuberClientTest {
    private static TestServer server;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private KuberClient client;

    @BeforeAll
    static void startServer() throws Exception {
        server = TestServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void connect() {
        client = new KuberClient("127.0.0.1", server.port, "admin", "secret");
        client.flushdb();
    }

    @AfterEach
    void cleanUp() {
        for (String region : client.listRegions()) {
            if (!region.equals("default")) {
                client.deleteRegion(region);
            }
        }
        client.close();
    }

    private static List<String> sorted(List<String> items) {
        List<String> copy = new ArrayList<>(items);
        Collections.sort(copy);
        return copy;
    }

    private static JsonNode json(String text) throws Exception {
        return MAPPER.readTree(text);
    }

    @Test
    void missingCredentialsThrowIllegalArgumentWithoutIo() {
        // Port 1 has no server: IllegalArgumentException proves nothing was dialled.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KuberClient("127.0.0.1", 1, null, "x"));
        assertEquals("username is required", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new KuberClient("127.0.0.1", 1, "admin", ""));
        assertEquals("password is required", e.getMessage());
        KuberException c = assertThrows(KuberException.class, () -> new KuberClient("127.0.0.1", 1, "a", "b"));
        assertEquals(KuberException.Kind.CONNECTION, c.getKind());
    }

    @Test
    void authAndPermissionErrors() {
        KuberException e = assertThrows(KuberException.class,
                () -> new KuberClient("127.0.0.1", server.port, "admin", "wrong"));
        assertEquals(KuberException.Kind.AUTH, e.getKind());
        assertEquals("WRONGPASS", e.getCode());
        assertEquals("WRONGPASS invalid username-password pair or user is disabled.", e.getMessage());
        try (KuberClient reader = new KuberClient("127.0.0.1", server.port, "reader", "readpw")) {
            assertNull(reader.get("k"));
            e = assertThrows(KuberException.class, () -> reader.set("k", "v"));
            assertEquals(KuberException.Kind.PERMISSION, e.getKind());
            assertEquals("NOPERM", e.getCode());
        }
    }

    @Test
    void regions() {
        assertEquals("PONG", client.ping());
        client.createRegion("orders", "orders", 100L, 10L);
        KuberException e = assertThrows(KuberException.class, () -> client.createRegion("orders"));
        assertEquals("REGIONEXISTS", e.getCode());
        assertEquals(List.of("default", "orders"), sorted(client.listRegions()));
        JsonNode info = client.regionInfo("orders");
        assertEquals("orders", info.get("description").asText());
        assertEquals(100, info.get("defaultTtl").asInt());
        assertEquals(10, info.get("maxEntries").asInt());
        assertEquals(KuberException.Kind.NOT_FOUND,
                assertThrows(KuberException.class, () -> client.regionInfo("missing")).getKind());
        client.set("k", "v", null, "orders");
        assertEquals("default", client.getCurrentRegion());
        assertNull(client.get("k"));
        assertEquals("v", client.get("k", "orders"));
        client.selectRegion("orders");
        assertEquals("orders", client.getCurrentRegion());
        assertEquals("v", client.get("k"));
        client.purgeRegion("orders");
        assertEquals(0, client.dbsize());
        client.selectRegion("default");
        client.deleteRegion("orders");
        assertEquals(KuberException.Kind.NOT_FOUND,
                assertThrows(KuberException.class, () -> client.deleteRegion("orders")).getKind());
    }

    @Test
    void strings() {
        client.set("s", "v");
        assertEquals("v", client.get("s"));
        client.set(new byte[] {0, 1}, new byte[] {(byte) 0xff, 0}, null, null);
        assertEquals("[-1, 0]", Arrays.toString(client.getBytes(new byte[] {0, 1}, null)));
        client.set("t", "v", Duration.ofSeconds(50));
        long ttl = client.ttl("t");
        assertTrue(ttl >= 49 && ttl <= 50, "ttl " + ttl);
        assertTrue(client.setnx("nx", "1"));
        assertFalse(client.setnx("nx", "2"));
        client.setex("e", 30, "v");
        assertTrue(client.ttl("e") >= 29);
        Map<String, String> m = new LinkedHashMap<>();
        m.put("a", "1");
        m.put("b", "2");
        client.mset(m);
        assertEquals(Arrays.asList("1", null, "2"), client.mget("a", "missing", "b"));
        assertEquals(1, client.incr("i"));
        assertEquals(11, client.incrBy("i", 10));
        assertEquals(10, client.decr("i"));
        assertEquals(7, client.decrBy("i", 3));
        assertEquals(2, client.append("s", "w"));
        assertEquals(2, client.strlen("s"));
        KuberException e = assertThrows(KuberException.class, () -> client.incr("s"));
        assertEquals(KuberException.Kind.SERVER, e.getKind());
        assertEquals("ERR value is not an integer or out of range", e.getMessage());
    }

    @Test
    void keys() {
        client.mset(Map.of("user:1", "a", "user:2", "b", "other", "c"));
        assertEquals(List.of("user:1", "user:2"), sorted(client.keys("user:*")));
        List<String> seen = new ArrayList<>();
        long cursor = 0;
        do {
            ScanResult page = client.scan(cursor, "user:*", 1L);
            seen.addAll(page.keys());
            cursor = page.cursor();
        } while (cursor != 0);
        assertEquals(List.of("user:1", "user:2"), sorted(seen));
        client.expire("user:2", 100);
        List<KeyInfo> found = client.ksearch("^user:");
        assertEquals(2, found.size());
        KeyInfo one = found.stream().filter(k -> k.key().equals("user:1")).findFirst().orElseThrow();
        assertEquals(new KeyInfo("user:1", "string", -1), one);
        assertEquals(1, client.ksearch("^user:", 1L, null).size());
        assertEquals(2, client.exists("user:1", "user:2", "nope"));
        assertEquals("string", client.type("user:1"));
        assertEquals("none", client.type("nope"));
        assertEquals(-1, client.ttl("user:1"));
        assertEquals(-2, client.ttl("nope"));
        assertTrue(client.expire("user:1", 100));
        assertTrue(client.persist("user:1"));
        assertFalse(client.persist("user:1"));
        client.rename("user:1", "user:9");
        assertEquals("a", client.get("user:9"));
        KuberException e = assertThrows(KuberException.class, () -> client.rename("nope", "x"));
        assertEquals(KuberException.Kind.NOT_FOUND, e.getKind());
        assertEquals("ERR no such key", e.getMessage());
        assertEquals(2, client.delete("user:9", "user:2", "nope"));
        assertEquals(1, client.dbsize());
        client.flushdb();
        assertEquals(0, client.dbsize());
    }

    @Test
    void hashes() {
        assertTrue(client.hset("h", "f1", "v1"));
        assertFalse(client.hset("h", "f1", "v1b"));
        client.hmset("h", Map.of("f2", "v2", "f3", "v3"));
        assertEquals("v1b", client.hget("h", "f1"));
        assertNull(client.hget("h", "zz"));
        assertEquals(Arrays.asList("v2", null), client.hmget("h", "f2", "zz"));
        assertEquals(Map.of("f1", "v1b", "f2", "v2", "f3", "v3"), client.hgetAll("h"));
        assertTrue(client.hexists("h", "f2"));
        assertFalse(client.hexists("h", "zz"));
        assertEquals(List.of("f1", "f2", "f3"), sorted(client.hkeys("h")));
        assertEquals(List.of("v1b", "v2", "v3"), sorted(client.hvals("h")));
        assertEquals(3, client.hlen("h"));
        assertEquals(1, client.hdel("h", "f1", "zz"));
        assertEquals(Map.of(), client.hgetAll("missing"));
        client.set("s", "v");
        KuberException e = assertThrows(KuberException.class, () -> client.hget("s", "f"));
        assertEquals(KuberException.Kind.WRONG_TYPE, e.getKind());
        assertEquals("WRONGTYPE Operation against a key holding the wrong kind of value", e.getMessage());
    }

    @Test
    void json() throws Exception {
        JsonNode alice = json("{\"name\":\"Alice\",\"age\":30,\"address\":{\"city\":\"Paris\"},\"tags\":[\"a\",\"b\"]}");
        client.jsonSet("u:1", alice);
        client.jsonSet("u:2", "{\"name\":\"Bob\",\"age\":20}", null, 100L, null);
        assertTrue(client.ttl("u:2") > 90);
        assertEquals("json", client.type("u:1"));
        assertEquals(alice, client.jsonGet("u:1"));
        assertEquals("Paris", client.jsonGet("u:1", "$.address.city").asText());
        assertEquals("{\"city\":\"Paris\"}", client.jsonGetString("u:1", "$.address", null));
        assertNull(client.jsonGet("missing"));
        client.jsonSet("u:1", "\"Lyon\"", "$.address.city", null, null);
        assertEquals(json("{\"city\":\"Lyon\",\"zip\":\"69000\"}"),
                client.jsonUpdate("u:1", "{\"address\":{\"zip\":\"69000\"}}").get("address"));
        assertEquals(json("{\"name\":\"Alice\",\"address\":{\"city\":\"Lyon\",\"zip\":\"69000\"}}"),
                client.jsonRemove("u:1", "tags", "age"));
        client.jsonSet("u:3", json("{\"name\":\"Carol\",\"age\":41}"));
        Map<String, JsonNode> found = client.jsonSearch("age>25");
        assertEquals(Map.of("u:3", json("{\"name\":\"Carol\",\"age\":41}")), found);
        assertEquals(List.of("u:2", "u:3"), new ArrayList<>(client.jsonSearch("$.name LIKE %o%", 10L, null).keySet()));
        KuberException e = assertThrows(KuberException.class, () -> client.jsonSearch("age="));
        assertEquals("ERR query: missing value at 4", e.getMessage());
        e = assertThrows(KuberException.class, () -> client.jsonSet("bad", "{bad"));
        assertEquals("JSONERR", e.getCode());
        assertTrue(client.jsonDelete("u:1", "$.address.zip"));
        assertTrue(client.jsonDelete("u:1"));
        assertFalse(client.jsonDelete("u:1"));
    }

    @Test
    void serverCommandsAndRawCommand() throws Exception {
        assertTrue(client.info().contains("redis_version:7.0.15"));
        assertTrue(client.info("server").startsWith("# Server"));
        assertEquals("ok", client.status().get("status").asText());
        assertEquals(json("[\"master\",0,[]]"), client.replInfo());
        assertEquals("hi", client.command("ECHO", "hi"));
        assertEquals(1L, client.command("RPUSH", "list", "x"));
        assertThrows(IllegalArgumentException.class, () -> client.command("MULTI"));
    }

    @Test
    void pipeline() {
        KuberPipeline p = client.pipeline("bulk");
        for (int i = 0; i < 1000; i++) {
            p.set("k" + i, Integer.toString(i));
        }
        for (int i = 0; i < 1000; i++) {
            p.get("k" + i);
        }
        List<Object> replies = p.execute();
        assertEquals(2000, replies.size());
        assertEquals("OK", replies.get(0));
        assertEquals("999", replies.get(1999));
        assertEquals(0, p.size());
        assertEquals(1000, client.dbsize("bulk"));
        List<Object> mixed = client.pipeline().set("s", "v").command("INCR", "s").get("s").execute();
        assertEquals("OK", mixed.get(0));
        KuberException err = assertInstanceOf(KuberException.class, mixed.get(1));
        assertEquals("ERR value is not an integer or out of range", err.getMessage());
        assertEquals("v", mixed.get(2));
    }

    @Test
    void eightThreadsShareOneClient() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            final int thread = t;
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 200; i++) {
                    String key = "t" + thread + ":" + i;
                    String region = "r" + (thread % 2);
                    client.set(key, key, null, region);
                    assertEquals(key, client.get(key, region));
                    client.incr("counter");
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        assertEquals("1600", client.get("counter"));
        assertEquals(1600, client.dbsize("r0") + client.dbsize("r1"));
    }

    @Test
    void timeoutIsAKuberException() {
        try (KuberClient fast = new KuberClient("127.0.0.1", server.port, "admin", "secret", Duration.ofMillis(300))) {
            KuberException e = assertThrows(KuberException.class, () -> fast.command("BLPOP", "empty", "5"));
            assertEquals(KuberException.Kind.TIMEOUT, e.getKind());
            assertEquals("PONG", fast.ping());
        }
    }

    @Test
    void panicInRustBecomesAnExceptionAndTheJvmLives() {
        KuberException e = assertThrows(KuberException.class, () -> client.debugPanic());
        assertEquals(KuberException.Kind.INTERNAL, e.getKind());
        assertTrue(e.getMessage().contains("debugPanic requested by the test suite"), e.getMessage());
        assertEquals("PONG", client.ping());
    }

    @Test
    void closedClientThrowsConnection() {
        KuberClient c = new KuberClient("127.0.0.1", server.port, "admin", "secret");
        c.close();
        c.close();
        KuberException e = assertThrows(KuberException.class, c::ping);
        assertEquals(KuberException.Kind.CONNECTION, e.getKind());
    }
}
