package io.github.microc.exporter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.testing.Exposition;
import io.github.microc.exporter.core.testing.TestPlugins;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.github.microc.exporter.core.config.ListenAddress;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MicrocTest {

  @Test
  void registersIntoAnApplicationsOwnRegistry() {
    PrometheusRegistry registry = new PrometheusRegistry();
    Counter requests = Counter.builder().name("app_requests_total").help("Requests.").register(registry);
    requests.inc();

    try (Microc microc = Microc.builder().plugins(List.of(TestPlugins.constant("one"))).environment(Map.of()).build()) {
      microc.register(registry);

      assertThat(Exposition.text(registry.scrape()))
          .contains("app_requests_total 1.0")
          .contains("test_one_value 1.0")
          .contains("microc_scrape_collector_success{collector=\"one\"} 1.0");
    }
    assertThat(Exposition.text(registry.scrape())).as("closing unregisters").doesNotContain("test_one_value");
  }

  @Test
  void twoPluginsWithOneNameAreAStartupErrorNamingBothClasses() {
    CollectorPlugin first = TestPlugins.constant("same");
    CollectorPlugin second = TestPlugins.throwing("same", "x");

    assertThatThrownBy(() -> Microc.builder().plugins(List.of(first, second)).environment(Map.of()).build())
        .isInstanceOf(StartupException.class)
        .hasMessageStartingWith("two plugins are named \"same\": " + first.getClass().getName())
        .hasMessageContaining(" and " + second.getClass().getName());
  }

  @Test
  void nameMustBeLowerSnakeCase() {
    assertThatThrownBy(() -> Microc.builder().plugins(List.of(TestPlugins.constant("Bad-Name")))
        .environment(Map.of()).build())
        .isInstanceOf(StartupException.class)
        .hasMessageContaining("name \"Bad-Name\" is not lower_snake_case");
  }

  @Test
  void pluginThatCannotStartIsReportedWithoutStoppingTheOthers() {
    CollectorPlugin broken = new CollectorPlugin() {
      @Override
      public String name() {
        return "broken";
      }

      @Override
      public MultiCollector create(PluginContext context) throws Exception {
        throw new java.io.FileNotFoundException("/proc/nothing");
      }
    };
    try (Microc microc = Microc.builder().plugins(List.of(broken, TestPlugins.constant("one")))
        .environment(Map.of()).build()) {
      assertThat(Exposition.text(microc.engine().collect()))
          .contains("test_one_value 1.0")
          .contains("microc_scrape_collector_success{collector=\"broken\"} 0.0");
      assertThat(microc.engine().statuses().get(0).lastError())
          .isEqualTo("IllegalStateException: could not start: FileNotFoundException: /proc/nothing");
    }
  }

  @Test
  void resourcesAreClosedOnShutdownInReverseOrder() {
    AtomicBoolean collectorClosed = new AtomicBoolean();
    AtomicBoolean resourceClosed = new AtomicBoolean();
    CollectorPlugin closeable = new CollectorPlugin() {
      @Override
      public String name() {
        return "closeable";
      }

      @Override
      public MultiCollector create(PluginContext context) {
        context.closeOnShutdown(() -> resourceClosed.set(true));
        return new ClosingCollector(collectorClosed);
      }
    };

    Microc microc = Microc.builder().plugins(List.of(closeable)).environment(Map.of()).build();
    microc.close();

    assertThat(collectorClosed).isTrue();
    assertThat(resourceClosed).isTrue();
  }

  /** One object a type among an exporter's plugins, kept across a reload; another exporter's is its own. */
  @Test
  void sharedObjectsAreOneAnExporterAndOutliveAReload(@TempDir Path dir) throws Exception {
    record Meeting(List<String> seen) { }
    List<Meeting> meetings = new CopyOnWriteArrayList<>();
    AtomicInteger made = new AtomicInteger();
    record Meets(String name, List<Meeting> meetings, AtomicInteger made) implements CollectorPlugin {
      @Override
      public MultiCollector create(PluginContext context) {
        Meeting meeting = context.shared(Meeting.class, () -> {
          made.incrementAndGet();
          return new Meeting(new CopyOnWriteArrayList<>());
        });
        meeting.seen().add(name);
        meetings.add(meeting);
        return MetricSnapshots::of;
      }
    }
    Path file = Files.writeString(dir.resolve("microc.conf"), "microc.collectors.a.timeout = 5s\n");
    List<CollectorPlugin> both = List.of(new Meets("a", meetings, made), new Meets("b", meetings, made));
    try (Microc one = Microc.builder().plugins(both).environment(Map.of()).configFile(file).build();
        Microc other = Microc.builder().plugins(List.of(new Meets("c", meetings, made)))
            .environment(Map.of()).build()) {
      Files.writeString(file, "microc.collectors.a.timeout = 4s\n");
      one.reload();

      assertThat(made).as("one for each exporter").hasValue(2);
      assertThat(meetings).hasSize(4);
      assertThat(meetings.get(0)).isSameAs(meetings.get(1)).isSameAs(meetings.get(3))
          .isNotSameAs(meetings.get(2));
      assertThat(meetings.get(0).seen()).as("a, b, then a made anew by the reload")
          .containsExactly("a", "b", "a");
      assertThat(meetings.get(2).seen()).containsExactly("c");
    }
  }

  @Test
  void disabledPluginsAreNotCreated() {
    AtomicBoolean created = new AtomicBoolean();
    CollectorPlugin lazy = new CollectorPlugin() {
      @Override
      public String name() {
        return "lazy";
      }

      @Override
      public boolean enabledByDefault() {
        return false;
      }

      @Override
      public MultiCollector create(PluginContext context) {
        created.set(true);
        return io.prometheus.metrics.model.snapshots.MetricSnapshots::of;
      }
    };
    try (Microc microc = Microc.builder().plugins(List.of(lazy)).environment(Map.of()).build()) {
      assertThat(created).isFalse();
      assertThat(microc.engine().statuses()).singleElement().satisfies(s -> assertThat(s.enabled()).isFalse());
    }
  }

  private record ClosingCollector(AtomicBoolean closed) implements MultiCollector, AutoCloseable {
    @Override
    public io.prometheus.metrics.model.snapshots.MetricSnapshots collect() {
      return io.prometheus.metrics.model.snapshots.MetricSnapshots.of();
    }

    @Override
    public void close() {
      closed.set(true);
    }
  }

  @Test
  void theExportersOwnMetricsAreRegisteredAfterTheFirstCollection() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    CollectorPlugin slow = TestPlugins.of("slow", () -> {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return MetricSnapshots.of();
    });
    try (Microc microc = Microc.builder().plugins(List.of(slow, TestPlugins.constant("fast")))
        .environment(Map.of()).build()) {
      microc.warmUp();
      String url = "http://127.0.0.1:" + microc.startServer(ListenAddress.parse("127.0.0.1:0")).port()
          + "/metrics?collect%5B%5D=fast";
      HttpClient http = HttpClient.newHttpClient();
      // Registered straight away, they would be there within this time (about 100 ms).
      Thread.sleep(500);
      assertThat(http.send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofString()).body())
          .contains("test_fast_value").doesNotContain("jvm_memory_used_bytes");

      gate.countDown();
      String body = "";
      for (int i = 0; i < 100 && !body.contains("jvm_memory_used_bytes"); i++) {
        Thread.sleep(50);
        body = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
      }
      assertThat(body).contains("jvm_memory_used_bytes", "process_cpu_seconds_total");
    }
  }

  @Test
  void anEmptyListenAddressMeansNoEndpoint() {
    try (Microc microc = Microc.builder().plugins(List.of(TestPlugins.constant("one")))
        .environment(Map.of()).set("microc.web.listen-address", "", "test").build()) {
      assertThat(microc.settings().listening()).isFalse();
      assertThatThrownBy(microc::startServer).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("microc.web.listen-address is empty");
      // What a push sends is still there to collect.
      assertThat(Exposition.text(microc.registry().scrape())).contains("test_one_value 1.0");
    }
  }

  @Test
  void theEndpointServesTheRegistryTheExporterHandsOut() throws Exception {
    try (Microc microc = Microc.builder().plugins(List.of(TestPlugins.constant("one")))
        .environment(Map.of()).build()) {
      microc.warmUp().join();
      PrometheusRegistry registry = microc.registry();
      String body = "";
      for (int i = 0; i < 100 && !body.contains("jvm_memory_used_bytes"); i++) {
        Thread.sleep(50);
        body = Exposition.text(registry.scrape());
      }
      assertThat(body).contains("test_one_value 1.0", "jvm_memory_used_bytes", "process_cpu_seconds_total");
      Counter pushed = Counter.builder().name("extra_total").help("Extra.").register(registry);
      pushed.inc();
      String url = "http://127.0.0.1:" + microc.startServer(ListenAddress.parse("127.0.0.1:0")).port()
          + "/metrics";
      assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofString()).body()).contains("extra_total 1.0");
    }
  }
}
