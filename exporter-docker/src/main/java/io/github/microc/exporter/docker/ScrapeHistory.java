package io.github.microc.exporter.docker;

import io.github.microc.exporter.docker.cgroup.ContainerStats;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each running container's CPU time and memory at the last scrapes, kept by the containers
 * collector as it scrapes so that the landing page shows CPU use and memory without reading a
 * file: a few numbers a container, written in place. Samples less than a second apart replace
 * the newest instead of pushing the oldest out, so that frequent scrapes do not shrink the
 * window. A container's samples start again when its main process or its CPU counter goes back
 * (a restart). Thread-safe: written by the collection, read by the page.
 */
final class ScrapeHistory {

  /** Samples kept per container: the CPU use is over up to this many minus one intervals. */
  static final int KEPT = 6;
  static final long MIN_SPACING_NANOS = 1_000_000_000L;

  private final Map<String, Samples> byId = new ConcurrentHashMap<>();
  private long generation;

  /**
   * The figures of one container for the page.
   *
   * @param cpuCores CPU time used per second of the window (1.0: one CPU busy); NaN with less
   *     than two samples or no CPU figures
   * @param windowNanos the time the CPU use is measured over
   * @param workingSet the working set at the last scrape, {@link ContainerStats#UNKNOWN} when not read
   * @param memoryLimit the memory limit at the last scrape, 0 for none, {@link ContainerStats#UNKNOWN}
   * @param ageNanos how long ago the last scrape was
   */
  record Figures(double cpuCores, long windowNanos, long workingSet, long memoryLimit, long ageNanos) {}

  /** The containers of one scrape at {@code nanoTime}; those that are not in it are dropped. */
  synchronized void record(List<ContainerRow> rows, long nanoTime) {
    long gen = ++generation;
    int seen = 0;
    for (ContainerRow r : rows) {
      if (r.info() == null || r.stats() == null) {
        continue;
      }
      Samples s = byId.get(r.info().id());
      if (s == null) {
        s = new Samples();
        byId.put(r.info().id(), s);
      }
      s.add(nanoTime, r.info().pid(), r.stats(), gen);
      seen++;
    }
    if (byId.size() > seen) {
      byId.values().removeIf(s -> s.generation != gen);
    }
  }

  /** The container's figures; null when no scrape read it. */
  Figures figures(String id, long nowNanos) {
    Samples s = byId.get(id);
    return s == null ? null : s.figures(nowNanos);
  }

  /** The last scrape's time, {@link Long#MIN_VALUE} when none had a running container. */
  long lastScrapeNanos() {
    long last = Long.MIN_VALUE;
    for (Samples s : byId.values()) {
      last = Math.max(last, s.newest());
    }
    return last;
  }

  private static final class Samples {
    private final long[] at = new long[KEPT];
    private final long[] cpu = new long[KEPT];
    /** Index of the oldest sample, and how many there are. */
    private int first;
    private int count;
    private long pid;
    private long workingSet;
    private long memoryLimit;
    private volatile long generation;

    synchronized void add(long nanoTime, long pid, ContainerStats stats, long gen) {
      generation = gen;
      workingSet = stats.memoryWorkingSet();
      memoryLimit = stats.memoryLimit();
      long used = stats.cpuUsageNanos();
      int newest = (first + count - 1) % KEPT;
      if (count > 0 && (pid != this.pid || used < cpu[newest] || used < 0)) {
        count = 0;
      }
      this.pid = pid;
      if (count > 0 && nanoTime - at[newest] < MIN_SPACING_NANOS) {
        if (count > 1) {
          at[newest] = nanoTime;
          cpu[newest] = used;
          return;
        }
        // One sample only: keep it as the window's start and add this one after it.
      }
      if (count == KEPT) {
        first = (first + 1) % KEPT;
        count--;
      }
      int slot = (first + count) % KEPT;
      at[slot] = nanoTime;
      cpu[slot] = used;
      count++;
    }

    synchronized Figures figures(long nowNanos) {
      int newest = (first + count - 1) % KEPT;
      double cores = Double.NaN;
      long window = 0;
      if (count >= 2 && cpu[first] >= 0) {
        window = at[newest] - at[first];
        cores = window <= 0 ? Double.NaN : (double) (cpu[newest] - cpu[first]) / window;
      }
      return new Figures(cores, window, workingSet, memoryLimit, nowNanos - at[newest]);
    }

    synchronized long newest() {
      return count == 0 ? Long.MIN_VALUE : at[(first + count - 1) % KEPT];
    }
  }
}
