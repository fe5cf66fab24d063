package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.github.microc.exporter.core.testing.Exposition;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfinibandCollectorTest {

  private static final Path PARITY = Path.of("src/test/parity");

  @Test
  void portsRenderAsNodeExporterExposesThem() {
    try (InfinibandCollector collector = new InfinibandCollector(PARITY.resolve("infiniband/sys/class/infiniband"))) {
      String text = Exposition.text(collector.collect());

      assertThat(text)
          .contains("node_infiniband_info{board_id=\"MT_0000000010\",device=\"mlx5_0\",firmware_version=\"16.35.2000\",hca_type=\"MT4119\"} 1")
          .contains("hca_type=\"\"")
          .contains("node_infiniband_state_id{device=\"mlx4_0\",port=\"2\"} 1.0")
          .contains("node_infiniband_rate_bytes_per_second{device=\"hfi1_0\",port=\"1\"} 3.125E8")
          .contains("node_infiniband_port_data_received_bytes_total{device=\"hfi1_0\",port=\"1\"} 12.0")
          .contains("node_infiniband_legacy_data_received_bytes_total{device=\"mlx4_0\",port=\"1\"} 2.0000000008E10")
          .contains("node_infiniband_port_transmit_wait_total{device=\"hfi1_0\",port=\"1\"} 1.8446744073709552E19")
          .doesNotContain("node_infiniband_port_data_received_bytes_total{device=\"mlx4_0\",port=\"2\"}")
          .doesNotContain("node_infiniband_symbol_error_total{device=\"mlx4_0\",port=\"2\"}")
          .doesNotContain("duplicate_request");
    }
  }

  @Test
  void aMissingRateOrClassIsNoData(@TempDir Path dir) {
    try (InfinibandCollector collector = new InfinibandCollector(PARITY.resolve("infiniband-no-rate/sys/class/infiniband"));
        InfinibandCollector none = new InfinibandCollector(dir.resolve("infiniband"))) {
      assertThatThrownBy(collector::collect).isInstanceOf(NoDataException.class).hasMessageContaining("rate");
      assertThatThrownBy(none::collect).isInstanceOf(NoDataException.class);
    }
  }

  @Test
  void statesRatesAndCountersParseAsNodeExporterParsesThem() {
    Path file = Path.of("x");
    assertThat(InfinibandCollector.stateId(file, "4: ACTIVE\n")).isEqualTo(4);
    assertThatThrownBy(() -> InfinibandCollector.stateId(file, "ACTIVE")).hasMessageContaining("ACTIVE");
    assertThatThrownBy(() -> InfinibandCollector.stateId(file, "4: A: B")).hasMessageContaining("could not parse");
    assertThat(InfinibandCollector.rate(file, "100 Gb/sec (4X EDR)\n")).isEqualTo(12_500_000_000L);
    assertThat(InfinibandCollector.rate(file, "2.5 Gb/sec (1X SDR)")).isEqualTo(312_500_000L);
    assertThat(InfinibandCollector.rate(file, "0.1 Gb/sec")).isEqualTo(12_500_000L);
    assertThatThrownBy(() -> InfinibandCollector.rate(file, "fast")).hasMessageContaining("fast");
    assertThat(InfinibandCollector.counter(file, "0x10")).isEqualTo(16);
    assertThat(InfinibandCollector.counter(file, "18446744073709551615")).isEqualTo(-1L);
    assertThat(InfinibandCollector.counter(file, "N/A (no PMA)")).isEqualTo(PseudoFiles.NOT_A_NUMBER);
    assertThatThrownBy(() -> InfinibandCollector.counter(file, "-1")).hasMessageContaining("\"-1\"");
  }
}
