package io.github.microc.e2e;

import static io.github.microc.e2e.support.DockerCli.TEST_IMAGE;
import static io.github.microc.e2e.support.DockerCli.docker;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.microc.e2e.support.Command;
import io.github.microc.e2e.support.Dashboards;
import io.github.microc.e2e.support.Dashboards.Dashboard;
import io.github.microc.e2e.support.DockerCli;
import io.github.microc.e2e.support.MicrocProcess;
import io.github.microc.e2e.support.PrometheusServer;
import io.github.microc.e2e.support.PrometheusServer.QueryError;
import io.github.microc.e2e.support.Repository;
import io.github.microc.exporter.core.testing.Engines;
import io.github.microc.exporter.core.testing.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;

/**
 * Microc's Grafana dashboards and alert rules against a real Prometheus scraping real Microc
 * instances, and the dashboards' structure.
 */
class DashboardsIT {

  /**
   * A real Prometheus, configured from deploy/prometheus/prometheus.yml (scrape and evaluation
   * intervals cut to 1 s) with the shipped alert rules, scrapes three Microc jars discovered
   * through file_sd, plus a fourth target where nothing listens. Real containers on the local
   * dockerd make what the dashboards and alerts look for happen: a CPU-bound container under
   * {@code --cpus}, one near its memory limit, two OOM-killed ones (the main process, and a
   * child of a container that keeps running), a failing health check, a restart-policy crash
   * loop, and a crash loop that the first instance's watchdog restarts until it gives up. A
   * tmpfs filled while Prometheus watches is the filling and almost full disk.
   *
   * <p>Every expression of every dashboard panel and every alert rule is then sent to
   * Prometheus's query API: none may fail and each must return data. One stand-in: the third
   * instance reads a procfs of a single {@code meminfo} file with little memory available
   * (memory pressure cannot be made safely on a shared host); it also makes that instance's
   * procfs collectors fail and, pointed at a socket where no Docker daemon listens, shows
   * Docker down.
   */
  @Nested
  @TestInstance(Lifecycle.PER_CLASS)
  class AgainstPrometheus {

    /** How long the scenario may take to make every expression return data. */
    private static final Duration SETTLE = Duration.ofSeconds(120);
    private static final Duration READY = Duration.ofSeconds(60);

    private final String run = "microc-it-dash-" + UUID.randomUUID().toString().substring(0, 6);
    private final String label = "microc.it=" + run;
    private final List<MicrocProcess> instances = new ArrayList<>();
    private Path dir;
    private Path filling;
    private boolean mounted;
    private PrometheusServer prometheus;
    private Ports.Refusing dead;
    private Thread filler;

    @BeforeAll
    void startEverything() throws IOException {
      Path prometheusBin = Engines.requireExecutable("prometheus",
          "install Debian's prometheus package (apt-get install prometheus)", "/usr/bin/prometheus");
      Engines.require(DockerCli.answers(),
          "no Docker daemon answers on /var/run/docker.sock; run .ci/docker-setup.sh");
      Engines.require(DockerCli.hasImage(TEST_IMAGE),
          "image " + TEST_IMAGE + " is missing; run .ci/docker-setup.sh");
      Engines.require("0".equals(Command.run(Duration.ofSeconds(5), "id", "-u").output().strip()),
          "the disk-filling scenario mounts a tmpfs, which needs root");
      Path jar = Repository.appJar();
      dir = Files.createTempDirectory("microc-dashboards-it");

      filling = Files.createDirectories(dir.resolve("filling"));
      docker("version"); // fail early, with output, if the CLI itself is broken
      Command.Result mount = Command.run(Duration.ofSeconds(10), "mount", "-t", "tmpfs", "-o", "size=64m",
          "microc-it-fill", filling.toString());
      mounted = mount.succeeded();
      Engines.require(mounted, "cannot mount a tmpfs for the disk-filling scenario: " + mount.output().strip());

      // Three exporters and Prometheus on ports they bind themselves, and a target where nothing
      // listens: a port held bound, so that nothing else takes it meanwhile.
      instances.addAll(startInstances(jar));
      dead = Ports.refusing();
      Path config = prometheusConfig(instances.stream().map(MicrocProcess::address).toList(),
          "127.0.0.1:" + dead.port());
      for (MicrocProcess instance : instances) {
        instance.awaitReady(READY);
      }
      prometheus = PrometheusServer.start(prometheusBin, config, dir).awaitReady(READY);
      // Containers start once Prometheus scrapes, so that it sees their counters rise.
      startContainers();
      filler = fillDisk();
    }

    @AfterAll
    void stopEverything() throws IOException, InterruptedException {
      if (filler != null) {
        filler.interrupt();
        filler.join(5000);
      }
      DockerCli.removeLabelled(label);
      Command.run(Duration.ofSeconds(30), "docker", "network", "rm", run);
      instances.forEach(MicrocProcess::close);
      if (prometheus != null) {
        prometheus.close();
      }
      if (dead != null) {
        dead.close();
      }
      if (mounted) {
        Command.run(Duration.ofSeconds(30), "umount", filling.toString());
      }
      if (dir != null) {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }

    @Test
    void everyDashboardAndAlertExpressionReturnsData() {
      Map<String, String> values = Map.of("job", "microc", "instance", ".+", "name", ".+",
          "__rate_interval", "5s", "__interval", "2s", "__range", "1m");
      Map<String, String> pending = new LinkedHashMap<>();
      for (Dashboard d : Dashboards.all()) {
        for (Dashboards.Expression e : d.expressions()) {
          pending.put(e.origin(), Dashboards.substitute(e.promql(), values));
        }
      }
      Map<String, String> rules = alertRuleQueries();
      assertThat(rules.keySet()).contains("MicrocExporterDown", "MicrocCollectorFailing",
          "MicrocDockerDown", "HostDiskFilling", "HostMemoryPressure", "ContainerRestarting",
          "ContainerOomKilled", "ContainerUnhealthy", "MicrocWatchdogGaveUp");
      rules.forEach((alert, query) -> pending.put("alert " + alert, query));
      int total = pending.size();

      Map<String, String> errors = new LinkedHashMap<>();
      long deadline = System.nanoTime() + SETTLE.toNanos();
      while (!pending.isEmpty() && System.nanoTime() < deadline) {
        pending.entrySet().removeIf(entry -> {
          try {
            return prometheus.query(entry.getValue()).size() > 0;
          } catch (QueryError e) {
            errors.put(entry.getKey(), e.getMessage() + "\n    " + entry.getValue());
            return true;
          }
        });
        if (!errors.isEmpty()) {
          break;
        }
        sleep(2000);
      }
      System.out.printf("DashboardsIT: %d of %d expressions returned data%n", total - pending.size(), total);
      assertThat(errors).as("expressions Prometheus refused").isEmpty();
      assertThat(pending).as("expressions that returned no data within " + SETTLE + "\n"
          + diagnostics()).isEmpty();
    }

    @Test
    void everyAlertRuleIsEvaluatedAndTripped() {
      long deadline = System.nanoTime() + SETTLE.toNanos();
      Map<String, String> states;
      do {
        states = new LinkedHashMap<>();
        for (JsonNode group : prometheus.api("/api/v1/rules?type=alert").path("groups")) {
          for (JsonNode rule : group.path("rules")) {
            states.put(rule.path("name").asText(), rule.path("health").asText() + "/"
                + rule.path("state").asText() + rule.path("lastError").asText(""));
          }
        }
        if (!states.isEmpty() && states.values().stream().allMatch(s -> s.startsWith("ok/") && !s.endsWith("inactive"))) {
          break;
        }
        sleep(2000);
      } while (System.nanoTime() < deadline);
      assertThat(states).as("rule health/state").isNotEmpty()
          .allSatisfy((name, state) -> assertThat(state).as(name).matches("ok/(pending|firing)"));
    }

    @Test
    void aQueryGroupedByInstanceShowsAllThree() {
      Set<String> expected = instances.stream().map(MicrocProcess::address).collect(Collectors.toCollection(TreeSet::new));
      Set<String> seen = new TreeSet<>();
      long deadline = System.nanoTime() + READY.toNanos();
      while (!seen.equals(expected) && System.nanoTime() < deadline) {
        seen.clear();
        for (JsonNode series : prometheus.query("count by (instance) (microc_build_info{job=\"microc\"})")) {
          seen.add(series.path("metric").path("instance").asText());
        }
        sleep(1000);
      }
      assertThat(seen).isEqualTo(expected);
    }

    @Test
    void templateVariablesFindTheirValues() {
      Set<String> names = Set.of(run + "-busy", run + "-sick", run + "-watched");
      long deadline = System.nanoTime() + SETTLE.toNanos();
      Map<String, List<String>> found = new LinkedHashMap<>();
      do {
        found.clear();
        for (Dashboard d : Dashboards.all()) {
          for (JsonNode v : d.variables()) {
            String definition = v.path("definition").asText();
            if (definition.startsWith("label_values(")) {
              found.put(d.title() + " $" + v.path("name").asText(), labelValues(definition));
            }
          }
        }
      } while (!(found.get("Microc / Containers $name").containsAll(names)
          && found.get("Microc / Host $instance").size() == 3) && System.nanoTime() < deadline && sleep(1000));
      assertThat(found.get("Microc / Host $job")).containsExactly("microc");
      assertThat(found.get("Microc / Host $instance"))
          .containsExactlyInAnyOrderElementsOf(instances.stream().map(MicrocProcess::address).toList());
      assertThat(found.get("Microc / Containers $name")).containsAll(names);
    }

    /** {@code label_values(selector, label)} as Grafana runs it: the series API's label values. */
    private List<String> labelValues(String definition) {
      String inner = definition.substring("label_values(".length(), definition.length() - 1);
      int comma = inner.lastIndexOf(',');
      String selector = Dashboards.substitute(inner.substring(0, comma).strip(),
          Map.of("job", "microc", "instance", ".+"));
      String labelName = inner.substring(comma + 1).strip();
      List<String> values = new ArrayList<>();
      prometheus.api("/api/v1/label/" + labelName + "/values?match[]="
          + URLEncoder.encode(selector, StandardCharsets.UTF_8)).forEach(n -> values.add(n.asText()));
      return values;
    }

    private Map<String, String> alertRuleQueries() {
      Map<String, String> queries = new LinkedHashMap<>();
      long deadline = System.nanoTime() + READY.toNanos();
      while (queries.isEmpty() && System.nanoTime() < deadline) {
        for (JsonNode group : prometheus.api("/api/v1/rules?type=alert").path("groups")) {
          for (JsonNode rule : group.path("rules")) {
            queries.put(rule.path("name").asText(), rule.path("query").asText());
          }
        }
        sleep(500);
      }
      return queries;
    }

    /** What Prometheus and the instances said, for a failure message. */
    private String diagnostics() {
      StringBuilder out = new StringBuilder();
      out.append("targets: ");
      for (JsonNode t : prometheus.api("/api/v1/targets").path("activeTargets")) {
        out.append(t.path("labels").path("instance").asText()).append('=').append(t.path("health").asText())
            .append(' ').append(t.path("lastError").asText()).append("; ");
      }
      out.append("\ncontainers: ").append(docker("ps", "-a", "--filter", "label=" + label,
          "--format", "{{.Names}} {{.Status}}").replace('\n', ';'));
      for (MicrocProcess instance : instances) {
        String log = instance.log();
        out.append("\nlog of ").append(instance.address()).append(":\n")
            .append(log.length() > 3000 ? log.substring(log.length() - 3000) : log);
      }
      return out.toString();
    }

    private List<MicrocProcess> startInstances(Path jar) throws IOException {
      // The first instance runs the watchdog, quick to act and to give up.
      Path watchdogConf = dir.resolve("watchdog.conf");
      Files.writeString(watchdogConf, """
          microc.collectors.watchdog {
            enabled = true
            containers = ["%s-watched"]
            initial-backoff = 200ms
            max-backoff = 1s
            max-restarts = 2
          }
          """.formatted(run));
      // The third sees a host short of memory and no Docker daemon.
      Path fakeProc = Files.createDirectories(dir.resolve("fake-proc"));
      Files.writeString(fakeProc.resolve("meminfo"), """
          MemTotal:        1000000 kB
          MemFree:           20000 kB
          MemAvailable:      50000 kB
          Buffers:            1000 kB
          Cached:            20000 kB
          SwapTotal:             0 kB
          SwapFree:              0 kB
          """);
      List<MicrocProcess> started = new ArrayList<>();
      started.add(MicrocProcess.start(jar, Map.of(), dir.resolve("microc-1.log"),
          List.of("--config", watchdogConf.toString())));
      started.add(MicrocProcess.start(jar, Map.of(), dir.resolve("microc-2.log"),
          List.of()));
      started.add(MicrocProcess.start(jar,
          Map.of("MICROC_HOST_PROC", fakeProc.toString(),
              "DOCKER_HOST", "unix://" + dir.resolve("no-docker.sock")),
          dir.resolve("microc-3.log"), List.of()));
      return started;
    }

    /** deploy/prometheus as shipped, but scraping and evaluating every second. */
    private Path prometheusConfig(List<String> targets, String deadTarget) throws IOException {
      Path home = Files.createDirectories(dir.resolve("prometheus"));
      Path shipped = Repository.resolve("deploy/prometheus");
      String config = Files.readString(shipped.resolve("prometheus.yml"));
      String fast = config.replace("scrape_interval: 15s", "scrape_interval: 1s")
          .replace("scrape_timeout: 10s", "scrape_timeout: 1s")
          .replace("evaluation_interval: 15s", "evaluation_interval: 1s");
      assertThat(fast).doesNotContain("15s").doesNotContain("10s");
      Files.writeString(home.resolve("prometheus.yml"), fast);
      Files.createDirectories(home.resolve("rules"));
      Files.copy(shipped.resolve("rules/microc-alerts.yml"), home.resolve("rules/microc-alerts.yml"));
      Files.createDirectories(home.resolve("targets"));
      StringBuilder sd = new StringBuilder("- targets:\n");
      for (String target : targets) {
        sd.append("    - ").append(target).append('\n');
      }
      sd.append("- targets:\n    - ").append(deadTarget).append("\n  labels:\n    role: nothing-listens\n");
      Files.writeString(home.resolve("targets/microc.yml"), sd.toString());
      return home.resolve("prometheus.yml");
    }

    private void startContainers() {
      // A network of the test's own: its bridge does not depend on the daemon's docker0.
      docker("network", "create", "--label", label, run);
      // The busy container's I/O counted on cgroup v1 (a generous throttle rule on Docker's
      // disk), and direct, so that the page cache cannot absorb it.
      List<String> io = new ArrayList<>(
          new io.github.microc.exporter.docker.DockerCli("unix:///var/run/docker.sock").blkioCounted());
      io.addAll(List.of("--cpus", "0.2", "--memory", "64m", "sh", "-c",
          "while true; do dd if=/dev/zero of=/tmp/f bs=1M count=1 oflag=direct 2>/dev/null; "
              + "dd if=/tmp/f of=/dev/null bs=1M iflag=direct 2>/dev/null; "
              + "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; done"));
      container("busy", io.toArray(String[]::new));
      container("near-limit", "--memory", "16m", "--shm-size", "32m",
          "sh", "-c", "head -c 15400000 /dev/zero > /dev/shm/fill; sleep 3600");
      container("healthy", "--health-cmd", "true", "--health-interval", "1s", "sleep", "3600");
      container("sick", "--health-cmd", "false", "--health-interval", "1s", "--health-retries", "1",
          "sleep", "3600");
      // A child of the main process runs out of memory, again and again; the container lives on.
      container("hog", "--memory", "8m",
          "sh", "-c", "while true; do sh -c 'x=a; while true; do x=$x$x; done'; sleep 1; done");
      // The main process runs out of memory: the container stops, OOM-killed.
      container("oom", "--memory", "8m", "sh", "-c", "x=a; while true; do x=$x$x; done");
      container("crashloop", "--restart", "on-failure", "sh", "-c", "sleep 1; exit 1");
      container("watched", "sh", "-c", "sleep 1; exit 3");
    }

    private void container(String name, String... args) {
      List<String> command = new ArrayList<>(List.of("run", "-d", "--name", run + "-" + name,
          "--label", label, "--network", run));
      List<String> rest = new ArrayList<>(List.of(args));
      int image = 0;
      while (image < rest.size() && rest.get(image).startsWith("--")) {
        image += 2;
      }
      command.addAll(rest.subList(0, image));
      command.add(TEST_IMAGE);
      command.addAll(rest.subList(image, rest.size()));
      docker(command.toArray(String[]::new));
    }

    /** Fills the tmpfs by 2 MiB every half second until 2 MiB of its 64 MiB are left. */
    private Thread fillDisk() {
      Thread thread = new Thread(() -> {
        byte[] chunk = new byte[2 << 20];
        try {
          for (int i = 0; i < 31 && !Thread.currentThread().isInterrupted(); i++) {
            Files.write(filling.resolve("chunk-" + i), chunk);
            Thread.sleep(500);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "disk-filler");
      thread.setDaemon(true);
      thread.start();
      return thread;
    }
  }

  static boolean sleep(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** What Grafana needs to import or provision a dashboard and lay it out. */
  @Nested
  class Structure {

    private final List<Dashboard> dashboards = Dashboards.all();

    @Test
    void hostContainersAndExporterDashboardsExist() {
      assertThat(dashboards).extracting(Dashboard::title)
          .containsExactlyInAnyOrder("Microc / Host", "Microc / Containers", "Microc / Exporter");
      assertThat(dashboards).extracting(d -> d.json().path("uid").asText()).doesNotHaveDuplicates();
      for (Dashboard d : dashboards) {
        assertThat(d.json().path("schemaVersion").asInt()).as(d.title()).isBetween(36, 41);
      }
    }

    @Test
    void panelIdsAreUnique() {
      for (Dashboard d : dashboards) {
        List<Integer> ids = d.panels().stream().map(p -> p.path("id").asInt(-1)).toList();
        assertThat(ids).as(d.title()).doesNotContain(-1).doesNotHaveDuplicates();
      }
    }

    @Test
    void prometheusIsAnInputAndAVariableThatEveryPanelAndTargetUses() {
      for (Dashboard d : dashboards) {
        JsonNode input = d.json().path("__inputs").path(0);
        assertThat(input.path("name").asText()).as(d.title()).isEqualTo("DS_PROMETHEUS");
        assertThat(input.path("pluginId").asText()).isEqualTo("prometheus");
        JsonNode variable = variable(d, "datasource");
        assertThat(variable.path("type").asText()).as(d.title()).isEqualTo("datasource");
        assertThat(variable.path("query").asText()).isEqualTo("prometheus");
        assertThat(variable.path("current").path("value").asText()).isEqualTo("${DS_PROMETHEUS}");
        for (JsonNode panel : d.panels()) {
          if (panel.path("type").asText().equals("row")) {
            continue;
          }
          String where = d.title() + " / " + panel.path("title").asText();
          assertThat(panel.path("datasource").path("uid").asText()).as(where).isEqualTo("${datasource}");
          assertThat(panel.path("targets").size()).as(where).isPositive();
          Set<String> refIds = new HashSet<>();
          for (JsonNode target : panel.path("targets")) {
            assertThat(target.path("datasource").path("uid").asText()).as(where).isEqualTo("${datasource}");
            assertThat(refIds.add(target.path("refId").asText())).as(where + " refId").isTrue();
            assertThat(target.path("expr").asText()).as(where).isNotBlank();
          }
        }
      }
    }

    @Test
    void jobInstanceAndContainerNameVariablesFilterEveryQuery() {
      for (Dashboard d : dashboards) {
        List<String> names = d.variables().stream().map(v -> v.path("name").asText()).toList();
        assertThat(names).as(d.title()).contains("datasource", "job", "instance");
        for (String name : List.of("job", "instance")) {
          JsonNode v = variable(d, name);
          assertThat(v.path("type").asText()).isEqualTo("query");
          assertThat(v.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
          assertThat(v.path("definition").asText()).startsWith("label_values(");
        }
        for (Dashboards.Expression e : d.expressions()) {
          assertThat(e.promql()).as(e.origin()).contains("instance=~\"$instance\"", "job=~\"$job\"");
        }
      }
      Dashboard containers = dashboards.stream()
          .filter(d -> d.title().equals("Microc / Containers")).findFirst().orElseThrow();
      assertThat(variable(containers, "name").path("definition").asText())
          .contains("microc_container_info", "name");
      List<String> unfiltered = containers.expressions().stream()
          .filter(e -> e.promql().contains("container_") && !e.promql().contains("name=~\"$name\""))
          .map(Dashboards.Expression::origin).toList();
      assertThat(unfiltered).as("container queries without the name variable").isEmpty();
    }

    @Test
    void panelsLieOnTheGridWithoutOverlapping() {
      for (Dashboard d : dashboards) {
        List<int[]> boxes = new ArrayList<>();
        for (JsonNode panel : d.panels()) {
          JsonNode g = panel.path("gridPos");
          String where = d.title() + " / " + panel.path("title").asText() + " " + g;
          for (String key : List.of("x", "y", "w", "h")) {
            assertThat(g.path(key).isInt()).as(where + " " + key).isTrue();
          }
          int x = g.path("x").asInt();
          int y = g.path("y").asInt();
          int w = g.path("w").asInt();
          int h = g.path("h").asInt();
          assertThat(x).as(where).isBetween(0, 23);
          assertThat(y).as(where).isNotNegative();
          assertThat(w).as(where).isBetween(1, 24 - x);
          assertThat(h).as(where).isPositive();
          for (int[] other : boxes) {
            boolean overlaps = x < other[0] + other[2] && other[0] < x + w
                && y < other[1] + other[3] && other[1] < y + h;
            assertThat(overlaps).as(where + " overlaps another panel").isFalse();
          }
          boxes.add(new int[] {x, y, w, h});
        }
      }
    }

    @Test
    void dashboardsCoverWhatTheyPromise() {
      String all = dashboards.stream().flatMap(d -> d.expressions().stream())
          .map(Dashboards.Expression::promql).collect(Collectors.joining("\n"));
      assertThat(all).contains("node_cpu_seconds_total", "node_load1", "node_memory_MemAvailable_bytes",
          "node_filesystem_avail_bytes", "node_filesystem_files_free", "node_disk_read_bytes_total",
          "node_network_receive_bytes_total", "container_cpu_usage_seconds_total",
          "container_spec_cpu_quota", "container_cpu_cfs_throttled_periods_total",
          "container_memory_working_set_bytes", "container_spec_memory_limit_bytes",
          "container_network_receive_bytes_total", "container_fs_reads_bytes_total",
          "microc_container_state", "microc_container_restart_count", "container_oom_events_total",
          "microc_scrape_collector_success", "microc_scrape_collector_duration_seconds",
          "microc_watchdog_restarts_total", "microc_watchdog_gave_up", "microc_docker_up");
    }

    private JsonNode variable(Dashboard d, String name) {
      return d.variables().stream().filter(v -> v.path("name").asText().equals(name)).findFirst()
          .orElseThrow(() -> new AssertionError(d.title() + " has no variable " + name));
    }
  }
}
