package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.http.ExporterServer;
import io.github.microc.exporter.core.testing.Engines;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code promtool check metrics} on what the real endpoint serves with every host collector.
 * Its only complaint may be the one it also makes about node_exporter: the
 * {@code node_memory_*} names keep the kernel's camelCase fields.
 */
class PromtoolIT {

  private static final Pattern CAMEL_CASE = Pattern.compile(
      "node_memory_\\w+ metric names should be written in 'snake_case' not 'camelCase'");

  @Test
  void promtoolFindsNothingButNodeExportersOwnCamelCase() throws Exception {
    Path promtool = Engines.requireExecutable("promtool",
        "install Prometheus' promtool (apt-get install prometheus)", "/usr/bin/promtool");
    String body;
    try (Microc microc = Microc.builder().environment(Map.of()).plugins(Fixtures.HOST_PLUGINS).build()) {
      ExporterServer server = microc.startServer(ListenAddress.parse("127.0.0.1:0"));
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
              .timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      body = response.body();
    }
    assertThat(body).contains("node_cpu_seconds_total{", "node_filesystem_size_bytes{",
        "node_memory_MemTotal_bytes ", "microc_scrape_collector_success{collector=\"os\"} 1");

    Process process = new ProcessBuilder(promtool.toString(), "check", "metrics")
        .redirectErrorStream(true).start();
    try (OutputStream in = process.getOutputStream()) {
      in.write(body.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();

    List<String> lines = output.lines().filter(l -> !l.isBlank()).toList();
    List<String> others = lines.stream().filter(l -> !CAMEL_CASE.matcher(l).matches()).toList();
    assertThat(others).as("promtool's complaints besides camelCase node_memory_* names").isEmpty();
    assertThat(lines).as("camelCase warnings for the kernel's meminfo fields").isNotEmpty();
    // promtool exits 3 when it has lint warnings, 0 when it has none.
    assertThat(process.exitValue()).isEqualTo(3);
  }
}
