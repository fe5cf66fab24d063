package io.github.microc.exporter.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.github.microc.exporter.core.spi.ConfigError;
import io.github.microc.exporter.core.spi.PluginConfig;
import io.github.microc.exporter.docker.ContainerSettings.StatsSource;
import io.github.microc.exporter.docker.metadata.ContainerInfo;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ContainerSettingsTest {

  static final String PATH = "microc.collectors.containers";

  /** The block as a user file would set it, over this jar's reference.conf. */
  static ContainerSettings settings(String hocon) {
    Config user = ConfigFactory.parseString(hocon,
        com.typesafe.config.ConfigParseOptions.defaults().setOriginDescription("microc.conf"));
    Config merged = user.atPath(PATH).withFallback(ConfigFactory.defaultReference()).resolve();
    return ContainerSettings.from(new PluginConfig(PATH, merged.getConfig(PATH)));
  }

  static ContainerInfo container(String name, Map<String, String> labels) {
    return new ContainerInfo("id", name, "img", "", labels, "running", 1, 0, 0, false, null, "",
        "default", 0, 100_000, 1024, 0, 0);
  }

  @Test
  void defaults() {
    ContainerSettings s = settings("");
    assertThat(s.dockerHost()).isEmpty();
    assertThat(s.statsSource()).isEqualTo(StatsSource.AUTO);
    assertThat(s.relistInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.labelAllowList()).containsExactly("com.docker.compose.project",
        "com.docker.compose.service", "com.docker.swarm.service.name", "com.docker.swarm.task.name",
        "io.kubernetes.pod.name", "io.kubernetes.pod.namespace", "io.kubernetes.container.name");
    assertThat(s.selects(container("anything", Map.of()))).isTrue();
  }

  @Nested
  class StatsSourceKey {
    @Test
    void acceptsEachValue() {
      assertThat(settings("stats-source = api").statsSource()).isEqualTo(StatsSource.API);
      assertThat(settings("stats-source = cgroup").statsSource()).isEqualTo(StatsSource.CGROUP);
    }

    @Test
    void rejectsOthersWithKeyAndFile() {
      assertThatThrownBy(() -> settings("stats-source = files"))
          .isInstanceOf(ConfigError.class)
          .hasMessageContaining("microc.conf: 1")
          .hasMessageContaining(PATH + ".stats-source: must be one of auto, cgroup, api");
    }
  }

  @Nested
  class NameFilters {
    @Test
    void includeAndExcludeMatchTheWholeName() {
      ContainerSettings s = settings("name-include = \"web-.*\"\nname-exclude = \".*-canary\"");
      assertThat(s.selects(container("web-1", Map.of()))).isTrue();
      assertThat(s.selects(container("web-1-canary", Map.of()))).isFalse();
      assertThat(s.selects(container("db", Map.of()))).isFalse();
      assertThat(s.selects(container("my-web-1", Map.of()))).isFalse();
    }

    @Test
    void aBadRegexNamesTheKey() {
      assertThatThrownBy(() -> settings("name-exclude = \"(\""))
          .isInstanceOf(ConfigError.class)
          .hasMessageContaining(PATH + ".name-exclude: not a valid regex");
    }
  }

  @Nested
  class LabelFilters {
    @Test
    void keyValueOrKeyAlone() {
      ContainerSettings s = settings("label-include = [\"team=payments\", \"monitor\"]\n"
          + "label-exclude = [\"monitor=false\"]");
      assertThat(s.selects(container("a", Map.of("team", "payments")))).isTrue();
      assertThat(s.selects(container("a", Map.of("team", "search")))).isFalse();
      assertThat(s.selects(container("a", Map.of("monitor", "yes")))).isTrue();
      assertThat(s.selects(container("a", Map.of("monitor", "false")))).isFalse();
      assertThat(s.selects(container("a", Map.of()))).isFalse();
    }

    @Test
    void anEmptyKeyIsRejected() {
      assertThatThrownBy(() -> settings("label-exclude = [\"=x\"]"))
          .isInstanceOf(ConfigError.class)
          .hasMessageContaining(PATH + ".label-exclude: \"=x\" has no label name");
    }
  }

  @Nested
  class LabelAllowList {
    @Test
    void namesAreSanitizedAsCadvisorDoes() {
      assertThat(ContainerSettings.labelName("com.docker.compose.project"))
          .isEqualTo("container_label_com_docker_compose_project");
      assertThat(ContainerSettings.labelName("a-b/c:d é")).isEqualTo("container_label_a_b_c_d__");
    }

    @Test
    void twoLabelsWithOneExposedNameAreRejected() {
      assertThatThrownBy(() -> settings("label-allow-list = [\"a.b\", \"a-b\"]"))
          .isInstanceOf(ConfigError.class)
          .hasMessageContaining("\"a.b\" and \"a-b\" would both be exported as container_label_a_b");
    }
  }

  @Nested
  class Metrics {
    @Test
    void theDefaultIsCadvisorsButPerCpu() {
      assertThat(settings("").metrics()).containsExactlyInAnyOrder(MetricSet.CPU, MetricSet.MEMORY,
          MetricSet.DISK_IO, MetricSet.DISK, MetricSet.NETWORK, MetricSet.OOM_EVENT, MetricSet.PRESSURE);
    }

    @Test
    void aListReplacesTheDefault() {
      ContainerSettings s = settings("metrics = [cpu, percpu, process]");
      assertThat(s.metrics()).containsExactlyInAnyOrder(MetricSet.CPU, MetricSet.PERCPU, MetricSet.PROCESS);
      assertThat(s.has(MetricSet.MEMORY)).isFalse();
      assertThat(settings("metrics = []").metrics()).isEmpty();
    }

    @Test
    void anUnknownKindIsRejectedWithTheKnownOnes() {
      assertThatThrownBy(() -> settings("metrics = [cpu, memroy]"))
          .isInstanceOf(ConfigError.class)
          .hasMessageContaining("microc.conf: 1")
          .hasMessageContaining(PATH + ".metrics: unknown kind \"memroy\"; known: cpu, percpu, memory,"
              + " diskIO, disk, network, oom_event, process, pressure");
    }

    @Test
    void cadvisorsOtherKindsSaySo() {
      assertThatThrownBy(() -> settings("metrics = [cpu, cpuLoad]"))
          .isInstanceOf(ConfigError.class)
          .hasMessageContaining("\"cpuLoad\" is one of cAdvisor's kinds that Microc does not collect"
              + " (container_cpu_load_average_10s needs cAdvisor's netlink load reader");
      assertThatThrownBy(() -> settings("metrics = [tcp]"))
          .hasMessageContaining("\"tcp\" is one of cAdvisor's kinds that Microc does not collect; Microc has cpu,");
    }
  }

  @Nested
  class DiskUsage {
    @Test
    void defaults() {
      ContainerSettings s = settings("");
      assertThat(s.diskUsageInterval()).isEqualTo(Duration.ofMinutes(1));
      assertThat(s.diskUsageTimeout()).isEqualTo(Duration.ofSeconds(10));
      assertThat(s.diskUsageVolumes()).isFalse();
      assertThat(s.rootCgroup()).isTrue();
    }

    @Test
    void theIntervalMustBePositive() {
      assertThatThrownBy(() -> settings("disk-usage-interval = 0s"))
          .isInstanceOf(ConfigError.class)
          .hasMessageContaining(PATH + ".disk-usage-interval: must be positive");
    }
  }

  @Test
  void dockerHostMustBeAUnixOrTcpAddress() {
    assertThat(settings("docker-host = \"tcp://10.0.0.5:2375\"").dockerHost()).isEqualTo("tcp://10.0.0.5:2375");
    assertThatThrownBy(() -> settings("docker-host = \"/var/run/docker.sock\""))
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining(PATH + ".docker-host: not a Docker host: \"/var/run/docker.sock\"");
  }

  @Test
  void aRefusedDockerHostIsShownWithoutItsSecrets() {
    assertThatThrownBy(() -> settings("docker-host = \"ssh://admin:s3cret@docker.internal?token=abc\""))
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining("not a Docker host: \"ssh://docker.internal?token=<secret>\"")
        .hasMessageNotContaining("s3cret")
        .hasMessageNotContaining("abc");
  }

  @Test
  void parallelismMustBePositive() {
    assertThatThrownBy(() -> settings("api-stats-parallelism = 0"))
        .isInstanceOf(ConfigError.class)
        .hasMessageContaining(PATH + ".api-stats-parallelism: must be at least 1");
  }
}
