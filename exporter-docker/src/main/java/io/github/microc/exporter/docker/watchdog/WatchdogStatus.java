package io.github.microc.exporter.docker.watchdog;

import io.github.microc.exporter.docker.watchdog.Decision.Action;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the watchdog stands with each watched container, in words, at one instant: for the
 * containers' table on the landing page. Made from {@link WatchdogPolicy}'s state, without I/O.
 *
 * @param host the Docker host it watches
 * @param connected whether it follows the daemon's events stream
 * @param dryRun whether it only decides, restarting nothing
 * @param byName each watched container by name
 */
public record WatchdogStatus(String host, boolean connected, boolean dryRun, Map<String, Watch> byName) {

  /**
   * One watched container.
   *
   * @param present whether a container of that name exists (a listed name may not)
   * @param decision the last decision and when, e.g. {@code restart due (exit_code, exit 3,
   *     attempt 1/5), 1s ago}
   * @param nextRestart when the restart that is due goes ahead, or when a given-up container is
   *     watched again; empty when neither
   * @param restarts restarts made (or, in a dry run, that would have been)
   */
  public record Watch(String name, boolean present, String decision, String nextRestart, long restarts) {}

  public WatchdogStatus {
    byName = Collections.unmodifiableMap(new TreeMap<>(byName));
  }

  static WatchdogStatus of(String host, boolean connected, WatchdogSettings settings,
      List<WatchdogPolicy.Row> rows, Instant now) {
    Map<String, Watch> byName = new TreeMap<>();
    for (WatchdogPolicy.Row row : rows) {
      long restarts = row.restarts().values().stream().mapToLong(Long::longValue).sum();
      byName.put(row.name(), new Watch(row.name(), row.present(),
          (settings.dryRun() ? "dry run: " : "") + decision(row, now), next(row, settings, now),
          restarts));
    }
    return new WatchdogStatus(host, connected, settings.dryRun(), byName);
  }

  private static String decision(WatchdogPolicy.Row row, Instant now) {
    Decision d = row.last();
    if (d == null) {
      return row.present() ? "watched, nothing decided yet" : "watched, no such container";
    }
    String what = switch (d.action()) {
      case RESTART -> (row.restartDue() ? "restart due (" : "restarted (") + restart(d) + ")";
      case GIVE_UP -> "gave up: " + d.detail();
      case SKIP -> "left alone: " + d.reason() + detail(d);
      case CANCEL -> "restart cancelled: " + d.reason() + detail(d);
      case RESET -> "watched again: " + d.reason() + detail(d);
    };
    if (d.action() == Action.RESTART && !row.restartDue() && row.lastRestartAt() != null) {
      return what + ", " + ago(row.lastRestartAt(), now);
    }
    return what + (row.lastAt() == null ? "" : ", " + ago(row.lastAt(), now));
  }

  private static String restart(Decision d) {
    return d.reason() + (d.exitCode() == null ? "" : ", exit " + d.exitCode())
        + ", attempt " + d.attempt() + "/" + d.maxRestarts();
  }

  private static String detail(Decision d) {
    return d.detail().isEmpty() ? "" : " (" + d.detail() + ")";
  }

  private static String next(WatchdogPolicy.Row row, WatchdogSettings settings, Instant now) {
    if (row.dueAt() != null) {
      Duration left = Duration.between(now, row.dueAt());
      return (left.isNegative() || left.isZero() ? "now" : "in " + Decision.format(left))
          + " (" + utc(row.dueAt()) + ")";
    }
    if (row.gaveUpUntil() != null) {
      return "none before " + utc(row.gaveUpUntil()) + ", or once it runs "
          + Decision.format(settings.healthyAfter());
    }
    return "";
  }

  private static String ago(Instant then, Instant now) {
    Duration d = Duration.between(then, now);
    return d.isNegative() || d.toMillis() < 1000 ? "just now"
        : Decision.format(d.truncatedTo(ChronoUnit.SECONDS)) + " ago";
  }

  static String utc(Instant t) {
    return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
  }
}
