package io.github.microc.exporter.core.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.microc.exporter.core.testing.Exposition;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TcpstatCollectorTest {

  private static final String HEADER =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

  @Test
  void capturedTcpAndTcp6ByState() {
    String text = Exposition.text(new TcpstatCollector(Fixtures.host().proc("net"), false).collect());

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

    String text = Exposition.text(new TcpstatCollector(net, false).collect());

    assertThat(text).contains("{state=\"established\"} 1.0", "{state=\"listen\"} 1.0",
        "{state=\"close_wait\"} 1.0", "{state=\"rx_queued_bytes\"} 259.0",
        "{state=\"tx_queued_bytes\"} 27.0").doesNotContain("syn_sent", "time_wait");
  }

  @Test
  void netlinkMessagesAreCountedByStateWithTheirQueuesUntilDone() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(4 * 88 + 20).order(ByteOrder.nativeOrder());
    message(b, 10, 0, 4096); // a listener: its accept queue and backlog limit
    message(b, 1, 3, 26);
    message(b, 1, 0, 0);
    message(b, 6, 0, 0);
    b.putInt(20).putShort((short) 3).putShort((short) 2).putInt(1).putInt(0).putInt(0); // NLMSG_DONE
    b.flip();
    long[] counts = new long[14];

    assertThat(SockDiag.parse(b, counts)).isTrue();
    assertThat(counts[1]).isEqualTo(2);
    assertThat(counts[6]).isEqualTo(1);
    assertThat(counts[10]).isEqualTo(1);
    assertThat(counts[12]).isEqualTo(3);
    assertThat(counts[13]).isEqualTo(4122);
  }

  @Test
  void aNetlinkErrorMessageIsAnErrorWithItsErrno() {
    ByteBuffer b = ByteBuffer.allocate(36).order(ByteOrder.nativeOrder());
    b.putInt(36).putShort((short) 2).putShort((short) 0).putInt(1).putInt(0).putInt(-1).put(new byte[16]);
    b.flip();

    assertThatThrownBy(() -> SockDiag.parse(b, new long[14])).hasMessageContaining("errno 1");
  }

  @Test
  void theKernelsDumpCountsTheListenerOfThisTest() throws Exception {
    assertThat(SockDiag.available()).isTrue();
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String text = Exposition.text(new TcpstatCollector(Path.of("/proc/net"), true).collect());

      assertThat(text).containsPattern("node_tcp_connection_states\\{state=\"listen\"} [1-9]")
          .contains("state=\"tx_queued_bytes\"");
    }
  }

  /** An inet_diag_msg of a socket in {@code state} with these queues, after its nlmsghdr. */
  private static void message(ByteBuffer b, int state, int rqueue, int wqueue) {
    b.putInt(88).putShort((short) 20).putShort((short) 2).putInt(1).putInt(0);
    b.put((byte) 2).put((byte) state).put((byte) 0).put((byte) 0).put(new byte[48]);
    b.putInt(0).putInt(rqueue).putInt(wqueue).putInt(0).putInt(0);
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
