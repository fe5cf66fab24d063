package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import org.junit.jupiter.api.Test;
import oshi.SystemInfo;

class LoadCollectorTest {

  @Test
  void capturedLoadavg() {
    String text = Exposition.text(new LoadCollector(Fixtures.host().proc("loadavg")).collect());

    assertThat(text).isEqualTo("""
        # HELP node_load1 1m load average.
        # TYPE node_load1 gauge
        node_load1 4.07
        # HELP node_load15 15m load average.
        # TYPE node_load15 gauge
        node_load15 0.78
        # HELP node_load5 5m load average.
        # TYPE node_load5 gauge
        node_load5 1.96
        """);
  }

  @Test
  void truncatedOrGarbledContentIsAnError() {
    assertThatThrownBy(() -> LoadCollector.parseLoadavg("0.1 0.2\n"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> LoadCollector.parseLoadavg("0.1 x 0.3 1/2 3\n"))
        .hasMessageContaining("\"x\"");
  }

  @Test
  void oshiFallbackAgreesWithProcfsOnLinux() {
    String text = Exposition.text(new LoadCollector(new SystemInfo().getHardware().getProcessor()).collect());

    assertThat(text).contains("node_load1 ", "node_load5 ", "node_load15 ");
  }
}
