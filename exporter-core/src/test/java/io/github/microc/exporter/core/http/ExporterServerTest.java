package io.github.microc.exporter.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.MetricFamily;
import io.github.microc.exporter.core.spi.StatusTable;
import io.github.microc.exporter.core.testing.TestPlugins;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real endpoint on a loopback port, spoken to over HTTP. */
class ExporterServerTest {

  /** Prometheus 2.42's scrape header. */
  private static final String PROMETHEUS_ACCEPT = "application/openmetrics-text;version=1.0.0,"
      + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

  private final HttpClient http = HttpClient.newHttpClient();
  private final CountDownLatch gate = new CountDownLatch(1);
  private Microc microc;
  private String base;

  @BeforeEach
  void start() throws IOException {
    CollectorPlugin gated = TestPlugins.of("gated", () -> {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return MetricSnapshots.of(MetricFamily.gauge("test_gated_value", "Opened.", 1));
    });
    microc = Microc.builder()
        .plugins(List.of(TestPlugins.constant("one"), TestPlugins.throwing("bad", "<b>broken</b>"), gated,
            TestPlugins.constant("off")))
        .environment(Map.of())
        .set("microc.collectors.off.enabled", false, "test")
        .build();
    int port = microc.startServer(ListenAddress.parse("127.0.0.1:0")).port();
    base = "http://127.0.0.1:" + port;
  }

  @AfterEach
  void stop() {
    gate.countDown();
    microc.close();
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void metricsInTextFormatWithSelfAndProcessMetrics() throws Exception {
    gate.countDown();
    // The exporter's own JVM metrics are registered just after the port opens.
    HttpResponse<String> response = get("/metrics");
    for (int i = 0; i < 100 && !(response.body().contains("jvm_memory_used_bytes")
        && response.body().contains("process_cpu_seconds_total")); i++) {
      Thread.sleep(50);
      response = get("/metrics");
    }

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(response.body())
        .contains("test_one_value 1.0")
        .contains("test_gated_value 1.0")
        .contains("microc_scrape_collector_success{collector=\"bad\"} 0.0")
        .contains("microc_build_info{javaversion=")
        .contains("process_cpu_seconds_total")
        .contains("jvm_memory_used_bytes")
        .doesNotContain("collector=\"off\"");
  }

  @Test
  void openMetricsWhenAsked() throws Exception {
    gate.countDown();
    HttpResponse<String> response = get("/metrics",
        "Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8");

    assertThat(response.headers().firstValue("Content-Type")).get().asString().startsWith("application/openmetrics-text");
    assertThat(response.body()).contains("# TYPE microc_build info").endsWith("# EOF\n");
  }

  @Test
  void textFormatForPrometheusHeaderAsFromNodeExporter() throws Exception {
    gate.countDown();
    HttpResponse<String> response = get("/metrics", "Accept", PROMETHEUS_ACCEPT);

    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(response.body()).contains("# TYPE microc_build_info gauge").doesNotContain("# EOF");
  }

  @Test
  void openMetricsForPrometheusHeaderWhenPreferred() throws Exception {
    gate.countDown();
    try (Microc preferring = Microc.builder().plugins(List.of(TestPlugins.constant("one")))
        .environment(Map.of()).set("microc.web.prefer-openmetrics", true, "test").build()) {
      int port = preferring.startServer(ListenAddress.parse("127.0.0.1:0")).port();
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/metrics")).header("Accept", PROMETHEUS_ACCEPT).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(response.headers().firstValue("Content-Type")).get().asString()
          .startsWith("application/openmetrics-text");
      assertThat(response.body()).contains("test_one_value 1.0").endsWith("# EOF\n");
    }
  }

  @Test
  void gzipWhenAccepted() throws Exception {
    gate.countDown();
    HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
        .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.headers().firstValue("Content-Encoding")).hasValue("gzip");
    String body = new String(new GZIPInputStream(new ByteArrayInputStream(response.body())).readAllBytes(),
        StandardCharsets.UTF_8);
    assertThat(body).contains("test_one_value 1.0");
  }

  @Test
  void textFormatHasTheSeriesOfClientJavasWriterPlainGzippedAndForHead() throws Exception {
    gate.countDown();
    // debug=text is answered by client_java's handler and writer; values such as durations move.
    // The JVM's own series may come and go (a memory pool's first collection, say): the
    // responses are taken again until the reference has the same series before and after.
    String reference;
    String plain;
    String unzipped;
    String after;
    int attempts = 0;
    do {
      reference = get("/metrics?debug=text").body();
      plain = get("/metrics").body();
      HttpResponse<byte[]> gzipped = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
          .header("Accept-Encoding", "gzip, deflate").build(), HttpResponse.BodyHandlers.ofByteArray());
      unzipped = new String(new GZIPInputStream(new ByteArrayInputStream(gzipped.body())).readAllBytes(),
          StandardCharsets.UTF_8);
      after = get("/metrics?debug=text").body();
    } while (!series(reference).equals(series(after)) && ++attempts < 20);
    HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(series(plain)).hasSizeGreaterThan(50).isEqualTo(series(reference));
    assertThat(series(unzipped)).isEqualTo(series(reference));
    assertThat(plain).contains("# TYPE test_one_value gauge\ntest_one_value 1.0\n");
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    assertThat(head.body()).isEmpty();
  }

  @Test
  void aTextLongerThanOnePieceGoesOutChunkedPlainAndGzippedWithEveryLine() throws Exception {
    // 40 families of 500 series each, about 1.5 MB of text: many pieces.
    GaugeSnapshot.Builder[] families = new GaugeSnapshot.Builder[40];
    for (int f = 0; f < families.length; f++) {
      families[f] = GaugeSnapshot.builder().name("test_wide_" + f).help("Family " + f + ".");
      for (int i = 0; i < 500; i++) {
        families[f].dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
            .labels(Labels.of("id", "/docker/" + "0123456789abcdef".repeat(4), "series", Integer.toString(i)))
            .value(f * 1000.0 + i).build());
      }
    }
    MetricSnapshots wide = new MetricSnapshots(Arrays.stream(families).<MetricSnapshot>map(GaugeSnapshot.Builder::build).toList());
    try (Microc large = Microc.builder()
        .plugins(List.of(TestPlugins.of("wide", () -> wide)))
        .environment(Map.of())
        // The JVM's own series come and go between two responses (a memory pool's first
        // collection, say); without them every series compared below is fixed.
        .set("microc.web.exporter-metrics", false, "test")
        .build()) {
      String url = "http://127.0.0.1:" + large.startServer(ListenAddress.parse("127.0.0.1:0")).port()
          + "/metrics?collect%5B%5D=wide";
      HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<byte[]> gzipped = http.send(HttpRequest.newBuilder(URI.create(url))
          .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofByteArray());
      String unzipped = new String(new GZIPInputStream(new ByteArrayInputStream(gzipped.body())).readAllBytes(),
          StandardCharsets.UTF_8);
      String reference = http.send(HttpRequest.newBuilder(URI.create(url + "&debug=text")).build(),
          HttpResponse.BodyHandlers.ofString()).body();

      if (ServerProvider.find(getClass().getClassLoader()).name().equals("jdk")) {
        // The JDK's server sends with Nagle's algorithm off (40 ms stalls otherwise).
        assertThat(System.getProperty(JdkServer.NODELAY)).isEqualTo("true");
      }
      assertThat(plain.headers().firstValue("Content-Length")).isEmpty();
      assertThat(plain.headers().firstValue("Transfer-Encoding")).hasValue("chunked");
      assertThat(plain.body().length()).isGreaterThan(1_000_000);
      assertThat(wideLines(plain.body())).hasSize(40 * 502).isEqualTo(wideLines(reference));
      assertThat(wideLines(unzipped)).isEqualTo(wideLines(reference));
      assertThat(series(plain.body())).isEqualTo(series(reference));
    }
  }

  private static List<String> wideLines(String exposition) {
    return exposition.lines().filter(line -> line.contains("test_wide_")).toList();
  }

  /** Comment lines and series (name and labels), without the values. */
  private static List<String> series(String exposition) {
    return exposition.lines()
        .map(line -> line.startsWith("#") ? line : line.substring(0, line.lastIndexOf(' ')))
        .toList();
  }

  @Test
  void collectPicksCollectors() throws Exception {
    HttpResponse<String> response = get("/metrics?collect%5B%5D=one&collect[]=bad");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body())
        .contains("test_one_value 1.0")
        .contains("microc_scrape_collector_success{collector=\"bad\"} 0.0")
        .doesNotContain("collector=\"gated\"");
  }

  @Test
  void excludeLeavesCollectorsOut() throws Exception {
    HttpResponse<String> response = get("/metrics?exclude[]=gated&exclude[]=bad");

    assertThat(response.body()).contains("test_one_value").doesNotContain("collector=\"gated\"")
        .doesNotContain("collector=\"bad\"");
  }

  @Test
  void unknownCollectorIsA400NamingIt() throws Exception {
    HttpResponse<String> response = get("/metrics?collect[]=nope");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).isEqualTo("collect[]: unknown collector \"nope\"; enabled collectors: bad, gated, one\n");
  }

  @Test
  void collectAndExcludeTogetherIsA400() throws Exception {
    HttpResponse<String> response = get("/metrics?collect[]=one&exclude[]=bad");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).isEqualTo("collect[] and exclude[] cannot be combined\n");
  }

  @Test
  void readyOnlyAfterTheFirstFullCollection() throws Exception {
    assertThat(get("/health").statusCode()).isEqualTo(200);
    HttpResponse<String> before = get("/ready");
    assertThat(before.statusCode()).isEqualTo(503);
    assertThat(before.body()).isEqualTo("not ready: waiting for the first collection of bad, gated, one\n");

    gate.countDown();
    get("/metrics");

    assertThat(get("/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void landingPageListsCollectorsWithStateAndEscapesErrors() throws Exception {
    gate.countDown();
    get("/metrics");
    HttpResponse<String> page = get("/");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(page.body())
        .contains("<code>one</code>")
        .contains("<code>off</code></td><td>test plugin off</td><td class=\"off\">disabled")
        .contains("class=\"failed\">failed")
        .contains("IllegalStateException: &lt;b&gt;broken&lt;/b&gt;")
        .doesNotContain("<b>broken</b>");
  }

  @Test
  void landingPageShowsTablesAddedToTheExporterEscaped() throws Exception {
    java.util.concurrent.atomic.AtomicReference<String> state = new java.util.concurrent.atomic.AtomicReference<>("ok");
    microc.addStatus(() -> new StatusTable("Push", List.of("Endpoint", "State"),
        List.of(List.of("central", state.get()))));

    assertThat(get("/").body()).contains("<h2>Push</h2>", "<th>Endpoint</th><th>State</th>",
        "<td>central</td><td>ok</td>");
    state.set("<script>failing</script>");
    assertThat(get("/").body()).as("asked again on each request")
        .contains("<td>&lt;script&gt;failing&lt;/script&gt;</td>").doesNotContain("<script>");
  }

  @Test
  void unknownPathIs404AndPostIs405() throws Exception {
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
  }
}
