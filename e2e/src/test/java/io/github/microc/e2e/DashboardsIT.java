package io.github.microc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.microc.e2e.support.Dashboards;
import io.github.microc.e2e.support.Dashboards.Dashboard;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Microc's Grafana dashboards and alert rules against a real Prometheus scraping real Microc
 * instances, and the dashboards' structure.
 */
class DashboardsIT {

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
