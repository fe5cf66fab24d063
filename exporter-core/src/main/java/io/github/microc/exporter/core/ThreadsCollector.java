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

/**
 * The exporter's own {@code jvm_threads_*} metrics: client_java's {@link JvmThreadsMetrics}, with
 * the same names, help, labels and values, for less. Each deadlock search stops every thread at
 * a safepoint; client_java runs two per scrape, one for any deadlock and one for monitor
 * deadlocks. A monitor deadlock is a deadlock, so when the first search finds none, the second
 * cannot find one either and is not run.
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

  ThreadsCollector(ThreadMXBean threads) {
    this.threads = threads;
  }

  /**
   * Registers this, or client_java's JvmThreadsMetrics in a GraalVM native image, where it
   * leaves the deadlock and state families out.
   */
  static void register(PrometheusRegistry registry, PrometheusProperties config) {
    if (System.getProperty("org.graalvm.nativeimage.imagecode") != null) {
      JvmThreadsMetrics.builder(config).register(registry);
    } else {
      registry.register(new ThreadsCollector(ManagementFactory.getThreadMXBean()));
    }
  }

  @Override
  public MetricSnapshots collect() {
    long[] deadlocked = threads.findDeadlockedThreads();
    long[] monitorDeadlocked = deadlocked == null ? null : threads.findMonitorDeadlockedThreads();
    return new MetricSnapshots(
        gauge(CURRENT, threads.getThreadCount()),
        gauge(DAEMON, threads.getDaemonThreadCount()),
        gauge(PEAK, threads.getPeakThreadCount()),
        counter(STARTED, threads.getTotalStartedThreadCount()),
        gauge(DEADLOCKED, deadlocked == null ? 0 : deadlocked.length),
        gauge(DEADLOCKED_MONITOR, monitorDeadlocked == null ? 0 : monitorDeadlocked.length),
        states());
  }

  /** Threads by state, every state listed; ids that are not positive count as UNKNOWN. */
  private GaugeSnapshot states() {
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
    List<GaugeDataPointSnapshot> points = new ArrayList<>(counts.length);
    for (int i = 0; i < counts.length; i++) {
      points.add(new GaugeDataPointSnapshot(counts[i], STATE_LABELS[i], null));
    }
    return new GaugeSnapshot(STATE, points);
  }
}
