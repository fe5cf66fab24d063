package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeminfoNumaCollectorTest {

  @Test
  void capturedNodesRenderAsNodeExporterDoes() {
    try (MeminfoNumaCollector collector = new MeminfoNumaCollector(
        Path.of("src/test/parity/meminfo_numa/sys/devices/system/node"))) {
      String text = Exposition.text(collector.collect());

      assertThat(text)
          .contains("# HELP node_memory_numa_MemFree Memory information field MemFree.")
          .contains("node_memory_numa_MemFree{node=\"1\"} 1.073741824E9")
          .contains("# TYPE node_memory_numa_numa_hit_total counter")
          .contains("# HELP node_memory_numa_numa_hit_total Memory information field numa_hit_total.")
          .contains("node_memory_numa_numa_hit_total{node=\"1\"} 12.0")
          .contains("node_memory_numa_HugePages_Total{node=\"0\"} 0.0")
          .contains("node_memory_numa_Active_anon{node=\"0\"}")
          .doesNotContain("_bytes");
    }
  }

  @Test
  void linesNodeExporterWouldNotAcceptFail() {
    assertThat(MeminfoNumaCollector.parseMeminfo("Node 3 Inactive(file):   4 kB\n\n"))
        .containsExactly(new MeminfoNumaCollector.Field("Inactive_file", "3", 4096));
    assertThatThrownBy(() -> MeminfoNumaCollector.parseMeminfo("Node 0 MemTotal: 1 MB\n"))
        .hasMessageContaining("invalid line in meminfo");
    assertThatThrownBy(() -> MeminfoNumaCollector.parseMeminfo("Node 0 MemTotal:\n"))
        .hasMessageContaining("invalid value in meminfo");
    assertThatThrownBy(() -> MeminfoNumaCollector.parseNumastat("numa_hit 12 3\n", "0"))
        .hasMessageContaining("did not return 2 fields");
  }

  @Test
  void noNodesIsNothing(@TempDir Path dir) {
    try (MeminfoNumaCollector collector = new MeminfoNumaCollector(dir.resolve("node"))) {
      assertThat(collector.collect()).isEmpty();
    }
  }
}
