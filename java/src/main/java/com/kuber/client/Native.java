package com.kuber.client;

import java.io.IOException;
import java.lang.ref.Cleaner;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loads libkuber_java and declares its three entry points. Loading tries
 * {@code System.loadLibrary("kuber_java")} first (an installed library wins), then extracts
 * {@code native/linux-x86_64/libkuber_java.so} from the jar to a temporary file and loads that.
 */
final class Native {
    /** Shared by the clients to close native handles of instances that were never closed. */
    static final Cleaner CLEANER = Cleaner.create();
    private static final String RESOURCE = "/native/linux-x86_64/libkuber_java.so";
    private static final String LOADED_FROM;

    static {
        String from;
        try {
            System.loadLibrary("kuber_java");
            from = "java.library.path";
        } catch (UnsatisfiedLinkError notInstalled) {
            from = extractAndLoad(notInstalled);
        }
        LOADED_FROM = from;
    }

    private Native() {}

    private static String extractAndLoad(UnsatisfiedLinkError cause) {
        String os = System.getProperty("os.name", "").toLowerCase();
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError(
                    "the kuber jar ships a native library for linux-x86_64 only, not " + os + "-" + arch);
            e.initCause(cause);
            throw e;
        }
        try (InputStream in = Native.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                UnsatisfiedLinkError e = new UnsatisfiedLinkError(RESOURCE + " is not in the jar");
                e.initCause(cause);
                throw e;
            }
            Path dir = Files.createTempDirectory("kuber-native");
            Path lib = dir.resolve("libkuber_java.so");
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
            lib.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            System.load(lib.toAbsolutePath().toString());
            return "jar:" + lib;
        } catch (IOException io) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError("cannot extract " + RESOURCE + ": " + io);
            e.initCause(cause);
            throw e;
        }
    }

    /** Where the library came from: {@code java.library.path} or {@code jar:<extracted file>}. */
    static String loadedFrom() {
        return LOADED_FROM;
    }

    static native byte[] open(byte[] request);

    static native byte[] invoke(long handle, byte[] request);

    static native void close(long handle);

    /** Runs one request and decodes the reply (throwing its error). */
    static Object call(long handle, Wire.Request request) {
        return Wire.decode(invoke(handle, request.toBytes()));
    }
}
