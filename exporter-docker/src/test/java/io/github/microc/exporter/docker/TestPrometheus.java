package io.github.microc.exporter.docker;

import static io.github.microc.exporter.docker.DockerCli.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.microc.exporter.core.testing.Engines;
import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Prometheus on a loopback port scraping one {@link TestExporter} every few seconds, with the
 * collectors given as {@code collect[]}; its query API as the oracle of what it ingested.
 */
final class TestPrometheus implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  /** Prometheus's scrape interval and timeout. */
  static final Duration SCRAPE_INTERVAL = Duration.ofSeconds(3);

  private final Process process;
  private final Path dir;
  private final int port;

  private TestPrometheus(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.port = port;
  }

  /** Skips (or fails under MICROC_IT_STRICT=1) when the prometheus binary is missing. */
  static void require() {
    Engines.requireExecutable("prometheus", "install prometheus", "/usr/bin/prometheus");
  }

  static TestPrometheus start(TestExporter exporter, String... collectors) throws Exception {
    Path dir = Files.createTempDirectory("microc-prometheus");
    Path config = dir.resolve("prometheus.yml");
    // A scrape takes well under a second, but not always on a loaded machine: a timeout with
    // room for that keeps Prometheus's samples (and up) about the exporter, not the machine.
    Files.writeString(config, """
        global:
          scrape_interval: %ds
          scrape_timeout: %ds
        scrape_configs:
          - job_name: microc
            params:
              'collect[]': [%s]
            static_configs:
              - targets: ['127.0.0.1:%d']
        """.formatted(SCRAPE_INTERVAL.toSeconds(), SCRAPE_INTERVAL.toSeconds(),
            Stream.of(collectors).collect(Collectors.joining(", ")), exporter.port()));
    Process process = new ProcessBuilder("prometheus",
        "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:0")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("prometheus.log").toFile())
        .start();
    int port = Ports.fromLog(dir.resolve("prometheus.log"), Ports.EXPORTER_TOOLKIT, process, Duration.ofSeconds(60));
    TestPrometheus prometheus = new TestPrometheus(process, dir, port);
    await("Prometheus ready", Duration.ofSeconds(60), () -> prometheus.get("/-/ready").statusCode() == 200);
    return prometheus;
  }

  /** The result vector of an instant query; throws when Prometheus rejects it. */
  JsonNode query(String promql) throws Exception {
    HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    JsonNode body = JSON.readTree(r.body());
    if (!"success".equals(body.path("status").asText())) {
      throw new IllegalStateException(promql + ": " + r.body());
    }
    return body.path("data").path("result");
  }

  /** The first sample's value of an instant query. */
  static double value(JsonNode result) {
    return Double.parseDouble(result.get(0).path("value").get(1).asText());
  }

  List<String> log() throws IOException {
    return Files.readAllLines(dir.resolve("prometheus.log"));
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws Exception {
    try {
      JsonNode slowest = query("max_over_time(scrape_duration_seconds[10m])");
      if (slowest.size() > 0) {
        System.out.printf("TestPrometheus: slowest scrape %.3f s (timeout %d s)%n", value(slowest),
            SCRAPE_INTERVAL.toSeconds());
      }
    } catch (Exception e) {
      // Only a figure for the log.
    }
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
