package com.kuber.client;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Commands queued on the Java side and sent in one write by {@link #execute()}. Not thread-safe;
 * use one pipeline per thread (the client itself is shared).
 */
public final class KuberPipeline {
    private final KuberClient client;
    private final String region;
    private final List<List<String>> commands = new ArrayList<>();

    KuberPipeline(KuberClient client, String region) {
        this.client = client;
        this.region = region;
    }

    /** @param key key @param value value @return this pipeline */
    public KuberPipeline set(String key, String value) {
        commands.add(List.of("SET", key, value));
        return this;
    }

    /** @param key key @return this pipeline */
    public KuberPipeline get(String key) {
        commands.add(List.of("GET", key));
        return this;
    }

    /** @param args any command @return this pipeline */
    public KuberPipeline command(String... args) {
        commands.add(Arrays.asList(args));
        return this;
    }

    /** @return number of queued commands */
    public int size() {
        return commands.size();
    }

    /**
     * Sends every queued command and clears the queue.
     *
     * @return one result per command; an error reply is a {@link KuberException} in its place
     */
    public List<Object> execute() {
        List<List<String>> batch = new ArrayList<>(commands);
        commands.clear();
        return client.runPipeline(region, batch);
    }
}
