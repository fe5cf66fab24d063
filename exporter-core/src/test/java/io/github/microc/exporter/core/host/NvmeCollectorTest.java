package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.testing.Exposition;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NvmeCollectorTest {

  private static final Path PARITY = Path.of("src/test/parity");

  @Test
  void controllersRenderAsNodeExporterExposesThem() {
    try (NvmeCollector collector = new NvmeCollector(PARITY.resolve("nvme/sys/class/nvme"))) {
      assertThat(Exposition.text(collector.collect())).isEqualTo("""
          # HELP node_nvme_info Non-numeric data from /sys/class/nvme/<device>, value is always 1.
          # TYPE node_nvme_info gauge
          node_nvme_info{device="nvme0",firmware_revision="1B2QEXM7",model="Samsung SSD 970 EVO Plus 1TB",serial="S4EWNX0R123456A",state="live"} 1
          node_nvme_info{device="nvme1",firmware_revision="GDC5302Q",model="INTEL SSDPE2KX010T8",serial="BTLJ9133024K1P0FGN",state="resetting"} 1
          node_nvme_info{device="nvme10",firmware_revision="5.10",model="Linux",serial="0f2d1b2c3d4e5f60",state="connecting"} 1
          """);
    }
  }

  @Test
  void aControllerWithoutItsStateIsNoData() {
    try (NvmeCollector collector = new NvmeCollector(PARITY.resolve("nvme-no-state/sys/class/nvme"));
        NvmeCollector none = new NvmeCollector(PARITY.resolve("nvme/sys/class/none"))) {
      assertThatThrownBy(collector::collect).isInstanceOf(NoDataException.class).hasMessageContaining("nvme1/state");
      assertThatThrownBy(none::collect).isInstanceOf(NoDataException.class);
    }
  }
}
