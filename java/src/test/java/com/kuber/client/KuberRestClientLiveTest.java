package com.kuber.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every method of KuberRestClient against the live server's /api/v1. */
class KuberRestClientLiveTest {
    private static TestServer server;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @BeforeAll
    static void startServer() throws Exception {
        server = TestServer.start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    private static JsonNode json(String text) throws Exception {
        return MAPPER.readTree(text);
    }

    private KuberRestClient admin() {
        return new KuberRestClient("127.0.0.1", server.httpPort, "admin", "secret");
    }

    @Test
    void serverAndRegions() throws Exception {
        try (KuberRestClient rest = admin()) {
            assertEquals(json("{\"pong\":true}"), rest.ping());
            assertEquals("7.0.15", rest.info().get("server").get("redis_version").asText());
            assertEquals("ok", rest.status().get("status").asText());
            assertTrue(rest.stats().get("regions").isArray());
            JsonNode created = rest.createRegion("jr1", "d", 10L, 5L);
            assertEquals(10, created.get("defaultTtl").asInt());
            KuberException e = assertThrows(KuberException.class, () -> rest.createRegion("jr1", null, null, null));
            assertEquals("CONFLICT", e.getCode());
            assertEquals("HTTP 409: region 'jr1' already exists", e.getMessage());
            assertEquals(5, rest.regionInfo("jr1").get("maxEntries").asInt());
            assertEquals(KuberException.Kind.NOT_FOUND,
                    assertThrows(KuberException.class, () -> rest.regionInfo("missing")).getKind());
            rest.set("k", "v", null, "jr1");
            rest.purgeRegion("jr1");
            assertNull(rest.get("k", "jr1"));
            rest.deleteRegion("jr1");
            boolean listed = false;
            for (JsonNode r : rest.listRegions()) {
                listed |= r.get("name").asText().equals("jr1");
            }
            assertFalse(listed);
        }
    }

    @Test
    void entriesHashesAndKeysWithSlashes() throws Exception {
        try (KuberRestClient rest = admin()) {
            rest.set("j/a b?c", "v", 60L, null);
            JsonNode e = rest.get("j/a b?c", null);
            assertEquals("j/a b?c", e.get("key").asText());
            assertEquals("v", e.get("value").asText());
            assertEquals("string", e.get("type").asText());
            assertNull(rest.get("missing", null));
            assertEquals(json("[\"j/a b?c\"]"), rest.keys("j/*", null, 10L, null).get("keys"));
            Map<String, String> m = new LinkedHashMap<>();
            m.put("jm1", "1");
            m.put("jm2", "2");
            rest.mset(m, null, null);
            assertEquals(json("[\"1\",null,\"2\"]"), rest.mget(List.of("jm1", "nope", "jm2"), null));
            assertEquals(-1, rest.ttl("jm1", null).get("ttl").asInt());
            assertEquals(100, rest.expire("jm1", 100, null).get("ttl").asInt());
            assertEquals(-1, rest.persist("jm1", null).get("ttl").asInt());
            rest.hset("jh", "f", "fv", null);
            assertEquals(json("{\"f\":\"fv\"}"), rest.hgetAll("jh", null));
            assertEquals("fv", rest.hget("jh", "f", null).get("value").asText());
            assertTrue(rest.hdel("jh", "f", null).get("deleted").asBoolean());
            assertTrue(rest.delete("j/a b?c", null));
            assertFalse(rest.delete("j/a b?c", null));
        }
    }

    @Test
    void jsonAndBulk() throws Exception {
        try (KuberRestClient rest = admin()) {
            rest.jsonSet("doc", json("{\"a\":1,\"b\":[1,2]}"), null, "jdocs");
            assertEquals(json("{\"a\":1,\"b\":[1,2]}"), rest.jsonGet("doc", null, "jdocs"));
            assertEquals(json("[1,2]"), rest.jsonGet("doc", "$.b", "jdocs"));
            assertNull(rest.jsonGet("nope", null, "jdocs"));
            assertEquals(json("{\"a\":1,\"b\":[1,2],\"c\":3}"), rest.jsonUpdate("doc", "{\"c\":3}", "jdocs"));
            assertEquals(json("[{\"key\":\"doc\",\"value\":{\"a\":1,\"b\":[1,2],\"c\":3}}]"),
                    rest.jsonSearch("a=1", 10L, null, "jdocs").get("results"));
            KuberException e = assertThrows(KuberException.class, () -> rest.jsonSearch("a=", null, null, "jdocs"));
            assertEquals("INVALID_QUERY", e.getCode());
            rest.jsonDelete("doc", "$.c", "jdocs");
            assertNull(rest.jsonGet("doc", "$.c", "jdocs"));
            rest.bulkImport(json("[{\"key\":\"ji1\",\"value\":\"x\"},{\"key\":\"ji2\",\"value\":\"y\"}]"), "jbulk");
            JsonNode rows = rest.bulkExport("ji*", "jbulk");
            assertEquals(2, rows.size());
        }
    }

    @Test
    void defaultRegionShortcuts() throws Exception {
        try (KuberRestClient rest = admin()) {
            rest.set("short", "v");
            assertEquals("v", rest.get("short").get("value").asText());
            rest.jsonSet("sdoc", "{\"n\":1}");
            assertEquals(json("{\"n\":1}"), rest.jsonGet("sdoc"));
            assertEquals("sdoc", rest.jsonSearch("n=1").get("results").get(0).get("key").asText());
            assertTrue(rest.delete("short"));
            assertNull(rest.get("short"));
        }
    }

    @Test
    void authAndPermission() {
        try (KuberRestClient bad = new KuberRestClient("127.0.0.1", server.httpPort, "admin", "wrong");
                KuberRestClient reader = new KuberRestClient("127.0.0.1", server.httpPort, "reader", "readpw")) {
            KuberException e = assertThrows(KuberException.class, bad::info);
            assertEquals(KuberException.Kind.AUTH, e.getKind());
            assertNull(reader.get("k", null));
            e = assertThrows(KuberException.class, () -> reader.set("k", "v", null, null));
            assertEquals(KuberException.Kind.PERMISSION, e.getKind());
        }
    }
}
