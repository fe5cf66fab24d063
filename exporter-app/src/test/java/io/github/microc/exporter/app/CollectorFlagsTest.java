package io.github.microc.exporter.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.app.CollectorFlags.Setting;
import java.util.List;
import org.junit.jupiter.api.Test;

class CollectorFlagsTest {

  private static final List<String> COLLECTORS = List.of("cpu", "filesystem", "http_probe");

  @Test
  void enableAndDisableBecomeTheEnabledKey() {
    assertThat(CollectorFlags.parse(List.of("--collector.cpu", "--no-collector.filesystem",
        "--collector.http_probe=false"), COLLECTORS)).containsExactly(
        new Setting("microc.collectors.cpu.enabled", true, "flag --collector.cpu"),
        new Setting("microc.collectors.filesystem.enabled", false, "flag --no-collector.filesystem"),
        new Setting("microc.collectors.http_probe.enabled", false, "flag --collector.http_probe"));
  }

  @Test
  void keyFlagsSetTheCollectorsKeys() {
    assertThat(CollectorFlags.parse(List.of("--collector.filesystem.mount-points-exclude=^/snap/",
        "--collector.http_probe.targets", "[a, b]"), COLLECTORS)).containsExactly(
        new Setting("microc.collectors.filesystem.mount-points-exclude", "^/snap/",
            "flag --collector.filesystem.mount-points-exclude"),
        new Setting("microc.collectors.http_probe.targets", List.of("a", "b"),
            "flag --collector.http_probe.targets"));
  }

  @Test
  void aCamelCaseKeyAsNodeExporterSpellsOneIsTheKebabCaseKey() {
    assertThat(CollectorFlags.parse(List.of("--collector.filesystem.priorityStats"), COLLECTORS,
        "microc.collectors.filesystem.priority-stats"::equals))
        .containsExactly(new Setting("microc.collectors.filesystem.priority-stats", true,
            "flag --collector.filesystem.priorityStats"));
    assertThat(CollectorFlags.parse(List.of("--collector.http_probe.someKey=x"), COLLECTORS))
        .containsExactly(new Setting("microc.collectors.http_probe.some-key", "x",
            "flag --collector.http_probe.someKey"));
  }

  @Test
  void unknownCollectorNamesTheFlagAndListsTheCollectors() {
    assertThatThrownBy(() -> CollectorFlags.parse(List.of("--collector.cpux"), COLLECTORS))
        .isInstanceOf(UsageError.class)
        .hasMessage("unknown flag --collector.cpux: there is no collector \"cpux\""
            + " (collectors: cpu, filesystem, http_probe)");
  }

  @Test
  void otherArgumentsAreUnknownFlags() {
    assertThatThrownBy(() -> CollectorFlags.parse(List.of("--web.listen-adress=:1"), COLLECTORS))
        .isInstanceOf(UsageError.class)
        .hasMessage("unknown flag --web.listen-adress (see --help)");
    assertThatThrownBy(() -> CollectorFlags.parse(List.of("stray"), COLLECTORS))
        .isInstanceOf(UsageError.class)
        .hasMessageContaining("unexpected argument \"stray\"");
  }

  @Test
  void badBooleanIsAUsageError() {
    assertThatThrownBy(() -> CollectorFlags.parse(List.of("--collector.cpu=maybe"), COLLECTORS))
        .isInstanceOf(UsageError.class)
        .hasMessageContaining("--collector.cpu: expected true or false");
  }

  @Test
  void aTrueOrFalseKeyStandsAloneOrWithNoAsNodeExportersBooleanFlags() {
    java.util.function.Predicate<String> booleans = "microc.collectors.cpu.info"::equals;
    assertThat(CollectorFlags.parse(List.of("--collector.cpu.info", "--collector.filesystem.x", "1"),
        COLLECTORS, booleans)).containsExactly(
        new Setting("microc.collectors.cpu.info", true, "flag --collector.cpu.info"),
        new Setting("microc.collectors.filesystem.x", "1", "flag --collector.filesystem.x"));
    assertThat(CollectorFlags.parse(List.of("--no-collector.cpu.info"), COLLECTORS, booleans))
        .containsExactly(new Setting("microc.collectors.cpu.info", false, "flag --no-collector.cpu.info"));
    assertThat(CollectorFlags.parse(List.of("--collector.cpu.info=false"), COLLECTORS, booleans))
        .containsExactly(new Setting("microc.collectors.cpu.info", false, "flag --collector.cpu.info"));
    assertThatThrownBy(() -> CollectorFlags.parse(List.of("--no-collector.filesystem.x"), COLLECTORS, booleans))
        .isInstanceOf(UsageError.class)
        .hasMessageContaining("--no- applies to a collector or a true-or-false key");
  }
}
