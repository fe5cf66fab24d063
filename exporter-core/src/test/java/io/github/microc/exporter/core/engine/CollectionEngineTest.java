package io.github.microc.exporter.core.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.testing.Exposition;
import io.github.microc.exporter.core.testing.TestPlugins;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class CollectionEngineTest {

  private final List<Microc> started = new ArrayList<>();

  @AfterEach
  void close() {
    started.forEach(Microc::close);
  }

  private Microc microc(List<CollectorPlugin> plugins, Map<String, Object> settings) {
    Microc.Builder builder = Microc.builder().plugins(plugins).environment(Map.of());
    settings.forEach((k, v) -> builder.set(k, v, "test"));
    Microc microc = builder.build();
    started.add(microc);
    return microc;
  }

  @Test
  void throwingCollectorIsReportedAndTheRestIsKept() {
    Microc microc = microc(List.of(TestPlugins.constant("good"), TestPlugins.throwing("bad", "boom")), Map.of());

    String text = Exposition.text(microc.engine().collect());

    assertThat(text)
        .contains("test_good_value 1.0")
        .contains("microc_scrape_collector_success{collector=\"bad\"} 0.0")
        .contains("microc_scrape_collector_success{collector=\"good\"} 1.0")
        .contains("microc_scrape_collector_duration_seconds{collector=\"bad\"}")
        .contains("microc_build_info{");
    assertThat(microc.engine().statuses())
        .filteredOn(s -> s.name().equals("bad"))
        .singleElement()
        .satisfies(s -> assertThat(s.lastError()).isEqualTo("IllegalStateException: boom"));
  }

  @Test
  void collectorWithoutASourceOnThisHostIsReportedAsNoData() {
    Microc microc = microc(List.of(TestPlugins.constant("good"), TestPlugins.of("absent", () -> {
      throw new NoDataException("no hwmon chips under /sys/class/hwmon");
    })), Map.of());

    String text = Exposition.text(microc.engine().collect());

    assertThat(text)
        .contains("microc_scrape_collector_success{collector=\"absent\"} 0.0")
        .contains("microc_scrape_collector_success{collector=\"good\"} 1.0");
    assertThat(microc.engine().statuses())
        .filteredOn(s -> s.name().equals("absent"))
        .singleElement()
        .satisfies(s -> assertThat(s.lastError()).isEqualTo("no data: no hwmon chips under /sys/class/hwmon"));
  }

  @Test
  void collectorThatFailsAfterPartOfItsMetricsExposesThatPartAndIsReportedFailed() {
    Microc microc = microc(List.of(
        TestPlugins.of("half", () -> {
          throw new PartialCollectionException(
              List.of(MetricFamily.gauge("test_half_first", "Gathered before the failure.", 7)),
              new IllegalArgumentException("second file garbled"));
        }),
        TestPlugins.of("halfabsent", () -> {
          throw new PartialCollectionException(
              List.of(MetricFamily.gauge("test_halfabsent_first", "Gathered before.", 8)),
              new NoDataException("no second file"));
        })), Map.of());

    String text = Exposition.text(microc.engine().collect());

    assertThat(text)
        .contains("test_half_first 7.0", "test_halfabsent_first 8.0")
        .contains("microc_scrape_collector_success{collector=\"half\"} 0.0")
        .contains("microc_scrape_collector_success{collector=\"halfabsent\"} 0.0");
    assertThat(microc.engine().statuses()).filteredOn(s -> s.name().startsWith("half"))
        .extracting(s -> s.lastError())
        .containsExactlyInAnyOrder("IllegalArgumentException: second file garbled",
            "no data: no second file");
  }

  /**
   * The slow collector ignores interrupts and is let go only after the scrape returned: a
   * scrape that waited for it would never return (the test's timeout fails it), so returning at
   * all shows that the scrape waited for the timeout alone, whatever the machine's load.
   */
  @Test
  @Timeout(60)
  void slowCollectorTimesOutAndTheScrapeReturnsWithoutIt() {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger finished = new AtomicInteger();
    Microc microc = microc(
        List.of(TestPlugins.constant("good"), stuckUntil("slow", release, finished),
            TestPlugins.throwing("bad", "boom")),
        Map.of("microc.collectors.slow.timeout", "500ms"));

    long start = System.nanoTime();
    String text = Exposition.text(microc.engine().collect());
    long took = System.nanoTime() - start;
    int finishedBeforeRelease = finished.get();
    release.countDown();
    System.out.printf("CollectionEngineTest: a scrape with a 500 ms timeout took %d ms%n", took / 1_000_000);

    assertThat(finishedBeforeRelease).as("the slow collection was still running").isZero();
    assertThat(text)
        .contains("test_good_value 1.0")
        .doesNotContain("test_slow_value")
        .contains("microc_scrape_collector_success{collector=\"slow\"} 0.0")
        .contains("microc_scrape_collector_duration_seconds{collector=\"slow\"} 0.5\n");
    assertThat(microc.engine().statuses())
        .filteredOn(s -> s.name().equals("slow"))
        .singleElement()
        .satisfies(s -> assertThat(s.lastError()).isEqualTo("timed out after 0.5s"));
  }

  /** A collector that ignores interrupts until {@code release}, then counts itself finished. */
  private static CollectorPlugin stuckUntil(String name, CountDownLatch release, AtomicInteger finished) {
    return TestPlugins.of(name, () -> {
      while (true) {
        try {
          if (release.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
            break;
          }
        } catch (InterruptedException ignored) {
          // Ignores interrupts on purpose.
        }
      }
      finished.incrementAndGet();
      return MetricSnapshots.of(MetricFamily.gauge("test_" + name + "_value", "h", 1));
    });
  }

  @Test
  void collectorThatIgnoresItsTimeoutIsNotStartedAgainWhileStuck() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    CollectorPlugin stubborn = TestPlugins.of("stubborn", () -> {
      runs.incrementAndGet();
      while (true) {
        try {
          if (release.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
            break;
          }
        } catch (InterruptedException ignored) {
          // Ignores interrupts on purpose.
        }
      }
      return MetricSnapshots.of(MetricFamily.gauge("test_stubborn_value", "h", 1));
    });
    Microc microc = microc(List.of(stubborn), Map.of("microc.collectors.stubborn.timeout", "200ms"));

    // A flight no pool thread started within its timeout is withdrawn, not left running: on a
    // loaded machine that can be the first one's fate, so collect until one has started.
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    do {
      microc.engine().collect();
    } while (runs.get() == 0 && System.nanoTime() < deadline);
    String second = Exposition.text(microc.engine().collect());
    release.countDown();

    assertThat(runs).hasValue(1);
    // Not started, so not waited for: answered at once, without its timeout.
    assertThat(second).contains("microc_scrape_collector_duration_seconds{collector=\"stubborn\"} 0.0\n");
    assertThat(second).contains("microc_scrape_collector_success{collector=\"stubborn\"} 0.0");
    assertThat(microc.engine().statuses().get(0).lastError()).startsWith("previous collection still running");
  }

  /**
   * The stuck ones are let go only after the scrape returned: a scrape or a quick collector that
   * waited for them would never finish (the test's timeout fails it); each quick one succeeds
   * within its own 1 s timeout though queued behind them. Their durations are printed.
   */
  @Test
  @Timeout(60)
  void collectorsStuckOnEveryThreadOfTheScrapeDoNotHoldUpTheRest() {
    // More stuck collectors than a scrape starts threads with, named so that they sort (and
    // are queued) before the quick ones; each ignores interrupts until released.
    int stuckCount = Batch.THREADS + 1;
    CountDownLatch release = new CountDownLatch(1);
    List<CollectorPlugin> plugins = new ArrayList<>();
    Map<String, Object> settings = new java.util.HashMap<>();
    for (int i = 0; i < stuckCount; i++) {
      String name = "a_stuck_" + i;
      plugins.add(TestPlugins.of(name, () -> {
        while (true) {
          try {
            if (release.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
              return MetricSnapshots.of(MetricFamily.gauge("test_" + name, "h", 1));
            }
          } catch (InterruptedException ignored) {
            // Ignores interrupts on purpose.
          }
        }
      }));
      settings.put("microc.collectors." + name + ".timeout", "1s");
    }
    for (int i = 0; i < 6; i++) {
      plugins.add(TestPlugins.constant("quick_" + i));
      settings.put("microc.collectors.quick_" + i + ".timeout", "1s");
    }
    Microc microc = microc(plugins, settings);

    long start = System.nanoTime();
    String text = Exposition.text(microc.engine().collect());
    long took = System.nanoTime() - start;
    release.countDown();

    List<String> durations = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String quick = "quick_" + i;
      assertThat(text).contains("microc_scrape_collector_success{collector=\"" + quick + "\"} 1.0");
      java.util.regex.Matcher duration = java.util.regex.Pattern.compile(
          "microc_scrape_collector_duration_seconds\\{collector=\"" + quick + "\"} (\\S+)").matcher(text);
      assertThat(duration.find()).isTrue();
      durations.add(duration.group(1));
    }
    for (int i = 0; i < stuckCount; i++) {
      assertThat(text).contains("microc_scrape_collector_success{collector=\"a_stuck_" + i + "\"} 0.0");
    }
    System.out.printf("CollectionEngineTest: with %d stuck collectors the scrape took %d ms, the quick"
        + " ones %s s%n", stuckCount, took / 1_000_000, durations);
  }

  /**
   * The collections are held until all eight scrapes are inside the engine (each scrape's thread
   * has called collect and is parked there), so that they overlap however the machine schedules
   * them; then let go.
   */
  @Test
  @Timeout(60)
  void eightConcurrentScrapesRunEachCollectorOnce() throws Exception {
    AtomicInteger a = new AtomicInteger();
    AtomicInteger b = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    Microc microc = microc(List.of(held("a", a, release), held("b", b, release)),
        Map.of("microc.collectors.a.timeout", "60s", "microc.collectors.b.timeout", "60s"));
    List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "scrape-" + threads.size());
      threads.add(t);
      return t;
    });
    AtomicInteger entering = new AtomicInteger();
    List<Future<String>> scrapes = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Callable<String> scrape = () -> {
        entering.incrementAndGet();
        return Exposition.text(microc.engine().collect());
      };
      scrapes.add(pool.submit(scrape));
    }
    while (entering.get() < 8 || threads.stream().anyMatch(t -> t.getState() == Thread.State.RUNNABLE
        || t.getState() == Thread.State.NEW)) {
      Thread.sleep(10);
    }
    release.countDown();
    for (Future<String> scrape : scrapes) {
      assertThat(scrape.get()).contains("test_a_collections 1.0").contains("test_b_collections 1.0");
    }
    pool.shutdown();

    assertThat(a).hasValue(1);
    assertThat(b).hasValue(1);
    Exposition.text(microc.engine().collect());
    assertThat(a).as("a later scrape collects again").hasValue(2);
  }

  /** Counts its collections; each waits for {@code release}. */
  private static CollectorPlugin held(String name, AtomicInteger count, CountDownLatch release) {
    return TestPlugins.of(name, () -> {
      int n = count.incrementAndGet();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
      return MetricSnapshots.of(MetricFamily.gauge("test_" + name + "_collections", "Collections so far.", n));
    });
  }

  @Test
  void minIntervalReusesTheLastGoodResult() {
    AtomicInteger count = new AtomicInteger();
    Microc microc = microc(List.of(TestPlugins.counting("cached", count, Duration.ZERO)),
        Map.of("microc.collectors.cached.min-interval", "1h"));

    microc.engine().collect();
    String second = Exposition.text(microc.engine().collect());

    assertThat(count).hasValue(1);
    assertThat(second).contains("test_cached_collections 1.0");
  }

  @Test
  void collectAndExcludePickCollectors() {
    Microc microc = microc(List.of(TestPlugins.constant("one"), TestPlugins.constant("two")), Map.of());
    CollectionEngine engine = microc.engine();

    assertThat(engine.select(new String[] {"one"}, null)).containsExactly("one");
    assertThat(engine.select(null, new String[] {"one"})).containsExactly("two");
    assertThat(Exposition.text(engine.collect(engine.select(new String[] {"two"}, null))))
        .contains("test_two_value").doesNotContain("test_one_value")
        .doesNotContain("collector=\"one\"");
  }

  @Test
  void unknownOrDisabledCollectorInParametersIsRejectedByName() {
    Microc microc = microc(List.of(TestPlugins.constant("one"), TestPlugins.constant("off")),
        Map.of("microc.collectors.off.enabled", false));
    CollectionEngine engine = microc.engine();

    assertThatThrownBy(() -> engine.select(new String[] {"nope"}, null))
        .hasMessage("collect[]: unknown collector \"nope\"; enabled collectors: one");
    assertThatThrownBy(() -> engine.select(null, new String[] {"off"}))
        .hasMessage("exclude[]: collector \"off\" is disabled; enabled collectors: one");
    assertThatThrownBy(() -> engine.select(new String[] {"one"}, new String[] {"one"}))
        .hasMessage("collect[] and exclude[] cannot be combined");
  }

  @Test
  void familyExposedByTwoCollectorsIsKeptOnce() {
    CollectorPlugin first = TestPlugins.of("first", () -> MetricSnapshots.of(MetricFamily.gauge("test_shared", "h", 1)));
    CollectorPlugin second = TestPlugins.of("second", () -> MetricSnapshots.of(MetricFamily.gauge("test_shared", "h", 2)));
    Microc microc = microc(List.of(first, second), Map.of());

    String text = Exposition.text(microc.engine().collect());

    assertThat(text).containsOnlyOnce("\ntest_shared ").contains("\ntest_shared 1.0\n");
  }

  @Test
  void readyAfterEveryEnabledCollectorRanOnce() {
    Microc microc = microc(List.of(TestPlugins.constant("one"), TestPlugins.throwing("bad", "x")), Map.of());

    assertThat(microc.engine().ready()).isFalse();
    microc.engine().collect(List.of("one"));
    assertThat(microc.engine().ready()).isFalse();
    microc.engine().collect();
    assertThat(microc.engine().ready()).isTrue();
  }

  @Test
  void hostCollectorsReportUnderNodeExportersSelfMetricNamesToo() {
    Microc microc = microc(List.of(new io.github.microc.exporter.core.host.LoadCollector.Plugin(),
        TestPlugins.constant("good")), Map.of());

    String text = Exposition.text(microc.engine().collect());

    assertThat(text)
        .contains("# HELP node_scrape_collector_success node_exporter: Whether a collector succeeded.\n")
        .contains("# HELP node_scrape_collector_duration_seconds node_exporter: Duration of a collector scrape.\n")
        .contains("node_scrape_collector_success{collector=\"loadavg\"} 1.0")
        .contains("node_scrape_collector_duration_seconds{collector=\"loadavg\"} ")
        .contains("microc_scrape_collector_success{collector=\"good\"} 1.0")
        .doesNotContain("node_scrape_collector_success{collector=\"good\"}");
    assertThat(Exposition.text(microc.engine().collect(List.of("good"))))
        .doesNotContain("node_scrape_collector");
  }

  @Test
  void theExportersOwnProcessAndJvmNamesAreNotTakenByACollector() {
    Microc microc = microc(List.of(TestPlugins.of("greedy", () -> MetricSnapshots.of(
        MetricFamily.gauge("jvm_memory_used_bytes", "h", 1),
        MetricFamily.gauge("process_open_fds", "h", 2),
        MetricFamily.gauge("test_kept", "h", 3)))), Map.of());

    String text = Exposition.text(microc.engine().collect());

    assertThat(text).contains("test_kept 3.0").doesNotContain("jvm_memory_used_bytes")
        .doesNotContain("process_open_fds")
        .contains("microc_scrape_collector_success{collector=\"greedy\"} 1.0");
  }

  @Test
  void aFamilyOfABuiltInCollectorWinsOverTheTextfileCollectorsWhateverTheirNames() {
    CollectorPlugin textfile = TestPlugins.of("textfile", () -> MetricSnapshots.of(MetricFamily.gauge("test_shared", "h", 2)));
    CollectorPlugin builtIn = TestPlugins.of("zzz", () -> MetricSnapshots.of(MetricFamily.gauge("test_shared", "h", 1)));
    Microc microc = microc(List.of(textfile, builtIn), Map.of());

    String text = Exposition.text(microc.engine().collect());

    assertThat(text).containsOnlyOnce("\ntest_shared ").contains("\ntest_shared 1.0\n");
  }
}
