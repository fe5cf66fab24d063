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

class UdpQueuesCollectorTest {

  private static final String HEADER =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n";

  @Test
  void capturedFilesWithoutSocketsAreZeros() {
    String text = Exposition.text(new UdpQueuesCollector(Fixtures.host().proc("net")).collect());

    assertThat(text).isEqualTo("""
        # HELP node_udp_queues Number of allocated memory in the kernel for UDP datagrams in bytes.
        # TYPE node_udp_queues gauge
        node_udp_queues{ip="v4",queue="rx"} 0.0
        node_udp_queues{ip="v4",queue="tx"} 0.0
        node_udp_queues{ip="v6",queue="rx"} 0.0
        node_udp_queues{ip="v6",queue="tx"} 0.0
        """);
  }

  @Test
  void queuesAreSummedAndAMissingFileLeavesItsVersionOut(@TempDir Path net) throws IOException {
    Files.writeString(net.resolve("udp"), HEADER
        + "  123: 00000000:0044 00000000:0000 07 00000100:00000200 00:00000000 00000000     0        0 13447 2 0000000000000000 0\n"
        + "  456: 0100007F:0035 00000000:0000 07 00000001:0000000a 00:00000000 00000000   101        0 20030 2 0000000000000000 0\n");

    String text = Exposition.text(new UdpQueuesCollector(net).collect());

    assertThat(text).contains("node_udp_queues{ip=\"v4\",queue=\"tx\"} 257.0",
        "node_udp_queues{ip=\"v4\",queue=\"rx\"} 522.0").doesNotContain("v6");
  }

  @Test
  void withoutEitherFileThereIsNoDataAndAShortLineIsAnError(@TempDir Path net) throws IOException {
    assertThatThrownBy(() -> new UdpQueuesCollector(net).collect()).isInstanceOf(NoDataException.class);

    Files.writeString(net.resolve("udp6"), HEADER + "  1: 00000000:0044 00000000:0000 07 00000100:00000200\n");
    assertThatThrownBy(() -> new UdpQueuesCollector(net).collect())
        .hasMessageContaining("udp6").hasMessageContaining("unexpected line");
  }
}
