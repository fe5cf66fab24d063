package io.github.microc.exporter.core.config;

import com.typesafe.config.Config;
import io.github.microc.exporter.core.spi.HostPaths;
import io.github.microc.exporter.core.spi.PluginConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The exporter's own settings, read once from {@code microc.*}.
 *
 * @param listen where the endpoint listens; null when {@code listen-address} is empty (no
 *     endpoint: push only)
 * @param exporterMetrics whether the exporter's own process and JVM metrics are exposed
 * @param hostPaths where the host's file systems are mounted
 * @param defaultTimeout a collector's timeout when its block does not set one
 * @param defaultMinInterval a collector's min-interval when its block does not set one
 * @param web how the endpoint treats its clients
 */
public record ExporterSettings(
    ListenAddress listen,
    boolean exporterMetrics,
    HostPaths hostPaths,
    Duration defaultTimeout,
    Duration defaultMinInterval,
    WebSettings web) {

  /** Reads {@code microc.web}, {@code microc.host} and {@code microc.collector-defaults}. */
  public static ExporterSettings from(Config merged) {
    PluginConfig web = new PluginConfig("microc.web", merged.getConfig("microc.web"));
    PluginConfig host = new PluginConfig("microc.host", merged.getConfig("microc.host"));
    PluginConfig defaults = new PluginConfig("microc.collector-defaults",
        merged.getConfig("microc.collector-defaults"));
    ListenAddress listen = null;
    try {
      String address = web.getString("listen-address");
      if (!address.isBlank()) {
        listen = ListenAddress.parse(address);
      }
    } catch (IllegalArgumentException e) {
      throw web.error("listen-address", e.getMessage());
    }
    return new ExporterSettings(
        listen,
        web.getBoolean("exporter-metrics"),
        hostPaths(host),
        defaults.getPositiveDuration("timeout"),
        defaults.getNonNegativeDuration("min-interval"),
        WebSettings.from(web));
  }

  /** {@code microc.host}; an empty {@code udev-data} is {@code <rootfs>/run/udev/data}. */
  private static HostPaths hostPaths(PluginConfig host) {
    HostPaths paths = new HostPaths(Path.of(host.getString("proc")), Path.of(host.getString("sys")),
        Path.of(host.getString("rootfs")));
    String udev = host.getString("udev-data");
    return udev.isEmpty() ? paths
        : new HostPaths(paths.proc(), paths.sys(), paths.rootfs(), Path.of(udev));
  }

  /** Whether the HTTP endpoint is on: false when {@code listen-address} is empty. */
  public boolean listening() {
    return listen != null;
  }
}
