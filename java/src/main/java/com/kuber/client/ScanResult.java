package com.kuber.client;

import java.util.List;

/**
 * One SCAN page.
 *
 * @param cursor the cursor for the next call; 0 when the walk is complete
 * @param keys   this page's keys
 */
public record ScanResult(long cursor, List<String> keys) {}
