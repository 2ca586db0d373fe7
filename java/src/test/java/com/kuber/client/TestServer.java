package com.kuber.client;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The real kuber-server (system property {@code kuber.bin}) on free ports, with users
 * {@code admin/secret} (ADMIN) and {@code reader/readpw} (READER).
 */
final class TestServer implements AutoCloseable {
    private static final Set<Integer> RESERVED = Set.of(6379, 6380, 6390);
    final int port;
    final int httpPort;
    private final Path dir;
    private final Process process;

    private TestServer(int port, int httpPort, Path dir, Process process) {
        this.port = port;
        this.httpPort = httpPort;
        this.dir = dir;
        this.process = process;
    }

    static String bin() {
        String bin = System.getProperty("kuber.bin");
        if (bin == null || !Files.isExecutable(Path.of(bin))) {
            throw new IllegalStateException("kuber-server not found at " + bin + ": build it or set KUBER_BIN");
        }
        return bin;
    }

    static int freePort() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                if (!RESERVED.contains(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
    }

    private static String hash(String password) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(bin(), "hash-password").start();
        p.getOutputStream().write(password.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("hash-password failed");
        }
        return out;
    }

    static TestServer start() throws Exception {
        Path dir = Files.createTempDirectory("kuber-java-test");
        String users = "{\"users\":["
                + "{\"username\":\"admin\",\"password\":\"" + hash("secret") + "\",\"roles\":[\"ADMIN\"],\"enabled\":true},"
                + "{\"username\":\"reader\",\"password\":\"" + hash("readpw") + "\",\"roles\":[\"READER\"],\"enabled\":true}]}";
        Files.writeString(dir.resolve("users.json"), users);
        int port = freePort();
        int httpPort = freePort();
        ProcessBuilder pb = new ProcessBuilder(bin(), "--bind", "127.0.0.1", "--port", Integer.toString(port),
                "--http-port", Integer.toString(httpPort), "--data-dir", dir.toString(),
                "--users", dir.resolve("users.json").toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("KUBER_"));
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        Process process = pb.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            try {
                new Socket("127.0.0.1", port).close();
                break;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    process.destroyForcibly();
                    throw new IllegalStateException("kuber-server did not start on " + port);
                }
                Thread.sleep(20);
            }
        }
        return new TestServer(port, httpPort, dir, process);
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
