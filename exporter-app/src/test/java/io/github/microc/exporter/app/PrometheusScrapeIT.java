package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.testing.Engines;
import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus ({@code /usr/bin/prometheus}) scrapes the shaded jar started as a
 * process, every second; the test asks Prometheus's query API what it stored.
 */
class PrometheusScrapeIT {

  private static final Pattern CPU_SERIES =
      Pattern.compile("(?m)^node_cpu_seconds_total\\{cpu=\"([^\"]+)\",mode=\"([^\"]+)\"}");
  private static final Pattern RESULT_CPU_MODE =
      Pattern.compile("\"metric\":\\{[^}]*?\"cpu\":\"([^\"]+)\"[^}]*?\"mode\":\"([^\"]+)\"");

  @TempDir
  Path work;

  @Test
  void prometheusScrapesTheJarAndRatesEveryCpuAndMode() throws Exception {
    Path prometheus = Engines.requireExecutable("prometheus",
        "install Debian's prometheus package (apt-get install prometheus)", "/usr/bin/prometheus");
    try (ExporterProcess microc = ExporterProcess.start(work, ExporterProcess.ANY_PORT)) {
      int port = microc.port();
      microc.awaitReady(port, Duration.ofSeconds(20));

      HttpResponse<String> unknown = ExporterProcess.get(port, "/metrics?collect[]=nope");
      assertThat(unknown.statusCode()).isEqualTo(400);
      assertThat(unknown.body()).contains("\"nope\"");

      Set<String> expected = cpuModes(ExporterProcess.get(port, "/metrics").body(), CPU_SERIES);
      assertThat(expected).as("node_cpu_seconds_total on /metrics").isNotEmpty();
      assertThat(expected.stream().map(s -> s.split("/")[0]).distinct().count())
          .as("CPUs").isEqualTo(cpusInProcStat());
      assertThat(expected.stream().map(s -> s.split("/")[1]).distinct())
          .contains("user", "system", "idle");

      // A scrape of every default collector takes well under a second, but not always on a
      // loaded machine: a longer timeout than that keeps each sample.
      Path config = Files.writeString(work.resolve("prometheus.yml"), """
          global:
            scrape_interval: 2s
            scrape_timeout: 2s
            evaluation_interval: 1s
          scrape_configs:
            - job_name: microc
              static_configs:
                - targets: ['127.0.0.1:%d']
          """.formatted(port));
      Process server = new ProcessBuilder(prometheus.toString(),
          "--config.file=" + config,
          "--storage.tsdb.path=" + work.resolve("tsdb"),
          "--web.listen-address=127.0.0.1:0")
          .redirectErrorStream(true)
          .redirectOutput(work.resolve("prometheus.log").toFile())
          .start();
      try {
        int prometheusPort = Ports.fromLog(work.resolve("prometheus.log"), Ports.EXPORTER_TOOLKIT, server,
            Duration.ofSeconds(60));
        String up = poll(prometheusPort, "up{job=\"microc\"}", body -> body.contains("\"1\"]"));
        assertThat(up).contains("\"value\":[").endsWith("\"1\"]}]}}");

        String rate = poll(prometheusPort, "rate(node_cpu_seconds_total{job=\"microc\"}[30s])",
            body -> cpuModes(body, RESULT_CPU_MODE).equals(expected));
        assertThat(cpuModes(rate, RESULT_CPU_MODE)).isEqualTo(expected);
      } finally {
        server.destroy();
        server.waitFor(20, TimeUnit.SECONDS);
      }

      // SIGTERM: a clean, prompt stop with status 0.
      long start = System.nanoTime();
      microc.process().destroy();
      assertThat(microc.process().waitFor(10, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
      assertThat(microc.process().exitValue()).as(microc.err()).isZero();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      assertThat(microc.err()).contains("received SIGTERM, shutting down")
          .doesNotContain("\tat ", "Exception");
    }
  }

  private String poll(int port, String query, java.util.function.Predicate<String> done)
      throws IOException, InterruptedException {
    return ExporterProcess.queryPrometheus(port, query, done, work.resolve("prometheus.log"));
  }

  /** "cpu/mode" pairs. */
  private static Set<String> cpuModes(String text, Pattern pattern) {
    Set<String> pairs = new TreeSet<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      pairs.add(m.group(1) + "/" + m.group(2));
    }
    return pairs;
  }

  private static long cpusInProcStat() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
    return lines.stream().filter(l -> l.matches("cpu\\d+ .*")).count();
  }
}
