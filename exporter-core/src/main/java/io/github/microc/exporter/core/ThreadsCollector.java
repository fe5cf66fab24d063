package io.github.microc.exporter.core;

import static io.github.microc.exporter.core.SingleValue.counter;
import static io.github.microc.exporter.core.SingleValue.gauge;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.AbstractOwnableSynchronizer;
import java.util.concurrent.locks.LockSupport;

/**
 * The exporter's own {@code jvm_threads_*} metrics: client_java's {@link JvmThreadsMetrics}, with
 * the same names, help, labels and values, for less. client_java reads the states through the
 * MXBean and runs two deadlock searches per scrape, and each of these VM operations stops every
 * thread at a safepoint. A thread's state is a field of the thread, so the states are read from
 * the threads, found through their groups. The search only follows threads blocked on a monitor
 * or parked on an ownable synchronizer, a cycle takes two of them, and deadlocked threads never
 * move again: with fewer than two such threads no search could find anything, so none runs, and
 * the monitor search runs only after the first found a deadlock, with two threads blocked. (A
 * thread waiting for a JVMTI raw monitor looks runnable, but JDK 17's search never closes a cycle
 * through one.) When the groups miss a live thread the MXBean counts, as JFR's recorder thread,
 * the MXBean is asked, as client_java does.
 *
 * <pre>
 * jvm_threads_current 31.0
 * jvm_threads_deadlocked 0.0
 * jvm_threads_state{state="RUNNABLE"} 9.0
 * </pre>
 */
final class ThreadsCollector implements MultiCollector {

  private static final MetricMetadata CURRENT =
      new MetricMetadata("jvm_threads_current", "Current thread count of a JVM");
  private static final MetricMetadata DAEMON =
      new MetricMetadata("jvm_threads_daemon", "Daemon thread count of a JVM");
  private static final MetricMetadata PEAK =
      new MetricMetadata("jvm_threads_peak", "Peak thread count of a JVM");
  private static final MetricMetadata STARTED =
      new MetricMetadata("jvm_threads_started", "Started thread count of a JVM");
  private static final MetricMetadata DEADLOCKED = new MetricMetadata("jvm_threads_deadlocked",
      "Cycles of JVM-threads that are in deadlock waiting to acquire object monitors or "
          + "ownable synchronizers");
  private static final MetricMetadata DEADLOCKED_MONITOR = new MetricMetadata(
      "jvm_threads_deadlocked_monitor",
      "Cycles of JVM-threads that are in deadlock waiting to acquire object monitors");
  private static final MetricMetadata STATE =
      new MetricMetadata("jvm_threads_state", "Current count of threads by state");
  private static final Thread.State[] STATES = Thread.State.values();
  private static final Labels[] STATE_LABELS = new Labels[STATES.length + 1];

  static {
    for (int i = 0; i < STATES.length; i++) {
      STATE_LABELS[i] = Labels.of("state", STATES[i].name());
    }
    STATE_LABELS[STATES.length] = Labels.of("state", "UNKNOWN");
  }

  private final ThreadMXBean threads;
  private final ThreadGroup root;

  ThreadsCollector(ThreadMXBean threads, ThreadGroup root) {
    this.threads = threads;
    this.root = root;
  }

  /**
   * Registers this, or client_java's JvmThreadsMetrics in a GraalVM native image, where it
   * leaves the deadlock and state families out.
   */
  static void register(PrometheusRegistry registry, PrometheusProperties config) {
    if (System.getProperty("org.graalvm.nativeimage.imagecode") != null) {
      JvmThreadsMetrics.builder(config).register(registry);
    } else {
      registry.register(new ThreadsCollector(ManagementFactory.getThreadMXBean(), rootGroup()));
    }
  }

  @Override
  public MetricSnapshots collect() {
    int current = threads.getThreadCount();
    Census census = census(root);
    int[] states;
    long[] deadlocked = null;
    long[] monitorDeadlocked = null;
    if (census.live() == current) {
      states = census.states();
      if (census.waitingToLock() >= 2) {
        deadlocked = threads.findDeadlockedThreads();
      }
      if (deadlocked != null && census.blocked() >= 2) {
        monitorDeadlocked = threads.findMonitorDeadlockedThreads();
      }
    } else {
      states = statesFromMXBean();
      deadlocked = threads.findDeadlockedThreads();
      monitorDeadlocked = deadlocked == null ? null : threads.findMonitorDeadlockedThreads();
    }
    return new MetricSnapshots(
        gauge(CURRENT, current),
        gauge(DAEMON, threads.getDaemonThreadCount()),
        gauge(PEAK, threads.getPeakThreadCount()),
        counter(STARTED, threads.getTotalStartedThreadCount()),
        gauge(DEADLOCKED, deadlocked == null ? 0 : deadlocked.length),
        gauge(DEADLOCKED_MONITOR, monitorDeadlocked == null ? 0 : monitorDeadlocked.length),
        states(states));
  }

  /**
   * Live threads by state (indexed by ordinal, then UNKNOWN: none here, as every thread has a
   * positive id), how many, how many are blocked on a monitor, and how many wait to lock: those
   * blocked, and those parked on an ownable synchronizer.
   */
  record Census(int[] states, int live, int blocked, int waitingToLock) {}

  /** The live threads in {@code root} and the groups under it. */
  static Census census(ThreadGroup root) {
    int active = root.activeCount();
    return census(root, active + active / 4 + 8);
  }

  /** As {@link #census(ThreadGroup)}, first trying an array of {@code capacity} threads. */
  static Census census(ThreadGroup root, int capacity) {
    Thread[] live = new Thread[Math.max(capacity, 1)];
    int n;
    // A full array may have left threads out.
    while ((n = root.enumerate(live, true)) == live.length) {
      live = new Thread[live.length * 2];
    }
    int[] states = new int[STATES.length + 1];
    int blocked = 0;
    int parked = 0;
    for (int i = 0; i < n; i++) {
      Thread.State state = live[i].getState();
      states[state.ordinal()]++;
      if (state == Thread.State.BLOCKED) {
        blocked++;
      } else if (LockSupport.getBlocker(live[i]) instanceof AbstractOwnableSynchronizer) {
        parked++;
      }
    }
    return new Census(states, n, blocked, blocked + parked);
  }

  /** client_java's count: ids that are not positive count as UNKNOWN. */
  private int[] statesFromMXBean() {
    long[] ids = threads.getAllThreadIds();
    int valid = 0;
    for (long id : ids) {
      if (id > 0) {
        ids[valid++] = id;
      }
    }
    int[] counts = new int[STATES.length + 1];
    counts[STATES.length] = ids.length - valid;
    long[] validIds = valid == ids.length ? ids : Arrays.copyOf(ids, valid);
    for (ThreadInfo info : threads.getThreadInfo(validIds, 0)) {
      if (info != null) {
        counts[info.getThreadState().ordinal()]++;
      }
    }
    return counts;
  }

  /** Every state listed, UNKNOWN last. */
  private static GaugeSnapshot states(int[] counts) {
    List<GaugeDataPointSnapshot> points = new ArrayList<>(counts.length);
    for (int i = 0; i < counts.length; i++) {
      points.add(new GaugeDataPointSnapshot(counts[i], STATE_LABELS[i], null));
    }
    return new GaugeSnapshot(STATE, points);
  }

  private static ThreadGroup rootGroup() {
    ThreadGroup group = Thread.currentThread().getThreadGroup();
    while (group.getParent() != null) {
      group = group.getParent();
    }
    return group;
  }
}
