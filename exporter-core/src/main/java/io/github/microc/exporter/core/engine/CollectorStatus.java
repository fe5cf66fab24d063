package io.github.microc.exporter.core.engine;

import java.time.Duration;
import java.time.Instant;

/**
 * What the landing page shows of a collector.
 *
 * @param name the collector's name
 * @param description its one-line description
 * @param enabled whether it runs
 * @param lastSuccess whether its last collection succeeded; null before the first
 * @param lastDuration how long its last collection took; null before the first
 * @param lastFinished when its last collection ended; null before the first
 * @param lastError why its last collection failed; null when it succeeded
 * @param where for a collector from a plugin jar, the jar and the process it runs in; null
 *     for a built-in one
 * @param threads the live threads its plugin started; null when not counted
 */
public record CollectorStatus(
    String name,
    String description,
    boolean enabled,
    Boolean lastSuccess,
    Duration lastDuration,
    Instant lastFinished,
    String lastError,
    String where,
    Integer threads) {}
