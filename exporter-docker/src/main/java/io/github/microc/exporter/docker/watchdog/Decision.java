package io.github.microc.exporter.docker.watchdog;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * One decision of the watchdog about one watched container, written as exactly one log line:
 *
 * <pre>
 * watchdog restart name=web id=3f2a1b9c0d1e trigger=die reason=exit_code exit_code=1 attempt=2/5 delay=4s next_backoff=8s dry_run=false
 * watchdog skip name=web id=3f2a1b9c0d1e trigger=die reason=stopped_by_user exit_code=143 dry_run=false detail="kill signal 15 1.2s before"
 * watchdog give_up name=web id=3f2a1b9c0d1e trigger=die reason=gave_up exit_code=1 attempt=5/5 dry_run=false detail="5 restarts within 10m; ..."
 * </pre>
 *
 * @param action what the watchdog does
 * @param name the container's name
 * @param id the container's id (logged as its 12-character prefix)
 * @param trigger what led to it: {@code die, health_status, sweep, kill, stop, start, destroy,
 *     retry, restart, housekeeping}
 * @param reason for a restart, why ({@code exit_code, oom, unhealthy}); otherwise why not
 *     ({@code stopped_by_user, exit_zero, restart_policy, gave_up, backoff, ...})
 * @param exitCode the exit code it saw, or null
 * @param attempt for a restart or give-up, the restart's number within the window
 * @param maxRestarts the restarts allowed within the window
 * @param delay for a restart, the wait before it
 * @param nextBackoff for a restart, the wait before the next one should this one not last;
 *     null when the next failure gives up
 * @param dryRun whether nothing is restarted
 * @param detail free text for the reader; may be empty
 * @param ticket for a restart, what {@link WatchdogPolicy#beforeRestart} is handed back
 */
public record Decision(
    Action action,
    String name,
    String id,
    String trigger,
    String reason,
    Long exitCode,
    int attempt,
    int maxRestarts,
    Duration delay,
    Duration nextBackoff,
    boolean dryRun,
    String detail,
    long ticket) {

  /** What the watchdog does. */
  public enum Action {
    /** Restart (start, or restart when still running) the container after {@code delay}. */
    RESTART,
    /** Leave the container alone this time. */
    SKIP,
    /** Leave the container alone: too many restarts within the window. */
    GIVE_UP,
    /** Drop a restart that was due. */
    CANCEL,
    /** A given-up container is watched as usual again. */
    RESET;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public Decision {
    Objects.requireNonNull(action, "action");
    Objects.requireNonNull(name, "name");
    id = id == null ? "" : id;
    detail = detail == null ? "" : detail;
  }

  /** This decision's container and attempt, with another action, trigger, reason and detail. */
  Decision with(Action newAction, String newTrigger, String newReason, String newDetail) {
    return new Decision(newAction, name, id, newTrigger, newReason, exitCode, attempt, maxRestarts,
        delay, nextBackoff, dryRun, newDetail, ticket);
  }

  /** The decision as one log line, without line breaks. */
  public String logLine() {
    StringBuilder line = new StringBuilder("watchdog ").append(action.label())
        .append(" name=").append(name)
        .append(" id=").append(ContainerFacts.shortId(id))
        .append(" trigger=").append(trigger)
        .append(" reason=").append(reason);
    if (exitCode != null) {
      line.append(" exit_code=").append(exitCode);
    }
    if (action == Action.RESTART || action == Action.GIVE_UP) {
      line.append(" attempt=").append(attempt).append('/').append(maxRestarts);
    }
    if (action == Action.RESTART) {
      line.append(" delay=").append(format(delay))
          .append(" next_backoff=").append(nextBackoff == null ? "give_up" : format(nextBackoff));
    }
    line.append(" dry_run=").append(dryRun);
    if (!detail.isEmpty()) {
      line.append(" detail=\"").append(oneLine(detail)).append('"');
    }
    return line.toString();
  }

  /** {@code 500ms}, {@code 2s}, {@code 1.5s}, {@code 2m}, {@code 1h30m}. */
  static String format(Duration d) {
    if (d == null) {
      return "-";
    }
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + "ms";
    }
    if (ms < 60_000) {
      return ms % 1000 == 0 ? ms / 1000 + "s"
          : String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }
    long s = d.toSeconds();
    StringBuilder out = new StringBuilder();
    if (s >= 3600) {
      out.append(s / 3600).append('h');
      s %= 3600;
    }
    if (s >= 60) {
      out.append(s / 60).append('m');
      s %= 60;
    }
    if (s > 0) {
      out.append(s).append('s');
    }
    return out.toString();
  }

  private static String oneLine(String text) {
    String flat = text.replace('\r', ' ').replace('\n', ' ').replace('"', '\'');
    return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
  }
}
