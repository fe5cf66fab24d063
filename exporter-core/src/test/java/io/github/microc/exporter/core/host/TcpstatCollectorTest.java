package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TcpstatCollectorTest {

  private static final String HEADER =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

  @Test
  void capturedTcpAndTcp6ByState() {
    String text = Exposition.text(new TcpstatCollector(Fixtures.host().proc("net")).collect());

    assertThat(text).isEqualTo("""
        # HELP node_tcp_connection_states Number of connection states.
        # TYPE node_tcp_connection_states gauge
        node_tcp_connection_states{state="established"} 1.0
        node_tcp_connection_states{state="listen"} 1.0
        node_tcp_connection_states{state="rx_queued_bytes"} 0.0
        node_tcp_connection_states{state="time_wait"} 6.0
        node_tcp_connection_states{state="tx_queued_bytes"} 0.0
        """);
  }

  @Test
  void queuesAreSummedInHexadecimalAndTcp6IsOptional(@TempDir Path net) throws IOException {
    Files.writeString(net.resolve("tcp"), HEADER
        + "   0: 0100007F:1F90 0100007F:D2F0 01 0000001A:00000100 00:00000000 00000000  1000        0 5 1 0 20 4 30 10 -1\n"
        + "   1: 0100007F:1F91 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 6 1 0 100 0 0 10 0\n"
        + "   2: 0100007F:1F92 0100007F:D2F1 08 00000001:00000000 00:00000000 00000000     0        0 7 1 0 20 4 30 10 -1\n");

    String text = Exposition.text(new TcpstatCollector(net).collect());

    assertThat(text).contains("{state=\"established\"} 1.0", "{state=\"listen\"} 1.0",
        "{state=\"close_wait\"} 1.0", "{state=\"rx_queued_bytes\"} 259.0",
        "{state=\"tx_queued_bytes\"} 27.0").doesNotContain("syn_sent", "time_wait");
  }

  @Test
  void aLineOfTooFewFieldsOrNotHexadecimalIsAnError() {
    assertThatThrownBy(() -> TcpstatCollector.parseTcp(HEADER + "   0: 0100007F:1F90 0100007F:D2F0 01\n",
        "tcp", new long[14])).hasMessageContaining("unexpected line in tcp");
    assertThatThrownBy(() -> TcpstatCollector.parseTcp(HEADER
        + "   0: 0100007F:1F90 0100007F:D2F0 0x 00000000:00000000 00:00000000 00000000 0 0 5 1\n",
        "tcp", new long[14])).isInstanceOf(IllegalArgumentException.class);
  }
}
