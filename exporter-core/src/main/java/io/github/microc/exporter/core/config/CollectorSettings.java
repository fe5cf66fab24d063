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
 */
public record CollectorSettings(String name, boolean enabled, Duration timeout, Duration minInterval) {

  /** Reads a collector's block, whose defaults were already filled in. */
  public static CollectorSettings from(String name, PluginConfig block) {
    return new CollectorSettings(
        name,
        block.getBoolean("enabled"),
        block.getPositiveDuration("timeout"),
        block.getNonNegativeDuration("min-interval"));
  }
}
