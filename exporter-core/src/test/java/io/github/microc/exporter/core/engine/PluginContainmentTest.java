package io.github.microc.exporter.core.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.testing.Exposition;
import io.github.microc.exporter.core.testing.TestPlugins;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine's bounds on a collector: samples, threads, readiness with a stuck collector. */
class PluginContainmentTest {

  private final List<Microc> started = new ArrayList<>();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void close() {
    release.countDown();
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
  void resultOverMaxSeriesIsDroppedAndReported() {
    CollectorPlugin many = TestPlugins.of("many", () -> {
      MetricFamily family = MetricFamily.gauge("test_many", "Many series.", "i");
      for (int i = 0; i < 1001; i++) {
        family.add(i, String.valueOf(i));
      }
      return MetricSnapshots.of(family.build());
    });
    Microc microc = microc(List.of(many, TestPlugins.constant("good")),
        Map.of("microc.collectors.many.max-series", 1000));

    String text = Exposition.text(microc.engine().collect());

    assertThat(text).doesNotContain("test_many{")
        .contains("microc_scrape_collector_success{collector=\"many\"} 0.0")
        .contains("test_good_value 1.0");
    assertThat(status(microc, "many").lastError())
        .isEqualTo("returned 1001 samples, more than max-series (1000); the result is dropped");
  }

  @Test
  void resultAtMaxSeriesIsKept() {
    CollectorPlugin many = TestPlugins.of("many", () -> {
      MetricFamily family = MetricFamily.gauge("test_many", "Many series.", "i");
      for (int i = 0; i < 1000; i++) {
        family.add(i, String.valueOf(i));
      }
      return MetricSnapshots.of(family.build());
    });
    Microc microc = microc(List.of(many), Map.of("microc.collectors.many.max-series", 1000));

    assertThat(Exposition.text(microc.engine().collect()))
        .contains("test_many{i=\"999\"} 999.0")
        .contains("microc_scrape_collector_success{collector=\"many\"} 1.0");
  }

  @Test
  void stuckCollectorCountsAsCollectedForReadiness() {
    CollectorPlugin stuck = TestPlugins.of("stuck", () -> {
      while (true) {
        try {
          if (release.await(10, TimeUnit.SECONDS)) {
            return MetricSnapshots.of();
          }
        } catch (InterruptedException ignored) {
          // Ignores interrupts on purpose.
        }
      }
    });
    Microc microc = microc(List.of(stuck, TestPlugins.constant("good")),
        Map.of("microc.collectors.stuck.timeout", "200ms"));
    assertThat(microc.engine().ready()).isFalse();

    microc.engine().collect();

    assertThat(microc.engine().ready()).isTrue();
    assertThat(status(microc, "stuck").lastError()).isEqualTo("timed out after 0.2s");
  }

  @Test
  void pluginOverMaxThreadsIsDisabledAndItsThreadsAreReported() {
    AtomicInteger threads = new AtomicInteger(2);
    AtomicInteger collections = new AtomicInteger();
    CollectorPlugin leaky = plugin("leaky", new CountedCollector(threads, collections));
    Microc microc = microc(List.of(leaky), Map.of("microc.collectors.leaky.max-threads", 3));

    String first = Exposition.text(microc.engine().collect());
    threads.set(4);
    String second = Exposition.text(microc.engine().collect());
    String third = Exposition.text(microc.engine().collect());

    assertThat(first).contains("microc_plugin_threads{collector=\"leaky\"} 2.0")
        .contains("microc_plugin_restarts_total{collector=\"leaky\"} 0.0")
        .contains("microc_scrape_collector_success{collector=\"leaky\"} 1.0");
    assertThat(second).contains("microc_plugin_threads{collector=\"leaky\"} 4.0")
        .contains("microc_scrape_collector_success{collector=\"leaky\"} 0.0");
    assertThat(third).contains("microc_scrape_collector_success{collector=\"leaky\"} 0.0");
    assertThat(collections).hasValue(1);
    CollectorStatus status = status(microc, "leaky");
    assertThat(status.lastError())
        .isEqualTo("disabled: its plugin keeps 4 threads alive, more than max-threads (3)");
    assertThat(status.where()).isEqualTo("test jar, own process");
    assertThat(status.threads()).isEqualTo(4);
  }

  @Test
  void builtInCollectorHasNoPluginFamilies() {
    Microc microc = microc(List.of(TestPlugins.constant("good")), Map.of());

    assertThat(Exposition.text(microc.engine().collect())).doesNotContain("microc_plugin_");
    assertThat(status(microc, "good").where()).isNull();
  }

  @Test
  void threadsAreCountedByTheContextClassLoaderTheyInherit() throws Exception {
    try (URLClassLoader jar = new URLClassLoader("plugin test.jar", new URL[0], getClass().getClassLoader())) {
      LoaderThreads counted = new LoaderThreads("test.jar", jar);
      assertThat(counted.threads()).isZero();
      CountDownLatch started = new CountDownLatch(2);
      Thread parent = new Thread(() -> {
        // A thread started by one that runs with the jar's loader inherits it.
        Thread child = new Thread(() -> {
          started.countDown();
          awaitRelease();
        });
        child.setDaemon(true);
        child.start();
        started.countDown();
        awaitRelease();
      });
      parent.setContextClassLoader(jar);
      parent.setDaemon(true);
      parent.start();
      started.await();

      assertThat(counted.threads()).isEqualTo(2);
      assertThat(counted.where()).isEqualTo("plugin jar test.jar, in Microc's process");
    }
  }

  private void awaitRelease() {
    try {
      release.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static CollectorStatus status(Microc microc, String name) {
    return microc.engine().statuses().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
  }

  private static CollectorPlugin plugin(String name, MultiCollector collector) {
    return new CollectorPlugin() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public MultiCollector create(PluginContext context) {
        return collector;
      }
    };
  }

  /** Stands in for a collector run in a process of its own, which reports its plugin's threads. */
  private record CountedCollector(AtomicInteger live, AtomicInteger collections)
      implements MultiCollector, PluginRuntime {
    @Override
    public MetricSnapshots collect() {
      collections.incrementAndGet();
      return MetricSnapshots.of();
    }

    @Override
    public String where() {
      return "test jar, own process";
    }

    @Override
    public int threads() {
      return live.get();
    }

    @Override
    public long restarts() {
      return 0;
    }
  }
}
