package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XfsCollectorTest {

  private static final Path TREE = Path.of("src/test/parity/xfs/sys/fs/xfs");

  @Test
  void everyDeviceWithStatsAndNotTheGlobalOne() {
    String text = Exposition.text(new XfsCollector(TREE).collect());

    assertThat(text).contains("node_xfs_write_calls_total{device=\"sda1\"} 3.245220484E9\n",
        "node_xfs_read_calls_total{device=\"sda1\"} 2.683504527E9\n",
        "node_xfs_read_calls_total{device=\"loop0\"} 0.0\n",
        "node_xfs_vnode_remove_total{device=\"nvme0n1p3\"} ")
        .doesNotContain("device=\"stats\"", "device=\"dm-2\"");
    assertThat(text.lines().filter(l -> l.startsWith("# TYPE"))).hasSize(39)
        .allMatch(l -> l.endsWith(" counter"));
  }

  @Test
  void noXfsIsNothingAndNoError(@TempDir Path dir) throws IOException {
    assertThat(new XfsCollector(dir.resolve("xfs")).collect()).isEmpty();
    Files.createDirectories(dir.resolve("xfs/stats"));
    Files.writeString(dir.resolve("xfs/stats/stats"), "rw 1 2\n");
    assertThat(new XfsCollector(dir.resolve("xfs")).collect()).isEmpty();
  }

  @Test
  void theRulesOfNodeExportersParser() {
    assertThat(XfsCollector.parseStats("rw 1 2\nabt\n\nxpc 18446744073709551615 0 1\nqm 1 2\n", "f"))
        .containsKeys("rw", "xpc", "qm").doesNotContainKey("abt");
    assertThatThrownBy(() -> XfsCollector.parseStats("blk_map 1 2 3\n", "f"))
        .hasMessage("f: incorrect number of values for XFS blk_map stats: 3");
    assertThatThrownBy(() -> XfsCollector.parseStats("rw 4294967296 1\n", "f"))
        .hasMessageContaining("32-bit");
    assertThatThrownBy(() -> XfsCollector.parseStats("debug x\n", "f")).hasMessageContaining("\"x\"");
    assertThat(XfsCollector.parseStats("vnodes 1 2 3 4 5 6 7\n", "f")).containsKey("vnodes");
  }

  @Test
  void aDeviceThatGoesAwayIsNoLongerReported(@TempDir Path dir) throws IOException {
    Path stats = Files.createDirectories(dir.resolve("sdz9/stats")).resolve("stats");
    Files.writeString(stats, "rw 5 6\n");
    XfsCollector collector = new XfsCollector(dir);

    assertThat(Exposition.text(collector.collect())).contains("node_xfs_read_calls_total{device=\"sdz9\"} 6.0");
    Files.delete(stats);
    assertThat(collector.collect()).isEmpty();
  }
}
