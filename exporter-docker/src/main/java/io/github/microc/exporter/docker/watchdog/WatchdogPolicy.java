package io.github.microc.exporter.docker.watchdog;

import io.github.microc.exporter.docker.client.Backoff;
import io.github.microc.exporter.docker.watchdog.Decision.Action;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The watchdog's decisions, without any Docker I/O: it is told what happened (events, inspect
 * facts, the outcome of a restart) and when, and answers what to do. The caller does the
 * Docker calls, logs every returned {@link Decision} and schedules the restarts.
 *
 * <p>What it decides, in order, for a watched container that ended:
 * <ol>
 *   <li>our own restart's stop (kill, die, stop while restarting it): nothing;
 *   <li>a {@code kill} or {@code stop} event within {@code intent-window} before the
 *       {@code die}: someone stopped it on purpose, left alone until it starts again;
 *   <li>exit code 0: left alone;
 *   <li>OOM-killed, else a non-zero exit: restart, unless that reason is switched off, Docker's
 *       own restart policy restarts it ({@code always, unless-stopped, on-failure}) or it was
 *       run with {@code --rm};
 *   <li>unhealthy while running: restart (Docker never acts on health, so the restart policy
 *       does not matter here).
 * </ol>
 * A restart waits {@code initial-backoff * 2^(n-1)} (at most {@code max-backoff}) where
 * {@code n} counts the restarts within {@code window}; once {@code max-restarts} were spent in
 * the window, it gives up on that container until the container has run for
 * {@code healthy-after} or {@code window} has passed since giving up, and then tries again
 * with a fresh budget.
 *
 * <p>State is kept per container name, only for watched containers, so metric labels stay
 * bounded. Thread-safe: every method is synchronized.
 */
public final class WatchdogPolicy {

  static final String EXIT_CODE = "exit_code";
  static final String OOM = "oom";
  static final String UNHEALTHY = "unhealthy";
  /** The restart reasons, in the order metrics show them. */
  static final List<String> RESTART_REASONS = List.of(EXIT_CODE, OOM, UNHEALTHY);

  private final WatchdogSettings settings;
  private final Backoff restartBackoff;
  private final Map<String, Tracked> byName = new TreeMap<>();
  private long lastTicket;

  public WatchdogPolicy(WatchdogSettings settings) {
    this.settings = settings;
    this.restartBackoff = new Backoff(settings.initialBackoff(), settings.maxBackoff());
    for (String name : settings.containers()) {
      byName.put(name, new Tracked(name));
    }
  }

  public WatchdogSettings settings() {
    return settings;
  }

  /** Whether the container is watched: named in the list, or labelled {@code <label>=true}. */
  public boolean isWatched(String name, Map<String, String> labels) {
    if (name == null || name.isEmpty()) {
      return false;
    }
    if (settings.containers().contains(name)) {
      return true;
    }
    String value = settings.label().isEmpty() || labels == null ? null : labels.get(settings.label());
    return value != null && value.trim().equalsIgnoreCase("true");
  }

  // ---- events ------------------------------------------------------------------------------

  /** A {@code kill} event: someone sends a signal; a die soon after is on purpose. */
  public synchronized Optional<Decision> onKill(String id, String name, Map<String, String> labels,
      String signal, Instant now) {
    return noted(intent(id, name, labels, "kill", signal == null || signal.isEmpty() ? "kill"
        : "kill signal " + signal, now), now);
  }

  /** A {@code stop} event (Docker sends it after the die of a {@code docker stop}). */
  public synchronized Optional<Decision> onStop(String id, String name, Map<String, String> labels,
      Instant now) {
    return noted(intent(id, name, labels, "stop", "stop", now), now);
  }

  /** An {@code oom} event: the kernel killed a process of the container for memory. */
  public synchronized void onOom(String id, String name, Map<String, String> labels, Instant now) {
    Tracked t = track(id, name, labels);
    if (t != null) {
      t.oomAt = now;
    }
  }

  /**
   * A {@code start} event. Ends any intent and, when someone else started the container,
   * cancels the restart that was due.
   */
  public synchronized Optional<Decision> onStart(String id, String name, Map<String, String> labels,
      Instant now) {
    Tracked t = track(id, name, labels);
    if (t == null) {
      return Optional.empty();
    }
    boolean own = t.ownUntil != null;
    t.present = true;
    t.running = true;
    t.unhealthy = false;
    t.stableSince = now;
    t.intentAt = null;
    t.intent = null;
    t.oomAt = null;
    t.stoppedOnPurpose = false;
    t.ownUntil = null;
    if (!own && t.pending != null) {
      return noted(Optional.of(cancel(t, "start", "already_running", "started by someone else")), now);
    }
    return Optional.empty();
  }

  /** A {@code health_status: healthy} event. */
  public synchronized void onHealthy(String id, String name, Map<String, String> labels, Instant now) {
    Tracked t = track(id, name, labels);
    if (t != null && t.unhealthy) {
      t.unhealthy = false;
      t.stableSince = now;
    }
  }

  /** A {@code destroy} event: the container is gone; a restart that was due is dropped. */
  public synchronized Optional<Decision> onDestroy(String id, String name, Map<String, String> labels) {
    Tracked t = name == null ? null : byName.get(name);
    if (t == null || (t.id != null && id != null && !t.id.equals(id))) {
      return Optional.empty();
    }
    Optional<Decision> cancelled = t.pending == null ? Optional.empty()
        : Optional.of(cancel(t, "destroy", "gone", "the container was removed"));
    forget(t);
    return cancelled;
  }

  /** A {@code rename} event: the old name is gone, the new one is seen on its next event. */
  public synchronized Optional<Decision> onRename(String id, String oldName) {
    return onDestroy(id, oldName, Map.of());
  }

  /** A {@code die} event, with the facts inspected right after it. */
  public synchronized Optional<Decision> onDie(ContainerFacts facts, Instant now) {
    return noted(die(facts, now), now);
  }

  private Optional<Decision> die(ContainerFacts facts, Instant now) {
    Tracked t = track(facts.id(), facts.name(), facts.labels());
    if (t == null) {
      return Optional.empty();
    }
    Optional<Decision> reset = refresh(t, now);
    t.running = false;
    t.present = true;
    if (isOwn(t, now)) {
      return Optional.empty();
    }
    String death = facts.deathKey();
    if (death.equals(t.decidedDeath)) {
      return reset;
    }
    t.decidedDeath = death;
    return stoppedByUser(t, facts, "die", now).or(() -> judgeEnd(t, facts, "die", now, false));
  }

  /** A death within the intent window of a kill or stop seen in the events: left alone. */
  private Optional<Decision> stoppedByUser(Tracked t, ContainerFacts facts, String trigger,
      Instant now) {
    if (t.intentAt == null || now.isAfter(t.intentAt.plus(settings.intentWindow()))) {
      return Optional.empty();
    }
    t.stoppedOnPurpose = true;
    return Optional.of(skip(t, facts, trigger, "stopped_by_user",
        t.intent + " " + Decision.format(Duration.between(t.intentAt, now)) + " before"));
  }

  /** A {@code health_status: unhealthy} event, with the facts inspected right after it. */
  public synchronized Optional<Decision> onUnhealthy(ContainerFacts facts, Instant now) {
    return noted(unhealthy(facts, now), now);
  }

  private Optional<Decision> unhealthy(ContainerFacts facts, Instant now) {
    Tracked t = track(facts.id(), facts.name(), facts.labels());
    if (t == null) {
      return Optional.empty();
    }
    refresh(t, now);
    t.unhealthy = true;
    if (!facts.running() || !facts.unhealthy()) {
      return Optional.empty();
    }
    return judgeUnhealthy(t, facts, "health_status", now);
  }

  // ---- sweeps ------------------------------------------------------------------------------

  /**
   * A watched container found by a sweep (at start, on reconnect, periodically): an end the
   * events did not show is judged as a die would be (after a kill or stop event, as stopped by
   * the user), except that a death by SIGTERM, SIGKILL or SIGINT without any event seen is
   * presumed to be on purpose.
   */
  public synchronized Optional<Decision> onSweep(ContainerFacts facts, Instant now) {
    return noted(sweep(facts, now), now);
  }

  private Optional<Decision> sweep(ContainerFacts facts, Instant now) {
    Tracked t = track(facts.id(), facts.name(), facts.labels());
    if (t == null) {
      return Optional.empty();
    }
    t.present = true;
    Optional<Decision> reset = refresh(t, now);
    if (facts.running()) {
      if (!t.running || t.stableSince == null) {
        t.stableSince = facts.startedAt() != null ? facts.startedAt() : now;
      }
      t.running = true;
      if (!facts.unhealthy()) {
        t.unhealthy = false;
        return reset;
      }
      t.unhealthy = true;
      return judgeUnhealthy(t, facts, "sweep", now).or(() -> reset);
    }
    if (!facts.exited()) {
      return reset;
    }
    t.running = false;
    String death = facts.deathKey();
    if (t.stoppedOnPurpose || t.pending != null || isOwn(t, now) || death.equals(t.decidedDeath)) {
      return reset;
    }
    t.decidedDeath = death;
    // The kill or stop event may be in before the die, and the sweep between them.
    return stoppedByUser(t, facts, "sweep", now).or(() -> judgeEnd(t, facts, "sweep", now, true));
  }

  /** A running, healthy watched container seen by a sweep without inspecting it. */
  public synchronized void onSeenRunning(String id, String name, Map<String, String> labels,
      Instant now) {
    Tracked t = track(id, name, labels);
    if (t != null) {
      t.present = true;
      if (!t.running || t.stableSince == null) {
        t.stableSince = now;
      }
      t.running = true;
    }
  }

  /**
   * The names of the watched containers that exist, from a full listing: a listed name that is
   * not among them is shown as missing, a labelled one is forgotten.
   */
  public synchronized void onListed(Set<String> existing) {
    for (Tracked t : new ArrayList<>(byName.values())) {
      if (existing.contains(t.name)) {
        t.present = true;
      } else if (t.pending == null) {
        forget(t);
      }
    }
  }

  /** Clears given-up containers whose time is up; returns one RESET decision for each. */
  public synchronized List<Decision> housekeeping(Instant now) {
    List<Decision> resets = new ArrayList<>();
    for (Tracked t : byName.values()) {
      noted(refresh(t, now), now).ifPresent(resets::add);
    }
    return resets;
  }

  // ---- restarts ----------------------------------------------------------------------------

  /**
   * A restart is due. Given what the container looks like now (null when it is gone), says
   * whether to go ahead: RESTART to do it (not logged again), SKIP when it is no longer needed,
   * or nothing when the restart was cancelled meanwhile. Going ahead spends one restart of
   * the budget, whether or not it then works.
   */
  public synchronized Optional<Decision> beforeRestart(Decision due, ContainerFacts current,
      Instant now) {
    return noted(goAhead(due, current, now), now);
  }

  private Optional<Decision> goAhead(Decision due, ContainerFacts current, Instant now) {
    Tracked t = byName.get(due.name());
    if (t == null || t.pending == null || t.pending.ticket() != due.ticket()) {
      return Optional.empty();
    }
    Decision pending = t.pending;
    t.pending = null;
    if (current == null) {
      return Optional.of(count(t, pending.with(Action.SKIP, "restart", "gone", "no such container")));
    }
    if (!due.reason().equals(UNHEALTHY) && current.running()) {
      return Optional.of(count(t, pending.with(Action.SKIP, "restart", "already_running",
          "started by someone else")));
    }
    if (due.reason().equals(UNHEALTHY) && current.running() && !current.unhealthy()) {
      return Optional.of(count(t, pending.with(Action.SKIP, "restart", "recovered",
          "health is " + (current.health().isEmpty() ? "unknown" : current.health()) + " again")));
    }
    if (t.stoppedOnPurpose) {
      return Optional.of(count(t, pending.with(Action.SKIP, "restart", "stopped_by_user", "")));
    }
    t.history.addLast(now);
    if (!settings.dryRun()) {
      t.ownUntil = now.plus(settings.intentWindow()).plus(settings.stopTimeout());
    }
    return Optional.of(pending);
  }

  /** The restart went through (or, in a dry run, would have). */
  public synchronized void restarted(Decision restart, Instant now) {
    Tracked t = byName.get(restart.name());
    if (t != null) {
      t.restarts.merge(restart.reason(), 1L, Long::sum);
      t.lastRestartAt = now;
    }
  }

  /**
   * The restart failed: counted, then judged again like a new end, so it is retried after
   * the next backoff or given up.
   */
  public synchronized Optional<Decision> restartFailed(Decision restart, ContainerFacts facts,
      String error, Instant now) {
    Tracked t = byName.get(restart.name());
    if (t == null) {
      return Optional.empty();
    }
    t.failures++;
    t.ownUntil = null;
    Decision next = decideRestart(t, facts, "retry", restart.reason(), now);
    return noted(Optional.of(withDetail(next, "restart failed: " + error)), now);
  }

  // ---- metrics -----------------------------------------------------------------------------

  /**
   * One watched container's numbers and where its watch stands.
   *
   * @param last the last decision about it, null before any
   * @param lastAt when it was made
   * @param dueAt when the restart that is due goes ahead; null when none is
   * @param gaveUpUntil while given up, when the window since giving up ends; else null
   * @param lastRestartAt when the last restart went through (or would have, in a dry run); null for none
   */
  public record Row(String name, boolean present, boolean gaveUp, boolean restartDue,
      Map<String, Long> restarts, long failures, Map<String, Long> skipped, Decision last,
      Instant lastAt, Instant dueAt, Instant gaveUpUntil, Instant lastRestartAt) {}

  /** Every watched container's numbers, by name. */
  public synchronized List<Row> snapshot(Instant now) {
    List<Row> rows = new ArrayList<>(byName.size());
    for (Tracked t : byName.values()) {
      boolean gaveUp = gaveUp(t, now);
      rows.add(new Row(t.name, t.present, gaveUp, t.pending != null,
          Map.copyOf(t.restarts), t.failures, new TreeMap<>(t.skipped), t.last, t.lastAt,
          t.pending == null ? null : t.dueAt, gaveUp ? t.gaveUpAt.plus(settings.window()) : null,
          t.lastRestartAt));
    }
    return rows;
  }

  // ---- the decisions -----------------------------------------------------------------------

  private Optional<Decision> judgeEnd(Tracked t, ContainerFacts facts, String trigger,
      Instant now, boolean sweep) {
    if (facts.exitCode() == 0) {
      return Optional.of(skip(t, facts, trigger, "exit_zero", ""));
    }
    boolean oom = facts.oomKilled()
        || (t.oomAt != null && !now.isAfter(t.oomAt.plus(settings.intentWindow())));
    if (!oom && sweep && isStopSignal(facts.exitCode())) {
      t.stoppedOnPurpose = true;
      return Optional.of(skip(t, facts, trigger, "stop_signal", "exit " + facts.exitCode()
          + " is a SIGINT/SIGKILL/SIGTERM death the events did not explain: presumed on purpose"));
    }
    return Optional.of(decideRestart(t, facts, trigger, oom ? OOM : EXIT_CODE, now));
  }

  private Optional<Decision> judgeUnhealthy(Tracked t, ContainerFacts facts, String trigger,
      Instant now) {
    String run = facts.runKey();
    if (run.equals(t.decidedUnhealthyRun) || isOwn(t, now)) {
      return Optional.empty();
    }
    t.decidedUnhealthyRun = run;
    return Optional.of(decideRestart(t, facts, trigger, UNHEALTHY, now));
  }

  private Decision decideRestart(Tracked t, ContainerFacts facts, String trigger, String reason,
      Instant now) {
    if (!enabled(reason)) {
      return skip(t, facts, trigger, "reason_disabled", "restart-on-" + reason.replace('_', '-')
          + " = false");
    }
    if (!reason.equals(UNHEALTHY) && facts.restartedByDocker()) {
      return skip(t, facts, trigger, "restart_policy", "Docker's restart policy "
          + facts.restartPolicy() + " restarts it");
    }
    if (facts.autoRemove()) {
      return skip(t, facts, trigger, "auto_remove", "run with --rm, removed when it stops");
    }
    if (gaveUp(t, now)) {
      return skip(t, facts, trigger, "gave_up", "gave up " + ago(t.gaveUpAt, now) + "; "
          + resetCondition());
    }
    if (t.pending != null) {
      return skip(t, facts, trigger, "backoff", "a restart is already due");
    }
    prune(t, now);
    int attempt = t.history.size() + 1;
    if (attempt > settings.maxRestarts()) {
      t.gaveUpAt = now;
      t.skipped.merge("gave_up", 1L, Long::sum);
      return new Decision(Action.GIVE_UP, t.name, facts.id(), trigger, "gave_up",
          exitCode(facts), settings.maxRestarts(), settings.maxRestarts(), null, null,
          settings.dryRun(), settings.maxRestarts() + " restarts within "
          + Decision.format(settings.window()) + " did not help (" + reason + "); "
          + resetCondition(), 0);
    }
    Duration delay = backoff(attempt);
    Duration next = attempt < settings.maxRestarts() ? backoff(attempt + 1) : null;
    Decision restart = new Decision(Action.RESTART, t.name, facts.id(), trigger, reason,
        exitCode(facts), attempt, settings.maxRestarts(), delay, next, settings.dryRun(),
        "", ++lastTicket);
    t.pending = restart;
    t.dueAt = now.plus(delay);
    return restart;
  }

  /** The wait before the n-th restart within the window. */
  Duration backoff(int attempt) {
    return restartBackoff.delay(attempt);
  }


  private Optional<Decision> intent(String id, String name, Map<String, String> labels,
      String trigger, String what, Instant now) {
    Tracked t = track(id, name, labels);
    if (t == null || isOwn(t, now)) {
      return Optional.empty();
    }
    t.intentAt = now;
    t.intent = what;
    if (t.pending != null) {
      t.stoppedOnPurpose = true;
      return Optional.of(cancel(t, trigger, "stopped_by_user", what));
    }
    return Optional.empty();
  }

  private Decision cancel(Tracked t, String trigger, String reason, String detail) {
    Decision pending = t.pending;
    t.pending = null;
    return count(t, pending.with(Action.CANCEL, trigger, reason, detail));
  }

  private Decision skip(Tracked t, ContainerFacts facts, String trigger, String reason,
      String detail) {
    return count(t, new Decision(Action.SKIP, t.name, facts.id(), trigger, reason,
        exitCode(facts), 0, settings.maxRestarts(), null, null, settings.dryRun(), detail, 0));
  }

  private Decision count(Tracked t, Decision skipped) {
    t.skipped.merge(skipped.reason(), 1L, Long::sum);
    return skipped;
  }

  /** Clears an expired give-up, and the restart budget of a container that ran long enough. */
  private Optional<Decision> refresh(Tracked t, Instant now) {
    boolean ranLongEnough = ranLongEnough(t, now);
    if (t.gaveUpAt != null) {
      boolean windowPassed = !now.isBefore(t.gaveUpAt.plus(settings.window()));
      if (windowPassed || ranLongEnough) {
        Instant gaveUpAt = t.gaveUpAt;
        t.gaveUpAt = null;
        t.history.clear();
        t.decidedDeath = null;
        t.decidedUnhealthyRun = null;
        return Optional.of(new Decision(Action.RESET, t.name, t.id, "housekeeping",
            windowPassed ? "window_passed" : "healthy", null, 0, settings.maxRestarts(), null,
            null, settings.dryRun(), "gave up " + ago(gaveUpAt, now)
            + "; watched again with a fresh budget", 0));
      }
    } else if (ranLongEnough) {
      t.history.clear();
    }
    return Optional.empty();
  }

  private boolean gaveUp(Tracked t, Instant now) {
    if (t.gaveUpAt == null) {
      return false;
    }
    return now.isBefore(t.gaveUpAt.plus(settings.window())) && !ranLongEnough(t, now);
  }

  /** Whether the container has been running, not unhealthy, for {@code healthy-after}. */
  private boolean ranLongEnough(Tracked t, Instant now) {
    return t.running && !t.unhealthy && t.stableSince != null
        && !now.isBefore(t.stableSince.plus(settings.healthyAfter()));
  }

  private void prune(Tracked t, Instant now) {
    Instant oldest = now.minus(settings.window());
    while (!t.history.isEmpty() && !t.history.peekFirst().isAfter(oldest)) {
      t.history.removeFirst();
    }
  }

  private boolean isOwn(Tracked t, Instant now) {
    return t.ownUntil != null && now.isBefore(t.ownUntil);
  }

  private boolean enabled(String reason) {
    return switch (reason) {
      case EXIT_CODE -> settings.restartOnExitCode();
      case OOM -> settings.restartOnOom();
      case UNHEALTHY -> settings.restartOnUnhealthy();
      default -> false;
    };
  }

  private String resetCondition() {
    return "watched again after " + Decision.format(settings.window()) + " or once it runs "
        + Decision.format(settings.healthyAfter());
  }

  private static String ago(Instant then, Instant now) {
    return Decision.format(Duration.between(then, now)) + " ago";
  }

  /** A running container has no exit code worth logging. */
  private static Long exitCode(ContainerFacts facts) {
    return facts.running() ? null : facts.exitCode();
  }

  /** SIGINT, SIGKILL and SIGTERM deaths: what a person or an orchestrator sends. */
  private static boolean isStopSignal(long exitCode) {
    return exitCode == 130 || exitCode == 137 || exitCode == 143;
  }

  private static Decision withDetail(Decision d, String detail) {
    String joined = d.detail().isEmpty() ? detail : detail + "; " + d.detail();
    return new Decision(d.action(), d.name(), d.id(), d.trigger(), d.reason(), d.exitCode(),
        d.attempt(), d.maxRestarts(), d.delay(), d.nextBackoff(), d.dryRun(), joined, d.ticket());
  }

  /** Keeps {@code decision} as its container's last, made at {@code now}. */
  private Optional<Decision> noted(Optional<Decision> decision, Instant now) {
    decision.ifPresent(d -> {
      Tracked t = byName.get(d.name());
      if (t != null) {
        t.last = d;
        t.lastAt = now;
      }
    });
    return decision;
  }

  /** The state of a watched name, or null when the container is not watched. */
  private Tracked track(String id, String name, Map<String, String> labels) {
    if (name == null) {
      return null;
    }
    Tracked t = byName.get(name);
    if (t == null) {
      if (!isWatched(name, labels)) {
        return null;
      }
      t = new Tracked(name);
      byName.put(name, t);
    } else if (!settings.containers().contains(name) && labels != null && !labels.isEmpty()
        && !isWatched(name, labels)) {
      // The name now belongs to a container without the label.
      if (t.pending == null) {
        forget(t);
      }
      return null;
    }
    if (id != null && !id.equals(t.id)) {
      if (t.id != null) {
        t.newContainer();
      }
      t.id = id;
    }
    return t;
  }

  private void forget(Tracked t) {
    if (settings.containers().contains(t.name)) {
      t.present = false;
      t.running = false;
      t.pending = null;
      t.newContainer();
    } else {
      byName.remove(t.name);
    }
  }

  /** Per watched name; a new container under the same name keeps the budget and counters. */
  private static final class Tracked {
    final String name;
    String id;
    boolean present;
    boolean running;
    boolean unhealthy;
    Instant stableSince;
    Instant intentAt;
    String intent;
    Instant oomAt;
    Instant ownUntil;
    boolean stoppedOnPurpose;
    String decidedDeath;
    String decidedUnhealthyRun;
    Decision pending;
    /** When {@link #pending} goes ahead. */
    Instant dueAt;
    /** The last decision and when it was made; they outlive a new container under the name. */
    Decision last;
    Instant lastAt;
    Instant lastRestartAt;
    final Deque<Instant> history = new ArrayDeque<>();
    Instant gaveUpAt;
    final Map<String, Long> restarts = new TreeMap<>();
    long failures;
    final Map<String, Long> skipped = new TreeMap<>();

    Tracked(String name) {
      this.name = name;
    }

    void newContainer() {
      id = null;
      running = false;
      unhealthy = false;
      stableSince = null;
      intentAt = null;
      intent = null;
      oomAt = null;
      ownUntil = null;
      stoppedOnPurpose = false;
      decidedDeath = null;
      decidedUnhealthyRun = null;
    }
  }
}
