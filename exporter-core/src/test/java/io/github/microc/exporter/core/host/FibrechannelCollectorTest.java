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

class FibrechannelCollectorTest {

  private static final Path CLASS = Path.of("src/test/parity/fibrechannel/sys/class/fc_host");

  @Test
  void hostsRenderAsNodeExporterExposesThem() {
    try (FibrechannelCollector collector = new FibrechannelCollector(CLASS)) {
      String text = Exposition.text(collector.collect());

      assertThat(text)
          .contains("node_fibrechannel_info{dev_loss_tmo=\"30\",fabric_name=\"0\",fc_host=\"host0\",port_id=\"000002\","
              + "port_name=\"1000e0071bce95f2\",port_state=\"Online\",port_type=\"Point-To-Point (direct nport connection)\","
              + "speed=\"16 Gbit\",supported_classes=\"Class 3\",supported_speeds=\"4 Gbit, 8 Gbit, 16 Gbit\","
              + "symbolic_name=\"Emulex SN1100E2P FV12.4.270.3 DV12.4.0.0. HN:gotest. OS:Linux\"} 1")
          .contains("node_fibrechannel_rx_frames_total{fc_host=\"host0\"} 22.0") // 0x16
          .contains("node_fibrechannel_fcp_packet_aborts_total{fc_host=\"host1\"} 0.0") // no file: 0
          .doesNotContain("node_fibrechannel_dumped_frames_total{fc_host=\"host1\"}") // 2^64 - 1
          .contains("# TYPE node_fibrechannel_seconds_since_last_reset_total counter");
    }
  }

  @Test
  void noStatisticsIsNoDataAndAMissingIdentityFileFails(@TempDir Path dir) throws IOException {
    Path host = Files.createDirectories(dir.resolve("host0"));
    try (FibrechannelCollector collector = new FibrechannelCollector(dir)) {
      assertThatThrownBy(collector::collect).isInstanceOf(NoDataException.class).hasMessageContaining("statistics");

      Files.createDirectories(host.resolve("statistics"));
      assertThatThrownBy(collector::collect).isNotInstanceOf(NoDataException.class).hasMessageContaining("speed");
    }
    assertThat(FibrechannelCollector.withoutPrefix("0x0")).isEqualTo("0");
    assertThat(FibrechannelCollector.withoutPrefix("0x")).isEqualTo("0x");
  }
}
