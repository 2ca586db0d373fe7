package com.kuber.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Conversions of decoded replies to the public Java types. */
final class Convert {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Convert() {}

    static String str(Object o) {
        return o == null ? null : new String((byte[]) o, StandardCharsets.UTF_8);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    static List<String> strs(Object o) {
        List<Object> items = list(o);
        List<String> out = new ArrayList<>(items.size());
        for (Object item : items) {
            out.add(str(item));
        }
        return out;
    }

    static long lng(Object o) {
        return (Long) o;
    }

    static boolean bool(Object o) {
        return (Boolean) o;
    }

    static JsonNode json(String text) {
        if (text == null) {
            return null;
        }
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new KuberException(KuberException.Kind.PROTOCOL, null, "server sent bad JSON: " + e.getOriginalMessage());
        }
    }

    static String text(JsonNode node) {
        return node.toString();
    }

    /** A raw reply with every byte[] decoded as UTF-8 text, recursively. */
    static Object raw(Object o) {
        if (o instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (o instanceof List<?> items) {
            List<Object> out = new ArrayList<>(items.size());
            for (Object item : items) {
                out.add(raw(item));
            }
            return out;
        }
        return o;
    }
}
