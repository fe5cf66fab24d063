package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import org.junit.jupiter.api.Test;

class SoftnetCollectorTest {

  @Test
  void capturedSoftnetStatPerCpu() {
    String text = Exposition.text(new SoftnetCollector(Fixtures.host().proc("net", "softnet_stat")).collect());

    assertThat(text).isEqualTo("""
        # HELP node_softnet_dropped_total Number of dropped packets
        # TYPE node_softnet_dropped_total counter
        node_softnet_dropped_total{cpu="0"} 0.0
        node_softnet_dropped_total{cpu="1"} 0.0
        # HELP node_softnet_processed_total Number of processed packets
        # TYPE node_softnet_processed_total counter
        node_softnet_processed_total{cpu="0"} 6733.0
        node_softnet_processed_total{cpu="1"} 10391.0
        # HELP node_softnet_times_squeezed_total Number of times processing packets ran out of quota
        # TYPE node_softnet_times_squeezed_total counter
        node_softnet_times_squeezed_total{cpu="0"} 0.0
        node_softnet_times_squeezed_total{cpu="1"} 0.0
        """);
  }

  @Test
  void cpusAreNumberedByLineWhateverTheirIdColumnSays() {
    String line = " 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 %s 00000000 00000000\n";

    assertThat(SoftnetCollector.parseSoftnet("0000000a 00000001 00000002" + line.formatted("00000000")
        + "000000ff 00000000 00000000" + line.formatted("00000003")))
        .containsExactly(new long[] {10, 1, 2}, new long[] {255, 0, 0});
  }

  @Test
  void aShortLineOrAValueThatIsNotHexadecimalIsAnError() {
    assertThatThrownBy(() -> SoftnetCollector.parseSoftnet("00000cf5 00000000 00000000 00000000\n"))
        .hasMessageContaining("4 columns were detected, but at least 9 were expected");
    assertThatThrownBy(() -> SoftnetCollector.parseSoftnet("0000zcf5" + " 00000000".repeat(10) + "\n"))
        .hasMessageContaining("\"0000zcf5\"");
  }
}
