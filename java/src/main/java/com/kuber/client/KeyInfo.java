package com.kuber.client;

/**
 * One KSEARCH match.
 *
 * @param key  the key
 * @param type its type ({@code string}, {@code hash}, {@code json}, ...)
 * @param ttl  seconds to live, -1 without expiry
 */
public record KeyInfo(String key, String type, long ttl) {}
