package com.kuber.client;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The byte format between this package and libkuber_java (its twin is bindings/java/src/wire.rs).
 * Requests are a count and items (null or bytes); replies are one tagged value.
 */
final class Wire {
    private Wire() {}

    /** Builds one request: the operation, the region (or null), then arguments. */
    static final class Request {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        private int count;

        Request(String op, String region) {
            add(op);
            add(region);
        }

        Request add(byte[] item) {
            count++;
            if (item == null) {
                out.write(0);
            } else {
                out.write(1);
                writeInt(item.length);
                out.write(item, 0, item.length);
            }
            return this;
        }

        Request add(String item) {
            return add(item == null ? null : item.getBytes(StandardCharsets.UTF_8));
        }

        Request add(Long item) {
            return add(item == null ? null : item.toString());
        }

        private void writeInt(int n) {
            out.write(n >>> 24);
            out.write(n >>> 16);
            out.write(n >>> 8);
            out.write(n);
        }

        byte[] toBytes() {
            byte[] body = out.toByteArray();
            return ByteBuffer.allocate(4 + body.length).putInt(count).put(body).array();
        }
    }

    /** The text of an error item inside a pipeline reply. */
    static final String PIPELINE_ERROR = "__kuber_error__";

    /**
     * Decodes a reply: null, byte[], Long, Boolean or List&lt;Object&gt;. Throws the error or panic
     * it carries.
     */
    static Object decode(byte[] reply) {
        ByteBuffer buf = ByteBuffer.wrap(reply);
        return value(buf);
    }

    private static byte[] bytes(ByteBuffer buf) {
        byte[] b = new byte[buf.getInt()];
        buf.get(b);
        return b;
    }

    private static String text(ByteBuffer buf) {
        byte tag = buf.get();
        if (tag == 'n') {
            return null;
        }
        return new String(bytes(buf), StandardCharsets.UTF_8);
    }

    private static Object value(ByteBuffer buf) {
        byte tag = buf.get();
        switch (tag) {
            case 'n': return null;
            case 'b': return bytes(buf);
            case 'i': return buf.getLong();
            case 't': return Boolean.TRUE;
            case 'f': return Boolean.FALSE;
            case 'a': {
                int n = buf.getInt();
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(value(buf));
                }
                return items;
            }
            case 'e': {
                String kind = text(buf);
                String code = text(buf);
                String message = text(buf);
                if ("Config".equals(kind)) {
                    throw new IllegalArgumentException(message);
                }
                throw new KuberException(KuberException.Kind.fromNative(kind), code, message);
            }
            case 'p':
                throw new KuberException(KuberException.Kind.INTERNAL, null,
                        "panic in the native library: " + text(buf));
            default:
                throw new KuberException(KuberException.Kind.PROTOCOL, null, "bad reply tag " + tag);
        }
    }
}
