package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.http.ExporterServer;
import io.github.microc.exporter.core.testing.Engines;
import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code promtool check metrics} on the full output of the real endpoint, every collector on the
 * class path with its default and the exporter's own metrics, against what it says of the real
 * node_exporter 1.5's full output (its defaults but systemd, which needs a systemd this host may
 * lack): Microc may get no complaint that node_exporter's own output does not get too
 * (node_exporter keeps the kernel's camelCase names, {@code node_memory_MemTotal_bytes} and
 * {@code node_netstat_Tcp_InSegs}).
 */
class PromtoolIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void promtoolSaysNothingOfMicrocItDoesNotSayOfNodeExporter() throws Exception {
    Path promtool = Engines.requireExecutable("promtool",
        "install Prometheus' promtool (apt-get install prometheus)", "/usr/bin/promtool");
    Path nodeExporter = Engines.executable("node_exporter").orElseGet(() -> Engines.requireExecutable(
        "prometheus-node-exporter", "install node_exporter 1.5 (apt-get install prometheus-node-exporter)",
        "/usr/bin/prometheus-node-exporter"));
    String ours;
    try (Microc microc = Microc.builder().environment(Map.of()).build()) {
      ExporterServer server = microc.startServer(ListenAddress.parse("127.0.0.1:0"));
      ours = get(URI.create("http://127.0.0.1:" + server.port() + "/metrics"));
    }
    assertThat(ours).contains("node_cpu_seconds_total{", "node_filesystem_size_bytes{",
        "node_memory_MemTotal_bytes ", "microc_scrape_collector_success{collector=\"os\"} 1");
    String theirs = scrapeNodeExporter(nodeExporter);

    Set<String> aboutOurs = check(promtool, ours);
    Set<String> aboutTheirs = check(promtool, theirs);

    Set<String> onlyOurs = new TreeSet<>(aboutOurs);
    onlyOurs.removeAll(aboutTheirs);
    assertThat(onlyOurs).as("promtool's complaints about Microc that it does not make about node_exporter"
        + " (about node_exporter: " + aboutTheirs + ")").isEmpty();
    assertThat(aboutOurs).as("the camelCase names both keep from the kernel")
        .anyMatch(l -> l.startsWith("node_memory_MemTotal_bytes "))
        .anyMatch(l -> l.startsWith("node_netstat_Tcp_InSegs "));
  }

  /** node_exporter with its default collectors but systemd, on a free loopback port. */
  private static String scrapeNodeExporter(Path binary) throws Exception {
    List<String> command = new ArrayList<>(List.of(binary.toString(),
        "--web.listen-address=127.0.0.1:0", "--no-collector.systemd"));
    Path log = Files.createDirectories(Path.of("target")).resolve("promtool-node-exporter.log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      int port = Ports.fromLog(log, Ports.EXPORTER_TOOLKIT, process, Duration.ofSeconds(30));
      URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (true) {
        try {
          return get(uri);
        } catch (ConnectException e) {
          if (!process.isAlive() || System.nanoTime() > deadline) {
            throw new IllegalStateException("node_exporter did not start: " + Files.readString(log), e);
          }
          Thread.sleep(50);
        }
      }
    } finally {
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** promtool's complaints, one a line; it exits 0 without and 3 with lint warnings. */
  private static Set<String> check(Path promtool, String exposition) throws Exception {
    Process process = new ProcessBuilder(promtool.toString(), "check", "metrics")
        .redirectErrorStream(true).start();
    try (OutputStream in = process.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("promtool's exit status; its output:\n" + output).isIn(0, 3);
    Set<String> lines = new TreeSet<>();
    output.lines().filter(l -> !l.isBlank()).forEach(lines::add);
    return lines;
  }

  private static String get(URI uri) throws IOException, InterruptedException {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }
}
