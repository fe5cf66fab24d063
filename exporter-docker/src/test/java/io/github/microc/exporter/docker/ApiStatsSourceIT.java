package io.github.microc.exporter.docker;

import static io.github.microc.exporter.docker.DockerCli.IMAGE;
import static io.github.microc.exporter.docker.DockerCli.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code stats-source = api}, as for a remote daemon: the same families, from one-shot stats
 * API calls in the background, and HELP texts that say the values are cached.
 */
class ApiStatsSourceIT {

  private static final String NAME = "microc-it-api-mem";
  private static DockerCli docker;
  private static TestExporter exporter;

  @BeforeAll
  static void start() throws Exception {
    docker = DockerCli.requireLocal();
    docker.removeLabelled("api");
    docker.runDetached(NAME, "api", "--network", "none", "--memory", "32m", IMAGE, "sh", "-c", "head -c 10000000 /dev/zero > /dev/shm/fill; sleep 3600");
    exporter = TestExporter.start(Map.of(
        "microc.collectors.containers.name-include", NAME,
        "microc.collectors.containers.stats-source", "api",
        "microc.collectors.containers.api-stats-interval", "1s"));
  }

  @AfterAll
  static void stop() {
    if (exporter != null) {
      exporter.close();
    }
    if (docker != null) {
      docker.removeLabelled("api");
    }
  }

  @Test
  void valuesComeFromTheStatsApiAndSaySo() throws Exception {
    await("stats from the API", Duration.ofSeconds(30),
        () -> exporter.metrics().value("container_memory_working_set_bytes", NAME).orElse(0.0) > 9e6);
    String text = exporter.scrape();
    assertThat(text).contains("# HELP container_memory_working_set_bytes Current working set in bytes."
        + " Where cgroup files cannot be read, cached from the Docker stats API, refreshed every 1s.");
    Exposition e = Exposition.parse(text);
    assertThat(e.value("container_spec_memory_limit_bytes", NAME)).contains((double) (32 << 20));
    assertThat(e.value("container_cpu_usage_seconds_total", NAME, "cpu", "total")).isPresent();
    assertThat(e.value("microc_container_pids", NAME)).contains(
        Double.parseDouble(docker.run("stats", "--no-stream", "--format", "{{.PIDs}}", NAME)));
  }
}
