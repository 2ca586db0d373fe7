package com.kuber.client;

/**
 * An error from a Kuber client: its {@link Kind}, the server's error code when the server sent
 * it ({@code WRONGTYPE}, {@code NOPERM}, {@code ERR}, or a REST code such as {@code NOT_FOUND}), and
 * the message (for RESP errors, the full reply text).
 */
public class KuberException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The kinds of the Rust client's {@code ErrorKind}, plus {@link #INTERNAL}. */
    public enum Kind {
        /** The server could not be reached, the connection broke, or the client is closed. */
        CONNECTION,
        /** Wrong credentials ({@code WRONGPASS}) or HTTP 401. */
        AUTH,
        /** The user's role does not allow the command ({@code NOPERM}) or HTTP 403. */
        PERMISSION,
        /** The key holds another type ({@code WRONGTYPE}). */
        WRONG_TYPE,
        /** A key or region that must exist does not. */
        NOT_FOUND,
        /** Any other error reply of the server. */
        SERVER,
        /** The server sent something the client cannot read. */
        PROTOCOL,
        /** A connect, command or pool deadline passed. */
        TIMEOUT,
        /** A wrong setting (missing credentials are thrown as IllegalArgumentException instead). */
        CONFIG,
        /** A bug in the native library: a Rust panic, caught before it could reach the JVM. */
        INTERNAL;

        static Kind fromNative(String name) {
            switch (name) {
                case "Connection": return CONNECTION;
                case "Auth": return AUTH;
                case "Permission": return PERMISSION;
                case "WrongType": return WRONG_TYPE;
                case "NotFound": return NOT_FOUND;
                case "Protocol": return PROTOCOL;
                case "Timeout": return TIMEOUT;
                case "Config": return CONFIG;
                default: return SERVER;
            }
        }
    }

    private final Kind kind;
    private final String code;

    /**
     * @param kind    the error kind
     * @param code    the server's error code, or null
     * @param message the message
     */
    public KuberException(Kind kind, String code, String message) {
        super(message);
        this.kind = kind;
        this.code = code;
    }

    /** @return the error kind */
    public Kind getKind() {
        return kind;
    }

    /** @return the server's error code, or null when the error did not come from the server */
    public String getCode() {
        return code;
    }
}
