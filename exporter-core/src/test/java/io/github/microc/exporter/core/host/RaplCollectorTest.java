package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaplCollectorTest {

  private static final Path PARITY = Path.of("src/test/parity");

  @Test
  void zonesAreNumberedAndNamedAsNodeExporterDoes() {
    Path powercap = PARITY.resolve("rapl/sys/class/powercap");
    try (RaplCollector collector = new RaplCollector(powercap, false)) {
      String text = Exposition.text(collector.collect());

      assertThat(text)
          .contains("node_rapl_core_joules_total{index=\"1\",path=\"" + powercap.resolve("intel-rapl:1:0") + "\"} 101.562001")
          .contains("# HELP node_rapl_dram_gpu_joules_total Current RAPL dram-gpu value in joules")
          .contains("node_rapl_package_joules_total{index=\"0\",path=\"" + powercap.resolve("intel-rapl-mmio:0") + "\"} 1.5")
          .contains("node_rapl_psys_joules_total{index=\"0\",path=\"" + powercap.resolve("intel-rapl:2") + "\"} 1.844674407370955E13")
          .doesNotContain("path=\"" + powercap.resolve("intel-rapl") + "\"");
    }
    try (RaplCollector collector = new RaplCollector(powercap, true)) {
      assertThat(Exposition.text(collector.collect()))
          .contains("node_rapl_joules_total{index=\"0\",path=\"" + powercap.resolve("intel-rapl:0:2") + "\",rapl_zone=\"dram\"} 43.110253")
          .doesNotContain("node_rapl_dram_joules_total");
    }
  }

  @Test
  void namesAreSplitAndSanitizedAsNodeExporterDoes() {
    assertThat(RaplCollector.Zone.named("package-1", Path.of("x"), null).index()).isEqualTo(1);
    assertThat(RaplCollector.Zone.named("package-1", Path.of("x"), null).name()).isEqualTo("package");
    assertThat(RaplCollector.Zone.named("dram-gpu", Path.of("x"), null).name()).isEqualTo("dram-gpu");
    assertThat(RaplCollector.Zone.named("a-b-1", Path.of("x"), null).name()).isEqualTo("a-b-1");
    assertThat(RaplCollector.Zone.named("x--1", Path.of("x"), null).name()).isEqualTo("x--1");
    assertThat(RaplCollector.Zone.named("x-+2", Path.of("x"), null).index()).isEqualTo(2);
    assertThat(RaplCollector.sanitize("dram-gpu_joules_total")).isEqualTo("dram_gpu_joules_total");
    assertThat(RaplCollector.sanitize("a_ b__joules_total")).isEqualTo("a_b__joules_total");
  }

  @Test
  void anUnreadableEnergyFailsKeepingTheZonesBefore() {
    try (RaplCollector collector = new RaplCollector(PARITY.resolve("rapl-energy-unreadable/sys/class/powercap"), false)) {
      assertThatThrownBy(collector::collect).isInstanceOfSatisfying(PartialCollectionException.class, e ->
          assertThat(Exposition.text(e.collected())).contains("node_rapl_package_joules_total{index=\"0\"")
              .doesNotContain("core").doesNotContain("uncore"));
    }
  }

  @Test
  void noPowercapOrNoRangeIsNoData(@TempDir Path dir) throws IOException {
    try (RaplCollector collector = new RaplCollector(dir.resolve("powercap"), false)) {
      assertThatThrownBy(collector::collect).isInstanceOf(NoDataException.class);
    }
    Path zone = Files.createDirectories(dir.resolve("powercap/intel-rapl:0"));
    Files.writeString(zone.resolve("name"), "package-0\n");
    Files.writeString(zone.resolve("energy_uj"), "1000000\n");
    try (RaplCollector collector = new RaplCollector(dir.resolve("powercap"), false)) {
      assertThatThrownBy(collector::collect).isInstanceOf(NoDataException.class).hasMessageContaining("max_energy_range_uj");

      Files.writeString(zone.resolve("max_energy_range_uj"), "262143328850\n");
      assertThat(Exposition.text(collector.collect())).contains("node_rapl_package_joules_total{index=\"0\"");
    }
  }
}
