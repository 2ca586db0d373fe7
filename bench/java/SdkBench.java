// Java client throughput against one Kuber server: the Kuber Java SDK vs Jedis, GET and SET, one
// thread (a round trip per command) and pipelined (batches of BATCH). Prints one JSON line per
// result (median of REPS runs). Run by bench/sdk-clients.sh:
//   java -cp kuber-client.jar:jackson:jedis:... bench/java/SdkBench.java HOST PORT USER PASSWORD

import com.kuber.client.KuberClient;
import com.kuber.client.KuberPipeline;
import java.util.Arrays;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

public class SdkBench {
    static final int N = Integer.parseInt(System.getenv().getOrDefault("N", "20000"));
    static final int BATCH = Integer.parseInt(System.getenv().getOrDefault("BATCH", "100"));
    static final int REPS = Integer.parseInt(System.getenv().getOrDefault("REPS", "3"));
    static final String VALUE = "x".repeat(16);

    interface Run {
        void run();
    }

    static void report(String client, String test, double[] rates) {
        Arrays.sort(rates);
        System.out.printf("{\"lang\": \"Java\", \"client\": \"%s\", \"test\": \"%s\", \"ops_per_sec\": %d}%n",
                client, test, Math.round(rates[rates.length / 2]));
    }

    static final int WARMUP = 3;

    /**
     * The two clients take turns within each repetition; the first WARMUP repetitions let the JIT
     * compile both clients' paths (one was not enough: the first measured runs still sped up).
     */
    static void compare(String test, Run kuber, Run jedis) {
        double[] k = new double[REPS];
        double[] j = new double[REPS];
        for (int rep = 1 - WARMUP; rep <= REPS; rep++) {
            long t = System.nanoTime();
            kuber.run();
            double rk = N / ((System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            jedis.run();
            double rj = N / ((System.nanoTime() - t) / 1e9);
            if (rep > 0) {
                k[rep - 1] = rk;
                j[rep - 1] = rj;
            }
        }
        report("kuber (Java SDK)", test, k);
        report("Jedis 5.2.0", test, j);
    }

    public static void main(String[] a) {
        String host = a[0];
        int port = Integer.parseInt(a[1]);
        DefaultJedisClientConfig cfg = DefaultJedisClientConfig.builder().user(a[2]).password(a[3]).build();
        try (KuberClient k = new KuberClient(host, port, a[2], a[3]);
                Jedis j = new Jedis(new HostAndPort(host, port), cfg)) {
            compare("SET, 1 thread",
                    () -> { for (int i = 0; i < N; i++) k.set("j-k:" + i, VALUE); },
                    () -> { for (int i = 0; i < N; i++) j.set("j-j:" + i, VALUE); });
            compare("GET, 1 thread",
                    () -> { for (int i = 0; i < N; i++) k.get("j-k:" + i); },
                    () -> { for (int i = 0; i < N; i++) j.get("j-j:" + i); });
            compare("SET, pipelined x" + BATCH, () -> {
                for (int s = 0; s < N; s += BATCH) {
                    KuberPipeline p = k.pipeline();
                    for (int i = s; i < Math.min(N, s + BATCH); i++) p.set("j-k:" + i, VALUE);
                    p.execute();
                }
            }, () -> {
                for (int s = 0; s < N; s += BATCH) {
                    Pipeline p = j.pipelined();
                    for (int i = s; i < Math.min(N, s + BATCH); i++) p.set("j-j:" + i, VALUE);
                    p.syncAndReturnAll(); // materialise the replies, as KuberPipeline.execute() does
                }
            });
            compare("GET, pipelined x" + BATCH, () -> {
                for (int s = 0; s < N; s += BATCH) {
                    KuberPipeline p = k.pipeline();
                    for (int i = s; i < Math.min(N, s + BATCH); i++) p.get("j-k:" + i);
                    p.execute();
                }
            }, () -> {
                for (int s = 0; s < N; s += BATCH) {
                    Pipeline p = j.pipelined();
                    for (int i = s; i < Math.min(N, s + BATCH); i++) p.get("j-j:" + i);
                    p.syncAndReturnAll(); // materialise the replies, as KuberPipeline.execute() does
                }
            });
        }
    }
}
