package io.github.microc.exporter.core.spi;

import com.typesafe.config.ConfigOrigin;

/**
 * A configuration value that cannot be used. The message names where it came from (file and
 * line, environment variable or flag), the full key and what is wrong:
 *
 * <pre>
 * /etc/microc.conf:12: microc.collectors.filesystem.mount-points-exclude: not a valid regex: Unclosed group near index 4
 * </pre>
 */
public final class ConfigError extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ConfigError(String message) {
    super(message, null, false, false);
  }

  public ConfigError(String message, Throwable cause) {
    super(message, cause, false, false);
  }

  /** An error about the value at {@code path}, which came from {@code origin} (may be null). */
  public static ConfigError at(ConfigOrigin origin, String path, String problem) {
    return new ConfigError(where(origin) + path + ": " + problem);
  }

  /** {@code "file:line: "}, {@code "environment variable X: "} or nothing when unknown. */
  public static String where(ConfigOrigin origin) {
    if (origin == null) {
      return "";
    }
    if (origin.filename() != null) {
      return origin.lineNumber() > 0
          ? origin.filename() + ":" + origin.lineNumber() + ": "
          : origin.filename() + ": ";
    }
    if (origin.url() != null) {
      return origin.lineNumber() > 0
          ? origin.url() + ":" + origin.lineNumber() + ": "
          : origin.url() + ": ";
    }
    String description = origin.description();
    return description == null || description.isEmpty() ? "" : description + ": ";
  }
}
