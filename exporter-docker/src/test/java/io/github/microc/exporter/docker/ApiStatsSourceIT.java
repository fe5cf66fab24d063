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
    docker.runDetached(NAME, "api", "--network", "none", "--memory", "32m", IMAGE, "sh", "-c",
        "head -c 10000000 /dev/zero > /dev/shm/fill; exec sleep 3600");
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

  /**
   * The cached figures are up to a refresh (1 s) old: the pids are compared once the container
   * has settled to its one process ({@code head} done, {@code sleep} exec'd; {@code docker top}
   * adds no process to it, as {@code docker exec} would) and a refresh has come since.
   */
  @Test
  void valuesComeFromTheStatsApiAndSaySo() throws Exception {
    await("the container settled to its one process", Duration.ofSeconds(30),
        () -> docker.run("top", NAME, "-o", "pid,comm").lines().skip(1).toList().size() == 1);
    double settled = Double.parseDouble(docker.run("stats", "--no-stream", "--format", "{{.PIDs}}", NAME));
    await("stats from the API after it settled", Duration.ofSeconds(30), () -> {
      Exposition e = exporter.metrics();
      return e.value("container_memory_working_set_bytes", NAME).orElse(0.0) > 9e6
          && e.value("microc_container_pids", NAME).orElse(-1.0) == settled;
    });
    String text = exporter.scrape();
    assertThat(text).contains("# HELP container_memory_working_set_bytes Current working set in bytes."
        + " Where cgroup files cannot be read, cached from the Docker stats API, refreshed every 1s.");
    Exposition e = Exposition.parse(text);
    assertThat(e.value("container_spec_memory_limit_bytes", NAME)).contains((double) (32 << 20));
    assertThat(e.value("container_cpu_usage_seconds_total", NAME, "cpu", "total")).isPresent();
    assertThat(e.value("microc_container_pids", NAME)).contains(
        Double.parseDouble(docker.run("stats", "--no-stream", "--format", "{{.PIDs}}", NAME)));
    assertThat(settled).as("one process: the exec'd sleep").isEqualTo(1);
  }
}
