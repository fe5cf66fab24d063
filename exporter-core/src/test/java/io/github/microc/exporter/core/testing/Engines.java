package io.github.microc.exporter.core.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * What an integration test does when the engine it needs (dockerd, Prometheus,
 * node_exporter, promtool) is missing: skip with the reason, or fail when
 * {@code MICROC_IT_STRICT=1} (as in CI), so that it can never skip silently there.
 */
public final class Engines {

  private Engines() {}

  /** Whether missing engines fail the test instead of skipping it. */
  public static boolean strict() {
    String value = System.getenv("MICROC_IT_STRICT");
    if (value == null || value.isBlank()) {
      value = System.getProperty("microc.it.strict");
    }
    return value != null && (value.equals("1") || value.equalsIgnoreCase("true"));
  }

  /** Skips, or fails under {@code MICROC_IT_STRICT=1}, unless {@code available}. */
  public static void require(boolean available, String missing) {
    if (available) {
      return;
    }
    String message = missing + (strict() ? " (MICROC_IT_STRICT=1: failing instead of skipping)"
        : " (skipped; set MICROC_IT_STRICT=1 to fail instead)");
    if (strict()) {
      fail(message);
    }
    Assumptions.abort(message);
  }

  /** An executable on the PATH, or in the given fallback locations. */
  public static Optional<Path> executable(String name, String... fallbacks) {
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    for (String fallback : fallbacks) {
      Path candidate = Path.of(fallback);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** An executable that must exist: skips or fails with how to install it. */
  public static Path requireExecutable(String name, String installHint, String... fallbacks) {
    Optional<Path> found = executable(name, fallbacks);
    require(found.isPresent(), name + " not found on PATH; " + installHint);
    return found.orElseThrow();
  }
}
