package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.testing.Exposition;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EdacCollectorTest {

  private static final Path PARITY = Path.of("src/test/parity");

  @Test
  void controllersAndCsrowsRenderAsNodeExporterDoes() {
    try (EdacCollector collector = new EdacCollector(PARITY.resolve("edac/sys/devices/system/edac/mc"))) {
      String text = Exposition.text(collector.collect());

      assertThat(text)
          .contains("node_edac_correctable_errors_total{controller=\"10\"} 7.0")
          .contains("node_edac_csrow_correctable_errors_total{controller=\"0\",csrow=\"0\"} 2.0")
          .contains("node_edac_csrow_correctable_errors_total{controller=\"0\",csrow=\"unknown\"} 1.0")
          .contains("node_edac_csrow_uncorrectable_errors_total{controller=\"1\",csrow=\"unknown\"} 1.0")
          .contains("# TYPE node_edac_uncorrectable_errors_total counter");
      assertThat(text.lines().filter(l -> !l.startsWith("#"))).hasSize(18);
    }
  }

  @Test
  void aBadCountFailsKeepingWhatWasReadBefore() {
    try (EdacCollector collector = new EdacCollector(PARITY.resolve("edac-bad-csrow/sys/devices/system/edac/mc"))) {
      assertThatThrownBy(collector::collect).isInstanceOfSatisfying(PartialCollectionException.class, e -> {
        assertThat(e).hasMessageContaining("ue_count for controller 1/0").hasMessageContaining("\"-\"");
        assertThat(Exposition.text(e.collected()))
            .contains("node_edac_csrow_correctable_errors_total{controller=\"1\",csrow=\"0\"} 1.0")
            .doesNotContain("node_edac_csrow_uncorrectable_errors_total{controller=\"1\",csrow=\"0\"}");
      });
    }
  }

  @Test
  void noEdacDriverIsNothingAndNoFailure(@TempDir Path dir) {
    try (EdacCollector collector = new EdacCollector(dir.resolve("devices/system/edac/mc"))) {
      assertThat(collector.collect()).isEmpty();
    }
    assertThat(EdacCollector.number("mc12", "mc")).isEqualTo("12");
    assertThat(EdacCollector.number("csrow3x", "csrow")).isEqualTo("3");
  }
}
