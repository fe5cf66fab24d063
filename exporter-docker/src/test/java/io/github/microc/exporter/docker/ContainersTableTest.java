package io.github.microc.exporter.docker;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.microc.exporter.core.Microc;
import io.github.microc.exporter.core.config.ListenAddress;
import io.github.microc.exporter.core.spi.CollectorPlugin;
import io.github.microc.exporter.core.spi.PluginContext;
import io.github.microc.exporter.core.spi.StatusTable;
import io.github.microc.exporter.docker.metadata.Caches;
import io.github.microc.exporter.docker.metadata.ContainerCache;
import io.github.microc.exporter.docker.metadata.ContainerInfo;
import io.github.microc.exporter.docker.watchdog.WatchdogStatus;
import io.github.microc.exporter.docker.watchdog.WatchdogStatus.Watch;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The landing page's containers table, from a hand-filled cache, scrape history and watchdog state. */
class ContainersTableTest {

  static final String HOST = "unix:///var/run/docker.sock";
  static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
  static final String HOSTILE = "<script>alert(\"pwned\")</script>' \"quoted\" & more";
  static final long S = 1_000_000_000L;

  static ContainerInfo container(String id, String name, String state, long pid, long exitCode,
      String health, Map<String, String> labels) {
    return new ContainerInfo(id.repeat(64 / id.length()), name, "microc-test/busybox:1", "sha256:d5d2",
        labels, state, pid, exitCode, 2, false, NOW.minusSeconds(2 * 3600 + 5 * 60), health,
        "default", 0, 100_000, 1024, 256L << 20, 0);
  }

  static final ContainerInfo WEB = container("a", "web", "running", 100, 0, "healthy",
      Map.of("com.docker.compose.service", HOSTILE, "com.docker.compose.project", "shop", "secret.not.listed", "x"));
  static final ContainerInfo SICK = container("b", "sick", "running", 101, 0, "unhealthy", Map.of());
  static final ContainerInfo CRASHED = container("c", "crashed", "exited", 0, 3, "", Map.of("microc.watchdog", "true"));

  private final ScrapeHistory history = new ScrapeHistory();

  ContainersTable table(ContainerCache cache, Optional<WatchdogStatus> watchdog) {
    return new ContainersTable(HOST, ContainerSettingsTest.settings(""), cache, history,
        () -> watchdog, Clock.fixed(NOW, ZoneOffset.UTC), () -> 25 * S);
  }

  static WatchdogStatus watchdog(boolean dryRun, Watch... watches) {
    return new WatchdogStatus(HOST, true, dryRun,
        java.util.Arrays.stream(watches).collect(java.util.stream.Collectors.toMap(Watch::name, w -> w)));
  }

  static Map<String, List<String>> byName(StatusTable table) {
    return table.rows().stream().collect(java.util.stream.Collectors.toMap(r -> r.get(0), r -> r));
  }

  @Test
  void aRowPerContainerWithItsStateFiguresLabelsAndTheWatchdogsDecision() {
    // Two scrapes 10 s apart: web used 2.5 s of CPU, and holds 64 MiB of its 256 MiB.
    history.record(List.of(ScrapeHistoryTest.row(WEB, 100 * S, 60L << 20),
        ScrapeHistoryTest.row(SICK, 0, 1 << 20)), 10 * S);
    history.record(List.of(ScrapeHistoryTest.row(WEB, 100 * S + 5 * S / 2, 64L << 20),
        ScrapeHistoryTest.row(SICK, 0, 1 << 20)), 20 * S);
    WatchdogStatus dog = watchdog(false,
        new Watch("crashed", true, "restart due (exit_code, exit 3, attempt 1/5), just now",
            "in 2s (2026-12-01T12:00:02Z)", 0),
        new Watch("ghost", false, "watched, no such container", "", 0));

    StatusTable table = table(Caches.of(true, WEB, SICK, CRASHED), Optional.of(dog)).table();

    assertThat(table.title()).isEqualTo("Containers");
    assertThat(table.columns()).containsExactly("Name", "Image", "State", "Health", "Up",
        "CPU (last scrapes)", "Memory (working set / limit)", "Restarts", "Labels", "Watchdog",
        "Next restart");
    assertThat(table.rows()).extracting(r -> r.get(0)).containsExactly("crashed", "sick", "web", "ghost");
    Map<String, List<String>> rows = byName(table);
    assertThat(rows.get("web")).containsExactly("web", "microc-test/busybox:1", "running", "healthy",
        "2h5m", "25.0 % over 10s", "64 MiB / 256 MiB (25 %)", "2",
        "com.docker.compose.project=shop com.docker.compose.service=" + HOSTILE, "not watched", "");
    assertThat(rows.get("sick")).containsSequence("running", "unhealthy", "2h5m", "0.0 % over 10s",
        "1.0 MiB / 256 MiB (0 %)");
    assertThat(rows.get("crashed")).containsExactly("crashed", "microc-test/busybox:1", "exited (3)", "",
        "", "", "", "2", "", "restart due (exit_code, exit 3, attempt 1/5), just now",
        "in 2s (2026-12-01T12:00:02Z)");
    assertThat(rows.get("ghost")).contains("no such container", "watched, no such container");
    assertThat(table.note()).isEqualTo("3 containers on unix:///var/run/docker.sock. CPU and memory"
        + " as of the last scrapes of /metrics, the latest 5s ago. The watchdog follows the daemon's events.");
  }

  @Test
  void anEmptyCacheSaysSo() {
    StatusTable table = table(Caches.of(true), Optional.empty()).table();

    assertThat(table.rows()).isEmpty();
    assertThat(table.note()).isEqualTo("No containers on unix:///var/run/docker.sock."
        + " No watchdog watches this daemon.");
  }

  @Test
  void aDaemonDownShowsTheContainersAsLastSeen() {
    ContainerCache down = Caches.of(false, WEB);
    StatusTable table = table(down, Optional.of(new WatchdogStatus(HOST, false, true, Map.of()))).table();

    assertThat(table.rows()).extracting(r -> r.get(0)).containsExactly("web");
    assertThat(table.note()).startsWith("The Docker daemon at unix:///var/run/docker.sock does not"
        + " answer (microc_docker_up 0): the containers as last seen.")
        .contains("CPU and memory appear once /metrics has been scraped (twice for CPU).")
        .endsWith("The watchdog (dry run: it restarts nothing) does not follow the daemon's events"
            + " now: no restarts meanwhile.");
    assertThat(byName(table).get("web").get(9)).as("a watchdog runs, web is not among its names")
        .isEqualTo("not watched");
  }

  @Test
  void aDaemonThatNeverAnsweredHasNoContainersYet() {
    StatusTable table = table(new ContainerCache(), Optional.empty()).table();

    assertThat(table.rows()).isEmpty();
    assertThat(table.note()).startsWith("The Docker daemon at unix:///var/run/docker.sock has not"
        + " answered since the start: no containers known yet (microc_docker_up 0).");
  }

  @Test
  void aLongLabelValueIsCut() {
    ContainerInfo c = container("d", "long", "running", 5, 0, "",
        Map.of("com.docker.compose.service", "x".repeat(1000)));
    List<String> row = table(Caches.of(true, c), Optional.empty()).table().rows().get(0);

    assertThat(row.get(8)).isEqualTo("com.docker.compose.service=" + "x".repeat(ContainersTable.MAX_LABEL_CHARS) + "…");
  }

  @Test
  void onThePageEveryValueIsEscaped() throws Exception {
    ContainersTable containers = table(Caches.of(true, WEB), Optional.empty());
    CollectorPlugin plugin = new CollectorPlugin() {
      @Override
      public String name() {
        return "containers_page";
      }

      @Override
      public MultiCollector create(PluginContext context) {
        context.addStatus(containers::table);
        return MetricSnapshots::of;
      }
    };
    try (Microc microc = Microc.builder().plugins(List.of(plugin)).environment(Map.of()).build()) {
      int port = microc.startServer(ListenAddress.parse("127.0.0.1:0")).port();
      String page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/")).build(), HttpResponse.BodyHandlers.ofString()).body();

      assertThat(page).contains("<h2>Containers</h2>", "<td>web</td>",
          "com.docker.compose.service=&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;&#39;"
              + " &quot;quoted&quot; &amp; more</td>")
          .doesNotContain("<script>").doesNotContain("\"pwned\"").doesNotContain("secret.not.listed");
    }
  }
}
