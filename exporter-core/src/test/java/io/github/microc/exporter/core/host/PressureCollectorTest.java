package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.spi.NoDataException;
import io.github.microc.exporter.core.spi.PartialCollectionException;
import io.github.microc.exporter.core.spi.PseudoFiles;
import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PressureCollectorTest {

  @Test
  void capturedPressureFilesAreTotalsInSeconds() {
    String text = Exposition.text(new PressureCollector(Fixtures.host().proc("pressure")).collect());

    // The divisions node_exporter makes, to the last digit (157292335 / 1000.0 / 1000.0).
    assertThat(text).isEqualTo("""
        # HELP node_pressure_cpu_waiting_seconds_total Total time in seconds that processes have waited for CPU time
        # TYPE node_pressure_cpu_waiting_seconds_total counter
        node_pressure_cpu_waiting_seconds_total 157.29233499999998
        # HELP node_pressure_io_stalled_seconds_total Total time in seconds no process could make progress due to IO congestion
        # TYPE node_pressure_io_stalled_seconds_total counter
        node_pressure_io_stalled_seconds_total 3.591867
        # HELP node_pressure_io_waiting_seconds_total Total time in seconds that processes have waited due to IO congestion
        # TYPE node_pressure_io_waiting_seconds_total counter
        node_pressure_io_waiting_seconds_total 5.847970999999999
        # HELP node_pressure_memory_stalled_seconds_total Total time in seconds no process could make progress due to memory congestion
        # TYPE node_pressure_memory_stalled_seconds_total counter
        node_pressure_memory_stalled_seconds_total 0.004488000000000001
        # HELP node_pressure_memory_waiting_seconds_total Total time in seconds that processes have waited for memory
        # TYPE node_pressure_memory_waiting_seconds_total counter
        node_pressure_memory_waiting_seconds_total 0.013804
        """);
  }

  @Test
  void linesAKernelMayAddAreIgnoredAndAMissingLineIsNotAnError() {
    long[] totals = PressureCollector.parsePressure(
        "some avg10=0.00 avg60=0.00 avg300=0.00 total=12\nextra avg10=1 total=9\n");

    assertThat(totals).containsExactly(12, PseudoFiles.NOT_A_NUMBER);
  }

  @Test
  void aLineWithoutANumericTotalIsAnError() {
    assertThatThrownBy(() -> PressureCollector.parsePressure("some avg10=0.00 total=x\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("total=x");
    assertThatThrownBy(() -> PressureCollector.parsePressure("full avg10=0.00\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aKernelWithoutPsiHasNoData(@TempDir Path proc) {
    assertThatThrownBy(() -> new PressureCollector(proc.resolve("pressure")).collect())
        .isInstanceOf(NoDataException.class).hasMessageContaining("CONFIG_PSI");
  }

  @Test
  void whatWasReadBeforeAMissingFileIsKept(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("cpu"), "some avg10=0.00 avg60=0.00 avg300=0.00 total=2000000\n");

    assertThatThrownBy(() -> new PressureCollector(dir).collect())
        .isInstanceOfSatisfying(PartialCollectionException.class, e -> {
          assertThat(e.getCause()).isInstanceOf(NoDataException.class);
          assertThat(Exposition.text(e.collected()))
              .contains("node_pressure_cpu_waiting_seconds_total 2.0")
              .doesNotContain("node_pressure_io");
        });
  }

  @Test
  void anIoFileWithoutItsFullLineIsAnErrorNamingTheFile(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("cpu"), "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n");
    Files.writeString(dir.resolve("io"), "some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n");

    assertThatThrownBy(() -> new PressureCollector(dir).collect())
        .isInstanceOf(PartialCollectionException.class)
        .hasMessageContaining("io: no \"full\" line");
  }
}
