package io.github.microc.exporter.docker.watchdog;

import io.github.microc.exporter.core.spi.PluginConfig;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The watchdog's configuration, {@code microc.collectors.watchdog}, read once and immutable.
 *
 * @param dockerHost the configured Docker host; empty for {@code DOCKER_HOST} or the socket
 * @param containers names watched whatever their labels
 * @param label a label that, set to {@code "true"}, makes a container watched
 * @param dryRun decide, log and count, but restart nothing
 * @param restartOnExitCode restart a container that exited with a non-zero code
 * @param restartOnOom restart a container the kernel OOM-killed
 * @param restartOnUnhealthy restart a container whose health check turned unhealthy
 * @param intentWindow how long after a kill or stop event a die counts as intended
 * @param initialBackoff the wait before the first restart in a window
 * @param maxBackoff the longest wait before a restart
 * @param maxRestarts restarts allowed within {@code window} before giving up
 * @param window the period over which restarts are counted
 * @param healthyAfter how long a container runs before its restart budget is fresh again
 * @param sweepInterval the period of the safety-net sweep
 * @param stopTimeout how long a restart of a running container waits for it to stop
 * @param requestTimeout how long one Docker API request may take
 */
public record WatchdogSettings(
    String dockerHost,
    Set<String> containers,
    String label,
    boolean dryRun,
    boolean restartOnExitCode,
    boolean restartOnOom,
    boolean restartOnUnhealthy,
    Duration intentWindow,
    Duration initialBackoff,
    Duration maxBackoff,
    int maxRestarts,
    Duration window,
    Duration healthyAfter,
    Duration sweepInterval,
    Duration stopTimeout,
    Duration requestTimeout) {

  public WatchdogSettings {
    Objects.requireNonNull(dockerHost, "dockerHost");
    containers = Set.copyOf(new LinkedHashSet<>(containers));
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(intentWindow, "intentWindow");
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    Objects.requireNonNull(window, "window");
    Objects.requireNonNull(healthyAfter, "healthyAfter");
    Objects.requireNonNull(sweepInterval, "sweepInterval");
    Objects.requireNonNull(stopTimeout, "stopTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
  }

  /** Reads and checks the block; a bad value is a ConfigError naming the key and its file. */
  public static WatchdogSettings from(PluginConfig config) {
    List<String> names = config.getStringList("containers");
    Set<String> containers = new LinkedHashSet<>();
    for (String name : names) {
      String trimmed = name.startsWith("/") ? name.substring(1).trim() : name.trim();
      if (trimmed.isEmpty()) {
        throw config.error("containers", "a container name must not be empty");
      }
      containers.add(trimmed);
    }
    String label = config.getString("label").trim();
    int maxRestarts = config.getInt("max-restarts");
    if (maxRestarts < 0) {
      throw config.error("max-restarts", "must not be negative, got " + maxRestarts);
    }
    Duration initialBackoff = config.getNonNegativeDuration("initial-backoff");
    Duration maxBackoff = config.getNonNegativeDuration("max-backoff");
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw config.error("max-backoff", "must not be below initial-backoff (" + initialBackoff + ")");
    }
    return new WatchdogSettings(
        config.getString("docker-host").trim(),
        containers,
        label,
        config.getBoolean("dry-run"),
        config.getBoolean("restart-on-exit-code"),
        config.getBoolean("restart-on-oom"),
        config.getBoolean("restart-on-unhealthy"),
        config.getNonNegativeDuration("intent-window"),
        initialBackoff,
        maxBackoff,
        maxRestarts,
        config.getPositiveDuration("window"),
        config.getPositiveDuration("healthy-after"),
        config.getPositiveDuration("sweep-interval"),
        config.getNonNegativeDuration("stop-timeout"),
        config.getPositiveDuration("request-timeout"));
  }
}
