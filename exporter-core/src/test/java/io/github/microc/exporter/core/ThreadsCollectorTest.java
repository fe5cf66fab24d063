package io.github.microc.exporter.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.config.PrometheusProperties;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;

/** {@link ThreadsCollector} against client_java's JvmThreadsMetrics, in the same JVM. */
class ThreadsCollectorTest {

  @Test
  void sameFamiliesAsClientJava() {
    Map<String, MetricSnapshot> ours = byName(ours());
    Map<String, MetricSnapshot> theirs = byName(theirs());

    assertThat(ours.keySet()).containsExactlyInAnyOrderElementsOf(theirs.keySet()).hasSize(7);
    for (String name : ours.keySet()) {
      MetricSnapshot a = ours.get(name);
      MetricSnapshot b = theirs.get(name);
      assertThat(a.getClass()).as(name).isEqualTo(b.getClass());
      assertThat(a.getMetadata().getHelp()).as(name).isEqualTo(b.getMetadata().getHelp());
      assertThat(labels(a)).as(name).isEqualTo(labels(b));
    }
    assertThat(value(ours, "jvm_threads_deadlocked")).isZero().isEqualTo(value(theirs, "jvm_threads_deadlocked"));
    assertThat(value(ours, "jvm_threads_deadlocked_monitor")).isZero();
    assertThat(value(ours, "jvm_threads_current")).isPositive();
  }

  /**
   * Deadlocked threads stay so for the life of their JVM, so the deadlocks are made in a JVM of
   * their own: {@link Deadlocks#main} prints both collectors' counts.
   */
  @Test
  void deadlocksCountedAsClientJavaCountsThem() throws Exception {
    Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Deadlocks.class.getName())
        .redirectErrorStream(true).start();
    String out = new String(java.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(java.waitFor(30, TimeUnit.SECONDS)).isTrue();

    // 4 threads in deadlocks, 2 of them on monitors; the same from client_java.
    assertThat(out).isEqualTo("4.0 2.0 4.0 2.0");
  }

  /** Two threads deadlocked on ReentrantLocks, two on monitors; prints the four counts. */
  static final class Deadlocks {
    public static void main(String[] args) throws Exception {
      ReentrantLock a = new ReentrantLock();
      ReentrantLock b = new ReentrantLock();
      Object c = new Object();
      Object d = new Object();
      CountDownLatch locked = new CountDownLatch(4);
      stuck(() -> { a.lock(); locked.countDown(); awaitQuietly(locked); b.lock(); });
      stuck(() -> { b.lock(); locked.countDown(); awaitQuietly(locked); a.lock(); });
      stuck(() -> { synchronized (c) { locked.countDown(); awaitQuietly(locked); synchronized (d) { } } });
      stuck(() -> { synchronized (d) { locked.countDown(); awaitQuietly(locked); synchronized (c) { } } });
      locked.await();
      long[] found = null;
      for (int i = 0; i < 250 && (found == null || found.length < 4); i++) {
        Thread.sleep(20);
        found = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
      }
      Map<String, MetricSnapshot> ours = byName(ours());
      Map<String, MetricSnapshot> theirs = byName(theirs());
      System.out.println(value(ours, "jvm_threads_deadlocked") + " " + value(ours, "jvm_threads_deadlocked_monitor")
          + " " + value(theirs, "jvm_threads_deadlocked") + " " + value(theirs, "jvm_threads_deadlocked_monitor"));
      System.exit(0);
    }

    private static void stuck(Runnable body) {
      Thread t = new Thread(body, "deadlocked");
      t.setDaemon(true);
      t.start();
    }

    private static void awaitQuietly(CountDownLatch latch) {
      try {
        latch.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static MetricSnapshots ours() {
    PrometheusRegistry registry = new PrometheusRegistry();
    ThreadsCollector.register(registry, PrometheusProperties.get());
    return registry.scrape();
  }

  private static MetricSnapshots theirs() {
    PrometheusRegistry registry = new PrometheusRegistry();
    JvmThreadsMetrics.builder(PrometheusProperties.get()).register(registry);
    return registry.scrape();
  }

  private static Map<String, MetricSnapshot> byName(MetricSnapshots snapshots) {
    Map<String, MetricSnapshot> result = new LinkedHashMap<>();
    snapshots.forEach(s -> result.put(s.getMetadata().getName(), s));
    return result;
  }

  private static List<String> labels(MetricSnapshot snapshot) {
    return snapshot.getDataPoints().stream().map(p -> p.getLabels().toString()).sorted().toList();
  }

  private static double value(Map<String, MetricSnapshot> families, String name) {
    DataPointSnapshot point = families.get(name).getDataPoints().get(0);
    return ((GaugeDataPointSnapshot) point).getValue();
  }
}
