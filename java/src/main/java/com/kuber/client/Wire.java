package com.kuber.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The byte format between this package and libkuber_java (its twin is bindings/java/src/wire.rs).
 * Requests are a count and items (null or bytes); replies are one tagged value.
 */
final class Wire {
    private Wire() {}

    /** Builds one request: the operation, the region (or null), then arguments. */
    static final class Request {
        // A plain growable array: ByteArrayOutputStream synchronizes every write.
        private byte[] buf = new byte[128];
        private int len = 4; // the count goes in front, written by toBytes
        private int count;

        Request(String op, String region) {
            add(op);
            add(region);
        }

        private void ensure(int extra) {
            if (len + extra > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
            }
        }

        Request add(byte[] item) {
            count++;
            if (item == null) {
                ensure(1);
                buf[len++] = 0;
            } else {
                ensure(5 + item.length);
                buf[len++] = 1;
                writeInt(item.length);
                System.arraycopy(item, 0, buf, len, item.length);
                len += item.length;
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
            buf[len++] = (byte) (n >>> 24);
            buf[len++] = (byte) (n >>> 16);
            buf[len++] = (byte) (n >>> 8);
            buf[len++] = (byte) n;
        }

        byte[] toBytes() {
            byte[] out = Arrays.copyOf(buf, len);
            out[0] = (byte) (count >>> 24);
            out[1] = (byte) (count >>> 16);
            out[2] = (byte) (count >>> 8);
            out[3] = (byte) count;
            return out;
        }
    }

    /** The text of an error item inside a pipeline reply. */
    static final String PIPELINE_ERROR = "__kuber_error__";

    /**
     * Decodes a reply: null, byte[], Long, Boolean or List&lt;Object&gt;. Throws the error or panic
     * it carries.
     */
    static Object decode(byte[] reply) {
        return value(ByteBuffer.wrap(reply), false);
    }

    /** Like {@link #decode}, with every byte string decoded as UTF-8 text straight from the reply. */
    static Object decodeText(byte[] reply) {
        return value(ByteBuffer.wrap(reply), true);
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

    private static Object value(ByteBuffer buf, boolean text) {
        byte tag = buf.get();
        switch (tag) {
            case 'n': return null;
            case 'b': {
                if (!text) {
                    return bytes(buf);
                }
                int n = buf.getInt();
                String s = new String(buf.array(), buf.position(), n, StandardCharsets.UTF_8);
                buf.position(buf.position() + n);
                return s;
            }
            case 'i': return buf.getLong();
            case 't': return Boolean.TRUE;
            case 'f': return Boolean.FALSE;
            case 'a': {
                int n = buf.getInt();
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    items.add(value(buf, text));
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
