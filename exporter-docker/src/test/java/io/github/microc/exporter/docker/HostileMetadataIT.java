package io.github.microc.exporter.docker;

import static io.github.microc.exporter.docker.DockerCli.IMAGE;
import static io.github.microc.exporter.docker.DockerCli.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.microc.exporter.core.testing.Engines;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Label values are whatever a container's author chose. 100 containers whose allow-listed
 * labels hold quotes, backslashes, newlines, tabs, unicode and 64 KB of text: the exposition
 * must still parse with {@code promtool check metrics}, and a real Prometheus must ingest it
 * with every value intact.
 */
class HostileMetadataIT {

  private static final String P = "microc-it-hostile-";
  private static final int COUNT = 100;
  private static final String BIG_LABEL = "evil-label.with/odd:chars";
  private static DockerCli docker;
  private static TestExporter exporter;
  private static TestPrometheus prometheus;

  static String quoted(int i) {
    return "quote\"back\\slash\\\" " + i;
  }

  static String multiline(int i) {
    return "line one\nline two\r\n\ttabbed " + i + "\n";
  }

  static String unicode(int i) {
    return "ünïcödé 世界 🚀 שלום " + i;
  }

  static String big(int i) {
    if (i >= 2) {
      return "small " + i;
    }
    StringBuilder b = new StringBuilder();
    while (b.length() < 64 * 1024) {
      b.append("Lorem \"ipsum\" dolor\\sit amet, {consectetur}=adipiscing, élit ").append(b.length()).append('\n');
    }
    return b.substring(0, 64 * 1024);
  }

  @BeforeAll
  static void start() throws Exception {
    docker = DockerCli.requireLocal();
    Path promtool = Engines.requireExecutable("promtool", "install prometheus", "/usr/bin/promtool");
    TestPrometheus.require();
    assertThat(promtool).isNotNull();
    docker.removeLabelled("hostile");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<String>> created = new ArrayList<>();
      for (int i = 0; i < COUNT; i++) {
        int n = i;
        created.add(pool.submit(() -> docker.run("create", "--name", String.format("%s%03d", P, n),
            "--network", "none",
            "--label", "microc.it=hostile",
            "--label", "com.docker.compose.project=" + quoted(n),
            "--label", "com.docker.compose.service=" + multiline(n),
            "--label", "io.kubernetes.pod.name=" + unicode(n),
            "--label", BIG_LABEL + "=" + big(n),
            "--label", "not.allowed=secret",
            IMAGE, "sleep", "3600")));
      }
      for (Future<String> f : created) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdown();
    }
    // A few running, so that resource series carry the labels too.
    docker.run("start", P + "000", P + "001", P + "002");
    List<String> allow = new ArrayList<>(List.of("com.docker.compose.project",
        "com.docker.compose.service", "io.kubernetes.pod.name", BIG_LABEL));
    exporter = TestExporter.start(Map.of(
        "microc.collectors.containers.name-include", P + ".*",
        "microc.collectors.containers.label-allow-list", allow));
    await("100 containers", Duration.ofSeconds(60),
        () -> exporter.metrics().named("microc_container_info").size() == COUNT);
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      prometheus.close();
    }
    if (exporter != null) {
      exporter.close();
    }
    if (docker != null) {
      docker.removeLabelled("hostile");
    }
  }

  @Test
  void labelValuesSurviveTheExpositionIntact() throws Exception {
    Exposition e = exporter.metrics();
    for (int i : new int[] {0, 1, 2, 57}) {
      Exposition.Sample info = e.find("microc_container_info", String.format("%s%03d", P, i), s -> true)
          .orElseThrow();
      assertThat(info.label("container_label_com_docker_compose_project")).isEqualTo(quoted(i));
      assertThat(info.label("container_label_com_docker_compose_service")).isEqualTo(multiline(i).replace("\r", "\r"));
      assertThat(info.label("container_label_io_kubernetes_pod_name")).isEqualTo(unicode(i));
      assertThat(info.label("container_label_evil_label_with_odd_chars")).isEqualTo(big(i));
      assertThat(info.labels()).doesNotContainKey("container_label_not_allowed");
    }
    assertThat(e.find("container_cpu_usage_seconds_total", P + "000", s -> true).orElseThrow()
        .label("container_label_evil_label_with_odd_chars")).hasSize(64 * 1024);
  }

  /**
   * promtool parses the whole exposition. Its only remark is a naming lint on
   * {@code microc_container_restart_count}, the name the design gives that gauge (Docker's
   * {@code RestartCount}); any other remark or a parse error fails.
   */
  @Test
  void promtoolChecksTheExposition() throws Exception {
    String text = exporter.scrape();
    assertThat(Promtool.remarks(text)).as("promtool says").isEmpty();
  }

  @Test
  void prometheusIngestsEverySeriesWithItsLabels() throws Exception {
    startPrometheus();
    String count = "count(microc_container_info{name=~\"" + P + ".*\"})";
    await("Prometheus to ingest " + COUNT + " containers", Duration.ofSeconds(60), () -> {
      JsonNode r = query(count);
      return r.size() == 1 && r.get(0).path("value").get(1).asText().equals(String.valueOf(COUNT));
    });
    JsonNode up = query("up{job=\"microc\"}");
    assertThat(up.get(0).path("value").get(1).asText()).isEqualTo("1");
    for (int i : new int[] {0, 1, 57}) {
      JsonNode series = query("microc_container_info{name=\"" + String.format("%s%03d", P, i) + "\"}");
      assertThat(series).hasSize(1);
      JsonNode metric = series.get(0).path("metric");
      assertThat(metric.path("container_label_com_docker_compose_project").asText()).isEqualTo(quoted(i));
      assertThat(metric.path("container_label_com_docker_compose_service").asText()).isEqualTo(multiline(i));
      assertThat(metric.path("container_label_io_kubernetes_pod_name").asText()).isEqualTo(unicode(i));
      assertThat(metric.path("container_label_evil_label_with_odd_chars").asText()).isEqualTo(big(i));
    }
    JsonNode running = query("container_memory_working_set_bytes{name=~\"" + P + "00[0-2]\"}");
    assertThat(running).hasSize(3);
  }

  private static void startPrometheus() throws Exception {
    prometheus = TestPrometheus.start(exporter, "containers");
  }

  private static JsonNode query(String promql) throws Exception {
    return prometheus.query(promql);
  }
}
