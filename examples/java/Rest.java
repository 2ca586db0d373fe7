// First steps with the Java REST client. Run with the jar and Jackson on the class path:
//   java -cp kuber-client-0.1.0.jar:jackson-*.jar examples/java/Rest.java
// Server from KUBER_HOST / KUBER_HTTP_PORT, user KUBER_USER / KUBER_PASSWORD (127.0.0.1:8080, admin/secret).

import com.kuber.client.KuberRestClient;

public class Rest {
    static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null ? fallback : v;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(env("KUBER_HTTP_PORT", "8080"));
        try (KuberRestClient rest = new KuberRestClient(env("KUBER_HOST", "127.0.0.1"), port,
                env("KUBER_USER", "admin"), env("KUBER_PASSWORD", "secret"))) {
            System.out.println("ping: " + rest.ping());
            rest.set("path/with/slashes", "value", 60L, null);
            System.out.println("get: " + rest.get("path/with/slashes", null));
            rest.jsonSet("doc:1", "{\"name\":\"Ada\",\"age\":36}", null, null);
            System.out.println("search: " + rest.jsonSearch("age>30", 10L, null, null));
        }
    }
}
