package io.github.microc.exporter.docker.watchdog;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.docker.client.DockerApi;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog's Docker side without a daemon: a socket that nobody listens on is a daemon
 * that went away. Real connection attempts fail; nothing is stubbed.
 */
class WatchdogTest {

  static Watchdog watchdog(Path dir, boolean dryRun) {
    WatchdogSettings settings = new WatchdogSettings("", Set.of("web", "db"), "microc.watchdog",
        dryRun, true, true, true, Duration.ofMinutes(2), Duration.ofSeconds(2),
        Duration.ofMinutes(2), 5, Duration.ofMinutes(10), Duration.ofMinutes(5),
        Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(1));
    String host = "unix://" + dir.resolve("docker.sock");
    return new Watchdog(settings, DockerApi.create(host, settings.requestTimeout()),
        Clock.systemUTC());
  }

  static String text(Watchdog watchdog) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new PrometheusTextFormatWriter(false).write(out, watchdog.collect());
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void listedContainersAreExposedBeforeAnythingHappens(@TempDir Path dir) throws IOException {
    try (Watchdog watchdog = watchdog(dir, true)) {
      assertThat(text(watchdog)).isEqualTo("""
          # HELP microc_watchdog_dry_run 1 when the watchdog only decides and counts, restarting nothing.
          # TYPE microc_watchdog_dry_run gauge
          microc_watchdog_dry_run 1.0
          # HELP microc_watchdog_event_stream_reconnects_total Times the events stream was lost and the watchdog reconnected.
          # TYPE microc_watchdog_event_stream_reconnects_total counter
          microc_watchdog_event_stream_reconnects_total 0.0
          # HELP microc_watchdog_events_connected 1 while the watchdog follows the Docker events stream.
          # TYPE microc_watchdog_events_connected gauge
          microc_watchdog_events_connected 0.0
          # HELP microc_watchdog_gave_up 1 while the watchdog has given up restarting the container (too many restarts in the window).
          # TYPE microc_watchdog_gave_up gauge
          microc_watchdog_gave_up{name="db"} 0.0
          microc_watchdog_gave_up{name="web"} 0.0
          # HELP microc_watchdog_last_sweep_timestamp_seconds When the watchdog last looked at every watched container (0: not yet).
          # TYPE microc_watchdog_last_sweep_timestamp_seconds gauge
          microc_watchdog_last_sweep_timestamp_seconds 0.0
          # HELP microc_watchdog_restart_due 1 while a restart of the container waits for its backoff.
          # TYPE microc_watchdog_restart_due gauge
          microc_watchdog_restart_due{name="db"} 0.0
          microc_watchdog_restart_due{name="web"} 0.0
          # HELP microc_watchdog_restart_failures_total Restarts the Docker daemon refused or that failed.
          # TYPE microc_watchdog_restart_failures_total counter
          microc_watchdog_restart_failures_total{name="db"} 0.0
          microc_watchdog_restart_failures_total{name="web"} 0.0
          # HELP microc_watchdog_restarts_total Restarts of a watched container by reason; with dry_run="true" the restarts a dry run would have made.
          # TYPE microc_watchdog_restarts_total counter
          microc_watchdog_restarts_total{dry_run="true",name="db",reason="exit_code"} 0.0
          microc_watchdog_restarts_total{dry_run="true",name="db",reason="oom"} 0.0
          microc_watchdog_restarts_total{dry_run="true",name="db",reason="unhealthy"} 0.0
          microc_watchdog_restarts_total{dry_run="true",name="web",reason="exit_code"} 0.0
          microc_watchdog_restarts_total{dry_run="true",name="web",reason="oom"} 0.0
          microc_watchdog_restarts_total{dry_run="true",name="web",reason="unhealthy"} 0.0
          # HELP microc_watchdog_watched 1 for each watched container that exists, 0 for a listed name that does not.
          # TYPE microc_watchdog_watched gauge
          microc_watchdog_watched{name="db"} 0.0
          microc_watchdog_watched{name="web"} 0.0
          """);
    }
  }

  @Test
  void metricsDocListsEveryFamilyWithItsTypeAndHelp(@TempDir Path dir) throws IOException {
    Map<String, String> documented = new TreeMap<>();
    for (String line : Files.readAllLines(Path.of("../docs/metrics.md"))) {
      if (line.startsWith("| `microc_watchdog_")) {
        String[] cells = line.split("\\|");
        documented.put(cells[1].trim().replace("`", ""), cells[2].trim() + " " + cells[4].trim());
      }
    }
    Map<String, String> exposed = new TreeMap<>();
    try (Watchdog watchdog = watchdog(dir, false)) {
      for (MetricSnapshot s : watchdog.collect()) {
        boolean counter = s instanceof CounterSnapshot;
        exposed.put(s.getMetadata().getName() + (counter ? "_total" : ""),
            (counter ? "counter" : "gauge") + " " + s.getMetadata().getHelp());
      }
    }
    assertThat(documented).isEqualTo(exposed);
  }

  @Test
  void daemonAwayIsReportedOnceAndRetriedWithoutBreakingTheScrape(@TempDir Path dir)
      throws Exception {
    try (LogCapture logs = LogCapture.start(); Watchdog watchdog = watchdog(dir, false)) {
      watchdog.start();
      // Several reconnect attempts (0.5s, 1s, ...) while scraping.
      long end = System.nanoTime() + Duration.ofMillis(2500).toNanos();
      while (System.nanoTime() < end) {
        assertThat(text(watchdog)).contains("microc_watchdog_events_connected 0.0");
        Thread.sleep(100);
      }
      assertThat(logs.lines()).filteredOn(l -> l.contains("watchdog lost the Docker events stream"))
          .hasSize(1)
          .allMatch(l -> l.contains(dir.resolve("docker.sock").toString()));
      assertThat(Files.exists(dir.resolve("docker.sock"))).isFalse();
    }
  }
}
