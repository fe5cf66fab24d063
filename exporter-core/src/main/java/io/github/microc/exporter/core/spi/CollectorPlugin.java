package io.github.microc.exporter.core.spi;

import io.prometheus.metrics.model.registry.MultiCollector;

/**
 * A source of metrics, found with {@link java.util.ServiceLoader} and listed in
 * {@code META-INF/services/io.github.microc.exporter.core.spi.CollectorPlugin}.
 *
 * <p>The plugin itself is a tiny factory: the engine instantiates every plugin on the class
 * path, but calls {@link #create} only for the enabled ones, once, at start-up. The
 * collector it returns is scraped concurrently with the other plugins' collectors under its
 * own timeout; whatever it throws is caught, logged and reported as
 * {@code microc_scrape_collector_success{collector="<name>"} 0}, never as a failed scrape.
 *
 * <p>Configuration lives under {@code microc.collectors.<name>}: the engine's own keys
 * ({@code enabled}, {@code timeout}, {@code min-interval}) plus the keys the plugin's jar
 * declares with their defaults in its {@code reference.conf}. Any other key is rejected at
 * start-up.
 *
 * <p>If the returned collector implements {@link AutoCloseable}, it is closed on shutdown;
 * other resources can be handed to {@link PluginContext#closeOnShutdown}.
 */
public interface CollectorPlugin {

  /**
   * The collector's name: lower_snake_case, unique across all plugins. It is the
   * configuration block {@code microc.collectors.<name>}, the {@code collector} label of the
   * self-metrics and the value of the {@code collect[]} URL parameter.
   */
  String name();

  /** One line for the landing page, the CLI help and the README table. */
  default String description() {
    return "";
  }

  /** Whether the collector runs when the configuration does not say. */
  default boolean enabledByDefault() {
    return true;
  }

  /**
   * Builds the collector. Called once, at start-up, for an enabled plugin. Read and validate
   * all configuration here, so that a bad value stops the start-up with its key and file.
   *
   * @throws Exception when the collector cannot work at all; start-up fails with the
   *     plugin's name and the message
   */
  MultiCollector create(PluginContext context) throws Exception;
}
