package com.kuber.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** KuberRestClient without a REST server: credentials and transport errors. */
class KuberRestClientTest {
    @Test
    void missingCredentialsThrowIllegalArgument() {
        assertEquals("username is required",
                assertThrows(IllegalArgumentException.class, () -> new KuberRestClient("127.0.0.1", 1, "", "p")).getMessage());
        assertEquals("password is required",
                assertThrows(IllegalArgumentException.class, () -> new KuberRestClient("127.0.0.1", 1, "u", null)).getMessage());
    }

    @Test
    void constructorDoesNoIoAndUnreachableIsConnection() throws Exception {
        int port = TestServer.freePort();
        try (KuberRestClient rest = new KuberRestClient("127.0.0.1", port, "admin", "secret")) {
            KuberException e = assertThrows(KuberException.class, () -> rest.get("a/b", null));
            assertEquals(KuberException.Kind.CONNECTION, e.getKind());
        }
    }
}
