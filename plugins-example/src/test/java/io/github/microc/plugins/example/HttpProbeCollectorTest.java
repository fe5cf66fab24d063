package io.github.microc.plugins.example;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.microc.exporter.core.Microc;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector against a real HTTP server on a loopback port, run by Microc's real engine
 * with the plugin's own {@code reference.conf}.
 */
class HttpProbeCollectorTest {

  private static HttpServer server;
  private static ExecutorService handlers;
  private static String base;
  private static final AtomicInteger inFlight = new AtomicInteger();
  private static final AtomicInteger maxInFlight = new AtomicInteger();
  private static volatile java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
  private static final java.util.concurrent.atomic.AtomicBoolean heldAnswered =
      new java.util.concurrent.atomic.AtomicBoolean();

  @TempDir
  Path dir;

  @BeforeAll
  static void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    handlers = Executors.newCachedThreadPool();
    server.setExecutor(handlers);
    server.createContext("/health", exchange -> respond(exchange, 200, 0));
    server.createContext("/unavailable", exchange -> respond(exchange, 503, 0));
    // /held: answers 200 once the test lets it (at most a minute).
    server.createContext("/held", exchange -> {
      try {
        held.await(60, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      heldAnswered.set(true);
      respond(exchange, 200, 0);
    });
    // /slow/<millis>: answers 200 after that long.
    server.createContext("/slow/", exchange -> respond(exchange, 200,
        Long.parseLong(exchange.getRequestURI().getPath().substring("/slow/".length()))));
    // Counts the requests it serves at once, apart from slow ones other tests left behind.
    server.createContext("/parallel/", exchange -> {
      // Counted while no answer has been sent: once one is, the prober may start its next probe
      // before this thread gets to run again.
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        inFlight.decrementAndGet();
      }
      respond(exchange, 200, 0);
    });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterAll
  static void stopServer() {
    server.stop(0);
    handlers.shutdownNow();
  }

  private static void respond(HttpExchange exchange, int status, long delayMillis) throws IOException {
    try {
      if (delayMillis > 0) {
        Thread.sleep(delayMillis);
      }
      byte[] body = ("status " + status + "\n").getBytes();
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      exchange.close();
    }
  }

  @Test
  void answeringTargetIsUpWithItsStatus() throws IOException {
    MetricSnapshots scrape = scrape("""
        microc.collectors.http_probe.targets = [
          { name = "health", url = "%s/health" }
        ]
        """.formatted(base));

    assertThat(value(scrape, "microc_http_probe_up", "health")).isEqualTo(1.0);
    assertThat(value(scrape, "microc_http_probe_status_code", "health")).isEqualTo(200.0);
    assertThat(value(scrape, "microc_http_probe_duration_seconds", "health")).isGreaterThan(0.0);
    assertThat(value(scrape, "microc_scrape_collector_success", "http_probe")).isEqualTo(1.0);
  }

  @Test
  void targetWithoutNameIsLabelledWithItsUrl() throws IOException {
    MetricSnapshots scrape = scrape("""
        microc.collectors.http_probe.targets = ["%s/health"]
        """.formatted(base));

    assertThat(value(scrape, "microc_http_probe_up", base + "/health")).isEqualTo(1.0);
  }

  @Test
  void refusedConnectionIsDownWithStatusZero() throws IOException {
    MetricSnapshots scrape;
    try (java.net.Socket refusing = refusingPort()) {
      scrape = scrape("""
          microc.collectors.http_probe.targets = [
            { name = "gone", url = "http://127.0.0.1:%d/health" }
          ]
          """.formatted(refusing.getLocalPort()));
    }

    assertThat(value(scrape, "microc_http_probe_up", "gone")).isEqualTo(0.0);
    assertThat(value(scrape, "microc_http_probe_status_code", "gone")).isEqualTo(0.0);
    assertThat(value(scrape, "microc_scrape_collector_success", "http_probe")).isEqualTo(1.0);
  }

  @Test
  void slowTargetIsDownAfterItsTimeout() throws IOException {
    held = new java.util.concurrent.CountDownLatch(1);
    heldAnswered.set(false);
    MetricSnapshots scrape;
    boolean answeredMeanwhile;
    try {
      scrape = scrape("""
          microc.collectors.http_probe.targets = [
            { name = "slow", url = "%s/held", timeout = 300ms }
            { name = "health", url = "%s/health" }
          ]
          """.formatted(base, base));
      answeredMeanwhile = heldAnswered.get();
    } finally {
      held.countDown();
    }

    assertThat(value(scrape, "microc_http_probe_up", "slow")).isEqualTo(0.0);
    assertThat(value(scrape, "microc_http_probe_status_code", "slow")).isEqualTo(0.0);
    // Waited for its timeout, and not for the answer: the target answers only after the scrape.
    assertThat(answeredMeanwhile).as("the target answered during the scrape").isFalse();
    assertThat(value(scrape, "microc_http_probe_duration_seconds", "slow")).isGreaterThanOrEqualTo(0.3);
    assertThat(value(scrape, "microc_http_probe_up", "health")).isEqualTo(1.0);
  }

  @Test
  void wrongStatusIsDownWithTheStatusItGot() throws IOException {
    MetricSnapshots scrape = scrape("""
        microc.collectors.http_probe.targets = [
          { name = "unavailable", url = "%s/unavailable" }
          { name = "created", url = "%s/health", expected-status = 201 }
        ]
        """.formatted(base, base));

    assertThat(value(scrape, "microc_http_probe_up", "unavailable")).isEqualTo(0.0);
    assertThat(value(scrape, "microc_http_probe_status_code", "unavailable")).isEqualTo(503.0);
    assertThat(value(scrape, "microc_http_probe_up", "created")).isEqualTo(0.0);
    assertThat(value(scrape, "microc_http_probe_status_code", "created")).isEqualTo(200.0);
  }

  @Test
  void expectedNonOkStatusIsUp() throws IOException {
    MetricSnapshots scrape = scrape("""
        microc.collectors.http_probe.targets = [
          { name = "maintenance", url = "%s/unavailable", expected-status = 503 }
        ]
        """.formatted(base));

    assertThat(value(scrape, "microc_http_probe_up", "maintenance")).isEqualTo(1.0);
  }

  @Test
  void probeNeverOutlastsTheCollectorTimeout() throws IOException {
    MetricSnapshots scrape = scrape("""
        microc.collectors.http_probe {
          timeout = 2s
          targets = [ { name = "slow", url = "%s/slow/5000", timeout = 10s } ]
        }
        """.formatted(base));

    // The collector reports the slow target itself instead of being cut off by the engine.
    assertThat(value(scrape, "microc_scrape_collector_success", "http_probe")).isEqualTo(1.0);
    assertThat(value(scrape, "microc_http_probe_up", "slow")).isEqualTo(0.0);
    assertThat(value(scrape, "microc_http_probe_duration_seconds", "slow")).isLessThan(2.0);
  }

  @Test
  void probesRunInParallelUpToConcurrency() throws IOException {
    maxInFlight.set(0);
    MetricSnapshots scrape = scrape("""
        microc.collectors.http_probe {
          concurrency = 2
          targets = [
            { name = "a", url = "%1$s/parallel/" }
            { name = "b", url = "%1$s/parallel/" }
            { name = "c", url = "%1$s/parallel/" }
            { name = "d", url = "%1$s/parallel/" }
          ]
        }
        """.formatted(base));

    for (String target : List.of("a", "b", "c", "d")) {
      assertThat(value(scrape, "microc_http_probe_up", target)).as(target).isEqualTo(1.0);
    }
    assertThat(maxInFlight.get()).isEqualTo(2);
  }

  @Test
  void noTargetsExposeNothingButSucceed() throws IOException {
    MetricSnapshots scrape = scrape("");

    assertThat(scrape.stream().map(s -> s.getMetadata().getPrometheusName()))
        .noneMatch(name -> name.startsWith("microc_http_probe_"));
    assertThat(value(scrape, "microc_scrape_collector_success", "http_probe")).isEqualTo(1.0);
  }

  /** One scrape of a Microc that has only this plugin, configured with {@code conf}. */
  private MetricSnapshots scrape(String conf) throws IOException {
    Path file = Files.writeString(dir.resolve("microc.conf"), conf);
    try (Microc microc = Microc.builder()
        .plugins(List.of(new HttpProbeCollector.Plugin()))
        .environment(Map.of())
        .configFile(file)
        .build()) {
      return microc.engine().collect();
    }
  }

  /**
   * A port on which nothing listens, and nothing can while it is open: bound, never listening
   * (a port bound and closed again could be taken meanwhile by another process).
   */
  static java.net.Socket refusingPort() throws IOException {
    java.net.Socket socket = new java.net.Socket();
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return socket;
  }

  private static double value(MetricSnapshots snapshots, String name, String labelValue) {
    for (MetricSnapshot snapshot : snapshots) {
      if (!snapshot.getMetadata().getPrometheusName().equals(name)) {
        continue;
      }
      for (DataPointSnapshot point : snapshot.getDataPoints()) {
        if (point.getLabels().stream().anyMatch(l -> l.getValue().equals(labelValue))) {
          return ((GaugeDataPointSnapshot) point).getValue();
        }
      }
      throw new AssertionError(name + " has no sample labelled " + labelValue + ": "
          + ((GaugeSnapshot) snapshot).getDataPoints());
    }
    throw new AssertionError("no " + name + " in the scrape");
  }
}
