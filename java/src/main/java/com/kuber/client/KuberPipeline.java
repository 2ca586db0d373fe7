package com.kuber.client;

import java.util.List;

/**
 * Commands queued on the Java side and sent in one write by {@link #execute()}. Not thread-safe;
 * use one pipeline per thread (the client itself is shared).
 */
public final class KuberPipeline {
    private final KuberClient client;
    private final String region;
    private Wire.Request request;
    private int size;

    KuberPipeline(KuberClient client, String region) {
        this.client = client;
        this.region = region;
        this.request = new Wire.Request("pipeline", region);
    }

    private KuberPipeline add(String... args) {
        // Each command is encoded at once: its argument count, then its arguments.
        request.add(Long.valueOf(args.length));
        for (String arg : args) {
            request.add(arg);
        }
        size++;
        return this;
    }

    /** @param key key @param value value @return this pipeline */
    public KuberPipeline set(String key, String value) {
        return add("SET", key, value);
    }

    /** @param key key @return this pipeline */
    public KuberPipeline get(String key) {
        return add("GET", key);
    }

    /** @param args any command @return this pipeline */
    public KuberPipeline command(String... args) {
        return add(args);
    }

    /** @return number of queued commands */
    public int size() {
        return size;
    }

    /**
     * Sends every queued command and clears the queue.
     *
     * @return one result per command; an error reply is a {@link KuberException} in its place
     */
    public List<Object> execute() {
        Wire.Request batch = request;
        request = new Wire.Request("pipeline", region);
        size = 0;
        return client.runPipeline(batch);
    }
}
