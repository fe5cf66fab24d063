package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuddyinfoCollectorTest {

  @Test
  void capturedBuddyinfoRendersAsNodeExporterDoes() {
    try (BuddyinfoCollector collector = new BuddyinfoCollector(Path.of("src/test/parity/buddyinfo/proc/buddyinfo"))) {
      String text = Exposition.text(collector.collect());

      assertThat(text)
          .startsWith("# HELP node_buddyinfo_blocks Count of free blocks according to size.\n"
              + "# TYPE node_buddyinfo_blocks gauge\n")
          .contains("node_buddyinfo_blocks{node=\"0\",size=\"10\",zone=\"DMA\"} 3.0")
          .contains("node_buddyinfo_blocks{node=\"1\",size=\"10\",zone=\"Movable\"} 1024.0");
      assertThat(text.lines().filter(l -> !l.startsWith("#"))).hasSize(55);
    }
  }

  @Test
  void linesNodeExporterWouldNotAcceptFail() {
    assertThat(BuddyinfoCollector.parse("")).isEmpty();
    List<BuddyinfoCollector.Zone> zones = BuddyinfoCollector.parse("Node 0, zone DMA32 2 3\n");
    assertThat(zones).singleElement().satisfies(z -> {
      assertThat(z.node()).isEqualTo("0");
      assertThat(z.zone()).isEqualTo("DMA32");
      assertThat(z.counts()).containsExactly(2, 3);
    });
    assertThatThrownBy(() -> BuddyinfoCollector.parse("Node 0, zone\n")).hasMessageContaining("number of fields");
    assertThatThrownBy(() -> BuddyinfoCollector.parse("Node 0, zone DMA 1 2\n\n")).hasMessageContaining("number of fields");
    assertThatThrownBy(() -> BuddyinfoCollector.parse("Node 0, zone DMA 1 2\nNode 0, zone Normal 1\n"))
        .hasMessageContaining("mismatch in number of buddyinfo buckets, previous count 2, new count 1");
    assertThatThrownBy(() -> BuddyinfoCollector.parse("Node 0, zone DMA x 0\n")).hasMessageContaining("\"x\"");
  }
}
