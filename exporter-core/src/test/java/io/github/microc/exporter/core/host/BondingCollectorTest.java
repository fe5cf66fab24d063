package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BondingCollectorTest {

  private static final Path PARITY = Path.of("src/test/parity");

  @Test
  void slavesAndActiveSlavesPerMasterAsNodeExporterCountsThem() {
    try (BondingCollector collector = new BondingCollector(PARITY.resolve("bonding/sys/class/net"))) {
      assertThat(Exposition.text(collector.collect())).isEqualTo("""
          # HELP node_bonding_active Number of active slaves per bonding interface.
          # TYPE node_bonding_active gauge
          node_bonding_active{master="bond0"} 1.0
          node_bonding_active{master="bond1"} 0.0
          node_bonding_active{master="bond2"} 1.0
          # HELP node_bonding_slaves Number of configured slaves per bonding interface.
          # TYPE node_bonding_slaves gauge
          node_bonding_slaves{master="bond0"} 2.0
          node_bonding_slaves{master="bond1"} 0.0
          node_bonding_slaves{master="bond2"} 2.0
          """);
    }
  }

  @Test
  void aMissingFileIsNoDataAsInNodeExporter(@TempDir Path dir) {
    try (BondingCollector gone = new BondingCollector(PARITY.resolve("bonding-slave-gone/sys/class/net"));
        BondingCollector none = new BondingCollector(dir)) {
      assertThatThrownBy(gone::collect).isInstanceOf(NoDataException.class).hasMessageContaining("slave_eth1");
      assertThatThrownBy(none::collect).isInstanceOf(NoDataException.class).hasMessageContaining("bonding_masters");
    }
  }

  @Test
  void aSlaveThatComesUpIsCountedOnTheNextScrape(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("bonding_masters"), "bond0\n");
    Files.createDirectories(dir.resolve("bond0/bonding"));
    Files.writeString(dir.resolve("bond0/bonding/slaves"), "eth0\n");
    Path status = Files.createDirectories(dir.resolve("bond0/lower_eth0/bonding_slave")).resolve("mii_status");
    Files.writeString(status, "down\n");
    try (BondingCollector collector = new BondingCollector(dir)) {
      assertThat(Exposition.text(collector.collect())).contains("node_bonding_active{master=\"bond0\"} 0.0");

      Files.writeString(status, "up\n");
      assertThat(Exposition.text(collector.collect())).contains("node_bonding_active{master=\"bond0\"} 1.0");

      Files.writeString(dir.resolve("bonding_masters"), "\n");
      assertThat(collector.collect()).isEmpty();
    }
  }
}
