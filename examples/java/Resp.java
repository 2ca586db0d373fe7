// First steps with the Java RESP client. Run with the jar and Jackson on the class path:
//   java -cp kuber-client-0.1.0.jar:jackson-*.jar examples/java/Resp.java
// Server from KUBER_HOST / KUBER_PORT, user KUBER_USER / KUBER_PASSWORD (127.0.0.1:6380, admin/secret).

import com.kuber.client.KuberClient;
import com.kuber.client.KuberException;
import com.kuber.client.KuberPipeline;
import java.util.Map;

public class Resp {
    static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null ? fallback : v;
    }

    public static void main(String[] args) {
        String host = env("KUBER_HOST", "127.0.0.1");
        int port = Integer.parseInt(env("KUBER_PORT", "6380"));
        try (KuberClient client = new KuberClient(host, port, env("KUBER_USER", "admin"), env("KUBER_PASSWORD", "secret"))) {
            client.set("greeting", "hello");
            System.out.println("greeting = " + client.get("greeting"));

            if (!client.listRegions().contains("sessions")) {
                client.createRegion("sessions", null, 3600L, null);
            }
            client.set("user:42", "alice", null, "sessions");
            System.out.println("sessions ttl of user:42 = " + client.ttl("user:42", "sessions"));

            client.jsonSet("order:1", "{\"id\":1,\"total\":42.5,\"status\":\"paid\"}");
            client.jsonSearch("status=paid").forEach((k, doc) -> System.out.println("paid: " + k + " -> " + doc));

            KuberPipeline pipe = client.pipeline();
            for (int i = 0; i < 100; i++) {
                pipe.set("counter:" + i, Integer.toString(i));
            }
            System.out.println("pipelined " + pipe.execute().size() + " SETs");

            try {
                client.hget("greeting", "field");
            } catch (KuberException e) {
                System.out.println("as expected: " + e.getKind() + " " + e.getMessage());
            }
            Map<String, String> none = client.hgetAll("no-such-hash");
            System.out.println("empty hash: " + none);
        }
    }
}
