package io.github.microc.exporter.docker;

import io.github.microc.exporter.core.spi.StatusTable;
import io.github.microc.exporter.docker.cgroup.ContainerStats;
import io.github.microc.exporter.docker.metadata.ContainerCache;
import io.github.microc.exporter.docker.metadata.ContainerInfo;
import io.github.microc.exporter.docker.watchdog.WatchdogStatus;
import io.github.microc.exporter.docker.watchdog.WatchdogStatus.Watch;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The landing page's table of containers: one row per container the collector exports, from
 * state already kept: the metadata cache (name, image, state, health, uptime, restarts,
 * allow-listed labels), the last scrapes' cgroup figures ({@link ScrapeHistory}: CPU, memory)
 * and the watchdog of the same daemon ({@link WatchdogStatus}: its decision, the next restart).
 * Nothing here calls Docker or reads a file. Thread-safe.
 */
final class ContainersTable {

  static final List<String> COLUMNS = List.of("Name", "Image", "State", "Health", "Up",
      "CPU (last scrapes)", "Memory (working set / limit)", "Restarts", "Labels",
      "Watchdog", "Next restart");
  /** A label value longer than this is cut: the page shows it, /metrics has it whole. */
  static final int MAX_LABEL_CHARS = 120;

  private final String host;
  private final ContainerSettings settings;
  private final ContainerCache cache;
  private final ScrapeHistory history;
  private final Supplier<Optional<WatchdogStatus>> watchdog;
  private final Clock clock;
  private final LongSupplier nanoTime;

  ContainersTable(String host, ContainerSettings settings, ContainerCache cache,
      ScrapeHistory history, Supplier<Optional<WatchdogStatus>> watchdog, Clock clock,
      LongSupplier nanoTime) {
    this.host = host;
    this.settings = settings;
    this.cache = cache;
    this.history = history;
    this.watchdog = watchdog;
    this.clock = clock;
    this.nanoTime = nanoTime;
  }

  StatusTable table() {
    ContainerCache.Snapshot snapshot = cache.snapshot();
    Optional<WatchdogStatus> dog = watchdog.get();
    Instant now = clock.instant();
    long nanos = nanoTime.getAsLong();
    List<ContainerInfo> shown = snapshot.containers().values().stream()
        .filter(settings::selects)
        .sorted(Comparator.comparing(ContainerInfo::name).thenComparing(ContainerInfo::id))
        .toList();
    List<List<String>> rows = new ArrayList<>(shown.size());
    Set<String> names = new HashSet<>();
    for (ContainerInfo c : shown) {
      names.add(c.name());
      Watch watch = dog.map(d -> d.byName().get(c.name())).orElse(null);
      ScrapeHistory.Figures f = c.running() ? history.figures(c.id(), nanos) : null;
      rows.add(List.of(c.name(), c.image(), state(c), c.health(),
          c.running() && c.startedAt() != null ? duration(Duration.between(c.startedAt(), now)) : "",
          cpu(f), memory(f, c), restarts(c, watch), labels(c),
          watch == null ? (dog.isPresent() ? "not watched" : "") : watch.decision(),
          watch == null ? "" : watch.nextRestart()));
    }
    // Listed names the watchdog waits for, which no container has.
    dog.ifPresent(d -> d.byName().values().stream()
        .filter(w -> !names.contains(w.name()) && !w.present())
        .forEach(w -> rows.add(List.of(w.name(), "", "no such container", "", "", "", "",
            w.restarts() == 0 ? "" : "watchdog " + w.restarts(), "", w.decision(), w.nextRestart()))));
    return new StatusTable("Containers", note(snapshot, shown.size(), dog, nanos), COLUMNS, rows);
  }

  private String note(ContainerCache.Snapshot snapshot, int count, Optional<WatchdogStatus> dog,
      long nanos) {
    StringBuilder note = new StringBuilder();
    if (!snapshot.synced()) {
      note.append("The Docker daemon at ").append(host)
          .append(" has not answered since the start: no containers known yet (microc_docker_up 0).");
    } else if (!snapshot.up()) {
      note.append("The Docker daemon at ").append(host)
          .append(" does not answer (microc_docker_up 0): the containers as last seen.");
    } else {
      note.append(count == 0 ? "No containers" : count == 1 ? "1 container" : count + " containers")
          .append(" on ").append(host).append('.');
    }
    if (count > 0) {
      long last = history.lastScrapeNanos();
      note.append(last == Long.MIN_VALUE
          ? " CPU and memory appear once /metrics has been scraped (twice for CPU)."
          : " CPU and memory as of the last scrapes of /metrics, the latest "
              + ago(nanos - last) + ".");
    }
    if (dog.isEmpty()) {
      note.append(" No watchdog watches this daemon.");
    } else {
      WatchdogStatus d = dog.get();
      note.append(" The watchdog").append(d.dryRun() ? " (dry run: it restarts nothing)" : "")
          .append(d.connected() ? " follows the daemon's events."
              : " does not follow the daemon's events now: no restarts meanwhile.");
    }
    return note.toString();
  }

  private static String state(ContainerInfo c) {
    if (c.state().equals("exited") || c.state().equals("dead")) {
      return c.state() + " (" + c.exitCode() + (c.oomKilled() ? ", OOM-killed" : "") + ")";
    }
    return c.state();
  }

  private static String cpu(ScrapeHistory.Figures f) {
    if (f == null || Double.isNaN(f.cpuCores())) {
      return "";
    }
    return String.format(Locale.ROOT, "%.1f %% over %s", f.cpuCores() * 100,
        duration(Duration.ofNanos(f.windowNanos())));
  }

  private static String memory(ScrapeHistory.Figures f, ContainerInfo c) {
    if (f == null || f.workingSet() == ContainerStats.UNKNOWN) {
      return "";
    }
    long limit = f.memoryLimit() > 0 ? f.memoryLimit() : Math.max(c.memoryLimit(), 0);
    if (limit == 0) {
      return bytes(f.workingSet()) + ", no limit";
    }
    return String.format(Locale.ROOT, "%s / %s (%.0f %%)", bytes(f.workingSet()), bytes(limit),
        100.0 * f.workingSet() / limit);
  }

  private static String restarts(ContainerInfo c, Watch watch) {
    String docker = Long.toString(c.restartCount());
    return watch == null || watch.restarts() == 0 ? docker : docker + ", watchdog " + watch.restarts();
  }

  private String labels(ContainerInfo c) {
    StringBuilder out = new StringBuilder();
    for (String key : settings.labelAllowList()) {
      String value = c.labels().get(key);
      if (value == null) {
        continue;
      }
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(key).append('=').append(value.length() <= MAX_LABEL_CHARS ? value
          : value.substring(0, MAX_LABEL_CHARS) + "…");
    }
    return out.toString();
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
  }

  /** {@code 45s}, {@code 12m}, {@code 3h12m}, {@code 5d3h}. */
  static String duration(Duration d) {
    long s = Math.max(d.toSeconds(), 0);
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return s / 60 + "m" + (s % 60 == 0 ? "" : s % 60 + "s");
    }
    if (s < 86_400) {
      return s / 3600 + "h" + (s % 3600 / 60 == 0 ? "" : s % 3600 / 60 + "m");
    }
    return s / 86_400 + "d" + (s % 86_400 / 3600 == 0 ? "" : s % 86_400 / 3600 + "h");
  }

  private static String ago(long nanos) {
    return nanos < 1_000_000_000L ? "just now" : duration(Duration.ofNanos(nanos)) + " ago";
  }
}
