package io.github.microc.exporter.core.config;

import io.github.microc.exporter.core.spi.PluginConfig;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How the endpoint treats its clients, read once from {@code microc.web}.
 *
 * @param maxRequests {@code /metrics} requests served at once; beyond it a 503 at once; 0 for
 *     no limit
 * @param readHeaderTimeout a request's line and headers must have arrived this long after its
 *     first byte (on a new connection: after the connection, TLS handshake included)
 * @param writeTimeout a response must be written this long after its request's headers
 * @param idleTimeout a connection with no request in progress is closed after this
 * @param maxHeaderBytes the largest request line (414 beyond it) and header section (431)
 * @param shutdownGrace how long a stop waits for the requests in flight
 * @param configFile the web-config file (TLS, basic auth, headers), or null
 * @param enableLifecycle whether {@code POST /-/reload} is served
 * @param preferOpenMetrics whether a client that lists OpenMetrics before the text format (as
 *     Prometheus does) gets OpenMetrics rather than the text format 0.0.4
 */
public record WebSettings(
    int maxRequests,
    Duration readHeaderTimeout,
    Duration writeTimeout,
    Duration idleTimeout,
    int maxHeaderBytes,
    Duration shutdownGrace,
    Path configFile,
    boolean enableLifecycle,
    boolean preferOpenMetrics) {

  /** Defaults as {@code reference.conf} has them, for servers started without a configuration. */
  public static final WebSettings DEFAULT = new WebSettings(40, Duration.ofSeconds(10),
      Duration.ofSeconds(60), Duration.ofSeconds(90), 8192, Duration.ofSeconds(10), null, false,
      false);

  static WebSettings from(PluginConfig web) {
    int maxRequests = web.getInt("max-requests");
    if (maxRequests < 0) {
      throw web.error("max-requests", "must be 0 (no limit) or more, got " + maxRequests);
    }
    int maxHeaderBytes = web.getInt("max-header-bytes");
    if (maxHeaderBytes < 1024) {
      throw web.error("max-header-bytes", "must be at least 1024, got " + maxHeaderBytes);
    }
    String file = web.getString("config-file");
    return new WebSettings(
        maxRequests,
        web.getPositiveDuration("read-header-timeout"),
        web.getPositiveDuration("write-timeout"),
        web.getPositiveDuration("idle-timeout"),
        maxHeaderBytes,
        web.getNonNegativeDuration("shutdown-grace"),
        file.isBlank() ? null : Path.of(file),
        web.getBoolean("enable-lifecycle"),
        web.getBoolean("prefer-openmetrics"));
  }
}
