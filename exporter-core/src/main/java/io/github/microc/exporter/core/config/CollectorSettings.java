package io.github.microc.exporter.core.config;

import io.github.microc.exporter.core.spi.PluginConfig;
import java.time.Duration;

/**
 * The engine's settings for one collector, from {@code microc.collectors.<name>}.
 *
 * @param name the collector's name
 * @param enabled whether it runs
 * @param timeout how long a scrape waits for it
 * @param minInterval how long a successful result is reused; zero to collect on every scrape
 * @param maxSeries the most samples a collection may return; past it the collection fails
 * @param maxThreads the most live threads a collector from a plugin jar may have started;
 *     past it the collector is disabled
 */
public record CollectorSettings(String name, boolean enabled, Duration timeout, Duration minInterval,
    int maxSeries, int maxThreads) {

  /** Reads a collector's block, whose defaults were already filled in. */
  public static CollectorSettings from(String name, PluginConfig block) {
    return new CollectorSettings(
        name,
        block.getBoolean("enabled"),
        block.getPositiveDuration("timeout"),
        block.getNonNegativeDuration("min-interval"),
        positive(block, "max-series"),
        positive(block, "max-threads"));
  }

  private static int positive(PluginConfig block, String key) {
    int value = block.getInt(key);
    if (value < 1) {
      throw block.error(key, "must be at least 1, got " + value);
    }
    return value;
  }
}
