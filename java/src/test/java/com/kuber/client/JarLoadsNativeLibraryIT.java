package com.kuber.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * Runs after `package`: the built jar, with only Jackson beside it and no java.library.path,
 * loads its own native library and talks to a live server, in a fresh JVM.
 */
class JarLoadsNativeLibraryIT {
    @Test
    void theJarAloneLoadsItsNativeLibrary() throws Exception {
        String jar = System.getProperty("kuber.jar");
        try (ZipFile zip = new ZipFile(jar)) {
            assertTrue(zip.getEntry("native/linux-x86_64/libkuber_java.so") != null, "library is packed in " + jar);
        }
        List<String> cp = new ArrayList<>();
        cp.add(jar);
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.contains("jackson")) {
                cp.add(entry);
            }
        }
        Path dir = Files.createTempDirectory("kuber-jar-check");
        Path program = dir.resolve("Check.java");
        Files.writeString(program, String.join("\n",
                "import com.kuber.client.KuberClient;",
                "public class Check {",
                "  public static void main(String[] a) {",
                "    try (KuberClient c = new KuberClient(\"127.0.0.1\", Integer.parseInt(a[0]), \"admin\", \"secret\")) {",
                "      c.set(\"from-jar\", \"yes\");",
                "      System.out.println(KuberClient.nativeLibrary() + \" \" + c.ping() + \" \" + c.get(\"from-jar\"));",
                "    }",
                "  }",
                "}"));
        try (TestServer server = TestServer.start()) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-cp", String.join(File.pathSeparator, cp), program.toString(),
                    Integer.toString(server.port))
                    .redirectErrorStream(true)
                    .start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.startsWith("jar:") && out.endsWith(" PONG yes"), out);
        }
    }
}
