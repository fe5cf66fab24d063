package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.host.HostFiles.DeviceFilter;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArpCollectorTest {

  private static final String TABLE = """
      IP address       HW type     Flags       HW address            Mask     Device
      192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0
      192.0.2.9        0x1         0x0         00:00:00:00:00:00     *        eth0
      10.0.0.1         0x1         0x2         02:42:ac:11:00:02     *        docker0
      """;

  @Test
  void capturedArpTable() {
    String text = Exposition.text(new ArpCollector(Fixtures.host().proc("net", "arp"), DeviceFilter.NONE).collect());

    assertThat(text).isEqualTo("""
        # HELP node_arp_entries ARP entries by device
        # TYPE node_arp_entries gauge
        node_arp_entries{device="eth0"} 1.0
        """);
  }

  @Test
  void incompleteEntriesCountAndTheDeviceFilterApplies(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("arp"), TABLE);

    String all = Exposition.text(new ArpCollector(dir.resolve("arp"), DeviceFilter.NONE).collect());
    String some = Exposition.text(new ArpCollector(dir.resolve("arp"),
        new DeviceFilter(null, Pattern.compile("^docker"))).collect());

    assertThat(all).contains("node_arp_entries{device=\"eth0\"} 2.0", "node_arp_entries{device=\"docker0\"} 1.0");
    assertThat(some).contains("node_arp_entries{device=\"eth0\"} 2.0").doesNotContain("docker0");
  }

  @Test
  void aLineOfFewerThanSixColumnsEmptyOnesIncludedIsAnError() {
    assertThatThrownBy(() -> ArpCollector.parseArp(TABLE + "\n", new LineNames<>(n -> n)))
        .hasMessageContaining("unexpected ARP table format");
    assertThatThrownBy(() -> ArpCollector.parseArp("192.0.2.1 0x1 eth0\n", new LineNames<>(n -> n)))
        .hasMessageContaining("a line of 3 columns");
  }
}
